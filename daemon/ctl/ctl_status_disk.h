/*
 * ctl_status_disk — the free-space floor as famlinkctl sees it
 * (store_disk.h): status's disk: line and "disk" object, status --check's
 * problem below the floor, and send's refusal. Measured by famlinkctl
 * itself, so it is true whether or not famlinkd runs and whatever the
 * state file says. Without famlinkd's hysteresis: just above the floor,
 * a famlinkd that went below it may still be waiting for a quarter more.
 */
#ifndef FAMLINK_CTL_STATUS_DISK_H
#define FAMLINK_CTL_STATUS_DISK_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

/* {"freeBytes", "floorBytes", "storeBytes", "state": "ok"|"low"|"unknown",
 * "refusing": [...]}, a new reference. */
json_t *ctl_disk_json(const config_t *cfg);
/* "disk: 5.1 MiB free, floor 1.0 MiB, ok" for the status table. */
void ctl_disk_print(FILE *out, const config_t *cfg);
/* Below the floor: what into buf and 1 (degraded); else 0. */
int ctl_disk_problem(const config_t *cfg, char *what, size_t len);
/* send: 0 when bytes of new messages leave the floor free, else -1 with
 * the refusal (free, floor, path) printed. */
int ctl_disk_room_for_send(const config_t *cfg, size_t bytes);

#endif
