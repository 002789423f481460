/*
 * Unit: metrics — counts by labels, kept apart by every label, in the
 * order first seen, through the table's growth; delivery times in their
 * buckets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

typedef struct seen {
	int n;
	uint64_t total;
	char first_peer[65];
	uint64_t of[METRIC_KINDS];
} seen_t;

static void
tally(void *ctx, metric_kind_t kind, const char *peer, const char *body, int code, uint64_t n)
{
	seen_t *s = ctx;

	(void)body, (void)code;
	if (s->n++ == 0)
		snprintf(s->first_peer, sizeof(s->first_peer), "%s", peer);
	s->total += n;
	s->of[kind] += n;
}

typedef struct find {
	metric_kind_t kind;
	const char *peer, *body;
	int code;
	uint64_t n;
} find_t;

static void
find(void *ctx, metric_kind_t kind, const char *peer, const char *body, int code, uint64_t n)
{
	find_t *f = ctx;

	if (kind == f->kind && strcmp(peer, f->peer) == 0 && strcmp(body, f->body) == 0 &&
	    code == f->code)
		f->n = n;
}

static uint64_t
count_of(const metrics_t *m, metric_kind_t kind, const char *peer, const char *body, int code)
{
	find_t f = { kind, peer, body, code, 0 };

	metrics_each(m, find, &f);
	return f.n;
}

static void
test_labels_apart(void **state)
{
	metrics_t *m = metrics_new();

	(void)state;
	assert_non_null(m);
	metrics_count(m, METRIC_RECEIVED, "municipality:0180", "referral", 0);
	metrics_count(m, METRIC_RECEIVED, "municipality:0180", "referral", 0);
	metrics_count(m, METRIC_SENT, "municipality:0180", "referral", 0);
	metrics_count(m, METRIC_REJECTED, "municipality:0180", "referral", 4);
	metrics_count(m, METRIC_REJECTED, "municipality:0180", "referral", 5);
	metrics_count(m, METRIC_RECEIVED, "municipality:0181", "referral", 0);
	assert_int_equal(count_of(m, METRIC_RECEIVED, "municipality:0180", "referral", 0), 2);
	assert_int_equal(count_of(m, METRIC_SENT, "municipality:0180", "referral", 0), 1);
	assert_int_equal(count_of(m, METRIC_REJECTED, "municipality:0180", "referral", 4), 1);
	assert_int_equal(count_of(m, METRIC_REJECTED, "municipality:0180", "referral", 5), 1);
	assert_int_equal(count_of(m, METRIC_RECEIVED, "municipality:0181", "referral", 0), 1);
	metrics_free(&m);
	assert_null(m);
	metrics_free(&m);   /* a second free is a no-op */
	metrics_count(NULL, METRIC_SENT, "x", "y", 0);   /* no counts: nothing */
}

/* Past the first table (32 counts) and twice more: nothing lost. */
static void
test_growth(void **state)
{
	metrics_t *m = metrics_new();
	char peer[65];
	seen_t s = {0};

	(void)state;
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 200; i++) {
			snprintf(peer, sizeof(peer), "municipality:%04d", i);
			metrics_count(m, (metric_kind_t)(i % METRIC_KINDS), peer, "receipt", 0);
		}
	metrics_each(m, tally, &s);
	assert_int_equal(s.n, 200);
	assert_int_equal(s.total, 600);
	assert_string_equal(s.first_peer, "municipality:0000");
	assert_int_equal(s.of[METRIC_SENT], 67 * 3);
	assert_int_equal(count_of(m, METRIC_RECEIVED, "municipality:0199", "receipt", 0), 3);
	metrics_free(&m);
}

typedef struct hist_seen {
	int peers;
	uint64_t in_bucket[METRICS_BUCKETS], count;
	double seconds;
} hist_seen_t;

static void
hist(void *ctx, const char *peer, const uint64_t in_bucket[METRICS_BUCKETS], uint64_t count,
    double seconds)
{
	hist_seen_t *h = ctx;

	h->peers++;
	if (strcmp(peer, "pool:test") != 0)
		return;
	memcpy(h->in_bucket, in_bucket, sizeof(h->in_bucket));
	h->count = count;
	h->seconds = seconds;
}

/* Each time in the first bucket whose bound it does not pass; past the
 * last bound only in the count. */
static void
test_delivery_histogram(void **state)
{
	metrics_t *m = metrics_new();
	hist_seen_t h = {0};

	(void)state;
	metrics_observe_delivery(m, "pool:test", 5);          /* 0.005 s: on the first bound */
	metrics_observe_delivery(m, "pool:test", 6);          /* just past it */
	metrics_observe_delivery(m, "pool:test", 2000);       /* 2 s: up to 5 */
	metrics_observe_delivery(m, "pool:test", 100000000);  /* beyond a day */
	metrics_observe_delivery(m, "municipality:0180", 1);
	metrics_each_delivery(m, hist, &h);
	assert_int_equal(h.peers, 2);
	assert_int_equal(h.count, 4);
	assert_int_equal(h.in_bucket[0], 1);
	assert_int_equal(h.in_bucket[1], 1);
	assert_true(metrics_bucket_bounds[8] == 5);
	assert_int_equal(h.in_bucket[8], 1);
	assert_int_equal(h.in_bucket[0] + h.in_bucket[1] + h.in_bucket[8], 3);
	assert_true(h.seconds > 100002.0 && h.seconds < 100002.02);
	metrics_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels_apart),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_delivery_histogram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
