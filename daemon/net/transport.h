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

#include "config.h"
#include "err.h"

typedef struct transport transport_t;

#define ROUTING_ID_MAX 255

/* One received message. data and len are the Envelope frame, valid until
 * inbound_close(); a short frame lives inside the inbound_t itself, so the
 * struct must stay where transport_recv() filled it (no copies). */
typedef struct inbound {
	const uint8_t *data;         /* the Envelope frame */
	size_t len;
	/* transport.c's own: libzmq's message (a zmq_msg_t, 64 bytes), kept
	 * here rather than allocated so that a receive costs no malloc; a
	 * _Static_assert in transport.c checks that it fits. */
	_Alignas(max_align_t) unsigned char frame[64];
	uint8_t rid[ROUTING_ID_MAX]; /* hub: the sending connection's routing id */
	size_t rid_len;
	char node_id[65];            /* hub: bound by ZAP to the key; municipality: the hub */
	char key[41];                /* hub: the client's public key (z85) */
	bool malformed;              /* wrong number of frames */
	bool foreign_rid;            /* hub: the client chose its routing id */
} inbound_t;

/* What the municipality's monitor reports about its connection to the hub. */
typedef enum transport_event {
	TRANSPORT_EVENT_OTHER,
	TRANSPORT_HANDSHAKE_SUCCEEDED,
	TRANSPORT_HANDSHAKE_REFUSED,   /* the hub's ZAP handler refused our key */
	TRANSPORT_HANDSHAKE_FAILED,    /* any other (a wrong hub key, a protocol error) */
	TRANSPORT_DISCONNECTED,
	TRANSPORT_TCP_CONNECTED,       /* a TCP connection, before any handshake */
	TRANSPORT_CONNECT_RETRIED,     /* libzmq dials again: after a failed TCP connect, or a
	                                * connection that closed */
} transport_event_t;

/* The context every socket lives in (transport's, zap.c's): NULL with err
 * filled if it cannot be made. transport_context_free() waits for the
 * sockets' lingering sends, so close every socket first; it sets *ctx to
 * NULL. */
void *transport_context_new(err_t *err);
void transport_context_free(void **ctx);

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
 * 0 on success; -1 with err filled, err->code an errno: EHOSTUNREACH (peer
 * not connected, hub only), EAGAIN (queue full) or another (a socket
 * error): the message stays queued in the store either way. */
int transport_send(transport_t *t, const uint8_t *rid, size_t rid_len,
    const void *data, size_t len, err_t *err);

/* Reads one monitor event: 1 with *event set, 0 if none. */
int transport_monitor_event(transport_t *t, transport_event_t *event);

/* Municipality: drops the connection to the hub and dials it again. libzmq
 * 4.3 does not reconnect after a failed handshake (a key the hub refused,
 * TRANSPORT_HANDSHAKE_*): the caller re-dials, with its own backoff.
 * Messages queued in ZeroMQ are dropped; the store's outbox still has them.
 * 0, or -1 with err filled. */
int transport_redial(transport_t *t, err_t *err);

/* Hub: closes every session (and binds again at once), so that a key
 * taken out of the allowlist loses the session it has: its next handshake
 * is refused. The others reconnect within a moment and resend from their
 * first unacknowledged message. 0, or -1 with err filled. */
int transport_rebind(transport_t *t, err_t *err);
/* Hub: binds the endpoint transport_rebind() unbound, in up to tries
 * attempts 10 ms apart (transport_rebind() waits up to a second for libzmq
 * to let go of the port). For a retry after transport_rebind() failed: 0,
 * or -1 with err filled. */
int transport_bind_again(transport_t *t, int tries, err_t *err);

#endif
