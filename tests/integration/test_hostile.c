/*
 * Integration: hostile input, end to end. What a black-box run found and
 * must stay fixed: an id that forges a log or terminal line ("x\n<0>FORGED",
 * which journald would store as an emergency), an email address that
 * smuggles a mail header, bytes that are not UTF-8 or hide a NUL in
 * famlinkctl's JSON, a messageId silently replaced. famlinkctl refuses them
 * locally naming the field and queues nothing; the hub answers a raw frame
 * holding them REJECTED INVALID and logs nothing that starts a line; the
 * log and famlinkctl's tables escape whatever a stored value holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envelope.h"
#include "harness.h"
#include "log.h"

#define T 15000   /* ms: generous, for sanitizer builds on a loaded machine */
#define INVALID FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_INVALID
#define REJECTED FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_REJECTED

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return c ? cluster_free(&c) : 0;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* True if a line of text (the first or one after a "\n") starts with prefix. */
static bool
has_line_starting(const char *text, const char *prefix)
{
	const char *s = text;

	for (;;) {
		if (strncmp(s, prefix, strlen(prefix)) == 0)
			return true;
		if ((s = strchr(s, '\n')) == NULL)
			return false;
		s++;
	}
}

/* How many lines of n's log start with prefix (after their time); -1 if
 * there is no log. */
static int
log_lines_starting(node_proc_t *n, const char *prefix)
{
	char path[600], *line = NULL;
	size_t cap = 0;
	int count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log", n->dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		const char *body = log_line_after_time(line);
		count += strncmp(body != NULL ? body : line, prefix, strlen(prefix)) == 0;
	}
	free(line);
	fclose(f);
	return count;
}

/* A Referral as famlinkctl takes it, into text; fields are JSON text put in
 * as is. */
static const char *
referral_json(char *text, size_t len, const char *referral_id, const char *secretary_extra,
    const char *message_id)
{
	snprintf(text, len, "{%s%s%s\"referral\": {\"referralId\": \"%s\","
	    " \"kind\": \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\","
	    " \"decision\": {\"taken\": true, \"decidedOn\": \"2025-11-02\","
	    " \"legalBasis\": \"LEGAL_BASIS_SOL\"}, \"child\": {\"alias\": \"Test\","
	    " \"birthYear\": 2016}, \"secretary\": {\"name\": \"Test Secretary\"%s}}}\n",
	    message_id ? "\"messageId\": \"" : "", message_id ? message_id : "",
	    message_id ? "\", " : "", referral_id, secretary_extra ? secretary_extra : "");
	return text;
}

/* The same, written to path (for a send of several files at once). */
static void
write_referral(const char *path, const char *referral_id, const char *secretary_extra,
    const char *message_id)
{
	char text[2048];

	write_file(path, referral_json(text, sizeof(text), referral_id, secretary_extra,
	    message_id));
}

/* famlinkctl send of json: must fail (1) with want in its output, no
 * forged line, nothing of the hostile value echoed. */
static void
expect_send_refused(node_proc_t *n, const char *json, const char *want)
{
	char out[4096];

	assert_int_equal(ctl_send_json(n, NULL, json, out, sizeof(out)), 1);
	if (strstr(out, want) == NULL)
		fail_msg("famlinkctl send said \"%s\", not \"%s\"", out, want);
	assert_false(has_line_starting(out, "<0>"));
	assert_null(strstr(out, "FORGED"));
	assert_null(strstr(out, "Bcc"));
	assert_null(strstr(out, "JSON_"));
}

/* A referral refused by famlinkctl send (see expect_send_refused). */
static void
expect_referral_refused(node_proc_t *n, const char *referral_id, const char *secretary_extra,
    const char *message_id, const char *want)
{
	char text[2048];

	expect_send_refused(n, referral_json(text, sizeof(text), referral_id, secretary_extra,
	    message_id), want);
}

#define MUNI_OUTBOX "SELECT count(*) FROM outbox"

/* famlinkctl send: ids with a line break, a CRLF email, an address without
 * "@", bytes that are not UTF-8, a NUL: each refused before anything is
 * queued, naming the field; a good referral next to them goes through. */
static void
test_send_refuses_hostile_fields(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	char path[600], path2[600];
	const char *both[] = {"send", path, path2, NULL};
	char out[4096];

	snprintf(path, sizeof(path), "%s/in.json", c->root);
	snprintf(path2, sizeof(path2), "%s/in2.json", c->root);
	assert_int_equal(cluster_start(c), 0);
	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 1, 1), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM inbox WHERE body_type = 'referral'", 1, T));

	/* The id that gave famlinkctl's output a line of its own (the file
	 * named first: ctl_send_json() writes ctl-send-N.json). */
	expect_referral_refused(m, "x\\n<0>FORGED-2", NULL, NULL,
	    ".json: referralId: contains a control character (U+000A)");
	expect_referral_refused(m, "0101 2026 0002", NULL, NULL, "referralId: not an id");
	expect_referral_refused(m, "0101/2026/0002", NULL, NULL, "referralId: not an id");
	/* A body id other than the referral's. */
	expect_send_refused(m, "{\"infoReply\": {\"referralId\": \"0101-2026-000001\","
	    " \"questionId\": \"q\\r\\n<0>FORGED\", \"text\": \"Svar.\"}}",
	    "infoReply.questionId: contains a control character (U+000D)");
	/* The header smuggled into an email address, and one without "@". */
	expect_referral_refused(m, "0101-2026-0002",
	    ", \"email\": \"karin@example.se\\r\\nBcc: all@example.se\"", NULL,
	    "referral.secretary.email: contains a control character (U+000D)");
	expect_referral_refused(m, "0101-2026-0002", ", \"email\": \"karin.example.se\"", NULL,
	    "referral.secretary.email: not an email address");
	/* A case reference that is the child's personnummer, in an en-dash spelling. */
	expect_send_refused(m, "{\"referral\": {\"referralId\": \"0101-2026-0002\","
	    " \"kind\": \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\","
	    " \"decision\": {\"taken\": true, \"decidedOn\": \"2025-11-02\"},"
	    " \"child\": {\"alias\": \"Test\", \"birthYear\": 2016},"
	    " \"secretary\": {\"name\": \"Test Secretary\"},"
	    " \"caseReference\": \"121212\xe2\x80\x93" "1212\"}}",
	    "referral.caseReference: a case reference must not be");
	/* Bytes that are not UTF-8, and a NUL, in the JSON itself. */
	expect_referral_refused(m, "0101-2026-0002", ", \"phone\": \"08-508 \xff\"", NULL,
	    "referral.secretary.phone: line 1 column");
	expect_referral_refused(m, "0101-2026-0002", ", \"phone\": \"08-508 \xff\"", NULL,
	    ": not valid UTF-8");
	expect_referral_refused(m, "0101-2026-0002", ", \"email\": \"k@x.se\\u0000\"", NULL,
	    "referral.secretary.email: contains a NUL character");
	/* One bad file among good ones: none is queued. */
	write_referral(path, "0101-2026-0003", NULL, NULL);
	write_referral(path2, "0101-2026-0004", ", \"email\": \"a@b.se\\nBcc: x@y.se\"", NULL);
	assert_int_equal(ctl_run(m, out, sizeof(out), both), 1);
	assert_non_null(strstr(out, "in2.json: referral.secretary.email: contains a control character"));

	/* Nothing queued: the daemon never saw any of it (famlinkctl's
	 * refusals go to its own output, checked above, not to the log). */
	assert_int_equal(db_long(m, MUNI_OUTBOX), 1);
	assert_int_equal(db_long(m, "SELECT count(*) FROM referrals"), 1);
	/* and the good file alone still goes */
	const char *one[] = {"send", path, NULL};
	assert_int_equal(ctl_run(m, out, sizeof(out), one), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM inbox WHERE body_type = 'referral'", 2, T));
}

/* A messageId in the file is used, or refused with the reason: never
 * silently replaced. */
static void
test_send_message_id(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	char path[600], path2[600], id[MESSAGE_ID_LEN + 1], want[256], sql[256], out[4096];
	char text[2048];
	const char *both[] = {"send", path, path2, NULL};

	snprintf(path, sizeof(path), "%s/in.json", c->root);
	snprintf(path2, sizeof(path2), "%s/in2.json", c->root);
	assert_int_equal(node_start(m), 0);
	envelope_new_id(id);
	assert_int_equal(ctl_send_json(m, NULL, referral_json(text, sizeof(text), "0101-2026-0001",
	    NULL, id), out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "queued %s (referral, referral 0101-2026-0001)", id);
	if (strstr(out, want) == NULL)
		fail_msg("famlinkctl send said \"%s\"", out);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE message_id = '%s'", id);
	assert_int_equal(db_long(m, sql), 1);

	/* the same id again, for another referral: refused, saying why */
	snprintf(want, sizeof(want), "messageId: %s is already in this node's store", id);
	expect_referral_refused(m, "0101-2026-0002", NULL, id, want);
	/* an id that is no ULID */
	expect_referral_refused(m, "0101-2026-0002", NULL, "my-message-1",
	    "messageId: not a message id famlink sends");
	expect_referral_refused(m, "0101-2026-0002", NULL, "01KE2Q7Z9K3M5N7P9R1T3V5X7\\n",
	    "messageId: not a message id famlink sends");
	/* one new id given to two files in one call: the second is refused, none queued */
	envelope_new_id(id);
	write_referral(path, "0101-2026-0002", NULL, id);
	write_referral(path2, "0101-2026-0003", NULL, id);
	assert_int_equal(ctl_run(m, out, sizeof(out), both), 1);
	snprintf(want, sizeof(want), "in2.json: messageId: %s is already in this node's store", id);
	assert_non_null(strstr(out, want));
	assert_int_equal(db_long(m, MUNI_OUTBOX), 1);
	/* without one, famlinkctl makes one */
	assert_int_equal(ctl_send_json(m, NULL, referral_json(text, sizeof(text), "0101-2026-0002",
	    NULL, NULL), out, sizeof(out)), 0);
	assert_int_equal(db_long(m, MUNI_OUTBOX), 2);
}

/* Waits for one REJECTED INVALID entry whose reason starts with want. */
static void
expect_invalid(raw_client_t *raw, const char *want)
{
	Famlink__V1__Envelope *got = raw_recv_receipt(raw, T);
	const Famlink__V1__ReceiptEntry *e;

	assert_non_null(got);
	assert_int_equal(got->receipt->n_entries, 1);
	e = got->receipt->entries[0];
	assert_int_equal(e->level, REJECTED);
	assert_int_equal(e->code, INVALID);
	if (strncmp(e->reason, want, strlen(want)) != 0)
		fail_msg("reason \"%s\", want \"%s…\"", e->reason, want);
	assert_null(strstr(e->reason, "FORGED"));
	famlink__v1__envelope__free_unpacked(got, NULL);
}

/* The same ids and addresses in raw frames to the hub: REJECTED INVALID,
 * nothing stored, and not one line of the hub's log starts with "<0>". */
static void
test_hub_rejects_hostile_frames(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	Famlink__V1__Envelope *env, rcpt;
	Famlink__V1__Receipt receipt = FAMLINK__V1__RECEIPT__INIT;
	Famlink__V1__ReceiptEntry entry = FAMLINK__V1__RECEIPT_ENTRY__INIT, *entries[1] = { &entry };
	char id[MESSAGE_ID_LEN + 1], other[MESSAGE_ID_LEN + 1];
	raw_client_t *raw;

	assert_int_equal(node_start(&c->hub), 0);
	raw = raw_connect(c, &c->muni[0]);
	assert_non_null(raw);

	env = sample_referral(c->muni[0].id, c->hub.id, "x\n<0>FORGED", 1);
	assert_int_equal(raw_send_envelope(raw, env), 0);
	expect_invalid(raw, "referralId: contains a control character (U+000A)");

	env = sample_referral(c->muni[0].id, c->hub.id, "0101-2026-000001", 2);
	env->referral->secretary->email = "karin@example.se\r\nBcc: all@example.se";
	assert_int_equal(raw_send_envelope(raw, env), 0);
	expect_invalid(raw, "referral.secretary.email: contains a control character (U+000D)");

	env = sample_referral(c->muni[0].id, c->hub.id, "0101-2026-000001", 3);
	env->referral->secretary->email = "karin.example.se";
	assert_int_equal(raw_send_envelope(raw, env), 0);
	expect_invalid(raw, "referral.secretary.email: not an email address");

	/* a Receipt whose reason would forge a line where it is shown */
	envelope_init(&rcpt, id, c->muni[0].id, c->hub.id);
	envelope_new_id(other);
	entry.message_id = other;
	entry.level = REJECTED;
	entry.code = INVALID;
	entry.reason = "fine\n<0>FORGED";
	receipt.n_entries = 1;
	receipt.entries = entries;
	rcpt.body_case = FAMLINK__V1__ENVELOPE__BODY_RECEIPT;
	rcpt.receipt = &receipt;
	assert_int_equal(raw_send_envelope(raw, &rcpt), 0);
	expect_invalid(raw, "receipt.entries[0].reason: contains a control character (U+000A)");

	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox"), 0);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM referrals"), 0);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM audit WHERE event = 'reject'"
	    " AND code = 4"), 4);
	/* the rejections were logged (before their receipts went out) ... */
	assert_true(log_count(&c->hub, "rejected, code 4") >= 3);
	/* ... and nothing in the log starts a line of its own */
	assert_int_equal(log_lines_starting(&c->hub, "<0>"), 0);
	assert_false(log_has(&c->hub, "FORGED"));
	assert_false(log_has(&c->hub, "Bcc"));
	raw_close(&raw);
}

/* famlinkctl queue prints stored ids and reasons escaped: a value stored
 * before these rules (or by a bug) still cannot start a line. */
static void
test_queue_output_escaped(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	const char *queue[] = {"queue", NULL};
	char db_path[600], out[8192];
	sqlite3 *db = NULL;

	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 1, 1), 0);   /* makes the store */
	snprintf(db_path, sizeof(db_path), "%s/famlink.db", m->dir);
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "INSERT INTO outbox (message_id, peer, sequence, referral_id, body_type, created_at,"
	    " envelope, state) VALUES ('01X' || char(10) || '<0>FORGED-ID', 'pool:test', 99,"
	    " 'r' || char(10) || '<0>FORGED-RID', 'referral', 1, x'00', 'dead');"
	    "INSERT INTO dead_letters (message_id, peer, body_type, dead_at, code, reason)"
	    " VALUES ('01X' || char(10) || '<0>FORGED-ID', 'pool:test', 'referral', 1, 4,"
	    " 'bad' || char(13) || char(10) || '<0>FORGED-REASON' || char(27) || '[2J');",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(ctl_run(m, out, sizeof(out), queue), 0);
	assert_false(has_line_starting(out, "<0>"));
	assert_non_null(strstr(out, "01X\\n<0>FORGED-ID"));
	assert_non_null(strstr(out, "bad\\r\\n<0>FORGED-REASON\\x1b[2J"));
	assert_null(strchr(out, '\x1b'));
}

/* log_msg escapes every line, whatever a caller hands it by mistake. */
static void
test_log_line_escaped(void **state)
{
	FILE *tmp = tmpfile();
	char buf[1024], small[12];
	int saved;
	size_t n;

	(void)state;
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fileno(tmp), 2), 2);
	log_msg(LOG_ERR, "message %s from %s", "x\n<0>FORGED",
	    "\xc3\x85sa\r\x1b[2J\xc2\x85\xe2\x80\xae\\\xff\t.");
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	fclose(tmp);
	buf[n] = '\0';
	assert_string_equal(buf, "<3>message x\\n<0>FORGED from \xc3\x85sa\\r\\x1b[2J\\xc2\\x85"
	    "\\xe2\\x80\\xae\\\\\\xff\\t.\n");

	/* cut at a character, never inside an escape or a UTF-8 sequence */
	assert_string_equal(log_escape("ab\ncd", small, 5), "ab\\n");
	assert_string_equal(log_escape("ab\ncd", small, 4), "ab");
	assert_string_equal(log_escape("a\xc3\x85z", small, 3), "a");
	assert_string_equal(log_escape("a\x01", small, sizeof(small)), "a\\x01");
	assert_string_equal(log_escape(NULL, small, sizeof(small)), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_line_escaped),
		cmocka_unit_test_teardown(test_send_refuses_hostile_fields, teardown),
		cmocka_unit_test_teardown(test_send_message_id, teardown),
		cmocka_unit_test_teardown(test_hub_rejects_hostile_frames, teardown),
		cmocka_unit_test_teardown(test_queue_output_escaped, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
