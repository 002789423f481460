/*
 * store_dialogue — the dialogue of each referral (seed 000 steps 2-4):
 * questions (InfoRequest, answered by one InfoReply) and ads (AdProposal,
 * decided by one AdDecision), keyed by (owning municipality, referral id,
 * item, the item's own id). The routine decides; this reads and writes rows
 * inside the caller's transaction. Ids, states and times only: the texts
 * stay in the messages.
 */
#ifndef FAMLINK_STORE_DIALOGUE_H
#define FAMLINK_STORE_DIALOGUE_H

#include <stdint.h>

#include "store.h"

#define DIALOGUE_STATE_MAX 32

/* What an item is, as the store names it. */
#define DIALOGUE_QUESTION "question"
#define DIALOGUE_AD "ad"

/* 1 and the state if the item exists, 0 if not, -1 on a store error. */
int store_dialogue_get(store_t *store, const char *owner, const char *referral_id,
    const char *item, const char *item_id, char state[DIALOGUE_STATE_MAX], err_t *err);

/* Creates the item in state, or moves it there; ended stamps closed_at (and
 * a state that does not end clears it: an ad proposed again after a
 * revision is open again). */
int store_dialogue_set(store_t *store, const char *owner, const char *referral_id,
    const char *item, const char *item_id, const char *state, int ended, int64_t now,
    err_t *err);

#endif
