/*
 * ctl_meeting_waiting — the meeting report's sections of what waits for an
 * answer (seed 000 steps 5 and 11): family proposals the secretary has not
 * decided, questions not yet answered and by whom they must be, ads the
 * municipality has not yet approved; each with the date it began to wait
 * and its age in working days. Read from the proposals and dialogue tables
 * (ids, states and times only) for ctl_meeting.c's meeting_collect().
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "ctl_meeting.h"
#include "ctl_report_fmt.h"

/* Each query gives: referral id, item id, family reference, state, who
 * must answer, since when; for ?1, the municipality. */

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

/* One row of a query above; ctx is the report (its time). */
static void
waiting_row(sqlite3_stmt *st, void *element, const void *ctx)
{
	const meeting_report_t *r = ctx;
	meeting_waiting_t *x = element;

	store_col_text(st, 0, x->referral_id, sizeof(x->referral_id));
	store_col_text(st, 1, x->item_id, sizeof(x->item_id));
	store_col_text(st, 2, x->family_ref, sizeof(x->family_ref));
	store_col_text(st, 3, x->state, sizeof(x->state));
	store_col_text(st, 4, x->waiting_for, sizeof(x->waiting_for));
	x->opened_at = sqlite3_column_int64(st, 5);
	x->working_days = calendar_working_days_between(x->opened_at, r->generated_at);
}

static int
collect(store_t *store, const meeting_report_t *r, const char *sql, meeting_waiting_list_t *l,
    err_t *err)
{
	sqlite3_stmt *st;

	if (report_prepare(store, sql, &st, err) != 0)
		return -1;
	if (sqlite3_bind_text(st, 1, r->municipality, -1, SQLITE_STATIC) != SQLITE_OK)
		return report_bind_fail(store, st, err);
	return report_rows(store, st, (void **)&l->rows, &l->n, sizeof(*l->rows), waiting_row, r,
	    err);
}

int
meeting_collect_waiting(store_t *store, meeting_report_t *r, err_t *err)
{
	if (collect(store, r, sql_proposals, &r->proposals_waiting, err) != 0 ||
	    collect(store, r, sql_questions, &r->questions_waiting, err) != 0 ||
	    collect(store, r, sql_ads, &r->ads_waiting, err) != 0)
		return -1;
	return 0;
}

static void
free_list(meeting_waiting_list_t *l)
{
	free(l->rows);
	l->rows = NULL;
	l->n = 0;
}

void
meeting_free_waiting(meeting_report_t *r)
{
	free_list(&r->proposals_waiting);
	free_list(&r->questions_waiting);
	free_list(&r->ads_waiting);
}
