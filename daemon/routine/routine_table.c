/* routine_table — see routine_table.h. */
#include <stddef.h>
#include <string.h>

#include "routine_table.h"

#define BODY(x) FAMLINK__V1__ENVELOPE__BODY_##x
#define R(s) RS_BIT(RS_##s)
#define P(s) PS_BIT(PS_##s)
#define Q(s) ITEM_BIT(QS_##s)
#define A(s) ITEM_BIT(AS_##s)

/* Held: the family's contact details are with the municipality. */
#define P_HELD (P(CONTACT_DETAILS_SENT) | P(CONTACTED) | P(STATUS_REPORTED))
/* Ended: nothing more can happen to the proposal. */
#define P_ENDED (P(DECLINED) | P(FAMILY_DECLINED) | P(PLACED) | P(RETURNED) | P(WITHDRAWN))
/* The referral is open for work once acknowledged. */
#define R_OPEN (R(ACKNOWLEDGED) | R(MATCHING))

#define PROPOSAL ITEM_PROPOSAL
#define QUESTION ITEM_QUESTION
#define AD ITEM_AD
#define NO_ITEM ITEM_NONE, 0, 0

/*
 * The routine (seed 000 steps 1-11). A message whose referral or item (its
 * proposal, question or ad) is in a state outside its *_from set is
 * refused and changes nothing. An acknowledgement or rejection that crosses
 * the municipality's closing on the wire is taken and changes nothing:
 * neither side did wrong. A question is answered once, by the side it was
 * put to; an ad is decided once, and proposed again only after a revision.
 */
static const routine_rule_t rules[] = {
	/* event                sender             referral_from                       referral_to      item, item_from, item_to */
	{EV_REFERRAL,           SIDE_MUNICIPALITY, R(NONE) | R(REJECTED),              RS_SUBMITTED,    NO_ITEM},
	{EV_ACK,                SIDE_POOL,         R(SUBMITTED),                       RS_ACKNOWLEDGED, NO_ITEM},
	{EV_ACK,                SIDE_POOL,         R(CLOSED),                          SAME_STATE,      NO_ITEM},
	{EV_REJECTED,           SIDE_POOL,         R(SUBMITTED) | R(ACKNOWLEDGED),     RS_REJECTED,     NO_ITEM},
	{EV_REJECTED,           SIDE_POOL,         R(CLOSED),                          SAME_STATE,      NO_ITEM},
	{EV_POOL_ASKS,          SIDE_POOL,         R_OPEN,                             SAME_STATE,      QUESTION, Q(NONE), QS_ASKED_BY_POOL},
	{EV_MUNICIPALITY_ASKS,  SIDE_MUNICIPALITY, R_OPEN,                             SAME_STATE,      QUESTION, Q(NONE), QS_ASKED_BY_MUNICIPALITY},
	{EV_MUNICIPALITY_ANSWERS, SIDE_MUNICIPALITY, R_OPEN,                           SAME_STATE,      QUESTION, Q(ASKED_BY_POOL), QS_ANSWERED},
	{EV_POOL_ANSWERS,       SIDE_POOL,         R_OPEN,                             SAME_STATE,      QUESTION, Q(ASKED_BY_MUNICIPALITY), QS_ANSWERED},
	{EV_AD_PROPOSAL,        SIDE_POOL,         R_OPEN,                             RS_MATCHING,     AD, A(NONE) | A(REVISED), AS_PROPOSED},
	{EV_AD_APPROVED,        SIDE_MUNICIPALITY, R(MATCHING),                        SAME_STATE,      AD, A(PROPOSED), AS_APPROVED},
	{EV_AD_REVISED,         SIDE_MUNICIPALITY, R(MATCHING),                        SAME_STATE,      AD, A(PROPOSED), AS_REVISED},
	{EV_AD_DECLINED,        SIDE_MUNICIPALITY, R(MATCHING),                        SAME_STATE,      AD, A(PROPOSED), AS_DECLINED},
	{EV_FAMILY_PROPOSAL,    SIDE_POOL,         R_OPEN,                             RS_MATCHING,     PROPOSAL, P(NONE), PS_PROPOSED},
	{EV_PROCEED,            SIDE_MUNICIPALITY, R(MATCHING),                        SAME_STATE,      PROPOSAL, P(PROPOSED), PS_ACCEPTED},
	{EV_DECLINE,            SIDE_MUNICIPALITY, R(MATCHING),                        SAME_STATE,      PROPOSAL, P(PROPOSED), PS_DECLINED},
	{EV_CONSENT_GIVEN,      SIDE_POOL,         R(MATCHING),                        SAME_STATE,      PROPOSAL, P(ACCEPTED), PS_CONTACT_DETAILS_SENT},
	{EV_CONSENT_REFUSED,    SIDE_POOL,         R(MATCHING),                        SAME_STATE,      PROPOSAL, P(ACCEPTED), PS_FAMILY_DECLINED},
	{EV_CONTACT_MADE,       SIDE_MUNICIPALITY, R(MATCHING),                        SAME_STATE,      PROPOSAL, P(CONTACT_DETAILS_SENT), PS_CONTACTED},
	{EV_STATUS,             SIDE_MUNICIPALITY, R(MATCHING),                        SAME_STATE,      PROPOSAL, P_HELD, PS_STATUS_REPORTED},
	{EV_STATUS_PLACED,      SIDE_MUNICIPALITY, R(MATCHING),                        SAME_STATE,      PROPOSAL, P_HELD, PS_PLACED},
	{EV_STATUS_NOT_GOING_AHEAD, SIDE_MUNICIPALITY, R(MATCHING),                    SAME_STATE,      PROPOSAL, P_HELD, PS_RETURNED},
	{EV_FAMILY_RETURNED,    SIDE_MUNICIPALITY, R(MATCHING),                        SAME_STATE,      PROPOSAL, P_HELD, PS_RETURNED},
	{EV_CLOSED,             SIDE_MUNICIPALITY, R(SUBMITTED) | R_OPEN | R(REJECTED), RS_CLOSED,      NO_ITEM},
};

static const char *const referral_names[RS_COUNT] = {
	[RS_NONE] = "none", [RS_SUBMITTED] = "submitted", [RS_ACKNOWLEDGED] = "acknowledged",
	[RS_REJECTED] = "rejected", [RS_MATCHING] = "matching", [RS_CLOSED] = "closed",
};

static const char *const proposal_names[PS_COUNT] = {
	[PS_NONE] = "none", [PS_PROPOSED] = "proposed", [PS_DECLINED] = "declined",
	[PS_ACCEPTED] = "accepted", [PS_FAMILY_DECLINED] = "family_declined",
	[PS_CONTACT_DETAILS_SENT] = "contact_details_sent", [PS_CONTACTED] = "contacted",
	[PS_STATUS_REPORTED] = "status_reported", [PS_PLACED] = "placed",
	[PS_RETURNED] = "returned", [PS_WITHDRAWN] = "withdrawn",
};

static const char *const question_names[QS_COUNT] = {
	[QS_NONE] = "none", [QS_ASKED_BY_POOL] = "asked_by_pool",
	[QS_ASKED_BY_MUNICIPALITY] = "asked_by_municipality", [QS_ANSWERED] = "answered",
};

static const char *const ad_names[AS_COUNT] = {
	[AS_NONE] = "none", [AS_PROPOSED] = "proposed", [AS_APPROVED] = "approved",
	[AS_REVISED] = "revised", [AS_DECLINED] = "declined",
};

/* Stable names, as the transitions table keeps them. */
static const char *const event_names[EV_COUNT] = {
	[EV_NONE] = "none",
	[EV_REFERRAL] = "referral", [EV_ACK] = "ack", [EV_REJECTED] = "rejected",
	[EV_AD_PROPOSAL] = "ad_proposal", [EV_AD_APPROVED] = "ad_approved",
	[EV_AD_REVISED] = "ad_revised", [EV_AD_DECLINED] = "ad_declined",
	[EV_POOL_ASKS] = "pool_asks", [EV_MUNICIPALITY_ASKS] = "municipality_asks",
	[EV_POOL_ANSWERS] = "pool_answers", [EV_MUNICIPALITY_ANSWERS] = "municipality_answers",
	[EV_FAMILY_PROPOSAL] = "family_proposal", [EV_PROCEED] = "proceed",
	[EV_DECLINE] = "decline", [EV_CONSENT_GIVEN] = "consent_given",
	[EV_CONSENT_REFUSED] = "consent_refused", [EV_CONTACT_MADE] = "contact_made",
	[EV_STATUS] = "status", [EV_STATUS_PLACED] = "status_placed",
	[EV_STATUS_NOT_GOING_AHEAD] = "status_not_going_ahead",
	[EV_FAMILY_RETURNED] = "family_returned", [EV_CLOSED] = "closed",
};

const char *
routine_event_name(routine_event_t ev)
{
	return (unsigned)ev < EV_COUNT ? event_names[ev] : "unknown";
}

const routine_rule_t *
routine_rule(routine_event_t ev, referral_state_t rs)
{
	const routine_rule_t *first = NULL;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i].event != ev)
			continue;
		if (rules[i].referral_from & RS_BIT(rs))
			return &rules[i];
		if (first == NULL)
			first = &rules[i];
	}
	return first;
}

static routine_event_t
status_event(const Famlink__V1__StatusReport *s)
{
	switch (s->status) {
	case FAMLINK__V1__PLACEMENT_STATUS__PLACEMENT_STATUS_PLACEMENT_DECIDED:
		return EV_STATUS_PLACED;
	case FAMLINK__V1__PLACEMENT_STATUS__PLACEMENT_STATUS_NOT_GOING_AHEAD:
		return EV_STATUS_NOT_GOING_AHEAD;
	default:
		return EV_STATUS;
	}
}

/* Bodies about one proposal: their event and proposal id. */
static routine_event_t
proposal_event(const Famlink__V1__Envelope *env, const char **pid)
{
	switch (env->body_case) {
	case BODY(FAMILY_PROPOSAL):
		*pid = env->family_proposal->proposal_id;
		return EV_FAMILY_PROPOSAL;
	case BODY(PROPOSAL_DECISION):
		*pid = env->proposal_decision->proposal_id;
		return env->proposal_decision->verdict ==
		    FAMLINK__V1__PROPOSAL_VERDICT__PROPOSAL_VERDICT_DECLINE ? EV_DECLINE : EV_PROCEED;
	case BODY(FAMILY_CONSENT):
		*pid = env->family_consent->proposal_id;
		return env->family_consent->consent_given ? EV_CONSENT_GIVEN : EV_CONSENT_REFUSED;
	case BODY(CONTACT_MADE):
		*pid = env->contact_made->proposal_id;
		return EV_CONTACT_MADE;
	case BODY(STATUS_REPORT):
		*pid = env->status_report->proposal_id;
		return status_event(env->status_report);
	case BODY(FAMILY_RETURNED):
		*pid = env->family_returned->proposal_id;
		return EV_FAMILY_RETURNED;
	default:
		return EV_NONE;
	}
}

static routine_event_t
ad_event(const Famlink__V1__AdDecision *d)
{
	switch (d->verdict) {
	case FAMLINK__V1__AD_VERDICT__AD_VERDICT_APPROVE: return EV_AD_APPROVED;
	case FAMLINK__V1__AD_VERDICT__AD_VERDICT_REVISE:  return EV_AD_REVISED;
	default:                                          return EV_AD_DECLINED;
	}
}

/* Bodies of the dialogue: a question or an answer is the asking or the
 * answering side's event, told by the envelope's sender (checked against
 * the peer's key before the routine sees it). */
static routine_event_t
dialogue_event(const Famlink__V1__Envelope *env, const char **item_id)
{
	bool pool = env->sender != NULL && strncmp(env->sender, "pool:", 5) == 0;

	switch (env->body_case) {
	case BODY(INFO_REQUEST):
		*item_id = env->info_request->question_id;
		return pool ? EV_POOL_ASKS : EV_MUNICIPALITY_ASKS;
	case BODY(INFO_REPLY):
		*item_id = env->info_reply->question_id;
		return pool ? EV_POOL_ANSWERS : EV_MUNICIPALITY_ANSWERS;
	case BODY(AD_PROPOSAL):
		*item_id = env->ad_proposal->ad_id;
		return EV_AD_PROPOSAL;
	case BODY(AD_DECISION):
		*item_id = env->ad_decision->ad_id;
		return ad_event(env->ad_decision);
	default:
		return proposal_event(env, item_id);
	}
}

routine_event_t
routine_event_of(const Famlink__V1__Envelope *env, const char **item_id)
{
	*item_id = NULL;
	switch (env->body_case) {
	case BODY(REFERRAL):          return EV_REFERRAL;
	case BODY(REFERRAL_ACK):      return EV_ACK;
	case BODY(REFERRAL_REJECTED): return EV_REJECTED;
	case BODY(REFERRAL_CLOSED):   return EV_CLOSED;
	default:                      return dialogue_event(env, item_id);
	}
}

routine_item_t
routine_event_item(routine_event_t ev)
{
	const routine_rule_t *r = routine_rule(ev, RS_NONE);

	return r != NULL ? r->item : ITEM_NONE;
}

const char *
referral_state_name(referral_state_t s)
{
	return (unsigned)s < RS_COUNT ? referral_names[s] : "unknown";
}

const char *
proposal_state_name(proposal_state_t s)
{
	return (unsigned)s < PS_COUNT ? proposal_names[s] : "unknown";
}

static int
index_of(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int referral_state_from_name(const char *name) { return index_of(referral_names, RS_COUNT, name); }
int proposal_state_from_name(const char *name) { return index_of(proposal_names, PS_COUNT, name); }

const char *
routine_item_name(routine_item_t it)
{
	switch (it) {
	case ITEM_PROPOSAL: return "proposal";
	case ITEM_QUESTION: return "question";
	case ITEM_AD:       return "ad";
	default:            return "item";
	}
}

/* The names of an item's states, and how many. */
static const char *const *
item_names(routine_item_t it, int *n)
{
	switch (it) {
	case ITEM_PROPOSAL: *n = PS_COUNT; return proposal_names;
	case ITEM_QUESTION: *n = QS_COUNT; return question_names;
	case ITEM_AD:       *n = AS_COUNT; return ad_names;
	default:            *n = 0; return NULL;
	}
}

const char *
item_state_name(routine_item_t it, int s)
{
	int n;
	const char *const *names = item_names(it, &n);

	return s >= 0 && s < n ? names[s] : "unknown";
}

int
item_state_from_name(routine_item_t it, const char *name)
{
	int n;
	const char *const *names = item_names(it, &n);

	return names != NULL ? index_of(names, n, name) : -1;
}

bool
item_state_ends(routine_item_t it, int s)
{
	switch (it) {
	case ITEM_PROPOSAL: return proposal_state_ends((proposal_state_t)s);
	case ITEM_QUESTION: return s == QS_ANSWERED;
	case ITEM_AD:       return s == AS_APPROVED || s == AS_REVISED || s == AS_DECLINED;
	default:            return false;
	}
}

bool
proposal_state_holds_family(proposal_state_t s)
{
	return (P_HELD & PS_BIT(s)) != 0;
}

bool
proposal_state_ends(proposal_state_t s)
{
	return (P_ENDED & PS_BIT(s)) != 0;
}
