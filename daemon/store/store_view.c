/* store_view — see store_view.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "store_view.h"

/* With the ids of its questions not yet answered and its ads not yet
 * decided (dialogue rows still open), space-separated; and how many of the
 * messages this node sent for it the recipient reported handed over to its
 * local system (one pass over the outbox for all referrals: a referral is
 * its owner's, so at the hub the peer must be the owner; at a municipality,
 * ?2 its own id, every referral is its own). */
static const char sql_referrals[] =
	"SELECT r.owner, r.referral_id, r.kind, r.state, r.created_at, d.id, d.kind, d.due_at,"
	" d.proposal_id,"
	" (SELECT group_concat(q.item_id, ' ') FROM dialogue q WHERE q.owner = r.owner"
	"  AND q.referral_id = r.referral_id AND q.item = 'question' AND q.closed_at IS NULL),"
	" (SELECT group_concat(a.item_id, ' ') FROM dialogue a WHERE a.owner = r.owner"
	"  AND a.referral_id = r.referral_id AND a.item = 'ad' AND a.closed_at IS NULL),"
	" CASE WHEN r.purged_at IS NULL THEN coalesce(r.held_since, 0) ELSE 0 END,"
	" coalesce(o.sent, 0), coalesce(o.handed, 0)"
	" FROM referrals r LEFT JOIN (SELECT peer, referral_id, count(*) AS sent,"
	"  count(handed_over_at) AS handed FROM outbox GROUP BY peer, referral_id) o"
	"  ON o.referral_id = r.referral_id AND (o.peer = r.owner OR r.owner = ?2)"
	" LEFT JOIN deadlines d ON d.id = (SELECT x.id"
	"  FROM deadlines x WHERE x.owner = r.owner AND x.referral_id = r.referral_id"
	"  AND x.state = 'open' ORDER BY x.due_at, x.id LIMIT 1)"
	" WHERE ?1 IS NULL OR r.state = ?1 ORDER BY r.created_at, r.owner, r.referral_id";

/* With the times its notifications were queued (notifications.at), from
 * which "reminded" is told: a reminder found after the due time is only
 * marked fired, never sent (deadline_fire.c). */
static const char sql_deadlines[] =
	"SELECT d.id, d.kind, d.owner, d.referral_id, d.proposal_id, d.actor, d.started_at,"
	" d.remind_at, d.due_at, d.escalate_at, d.fired, coalesce(n.reminder, 0),"
	" coalesce(n.overdue, 0), coalesce(n.escalation, 0), d.item_id FROM deadlines d"
	" LEFT JOIN (SELECT deadline_id, max(CASE WHEN event = 'reminder' THEN at END) AS reminder,"
	"  max(CASE WHEN event = 'overdue' THEN at END) AS overdue,"
	"  max(CASE WHEN event = 'escalation' THEN at END) AS escalation"
	"  FROM notifications GROUP BY deadline_id) n ON n.deadline_id = d.id"
	" WHERE d.state = 'open' AND (?1 IS NULL OR d.owner = ?1)"
	" AND (?2 IS NULL OR d.due_at <= ?2) ORDER BY d.due_at, d.id";

static const char sql_families[] =
	"SELECT family_ref, owner, referral_id, proposal_id, state, passed_on_at, last_status,"
	" coalesce(last_status_at, 0), coalesce(ended_at, 0) FROM proposals"
	" WHERE passed_on_at IS NOT NULL ORDER BY passed_on_at, owner, referral_id, proposal_id";

/* The latest rows (or all), shown oldest first. */
static const char sql_notifications[] =
	"SELECT * FROM (SELECT id, at, event, coalesce(deadline_id, 0), kind, owner, referral_id,"
	" proposal_id, actor, recipient, coalesce(due_at, 0), state, message_id, adapter,"
	" attempts, coalesce(sent_at, 0) FROM notifications WHERE ?1 IS NULL OR owner = ?1"
	" ORDER BY id DESC LIMIT ?2) ORDER BY id";

static const char sql_deadline_counts[] =
	"SELECT kind, count(*), sum(due_at <= ?1) FROM deadlines WHERE state = 'open'"
	" GROUP BY kind ORDER BY kind";

/* Text or NULL: binds s to parameter i of st. */
static int
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	return s != NULL ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static const char *
col_or_empty(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return v != NULL ? v : "";
}

/* After the last step: resets st (the cached statement ends its read) and
 * says whether the steps ended well: 0, or -1 with err (SQLite's words
 * stay on the connection after the reset). */
static int
view_done(store_t *store, sqlite3_stmt *st, int step, err_t *err)
{
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

static void
referral_fill(sqlite3_stmt *st, referral_view_t *r)
{
	store_col_text(st, 0, r->owner, sizeof(r->owner));
	store_col_text(st, 1, r->referral_id, sizeof(r->referral_id));
	r->kind = sqlite3_column_int(st, 2);
	store_col_text(st, 3, r->state, sizeof(r->state));
	r->created_at = sqlite3_column_int64(st, 4);
	r->deadline_id = sqlite3_column_int64(st, 5);   /* NULL reads 0: ids start at 1 */
	store_col_text(st, 6, r->deadline_kind, sizeof(r->deadline_kind));
	r->due_at = sqlite3_column_int64(st, 7);
	store_col_text(st, 8, r->deadline_proposal, sizeof(r->deadline_proposal));
	r->open_questions = col_or_empty(st, 9);
	r->ads_waiting = col_or_empty(st, 10);
	r->held_since = sqlite3_column_int64(st, 11);
	r->sent = sqlite3_column_int(st, 12);
	r->sent_handed_over = sqlite3_column_int(st, 13);
}

int
store_view_referrals(store_t *store, const char *state, const char *self,
    referral_view_fn *fn, void *ctx, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql_referrals, err);
	referral_view_t row;
	int step;

	if (st == NULL)
		return -1;
	if (bind_text_or_null(st, 1, state) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, self, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		return store_fail(store, err);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		referral_fill(st, &row);
		fn(ctx, &row);
	}
	return view_done(store, st, step, err);
}

static void
deadline_fill(sqlite3_stmt *st, deadline_view_t *d)
{
	d->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, d->kind, sizeof(d->kind));
	store_col_text(st, 2, d->municipality, sizeof(d->municipality));
	store_col_text(st, 3, d->referral_id, sizeof(d->referral_id));
	store_col_text(st, 4, d->proposal_id, sizeof(d->proposal_id));
	store_col_text(st, 5, d->actor, sizeof(d->actor));
	d->started_at = sqlite3_column_int64(st, 6);
	d->remind_at = sqlite3_column_int64(st, 7);
	d->due_at = sqlite3_column_int64(st, 8);
	d->escalate_at = sqlite3_column_int64(st, 9);
	d->fired = sqlite3_column_int(st, 10);
	d->reminded_at = sqlite3_column_int64(st, 11);
	d->overdue_at = sqlite3_column_int64(st, 12);
	d->escalated_at = sqlite3_column_int64(st, 13);
	store_col_text(st, 14, d->item_id, sizeof(d->item_id));
}

int
store_view_deadlines(store_t *store, const char *municipality, int64_t due_by,
    deadline_view_fn *fn, void *ctx, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql_deadlines, err);
	deadline_view_t row;
	int step;

	if (st == NULL)
		return -1;
	if (bind_text_or_null(st, 1, municipality) != SQLITE_OK ||
	    (due_by != 0 ? sqlite3_bind_int64(st, 2, due_by) : sqlite3_bind_null(st, 2)) != SQLITE_OK)
		return store_fail(store, err);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		deadline_fill(st, &row);
		fn(ctx, &row);
	}
	return view_done(store, st, step, err);
}

static void
family_fill(sqlite3_stmt *st, family_view_t *f)
{
	store_col_text(st, 0, f->family_ref, sizeof(f->family_ref));
	store_col_text(st, 1, f->municipality, sizeof(f->municipality));
	store_col_text(st, 2, f->referral_id, sizeof(f->referral_id));
	store_col_text(st, 3, f->proposal_id, sizeof(f->proposal_id));
	store_col_text(st, 4, f->state, sizeof(f->state));
	f->passed_on_at = sqlite3_column_int64(st, 5);
	f->last_status = sqlite3_column_int(st, 6);
	f->last_status_at = sqlite3_column_int64(st, 7);
	f->ended_at = sqlite3_column_int64(st, 8);
}

int
store_view_families(store_t *store, family_view_fn *fn, void *ctx, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql_families, err);
	family_view_t row;
	int step;

	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		family_fill(st, &row);
		fn(ctx, &row);
	}
	return view_done(store, st, step, err);
}

static void
notification_fill(sqlite3_stmt *st, notification_view_t *v)
{
	v->id = sqlite3_column_int64(st, 0);
	v->queued_at = sqlite3_column_int64(st, 1);
	store_col_text(st, 2, v->event, sizeof(v->event));
	v->deadline_id = sqlite3_column_int64(st, 3);
	store_col_text(st, 4, v->kind, sizeof(v->kind));
	store_col_text(st, 5, v->municipality, sizeof(v->municipality));
	store_col_text(st, 6, v->referral_id, sizeof(v->referral_id));
	store_col_text(st, 7, v->proposal_id, sizeof(v->proposal_id));
	store_col_text(st, 8, v->actor, sizeof(v->actor));
	store_col_text(st, 9, v->recipient, sizeof(v->recipient));
	v->due_at = sqlite3_column_int64(st, 10);
	store_col_text(st, 11, v->state, sizeof(v->state));
	store_col_text(st, 12, v->message_id, sizeof(v->message_id));
	store_col_text(st, 13, v->adapter, sizeof(v->adapter));
	v->attempts = (long long)sqlite3_column_int64(st, 14);
	v->sent_at = sqlite3_column_int64(st, 15);
}

int
store_view_notifications(store_t *store, const char *municipality, int limit,
    notification_view_fn *fn, void *ctx, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql_notifications, err);
	notification_view_t row;
	int step;

	if (st == NULL)
		return -1;
	if (bind_text_or_null(st, 1, municipality) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1) != SQLITE_OK)
		return store_fail(store, err);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		notification_fill(st, &row);
		fn(ctx, &row);
	}
	return view_done(store, st, step, err);
}

int
store_view_deadline_counts(store_t *store, int64_t now, deadline_count_fn *fn, void *ctx,
    err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql_deadline_counts, err);
	char kind[VIEW_ID_LEN];
	int step;

	if (st == NULL)
		return -1;
	if (sqlite3_bind_int64(st, 1, now) != SQLITE_OK)
		return store_fail(store, err);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		store_col_text(st, 0, kind, sizeof(kind));
		fn(ctx, kind, (long)sqlite3_column_int64(st, 1), (long)sqlite3_column_int64(st, 2));
	}
	return view_done(store, st, step, err);
}

/* Room for one more element of size in *arr of n (capacities are powers
 * of two): 0, or -1 (out of memory; *arr unchanged). */
static int
grow(void **arr, size_t n, size_t size)
{
	void *p;

	if (n != 0 && (n & (n - 1)) != 0)
		return 0;   /* room left: the capacity is the next power of two */
	if ((p = realloc(*arr, (n ? n * 2 : 1) * size)) == NULL)
		return -1;
	*arr = p;
	return 0;
}

int
store_rows(store_t *store, sqlite3_stmt *st, void **arr, size_t *n, size_t size,
    store_row_fn *fill, const void *ctx, err_t *err)
{
	int step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow(arr, *n, size) != 0) {
			sqlite3_reset(st);
			return err_set(err, 0, "out of memory");
		}
		fill(st, (char *)*arr + (*n)++ * size, ctx);
	}
	return view_done(store, st, step, err);
}
