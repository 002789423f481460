/* routine — see routine.h. */
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "deadline.h"
#include "envelope.h"
#include "pool_check.h"
#include "routine.h"
#include "routine_table.h"
#include "store_audit.h"
#include "store_dialogue.h"
#include "store_notify.h"
#include "store_proposal.h"
#include "store_queue.h"
#include "store_referral.h"

#define CODE(x) FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_##x
#define BODY(x) FAMLINK__V1__ENVELOPE__BODY_##x

/* One message applied to the routine, in either direction. */
typedef struct apply {
	store_t *store;
	const config_t *cfg;
	const Famlink__V1__Envelope *env;
	const char *owner;            /* the municipality whose referral it is */
	routine_side_t sender;        /* who sent (or sends) it */
	bool outbound;                /* this node sends it */
	unsigned flags;               /* ROUTINE_* flags, outbound only */
	int64_t now;
	err_t *err;
	routine_event_t ev;
	routine_item_t item;          /* what the event is about below the referral */
	const char *item_id;          /* its id, borrowed from env; NULL if none */
	referral_state_t rs;          /* before */
	int is;                       /* the item's state before (PS_, QS_ or AS_) */
	const routine_rule_t *rule;
	bool rs_known;                /* rs was set by the caller: no need to read it */
} apply_t;

static int
read_referral(apply_t *a)
{
	char name[REFERRAL_STATE_MAX];
	int rc = store_referral_get(a->store, a->owner, a->env->referral_id, name, a->err);

	if (rc < 0)
		return ROUTINE_STORE;
	a->rs = rc == 0 ? RS_NONE : (referral_state_t)referral_state_from_name(name);
	if ((int)a->rs < 0)
		return err_set(a->err, CODE(NOT_ALLOWED), "referral %s is in state %s, unknown to this"
		    " version", a->env->referral_id, name);
	return ROUTINE_OK;
}

/* The state of item `id` of this referral into *state (0, the item's
 * NONE, if there is none); a state name this version does not know is
 * refused. */
static int
read_item_state(apply_t *a, routine_item_t it, const char *id, int *state)
{
	char name[DIALOGUE_STATE_MAX];
	int rc = it == ITEM_PROPOSAL
	    ? store_proposal_get(a->store, a->owner, a->env->referral_id, id, name, a->err)
	    : store_dialogue_get(a->store, a->owner, a->env->referral_id, routine_item_name(it), id,
	        name, a->err);

	*state = 0;
	if (rc < 0)
		return ROUTINE_STORE;
	if (rc == 0)
		return ROUTINE_OK;
	if ((rc = item_state_from_name(it, name)) < 0)
		return err_set(a->err, CODE(NOT_ALLOWED), "%s %s is in state %s, unknown to this"
		    " version", routine_item_name(it), id, name);
	*state = rc;
	return ROUTINE_OK;
}

static int
read_proposal_state(apply_t *a, const char *pid, proposal_state_t *ps)
{
	int s, rc = read_item_state(a, ITEM_PROPOSAL, pid, &s);

	*ps = (proposal_state_t)s;
	return rc;
}

/*
 * The table's verdict: who may send it, then whether its referral and its
 * proposal are in a state that lets it arrive. The words are the same on
 * both sides, so famlinkctl send refuses locally what the peer would.
 * An unknown referral and another municipality's read alike.
 */
static int
check_rule(apply_t *a)
{
	const char *body = envelope_body_name(a->env), *rid = a->env->referral_id;
	int rc;

	if (a->rs == RS_NONE && a->ev != EV_REFERRAL)
		return err_set(a->err, CODE(UNKNOWN_REFERRAL), "no referral %s", rid);
	if ((a->rule->referral_from & RS_BIT(a->rs)) == 0)
		return err_set(a->err, CODE(NOT_ALLOWED), "%s not allowed: referral %s is %s", body,
		    rid, referral_state_name(a->rs));
	a->is = 0;
	if (a->item == ITEM_NONE)
		return ROUTINE_OK;
	if ((rc = read_item_state(a, a->item, a->item_id, &a->is)) != ROUTINE_OK)
		return rc;
	if ((a->rule->item_from & ITEM_BIT(a->is)) != 0)
		return ROUTINE_OK;
	if (a->is == 0)
		return err_set(a->err, CODE(NOT_ALLOWED), "%s not allowed: referral %s has no %s %s",
		    body, rid, routine_item_name(a->item), a->item_id);
	return err_set(a->err, CODE(NOT_ALLOWED), "%s not allowed: %s %s of referral %s is %s",
	    body, routine_item_name(a->item), a->item_id, rid, item_state_name(a->item, a->is));
}

/* The pool passes a family's contact details to one referral at a time:
 * seed 000's first risk is a family held by a municipality that will never
 * use it. A consultant may override; that is audited. */
static int
check_ledger(apply_t *a)
{
	char family[FAMILY_REF_MAX];
	family_holder_t h;
	int rc;

	if (a->cfg->role != ROLE_HUB || !a->outbound || a->ev != EV_CONSENT_GIVEN)
		return ROUTINE_OK;
	rc = store_proposal_family(a->store, a->owner, a->env->referral_id, a->item_id,
	    family, a->err);
	if (rc < 0)
		return ROUTINE_STORE;
	if (rc == 0 || family[0] == '\0')
		return ROUTINE_OK;
	if ((rc = store_family_holder(a->store, family, &h, a->err)) < 0)
		return ROUTINE_STORE;
	if (rc == 0)
		return ROUTINE_OK;
	if ((a->flags & ROUTINE_OVERRIDE_LEDGER) == 0)
		return err_set(a->err, CODE(NOT_ALLOWED), "family %s is passed on to referral %s of %s"
		    " (proposal %s) and not returned; send with --override-ledger to pass it on anyway",
		    family, h.referral_id, h.owner, h.proposal_id);
	return store_audit(a->store, a->now, AUDIT_OP, a->env->message_id, a->owner,
	    envelope_body_name(a->env), 0, "ledger override: family also passed on to another"
	    " referral", a->err) == 0 ? ROUTINE_OK : ROUTINE_STORE;
}

/* A date of something done (a first contact) is no later than the day the
 * message was made, on the sender's clock: a contact "made" tomorrow has
 * not been made. */
static int
check_done_date(apply_t *a)
{
	char sent[11];

	if (a->ev != EV_CONTACT_MADE)
		return ROUTINE_OK;
	calendar_format_date(calendar_local_date(a->env->created_at_ms), sent);
	if (strcmp(a->env->contact_made->contacted_on, sent) <= 0)
		return ROUTINE_OK;
	return err_set(a->err, CODE(INVALID), "contactMade.contactedOn: %s is after the day the"
	    " message was sent (%s): report a contact once it is made",
	    a->env->contact_made->contacted_on, sent);
}

/* Checks a body's own content against the routine (not its form: that is
 * validate.c's). */
static int
check_content(apply_t *a)
{
	const Famlink__V1__Envelope *env = a->env;
	int rc;

	if ((rc = check_done_date(a)) != ROUTINE_OK)
		return rc;
	if (a->cfg->role == ROLE_HUB && a->outbound && a->ev == EV_FAMILY_PROPOSAL &&
	    env->family_proposal->family_reference[0] == '\0')
		return err_set(a->err, CODE(INVALID), "familyProposal.familyReference: required at the"
		    " pool (the family's register number, for the ledger of families passed on)");
	return check_ledger(a);
}

static int
log_transition(apply_t *a, const char *pid, const char *from, const char *to, int code)
{
	transition_row_t t = {
		a->owner, a->env->referral_id, pid, routine_event_name(a->ev), from, to, a->env->message_id, code,
	};

	return store_transition_add(a->store, &t, a->now, a->err) == 0 ? ROUTINE_OK : ROUTINE_STORE;
}

/* A code worth keeping with the transition: why rejected, how closed. */
static int
event_code(const Famlink__V1__Envelope *env)
{
	if (env->body_case == BODY(REFERRAL_REJECTED))
		return (int)env->referral_rejected->reason;
	if (env->body_case == BODY(REFERRAL_CLOSED))
		return (int)env->referral_closed->outcome;
	return 0;
}

static int
change_referral(apply_t *a)
{
	const Famlink__V1__Envelope *env = a->env;
	referral_state_t to = a->rule->referral_to == SAME_STATE ? a->rs
	    : (referral_state_t)a->rule->referral_to;
	int rc = 0;

	if (a->ev == EV_REFERRAL)
		rc = store_referral_submit(a->store, a->owner, env->referral_id,
		    (int)env->referral->kind, (int)env->referral->urgency, a->now, a->err);
	else if (to != a->rs)
		rc = store_referral_set_state(a->store, a->owner, env->referral_id,
		    referral_state_name(to), a->now, a->err);
	if (rc == 0 && a->ev == EV_CLOSED)
		rc = store_referral_set_outcome(a->store, a->owner, env->referral_id,
		    (int)env->referral_closed->outcome, a->err);
	if (rc != 0)
		return ROUTINE_STORE;
	if (to == a->rs && a->ev != EV_REFERRAL)
		return ROUTINE_OK;
	return log_transition(a, NULL, referral_state_name(a->rs), referral_state_name(to),
	    event_code(env));
}

static int
set_proposal(apply_t *a, const char *pid, proposal_state_t from, proposal_state_t to)
{
	int code = a->env->body_case == BODY(STATUS_REPORT) ? (int)a->env->status_report->status : 0;

	if (store_proposal_set_state(a->store, a->owner, a->env->referral_id, pid,
	    proposal_state_name(to), proposal_state_ends(to), a->now, a->err) != 0)
		return ROUTINE_STORE;
	return log_transition(a, pid, proposal_state_name(from), proposal_state_name(to), code);
}

static int
change_proposal(apply_t *a)
{
	const Famlink__V1__Envelope *env = a->env;
	proposal_state_t ps = (proposal_state_t)a->is;
	proposal_state_t to = a->rule->item_to == SAME_STATE ? ps : (proposal_state_t)a->rule->item_to;

	if (a->ev == EV_FAMILY_PROPOSAL) {
		if (store_proposal_add(a->store, a->owner, env->referral_id, a->item_id,
		    env->family_proposal->family_reference, a->now, a->err) != 0)
			return ROUTINE_STORE;
		return log_transition(a, a->item_id, "none", "proposed", 0);
	}
	if (env->body_case == BODY(STATUS_REPORT) && store_proposal_set_status(a->store, a->owner,
	    env->referral_id, a->item_id, (int)env->status_report->status, a->now, a->err) != 0)
		return ROUTINE_STORE;
	if (to == ps)   /* a repeated status report: a new time, the same state */
		return log_transition(a, a->item_id, proposal_state_name(to),
		    proposal_state_name(to), (int)env->status_report->status);
	return set_proposal(a, a->item_id, ps, to);
}

/* A question or an ad: its row alone. The transitions table is the
 * referral's and its proposals' (the report's counts); the dialogue's
 * history is in the messages and the audit. */
static int
change_dialogue(apply_t *a)
{
	int to = a->rule->item_to;

	return store_dialogue_set(a->store, a->owner, a->env->referral_id,
	    routine_item_name(a->item), a->item_id, item_state_name(a->item, to),
	    item_state_ends(a->item, to), a->now, a->err) == 0 ? ROUTINE_OK : ROUTINE_STORE;
}

static int
change_item(apply_t *a)
{
	switch (a->item) {
	case ITEM_PROPOSAL: return change_proposal(a);
	case ITEM_NONE:     return ROUTINE_OK;
	default:            return change_dialogue(a);
	}
}

/* Closing with a proposal names the family placed; every other proposal
 * under way ends as withdrawn, so no family stays held by a closed
 * referral. */
static int
close_proposals(apply_t *a)
{
	const Famlink__V1__ReferralClosed *c = a->env->referral_closed;
	const char *keep = NULL;
	proposal_state_t ps;
	int rc;

	if (c->outcome == FAMLINK__V1__CLOSING_OUTCOME__CLOSING_OUTCOME_PLACED_WITH_PROPOSAL &&
	    c->proposal_id[0] == '\0')
		return err_set(a->err, CODE(INVALID), "referralClosed.proposalId: required with"
		    " CLOSING_OUTCOME_PLACED_WITH_PROPOSAL (the proposal whose family was placed)");
	if (c->outcome == FAMLINK__V1__CLOSING_OUTCOME__CLOSING_OUTCOME_PLACED_WITH_PROPOSAL) {
		keep = c->proposal_id;
		if ((rc = read_proposal_state(a, keep, &ps)) != ROUTINE_OK)
			return rc;
		if (ps == PS_NONE)
			return err_set(a->err, CODE(NOT_ALLOWED), "referral_closed not allowed: referral %s"
			    " has no proposal %s", a->env->referral_id, keep);
		if (!proposal_state_holds_family(ps) && ps != PS_PLACED)
			return err_set(a->err, CODE(NOT_ALLOWED), "referral_closed not allowed: proposal %s"
			    " of referral %s is %s (placed with it needs its contact details passed on)",
			    keep, a->env->referral_id, proposal_state_name(ps));
		if (ps != PS_PLACED && set_proposal(a, keep, ps, PS_PLACED) != 0)
			return ROUTINE_STORE;
	}
	if (store_proposal_withdraw_open(a->store, a->owner, a->env->referral_id, keep,
	    a->env->message_id, a->now, a->err) < 0)
		return ROUTINE_STORE;
	return ROUTINE_OK;
}

static int
change_deadlines(apply_t *a)
{
	deadline_event_t e = {
		a->ev, a->owner, a->env->referral_id,
		a->item == ITEM_PROPOSAL ? a->item_id : NULL,
		a->item == ITEM_QUESTION || a->item == ITEM_AD ? a->item_id : NULL,
		a->ev == EV_REFERRAL ? (int)a->env->referral->kind : 0, a->now,
	};

	return deadline_apply(a->store, a->cfg, &e, a->err) == 0 ? ROUTINE_OK : ROUTINE_STORE;
}

/* Who may send it: settled before anything is looked up. */
static int
check_sender(apply_t *a)
{
	if ((routine_rule(a->ev, RS_NONE)->sender & a->sender) != 0)
		return ROUTINE_OK;
	return err_set(a->err, CODE(NOT_ALLOWED), "%s goes the other way (pool and municipality)",
	    envelope_body_name(a->env));
}

/* The one apply: both directions, every body. */
static int
apply(apply_t *a)
{
	int rc;

	if ((a->ev = routine_event_of(a->env, &a->item_id)) == EV_NONE)
		return ROUTINE_OK;
	a->item = routine_event_item(a->ev);
	if ((rc = check_sender(a)) != ROUTINE_OK ||
	    (!a->rs_known && (rc = read_referral(a)) != ROUTINE_OK))
		return rc;
	a->rule = routine_rule(a->ev, a->rs);
	if ((rc = check_rule(a)) != ROUTINE_OK || (rc = check_content(a)) != ROUTINE_OK)
		return rc;
	if (a->ev == EV_CLOSED && (rc = close_proposals(a)) != ROUTINE_OK)
		return rc;
	if ((rc = change_referral(a)) != ROUTINE_OK || (rc = change_item(a)) != ROUTINE_OK)
		return rc;
	return change_deadlines(a);
}

/* The pool's answer to a Referral, checked, applied and queued in the
 * same transaction as the Referral itself. */
static int
answer_referral(store_t *store, const config_t *cfg, const Famlink__V1__Envelope *ref,
    int64_t now, err_t *err)
{
	Famlink__V1__Envelope env;
	Famlink__V1__ReferralAck ack = FAMLINK__V1__REFERRAL_ACK__INIT;
	Famlink__V1__ReferralRejected rej = FAMLINK__V1__REFERRAL_REJECTED__INIT;
	Famlink__V1__Contact contact = FAMLINK__V1__CONTACT__INIT;
	char id[MESSAGE_ID_LEN + 1], why[POOL_CHECK_TEXT_MAX];
	apply_t a = { store, cfg, &env, ref->sender, SIDE_POOL, true, 0, now, err };
	int rc;

	envelope_init(&env, id, cfg->node_id, ref->sender);
	env.referral_id = ref->referral_id;
	env.answers_message_id = ref->message_id;
	env.confidential = true;
	rej.reason = pool_check_referral(cfg, ref, now, why, sizeof(why));
	if (rej.reason != 0) {
		rej.referral_id = ref->referral_id;
		rej.explanation = why;
		env.body_case = BODY(REFERRAL_REJECTED);
		env.referral_rejected = &rej;
	} else {
		ack.referral_id = ref->referral_id;
		ack.received_at_ms = now;
		ack.pool_contact = pool_contact_for(cfg, ref->sender, &contact);
		env.body_case = BODY(REFERRAL_ACK);
		env.referral_ack = &ack;
	}
	a.rs = RS_SUBMITTED;   /* the Referral was applied just now */
	a.rs_known = true;
	if ((rc = apply(&a)) != ROUTINE_OK)
		return rc;
	return store_enqueue(store, &env, err) == 0 ? ROUTINE_OK : ROUTINE_STORE;
}

/* The bodies a person must read or act on when they arrive. Not a
 * Referral: the pool learns of those from its own deadline (acknowledge),
 * and a Referral's ingest at the hub pays for nothing more. Not what only
 * moves the routine on (ProposalDecision, ContactMade, ReferralClosed). */
static bool
needs_person(const Famlink__V1__Envelope *env)
{
	switch (env->body_case) {
	case BODY(REFERRAL_ACK): case BODY(REFERRAL_REJECTED): case BODY(INFO_REQUEST):
	case BODY(INFO_REPLY): case BODY(AD_PROPOSAL): case BODY(AD_DECISION):
	case BODY(FAMILY_PROPOSAL): case BODY(FAMILY_CONSENT): case BODY(STATUS_REPORT):
	case BODY(FAMILY_RETURNED):
		return true;
	default:
		return false;
	}
}

/* Queues the mail about a received message, in the transaction that
 * stores it: at a municipality for the owning secretary, at the hub for
 * the pool's contact person for that municipality. An answer that
 * crossed the referral's close is taken and changes nothing: no mail. */
static int
notify_person(const apply_t *a)
{
	notify_message_t m = {
		envelope_body_name(a->env), a->env->message_id, a->env->referral_id,
		a->item == ITEM_PROPOSAL ? a->item_id : "", a->owner,
		a->cfg->role == ROLE_HUB ? "pool_contact" : "secretary",
	};

	if (!needs_person(a->env) || a->rs == RS_CLOSED)
		return ROUTINE_OK;
	return store_notify_message(a->store, &m, a->now, a->err) == 0 ? ROUTINE_OK : ROUTINE_STORE;
}

int
routine_receive(store_t *store, const config_t *cfg, const Famlink__V1__Envelope *env,
    const char *from, int64_t now, err_t *err)
{
	bool hub = cfg->role == ROLE_HUB;
	apply_t a = {
		store, cfg, env, hub ? from : cfg->node_id, hub ? SIDE_MUNICIPALITY : SIDE_POOL,
		false, 0, now, err,
	};
	int rc = apply(&a);

	if (rc == ROUTINE_OK && hub && a.ev == EV_REFERRAL)
		rc = answer_referral(store, cfg, env, now, err);
	if (rc == ROUTINE_OK && a.ev != EV_NONE)
		rc = notify_person(&a);
	return rc;
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
		return err_set(err, CODE(UNKNOWN_REFERRAL), "no referral %s", env->referral_id);
	if (n > 1)
		return err_set(err, CODE(INVALID), "referral %s exists for several municipalities:"
		    " give the recipient", env->referral_id);
	env->recipient = buf;
	return ROUTINE_OK;
}

int
routine_send(store_t *store, const config_t *cfg, Famlink__V1__Envelope *env,
    char recipient_buf[65], unsigned flags, int64_t now, err_t *err)
{
	bool hub = cfg->role == ROLE_HUB;
	apply_t a = {
		store, cfg, env, NULL, hub ? SIDE_POOL : SIDE_MUNICIPALITY, true, flags, now, err,
	};
	int rc;

	if ((a.ev = routine_event_of(env, &a.item_id)) == EV_NONE)
		return ROUTINE_OK;
	if ((rc = check_sender(&a)) != ROUTINE_OK)
		return rc;
	if (hub && (rc = resolve_recipient(store, env, recipient_buf, err)) != ROUTINE_OK)
		return rc;
	a.owner = hub ? env->recipient : cfg->node_id;
	return apply(&a);
}
