/*
 * inbound — one batch of received frames, applied in one transaction.
 *
 * For each frame: who sent it (the node ZAP bound to the key, never what the
 * envelope claims), is it a famlink Envelope, have we seen it (answer the
 * original receipt again), is it next in its channel (a gap waits for the
 * sender's resend), is it valid and allowed (routine.c). An accepted message
 * is stored in the inbox with its effects inside a savepoint; a rejected one
 * stores nothing but an audit row. The Receipts go out only after COMMIT, so
 * a Receipt never promises what a crash could still undo.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "envelope.h"
#include "log.h"
#include "node_disk.h"
#include "node_internal.h"
#include "routine.h"
#include "store_audit.h"
#include "validate.h"
#include "wire.h"

#define CODE(x) FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_##x
#define LEVEL(x) FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_##x
#define UNREADABLE_MAX 3   /* "cannot read it" answers before a message is set aside */

typedef struct batch {
	struct node *node;
	int64_t now;
	bool failed;       /* the store failed: roll the whole batch back */
	err_t err;         /* the first store error, for node_store_failed() */
} batch_t;

/* A store call failed: the whole batch is rolled back. What failed is
 * logged once for the batch by node_store_failed() (store_health.h), not
 * once per message: a full disk fails every one of them. */
static void
store_failed(batch_t *b, const err_t *err)
{
	if (!b->failed || b->err.msg[0] == '\0')
		b->err = *err;
	b->failed = true;
	log_debug("store: %s", err->msg);
}

/* Answers a message with REJECTED, audits it, logs ids and the code. */
static void
reject(batch_t *b, peer_t *peer, const Famlink__V1__Envelope *env, int code, const char *why)
{
	const char *id = env && env->message_id ? env->message_id : "";
	const char *body = env ? envelope_body_name(env) : "frame";
	err_t err;

	log_warning("message %s (%s) from %s rejected, code %d: %s",
	    id[0] ? id : "-", body, peer->st.node_id, code, why);
	metrics_count(b->node->metrics, METRIC_REJECTED, peer->st.node_id, body, code);
	if (store_audit(b->node->store, b->now, AUDIT_REJECT, id[0] ? id : NULL,
	    peer->st.node_id, body, code, why, &err) != 0 ||
	    (id[0] && store_rejection_put(b->node->store, id, peer->st.node_id, code, why,
	    b->now, &err) != 0)) {
		store_failed(b, &err);
	}
	node_peer_add_receipt(peer, id, LEVEL(REJECTED), code, why);
}

/* Hub only: the key must still be in the live allowlist under that node. */
static bool
authorised(struct node *node, const inbound_t *in)
{
	const peer_conf_t *pc;

	if (node->cfg->role != ROLE_HUB)
		return true;
	pc = in->node_id[0] ? config_find_peer(node->cfg, in->node_id) : NULL;
	return pc != NULL && strcmp(pc->public_key, in->key) == 0;
}

/* The sender's own envelope fields must match what transport proved. */
static int
check_addressing(struct node *node, const Famlink__V1__Envelope *env, const char *from,
    char *why, size_t len)
{
	if (env->sender == NULL || strcmp(env->sender, from) != 0) {
		snprintf(why, len, "envelope names sender %s, but the key belongs to %s",
		    validate_node_id(env->sender ? env->sender : "") ? env->sender : "(not a node id)",
		    from);
		return CODE(SENDER_MISMATCH);
	}
	if (env->recipient == NULL || strcmp(env->recipient, node->cfg->node_id) != 0) {
		snprintf(why, len, "recipient is not %s", node->cfg->node_id);
		return CODE(WRONG_RECIPIENT);
	}
	return 0;
}

/* Validation, then the routine and the inbox in a savepoint. */
static void
apply(batch_t *b, peer_t *peer, const Famlink__V1__Envelope *env, const inbound_t *in)
{
	store_t *store = b->node->store;
	char why[sizeof(((err_t *)0)->msg)];
	err_t err = {0};
	int code, rc;

	if ((code = check_addressing(b->node, env, peer->st.node_id, why, sizeof(why))) != 0) {
		reject(b, peer, env, code, why);
		return;
	}
	if (validate_envelope(env, &err) != 0) {
		reject(b, peer, env, err.code ? err.code : CODE(INVALID), err.msg);
		return;
	}
	if (store_savepoint(store, &err) != 0) {
		store_failed(b, &err);
		return;
	}
	rc = routine_receive(store, b->node->cfg, env, peer->st.node_id, b->now, &err);
	if (rc == ROUTINE_OK)
		rc = store_inbox_put(store, env, in->data, in->len, b->now, &err) == 0
		    ? ROUTINE_OK : ROUTINE_STORE;
	if (rc == ROUTINE_OK && store_release(store, &err) == 0) {
		log_debug("message %s (%s) from %s accepted", env->message_id,
		    envelope_body_name(env), peer->st.node_id);
		node_peer_add_receipt(peer, env->message_id, LEVEL(ACCEPTED), 0, NULL);
		metrics_count(b->node->metrics, METRIC_RECEIVED, peer->st.node_id,
		    envelope_body_name(env), 0);
		peer->maybe_queued = true;   /* the routine answers the sender only */
		return;
	}
	store_rollback_savepoint(store);
	if (rc == ROUTINE_REFUSED) {
		reject(b, peer, env, err.code, err.msg);
		return;
	}
	log_debug("store: message %s from %s not applied: %s", env->message_id,
	    peer->st.node_id, err.msg);
	store_failed(b, &err);
}

/* protobuf-c ends a C string at its first NUL byte and keeps the low bits
 * of a number too big for its field, so the decoded message can hide what
 * the frame holds. The wire check reads the frame itself (any conforming
 * encoding passes); why names the field when it fails. */
static bool
wire_ok(const inbound_t *in, char *why, size_t len)
{
	err_t err;

	if (wire_check(&famlink__v1__envelope__descriptor, in->data, in->len, &err) == 0)
		return true;
	snprintf(why, len, "%s", err.msg);
	return false;
}

/* A resend of a message we rejected gets the same answer, not a second
 * judgement that the state may since have changed. */
static bool
answer_again(batch_t *b, peer_t *peer, const char *message_id)
{
	char reason[sizeof(((receipt_item_t *)0)->reason)];
	err_t err;
	int code, rc;

	rc = store_rejection_get(b->node->store, message_id, peer->st.node_id, &code, reason,
	    sizeof(reason), &err);
	if (rc < 0) {
		store_failed(b, &err);
		return true;
	}
	if (rc == 1) {
		log_debug("message %s from %s was rejected before: same answer", message_id,
		    peer->st.node_id);
		node_peer_add_receipt(peer, message_id, LEVEL(REJECTED), code, reason);
	}
	return rc == 1;
}

/* Settled before any check: a message id we have answered before gets the
 * same answer (ACCEPTED for one in the inbox). True if it was one. */
static bool
answered_before(batch_t *b, peer_t *peer, const Famlink__V1__Envelope *env, int *seen)
{
	err_t err;

	if ((*seen = store_inbox_has(b->node->store, env->message_id, peer->st.node_id, &err)) < 0) {
		store_failed(b, &err);
		return true;
	}
	if (*seen == 1) {
		log_debug("message %s from %s is a duplicate", env->message_id, peer->st.node_id);
		node_peer_add_receipt(peer, env->message_id, LEVEL(ACCEPTED), 0, NULL);
		return true;
	}
	return answer_again(b, peer, env->message_id);
}

/* A sequenced message: duplicate, gap, or next in its channel. Whatever
 * answer a message at the expected sequence gets (accepted, rejected, or
 * the earlier answer to a duplicate id sent under a new number), it moves
 * the channel on: the sender has been answered for that number and will
 * not send it again. */
static void
handle_message(batch_t *b, peer_t *peer, const Famlink__V1__Envelope *env, const inbound_t *in)
{
	char why[sizeof(((err_t *)0)->msg)];
	int seen;

	if (!envelope_id_ok(env->message_id)) {
		reject(b, peer, NULL, CODE(MALFORMED), "message id missing, too long or not a ULID");
		return;
	}
	if (!answered_before(b, peer, env, &seen)) {
		if (env->sequence > peer->st.next_in_seq) {
			log_debug("message %s from %s: sequence %llu, expected %llu: waiting for the gap",
			    env->message_id, peer->st.node_id, (unsigned long long)env->sequence,
			    (unsigned long long)peer->st.next_in_seq);
			return;
		}
		if (!node_disk_admit(b->node, in->len)) {
			log_debug("message %s from %s: below the disk floor: left for its resend",
			    env->message_id, peer->st.node_id);
			return;   /* unanswered: the channel waits, as for a gap */
		}
		if (!wire_ok(in, why, sizeof(why)))
			reject(b, peer, env, CODE(MALFORMED), why);
		else if (seen == 2)
			reject(b, peer, env, CODE(INVALID), "message id already used by another node");
		else
			apply(b, peer, env, in);
	}
	if (!b->failed && env->sequence == peer->st.next_in_seq) {
		peer->st.next_in_seq++;
		peer->dirty = true;
	}
}

/* The peer could not read a frame of ours, so it could not say which. It
 * could not read its sequence either, so its next expected one did not
 * move: the frame is our first unanswered message. After UNREADABLE_MAX
 * such answers while that message stays first, it goes to the dead letters
 * and a Hello moves the peer past it, instead of the window being resent
 * for ever behind it. */
static void
note_unreadable(batch_t *b, peer_t *peer, int code)
{
	char id[MESSAGE_ID_LEN + 7], why[160];
	uint64_t first = 0, seq;
	err_t err;
	int rc;

	if (store_first_unacked(b->node->store, peer->st.node_id, &first, &err) != 0) {
		store_failed(b, &err);
		return;
	}
	if (first != peer->unreadable_seq) {
		peer->unreadable_seq = first;
		peer->unreadable = 0;
	}
	log_warning("%s could not read a frame of ours (code %d); sequence %llu waits first",
	    peer->st.node_id, code, (unsigned long long)first);
	if (++peer->unreadable < UNREADABLE_MAX)
		return;
	if ((rc = store_outbox_queued_id(b->node->store, peer->st.node_id, first, id, sizeof(id),
	    &err)) != 1) {
		if (rc < 0)
			store_failed(b, &err);
		return;
	}
	snprintf(why, sizeof(why), "%s could not read it %u times (answered code %d with no"
	    " message id): not resent", peer->st.node_id, peer->unreadable, code);
	if (store_mark_dead(b->node->store, peer->st.node_id, id, code, why, b->now, &seq,
	    &err) < 0) {
		store_failed(b, &err);
		return;
	}
	log_err("message %s to %s: the peer could not read it %u times: dead letter",
	    id, peer->st.node_id, peer->unreadable);
	peer->unreadable = 0;
	peer->hello_due = true;   /* after the commit: the peer skips the sequence */
	peer->set_aside = true;
}

static void
handle_receipt(batch_t *b, peer_t *peer, const Famlink__V1__Receipt *r)
{
	err_t err;

	for (size_t i = 0; i < r->n_entries && !b->failed; i++) {
		const Famlink__V1__ReceiptEntry *e = r->entries[i];
		if (e->message_id == NULL || e->message_id[0] == '\0') {
			note_unreadable(b, peer, e->code);
			continue;
		}
		if (outbound_settle(b->node, peer, e->message_id, e->level, e->code,
		    e->reason, b->now, &err) < 0) {
			store_failed(b, &err);
		}
	}
}

/* The peer expects a sequence from us that we never gave: our store lost
 * or rolled back its outbox (a restore from an old backup, a replaced
 * store). What was lost cannot be resent from here; say so loudly, and
 * number new messages after what the peer has, so they are applied in
 * order rather than as stragglers. */
static void
check_peer_expects(batch_t *b, peer_t *peer, uint64_t expected)
{
	char detail[128];
	uint64_t was = 0;
	err_t err;
	int rc;

	if ((rc = store_raise_next_out_seq(b->node->store, peer->st.node_id, expected, &was,
	    &err)) < 0) {
		store_failed(b, &err);
		return;
	}
	if (rc == 0)
		return;
	snprintf(detail, sizeof(detail), "it expects sequence %llu from us, but we had given"
	    " only up to %llu", (unsigned long long)expected, (unsigned long long)was - 1);
	log_err("%s: %s: this store lost messages it once sent (restored or replaced?);"
	    " new messages continue from %llu", peer->st.node_id, detail,
	    (unsigned long long)expected);
	if (store_audit(b->node->store, b->now, AUDIT_SKIP, NULL, peer->st.node_id, NULL, 0,
	    detail, &err) != 0) {
		store_failed(b, &err);
	}
}

/* A peer's session greeting. Its first unanswered sequence above the one
 * we expect means sequences we never applied will never come: the peer set
 * them aside (dead letters: damaged, unreadable) or one of the two stores
 * lost or rolled back traffic (a restore from an old backup). Either way the
 * channel must go on, so it jumps, but never quietly: an error line, an
 * audit row that `famlinkctl status` shows. A value no real channel reaches
 * (2^62) is ignored rather than trusted. */
static void
handle_hello(batch_t *b, peer_t *peer, const Famlink__V1__Hello *h)
{
	char detail[128];
	err_t err;

	if (h->first_unacked_sequence > peer->st.next_in_seq &&
	    h->first_unacked_sequence < (UINT64_C(1) << 62)) {
		snprintf(detail, sizeof(detail), "sequences %llu to %llu were never applied here",
		    (unsigned long long)peer->st.next_in_seq,
		    (unsigned long long)h->first_unacked_sequence - 1);
		log_err("%s says it has settled up to sequence %llu, but %s: skipping them (its"
		    " dead letters, or a lost or restored store on either side)", peer->st.node_id,
		    (unsigned long long)h->first_unacked_sequence - 1, detail);
		if (store_audit(b->node->store, b->now, AUDIT_SKIP, NULL, peer->st.node_id, NULL, 0,
		    detail, &err) != 0) {
			store_failed(b, &err);
			return;
		}
		peer->st.next_in_seq = h->first_unacked_sequence;
		peer->dirty = true;
	}
	if (h->next_expected_sequence != 0 && h->next_expected_sequence < (UINT64_C(1) << 62))
		check_peer_expects(b, peer, h->next_expected_sequence);
	if (b->node->cfg->role == ROLE_HUB)
		peer->hello_due = true;
	else
		outbound_hello_received(b->node, peer, h->next_expected_sequence);
}

/* The hub learns where a node is from its authenticated frames. A new
 * session starts while last_seen still says when the last one was last
 * heard from (outbound_session_start() reads it). */
static void
track_session(batch_t *b, peer_t *peer, const inbound_t *in)
{
	peer->dirty = true;
	if (b->node->cfg->role == ROLE_HUB && (!peer->online || peer->rid_len != in->rid_len ||
	    memcmp(peer->rid, in->rid, in->rid_len) != 0)) {
		memcpy(peer->rid, in->rid, in->rid_len);
		peer->rid_len = in->rid_len;
		memcpy(peer->key, in->key, sizeof(peer->key));
		log_info("%s connected", peer->st.node_id);
		outbound_session_start(b->node, peer);
	}
	peer->st.last_seen = b->now;
	peer->heard_mono = clock_mono_ms();
}

/* Whether refusing this control frame with a Receipt could start a loop:
 * it is itself a Receipt of refusals only, refused for its addressing or
 * schema version. Two nodes whose ids or versions do not match (a hub.id
 * that is not the hub's node id) refuse each other's Receipts for the
 * same reason every time, so answering would never end; such a Receipt is
 * logged and audited only. Other refusals of a Receipt are answered. */
static bool
answer_would_loop(const Famlink__V1__Envelope *env, int code)
{
	const Famlink__V1__Receipt *r = env->body_case == FAMLINK__V1__ENVELOPE__BODY_RECEIPT
	    ? env->receipt : NULL;

	if (code != CODE(SENDER_MISMATCH) && code != CODE(WRONG_RECIPIENT) &&
	    code != CODE(UNSUPPORTED_VERSION))
		return false;
	if (r == NULL || r->n_entries == 0)
		return false;
	for (size_t i = 0; i < r->n_entries; i++)
		if (r->entries[i] == NULL || r->entries[i]->level != LEVEL(REJECTED))
			return false;
	return true;
}

/* A Receipt or Hello we cannot use is answered with one REJECTED entry
 * naming it (empty id if its id is unreadable), so that its sender learns
 * why instead of resending for ever; one whose answer could loop is logged
 * and audited but not answered (answer_would_loop). */
static void
refuse_control(batch_t *b, peer_t *peer, const Famlink__V1__Envelope *env, int code,
    const char *why)
{
	const char *id = envelope_id_ok(env->message_id) ? env->message_id : NULL;
	err_t err;

	log_warning("%s %s from %s refused, code %d: %s", envelope_body_name(env),
	    id ? id : "-", peer->st.node_id, code, why);
	if (store_audit(b->node->store, b->now, AUDIT_REJECT, id, peer->st.node_id,
	    envelope_body_name(env), code, why, &err) != 0) {
		store_failed(b, &err);
	}
	if (!answer_would_loop(env, code))
		node_peer_add_receipt(peer, id ? id : "", LEVEL(REJECTED), code, why);
}

static void
handle_control(batch_t *b, peer_t *peer, const Famlink__V1__Envelope *env, const inbound_t *in)
{
	char why[sizeof(((err_t *)0)->msg)];
	err_t err = {0};
	int code = 0;

	if (!wire_ok(in, why, sizeof(why)))
		code = CODE(MALFORMED);
	else if ((code = check_addressing(b->node, env, peer->st.node_id, why, sizeof(why))) == 0 &&
	    validate_envelope(env, &err) != 0) {
		code = err.code ? err.code : CODE(INVALID);
		snprintf(why, sizeof(why), "%s", err.msg);
	}
	if (code != 0)
		refuse_control(b, peer, env, code, why);
	else if (env->body_case == FAMLINK__V1__ENVELOPE__BODY_RECEIPT)
		handle_receipt(b, peer, env->receipt);
	else
		handle_hello(b, peer, env->hello);
}

static void
handle_frame(batch_t *b, inbound_t *in)
{
	Famlink__V1__Envelope *env;
	peer_t *peer;
	err_t err;

	if (!authorised(b->node, in)) {
		node_refused(b->node, in->node_id, "its key is not in the allowlist (any more)");
		return;
	}
	if (in->foreign_rid) {
		node_refused(b->node, in->node_id, "it set its own ZMQ_ROUTING_ID (not allowed)");
		return;
	}
	if ((peer = node_peer(b->node, in->node_id, &err)) == NULL) {
		err_prefix(&err, "peer %s", in->node_id);
		store_failed(b, &err);
		return;
	}
	track_session(b, peer, in);
	if (in->malformed) {
		reject(b, peer, NULL, CODE(MALFORMED), "a famlink message is exactly one frame");
		return;
	}
	env = envelope_unpack(in->data, in->len, &err);
	if (env == NULL) {
		reject(b, peer, NULL, CODE(MALFORMED), err.msg);
		return;
	}
	if (env->body_case == FAMLINK__V1__ENVELOPE__BODY_RECEIPT ||
	    env->body_case == FAMLINK__V1__ENVELOPE__BODY_HELLO)
		handle_control(b, peer, env, in);
	else
		handle_message(b, peer, env, in);
	envelope_free(&env);
}

static void
flush_peers(batch_t *b)
{
	err_t err;

	for (size_t i = 0; i < b->node->npeers && !b->failed; i++) {
		peer_t *p = &b->node->peers[i];
		if (p->dirty && store_peer_save(b->node->store, &p->st, &err) != 0) {
			store_failed(b, &err);
		}
	}
}

int
inbound_batch(struct node *node)
{
	batch_t b = { .node = node, .now = clock_now_ms() };
	inbound_t in;
	err_t err;
	int n = 0, rc = 0;

	node_disk_poll(node);
	if (store_begin(node->store, &err) != 0) {
		node_store_failed(node, &err);   /* nothing read: nothing lost */
		return -1;
	}
	while (n < (int)node->cfg->batch_max && !b.failed && (n == 0 || node_disk_batch_room(node))
	    && (rc = transport_recv(node->tp, &in, &err)) == 1) {
		handle_frame(&b, &in);
		inbound_close(&in);
		n++;
	}
	if (rc < 0)
		log_err("transport: %s", err.msg);
	flush_peers(&b);
	if (!b.failed && store_commit(node->store, &err) == 0) {
		node_peers_committed(node);
		outbound_send_receipts(node);
		node->inbox_grew |= n > 0;   /* for the adapters: maybe something to hand over */
		return n;
	}
	if (!b.failed)
		b.err = err;
	else if ((b.err.code & 0xff) == 0)   /* a failure logged elsewhere: SQLite's last word */
		b.err.code = sqlite3_extended_errcode(store_db(node->store));
	if (b.err.msg[0] == '\0')
		snprintf(b.err.msg, sizeof(b.err.msg), "sqlite: %s", sqlite3_errstr(b.err.code));
	err_prefix(&b.err, "%d frames rolled back (their senders resend them)", n);
	store_rollback(node->store);
	outbound_drop_receipts(node);
	node_peers_rollback(node);   /* also a go-back: everything is sent again */
	node_store_failed(node, &b.err);
	return -1;
}
