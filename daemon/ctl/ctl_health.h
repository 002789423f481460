/*
 * ctl_health — `famlinkctl status --check`: the status as a verdict for
 * Nagios, systemd or cron. Exit 0 healthy, 1 degraded (it works, but
 * something needs a person: a peer away, dead letters, an adapter that
 * fails), 2 failing (no famlinkd runs, its store does not take writes, an
 * adapter stuck past its stuck_after); one line per problem, ids and codes
 * only.
 */
#ifndef FAMLINK_CTL_HEALTH_H
#define FAMLINK_CTL_HEALTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "ctl_links.h"
#include "store_health.h"
#include "store_report.h"

enum { HEALTH_OK = 0, HEALTH_DEGRADED = 1, HEALTH_FAILING = 2 };

/* What status has read, for the verdict. */
typedef struct ctl_status_view {
	const store_health_report_t *store;
	const ctl_links_t *links;
	const peer_report_t *peers;
	size_t npeers;
	long dead;
	const json_t *adapters;   /* ctl_adapters_json()'s array */
	const json_t *alerts;     /* ctl_alerts_json()'s array */
} ctl_status_view_t;

/* Prints the verdict and its problems (as JSON with json) and returns
 * HEALTH_*. config_problems: how many the config file has (read in part). */
int ctl_health(const config_t *cfg, size_t config_problems, const ctl_status_view_t *v,
    bool json);

#endif
