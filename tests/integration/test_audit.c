/*
 * Integration: `famlinkctl audit` and `famlinkctl audit verify` on real
 * daemons. A municipality's Referral goes to the hub and is acknowledged;
 * the audit trail of that message and of that referral lists its rows at
 * both ends, oldest first, and the hash chain verifies. Then, the
 * municipality stopped, a tamperer drops the no-update trigger and changes
 * one row: verify exits 1 and names that row.
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

#define RID "0101-2026-000001"
#define OUT 65536
#define WAIT_MS 15000
#define MUNI (&c->muni[0])
#define HUB (&c->hub)

#define run(n, want, out, ...) ctl_run_want(n, want, out, OUT, __VA_ARGS__)

/* Sends a Referral of RID from n: its message id into id. */
static void
send_referral(node_proc_t *n, char id[64])
{
	char out[OUT];
	const char *at;

	if (ctl_send_json(n, "--json", "{\"referral\": {\"referralId\": \"" RID "\", \"kind\":"
	    " \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\", \"decision\":"
	    " {\"taken\": true, \"decidedOn\": \"2025-01-15\", \"legalBasis\": \"LEGAL_BASIS_SOL\"},"
	    " \"child\": {\"alias\": \"Alias-1\", \"birthYear\": 2016},"
	    " \"secretary\": {\"name\": \"Test Secretary\"}}}", out, sizeof(out)) != 0)
		fail_msg("send on %s refused: %s", n->id, out);
	if ((at = strstr(out, "\"messageId\":\"")) == NULL)
		fail_msg("send --json printed no messageId: %s", out);
	snprintf(id, 64, "%.26s", at + 13);
}

/* Whether the JSON rows hold one of event for message id; and that they
 * run oldest first, each with an ISO time. */
static bool
has_row(json_t *rows, const char *event, const char *id)
{
	bool found = false;
	long last = 0;
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r) {
		const char *at = json_string_value(json_object_get(r, "at"));
		const char *mid = json_string_value(json_object_get(r, "messageId"));
		assert_non_null(at);
		assert_non_null(strchr(at, 'T'));
		assert_int_equal(at[strlen(at) - 1], 'Z');
		assert_true(json_int_at(r, "row") > last);
		last = json_int_at(r, "row");
		if (strcmp(json_str_at(r, "event"), event) == 0 && mid && strcmp(mid, id) == 0)
			found = true;
	}
	return found;
}

static void
check_listing(cluster_t *c, const char *ref)
{
	const char *by_msg[] = {"audit", "--message", ref, "--json", NULL};
	const char *by_ref[] = {"audit", "--referral", RID, "--json", NULL};
	const char *text[] = {"audit", "--message", ref, NULL};
	const char *none[] = {"audit", "--referral", "0101-2026-999999", NULL};
	char out[OUT], ack[128];
	json_t *j;
	size_t i;
	json_t *r;

	j = ctl_json(MUNI, by_msg);
	assert_int_equal(json_array_size(j), 2);
	assert_true(has_row(j, "out", ref));
	assert_true(has_row(j, "delivered", ref));
	json_array_foreach(j, i, r)
		assert_string_equal(json_str_at(r, "peer"), HUB->id);
	json_decref(j);

	/* The referral's: the Referral's rows and the ReferralAck received. */
	db_text(MUNI, "SELECT message_id FROM inbox WHERE body_type = 'referral_ack'", ack,
	    sizeof(ack));
	assert_true(ack[0] != '\0');
	j = ctl_json(MUNI, by_ref);
	assert_true(has_row(j, "out", ref));
	assert_true(has_row(j, "delivered", ref));
	assert_true(has_row(j, "in", ack));
	json_decref(j);

	j = ctl_json(HUB, by_msg);
	assert_true(has_row(j, "in", ref));
	json_decref(j);

	run(MUNI, 0, out, text);
	assert_non_null(strstr(out, "EVENT"));
	assert_non_null(strstr(out, ref));
	assert_non_null(strstr(out, "delivered"));
	run(MUNI, 0, out, none);
	assert_non_null(strstr(out, "(no audit row matches)"));
}

static void
test_audit(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	const char *verify[] = {"audit", "verify", NULL};
	const char *bad[] = {"audit", "check", NULL};
	const char *bad_json[] = {"audit", "verify", "--json", NULL};
	const char *bad_id[] = {"audit", "--message", "no/such id", NULL};
	char ref[64], out[OUT], sql[256], want[128];
	long row;

	send_referral(MUNI, ref);
	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_db(MUNI, "SELECT count(*) FROM referrals WHERE state = 'acknowledged'",
	    1, WAIT_MS));
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE event = 'delivered' AND"
	    " message_id = '%s'", ref);
	assert_true(wait_db(MUNI, sql, 1, WAIT_MS));
	check_listing(c, ref);

	run(MUNI, 0, out, verify);
	assert_non_null(strstr(out, "audit chain intact: "));
	assert_non_null(strstr(out, " rows from row 1; last row "));
	assert_non_null(strstr(out, ", hash "));
	run(HUB, 0, out, verify);
	assert_non_null(strstr(out, "audit chain intact: "));
	run(MUNI, 2, out, bad);
	run(MUNI, 2, out, bad_json);
	run(MUNI, 2, out, bad_id);

	/* The triggers stop an UPDATE; someone with the file drops them. */
	assert_int_equal(node_stop(MUNI), 0);
	snprintf(sql, sizeof(sql), "SELECT id FROM audit WHERE event = 'out' AND"
	    " message_id = '%s'", ref);
	row = db_long(MUNI, sql);
	assert_true(row > 0);
	snprintf(sql, sizeof(sql), "DROP TRIGGER audit_no_update;"
	    " UPDATE audit SET peer = 'municipality:0999' WHERE id = %ld", row);
	db_exec(MUNI, sql);
	run(MUNI, 1, out, verify);
	snprintf(want, sizeof(want), "audit row %ld: hash does not match: the row or one before"
	    " it was changed", row);
	assert_non_null(strstr(out, want));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_audit, cluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
