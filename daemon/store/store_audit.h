/*
 * store_audit — the append-only audit table: every message in and out, every
 * rejection and dead letter, every operator action. Rows carry ids, types,
 * codes and times, never message content. Triggers refuse UPDATE and DELETE.
 *
 * Since schema 10 the rows form a hash chain, so that a change made by
 * someone who drops the triggers shows: each row's hash is SHA-256 over
 *   "famlink-audit-v1" (16 bytes, no length)
 *   prev     the previous row's hash (32 bytes; all zero for the first
 *            hashed row)
 *   id, at   each a signed 64-bit integer, big-endian
 *   event, message_id, peer, body_type   each a text field
 *   code     a signed 64-bit integer, big-endian
 *   detail   a text field
 * where a text field is its length in bytes as an unsigned 32-bit big-endian
 * integer and then its bytes (UTF-8, no terminator), and NULL is the length
 * 0xFFFFFFFF with no bytes (so NULL and "" differ). Rows written before
 * migration 10 have no hash: the chain starts at the first hashed row, and
 * those before it are not covered. A change to a row breaks the chain at that
 * row, a deleted row at the one after it; removing the last rows (cutting
 * the tail) does not show.
 */
#ifndef FAMLINK_STORE_AUDIT_H
#define FAMLINK_STORE_AUDIT_H

#include <stdbool.h>
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

/* One audit row as read, texts "" for NULL (and cut to the buffer). */
typedef struct audit_row {
	int64_t id, at, code;
	char event[32];
	char message_id[128];
	char peer[128];
	char body_type[64];
	char detail[2048];      /* reset-store's is the longest (up to 1600) */
} audit_row_t;

typedef void audit_row_fn(void *ctx, const audit_row_t *row);

/* Hands each audit row to fn, oldest first (by id): those of referral_id
 * (NULL: any) and of message_id (NULL: any). A row is a referral's when its
 * message is one of that referral's in the inbox or the outbox (of any
 * owner with that id), or when it is the retention purge of that referral
 * or an operator's action on it (detail "referral ID: ..."). An inbound message that was rejected is not
 * stored, so its reject row has no referral. 0, or -1 with err. The row is
 * borrowed for the call. */
int store_audit_list(store_t *store, const char *referral_id, const char *message_id,
    audit_row_fn *fn, void *ctx, err_t *err);

/* The chain link of one row (the encoding above) into out: 0, or -1 if
 * OpenSSL fails. */
int store_audit_hash(const unsigned char prev[32], int64_t id, int64_t at, const char *event,
    const char *message_id, const char *peer, const char *body_type, int64_t code,
    const char *detail, unsigned char out[32]);

/* What store_audit_verify() found. */
typedef struct audit_verify {
	int64_t unhashed;    /* rows before the chain began (before schema 10) */
	int64_t first_id;    /* the first hashed row, 0 if none */
	int64_t rows;        /* rows whose hash matched */
	int64_t broken_id;   /* the first row whose hash does not match, 0 = intact */
	int64_t last_id;     /* intact: the last row, whose hash covers all */
	unsigned char last_hash[32];
} audit_verify_t;

/* Recomputes the chain from its first hashed row: 0 with v filled (intact
 * when v->broken_id is 0), or -1 with err when the store cannot be read.
 * Needs schema 10. progress (may be NULL) is told every few thousand rows
 * the row id reached and the last id. */
typedef void audit_progress_fn(void *arg, long at_id, long last_id);
int store_audit_verify(store_t *store, audit_verify_t *v, audit_progress_fn *progress,
    void *arg, err_t *err);

#endif
