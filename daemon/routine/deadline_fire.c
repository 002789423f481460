/*
 * deadline_fire — the firing half of deadline.h: finds the deadlines with a
 * stage due, queues one notification per stage in the notifications table
 * and marks the stage fired, all in the caller's transaction, so a stage
 * fires once also across a crash (the notification and its mark commit
 * together or not at all).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "deadline.h"


typedef struct due_row {
	int64_t id, remind_at, due_at, escalate_at;
	int fired;
	char owner[65], referral_id[65], proposal_id[65], kind[24], actor[65], item_id[65];
} due_row_t;

static void
read_row(sqlite3_stmt *st, due_row_t *r)
{
	r->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, r->owner, sizeof(r->owner));
	store_col_text(st, 2, r->referral_id, sizeof(r->referral_id));
	store_col_text(st, 3, r->proposal_id, sizeof(r->proposal_id));
	store_col_text(st, 4, r->kind, sizeof(r->kind));
	store_col_text(st, 5, r->actor, sizeof(r->actor));
	r->remind_at = sqlite3_column_int64(st, 6);
	r->due_at = sqlite3_column_int64(st, 7);
	r->escalate_at = sqlite3_column_int64(st, 8);
	r->fired = sqlite3_column_int(st, 9);
	store_col_text(st, 10, r->item_id, sizeof(r->item_id));
}

/* Up to max deadlines with a stage due by now, read before any is changed. */
static int
load_due(store_t *store, int64_t now, int max, due_row_t *rows, err_t *err)
{
	static const char sql[] =
	    "SELECT id, owner, referral_id, proposal_id, kind, actor, remind_at, due_at,"
	    " escalate_at, fired, item_id FROM deadlines WHERE state = 'open' AND next_at IS NOT NULL"
	    " AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int n = 0, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		read_row(st, &rows[n++]);
	sqlite3_reset(st);
	return step == SQLITE_DONE ? n : store_fail(store, err);
}

/* Who hears of it: at the pool its contact for the municipality (the pool
 * learns who is late), at a municipality the owning secretary; an
 * escalation goes one step up. The email adapter maps these to addresses. */
static const char *
recipient_of(const config_t *cfg, int stage)
{
	if (cfg->role == ROLE_HUB)
		return stage == DEADLINE_FIRED_ESCALATION ? "pool_escalation" : "pool_contact";
	return stage == DEADLINE_FIRED_ESCALATION ? "escalation" : "secretary";
}

static int
queue_notice(store_t *store, const config_t *cfg, const due_row_t *r, int stage, int64_t now,
    deadline_notice_fn *fn, void *ctx, err_t *err)
{
	static const char sql[] =
	    "INSERT INTO notifications (at, event, deadline_id, kind, owner, referral_id,"
	    " proposal_id, actor, recipient, due_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	const char *event = stage == DEADLINE_FIRED_REMINDER ? "reminder"
	    : stage == DEADLINE_FIRED_OVERDUE ? "overdue" : "escalation";
	deadline_notice_t n = { 0, r->id, event, r->kind, r->owner, r->referral_id,
	    r->proposal_id, r->actor, recipient_of(cfg, stage), r->item_id, r->due_at };
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->id);
	sqlite3_bind_text(st, 4, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->proposal_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, n.recipient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, r->due_at);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	n.notification_id = sqlite3_last_insert_rowid(store_db(store));
	if (fn != NULL)
		fn(&n, ctx);
	return 0;
}

static int
mark_fired(store_t *store, const due_row_t *r, int fired, err_t *err)
{
	static const char sql[] = "UPDATE deadlines SET fired = ?2, next_at = ?3 WHERE id = ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int64_t next = deadline_next_stage(fired, r->remind_at, r->due_at, r->escalate_at);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int(st, 2, fired);
	if (next != 0)
		sqlite3_bind_int64(st, 3, next);
	else
		sqlite3_bind_null(st, 3);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

/* Every stage of one deadline due by now. A reminder found after the due
 * time is stale and only marked: the overdue notice says more. */
static int
fire_row(store_t *store, const config_t *cfg, const due_row_t *r, int64_t now,
    deadline_notice_fn *fn, void *ctx, err_t *err)
{
	static const int stages[] = { DEADLINE_FIRED_REMINDER, DEADLINE_FIRED_OVERDUE, DEADLINE_FIRED_ESCALATION };
	int64_t at[] = { r->remind_at, r->due_at, r->escalate_at };
	int fired = r->fired;

	for (int i = 0; i < 3; i++) {
		if ((fired & stages[i]) || at[i] > now)
			continue;
		fired |= stages[i];
		if (stages[i] == DEADLINE_FIRED_REMINDER && r->due_at <= now)
			continue;
		if (queue_notice(store, cfg, r, stages[i], now, fn, ctx, err) != 0)
			return -1;
	}
	return mark_fired(store, r, fired, err);
}

#define CHUNK 64   /* rows read at a time */

int
deadline_fire_due(store_t *store, const config_t *cfg, int64_t now, int max,
    deadline_notice_fn *fn, void *ctx, err_t *err)
{
	due_row_t rows[CHUNK];
	int done = 0, n;

	/* Read a chunk, fire it (which moves its next_at on), read the next:
	 * a fired row is never read twice. */
	while (done < max) {
		int want = max - done < CHUNK ? max - done : CHUNK;
		if ((n = load_due(store, now, want, rows, err)) < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (fire_row(store, cfg, &rows[i], now, fn, ctx, err) != 0)
				return -1;
		done += n;
		if (n < want)
			break;
	}
	return done;
}

int
deadline_summary(store_t *store, int64_t *open, int64_t *next_at, err_t *err)
{
	static const char sql[] = "SELECT count(*), coalesce(min(next_at), 0) FROM deadlines"
	    " WHERE state = 'open'";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW) {
		*open = sqlite3_column_int64(st, 0);
		*next_at = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return step == SQLITE_ROW ? 0 : store_fail(store, err);
}

int
deadline_next_at(store_t *store, int64_t *next_at, err_t *err)
{
	static const char sql[] = "SELECT coalesce(min(next_at), 0) FROM deadlines"
	    " WHERE state = 'open' AND next_at IS NOT NULL";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		*next_at = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return step == SQLITE_ROW ? 0 : store_fail(store, err);
}
