/*
 * Integration: deadlines on real daemons with a moved clock. The daemons
 * and famlinkctl run with FAMLINK_CLOCK_OFFSET, so the pool passes a
 * family on on 2026-12-10 and the municipality is then restarted days and
 * weeks later: the reminder, the overdue notice and the escalation each
 * fire once, on the working day the Swedish calendar says (first contact
 * due on Christmas Eve moves to Monday 28 December, the status report due
 * on New Year's Eve to Monday 4 January), and never again after a restart
 * or a kill -9. A kill -9 while a thousand deadlines fire loses none and
 * repeats none.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "harness.h"

#define OUT 65536
#define WAIT_MS 15000
#define A (&c->muni[0])
#define HUB (&c->hub)
#define RID "0101-2026-0100"
#define HOUR_MS 3600000LL

/* The family passed on to RID (at the clock's current setting). */
static void
pass_family_on(cluster_t *c)
{
	ctl_send_ok(A, "{\"referral\": {\"referralId\": \"" RID "\", \"kind\":"
	    " \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\", \"decision\":"
	    " {\"taken\": true, \"decidedOn\": \"2025-01-15\"}, \"child\": {\"alias\": \"X\", \"birthYear\": 2016},"
	    " \"secretary\": {\"name\": \"S\"}}}");
	wait_sql(A, "SELECT count(*) FROM referrals WHERE state = 'acknowledged'", 1);
	ctl_send_ok(HUB, "{\"familyProposal\": {\"referralId\": \"" RID "\", \"proposalId\": \"P1\","
	    " \"familyReference\": \"FH-9\", \"family\": {\"summary\": \"S\"}}}");
	wait_sql(A, "SELECT count(*) FROM proposals WHERE state = 'proposed'", 1);
	ctl_send_ok(A, "{\"proposalDecision\": {\"referralId\": \"" RID "\", \"proposalId\": \"P1\","
	    " \"verdict\": \"PROPOSAL_VERDICT_PROCEED\"}}");
	wait_sql(HUB, "SELECT count(*) FROM proposals WHERE state = 'accepted'", 1);
	ctl_send_ok(HUB, "{\"familyConsent\": {\"referralId\": \"" RID "\", \"proposalId\": \"P1\","
	    " \"consentGiven\": true, \"familyContact\": {\"name\": \"Familjen Gallring\"}}}");
	wait_sql(A, "SELECT count(*) FROM deadlines WHERE state = 'open'", 2);
}

static int64_t
deadline_time(node_proc_t *n, const char *kind, const char *column)
{
	char sql[300];

	snprintf(sql, sizeof(sql), "SELECT %s FROM deadlines WHERE kind = '%s' AND state = 'open'",
	    column, kind);
	return db_long(n, sql);
}

static void
assert_local_date(int64_t ms, const char *want)
{
	char got[11];

	calendar_format_date(calendar_local_date(ms), got);
	assert_string_equal(got, want);
}

static long
notices(node_proc_t *n, const char *event, const char *kind)
{
	char sql[300];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM notifications WHERE event = '%s' AND"
	    " kind = '%s'", event, kind);
	return db_long(n, sql);
}

/* Restarts n with its clock at `at` (kill9: stopped with SIGKILL) and
 * waits until it has started: its start-up line (node_started_text()) comes
 * after its first look at the deadlines and its first retention pass, which
 * come before anything else it does: what was due has fired, and what was
 * to be purged is purged, when this returns. */
static void
restart_at(node_proc_t *n, int64_t at, bool kill9)
{
	const char *started = node_started_text(n);
	int checked = log_count(n, "deadlines: checked"), up = log_count(n, started);
	struct timespec tick = { 0, 20 * 1000000 };

	if (kill9)
		node_kill9(n);
	else
		assert_int_equal(node_stop(n), 0);
	clock_move_to(at);
	assert_int_equal(node_start(n), 0);
	for (int waited = 0; log_count(n, started) == up; waited += 20) {
		if (waited > WAIT_MS)
			fail_msg("%s: no \"%s\" line after its start", n->id, started);
		nanosleep(&tick, NULL);
	}
	/* The deadlines were looked at on this start, not only on the last. */
	assert_int_equal(log_count(n, "deadlines: checked"), checked + 1);
	assert_int_equal(log_count(n, started), up + 1);
}

/* overdueWorkingDays of the deadline of kind in a JSON array of them. */
static long
overdue_days_of(json_t *deadlines, const char *kind)
{
	json_t *d;
	size_t i;

	json_array_foreach(deadlines, i, d)
		if (strcmp(json_string_value(json_object_get(d, "kind")), kind) == 0)
			return json_int_at(d, "overdueWorkingDays");
	fail_msg("no %s deadline in %s", kind, json_dumps(deadlines, JSON_COMPACT));
	return -1;
}

/* The open deadline of kind at n is `want` working days overdue, in
 * `famlinkctl deadlines` and in the meeting report alike. */
static void
overdue_days_agree(node_proc_t *n, const char *kind, long want)
{
	static const char *const dls[] = { "deadlines", "--overdue", "--json", NULL };
	static const char *const rep[] = { "report", "meeting", "--municipality", "0101",
	    "--format", "json", NULL };
	json_t *list = ctl_json(n, dls), *report = ctl_json(n, rep);

	assert_int_equal(overdue_days_of(list, kind), want);
	assert_int_equal(overdue_days_of(json_object_get(report, "overdueDeadlines"), kind), want);
	json_decref(list);
	json_decref(report);
}

/* A stage waits for its time, fires once, and stays fired. */
static void
stages_fire_once(cluster_t *c, const char *kind, int64_t remind, int64_t due,
    int64_t escalate)
{
	restart_at(A, remind - HOUR_MS, false);
	assert_int_equal(notices(A, "reminder", kind), 0);   /* not yet */
	restart_at(A, remind + HOUR_MS, false);
	assert_int_equal(notices(A, "reminder", kind), 1);
	assert_int_equal(notices(A, "overdue", kind), 0);
	restart_at(A, remind + 2 * HOUR_MS, true);           /* kill -9, start again */
	assert_int_equal(notices(A, "reminder", kind), 1);
	restart_at(A, due - HOUR_MS, true);
	assert_int_equal(notices(A, "overdue", kind), 0);
	restart_at(A, due + HOUR_MS, false);
	assert_int_equal(notices(A, "overdue", kind), 1);
	restart_at(A, escalate + HOUR_MS, true);
	assert_int_equal(notices(A, "escalation", kind), 1);
	restart_at(A, escalate + 48 * HOUR_MS, true);
	assert_int_equal(notices(A, "reminder", kind) + notices(A, "overdue", kind) +
	    notices(A, "escalation", kind), 3);
}

static void
test_christmas_and_new_year(void **state)
{
	cluster_t *c = cluster_new(1, NULL);
	int64_t due_contact, due_status;

	*state = c;
	clock_move_to(local_time_ms(2026, 12, 10, 10));   /* Thursday 10 December, 10:00 */
	assert_int_equal(cluster_start(c), 0);
	pass_family_on(c);
	/* 14 days: Thursday 24 December, Christmas Eve; 25, 26 holidays, 27 a
	 * Sunday: Monday 28 December, the whole day. 21 days: New Year's Eve;
	 * 1 January a holiday, 2-3 a weekend: Monday 4 January. */
	due_contact = deadline_time(A, "first_contact", "due_at");
	assert_int_equal(due_contact, local_time_ms(2026, 12, 29, 0));
	due_status = deadline_time(A, "status_report", "due_at");
	assert_int_equal(due_status, local_time_ms(2027, 1, 5, 0));
	assert_int_equal(deadline_time(HUB, "first_contact", "due_at"), due_contact);
	/* The reminder two working days before: Tuesday 22 December's end,
	 * that is Wednesday 23 December 00:00 (28th back over 24-27). */
	assert_local_date(deadline_time(A, "first_contact", "remind_at"), "2026-12-23");
	/* Escalation three working days after: Thursday 31 December is not one. */
	assert_local_date(deadline_time(A, "first_contact", "escalate_at"), "2027-01-05");
	stages_fire_once(c, "first_contact", deadline_time(A, "first_contact", "remind_at"),
	    due_contact, deadline_time(A, "first_contact", "escalate_at"));
	/* The queue an adapter will read, as famlinkctl lists it: ids only. */
	{
		static const char *const args[] = { "notifications", "--json", NULL };
		char out[OUT];
		assert_int_equal(ctl_run(A, out, sizeof(out), args), 0);
		assert_non_null(strstr(out, "\"event\": \"escalation\""));
		assert_non_null(strstr(out, "\"dueDate\": \"2026-12-28\""));
		assert_non_null(strstr(out, "\"recipient\": \"secretary\""));
		assert_null(strstr(out, "Familjen"));
	}
	/* famlinkctl on Thursday 7 January 2027, 10:00: first contact, last day
	 * Monday 28 December, is overdue by Tuesday 29, Wednesday 30 December,
	 * Monday 4, Tuesday 5 and Thursday 7 January (nyårsafton, nyårsdagen
	 * and trettondedag jul are not working days): 5. The status report,
	 * last day Monday 4 January: the 5th and the 7th: 2. */
	clock_move_to(local_time_ms(2027, 1, 7, 10));
	overdue_days_agree(A, "first_contact", 5);
	overdue_days_agree(A, "status_report", 2);
	/* The pool knows who is late, addressed to its contact for 0101. */
	restart_at(HUB, due_contact + HOUR_MS, false);
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM notifications WHERE event = 'overdue' AND kind ="
	    " 'first_contact' AND actor = 'municipality:0101' AND recipient = 'pool_contact'"), 1);
	assert_true(log_has(HUB, "(first_contact) of referral " RID " proposal P1 of"
	    " municipality:0101: overdue"));
	assert_false(log_has(HUB, "Familj"));
}

/* A status report meets the report due and the first contact, and opens
 * the next report 21 days on; one after placement closes everything. */
static void
test_met_deadline_fires_nothing(void **state)
{
	cluster_t *c = cluster_new(1, NULL);
	int64_t remind;

	*state = c;
	clock_move_to(local_time_ms(2027, 3, 12, 9));    /* Friday 12 March 2027 */
	assert_int_equal(cluster_start(c), 0);
	pass_family_on(c);
	/* 14 days: Friday 26 March, Good Friday; Easter Monday 29th: Tuesday 30th. */
	assert_int_equal(deadline_time(A, "first_contact", "due_at"),
	    local_time_ms(2027, 3, 31, 0));
	remind = deadline_time(A, "first_contact", "remind_at");
	ctl_send_ok(A, "{\"statusReport\": {\"referralId\": \"" RID "\", \"proposalId\": \"P1\","
	    " \"status\": \"PLACEMENT_STATUS_CONTACTED\"}}");
	/* Met at the hub: the pool's consent, first contact, the status report. */
	wait_sql(HUB, "SELECT count(*) FROM deadlines WHERE state = 'met'", 3);
	wait_sql(A, "SELECT count(*) FROM deadlines WHERE state = 'open' AND kind ="
	    " 'status_report'", 1);
	restart_at(A, remind + 30 * 24 * HOUR_MS, false);
	/* Only the new status report's stages can fire: nothing of first contact. */
	assert_int_equal(notices(A, "overdue", "status_report"), 1);
	assert_int_equal(notices(A, "reminder", "first_contact") +
	    notices(A, "overdue", "first_contact"), 0);
}

/* The dialogue is chased like the rest: a question waits for the side it
 * was put to, an ad for the municipality, each due in working days (5 and
 * 3 by default), notified once by its id, and nothing more once answered. */
static void
test_questions_and_ads_chased(void **state)
{
	cluster_t *c = cluster_new(1, NULL);

	*state = c;
	clock_move_to(local_time_ms(2027, 3, 1, 10));    /* Monday 1 March 2027, 10:00 */
	assert_int_equal(cluster_start(c), 0);
	ctl_send_ok(A, "{\"referral\": {\"referralId\": \"" RID "\", \"kind\":"
	    " \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\", \"decision\":"
	    " {\"taken\": true, \"decidedOn\": \"2027-02-26\"}, \"child\": {\"alias\": \"X\","
	    " \"birthYear\": 2016}, \"secretary\": {\"name\": \"S\"}}}");
	wait_sql(A, "SELECT count(*) FROM referrals WHERE state = 'acknowledged'", 1);
	ctl_send_ok(HUB, "{\"infoRequest\": {\"referralId\": \"" RID "\", \"questionId\": \"q1\","
	    " \"text\": \"Syskon?\"}}");
	ctl_send_ok(HUB, "{\"adProposal\": {\"referralId\": \"" RID "\", \"adId\": \"ad1\","
	    " \"channel\": \"AD_CHANNEL_FACEBOOK\", \"draftText\": \"Vi söker en familj\"}}");
	ctl_send_ok(A, "{\"infoRequest\": {\"referralId\": \"" RID "\", \"questionId\": \"m1\","
	    " \"text\": \"Hur många familjer?\"}}");
	wait_sql(A, "SELECT count(*) FROM deadlines WHERE state = 'open' AND kind IN"
	    " ('info_reply', 'ad_decision')", 3);
	wait_sql(HUB, "SELECT count(*) FROM deadlines WHERE state = 'open' AND kind IN"
	    " ('info_reply', 'ad_decision')", 3);
	/* 5 working days from Monday 10:00: Monday 8 March, 10:00; 3 from the
	 * same Monday: Thursday 4 March, 10:00 (within the minute: the clock
	 * is set to the second and runs on between the sends). */
	assert_true(llabs(deadline_time(A, "ad_decision", "due_at") -
	    local_time_ms(2027, 3, 4, 10)) < 60000);
	assert_true(llabs(db_long(A, "SELECT max(due_at) FROM deadlines WHERE kind ="
	    " 'info_reply'") - local_time_ms(2027, 3, 8, 10)) < 60000);

	/* famlinkctl deadlines names the item each chases. */
	{
		static const char *const args[] = { "deadlines", "--json", NULL };
		json_t *all = ctl_json(A, args), *d;
		size_t i;
		int seen = 0;

		json_array_foreach(all, i, d) {
			const char *kind = json_string_value(json_object_get(d, "kind"));
			const char *item = json_string_value(json_object_get(d, "itemId"));
			if (strcmp(kind, "ad_decision") == 0 && item && strcmp(item, "ad1") == 0)
				seen |= 1;
			if (strcmp(kind, "info_reply") == 0 && item && strcmp(item, "m1") == 0 &&
			    strcmp(json_string_value(json_object_get(d, "actor")), "pool") == 0)
				seen |= 2;
		}
		json_decref(all);
		assert_int_equal(seen, 3);
	}

	/* The ad is due first: overdue at the municipality, once, by its id. */
	restart_at(A, local_time_ms(2027, 3, 4, 11), false);
	assert_int_equal(notices(A, "overdue", "ad_decision"), 1);
	assert_int_equal(notices(A, "overdue", "info_reply"), 0);
	assert_true(log_has(A, "(ad_decision) of referral " RID " ad ad1 of municipality:0101:"
	    " overdue"));
	ctl_send_ok(A, "{\"adDecision\": {\"referralId\": \"" RID "\", \"adId\": \"ad1\","
	    " \"verdict\": \"AD_VERDICT_APPROVE\"}}");
	wait_sql(HUB, "SELECT count(*) FROM deadlines WHERE kind = 'ad_decision' AND state ="
	    " 'met'", 1);
	/* Both questions overdue at the hub: q1 for the municipality, m1 for
	 * the pool itself; the met ad escalates nowhere. */
	restart_at(HUB, local_time_ms(2027, 3, 15, 11), false);
	assert_int_equal(notices(HUB, "overdue", "info_reply"), 2);
	assert_int_equal(notices(HUB, "escalation", "ad_decision"), 0);
	assert_true(log_has(HUB, "(info_reply) of referral " RID " question q1 of"
	    " municipality:0101: overdue"));
	assert_true(log_has(HUB, "question m1 of municipality:0101: overdue, due 2027-03-08;"
	    " pool must act"));
	assert_false(log_has(HUB, "Syskon"));
}

/* kill -9 while a thousand deadlines fire: each fires exactly once. */
static void
test_kill9_while_firing(void **state)
{
	cluster_t *c = cluster_new(1, NULL);
	int64_t start = local_time_ms(2026, 6, 18, 9);   /* Thursday before Midsummer Eve */
	long n;

	*state = c;
	clock_move_to(start);
	assert_int_equal(node_start(A), 0);      /* the hub stays down: no acks */
	assert_int_equal(enqueue_referrals(A, "0101-2026", 1, 1000, 500), 0);
	wait_sql(A, "SELECT count(*) FROM deadlines WHERE kind = 'acknowledge' AND state ="
	    " 'open'", 1000);
	/* 1 working day: Midsummer Eve and Day, then Sunday: Monday 22 June. */
	assert_local_date(deadline_time(A, "acknowledge", "max(due_at)"), "2026-06-22");
	assert_int_equal(node_stop(A), 0);
	clock_move_to(local_time_ms(2026, 6, 30, 9));
	assert_int_equal(node_start(A), 0);
	assert_true(wait_db(A, "SELECT count(*) > 0 FROM notifications", 1, WAIT_MS));
	node_kill9(A);
	n = db_long(A, "SELECT count(*) FROM notifications");
	assert_int_equal(node_start(A), 0);
	wait_sql(A, "SELECT count(*) FROM notifications WHERE event = 'escalation'", 1000);
	assert_int_equal(db_long(A, "SELECT count(*) FROM notifications WHERE event = 'overdue'"),
	    1000);
	assert_int_equal(db_long(A, "SELECT count(*) FROM (SELECT deadline_id, event FROM"
	    " notifications GROUP BY 1, 2 HAVING count(*) > 1)"), 0);
	print_message("killed after %ld of 2000 notifications\n", n);
}

/* Gallring: the stored messages of a referral closed longer than
 * purge_after are emptied at both ends; ids, states and counts stay. */
static void
test_retention_purges_closed(void **state)
{
	cluster_t *c = cluster_new(1, "\n[retention]\npurge_after = 1d\n");
	int64_t closed_at = local_time_ms(2026, 12, 1, 10);
	static const char *const families[] = { "families", "--json", NULL };
	char out[OUT];

	*state = c;
	clock_move_to(closed_at);
	assert_int_equal(cluster_start(c), 0);
	pass_family_on(c);
	ctl_send_ok(A, "{\"referralClosed\": {\"referralId\": \"" RID "\", \"outcome\":"
	    " \"CLOSING_OUTCOME_WITHDRAWN\"}}");
	wait_sql(HUB, "SELECT count(*) FROM referrals WHERE state = 'closed'", 1);
	wait_sql(A, "SELECT count(*) FROM outbox WHERE state = 'queued'", 0);
	restart_at(A, closed_at + 12 * HOUR_MS, false);      /* not yet */
	assert_int_equal(db_long(A, "SELECT count(*) FROM referrals WHERE purged_at IS NOT NULL"), 0);
	restart_at(A, closed_at + 26 * HOUR_MS, false);
	restart_at(HUB, closed_at + 26 * HOUR_MS, false);
	for (int i = 0; i < 2; i++) {
		node_proc_t *n = i == 0 ? A : HUB;
		assert_int_equal(db_long(n, "SELECT count(*) FROM referrals WHERE purged_at IS NOT NULL"), 1);
		assert_int_equal(db_long(n, "SELECT count(*) FROM inbox WHERE referral_id = '" RID "'"
		    " AND length(envelope) > 0"), 0);
		assert_int_equal(db_long(n, "SELECT count(*) FROM outbox WHERE referral_id = '" RID "'"
		    " AND length(envelope) > 0"), 0);
		assert_true(db_long(n, "SELECT count(*) FROM inbox WHERE referral_id = '" RID "'") >= 2);
		assert_int_equal(db_long(n, "SELECT count(*) FROM audit WHERE event = 'purge'"), 1);
		/* Its count is every stored message of the referral, both ways. */
		assert_int_equal(db_long(n, "SELECT count(*) FROM audit WHERE event = 'purge' AND"
		    " detail = 'referral " RID ": ' || ((SELECT count(*) FROM inbox WHERE referral_id"
		    " = '" RID "') + (SELECT count(*) FROM outbox WHERE referral_id = '" RID "'))"
		    " || ' stored messages emptied'"), 1);
		assert_true(log_has(n, "retention: referral " RID " of municipality:0101 purged"));
	}
	/* Gone from the file too, not only from the rows: a clean stop
	 * checkpoints the WAL into famlink.db, whose free pages were zeroed. */
	for (int i = 0; i < 2; i++) {
		node_proc_t *n = i == 0 ? A : HUB;
		char db[700], cmd[800];
		assert_int_equal(node_stop(n), 0);
		snprintf(db, sizeof(db), "%s/famlink.db", n->dir);
		snprintf(cmd, sizeof(cmd), "grep -c 'Familjen Gallring' '%s' > /dev/null", db);
		assert_int_not_equal(system(cmd), 0);
		assert_int_equal(node_start(n), 0);
	}
	/* What reports count is still there. */
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM transitions WHERE referral_id = '" RID
	    "' AND event = 'referral'"), 1);
	assert_int_equal(ctl_run(HUB, out, sizeof(out), families), 0);
	assert_non_null(strstr(out, "FH-9"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_christmas_and_new_year, cluster_teardown),
		cmocka_unit_test_teardown(test_met_deadline_fires_nothing, cluster_teardown),
		cmocka_unit_test_teardown(test_questions_and_ads_chased, cluster_teardown),
		cmocka_unit_test_teardown(test_kill9_while_firing, cluster_teardown),
		cmocka_unit_test_teardown(test_retention_purges_closed, cluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
