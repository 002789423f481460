/*
 * store_report — read-only views of a node's store for the operator
 * (famlinkctl status, queue): ids, types, counts and times, never content.
 * Safe while the daemon runs (WAL readers do not block the writer).
 */
#ifndef FAMLINK_STORE_REPORT_H
#define FAMLINK_STORE_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

typedef struct peer_report {
	char node_id[65];
	bool connected;
	int64_t last_seen;        /* Unix ms, 0 = never */
	long waiting;             /* queued, not yet sent in the live session */
	long unacked;             /* sent, no Receipt yet */
	int64_t oldest_unacked;   /* created_at of the oldest message sent and not yet
	                           * answered by a Receipt, 0 = none */
	int64_t oldest_waiting;   /* …of the oldest not yet sent (in the live session) */
	long delivered;
	long dead;                /* dead letters not acknowledged (famlinkctl ack-alarm) */
	long dead_total;          /* …and all of them */
	int64_t refused_since;    /* Unix ms since the hub refuses our key, 0 = not refused */
	bool configured;          /* store_report_peers_with(): named in the config */
	long skips;               /* times a Hello moved a channel past sequences never
	                           * applied or given here (audit 'skip'), not acknowledged */
	long skips_total;         /* …and all of them */
	bool forgotten;           /* famlinkctl peers forget (internal: not listed) */
	int64_t last_skip;        /* Unix ms of the last one, 0 = none */
} peer_report_t;

typedef struct queue_report {
	const char *message_id;
	const char *peer;
	const char *body_type;
	const char *referral_id;
	const char *state;        /* waiting | sent | held | dead */
	uint64_t sequence;
	int64_t created_at;
	const char *reason;       /* dead letters: the peer's reason */
	int code;
} queue_report_t;

/* All peers; caller free()s *out. */
int store_report_peers(store_t *store, peer_report_t **out, size_t *n, err_t *err);
/* The same, and every id in configured too (a peer that never connected
 * has no row yet: it is listed with zeros), flagged configured; by node id. */
int store_report_peers_with(store_t *store, const char *const *configured, size_t nconfigured,
    peer_report_t **out, size_t *n, err_t *err);

/* Counts of dead letters: all, or (open_only) those not acknowledged. */
long store_report_dead_total(store_t *store, bool open_only, err_t *err);

/* Undelivered messages (queued, by peer then sequence), then dead letters; at most
 * limit rows (0 = all). fn's row is borrowed for the call. */
int store_report_queue(store_t *store, int limit,
    void (*fn)(void *ctx, const queue_report_t *row), void *ctx, err_t *err);

#endif
