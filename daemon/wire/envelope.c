/* envelope — see envelope.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"
#include "envelope.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* ULID: time first so ids sort by creation; within one millisecond the
 * random part is incremented, so ids from this process never go backwards. */
void
envelope_new_id(char out[MESSAGE_ID_LEN + 1])
{
	static int64_t last_ms;
	static uint8_t last_rand[10];
	uint8_t bytes[16];
	int64_t ms = clock_now_ms();
	int i;

	if (ms <= last_ms) {
		ms = last_ms;
		for (i = 9; i >= 0 && ++last_rand[i] == 0; i--)
			;
	} else if (getrandom(last_rand, sizeof(last_rand), 0) != (ssize_t)sizeof(last_rand)) {
		for (i = 0; i < 10; i++)   /* getrandom cannot fail for 10 bytes; belt and braces */
			last_rand[i] = (uint8_t)(rand() & 0xff);
	}
	last_ms = ms;
	for (i = 0; i < 6; i++)
		bytes[i] = (uint8_t)(ms >> (40 - 8 * i));
	memcpy(bytes + 6, last_rand, 10);
	/* 128 bits as 26 base32 digits: the first digit holds the top 3 bits. */
	for (i = 0; i < MESSAGE_ID_LEN; i++) {
		int bit = 128 - 5 * (MESSAGE_ID_LEN - i);   /* may be negative for i = 0 */
		unsigned v = 0;
		for (int b = 0; b < 5; b++, bit++) {
			v <<= 1;
			if (bit >= 0)
				v |= (bytes[bit / 8] >> (7 - bit % 8)) & 1;
		}
		out[i] = crockford[v];
	}
	out[MESSAGE_ID_LEN] = '\0';
}

void
envelope_init(Famlink__V1__Envelope *env, char id_buf[MESSAGE_ID_LEN + 1],
    const char *sender, const char *recipient)
{
	famlink__v1__envelope__init(env);
	envelope_new_id(id_buf);
	env->message_id = id_buf;
	env->schema_version = FAMLINK__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT;
	env->sender = (char *)sender;
	env->recipient = (char *)recipient;
	env->created_at_ms = clock_now_ms();
}

uint8_t *
envelope_pack(const Famlink__V1__Envelope *env, size_t *len, err_t *err)
{
	uint8_t *buf;

	*len = famlink__v1__envelope__get_packed_size(env);
	if ((buf = malloc(*len ? *len : 1)) == NULL) {
		err_set(err, 0, "out of memory packing %zu bytes", *len);
		return NULL;
	}
	famlink__v1__envelope__pack(env, buf);
	return buf;
}

Famlink__V1__Envelope *
envelope_unpack(const void *data, size_t len, err_t *err)
{
	Famlink__V1__Envelope *env = famlink__v1__envelope__unpack(NULL, len, data);

	if (env == NULL)
		err_set(err, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED,
		    "not a famlink Envelope (%zu bytes)", len);
	return env;
}

void
envelope_free(Famlink__V1__Envelope **env)
{
	if (*env == NULL)
		return;
	famlink__v1__envelope__free_unpacked(*env, NULL);
	*env = NULL;
}

const char *
envelope_body_name(const Famlink__V1__Envelope *env)
{
	const ProtobufCFieldDescriptor *f;

	if (env->body_case == FAMLINK__V1__ENVELOPE__BODY__NOT_SET)
		return env->base.n_unknown_fields ? "unknown" : "none";
	f = protobuf_c_message_descriptor_get_field(&famlink__v1__envelope__descriptor,
	    (unsigned)env->body_case);
	return f ? f->name : "unknown";
}

bool
envelope_id_ok(const char *id)
{
	size_t n = 0;

	if (id == NULL)
		return false;
	for (; id[n] != '\0'; n++) {
		char c = id[n];
		if (n >= 32 || !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z') || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

int
envelope_is_sequenced(const Famlink__V1__Envelope *env)
{
	return env->body_case != FAMLINK__V1__ENVELOPE__BODY_RECEIPT &&
	    env->body_case != FAMLINK__V1__ENVELOPE__BODY_HELLO;
}

bool
envelope_is_ulid(const char *id)
{
	size_t i;

	if (id == NULL || strlen(id) != MESSAGE_ID_LEN || id[0] < '0' || id[0] > '7')
		return false;
	for (i = 0; i < MESSAGE_ID_LEN; i++)
		if (strchr(crockford, id[i]) == NULL)
			return false;
	return true;
}
