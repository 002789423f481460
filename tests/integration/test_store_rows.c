/*
 * Integration: what a node does when rows of its own store are not what
 * they were, and when a peer's store was. A queued message whose stored copy
 * is damaged is never sent: it becomes a dead letter and the channel goes
 * on. One the hub cannot read is set aside after a few identical answers
 * instead of being resent for ever. A hub restored from an older copy of its
 * store says so loudly (error line, audit row) and both channels go on.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define T 15000
#define DELIVERED "SELECT count(*) FROM outbox WHERE state = 'delivered'"

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return cluster_free(&c);
}

/* Three referrals queued before any daemon runs; then the middle one's
 * stored copy is changed by hand the given way. */
static cluster_t *
three_queued(void **state, const char *damage)
{
	cluster_t *c = *state = cluster_new(1, NULL);   /* resends from 200 ms */

	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 3, 3), 0);
	db_exec(&c->muni[0], damage);
	assert_int_equal(cluster_start(c), 0);
	return c;
}

static void
expect_set_aside(cluster_t *c, const char *reason_like)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM dead_letters WHERE reason LIKE '%s'",
	    reason_like);
	assert_true(wait_db(&c->muni[0], sql, 1, T));
	/* The first and the third arrive; the hub skipped the second. */
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM referrals", 2, T));
	assert_true(wait_db(&c->muni[0], DELIVERED, 2, T));
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox WHERE sequence = 2"), 0);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'skip'"), 1);
	assert_int_equal(db_long(&c->muni[0], "SELECT count(*) FROM outbox WHERE state = 'queued'"
	    " AND body_type = 'referral'"), 0);
}

/* A flipped byte in a stored envelope: the checksum finds it. */
static void
test_damaged_row_never_sent(void **state)
{
	cluster_t *c = three_queued(state, "UPDATE outbox SET envelope = X'0b' || substr(envelope, 2)"
	    " WHERE sequence = 2");

	expect_set_aside(c, "%checksum%");
	assert_true(log_has(&c->muni[0], "stored copy is damaged"));
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'reject'"), 0);
}

/* Garbage that carries no checksum (a row from before checksums): sent,
 * unreadable to the hub, set aside after three identical answers. */
static void
test_unreadable_row_set_aside(void **state)
{
	cluster_t *c = three_queued(state, "UPDATE outbox SET envelope = X'ffffffff', checksum = NULL"
	    " WHERE sequence = 2");

	expect_set_aside(c, "%could not read it 3 times%");
	/* Bounded: three answers, or one or two more already on their way. */
	assert_in_range(log_count(&c->muni[0], "could not read a frame of ours"), 3, 5);
}

/* Saves n's store files (daemon stopped) beside them, or puts the saved
 * ones back: a backup taken offline and restored. */
static void
copy_store(node_proc_t *n, bool save)
{
	char cmd[2200];
	const char *d = n->dir;

	if (save)
		snprintf(cmd, sizeof(cmd), "cd '%s' && for f in famlink.db famlink.db-wal; do"
		    " rm -f saved-$f; [ ! -e $f ] || cp -p $f saved-$f; done", d);
	else
		snprintf(cmd, sizeof(cmd), "cd '%s' && rm -f famlink.db-shm && for f in famlink.db"
		    " famlink.db-wal; do rm -f $f; [ ! -e saved-$f ] || cp -p saved-$f $f; done", d);
	assert_int_equal(system(cmd), 0);
}

/* The hub's store goes back to an older copy of itself (a restore from
 * last night's backup): it lost a referral it had applied and the acks it
 * had sent. The municipality's Hello says so; the hub says so loudly, and
 * both channels go on in order. */
static void
test_hub_restored_from_older_copy(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	const char *status[] = {"status", "--json", NULL};
	char out[8192];

	assert_int_equal(cluster_start(c), 0);
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 1, 1), 0);
	assert_true(wait_db(&c->hub, DELIVERED, 1, T));
	assert_int_equal(node_stop(&c->hub), 0);
	copy_store(&c->hub, true);
	assert_int_equal(node_start(&c->hub), 0);
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 2, 2, 2), 0);
	assert_true(wait_db(&c->hub, DELIVERED, 3, T));
	assert_true(wait_db(&c->muni[0], DELIVERED, 3, T));
	assert_int_equal(node_stop(&c->hub), 0);
	copy_store(&c->hub, false);
	assert_int_equal(node_start(&c->hub), 0);

	assert_true(wait_log(&c->hub, "sequences 2 to 3 were never applied here", T));
	assert_true(wait_log(&c->hub, "it expects sequence 4 from us, but we had given only up to 1", T));
	assert_int_equal(log_count(&c->hub, "this store lost messages it once sent"), 1);
	/* A new referral: its ack is the hub's message 4, applied in order. */
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 4, 1, 1), 0);
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM inbox WHERE body_type = 'referral_ack'", 4, T));
	assert_int_equal(db_long(&c->muni[0], "SELECT max(sequence) FROM inbox"), 4);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'skip'"), 2);
	/* famlinkctl status raises it. */
	assert_int_equal(ctl_run(&c->hub, out, sizeof(out), status), 0);
	assert_non_null(strstr(out, "\"sequenceSkips\": 2"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_damaged_row_never_sent, teardown),
		cmocka_unit_test_teardown(test_unreadable_row_set_aside, teardown),
		cmocka_unit_test_teardown(test_hub_restored_from_older_copy, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
