/*
 * ctl_status_adapters — famlinkctl status's part on the adapters that take
 * received messages: how many wait, and for one that fails its failures in
 * a row, since when, its last error (codes and ids) and whether it was
 * notified stuck. Read from the store, so it is there whether or not
 * famlinkd runs.
 */
#ifndef FAMLINK_CTL_STATUS_ADAPTERS_H
#define FAMLINK_CTL_STATUS_ADAPTERS_H

#include <jansson.h>
#include <stdio.h>

#include "config.h"
#include "store.h"

/* A JSON array, one object per configured adapter that has handed over
 * (or tried to), or NULL with the reason printed. */
json_t *ctl_adapters_json(store_t *store, const config_t *cfg);
/* The same as lines for the status table. */
void ctl_adapters_print(FILE *out, const json_t *adapters);

#endif
