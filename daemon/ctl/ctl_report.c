/*
 * ctl_report — `famlinkctl status` and `famlinkctl queue`: what waits for
 * whom, read from the store while the daemon runs. Ids, types, counts and
 * ages only. Each prints a table, or JSON with --json.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "ctl.h"
#include "log.h"
#include "ctl_health.h"
#include "ctl_report_fmt.h"
#include "ctl_status_adapters.h"
#include "ctl_status_disk.h"
#include "store.h"
#include "store_identity.h"
#include "store_health.h"
#include "store_report.h"

store_t *
ctl_open_store(const config_t *cfg, bool read_only)
{
	char path[sizeof(cfg->state_dir) + 32];
	err_t err;
	store_t *store;

	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, STORE_FILE);
	if ((store = store_open(path, read_only, &err)) == NULL)
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
	return store;
}

/* "2026-11-23 10:15:02" in UTC, or "-" for 0. */
static const char *
fmt_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0)
		return "-";
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
	return buf;
}

/* The peer's state in words an operator acts on: "never connected" is a
 * municipality that was configured but never got in (or a hub it never
 * reached), "refused by hub" a key the hub's allowlist does not hold. */
static const char *
peer_state(const peer_report_t *r)
{
	if (r->connected)
		return "connected";
	if (r->refused_since != 0)
		return "refused by hub";
	return r->last_seen == 0 ? "never connected" : "disconnected";
}

static json_t *
peer_json(const peer_report_t *r, int64_t now)
{
	return json_pack("{s:s, s:s, s:b, s:b, s:I, s:I, s:i, s:i, s:I, s:I, s:i, s:i, s:i, s:I}",
	    "nodeId", r->node_id, "state", peer_state(r), "connected", r->connected,
	    "configured", r->configured, "lastSeenMs", (json_int_t)r->last_seen,
	    "refusedSinceMs", (json_int_t)r->refused_since,
	    "waiting", (int)r->waiting, "unacknowledged", (int)r->unacked,
	    "oldestUnacknowledgedAgeMs", (json_int_t)(r->oldest_unacked ? now - r->oldest_unacked : 0),
	    "oldestWaitingAgeMs", (json_int_t)(r->oldest_waiting ? now - r->oldest_waiting : 0),
	    "delivered", (int)r->delivered, "deadLetters", (int)r->dead,
	    "sequenceSkips", (int)r->skips, "lastSequenceSkipMs", (json_int_t)r->last_skip);
}

/* What the running famlinkd says of its store (famlinkd.state): the store
 * itself cannot say it is full. */
static store_health_report_t
store_health(const config_t *cfg)
{
	store_health_report_t h;
	err_t err;

	if (store_health_read(cfg->state_dir, &h, &err) != 0)
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
	return h;
}

static json_t *
store_health_json(const store_health_report_t *h)
{
	if (h->state == STORE_UNKNOWN)
		return json_pack("{s:s}", "state", "unknown");
	return json_pack("{s:s, s:I, s:I}", "state", store_state_name(h->state),
	    "sinceMs", (json_int_t)h->since_ms, "failedAttempts", (json_int_t)h->failures);
}

static void
store_health_line(const store_health_report_t *h)
{
	char t[32];

	if (h->state == STORE_UNKNOWN)
		printf("store: unknown (famlinkd is not running)\n");
	else if (h->state == STORE_OK)
		printf("store: ok since %s\n", fmt_time(h->since_ms, t, sizeof(t)));
	else
		printf("store: %s since %s (%lu failed attempts; famlinkd reads no new messages"
		    " meanwhile)\n", store_state_name(h->state), fmt_time(h->since_ms, t, sizeof(t)),
		    h->failures);
}

static void
status_table(const config_t *cfg, const store_health_report_t *h, const peer_report_t *rows,
    size_t n, long dead, int64_t now)
{
	char t[32], s[32], a[32], id[4 * 65];

	printf("%s (%s)\n", cfg->node_id, cfg->role == ROLE_HUB ? "hub" : "municipality");
	store_health_line(h);
	ctl_disk_print(cfg);
	printf("%-20s %-15s %-21s %-21s %8s %8s %8s %10s %5s\n", "PEER", "STATE", "SINCE",
	    "LAST SEEN", "WAITING", "UNACKED", "OLDEST", "DELIVERED", "DEAD");
	for (size_t i = 0; i < n; i++)
		printf("%-20s %-15s %-21s %-21s %8ld %8ld %8s %10ld %5ld\n",
		    log_escape(rows[i].node_id, id, sizeof(id)),
		    peer_state(&rows[i]), fmt_time(rows[i].refused_since, s, sizeof(s)),
		    fmt_time(rows[i].last_seen, t, sizeof(t)), rows[i].waiting, rows[i].unacked,
		    report_age(rows[i].oldest_unacked ? now - rows[i].oldest_unacked : 0, a, sizeof(a)),
		    rows[i].delivered, rows[i].dead);
	for (size_t i = 0; i < n; i++)
		if (rows[i].skips > 0)
			printf("%s: %ld sequence skip(s), the last at %s: messages lost or set aside"
			    " (see the log and the audit table)\n", log_escape(rows[i].node_id, id,
			    sizeof(id)), rows[i].skips, fmt_time(rows[i].last_skip, t, sizeof(t)));
	printf("dead letters: %ld\n", dead);
}

/* Every peer the config names, also those that never connected (no row in
 * the store yet): the hub's [peer …] sections, a municipality's hub. */
static int
report_peers(store_t *store, const config_t *cfg, peer_report_t **rows, size_t *n, err_t *err)
{
	const char **ids = calloc(cfg->npeers + 1, sizeof(*ids));
	size_t nids = 0;
	int rc;

	if (ids == NULL)
		return err_set(err, 0, "out of memory");
	if (cfg->role == ROLE_HUB)
		for (size_t i = 0; i < cfg->npeers; i++)
			ids[nids++] = cfg->peers[i].node_id;
	else
		ids[nids++] = cfg->hub_id;
	rc = store_report_peers_with(store, ids, nids, rows, n, err);
	free(ids);
	return rc;
}

int
ctl_status(const config_t *cfg, const ctl_opts_t *o)
{
	store_t *store = ctl_open_store(cfg, true);
	peer_report_t *rows = NULL;
	int64_t now = clock_now_ms();
	store_health_report_t health = store_health(cfg);
	size_t n = 0;
	long dead;
	json_t *adapters;
	err_t err;

	if (store == NULL)
		return 1;
	if (report_peers(store, cfg, &rows, &n, &err) != 0 ||
	    (dead = store_report_dead_total(store, &err)) < 0) {
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
		free(rows);
		store_close(&store);
		return 1;
	}
	if ((adapters = ctl_adapters_json(store, cfg)) == NULL) {
		free(rows);
		store_close(&store);
		return 1;
	}
	if (o->check) {
		int verdict = ctl_health(cfg, o->config_problems, &health, rows, n, dead, adapters,
		    o->json);
		json_decref(adapters);
		free(rows);
		store_close(&store);
		return verdict;
	}
	if (o->json) {
		json_t *peers = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(peers, peer_json(&rows[i], now));
		report_print_json(json_pack("{s:s, s:s, s:o, s:o, s:o, s:i, s:o}", "nodeId",
		    cfg->node_id, "role", cfg->role == ROLE_HUB ? "hub" : "municipality",
		    "store", store_health_json(&health), "disk", ctl_disk_json(cfg), "peers", peers,
		    "deadLetters", (int)dead, "adapters", adapters));
	} else {
		status_table(cfg, &health, rows, n, dead, now);
		ctl_adapters_print(adapters);
		json_decref(adapters);
	}
	free(rows);
	store_close(&store);
	return 0;
}

typedef struct queue_ctx {
	const ctl_opts_t *o;
	json_t *rows;
	int64_t now;
	int n;
} queue_ctx_t;

static void
queue_row(void *ctx, const queue_report_t *r)
{
	queue_ctx_t *q = ctx;
	char a[32], id[4 * 33], peer[4 * 65], reason[4 * 512];

	q->n++;
	if (q->o->json) {
		/* int64/uint64 are strings in protobuf's JSON mapping; so here too. */
		json_array_append_new(q->rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:i, s:s}",
		    "messageId", r->message_id, "peer", r->peer, "body", r->body_type,
		    "referralId", r->referral_id, "state", r->state,
		    "sequence", json_sprintf("%llu", (unsigned long long)r->sequence),
		    "ageMs", (json_int_t)(q->now - r->created_at), "code", r->code, "reason", r->reason));
		return;
	}
	/* Ids and reasons came from outside once: one line each, whatever they hold. */
	printf("%-26s %-20s %8llu %-18s %-8s %7s %s\n", log_escape(r->message_id, id, sizeof(id)),
	    log_escape(r->peer, peer, sizeof(peer)), (unsigned long long)r->sequence, r->body_type,
	    r->state, report_age(q->now - r->created_at, a, sizeof(a)),
	    r->code ? log_escape(r->reason, reason, sizeof(reason)) : "");
}

int
ctl_queue(const config_t *cfg, const ctl_opts_t *o)
{
	queue_ctx_t q = { .o = o, .rows = json_array(), .now = clock_now_ms() };
	store_t *store = ctl_open_store(cfg, true);
	err_t err;
	int rc = 0;

	if (store == NULL) {
		json_decref(q.rows);
		return 1;
	}
	if (!o->json)
		printf("%-26s %-20s %8s %-18s %-8s %7s %s\n", "MESSAGE", "PEER", "SEQ", "BODY",
		    "STATE", "AGE", "REASON");
	if (store_report_queue(store, o->all ? 0 : 100, queue_row, &q, &err) != 0) {
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
		rc = 1;
	}
	if (o->json)
		report_print_json(q.rows);
	else {
		json_decref(q.rows);
		if (q.n == 0)
			printf("(nothing waiting)\n");
	}
	store_close(&store);
	return rc;
}
