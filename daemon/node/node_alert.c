/*
 * node_alert — alerts in pairs for the operator: a configured peer not
 * connected for longer than [alerts] peer_silent, a message to a peer not
 * acknowledged for longer than [alerts] undelivered, the store's disk below
 * its floor ([node] disk_free_limit, node_disk.h). Each raises one
 * notification at its onset and one when it clears (store_alert.h); an
 * adapter stuck does the same through the hand-over (node_handover.c). A
 * store that takes no writes (full, read-only) cannot queue a notification:
 * that shows in status, the log and /metrics (famlink_store_writable).
 *
 * Looked at every 10 s (more often when a threshold is shorter than 20 s)
 * by reads only; a transaction is opened only when an alert is to be raised
 * or cleared. Nothing while the store is
 * broken: its own state is in status and the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "node_disk.h"
#include "node_internal.h"
#include "store_alert.h"

#define ALERTS_MAX 1024   /* raised at once: two per peer at most */

typedef struct change {
	const char *kind;
	char subject[65];
	int64_t since;   /* 0: clear */
} change_t;

typedef struct round {
	change_t *changes;
	size_t n;
} round_t;

/* Since when the peer has not been connected (0: it is). */
static int64_t
silent_since(struct node *node, const char *id)
{
	for (size_t i = 0; i < node->npeers; i++)
		if (strcmp(node->peers[i].st.node_id, id) == 0)
			return node->peers[i].link == PEER_CONNECTED ? 0 : node->peers[i].link_since;
	return node->started_ms;   /* not heard from since famlinkd started */
}

static bool
is_raised(const alert_row_t *raised, int n, const char *kind, const char *subject)
{
	for (int i = 0; i < n; i++)
		if (strcmp(raised[i].kind, kind) == 0 && strcmp(raised[i].subject, subject) == 0)
			return true;
	return false;
}

/* One alert's wanted state against the raised ones: a change, or none. */
static void
want(round_t *r, const alert_row_t *raised, int n, const char *kind, const char *subject,
    int64_t since)
{
	if ((since != 0) == is_raised(raised, n, kind, subject))
		return;
	r->changes[r->n].kind = kind;
	snprintf(r->changes[r->n].subject, sizeof(r->changes[0].subject), "%s", subject);
	r->changes[r->n++].since = since;
}

/* The peers the config names: the hub's members, a municipality's hub. */
static size_t
configured(const config_t *cfg, const char **ids, size_t max)
{
	size_t n = 0;

	if (cfg->role != ROLE_HUB) {
		ids[n++] = cfg->hub_id;
		return n;
	}
	for (size_t i = 0; i < cfg->npeers && n < max; i++)
		ids[n++] = cfg->peers[i].node_id;
	return n;
}

static int
evaluate(struct node *node, const alert_row_t *raised, int nraised, round_t *r, err_t *err)
{
	const config_t *cfg = node->cfg;
	int64_t now = clock_now_ms(), since, oldest;
	const char *ids[ALERTS_MAX / 2];
	size_t n = configured(cfg, ids, ALERTS_MAX / 2);
	int has;

	for (size_t i = 0; i < n; i++) {
		since = silent_since(node, ids[i]);
		want(r, raised, nraised, ALERT_PEER_SILENT, ids[i],
		    since != 0 && now - since >= cfg->alert_peer_silent_ms ? since : 0);
		if ((has = store_alert_oldest_unacked(node->store, ids[i], &oldest, err)) < 0)
			return -1;
		want(r, raised, nraised, ALERT_UNDELIVERED, ids[i],
		    has && now - oldest >= cfg->alert_undelivered_ms ? oldest : 0);
	}
	want(r, raised, nraised, ALERT_DISK_LOW, cfg->node_id, node_disk_low(node) ? now : 0);
	/* A peer taken out of the config takes its alerts with it. */
	for (int i = 0; i < nraised; i++) {
		bool known = strcmp(raised[i].kind, ALERT_DISK_LOW) == 0;
		for (size_t j = 0; j < n && !known; j++)
			known = strcmp(raised[i].subject, ids[j]) == 0;
		if (!known)
			want(r, raised, nraised, strcmp(raised[i].kind, ALERT_PEER_SILENT) == 0
			    ? ALERT_PEER_SILENT : ALERT_UNDELIVERED, raised[i].subject, 0);
	}
	return 0;
}

static int
apply_round(struct node *node, void *ctx, err_t *err)
{
	round_t *r = ctx;
	int64_t now = clock_now_ms();
	int rc;

	for (size_t i = 0; i < r->n; i++) {
		const change_t *c = &r->changes[i];
		rc = c->since ? store_alert_raise(node->store, c->kind, c->subject, c->since, now, err)
		    : store_alert_clear(node->store, c->kind, c->subject, now, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			node_log_after_commit(c->since ? LOG_WARNING : LOG_NOTICE, "alert %s %s: %s",
			    c->kind, c->since ? "raised" : "cleared", c->subject);
	}
	(void)node;
	return 0;
}

#define ALERT_LOOK_MS 10000

static int64_t
look_every(const config_t *cfg)
{
	unsigned shortest = cfg->alert_peer_silent_ms < cfg->alert_undelivered_ms
	    ? cfg->alert_peer_silent_ms : cfg->alert_undelivered_ms;

	return shortest / 2 < ALERT_LOOK_MS ? shortest / 2 : ALERT_LOOK_MS;
}

void
node_alerts_due(struct node *node, int64_t now_mono)
{
	alert_row_t *raised = NULL;
	change_t *changes = NULL;
	round_t r = {0};
	int nraised;
	err_t err;

	if (store_health_broken(&node->health) ||
	    now_mono - node->alerts_looked_ms < look_every(node->cfg))
		return;
	node->alerts_looked_ms = now_mono;
	raised = calloc(ALERTS_MAX, sizeof(*raised));
	changes = calloc(ALERTS_MAX * 2, sizeof(*changes));
	if (raised == NULL || changes == NULL)
		goto out;
	r.changes = changes;
	if ((nraised = store_alert_list(node->store, raised, ALERTS_MAX, &err)) < 0 ||
	    evaluate(node, raised, nraised, &r, &err) != 0) {
		node_store_read_failed(node, &err, "alerts");
		goto out;
	}
	if (r.n > 0)
		node_store_rounds(node, apply_round, &r);
out:
	free(raised);
	free(changes);
}
