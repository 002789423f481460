/*
 * wake — a nudge from famlinkctl (or any local writer) to the running
 * daemon: "I committed new messages to your outbox". A Unix datagram socket
 * in the state directory; the daemon polls it with its ZeroMQ sockets, so a
 * message queued by famlinkctl leaves at once instead of at the next tick.
 * Best effort both ways: without it the daemon still finds new messages by
 * watching the store (store_changed_elsewhere()).
 */
#ifndef FAMLINK_WAKE_H
#define FAMLINK_WAKE_H

#include "err.h"

#define WAKE_FILE "famlinkd.wake"

/* Binds STATE_DIR/famlinkd.wake (replacing a stale one); the fd, or -1. */
int wake_listen(const char *state_dir, err_t *err);
/* Reads every pending nudge; returns how many. */
int wake_drain(int fd);
void wake_close(int *fd, const char *state_dir);

/* Nudges the daemon of state_dir if one listens; never blocks or fails. */
void wake_notify(const char *state_dir);

#endif
