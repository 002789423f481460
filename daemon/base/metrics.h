/*
 * metrics — the daemon's message counters, kept in memory for the
 * monitoring endpoint's /metrics: messages sent, received and rejected,
 * each by peer, body type and Receipt code; and how long delivery took
 * (from queued to the peer's Receipt), a histogram per peer. An increment is a hash lookup
 * and an add, never I/O, so the message path pays next to nothing. The
 * counts start at 0 with each start of famlinkd (Prometheus's counters
 * may reset; rate() sees the restart). One thread only.
 */
#ifndef FAMLINK_METRICS_H
#define FAMLINK_METRICS_H

#include <stdint.h>

typedef enum metric_kind {
	METRIC_SENT,       /* frames of the outbox handed to the transport */
	METRIC_RECEIVED,   /* messages from a peer accepted into the inbox */
	METRIC_REJECTED,   /* messages from a peer this node answered REJECTED */
	METRIC_KINDS
} metric_kind_t;

typedef struct metrics metrics_t;

/* NULL when out of memory. Free with metrics_free(). */
metrics_t *metrics_new(void);
void metrics_free(metrics_t **m);

/* One more of kind for (peer, body, code); code 0 but for rejections.
 * Strings are copied (cut to 64 bytes). Out of memory, the count is
 * lost, never the message. m NULL: nothing. */
void metrics_count(metrics_t *m, metric_kind_t kind, const char *peer, const char *body,
    int code);

/* fn for every count, in the order each was first seen. */
typedef void metrics_fn(void *ctx, metric_kind_t kind, const char *peer, const char *body,
    int code, uint64_t n);
void metrics_each(const metrics_t *m, metrics_fn *fn, void *ctx);

/* Delivery times (seconds) are counted in these buckets, each up to and
 * including its bound, and in +Inf. */
#define METRICS_BUCKETS 12
extern const double metrics_bucket_bounds[METRICS_BUCKETS];

/* A message to peer was delivered ms after it was queued (its peer's
 * Receipt, ACCEPTED or HANDED_OVER, settled it). m NULL: nothing. */
void metrics_observe_delivery(metrics_t *m, const char *peer, int64_t ms);

/* fn for every peer with deliveries, in the order first seen: in_bucket[i]
 * how many took at most metrics_bucket_bounds[i] and more than the bound
 * before (not cumulative); count all of them, seconds their sum. */
typedef void metrics_histogram_fn(void *ctx, const char *peer,
    const uint64_t in_bucket[METRICS_BUCKETS], uint64_t count, double seconds);
void metrics_each_delivery(const metrics_t *m, metrics_histogram_fn *fn, void *ctx);

/* A received message was handed over by adapter ms after it was received
 * (the hand-over's record of it committed), in the same buckets; and fn for
 * every adapter with hand-overs (its name as the label). m NULL: nothing. */
void metrics_observe_handover(metrics_t *m, const char *adapter, int64_t ms);
void metrics_each_handover(const metrics_t *m, metrics_histogram_fn *fn, void *ctx);

#endif
