/*
 * routine — what a message means for the referral it belongs to. Called by
 * the daemon for every valid inbound message and by famlinkctl for every
 * message it enqueues, inside the transaction that stores the message, so a
 * state change and the messages it causes commit together or not at all.
 *
 * One apply function serves both directions, driven by the table in
 * routine_table.c: who may send which body, in which state of its referral
 * and proposal, and what it changes. Referral ownership: a municipality
 * only ever sees its own referrals, and another's reads like an unknown
 * one. The hub checks every Referral (pool_check.c) and answers it with a
 * ReferralAck or ReferralRejected in the same transaction, and keeps the
 * ledger of families passed on (store_proposal.h).
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

/* routine_send() flags */
#define ROUTINE_OVERRIDE_LEDGER 0x1u  /* pass on a family another referral holds (audited) */

/* Applies env, received from the authenticated node `from`; may enqueue
 * answers (the hub's ReferralAck or ReferralRejected). */
int routine_receive(store_t *store, const config_t *cfg, const Famlink__V1__Envelope *env,
    const char *from, int64_t now, err_t *err);

/* Checks and applies a message this node is about to enqueue. For the hub,
 * fills in the recipient from the referral's owner when it is empty. */
int routine_send(store_t *store, const config_t *cfg, Famlink__V1__Envelope *env,
    char recipient_buf[65], unsigned flags, int64_t now, err_t *err);

#endif
