/* store_handover — see store_handover.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store_handover.h"

#define JOBS_GONE_MAX 64   /* adapters forgotten at one start (more: at the next) */

/* Binds text ?i or fails the statement: 0 or -1. */
static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) == SQLITE_OK ? 0 : -1;
}

static int
read_state(store_t *store, const char *adapter, handover_state_t *out, err_t *err)
{
	static const char sql[] = "SELECT done_up_to, attempts, last_error,"
	    " coalesce(failing_since, 0), coalesce(stuck_since, 0) FROM handovers WHERE adapter = ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL || bind_text(st, 1, adapter) != 0)
		return st ? (sqlite3_reset(st), store_fail(store, err)) : -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW) {
		out->done_up_to = sqlite3_column_int64(st, 0);
		out->attempts = (unsigned)sqlite3_column_int(st, 1);
		store_col_text(st, 2, out->last_error, sizeof(out->last_error));
		out->failing_since = sqlite3_column_int64(st, 3);
		out->stuck_since = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_fail(store, err);
	return step == SQLITE_ROW;
}

int
store_handover_load(store_t *store, const char *adapter, int64_t now, handover_state_t *out,
    err_t *err)
{
	/* A new adapter starts where the least advanced of the others is (all
	 * before it was handed over), or at the start of the inbox. */
	static const char sql[] =
	    "INSERT INTO handovers (adapter, done_up_to, updated_at) VALUES (?1,"
	    " coalesce((SELECT min(done_up_to) FROM handovers), 0), ?2)";
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_state(store, adapter, out, err)) != 0)
		return rc < 0 ? -1 : 0;
	if ((st = store_stmt(store, sql, err)) == NULL)
		return -1;
	if (bind_text(st, 1, adapter) != 0 || sqlite3_bind_int64(st, 2, now) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	if (store_step_done(store, st, err) != 0)
		return -1;
	return read_state(store, adapter, out, err) < 0 ? -1 : 0;
}

int
store_handover_retire(store_t *store, const char *const *names, size_t n, int64_t *before,
    err_t *err)
{
	static const char low[] = "SELECT coalesce(min(done_up_to), 0) FROM handovers";
	static const char all[] = "SELECT adapter FROM handovers";
	static const char del[] = "DELETE FROM handovers WHERE adapter = ?1";
	char gone[JOBS_GONE_MAX][65];
	size_t ngone = 0;
	sqlite3_stmt *st;
	int step;

	if ((st = store_stmt(store, low, err)) == NULL)
		return -1;
	step = sqlite3_step(st);
	*before = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (step != SQLITE_ROW)
		return store_fail(store, err);
	if ((st = store_stmt(store, all, err)) == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW && ngone < JOBS_GONE_MAX) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		bool kept = false;
		for (size_t i = 0; i < n && !kept; i++)
			kept = strcmp(names[i], a) == 0;
		if (!kept)
			snprintf(gone[ngone++], sizeof(gone[0]), "%s", a);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE && step != SQLITE_ROW)
		return store_fail(store, err);
	for (size_t i = 0; i < ngone; i++) {
		if ((st = store_stmt(store, del, err)) == NULL)
			return -1;
		if (bind_text(st, 1, gone[i]) != 0) {
			sqlite3_reset(st);
			return store_fail(store, err);
		}
		if (store_step_done(store, st, err) != 0)
			return -1;
	}
	return 0;
}

static void
row_fill(sqlite3_stmt *st, inbox_row_t *r)
{
	r->inbox_id = sqlite3_column_int64(st, 0);
	r->message_id = (const char *)sqlite3_column_text(st, 1);
	r->sender = (const char *)sqlite3_column_text(st, 2);
	r->body_type = (const char *)sqlite3_column_text(st, 3);
	r->referral_id = (const char *)sqlite3_column_text(st, 4);
	r->created_at = sqlite3_column_int64(st, 5);
	r->received_at = sqlite3_column_int64(st, 6);
	r->envelope = sqlite3_column_blob(st, 7);
	r->len = (size_t)sqlite3_column_bytes(st, 7);
}

int
store_inbox_after(store_t *store, int64_t after, int max, size_t max_bytes,
    int (*fn)(void *ctx, const inbox_row_t *row), void *ctx, err_t *err)
{
	static const char sql[] = "SELECT id, message_id, sender, body_type, referral_id,"
	    " created_at, received_at, envelope FROM inbox WHERE id > ?1 ORDER BY id LIMIT ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	size_t bytes = 0;
	int n = 0, step;
	inbox_row_t row;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, max);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		row_fill(st, &row);
		if (n > 0 && bytes + row.len > max_bytes)
			break;
		bytes += row.len;
		n++;
		if (fn(ctx, &row) != 0)
			break;
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_fail(store, err);
	return n;
}

int
store_inbox_first_after(store_t *store, int64_t after, int64_t *received_at, err_t *err)
{
	static const char sql[] = "SELECT received_at FROM inbox WHERE id > ?1 ORDER BY id LIMIT 1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		*received_at = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_fail(store, err);
	return step == SQLITE_ROW;
}

int
store_handover_done(store_t *store, const char *adapter, int64_t up_to, int64_t now,
    bool clear_stuck, bool *was_stuck, err_t *err)
{
	static const char sql[] = "UPDATE handovers SET done_up_to = max(done_up_to, ?2),"
	    " attempts = 0, last_error = NULL, failing_since = NULL,"
	    " stuck_since = CASE WHEN ?4 THEN NULL ELSE stuck_since END,"
	    " updated_at = ?3 WHERE adapter = ?1";
	handover_state_t old;
	sqlite3_stmt *st;

	if (read_state(store, adapter, &old, err) < 0)
		return -1;
	*was_stuck = old.stuck_since != 0 && clear_stuck;
	if ((st = store_stmt(store, sql, err)) == NULL)
		return -1;
	if (bind_text(st, 1, adapter) != 0 || sqlite3_bind_int64(st, 2, up_to) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, now) != SQLITE_OK ||
	    sqlite3_bind_int(st, 4, clear_stuck) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	return store_step_done(store, st, err);
}

int
store_handover_failed(store_t *store, const char *adapter, unsigned attempts, const char *why,
    int64_t now, err_t *err)
{
	static const char sql[] = "UPDATE handovers SET attempts = ?2, last_error = ?3,"
	    " failing_since = coalesce(failing_since, ?4), updated_at = ?4 WHERE adapter = ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	if (bind_text(st, 1, adapter) != 0 || sqlite3_bind_int(st, 2, (int)attempts) != SQLITE_OK ||
	    bind_text(st, 3, why) != 0 || sqlite3_bind_int64(st, 4, now) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	return store_step_done(store, st, err);
}

/* Runs a write statement with text ?1 and integer ?2: 0, or -1 with err. */
static int
write_text_int(store_t *store, const char *sql, const char *text, int64_t v, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	if (bind_text(st, 1, text) != 0 || sqlite3_bind_int64(st, 2, v) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	return store_step_done(store, st, err);
}

int
store_handover_stuck(store_t *store, const char *adapter, int64_t now, err_t *err)
{
	static const char sql[] = "UPDATE handovers SET stuck_since = ?2 WHERE adapter = ?1";

	return write_text_int(store, sql, adapter, now, err);
}

static int
mark_handed(store_t *store, int64_t id, const char *sender, int64_t now, bool told, err_t *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO inbox_handover (inbox_id, sender,"
	    " handed_over_at, told_at) VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (bind_text(st, 2, sender) != 0) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, told ? now : 0);
	return store_step_done(store, st, err);
}

/* The rows are read first, then marked: the marking statement must not run
 * while the reading one is still stepping over the same rows. */
#define SETTLE_CHUNK 256

int
store_handover_settle(store_t *store, int64_t from, int64_t to, int64_t now,
    bool (*fn)(void *ctx, const char *message_id, const char *sender), void *ctx, err_t *err)
{
	static const char sql[] = "SELECT i.id, i.message_id, i.sender FROM inbox i WHERE"
	    " i.id > ?1 AND i.id <= ?2 AND NOT EXISTS (SELECT 1 FROM inbox_handover h WHERE"
	    " h.inbox_id = i.id) ORDER BY i.id LIMIT ?3";
	struct { int64_t id; bool told; char sender[65]; } rows[SETTLE_CHUNK];
	int total = 0, n, step;

	do {
		sqlite3_stmt *st = store_stmt(store, sql, err);
		if (st == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, to);
		sqlite3_bind_int(st, 3, SETTLE_CHUNK);
		for (n = 0; (step = sqlite3_step(st)) == SQLITE_ROW; n++) {
			rows[n].id = sqlite3_column_int64(st, 0);
			store_col_text(st, 2, rows[n].sender, sizeof(rows[n].sender));
			rows[n].told = fn(ctx, (const char *)sqlite3_column_text(st, 1),
			    rows[n].sender);
		}
		sqlite3_reset(st);
		if (step != SQLITE_DONE)
			return store_fail(store, err);
		for (int i = 0; i < n; i++)
			if (mark_handed(store, rows[i].id, rows[i].sender, now, rows[i].told, err) != 0)
				return -1;
		if (n > 0)
			from = rows[n - 1].id;
		total += n;
	} while (n == SETTLE_CHUNK);
	return total;
}

#define UNTOLD_CHUNK 256

static int
mark_told(store_t *store, int64_t inbox_id, int64_t now, err_t *err)
{
	static const char sql[] = "UPDATE inbox_handover SET told_at = ?2 WHERE inbox_id = ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, inbox_id);
	sqlite3_bind_int64(st, 2, now);
	return store_step_done(store, st, err);
}

int
store_handover_untold(store_t *store, const char *sender, int max, int64_t now,
    void (*fn)(void *ctx, const char *message_id), void *ctx, err_t *err)
{
	static const char sql[] = "SELECT h.inbox_id, i.message_id FROM inbox_handover h"
	    " JOIN inbox i ON i.id = h.inbox_id WHERE h.sender = ?1 AND h.told_at = 0"
	    " ORDER BY h.inbox_id LIMIT ?2";
	int64_t ids[UNTOLD_CHUNK];
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int n = 0, step;

	if (st == NULL)
		return -1;
	if (max > UNTOLD_CHUNK)
		max = UNTOLD_CHUNK;
	if (bind_text(st, 1, sender) != 0 || sqlite3_bind_int(st, 2, max) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	for (; (step = sqlite3_step(st)) == SQLITE_ROW; n++) {
		ids[n] = sqlite3_column_int64(st, 0);
		fn(ctx, (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return store_fail(store, err);
	for (int i = 0; i < n; i++)   /* after the read: not while it steps */
		if (mark_told(store, ids[i], now, err) != 0)
			return -1;
	return n;
}

int
store_handover_report(store_t *store, const char *adapter, handover_state_t *out,
    long *waiting, err_t *err)
{
	static const char sql[] = "SELECT count(*) FROM inbox WHERE id > ?1";
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	*waiting = 0;
	if (store_schema_version(store) < 8)
		return 0;
	if ((rc = read_state(store, adapter, out, err)) <= 0)
		return rc;
	if ((st = store_stmt(store, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, out->done_up_to);
	if (sqlite3_step(st) == SQLITE_ROW)
		*waiting = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 1;
}

int
store_handover_retell(store_t *store, const char *sender, int64_t since, err_t *err)
{
	static const char sql[] = "UPDATE inbox_handover SET told_at = 0 WHERE sender = ?1"
	    " AND told_at >= ?2";

	if (write_text_int(store, sql, sender, since, err) != 0)
		return -1;
	return sqlite3_changes(store_db(store));
}

int
store_outbox_handed_over(store_t *store, const char *peer, const char *message_id, int64_t now,
    err_t *err)
{
	static const char sql[] = "UPDATE outbox SET handed_over_at = ?3 WHERE message_id = ?1"
	    " AND peer = ?2 AND handed_over_at IS NULL";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	if (bind_text(st, 1, message_id) != 0 || bind_text(st, 2, peer) != 0 ||
	    sqlite3_bind_int64(st, 3, now) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	return store_step_done(store, st, err);
}
