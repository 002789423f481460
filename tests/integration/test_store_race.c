/*
 * Integration: famlinkd and famlinkctl open the same new store at the
 * same instant. Both must wait for each other, never fail with "database
 * is locked" (which once made famlinkd exit at start, now and then, when a
 * test or an operator queued a message as the daemon started).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <unistd.h>

#include "harness.h"

#define T 15000
#define ROUNDS 15

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return cluster_free(&c);
}

/* Leaves n's directory as before its first start: no store, no log (the
 * last round's checked for sanitizer reports first: cluster_free() sees
 * only the last round's). */
static void
forget_store(node_proc_t *n)
{
	static const char *const files[] = { "famlink.db", "famlink.db-wal", "famlink.db-shm",
		"famlink.id" };
	char path[700];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", n->dir, files[i]);
		unlink(path);
	}
	if (node_log_rotate(n) != 0)
		fail_msg("%s: a round's log holds a sanitizer report (%s/log)", n->id, n->dir);
}

static void
test_daemon_and_ctl_open_a_new_store_at_once(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];

	for (int r = 0; r < ROUNDS; r++) {
		forget_store(m);
		assert_int_equal(node_start(m), 0);
		/* famlinkctl send creates and migrates the store too, right now. */
		assert_int_equal(enqueue_referrals(m, "0101-2026", r + 1, 1, 1), 0);
		if (!wait_log(m, "connecting to", T) || node_wait(m, 0) != -2)
			fail_msg("round %d: famlinkd did not start (see %s/log)", r, m->dir);
		assert_int_equal(node_stop(m), 0);
		assert_int_equal(db_long(m, "SELECT count(*) FROM outbox"), 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_daemon_and_ctl_open_a_new_store_at_once, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
