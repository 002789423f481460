/*
 * Integration: alerts in pairs. A municipality whose hub is down raises
 * peer_silent once the hub has been away longer than [alerts] peer_silent,
 * and undelivered once a referral has waited longer than [alerts]
 * undelivered: one notification each for the operator, shown by status and
 * status --check. A restart of famlinkd while they are raised raises
 * nothing again; when the hub is back each clears with one notification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define T 15000
#define EVENTS(e) "SELECT count(*) FROM notifications WHERE recipient = 'operator'" \
	" AND actor = 'pool:test' AND event = '" e "'"

static int
status_check(node_proc_t *n, char *out, size_t len)
{
	static const char *const args[] = {"status", "--check", NULL};

	return ctl_run(n, out, len, args);
}

static void
test_alerts_raise_and_clear_once(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	char out[8192];

	m->conf_extra = "[alerts]\npeer_silent = 2s\nundelivered = 3s\n";
	cluster_write_muni_conf(c, m);
	assert_int_equal(cluster_start_waited(c, T), 0);
	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 1, 1), 0);
	wait_sql(m, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1);

	node_kill9(&c->hub);
	assert_int_equal(enqueue_referrals(m, "0101-2026", 2, 1, 1), 0);
	wait_sql(m, EVENTS("peer_silent"), 1);
	wait_sql(m, EVENTS("undelivered"), 1);
	assert_int_equal(status_check(m, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "degraded: alert peer_silent: pool:test since"));
	assert_non_null(strstr(out, "degraded: alert undelivered: pool:test since"));

	/* Remembered across a restart: raised once, not once per start. */
	assert_int_equal(node_stop(m), 0);
	assert_int_equal(node_start(m), 0);
	assert_true(wait_log(m, node_started_text(m), T));

	assert_int_equal(node_start(&c->hub), 0);
	wait_sql(m, EVENTS("peer_silent_cleared"), 1);
	wait_sql(m, EVENTS("undelivered_cleared"), 1);
	assert_int_equal(db_long(m, EVENTS("peer_silent")), 1);
	assert_int_equal(db_long(m, EVENTS("undelivered")), 1);
	assert_int_equal(db_long(m, "SELECT count(*) FROM alerts"), 0);
	assert_int_equal(status_check(m, out, sizeof(out)), 0);
	assert_int_equal(log_count(m, "alert peer_silent raised: pool:test"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_alerts_raise_and_clear_once, cluster_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
