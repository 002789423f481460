/*
 * store_handover — the hand-over of received messages to the local system
 * (adapters): how far each adapter that delivers has taken the inbox (in
 * inbox order), its failures in a row and its last error, whether it was
 * notified stuck; when a message was handed over by all of them and whether
 * its sender was told; on the sending side, when the receiver reported a
 * message handed over. Ids, codes and times only. Every function runs in
 * the caller's transaction.
 */
#ifndef FAMLINK_STORE_HANDOVER_H
#define FAMLINK_STORE_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A received message as an adapter is given it; the strings and the
 * envelope are borrowed (valid for the callback, or owned by a copy). */
typedef struct inbox_row {
	int64_t inbox_id;            /* its place in the inbox: hand-overs keep this order */
	const char *message_id, *sender, *body_type, *referral_id;
	int64_t created_at, received_at;   /* Unix ms */
	const uint8_t *envelope;     /* protobuf; len 0: emptied by retention */
	size_t len;
} inbox_row_t;

typedef struct handover_state {
	int64_t done_up_to;          /* inbox id handed over up to */
	unsigned attempts;           /* failures in a row */
	char last_error[256];
	int64_t failing_since;       /* Unix ms, 0 = not failing */
	int64_t stuck_since;         /* Unix ms the stuck notification went out, 0 = none */
} handover_state_t;

/* The adapter's row, made if missing: a new adapter starts at the first
 * message no adapter has handed over yet. 0, or -1 with err. */
int store_handover_load(store_t *store, const char *adapter, int64_t now,
    handover_state_t *out, err_t *err);

/* Forgets the adapters not among names[0..n) (removed from the config):
 * *before gets the lowest place any adapter had reached, them included.
 * 0, or -1 with err. */
int store_handover_retire(store_t *store, const char *const *names, size_t n, int64_t *before,
    err_t *err);

/* Calls fn for up to max inbox rows after inbox id after, in order, with at
 * most max_bytes of envelopes in all (one row at least); stops early if fn
 * returns non-zero. How many rows fn saw, or -1 with err. */
int store_inbox_after(store_t *store, int64_t after, int max, size_t max_bytes,
    int (*fn)(void *ctx, const inbox_row_t *row), void *ctx, err_t *err);
/* received_at of the first inbox row after inbox id after: 1, or 0 if none. */
int store_inbox_first_after(store_t *store, int64_t after, int64_t *received_at, err_t *err);

/* The adapter handed over up to inbox id up_to: its failures are cleared,
 * and with clear_stuck its stuck notice too (*was_stuck: whether it had
 * been notified stuck and is no longer). */
int store_handover_done(store_t *store, const char *adapter, int64_t up_to, int64_t now,
    bool clear_stuck, bool *was_stuck, err_t *err);
/* It failed once more (attempts in a row, why: codes and ids). */
int store_handover_failed(store_t *store, const char *adapter, unsigned attempts,
    const char *why, int64_t now, err_t *err);
/* Marks it notified stuck at now. */
int store_handover_stuck(store_t *store, const char *adapter, int64_t now, err_t *err);

/* Every inbox row in (from, to] not yet handed over is now, by all
 * adapters: fn(ctx, row) says whether its sender is told at once (a
 * HANDED_OVER Receipt goes after the commit). How many, or -1 with err.
 * inbox.handover_told holds when the sender was told (Unix ms), 0 if not
 * yet (rows told before this was so hold 1). */
int store_handover_settle(store_t *store, int64_t from, int64_t to, int64_t now,
    bool (*fn)(void *ctx, const char *message_id, const char *sender), void *ctx, err_t *err);
/* Up to max rows from sender handed over but not told: fn for each, and
 * marked told at now. How many, or -1 with err. */
int store_handover_untold(store_t *store, const char *sender, int max, int64_t now,
    void (*fn)(void *ctx, const char *message_id), void *ctx, err_t *err);
/* The rows from sender told at or after since are marked not told (their
 * Receipt may have been lost with a session): how many, or -1 with err. */
int store_handover_retell(store_t *store, const char *sender, int64_t since, err_t *err);

/* For famlinkctl status: the adapter's state and how many received
 * messages wait for it. 1, 0 if it never ran (no row; or a store from
 * before the hand-over), -1 with err. */
int store_handover_report(store_t *store, const char *adapter, handover_state_t *out,
    long *waiting, err_t *err);

/* The sending side: peer reported message_id handed over at now (once). */
int store_outbox_handed_over(store_t *store, const char *peer, const char *message_id,
    int64_t now, err_t *err);

#endif
