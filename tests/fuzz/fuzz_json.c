/*
 * libFuzzer target: an Envelope as JSON, the way famlinkctl send and the
 * adapters read it. Parses, validates and writes it back.
 */
#include <stdint.h>
#include <stdlib.h>

#include "codec_json.h"
#include "famlink.pb-c.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	ProtobufCMessage *m = codec_from_json_string(&famlink__v1__envelope__descriptor,
	    (const char *)data, len, NULL);
	char *json;
	err_t err;

	if (m == NULL)
		return 0;
	(void)validate_envelope((const Famlink__V1__Envelope *)m, &err);
	if ((json = codec_to_json_string(m, CODEC_PRETTY, &err)) != NULL)
		free(json);
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}
