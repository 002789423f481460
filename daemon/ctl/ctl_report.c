/*
 * ctl_report — `famlinkctl status`: what waits for whom, read from the
 * store while the daemon runs. Ids, types, counts and ages only. A table,
 * or JSON with --json.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "ctl.h"
#include "log.h"
#include "ctl_health.h"
#include "ctl_links.h"
#include "ctl_report_fmt.h"
#include "ctl_status_adapters.h"
#include "ctl_status_alerts.h"
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

static json_t *
peer_json(const peer_report_t *r, const ctl_links_t *links, int64_t now)
{
	int64_t since;
	peer_state_t state = ctl_link_state(links, r, &since);

	return json_pack("{s:s, s:s, s:I, s:b, s:b, s:I, s:I, s:i, s:i, s:I, s:I, s:i, s:i, s:i, s:I}",
	    "nodeId", r->node_id, "state", peer_state_name(state), "sinceMs", (json_int_t)since,
	    "connected", state == PEER_CONNECTED,
	    "configured", r->configured, "lastSeenMs", (json_int_t)r->last_seen,
	    "refusedSinceMs", (json_int_t)r->refused_since,
	    "waiting", (int)r->waiting, "unacknowledged", (int)r->unacked,
	    "oldestUnacknowledgedAgeMs", (json_int_t)(r->oldest_unacked ? now - r->oldest_unacked : 0),
	    "oldestWaitingAgeMs", (json_int_t)(r->oldest_waiting ? now - r->oldest_waiting : 0),
	    "delivered", (int)r->delivered, "deadLetters", (int)r->dead,
	    "sequenceSkips", (int)r->skips, "lastSequenceSkipMs", (json_int_t)r->last_skip);
}

/* The counts famlinkctl ack-alarm leaves out of the status, in its JSON. */
static json_t *
peer_json_totals(const peer_report_t *r, const ctl_links_t *links, int64_t now)
{
	json_t *j = peer_json(r, links, now);

	json_object_set_new(j, "deadLettersTotal", json_integer(r->dead_total));
	json_object_set_new(j, "sequenceSkipsTotal", json_integer(r->skips_total));
	return j;
}

/* What the running famlinkd says of its store (famlinkd.state): the store
 * itself cannot say it is full. A read-only filesystem is seen here too, in
 * case the daemon could not write its state there (runtime_dir on the same
 * disk) or has not tried a write since. */
static store_health_report_t
store_health(const config_t *cfg)
{
	store_health_report_t h;
	err_t err;

	if (store_health_read(cfg->runtime_dir, &h, &err) != 0)
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
	h.read_only_fs = store_dir_read_only(cfg->state_dir);
	if (h.read_only_fs && h.state == STORE_OK) {
		h.state = STORE_READONLY;
		h.since_ms = 0;
	}
	return h;
}

static json_t *
store_health_json(const store_health_report_t *h)
{
	if (h->state == STORE_UNKNOWN)
		return json_pack("{s:s, s:b}", "state", "unknown", "readOnlyFilesystem",
		    h->read_only_fs);
	return json_pack("{s:s, s:I, s:I, s:b}", "state", store_state_name(h->state),
	    "sinceMs", (json_int_t)h->since_ms, "failedAttempts", (json_int_t)h->failures,
	    "readOnlyFilesystem", h->read_only_fs);
}

static void
store_health_line(const config_t *cfg, const store_health_report_t *h)
{
	char t[32];

	if (h->read_only_fs)
		printf("store: read-only since %s: %s is on a read-only filesystem (look at the"
		    " mount: findmnt -T %s, and the kernel log for why)%s\n",
		    report_utc_time(h->since_ms, t, sizeof(t)), cfg->state_dir, cfg->state_dir,
		    h->state == STORE_UNKNOWN ? "; famlinkd is not running" : "");
	else if (h->state == STORE_UNKNOWN)
		printf("store: unknown (famlinkd is not running)\n");
	else if (h->state == STORE_OK)
		printf("store: ok since %s\n", report_utc_time(h->since_ms, t, sizeof(t)));
	else
		printf("store: %s since %s (%lu failed attempts; famlinkd reads no new messages"
		    " meanwhile)\n", store_state_name(h->state), report_utc_time(h->since_ms, t, sizeof(t)),
		    h->failures);
}

static void
status_table(const config_t *cfg, const store_health_report_t *h, const ctl_links_t *links,
    const peer_report_t *rows, size_t n, long dead, int64_t now)
{
	char t[32], s[32], a[32], id[4 * 65];
	int64_t since;

	printf("%s (%s)\n", cfg->node_id, cfg->role == ROLE_HUB ? "hub" : "municipality");
	store_health_line(cfg, h);
	if (!links->running)
		printf("peers: states unknown while famlinkd is not running; the counts are the"
		    " store's\n");
	printf("%-20s %-17s %-21s %-21s %8s %8s %8s %10s %5s\n", "PEER", "STATE", "SINCE",
	    "LAST SEEN", "WAITING", "UNACKED", "OLDEST", "DELIVERED", "DEAD");
	for (size_t i = 0; i < n; i++) {
		const char *state = peer_state_name(ctl_link_state(links, &rows[i], &since));
		printf("%-20s %-17s %-21s %-21s %8ld %8ld %8s %10ld %5ld\n",
		    log_escape(rows[i].node_id, id, sizeof(id)), state, report_utc_time(since, s, sizeof(s)),
		    report_utc_time(rows[i].last_seen, t, sizeof(t)), rows[i].waiting, rows[i].unacked,
		    report_age(rows[i].oldest_unacked ? now - rows[i].oldest_unacked : 0, a, sizeof(a)),
		    rows[i].delivered, rows[i].dead);
	}
	for (size_t i = 0; i < n; i++)
		if (rows[i].skips > 0)
			printf("%s: %ld sequence skip(s), the last at %s: messages lost or set aside"
			    " (see the log and the audit table)\n", log_escape(rows[i].node_id, id,
			    sizeof(id)), rows[i].skips, report_utc_time(rows[i].last_skip, t, sizeof(t)));
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
	ctl_links_t links;
	size_t n = 0;
	long dead, dead_total = 0;
	json_t *adapters = NULL, *alerts = NULL;
	err_t err;

	if (store == NULL)
		return 1;
	ctl_links_read(cfg, health.state != STORE_UNKNOWN, &links);
	if (report_peers(store, cfg, &rows, &n, &err) != 0 ||
	    (dead = store_report_dead_total(store, true, &err)) < 0 ||
	    (dead_total = store_report_dead_total(store, false, &err)) < 0) {
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
		ctl_links_free(&links);
		free(rows);
		store_close(&store);
		return 1;
	}
	if ((adapters = ctl_adapters_json(store, cfg)) == NULL ||
	    (alerts = ctl_alerts_json(store)) == NULL) {
		json_decref(adapters);
		ctl_links_free(&links);
		free(rows);
		store_close(&store);
		return 1;
	}
	if (o->check) {
		ctl_status_view_t view = { .store = &health, .links = &links, .peers = rows,
		    .npeers = n, .dead = dead, .adapters = adapters, .alerts = alerts };
		int verdict = ctl_health(cfg, o->config_problems, &view, o->json);
		json_decref(adapters);
		json_decref(alerts);
		ctl_links_free(&links);
		free(rows);
		store_close(&store);
		return verdict;
	}
	if (o->json) {
		json_t *peers = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(peers, peer_json_totals(&rows[i], &links, now));
		report_print_json(json_pack("{s:s, s:s, s:o, s:o, s:i, s:i, s:o, s:o}", "nodeId",
		    cfg->node_id, "role", cfg->role == ROLE_HUB ? "hub" : "municipality",
		    "store", store_health_json(&health), "peers", peers, "deadLetters", (int)dead,
		    "deadLettersTotal", (int)dead_total, "adapters", adapters, "alerts", alerts));
	} else {
		status_table(cfg, &health, &links, rows, n, dead, now);
		ctl_adapters_print(adapters);
		ctl_alerts_print(alerts);
		json_decref(adapters);
		json_decref(alerts);
	}
	ctl_links_free(&links);
	free(rows);
	store_close(&store);
	return 0;
}
