/* envelope_json — see envelope_json.h. */
#include <stdlib.h>
#include <string.h>

#include "codec_json.h"
#include "envelope.h"
#include "envelope_json.h"

/* The body alone: the header at the defaults, which the mapping leaves out. */
static json_t *
body_json(const Famlink__V1__Envelope *env, err_t *err)
{
	Famlink__V1__Envelope b = *env;

	b.message_id = b.sender = b.recipient = b.referral_id = b.answers_message_id = "";
	b.schema_version = 0;
	b.created_at_ms = 0;
	b.sequence = 0;
	b.confidential = 0;
	return codec_to_json(&b.base, err);
}

json_t *
envelope_json(const uint8_t *data, size_t len, int flags, json_t **unknown, err_t *err)
{
	Famlink__V1__Envelope *env;
	json_t *j = NULL;

	if (unknown != NULL)
		*unknown = NULL;
	if ((env = envelope_unpack(data, len, err)) == NULL)
		return NULL;
	j = flags & ENVELOPE_JSON_BODY ? body_json(env, err) : codec_to_json(&env->base, err);
	if (j != NULL && unknown != NULL && (*unknown = codec_unknown_fields(&env->base)) == NULL) {
		json_decref(j);
		j = NULL;
		err_set(err, 0, "out of memory");
	}
	envelope_free(&env);
	return j;
}

char *
envelope_json_line(const uint8_t *data, size_t len, size_t *outlen, err_t *err)
{
	json_t *j = envelope_json(data, len, 0, NULL, err);
	char *text, *line = NULL;
	size_t n;

	if (j == NULL)
		return NULL;
	if ((text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL) {
		n = strlen(text);
		if ((line = realloc(text, n + 2)) != NULL) {
			memcpy(line + n, "\n", 2);
			*outlen = n + 1;
		} else {
			free(text);
		}
	}
	json_decref(j);
	if (line == NULL)
		err_set(err, 0, "out of memory");
	return line;
}
