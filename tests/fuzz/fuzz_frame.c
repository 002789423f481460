/*
 * libFuzzer target: a frame as it arrives from the network. Walks it with
 * the wire check (on any bytes, as the hub would after a successful
 * unpack, and before one), unpacks it as an Envelope, validates it, re-encodes it and writes its JSON, as the hub
 * and the adapters would. Any crash, leak or undefined behaviour is a bug.
 */
#include <stdint.h>
#include <stdlib.h>

#include "codec_json.h"
#include "envelope.h"
#include "validate.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	Famlink__V1__Envelope *env = envelope_unpack(data, len, NULL);
	uint8_t *packed;
	size_t plen;
	char *json;
	err_t err;

	(void)wire_check(&famlink__v1__envelope__descriptor, data, len, &err);
	if (env == NULL)
		return 0;
	(void)validate_envelope(env, &err);
	(void)envelope_id_ok(env->message_id);
	if ((packed = envelope_pack(env, &plen, NULL)) != NULL)
		free(packed);
	if ((json = codec_to_json_string(&env->base, 0, &err)) != NULL)
		free(json);
	envelope_free(&env);
	return 0;
}
