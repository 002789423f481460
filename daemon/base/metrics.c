/*
 * metrics — see metrics.h. The counts live in an array in the order first
 * seen; an open-addressing table of indexes into it (twice the array's
 * capacity, linear probing) finds one by its labels.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

typedef struct count {
	metric_kind_t kind;
	char peer[65], body[33];
	int code;
	uint64_t n;
} count_t;

/* Times for one peer (deliveries) or one adapter (hand-overs). */
typedef struct histogram {
	char peer[65];
	uint64_t in_bucket[METRICS_BUCKETS];
	uint64_t count;
	double seconds;
} histogram_t;

/* A family of histograms, few: found by a scan from the last one used. */
typedef struct histograms {
	histogram_t *hist;
	size_t n, last;
} histograms_t;

struct metrics {
	count_t *counts;
	size_t n, cap;
	uint32_t *slots;   /* index + 1 into counts; 0 = empty; 2 * cap of them */
	histograms_t delivery, handover;
};

/* From a LAN round trip to a hub that was down for a day. */
const double metrics_bucket_bounds[METRICS_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 60, 600, 86400,
};

metrics_t *
metrics_new(void)
{
	return calloc(1, sizeof(metrics_t));
}

void
metrics_free(metrics_t **m)
{
	if (m == NULL || *m == NULL)
		return;
	free((*m)->counts);
	free((*m)->slots);
	free((*m)->delivery.hist);
	free((*m)->handover.hist);
	free(*m);
	*m = NULL;
}

/* FNV-1a over the labels as kept (cut as a count keeps them). */
static uint32_t
hash(metric_kind_t kind, const char *peer, const char *body, int code)
{
	uint32_t h = 2166136261u ^ (uint32_t)kind ^ ((uint32_t)code << 8);

	for (size_t i = 0; i < 64 && peer[i]; i++)
		h = (h ^ (unsigned char)peer[i]) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (size_t i = 0; i < 32 && body[i]; i++)
		h = (h ^ (unsigned char)body[i]) * 16777619u;
	return h;
}

static bool
same(const count_t *c, metric_kind_t kind, const char *peer, const char *body, int code)
{
	return c->kind == kind && c->code == code && strncmp(c->peer, peer, 64) == 0 &&
	    strncmp(c->body, body, 32) == 0;
}

/* Doubles the room and re-files every count: 0, or -1 out of memory. */
static int
grow(metrics_t *m)
{
	size_t cap = m->cap ? m->cap * 2 : 32;
	count_t *counts = realloc(m->counts, cap * sizeof(*counts));
	uint32_t *slots;

	if (counts == NULL)
		return -1;
	m->counts = counts;
	if ((slots = calloc(cap * 2, sizeof(*slots))) == NULL)
		return -1;
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	for (size_t i = 0; i < m->n; i++) {
		const count_t *c = &counts[i];
		size_t s = hash(c->kind, c->peer, c->body, c->code) % (cap * 2);
		while (slots[s] != 0)
			s = (s + 1) % (cap * 2);
		slots[s] = (uint32_t)i + 1;
	}
	return 0;
}

void
metrics_count(metrics_t *m, metric_kind_t kind, const char *peer, const char *body, int code)
{
	size_t s;
	count_t *c;

	if (m == NULL || (m->n == m->cap && grow(m) != 0))
		return;
	s = hash(kind, peer, body, code) % (m->cap * 2);
	for (; m->slots[s] != 0; s = (s + 1) % (m->cap * 2))
		if (same(&m->counts[m->slots[s] - 1], kind, peer, body, code)) {
			m->counts[m->slots[s] - 1].n++;
			return;
		}
	c = &m->counts[m->n];
	*c = (count_t){ .kind = kind, .code = code, .n = 1 };
	snprintf(c->peer, sizeof(c->peer), "%.64s", peer);
	snprintf(c->body, sizeof(c->body), "%.32s", body);
	m->slots[s] = (uint32_t)++m->n;
}

void
metrics_each(const metrics_t *m, metrics_fn *fn, void *ctx)
{
	for (size_t i = 0; m != NULL && i < m->n; i++)
		fn(ctx, m->counts[i].kind, m->counts[i].peer, m->counts[i].body, m->counts[i].code,
		    m->counts[i].n);
}

/* The histogram of name in set, made if new; NULL when out of memory. */
static histogram_t *
histogram_of(histograms_t *set, const char *name)
{
	histogram_t *grown;

	for (size_t k = 0; k < set->n; k++) {
		size_t i = (set->last + k) % set->n;
		if (strncmp(set->hist[i].peer, name, 64) == 0) {
			set->last = i;
			return &set->hist[i];
		}
	}
	if ((grown = realloc(set->hist, (set->n + 1) * sizeof(*grown))) == NULL)
		return NULL;
	set->hist = grown;
	memset(&grown[set->n], 0, sizeof(*grown));
	snprintf(grown[set->n].peer, sizeof(grown->peer), "%.64s", name);
	set->last = set->n;
	return &set->hist[set->n++];
}

static void
observe(histograms_t *set, const char *name, int64_t ms)
{
	double s = ms > 0 ? (double)ms / 1000.0 : 0.0;
	histogram_t *h;
	size_t b = 0;

	if ((h = histogram_of(set, name)) == NULL)
		return;
	while (b < METRICS_BUCKETS && s > metrics_bucket_bounds[b])
		b++;
	if (b < METRICS_BUCKETS)
		h->in_bucket[b]++;
	h->count++;
	h->seconds += s;
}

static void
each(const histograms_t *set, metrics_histogram_fn *fn, void *ctx)
{
	for (size_t i = 0; i < set->n; i++)
		fn(ctx, set->hist[i].peer, set->hist[i].in_bucket, set->hist[i].count,
		    set->hist[i].seconds);
}

void
metrics_observe_delivery(metrics_t *m, const char *peer, int64_t ms)
{
	if (m != NULL)
		observe(&m->delivery, peer, ms);
}

void
metrics_each_delivery(const metrics_t *m, metrics_histogram_fn *fn, void *ctx)
{
	if (m != NULL)
		each(&m->delivery, fn, ctx);
}

void
metrics_observe_handover(metrics_t *m, const char *adapter, int64_t ms)
{
	if (m != NULL)
		observe(&m->handover, adapter, ms);
}

void
metrics_each_handover(const metrics_t *m, metrics_histogram_fn *fn, void *ctx)
{
	if (m != NULL)
		each(&m->handover, fn, ctx);
}
