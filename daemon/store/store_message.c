/* store_message — see store_message.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_message.h"

/* The columns every query below gives, in this order (row_fill()). The
 * referral is keyed by its owner: the municipality itself (?2), or at the
 * hub the municipality at the other end (?2 NULL). */
#define INBOX_BASE \
	"SELECT 1, i.message_id, i.sender, i.referral_id, i.body_type, i.sequence," \
	" i.created_at, i.received_at, '', 0, 0, 0, '', coalesce(r.state, ''),"
/* Columns 14 and 15: when it was handed over, and how many adapters take
 * received messages here (a store from before migration 8 has neither). */
#define INBOX_COLS INBOX_BASE \
	" coalesce((SELECT h.handed_over_at FROM inbox_handover h WHERE h.inbox_id = i.id), 0)," \
	" (SELECT count(*) FROM handovers)"
#define INBOX_COLS_7 INBOX_BASE " 0, 0"
#define INBOX_FROM \
	" FROM inbox i LEFT JOIN referrals r ON r.owner = coalesce(?2, i.sender)" \
	" AND r.referral_id = i.referral_id"

static void
row_fill(sqlite3_stmt *st, message_row_t *r)
{
	memset(r, 0, sizeof(*r));
	r->received = sqlite3_column_int(st, 0) != 0;
	store_col_text(st, 1, r->message_id, sizeof(r->message_id));
	store_col_text(st, 2, r->peer, sizeof(r->peer));
	store_col_text(st, 3, r->referral_id, sizeof(r->referral_id));
	store_col_text(st, 4, r->body_type, sizeof(r->body_type));
	r->sequence = (uint64_t)sqlite3_column_int64(st, 5);
	r->created_at = sqlite3_column_int64(st, 6);
	r->received_at = sqlite3_column_int64(st, 7);
	store_col_text(st, 8, r->state, sizeof(r->state));
	r->delivered_at = sqlite3_column_int64(st, 9);
	r->dead_at = sqlite3_column_int64(st, 10);
	r->dead_code = sqlite3_column_int(st, 11);
	store_col_text(st, 12, r->dead_reason, sizeof(r->dead_reason));
	store_col_text(st, 13, r->referral_state, sizeof(r->referral_state));
	r->handed_over_at = sqlite3_column_int64(st, 14);
	r->adapters = sqlite3_column_int(st, 15);
}

/* The store predates the hand-over (famlinkctl reads a store famlinkd has
 * not migrated yet). */
static bool
before_handover(store_t *store)
{
	return store_schema_version(store) < 8;
}

int
store_inbox_list(store_t *store, const char *owner, const char *referral_id,
    int64_t since, void (*fn)(void *ctx, const message_row_t *row), void *ctx, err_t *err)
{
#define LIST_WHERE " WHERE (?1 IS NULL OR i.referral_id = ?1) AND i.received_at >= ?3" \
	" ORDER BY i.received_at, i.id"
	static const char sql[] = INBOX_COLS INBOX_FROM LIST_WHERE;
	static const char sql_7[] = INBOX_COLS_7 INBOX_FROM LIST_WHERE;
	sqlite3_stmt *st = store_stmt(store, before_handover(store) ? sql_7 : sql, err);
	message_row_t row;
	int step;

	if (st == NULL)
		return -1;
	if (sqlite3_bind_text(st, 1, referral_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, since) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		row_fill(st, &row);
		fn(ctx, &row);
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

/* Steps sql (with ?1 the id, ?2 the owner) for one row into *out, the
 * envelope (column 16) copied: 1, 0 if no row, -1 with err. */
static int
get_one(store_t *store, const char *sql, const char *owner, const char *message_id,
    message_row_t *out, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step, n;

	if (st == NULL)
		return -1;
	if (sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	if ((step = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return step == SQLITE_DONE ? 0 : store_fail(store, err);
	}
	row_fill(st, out);
	n = sqlite3_column_bytes(st, 16);
	if (n > 0 && (out->envelope = malloc((size_t)n)) == NULL) {
		sqlite3_reset(st);
		err_set(err, 0, "out of memory reading message %s", message_id);
		return -1;
	}
	if (n > 0)
		memcpy(out->envelope, sqlite3_column_blob(st, 16), (size_t)n);
	out->len = (size_t)n;
	sqlite3_reset(st);
	return 1;
}

int
store_message_get(store_t *store, const char *owner, const char *message_id,
    message_row_t *out, err_t *err)
{
	static const char inbox[] = INBOX_COLS ", i.envelope" INBOX_FROM
	    " WHERE i.message_id = ?1";
	static const char inbox_7[] = INBOX_COLS_7 ", i.envelope" INBOX_FROM
	    " WHERE i.message_id = ?1";
	/* "sent": given to the peer in its live session (as famlinkctl queue). */
#define OUTBOX_BASE \
	"SELECT 0, o.message_id, o.peer, o.referral_id, o.body_type, o.sequence," \
	" o.created_at, 0, CASE WHEN o.state = 'queued' AND" \
	"  o.sequence <= coalesce(p.sent_up_to, 0) THEN 'sent' ELSE o.state END," \
	" coalesce(o.delivered_at, 0), coalesce(d.dead_at, 0), coalesce(d.code, 0)," \
	" coalesce(d.reason, ''), coalesce(r.state, ''),"
#define OUTBOX_FROM \
	", o.envelope FROM outbox o LEFT JOIN peers p ON p.node_id = o.peer" \
	" LEFT JOIN dead_letters d ON d.message_id = o.message_id" \
	" LEFT JOIN referrals r ON r.owner = coalesce(?2, o.peer)" \
	" AND r.referral_id = o.referral_id WHERE o.message_id = ?1"
	static const char outbox[] = OUTBOX_BASE " coalesce(o.handed_over_at, 0), 0" OUTBOX_FROM;
	static const char outbox_7[] = OUTBOX_BASE " 0, 0" OUTBOX_FROM;
	bool old = before_handover(store);
	int rc = get_one(store, old ? inbox_7 : inbox, owner, message_id, out, err);

	return rc != 0 ? rc : get_one(store, old ? outbox_7 : outbox, owner, message_id, out, err);
}

void
store_message_release(message_row_t *row)
{
	free(row->envelope);
	row->envelope = NULL;
	row->len = 0;
}
