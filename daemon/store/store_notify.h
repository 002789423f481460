/*
 * store_notify — the notifications queue: what should reach a person by
 * mail, queued in the transaction that causes it, and read, sent and
 * marked by the email adapter. Deadline stages are queued by
 * deadline_fire.c (deadline.h); the rest here: a received message that
 * needs a person, a dead letter, an adapter stuck or cleared. A row holds
 * ids, kinds, roles and times only, never content or an address: the
 * recipient is a role (secretary, pool_contact, escalation,
 * pool_escalation, operator) that the email adapter maps to an address.
 * Every function runs in the caller's transaction.
 */
#ifndef FAMLINK_STORE_NOTIFY_H
#define FAMLINK_STORE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* A received message that a person must read or act on: event "message",
 * kind its body type ("family_proposal"), for recipient (a role).
 * proposal_id may be "" (none). */
typedef struct notify_message {
	const char *kind, *message_id, *referral_id, *proposal_id, *owner, *recipient;
} notify_message_t;
int store_notify_message(store_t *store, const notify_message_t *m, int64_t now, err_t *err);

/* A message of ours went to the dead letters (store_mark_dead): event
 * "dead_letter" for the operator, with its body type, referral and the
 * peer that refused it (actor). Nothing if message_id is not in the
 * outbox. */
int store_notify_dead_letter(store_t *store, const char *message_id, int64_t now, err_t *err);

/* An operator's notification about an adapter: event "adapter_stuck" or
 * "adapter_cleared". */
int store_notify_adapter(store_t *store, const char *event, const char *adapter, int64_t now,
    err_t *err);

/* ---- the email adapter's side --------------------------------------------- */

/* One pending notification as read for sending (ids and codes only). */
typedef struct notify_row {
	int64_t id, at;               /* queued at, Unix ms */
	int64_t deadline_id;          /* 0: none */
	int64_t due_at;               /* Unix ms; 0: none */
	unsigned attempts;            /* sending failed this often */
	char event[24], kind[32], owner[65], referral_id[65], proposal_id[65], actor[65];
	char recipient[24], message_id[33], adapter[65];
} notify_row_t;

/* Up to max pending notifications due by now (never tried, or their
 * retry time come), oldest first, into rows: how many, or -1 with err. */
int store_notify_due(store_t *store, int64_t now, int max, notify_row_t *rows, err_t *err);

/* When the next pending notification is due (queued, or its retry time):
 * 1 and *at (Unix ms), 0 if none is pending, -1 with err. */
int store_notify_next(store_t *store, int64_t *at, err_t *err);

/* The mail that carries notification id was accepted by the server:
 * sent at now. Only a pending one changes (1), else 0; -1 with err. */
int store_notify_sent(store_t *store, int64_t id, int64_t now, err_t *err);

/* Sending it failed once more: attempts + 1, tried again at next_at, why
 * (codes, never an address or content). */
int store_notify_failed(store_t *store, int64_t id, int64_t next_at, const char *why,
    err_t *err);

/* The owning secretary's email from the stored Referral of owner's
 * referral_id (sent from this node or received by it, found through its
 * transition), the latest if it was sent again: 1 and the address in
 * buf, 0 if there is none (no Referral, no address, or emptied by
 * retention), -1 with err. */
int store_notify_secretary(store_t *store, const char *owner, const char *referral_id,
    char *buf, size_t len, err_t *err);

#endif
