/* store_alert — see store_alert.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "store_alert.h"

/* The operator's notification: event KIND at the onset, KIND_cleared at the
 * end; actor names the subject (a peer). */
static int
notify(store_t *store, const char *event, const char *subject, int64_t now, err_t *err)
{
	static const char sql[] = "INSERT INTO notifications (at, event, actor, recipient)"
	    " VALUES (?1, ?2, ?3, 'operator')";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, subject, -1, SQLITE_STATIC);
	return store_step_done(store, st, err);
}

int
store_alert_raise(store_t *store, const char *kind, const char *subject, int64_t since,
    int64_t now, err_t *err)
{
	static const char sql[] = "INSERT OR IGNORE INTO alerts (kind, subject, since, raised_at)"
	    " VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	sqlite3_bind_int64(st, 4, now);
	if (store_step_done(store, st, err) != 0)
		return -1;
	if (sqlite3_changes(store_db(store)) == 0)
		return 0;
	return notify(store, kind, subject, now, err) == 0 ? 1 : -1;
}

int
store_alert_clear(store_t *store, const char *kind, const char *subject, int64_t now,
    err_t *err)
{
	static const char sql[] = "DELETE FROM alerts WHERE kind = ?1 AND subject = ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	char event[48];

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
	if (store_step_done(store, st, err) != 0)
		return -1;
	if (sqlite3_changes(store_db(store)) == 0)
		return 0;
	snprintf(event, sizeof(event), "%s_cleared", kind);
	return notify(store, event, subject, now, err) == 0 ? 1 : -1;
}

int
store_alert_list(store_t *store, alert_row_t *rows, int max, err_t *err)
{
	static const char sql[] = "SELECT kind, subject, since, raised_at FROM alerts"
	    " ORDER BY raised_at, kind, subject LIMIT ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int n = 0, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, max);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		store_col_text(st, 0, rows[n].kind, sizeof(rows[n].kind));
		store_col_text(st, 1, rows[n].subject, sizeof(rows[n].subject));
		rows[n].since = sqlite3_column_int64(st, 2);
		rows[n++].raised_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? n : store_fail(store, err);
}

/* The first queued message by sequence is the oldest: one index step. */
int
store_alert_oldest_unacked(store_t *store, const char *peer, int64_t *created_at, err_t *err)
{
	static const char sql[] = "SELECT created_at FROM outbox WHERE peer = ?1"
	    " AND state = 'queued' ORDER BY sequence LIMIT 1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*created_at = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (step == SQLITE_ROW)
		return 1;
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}
