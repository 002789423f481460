/*
 * monitor_history — the last hour of the node's queue for the dashboard's
 * chart: every 10 s, how many messages wait in the outbox (not yet
 * acknowledged) and how many have been delivered since famlinkd started.
 * Kept in memory by the endpoint (a page opened now shows the hour before
 * it too); lost on restart, like the counters.
 */
#ifndef FAMLINK_MONITOR_HISTORY_H
#define FAMLINK_MONITOR_HISTORY_H

#include <stdint.h>
#include <stdio.h>

#define HISTORY_EVERY_MS 10000
#define HISTORY_LEN 360   /* an hour of them */

typedef struct history_point {
	int64_t at_ms;          /* Unix ms */
	long waiting;           /* queued in the outbox, sent or not */
	uint64_t delivered;     /* acknowledged since famlinkd started */
} history_point_t;

typedef struct monitor_history {
	history_point_t points[HISTORY_LEN];
	int next, n;
} monitor_history_t;

void monitor_history_add(monitor_history_t *h, const history_point_t *p);
/* [{"atMs", "waiting", "delivered"}, …] oldest first. */
void monitor_history_json(FILE *out, const monitor_history_t *h);

#endif
