/*
 * Integration: the meeting report's counts are the same at both ends. A hub
 * and two municipalities play one routine: referrals acknowledged (one of
 * them for an emergency home), every rejection the hub gives on its own
 * (NOT_MEMBER by `member = no`, OUT_OF_REMIT by kind and by age,
 * NO_DECISION), a rejected referral sent again and acknowledged, and two
 * referrals sent while the hub is down and acknowledged three days later,
 * after their deadline. Then the hub's report of each municipality and
 * that municipality's own report of the same period are held against each
 * other, count by count, and "in time" is never more than its total.
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

#include "harness.h"

#define OUT 65536
#define WAIT_MS 15000
#define A (&c->muni[0])     /* municipality:0101 */
#define B (&c->muni[1])     /* municipality:0102 */
#define HUB (&c->hub)

/* A Referral of kind (REFERRAL_KIND_…) for a child born in birth_year; with
 * taken, a decision dated in the past. */
static void
send_referral(node_proc_t *n, const char *rid, const char *kind, bool taken, int birth_year)
{
	char json[1024], out[OUT];

	snprintf(json, sizeof(json), "{\"referral\": {\"referralId\": \"%s\", \"kind\":"
	    " \"REFERRAL_KIND_%s\", \"urgency\": \"URGENCY_NORMAL\", \"decision\": %s,"
	    " \"child\": {\"alias\": \"Test\", \"birthYear\": %d},"
	    " \"secretary\": {\"name\": \"Test Secretary\"}}}", rid, kind,
	    taken ? "{\"taken\": true, \"decidedOn\": \"2026-01-15\", \"legalBasis\":"
	    " \"LEGAL_BASIS_SOL\"}" : "{\"taken\": false}", birth_year);
	if (ctl_send_json(n, NULL, json, out, sizeof(out)) != 0)
		fail_msg("send %s on %s refused: %s", rid, n->id, out);
}

/* Both ends hold referral rid of m in state. */
static void
both(cluster_t *c, node_proc_t *m, const char *rid, const char *state)
{
	char sql[400];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM referrals WHERE owner = '%s' AND"
	    " referral_id = '%s' AND state = '%s'", m->id, rid, state);
	if (!wait_db(m, sql, 1, WAIT_MS) || !wait_db(HUB, sql, 1, WAIT_MS))
		fail_msg("referral %s of %s is not %s at both ends", rid, m->id, state);
}

/* Sent and answered: state at both ends, and the rejection's reason
 * (RejectionReason; 0 for an acknowledgement) at the municipality. */
static void
answered(cluster_t *c, node_proc_t *m, const char *rid, int reason)
{
	char sql[400];

	both(c, m, rid, reason ? "rejected" : "acknowledged");
	if (reason == 0)
		return;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM transitions WHERE referral_id = '%s'"
	    " AND event = 'rejected' AND code = %d", rid, reason);
	if (db_long(m, sql) != 1)
		fail_msg("%s: not one row for %s", m->id, sql);
}

/* n's meeting report of municipality code over March 2027, parsed. */
static json_t *
report_of(node_proc_t *n, const char *code)
{
	const char *args[] = { "report", "meeting", "--municipality", code, "--from",
	    "2027-03-01", "--to", "2027-03-31", "--format", "json", NULL };

	return ctl_json(n, args);
}

static long
rejected_for(json_t *counts, const char *reason)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(counts, "rejectedByReason"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "reason")), reason) == 0)
			return (long)json_integer_value(json_object_get(r, "count"));
	fail_msg("no reason %s", reason);
	return -1;
}

/* The counts of m's report at the hub and at m itself, field by field;
 * returns the hub's (the caller frees it). */
static json_t *
counts_agree(cluster_t *c, node_proc_t *m, const char *code)
{
	json_t *hub = report_of(HUB, code), *own = report_of(m, code);
	json_t *kh = json_incref(json_object_get(hub, "counts")), *ko = json_object_get(own, "counts");
	const char *key;
	json_t *v;

	assert_non_null(kh);
	assert_int_equal(json_object_size(kh), json_object_size(ko));
	json_object_foreach(kh, key, v)
		if (!json_equal(v, json_object_get(ko, key)))
			fail_msg("%s: %s is %s at the hub, %s at the municipality", code, key,
			    json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY),
			    json_dumps(json_object_get(ko, key), JSON_COMPACT | JSON_ENCODE_ANY));
	assert_true(json_int_at(kh, "acknowledgedInTime") <= json_int_at(kh, "acknowledged"));
	json_decref(hub);
	json_decref(own);
	return kh;
}

/* Monday 22 March 2027, 10:00: answered at once, each kind of answer. */
static void
answered_at_once(cluster_t *c)
{
	send_referral(A, "0101-2027-0001", "FOSTER_HOME", true, 2016);
	answered(c, A, "0101-2027-0001", 0);
	send_referral(A, "0101-2027-0002", "FOSTER_HOME", false, 2016);
	answered(c, A, "0101-2027-0002", 3);                    /* NO_DECISION */
	send_referral(A, "0101-2027-0002", "FOSTER_HOME", true, 2016);   /* again */
	answered(c, A, "0101-2027-0002", 0);
	send_referral(A, "0101-2027-0003", "CONTACT_PERSON", true, 2016);
	answered(c, A, "0101-2027-0003", 2);                    /* OUT_OF_REMIT: kind */
	send_referral(A, "0101-2027-0004", "FOSTER_HOME", true, 2000);
	answered(c, A, "0101-2027-0004", 2);                    /* OUT_OF_REMIT: 27 years */
	send_referral(A, "0101-2027-0005", "EMERGENCY_HOME", true, 2020);
	answered(c, A, "0101-2027-0005", 0);
	send_referral(B, "0102-2027-0001", "FOSTER_HOME", true, 2016);
	answered(c, B, "0102-2027-0001", 1);                    /* NOT_MEMBER */
}

/* Sent on Monday while the hub is down (0102 is now a member: membership
 * is checked first, so only now can its referral lack a decision),
 * answered when it is back on Thursday 25 March: after the 1 working day,
 * which ended Tuesday 10:00. */
static void
answered_late(cluster_t *c)
{
	assert_int_equal(node_stop(HUB), 0);
	B->peer_extra = NULL;
	cluster_write_hub_conf(c);
	send_referral(A, "0101-2027-0006", "FOSTER_HOME", true, 2016);
	send_referral(B, "0102-2027-0001", "FOSTER_HOME", true, 2016);   /* again */
	send_referral(B, "0102-2027-0002", "FOSTER_HOME", false, 2016);
	assert_int_equal(node_stop(A), 0);
	assert_int_equal(node_stop(B), 0);
	clock_move_to(local_time_ms(2027, 3, 25, 10));
	assert_int_equal(cluster_start(c), 0);
	answered(c, A, "0101-2027-0006", 0);
	answered(c, B, "0102-2027-0001", 0);
	answered(c, B, "0102-2027-0002", 3);                    /* NO_DECISION */
}

/* What each municipality's counts must be. 0101: seven sendings (0002
 * twice), four acknowledged, three of them in time (not 0006); 0002's
 * first sending, 0003 and 0004 rejected. 0102: 0001 twice (not a member,
 * then acknowledged late), 0002 without a decision. */
static const struct expected {
	int muni;
	const char *code;
	long received, acknowledged, in_time, not_member, out_of_remit, no_decision;
} expected[] = {
	{ 0, "0101", 7, 4, 3, 0, 2, 1 },
	{ 1, "0102", 3, 1, 0, 1, 0, 1 },
};

static void
test_counts_agree_at_both_ends(void **state)
{
	cluster_t *c = cluster_new(2, NULL);

	*state = c;
	c->hub_extra = "\n[pool]\nremit = foster_home, contact_family, emergency_home\n"
	    "remit_age = 0-17\n";
	B->peer_extra = "member = no\n";
	cluster_write_hub_conf(c);
	clock_move_to(local_time_ms(2027, 3, 22, 10));
	assert_int_equal(cluster_start(c), 0);
	answered_at_once(c);
	answered_late(c);
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const struct expected *e = &expected[i];
		json_t *k = counts_agree(c, &c->muni[e->muni], e->code);
		assert_int_equal(json_int_at(k, "referralsReceived"), e->received);
		assert_int_equal(json_int_at(k, "acknowledged"), e->acknowledged);
		assert_int_equal(json_int_at(k, "acknowledgedInTime"), e->in_time);
		assert_int_equal(rejected_for(k, "not_member"), e->not_member);
		assert_int_equal(rejected_for(k, "out_of_remit"), e->out_of_remit);
		assert_int_equal(rejected_for(k, "no_decision"), e->no_decision);
		json_decref(k);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_counts_agree_at_both_ends, cluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
