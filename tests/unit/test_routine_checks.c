/*
 * test_routine_checks — the pool's checks of a Referral, in order (member,
 * remit by kind and by the age the child turns this Swedish year, a
 * decision taken and dated no later than the pool's today), each failure a
 * ReferralRejected queued in the same transaction, and the referral sent
 * again with the cause fixed (routine_flow.h).
 */
#include "routine_flow.h"

static int setup(void **state) { return routine_fixture_setup(state, "test_routine_checks", T0); }
static int teardown(void **state) { return routine_fixture_teardown(state); }

#define REASON(x) FAMLINK__V1__REJECTION_REASON__REJECTION_REASON_##x
#define KIND(x) FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_##x

/* The last message queued to peer, decoded from its stored blob; the
 * caller frees it with famlink__v1__envelope__free_unpacked(). */
static Famlink__V1__Envelope *
last_queued(fixture_t *f, const char *peer)
{
	Famlink__V1__Envelope *env;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->ss.s), "SELECT envelope FROM outbox"
	    " WHERE peer = ?1 ORDER BY sequence DESC LIMIT 1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	env = famlink__v1__envelope__unpack(NULL, (size_t)sqlite3_column_bytes(st, 0),
	    sqlite3_column_blob(st, 0));
	sqlite3_finalize(st);
	assert_non_null(env);
	return env;
}

/* The Referral ref, received at the pool: rejected for `reason`, the
 * ReferralRejected queued to its sender, answering it, its explanation
 * holding `words`. */
static void
assert_rejected(fixture_t *f, const msg_t *ref, int reason, const char *words)
{
	Famlink__V1__Envelope *env = last_queued(f, ref->env.sender);
	const Famlink__V1__ReferralRejected *rej = env->referral_rejected;

	assert_string_equal(RSTATE(f, ref->env.sender, ref->env.referral_id), "rejected");
	assert_int_equal(env->body_case, BODY(REFERRAL_REJECTED));
	assert_string_equal(env->sender, HUB);
	assert_string_equal(env->recipient, ref->env.sender);
	assert_string_equal(env->referral_id, ref->env.referral_id);
	assert_string_equal(env->answers_message_id, ref->id);
	assert_string_equal(rej->referral_id, ref->env.referral_id);
	assert_int_equal(rej->reason, reason);
	assert_non_null(rej->explanation);
	assert_true(strlen(rej->explanation) > 20);
	if (strstr(rej->explanation, words) == NULL)
		fail_msg("explanation \"%s\" lacks \"%s\"", rej->explanation, words);
	famlink__v1__envelope__free_unpacked(env, NULL);
	assert_int_equal(qn(f, "SELECT count(*) FROM transitions WHERE owner = %Q AND"
	    " referral_id = %Q AND event = 'rejected' AND to_state = 'rejected' AND code = %d"
	    " AND at = %lld", ref->env.sender, ref->env.referral_id, reason, (long long)ref->at), 1);
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox WHERE referral_id = %Q"
	    " AND body_type = 'referral_ack' AND created_at >= %lld", ref->env.referral_id,
	    (long long)ref->at), 0);
}

static void
test_hub_not_member(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ask, reply;

	/* 0181 had a referral, with a family passed on and a question put to
	 * it, before it left. */
	hub_passed_on(f, M181, REF_B, "P1", "FH-0042");
	make(&ask, BODY(INFO_REQUEST), HUB, "", REF_B, NULL);
	apply_ok(f, hub_send, &ask, 0);
	f->peers[1].member = false;

	make(&ref, BODY(REFERRAL), M181, HUB, "0181-2026-0002", NULL);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NOT_MEMBER), "member");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox WHERE peer = %Q", M181), 2);

	/* What it had goes on. */
	make(&reply, BODY(INFO_REPLY), M181, HUB, REF_B, NULL);
	apply_ok(f, hub_recv, &reply, 0);
	hub_status(f, M181, REF_B, "P1", STATUS(INVESTIGATING), "status_reported");
	assert_string_equal(RSTATE(f, M181, REF_B), "matching");
	/* And a member's referral is taken as ever. */
	hub_referral(f, M180, REF);
}

static void
test_hub_out_of_remit_kind(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	f->hub.remit_kinds = 1u << KIND(FOSTER_HOME) | 1u << KIND(EMERGENCY_HOME);
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.b.ref.kind = KIND(CONTACT_FAMILY);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "kontaktfamilj");
	assert_int_equal(qn(f, "SELECT kind FROM referrals WHERE referral_id = %Q", REF),
	    KIND(CONTACT_FAMILY));
	make(&ref, BODY(REFERRAL), M180, HUB, "0180-2026-0043", NULL);
	ref.b.ref.kind = KIND(CONTACT_PERSON);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "kontaktperson");
	hub_referral(f, M180, "0180-2026-0044");   /* a foster home: in the remit */
}

/* By birth year: in 2026 a child born 2009 turns 17, one born 2023 turns 3. */
static void
test_hub_out_of_remit_age(void **state)
{
	fixture_t *f = *state;
	static const struct { const char *id; unsigned born; const char *state; } cases[] = {
		{"0180-2026-0101", 2009, "acknowledged"},   /* 17: the oldest taken */
		{"0180-2026-0102", 2008, "rejected"},       /* 18 */
		{"0180-2026-0103", 1990, "rejected"},
		{"0180-2026-0104", 2023, "acknowledged"},   /* 3: the youngest taken */
		{"0180-2026-0105", 2024, "rejected"},       /* 2 */
	};

	f->hub.remit_age_min = 3;
	f->hub.remit_age_max = 17;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg_t ref;

		make(&ref, BODY(REFERRAL), M180, HUB, cases[i].id, NULL);
		ref.child.birth_year = cases[i].born;
		apply_ok(f, hub_recv, &ref, 0);
		assert_string_equal(RSTATE(f, M180, cases[i].id), cases[i].state);
		if (strcmp(cases[i].state, "rejected") == 0)
			assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "3 till 17");
	}
}

/*
 * "Turns N this year" is the Swedish year: at 00:30 on 1 January 2027 in
 * Stockholm (23:30 UTC on 31 December 2026) a child born 2009 turns 18 this
 * year, outside a 0-17 remit.
 */
static void
test_hub_remit_age_by_swedish_year(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	f->hub.remit_age_max = 17;
	f->now = 1798759800000LL - MINUTE;   /* the Referral arrives 2026-12-31T23:30Z */
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.child.birth_year = 2009;
	apply_ok(f, hub_recv, &ref, 0);
	assert_int_equal(ref.at, 1798759800000LL);
	assert_string_equal(RSTATE(f, M180, REF), "rejected");
	assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "fyller 18");
}

static void
test_hub_no_decision(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "decision");
	make(&ref, BODY(REFERRAL), M180, HUB, "0180-2026-0043", NULL);
	ref.b.ref.decision = NULL;
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "decision");
}

/* A decision is taken on a date, and not after the pool's own today
 * (T0 is Monday 5 January 2026 in Stockholm). */
static void
test_hub_decision_dated(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.decided_on = "";
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "decidedOn");

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.decided_on = "2026-03-06";
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "2026-03-06");
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.decided_on = "2026-01-06";
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "daterat 2026-01-06, efter dagens datum"
	    " 2026-01-05");

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.decided_on = "2026-01-05";
	apply_ok(f, hub_recv, &ref, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
}

/* Member, remit, decision: the first that fails is the reason. */
static void
test_hub_check_order(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	f->peers[0].member = false;
	f->hub.remit_kinds = 1u << KIND(FOSTER_HOME);
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NOT_MEMBER), "member");
	make(&ref, BODY(REFERRAL), M180, HUB, "0180-2026-0043", NULL);
	ref.taken.taken = false;
	ref.b.ref.kind = KIND(CONTACT_PERSON);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NOT_MEMBER), "member");

	f->peers[0].member = true;
	make(&ref, BODY(REFERRAL), M180, HUB, "0180-2026-0044", NULL);
	ref.taken.taken = false;
	ref.b.ref.kind = KIND(CONTACT_PERSON);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "kontaktperson");
}

/* Sent again with the cause fixed: taken and acknowledged. */
static void
test_hub_resubmit_after_rejection(void **state)
{
	fixture_t *f = *state;
	Famlink__V1__Envelope *ack;
	msg_t ref, again;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "decision");

	make(&again, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &again, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_int_equal(qn(f, "SELECT submitted_at = %lld AND answered_at = %lld FROM referrals",
	    (long long)again.at, (long long)again.at), 1);
	ack = last_queued(f, M180);
	assert_int_equal(ack->body_case, BODY(REFERRAL_ACK));
	assert_string_equal(ack->answers_message_id, again.id);
	assert_int_equal(ack->sequence, 2);
	famlink__v1__envelope__free_unpacked(ack, NULL);
	assert_string_equal(transitions(f, M180),
	    ":referral:none>submitted:0 :rejected:submitted>rejected:3"
	    " :referral:rejected>submitted:0 :ack:submitted>acknowledged:0");
	assert_int_equal(qn(f, "SELECT count(*) FROM referrals"), 1);
}

static void
test_municipality_resend_after_rejection(void **state)
{
	fixture_t *f = *state;
	msg_t ref, rej, again, ack;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, muni_send, &ref, 0);
	make(&rej, BODY(REFERRAL_REJECTED), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &rej, 0);
	assert_string_equal(RSTATE(f, M180, REF), "rejected");
	assert_int_equal(deadlines(f, M180, REF, NULL, "acknowledge", "met"), 1);
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 0);

	make(&again, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &again, 0);
	assert_string_equal(RSTATE(f, M180, REF), "submitted");
	assert_open_deadline(f, M180, REF, "", "acknowledge", "pool", ACK_AT(again.at));

	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ack, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_int_equal(deadlines(f, M180, REF, NULL, "acknowledge", "met"), 2);
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 0);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hub_not_member),
		T(test_hub_out_of_remit_kind),
		T(test_hub_out_of_remit_age),
		T(test_hub_remit_age_by_swedish_year),
		T(test_hub_no_decision),
		T(test_hub_check_order),
		T(test_hub_decision_dated),
		T(test_hub_resubmit_after_rejection),
		T(test_municipality_resend_after_rejection),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
