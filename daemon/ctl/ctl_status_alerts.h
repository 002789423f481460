/*
 * ctl_status_alerts — famlinkctl status's part on the alerts raised now
 * (store_alert.h): kind, subject, since when. Read from the store, so it is
 * there whether or not famlinkd runs.
 */
#ifndef FAMLINK_CTL_STATUS_ALERTS_H
#define FAMLINK_CTL_STATUS_ALERTS_H

#include <jansson.h>
#include <stdio.h>

#include "store.h"

/* A JSON array [{"kind", "subject", "sinceMs", "raisedAtMs"}] (empty for a
 * store from before alerts), or NULL with the reason printed. */
json_t *ctl_alerts_json(store_t *store);
/* One line each for the status table; nothing when none is raised. */
void ctl_alerts_print(FILE *out, const json_t *alerts);

#endif
