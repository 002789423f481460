/*
 * ctl_action — what the operator's actions on stuck messages share
 * (ctl_retry.c, ctl_hold.c, ctl_alarm.c): the Unix user who runs them, the
 * store opened for one transaction, the audit row each action writes
 * (AUDIT_OP, detail "VERB by USER: what"), and the wake that tells a running
 * famlinkd to act on it now.
 */
#ifndef FAMLINK_CTL_ACTION_H
#define FAMLINK_CTL_ACTION_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

/* "alice (uid 1000)", or "uid 1000" when the passwd database does not
 * know the user (getpwuid). */
void ctl_unix_user(char *buf, size_t len);

/* One action's transaction: the store (checked as famlinkd would, then
 * opened for writing) and BEGIN IMMEDIATE. NULL with the reason printed and
 * *rc set to the exit status. */
typedef struct action {
	const config_t *cfg;
	const char *verb;      /* "retry", for messages and the audit */
	store_t *store;
	int64_t now;
	char user[300];
} action_t;

int action_begin(action_t *a, const config_t *cfg, const char *verb);
/* Commits (rolls back on failure) and closes: CTL_OK or CTL_ERROR printed. */
int action_commit(action_t *a);
/* Rolls back and closes. */
void action_abort(action_t *a);

/* The audit row of one action on message_id (NULL: none) to peer: "VERB by
 * USER: what". 0, or -1 with the reason printed. */
int action_audit(action_t *a, const char *message_id, const char *peer, const char *body_type,
    const char *what);

/* True if node_id is a peer the config names (a hub's [peer …], a
 * municipality's hub). */
bool ctl_peer_configured(const config_t *cfg, const char *node_id);

/* retry of one message in a's transaction (ctl_retry.c), for famlinkctl
 * retry and the monitoring endpoint's /api/retry alike: RETRY_DONE with
 * the line of what was done in said and the peer to resend to in peer
 * (the caller wakes famlinkd for it after committing), the audit rows
 * written by a->user; RETRY_UNKNOWN or RETRY_REFUSED with why in said and
 * nothing written; -1 when the store failed (printed). */
#define RETRY_DONE 0
#define RETRY_UNKNOWN 1
#define RETRY_REFUSED 2
int ctl_retry_one(action_t *a, const char *id, char *said, size_t len, char peer[65]);

/* Tells a running famlinkd to resend to peer (NULL: every peer) now
 * (wake_redrive) and says what happens when none runs. */
void action_redrive(const config_t *cfg, const char *peer);

#endif
