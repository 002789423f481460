/*
 * test_routine_dialogue — the dialogue of a referral, answered by ids
 * (routine_flow.h): a question once, by the side it was put to; an ad
 * decided once, proposed again only after a revision; both refused
 * otherwise at either end, and chased by deadlines until answered. Also
 * the pool's own deadline for the family's answer, and a contact that
 * cannot be dated after the day it is reported.
 */
#include "routine_flow.h"

static int setup(void **state) { return routine_fixture_setup(state, "test_routine_dialogue", T0); }
static int teardown(void **state) { return routine_fixture_teardown(state); }

/* A contact is reported once made: not dated after the day the message was
 * made, refused so at both ends. */
static void
test_contact_not_in_future(void **state)
{
	fixture_t *f = *state;
	msg_t cm;

	hub_passed_on(f, M180, REF, "P1", "FH-0042");
	make(&cm, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	cm.env.created_at_ms = T0;   /* Monday 5 January, 10:30 in Stockholm */
	cm.b.contact.contacted_on = "2026-01-06";
	refused(f, hub_recv, &cm, 0, NULL, CODE(INVALID), "contactMade.contactedOn", "2026-01-06",
	    "2026-01-05", NULL);
	cm.b.contact.contacted_on = "2026-01-05";
	apply_ok(f, hub_recv, &cm, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contacted");
}

/* The sending side refuses it too, in the same words. */
static void
test_municipality_contact_not_in_future(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ack, fp, pd, fc, cm;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &ref, 0);
	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ack, 0);
	make(&fp, BODY(FAMILY_PROPOSAL), HUB, M180, REF, "P1");
	apply_ok(f, muni_recv, &fp, 0);
	make(&pd, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	apply_ok(f, muni_send, &pd, 0);
	assert_open_wd_deadline(f, M180, REF, "P1", "", "family_consent", "pool", pd.at,
	    FAMILY_CONSENT_WD);
	make(&fc, BODY(FAMILY_CONSENT), HUB, M180, REF, "P1");
	apply_ok(f, muni_recv, &fc, 0);
	assert_int_equal(deadlines(f, M180, REF, "P1", "family_consent", "met"), 1);

	make(&cm, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	cm.env.created_at_ms = T0 + 13 * 3600000LL;   /* 23:30 in Stockholm, still the 5th */
	cm.b.contact.contacted_on = "2026-01-06";
	refused(f, muni_send, &cm, 0, NULL, CODE(INVALID), "contactMade.contactedOn", "2026-01-06",
	    "2026-01-05", NULL);
}

/* A family that declines ends the pool's consent deadline too. */
static void
test_family_declines_meets_consent_deadline(void **state)
{
	fixture_t *f = *state;
	msg_t fc;

	hub_referral(f, M180, REF);
	hub_propose(f, M180, REF, "P1", "FH-0042");
	hub_decide(f, M180, REF, "P1", true);
	assert_int_equal(deadlines(f, M180, REF, "P1", "family_consent", "open"), 1);
	make(&fc, BODY(FAMILY_CONSENT), HUB, "", REF, "P1");
	fc.b.consent.consent_given = false;
	fc.b.consent.family_contact = NULL;
	apply_ok(f, hub_send, &fc, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "family_declined");
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 0);
	assert_int_equal(deadlines(f, M180, REF, "P1", "family_consent", "met"), 1);
}

/* Questions and ads are answered by their ids, once, by the side they were
 * put to; anything else is refused at both ends and changes nothing. */
static void
test_dialogue_by_ids(void **state)
{
	fixture_t *f = *state;
	msg_t ask, mask, reply, ad, dec;

	hub_referral(f, M180, REF);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	refused(f, hub_recv, &reply, 0, NULL, CODE(NOT_ALLOWED), NAMED, "has no question q-1",
	    NULL);
	make(&ask, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ask, 0);
	/* The pool cannot answer its own question, nor ask it twice. */
	make(&reply, BODY(INFO_REPLY), HUB, "", REF, NULL);
	refused(f, hub_send, &reply, 0, NULL, CODE(NOT_ALLOWED), NAMED, "question q-1",
	    "asked_by_pool", NULL);
	make(&ask, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	refused(f, hub_send, &ask, 0, NULL, CODE(NOT_ALLOWED), NAMED, "question q-1",
	    "asked_by_pool", NULL);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &reply, 0);
	refused(f, hub_recv, &reply, 0, NULL, CODE(NOT_ALLOWED), NAMED, "question q-1",
	    "answered", NULL);

	/* The municipality asks too, under its own id; the pool answers it. */
	make(&mask, BODY(INFO_REQUEST), M180, HUB, REF, NULL);
	mask.b.info.question_id = "m-1";
	apply_ok(f, hub_recv, &mask, 0);
	assert_string_equal(DSTATE(f, M180, REF, "question", "m-1"), "asked_by_municipality");
	assert_open_wd_deadline(f, M180, REF, "", "m-1", "info_reply", "pool", mask.at,
	    INFO_REPLY_WD);
	make(&reply, BODY(INFO_REPLY), HUB, "", REF, NULL);
	reply.b.reply.question_id = "m-1";
	apply_ok(f, hub_send, &reply, 0);
	assert_string_equal(DSTATE(f, M180, REF, "question", "m-1"), "answered");

	/* An ad: decided once; a revised one may be proposed again. */
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	refused(f, hub_recv, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "acknowledged", NULL);
	make(&ad, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ad, 0);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	dec.b.ad_decision.ad_id = "ad-2";
	refused(f, hub_recv, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "has no ad ad-2", NULL);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	dec.b.ad_decision.verdict = FAMLINK__V1__AD_VERDICT__AD_VERDICT_REVISE;
	dec.b.ad_decision.revised_text = "Vill du bli kontaktfamilj?";
	apply_ok(f, hub_recv, &dec, 0);
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "revised");
	refused(f, hub_recv, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "ad ad-1", "revised", NULL);
	make(&ad, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ad, 0);
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "proposed");
	assert_int_equal(deadlines(f, M180, REF, NULL, "ad_decision", "open"), 1);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	dec.b.ad_decision.verdict = FAMLINK__V1__AD_VERDICT__AD_VERDICT_DECLINE;
	apply_ok(f, hub_recv, &dec, 0);
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "declined");
	make(&ad, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	refused(f, hub_send, &ad, 0, NULL, CODE(NOT_ALLOWED), NAMED, "ad ad-1", "declined", NULL);
	assert_int_equal(deadlines(f, M180, REF, NULL, "ad_decision", "open"), 0);
	assert_int_equal(deadlines(f, M180, REF, NULL, "ad_decision", "met"), 2);
}

/* The municipality's side refuses the same before anything is sent. */
static void
test_municipality_dialogue_by_ids(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ack, reply, dec, ad;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &ref, 0);
	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ack, 0);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	refused(f, muni_send, &reply, 0, NULL, CODE(NOT_ALLOWED), NAMED, "has no question q-1",
	    NULL);
	make(&ad, BODY(AD_PROPOSAL), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ad, 0);
	assert_open_wd_deadline(f, M180, REF, "", "ad-1", "ad_decision", M180, ad.at,
	    AD_DECISION_WD);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	dec.b.ad_decision.ad_id = "ad-9";
	refused(f, muni_send, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "has no ad ad-9", NULL);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &dec, 0);
	refused(f, muni_send, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "ad ad-1", "approved", NULL);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_contact_not_in_future),
		T(test_municipality_contact_not_in_future),
		T(test_family_declines_meets_consent_deadline),
		T(test_dialogue_by_ids),
		T(test_municipality_dialogue_by_ids),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
