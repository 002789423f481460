/*
 * routine_table — seed 000's routine as data: the states of a referral and
 * of a family proposal, the events a message body stands for, and one table
 * that says, per event, who may send it, in which states it may arrive and
 * which states it leaves behind. routine.c applies it in both directions
 * (what this node sends and what it receives), so the two can never
 * disagree; famlinkctl send and the daemon read the same rows.
 *
 * State names are stable: they are what the store keeps and what the CLI,
 * the meeting report and adapters print. Add states at the end.
 */
#ifndef FAMLINK_ROUTINE_TABLE_H
#define FAMLINK_ROUTINE_TABLE_H

#include <stdbool.h>

#include "famlink.pb-c.h"

typedef enum {
	RS_NONE = 0,          /* not known to this node */
	RS_SUBMITTED,         /* sent by the municipality, not yet answered */
	RS_ACKNOWLEDGED,
	RS_REJECTED,          /* may be sent again with the cause fixed */
	RS_MATCHING,          /* ads or family proposals under way */
	RS_CLOSED,
	RS_COUNT
} referral_state_t;

typedef enum {
	PS_NONE = 0,              /* no such proposal */
	PS_PROPOSED,
	PS_DECLINED,              /* by the municipality */
	PS_ACCEPTED,              /* the municipality wants to go on */
	PS_FAMILY_DECLINED,       /* the family said no */
	PS_CONTACT_DETAILS_SENT,  /* passed on: the family is held by this referral */
	PS_CONTACTED,
	PS_STATUS_REPORTED,
	PS_PLACED,
	PS_RETURNED,
	PS_WITHDRAWN,             /* its referral closed before it ended */
	PS_COUNT
} proposal_state_t;

/* A question (InfoRequest), answered once by the side it was put to. */
typedef enum {
	QS_NONE = 0,              /* no such question */
	QS_ASKED_BY_POOL,         /* the municipality answers */
	QS_ASKED_BY_MUNICIPALITY, /* the pool answers */
	QS_ANSWERED,
	QS_COUNT
} question_state_t;

/* An ad (AdProposal), decided once by the municipality; a revised ad may
 * be proposed again under the same id. */
typedef enum {
	AS_NONE = 0,              /* no such ad */
	AS_PROPOSED,
	AS_APPROVED,
	AS_REVISED,               /* the municipality sent its own text */
	AS_DECLINED,
	AS_COUNT
} ad_state_t;

/* What, below the referral, an event is about: its item, keyed by the
 * body's proposal id, question id or ad id. */
typedef enum { ITEM_NONE = 0, ITEM_PROPOSAL, ITEM_QUESTION, ITEM_AD } routine_item_t;

/* What a body means for the routine; some bodies mean one of several
 * events by a field (a decision's verdict, a consent, a status) or by who
 * sent it (a question and its answer). */
typedef enum {
	EV_NONE = 0,              /* Hello, Receipt: outside the routine */
	EV_REFERRAL, EV_ACK, EV_REJECTED, EV_AD_PROPOSAL,
	EV_FAMILY_PROPOSAL, EV_PROCEED, EV_DECLINE, EV_CONSENT_GIVEN, EV_CONSENT_REFUSED,
	EV_CONTACT_MADE, EV_STATUS, EV_STATUS_PLACED, EV_STATUS_NOT_GOING_AHEAD,
	EV_FAMILY_RETURNED, EV_CLOSED,
	EV_POOL_ASKS, EV_MUNICIPALITY_ASKS, EV_POOL_ANSWERS, EV_MUNICIPALITY_ANSWERS,
	EV_AD_APPROVED, EV_AD_REVISED, EV_AD_DECLINED,
	EV_COUNT
} routine_event_t;

typedef enum { SIDE_POOL = 1, SIDE_MUNICIPALITY = 2, SIDE_EITHER = 3 } routine_side_t;

#define RS_BIT(s) (1u << (s))
#define PS_BIT(s) (1u << (s))
#define SAME_STATE (-1)   /* a *_to that leaves the state as it is */

#define ITEM_BIT(s) (1u << (s))

typedef struct routine_rule {
	routine_event_t event;
	routine_side_t sender;
	unsigned referral_from;   /* RS_BIT set it may arrive in */
	int referral_to;          /* referral_state_t, or SAME_STATE */
	routine_item_t item;      /* ITEM_NONE: about the referral alone */
	unsigned item_from;       /* ITEM_BIT set of the item's states (PS_, QS_ or AS_) */
	int item_to;              /* the item's state after, or SAME_STATE */
} routine_rule_t;

/* The event env's body stands for, and (borrowed from env) the id of its
 * item (proposal, question or ad), NULL when the body names none. */
routine_event_t routine_event_of(const Famlink__V1__Envelope *env, const char **item_id);

/* What an event is about. Static. */
routine_item_t routine_event_item(routine_event_t ev);

/* The rule of an event for a referral in state rs: the row that lets it
 * arrive in rs, else the event's first row (whose referral_from then says
 * it may not); NULL for EV_NONE. Static. */
const routine_rule_t *routine_rule(routine_event_t ev, referral_state_t rs);

/* The event's stable name ("consent_given"), as the transitions table
 * keeps it. Static. */
const char *routine_event_name(routine_event_t ev);

/* Stable names ("acknowledged", "contact_details_sent"), and back: the
 * state, or -1 for a name that is none. */
const char *referral_state_name(referral_state_t s);
const char *proposal_state_name(proposal_state_t s);
int referral_state_from_name(const char *name);
int proposal_state_from_name(const char *name);

/* An item's word ("proposal", "question", "ad"), as reasons and the store
 * name it; its states' stable names ("asked_by_pool", "approved"), and
 * back (-1 for a name that is none). */
const char *routine_item_name(routine_item_t it);
const char *item_state_name(routine_item_t it, int s);
int item_state_from_name(routine_item_t it, const char *name);
/* A state in which nothing more can happen to the item. */
bool item_state_ends(routine_item_t it, int s);

/* A proposal whose family is held by its municipality (passed on and not
 * yet placed, returned or withdrawn). */
bool proposal_state_holds_family(proposal_state_t s);

/* A proposal that has ended (declined, family declined, placed, returned,
 * withdrawn): nothing more can happen to it. */
bool proposal_state_ends(proposal_state_t s);

#endif
