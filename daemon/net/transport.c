/* transport — see transport.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "transport.h"

/* inbound_t keeps libzmq's message in its frame bytes. */
_Static_assert(sizeof(zmq_msg_t) <= sizeof(((inbound_t *)0)->frame),
    "zmq_msg_t does not fit in inbound_t.frame");
_Static_assert(_Alignof(zmq_msg_t) <= _Alignof(max_align_t),
    "zmq_msg_t needs more alignment than inbound_t.frame has");

static zmq_msg_t *
frame_msg(inbound_t *in)
{
	return (zmq_msg_t *)(void *)in->frame;
}

struct transport {
	void *sock;
	void *monitor;
	bool is_hub;
	char hub_id[65];
	char endpoint[256];   /* municipality: the hub's, for re-dialling; hub: its own, for re-binding */
};

void *
transport_context_new(err_t *err)
{
	void *ctx = zmq_ctx_new();

	if (ctx == NULL)
		err_set(err, 0, "cannot create a ZeroMQ context");
	return ctx;
}

void
transport_context_free(void **ctx)
{
	if (*ctx == NULL)
		return;
	zmq_ctx_term(*ctx);
	*ctx = NULL;
}

static int
setopt_int(void *sock, int opt, int value)
{
	return zmq_setsockopt(sock, opt, &value, sizeof(value));
}

/* Options both roles share: bounded frames, heartbeats, bounded queues. */
static int
common_options(void *sock, const config_t *cfg)
{
	int64_t max = (int64_t)cfg->max_message_size;

	/* Room for two windows (a go-back resends into a full one) and the
	 * Receipts and Hellos between them; beyond it a send says EAGAIN and
	 * the message waits in the store, not in memory. */
	int sndhwm = cfg->window < 1000000 ? (int)cfg->window * 2 + 1000 : 2001000;

	return zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof(max)) |
	    setopt_int(sock, ZMQ_HEARTBEAT_IVL, (int)cfg->heartbeat_ivl_ms) |
	    setopt_int(sock, ZMQ_HEARTBEAT_TIMEOUT, (int)cfg->heartbeat_timeout_ms) |
	    setopt_int(sock, ZMQ_HEARTBEAT_TTL, (int)cfg->heartbeat_timeout_ms) |
	    setopt_int(sock, ZMQ_SNDHWM, sndhwm) |
	    setopt_int(sock, ZMQ_RCVHWM, 100000) |
	    setopt_int(sock, ZMQ_LINGER, 1000);
}

static transport_t *
fail_open(transport_t *t, err_t *err, const char *what)
{
	err_set(err, zmq_errno(), "%s: %s", what, zmq_strerror(zmq_errno()));
	transport_close(&t);
	return NULL;
}

transport_t *
transport_open_hub(void *ctx, const config_t *cfg, err_t *err)
{
	transport_t *t = calloc(1, sizeof(*t));

	if (t == NULL || (t->sock = zmq_socket(ctx, ZMQ_ROUTER)) == NULL)
		return fail_open(t, err, "ROUTER socket");
	t->is_hub = true;
	if (common_options(t->sock, cfg) != 0 ||
	    setopt_int(t->sock, ZMQ_ROUTER_MANDATORY, 1) != 0 ||
	    setopt_int(t->sock, ZMQ_CURVE_SERVER, 1) != 0 ||
	    zmq_setsockopt(t->sock, ZMQ_CURVE_SECRETKEY, cfg->secret_key, 40) != 0 ||
	    zmq_setsockopt(t->sock, ZMQ_ZAP_DOMAIN, "famlink", 7) != 0)
		return fail_open(t, err, "ROUTER options");
	if (zmq_bind(t->sock, cfg->bind) != 0) {
		err_set(err, zmq_errno(), "cannot bind %s: %s", cfg->bind, zmq_strerror(zmq_errno()));
		transport_close(&t);
		return NULL;
	}
	return t;
}

transport_t *
transport_open_municipality(void *ctx, const config_t *cfg, err_t *err)
{
	transport_t *t = calloc(1, sizeof(*t));
	char endpoint[64];

	if (t == NULL || (t->sock = zmq_socket(ctx, ZMQ_DEALER)) == NULL)
		return fail_open(t, err, "DEALER socket");
	snprintf(t->hub_id, sizeof(t->hub_id), "%s", cfg->hub_id);
	snprintf(t->endpoint, sizeof(t->endpoint), "%s", cfg->hub_endpoint);
	snprintf(endpoint, sizeof(endpoint), "inproc://monitor-%p", (void *)t);
	if (common_options(t->sock, cfg) != 0 ||
	    setopt_int(t->sock, ZMQ_RECONNECT_IVL, 100) != 0 ||
	    setopt_int(t->sock, ZMQ_RECONNECT_IVL_MAX, 5000) != 0 ||
	    zmq_setsockopt(t->sock, ZMQ_CURVE_SERVERKEY, cfg->hub_public_key, 40) != 0 ||
	    zmq_setsockopt(t->sock, ZMQ_CURVE_PUBLICKEY, cfg->public_key, 40) != 0 ||
	    zmq_setsockopt(t->sock, ZMQ_CURVE_SECRETKEY, cfg->secret_key, 40) != 0)
		return fail_open(t, err, "DEALER options");
	if (zmq_socket_monitor(t->sock, endpoint, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
	    ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	    ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_CONNECTED) != 0 ||
	    (t->monitor = zmq_socket(ctx, ZMQ_PAIR)) == NULL ||
	    zmq_connect(t->monitor, endpoint) != 0)
		return fail_open(t, err, "socket monitor");
	if (zmq_connect(t->sock, cfg->hub_endpoint) != 0) {
		err_set(err, zmq_errno(), "cannot connect to %s: %s", cfg->hub_endpoint,
		    zmq_strerror(zmq_errno()));
		transport_close(&t);
		return NULL;
	}
	return t;
}

void
transport_close(transport_t **pt)
{
	transport_t *t = *pt;

	if (t == NULL)
		return;
	if (t->monitor) {
		zmq_socket_monitor(t->sock, NULL, 0);
		setopt_int(t->monitor, ZMQ_LINGER, 0);
		zmq_close(t->monitor);
	}
	if (t->sock)
		zmq_close(t->sock);
	free(t);
	*pt = NULL;
}

void *transport_socket(transport_t *t) { return t->sock; }
void *transport_monitor(transport_t *t) { return t->monitor; }

/* Reads and drops the rest of a multi-frame message. */
static void
drain_frames(void *sock)
{
	zmq_msg_t extra;
	int more = 1;

	while (more) {
		zmq_msg_init(&extra);
		if (zmq_msg_recv(&extra, sock, 0) < 0)
			more = 0;
		else
			more = zmq_msg_more(&extra);
		zmq_msg_close(&extra);
	}
}

/* "NODE_ID KEY" from the ZAP handler. */
static void
split_user_id(inbound_t *in, const char *user_id)
{
	const char *space = user_id ? strchr(user_id, ' ') : NULL;

	if (space == NULL || (size_t)(space - user_id) >= sizeof(in->node_id))
		return;
	memcpy(in->node_id, user_id, (size_t)(space - user_id));
	in->node_id[space - user_id] = '\0';
	snprintf(in->key, sizeof(in->key), "%s", space + 1);
}

static int
recv_hub(transport_t *t, inbound_t *in, err_t *err)
{
	zmq_msg_t rid;

	zmq_msg_init(&rid);
	if (zmq_msg_recv(&rid, t->sock, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&rid);
		if (zmq_errno() == EAGAIN)
			return 0;
		return err_set(err, zmq_errno(), "receive: %s", zmq_strerror(zmq_errno()));
	}
	in->rid_len = zmq_msg_size(&rid) < ROUTING_ID_MAX ? zmq_msg_size(&rid) : ROUTING_ID_MAX;
	memcpy(in->rid, zmq_msg_data(&rid), in->rid_len);
	/* Only ids the ROUTER made itself (5 bytes, a zero byte first: libzmq
	 * refuses that prefix from clients) are unique per connection. A
	 * client-chosen id could be taken over by another client after a
	 * reconnect and receive what was meant for the first. */
	in->foreign_rid = !(in->rid_len == 5 && in->rid[0] == 0);
	zmq_msg_close(&rid);
	/* ROUTER delivers routing id and body together: this cannot block. */
	if (zmq_msg_recv(frame_msg(in), t->sock, 0) < 0)
		return err_set(err, zmq_errno(), "receive body: %s", zmq_strerror(zmq_errno()));
	split_user_id(in, zmq_msg_gets(frame_msg(in), "User-Id"));
	return 1;
}

int
transport_recv(transport_t *t, inbound_t *in, err_t *err)
{
	zmq_msg_t *body = frame_msg(in);
	int rc;

	memset(in, 0, sizeof(*in));
	zmq_msg_init(body);
	if (t->is_hub) {
		rc = recv_hub(t, in, err);
	} else if (zmq_msg_recv(body, t->sock, ZMQ_DONTWAIT) >= 0) {
		snprintf(in->node_id, sizeof(in->node_id), "%s", t->hub_id);
		rc = 1;
	} else {
		rc = zmq_errno() == EAGAIN ? 0
		    : err_set(err, zmq_errno(), "receive: %s", zmq_strerror(zmq_errno()));
	}
	if (rc == 1 && zmq_msg_more(body)) {
		in->malformed = true;
		drain_frames(t->sock);
	}
	if (rc != 1) {
		zmq_msg_close(body);
		return rc;
	}
	in->data = zmq_msg_data(body);
	in->len = zmq_msg_size(body);
	return 1;
}

void
inbound_close(inbound_t *in)
{
	zmq_msg_close(frame_msg(in));
	in->data = NULL;
	in->len = 0;
}

int
transport_send(transport_t *t, const uint8_t *rid, size_t rid_len,
    const void *data, size_t len, err_t *err)
{
	/* After the routing frame the body frame is always accepted. */
	if ((t->is_hub && zmq_send(t->sock, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) ||
	    zmq_send(t->sock, data, len, ZMQ_DONTWAIT) < 0)
		return err_set(err, zmq_errno(), "%s", zmq_strerror(zmq_errno()));
	return 0;
}

/* libzmq's events as transport_event_t: the monitor is asked for these
 * seven only (transport_open_municipality). */
static transport_event_t
event_of(uint16_t ev)
{
	switch (ev) {
	case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
		return TRANSPORT_HANDSHAKE_SUCCEEDED;
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		return TRANSPORT_HANDSHAKE_REFUSED;
	case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
	case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
		return TRANSPORT_HANDSHAKE_FAILED;
	case ZMQ_EVENT_DISCONNECTED:
		return TRANSPORT_DISCONNECTED;
	case ZMQ_EVENT_CONNECT_RETRIED:
		return TRANSPORT_CONNECT_RETRIED;
	case ZMQ_EVENT_CONNECTED:
		return TRANSPORT_TCP_CONNECTED;
	default:
		return TRANSPORT_EVENT_OTHER;
	}
}

int
transport_monitor_event(transport_t *t, transport_event_t *event)
{
	zmq_msg_t msg;
	int got = 0;

	zmq_msg_init(&msg);
	if (t->monitor && zmq_msg_recv(&msg, t->monitor, ZMQ_DONTWAIT) >= 0) {
		if (zmq_msg_size(&msg) >= 2) {
			uint16_t ev;
			memcpy(&ev, zmq_msg_data(&msg), 2);
			*event = event_of(ev);
			got = 1;
		}
		if (zmq_msg_more(&msg))
			drain_frames(t->monitor);
	}
	zmq_msg_close(&msg);
	return got;
}

/* zmq_disconnect() + zmq_connect() rather than a new socket: the socket,
 * its monitor and the poll set stay as they are. A session that ended in
 * a failed handshake has already let go of the endpoint, or not (libzmq
 * versions differ): ENOENT from zmq_disconnect() is no error here. */
int
transport_redial(transport_t *t, err_t *err)
{
	if (t->is_hub)
		return err_set(err, EINVAL, "the hub does not dial");
	if (zmq_disconnect(t->sock, t->endpoint) != 0 && zmq_errno() != ENOENT)
		return err_set(err, zmq_errno(), "disconnect from %s: %s", t->endpoint,
		    zmq_strerror(zmq_errno()));
	if (zmq_connect(t->sock, t->endpoint) != 0)
		return err_set(err, zmq_errno(), "cannot connect to %s: %s", t->endpoint,
		    zmq_strerror(zmq_errno()));
	return 0;
}

/* The listener closes in libzmq's I/O thread, after zmq_unbind() returns:
 * until then the port is taken (EADDRINUSE). Tries 10 ms apart. */
#define REBIND_TRIES 100

/* libzmq has no way to close one peer of a ROUTER; unbinding closes every
 * session the listener accepted (libzmq 4.2 and later). Bound again on the
 * endpoint it had (its real port, should the config say 0). */
int
transport_rebind(transport_t *t, err_t *err)
{
	size_t len = sizeof(t->endpoint);

	if (!t->is_hub)
		return err_set(err, EINVAL, "a municipality does not bind");
	if (zmq_getsockopt(t->sock, ZMQ_LAST_ENDPOINT, t->endpoint, &len) != 0)
		return err_set(err, zmq_errno(), "cannot read the bound endpoint: %s",
		    zmq_strerror(zmq_errno()));
	if (zmq_unbind(t->sock, t->endpoint) != 0)
		return err_set(err, zmq_errno(), "unbind %s: %s", t->endpoint,
		    zmq_strerror(zmq_errno()));
	return transport_bind_again(t, REBIND_TRIES, err);
}

int
transport_bind_again(transport_t *t, int tries, err_t *err)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < tries; i++) {
		if (i > 0)
			nanosleep(&pause, NULL);
		if (zmq_bind(t->sock, t->endpoint) == 0)
			return 0;
		if (zmq_errno() != EADDRINUSE)
			break;
	}
	return err_set(err, zmq_errno(), "cannot bind %s again: %s", t->endpoint,
	    zmq_strerror(zmq_errno()));
}
