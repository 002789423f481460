/* routine — see routine.h. */
#include <stdio.h>
#include <string.h>

#include "envelope.h"
#include "routine.h"
#include "store_queue.h"
#include "store_referral.h"

#define CODE(x) FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_##x
#define BODY(x) FAMLINK__V1__ENVELOPE__BODY_##x

enum direction { TO_POOL = 1, TO_MUNICIPALITY = 2, EITHER = 3 };

static enum direction
direction_of(Famlink__V1__Envelope__BodyCase body)
{
	switch (body) {
	case BODY(REFERRAL): case BODY(AD_DECISION): case BODY(PROPOSAL_DECISION):
	case BODY(CONTACT_MADE): case BODY(STATUS_REPORT): case BODY(FAMILY_RETURNED):
	case BODY(REFERRAL_CLOSED):
		return TO_POOL;
	case BODY(REFERRAL_ACK): case BODY(REFERRAL_REJECTED): case BODY(AD_PROPOSAL):
	case BODY(FAMILY_PROPOSAL): case BODY(FAMILY_CONSENT):
		return TO_MUNICIPALITY;
	default:
		return EITHER;
	}
}

/* The state a body moves its referral to, or NULL for none (yet). */
static const char *
state_after(Famlink__V1__Envelope__BodyCase body)
{
	switch (body) {
	case BODY(REFERRAL_ACK):      return "acknowledged";
	case BODY(REFERRAL_REJECTED): return "rejected";
	case BODY(REFERRAL_CLOSED):   return "closed";
	default:                      return NULL;
	}
}

static int
refuse(err_t *err, int code, const char *fmt, const char *arg)
{
	err_set(err, code, fmt, arg);
	return ROUTINE_REFUSED;
}

static int
check_direction(const config_t *cfg, const Famlink__V1__Envelope *env, bool inbound, err_t *err)
{
	enum direction d = direction_of(env->body_case);
	bool to_pool = (cfg->role == ROLE_HUB) == inbound;

	if (d == EITHER || (d == TO_POOL) == to_pool)
		return ROUTINE_OK;
	return refuse(err, CODE(NOT_ALLOWED), "%s goes the other way (pool and municipality)",
	    envelope_body_name(env));
}

/* The pool's answer to a Referral, in the same transaction. */
static int
enqueue_ack(store_t *store, const config_t *cfg, const Famlink__V1__Envelope *ref,
    int64_t now, err_t *err)
{
	Famlink__V1__Envelope env;
	Famlink__V1__ReferralAck ack = FAMLINK__V1__REFERRAL_ACK__INIT;
	Famlink__V1__Contact contact = FAMLINK__V1__CONTACT__INIT;
	const peer_conf_t *peer = config_find_peer(cfg, ref->sender);
	char id[MESSAGE_ID_LEN + 1];

	envelope_init(&env, id, cfg->node_id, ref->sender);
	env.referral_id = ref->referral_id;
	env.answers_message_id = ref->message_id;
	env.confidential = true;
	ack.referral_id = ref->referral_id;
	ack.received_at_ms = now;
	if (peer != NULL && peer->contact_name[0] != '\0') {
		contact.name = (char *)peer->contact_name;
		contact.phone = (char *)peer->contact_phone;
		contact.email = (char *)peer->contact_email;
		ack.pool_contact = &contact;
	}
	env.body_case = BODY(REFERRAL_ACK);
	env.referral_ack = &ack;
	return store_enqueue(store, &env, err) == 0 ? ROUTINE_OK : ROUTINE_STORE;
}

/* The municipality that owns a message's referral: the sender for messages
 * to the pool, the recipient (this node) for messages from it. */
static const char *
owner_of(const config_t *cfg, const char *from)
{
	if (cfg->role == ROLE_HUB)
		return from;
	return cfg->node_id;
}

int
routine_receive(store_t *store, const config_t *cfg, const Famlink__V1__Envelope *env,
    const char *from, int64_t now, err_t *err)
{
	const char *owner = owner_of(cfg, from);
	const char *next = state_after(env->body_case);
	char state[REFERRAL_STATE_MAX];
	int rc;

	if ((rc = check_direction(cfg, env, true, err)) != ROUTINE_OK)
		return rc;
	rc = store_referral_get(store, owner, env->referral_id, state, err);
	if (rc < 0)
		return ROUTINE_STORE;
	if (env->body_case == BODY(REFERRAL)) {
		if (rc == 1)
			return refuse(err, CODE(NOT_ALLOWED), "referral %s was already submitted",
			    env->referral_id);
		if (store_referral_add(store, owner, env->referral_id, "acknowledged", now, err) != 0)
			return ROUTINE_STORE;
		return enqueue_ack(store, cfg, env, now, err);
	}
	/* Unknown and someone else's read the same: nothing leaks. */
	if (rc == 0)
		return refuse(err, CODE(UNKNOWN_REFERRAL), "no referral %s", env->referral_id);
	if (next && store_referral_set_state(store, owner, env->referral_id, next, now, err) != 0)
		return ROUTINE_STORE;
	return ROUTINE_OK;
}

/* The hub addresses a message to the municipality that owns its referral. */
static int
resolve_recipient(store_t *store, Famlink__V1__Envelope *env, char buf[65], err_t *err)
{
	int n;

	if (env->recipient != NULL && env->recipient[0] != '\0')
		return ROUTINE_OK;
	n = store_referral_owner(store, env->referral_id, buf, err);
	if (n < 0)
		return ROUTINE_STORE;
	if (n == 0)
		return refuse(err, CODE(UNKNOWN_REFERRAL), "no referral %s", env->referral_id);
	if (n > 1)
		return refuse(err, CODE(INVALID), "referral %s exists for several municipalities:"
		    " give the recipient", env->referral_id);
	env->recipient = buf;
	return ROUTINE_OK;
}

int
routine_send(store_t *store, const config_t *cfg, Famlink__V1__Envelope *env,
    char recipient_buf[65], int64_t now, err_t *err)
{
	const char *owner, *next = state_after(env->body_case);
	char state[REFERRAL_STATE_MAX];
	int rc;

	if ((rc = check_direction(cfg, env, false, err)) != ROUTINE_OK)
		return rc;
	if (cfg->role == ROLE_HUB && (rc = resolve_recipient(store, env, recipient_buf, err)) != 0)
		return rc;
	owner = cfg->role == ROLE_HUB ? env->recipient : cfg->node_id;
	rc = store_referral_get(store, owner, env->referral_id, state, err);
	if (rc < 0)
		return ROUTINE_STORE;
	if (env->body_case == BODY(REFERRAL)) {
		if (rc == 1)
			return refuse(err, CODE(NOT_ALLOWED), "referral %s already exists", env->referral_id);
		return store_referral_add(store, owner, env->referral_id, "submitted", now, err) == 0
		    ? ROUTINE_OK : ROUTINE_STORE;
	}
	if (rc == 0)
		return refuse(err, CODE(UNKNOWN_REFERRAL), "no referral %s", env->referral_id);
	if (next && store_referral_set_state(store, owner, env->referral_id, next, now, err) != 0)
		return ROUTINE_STORE;
	return ROUTINE_OK;
}
