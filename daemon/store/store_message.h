/*
 * store_message — the stored messages as an operator reads them (famlinkctl
 * inbox, show): one row per message from the inbox or the outbox, with what
 * the store knows around it (the referral's state, the outbox state, the
 * dead letter's code and reason). Reads only; safe while the daemon runs.
 * The envelope bytes come only from store_message_get(), for the one
 * message asked for; the listing gives metadata alone.
 */
#ifndef FAMLINK_STORE_MESSAGE_H
#define FAMLINK_STORE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef struct message_row {
	bool received;              /* from the inbox (true) or the outbox */
	char message_id[33];
	char peer[65];              /* the sender (inbox) or the recipient (outbox) */
	char referral_id[65];
	char body_type[32];         /* envelope_body_name(): "referral_ack", ... */
	uint64_t sequence;
	int64_t created_at;         /* by the sender's clock, Unix ms */
	int64_t received_at;        /* inbox: when it was stored here; 0 for the outbox */
	char state[16];             /* outbox: queued, sent, delivered or dead; "" inbox */
	int64_t delivered_at;       /* outbox: the ACCEPTED Receipt, 0 = none */
	int64_t dead_at;            /* outbox: the REJECTED Receipt, 0 = none */
	int dead_code;              /* its ReceiptCode */
	char dead_reason[512];      /* the peer's reason: ids and codes */
	char referral_state[24];    /* the referral's state here, "" if unknown */
	/* inbox: when every adapter that takes received messages had it;
	 * outbox: when the recipient reported its adapter had it. 0 = not. */
	int64_t handed_over_at;
	int adapters;               /* inbox: adapters that take received messages here */
	/* store_message_get() only: the stored envelope (len 0: emptied by
	 * retention). Owned by the row: store_message_release(). */
	void *envelope;
	size_t len;
} message_row_t;

/* Calls fn for each inbox row, oldest first (by received_at), with no
 * envelope: only referral_id's if it is not NULL, only those received at or
 * after since (Unix ms; 0 = all). owner is the node that owns the node's
 * referrals (a municipality's own id), NULL at the hub (each message's
 * sender). fn's row is borrowed for the call. 0, or -1 with err. */
int store_inbox_list(store_t *store, const char *owner, const char *referral_id,
    int64_t since, void (*fn)(void *ctx, const message_row_t *row), void *ctx, err_t *err);

/* The message with message_id, looked for in the inbox and then the outbox
 * (owner as for store_inbox_list()): 1 and *out filled (the envelope too),
 * 0 if neither holds it, -1 with err. */
int store_message_get(store_t *store, const char *owner, const char *message_id,
    message_row_t *out, err_t *err);

/* Frees what store_message_get() allocated in row (its envelope). */
void store_message_release(message_row_t *row);

#endif
