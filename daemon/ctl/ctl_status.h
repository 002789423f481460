/*
 * ctl_status — the status document: the store's state as the running
 * famlinkd sees it (and the filesystem under it), each peer's live state
 * and queues, dead letters, the adapters and the alerts raised. Read once,
 * then printed as famlinkctl status's table, as its JSON, or judged by
 * ctl_health; the monitoring endpoint serves the same bytes from the
 * daemon's own store connection.
 */
#ifndef FAMLINK_CTL_STATUS_H
#define FAMLINK_CTL_STATUS_H

#include <jansson.h>
#include <stdio.h>

#include "config.h"
#include "ctl_links.h"
#include "store.h"
#include "store_health.h"
#include "store_report.h"

typedef struct ctl_status {
	store_health_report_t health;
	ctl_links_t links;
	peer_report_t *peers;   /* every configured peer, and any other the store knows */
	size_t npeers;
	long dead, dead_total;  /* dead letters not acknowledged, and all */
	json_t *adapters;       /* ctl_adapters_json() */
	json_t *alerts;         /* ctl_alerts_json() */
} ctl_status_t;

/* Reads it all from store and the runtime directory: 0, or -1 with err
 * (what cannot be read of the adapters and alerts is printed). */
int ctl_status_read(const config_t *cfg, store_t *store, ctl_status_t *st, err_t *err);
void ctl_status_free(ctl_status_t *st);

/* famlinkctl status --json's object (a new reference). */
json_t *ctl_status_json(const config_t *cfg, const ctl_status_t *st, int64_t now);
/* famlinkctl status's table, then the adapters and the alerts. */
void ctl_status_print(FILE *out, const config_t *cfg, const ctl_status_t *st, int64_t now);

#endif
