/*
 * ctl_links — each peer's state for famlinkctl status, as the running
 * famlinkd sees it (link_view.h), not as the store last recorded it: a
 * daemon that is not running has no peer connected, and every state has
 * the instant it began.
 */
#ifndef FAMLINK_CTL_LINKS_H
#define FAMLINK_CTL_LINKS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "link_view.h"
#include "store_report.h"

typedef struct ctl_links {
	bool running;          /* a famlinkd holds the state (store_health's lock) */
	int64_t started_ms;    /* when it started, 0 if unknown */
	link_entry_t *entries;
	size_t n;
} ctl_links_t;

/* Reads RUNTIME_DIR/famlinkd.links when running; a problem reading it is
 * printed, and the states are then unknown. */
void ctl_links_read(const config_t *cfg, bool running, ctl_links_t *l);
void ctl_links_free(ctl_links_t *l);

/* The peer's state and since when (0: not known). */
peer_state_t ctl_link_state(const ctl_links_t *l, const peer_report_t *r, int64_t *since_ms);

#endif
