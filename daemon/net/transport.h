/*
 * transport — the ZeroMQ sockets: the hub's CURVE-server ROUTER (clients
 * authenticated by zap.c) and a municipality's CURVE-client DEALER. A famlink
 * message is exactly one frame holding a packed Envelope (PROTOCOL.md).
 * transport knows frames and peers' routing ids, never what a message means.
 */
#ifndef FAMLINK_TRANSPORT_H
#define FAMLINK_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "config.h"
#include "err.h"

typedef struct transport transport_t;

#define ROUTING_ID_MAX 255

typedef struct inbound {
	zmq_msg_t body;              /* the Envelope frame */
	uint8_t rid[ROUTING_ID_MAX]; /* hub: the sending connection's routing id */
	size_t rid_len;
	char node_id[65];            /* hub: bound by ZAP to the key; municipality: the hub */
	char key[41];                /* hub: the client's public key (z85) */
	bool malformed;              /* wrong number of frames */
	bool foreign_rid;            /* hub: the client chose its routing id */
} inbound_t;

transport_t *transport_open_hub(void *ctx, const config_t *cfg, err_t *err);
transport_t *transport_open_municipality(void *ctx, const config_t *cfg, err_t *err);
void transport_close(transport_t **t);

void *transport_socket(transport_t *t);
/* The municipality's monitor socket (connection events), NULL for the hub. */
void *transport_monitor(transport_t *t);

/* Receives one message without blocking: 1 and *in filled (release with
 * inbound_close()), 0 if none waits, -1 on a socket error. */
int transport_recv(transport_t *t, inbound_t *in, err_t *err);
void inbound_close(inbound_t *in);

/* Sends one frame without blocking; the hub addresses it by routing id.
 * 0 on success; -1 with errno EHOSTUNREACH (peer not connected, hub only)
 * or EAGAIN (queue full): the message stays queued in the store either way. */
int transport_send(transport_t *t, const uint8_t *rid, size_t rid_len,
    const void *data, size_t len);

/* Reads one monitor event (ZMQ_EVENT_*): 1 with *event set, 0 if none. */
int transport_monitor_event(transport_t *t, int *event);

/* Municipality: drops the connection to the hub and dials it again. libzmq
 * 4.3 does not reconnect after a failed handshake (a key the hub refused,
 * ZMQ_EVENT_HANDSHAKE_FAILED_*): the caller re-dials, with its own backoff.
 * Messages queued in ZeroMQ are dropped; the store's outbox still has them.
 * 0, or -1 with err filled. */
int transport_redial(transport_t *t, err_t *err);

#endif
