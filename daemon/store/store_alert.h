/*
 * store_alert — the alerts that are raised now: one row per (kind, subject)
 * from its onset until it clears. Raising and clearing each queue one
 * notification for the operator in the same transaction, so an alert says
 * so once at its onset and once when it clears, never in between, also
 * across restarts (the row is what remembers). Ids and kinds only.
 */
#ifndef FAMLINK_STORE_ALERT_H
#define FAMLINK_STORE_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_SCHEMA_ALERTS 11   /* the migration that made the alerts table */

#define ALERT_PEER_SILENT "peer_silent"   /* subject: the peer; not connected too long */
#define ALERT_UNDELIVERED "undelivered"   /* subject: the peer; a message unacknowledged too long */
#define ALERT_DISK_LOW    "disk_low"      /* subject: this node; free space below the floor */

typedef struct alert_row {
	char kind[32];
	char subject[65];
	int64_t since;    /* Unix ms: when the condition began (not when it was raised) */
	int64_t raised_at;
} alert_row_t;

/* Raises (kind, subject) unless it is raised: a row and the notification
 * event kind. 1 if it was raised now, 0 if it already was, -1 with err. */
int store_alert_raise(store_t *store, const char *kind, const char *subject, int64_t since,
    int64_t now, err_t *err);
/* Clears it if raised: the row goes and the notification event
 * KIND_cleared is queued. 1 if it was cleared now, 0 if it was not raised,
 * -1 with err. */
int store_alert_clear(store_t *store, const char *kind, const char *subject, int64_t now,
    err_t *err);

/* Every raised alert, oldest first (at most max): how many, or -1 with err. */
int store_alert_list(store_t *store, alert_row_t *rows, int max, err_t *err);

/* A peer's oldest unacknowledged message (queued or sent, not answered):
 * 1 and *created_at (Unix ms), 0 if none, -1 with err. */
int store_alert_oldest_unacked(store_t *store, const char *peer, int64_t *created_at,
    err_t *err);

#endif
