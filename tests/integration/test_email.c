/*
 * Integration: the email adapter on real daemons against a real SMTP
 * server on loopback (smtp_sink.h, python3-aiosmtpd). A referral's
 * messages reach the secretary (at the address her Referral gives) and the
 * pool's contact as mails with a correctly encoded Swedish subject and not
 * one of the referral's personal strings anywhere; a server down, then up
 * but answering 451, then well gets each notification exactly once (with
 * AUTH); a kill -9 while the server holds a mail loses nothing, and the
 * mail sent again carries the same Message-ID; notifications for one
 * recipient within the digest window go as one mail; --check-config and
 * the start refuse a role without an address and a template that would
 * insert personal data; a CR or LF in a value never reaches a header.
 * Every wait is on a condition with a time-out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "smtp_sink.h"

#define OUT 65536
#define WAIT_MS 20000
#define A (&c->muni[0])
#define HUB (&c->hub)
#define RID "0101-2026-0042"
#define SECRETARY "karin.oberg@kommun.example"
#define POOL_CONTACT "pool@pool.example"

/* What a referral's messages carry about people: none may reach a mail. */
static const char *const personal[] = {
	"Siri", "lugn vardag", "Karin", "Öberg", "08-465 004 20", SECRETARY, "SoN 2026/0042-1",
	"Farsta", "hästar", "Berglund", "070-174 06 50", "familjen.berglund@example.se",
	"bror", NULL,
};

#define REFERRAL_JSON "{\"referral\": {\"referralId\": \"" RID "\", \"kind\":" \
	" \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\", \"decision\":" \
	" {\"taken\": true, \"decidedOn\": \"2026-11-20\", \"legalBasis\": \"LEGAL_BASIS_SOL\"}," \
	" \"child\": {\"alias\": \"Siri\", \"birthYear\": 2015, \"needs\": \"Siri behöver en lugn" \
	" vardag.\", \"areaWishes\": \"Nära skolan i Farsta.\"}, \"secretary\": {\"name\":" \
	" \"Karin Öberg\", \"phone\": \"08-465 004 20\", \"email\": \"" SECRETARY "\"}," \
	" \"caseReference\": \"SoN 2026/0042-1\"}}"

typedef struct fixture {
	cluster_t *c;
	smtp_sink_t sink;
	char muni_extra[2048], hub_extra[2048];
} fixture_t;

static int
setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->c = cluster_new(1, NULL);
	snprintf(f->sink.dir, sizeof(f->sink.dir), "%s/mail", f->c->root);
	(void)mkdir(f->sink.dir, 0700);
	f->sink.port = sink_free_port();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture_t *f = *state;
	int rc;

	sink_stop(&f->sink);
	unsetenv("FAMLINK_CLOCK_OFFSET");
	rc = cluster_free(&f->c);
	free(f);
	return rc;
}

/* The email adapter in municipality A's config (extra: more keys). */
static void
muni_mail(fixture_t *f, const char *extra)
{
	snprintf(f->muni_extra, sizeof(f->muni_extra), "\n[adapter mail]\ntype = email\n"
	    "url = smtp://127.0.0.1:%d\nfrom = famlink@kommun.example\nstarttls = no\n"
	    "secretary = sekreterare@kommun.example\nescalation = chef@kommun.example\n"
	    "operator = drift@kommun.example\nretry_initial = 200ms\nretry_max = 1s\n%s",
	    f->sink.port, extra ? extra : "");
	f->c->muni[0].conf_extra = f->muni_extra;
	cluster_write_muni_conf(f->c, &f->c->muni[0]);
}

static void
hub_mail(fixture_t *f)
{
	snprintf(f->hub_extra, sizeof(f->hub_extra), "\n[adapter mail]\ntype = email\n"
	    "url = smtp://127.0.0.1:%d\nfrom = famlink@pool.example\nstarttls = no\n"
	    "pool_contact = " POOL_CONTACT "\npool_escalation = chef@pool.example\n"
	    "operator = drift@pool.example\nretry_initial = 200ms\nretry_max = 1s\n",
	    f->sink.port);
	f->c->hub_extra = f->hub_extra;
	cluster_write_hub_conf(f->c);
}

static void
wait_mails(fixture_t *f, int want)
{
	if (!sink_wait(&f->sink, want, WAIT_MS))
		fail_msg("the SMTP server holds %d mails, wanted %d", sink_count(&f->sink), want);
}

/* The referral sent and acknowledged. */
static void
referral_acknowledged(cluster_t *c)
{
	ctl_send_ok(A, REFERRAL_JSON);
	wait_sql(A, "SELECT count(*) FROM referrals WHERE state = 'acknowledged'", 1);
}

static void
pool_asks(cluster_t *c, const char *qid)
{
	char json[512];

	snprintf(json, sizeof(json), "{\"infoRequest\": {\"referralId\": \"" RID "\","
	    " \"questionId\": \"%s\", \"text\": \"Hur ofta träffar Siri sin bror?\"}}", qid);
	ctl_send_ok(HUB, json);
}

/* No personal string in mail n, raw or decoded. */
static void
assert_no_personal_data(fixture_t *f, int n)
{
	char *mail = sink_mail(&f->sink, n), *body, subject[1024];

	assert_non_null(mail);
	assert_non_null(body = sink_body(mail));
	assert_true(sink_subject(mail, subject, sizeof(subject)));
	for (int i = 0; personal[i] != NULL; i++)
		if (strstr(mail, personal[i]) || strstr(body, personal[i]) ||
		    strstr(subject, personal[i]))
			fail_msg("mail %d holds \"%s\":\n%s\n%s", n, personal[i], subject, body);
	free(body);
	free(mail);
}

/* Mail n's envelope recipient is want. */
static void
assert_rcpt(fixture_t *f, int n, const char *want)
{
	char *env = sink_envelope(&f->sink, n), *rcpt;

	assert_non_null(env);
	rcpt = strchr(env, '\n') + 1;
	rcpt[strcspn(rcpt, "\n")] = '\0';
	assert_string_equal(rcpt, want);
	free(env);
}

/* The mail (1…count) whose decoded subject is want, or 0. */
static int
mail_with_subject(fixture_t *f, const char *want)
{
	char subject[1024];

	for (int n = 1; n <= sink_count(&f->sink); n++) {
		char *mail = sink_mail(&f->sink, n);
		bool same = mail && sink_subject(mail, subject, sizeof(subject)) &&
		    strcmp(subject, want) == 0;
		free(mail);
		if (same)
			return n;
	}
	return 0;
}

static void
message_id_of(fixture_t *f, int n, char *buf, size_t len)
{
	char *mail = sink_mail(&f->sink, n);

	assert_non_null(mail);
	assert_true(sink_header(mail, "Message-ID", buf, len));
	free(mail);
}

/* ---- the mails and what is in them ----------------------------------------- */

static void
test_mail_without_personal_data(void **state)
{
	fixture_t *f = *state;
	cluster_t *c = f->c;
	static const char *const list[] = { "notifications", "--json", NULL };
	char subject[1024], *mail;
	json_t *rows, *row;
	size_t i;
	int ack;

	assert_int_equal(sink_start(&f->sink, NULL), 0);
	muni_mail(f, NULL);
	hub_mail(f);
	assert_int_equal(cluster_start(c), 0);
	referral_acknowledged(c);
	ctl_send_ok(A, "{\"infoRequest\": {\"referralId\": \"" RID "\", \"questionId\": \"k1\","
	    " \"text\": \"Finns det familjer med hästar nära Farsta?\"}}");
	ctl_send_ok(HUB, "{\"familyProposal\": {\"referralId\": \"" RID "\", \"proposalId\": \"P1\","
	    " \"familyReference\": \"FH-9\", \"family\": {\"summary\": \"Familjen har hästar.\"}}}");
	wait_sql(A, "SELECT count(*) FROM proposals WHERE state = 'proposed'", 1);
	ctl_send_ok(A, "{\"proposalDecision\": {\"referralId\": \"" RID "\", \"proposalId\": \"P1\","
	    " \"verdict\": \"PROPOSAL_VERDICT_PROCEED\"}}");
	wait_sql(HUB, "SELECT count(*) FROM proposals WHERE state = 'accepted'", 1);
	ctl_send_ok(HUB, "{\"familyConsent\": {\"referralId\": \"" RID "\", \"proposalId\": \"P1\","
	    " \"consentGiven\": true, \"familyContact\": {\"name\": \"Karin och Johan Berglund\","
	    " \"phone\": \"070-174 06 50\", \"email\": \"familjen.berglund@example.se\"}}}");
	/* The secretary: ack, proposal, consent; the pool's contact: the question. */
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'sent'", 3);
	wait_sql(HUB, "SELECT count(*) FROM notifications WHERE state = 'sent'", 1);
	wait_mails(f, 4);
	for (int n = 1; n <= 4; n++)
		assert_no_personal_data(f, n);

	/* The Swedish subject, encoded for the header, decoded back. */
	ack = mail_with_subject(f, "Nytt i remiss " RID ": bekräftelse av remiss");
	assert_true(ack > 0);
	assert_rcpt(f, ack, SECRETARY);   /* from her Referral, not the configured one */
	mail = sink_mail(&f->sink, ack);
	assert_true(sink_header(mail, "Subject", subject, sizeof(subject)));
	assert_non_null(strstr(subject, "=?UTF-8?B?"));
	assert_true(sink_header(mail, "Content-Type", subject, sizeof(subject)));
	assert_string_equal(subject, "text/plain; charset=UTF-8");
	assert_true(sink_header(mail, "Content-Transfer-Encoding", subject, sizeof(subject)));
	assert_string_equal(subject, "quoted-printable");
	assert_true(sink_header(mail, "To", subject, sizeof(subject)));
	assert_string_equal(subject, "undisclosed-recipients:;");
	assert_non_null(strstr(mail, "\r\nMessage-ID: <famlink.n"));
	free(mail);
	assert_rcpt(f, mail_with_subject(f, "Nytt i remiss " RID ": familjeförslag"), SECRETARY);
	assert_rcpt(f, mail_with_subject(f, "Nytt i remiss " RID ": familjens samtycke"), SECRETARY);
	assert_rcpt(f, mail_with_subject(f, "Nytt i remiss " RID ": fråga"), POOL_CONTACT);

	/* famlinkctl lists them: no deadline, sent, the message they are about. */
	rows = ctl_json(A, list);
	assert_int_equal(json_array_size(rows), 3);
	json_array_foreach(rows, i, row) {
		assert_string_equal(json_str_at(row, "event"), "message");
		assert_string_equal(json_str_at(row, "state"), "sent");
		assert_string_equal(json_str_at(row, "recipient"), "secretary");
		assert_true(json_is_null(json_object_get(row, "dueDate")));
		assert_true(json_is_null(json_object_get(row, "deadlineId")));
		assert_int_equal(strlen(json_str_at(row, "messageId")), 26);
	}
	json_decref(rows);
	/* Logs carry ids, never an address. */
	assert_true(log_has(A, "email mail: notification 1 sent"));
	assert_false(log_has(A, "karin"));
	assert_false(log_has(A, "sekreterare@"));
	assert_false(log_has(HUB, POOL_CONTACT));
}

/* ---- durability ------------------------------------------------------------- */

static void
test_server_down_then_up_exactly_once(void **state)
{
	fixture_t *f = *state;
	cluster_t *c = f->c;
	static const char *const list[] = { "notifications", NULL };
	char path[700], id1[256], id2[256], out[OUT];
	FILE *pw;

	/* AUTH with a password from a file only the service user reads. */
	snprintf(path, sizeof(path), "%s/smtp.pass", A->dir);
	assert_non_null(pw = fopen(path, "w"));
	fputs("hemligt\n", pw);
	fclose(pw);
	assert_int_equal(chmod(path, 0600), 0);
	muni_mail(f, "username = famlink\npassword_file = smtp.pass\n");
	assert_int_equal(cluster_start(c), 0);   /* the SMTP server is down */
	referral_acknowledged(c);
	pool_asks(c, "q1");
	/* Each failed at least twice, and waits: nothing dropped, nothing sent. */
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'pending' AND attempts >= 2"
	    " AND last_error LIKE 'curl 7 %'", 2);
	assert_int_equal(ctl_run(A, out, sizeof(out), list), 0);
	assert_non_null(strstr(out, "pending"));
	assert_int_equal(sink_count(&f->sink), 0);

	/* Up, but answering DATA with 451: a temporary refusal, told by the
	 * SMTP code (libcurl calls it a weird reply), and still nothing sent. */
	sink_flag(&f->sink, "tempfail", true);
	assert_int_equal(sink_start(&f->sink, "famlink:hemligt"), 0);
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'pending' AND"
	    " last_error LIKE 'SMTP 451 %'", 2);
	assert_int_equal(sink_count(&f->sink), 0);
	sink_flag(&f->sink, "tempfail", false);
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'sent'", 2);
	wait_mails(f, 2);
	message_id_of(f, 1, id1, sizeof(id1));
	message_id_of(f, 2, id2, sizeof(id2));
	assert_string_not_equal(id1, id2);
	assert_rcpt(f, 1, SECRETARY);
	assert_rcpt(f, 2, SECRETARY);
	/* One more: when it arrives, nothing earlier has come again. */
	pool_asks(c, "q2");
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'sent'", 3);
	wait_mails(f, 3);
	assert_int_equal(db_long(A, "SELECT count(*) FROM notifications WHERE state = 'pending'"),
	    0);
	assert_false(log_has(A, "hemligt"));
}

static void
test_kill9_while_sending(void **state)
{
	fixture_t *f = *state;
	cluster_t *c = f->c;
	char id1[256], id2[256];

	assert_int_equal(sink_start(&f->sink, NULL), 0);
	sink_flag(&f->sink, "hold", true);   /* the mail taken, its 250 held back */
	muni_mail(f, NULL);
	assert_int_equal(cluster_start(c), 0);
	referral_acknowledged(c);
	wait_mails(f, 1);
	node_kill9(A);
	assert_int_equal(db_long(A, "SELECT count(*) FROM notifications WHERE state = 'pending'"),
	    1);
	sink_flag(&f->sink, "hold", false);
	assert_int_equal(node_log_rotate(A), 0);
	assert_int_equal(node_start(A), 0);
	/* Sent again (the server had it, famlinkd never heard): once more,
	 * recognisably the same mail. */
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'sent'", 1);
	wait_mails(f, 2);
	message_id_of(f, 1, id1, sizeof(id1));
	message_id_of(f, 2, id2, sizeof(id2));
	assert_string_equal(id1, id2);
	assert_int_equal(db_long(A, "SELECT count(*) FROM notifications"), 1);
	/* And the queue goes on: nothing lost behind it. */
	pool_asks(c, "q1");
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'sent'", 2);
	wait_mails(f, 3);
}

/* ---- digests ---------------------------------------------------------------- */

/* Three for the secretary queued while no adapter ran: one mail with all. */
static void
test_digest(void **state)
{
	fixture_t *f = *state;
	cluster_t *c = f->c;
	char subject[512], id[256], *mail, *body;

	assert_int_equal(sink_start(&f->sink, NULL), 0);
	assert_int_equal(cluster_start(c), 0);
	referral_acknowledged(c);
	pool_asks(c, "q1");
	ctl_send_ok(HUB, "{\"adProposal\": {\"referralId\": \"" RID "\", \"adId\": \"ad-1\","
	    " \"channel\": \"AD_CHANNEL_FACEBOOK\", \"draftText\": \"Vi söker en familj.\"}}");
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'pending'", 3);
	assert_int_equal(node_stop(A), 0);
	muni_mail(f, "digest = 2s\n");
	assert_int_equal(node_start(A), 0);
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'sent'", 3);
	wait_mails(f, 1);
	assert_rcpt(f, 1, SECRETARY);
	mail = sink_mail(&f->sink, 1);
	assert_true(sink_subject(mail, subject, sizeof(subject)));
	assert_string_equal(subject, "famlink: 3 händelser (municipality:0101)");
	assert_true(sink_header(mail, "Message-ID", id, sizeof(id)));
	assert_non_null(strstr(id, "+3.municipality-0101@kommun.example>"));
	body = sink_body(mail);
	assert_non_null(strstr(body, "1. Nytt i remiss " RID ": bekräftelse av remiss"));
	assert_non_null(strstr(body, "2. Nytt i remiss " RID ": fråga"));
	assert_non_null(strstr(body, "3. Nytt i remiss " RID ": annonsförslag"));
	free(body);
	free(mail);
	assert_no_personal_data(f, 1);
}

/* ---- refusals --------------------------------------------------------------- */

static void
test_config_refused(void **state)
{
	fixture_t *f = *state;
	cluster_t *c = f->c;
	char dir[700], path[800], out[OUT], want[1200];
	FILE *t;

	/* A template that asks for the child's alias, and no escalation. */
	snprintf(dir, sizeof(dir), "%s/tpl", A->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/sv", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/sv/message.txt", dir);
	assert_non_null(t = fopen(path, "w"));
	fputs("Subject: Nytt i {referral_id}\n\nBarnet {child_alias} har fått svar.\n", t);
	fclose(t);
	snprintf(f->muni_extra, sizeof(f->muni_extra), "\n[adapter mail]\ntype = email\n"
	    "url = smtp://127.0.0.1:%d\nfrom = famlink@kommun.example\n"
	    "secretary = sekreterare@kommun.example\noperator = drift@kommun.example\n"
	    "templates = tpl\n", f->sink.port);
	A->conf_extra = f->muni_extra;
	cluster_write_muni_conf(c, A);
	assert_int_equal(node_check_config(A, out, sizeof(out)), 1);
	/* [adapter mail] is on line 22, templates on line 28 of the file. */
	snprintf(want, sizeof(want), "%s:22: [adapter mail]: escalation = ADDRESS is needed",
	    A->conf);
	if (strstr(out, want) == NULL)
		fail_msg("no \"%s\" in:\n%s", want, out);
	snprintf(want, sizeof(want), "%s:28: templates: sv/message.txt:3: {child_alias}: would"
	    " insert personal data", A->conf);
	if (strstr(out, want) == NULL)
		fail_msg("no \"%s\" in:\n%s", want, out);
	/* famlinkd will not start on it either. */
	assert_int_equal(node_start(A), 0);
	assert_int_equal(node_wait(A, WAIT_MS), 1);
	assert_true(log_has(A, "{child_alias}: would insert personal data"));
	assert_true(log_has(A, "configuration has problems; not starting"));
}

/* A value with CR LF (here put into the queue by hand, as a damaged row
 * would be) never becomes a header: that notification waits, refused, and
 * the others go on. */
static void
test_crlf_never_reaches_a_header(void **state)
{
	fixture_t *f = *state;
	cluster_t *c = f->c;
	char *mail;

	assert_int_equal(sink_start(&f->sink, NULL), 0);
	muni_mail(f, NULL);
	assert_int_equal(node_start(A), 0);   /* no hub: only what the test queues */
	assert_true(wait_log(A, node_started_text(A), WAIT_MS));
	db_exec(A, "INSERT INTO notifications (at, event, kind, referral_id, owner, recipient,"
	    " message_id) VALUES (0, 'message', 'info_request', '" RID "' || char(13, 10) ||"
	    " 'Bcc: spy@example.se', 'municipality:0101', 'operator', '01KE4B2C3D4E5F6G7H8J9K0M1Q')");
	db_exec(A, "INSERT INTO notifications (at, event, adapter, recipient) VALUES (1,"
	    " 'adapter_stuck', 'casefiles', 'operator')");
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'sent' AND event ="
	    " 'adapter_stuck'", 1);
	wait_sql(A, "SELECT count(*) FROM notifications WHERE state = 'pending' AND attempts >= 1"
	    " AND last_error LIKE '%control character%'", 1);
	assert_true(log_has(A, "notification 1 cannot be mailed"));
	wait_mails(f, 1);
	assert_rcpt(f, 1, "drift@kommun.example");
	mail = sink_mail(&f->sink, 1);
	assert_null(strstr(mail, "Bcc"));
	assert_null(strstr(mail, "spy@"));
	assert_non_null(strstr(mail, "casefiles"));
	free(mail);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mail_without_personal_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_down_then_up_exactly_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kill9_while_sending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crlf_never_reaches_a_header, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
