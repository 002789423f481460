/* ctl_links — see ctl_links.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_links.h"

void
ctl_links_read(const config_t *cfg, bool running, ctl_links_t *l)
{
	err_t err;
	int rc;

	memset(l, 0, sizeof(*l));
	if (!running)
		return;
	rc = link_view_read(cfg->runtime_dir, &l->started_ms, &l->entries, &l->n, &err);
	if (rc < 0)
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
	l->running = rc == 0;
}

void
ctl_links_free(ctl_links_t *l)
{
	free(l->entries);
	memset(l, 0, sizeof(*l));
}

/* A peer famlinkd has not dealt with since it started has no line: not
 * heard from since then. */
peer_state_t
ctl_link_state(const ctl_links_t *l, const peer_report_t *r, int64_t *since_ms)
{
	*since_ms = 0;
	if (!l->running)
		return PEER_UNKNOWN;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->entries[i].node_id, r->node_id) == 0) {
			*since_ms = l->entries[i].since_ms;
			return l->entries[i].state;
		}
	*since_ms = r->last_seen ? r->last_seen : l->started_ms;
	return r->last_seen ? PEER_DISCONNECTED : PEER_NEVER_CONNECTED;
}
