/* envelope_json — see envelope_json.h. */
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

json_t *
envelope_message_json(const Famlink__V1__Envelope *env, err_t *err)
{
	json_t *body = body_json(env, err), *unknown, *j;

	if (body == NULL)
		return NULL;
	if ((unknown = codec_unknown_fields(&env->base)) == NULL) {
		json_decref(body);
		err_set(err, 0, "out of memory");
		return NULL;
	}
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:o}",
	    "messageId", env->message_id, "sender", env->sender, "recipient", env->recipient,
	    "referralId", env->referral_id, "bodyType", envelope_body_name(env),
	    "createdAtMs", (json_int_t)env->created_at_ms, "body", body, "unknownFields", unknown);
	if (j == NULL)
		err_set(err, 0, "out of memory");
	return j;
}
