/*
 * link_view — the running daemon's view of its links, for famlinkctl status:
 * each peer's state and since when, in RUNTIME_DIR/famlinkd.links.
 *
 * The store cannot carry this: it is what must stay true while the store's
 * disk is read-only or full. The runtime directory is a tmpfs under systemd
 * (RuntimeDirectory=famlink: /run/famlink); without one it is the state
 * directory, where the file is made at full size when the daemon starts and
 * only ever overwritten in place, so that it needs no new blocks later.
 *
 * The writer holds an exclusive lock on the file while it writes, a reader a
 * shared one while it reads: a reader never sees half of a write. Whether
 * the daemon runs at all is store_health's lock (famlinkd.state), not this.
 *
 * The file is text: "famlinkd links v1 started=MS" (when famlinkd started,
 * Unix ms), then one "NODE_ID STATE SINCE_MS" line per peer it has dealt
 * with, then "end", padded with spaces to its size. A configured peer with
 * no line has not been heard from since famlinkd started.
 */
#ifndef FAMLINK_LINK_VIEW_H
#define FAMLINK_LINK_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define LINK_VIEW_FILE "famlinkd.links"

typedef enum peer_state {
	PEER_NEVER_CONNECTED = 0, /* configured, not heard from since famlinkd started */
	PEER_CONNECTED,           /* a session is up */
	PEER_DISCONNECTED,        /* it was up; it closed, or the peer fell silent */
	PEER_REFUSED_BY_HUB,      /* municipality: the hub's ZAP refused our key */
	PEER_HANDSHAKE_FAILING,   /* municipality: the hub answers, the handshake fails (wrong hub key?) */
	PEER_UNREACHABLE,         /* municipality: no TCP connection to the hub's endpoint */
	PEER_UNKNOWN,             /* famlinkctl: no famlinkd runs, or it did not say */
	PEER_STATE_COUNT
} peer_state_t;

typedef struct link_entry {
	char node_id[65];
	peer_state_t state;
	int64_t since_ms;   /* Unix ms: when the state began */
} link_entry_t;

/* "connected", "refused by hub", … (words status prints and JSON carries). */
const char *peer_state_name(peer_state_t s);

typedef struct link_view link_view_t;

/* Makes (or reuses) DIR/famlinkd.links with room for npeers, mode 0600,
 * and writes an empty view. */
int link_view_open(link_view_t **lv, const char *dir, size_t npeers, int64_t started_ms,
    err_t *err);
/* The whole view, written in place (the file grows first if n outgrew it).
 * -1 with err if it could not be written; the view is then stale. */
int link_view_write(link_view_t *lv, int64_t started_ms, const link_entry_t *entries, size_t n,
    err_t *err);
void link_view_close(link_view_t **lv);

/* famlinkctl: the view as the daemon last wrote it. 0 with *out (free())
 * and *started_ms, 1 when there is no file, -1 with err when it is
 * unreadable. */
int link_view_read(const char *dir, int64_t *started_ms, link_entry_t **out, size_t *n,
    err_t *err);

#endif
