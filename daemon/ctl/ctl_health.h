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
#include "ctl_status.h"
#include "store_health.h"
#include "store_report.h"

enum { HEALTH_OK = 0, HEALTH_DEGRADED = 1, HEALTH_FAILING = 2 };

/* Prints the verdict and its problems to out (as JSON with json) and
 * returns HEALTH_*. config_problems: how many the config file has (read in
 * part). */
int ctl_health(FILE *out, const config_t *cfg, size_t config_problems, const ctl_status_t *st,
    bool json);

#endif
