/*
 * Integration: famlinkctl's views of the routine — referrals, families,
 * deadlines and `report meeting` — on real daemons. A municipality sends a
 * referral while the hub is down (an open acknowledge deadline, overdue ten
 * days later by FAMLINK_CLOCK_OFFSET), then both run, the hub acks, and the
 * pool proposes a family and passes it on: each view is read on both sides.
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

#include "ctl.h"
#include "harness.h"

#define RID "0101-2026-000001"
#define OUT 65536
#define WAIT_MS 15000
#define DAY_MS 86400000LL

/* famlinkctl ARGS… on n, expecting exit status want; its output in out. */
static void
run(node_proc_t *n, int want, char *out, const char *const *args)
{
	int rc = ctl_run(n, out, OUT, args);

	if (rc != want)
		fail_msg("famlinkctl %s %s: exit %d, want %d: %s", args[0], args[1] ? args[1] : "",
		    rc, want, out);
}

/* famlinkctl ARGS… --json on n: its output parsed (the caller frees). */
static json_t *
run_json(node_proc_t *n, const char *const *args)
{
	static char out[OUT];
	json_error_t jerr;
	json_t *j;

	run(n, 0, out, args);
	if ((j = json_loads(out, 0, &jerr)) == NULL)
		fail_msg("famlinkctl %s: not JSON (%s): %s", args[0], jerr.text, out);
	return j;
}

static long
int_at(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		fail_msg("no integer %s", key);
	return (long)json_integer_value(v);
}

/* ---- no daemon needed ----------------------------------------------------------- */

static void
test_help(void **state)
{
	static const char *const verbs[] = {"referrals", "proposals", "families", "deadlines", "report", NULL};
	cluster_t *c = *state = cluster_new(0, NULL);
	char out[OUT], want[64];

	for (int i = 0; verbs[i] != NULL; i++) {
		const char *args[] = {verbs[i], "--help", NULL};
		run(&c->hub, 0, out, args);
		snprintf(want, sizeof(want), "usage: famlinkctl [-c FILE] %s ", verbs[i]);
		assert_non_null(strstr(out, want));
		assert_non_null(strstr(out, "exit status:\n  0  ok\n  1  error"));
		assert_non_null(strstr(out, "ISO-8601 UTC"));
		assert_non_null(strstr(out, "example:\n  famlinkctl "));
	}
	{
		const char *args[] = {"--help", NULL};
		run(&c->hub, 0, out, args);
		for (int i = 0; verbs[i] != NULL; i++)
			assert_non_null(strstr(out, verbs[i]));
	}
}

/* A bad value is a usage error naming the option and what it takes,
 * before any store is looked at (this node has none). */
static void
test_bad_values(void **state)
{
	static const struct { const char *args[10]; const char *says; } cases[] = {
		{{"referrals", "--state", "open", NULL}, "--state open: not a referral state; one of:"
		    " submitted, acknowledged, rejected, matching, closed"},
		{{"deadlines", "--municipality", "180", NULL}, "--municipality 180: give the kommunkod"},
		{{"deadlines", "--municipality", "pool:test", NULL}, "--municipality pool:test"},
		{{"report", "meeting", NULL}, "--municipality CODE is required"},
		{{"report", "weekly", "--municipality", "0101", NULL}, "no report weekly"},
		{{"report", "meeting", "--municipality", "0101", "--format", "pdf", NULL},
		    "--format pdf: one of text, csv, json, html"},
		{{"report", "meeting", "--municipality", "0101", "--from", "2026-02-30", NULL},
		    "--from 2026-02-30: not a date; give YYYY-MM-DD"},
		{{"report", "meeting", "--municipality", "0101", "--to", "26-1-1", NULL}, "--to 26-1-1"},
		{{"report", "meeting", "--municipality", "0101", "--from", "2026-12-01", "--to",
		    "2026-11-30", NULL}, "--from 2026-12-01 is after --to 2026-11-30"},
		{{"referrals", "--overdue", NULL}, "no option --overdue"},
		{{"families", "--state", "matching", NULL}, "no option --state"},
		{{"report", "--format", "json", NULL}, "usage: famlinkctl"},
	};
	cluster_t *c = *state = cluster_new(1, NULL);
	char out[OUT];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(&c->muni[0], CTL_USAGE, out, cases[i].args);
		if (strstr(out, cases[i].says) == NULL)
			fail_msg("%s: want \"%s\" in: %s", cases[i].args[0], cases[i].says, out);
	}
}

/* ---- a referral sent, not yet answered ------------------------------------------ */

static void
check_waiting(node_proc_t *m)
{
	static const char *const refs[] = {"referrals", "--json", NULL};
	static const char *const dls[] = {"deadlines", "--json", "--municipality", "0101", NULL};
	static const char *const late[] = {"deadlines", "--overdue", "--json", NULL};
	json_t *j = run_json(m, refs), *r, *d;

	assert_int_equal(json_array_size(j), 1);
	r = json_array_get(j, 0);
	assert_string_equal(json_str_at(r, "owner"), "municipality:0101");
	assert_string_equal(json_str_at(r, "referralId"), RID);
	assert_string_equal(json_str_at(r, "kind"), "foster_home");
	assert_string_equal(json_str_at(r, "state"), "submitted");
	assert_string_equal(json_str_at(json_object_get(r, "nextDeadline"), "kind"), "acknowledge");
	json_decref(j);
	j = run_json(m, dls);
	assert_int_equal(json_array_size(j), 1);
	d = json_array_get(j, 0);
	assert_string_equal(json_str_at(d, "kind"), "acknowledge");
	assert_string_equal(json_str_at(d, "actor"), "pool");
	assert_string_equal(json_str_at(d, "referralId"), RID);
	assert_string_equal(json_str_at(d, "state"), "open");
	assert_true(json_is_null(json_object_get(d, "proposalId")));
	assert_non_null(strstr(json_str_at(d, "dueAt"), "Z"));
	/* 1 working day after Wednesday 4 March 10:00: Thursday 5 March. */
	assert_string_equal(json_str_at(d, "dueDate"), "2026-03-05");
	/* The 2-working-day lead reaches back before the start: no reminder,
	 * so no reminder time (its other absent times are null too). */
	assert_true(json_is_null(json_object_get(d, "remindAt")));
	assert_true(json_is_null(json_object_get(json_object_get(d, "notified"), "reminder")));
	json_decref(j);
	j = run_json(m, late);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
}

/* Ten days on (famlinkctl's clock only), Saturday 14 March, the
 * acknowledgement due Thursday 5 March is overdue by the working days
 * after the 5th up to the 14th: 6, 9, 10, 11, 12 and 13 March (no holiday
 * in between; the 7th, 8th and 14th are weekend days): 6. */
static void
check_overdue(node_proc_t *m, int64_t sent)
{
	static const char *const late[] = {"deadlines", "--overdue", "--json", NULL};
	static const char *const table[] = {"deadlines", NULL};
	static const char *const rep[] = {"report", "meeting", "--municipality",
	    "municipality:0101", "--format", "json", NULL};
	char out[OUT];
	json_t *j, *d;

	clock_move_to(sent + 10 * DAY_MS);
	j = run_json(m, late);
	assert_int_equal(json_array_size(j), 1);
	d = json_array_get(j, 0);
	assert_string_equal(json_str_at(d, "state"), "overdue");
	assert_int_equal(int_at(d, "overdueWorkingDays"), 6);
	assert_string_equal(json_str_at(d, "dueDate"), "2026-03-05");
	json_decref(j);
	run(m, 0, out, table);
	assert_non_null(strstr(out, RID));
	assert_non_null(strstr(out, " 6 wd"));
	j = run_json(m, rep);
	assert_int_equal(json_array_size(json_object_get(j, "overdueDeadlines")), 1);
	d = json_array_get(json_object_get(j, "overdueDeadlines"), 0);
	assert_int_equal(int_at(d, "overdueWorkingDays"), 6);
	json_decref(j);
	clock_move_to(sent);   /* back: the rest happens the day it was sent */
}

/* ---- acknowledged ---------------------------------------------------------------- */

static void
check_acked(cluster_t *c)
{
	static const char *const refs[] = {"referrals", "--json", "--state", "acknowledged", NULL};
	static const char *const none[] = {"referrals", "--json", "--state", "closed", NULL};
	static const char *const fams[] = {"families", "--json", NULL};
	static const char *const dls[] = {"deadlines", "--json", NULL};
	char out[OUT];
	json_t *j;

	for (int side = 0; side < 2; side++) {
		node_proc_t *n = side ? &c->hub : &c->muni[0];
		j = run_json(n, refs);
		assert_int_equal(json_array_size(j), 1);
		assert_string_equal(json_str_at(json_array_get(j, 0), "owner"), "municipality:0101");
		assert_string_equal(json_str_at(json_array_get(j, 0), "referralId"), RID);
		json_decref(j);
		j = run_json(n, none);
		assert_int_equal(json_array_size(j), 0);
		json_decref(j);
		j = run_json(n, dls);   /* met at the municipality, never open at the hub */
		assert_int_equal(json_array_size(j), 0);
		json_decref(j);
	}
	j = run_json(&c->hub, fams);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
	run(&c->muni[0], CTL_ERROR, out, fams);
	assert_non_null(strstr(out, "kept at the hub"));
}

static void
check_report_json(node_proc_t *hub)
{
	static const char *const args[] = {"report", "meeting", "--municipality", "0101",
	    "--format", "json", NULL};
	json_t *j = run_json(hub, args), *k, *r;

	assert_string_equal(json_str_at(j, "municipality"), "municipality:0101");
	assert_string_equal(json_str_at(j, "nodeId"), "pool:test");
	assert_int_equal(json_array_size(json_object_get(j, "openReferrals")), 1);
	r = json_array_get(json_object_get(j, "openReferrals"), 0);
	assert_string_equal(json_str_at(r, "referralId"), RID);
	assert_string_equal(json_str_at(r, "state"), "acknowledged");
	assert_int_equal(int_at(r, "ageDays"), 0);
	k = json_object_get(j, "counts");
	assert_int_equal(int_at(k, "referralsReceived"), 1);
	assert_int_equal(int_at(k, "acknowledged"), 1);
	assert_int_equal(int_at(k, "acknowledgedInTime"), 1);
	assert_int_equal(int_at(k, "proposalsMade"), 0);
	assert_int_equal(json_array_size(json_object_get(k, "rejectedByReason")), 5);
	assert_int_equal(json_array_size(json_object_get(j, "overdueDeadlines")), 0);
	json_decref(j);
}

static void
check_report_formats(node_proc_t *hub)
{
	static const char *const html[] = {"report", "meeting", "--municipality", "0101",
	    "--format", "html", NULL};
	static const char *const csv[] = {"report", "meeting", "--municipality", "0101",
	    "--format", "csv", "--from", "2020-01-01", NULL};
	static const char *const text[] = {"report", "meeting", "--municipality", "0101", NULL};
	static const char head[] = "section,node_id,municipality,from,to,generated_at\r\n"
	    "report,pool:test,municipality:0101,2020-01-01,";
	static char out[OUT];

	run(hub, 0, out, html);
	assert_true(strncmp(out, "<!DOCTYPE html>", 15) == 0);
	assert_non_null(strstr(out, "<title>Samverkansmöte municipality:0101 "));
	assert_non_null(strstr(out, "@media print"));
	assert_non_null(strstr(out, "<td>" RID "</td>"));
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "href="));
	assert_null(strstr(out, "src="));
	assert_null(strstr(out, "Test Secretary"));
	run(hub, 0, out, csv);
	assert_true(strncmp(out, head, sizeof(head) - 1) == 0);
	assert_non_null(strstr(out, "\r\nopen_referrals," RID ",foster_home,acknowledged,0,"));
	assert_non_null(strstr(out, "\r\ncounts,referrals_received,1\r\n"));
	run(hub, 0, out, text);
	assert_non_null(strstr(out, RID));
	assert_non_null(strstr(out, "Öppna remisser (1)"));   /* Swedish by default */
}

/* A municipality reports on itself only; a hub on its peers only. */
static void
check_report_refused(cluster_t *c)
{
	static const char *const other[] = {"report", "meeting", "--municipality", "0102", NULL};
	static const char *const own[] = {"report", "meeting", "--municipality", "0101", NULL};
	char out[OUT];

	run(&c->muni[0], CTL_ERROR, out, other);
	assert_non_null(strstr(out, "reports on itself only"));
	run(&c->hub, CTL_ERROR, out, other);
	assert_non_null(strstr(out, "not a peer in this hub's config"));
	run(&c->muni[0], 0, out, own);
	assert_non_null(strstr(out, RID));
}

/* ---- a family passed on ------------------------------------------------------------ */

static void
pass_on_family(cluster_t *c)
{
	ctl_send_ok(&c->hub, "{\"familyProposal\": {\"referralId\": \"" RID "\","
	    " \"proposalId\": \"P1\", \"family\": {\"summary\": \"Two adults\"},"
	    " \"familyReference\": \"FH-0042\"}}");
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM proposals", 1, WAIT_MS));
	ctl_send_ok(&c->muni[0], "{\"proposalDecision\": {\"referralId\": \"" RID "\","
	    " \"proposalId\": \"P1\", \"verdict\": \"PROPOSAL_VERDICT_PROCEED\"}}");
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM proposals WHERE state = 'accepted'", 1,
	    WAIT_MS));
	ctl_send_ok(&c->hub, "{\"familyConsent\": {\"referralId\": \"" RID "\","
	    " \"proposalId\": \"P1\", \"consentGiven\": true,"
	    " \"familyContact\": {\"name\": \"Family Name\", \"phone\": \"070-1234567\"}}}");
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM proposals WHERE passed_on_at"
	    " IS NOT NULL", 1, WAIT_MS));
	ctl_send_ok(&c->muni[0], "{\"statusReport\": {\"referralId\": \"" RID "\","
	    " \"proposalId\": \"P1\", \"status\": \"PLACEMENT_STATUS_INVESTIGATING\"}}");
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM proposals WHERE last_status = 2", 1,
	    WAIT_MS));
}

static void
check_family(cluster_t *c)
{
	static const char *const held[] = {"families", "--passed-on", "--json", NULL};
	static const char *const table[] = {"families", NULL};
	static const char *const dls[] = {"deadlines", "--json", "--municipality", "0101", NULL};
	static const char *const rep[] = {"report", "meeting", "--municipality", "0101",
	    "--format", "json", NULL};
	char out[OUT];
	json_t *j = run_json(&c->hub, held), *f;

	assert_int_equal(json_array_size(j), 1);
	f = json_array_get(j, 0);
	assert_string_equal(json_str_at(f, "familyReference"), "FH-0042");
	assert_string_equal(json_str_at(f, "municipality"), "municipality:0101");
	assert_string_equal(json_str_at(f, "proposalId"), "P1");
	assert_string_equal(json_str_at(f, "state"), "status_reported");
	assert_string_equal(json_str_at(f, "lastStatus"), "investigating");
	assert_true(json_is_true(json_object_get(f, "held")));
	assert_true(json_is_null(json_object_get(f, "ended")));
	json_decref(j);
	run(&c->hub, 0, out, table);
	assert_non_null(strstr(out, "FH-0042"));
	assert_null(strstr(out, "Family Name"));
	assert_null(strstr(out, "070-1234567"));
	j = run_json(&c->hub, dls);   /* the next status report, the municipality's to give */
	assert_true(json_array_size(j) >= 1);
	assert_string_equal(json_str_at(json_array_get(j, 0), "actor"), "municipality:0101");
	/* 21 days ahead: a reminder 2 working days before it, to come. */
	assert_non_null(strstr(json_str_at(json_array_get(j, 0), "remindAt"), "Z"));
	json_decref(j);
	j = run_json(&c->hub, rep);
	assert_int_equal(json_array_size(json_object_get(j, "familiesPassedOn")), 1);
	assert_int_equal(int_at(json_object_get(j, "counts"), "proposalsMade"), 1);
	json_decref(j);
}

static void
test_routine_views(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	int64_t sent = local_time_ms(2026, 3, 4, 10);   /* Wednesday 4 March 2026, 10:00 */

	/* Sent while nothing runs: it waits, with its acknowledge deadline open. */
	clock_move_to(sent);
	ctl_send_ok(&c->muni[0], "{\"referral\": {\"referralId\": \"" RID "\","
	    " \"kind\": \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\","
	    " \"decision\": {\"taken\": true, \"decidedOn\": \"2025-11-02\","
	    " \"legalBasis\": \"LEGAL_BASIS_SOL\"}, \"child\": {\"alias\": \"Test\","
	    " \"birthYear\": 2016}, \"secretary\": {\"name\": \"Test Secretary\"}}}");
	check_waiting(&c->muni[0]);
	check_overdue(&c->muni[0], sent);
	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM referrals WHERE state ="
	    " 'acknowledged'", 1, WAIT_MS));
	check_acked(c);
	check_report_json(&c->hub);
	check_report_formats(&c->hub);
	check_report_refused(c);
	pass_on_family(c);
	check_family(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_help, cluster_teardown),
		cmocka_unit_test_teardown(test_bad_values, cluster_teardown),
		cmocka_unit_test_teardown(test_routine_views, cluster_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
