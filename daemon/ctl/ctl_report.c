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
#include "ctl_report_fmt.h"
#include "ctl_status.h"
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

int
ctl_status(const config_t *cfg, const ctl_opts_t *o)
{
	store_t *store = ctl_open_store(cfg, true);
	ctl_status_t st;
	err_t err;
	int rc = 0;

	if (store == NULL)
		return 1;
	if (ctl_status_read(cfg, store, &st, &err) != 0) {
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
		store_close(&store);
		return 1;
	}
	if (o->check)
		rc = ctl_health(stdout, cfg, o->config_problems, &st, o->json);
	else if (o->json)
		report_print_json(ctl_status_json(cfg, &st, clock_now_ms()));
	else
		ctl_status_print(stdout, cfg, &st, clock_now_ms());
	ctl_status_free(&st);
	store_close(&store);
	return rc;
}
