/*
 * Crash safety: kill -9 of the hub, and separately of a municipality, at
 * random moments during a burst, 20 rounds each. Afterwards every message is
 * applied exactly once at its receiver and marked delivered at its sender,
 * and every referral got exactly one ReferralAck.
 *
 * The kill moments are random (seed printed; FAMLINK_SEED repeats a run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"

#define ROUNDS 20
#define PER_ROUND 100         /* referrals per municipality per round */
#define MIN_HITS 4            /* rounds whose kill must land mid-burst */
#define DRAIN_MS 90000

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return cluster_free(&c);
}

static void
pause_random(int max_ms)
{
	int ms = rand() % (max_ms + 1);
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
seed(void)
{
	const char *s = getenv("FAMLINK_SEED");
	unsigned v = s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL);

	fprintf(stderr, "FAMLINK_SEED=%u\n", v);
	srand(v);
}

/* Everything sent is delivered, applied once, and answered once. */
static void
assert_exactly_once(cluster_t *c, long per_muni)
{
	char sql[256];

	for (int i = 0; i < c->nmuni; i++) {
		node_proc_t *m = &c->muni[i];
		assert_true(wait_db(m, "SELECT count(*) FROM outbox WHERE state = 'delivered'", per_muni, DRAIN_MS));
		assert_true(wait_db(m, "SELECT count(*) FROM inbox WHERE body_type = 'referral_ack'", per_muni, DRAIN_MS));
		assert_int_equal(db_long(m, "SELECT count(*) FROM outbox WHERE state <> 'delivered'"), 0);
		assert_int_equal(db_long(m, "SELECT count(*) FROM referrals WHERE state = 'acknowledged'"), per_muni);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM inbox WHERE sender = '%s'", m->id);
		assert_int_equal(db_long(&c->hub, sql), per_muni);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM referrals WHERE owner = '%s'", m->id);
		assert_int_equal(db_long(&c->hub, sql), per_muni);
	}
	/* One ack per referral at the hub, all delivered; one 'in' audit row per message. */
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM outbox WHERE state = 'delivered'",
	    per_muni * c->nmuni, DRAIN_MS));
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM outbox"), per_muni * c->nmuni);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'in'"), per_muni * c->nmuni);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'reject'"), 0);
	for (int i = 0; i < c->nmuni; i++)
		assert_int_equal(db_long(&c->muni[i], "SELECT count(*) FROM audit WHERE event = 'in'"), per_muni);
}

/* True if the kill is about to land while messages are still in flight. */
static bool
mid_burst(cluster_t *c)
{
	for (int i = 0; i < c->nmuni; i++)
		if (db_long(&c->muni[i], "SELECT count(*) FROM outbox WHERE state = 'queued'") > 0)
			return true;
	return false;
}

/* ROUNDS bursts at every municipality, each cut short by kill -9 of
 * victim at a random moment and a restart; then the exactly-once checks. */
static void
kill_during_bursts(cluster_t *c, node_proc_t *victim)
{
	int hits = 0;

	seed();
	assert_int_equal(cluster_start(c), 0);
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < c->nmuni; i++)
			assert_int_equal(enqueue_referrals(&c->muni[i], "r", r * PER_ROUND + 1, PER_ROUND,
			    PER_ROUND), 0);
		pause_random(8);
		hits += mid_burst(c);
		node_kill9(victim);
		assert_int_equal(node_start(victim), 0);
	}
	fprintf(stderr, "%d of %d kills landed mid-burst\n", hits, ROUNDS);
	assert_true(hits >= MIN_HITS);
	assert_exactly_once(c, ROUNDS * PER_ROUND);
	assert_int_equal(node_stop(victim), 0);
}

static void
test_kill_hub(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);

	kill_during_bursts(c, &c->hub);
}

static void
test_kill_municipality(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);

	kill_during_bursts(c, &c->muni[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kill_hub, teardown),
		cmocka_unit_test_teardown(test_kill_municipality, teardown),
	};
	return cmocka_run_group_tests_name("crash", tests, NULL, NULL);
}
