/*
 * test_deadline — the routine's deadlines (deadline.h) against a real,
 * freshly migrated store: spans on the Swedish calendar, what each routine
 * event opens, meets and cancels, and firing with a moved "now" — each
 * stage once and in order, a stale reminder skipped, across Easter,
 * Midsummer and New Year, across a rolled-back transaction and a reopened
 * store, and in batches of 64. Configs are built by hand with the defaults
 * of config.c; expected instants are Stockholm local times made with
 * calendar_local_midnight() and dates worked out by hand in the comments.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sqlite3.h>

#include "scratch_store.h"
#include "calendar.h"
#include "config.h"
#include "deadline.h"
#include "store.h"

#define MIN  INT64_C(60000)
#define HOUR INT64_C(3600000)
#define DAY  INT64_C(86400000)
#define NUL  INT64_MIN          /* a NULL column in row_t */

#define M180 "municipality:0180"
#define HUB  "pool:stockholm-nord"
#define R1   "0180-2026-0042"
#define R2   "0180-2026-0043"
#define P1   "prop-1"
#define P2   "prop-2"

#define FOSTER    FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_FOSTER_HOME
#define EMERGENCY FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_EMERGENCY_HOME

#define MAX_NOTES 256

/* A notice the callback saw, copied (the strings are borrowed). */
typedef struct note {
	int64_t notification_id, deadline_id, due_at;
	char event[16], kind[24], owner[65], referral_id[65], proposal_id[65], actor[65];
	char recipient[24];
} note_t;

typedef struct fixture {
	scratch_store_t ss;
	config_t muni, hub;
	note_t notes[MAX_NOTES];
	int nnotes, calls;
} fixture_t;

/* One row of deadlines; NUL for a NULL column. */
typedef struct row {
	int64_t id, started_at, remind_at, due_at, escalate_at, closed_at, next_at;
	int fired;
	char kind[24], actor[65], proposal_id[65], state[16];
} row_t;

/* ---- time ---------------------------------------------------------------- */

static cal_date_t
date(int y, int m, int d)
{
	return (cal_date_t){ y, m, d };
}

/* A Stockholm wall-clock time (not on a DST switch day after 02:00). */
static int64_t
local(int y, int m, int d, int h, int mi)
{
	return calendar_local_midnight(date(y, m, d)) + h * HOUR + mi * MIN;
}

/* The end of a local day: the instant the next one starts. */
static int64_t
end_of(int y, int m, int d)
{
	return calendar_local_midnight(calendar_local_date(local(y, m, d, 12, 0) + DAY));
}

#define assert_date(got, y, m, d) do { \
	cal_date_t g_ = (got); \
	assert_int_equal(g_.year, (y)); \
	assert_int_equal(g_.month, (m)); \
	assert_int_equal(g_.day, (d)); \
} while (0)

/* ---- config and fixture ---------------------------------------------------- */

/* A config as config.c would leave it with an empty [deadlines]. */
static void
cfg_init(config_t *c, node_role_t role, const char *node_id)
{
	memset(c, 0, sizeof(*c));
	config_set_defaults(c);
	c->role = role;
	snprintf(c->node_id, sizeof(c->node_id), "%s", node_id);
}

/* The firing tests follow first_contact alone: a status report due in a
 * year keeps the consent's other deadline out of their window. */
static void
quiet_status_report(fixture_t *f)
{
	f->muni.dl_status_report = (span_t){ 365, SPAN_DAYS };
	f->hub.dl_status_report = (span_t){ 365, SPAN_DAYS };
}

static int
setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));

	if (f == NULL || scratch_store_open(&f->ss, "test_deadline") != 0)
		return -1;
	cfg_init(&f->muni, ROLE_MUNICIPALITY, M180);
	cfg_init(&f->hub, ROLE_HUB, HUB);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture_t *f = *state;
	int rc = scratch_store_close(&f->ss);

	free(f);
	return rc;
}

/* ---- store helpers ------------------------------------------------------- */

static sqlite3 *
db(fixture_t *f)
{
	return store_db(f->ss.s);
}

/* The one number a query (sqlite3_mprintf-style) returns. */
static long long
q_int(fixture_t *f, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	char *sql;
	long long v;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	assert_non_null(sql);
	if (sqlite3_prepare_v2(db(f), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db(f)));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("no row: %s", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return v;
}

static void
col_text(char *dst, size_t len, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", v ? (const char *)v : "(null)");
}

static int64_t
col_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? NUL : sqlite3_column_int64(st, col);
}

/* The one deadline WHERE fmt (sqlite3_mprintf-style) selects. */
static void
get_row(fixture_t *f, row_t *r, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	char *where, *sql;

	va_start(ap, fmt);
	where = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	sql = sqlite3_mprintf("SELECT id, kind, actor, proposal_id, started_at, remind_at, due_at,"
	    " escalate_at, state, closed_at, fired, next_at FROM deadlines WHERE %s", where);
	assert_non_null(sql);
	if (sqlite3_prepare_v2(db(f), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db(f)));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("no deadline WHERE %s", where);
	r->id = sqlite3_column_int64(st, 0);
	col_text(r->kind, sizeof(r->kind), st, 1);
	col_text(r->actor, sizeof(r->actor), st, 2);
	col_text(r->proposal_id, sizeof(r->proposal_id), st, 3);
	r->started_at = col_int(st, 4);
	r->remind_at = col_int(st, 5);
	r->due_at = col_int(st, 6);
	r->escalate_at = col_int(st, 7);
	col_text(r->state, sizeof(r->state), st, 8);
	r->closed_at = col_int(st, 9);
	r->fired = (int)sqlite3_column_int(st, 10);
	r->next_at = col_int(st, 11);
	if (sqlite3_step(st) != SQLITE_DONE)
		fail_msg("more than one deadline WHERE %s", where);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	sqlite3_free(where);
}

/* ---- deadline helpers ---------------------------------------------------- */

static void
apply(fixture_t *f, const config_t *cfg, routine_event_t ev, const char *owner,
    const char *referral_id, const char *proposal_id, int kind, int64_t now)
{
	deadline_event_t e = { ev, owner, referral_id, proposal_id, NULL, kind, now };
	err_t err = {0};

	if (deadline_apply(f->ss.s, cfg, &e, &err) != 0)
		fail_msg("deadline_apply(%d): %s", (int)ev, err.msg);
}

static void
record(const deadline_notice_t *n, void *ctx)
{
	fixture_t *f = ctx;
	note_t *o;

	f->calls++;
	if (f->nnotes >= MAX_NOTES)
		return;
	o = &f->notes[f->nnotes++];
	o->notification_id = n->notification_id;
	o->deadline_id = n->deadline_id;
	o->due_at = n->due_at;
	snprintf(o->event, sizeof(o->event), "%s", n->event);
	snprintf(o->kind, sizeof(o->kind), "%s", n->kind);
	snprintf(o->owner, sizeof(o->owner), "%s", n->owner);
	snprintf(o->referral_id, sizeof(o->referral_id), "%s", n->referral_id);
	snprintf(o->proposal_id, sizeof(o->proposal_id), "%s", n->proposal_id);
	snprintf(o->actor, sizeof(o->actor), "%s", n->actor);
	snprintf(o->recipient, sizeof(o->recipient), "%s", n->recipient);
}

/* One deadline_fire_due() in a transaction of its own, as the daemon's
 * timer does; f->notes holds what it queued. */
static int
fire_max(fixture_t *f, const config_t *cfg, int64_t now, int max)
{
	err_t err = {0};
	int n;

	f->nnotes = f->calls = 0;
	if (store_begin(f->ss.s, &err) != 0)
		fail_msg("store_begin: %s", err.msg);
	if ((n = deadline_fire_due(f->ss.s, cfg, now, max, record, f, &err)) < 0) {
		store_rollback(f->ss.s);
		fail_msg("deadline_fire_due: %s", err.msg);
	}
	if (store_commit(f->ss.s, &err) != 0)
		fail_msg("store_commit: %s", err.msg);
	assert_int_equal(f->calls, f->nnotes);
	return n;
}

static int
fire(fixture_t *f, const config_t *cfg, int64_t now)
{
	return fire_max(f, cfg, now, 64);
}

/* A notice and the notifications row it stands for. */
static void
check_note(fixture_t *f, const note_t *n, int64_t deadline_id, const char *event,
    const char *kind, const char *recipient, int64_t now)
{
	assert_int_equal(n->deadline_id, deadline_id);
	assert_string_equal(n->event, event);
	assert_string_equal(n->kind, kind);
	assert_string_equal(n->recipient, recipient);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications WHERE id = %lld"
	    " AND deadline_id = %lld AND event = %Q AND kind = %Q AND recipient = %Q"
	    " AND owner = %Q AND referral_id = %Q AND proposal_id = %Q AND actor = %Q"
	    " AND due_at = %lld AND at = %lld AND state = 'pending' AND sent_at IS NULL",
	    (long long)n->notification_id, (long long)deadline_id, event, kind, recipient,
	    n->owner, n->referral_id, n->proposal_id, n->actor, (long long)n->due_at,
	    (long long)now), 1);
}

/* ---- 1. spans ------------------------------------------------------------ */

static void
test_span_hours(void **state)
{
	int64_t t = local(2026, 3, 5, 10, 0);
	span_t h2 = { 2, SPAN_HOURS }, h30 = { 30, SPAN_HOURS };

	(void)state;
	assert_int_equal(deadline_due(t, h2), t + 2 * HOUR);
	assert_int_equal(deadline_lead(t, h2), t - 2 * HOUR);
	/* Clock hours, not working hours: over a weekend too. */
	assert_int_equal(deadline_due(local(2026, 3, 6, 20, 0), h30), local(2026, 3, 8, 2, 0));
	/* ... and across the spring switch (Sunday 2026-03-29 02:00 CET ->
	 * 03:00 CEST): 2 hours from 01:30 CET is 04:30 CEST. */
	t = local(2026, 3, 29, 1, 30);
	assert_int_equal(deadline_due(t, h2), t + 2 * HOUR);
}

static void
test_span_days(void **state)
{
	span_t d14 = { 14, SPAN_DAYS }, d21 = { 21, SPAN_DAYS }, d3 = { 3, SPAN_DAYS };
	int64_t t = local(2026, 3, 5, 10, 0);

	(void)state;
	/* Thursday 2026-03-05 + 14 = Thursday 03-19: the whole of that day. */
	assert_int_equal(calendar_weekday(date(2026, 3, 5)), 4);
	assert_int_equal(deadline_due(t, d14), end_of(2026, 3, 19));
	assert_int_equal(end_of(2026, 3, 19), local(2026, 3, 20, 0, 0));
	assert_int_equal(deadline_due(local(2026, 3, 5, 0, 0), d14), end_of(2026, 3, 19));
	assert_int_equal(deadline_due(local(2026, 3, 5, 23, 59), d14), end_of(2026, 3, 19));
	/* Saturday 2026-03-07 + 14 = Saturday 03-21 -> end of Monday 03-23. */
	assert_int_equal(calendar_weekday(date(2026, 3, 21)), 6);
	assert_int_equal(deadline_due(local(2026, 3, 7, 9, 15), d14), end_of(2026, 3, 23));
	/* Friday 2027-03-05 + 21 = långfredagen 03-26; Saturday, Easter Day
	 * (also the DST switch), annandag påsk -> end of Tuesday 03-30. */
	assert_string_equal(calendar_holiday(date(2027, 3, 26)), "långfredagen");
	assert_string_equal(calendar_holiday(date(2027, 3, 29)), "annandag påsk");
	assert_int_equal(deadline_due(local(2027, 3, 5, 14, 0), d21), end_of(2027, 3, 30));
	/* Four 24-hour days and the 23-hour Easter Day from the start of Good
	 * Friday. */
	assert_int_equal(end_of(2027, 3, 30) - local(2027, 3, 26, 0, 0), 5 * DAY - HOUR);
	/* Back (a reminder's lead): plain days, no moving. */
	assert_int_equal(deadline_lead(t, d3), t - 3 * DAY);
}

static void
test_span_working_days(void **state)
{
	span_t wd1 = { 1, SPAN_WORKING_DAYS }, wd2 = { 2, SPAN_WORKING_DAYS };

	(void)state;
	/* Midsummer 2026: Friday 06-19 midsommarafton, Saturday 06-20
	 * midsommardagen. Thursday 14:00 + 1 = Monday 14:00. */
	assert_string_equal(calendar_holiday(date(2026, 6, 19)), "midsommarafton");
	assert_int_equal(deadline_due(local(2026, 6, 18, 14, 0), wd1), local(2026, 6, 22, 14, 0));
	assert_int_equal(deadline_due(local(2026, 6, 17, 9, 30), wd2), local(2026, 6, 22, 9, 30));
	assert_int_equal(deadline_lead(local(2026, 6, 22, 14, 0), wd1), local(2026, 6, 18, 14, 0));
	/* Back 2 from the end of Monday 06-22 (Tuesday midnight): Thursday 06-18. */
	assert_int_equal(deadline_lead(local(2026, 6, 23, 0, 0), wd2), local(2026, 6, 18, 0, 0));
	/* Back 2 from an ordinary Monday midnight (2026-03-09, the end of the
	 * weekend): Thursday 03-05 00:00, leaving Thursday and Friday. */
	assert_int_equal(calendar_weekday(date(2026, 3, 9)), 1);
	assert_int_equal(deadline_lead(local(2026, 3, 9, 0, 0), wd2), local(2026, 3, 5, 0, 0));
	/* From the end of a Friday (Saturday midnight), the same. */
	assert_int_equal(deadline_lead(end_of(2026, 3, 6), wd2), local(2026, 3, 5, 0, 0));
}

/* An escalation configured in days ("escalation = 3d") counts from the
 * last day to act, not from the day the due instant (00:00) starts: due the
 * end of Monday 2026-03-23, 3 days later is the end of Thursday 03-26 (as
 * 3 working days are), not the end of Friday. */
static void
test_escalation_in_days(void **state)
{
	fixture_t *f = *state;
	row_t r;

	f->muni.dl_escalation = (span_t){ 3, SPAN_DAYS };
	/* Monday 2026-03-09 + 14 = Monday 03-23. */
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R1, P1, 0, local(2026, 3, 9, 11, 0));
	get_row(f, &r, "kind = 'first_contact'");
	assert_int_equal(r.due_at, end_of(2026, 3, 23));
	assert_int_equal(deadline_due(r.due_at, (span_t){ 3, SPAN_WORKING_DAYS }),
	    end_of(2026, 3, 26));
	assert_int_equal(r.escalate_at, end_of(2026, 3, 26));
}

/* A reminder lead in days counts local days, not 48-hour periods: across
 * the switch to summer time it stays on a midnight. Due the end of Monday
 * 2026-03-30 (CEST), 2 days before is 00:00 Sunday 03-29, not 23:00
 * Saturday 03-28 (CET). */
static void
test_reminder_lead_in_days_dst(void **state)
{
	fixture_t *f = *state;
	row_t r;

	f->muni.dl_reminder_lead = (span_t){ 2, SPAN_DAYS };
	/* Monday 2026-03-16 + 14 = Monday 03-30. */
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R1, P1, 0, local(2026, 3, 16, 11, 0));
	get_row(f, &r, "kind = 'first_contact'");
	assert_int_equal(r.due_at, end_of(2026, 3, 30));
	assert_date(calendar_local_date(r.remind_at), 2026, 3, 29);
	assert_int_equal(r.remind_at, local(2026, 3, 29, 0, 0));
}

/* ---- 2. opening, meeting, cancelling ------------------------------------- */

static void
test_apply_referral_municipality(void **state)
{
	fixture_t *f = *state;
	int64_t t0 = local(2026, 3, 5, 10, 0);   /* Thursday */
	row_t r;

	apply(f, &f->muni, EV_REFERRAL, M180, R1, NULL, FOSTER, t0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines"), 1);
	get_row(f, &r, "referral_id = %Q", R1);
	assert_string_equal(r.kind, "acknowledge");
	assert_string_equal(r.actor, "pool");
	assert_string_equal(r.proposal_id, "");
	assert_string_equal(r.state, "open");
	assert_int_equal(r.started_at, t0);
	/* 1 working day: Friday 10:00. The 2-working-day lead reaches back
	 * before the start: no reminder (marked fired), next is the due time. */
	assert_int_equal(r.due_at, local(2026, 3, 6, 10, 0));
	assert_int_equal(r.remind_at, local(2026, 3, 4, 10, 0));
	assert_int_equal(r.fired, 1);
	assert_int_equal(r.next_at, r.due_at);
	/* Escalation 3 working days after: Monday, Tuesday, Wednesday 10:00. */
	assert_int_equal(r.escalate_at, local(2026, 3, 11, 10, 0));
	assert_int_equal(r.closed_at, NUL);

	/* An emergency home: 2 hours. */
	apply(f, &f->muni, EV_REFERRAL, M180, R2, NULL, EMERGENCY, t0);
	get_row(f, &r, "referral_id = %Q", R2);
	assert_string_equal(r.kind, "acknowledge");
	assert_string_equal(r.actor, "pool");
	assert_int_equal(r.due_at, t0 + 2 * HOUR);
	assert_int_equal(r.fired, 1);
	assert_int_equal(r.next_at, t0 + 2 * HOUR);
	assert_int_equal(r.escalate_at, local(2026, 3, 10, 12, 0));

	/* The pool's ReferralAck meets R1's, and only R1's. */
	apply(f, &f->muni, EV_ACK, M180, R1, NULL, 0, t0 + HOUR);
	get_row(f, &r, "referral_id = %Q", R1);
	assert_string_equal(r.state, "met");
	assert_int_equal(r.closed_at, t0 + HOUR);
	assert_int_equal(r.next_at, NUL);
	get_row(f, &r, "referral_id = %Q", R2);
	assert_string_equal(r.state, "open");
	assert_int_equal(r.closed_at, NUL);
	/* A rejection meets it too. */
	apply(f, &f->muni, EV_REJECTED, M180, R2, NULL, 0, t0 + HOUR);
	get_row(f, &r, "referral_id = %Q", R2);
	assert_string_equal(r.state, "met");
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE state = 'open'"), 0);
}

static void
test_apply_referral_hub(void **state)
{
	fixture_t *f = *state;
	int64_t t0 = local(2026, 3, 5, 10, 0);

	apply(f, &f->hub, EV_REFERRAL, M180, R1, NULL, FOSTER, t0);
	apply(f, &f->hub, EV_REFERRAL, M180, R2, NULL, EMERGENCY, t0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines"), 0);
	apply(f, &f->hub, EV_ACK, M180, R1, NULL, 0, t0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines"), 0);
}

static void
test_apply_proposals(void **state)
{
	fixture_t *f = *state;
	int64_t t0 = local(2026, 3, 5, 10, 0);    /* Thursday: referral */
	int64_t t1 = local(2026, 3, 9, 11, 0);    /* Monday: consent, both proposals */
	int64_t t2 = local(2026, 3, 12, 9, 0);    /* contact made, P1 */
	int64_t t3 = local(2026, 3, 16, 15, 0);   /* Monday: status report, P2 */
	int64_t t4 = local(2026, 3, 18, 8, 0);    /* family returned, P1 */
	int64_t t5 = local(2026, 3, 20, 16, 0);   /* referral closed */
	row_t r;

	apply(f, &f->muni, EV_REFERRAL, M180, R1, NULL, FOSTER, t0);
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R1, P1, 0, t1);
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R1, P2, 0, t1);
	/* Another referral's, which nothing here may touch. */
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R2, P1, 0, t1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE state = 'open'"), 7);

	/* Monday 03-09 + 14 = Monday 03-23; + 21 = Monday 03-30. The municipality
	 * (the owner) must act. */
	get_row(f, &r, "referral_id = %Q AND proposal_id = %Q AND kind = 'first_contact'", R1, P1);
	assert_string_equal(r.actor, M180);
	assert_string_equal(r.state, "open");
	assert_int_equal(r.started_at, t1);
	assert_int_equal(r.due_at, end_of(2026, 3, 23));
	assert_int_equal(r.remind_at, local(2026, 3, 20, 0, 0));   /* Friday and Monday left */
	assert_int_equal(r.escalate_at, local(2026, 3, 27, 0, 0));
	assert_int_equal(r.fired, 0);
	assert_int_equal(r.next_at, r.remind_at);
	get_row(f, &r, "referral_id = %Q AND proposal_id = %Q AND kind = 'status_report'", R1, P1);
	assert_string_equal(r.actor, M180);
	assert_int_equal(r.started_at, t1);
	assert_int_equal(r.due_at, end_of(2026, 3, 30));

	/* Contact made meets P1's first contact only. */
	apply(f, &f->muni, EV_CONTACT_MADE, M180, R1, P1, 0, t2);
	get_row(f, &r, "referral_id = %Q AND proposal_id = %Q AND kind = 'first_contact'", R1, P1);
	assert_string_equal(r.state, "met");
	assert_int_equal(r.closed_at, t2);
	assert_int_equal(r.next_at, NUL);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE state = 'open'"), 6);

	/* A status report on P2 meets both of P2's and opens the next report
	 * from now: Monday 03-16 + 21 = annandag påsk 2026-04-06 -> end of
	 * Tuesday 04-07. */
	apply(f, &f->muni, EV_STATUS, M180, R1, P2, 0, t3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE referral_id = %Q"
	    " AND proposal_id = %Q AND state = 'met' AND closed_at = %lld", R1, P2, (long long)t3), 2);
	get_row(f, &r, "referral_id = %Q AND proposal_id = %Q AND state = 'open'", R1, P2);
	assert_string_equal(r.kind, "status_report");
	assert_string_equal(r.actor, M180);
	assert_int_equal(r.started_at, t3);
	assert_int_equal(r.due_at, end_of(2026, 4, 7));
	/* P1's status report and the acknowledge are untouched. */
	get_row(f, &r, "referral_id = %Q AND proposal_id = %Q AND kind = 'status_report'", R1, P1);
	assert_string_equal(r.state, "open");
	get_row(f, &r, "referral_id = %Q AND kind = 'acknowledge'", R1);
	assert_string_equal(r.state, "open");

	/* The family returned on P1: all of P1's met, not P2's. */
	apply(f, &f->muni, EV_FAMILY_RETURNED, M180, R1, P1, 0, t4);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE referral_id = %Q"
	    " AND proposal_id = %Q AND state = 'open'", R1, P1), 0);
	get_row(f, &r, "referral_id = %Q AND proposal_id = %Q AND kind = 'status_report'", R1, P1);
	assert_string_equal(r.state, "met");
	assert_int_equal(r.closed_at, t4);
	get_row(f, &r, "referral_id = %Q AND proposal_id = %Q AND state = 'open'", R1, P2);
	assert_string_equal(r.kind, "status_report");

	/* Closed: every open deadline of R1 cancelled (P2's report and the
	 * acknowledge); the met stay met; R2's stay open. */
	apply(f, &f->muni, EV_CLOSED, M180, R1, NULL, 0, t5);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE referral_id = %Q"
	    " AND state = 'open'", R1), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE referral_id = %Q"
	    " AND state = 'cancelled' AND closed_at = %lld AND next_at IS NULL", R1,
	    (long long)t5), 2);
	get_row(f, &r, "referral_id = %Q AND kind = 'acknowledge'", R1);
	assert_string_equal(r.state, "cancelled");
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE referral_id = %Q"
	    " AND state = 'met'", R1), 4);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE referral_id = %Q"
	    " AND state = 'open' AND closed_at IS NULL", R2), 2);
}

/* ---- 3. firing ------------------------------------------------------------ */

/* First contact after a consent on Thursday 2026-03-05: due the end of
 * Thursday 03-19, reminder 00:00 Wednesday 03-18 (Wednesday and Thursday
 * left), escalation 3 working days after (Friday, Monday, Tuesday) at
 * 00:00 Wednesday 03-25. */
#define FC_START  local(2026, 3, 5, 10, 0)
#define FC_REMIND local(2026, 3, 18, 0, 0)
#define FC_DUE    end_of(2026, 3, 19)
#define FC_ESC    local(2026, 3, 25, 0, 0)

static void
check_stages(fixture_t *f, const config_t *cfg, const char *to, const char *up)
{
	int64_t remind = FC_REMIND, due = FC_DUE, esc = FC_ESC;
	row_t r;

	quiet_status_report(f);
	apply(f, cfg, EV_CONSENT_GIVEN, M180, R1, P1, 0, FC_START);
	get_row(f, &r, "kind = 'first_contact'");
	assert_int_equal(r.remind_at, remind);
	assert_int_equal(r.due_at, due);
	assert_int_equal(r.escalate_at, esc);
	assert_int_equal(r.fired, 0);
	assert_int_equal(r.next_at, remind);

	assert_int_equal(fire(f, cfg, FC_START), 0);
	assert_int_equal(fire(f, cfg, remind - 1), 0);
	assert_int_equal(f->nnotes, 0);

	assert_int_equal(fire(f, cfg, remind), 1);
	assert_int_equal(f->nnotes, 1);
	check_note(f, &f->notes[0], r.id, "reminder", "first_contact", to, remind);
	assert_string_equal(f->notes[0].owner, M180);
	assert_string_equal(f->notes[0].referral_id, R1);
	assert_string_equal(f->notes[0].proposal_id, P1);
	assert_string_equal(f->notes[0].actor, M180);
	assert_int_equal(f->notes[0].due_at, due);
	assert_int_equal(q_int(f, "SELECT max(id) FROM notifications"), f->notes[0].notification_id);
	assert_int_equal(fire(f, cfg, remind), 0);
	assert_int_equal(fire(f, cfg, due - 1), 0);
	assert_int_equal(f->nnotes, 0);

	assert_int_equal(fire(f, cfg, due), 1);
	assert_int_equal(f->nnotes, 1);
	check_note(f, &f->notes[0], r.id, "overdue", "first_contact", to, due);
	assert_int_equal(fire(f, cfg, due), 0);
	assert_int_equal(fire(f, cfg, esc - 1), 0);

	assert_int_equal(fire(f, cfg, esc), 1);
	assert_int_equal(f->nnotes, 1);
	check_note(f, &f->notes[0], r.id, "escalation", "first_contact", up, esc);
	assert_int_equal(fire(f, cfg, esc), 0);
	assert_int_equal(fire(f, cfg, esc + 60 * DAY), 0);
	assert_int_equal(f->nnotes, 0);

	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications"), 3);
	assert_int_equal(q_int(f, "SELECT group_concat(event, ',') = 'reminder,overdue,escalation'"
	    " FROM (SELECT event FROM notifications ORDER BY id)"), 1);
	get_row(f, &r, "kind = 'first_contact'");
	assert_string_equal(r.state, "open");
	assert_int_equal(r.fired, 7);
	assert_int_equal(r.next_at, NUL);
}

static void
test_fire_stages_municipality(void **state)
{
	fixture_t *f = *state;

	check_stages(f, &f->muni, "secretary", "escalation");
}

static void
test_fire_stages_hub(void **state)
{
	fixture_t *f = *state;

	check_stages(f, &f->hub, "pool_contact", "pool_escalation");
}

/* The daemon was down: found after its due time, a deadline fires overdue
 * and not the stale reminder; found after escalate_at, overdue then
 * escalation in one call. */
static void
test_fire_late(void **state)
{
	fixture_t *f = *state;
	row_t a, b;

	quiet_status_report(f);
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R1, P1, 0, FC_START);
	get_row(f, &a, "kind = 'first_contact'");
	assert_int_equal(fire(f, &f->muni, FC_DUE + HOUR), 1);
	assert_int_equal(f->nnotes, 1);
	check_note(f, &f->notes[0], a.id, "overdue", "first_contact", "secretary", FC_DUE + HOUR);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications WHERE event = 'reminder'"), 0);
	get_row(f, &a, "kind = 'first_contact'");
	assert_int_equal(a.fired, 3);
	assert_int_equal(a.next_at, FC_ESC);
	assert_int_equal(fire(f, &f->muni, FC_DUE + 2 * HOUR), 0);

	/* R2's, opened at the same time, first looked at after its escalation
	 * (R1's escalation is due then too, later in next_at order). */
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R2, P1, 0, FC_START);
	get_row(f, &b, "kind = 'first_contact' AND referral_id = %Q", R2);
	assert_int_equal(fire(f, &f->muni, FC_ESC + DAY), 2);
	assert_int_equal(f->nnotes, 3);
	check_note(f, &f->notes[0], b.id, "overdue", "first_contact", "secretary", FC_ESC + DAY);
	check_note(f, &f->notes[1], b.id, "escalation", "first_contact", "escalation", FC_ESC + DAY);
	check_note(f, &f->notes[2], a.id, "escalation", "first_contact", "escalation", FC_ESC + DAY);
	assert_true(f->notes[0].notification_id < f->notes[1].notification_id);
	assert_int_equal(fire(f, &f->muni, FC_ESC + 2 * DAY), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications WHERE event = 'reminder'"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications"), 4);
	get_row(f, &b, "kind = 'first_contact' AND referral_id = %Q", R2);
	assert_int_equal(b.fired, 7);
	assert_int_equal(b.next_at, NUL);
}

/* Met or cancelled deadlines fire nothing, however late. */
static void
test_fire_closed(void **state)
{
	fixture_t *f = *state;

	quiet_status_report(f);
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R1, P1, 0, FC_START);
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R2, P1, 0, FC_START);
	apply(f, &f->muni, EV_CONTACT_MADE, M180, R1, P1, 0, FC_START + DAY);
	apply(f, &f->muni, EV_CLOSED, M180, R2, NULL, 0, FC_START + DAY);
	assert_int_equal(fire(f, &f->muni, FC_ESC + DAY), 0);
	assert_int_equal(fire(f, &f->muni, FC_ESC + 100 * DAY), 0);
	assert_int_equal(f->nnotes, 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications"), 0);
}

/* A 2-hour acknowledge with a 2-working-day lead: never a reminder. */
static void
test_fire_no_reminder(void **state)
{
	fixture_t *f = *state;
	int64_t t0 = local(2026, 3, 5, 10, 0), esc = local(2026, 3, 10, 12, 0);
	row_t r;

	apply(f, &f->muni, EV_REFERRAL, M180, R1, NULL, EMERGENCY, t0);
	get_row(f, &r, "referral_id = %Q", R1);
	assert_true(r.remind_at <= t0);
	assert_int_equal(fire(f, &f->muni, t0), 0);
	assert_int_equal(fire(f, &f->muni, t0 + 2 * HOUR - 1), 0);
	assert_int_equal(fire(f, &f->muni, t0 + 2 * HOUR), 1);
	assert_int_equal(f->nnotes, 1);
	check_note(f, &f->notes[0], r.id, "overdue", "acknowledge", "secretary", t0 + 2 * HOUR);
	assert_string_equal(f->notes[0].actor, "pool");
	assert_string_equal(f->notes[0].proposal_id, "");
	assert_int_equal(fire(f, &f->muni, esc - 1), 0);
	assert_int_equal(fire(f, &f->muni, esc), 1);
	check_note(f, &f->notes[0], r.id, "escalation", "acknowledge", "escalation", esc);
	assert_int_equal(fire(f, &f->muni, esc + 30 * DAY), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications WHERE event = 'reminder'"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications"), 2);
}

/* ---- 4. across holidays --------------------------------------------------- */

/* First contact from start: its stages at the given instants, the reminder
 * on the given local date, each fired exactly at its instant. */
static void
check_across(fixture_t *f, int64_t start, int64_t remind, cal_date_t remind_day, int64_t due,
    cal_date_t last_day, int64_t esc)
{
	row_t r;

	quiet_status_report(f);
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R1, P1, 0, start);
	get_row(f, &r, "kind = 'first_contact'");
	assert_int_equal(r.due_at, due);
	assert_int_equal(r.remind_at, remind);
	assert_int_equal(r.escalate_at, esc);
	assert_date(calendar_local_date(r.remind_at), remind_day.year, remind_day.month,
	    remind_day.day);
	assert_date(calendar_local_date(r.due_at - 1), last_day.year, last_day.month, last_day.day);
	assert_true(calendar_is_working_day(last_day));
	assert_true(calendar_is_working_day(remind_day));

	assert_int_equal(fire(f, &f->muni, remind - 1), 0);
	assert_int_equal(fire(f, &f->muni, remind), 1);
	check_note(f, &f->notes[0], r.id, "reminder", "first_contact", "secretary", remind);
	assert_date(calendar_local_date(f->notes[0].due_at - 1), last_day.year, last_day.month,
	    last_day.day);
	assert_int_equal(fire(f, &f->muni, due - 1), 0);
	assert_int_equal(fire(f, &f->muni, due), 1);
	check_note(f, &f->notes[0], r.id, "overdue", "first_contact", "secretary", due);
	assert_int_equal(fire(f, &f->muni, esc - 1), 0);
	assert_int_equal(fire(f, &f->muni, esc), 1);
	check_note(f, &f->notes[0], r.id, "escalation", "first_contact", "escalation", esc);
	assert_int_equal(fire(f, &f->muni, esc + 30 * DAY), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications"), 3);
}

/* Friday 2027-03-12 + 14 = långfredagen 03-26 -> end of Tuesday 03-30 (after
 * Easter Day, the DST switch, and annandag påsk). Reminder 2 working days
 * before: Tuesday 03-30 and Thursday 03-25, so 00:00 Thursday 03-25 (CET).
 * Escalation: Thursday 04-01, Friday 04-02, Monday 04-05 -> 00:00 04-05. */
static void
test_across_easter_2027(void **state)
{
	check_across(*state, local(2027, 3, 12, 10, 0), local(2027, 3, 25, 0, 0),
	    date(2027, 3, 25), end_of(2027, 3, 30), date(2027, 3, 30), local(2027, 4, 5, 0, 0));
}

/* Friday 2026-06-05 + 14 = midsommarafton 06-19 -> end of Monday 06-22.
 * Reminder: Monday 06-22 and Thursday 06-18 -> 00:00 Thursday 06-18.
 * Escalation: Wednesday 06-24 .. Friday 06-26 -> 00:00 Friday 06-26. */
static void
test_across_midsummer_2026(void **state)
{
	check_across(*state, local(2026, 6, 5, 10, 0), local(2026, 6, 18, 0, 0),
	    date(2026, 6, 18), end_of(2026, 6, 22), date(2026, 6, 22), local(2026, 6, 26, 0, 0));
}

/* Thursday 2026-12-17 + 14 = nyårsafton, Thursday 12-31; nyårsdagen
 * (Friday), the weekend -> end of Monday 2027-01-04. Reminder: Monday 01-04
 * and Wednesday 12-30 -> 00:00 Wednesday 2026-12-30. Escalation: trettondedag
 * jul (Wednesday 01-06) skipped: Thursday 01-07, Friday 01-08, Monday 01-11
 * -> 00:00 Monday 01-11. */
static void
test_across_new_year_2026(void **state)
{
	assert_string_equal(calendar_holiday(date(2026, 12, 31)), "nyårsafton");
	check_across(*state, local(2026, 12, 17, 10, 0), local(2026, 12, 30, 0, 0),
	    date(2026, 12, 30), end_of(2027, 1, 4), date(2027, 1, 4), local(2027, 1, 11, 0, 0));
}

/* ---- 4b. working days overdue -------------------------------------------- */

/* "YYYY-MM-DD HH:MM +O", a Stockholm wall-clock time and its UTC offset in
 * hours as typed (CET +1, CEST +2), as Unix ms: libc's timegm() and the
 * offset, not famlink's calendar. */
static int64_t
typed(const char *s)
{
	struct tm tm = {0};
	int off;

	if (sscanf(s, "%d-%d-%d %d:%d %d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	    &tm.tm_min, &off) != 6)
		fail_msg("bad typed time %s", s);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return ((int64_t)timegm(&tm) - off * 3600) * 1000;
}

/* Due (24:00 of the last day D is 00:00 of D + 1), now, and the working
 * days overdue counted by hand on a wall calendar: the working days after
 * D up to and including today. */
static const struct {
	const char *due, *now;
	int want;
} overdue_table[] = {
	/* D = Tuesday 2027-03-30. */
	{ "2027-03-31 00:00 +2", "2027-03-30 23:59 +2", 0 },   /* not yet due */
	{ "2027-03-31 00:00 +2", "2027-03-31 00:00 +2", 1 },   /* Wednesday, from its start */
	{ "2027-03-31 00:00 +2", "2027-03-31 10:00 +2", 1 },
	{ "2027-03-31 00:00 +2", "2027-04-01 09:00 +2", 2 },
	{ "2027-03-31 00:00 +2", "2027-04-02 09:00 +2", 3 },
	{ "2027-03-31 00:00 +2", "2027-04-03 12:00 +2", 3 },   /* Saturday */
	{ "2027-03-31 00:00 +2", "2027-04-04 12:00 +2", 3 },   /* Sunday */
	{ "2027-03-31 00:00 +2", "2027-04-05 08:00 +2", 4 },   /* Monday */
	/* D = Friday 2027-04-02: the weekend adds nothing. */
	{ "2027-04-03 00:00 +2", "2027-04-03 10:00 +2", 0 },
	{ "2027-04-03 00:00 +2", "2027-04-04 23:59 +2", 0 },
	{ "2027-04-03 00:00 +2", "2027-04-05 08:00 +2", 1 },
	/* Easter 2027: D = Thursday 03-25; Good Friday 03-26, Saturday, Easter
	 * Day 03-28 (summer time from 02:00), Easter Monday 03-29. */
	{ "2027-03-26 00:00 +1", "2027-03-26 12:00 +1", 0 },
	{ "2027-03-26 00:00 +1", "2027-03-28 12:00 +2", 0 },
	{ "2027-03-26 00:00 +1", "2027-03-29 12:00 +2", 0 },
	{ "2027-03-26 00:00 +1", "2027-03-30 00:00 +2", 1 },
	{ "2027-03-26 00:00 +1", "2027-03-31 09:00 +2", 2 },
	/* An ordinary weekend: D = Friday 2027-03-05, then D = Monday 03-08. */
	{ "2027-03-06 00:00 +1", "2027-03-07 18:00 +1", 0 },
	{ "2027-03-06 00:00 +1", "2027-03-08 09:00 +1", 1 },
	{ "2027-03-09 00:00 +1", "2027-03-09 09:00 +1", 1 },
	{ "2027-03-09 00:00 +1", "2027-03-12 16:00 +1", 4 },
	{ "2027-03-09 00:00 +1", "2027-03-15 09:00 +1", 5 },
	/* Hours: due 14:00 on Wednesday 2027-03-24 (D is that Wednesday). */
	{ "2027-03-24 14:00 +1", "2027-03-24 13:59 +1", 0 },
	{ "2027-03-24 14:00 +1", "2027-03-24 15:00 +1", 0 },   /* the same day */
	{ "2027-03-24 14:00 +1", "2027-03-24 23:59 +1", 0 },
	{ "2027-03-24 14:00 +1", "2027-03-25 08:00 +1", 1 },
	{ "2027-03-24 14:00 +1", "2027-03-26 08:00 +1", 1 },   /* Good Friday */
	{ "2027-03-24 14:00 +1", "2027-03-30 08:00 +2", 2 },
	/* Hours, due on a day that is no working day: Saturday 2027-03-27 01:00. */
	{ "2027-03-27 01:00 +1", "2027-03-29 09:00 +2", 0 },
	{ "2027-03-27 01:00 +1", "2027-03-30 09:00 +2", 1 },
	/* Midsummer 2027: D = Thursday 06-24; midsommarafton Friday 06-25,
	 * midsommardagen Saturday 06-26. */
	{ "2027-06-25 00:00 +2", "2027-06-25 10:00 +2", 0 },
	{ "2027-06-25 00:00 +2", "2027-06-27 10:00 +2", 0 },
	{ "2027-06-25 00:00 +2", "2027-06-28 10:00 +2", 1 },
	{ "2027-06-25 00:00 +2", "2027-06-29 10:00 +2", 2 },
	/* D = Wednesday 2027-06-23: Thursday counts, midsommarafton not. */
	{ "2027-06-24 00:00 +2", "2027-06-24 10:00 +2", 1 },
	{ "2027-06-24 00:00 +2", "2027-06-25 10:00 +2", 1 },
	{ "2027-06-24 00:00 +2", "2027-06-28 10:00 +2", 2 },
	/* Christmas and New Year: D = Wednesday 2026-12-23; julafton 12-24,
	 * juldagen, annandag jul, Sunday; nyårsafton Thursday 12-31, nyårsdagen
	 * Friday 2027-01-01, the weekend; trettondedag jul Wednesday 01-06. */
	{ "2026-12-24 00:00 +1", "2026-12-25 10:00 +1", 0 },
	{ "2026-12-24 00:00 +1", "2026-12-28 10:00 +1", 1 },
	{ "2026-12-24 00:00 +1", "2026-12-30 10:00 +1", 3 },
	{ "2026-12-24 00:00 +1", "2026-12-31 10:00 +1", 3 },
	{ "2026-12-24 00:00 +1", "2027-01-01 10:00 +1", 3 },
	{ "2026-12-24 00:00 +1", "2027-01-04 10:00 +1", 4 },
	{ "2026-12-24 00:00 +1", "2027-01-05 10:00 +1", 5 },
	{ "2026-12-24 00:00 +1", "2027-01-06 10:00 +1", 5 },
	{ "2026-12-24 00:00 +1", "2027-01-07 10:00 +1", 6 },
	/* D = Wednesday 2026-12-30: nyårsafton and nyårsdagen first. */
	{ "2026-12-31 00:00 +1", "2026-12-31 10:00 +1", 0 },
	{ "2026-12-31 00:00 +1", "2027-01-04 10:00 +1", 1 },
	{ "2026-12-31 00:00 +1", "2027-01-06 23:00 +1", 2 },
	{ "2026-12-31 00:00 +1", "2027-01-07 00:00 +1", 3 },
};

static void
test_overdue_working_days(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(overdue_table) / sizeof(overdue_table[0]); i++) {
		int got = deadline_overdue_working_days(typed(overdue_table[i].due),
		    typed(overdue_table[i].now));
		if (got != overdue_table[i].want)
			fail_msg("due %s, now %s: %d working days overdue, want %d",
			    overdue_table[i].due, overdue_table[i].now, got, overdue_table[i].want);
	}
}

/* ---- 4c. the README's worked example ------------------------------------- */

/* First contact (14d) passed on Monday 2026-11-30: last day Monday 12-14,
 * due at its 24:00. Reminder (2 wd): 00:00 Friday 12-11, leaving Friday
 * and Monday. Overdue: 00:00 Tuesday 12-15. Escalation (3 wd): Tuesday 15,
 * Wednesday 16, Thursday 17 pass: 00:00 Friday 12-18, the fourth working
 * day after the last. */
static void
test_times_worked_example(void **state)
{
	check_across(*state, typed("2026-11-30 10:00 +1"), typed("2026-12-11 00:00 +1"),
	    date(2026, 12, 11), typed("2026-12-15 00:00 +1"), date(2026, 12, 14),
	    typed("2026-12-18 00:00 +1"));
}

/* Passed on Wednesday 2026-12-09: last day Wednesday 12-23. Reminder:
 * 00:00 Tuesday 12-22. Escalation: Monday 28, Tuesday 29, Wednesday 30
 * December pass (24-27, 31 December and 1-3 January are no working days):
 * 00:00 Monday 2027-01-04. */
static void
test_times_over_christmas(void **state)
{
	check_across(*state, typed("2026-12-09 10:00 +1"), typed("2026-12-22 00:00 +1"),
	    date(2026, 12, 22), typed("2026-12-24 00:00 +1"), date(2026, 12, 23),
	    typed("2027-01-04 00:00 +1"));
}

/* What `deadlines --json` shows as remindAt. */
static void
test_reminder_at(void **state)
{
	int64_t start = typed("2027-03-01 10:00 +1"), due = typed("2027-03-02 10:00 +1");
	int64_t early = typed("2027-02-25 10:00 +1"), remind = typed("2027-03-01 12:00 +1");

	(void)state;
	/* A lead back to (or before) the start: never a reminder. */
	assert_false(deadline_reminds(start, early));
	assert_false(deadline_reminds(start, start));
	assert_int_equal(deadline_reminder_at(start, early, due, false, start), 0);
	assert_int_equal(deadline_reminder_at(start, start, due, false, start), 0);
	/* One to come, and one sent (also once the deadline is due). */
	assert_true(deadline_reminds(start, remind));
	assert_int_equal(deadline_reminder_at(start, remind, due, false, start), remind);
	assert_int_equal(deadline_reminder_at(start, remind, due, true, due + HOUR), remind);
	/* Not sent by the time it came due: skipped as stale, never sent. */
	assert_int_equal(deadline_reminder_at(start, remind, due, false, due - 1), remind);
	assert_int_equal(deadline_reminder_at(start, remind, due, false, due), 0);
}

/* ---- 5. once, across a crash ------------------------------------------- */

static void
test_fire_once_across_crash(void **state)
{
	fixture_t *f = *state;
	err_t err = {0};
	row_t r;

	quiet_status_report(f);
	apply(f, &f->muni, EV_CONSENT_GIVEN, M180, R1, P1, 0, FC_START);
	get_row(f, &r, "kind = 'first_contact'");

	/* Fired in a transaction that never commits. */
	f->nnotes = f->calls = 0;
	assert_int_equal(store_begin(f->ss.s, &err), 0);
	assert_int_equal(deadline_fire_due(f->ss.s, &f->muni, FC_REMIND, 64, record, f, &err), 1);
	assert_int_equal(f->nnotes, 1);
	assert_string_equal(f->notes[0].event, "reminder");
	store_rollback(f->ss.s);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications"), 0);
	get_row(f, &r, "kind = 'first_contact'");
	assert_int_equal(r.fired, 0);
	assert_int_equal(r.next_at, FC_REMIND);

	/* So the next call fires it again, once. */
	assert_int_equal(fire(f, &f->muni, FC_REMIND), 1);
	assert_int_equal(f->nnotes, 1);
	check_note(f, &f->notes[0], r.id, "reminder", "first_contact", "secretary", FC_REMIND);
	assert_int_equal(fire(f, &f->muni, FC_REMIND), 0);

	/* Committed, then the store closed and opened again: never again. */
	store_close(&f->ss.s);
	f->ss.s = store_open(f->ss.path, false, &err);
	if (f->ss.s == NULL)
		fail_msg("store_open: %s", err.msg);
	assert_int_equal(fire(f, &f->muni, FC_REMIND), 0);
	assert_int_equal(fire(f, &f->muni, FC_REMIND + HOUR), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications"), 1);
	get_row(f, &r, "kind = 'first_contact'");
	assert_int_equal(r.fired, 1);
	assert_int_equal(r.next_at, FC_DUE);
	/* The later stages still come, once. */
	assert_int_equal(fire(f, &f->muni, FC_DUE), 1);
	check_note(f, &f->notes[0], r.id, "overdue", "first_contact", "secretary", FC_DUE);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications"), 2);
}

/* ---- 6. batches ------------------------------------------------------------ */

#define MANY 70

/* MANY acknowledge deadlines, all due (overdue stage only) at the return. */
static int64_t
open_many(store_t *s, const config_t *cfg, int n)
{
	int64_t t0 = local(2026, 3, 5, 10, 0);
	char rid[32];
	err_t err = {0};

	for (int i = 0; i < n; i++) {
		deadline_event_t e = { EV_REFERRAL, M180, rid, NULL, NULL, FOSTER, t0 + i };

		snprintf(rid, sizeof(rid), "0180-2026-%04d", i);
		if (deadline_apply(s, cfg, &e, &err) != 0)
			return -1;
	}
	return local(2026, 3, 6, 10, 0) + n;
}

static void
test_fire_batches(void **state)
{
	fixture_t *f = *state;
	int64_t now = open_many(f->ss.s, &f->muni, MANY);

	assert_true(now > 0);
	assert_int_equal(fire(f, &f->muni, local(2026, 3, 6, 10, 0) - 1), 0);
	assert_int_equal(fire(f, &f->muni, now), 64);
	assert_int_equal(f->nnotes, 64);
	assert_int_equal(fire(f, &f->muni, now), MANY - 64);
	assert_int_equal(f->nnotes, MANY - 64);
	assert_int_equal(fire(f, &f->muni, now), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM notifications WHERE event = 'overdue'"), MANY);
	assert_int_equal(q_int(f, "SELECT count(DISTINCT deadline_id) FROM notifications"), MANY);
	assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE fired = 3"), MANY);
	/* A smaller batch works the same way. */
	assert_int_equal(fire_max(f, &f->muni, local(2026, 3, 11, 10, 0) + MANY, 10), 10);
	assert_int_equal(f->nnotes, 10);
}

/* deadline_fire_due() reads in chunks of 64, but a max above that still
 * means what deadline.h says: a return below max leaves nothing due (with
 * max 100 and 70 due, all 70). */
static void
test_fire_batch_over_64(void **state)
{
	fixture_t *f = *state;
	int64_t now = open_many(f->ss.s, &f->muni, MANY);
	int n = fire_max(f, &f->muni, now, 100);

	assert_true(n <= 100);
	if (n < 100)
		assert_int_equal(q_int(f, "SELECT count(*) FROM deadlines WHERE state = 'open'"
		    " AND next_at <= %lld", (long long)now), 0);
}

/* A max below 0 fires nothing (it once reached SQLite as LIMIT -1, no
 * limit, and overflowed the 64-row buffer). Run in a child so a crash would
 * stay there; the parent has no open store across the fork. */
static void
test_fire_negative_max(void **state)
{
	char dir[64], path[PATH_MAX];
	int status = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir), "test_deadline_neg"), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		static config_t cfg;
		err_t err = {0};
		store_t *s = store_open(path, false, &err);
		int64_t now;
		int n;

		cfg_init(&cfg, ROLE_MUNICIPALITY, M180);
		if (s == NULL || (now = open_many(s, &cfg, 65)) < 0)
			_exit(2);
		n = deadline_fire_due(s, &cfg, now, -1, NULL, NULL, &err);
		store_close(&s);
		_exit(n >= 0 && n <= 64 ? 0 : 3);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	scratch_remove(dir);
	if (WIFSIGNALED(status))
		fail_msg("deadline_fire_due(max -1) killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("deadline_fire_due(max -1) with 65 due: child exit %d (3: it handled more"
		    " than its 64-row buffer holds; 1: AddressSanitizer, see above)", WEXITSTATUS(status));
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_span_hours),
		cmocka_unit_test(test_span_days),
		cmocka_unit_test(test_span_working_days),
		T(test_escalation_in_days),
		T(test_reminder_lead_in_days_dst),
		T(test_apply_referral_municipality),
		T(test_apply_referral_hub),
		T(test_apply_proposals),
		T(test_fire_stages_municipality),
		T(test_fire_stages_hub),
		T(test_fire_late),
		T(test_fire_closed),
		T(test_fire_no_reminder),
		T(test_across_easter_2027),
		T(test_across_midsummer_2026),
		T(test_across_new_year_2026),
		cmocka_unit_test(test_overdue_working_days),
		T(test_times_worked_example),
		T(test_times_over_christmas),
		cmocka_unit_test(test_reminder_at),
		T(test_fire_once_across_crash),
		T(test_fire_batches),
		T(test_fire_batch_over_64),
		cmocka_unit_test(test_fire_negative_max),
	};
#undef T
	store_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
