/*
 * test_store_action — the operator's actions on a real store: a dead
 * letter resent under a new id at the end of its channel, each row naming
 * the other and the old one acknowledged; a readdressed message on its new
 * peer's channel with the recipient rewritten; a discarded one never
 * offered to retry again; a held message read back as held by the pump's
 * scan; ack-alarm counting and then clearing dead letters and skips; a
 * peer with a queued message counted, and one forgotten.
 */
#define _GNU_SOURCE   /* nftw, for scratch.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "envelope.h"
#include "scratch_store.h"
#include "store_action.h"
#include "store_audit.h"
#include "store_queue.h"

#define HUB  "pool:test"
#define TYPO "pool:tset"
#define M101 "municipality:0101"
#define RID  "0101-2026-0007"

static int
setup(void **state)
{
	return scratch_store_setup(state, "test_store_action");
}

static int
teardown(void **state)
{
	return scratch_store_teardown(state);
}

/* A ReferralClosed of RID from M101 to `to`, queued: its id into id. */
static void
enqueue(store_t *s, const char *to, char id[MESSAGE_ID_LEN + 1])
{
	Famlink__V1__Envelope env;
	Famlink__V1__ReferralClosed closed = FAMLINK__V1__REFERRAL_CLOSED__INIT;
	err_t err = {0};

	envelope_init(&env, id, M101, to);
	env.referral_id = RID;
	closed.referral_id = RID;
	closed.outcome = FAMLINK__V1__CLOSING_OUTCOME__CLOSING_OUTCOME_WITHDRAWN;
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_REFERRAL_CLOSED;
	env.referral_closed = &closed;
	if (store_enqueue(s, &env, &err) != 0)
		fail_msg("store_enqueue: %s", err.msg);
}

static action_row_t
row_of(store_t *s, const char *id)
{
	action_row_t r;
	err_t err = {0};

	assert_int_equal(store_action_get(s, id, &r, &err), 1);
	return r;
}

static int
count_id(void *ctx, const char *message_id)
{
	(void)message_id;
	(*(int *)ctx)++;
	return 0;
}

static int
dead_count(store_t *s)
{
	int n = 0;
	err_t err = {0};

	assert_int_equal(store_action_dead_ids(s, NULL, count_id, &n, &err), 0);
	return n;
}

/* The recipient and sequence packed into id's stored envelope. */
static void
stored(store_t *s, const char *id, char recipient[65], uint64_t *seq)
{
	sqlite3_stmt *st;
	Famlink__V1__Envelope *env;
	err_t err = {0};

	assert_int_equal(sqlite3_prepare_v2(store_db(s),
	    "SELECT envelope FROM outbox WHERE message_id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	env = envelope_unpack(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &err);
	sqlite3_finalize(st);
	assert_non_null(env);
	snprintf(recipient, 65, "%s", env->recipient);
	*seq = env->sequence;
	assert_string_equal(env->message_id, id);
	envelope_free(&env);
}

static void
test_resend_dead_letter(void **state)
{
	scratch_store_t *ss = *state;
	char old[MESSAGE_ID_LEN + 1], next[MESSAGE_ID_LEN + 1], new_id[MESSAGE_ID_LEN + 1];
	char to[65];
	uint64_t seq;
	long dead, skips;
	err_t err = {0};
	action_row_t r;

	enqueue(ss->s, HUB, old);
	enqueue(ss->s, HUB, next);
	assert_int_equal(store_mark_dead(ss->s, HUB, old, 8, "no referral", 2000, NULL, &err), 1);
	assert_int_equal(dead_count(ss->s), 1);
	assert_int_equal(store_action_resend(ss->s, old, NULL, 3000, "retried", new_id, &err), 0);
	r = row_of(ss->s, old);
	assert_string_equal(r.state, "dead");
	assert_string_equal(r.resent_as, new_id);
	r = row_of(ss->s, new_id);
	assert_string_equal(r.state, "queued");
	assert_string_equal(r.resend_of, old);
	assert_int_equal(r.sequence, 3);            /* after the one queued behind it */
	stored(ss->s, new_id, to, &seq);
	assert_string_equal(to, HUB);
	assert_int_equal(seq, 3);
	assert_int_equal(dead_count(ss->s), 0);     /* sent again: not offered twice */
	/* The resend acknowledged it: nothing left for ack-alarm. */
	assert_int_equal(store_action_ack_alarms(ss->s, NULL, 4000, &dead, &skips, &err), 0);
	assert_int_equal(dead, 0);
	assert_int_equal(skips, 0);
}

static void
test_readdress_and_discard(void **state)
{
	scratch_store_t *ss = *state;
	char a[MESSAGE_ID_LEN + 1], b[MESSAGE_ID_LEN + 1], new_id[MESSAGE_ID_LEN + 1], to[65];
	uint64_t seq;
	err_t err = {0};

	enqueue(ss->s, TYPO, a);
	enqueue(ss->s, HUB, b);
	assert_int_equal(store_action_answered_after(ss->s, TYPO, 1, &err), 0);
	assert_int_equal(store_action_queued_for(ss->s, TYPO, &err), 1);
	assert_int_equal(store_action_resend(ss->s, a, HUB, 3000, "readdressed", new_id, &err), 0);
	stored(ss->s, new_id, to, &seq);
	assert_string_equal(to, HUB);
	assert_int_equal(seq, 2);
	assert_true(row_of(ss->s, a).set_aside);
	assert_int_equal(store_action_queued_for(ss->s, TYPO, &err), 0);
	assert_int_equal(store_action_forget_peer(ss->s, TYPO, 4000, &err), 1);
	assert_int_equal(store_action_forget_peer(ss->s, "pool:never", 4000, &err), 0);

	assert_int_equal(store_action_discard(ss->s, b, 5000, "discarded by test", &err), 0);
	assert_string_equal(row_of(ss->s, b).state, "dead");
	assert_true(row_of(ss->s, b).set_aside);
	assert_int_equal(dead_count(ss->s), 0);     /* ours: never retried */
	/* A later answered message shows the peer had the earlier ones. */
	assert_int_equal(store_mark_delivered(ss->s, HUB, new_id, 6000, NULL, NULL, &err), 1);
	assert_int_equal(store_action_answered_after(ss->s, HUB, 1, &err), 1);
}

/* The pump's scan sees a held row as held; released, as not. */
static int
first_held(void *ctx, const outbox_row_t *row)
{
	*(int *)ctx = row->held;
	return 1;
}

static void
test_hold_release(void **state)
{
	scratch_store_t *ss = *state;
	char id[MESSAGE_ID_LEN + 1];
	err_t err = {0};
	int held = -1;

	enqueue(ss->s, HUB, id);
	assert_int_equal(store_action_hold(ss->s, id, 1000, &err), 0);
	assert_int_equal(row_of(ss->s, id).held_at, 1000);
	assert_int_equal(store_outbox_scan(ss->s, HUB, 0, 10, first_held, &held, &err), 1);
	assert_int_equal(held, 1);
	assert_int_equal(store_action_hold(ss->s, id, 0, &err), 0);
	assert_int_equal(row_of(ss->s, id).held_at, 0);
	assert_int_equal(store_outbox_scan(ss->s, HUB, 0, 10, first_held, &held, &err), 1);
	assert_int_equal(held, 0);
}

static void
test_ack_alarms(void **state)
{
	scratch_store_t *ss = *state;
	char id[MESSAGE_ID_LEN + 1];
	long dead, skips;
	err_t err = {0};

	enqueue(ss->s, HUB, id);
	assert_int_equal(store_mark_dead(ss->s, HUB, id, 4, "invalid", 2000, NULL, &err), 1);
	assert_int_equal(store_audit(ss->s, 2100, AUDIT_SKIP, NULL, HUB, NULL, 0, "2 to 3", &err), 0);
	assert_int_equal(store_audit(ss->s, 2200, AUDIT_SKIP, NULL, M101, NULL, 0, "1 to 1", &err),
	    0);
	assert_int_equal(store_action_ack_alarms(ss->s, HUB, 3000, &dead, &skips, &err), 0);
	assert_int_equal(dead, 1);
	assert_int_equal(skips, 1);
	assert_int_equal(store_action_ack_alarms(ss->s, HUB, 3100, &dead, &skips, &err), 0);
	assert_int_equal(dead, 0);
	assert_int_equal(skips, 0);
	assert_int_equal(store_action_ack_alarms(ss->s, NULL, 3200, &dead, &skips, &err), 0);
	assert_int_equal(skips, 1);                 /* M101's, still open until now */
	assert_int_equal(dead_count(ss->s), 1);     /* acknowledged, still retryable */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resend_dead_letter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readdress_and_discard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_alarms, setup, teardown),
	};

	store_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
