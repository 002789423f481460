/*
 * store_referral — the referrals a node knows, keyed by (owning
 * municipality, referral id). The routine (routine.c) decides; this only
 * reads and writes rows, inside the caller's transaction.
 */
#ifndef FAMLINK_STORE_REFERRAL_H
#define FAMLINK_STORE_REFERRAL_H

#include <stdint.h>

#include "store.h"

#define REFERRAL_STATE_MAX 24

/* 1 and the state if the referral exists, 0 if not. */
int store_referral_get(store_t *store, const char *owner, const char *referral_id,
    char state[REFERRAL_STATE_MAX], err_t *err);

/* Sets the state; "acknowledged" and "rejected" also stamp answered_at,
 * "closed" closed_at. */
int store_referral_set_state(store_t *store, const char *owner, const char *referral_id,
    const char *state, int64_t now, err_t *err);

/* A Referral (first or sent again after a rejection): state "submitted",
 * its kind and urgency, submitted_at = now. */
int store_referral_submit(store_t *store, const char *owner, const char *referral_id,
    int kind, int urgency, int64_t now, err_t *err);

/* The outcome of a ReferralClosed (ClosingOutcome). */
int store_referral_set_outcome(store_t *store, const char *owner, const char *referral_id,
    int outcome, err_t *err);

/* One transition of the routine, for history and the meeting report: ids,
 * state names and a code (RejectionReason, ClosingOutcome), never content.
 * proposal_id may be NULL. */
typedef struct transition_row {
	const char *owner, *referral_id, *proposal_id, *event, *from, *to, *message_id;
	int code;
} transition_row_t;
int store_transition_add(store_t *store, const transition_row_t *t, int64_t now, err_t *err);

/* The owner of referral_id if exactly one municipality has one by that id:
 * 1 with owner filled, 0 if none, 2 if several. */
int store_referral_owner(store_t *store, const char *referral_id, char owner[65], err_t *err);

#endif
