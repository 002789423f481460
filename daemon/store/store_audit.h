/*
 * store_audit — the append-only audit table: every message in and out, every
 * rejection and dead letter, every operator action. Rows carry ids, types,
 * codes and times, never message content. Triggers refuse UPDATE and DELETE.
 */
#ifndef FAMLINK_STORE_AUDIT_H
#define FAMLINK_STORE_AUDIT_H

#include <stdint.h>

#include "store.h"

#define AUDIT_IN        "in"         /* accepted and applied */
#define AUDIT_OUT       "out"        /* enqueued for a peer */
#define AUDIT_DELIVERED "delivered"  /* the peer's Receipt said ACCEPTED */
#define AUDIT_REJECT    "reject"     /* we rejected an inbound message */
#define AUDIT_DEAD      "dead"       /* the peer rejected ours: dead letter */
#define AUDIT_OP        "op"         /* operator action */
#define AUDIT_SKIP      "skip"       /* a peer's Hello moved a channel past sequences never applied here */
#define AUDIT_PURGE     "purge"      /* retention emptied a closed referral's stored messages */
#define AUDIT_VIEW      "view"       /* famlinkctl show printed a message's body (detail: who) */

/* Any argument but store and event may be NULL/0. detail is machine text
 * (a code's explanation, a field path), never message content. */
int store_audit(store_t *store, int64_t at, const char *event, const char *message_id,
    const char *peer, const char *body_type, int code, const char *detail, err_t *err);

#endif
