/*
 * ctl_meeting — the meeting report's data (see ctl_meeting.h) and the verb
 * `famlinkctl report meeting`. The renderers are in ctl_meeting_render.c.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "ctl_meeting.h"
#include "deadline.h"
#include "ctl_report_fmt.h"
#include "routine_table.h"

/* ---- the sections ----------------------------------------------------------- */

static const char sql_open_referrals[] =
	"SELECT referral_id, kind, state, created_at, coalesce(submitted_at, 0) FROM referrals"
	" WHERE owner = ?1 AND state NOT IN ('closed', 'rejected')"
	" ORDER BY created_at, referral_id";

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

static int
collect_referrals(store_t *store, meeting_report_t *r, err_t *err)
{
	sqlite3_stmt *st;

	if (report_prepare(store, sql_open_referrals, &st, err) != 0)
		return -1;
	if (sqlite3_bind_text(st, 1, r->municipality, -1, SQLITE_STATIC) != SQLITE_OK)
		return report_bind_fail(store, st, err);
	return report_rows(store, st, (void **)&r->referrals, &r->nreferrals,
	    sizeof(*r->referrals), referral_row, NULL, err);
}

/* Held now, or passed on or ended in the period. */
static const char sql_families[] =
	"SELECT family_ref, referral_id, proposal_id, state, passed_on_at, last_status,"
	" coalesce(last_status_at, 0), coalesce(ended_at, 0) FROM proposals"
	" WHERE owner = ?1 AND passed_on_at IS NOT NULL AND (ended_at IS NULL"
	"  OR (passed_on_at >= ?2 AND passed_on_at < ?3) OR (ended_at >= ?2 AND ended_at < ?3))"
	" ORDER BY passed_on_at, referral_id, proposal_id";

static void
family_row(sqlite3_stmt *st, void *element, const void *ctx)
{
	meeting_family_t *x = element;
	int ps;

	(void)ctx;
	store_col_text(st, 0, x->family_ref, sizeof(x->family_ref));
	store_col_text(st, 1, x->referral_id, sizeof(x->referral_id));
	store_col_text(st, 2, x->proposal_id, sizeof(x->proposal_id));
	store_col_text(st, 3, x->state, sizeof(x->state));
	x->passed_on_at = sqlite3_column_int64(st, 4);
	x->last_status = sqlite3_column_int(st, 5);
	x->last_status_at = sqlite3_column_int64(st, 6);
	x->ended_at = sqlite3_column_int64(st, 7);
	ps = proposal_state_from_name(x->state);
	x->held = ps >= 0 && proposal_state_holds_family((proposal_state_t)ps);
}

/* Binds ?1 the municipality, ?2 and ?3 two instants. */
static int
bind_owner_period(store_t *store, sqlite3_stmt *st, const char *owner, int64_t a, int64_t b,
    err_t *err)
{
	if (sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, a) != SQLITE_OK || sqlite3_bind_int64(st, 3, b) != SQLITE_OK)
		return report_bind_fail(store, st, err);
	return 0;
}

static int
collect_families(store_t *store, meeting_report_t *r, err_t *err)
{
	sqlite3_stmt *st;

	if (report_prepare(store, sql_families, &st, err) != 0 ||
	    bind_owner_period(store, st, r->municipality, r->from_ms, r->to_ms, err) != 0)
		return -1;
	return report_rows(store, st, (void **)&r->families, &r->nfamilies,
	    sizeof(*r->families), family_row, NULL, err);
}

static const char sql_overdue[] =
	"SELECT id, kind, referral_id, proposal_id, actor, due_at FROM deadlines"
	" WHERE owner = ?1 AND state = 'open' AND due_at <= ?2 ORDER BY due_at, id";

/* ctx is the report (its time). */
static void
overdue_row(sqlite3_stmt *st, void *element, const void *ctx)
{
	const meeting_report_t *r = ctx;
	meeting_overdue_t *x = element;

	x->id = sqlite3_column_int64(st, 0);
	store_col_text(st, 1, x->kind, sizeof(x->kind));
	store_col_text(st, 2, x->referral_id, sizeof(x->referral_id));
	store_col_text(st, 3, x->proposal_id, sizeof(x->proposal_id));
	store_col_text(st, 4, x->actor, sizeof(x->actor));
	x->due_at = sqlite3_column_int64(st, 5);
	x->working_days = deadline_overdue_working_days(x->due_at, r->generated_at);
}

static int
collect_overdue(store_t *store, meeting_report_t *r, err_t *err)
{
	sqlite3_stmt *st;

	if (report_prepare(store, sql_overdue, &st, err) != 0)
		return -1;
	if (sqlite3_bind_text(st, 1, r->municipality, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, r->generated_at) != SQLITE_OK)
		return report_bind_fail(store, st, err);
	return report_rows(store, st, (void **)&r->overdue, &r->noverdue, sizeof(*r->overdue),
	    overdue_row, r, err);
}

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

static int
count_events(store_t *store, meeting_report_t *r, err_t *err)
{
	meeting_counts_t *c = &r->counts;
	sqlite3_stmt *st;
	int rc;

	if (report_prepare(store, sql_counts, &st, err) != 0 ||
	    bind_owner_period(store, st, r->municipality, r->from_ms, r->to_ms, err) != 0)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c->received = (long)sqlite3_column_int64(st, 0);
		c->proposals = (long)sqlite3_column_int64(st, 1);
		c->placed = (long)sqlite3_column_int64(st, 2);
		c->returned = (long)sqlite3_column_int64(st, 3);
		rc = sqlite3_step(st);
	}
	return report_done(store, st, rc, err);
}

static const char sql_rejected[] =
	"SELECT code, count(*) FROM " SENT_TRANSITIONS
	" WHERE event = 'rejected' AND proposal_id = '' AND sent_at >= ?2 AND sent_at < ?3"
	" GROUP BY code";

static int
count_rejected(store_t *store, meeting_report_t *r, err_t *err)
{
	sqlite3_stmt *st;
	int rc;

	if (report_prepare(store, sql_rejected, &st, err) != 0 ||
	    bind_owner_period(store, st, r->municipality, r->from_ms, r->to_ms, err) != 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int code = sqlite3_column_int(st, 0);
		if (code < 0 || code >= MEETING_REASONS)
			code = 0;
		r->counts.rejected[code] += (long)sqlite3_column_int64(st, 1);
	}
	return report_done(store, st, rc, err);
}

/* Every sending of each referral and every acknowledgement, in the order
 * applied: an acknowledgement answers the sending before it (a referral is
 * sent again only after a rejection). With the referral's kind, which
 * cannot change once acknowledged. */
static const char sql_acks[] =
	"SELECT t.referral_id, t.event = 'ack', " SENT_AT("t") ", coalesce(r.kind, 0)"
	" FROM transitions t LEFT JOIN referrals r ON r.owner = t.owner"
	"  AND r.referral_id = t.referral_id"
	" WHERE t.owner = ?1 AND t.proposal_id = '' AND t.event IN ('referral', 'ack')"
	" ORDER BY t.referral_id, t.id";

/* Acknowledged: the ReferralAcks made in the period. In time: those made
 * by the acknowledge deadline counted from the sending they answer, both
 * by their messages' own instants and this node's [deadlines]: the same
 * figures at both ends when both configure the same acknowledge spans. A
 * ReferralRejected is never an acknowledgement. */
static int
count_acks(store_t *store, const config_t *cfg, meeting_report_t *r, err_t *err)
{
	char rid[65] = "", cur[65];
	int64_t sent = 0, at;
	bool have_sent = false;
	sqlite3_stmt *st;
	int rc;

	if (report_prepare(store, sql_acks, &st, err) != 0)
		return -1;
	if (sqlite3_bind_text(st, 1, r->municipality, -1, SQLITE_STATIC) != SQLITE_OK)
		return report_bind_fail(store, st, err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_col_text(st, 0, cur, sizeof(cur));
		if (strcmp(cur, rid) != 0) {
			snprintf(rid, sizeof(rid), "%s", cur);
			have_sent = false;
		}
		at = sqlite3_column_int64(st, 2);
		if (!sqlite3_column_int(st, 1)) {   /* a sending */
			sent = at;
			have_sent = true;
			continue;
		}
		if (at < r->from_ms || at >= r->to_ms)
			continue;
		r->counts.acknowledged++;
		if (have_sent && at <= deadline_due(sent,
		    deadline_acknowledge_span(cfg, sqlite3_column_int(st, 3))))
			r->counts.acknowledged_in_time++;
	}
	return report_done(store, st, rc, err);
}

/* ---- the report -------------------------------------------------------------- */

int
meeting_collect(store_t *store, const config_t *cfg, const char *municipality,
    cal_date_t from, cal_date_t to, int64_t now, meeting_report_t *r, err_t *err)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->node_id, sizeof(r->node_id), "%s", cfg->node_id);
	snprintf(r->municipality, sizeof(r->municipality), "%s", municipality);
	r->from = from;
	r->to = to;
	r->from_ms = calendar_local_midnight(from);
	r->to_ms = calendar_local_midnight(report_date_add(to, 1));
	r->generated_at = now;
	if (store_schema_version(store) < REPORT_SCHEMA)
		return err_set(err, 0, "the store has no routine tables yet (schema %d, need %d):"
		    " start famlinkd once to update it", store_schema_version(store), REPORT_SCHEMA);
	if (meeting_collect_waiting(store, r, err) != 0)
		return -1;
	if (collect_referrals(store, r, err) != 0 || collect_families(store, r, err) != 0 ||
	    collect_overdue(store, r, err) != 0 || count_events(store, r, err) != 0 ||
	    count_rejected(store, r, err) != 0 || count_acks(store, cfg, r, err) != 0)
		return -1;
	return 0;
}

void
meeting_free(meeting_report_t *r)
{
	free(r->referrals);
	free(r->families);
	free(r->overdue);
	meeting_free_waiting(r);
	r->referrals = NULL;
	r->families = NULL;
	r->overdue = NULL;
	r->nreferrals = r->nfamilies = r->noverdue = 0;
}

/* ---- famlinkctl report meeting ------------------------------------------------ */

/* A hub reports on any municipality in its config, a municipality on itself. */
static int
check_municipality(const config_t *cfg, const char *id)
{
	if (cfg->role == ROLE_HUB) {
		if (config_find_peer(cfg, id) != NULL)
			return 0;
		fprintf(stderr, "famlinkctl report meeting: %s is not a peer in this hub's config"
		    " (%s); see its [peer municipality:NNNN] sections\n", id, cfg->path);
		return -1;
	}
	if (strcmp(id, cfg->node_id) == 0)
		return 0;
	fprintf(stderr, "famlinkctl report meeting: this node is %s: a municipality reports on"
	    " itself only (the hub reports on any of its municipalities)\n", cfg->node_id);
	return -1;
}

int
ctl_report_meeting(const config_t *cfg, const ctl_opts_t *o)
{
	meeting_report_t r;
	store_t *store;
	err_t err;
	int rc = CTL_OK;

	if (check_municipality(cfg, o->municipality_id) != 0)
		return CTL_ERROR;
	if ((store = ctl_open_store(cfg, true)) == NULL)
		return CTL_ERROR;
	if (meeting_collect(store, cfg, o->municipality_id, o->from_date, o->to_date,
	    clock_now_ms(), &r, &err) != 0) {
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
		rc = CTL_ERROR;
	} else if (meeting_render(&r, (meeting_format_t)o->format_id,
	    o->lang != NULL ? (report_lang_t)o->lang_id : (report_lang_t)cfg->report_language,
	    stdout) != 0 ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "famlinkctl report meeting: cannot write the report\n");
		rc = CTL_ERROR;
	}
	meeting_free(&r);
	store_close(&store);
	return rc;
}
