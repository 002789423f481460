/*
 * Integration: `famlinkctl report meeting` on real daemons, for the people
 * in the samverkansmöte: what waits for an answer (seed 000 steps 5 and 11:
 * a family proposal the secretary has not decided, a question each way, an
 * ad not yet approved, beside ones already answered), with the date each
 * began to wait and its age in working days, at both ends and in every
 * format; its text and html in Swedish by default, in English by --lang en
 * or the config's report_language, its csv and json the same in both;
 * and the html page as headless Chromium reads it.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"
#include "unit/scratch.h"

#define RID "0101-2026-000007"
#define OUT 65536
#define WAIT_MS 15000

static int
teardown(void **state)
{
	cluster_t *c = *state;

	unsetenv("FAMLINK_CLOCK_OFFSET");
	return c ? cluster_free(&c) : 0;
}

/* text is in out; says what out held when not. */
#define assert_has(out, text) do { \
	if (strstr((out), (text)) == NULL) \
		fail_msg("no \"%s\" in: %s", (text), (out)); \
} while (0)

/* famlinkctl ARGS… on n, expecting exit status want; the output. */
static const char *
run(node_proc_t *n, int want, const char *const *args)
{
	static char out[OUT];
	int rc = ctl_run(n, out, OUT, args);

	if (rc != want)
		fail_msg("famlinkctl %s %s on %s: exit %d, want %d: %s", args[0],
		    args[1] ? args[1] : "", n->id, rc, want, out);
	return out;
}

/* Sends the JSON that fmt makes from n, which must take it. */
static void send_ok(node_proc_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
send_ok(node_proc_t *n, const char *fmt, ...)
{
	char json[4096], out[OUT];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(json, sizeof(json), fmt, ap);
	va_end(ap);
	if ((rc = ctl_send_json(n, NULL, json, out, sizeof(out))) != 0)
		fail_msg("famlinkctl send on %s: exit %d: %s", n->id, rc, out);
}

static void
want_db(node_proc_t *n, const char *sql, long want)
{
	if (!wait_db(n, sql, want, WAIT_MS))
		fail_msg("%s: never %ld from %s (last %ld)", n->id, want, sql, db_long(n, sql));
}

/* The meeting report of 0101 on n in JSON, parsed (the caller frees). */
static json_t *
report_json(node_proc_t *n)
{
	static const char *const args[] = {"report", "meeting", "--municipality", "0101",
	    "--format", "json", NULL};
	const char *out = run(n, 0, args);
	json_error_t jerr;
	json_t *j = json_loads(out, 0, &jerr);

	if (j == NULL)
		fail_msg("report on %s: not JSON (%s): %s", n->id, jerr.text, out);
	return j;
}

/* ---- what waits for an answer ------------------------------------------------------ */

#define Q_JSON "{\"infoRequest\": {\"referralId\": \"" RID "\", \"questionId\": \"%s\"," \
	" \"text\": \"Syskon?\"}}"
#define AD_JSON "{\"adProposal\": {\"referralId\": \"" RID "\", \"adId\": \"%s\"," \
	" \"channel\": \"AD_CHANNEL_FACEBOOK\", \"draftText\": \"Vi söker en familj\"}}"
#define PROPOSAL_JSON "{\"familyProposal\": {\"referralId\": \"" RID "\"," \
	" \"proposalId\": \"%s\", \"familyReference\": \"%s\"," \
	" \"family\": {\"summary\": \"Två vuxna\"}}}"

/* A referral acknowledged; then, on Wednesday 4 March 2026, a question
 * from the pool (q1, the municipality's to answer) and one from the
 * municipality (q2, the pool's), an ad proposed (ad1) and a family proposed
 * (P1), none of them answered; and a question answered (q3), an ad approved
 * (ad2) and a proposal decided (P2), which wait for nobody. */
static void
make_waiting(cluster_t *c)
{
	node_proc_t *hub = &c->hub, *m = &c->muni[0];

	send_ok(m, "{\"referral\": {\"referralId\": \"" RID "\","
	    " \"kind\": \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\","
	    " \"decision\": {\"taken\": true, \"decidedOn\": \"2025-01-15\","
	    " \"legalBasis\": \"LEGAL_BASIS_SOL\"}, \"child\": {\"alias\": \"Test\","
	    " \"birthYear\": 2016}, \"secretary\": {\"name\": \"Test Secretary\"}}}");
	want_db(m, "SELECT count(*) FROM referrals WHERE state = 'acknowledged'", 1);
	send_ok(hub, Q_JSON, "q1");
	want_db(m, "SELECT count(*) FROM dialogue WHERE item_id = 'q1'", 1);
	send_ok(m, Q_JSON, "q2");
	send_ok(hub, Q_JSON, "q3");
	send_ok(hub, AD_JSON, "ad1");
	send_ok(hub, AD_JSON, "ad2");
	send_ok(hub, PROPOSAL_JSON, "P1", "FH-1");
	send_ok(hub, PROPOSAL_JSON, "P2", "FH-2");
	want_db(m, "SELECT count(*) FROM dialogue", 5);
	want_db(m, "SELECT count(*) FROM proposals", 2);
	send_ok(m, "{\"infoReply\": {\"referralId\": \"" RID "\", \"questionId\": \"q3\","
	    " \"text\": \"Nej.\"}}");
	send_ok(m, "{\"adDecision\": {\"referralId\": \"" RID "\", \"adId\": \"ad2\","
	    " \"verdict\": \"AD_VERDICT_APPROVE\"}}");
	send_ok(m, "{\"proposalDecision\": {\"referralId\": \"" RID "\", \"proposalId\": \"P2\","
	    " \"verdict\": \"PROPOSAL_VERDICT_PROCEED\"}}");
	for (int side = 0; side < 2; side++) {
		node_proc_t *n = side ? hub : m;
		want_db(n, "SELECT count(*) FROM dialogue WHERE state IN ('answered', 'approved')", 2);
		want_db(n, "SELECT count(*) FROM dialogue WHERE state IN ('asked_by_pool',"
		    " 'asked_by_municipality', 'proposed')", 3);
		want_db(n, "SELECT count(*) FROM proposals WHERE state = 'accepted'", 1);
	}
}

/* The entry of list whose id_key is id; fails if there is none. */
static json_t *
entry(json_t *report, const char *list, const char *id_key, const char *id)
{
	json_t *a = json_object_get(report, list), *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (strcmp(json_string_value(json_object_get(e, id_key)) ?: "", id) == 0)
			return e;
	fail_msg("no %s %s in %s", id_key, id, list);
	return NULL;
}

static void
assert_waiting(json_t *e, const char *waiting_for, const char *state)
{
	assert_string_equal(json_string_value(json_object_get(e, "referralId")), RID);
	assert_string_equal(json_string_value(json_object_get(e, "waitingFor")), waiting_for);
	assert_string_equal(json_string_value(json_object_get(e, "state")), state);
	assert_string_equal(json_string_value(json_object_get(e, "openedDate")), "2026-03-04");
	assert_non_null(strstr(json_string_value(json_object_get(e, "openedAt")), "2026-03-04T"));
	/* Thursday 5, Friday 6 and Monday 9 March. */
	assert_int_equal(json_integer_value(json_object_get(e, "ageWorkingDays")), 3);
}

/* The same lists at both ends, read on Monday 9 March. */
static void
check_waiting_json(node_proc_t *n)
{
	json_t *j = report_json(n), *p;

	assert_int_equal(json_array_size(json_object_get(j, "proposalsWaiting")), 1);
	p = entry(j, "proposalsWaiting", "proposalId", "P1");
	assert_waiting(p, "municipality:0101", "proposed");
	assert_string_equal(json_string_value(json_object_get(p, "familyReference")), "FH-1");
	assert_int_equal(json_array_size(json_object_get(j, "questionsWaiting")), 2);
	assert_waiting(entry(j, "questionsWaiting", "questionId", "q1"), "municipality:0101",
	    "asked_by_pool");
	assert_waiting(entry(j, "questionsWaiting", "questionId", "q2"), "pool",
	    "asked_by_municipality");
	assert_int_equal(json_array_size(json_object_get(j, "adsWaiting")), 1);
	assert_waiting(entry(j, "adsWaiting", "adId", "ad1"), "municipality:0101", "proposed");
	json_decref(j);
}

static void
check_waiting_csv(node_proc_t *n)
{
	static const char *const args[] = {"report", "meeting", "--municipality", "0101",
	    "--format", "csv", NULL};
	const char *out = run(n, 0, args);

	assert_has(out, "\r\nsection,referral_id,proposal_id,family_reference,opened_date,"
	    "age_working_days,waiting_for\r\n"
	    "proposals_waiting," RID ",P1,FH-1,2026-03-04,3,municipality:0101\r\n");
	assert_has(out, "\r\nsection,referral_id,question_id,state,opened_date,age_working_days,"
	    "waiting_for\r\n"
	    "questions_waiting," RID ",q1,asked_by_pool,2026-03-04,3,municipality:0101\r\n"
	    "questions_waiting," RID ",q2,asked_by_municipality,2026-03-04,3,pool\r\n");
	assert_has(out, "\r\nsection,referral_id,ad_id,opened_date,age_working_days,waiting_for\r\n"
	    "ads_waiting," RID ",ad1,2026-03-04,3,municipality:0101\r\n");
	assert_null(strstr(out, ",q3,"));
	assert_null(strstr(out, ",ad2,"));
	assert_null(strstr(out, ",P2,"));
}

static void
test_waiting_sections(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);

	clock_move_to(local_time_ms(2026, 3, 4, 10));   /* Wednesday 4 March 2026 */
	assert_int_equal(cluster_start(c), 0);
	make_waiting(c);
	clock_move_to(local_time_ms(2026, 3, 9, 12));   /* famlinkctl: Monday 9 March */
	check_waiting_json(&c->hub);
	check_waiting_json(&c->muni[0]);
	check_waiting_csv(&c->hub);
}

/* ---- Swedish for people, English by option; the same for machines ------------------- */

/* The report of 0101 on n in format, with --lang lang unless NULL. */
static const char *
report(node_proc_t *n, const char *format, const char *lang)
{
	const char *args[] = {"report", "meeting", "--municipality", "0101", "--format", format,
	    lang ? "--lang" : NULL, lang, NULL};

	return run(n, 0, args);
}

/* Sets report_language in the [node] section of n's config. */
static void
set_report_language(node_proc_t *n, const char *lang)
{
	char text[8192], *at;
	size_t len;
	FILE *f = fopen(n->conf, "r");

	assert_non_null(f);
	len = fread(text, 1, sizeof(text) - 64, f);
	fclose(f);
	text[len] = '\0';
	assert_non_null(at = strstr(text, "\nlog_level = debug\n"));
	at += strlen("\nlog_level = debug\n");
	f = fopen(n->conf, "w");
	assert_non_null(f);
	fprintf(f, "%.*sreport_language = %s\n%s", (int)(at - text), text, lang, at);
	assert_int_equal(fclose(f), 0);
}

static void
assert_swedish(const char *text, const char *html)
{
	assert_has(text, "Samverkansmöte: rapport för municipality:0101");
	assert_has(text, "\nÖppna remisser (1)\nREMISS ");
	assert_has(text, " familjehem ");
	assert_has(text, "\nObesvarade frågor (2)\n");
	assert_has(text, " ställd av familjepoolen ");
	assert_has(text, "\nAnnonser som väntar på godkännande (1)\n");
	assert_null(strstr(text, "foster_home"));
	assert_has(html, "<html lang=\"sv\">");
	assert_has(html, "<h2>Familjeförslag som väntar på kommunens svar</h2>");
	assert_has(html, "<td>FH-1</td><td>2026-03-04</td><td class=\"n\">3</td>"
	    "<td>kommunen</td>");
}

static void
assert_english(const char *text, const char *html)
{
	assert_has(text, "Samverkansmöte report for municipality:0101");
	assert_has(text, "\nOpen referrals (1)\nREFERRAL ID ");
	assert_has(text, " foster_home ");
	assert_has(text, "\nOpen questions (2)\n");
	assert_null(strstr(text, "familjehem"));
	assert_has(html, "<html lang=\"en\">");
	assert_has(html, "<h2>Proposals waiting for the secretary&#39;s answer</h2>");
	assert_has(html, "<td>FH-1</td><td>2026-03-04</td><td class=\"n\">3</td>"
	    "<td>municipality:0101</td>");
}

/* text and html of n's report with --lang lang (NULL: none), checked to be
 * Swedish or English. */
static void
check_lang(node_proc_t *n, const char *lang, bool swedish)
{
	char *text = strdup(report(n, "text", lang)), *html = strdup(report(n, "html", lang));

	if (swedish)
		assert_swedish(text, html);
	else
		assert_english(text, html);
	free(text);
	free(html);
}

/* out without the line that starts with from (the time it was made). */
static char *
without_line(const char *out, const char *from)
{
	char *copy = strdup(out), *at = strstr(copy, from), *end;

	if (at != NULL && (end = strchr(at, '\n')) != NULL)
		memmove(at, end + 1, strlen(end + 1) + 1);
	return copy;
}

/* csv and json are the same whatever the language (but for when each was
 * made). */
static void
check_machines_unchanged(node_proc_t *n)
{
	static const char *const langs[] = {NULL, "sv", "en"};
	char *csv[3], *json[3];

	for (int i = 0; i < 3; i++) {
		csv[i] = without_line(report(n, "csv", langs[i]), "report,pool:test,");
		json[i] = without_line(report(n, "json", langs[i]), "  \"generatedAt\"");
	}
	for (int i = 1; i < 3; i++) {
		assert_string_equal(csv[i], csv[0]);
		assert_string_equal(json[i], json[0]);
	}
	assert_has(csv[0], "\r\nsection,referral_id,kind,state,age_days,submitted_date\r\n"
	    "open_referrals," RID ",foster_home,matching,");
	assert_has(json[0], "\"openReferrals\": [");
	assert_has(json[0], "\"kind\": \"foster_home\"");
	for (int i = 0; i < 3; i++) {
		free(csv[i]);
		free(json[i]);
	}
}

static void
test_language(void **state)
{
	static const char *const bad[] = {"report", "meeting", "--municipality", "0101", "--lang",
	    "de", NULL};
	static const char *const other[] = {"referrals", "--lang", "en", NULL};
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *hub = &c->hub;

	clock_move_to(local_time_ms(2026, 3, 4, 10));
	assert_int_equal(cluster_start(c), 0);
	make_waiting(c);
	clock_move_to(local_time_ms(2026, 3, 9, 12));
	check_lang(hub, NULL, true);          /* Swedish by default */
	check_lang(&c->muni[0], NULL, true);
	check_lang(hub, "sv", true);
	check_lang(hub, "en", false);
	check_machines_unchanged(hub);
	set_report_language(hub, "en");       /* English by default from the config */
	check_lang(hub, NULL, false);
	check_lang(hub, "sv", true);          /* --lang wins */
	check_machines_unchanged(hub);
	assert_has(run(hub, CTL_USAGE, bad), "famlinkctl report: --lang de: one of sv, en");
	assert_has(run(hub, CTL_USAGE, other), "famlinkctl referrals: no option --lang");
}

/* ---- the page as a browser reads it ------------------------------------------------- */

#define CHROMIUM "/usr/bin/chromium"
#define BROWSER_MS 60000

/* The file's contents (the caller frees). */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = calloc(1, OUT + 1);

	assert_non_null(f);
	assert_non_null(text);
	fread(text, 1, OUT, f);
	fclose(f);
	return text;
}

/* The html report, loaded by headless Chromium from a file in a fresh
 * directory (its profile too, removed after): the DOM it builds says
 * lang="sv", decodes the Swedish as UTF-8 and keeps each row in its
 * table. */
static void
test_html_in_chromium(void **state)
{
	char dir[64], page[128], dom[128], profile[160], url[160];
	const char *argv[] = {CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
	    "--disable-quic", "--no-first-run", "--disable-background-networking",
	    "--disable-component-update", "--disable-sync", profile, "--dump-dom", url, NULL};
	cluster_t *c;
	FILE *f;
	char *text;
	int rc;

	/* make check installs it (tools/install-deps): missing is a failure,
	 * never a silent pass. */
	if (access(CHROMIUM, X_OK) != 0)
		fail_msg("%s is not installed: run tools/install-deps as root", CHROMIUM);
	c = *state = cluster_new(1, NULL);
	clock_move_to(local_time_ms(2026, 3, 4, 10));
	assert_int_equal(cluster_start(c), 0);
	make_waiting(c);
	clock_move_to(local_time_ms(2026, 3, 9, 12));
	assert_int_equal(scratch_make(dir, sizeof(dir), "famlink-chromium"), 0);
	snprintf(page, sizeof(page), "%s/meeting.html", dir);
	snprintf(dom, sizeof(dom), "%s/dom.html", dir);
	snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile", dir);
	snprintf(url, sizeof(url), "file://%s", page);
	assert_non_null(f = fopen(page, "w"));
	assert_true(fputs(report(&c->hub, "html", NULL), f) >= 0);
	assert_int_equal(fclose(f), 0);
	rc = run_captured(argv, dom, BROWSER_MS);
	text = slurp(dom);
	assert_int_equal(scratch_remove(dir), 0);
	if (rc != 0)
		fail_msg("chromium: exit %d; the DOM: %s", rc, text);
	assert_has(text, "<html lang=\"sv\">");
	assert_has(text, "<h2>Öppna remisser</h2>\n<table>\n<thead><tr><th>Remiss</th>");
	assert_has(text, "<tbody>\n<tr><td>" RID "</td><td>familjehem</td>"
	    "<td>matchning pågår</td>");
	assert_has(text, "<h2>Obesvarade frågor</h2>");
	assert_has(text, "<tr><td>" RID "</td><td>q2</td><td>ställd av kommunen</td>");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_waiting_sections, teardown),
		cmocka_unit_test_teardown(test_language, teardown),
		cmocka_unit_test_teardown(test_html_in_chromium, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
