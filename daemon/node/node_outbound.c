/*
 * outbound — sending: each peer's outbox in sequence order within a window
 * of unanswered messages, Receipts after each committed batch, Hellos at the
 * start of a session, and go-back-N resends with capped exponential backoff
 * and jitter when a peer stops answering. Nothing here decides that a
 * message is delivered except a Receipt (outbound_settle).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"
#include "envelope.h"
#include "log.h"
#include "node_disk.h"
#include "node_internal.h"
#include "store_handover.h"
#include "store_audit.h"
#include "wake.h"

#define LEVEL(x) FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_##x
#define RECEIPT_CHUNK 2000   /* most entries per Receipt envelope */
#define RECEIPT_ENTRY_MAX 640 /* bytes one entry can take on the wire */
/* What may wait in ZeroMQ for one peer: go-back cannot take back what is
 * already queued there, so each resend adds to it. */
#define FLIGHT_BYTES_MAX (64u << 20)

static void
mark_offline(struct node *node, peer_t *peer)
{
	if (peer->online)
		log_info("%s disconnected: its messages wait in the outbox", peer->st.node_id);
	peer->online = false;
	peer->st.connected = false;
	peer->dirty = true;
	node->peers_dirty = true;
	node_live_set(node, peer, PEER_DISCONNECTED);
}

/* Sends one packed envelope; on failure says why and marks the peer. */
static int
send_frame(struct node *node, peer_t *peer, const void *data, size_t len)
{
	err_t err;

	if (transport_send(node->tp, peer->rid, peer->rid_len, data, len, &err) == 0)
		return 0;
	if (err.code == EHOSTUNREACH)
		mark_offline(node, peer);
	else if (err.code != EAGAIN)
		log_err("send to %s: %s", peer->st.node_id, err.msg);
	return -1;
}

typedef struct pump {
	struct node *node;
	peer_t *peer;
	int sent;
	bool blocked;
	bool held;                          /* stopped at a held message */
	char damaged[MESSAGE_ID_LEN + 7];   /* a row whose checksum failed */
} pump_t;

static int
pump_row(void *ctx, const outbox_row_t *row)
{
	pump_t *p = ctx;

	if (row->damaged) {
		snprintf(p->damaged, sizeof(p->damaged), "%s",
		    row->message_id && row->message_id[0] ? row->message_id : "?");
		return 1;
	}
	/* Nothing behind a held message goes either: its receiver would
	 * drop them past the gap (PROTOCOL.md §7.2). */
	if (row->held) {
		p->held = true;
		return 1;
	}
	if (send_frame(p->node, p->peer, row->envelope, row->len) != 0) {
		p->blocked = true;
		return 1;
	}
	if (p->peer->inflight++ == 0)
		p->peer->progress_ms = clock_mono_ms();
	p->peer->inflight_bytes += row->len;
	p->peer->st.sent_up_to = row->sequence;
	p->peer->dirty = p->node->peers_dirty = true;
	p->sent++;
	metrics_count(p->node->metrics, METRIC_SENT, p->peer->st.node_id, row->body_type, 0);
	return 0;
}

/* A stored message whose checksum no longer matches is never sent: it goes
 * to the dead letters in a transaction of its own, and a Hello tells the
 * peer that its sequence will not come, so the channel goes on. */
static int
dead_letter_damaged(struct node *node, peer_t *peer, const char *message_id)
{
	static const char why[] = "the stored copy is damaged (checksum mismatch): not sent;"
	    " restore the store from a backup to recover it";
	uint64_t seq = 0;
	err_t err = { .msg = "its row cannot be found by its id" };
	int rc = -1;

	if (store_begin(node->store, &err) != 0 ||
	    (rc = store_mark_dead(node->store, peer->st.node_id, message_id,
	    FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED, why, clock_now_ms(), &seq, &err)) != 1 ||
	    store_commit(node->store, &err) != 0) {
		store_rollback(node->store);
		log_err("store: cannot set aside damaged message %s to %s: %s", message_id,
		    peer->st.node_id, err.msg);
		if (rc != 0)   /* the store failed: its health decides when to try again */
			node_store_failed(node, &err);
		return -1;
	}
	log_err("message %s to %s: its stored copy is damaged (checksum mismatch): dead letter,"
	    " not sent", message_id, peer->st.node_id);
	outbound_send_hello(node, peer);
	peer->set_aside = true;   /* again at the next go-back, once earlier ones settle */
	return 0;
}

void
outbound_pump(struct node *node, peer_t *peer)
{
	unsigned window = node->cfg->window;
	err_t err;

	while (peer->online && peer->maybe_queued && peer->inflight < window &&
	    peer->inflight_bytes < FLIGHT_BYTES_MAX) {
		pump_t p = { .node = node, .peer = peer };
		int room = (int)(window - peer->inflight);
		if (store_outbox_scan(node->store, peer->st.node_id, peer->st.sent_up_to, room,
		    pump_row, &p, &err) < 0) {
			node_store_read_failed(node, &err, "reading the outbox");
			return;
		}
		if (p.damaged[0] != '\0') {
			/* Sending stops at a row that cannot be set aside (not
			 * tried while the store takes no writes). */
			if (store_health_broken(&node->health))
				return;
			if (dead_letter_damaged(node, peer, p.damaged) != 0) {
				/* Not again on every turn of the loop: at the next
				 * message queued, or when the store works again. */
				peer->maybe_queued = false;
				return;
			}
			continue;
		}
		if (p.held) {   /* until famlinkctl release wakes us */
			peer->maybe_queued = false;
			return;
		}
		if (p.blocked || peer->inflight_bytes >= FLIGHT_BYTES_MAX)
			return;
		if (p.sent < room)
			peer->maybe_queued = false;
	}
}

void
outbound_pump_all(struct node *node)
{
	for (size_t i = 0; i < node->npeers; i++)
		outbound_pump(node, &node->peers[i]);
}

/* Resend from the first unanswered message: the receiver drops what it
 * already has (answering it again) and applies the rest in order. */
static void
go_back(struct node *node, peer_t *peer)
{
	peer->st.sent_up_to = 0;
	peer->hello_sent_up_to = 0;   /* all in flight now goes after any Hello sent */
	peer->inflight = 0;
	peer->inflight_bytes = 0;
	peer->maybe_queued = true;
	peer->progress_ms = clock_mono_ms();
	peer->dirty = node->peers_dirty = true;
}

void
outbound_session_start(struct node *node, peer_t *peer)
{
	peer->online = true;
	peer->st.connected = true;
	peer->dirty = true;
	node->peers_dirty = true;
	node_live_set(node, peer, PEER_CONNECTED);
	peer->backoff_ms = node->cfg->resend_initial_ms;
	peer->handover_untold = true;
	/* A HANDED_OVER Receipt is never resent: one sent after the peer
	 * was last heard from (less the time a silent peer takes to be
	 * noticed) may have gone nowhere, so it is told again. */
	if (peer->st.last_seen > 0) {
		int64_t since = peer->st.last_seen - node->cfg->heartbeat_timeout_ms;
		peer->handover_retell = since > 1 ? since : 1;
	}
	go_back(node, peer);
}

/* The hub answers a Hello within one batch: one that comes later than this
 * after our last is one it sent unasked. */
#define HELLO_ANSWER_MS 3000

/* The hub sends a Hello to answer ours, and unasked when its store works
 * again (PROTOCOL.md §7.3): it has dropped what it could not store, and
 * waiting for our backoff (up to resend_max) would hold it all up for
 * nothing. So: an unasked Hello resends what waits unanswered now. An
 * answer does so only if the hub still expects a message we sent before
 * the Hello it answers: the hub handles frames in order, so that message
 * was lost. Either way the backoff starts again. */
void
outbound_hello_received(struct node *node, peer_t *peer, uint64_t next_expected)
{
	int64_t now = clock_mono_ms();
	uint64_t first = next_expected != 0 ? next_expected
	    : peer->st.sent_up_to + 1 - (peer->inflight < peer->st.sent_up_to
	    ? peer->inflight : peer->st.sent_up_to);
	bool answer = peer->hello_sent_ms != 0 && now - peer->hello_sent_ms < HELLO_ANSWER_MS;

	if (peer->inflight == 0 || (answer && first > peer->hello_sent_up_to))
		return;
	log_info("%s %s: resending %u unanswered messages from sequence %llu now",
	    peer->st.node_id, answer ? "has not applied what we sent before our Hello"
	    : "greeted us unasked (its store works again)", peer->inflight,
	    (unsigned long long)first);
	peer->backoff_ms = node->cfg->resend_initial_ms;
	go_back(node, peer);
}

/* Whether which names peer (or every peer). */
static bool
redrive_names(const wake_redrive_t *which, const peer_t *peer)
{
	for (int i = 0; !which->all && i < which->n; i++)
		if (strcmp(which->peers[i], peer->st.node_id) == 0)
			return true;
	return which->all;
}

/* Only the peers asked for: a Hello nobody asked for makes a municipality
 * resend its whole window. */
void
outbound_redrive(struct node *node, const wake_redrive_t *which)
{
	int online = 0;

	for (size_t i = 0; i < node->npeers; i++) {
		peer_t *peer = &node->peers[i];
		if (!redrive_names(which, peer))
			continue;
		peer->backoff_ms = node->cfg->resend_initial_ms;
		peer->set_aside = true;
		if (!peer->online)
			continue;
		log_notice("%s: famlinkctl asked for a resend: %u unanswered messages resent now",
		    peer->st.node_id, peer->inflight);
		go_back(node, peer);
		outbound_send_hello(node, peer);
		peer->set_aside = false;
		online++;
	}
	if (online == 0)
		log_notice("famlinkctl asked for a resend: %s not connected; sent its messages"
		    " when it connects", which->all ? "no peer is" : which->n == 1 ? which->peers[0]
		    : "those peers are");
}

void
outbound_store_recovered(struct node *node)
{
	for (size_t i = 0; i < node->npeers; i++) {
		peer_t *peer = &node->peers[i];
		if (!peer->online)
			continue;
		peer->backoff_ms = node->cfg->resend_initial_ms;
		go_back(node, peer);
		outbound_send_hello(node, peer);
	}
}

/* Up to ±20 % so that many peers' resends do not fall into step. */
static unsigned
jitter(unsigned ms)
{
	unsigned r = 0;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (unsigned)rand();
	return ms - ms / 5 + (ms ? r % (2 * (ms / 5) + 1) : 0);
}

void
outbound_keepalive_due(struct node *node, int64_t now)
{
	if (node->cfg->role == ROLE_HUB || now - node->last_keepalive_ms < node->cfg->keepalive_ms)
		return;
	for (size_t i = 0; i < node->npeers; i++)
		if (node->peers[i].online)
			outbound_send_hello(node, &node->peers[i]);
	node->last_keepalive_ms = now;
}

void
outbound_resend_due(struct node *node, int64_t now)
{
	for (size_t i = 0; i < node->npeers; i++) {
		peer_t *peer = &node->peers[i];
		if (!peer->online || peer->inflight == 0 || now - peer->progress_ms < peer->backoff_ms)
			continue;
		log_info("%s: %u messages unanswered for %u ms, resending from the first",
		    peer->st.node_id, peer->inflight, peer->backoff_ms);
		/* A Hello first if messages were set aside here since the last
		 * go-back (dead letters): the peer learns to skip their sequences
		 * instead of waiting. Not otherwise: a Hello nobody asked for makes
		 * a municipality resend its whole window. */
		if (peer->set_aside) {
			outbound_send_hello(node, peer);
			peer->set_aside = false;
		}
		go_back(node, peer);
		peer->backoff_ms = jitter(peer->backoff_ms * 2 < node->cfg->resend_max_ms
		    ? peer->backoff_ms * 2 : node->cfg->resend_max_ms);
	}
}

/* Packs and sends an unsequenced envelope (Receipt, Hello). */
static void
send_control(struct node *node, peer_t *peer, Famlink__V1__Envelope *env)
{
	uint8_t *buf;
	size_t len;
	err_t err;

	if ((buf = envelope_pack(env, &len, &err)) == NULL) {
		log_err("%s", err.msg);
		return;
	}
	send_frame(node, peer, buf, len);
	free(buf);
}

static void
send_receipt_chunk(struct node *node, peer_t *peer, receipt_item_t *items, size_t n)
{
	Famlink__V1__ReceiptEntry entries[RECEIPT_CHUNK], *ptrs[RECEIPT_CHUNK];
	Famlink__V1__Receipt receipt = FAMLINK__V1__RECEIPT__INIT;
	Famlink__V1__Envelope env;
	char id[MESSAGE_ID_LEN + 1];

	for (size_t i = 0; i < n; i++) {
		famlink__v1__receipt_entry__init(&entries[i]);
		entries[i].message_id = items[i].message_id;
		entries[i].level = items[i].level;
		entries[i].code = items[i].code;
		entries[i].reason = items[i].reason;
		ptrs[i] = &entries[i];
	}
	receipt.n_entries = n;
	receipt.entries = ptrs;
	envelope_init(&env, id, node->cfg->node_id, peer->st.node_id);
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_RECEIPT;
	env.receipt = &receipt;
	send_control(node, peer, &env);
}

/* After COMMIT. A Receipt lost here is harmless: the sender resends and
 * gets the same answer. */
void
outbound_send_receipts(struct node *node)
{
	/* A Receipt must fit the peer's max_message_size (the same as ours). */
	size_t fit = node->cfg->max_message_size > 2 * RECEIPT_ENTRY_MAX
	    ? node->cfg->max_message_size / RECEIPT_ENTRY_MAX - 1 : 1;
	size_t chunk = fit < RECEIPT_CHUNK ? fit : RECEIPT_CHUNK;

	for (size_t i = 0; i < node->npeers; i++) {
		peer_t *peer = &node->peers[i];
		for (size_t at = 0; at < peer->nreceipts; at += chunk) {
			size_t n = peer->nreceipts - at;
			send_receipt_chunk(node, peer, peer->receipts + at, n < chunk ? n : chunk);
		}
		peer->nreceipts = 0;
		if (peer->hello_due) {
			outbound_send_hello(node, peer);
			peer->hello_due = false;
		}
	}
}

void
outbound_drop_receipts(struct node *node)
{
	for (size_t i = 0; i < node->npeers; i++) {
		node->peers[i].nreceipts = 0;
		node->peers[i].hello_due = false;
	}
}

void
outbound_send_hello(struct node *node, peer_t *peer)
{
	Famlink__V1__Hello hello = FAMLINK__V1__HELLO__INIT;
	Famlink__V1__Envelope env;
	char id[MESSAGE_ID_LEN + 1];
	uint64_t first = 0;
	err_t err;

	if (store_first_unacked(node->store, peer->st.node_id, &first, &err) != 0)
		node_store_read_failed(node, &err, "reading the outbox for a Hello");
	hello.node_id = node->cfg->node_id;
	hello.first_unacked_sequence = first;
	hello.next_expected_sequence = peer->st.next_in_seq;
	hello.software = "famlinkd/" FAMLINK_VERSION;
	envelope_init(&env, id, node->cfg->node_id, peer->st.node_id);
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	send_control(node, peer, &env);
	if (node->cfg->role != ROLE_HUB) {   /* the hub answers each (§5) */
		peer->hello_sent_ms = clock_mono_ms();
		peer->hello_sent_up_to = peer->st.sent_up_to;
	}
}

/* A Receipt entry for one of our messages, inside the batch transaction. */
int
outbound_settle(struct node *node, peer_t *peer, const char *message_id, int level,
    int code, const char *reason, int64_t now, err_t *err)
{
	uint64_t seq = 0;
	int64_t created = 0;
	int rc;

	if (level != LEVEL(ACCEPTED) && level != LEVEL(REJECTED) && level != LEVEL(HANDED_OVER)) {
		log_warning("receipt from %s for %s has level %d: ignored", peer->st.node_id,
		    message_id, level);
		return 0;
	}
	if (level == LEVEL(REJECTED)) {
		rc = store_mark_dead(node->store, peer->st.node_id, message_id, code,
		    reason ? reason : "", now, &seq, err);
		if (rc == 1)
			log_warning("message %s to %s rejected, code %d: dead letter",
			    message_id, peer->st.node_id, code);
		else if (rc == 0)
			log_notice("%s refused %s, which is not waiting here (settled before,"
			    " or a Hello or Receipt of ours), code %d", peer->st.node_id,
			    envelope_id_ok(message_id) ? message_id : "(an unreadable id)", code);
	} else {
		rc = store_mark_delivered(node->store, peer->st.node_id, message_id, now, &seq,
		    &created, err);
		if (rc == 1) {
			node_disk_charge(node, peer->inflight ? peer->inflight_bytes / peer->inflight : 0);
			log_debug("message %s to %s delivered", message_id, peer->st.node_id);
			metrics_observe_delivery(node->metrics, peer->st.node_id, now - created);
			rc = store_audit(node->store, now, AUDIT_DELIVERED, message_id,
			    peer->st.node_id, NULL, 0, NULL, err) == 0 ? 1 : -1;
		}
		/* The receiver's adapter has it: whether or not the ACCEPTED
		 * Receipt came first (it may have been lost). */
		if (rc >= 0 && level == LEVEL(HANDED_OVER) &&
		    store_outbox_handed_over(node->store, peer->st.node_id, message_id, now, err) != 0)
			rc = -1;
	}
	if (rc == 1 && seq <= peer->st.sent_up_to && peer->inflight > 0) {
		/* Sizes are not kept per message: take the average; exact again
		 * whenever the window empties. */
		peer->inflight_bytes -= peer->inflight_bytes / peer->inflight;
		peer->progress_ms = clock_mono_ms();
		if (--peer->inflight == 0) {
			peer->inflight_bytes = 0;
			/* Only a drained window shows the link keeps up; on a slow
			 * link each go-back doubles the delay until it does. */
			peer->backoff_ms = node->cfg->resend_initial_ms;
		}
	}
	return rc;
}
