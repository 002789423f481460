/*
 * test_routine_flow — seed 000's routine end to end (routine_flow.h): the
 * whole path at the pool and at a municipality, both directions; every
 * transition the table refuses (refused before anything is written: each
 * refusal compares a dump of the store before and after); the pool's
 * ledger of families passed on; another municipality's referral, which
 * reads exactly like an unknown one; answers crossing a close. The pool's
 * checks of a Referral are in test_routine_checks.c, the dialogue
 * (questions and ads) in test_routine_dialogue.c, the pool's ReferralAck
 * and who may send what in test_routine.c.
 */
#include "routine_flow.h"

static int setup(void **state) { return routine_fixture_setup(state, "test_routine_flow", T0); }
static int teardown(void **state) { return routine_fixture_teardown(state); }

/* ---- 1: the whole routine at the pool ---------------------------------- */

static void
test_hub_whole_routine(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ask, reply, ad, add, fp, pd, fc, cm, sr, sr2, fr, cl;
	family_holder_t h;
	err_t err = {0};

	/* [1-2] The Referral, and the ReferralAck queued with it. */
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &ref, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox WHERE peer = %Q AND referral_id = %Q"
	    " AND body_type = 'referral_ack'", M180, REF), 1);
	assert_int_equal(qn(f, "SELECT submitted_at = %lld AND answered_at = %lld FROM referrals"
	    " WHERE owner = %Q AND referral_id = %Q", ref.at, ref.at, M180, REF), 1);
	/* The pool answers at once: no acknowledge deadline at the pool. */
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines"), 0);

	/* InfoRequest out (the recipient found from the owner), InfoReply in:
	 * the question is the municipality's to answer, by its id. */
	make(&ask, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ask, 0);
	assert_string_equal(ask.env.recipient, M180);
	assert_string_equal(DSTATE(f, M180, REF, "question", "q-1"), "asked_by_pool");
	assert_open_wd_deadline(f, M180, REF, "", "q-1", "info_reply", M180, ask.at, INFO_REPLY_WD);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &reply, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_string_equal(DSTATE(f, M180, REF, "question", "q-1"), "answered");
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'info_reply' AND"
	    " item_id = 'q-1' AND state = 'met' AND closed_at = %lld", reply.at), 1);

	/* [3-4] An ad: matching, and the municipality's to decide. */
	make(&ad, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ad, 0);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "proposed");
	assert_open_wd_deadline(f, M180, REF, "", "ad-1", "ad_decision", M180, ad.at, AD_DECISION_WD);
	make(&add, BODY(AD_DECISION), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &add, 0);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "approved");
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'ad_decision' AND"
	    " item_id = 'ad-1' AND state = 'met' AND closed_at = %lld", add.at), 1);

	/* [6] A family, by its register number. */
	make(&fp, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P1");
	fp.b.proposal.family_reference = "FH-0042";
	apply_ok(f, hub_send, &fp, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "proposed");
	assert_string_equal(PCOL(f, "family_ref", M180, REF, "P1"), "FH-0042");
	assert_string_equal(PCOL(f, "passed_on_at", M180, REF, "P1"), "(null)");

	/* [7] The municipality goes on: the pool's to ask the family. The
	 * family consents. */
	make(&pd, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	apply_ok(f, hub_recv, &pd, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "accepted");
	assert_string_equal(PCOL(f, "passed_on_at", M180, REF, "P1"), "(null)");
	assert_open_wd_deadline(f, M180, REF, "P1", "", "family_consent", "pool", pd.at,
	    FAMILY_CONSENT_WD);

	make(&fc, BODY(FAMILY_CONSENT), HUB, "", REF, "P1");
	apply_ok(f, hub_send, &fc, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contact_details_sent");
	assert_int_equal(qn(f, "SELECT passed_on_at FROM proposals WHERE owner = %Q AND"
	    " referral_id = %Q AND proposal_id = 'P1'", M180, REF), fc.at);
	assert_string_equal(PCOL(f, "ended_at", M180, REF, "P1"), "(null)");
	assert_int_equal(store_family_holder(f->ss.s, "FH-0042", &h, &err), 1);
	assert_string_equal(h.owner, M180);
	assert_string_equal(h.referral_id, REF);
	assert_string_equal(h.proposal_id, "P1");
	assert_int_equal(h.since, fc.at);
	assert_open_deadline(f, M180, REF, "P1", "first_contact", M180, FIRST_CONTACT_AT(fc.at));
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(fc.at));
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 2);
	assert_int_equal(deadlines(f, M180, REF, "P1", "family_consent", "met"), 1);

	/* [8] First contact: its deadline met, the status report's still open. */
	make(&cm, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	apply_ok(f, hub_recv, &cm, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contacted");
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'first_contact'"
	    " AND proposal_id = 'P1' AND state = 'met' AND closed_at = %lld", cm.at), 1);
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(fc.at));

	/* [9] A status report meets its deadline and opens the next; a second
	 * one keeps the state and does the same again. */
	make(&sr, BODY(STATUS_REPORT), M180, HUB, REF, "P1");
	apply_ok(f, hub_recv, &sr, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "status_reported");
	assert_int_equal(qn(f, "SELECT last_status FROM proposals WHERE proposal_id = 'P1'"),
	    STATUS(INVESTIGATING));
	assert_int_equal(qn(f, "SELECT last_status_at FROM proposals WHERE proposal_id = 'P1'"),
	    sr.at);
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'status_report'"
	    " AND started_at = %lld AND state = 'met' AND closed_at = %lld", fc.at, sr.at), 1);
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(sr.at));
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 1);

	make(&sr2, BODY(STATUS_REPORT), M180, HUB, REF, "P1");
	sr2.b.status.status = STATUS(MEETING_PLANNED);
	apply_ok(f, hub_recv, &sr2, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "status_reported");
	assert_int_equal(qn(f, "SELECT last_status FROM proposals WHERE proposal_id = 'P1'"),
	    STATUS(MEETING_PLANNED));
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(sr2.at));
	assert_int_equal(deadlines(f, M180, REF, "P1", "status_report", "met"), 2);
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 1);

	/* [10] The family comes back: every deadline of P1 met, the family free. */
	make(&fr, BODY(FAMILY_RETURNED), M180, HUB, REF, "P1");
	apply_ok(f, hub_recv, &fr, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "returned");
	assert_int_equal(qn(f, "SELECT ended_at FROM proposals WHERE proposal_id = 'P1'"), fr.at);
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 0);
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE proposal_id = 'P1'"
	    " AND state = 'met' AND closed_at = %lld", fr.at), 1);
	assert_int_equal(store_family_holder(f->ss.s, "FH-0042", &h, &err), 0);
	assert_string_equal(RSTATE(f, M180, REF), "matching");

	/* A second family, to placement; a third only proposed; a fourth
	 * passed on, its deadlines open when the referral closes. */
	hub_propose(f, M180, REF, "P2", "FH-0043");
	hub_decide(f, M180, REF, "P2", true);
	hub_consent(f, M180, REF, "P2");
	hub_status(f, M180, REF, "P2", STATUS(PLACEMENT_DECIDED), "placed");
	assert_int_equal(deadlines(f, M180, REF, "P2", NULL, "open"), 0);
	assert_int_equal(deadlines(f, M180, REF, "P2", NULL, "met"), 3);
	assert_string_not_equal(PCOL(f, "ended_at", M180, REF, "P2"), "(null)");
	hub_propose(f, M180, REF, "P3", "FH-0044");
	hub_propose(f, M180, REF, "P4", "FH-0045");
	hub_decide(f, M180, REF, "P4", true);
	hub_consent(f, M180, REF, "P4");
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 2);
	assert_int_equal(store_family_holder(f->ss.s, "FH-0045", &h, &err), 1);

	/* [11] Closed, placed with P2: the rest withdrawn, open deadlines
	 * cancelled, no family held by the closed referral. */
	make(&cl, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P2");
	apply_ok(f, hub_recv, &cl, 0);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_int_equal(qn(f, "SELECT outcome FROM referrals WHERE referral_id = %Q", REF),
	    OUTCOME(PLACED_WITH_PROPOSAL));
	assert_int_equal(qn(f, "SELECT closed_at FROM referrals WHERE referral_id = %Q", REF),
	    cl.at);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "returned");
	assert_string_equal(PSTATE(f, M180, REF, "P2"), "placed");
	assert_string_equal(PSTATE(f, M180, REF, "P3"), "withdrawn");
	assert_string_equal(PSTATE(f, M180, REF, "P4"), "withdrawn");
	assert_int_equal(qn(f, "SELECT count(*) FROM proposals WHERE proposal_id IN ('P3', 'P4')"
	    " AND ended_at = %lld", cl.at), 2);
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 0);
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE proposal_id = 'P4'"
	    " AND state = 'cancelled' AND closed_at = %lld", cl.at), 2);
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "cancelled"), 2);
	assert_int_equal(store_family_holder(f->ss.s, "FH-0045", &h, &err), 0);

	/* Every step, in order; the answers to it were the caller's to queue. */
	assert_string_equal(transitions(f, M180),
	    ":referral:none>submitted:0 :ack:submitted>acknowledged:0"
	    " :ad_proposal:acknowledged>matching:0"
	    " P1:family_proposal:none>proposed:0 P1:proceed:proposed>accepted:0"
	    " P1:consent_given:accepted>contact_details_sent:0"
	    " P1:contact_made:contact_details_sent>contacted:0"
	    " P1:status:contacted>status_reported:2 P1:status:status_reported>status_reported:3"
	    " P1:family_returned:status_reported>returned:0"
	    " P2:family_proposal:none>proposed:0 P2:proceed:proposed>accepted:0"
	    " P2:consent_given:accepted>contact_details_sent:0"
	    " P2:status_placed:contact_details_sent>placed:4"
	    " P3:family_proposal:none>proposed:0"
	    " P4:family_proposal:none>proposed:0 P4:proceed:proposed>accepted:0"
	    " P4:consent_given:accepted>contact_details_sent:0"
	    " P3:closed:proposed>withdrawn:0 P4:closed:contact_details_sent>withdrawn:0"
	    " :closed:matching>closed:1");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(qn(f, "SELECT count(*) FROM referrals"), 1);
	/* A mail for the pool's contact about each received message that
	 * needs a person, in order, with ids only; none for the Referral
	 * (its acknowledge deadline chases it), ProposalDecision, ContactMade
	 * or ReferralClosed. */
	assert_string_equal(q(f, "SELECT group_concat(kind || '/' || proposal_id, ' ') FROM"
	    " (SELECT kind, proposal_id FROM notifications WHERE event = 'message' AND"
	    " recipient = 'pool_contact' AND owner = %Q AND referral_id = %Q ORDER BY id)", M180,
	    REF), "info_reply/ ad_decision/ status_report/P1 status_report/P1 family_returned/P1"
	    " status_report/P2");
	assert_int_equal(qn(f, "SELECT count(*) FROM notifications WHERE event = 'message' AND"
	    " (message_id = '' OR due_at IS NOT NULL OR deadline_id IS NOT NULL)"), 0);
}

/* ---- 2: the same at a municipality ------------------------------------- */

static void
test_municipality_whole_routine(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ack, ask, reply, ad, add, fp, pd, fc, cm, sr, cl, em;

	/* [1] Sent: submitted, the pool's acknowledge deadline open. */
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &ref, 0);
	assert_string_equal(RSTATE(f, M180, REF), "submitted");
	assert_open_deadline(f, M180, REF, "", "acknowledge", "pool", ACK_AT(ref.at));
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines"), 1);

	/* [2] Acknowledged: the deadline met then. */
	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ack, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'acknowledge'"
	    " AND state = 'met' AND closed_at = %lld", ack.at), 1);
	assert_int_equal(qn(f, "SELECT answered_at FROM referrals WHERE referral_id = %Q", REF),
	    ack.at);

	make(&ask, BODY(INFO_REQUEST), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ask, 0);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &reply, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");

	make(&ad, BODY(AD_PROPOSAL), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ad, 0);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	make(&add, BODY(AD_DECISION), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &add, 0);

	/* [6-7] A family proposed, taken, consenting: deadlines open. */
	make(&fp, BODY(FAMILY_PROPOSAL), HUB, M180, REF, "P1");
	fp.b.proposal.family_reference = "FH-0042";
	apply_ok(f, muni_recv, &fp, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "proposed");
	assert_string_equal(PCOL(f, "family_ref", M180, REF, "P1"), "FH-0042");
	make(&pd, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	apply_ok(f, muni_send, &pd, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "accepted");
	make(&fc, BODY(FAMILY_CONSENT), HUB, M180, REF, "P1");
	apply_ok(f, muni_recv, &fc, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contact_details_sent");
	assert_int_equal(qn(f, "SELECT passed_on_at FROM proposals WHERE proposal_id = 'P1'"),
	    fc.at);
	assert_open_deadline(f, M180, REF, "P1", "first_contact", M180, FIRST_CONTACT_AT(fc.at));
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(fc.at));

	/* [8-9, 11] */
	make(&cm, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	apply_ok(f, muni_send, &cm, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contacted");
	assert_int_equal(deadlines(f, M180, REF, "P1", "first_contact", "met"), 1);
	make(&sr, BODY(STATUS_REPORT), M180, HUB, REF, "P1");
	sr.b.status.status = STATUS(PLACEMENT_DECIDED);
	apply_ok(f, muni_send, &sr, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "placed");
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 0);
	make(&cl, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P1");
	apply_ok(f, muni_send, &cl, 0);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "placed");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 0);   /* the caller enqueues */
	/* The secretary hears of each received message that needs her. */
	assert_string_equal(q(f, "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM"
	    " notifications WHERE event = 'message' AND recipient = 'secretary' AND owner = %Q"
	    " ORDER BY id)", M180), "referral_ack info_request ad_proposal family_proposal"
	    " family_consent");
	assert_int_equal(qn(f, "SELECT count(*) FROM notifications WHERE message_id = %Q",
	    fp.id), 1);

	/* An emergency home: the pool has two hours. */
	make(&em, BODY(REFERRAL), M180, HUB, "0180-2026-0043", NULL);
	em.b.ref.kind = FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_EMERGENCY_HOME;
	apply_ok(f, muni_send, &em, 0);
	assert_open_deadline(f, M180, "0180-2026-0043", "", "acknowledge", "pool",
	    EMERGENCY_ACK_AT(em.at));
	assert_int_equal(qn(f, "SELECT due_at - started_at FROM deadlines WHERE referral_id ="
	    " '0180-2026-0043'"), 2 * 3600000LL);
}

/* ---- 3: refused, and nothing changed ----------------------------------- */

static void
test_refused_proposal_steps(void **state)
{
	fixture_t *f = *state;
	msg_t m;

	hub_referral(f, M180, REF);
	hub_propose(f, M180, REF, "P1", "FH-0042");

	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF, "P1");
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is proposed", NULL);
	make(&m, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P1");
	m.b.proposal.family_reference = "FH-0099";
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "P1", REF, "proposed", NULL);

	hub_decide(f, M180, REF, "P1", true);
	make(&m, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);
	make(&m, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	m.b.decision.verdict = VERDICT(DECLINE);
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);
	make(&m, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);
	make(&m, BODY(FAMILY_RETURNED), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);

	/* A proposal never made. */
	make(&m, BODY(STATUS_REPORT), M180, HUB, REF, "P9");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "referral " REF,
	    "no proposal P9", NULL);
	make(&m, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P9");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "no proposal P9", NULL);

	/* Placed with a proposal whose contact details never went out. */
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P404");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "no proposal P404", NULL);

	/* The pool proposes no family without its register number. */
	make(&m, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P2");
	refused(f, hub_send, &m, 0, NULL, CODE(INVALID), "familyReference", NULL);

	/* A referral nobody has. */
	make(&m, BODY(CONTACT_MADE), M180, HUB, "0180-2026-0404", "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(UNKNOWN_REFERRAL), "no referral 0180-2026-0404",
	    NULL);

	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "accepted");
	assert_int_equal(qn(f, "SELECT count(*) FROM proposals"), 1);
}

static void
test_refused_after_close(void **state)
{
	fixture_t *f = *state;
	msg_t m;

	hub_passed_on(f, M180, REF, "P1", "FH-0042");
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &m, 0);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "withdrawn");
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "cancelled"), 2);

	make(&m, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(INFO_REQUEST), M180, HUB, REF, NULL);
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P2");
	m.b.proposal.family_reference = "FH-0050";
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(STATUS_REPORT), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	/* Nor, once closed, a Referral by the same id. */
	make(&m, BODY(REFERRAL), M180, HUB, REF, NULL);
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
}

static void
test_refused_rejected_and_declined(void **state)
{
	fixture_t *f = *state;
	msg_t ref, m;

	/* Rejected (no decision): no work on it. */
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, hub_recv, &ref, 0);
	assert_string_equal(RSTATE(f, M180, REF), "rejected");
	make(&m, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P1");
	m.b.proposal.family_reference = "FH-0042";
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is rejected", NULL);
	make(&m, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is rejected", NULL);
	make(&m, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is rejected", NULL);

	/* Declined: decided once, for good; no consent for it. */
	hub_referral(f, M180, "0180-2026-0050");
	hub_propose(f, M180, "0180-2026-0050", "P1", "FH-0042");
	hub_decide(f, M180, "0180-2026-0050", "P1", false);
	make(&m, BODY(PROPOSAL_DECISION), M180, HUB, "0180-2026-0050", "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral 0180-2026-0050 is declined", NULL);
	make(&m, BODY(FAMILY_CONSENT), HUB, "", "0180-2026-0050", "P1");
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral 0180-2026-0050 is declined", NULL);
}

/* The municipality's own sends are refused in the same words. */
static void
test_municipality_refused(void **state)
{
	fixture_t *f = *state;
	msg_t m;

	make(&m, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	refused(f, muni_send, &m, 0, NULL, CODE(UNKNOWN_REFERRAL), "no referral " REF, NULL);
	make(&m, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &m, 0);
	make(&m, BODY(FAMILY_PROPOSAL), HUB, M180, REF, "P1");
	refused(f, muni_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is submitted", NULL);
	make(&m, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &m, 0);
	make(&m, BODY(FAMILY_PROPOSAL), HUB, M180, REF, "P1");
	apply_ok(f, muni_recv, &m, 0);

	make(&m, BODY(FAMILY_CONSENT), HUB, M180, REF, "P1");
	refused(f, muni_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is proposed", NULL);
	make(&m, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	refused(f, muni_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is proposed", NULL);
	make(&m, BODY(STATUS_REPORT), M180, HUB, REF, "P2");
	refused(f, muni_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "no proposal P2", NULL);
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P1");
	refused(f, muni_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is proposed", NULL);
	make(&m, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	refused(f, muni_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is matching", NULL);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "proposed");
}

/* ---- 5: the ledger of families passed on ------------------------------- */

enum freeing { HELD, FREED_RETURNED, FREED_NOT_GOING_AHEAD, FREED_CLOSED, FREED_PLACED,
    NEVER_PASSED_ON };

/*
 * Family FH-7: passed on to referral A (REF, 0180) as PA, unless
 * NEVER_PASSED_ON (0180 declines it first), then freed as `how` says;
 * proposed to referral B (REF_B, 0181) as PB and accepted there.
 */
static void
ledger_setup(fixture_t *f, enum freeing how)
{
	msg_t m;

	hub_referral(f, M180, REF);
	hub_propose(f, M180, REF, "PA", "FH-7");
	hub_decide(f, M180, REF, "PA", how != NEVER_PASSED_ON);
	if (how != NEVER_PASSED_ON)
		hub_consent(f, M180, REF, "PA");
	switch (how) {
	case FREED_RETURNED:
		make(&m, BODY(FAMILY_RETURNED), M180, HUB, REF, "PA");
		apply_ok(f, hub_recv, &m, 0);
		assert_string_equal(PSTATE(f, M180, REF, "PA"), "returned");
		break;
	case FREED_NOT_GOING_AHEAD:
		hub_status(f, M180, REF, "PA", STATUS(NOT_GOING_AHEAD), "returned");
		break;
	case FREED_PLACED:
		hub_status(f, M180, REF, "PA", STATUS(PLACEMENT_DECIDED), "placed");
		break;
	case FREED_CLOSED:
		make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
		m.b.closed.outcome = OUTCOME(PLACED_ELSEWHERE);
		apply_ok(f, hub_recv, &m, 0);
		assert_string_equal(PSTATE(f, M180, REF, "PA"), "withdrawn");
		break;
	default:
		break;
	}
	hub_referral(f, M181, REF_B);
	hub_propose(f, M181, REF_B, "PB", "FH-7");
	hub_decide(f, M181, REF_B, "PB", true);
}

static void
test_ledger_refuses_family_held(void **state)
{
	fixture_t *f = *state;
	char why[sizeof(((err_t *)0)->msg)];
	msg_t m;

	ledger_setup(f, HELD);
	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF_B, "PB");
	refused(f, hub_send, &m, 0, why, CODE(NOT_ALLOWED), "FH-7", "referral " REF, "PA",
	    NULL);
	assert_null(strstr(why, REF_B));   /* it names the holder, not the one asking */
	assert_string_equal(PSTATE(f, M181, REF_B, "PB"), "accepted");
	assert_string_equal(PSTATE(f, M180, REF, "PA"), "contact_details_sent");

	/* The family declining is no passing on: not held against it. */
	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF_B, "PB");
	m.b.consent.consent_given = false;
	apply_ok(f, hub_send, &m, 0);
	assert_string_equal(PSTATE(f, M181, REF_B, "PB"), "family_declined");
}

static void
test_ledger_override_audited(void **state)
{
	fixture_t *f = *state;
	family_holder_t h;
	err_t err = {0};
	msg_t m;

	ledger_setup(f, HELD);
	assert_int_equal(qn(f, "SELECT count(*) FROM audit WHERE event = 'op'"), 0);
	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF_B, "PB");
	apply_ok(f, hub_send, &m, ROUTINE_OVERRIDE_LEDGER);
	assert_string_equal(PSTATE(f, M181, REF_B, "PB"), "contact_details_sent");
	assert_int_equal(qn(f, "SELECT count(*) FROM audit WHERE event = 'op'"), 1);
	assert_int_equal(qn(f, "SELECT count(*) FROM audit WHERE event = 'op' AND message_id = %Q"
	    " AND peer = %Q AND body_type = 'family_consent' AND at = %lld"
	    " AND detail LIKE '%%ledger override%%'", m.id, M181, m.at), 1);
	assert_int_equal(deadlines(f, M181, REF_B, "PB", NULL, "open"), 2);
	/* A still holds it first. */
	assert_int_equal(store_family_holder(f->ss.s, "FH-7", &h, &err), 1);
	assert_string_equal(h.referral_id, REF);
}

static void
ledger_freed(void **state, enum freeing how)
{
	fixture_t *f = *state;
	family_holder_t h;
	err_t err = {0};
	msg_t m;

	ledger_setup(f, how);
	assert_int_equal(store_family_holder(f->ss.s, "FH-7", &h, &err), 0);
	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF_B, "PB");
	apply_ok(f, hub_send, &m, 0);
	assert_string_equal(PSTATE(f, M181, REF_B, "PB"), "contact_details_sent");
	assert_int_equal(qn(f, "SELECT count(*) FROM audit WHERE event = 'op'"), 0);
	assert_int_equal(store_family_holder(f->ss.s, "FH-7", &h, &err), 1);
	assert_string_equal(h.owner, M181);
	assert_string_equal(h.referral_id, REF_B);
	assert_string_equal(h.proposal_id, "PB");
}

static void test_ledger_free_after_returned(void **s) { ledger_freed(s, FREED_RETURNED); }
static void test_ledger_free_after_not_going_ahead(void **s)
{ ledger_freed(s, FREED_NOT_GOING_AHEAD); }
static void test_ledger_free_after_closed(void **s) { ledger_freed(s, FREED_CLOSED); }
static void test_ledger_free_after_placed(void **s) { ledger_freed(s, FREED_PLACED); }
static void test_ledger_free_after_declined(void **s) { ledger_freed(s, NEVER_PASSED_ON); }

/* ---- 6: another municipality's referral -------------------------------- */

static void
test_other_municipality_reads_as_unknown(void **state)
{
	fixture_t *f = *state;
	static const char never[] = "0181-2026-0404";
	static const int bodies[] = { BODY(CONTACT_MADE), BODY(STATUS_REPORT),
	    BODY(FAMILY_RETURNED), BODY(REFERRAL_CLOSED) };
	char theirs[sizeof(((err_t *)0)->msg)], unknown[sizeof(theirs)];
	char a[sizeof(theirs)], b[sizeof(theirs)];
	msg_t m;

	hub_passed_on(f, M180, REF, "P1", "FH-0042");
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		make(&m, bodies[i], M181, HUB, REF, "P1");
		refused(f, hub_recv, &m, 0, theirs, CODE(UNKNOWN_REFERRAL), NULL);
		make(&m, bodies[i], M181, HUB, never, "P1");
		refused(f, hub_recv, &m, 0, unknown, CODE(UNKNOWN_REFERRAL), NULL);
		msg_without(theirs, REF, a, sizeof(a));
		msg_without(unknown, never, b, sizeof(b));
		assert_string_equal(a, b);
		assert_null(strstr(theirs, M180));
		assert_null(strstr(theirs, "P1"));
		assert_null(strstr(theirs, "contact_details_sent"));
	}
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contact_details_sent");
	assert_string_equal(RSTATE(f, M181, REF), "(none)");
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 2);
}

/* ---- 7: answers crossing the municipality's closing on the wire -------- */

static void
test_municipality_answer_crosses_close(void **state)
{
	fixture_t *f = *state;
	char *before, *after;
	msg_t ref, closing, ack, rej;
	err_t err = {0};

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &ref, 0);
	make(&closing, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
	closing.b.closed.outcome = OUTCOME(DECISION_CHANGED);
	apply_ok(f, muni_send, &closing, 0);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_int_equal(deadlines(f, M180, REF, NULL, "acknowledge", "cancelled"), 1);

	/* Taken (neither side did wrong), and nothing changes. */
	before = snapshot(f);
	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	assert_int_equal(muni_recv(f, &ack, 0, &err), ROUTINE_OK);
	make(&rej, BODY(REFERRAL_REJECTED), HUB, M180, REF, NULL);
	assert_int_equal(muni_recv(f, &rej, 0, &err), ROUTINE_OK);
	after = snapshot(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_string_equal(q(f, "SELECT answered_at FROM referrals"), "(null)");

	/* Anything else after the close is refused. */
	make(&ack, BODY(INFO_REQUEST), HUB, M180, REF, NULL);
	refused(f, muni_recv, &ack, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
}

/* ---- what the routine lets through that it should not ----------------- */

/*
 * ReferralClosed PLACED_WITH_PROPOSAL names the family placed
 * (famlink.proto: proposal_id "with PLACED_WITH_PROPOSAL"). Without the
 * id, the routine closes "placed with a proposal" and withdraws the very
 * family passed on: the ledger and the meeting report lose the placement.
 */
static void
test_closed_placed_with_proposal_needs_its_id(void **state)
{
	fixture_t *f = *state;
	msg_t m;

	hub_passed_on(f, M180, REF, "P1", "FH-0042");
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
	m.b.closed.outcome = OUTCOME(PLACED_WITH_PROPOSAL);
	assert_int_equal(hub_recv(f, &m, 0, &(err_t){0}), ROUTINE_REFUSED);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contact_details_sent");
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hub_whole_routine),
		T(test_municipality_whole_routine),
		T(test_refused_proposal_steps),
		T(test_refused_after_close),
		T(test_refused_rejected_and_declined),
		T(test_municipality_refused),
		T(test_ledger_refuses_family_held),
		T(test_ledger_override_audited),
		T(test_ledger_free_after_returned),
		T(test_ledger_free_after_not_going_ahead),
		T(test_ledger_free_after_closed),
		T(test_ledger_free_after_placed),
		T(test_ledger_free_after_declined),
		T(test_other_municipality_reads_as_unknown),
		T(test_municipality_answer_crosses_close),
		T(test_closed_placed_with_proposal_needs_its_id),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
