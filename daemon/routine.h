/*
 * routine — what a message means for the referral it belongs to. Called by
 * the daemon for every valid inbound message and by famlinkctl for every
 * message it enqueues, inside the transaction that stores the message, so a
 * state change and the messages it causes commit together or not at all.
 *
 * This is the first cut of seed 000's routine: who may send which body,
 * referral ownership (a municipality only ever sees its own referrals), and
 * the pool's ReferralAck. Full state checks and deadlines build on it.
 */
#ifndef FAMLINK_ROUTINE_H
#define FAMLINK_ROUTINE_H

#include "config.h"
#include "famlink.pb-c.h"
#include "store.h"

enum {
	ROUTINE_OK = 0,
	ROUTINE_REFUSED = -1,   /* err->code is a RECEIPT_CODE_*; nothing changed */
	ROUTINE_STORE = -2,     /* the store failed; try again later */
};

/* Applies env, received from the authenticated node `from`; may enqueue
 * answers (a ReferralAck). */
int routine_receive(store_t *store, const config_t *cfg, const Famlink__V1__Envelope *env,
    const char *from, int64_t now, err_t *err);

/* Checks and records a message this node is about to enqueue. For the hub,
 * fills in the recipient from the referral's owner when it is empty. */
int routine_send(store_t *store, const config_t *cfg, Famlink__V1__Envelope *env,
    char recipient_buf[65], int64_t now, err_t *err);

#endif
