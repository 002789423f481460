/*
 * zap — the hub's ZAP handler (ZeroMQ Authentication Protocol, RFC 27): a
 * thread answering libzmq's requests on inproc://zeromq.zap.01 against the
 * allowlist of node id → CURVE public key.
 *
 * A CURVE server without a ZAP handler accepts every client, so the hub
 * starts this before it binds and refuses to run if it cannot. An accepted
 * client's User-Id is "NODE_ID KEY": every frame then names the node and the
 * key the handshake proved, and the main thread checks both against the live
 * allowlist, so a key removed or replaced on reload is refused from its next
 * frame on (libzmq cannot drop one peer of a ROUTER).
 */
#ifndef FAMLINK_ZAP_H
#define FAMLINK_ZAP_H

#include <stddef.h>

#include "err.h"

typedef struct zap zap_t;

typedef struct zap_entry {
	const char *node_id;
	const char *public_key;   /* z85, 40 chars */
} zap_entry_t;

/* Binds the handler and starts its thread. NULL (with err) if the endpoint
 * is taken or the thread cannot start. */
zap_t *zap_start(void *zmq_ctx, err_t *err);

/* Replaces the allowlist (entries are copied). Safe while clients connect. */
int zap_set_allowlist(zap_t *zap, const zap_entry_t *entries, size_t n, err_t *err);

/* Counts of accepted and refused handshakes, for status and tests. */
void zap_counts(zap_t *zap, unsigned long *accepted, unsigned long *refused);

void zap_stop(zap_t **zap);

#endif
