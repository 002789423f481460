/*
 * node_link — a municipality's connection to the hub, as the monitor
 * reports it: a session starts on a good handshake (Hello, then the outbox
 * from its first unanswered message); a failed one is re-dialled with
 * backoff, because libzmq 4.3 does not reconnect after a handshake the
 * hub's ZAP handler refused. Refusals are logged once per change of state
 * and kept in the store for famlinkctl status.
 */
#include <stdlib.h>
#include <sys/random.h>

#include "clock.h"
#include "log.h"
#include "node_internal.h"

/* Re-dialling a hub that failed our handshake: soon at first (a key the pool
 * is adding right now gets in within seconds), then rarely enough that a hub
 * refusing hundreds of stale keys is not kept busy by them. */
#define REDIAL_FIRST_MS 5000
#define REDIAL_MAX_MS 300000

void
node_link_init(struct node *node)
{
	node->redial_delay_ms = REDIAL_FIRST_MS;
}

/* Up to ±10 %: municipalities refused together (a key rotation at the
 * pool) should not all come back in the same second. */
static unsigned
redial_jitter(unsigned ms)
{
	unsigned r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned)rand();
	return ms - ms / 10 + r % (2 * (ms / 10) + 1);
}

/* One re-dial at a time: libzmq may report a failure more than once. */
static void
schedule_redial(struct node *node, const peer_t *hub)
{
	unsigned delay;

	if (node->redial_at_ms != 0)
		return;
	delay = redial_jitter(node->redial_delay_ms);
	node->redial_at_ms = clock_mono_ms() + delay;
	log_debug("dialling %s again in %u ms", hub->st.node_id, delay);
	node->redial_delay_ms = node->redial_delay_ms >= REDIAL_MAX_MS / 2
	    ? REDIAL_MAX_MS : node->redial_delay_ms * 2;
}

void
node_link_redial_due(struct node *node, int64_t now)
{
	peer_t *hub = node->npeers ? &node->peers[0] : NULL;
	err_t err;

	if (hub == NULL || node->redial_at_ms == 0 || now < node->redial_at_ms)
		return;
	node->redial_at_ms = 0;
	node->tcp_connected = false;
	if (transport_redial(node->tp, &err) != 0) {
		log_err("%s; trying again", err.msg);
		schedule_redial(node, hub);
	}
}

/* For famlinkctl status, which reads the store: flushed with the peers. */
static void
set_refused(struct node *node, peer_t *hub, bool refused)
{
	if (refused == (hub->st.refused_since != 0))
		return;
	hub->st.refused_since = refused ? clock_now_ms() : 0;
	hub->dirty = node->peers_dirty = true;
}

/* Logged once per change of state, not per attempt: a municipality waiting
 * for the pool to add its key tries every few minutes for days. redial:
 * libzmq gives up on this connection (a refused or failed handshake it
 * reported), rather than dialling again by itself. */
static void
handshake_failed(struct node *node, peer_t *hub, transport_event_t event, bool redial)
{
	int state = event == TRANSPORT_HANDSHAKE_REFUSED ? LINK_REFUSED : LINK_FAILED;

	node->link_failures++;
	if (state == node->link_state)
		log_debug("handshake with %s failed again (attempt %u)", hub->st.node_id,
		    node->link_failures);
	else if (state == LINK_REFUSED)
		log_err("%s refused our key: is it in the hub's allowlist? Trying again"
		    " after 5 s, doubling up to 5 min", hub->st.node_id);
	else
		log_err("handshake with %s failed: is hub.public_key right? Trying again%s",
		    hub->st.node_id, redial ? " after 5 s, doubling up to 5 min" : "");
	node->link_state = state;
	set_refused(node, hub, state == LINK_REFUSED);
	node_live_set(node, hub, state == LINK_REFUSED ? PEER_REFUSED_BY_HUB
	    : PEER_HANDSHAKE_FAILING);
	if (redial)
		schedule_redial(node, hub);
}

/* A connection closed. One that never finished its handshake, with no
 * failure reported, is a hub that drops our HELLO: a CURVE server cannot
 * read it when we dial it with a wrong hub key. */
static void
connection_closed(struct node *node, peer_t *hub)
{
	if (hub->online)
		log_info("disconnected from %s: messages wait in the outbox", hub->st.node_id);
	hub->online = false;
	hub->st.connected = false;
	hub->dirty = node->peers_dirty = true;
	if (hub->link == PEER_CONNECTED)
		node_live_set(node, hub, PEER_DISCONNECTED);
	else if (node->tcp_connected && hub->link != PEER_REFUSED_BY_HUB)
		handshake_failed(node, hub, TRANSPORT_HANDSHAKE_FAILED, false);
}

/* libzmq dials again. If the dial before got no TCP connection at all, the
 * hub is down or out of reach: not a key problem. */
static void
dialling_again(struct node *node, peer_t *hub)
{
	if (!node->tcp_connected) {
		if (hub->link != PEER_UNREACHABLE)
			log_info("%s unreachable at %s: dialling again", hub->st.node_id,
			    node->cfg->hub_endpoint);
		node_live_set(node, hub, PEER_UNREACHABLE);
	}
	node->tcp_connected = false;
}

static void
handshake_succeeded(struct node *node, peer_t *hub)
{
	if (node->link_failures == 0)
		log_info("connected to %s", hub->st.node_id);
	else if (node->link_state == LINK_REFUSED)
		log_info("connected to %s: it accepted our key after %u attempts",
		    hub->st.node_id, node->link_failures + 1);
	else
		log_info("connected to %s after %u attempts", hub->st.node_id,
		    node->link_failures + 1);
	node->link_state = LINK_UP;
	node->link_failures = 0;
	node->redial_delay_ms = REDIAL_FIRST_MS;
	node->redial_at_ms = 0;
	set_refused(node, hub, false);
	/* A new session: Hello, then the outbox from its first unacknowledged
	 * message, whatever a re-dial dropped from ZeroMQ's queue. */
	outbound_session_start(node, hub);
	outbound_send_hello(node, hub);
}

void
node_link_events(struct node *node)
{
	peer_t *hub = node->npeers ? &node->peers[0] : NULL;
	transport_event_t event;

	/* Any event but these four counts as a failed handshake (the monitor
	 * reports no others today). */
	while (hub && transport_monitor_event(node->tp, &event) == 1) {
		if (event == TRANSPORT_HANDSHAKE_SUCCEEDED)
			handshake_succeeded(node, hub);
		else if (event == TRANSPORT_TCP_CONNECTED)
			node->tcp_connected = true;
		else if (event == TRANSPORT_DISCONNECTED)
			connection_closed(node, hub);
		else if (event == TRANSPORT_CONNECT_RETRIED)
			dialling_again(node, hub);
		else
			handshake_failed(node, hub, event, true);
	}
}

/* A new session now (the store works again after a fault): both sides go
 * back and resend at once, whatever their backoff had grown to. */
void
node_link_restart(struct node *node)
{
	peer_t *hub = node->npeers ? &node->peers[0] : NULL;
	err_t err;

	if (hub == NULL || !hub->online)
		return;   /* the next session starts with a Hello and a resend anyway */
	log_info("starting a new session with %s, so that both sides resend at once",
	    hub->st.node_id);
	if (transport_redial(node->tp, &err) != 0) {
		log_err("%s; trying again", err.msg);
		schedule_redial(node, hub);
	}
}
