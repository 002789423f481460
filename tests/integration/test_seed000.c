/*
 * Integration: the whole of seed 000 between a hub and two municipalities
 * on loopback, every message through `famlinkctl send`: referral and
 * acknowledgement, a referral refused for want of a decision and sent
 * again, questions both ways and an ad, each answered once by its id and
 * chased by a deadline until then, a family proposal seen waiting for the
 * secretary, the decision to proceed (the pool chased for the family's
 * answer), consent with contact details and the basic investigation, first
 * contact, status reports, the family returned, a second family placed, the
 * referral closed. At each step the states at both ends are read from their
 * stores, and the hub's ledger and meeting report from famlinkctl. Also: a
 * family held by one referral cannot be passed to another without an
 * audited override, famlinkctl refuses what the routine forbids before any
 * round trip, and a message that crosses a closing on the wire becomes the
 * sender's dead letter naming the state.
 *
 * The routine is played a second time with the municipalities' case
 * systems on the spool adapter alone: every message a municipality sends
 * is a file dropped into its outbound folder (moved to done/ when taken,
 * to failed/ with its .error when refused, where famlinkctl send would
 * refuse), and every message it receives lands in its inbound folder. The
 * people are told by mail, through a real SMTP server on loopback: each
 * message a secretary or the pool's contact must read brings one mail to
 * that address, naming the message by id and holding none of the
 * referral's personal data.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "smtp_sink.h"

#define OUT 65536
#define WAIT_MS 15000
#define A (&c->muni[0])     /* municipality:0101 */
#define B (&c->muni[1])     /* municipality:0102 */
#define HUB (&c->hub)
#define R1 "0101-2026-0001"
#define R2 "0102-2026-0007"
#define SECRETARY "sara@kommun.example"   /* what REFERRAL_JSON gives */

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return c ? cluster_free(&c) : 0;
}

/* famlinkctl send (with extra before the file, if any) of the JSON that
 * fmt makes (printf-style); its exit status, output in out. */
static int
send_json(node_proc_t *n, char *out, const char *extra, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Municipalities send through their spool folders instead of famlinkctl. */
static bool via_spool;
static int spool_files;

static bool
file_there(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Drops json into n's outbound folder as the case system would (a hidden
 * name, then renamed into place) and waits for it to be taken (0) or
 * refused (1, its .error in out). */
static int
spool_send(node_proc_t *n, const char *json, char *out)
{
	char tmp[800], path[800], done[800], failed[800];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/case/out/.f%03d.json", n->dir, ++spool_files);
	snprintf(path, sizeof(path), "%s/case/out/f%03d.json", n->dir, spool_files);
	snprintf(done, sizeof(done), "%s/case/out/done/f%03d.json", n->dir, spool_files);
	snprintf(failed, sizeof(failed), "%s/case/out/failed/f%03d.json.error", n->dir, spool_files);
	if ((f = fopen(tmp, "w")) == NULL)
		fail_msg("%s: cannot write", tmp);
	fputs(json, f);
	fclose(f);
	if (rename(tmp, path) != 0)
		fail_msg("%s: cannot rename", path);
	for (int waited = 0; waited < WAIT_MS; waited += 20) {
		if (file_there(done))
			return 0;
		if (file_there(failed)) {   /* it appears whole (renamed into place) */
			if ((f = fopen(failed, "r")) == NULL || fgets(out, OUT, f) == NULL)
				fail_msg("%s: cannot read", failed);
			fclose(f);
			return 1;
		}
		usleep(20 * 1000);
	}
	fail_msg("%s: neither taken nor refused", path);
	return -1;
}

static int
send_json(node_proc_t *n, char *out, const char *extra, const char *fmt, ...)
{
	char json[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(json, sizeof(json), fmt, ap);
	va_end(ap);
	if (via_spool && strncmp(n->id, "municipality:", 13) == 0 && extra == NULL)
		return spool_send(n, json, out);
	return ctl_send_json(n, extra, json, out, OUT);
}

#define SEND_OK(n, ...) do { \
	static char o_[OUT]; \
	if (send_json((n), o_, NULL, __VA_ARGS__) != 0) \
		fail_msg("send on %s refused: %s", (n)->id, o_); \
} while (0)

static void
want_state(node_proc_t *n, const char *owner, const char *rid, const char *state)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM referrals WHERE owner = '%s' AND"
	    " referral_id = '%s' AND state = '%s'", owner, rid, state);
	if (!wait_db(n, sql, 1, WAIT_MS))
		fail_msg("%s: referral %s never reached %s", n->id, rid, state);
}

static void
want_proposal(node_proc_t *n, const char *owner, const char *rid, const char *pid,
    const char *state)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM proposals WHERE owner = '%s' AND"
	    " referral_id = '%s' AND proposal_id = '%s' AND state = '%s'", owner, rid, pid, state);
	if (!wait_db(n, sql, 1, WAIT_MS))
		fail_msg("%s: proposal %s never reached %s", n->id, pid, state);
}

/* Both ends agree on a referral's state. */
static void
both(cluster_t *c, node_proc_t *m, const char *rid, const char *state)
{
	want_state(m, m->id, rid, state);
	want_state(HUB, m->id, rid, state);
}

static void
both_p(cluster_t *c, node_proc_t *m, const char *rid, const char *pid, const char *state)
{
	want_proposal(m, m->id, rid, pid, state);
	want_proposal(HUB, m->id, rid, pid, state);
}

static long
open_deadlines(node_proc_t *n, const char *kind, const char *pid)
{
	char sql[400];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM deadlines WHERE state = 'open' AND"
	    " kind = '%s' AND proposal_id = '%s'", kind, pid);
	return db_long(n, sql);
}

/* A question or an ad reaches state at n. */
static void
want_item(node_proc_t *n, const char *rid, const char *item, const char *id,
    const char *state)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM dialogue WHERE referral_id = '%s' AND"
	    " item = '%s' AND item_id = '%s' AND state = '%s'", rid, item, id, state);
	if (!wait_db(n, sql, 1, WAIT_MS))
		fail_msg("%s: %s %s never reached %s", n->id, item, id, state);
}

/* Both ends agree on a question's or an ad's state. */
static void
both_i(cluster_t *c, node_proc_t *m, const char *rid, const char *item, const char *id,
    const char *state)
{
	want_item(m, rid, item, id, state);
	want_item(HUB, rid, item, id, state);
}

/* Deadlines of kind on a question or an ad, in dstate, for actor. */
static long
item_deadlines(node_proc_t *n, const char *kind, const char *id, const char *dstate,
    const char *actor)
{
	char sql[400];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM deadlines WHERE state = '%s' AND"
	    " kind = '%s' AND item_id = '%s' AND actor = '%s'", dstate, kind, id, actor);
	return db_long(n, sql);
}

/* text is in out; says what out held when not. */
#define assert_has(out, text) do { \
	if (strstr((out), (text)) == NULL) \
		fail_msg("no \"%s\" in: %s", (text), (out)); \
} while (0)

/* The output of famlinkctl ARGS on n (exit 0 required). */
static const char *
ctl_out(node_proc_t *n, const char *const *args)
{
	static char out[OUT];
	int rc = ctl_run(n, out, OUT, args);

	if (rc != 0)
		fail_msg("famlinkctl %s on %s: exit %d: %s", args[0], n->id, rc, out);
	return out;
}

static const char *
families_held(cluster_t *c)
{
	static const char *const args[] = { "families", "--passed-on", "--json", NULL };
	return ctl_out(HUB, args);
}

#define REFERRAL_JSON(rid, taken) \
	"{\"referral\": {\"referralId\": \"" rid "\", \"kind\": \"REFERRAL_KIND_FOSTER_HOME\"," \
	" \"urgency\": \"URGENCY_NORMAL\", \"decision\": {\"taken\": " taken ", \"decidedOn\": \"2025-01-15\"}," \
	" \"child\": {\"alias\": \"Alva\", \"birthYear\": 2016, \"needs\": \"Lugn miljö\"}," \
	" \"compensation\": {\"level\": \"Grundarvode\"}," \
	" \"secretary\": {\"name\": \"Sara Handläggare\", \"email\": \"sara@kommun.example\"}," \
	" \"caseReference\": \"IFO-2026-77\"}}"

#define PROPOSAL_JSON "{\"familyProposal\": {\"referralId\": \"%s\", \"proposalId\": \"%s\"," \
	" \"familyReference\": \"%s\", \"family\": {\"summary\": \"Två vuxna, landsbygd\"}}}"
#define DECISION_JSON "{\"proposalDecision\": {\"referralId\": \"%s\", \"proposalId\": \"%s\"," \
	" \"verdict\": \"PROPOSAL_VERDICT_%s\"}}"
#define CONSENT_JSON "{\"familyConsent\": {\"referralId\": \"%s\", \"proposalId\": \"%s\"," \
	" \"consentGiven\": true, \"familyContact\": {\"name\": \"Familjen Test\"," \
	" \"phone\": \"070-000 00 00\"}, \"basicInvestigation\": {\"mediaType\": \"text/plain\"," \
	" \"content\": \"QmFzdXRyZWRuaW5nICh0ZXN0KQ==\"," \
	" \"sha256\": \"A9Pgw5lriQ9BNzIQe9bfZ+3vaRZpA/k3h0GfRKDY9rM=\"}}}"
#define STATUS_JSON "{\"statusReport\": {\"referralId\": \"%s\", \"proposalId\": \"%s\"," \
	" \"status\": \"PLACEMENT_STATUS_%s\"}}"

/* Steps 1-2 and the risk "referred before the decision": R1 acknowledged;
 * R2 rejected NO_DECISION, then sent again with the decision and acked. */
static void
referrals_and_checks(cluster_t *c)
{
	char out[OUT];

	SEND_OK(A, REFERRAL_JSON(R1, "true"));
	both(c, A, R1, "acknowledged");
	SEND_OK(B, REFERRAL_JSON(R2, "false"));
	both(c, B, R2, "rejected");
	assert_int_equal(db_long(B, "SELECT count(*) FROM transitions WHERE event = 'rejected'"
	    " AND code = 3"), 1);   /* NO_DECISION */
	/* A municipality cannot answer for the pool: refused locally. */
	assert_int_equal(send_json(A, out, NULL, "{\"referralAck\": {\"referralId\": \"" R1 "\","
	    " \"receivedAtMs\": \"1\"}}"), 1);
	assert_has(out, "goes the other way");
	SEND_OK(B, REFERRAL_JSON(R2, "true"));
	both(c, B, R2, "acknowledged");
}

#define REPLY_JSON "{\"infoReply\": {\"referralId\": \"%s\", \"questionId\": \"%s\"," \
	" \"text\": \"Nej.\"}}"
#define AD_DECISION_JSON "{\"adDecision\": {\"referralId\": \"%s\", \"adId\": \"%s\"," \
	" \"verdict\": \"AD_VERDICT_APPROVE\"}}"

/* The referrals listing of n, as JSON: the ids in key of referral rid. */
static const char *
referral_ids(node_proc_t *n, const char *rid, const char *key)
{
	static const char *const args[] = { "referrals", "--json", NULL };
	static char ids[512];
	json_error_t jerr;
	json_t *all = json_loads(ctl_out(n, args), 0, &jerr), *r;
	size_t i;

	assert_non_null(all);
	ids[0] = '\0';
	json_array_foreach(all, i, r)
		if (strcmp(json_string_value(json_object_get(r, "referralId")), rid) == 0) {
			char *d = json_dumps(json_object_get(r, key), JSON_COMPACT);
			snprintf(ids, sizeof(ids), "%s", d);
			free(d);
		}
	json_decref(all);
	return ids;
}

/* Step 2: questions both ways, each answered once by its id, by the side it
 * was put to, and chased until then at both ends. */
static void
questions(cluster_t *c)
{
	char out[OUT];

	SEND_OK(HUB, "{\"infoRequest\": {\"referralId\": \"%s\", \"questionId\": \"q1\","
	    " \"text\": \"Syskon?\"}}", R1);
	both_i(c, A, R1, "question", "q1", "asked_by_pool");
	assert_int_equal(item_deadlines(A, "info_reply", "q1", "open", A->id), 1);
	assert_int_equal(item_deadlines(HUB, "info_reply", "q1", "open", A->id), 1);
	assert_string_equal(referral_ids(A, R1, "openQuestions"), "[\"q1\"]");
	/* An answer to no question, or from the side that asked: refused. */
	assert_int_equal(send_json(A, out, NULL, REPLY_JSON, R1, "q9"), 1);
	assert_has(out, "info_reply not allowed: referral " R1 " has no question q9");
	assert_int_equal(send_json(HUB, out, NULL, REPLY_JSON, R1, "q1"), 1);
	assert_has(out, "question q1 of referral " R1 " is asked_by_pool");
	SEND_OK(A, REPLY_JSON, R1, "q1");
	both_i(c, A, R1, "question", "q1", "answered");
	assert_true(wait_db(HUB, "SELECT count(*) FROM deadlines WHERE kind = 'info_reply' AND"
	    " item_id = 'q1' AND state = 'met'", 1, WAIT_MS));
	assert_int_equal(item_deadlines(A, "info_reply", "q1", "met", A->id), 1);
	assert_string_equal(referral_ids(A, R1, "openQuestions"), "[]");
	assert_int_equal(send_json(A, out, NULL, REPLY_JSON, R1, "q1"), 1);
	assert_has(out, "question q1 of referral " R1 " is answered");

	SEND_OK(A, "{\"infoRequest\": {\"referralId\": \"%s\", \"questionId\": \"m1\","
	    " \"text\": \"Finns familjer nära skolan?\"}}", R1);
	both_i(c, A, R1, "question", "m1", "asked_by_municipality");
	assert_int_equal(item_deadlines(HUB, "info_reply", "m1", "open", "pool"), 1);
	SEND_OK(HUB, REPLY_JSON, R1, "m1");
	both_i(c, A, R1, "question", "m1", "answered");
}

/* Steps 3-4: an ad, the referral now matching, decided once by its id. */
static void
ad(cluster_t *c)
{
	char out[OUT];

	SEND_OK(HUB, "{\"adProposal\": {\"referralId\": \"%s\", \"adId\": \"ad1\","
	    " \"channel\": \"AD_CHANNEL_FACEBOOK\", \"draftText\": \"Vi söker en familj\"}}", R1);
	both(c, A, R1, "matching");
	both_i(c, A, R1, "ad", "ad1", "proposed");
	assert_int_equal(item_deadlines(A, "ad_decision", "ad1", "open", A->id), 1);
	assert_int_equal(item_deadlines(HUB, "ad_decision", "ad1", "open", A->id), 1);
	assert_string_equal(referral_ids(HUB, R1, "adsWaiting"), "[\"ad1\"]");
	assert_int_equal(send_json(A, out, NULL, AD_DECISION_JSON, R1, "ad2"), 1);
	assert_has(out, "ad_decision not allowed: referral " R1 " has no ad ad2");
	SEND_OK(A, AD_DECISION_JSON, R1, "ad1");
	both_i(c, A, R1, "ad", "ad1", "approved");
	assert_true(wait_db(HUB, "SELECT count(*) FROM deadlines WHERE kind = 'ad_decision' AND"
	    " item_id = 'ad1' AND state = 'met'", 1, WAIT_MS));
	assert_string_equal(referral_ids(HUB, R1, "adsWaiting"), "[]");
	assert_int_equal(send_json(A, out, NULL, AD_DECISION_JSON, R1, "ad1"), 1);
	assert_has(out, "ad ad1 of referral " R1 " is approved");
}

/* The proposals listing of n, --waiting, as text. */
static const char *
proposals_waiting(node_proc_t *n)
{
	static const char *const args[] = { "proposals", "--waiting", NULL };
	return ctl_out(n, args);
}

/* Steps 6-7: family FH-1 proposed, accepted, passed on with its contact
 * details and investigation: held by R1 in the ledger, deadlines open. */
static void
first_family(cluster_t *c)
{
	char out[OUT];

	SEND_OK(HUB, PROPOSAL_JSON, R1, "P1", "FH-1");
	both_p(c, A, R1, "P1", "proposed");
	/* The secretary's unanswered proposal, seen at both ends. */
	assert_has(proposals_waiting(A), "P1");
	assert_has(proposals_waiting(HUB), "P1");
	/* ContactMade before the consent: refused locally, in the table's words. */
	assert_int_equal(send_json(A, out, NULL, "{\"contactMade\": {\"referralId\": \"" R1 "\","
	    " \"proposalId\": \"P1\", \"contactedOn\": \"2026-11-30\"}}"), 1);
	assert_has(out, "contact_made not allowed: proposal P1 of referral " R1
	    " is proposed");
	SEND_OK(A, DECISION_JSON, R1, "P1", "PROCEED");
	both_p(c, A, R1, "P1", "accepted");
	assert_has(proposals_waiting(A), "(no proposal waits for the municipality's answer)");
	/* Now the pool is chased for the family's answer, at both ends. */
	assert_int_equal(open_deadlines(HUB, "family_consent", "P1"), 1);
	assert_int_equal(open_deadlines(A, "family_consent", "P1"), 1);
	SEND_OK(HUB, CONSENT_JSON, R1, "P1");
	both_p(c, A, R1, "P1", "contact_details_sent");
	assert_int_equal(open_deadlines(HUB, "family_consent", "P1"), 0);
	assert_int_equal(open_deadlines(A, "family_consent", "P1"), 0);
	assert_has(families_held(c), "FH-1");
	assert_int_equal(open_deadlines(A, "first_contact", "P1"), 1);
	assert_int_equal(open_deadlines(A, "status_report", "P1"), 1);
	assert_int_equal(open_deadlines(HUB, "first_contact", "P1"), 1);
}

/* The ledger: FH-1 cannot go to R2 while R1 holds it; an override can. */
static void
ledger_refuses_second_pass_on(cluster_t *c)
{
	char out[OUT];

	SEND_OK(HUB, PROPOSAL_JSON, R2, "P9", "FH-1");
	both_p(c, B, R2, "P9", "proposed");
	SEND_OK(B, DECISION_JSON, R2, "P9", "PROCEED");
	both_p(c, B, R2, "P9", "accepted");
	assert_int_equal(send_json(HUB, out, NULL, CONSENT_JSON, R2, "P9"), 1);
	assert_has(out, "family FH-1 is passed on to referral " R1);
	assert_has(out, "--override-ledger");
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM outbox WHERE body_type ="
	    " 'family_consent'"), 1);   /* nothing queued */
}

/* Steps 8-10: contact, a status report, the family returned (and free). */
static void
contact_status_return(cluster_t *c)
{
	SEND_OK(A, "{\"contactMade\": {\"referralId\": \"%s\", \"proposalId\": \"P1\","
	    " \"contactedOn\": \"2026-11-30\"}}", R1);
	both_p(c, A, R1, "P1", "contacted");
	assert_int_equal(open_deadlines(A, "first_contact", "P1"), 0);
	SEND_OK(A, STATUS_JSON, R1, "P1", "INVESTIGATING");
	both_p(c, A, R1, "P1", "status_reported");
	assert_true(wait_db(HUB, "SELECT count(*) FROM deadlines WHERE kind = 'status_report'"
	    " AND proposal_id = 'P1'", 2, WAIT_MS));   /* met, and the next one open */
	assert_int_equal(open_deadlines(HUB, "status_report", "P1"), 1);
	SEND_OK(A, "{\"familyReturned\": {\"referralId\": \"%s\", \"proposalId\": \"P1\","
	    " \"reason\": \"Passar inte\"}}", R1);
	both_p(c, A, R1, "P1", "returned");
	assert_int_equal(open_deadlines(A, "status_report", "P1"), 0);
	assert_null(strstr(families_held(c), "FH-1"));
	/* Free again: now R2 may have it, without an override. */
	SEND_OK(HUB, CONSENT_JSON, R2, "P9");
	both_p(c, B, R2, "P9", "contact_details_sent");
}

/* Step 11: a second family placed and the referral closed. */
static void
placement_and_close(cluster_t *c)
{
	char out[OUT];

	SEND_OK(HUB, PROPOSAL_JSON, R1, "P2", "FH-2");
	/* The municipality answers what it has received: wait for it. */
	both_p(c, A, R1, "P2", "proposed");
	SEND_OK(A, DECISION_JSON, R1, "P2", "PROCEED");
	both_p(c, A, R1, "P2", "accepted");
	SEND_OK(HUB, CONSENT_JSON, R1, "P2");
	both_p(c, A, R1, "P2", "contact_details_sent");
	SEND_OK(A, STATUS_JSON, R1, "P2", "PLACEMENT_DECIDED");
	both_p(c, A, R1, "P2", "placed");
	SEND_OK(A, "{\"referralClosed\": {\"referralId\": \"%s\", \"outcome\":"
	    " \"CLOSING_OUTCOME_PLACED_WITH_PROPOSAL\", \"proposalId\": \"P2\"}}", R1);
	both(c, A, R1, "closed");
	assert_int_equal(db_long(A, "SELECT count(*) FROM deadlines WHERE referral_id = '" R1 "'"
	    " AND state = 'open'"), 0);
	/* A second closing, and anything after it, is refused before it leaves. */
	assert_int_equal(send_json(A, out, NULL, "{\"referralClosed\": {\"referralId\": \"" R1 "\","
	    " \"outcome\": \"CLOSING_OUTCOME_WITHDRAWN\"}}"), 1);
	assert_has(out, "referral_closed not allowed: referral " R1 " is closed");
	assert_int_equal(send_json(HUB, out, NULL, PROPOSAL_JSON, R1, "P3", "FH-3"), 1);
	assert_has(out, "family_proposal not allowed: referral " R1 " is closed");
}

/* n's meeting report for a municipality (its kommunkod), parsed. */
static json_t *
report_of(node_proc_t *n, const char *code)
{
	const char *args[] = { "report", "meeting", "--municipality", code, "--format", "json",
	    NULL };
	const char *out = ctl_out(n, args);
	json_error_t jerr;
	json_t *j = json_loads(out, 0, &jerr);

	if (j == NULL)
		fail_msg("report: not JSON (%s): %s", jerr.text, out);
	return j;
}

/* One count of the report ("familiesPlaced"), or with reason set, the
 * count of rejections for that reason. */
static long
count_of(json_t *report, const char *key, const char *reason)
{
	json_t *counts = json_object_get(report, "counts"), *r;
	size_t i;

	if (reason == NULL)
		return (long)json_integer_value(json_object_get(counts, key));
	json_array_foreach(json_object_get(counts, "rejectedByReason"), i, r)
		if (strcmp(json_string_value(json_object_get(r, "reason")), reason) == 0)
			return (long)json_integer_value(json_object_get(r, "count"));
	return -1;
}

/* The report's entry for a family: its state, and held (1) or not (0);
 * "none" when the family is not in it. */
static const char *
family_in(json_t *report, const char *family_ref, int *held)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(report, "familiesPassedOn"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "familyReference")), family_ref) == 0) {
			*held = json_is_true(json_object_get(f, "held"));
			return json_string_value(json_object_get(f, "state"));
		}
	return "none";
}

/* The hub's meeting reports along the way. */
static void
report_after_referrals(cluster_t *c)
{
	json_t *a = report_of(HUB, "0101"), *b = report_of(HUB, "0102");

	assert_int_equal(count_of(a, "referralsReceived", NULL), 1);
	assert_int_equal(count_of(a, "acknowledged", NULL), 1);
	assert_int_equal(count_of(b, "referralsReceived", NULL), 2);   /* sent again */
	assert_int_equal(count_of(b, "acknowledged", NULL), 1);
	assert_int_equal(count_of(b, NULL, "no_decision"), 1);
	json_decref(a);
	json_decref(b);
}

static void
report_family(cluster_t *c, const char *family_ref, const char *state, int held)
{
	json_t *a = report_of(HUB, "0101");
	int h = -1;

	assert_string_equal(family_in(a, family_ref, &h), state);
	assert_int_equal(h, held);
	json_decref(a);
}

/* The meeting report at the hub adds it up for 0101. */
static void
meeting_report(cluster_t *c)
{
	static const char *const args[] = { "report", "meeting", "--municipality", "0101",
	    "--format", "json", NULL };
	const char *out = ctl_out(HUB, args);
	json_t *hub = report_of(HUB, "0101"), *own = report_of(A, "0101");
	int held = -1;

	assert_has(out, R1);
	assert_has(out, "FH-2");
	for (json_t *r = hub; r != NULL; r = r == hub ? own : NULL) {
		assert_int_equal(count_of(r, "proposalsMade", NULL), 2);
		assert_int_equal(count_of(r, "familiesPlaced", NULL), 1);
		assert_int_equal(count_of(r, "familiesReturned", NULL), 1);
		assert_int_equal(json_array_size(json_object_get(r, "openReferrals")), 0);
		assert_string_equal(family_in(r, "FH-2", &held), "placed");
		assert_int_equal(held, 0);
	}
	json_decref(hub);
	json_decref(own);
	assert_null(strstr(out, "Alva"));           /* no personal data */
	assert_null(strstr(out, "Grundarvode"));    /* no compensation */
	assert_null(strstr(out, "Familjen Test"));
}

static void
test_seed000_whole_routine(void **state)
{
	cluster_t *c = cluster_new(2, NULL);

	*state = c;
	assert_int_equal(cluster_start(c), 0);
	referrals_and_checks(c);
	report_after_referrals(c);
	questions(c);
	ad(c);
	first_family(c);
	report_family(c, "FH-1", "contact_details_sent", 1);
	ledger_refuses_second_pass_on(c);
	contact_status_return(c);
	report_family(c, "FH-1", "returned", 0);
	placement_and_close(c);
	meeting_report(c);
	/* Nothing was refused on the wire: every refusal happened locally. */
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM dead_letters"), 0);
	assert_int_equal(db_long(A, "SELECT count(*) FROM dead_letters"), 0);
}

static smtp_sink_t sink;
static char muni_conf[2][1024], hub_conf[512];

/* The mails the sink holds for address that name a message of node n's
 * inbox (by the id famlinkctl show takes), each checked to carry no
 * personal data; all: every mail for address, whatever it names. */
static int
mails_for(node_proc_t *n, const char *address, bool all)
{
	static const char *const personal[] = { "Alva", "Familjen Test", "Sara Handläggare",
	    "Grundarvode" };
	char want[128], id[64], sql[256];
	int found = 0;

	snprintf(want, sizeof(want), "\n%s\n", address);
	for (int i = 1; i <= sink_count(&sink); i++) {
		char *env = sink_envelope(&sink, i), *mail = sink_mail(&sink, i), *body = NULL, *at;
		if (env != NULL && mail != NULL && strstr(env, want) != NULL) {
			body = sink_body(mail);
			for (size_t k = 0; k < sizeof(personal) / sizeof(personal[0]); k++)
				if (strstr(mail, personal[k]) != NULL || strstr(body, personal[k]) != NULL)
					fail_msg("mail %d to %s holds \"%s\"", i, address, personal[k]);
			if ((at = strstr(body, "famlinkctl show ")) == NULL)
				fail_msg("mail %d to %s does not say where to look: %s", i, address, body);
			snprintf(id, sizeof(id), "%.26s", at + 16);
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM inbox WHERE message_id = '%s'",
			    id);
			found += all || db_long(n, sql) == 1;
		}
		free(body);
		free(env);
		free(mail);
	}
	return found;
}

/* Each message notification of n for role went out, and one mail to
 * address names each: how many. */
static int
everyone_told(node_proc_t *n, const char *role, const char *address)
{
	char sql[256];
	long queued;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM notifications WHERE event = 'message'"
	    " AND recipient = '%s'", role);
	queued = db_long(n, sql);
	assert_true(queued > 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM notifications WHERE event = 'message'"
	    " AND recipient = '%s' AND state = 'pending'", role);
	assert_true(wait_db(n, sql, 0, WAIT_MS));
	assert_int_equal(mails_for(n, address, false), queued);
	return (int)queued;
}

/* Both municipalities' case systems on the spool adapter, both ways; the
 * secretaries and the pool's contact told by mail. */
static void
test_seed000_through_spool(void **state)
{
	cluster_t *c = cluster_new(2, NULL);
	char path[700];
	int told;

	*state = c;
	snprintf(sink.dir, sizeof(sink.dir), "%s/mails", c->root);
	sink.port = sink_free_port();
	assert_int_equal(sink_start(&sink, NULL), 0);
	snprintf(hub_conf, sizeof(hub_conf), "\n[adapter mail]\ntype = email\n"
	    "url = smtp://127.0.0.1:%d\nfrom = famlink@pool.example\nstarttls = no\n"
	    "pool_contact = kontakt@pool.example\npool_escalation = chef@pool.example\n"
	    "operator = drift@pool.example\nretry_initial = 200ms\nretry_max = 1s\n", sink.port);
	c->hub_extra = hub_conf;
	cluster_write_hub_conf(c);
	for (int i = 0; i < 2; i++) {
		snprintf(muni_conf[i], sizeof(muni_conf[i]), "\n[adapter case]\ntype = spool\n"
		    "inbound = case/in\noutbound = case/out\npoll_interval = 50ms\n"
		    "\n[adapter mail]\ntype = email\nurl = smtp://127.0.0.1:%d\n"
		    "from = famlink@kommun.example\nstarttls = no\nsecretary = sekr%d@kommun.example\n"
		    "escalation = chef%d@kommun.example\noperator = drift%d@kommun.example\n"
		    "retry_initial = 200ms\nretry_max = 1s\n", sink.port, i, i, i);
		snprintf(path, sizeof(path), "%s/case", c->muni[i].dir);
		mkdir(path, 0750);
		snprintf(path, sizeof(path), "%s/case/in", c->muni[i].dir);
		mkdir(path, 0750);
		snprintf(path, sizeof(path), "%s/case/out", c->muni[i].dir);
		mkdir(path, 0750);
		c->muni[i].conf_extra = muni_conf[i];
		cluster_write_muni_conf(c, &c->muni[i]);
	}
	via_spool = true;
	assert_int_equal(cluster_start(c), 0);
	referrals_and_checks(c);
	questions(c);
	ad(c);
	first_family(c);
	ledger_refuses_second_pass_on(c);
	contact_status_return(c);
	placement_and_close(c);
	meeting_report(c);
	via_spool = false;
	/* Every message the municipalities received was handed over to their
	 * case systems, and the pool was told. */
	assert_true(wait_db(A, "SELECT count(*) FROM inbox WHERE id NOT IN (SELECT inbox_id FROM inbox_handover)", 0,
	    WAIT_MS));
	assert_true(wait_db(HUB, "SELECT count(*) FROM outbox WHERE peer = 'municipality:0101'"
	    " AND handed_over_at IS NULL", 0, WAIT_MS));
	assert_int_equal(db_long(A, "SELECT count(*) FROM outbox WHERE body_type = 'referral'"),
	    db_long(A, "SELECT count(*) FROM collected WHERE message_id IN (SELECT message_id FROM"
	    " outbox WHERE body_type = 'referral')"));
	/* Each secretary got a mail for each message she must read, and the
	 * pool's contact for each the pool must. Both referrals give the same
	 * secretary address (theirs beats the config's): her mails name
	 * messages of A or of B, none other. Counted once all went out. */
	told = everyone_told(A, "secretary", SECRETARY);
	told += everyone_told(B, "secretary", SECRETARY);
	assert_int_equal(told, mails_for(A, SECRETARY, true));
	told = everyone_told(HUB, "pool_contact", "kontakt@pool.example");
	assert_int_equal(told, mails_for(HUB, "kontakt@pool.example", true));
}

/* The SMTP server goes too, however the test ended. */
static int
teardown_spool(void **state)
{
	sink_stop(&sink);
	return teardown(state);
}

/* A family held elsewhere passes on with --override-ledger, audited. */
static void
test_ledger_override_audited(void **state)
{
	cluster_t *c = cluster_new(2, NULL);
	char out[OUT];

	*state = c;
	assert_int_equal(cluster_start(c), 0);
	SEND_OK(A, REFERRAL_JSON(R1, "true"));
	SEND_OK(B, REFERRAL_JSON(R2, "true"));
	both(c, A, R1, "acknowledged");
	both(c, B, R2, "acknowledged");
	SEND_OK(HUB, PROPOSAL_JSON, R1, "P1", "FH-5");
	SEND_OK(HUB, PROPOSAL_JSON, R2, "P2", "FH-5");
	both_p(c, A, R1, "P1", "proposed");
	both_p(c, B, R2, "P2", "proposed");
	SEND_OK(A, DECISION_JSON, R1, "P1", "PROCEED");
	SEND_OK(B, DECISION_JSON, R2, "P2", "PROCEED");
	both_p(c, A, R1, "P1", "accepted");
	both_p(c, B, R2, "P2", "accepted");
	SEND_OK(HUB, CONSENT_JSON, R1, "P1");
	assert_int_equal(send_json(HUB, out, NULL, CONSENT_JSON, R2, "P2"), 1);
	assert_int_equal(send_json(HUB, out, "--override-ledger", CONSENT_JSON, R2, "P2"), 0);
	both_p(c, B, R2, "P2", "contact_details_sent");
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM audit WHERE event = 'op' AND"
	    " detail LIKE 'ledger override%'"), 1);
}

/* The pool proposes a family while the municipality, offline, closes the
 * referral: the proposal crosses the closing on the wire. The municipality
 * refuses it, naming the state; the hub sees a dead letter with that
 * reason, then applies the closing. */
static void
test_crossing_becomes_dead_letter(void **state)
{
	cluster_t *c = cluster_new(1, NULL);

	*state = c;
	assert_int_equal(cluster_start(c), 0);
	SEND_OK(A, REFERRAL_JSON(R1, "true"));
	both(c, A, R1, "acknowledged");
	assert_int_equal(node_stop(A), 0);
	SEND_OK(A, "{\"referralClosed\": {\"referralId\": \"%s\", \"outcome\":"
	    " \"CLOSING_OUTCOME_WITHDRAWN\"}}", R1);
	SEND_OK(HUB, PROPOSAL_JSON, R1, "P1", "FH-1");
	assert_int_equal(node_start(A), 0);
	assert_true(wait_db(HUB, "SELECT count(*) FROM dead_letters WHERE body_type ="
	    " 'family_proposal' AND code = 7 AND reason = 'family_proposal not allowed: referral "
	    R1 " is closed'", 1, WAIT_MS));
	want_state(HUB, A->id, R1, "closed");
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM proposals WHERE state = 'withdrawn'"), 1);
	/* The municipality audited its refusal; nothing of the proposal stayed. */
	assert_int_equal(db_long(A, "SELECT count(*) FROM audit WHERE event = 'reject' AND code = 7"
	    " AND body_type = 'family_proposal'"), 1);
	assert_int_equal(db_long(A, "SELECT count(*) FROM proposals"), 0);
	{
		static const char *const args[] = { "queue", NULL };
		assert_has(ctl_out(HUB, args), "family_proposal not allowed");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_seed000_whole_routine, teardown),
		cmocka_unit_test_teardown(test_seed000_through_spool, teardown_spool),
		cmocka_unit_test_teardown(test_ledger_override_audited, teardown),
		cmocka_unit_test_teardown(test_crossing_becomes_dead_letter, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
