/*
 * Integration: real famlinkd processes on loopback, real sockets, real
 * database files. Each test builds its own cluster and removes it.
 */
#define _GNU_SOURCE   /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "harness.h"

#define T 15000   /* ms: generous, for sanitizer builds on a loaded machine */

#define HUB_APPLIED(n) "SELECT count(*) FROM inbox WHERE body_type = 'referral'"

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return cluster_free(&c);
}

/* Seed 000 steps 1-2: a referral reaches the pool and its ReferralAck comes back. */
static void
test_referral_and_ack(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char out[4096];
	const char *status[] = {"status", "--json", NULL};

	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM peers WHERE connected = 1", 1, T));
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 1, 1), 0);
	assert_true(wait_db(&c->hub, HUB_APPLIED(), 1, T));
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM inbox WHERE body_type = 'referral_ack'", 1, T));
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1, T));
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1, T));
	assert_int_equal(db_long(&c->muni[0], "SELECT count(*) FROM referrals WHERE state = 'acknowledged'"), 1);
	/* The audit table has the message in and out on both sides. */
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'in'"), 1);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'out'"), 1);
	assert_int_equal(ctl_run(&c->muni[0], out, sizeof(out), status), 0);
	assert_non_null(strstr(out, "\"nodeId\": \"pool:test\""));
	assert_non_null(strstr(out, "\"delivered\": 1"));
	/* Logs carry ids, never the names in the message. */
	assert_false(log_has(&c->hub, "Test Secretary"));
	assert_false(log_has(&c->hub, "Test Contact"));
	/* SIGTERM: clean exit. */
	assert_int_equal(node_stop(&c->muni[0]), 0);
	assert_int_equal(node_stop(&c->hub), 0);
}

/* 1,000 messages queued while the hub is down arrive once each when it starts. */
static void
test_backlog_while_hub_down(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);

	assert_int_equal(node_start(&c->muni[0]), 0);
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 1000, 250), 0);
	assert_int_equal(db_long(&c->muni[0], "SELECT count(*) FROM outbox WHERE state = 'queued'"), 1000);
	assert_int_equal(node_start(&c->hub), 0);
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1000, 60000));
	assert_int_equal(db_long(&c->hub, HUB_APPLIED()), 1000);
	assert_int_equal(db_long(&c->hub, "SELECT count(DISTINCT referral_id) FROM inbox"), 1000);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'in'"), 1000);
	/* Applied in order: inbox sequence follows arrival. */
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox a JOIN inbox b"
	    " ON b.sequence = a.sequence + 1 WHERE b.received_at < a.received_at"), 0);
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM inbox WHERE body_type = 'referral_ack'", 1000, 60000));
}

/* A key not in the allowlist is refused by ZAP, and nothing is stored. */
static void
test_unknown_key_refused(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);

	c->muni[1].allowed = false;
	cluster_write_hub_conf(c);
	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_log(&c->muni[1], "refused our key", T));
	assert_int_equal(enqueue_referrals(&c->muni[1], "0102-2026", 1, 3, 3), 0);
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 1, 1), 0);
	assert_true(wait_db(&c->hub, HUB_APPLIED(), 1, T));
	assert_true(wait_log(&c->hub, "refused", T));
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox WHERE sender = 'municipality:0102'"), 0);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM peers WHERE node_id = 'municipality:0102'"), 0);
	assert_int_equal(db_long(&c->muni[1], "SELECT count(*) FROM outbox WHERE state = 'queued'"), 3);
}

/* An envelope naming another node as sender is rejected and audited. */
static void
test_spoofed_sender(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);
	raw_client_t *raw;
	Famlink__V1__Envelope *got;

	assert_int_equal(node_start(&c->hub), 0);
	raw = raw_connect(c, &c->muni[0]);
	assert_int_equal(raw_send_envelope(raw, sample_referral(c->muni[1].id, c->hub.id, "0102-2026-000001", 1)), 0);
	got = raw_recv_receipt(raw, T);
	assert_non_null(got);
	assert_int_equal(got->receipt->n_entries, 1);
	assert_int_equal(got->receipt->entries[0]->level, FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_REJECTED);
	assert_int_equal(got->receipt->entries[0]->code, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_SENDER_MISMATCH);
	famlink__v1__envelope__free_unpacked(got, NULL);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox"), 0);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM referrals"), 0);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'reject' AND code = 5"
	    " AND peer = 'municipality:0101'"), 1);
	raw_close(&raw);
}

/* Waits for one Receipt with one entry of that level and code (and id). */
static void
expect_receipt(raw_client_t *raw, int level, int code, const char *message_id)
{
	Famlink__V1__Envelope *got = raw_recv_receipt(raw, T);

	assert_non_null(got);
	assert_int_equal(got->receipt->n_entries, 1);
	if (message_id)
		assert_string_equal(got->receipt->entries[0]->message_id, message_id);
	assert_int_equal(got->receipt->entries[0]->level, level);
	assert_int_equal(got->receipt->entries[0]->code, code);
	famlink__v1__envelope__free_unpacked(got, NULL);
}

#define expect_accepted(raw, id) \
	expect_receipt(raw, FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_ACCEPTED, 0, id)
#define expect_rejection(raw, code) \
	expect_receipt(raw, FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_REJECTED, code, NULL)

/* A duplicate is answered again and applied once; a message after a gap
 * waits (no answer) until the gap is filled, then is applied in order. */
static void
test_duplicate_and_gap(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	uint8_t first[2048], second[2048];
	size_t n1, n2;
	char id1[32], id2[32];
	raw_client_t *raw;

	assert_int_equal(node_start(&c->hub), 0);
	raw = raw_connect(c, &c->muni[0]);
	Famlink__V1__Envelope *env = sample_referral(c->muni[0].id, c->hub.id, "0101-2026-000001", 1);
	snprintf(id1, sizeof(id1), "%s", env->message_id);
	n1 = famlink__v1__envelope__pack(env, first);
	env = sample_referral(c->muni[0].id, c->hub.id, "0101-2026-000002", 2);
	snprintf(id2, sizeof(id2), "%s", env->message_id);
	n2 = famlink__v1__envelope__pack(env, second);

	assert_int_equal(raw_send(raw, second, n2, false), 0);      /* sequence 2 first: a gap */
	assert_null(raw_recv_receipt(raw, 500));
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox"), 0);
	assert_int_equal(raw_send(raw, first, n1, false), 0);
	expect_accepted(raw, id1);
	assert_int_equal(raw_send(raw, second, n2, false), 0);      /* the resend fills it */
	expect_accepted(raw, id2);
	assert_int_equal(raw_send(raw, first, n1, false), 0);       /* a duplicate */
	expect_accepted(raw, id1);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox"), 2);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM referrals"), 2);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM outbox WHERE body_type = 'referral_ack'"), 2);
	assert_int_equal(db_long(&c->hub, "SELECT sequence FROM inbox ORDER BY received_at DESC LIMIT 1"), 2);
	raw_close(&raw);
}

/* A message id already applied, sent again under a new sequence number:
 * answered ACCEPTED as a duplicate, not applied twice, and the channel
 * moves on, so the next message is applied at once (no Hello needed). */
static void
test_duplicate_under_new_sequence(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	Famlink__V1__Envelope *env;
	raw_client_t *raw;
	char id[32];

	assert_int_equal(node_start(&c->hub), 0);
	raw = raw_connect(c, &c->muni[0]);
	env = sample_referral(c->muni[0].id, c->hub.id, "0101-2026-000001", 1);
	snprintf(id, sizeof(id), "%s", env->message_id);
	assert_int_equal(raw_send_envelope(raw, env), 0);
	expect_accepted(raw, id);
	env->sequence = 2;                                           /* same id, new number */
	assert_int_equal(raw_send_envelope(raw, env), 0);
	expect_accepted(raw, id);
	env = sample_referral(c->muni[0].id, c->hub.id, "0101-2026-000002", 3);
	snprintf(id, sizeof(id), "%s", env->message_id);
	assert_int_equal(raw_send_envelope(raw, env), 0);
	expect_accepted(raw, id);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM referrals"), 2);
	assert_int_equal(db_long(&c->hub, "SELECT next_in_seq FROM peers WHERE node_id = 'municipality:0101'"), 4);
	raw_close(&raw);
}

/* Sends garbage and requires the very next frame to be its answer: one
 * MALFORMED entry with no id. The hub answers frames in order, so this
 * proves no other answer was on its way before it. */
static void
next_answers_garbage(raw_client_t *raw)
{
	Famlink__V1__Envelope *got;

	assert_int_equal(raw_send(raw, "\xff\xff\xff\xff garbage", 12, false), 0);
	got = raw_recv_any(raw, T);
	assert_non_null(got);
	assert_int_equal(got->body_case, FAMLINK__V1__ENVELOPE__BODY_RECEIPT);
	assert_int_equal(got->receipt->n_entries, 1);
	assert_string_equal(got->receipt->entries[0]->message_id, "");
	assert_int_equal(got->receipt->entries[0]->code,
	    FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED);
	famlink__v1__envelope__free_unpacked(got, NULL);
}

/* A Receipt of refusals that is itself refused for its addressing is
 * logged and audited, not answered: two nodes whose ids do not match would
 * otherwise refuse each other's Receipts for ever. */
static void
test_refused_refusal_not_answered(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	Famlink__V1__Envelope env;
	Famlink__V1__Receipt receipt = FAMLINK__V1__RECEIPT__INIT;
	Famlink__V1__ReceiptEntry entry = FAMLINK__V1__RECEIPT_ENTRY__INIT, *entries[1] = { &entry };
	char id[MESSAGE_ID_LEN + 1], answered[MESSAGE_ID_LEN + 1];
	raw_client_t *raw;

	assert_int_equal(node_start(&c->hub), 0);
	raw = raw_connect(c, &c->muni[0]);
	envelope_init(&env, answered, c->muni[0].id, c->hub.id);   /* only for a message id */
	envelope_init(&env, id, c->muni[0].id, "pool:another");      /* the wrong hub id */
	entry.message_id = answered;
	entry.level = FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_REJECTED;
	entry.code = FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_WRONG_RECIPIENT;
	entry.reason = "recipient is not municipality:0101";
	receipt.n_entries = 1;
	receipt.entries = entries;
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_RECEIPT;
	env.receipt = &receipt;
	assert_int_equal(raw_send_envelope(raw, &env), 0);
	/* The hub answers frames in order: the next frame answers garbage. */
	next_answers_garbage(raw);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM audit WHERE event = 'reject' AND"
	    " body_type = 'receipt' AND code = 6", 1, T));
	raw_close(&raw);
}

/* A Hello the hub cannot use is answered with a REJECTED entry naming it,
 * not dropped in silence; a Hello that writes its zero sequence out is
 * used (any protobuf library may write defaults). */
static void
test_bad_hello_answered(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);
	Famlink__V1__Envelope env, *got;
	Famlink__V1__Hello hello;
	char id[MESSAGE_ID_LEN + 1];
	uint8_t buf[512];
	size_t len;
	raw_client_t *raw;

	assert_int_equal(node_start(&c->hub), 0);
	raw = raw_connect(c, &c->muni[0]);
	envelope_init(&env, id, c->muni[1].id, c->hub.id);          /* claims to be another node */
	famlink__v1__hello__init(&hello);
	hello.node_id = c->muni[1].id;
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	assert_int_equal(raw_send_envelope(raw, &env), 0);
	expect_receipt(raw, FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_REJECTED,
	    FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_SENDER_MISMATCH, id);
	assert_true(log_has(&c->hub, id));
	/* A proper Hello with "sequence = 0" written out: no Receipt, a Hello
	 * back (the hub sends none unasked: the next frame answers this one). */
	envelope_init(&env, id, c->muni[0].id, c->hub.id);
	hello.node_id = c->muni[0].id;
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	len = famlink__v1__envelope__pack(&env, buf);
	memcpy(buf + len, "\x38\x00", 2);                          /* field 7 (sequence) = 0 */
	assert_int_equal(raw_send(raw, buf, len + 2, false), 0);
	got = raw_recv_any(raw, T);
	assert_non_null(got);
	assert_int_equal(got->body_case, FAMLINK__V1__ENVELOPE__BODY_HELLO);
	assert_string_equal(got->hello->node_id, c->hub.id);
	famlink__v1__envelope__free_unpacked(got, NULL);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'reject'"), 1);
	/* Nor a Receipt after the Hello: the hub answers frames in order, so
	 * the next frame answers the next one sent, garbage (its entry, with
	 * no id to name, is not one about our Hello). */
	next_answers_garbage(raw);
	raw_close(&raw);
}

/* Garbage, truncated, multi-frame, unknown-body, wrong-version and
 * oversized frames: each refused, nothing stored, others still served. */
static void
test_bad_frames(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);
	raw_client_t *raw;
	Famlink__V1__Envelope *env, *got;
	uint8_t buf[4096], unknown[64];
	size_t len;
	char *big;

	assert_int_equal(node_start(&c->hub), 0);
	raw = raw_connect(c, &c->muni[0]);
	assert_int_equal(raw_send(raw, "\xff\xff\xff\xff garbage", 12, false), 0);
	expect_rejection(raw, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED);
	env = sample_referral(c->muni[0].id, c->hub.id, "0101-2026-000001", 1);
	len = famlink__v1__envelope__pack(env, buf);
	assert_int_equal(raw_send(raw, buf, len / 2, false), 0);        /* truncated */
	expect_rejection(raw, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED);
	assert_int_equal(raw_send(raw, buf, len, true), 0);             /* two frames */
	assert_int_equal(raw_send(raw, buf, len, false), 0);
	expect_rejection(raw, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED);
	/* A NUL inside a string would hide what follows it from validation. */
	env->referral->child->alias = "A#NUL#B";   /* a marker no message id can hold */
	len = famlink__v1__envelope__pack(env, buf);
	uint8_t *ab = memmem(buf, len, "#NUL#", 5);
	assert_non_null(ab);
	ab[2] = '\0';
	assert_int_equal(raw_send(raw, buf, len, false), 0);
	/* The frame is readable: the answer names the message and the field. */
	got = raw_recv_receipt(raw, T);
	assert_non_null(got);
	assert_string_equal(got->receipt->entries[0]->message_id, env->message_id);
	assert_int_equal(got->receipt->entries[0]->code, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED);
	assert_string_equal(got->receipt->entries[0]->reason, "referral.child.alias: a string holds a NUL byte");
	famlink__v1__envelope__free_unpacked(got, NULL);
	/* The same message again gets the same answer, and is not audited twice. */
	assert_int_equal(raw_send(raw, buf, len, false), 0);
	expect_rejection(raw, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED);
	env = sample_referral(c->muni[0].id, c->hub.id, "0101-2026-000001", 1);   /* a new id */
	env->schema_version = 99;
	assert_int_equal(raw_send_envelope(raw, env), 0);
	expect_rejection(raw, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_UNSUPPORTED_VERSION);
	/* A body from a newer schema: field 99 of the oneof, unknown here. */
	env = sample_referral(c->muni[0].id, c->hub.id, "0101-2026-000001", 1);
	env->body_case = FAMLINK__V1__ENVELOPE__BODY__NOT_SET;
	len = famlink__v1__envelope__pack(env, buf);
	memcpy(unknown, "\x9a\x06\x02\x08\x01", 5);                    /* field 99, len 2: {1: 1} */
	memcpy(buf + len, unknown, 5);
	assert_int_equal(raw_send(raw, buf, len + 5, false), 0);
	expect_rejection(raw, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_UNSUPPORTED_BODY);
	/* Over max_message_size (1M here): libzmq drops the connection, so no
	 * sender can be told; nothing is stored and nothing answered. */
	big = calloc(1, 2 << 20);
	assert_int_equal(raw_send(raw, big, 2 << 20, false), 0);
	free(big);
	assert_null(raw_recv_receipt(raw, 1000));
	raw_close(&raw);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox"), 0);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'reject'"), 6);
	/* Still serving: a proper municipality gets through. */
	assert_int_equal(node_start(&c->muni[1]), 0);
	assert_int_equal(enqueue_referrals(&c->muni[1], "0102-2026", 1, 1, 1), 0);
	assert_true(wait_db(&c->muni[1], "SELECT count(*) FROM inbox WHERE body_type = 'referral_ack'", 1, T));
	assert_int_equal(node_stop(&c->hub), 0);
}

/* SIGHUP with a key removed: its session is refused from the next frame on,
 * and it cannot reconnect; the others keep their connections. */
static void
test_reload_revokes(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);

	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM peers WHERE connected = 1", 2, T));
	assert_int_equal(enqueue_referrals(&c->muni[1], "0102-2026", 1, 1, 1), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM inbox WHERE sender = 'municipality:0102'", 1, T));
	c->muni[1].allowed = false;
	cluster_write_hub_conf(c);
	node_signal(&c->hub, SIGHUP);
	assert_true(wait_log(&c->hub, "reload: 1 peers allowed", T));
	assert_true(log_has(&c->hub, "municipality:0102 removed from the allowlist"));
	assert_int_equal(enqueue_referrals(&c->muni[1], "0102-2026", 2, 1, 1), 0);
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 1, 1), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM inbox WHERE sender = 'municipality:0101'", 1, T));
	/* Its session was closed with the reload: its next handshake is refused. */
	assert_true(wait_log(&c->muni[1], "refused our key", T));
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox WHERE sender = 'municipality:0102'"), 1);
	/* Reconnecting does not help: ZAP refuses the key now. */
	assert_int_equal(node_stop(&c->muni[1]), 0);
	assert_int_equal(node_start(&c->muni[1]), 0);
	assert_true(wait_log(&c->muni[1], "refused our key", T));
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox WHERE sender = 'municipality:0102'"), 1);
	/* A broken file on SIGHUP leaves the running hub as it was. */
	FILE *f = fopen(c->hub.conf, "a");
	fputs("\n[bogus]\n", f);
	fclose(f);
	node_signal(&c->hub, SIGHUP);
	assert_true(wait_log(&c->hub, "reload: configuration not changed", T));
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 2, 1, 1), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM inbox WHERE sender = 'municipality:0101'", 2, T));
}

/* A routing id chosen by the client could be taken over by another client
 * after a reconnect: the hub refuses frames that carry one. */
static void
test_client_routing_id_refused(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	raw_client_t *raw;

	assert_int_equal(node_start(&c->hub), 0);
	raw = raw_connect_with_id(c, &c->muni[0], "FIXED");
	assert_int_equal(raw_send_envelope(raw, sample_referral(c->muni[0].id, c->hub.id,
	    "0101-2026-000001", 1)), 0);
	assert_null(raw_recv_receipt(raw, 1000));
	assert_true(wait_log(&c->hub, "set its own ZMQ_ROUTING_ID", T));
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox"), 0);
	raw_close(&raw);
}

/* A second daemon on the same state directory refuses to start. */
static void
test_one_daemon_per_state_dir(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t twin;

	assert_int_equal(node_start(&c->muni[0]), 0);
	assert_true(wait_log(&c->muni[0], "connecting to", T));
	twin = c->muni[0];
	assert_int_equal(node_start(&twin), 0);
	assert_int_equal(node_wait(&twin, T), 1);
	assert_true(log_has(&c->muni[0], "another famlinkd already runs on this state directory"));
	assert_int_equal(node_stop(&c->muni[0]), 0);
}

/* SIGHUP to a municipality reloads it and it keeps sending. */
static void
test_municipality_reload(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);

	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM peers WHERE connected = 1", 1, T));
	node_signal(&c->muni[0], SIGHUP);
	assert_true(wait_log(&c->muni[0], "reload:", T));
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 1, 1), 0);
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1, T));
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM inbox WHERE body_type = 'referral_ack'", 1, T));
}

/* famlinkctl send: an invalid message is refused with the reason; nothing queued. */
static void
test_ctl_send_invalid(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char path[700], out[4096];
	const char *args[] = {"send", path, NULL};
	FILE *f;

	snprintf(path, sizeof(path), "%s/bad.json", c->muni[0].dir);
	f = fopen(path, "w");
	fputs("{\"referral\": {\"referralId\": \"0101-2026-1\", \"kind\": \"REFERRAL_KIND_FOSTER_HOME\","
	    " \"urgency\": \"URGENCY_NORMAL\", \"decision\": {\"taken\": true},"
	    " \"child\": {\"alias\": \"Test\", \"birthYear\": 2016, \"needs\": \"pnr 19121212-1212\"},"
	    " \"secretary\": {\"name\": \"X\"}}}", f);
	fclose(f);
	assert_int_not_equal(ctl_run(&c->muni[0], out, sizeof(out), args), 0);
	assert_non_null(strstr(out, "referral.child.needs"));
	assert_null(strstr(out, "19121212"));     /* the reason never echoes content */
	f = fopen(path, "w");
	fputs("{\"referral\": {\"referralId\": \"0101-2026-1\", \"colour\": \"blue\"}}", f);
	fclose(f);
	assert_int_not_equal(ctl_run(&c->muni[0], out, sizeof(out), args), 0);
	assert_non_null(strstr(out, "colour"));
	assert_int_equal(db_long(&c->muni[0], "SELECT count(*) FROM outbox"), 0);
	assert_int_equal(db_long(&c->muni[0], "SELECT count(*) FROM referrals"), 0);
}

/* --check-config: FILE:LINE: message per problem, non-zero exit. */
static void
test_check_config(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char cmd[1500], out[4096] = "", where[32];
	FILE *f, *p;
	size_t n;
	int lines = 0, ch;

	/* The file ends inside [delivery]: one bad value on a new last line. */
	f = fopen(c->muni[0].conf, "a+");
	fputs("window = lots\n", f);
	rewind(f);
	while ((ch = fgetc(f)) != EOF)
		lines += ch == '\n';
	fclose(f);
	snprintf(where, sizeof(where), ":%d: ", lines);
	snprintf(cmd, sizeof(cmd), "%s/famlinkd --check-config --config %s 2>&1; echo rc=$?",
	    getenv("FAMLINK_BUILD") ? getenv("FAMLINK_BUILD") : "build", c->muni[0].conf);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	pclose(p);
	assert_non_null(strstr(out, c->muni[0].conf));
	assert_non_null(strstr(out, where));
	assert_non_null(strstr(out, "window"));
	assert_non_null(strstr(out, "rc=1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_referral_and_ack, teardown),
		cmocka_unit_test_teardown(test_backlog_while_hub_down, teardown),
		cmocka_unit_test_teardown(test_unknown_key_refused, teardown),
		cmocka_unit_test_teardown(test_spoofed_sender, teardown),
		cmocka_unit_test_teardown(test_duplicate_and_gap, teardown),
		cmocka_unit_test_teardown(test_bad_frames, teardown),
		cmocka_unit_test_teardown(test_duplicate_under_new_sequence, teardown),
		cmocka_unit_test_teardown(test_refused_refusal_not_answered, teardown),
		cmocka_unit_test_teardown(test_bad_hello_answered, teardown),
		cmocka_unit_test_teardown(test_reload_revokes, teardown),
		cmocka_unit_test_teardown(test_client_routing_id_refused, teardown),
		cmocka_unit_test_teardown(test_municipality_reload, teardown),
		cmocka_unit_test_teardown(test_one_daemon_per_state_dir, teardown),
		cmocka_unit_test_teardown(test_ctl_send_invalid, teardown),
		cmocka_unit_test_teardown(test_check_config, teardown),
	};
	return cmocka_run_group_tests_name("integration", tests, NULL, NULL);
}
