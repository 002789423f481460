/*
 * wake — a nudge from famlinkctl (or any local writer) to the running
 * daemon: "I committed new messages to your outbox". A Unix datagram socket
 * in the runtime directory; the daemon polls it with its ZeroMQ sockets, so a
 * message queued by famlinkctl leaves at once instead of at the next tick.
 * Best effort both ways: without it the daemon still finds new messages by
 * watching the store (store_changed_elsewhere()).
 * The same socket carries famlinkctl log-level's request ("L" and the
 * syslog priority's digit), which is not best effort: the sender learns
 * whether a daemon listens. famlinkctl's actions on stuck messages (retry,
 * discard, release, …) send "R": resend now what waits unanswered, and
 * tell each peer with a Hello what was set aside. Only the service user can
 * reach the socket (the runtime directory is 0700).
 */
#ifndef FAMLINK_WAKE_H
#define FAMLINK_WAKE_H

#include <stdbool.h>

#include "err.h"

#define WAKE_FILE "famlinkd.wake"

/* Binds RUNTIME_DIR/famlinkd.wake (replacing a stale one); the fd, or -1. */
int wake_listen(const char *runtime_dir, err_t *err);
/* The resends asked for since the last drain: of every peer (all), or of
 * these (at most WAKE_REDRIVE_MAX; more make it all). */
#define WAKE_REDRIVE_MAX 16
typedef struct wake_redrive {
	bool all;
	int n;
	char peers[WAKE_REDRIVE_MAX][65];
} wake_redrive_t;

/* Reads every pending datagram; returns how many. *log_level: the last log
 * level asked for (LOG_ERR to LOG_DEBUG), or -1 if none was; *redrive: the
 * resends asked for (none: !all and n 0). */
int wake_drain(int fd, int *log_level, wake_redrive_t *redrive);
void wake_close(int *fd, const char *runtime_dir);

/* Nudges the daemon of runtime_dir if one listens; never blocks or fails. */
void wake_notify(const char *runtime_dir);
/* Asks the daemon of runtime_dir to resend what waits unanswered for peer
 * (NULL: every peer) now, after a Hello: true if a daemon listens (it
 * will), false if none does (it resends when it starts). */
bool wake_redrive(const char *runtime_dir, const char *peer);
/* Asks the daemon of runtime_dir to log at priority (LOG_ERR to LOG_DEBUG)
 * from now on. 0 once the request is in its socket; -1 with err filled
 * otherwise: err->code ENOENT or ECONNREFUSED when no daemon listens,
 * EACCES when this user may not reach it, EAGAIN when it has a full queue. */
int wake_log_level(const char *runtime_dir, int priority, err_t *err);

#endif
