/*
 * store_proposal — the family proposals of each referral, keyed by (owning
 * municipality, referral id, proposal id). At the hub, the rows with
 * passed_on_at set are the ledger of families passed on: which family (the
 * pool's register number) went to which referral, since when, its last
 * status and how it ended. The routine decides; this reads and writes rows
 * inside the caller's transaction.
 */
#ifndef FAMLINK_STORE_PROPOSAL_H
#define FAMLINK_STORE_PROPOSAL_H

#include <stdint.h>

#include "store.h"

#define PROPOSAL_STATE_MAX 24
#define FAMILY_REF_MAX 65

/* 1 and the state if the proposal exists, 0 if not. */
int store_proposal_get(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, char state[PROPOSAL_STATE_MAX], err_t *err);

/* A new proposal in state "proposed"; family_ref may be empty. */
int store_proposal_add(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, const char *family_ref, int64_t now, err_t *err);

/* Sets the state; "contact_details_sent" stamps passed_on_at, an ending
 * state (ended != 0) ended_at. */
int store_proposal_set_state(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, const char *state, int ended, int64_t now, err_t *err);

/* Records a StatusReport's status (PlacementStatus) and its time. */
int store_proposal_set_status(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, int status, int64_t now, err_t *err);

/* Which proposal holds a family (passed on, not yet placed, returned or
 * withdrawn): 1 with the row filled, 0 if none holds it. */
typedef struct family_holder {
	char owner[65], referral_id[65], proposal_id[65];
	int64_t since;
} family_holder_t;
int store_family_holder(store_t *store, const char *family_ref, family_holder_t *out,
    err_t *err);

/* The family reference of a proposal ("" if it has none); 1 found, 0 not. */
int store_proposal_family(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, char family_ref[FAMILY_REF_MAX], err_t *err);

/* Ends every proposal of a referral still under way (not declined, family
 * declined, placed, returned or withdrawn) but `keep` (may be NULL), as
 * withdrawn: its referral closed (by message_id). Each gets its row in
 * transitions. Returns how many, or -1. */
int store_proposal_withdraw_open(store_t *store, const char *owner, const char *referral_id,
    const char *keep, const char *message_id, int64_t now, err_t *err);

#endif
