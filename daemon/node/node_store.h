/*
 * node_store — what a node does when its store fails, for every part of
 * the daemon that writes or reads it (inbound, outbound, the deadline and
 * retention jobs, adapters): report a failure to the store's health
 * (store_health.h), run background work in rounds of one transaction each,
 * and log what a round did only once it has committed. Below the node's
 * other files: it calls none of them.
 */
#ifndef FAMLINK_NODE_STORE_H
#define FAMLINK_NODE_STORE_H

#include "err.h"

struct node;

/* A store call failed (err->code: SQLite's code). Logs by the policy of
 * store_health.h; while the store is broken the loop reads no new frames;
 * a damaged store stops the daemon. */
void node_store_failed(struct node *node, const err_t *err);

/* Background store work (deadlines, retention) in rounds of one
 * transaction each: fn does one round inside it and returns > 0 when
 * another round is wanted, 0 when done, -1 with err on failure (rolled
 * back and reported to the store's health). What a round means to log it
 * hands to node_log_after_commit(): printed once its transaction has
 * committed, dropped if it rolls back, so the log never tells of what did
 * not happen. Nothing runs while the store is broken. 0, or -1. */
typedef int node_store_round_fn(struct node *node, void *ctx, err_t *err);
int node_store_rounds(struct node *node, node_store_round_fn *fn, void *ctx);
void node_log_after_commit(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The same for a read that failed (sending from the outbox): a damaged
 * store stops the daemon, anything else is logged at most once a minute. */
void node_store_read_failed(struct node *node, const err_t *err, const char *what);

#endif
