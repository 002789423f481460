/* ctl_status — see ctl_status.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_report_fmt.h"
#include "ctl_status.h"
#include "ctl_status_adapters.h"
#include "ctl_status_alerts.h"
#include "ctl_status_disk.h"
#include "log.h"

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
store_health_line(FILE *out, const config_t *cfg, const store_health_report_t *h)
{
	char t[32];

	if (h->read_only_fs)
		fprintf(out, "store: read-only since %s: %s is on a read-only filesystem (look at the"
		    " mount: findmnt -T %s, and the kernel log for why)%s\n",
		    report_utc_time(h->since_ms, t, sizeof(t)), cfg->state_dir, cfg->state_dir,
		    h->state == STORE_UNKNOWN ? "; famlinkd is not running" : "");
	else if (h->state == STORE_UNKNOWN)
		fprintf(out, "store: unknown (famlinkd is not running)\n");
	else if (h->state == STORE_OK)
		fprintf(out, "store: ok since %s\n", report_utc_time(h->since_ms, t, sizeof(t)));
	else
		fprintf(out, "store: %s since %s (%lu failed attempts; famlinkd reads no new messages"
		    " meanwhile)\n", store_state_name(h->state), report_utc_time(h->since_ms, t, sizeof(t)),
		    h->failures);
}

static void
status_table(FILE *out, const config_t *cfg, const store_health_report_t *h,
    const ctl_links_t *links, const peer_report_t *rows, size_t n, long dead, int64_t now)
{
	char t[32], s[32], a[32], id[4 * 65];
	int64_t since;

	fprintf(out, "%s (%s)\n", cfg->node_id, cfg->role == ROLE_HUB ? "hub" : "municipality");
	store_health_line(out, cfg, h);
	ctl_disk_print(out, cfg);
	if (!links->running)
		fprintf(out, "peers: states unknown while famlinkd is not running; the counts are the"
		    " store's\n");
	fprintf(out, "%-20s %-17s %-21s %-21s %8s %8s %8s %10s %5s\n", "PEER", "STATE", "SINCE",
	    "LAST SEEN", "WAITING", "UNACKED", "OLDEST", "DELIVERED", "DEAD");
	for (size_t i = 0; i < n; i++) {
		const char *state = peer_state_name(ctl_link_state(links, &rows[i], &since));
		fprintf(out, "%-20s %-17s %-21s %-21s %8ld %8ld %8s %10ld %5ld\n",
		    log_escape(rows[i].node_id, id, sizeof(id)), state, report_utc_time(since, s, sizeof(s)),
		    report_utc_time(rows[i].last_seen, t, sizeof(t)), rows[i].waiting, rows[i].unacked,
		    report_age(rows[i].oldest_unacked ? now - rows[i].oldest_unacked : 0, a, sizeof(a)),
		    rows[i].delivered, rows[i].dead);
	}
	for (size_t i = 0; i < n; i++)
		if (rows[i].skips > 0)
			fprintf(out, "%s: %ld sequence skip(s), the last at %s: messages lost or set aside"
			    " (see the log and the audit table)\n", log_escape(rows[i].node_id, id,
			    sizeof(id)), rows[i].skips, report_utc_time(rows[i].last_skip, t, sizeof(t)));
	fprintf(out, "dead letters: %ld\n", dead);
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
ctl_status_read(const config_t *cfg, store_t *store, ctl_status_t *st, err_t *err)
{
	memset(st, 0, sizeof(*st));
	st->health = store_health(cfg);
	ctl_links_read(cfg, st->health.state != STORE_UNKNOWN, &st->links);
	if (report_peers(store, cfg, &st->peers, &st->npeers, err) != 0 ||
	    (st->dead = store_report_dead_total(store, true, err)) < 0 ||
	    (st->dead_total = store_report_dead_total(store, false, err)) < 0) {
		ctl_status_free(st);
		return -1;
	}
	if ((st->adapters = ctl_adapters_json(store, cfg)) == NULL ||
	    (st->alerts = ctl_alerts_json(store)) == NULL) {
		ctl_status_free(st);
		return err_set(err, 0, "adapters or alerts cannot be read");
	}
	return 0;
}

void
ctl_status_free(ctl_status_t *st)
{
	json_decref(st->adapters);
	json_decref(st->alerts);
	ctl_links_free(&st->links);
	free(st->peers);
	memset(st, 0, sizeof(*st));
}

json_t *
ctl_status_json(const config_t *cfg, const ctl_status_t *st, int64_t now)
{
	json_t *peers = json_array();

	for (size_t i = 0; i < st->npeers; i++)
		json_array_append_new(peers, peer_json_totals(&st->peers[i], &st->links, now));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:i, s:i, s:O, s:O}", "nodeId", cfg->node_id,
	    "role", cfg->role == ROLE_HUB ? "hub" : "municipality",
	    "store", store_health_json(&st->health), "disk", ctl_disk_json(cfg), "peers", peers,
	    "deadLetters", (int)st->dead,
	    "deadLettersTotal", (int)st->dead_total, "adapters", st->adapters, "alerts", st->alerts);
}

void
ctl_status_print(FILE *out, const config_t *cfg, const ctl_status_t *st, int64_t now)
{
	status_table(out, cfg, &st->health, &st->links, st->peers, st->npeers, st->dead, now);
	ctl_adapters_print(out, st->adapters);
	ctl_alerts_print(out, st->alerts);
}
