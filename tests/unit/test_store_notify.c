/*
 * test_store_notify — the notifications queue on a real store: a received
 * message, a dead letter and an adapter each queue one row of ids and
 * roles; the email adapter reads the due ones oldest first, backs one off
 * after a failure (attempts, next_at, last_error) and marks it sent once;
 * the secretary's address comes from the stored Referral, or none.
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
#include "store_notify.h"
#include "store_queue.h"
#include "store_referral.h"

#define HUB  "pool:test"
#define M101 "municipality:0101"
#define RID  "0101-2026-0007"

static int
setup(void **state)
{
	return scratch_store_setup(state, "test_store_notify");
}

static int
teardown(void **state)
{
	return scratch_store_teardown(state);
}

static long long
q_int(store_t *s, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A Referral from M101 in the outbox with its transition, as the routine
 * leaves it, its secretary's email as given. */
static void
enqueue_referral(store_t *s, const char *email, char id[MESSAGE_ID_LEN + 1])
{
	Famlink__V1__Envelope env;
	Famlink__V1__Referral ref = FAMLINK__V1__REFERRAL__INIT;
	Famlink__V1__Contact sec = FAMLINK__V1__CONTACT__INIT;
	transition_row_t t = { M101, RID, NULL, "referral", "none", "submitted", id, 0 };
	err_t err = {0};

	envelope_init(&env, id, M101, HUB);
	env.referral_id = RID;
	ref.referral_id = RID;
	sec.name = "Karin Öberg";
	sec.email = (char *)email;
	ref.secretary = &sec;
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_REFERRAL;
	env.referral = &ref;
	if (store_enqueue(s, &env, &err) != 0 || store_transition_add(s, &t, 1000, &err) != 0)
		fail_msg("store_enqueue: %s", err.msg);
}

static void
test_queue_message_and_adapter(void **state)
{
	scratch_store_t *ss = *state;
	notify_message_t m = { "family_proposal", "01KE4B2C3D4E5F6G7H8J9K0M1S", RID, "P1", M101,
	    "secretary" };
	notify_row_t rows[4];
	err_t err = {0};

	assert_int_equal(store_notify_message(ss->s, &m, 1000, &err), 0);
	assert_int_equal(store_notify_adapter(ss->s, "adapter_stuck", "casefiles", 2000, &err), 0);
	assert_int_equal(store_notify_due(ss->s, 5000, 4, rows, &err), 2);
	assert_string_equal(rows[0].event, "message");
	assert_string_equal(rows[0].kind, "family_proposal");
	assert_string_equal(rows[0].message_id, "01KE4B2C3D4E5F6G7H8J9K0M1S");
	assert_string_equal(rows[0].referral_id, RID);
	assert_string_equal(rows[0].proposal_id, "P1");
	assert_string_equal(rows[0].owner, M101);
	assert_string_equal(rows[0].recipient, "secretary");
	assert_int_equal(rows[0].deadline_id, 0);
	assert_int_equal(rows[0].due_at, 0);
	assert_string_equal(rows[1].event, "adapter_stuck");
	assert_string_equal(rows[1].adapter, "casefiles");
	assert_string_equal(rows[1].recipient, "operator");
	assert_true(rows[0].id < rows[1].id);
}

static void
test_dead_letter_queues_one(void **state)
{
	scratch_store_t *ss = *state;
	char id[MESSAGE_ID_LEN + 1];
	notify_row_t row;
	uint64_t seq;
	err_t err = {0};

	enqueue_referral(ss->s, "", id);
	assert_int_equal(store_mark_dead(ss->s, HUB, id, 4, "field child: required", 3000, &seq,
	    &err), 1);
	assert_int_equal(store_notify_due(ss->s, 3000, 1, &row, &err), 1);
	assert_string_equal(row.event, "dead_letter");
	assert_string_equal(row.kind, "referral");
	assert_string_equal(row.message_id, id);
	assert_string_equal(row.referral_id, RID);
	assert_string_equal(row.actor, HUB);
	assert_string_equal(row.recipient, "operator");
	/* Settled already: a second rejection queues nothing more. */
	assert_int_equal(store_mark_dead(ss->s, HUB, id, 4, "again", 4000, &seq, &err), 0);
	assert_int_equal(q_int(ss->s, "SELECT count(*) FROM notifications"), 1);
}

static void
test_backoff_then_sent_once(void **state)
{
	scratch_store_t *ss = *state;
	notify_message_t m = { "info_request", "01KE4B2C3D4E5F6G7H8J9K0M1Q", RID, "", HUB,
	    "pool_contact" };
	notify_row_t row;
	int64_t at = 0;
	err_t err = {0};

	assert_int_equal(store_notify_next(ss->s, &at, &err), 0);
	assert_int_equal(store_notify_message(ss->s, &m, 1000, &err), 0);
	assert_int_equal(store_notify_next(ss->s, &at, &err), 1);
	assert_int_equal(at, 1000);
	assert_int_equal(store_notify_due(ss->s, 1000, 1, &row, &err), 1);
	assert_int_equal(store_notify_failed(ss->s, row.id, 9000, "smtp 421", &err), 0);
	/* Backed off: not due before 9000, and the next look is then. */
	assert_int_equal(store_notify_due(ss->s, 8999, 1, &row, &err), 0);
	assert_int_equal(store_notify_next(ss->s, &at, &err), 1);
	assert_int_equal(at, 9000);
	assert_int_equal(store_notify_due(ss->s, 9000, 1, &row, &err), 1);
	assert_int_equal(row.attempts, 1);
	assert_int_equal(q_int(ss->s, "SELECT count(*) FROM notifications WHERE"
	    " last_error = 'smtp 421'"), 1);
	assert_int_equal(store_notify_sent(ss->s, row.id, 9500, &err), 1);
	assert_int_equal(store_notify_sent(ss->s, row.id, 9600, &err), 0);   /* once */
	assert_int_equal(q_int(ss->s, "SELECT sent_at FROM notifications"), 9500);
	assert_int_equal(store_notify_due(ss->s, 99999, 1, &row, &err), 0);
	assert_int_equal(store_notify_next(ss->s, &at, &err), 0);
}

static void
test_secretary_from_referral(void **state)
{
	scratch_store_t *ss = *state;
	char id[MESSAGE_ID_LEN + 1], buf[255];
	err_t err = {0};

	assert_int_equal(store_notify_secretary(ss->s, M101, RID, buf, sizeof(buf), &err), 0);
	enqueue_referral(ss->s, "karin.oberg@kommun.example", id);
	assert_int_equal(store_notify_secretary(ss->s, M101, RID, buf, sizeof(buf), &err), 1);
	assert_string_equal(buf, "karin.oberg@kommun.example");
	assert_int_equal(store_notify_secretary(ss->s, M101, "0101-2026-9999", buf, sizeof(buf),
	    &err), 0);
	assert_int_equal(store_notify_secretary(ss->s, "municipality:0102", RID, buf, sizeof(buf),
	    &err), 0);   /* another's referral of the same id: not hers */
	/* Sent again after a rejection, with another address: the latest. */
	enqueue_referral(ss->s, "karin.b@kommun.example", id);
	assert_int_equal(store_notify_secretary(ss->s, M101, RID, buf, sizeof(buf), &err), 1);
	assert_string_equal(buf, "karin.b@kommun.example");
}

static void
test_secretary_without_email(void **state)
{
	scratch_store_t *ss = *state;
	char id[MESSAGE_ID_LEN + 1], buf[255];
	err_t err = {0};

	enqueue_referral(ss->s, "", id);
	assert_int_equal(store_notify_secretary(ss->s, M101, RID, buf, sizeof(buf), &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_message_and_adapter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_letter_queues_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backoff_then_sent_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secretary_from_referral, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secretary_without_email, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
