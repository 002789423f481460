/*
 * node — one famlinkd: store, transport and (for the hub) the ZAP handler,
 * driven by one loop. Each turn receives a batch of frames, applies them in
 * one transaction (group commit), sends the Receipts after the commit, then
 * pumps each peer's outbox and runs the timers (resend, keepalive).
 */
#ifndef FAMLINK_NODE_H
#define FAMLINK_NODE_H

#include <signal.h>

#include "config.h"
#include "err.h"

typedef struct node node_t;

/* Takes ownership of cfg. Opens the store in cfg->state_dir, binds or
 * connects. NULL with err on failure (the caller logs and exits). */
node_t *node_new(config_t *cfg, err_t *err);

/* Runs until *stop is set. A set *reload re-reads the config file (the hub's
 * allowlist and contacts); a broken file leaves the running node as it was. */
#define NODE_STORE_DAMAGED (-5)   /* node_run(): SQLite found the store damaged */
int node_run(node_t *node, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload);

void node_free(node_t **node);

#endif
