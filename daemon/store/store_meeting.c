/* store_meeting — see store_meeting.h. */
#include <sqlite3.h>
#include <string.h>

#include "store_meeting.h"
#include "store_view.h"

/* ---- the sections ----------------------------------------------------------- */

static const char sql_open_referrals[] =
	"SELECT referral_id, kind, state, created_at, coalesce(submitted_at, 0) FROM referrals"
	" WHERE owner = ?1 AND state NOT IN ('closed', 'rejected')"
	" ORDER BY created_at, referral_id";

/* Held now, or passed on or ended in the period. */
static const char sql_families[] =
	"SELECT family_ref, referral_id, proposal_id, state, passed_on_at, last_status,"
	" coalesce(last_status_at, 0), coalesce(ended_at, 0) FROM proposals"
	" WHERE owner = ?1 AND passed_on_at IS NOT NULL AND (ended_at IS NULL"
	"  OR (passed_on_at >= ?2 AND passed_on_at < ?3) OR (ended_at >= ?2 AND ended_at < ?3))"
	" ORDER BY passed_on_at, referral_id, proposal_id";

static const char sql_overdue[] =
	"SELECT id, kind, referral_id, proposal_id, actor, due_at FROM deadlines"
	" WHERE owner = ?1 AND state = 'open' AND due_at <= ?2 ORDER BY due_at, id";

/* Each waiting query gives: referral id, item id, family reference, state,
 * who must answer, since when; for ?1, the municipality. */

/* The secretary answers with a ProposalDecision. */
static const char sql_proposals[] =
	"SELECT referral_id, proposal_id, family_ref, state, owner, created_at FROM proposals"
	" WHERE owner = ?1 AND state = 'proposed'"
	" ORDER BY created_at, referral_id, proposal_id";

/* A question put by the pool is the municipality's to answer, and the
 * other way round. A closed referral leaves its questions as they were:
 * nobody waits for them any more. */
static const char sql_questions[] =
	"SELECT d.referral_id, d.item_id, '', d.state,"
	" CASE d.state WHEN 'asked_by_pool' THEN d.owner ELSE 'pool' END, d.opened_at"
	" FROM dialogue d JOIN referrals r ON r.owner = d.owner AND r.referral_id = d.referral_id"
	" WHERE d.owner = ?1 AND d.item = 'question'"
	" AND d.state IN ('asked_by_pool', 'asked_by_municipality')"
	" AND r.state NOT IN ('closed', 'rejected')"
	" ORDER BY d.opened_at, d.referral_id, d.item_id";

/* The municipality approves, revises or declines; an ad proposed again
 * after a revision waits from then (updated_at). */
static const char sql_ads[] =
	"SELECT d.referral_id, d.item_id, '', d.state, d.owner, d.updated_at"
	" FROM dialogue d JOIN referrals r ON r.owner = d.owner AND r.referral_id = d.referral_id"
	" WHERE d.owner = ?1 AND d.item = 'ad' AND d.state = 'proposed'"
	" AND r.state NOT IN ('closed', 'rejected')"
	" ORDER BY d.updated_at, d.referral_id, d.item_id";

/* ---- the period's counts ------------------------------------------------- */

/* The instant the message of transition t was made (Envelope.created_at_ms,
 * by its sender's clock), kept in the inbox or the outbox whichever end
 * sent it, so both stores hold the same number; the instant it was applied
 * for a transition without one. Counts are placed in the period by it, so
 * that the hub's report of a municipality and the municipality's own count
 * the same events, the delivery delay notwithstanding. */
#define SENT_AT(t) \
	"coalesce((SELECT i.created_at FROM inbox i WHERE i.message_id = " t ".message_id)," \
	" (SELECT o.created_at FROM outbox o WHERE o.message_id = " t ".message_id), " t ".at)"

/* The municipality's transitions with the instant of their message. */
#define SENT_TRANSITIONS \
	"(SELECT t.*, " SENT_AT("t") " AS sent_at FROM transitions t WHERE t.owner = ?1)"

/* An event that moves a referral and a proposal (a FamilyProposal: the
 * referral to matching, the proposal to proposed) has a row for each; a
 * proposal ends placed or returned once (a repeated status keeps its state). */
static const char sql_counts[] =
	"SELECT coalesce(sum(event = 'referral' AND proposal_id = ''), 0),"
	" coalesce(sum(event = 'family_proposal' AND proposal_id <> ''), 0),"
	" coalesce(sum(proposal_id <> '' AND to_state = 'placed' AND from_state <> 'placed'), 0),"
	" coalesce(sum(proposal_id <> '' AND to_state = 'returned' AND from_state <> 'returned'), 0)"
	" FROM " SENT_TRANSITIONS " WHERE sent_at >= ?2 AND sent_at < ?3";

static const char sql_rejected[] =
	"SELECT code, count(*) FROM " SENT_TRANSITIONS
	" WHERE event = 'rejected' AND proposal_id = '' AND sent_at >= ?2 AND sent_at < ?3"
	" GROUP BY code";

/* Every sending of each referral and every acknowledgement, in the order
 * applied: an acknowledgement answers the sending before it (a referral is
 * sent again only after a rejection). With the referral's kind, which
 * cannot change once acknowledged. */
static const char sql_sendings[] =
	"SELECT t.referral_id, t.event = 'ack', " SENT_AT("t") ", coalesce(r.kind, 0)"
	" FROM transitions t LEFT JOIN referrals r ON r.owner = t.owner"
	"  AND r.referral_id = t.referral_id"
	" WHERE t.owner = ?1 AND t.proposal_id = '' AND t.event IN ('referral', 'ack')"
	" ORDER BY t.referral_id, t.id";

/* ---- reading ------------------------------------------------------------------ */

/* The cached statement for sql with ?1 the owner and, when a < b, ?2 and
 * ?3 the instants a and b (?2 alone: a, when b is 0); NULL with err. */
static sqlite3_stmt *
bound(store_t *store, const char *sql, const char *owner, int64_t a, int64_t b, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return NULL;
	if (sqlite3_bind_text(st, 1, owner, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
	    (a != 0 && sqlite3_bind_int64(st, 2, a) != SQLITE_OK) ||
	    (b != 0 && sqlite3_bind_int64(st, 3, b) != SQLITE_OK)) {
		store_fail(store, err);
		return NULL;
	}
	return st;
}

static void
referral_row(sqlite3_stmt *st, void *element, const void *ctx)
{
	meeting_referral_t *x = element;

	(void)ctx;
	store_col_text(st, 0, x->referral_id, sizeof(x->referral_id));
	x->kind = sqlite3_column_int(st, 1);
	store_col_text(st, 2, x->state, sizeof(x->state));
	x->created_at = sqlite3_column_int64(st, 3);
	x->submitted_at = sqlite3_column_int64(st, 4);
}

int
store_meeting_referrals(store_t *store, const char *owner, meeting_referral_t **rows,
    size_t *n, err_t *err)
{
	sqlite3_stmt *st = bound(store, sql_open_referrals, owner, 0, 0, err);

	return st == NULL ? -1 : store_rows(store, st, (void **)rows, n, sizeof(**rows),
	    referral_row, NULL, err);
}

static void
family_row(sqlite3_stmt *st, void *element, const void *ctx)
{
	meeting_family_t *x = element;

	(void)ctx;
	memset(x, 0, sizeof(*x));
	store_col_text(st, 0, x->family_ref, sizeof(x->family_ref));
	store_col_text(st, 1, x->referral_id, sizeof(x->referral_id));
	store_col_text(st, 2, x->proposal_id, sizeof(x->proposal_id));
	store_col_text(st, 3, x->state, sizeof(x->state));
	x->passed_on_at = sqlite3_column_int64(st, 4);
	x->last_status = sqlite3_column_int(st, 5);
	x->last_status_at = sqlite3_column_int64(st, 6);
	x->ended_at = sqlite3_column_int64(st, 7);
}

int
store_meeting_families(store_t *store, const char *owner, int64_t from_ms, int64_t to_ms,
    meeting_family_t **rows, size_t *n, err_t *err)
{
	sqlite3_stmt *st = bound(store, sql_families, owner, from_ms, to_ms, err);

	return st == NULL ? -1 : store_rows(store, st, (void **)rows, n, sizeof(**rows),
	    family_row, NULL, err);
}

static void
overdue_row(sqlite3_stmt *st, void *element, const void *ctx)
{
	meeting_overdue_t *x = element;

	(void)ctx;
	x->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, x->kind, sizeof(x->kind));
	store_col_text(st, 2, x->referral_id, sizeof(x->referral_id));
	store_col_text(st, 3, x->proposal_id, sizeof(x->proposal_id));
	store_col_text(st, 4, x->actor, sizeof(x->actor));
	x->due_at = sqlite3_column_int64(st, 5);
	x->working_days = 0;
}

int
store_meeting_overdue(store_t *store, const char *owner, int64_t now,
    meeting_overdue_t **rows, size_t *n, err_t *err)
{
	sqlite3_stmt *st = bound(store, sql_overdue, owner, now, 0, err);

	return st == NULL ? -1 : store_rows(store, st, (void **)rows, n, sizeof(**rows),
	    overdue_row, NULL, err);
}

static void
waiting_row(sqlite3_stmt *st, void *element, const void *ctx)
{
	meeting_waiting_t *x = element;

	(void)ctx;
	store_col_text(st, 0, x->referral_id, sizeof(x->referral_id));
	store_col_text(st, 1, x->item_id, sizeof(x->item_id));
	store_col_text(st, 2, x->family_ref, sizeof(x->family_ref));
	store_col_text(st, 3, x->state, sizeof(x->state));
	store_col_text(st, 4, x->waiting_for, sizeof(x->waiting_for));
	x->opened_at = sqlite3_column_int64(st, 5);
	x->working_days = 0;
}

int
store_meeting_waiting(store_t *store, const char *owner, meeting_wait_t what,
    meeting_waiting_list_t *list, err_t *err)
{
	static const char *const sql[] = {
		[MEETING_WAIT_PROPOSALS] = sql_proposals,
		[MEETING_WAIT_QUESTIONS] = sql_questions,
		[MEETING_WAIT_ADS] = sql_ads,
	};
	sqlite3_stmt *st = bound(store, sql[what], owner, 0, 0, err);

	return st == NULL ? -1 : store_rows(store, st, (void **)&list->rows, &list->n,
	    sizeof(*list->rows), waiting_row, NULL, err);
}

static int
count_rejected(store_t *store, const char *owner, int64_t from_ms, int64_t to_ms,
    meeting_counts_t *c, err_t *err)
{
	sqlite3_stmt *st = bound(store, sql_rejected, owner, from_ms, to_ms, err);
	int step;

	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int code = sqlite3_column_int(st, 0);
		if (code < 0 || code >= MEETING_REASONS)
			code = 0;
		c->rejected[code] += (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

int
store_meeting_counts(store_t *store, const char *owner, int64_t from_ms, int64_t to_ms,
    meeting_counts_t *c, err_t *err)
{
	sqlite3_stmt *st = bound(store, sql_counts, owner, from_ms, to_ms, err);
	int step;

	if (st == NULL)
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW) {
		c->received = (long)sqlite3_column_int64(st, 0);
		c->proposals = (long)sqlite3_column_int64(st, 1);
		c->placed = (long)sqlite3_column_int64(st, 2);
		c->returned = (long)sqlite3_column_int64(st, 3);
		step = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return store_fail(store, err);
	return count_rejected(store, owner, from_ms, to_ms, c, err);
}

int
store_meeting_sendings(store_t *store, const char *owner, meeting_sending_fn *fn,
    void *ctx, err_t *err)
{
	sqlite3_stmt *st = bound(store, sql_sendings, owner, 0, 0, err);
	int step;

	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "",
		    sqlite3_column_int(st, 1) != 0,
		    sqlite3_column_int64(st, 2), sqlite3_column_int(st, 3));
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}
