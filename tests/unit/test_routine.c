/*
 * test_routine — who may send which body, referral ownership (ids are per
 * municipality, and another's referral reads exactly like an unknown one)
 * and the pool's ReferralAck, against a real store in a mkdtemp() directory
 * and configs built by hand (freed here, not by config_free()).
 */
#include "routine_flow.h"
#include "store_queue.h"
#include "store_referral.h"

#define NOW T0   /* every message here is applied at the same instant */

static int setup(void **state) { return routine_fixture_setup(state, "test_routine", NOW); }
static int teardown(void **state) { return routine_fixture_teardown(state); }

/* What a municipality sends to the pool, received there. */
static int
hub_receive(fixture_t *f, msg_t *m, int body_case, const char *from, const char *referral_id,
    err_t *err)
{
	make(m, body_case, from, HUB, referral_id, NULL);
	return routine_receive(f->ss.s, &f->hub, &m->env, from, NOW, err);
}

typedef struct outbox {
	size_t n;
	Famlink__V1__Envelope *env[8];
} outbox_t;

static int
collect(void *ctx, const outbox_row_t *row)
{
	outbox_t *o = ctx;
	err_t err = {0};

	assert_true(o->n < 8);
	o->env[o->n] = envelope_unpack(row->envelope, row->len, &err);
	assert_non_null(o->env[o->n]);
	o->n++;
	return 0;
}

static void
outbox_read(fixture_t *f, const char *peer, outbox_t *o)
{
	err_t err = {0};

	memset(o, 0, sizeof(*o));
	assert_int_equal(store_outbox_scan(f->ss.s, peer, 0, 8, collect, o, &err), 0);
}

static void
outbox_free(outbox_t *o)
{
	for (size_t i = 0; i < o->n; i++)
		envelope_free(&o->env[i]);
	o->n = 0;
}

/* ---- the pool --------------------------------------------------------- */

static void
test_hub_referral_acknowledged(void **state)
{
	fixture_t *f = *state;
	Famlink__V1__Envelope *ack;
	msg_t ref;
	outbox_t o;
	err_t err = {0};

	assert_int_equal(hub_receive(f, &ref, BODY(REFERRAL), M180, REF, &err), ROUTINE_OK);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");

	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 1);
	outbox_read(f, M180, &o);
	assert_int_equal(o.n, 1);
	ack = o.env[0];
	assert_int_equal(ack->body_case, BODY(REFERRAL_ACK));
	assert_string_equal(ack->sender, HUB);
	assert_string_equal(ack->recipient, M180);
	assert_string_equal(ack->referral_id, REF);
	assert_string_equal(ack->answers_message_id, ref.id);
	assert_int_equal(ack->sequence, 1);
	assert_true(ack->confidential);
	assert_int_equal(strlen(ack->message_id), MESSAGE_ID_LEN);
	assert_string_not_equal(ack->message_id, ref.id);
	assert_string_equal(ack->referral_ack->referral_id, REF);
	assert_int_equal(ack->referral_ack->received_at_ms, NOW);
	assert_non_null(ack->referral_ack->pool_contact);
	assert_string_equal(ack->referral_ack->pool_contact->name, "Lars Ängström");
	assert_string_equal(ack->referral_ack->pool_contact->phone, "070-123 45 67");
	assert_string_equal(ack->referral_ack->pool_contact->email,
	    "lars.angstrom@nordvast.example");
	outbox_free(&o);
	assert_int_equal(qn(f, "SELECT count(*) FROM audit WHERE event = 'out'"
	    " AND body_type = 'referral_ack' AND peer = 'municipality:0180'"), 1);
}

static void
test_hub_duplicate_referral(void **state)
{
	fixture_t *f = *state;
	msg_t ref, again;
	err_t err = {0};

	assert_int_equal(hub_receive(f, &ref, BODY(REFERRAL), M180, REF, &err), ROUTINE_OK);
	assert_int_equal(store_referral_set_state(f->ss.s, M180, REF, "matching", NOW, &err), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(hub_receive(f, &again, BODY(REFERRAL), M180, REF, &err), ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(NOT_ALLOWED));
	assert_int_equal(err.code, 7);
	assert_non_null(strstr(err.msg, REF));
	/* Nothing changed: the state stands, no second ack. */
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(qn(f, "SELECT count(*) FROM referrals"), 1);
}

static void
test_hub_referral_ids_per_owner(void **state)
{
	fixture_t *f = *state;
	msg_t a, b;
	outbox_t o;
	err_t err = {0};

	assert_int_equal(hub_receive(f, &a, BODY(REFERRAL), M180, REF, &err), ROUTINE_OK);
	assert_int_equal(hub_receive(f, &b, BODY(REFERRAL), M181, REF, &err), ROUTINE_OK);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_string_equal(RSTATE(f, M181, REF), "acknowledged");
	assert_int_equal(qn(f, "SELECT count(*) FROM referrals"), 2);

	/* Each gets its own ack in its own channel; 0181 has no contact set. */
	outbox_read(f, M181, &o);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.env[0]->recipient, M181);
	assert_string_equal(o.env[0]->answers_message_id, b.id);
	assert_int_equal(o.env[0]->sequence, 1);
	assert_null(o.env[0]->referral_ack->pool_contact);
	outbox_free(&o);
	outbox_read(f, M180, &o);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.env[0]->answers_message_id, a.id);
	outbox_free(&o);
}

static void
test_hub_other_owner_reads_as_unknown(void **state)
{
	fixture_t *f = *state;
	static const char never[] = "0181-2026-0007";
	char theirs[sizeof(err_t)], unknown[sizeof(err_t)];
	msg_t ref, q1, q2, own;
	err_t e1 = {0}, e2 = {0};

	assert_int_equal(hub_receive(f, &ref, BODY(REFERRAL), M180, REF, &e1), ROUTINE_OK);

	/* 0181 asks about 0180's referral, and about one nobody has. */
	assert_int_equal(hub_receive(f, &q1, BODY(INFO_REQUEST), M181, REF, &e1), ROUTINE_REFUSED);
	assert_int_equal(hub_receive(f, &q2, BODY(INFO_REQUEST), M181, never, &e2),
	    ROUTINE_REFUSED);
	assert_int_equal(e1.code, CODE(UNKNOWN_REFERRAL));
	assert_int_equal(e1.code, 8);
	assert_int_equal(e2.code, e1.code);
	msg_without(e1.msg, REF, theirs, sizeof(theirs));
	msg_without(e2.msg, never, unknown, sizeof(unknown));
	assert_string_equal(theirs, unknown);
	assert_null(strstr(e1.msg, M180));   /* the owner is not named */
	/* Nothing was created or answered for 0181. */
	assert_string_equal(RSTATE(f, M181, REF), "(none)");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox WHERE peer = 'municipality:0181'"),
	    0);

	/* The owner may ask about its own; the state stays. */
	assert_int_equal(hub_receive(f, &own, BODY(INFO_REQUEST), M180, REF, &e1), ROUTINE_OK);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
}

static void
test_hub_direction(void **state)
{
	fixture_t *f = *state;
	char rbuf[65] = "";
	msg_t ref, ack, ack2, out;
	err_t err = {0};

	assert_int_equal(hub_receive(f, &ref, BODY(REFERRAL), M180, REF, &err), ROUTINE_OK);
	assert_int_equal(hub_receive(f, &ack, BODY(REFERRAL_ACK), M180, REF, &err),
	    ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(NOT_ALLOWED));
	assert_non_null(strstr(err.msg, "referral_ack"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(hub_receive(f, &ack2, BODY(REFERRAL_REJECTED), M180, REF, &err),
	    ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(NOT_ALLOWED));
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");

	/* Nor may the pool send what only municipalities send. */
	make(&out, BODY(REFERRAL), HUB, M180, "0180-2026-0099", NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(routine_send(f->ss.s, &f->hub, &out.env, rbuf, 0, NOW, &err), ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(NOT_ALLOWED));
	assert_string_equal(RSTATE(f, M180, "0180-2026-0099"), "(none)");
}

static void
test_hub_send_resolves_owner(void **state)
{
	fixture_t *f = *state;
	char rbuf[65] = "";
	msg_t ref, ref2, ref3, ask, rej, bad, both, expl;
	err_t err = {0};

	assert_int_equal(hub_receive(f, &ref, BODY(REFERRAL), M181, "0181-2026-0001", &err),
	    ROUTINE_OK);

	make(&ask, BODY(INFO_REQUEST), HUB, "", "0181-2026-0001", NULL);
	assert_int_equal(routine_send(f->ss.s, &f->hub, &ask.env, rbuf, 0, NOW, &err), ROUTINE_OK);
	assert_ptr_equal(ask.env.recipient, rbuf);
	assert_string_equal(rbuf, M181);

	make(&rej, BODY(REFERRAL_REJECTED), HUB, "", "0181-2026-0001", NULL);
	memset(rbuf, 0, sizeof(rbuf));
	assert_int_equal(routine_send(f->ss.s, &f->hub, &rej.env, rbuf, 0, NOW, &err), ROUTINE_OK);
	assert_string_equal(rej.env.recipient, M181);
	assert_string_equal(RSTATE(f, M181, "0181-2026-0001"), "rejected");

	/* No such referral. */
	make(&bad, BODY(INFO_REQUEST), HUB, "", "0181-2026-0404", NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(routine_send(f->ss.s, &f->hub, &bad.env, rbuf, 0, NOW, &err), ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(UNKNOWN_REFERRAL));

	/* The same id at two municipalities: the operator must say which. */
	assert_int_equal(hub_receive(f, &ref2, BODY(REFERRAL), M180, REF, &err), ROUTINE_OK);
	assert_int_equal(hub_receive(f, &ref3, BODY(REFERRAL), M181, REF, &err), ROUTINE_OK);
	make(&both, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(routine_send(f->ss.s, &f->hub, &both.env, rbuf, 0, NOW, &err), ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(INVALID));
	make(&expl, BODY(INFO_REQUEST), HUB, M180, REF, NULL);
	assert_int_equal(routine_send(f->ss.s, &f->hub, &expl.env, rbuf, 0, NOW, &err), ROUTINE_OK);
	assert_string_equal(expl.env.recipient, M180);

	/* A given recipient must own the referral. */
	make(&expl, BODY(INFO_REQUEST), HUB, M180, "0181-2026-0001", NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(routine_send(f->ss.s, &f->hub, &expl.env, rbuf, 0, NOW, &err), ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(UNKNOWN_REFERRAL));
}

static void
test_referral_closed(void **state)
{
	fixture_t *f = *state;
	msg_t ref, closing, closing2;
	err_t err = {0};

	assert_int_equal(hub_receive(f, &ref, BODY(REFERRAL), M180, REF, &err), ROUTINE_OK);
	assert_int_equal(hub_receive(f, &closing, BODY(REFERRAL_CLOSED), M180, REF, &err),
	    ROUTINE_OK);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	/* Closing someone else's is closing an unknown one. */
	assert_int_equal(hub_receive(f, &closing2, BODY(REFERRAL_CLOSED), M181, REF, &err),
	    ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(UNKNOWN_REFERRAL));
	assert_string_equal(RSTATE(f, M180, REF), "closed");
}

/* ---- a municipality --------------------------------------------------- */

static void
test_municipality_send_referral(void **state)
{
	fixture_t *f = *state;
	char rbuf[65] = "";
	msg_t ref, again, closing;
	err_t err = {0};

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	assert_int_equal(routine_send(f->ss.s, &f->muni, &ref.env, rbuf, 0, NOW, &err), ROUTINE_OK);
	assert_string_equal(RSTATE(f, M180, REF), "submitted");
	assert_string_equal(ref.env.recipient, HUB);
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 0);   /* the caller enqueues */

	make(&again, BODY(REFERRAL), M180, HUB, REF, NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(routine_send(f->ss.s, &f->muni, &again.env, rbuf, 0, NOW, &err),
	    ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(NOT_ALLOWED));
	assert_string_equal(RSTATE(f, M180, REF), "submitted");

	make(&closing, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
	assert_int_equal(routine_send(f->ss.s, &f->muni, &closing.env, rbuf, 0, NOW, &err), ROUTINE_OK);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
}

static void
test_municipality_receive(void **state)
{
	fixture_t *f = *state;
	char rbuf[65] = "";
	msg_t ref, ack, stray, rej, ref_in, ack_out;
	err_t err = {0};

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	assert_int_equal(routine_send(f->ss.s, &f->muni, &ref.env, rbuf, 0, NOW, &err), ROUTINE_OK);

	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	ack.env.answers_message_id = ref.id;
	assert_int_equal(routine_receive(f->ss.s, &f->muni, &ack.env, HUB, NOW, &err), ROUTINE_OK);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 0);   /* no ack of an ack */

	make(&stray, BODY(REFERRAL_ACK), HUB, M180, "0180-2026-0404", NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(routine_receive(f->ss.s, &f->muni, &stray.env, HUB, NOW, &err),
	    ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(UNKNOWN_REFERRAL));
	assert_string_equal(RSTATE(f, M180, "0180-2026-0404"), "(none)");

	make(&rej, BODY(REFERRAL_REJECTED), HUB, M180, REF, NULL);
	assert_int_equal(routine_receive(f->ss.s, &f->muni, &rej.env, HUB, NOW, &err), ROUTINE_OK);
	assert_string_equal(RSTATE(f, M180, REF), "rejected");

	/* A Referral goes to the pool, never to a municipality. */
	make(&ref_in, BODY(REFERRAL), HUB, M180, "0180-2026-0100", NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(routine_receive(f->ss.s, &f->muni, &ref_in.env, HUB, NOW, &err),
	    ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(NOT_ALLOWED));
	assert_string_equal(RSTATE(f, M180, "0180-2026-0100"), "(none)");
	/* Nor does a municipality send a ReferralAck. */
	make(&ack_out, BODY(REFERRAL_ACK), M180, HUB, REF, NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(routine_send(f->ss.s, &f->muni, &ack_out.env, rbuf, 0, NOW, &err),
	    ROUTINE_REFUSED);
	assert_int_equal(err.code, CODE(NOT_ALLOWED));
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hub_referral_acknowledged),
		T(test_hub_duplicate_referral),
		T(test_hub_referral_ids_per_owner),
		T(test_hub_other_owner_reads_as_unknown),
		T(test_hub_direction),
		T(test_hub_send_resolves_owner),
		T(test_referral_closed),
		T(test_municipality_send_referral),
		T(test_municipality_receive),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
