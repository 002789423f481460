/*
 * test_meeting_render — the meeting report as people and machines read it,
 * from a report built by hand: text and html in Swedish (the pool's words,
 * lang="sv") or English, text columns lined up by characters with å ä ö in
 * them, csv and json the same bytes in either language; and report_words'
 * table has a Swedish word for every name the routine can put in a cell.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_meeting_render.h"
#include "ctl_report_fmt.h"
#include "report_words.h"
#include "routine_table.h"

#define RID "0180-2026-0042"

static meeting_referral_t referrals[1];
static meeting_waiting_t proposals[1], questions[2], ads[1];
static meeting_family_t families[1];
static meeting_overdue_t overdue[1];

/* One of everything, on Monday 9 March 2026 at 12:00. */
static meeting_report_t
sample(void)
{
	int64_t opened = calendar_local_midnight((cal_date_t){2026, 3, 4}) + 10 * 3600000LL;
	int64_t now = calendar_local_midnight((cal_date_t){2026, 3, 9}) + 12 * 3600000LL;
	meeting_report_t r = {
		.node_id = "pool:nordvast", .municipality = "municipality:0180",
		.from = {2025, 12, 10}, .to = {2026, 3, 9}, .generated_at = now,
		.referrals = referrals, .nreferrals = 1, .families = families, .nfamilies = 1,
		.overdue = overdue, .noverdue = 1,
		.proposals_waiting = {proposals, 1}, .questions_waiting = {questions, 2},
		.ads_waiting = {ads, 1},
		.counts = {.received = 2, .acknowledged = 1, .acknowledged_in_time = 1,
		    .rejected = {0, 0, 0, 1, 0}, .proposals = 2},
	};

	r.from_ms = calendar_local_midnight(r.from);
	r.to_ms = calendar_local_midnight((cal_date_t){2026, 3, 10});
	referrals[0] = (meeting_referral_t){RID, 1, "acknowledged", opened, opened};
	proposals[0] = (meeting_waiting_t){RID, "P1", "FH-7", "proposed", "municipality:0180",
	    opened, 3};
	questions[0] = (meeting_waiting_t){RID, "q1", "", "asked_by_pool", "municipality:0180",
	    opened, 3};
	questions[1] = (meeting_waiting_t){RID, "q2", "", "asked_by_municipality", "pool",
	    opened, 3};
	ads[0] = (meeting_waiting_t){RID, "ad1", "", "proposed", "municipality:0180", opened, 3};
	families[0] = (meeting_family_t){"FH-3", RID, "P0", "contact_details_sent", opened, 2,
	    opened, 0, true};
	overdue[0] = (meeting_overdue_t){6, "family_consent", RID, "P2", "pool", opened, 3};
	return r;
}

/* The report rendered; the caller frees it. */
static char *
render(meeting_format_t format, report_lang_t lang)
{
	meeting_report_t r = sample();
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(meeting_render(&r, format, lang, out), 0);
	assert_int_equal(fclose(out), 0);
	return buf;
}

#define assert_has(out, text) do { \
	if (strstr((out), (text)) == NULL) \
		fail_msg("no \"%s\" in:\n%s", (text), (out)); \
} while (0)

/* Each of the n texts is in out. */
static void
assert_all(const char *out, const char *const *texts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_has(out, texts[i]);
}
#define ASSERT_ALL(out, texts) assert_all((out), (texts), sizeof(texts) / sizeof((texts)[0]))

/* ---- text ----------------------------------------------------------------------- */

static void
test_text_swedish(void **state)
{
	static const char *const words[] = {
		"Samverkansmöte: rapport för municipality:0180, 2025-12-10 till 2026-03-09",
		"\nÖppna remisser (1)\n", "\nREMISS ", " TYP ", " ÅLDER (DAGAR) ", " familjehem ",
		" bekräftad ",
		"\nFamiljeförslag som väntar på kommunens svar (1)\n",
		" VÄNTAT (ARBETSDAGAR) VÄNTAR PÅ\n", " FH-7 ", " kommunen\n",
		"\nObesvarade frågor (2)\n", " ställd av familjepoolen ", " ställd av kommunen ",
		" familjepoolen\n",
		"\nAnnonser som väntar på godkännande (1)\n",
		"\nFörmedlade familjer (1)\n", " förmedlad ", " utredning pågår ", " ja ",
		"\nÖverskridna tidsfrister (1)\n", " familjens samtycke ", " SISTA DAG ",
		"\nAntal under perioden\n", "\nmottagna remisser ", "\navvisade: beslut saknas ",
	};
	char *out = render(MEETING_TEXT, REPORT_SV);

	(void)state;
	ASSERT_ALL(out, words);
	/* Every stable name is translated: none has an underscore. */
	if (strchr(out, '_') != NULL)
		fail_msg("an untranslated name in:\n%s", out);
	assert_null(strstr(out, "Open referrals"));
	free(out);
}

static void
test_text_english(void **state)
{
	static const char *const words[] = {
		"Samverkansmöte report for municipality:0180, 2025-12-10 to 2026-03-09",
		"\nOpen referrals (1)\nREFERRAL ID ", " foster_home ", " acknowledged ",
		"\nProposals waiting for the secretary's answer (1)\n", " AGE WORKING DAYS ",
		"\nOpen questions (2)\n", " asked_by_municipality ", " pool\n",
		"\nAds waiting for approval (1)\n", " contact_details_sent ", " held ",
		"\nOverdue deadlines (1)\n", " family_consent ", "\nreferrals_received ",
	};
	char *out = render(MEETING_TEXT, REPORT_EN);

	(void)state;
	ASSERT_ALL(out, words);
	assert_null(strstr(out, "Öppna"));
	assert_null(strstr(out, "familjehem"));
	free(out);
}

/* The line of text that starts with start (after a newline). */
static const char *
line_of(const char *text, const char *start)
{
	char want[256];
	const char *p;

	snprintf(want, sizeof(want), "\n%s", start);
	if ((p = strstr(text, want)) == NULL)
		fail_msg("no line \"%s\" in:\n%s", start, text);
	return p + 1;
}

/* The characters (code points) in s up to end. */
static int
chars(const char *s, const char *end)
{
	int n = 0;

	for (; s < end && *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Where needle starts in the line at line, in characters; or, with right,
 * where its last occurrence in the line ends. */
static int
column_of(const char *line, const char *needle, bool right)
{
	const char *end = strchr(line, '\n'), *hit = NULL;

	if (end == NULL)
		end = line + strlen(line);
	for (const char *p = line; (p = strstr(p, needle)) != NULL && p < end; p++) {
		hit = p;
		if (!right)
			break;
	}
	if (hit == NULL)
		fail_msg("no \"%s\" in line: %.*s", needle, (int)(end - line), line);
	return chars(line, hit) + (right ? chars(needle, needle + strlen(needle)) : 0);
}

/* A cell starts where its heading starts (ends, for numbers), counted in
 * characters, also where å, ä and ö come before it in the heading or the
 * row. */
static void
test_text_aligned(void **state)
{
	static const struct { const char *head_line, *head, *row_line, *cell; bool right; } cols[] = {
		{"REMISS ", "SKICKAD", RID "       familjehem", "2026-03-04", false},
		{"REMISS ", "ÅLDER (DAGAR)", RID "       familjehem", "5", true},
		{"FAMILJEREFERENS", "FÖRMEDLAD", "FH-3", "2026-03-04", false},
		{"FAMILJEREFERENS", "SENASTE LÄGESRAPPORT", "FH-3", "utredning pågår", false},
		{"FAMILJEREFERENS", "HOS KOMMUNEN", "FH-3", "ja", false},
		{"REMISS ", "VÄNTAR PÅ", RID "       q2", "familjepoolen", false},
		{"REMISS ", "SEDAN", RID "       q1", "2026-03-04", false},
		{"    NR ", "SKA AGERA", "     6 ", "familjepoolen", false},
		{"    NR ", "FÖRSENAD (ARBETSDAGAR)", "     6 ", "3", true},
		{"UPPGIFT ", "ANTAL", "avvisade: beslut saknas ", "1", true},
	};
	char *out = render(MEETING_TEXT, REPORT_SV);

	(void)state;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		/* The heading line nearest before the row. */
		const char *row = line_of(out, cols[i].row_line), *head = NULL, *p = out;
		int h, c;
		while ((p = strstr(p, cols[i].head_line)) != NULL && p < row) {
			if (p == out || p[-1] == '\n')
				head = p;
			p++;
		}
		assert_non_null(head);
		h = column_of(head, cols[i].head, cols[i].right);
		c = column_of(row, cols[i].cell, cols[i].right);
		if (h != c)
			fail_msg("%s: column %d, its heading %s at %d:\n%s", cols[i].cell, c,
			    cols[i].head, h, out);
	}
	free(out);
}

/* ---- html ----------------------------------------------------------------------- */

static void
test_html_swedish(void **state)
{
	static const char *const words[] = {
		"<!DOCTYPE html>\n<html lang=\"sv\">\n", "<title>Samverkansmöte municipality:0180"
		" 2025-12-10 till 2026-03-09</title>", "<h2>Öppna remisser</h2>",
		"<th>Remiss</th><th>Typ</th><th>Status</th><th>Ålder (dagar)</th>",
		"<td>familjehem</td><td>bekräftad</td>",
		"<h2>Familjeförslag som väntar på kommunens svar</h2>",
		"<td>FH-7</td><td>2026-03-04</td><td class=\"n\">3</td><td>kommunen</td>",
		"<h2>Obesvarade frågor</h2>", "<td>ställd av kommunen</td>",
		"<h2>Annonser som väntar på godkännande</h2>", "<h2>Förmedlade familjer</h2>",
		"<td>förmedlad</td>", "<td>ja</td>", "<h2>Överskridna tidsfrister</h2>",
		"<td>familjepoolen</td>", "<td>avvisade: beslut saknas</td>",
		"<p>Period 2025-12-10 till 2026-03-09 (svenska datum, båda medräknade).</p>",
	};
	char *out = render(MEETING_HTML, REPORT_SV);

	(void)state;
	ASSERT_ALL(out, words);
	assert_null(strstr(out, "foster_home"));
	assert_null(strstr(out, "<script"));
	free(out);
}

static void
test_html_english(void **state)
{
	static const char *const words[] = {
		"<html lang=\"en\">", "<title>Samverkansmöte municipality:0180 2025-12-10 to"
		" 2026-03-09</title>", "<h2>Open referrals</h2>", "<th>Referral id</th>",
		"<td>foster_home</td><td>acknowledged</td>", "<h2>Open questions</h2>",
		"<td>asked_by_pool</td>", "<th>Age working days</th>",
	};
	char *out = render(MEETING_HTML, REPORT_EN);

	(void)state;
	ASSERT_ALL(out, words);
	assert_null(strstr(out, "lang=\"sv\""));
	assert_null(strstr(out, "Öppna"));
	free(out);
}

/* ---- csv and json: for machines, the same in both ------------------------------- */

static void
test_csv_json_stay_english(void **state)
{
	static const char *const csv_lines[] = {
		"\r\nsection,referral_id,kind,state,age_days,submitted_date\r\n"
		"open_referrals," RID ",foster_home,acknowledged,5,2026-03-04\r\n",
		"\r\nsection,referral_id,proposal_id,family_reference,opened_date,age_working_days,"
		"waiting_for\r\nproposals_waiting," RID ",P1,FH-7,2026-03-04,3,municipality:0180\r\n",
		"\r\nquestions_waiting," RID ",q2,asked_by_municipality,2026-03-04,3,pool\r\n",
		"\r\nsection,referral_id,ad_id,opened_date,age_working_days,waiting_for\r\n",
		"\r\ncounts,rejected_no_decision,1\r\n",
	};
	static const char *const json_keys[] = {
		"\"openReferrals\"", "\"proposalsWaiting\"", "\"questionsWaiting\"", "\"adsWaiting\"",
		"\"waitingFor\": \"pool\"", "\"ageWorkingDays\": 3", "\"openedDate\": \"2026-03-04\"",
		"\"state\": \"asked_by_pool\"", "\"kind\": \"foster_home\"",
	};
	char *sv = render(MEETING_CSV, REPORT_SV), *en = render(MEETING_CSV, REPORT_EN);

	(void)state;
	assert_string_equal(sv, en);
	ASSERT_ALL(sv, csv_lines);
	free(sv);
	free(en);
	sv = render(MEETING_JSON, REPORT_SV);
	en = render(MEETING_JSON, REPORT_EN);
	assert_string_equal(sv, en);
	ASSERT_ALL(sv, json_keys);
	assert_null(strstr(sv, "familjehem"));
	free(sv);
	free(en);
}

/* ---- report_words --------------------------------------------------------------- */

static void
assert_swedish(const char *column, const char *name)
{
	const char *w = report_cell(REPORT_SV, column, name);

	if (strcmp(w, name) == 0 || strchr(w, '_') != NULL)
		fail_msg("no Swedish word for %s %s", column, name);
	assert_string_equal(report_cell(REPORT_EN, column, name), name);
}

/* Every name the store and the routine can put in a cell has its word. */
static void
test_every_name_has_a_word(void **state)
{
	static const char *const deadline_kinds[] = {"acknowledge", "first_contact",
	    "status_report", "family_consent", "info_reply", "ad_decision"};

	(void)state;
	for (int k = 0; k <= 5; k++)   /* 0 unspecified, 5 unknown */
		assert_swedish("kind", report_kind_name(k));
	for (size_t i = 0; i < sizeof(deadline_kinds) / sizeof(deadline_kinds[0]); i++)
		assert_swedish("kind", deadline_kinds[i]);
	for (int s = RS_NONE + 1; s < RS_COUNT; s++)
		assert_swedish("state", referral_state_name((referral_state_t)s));
	for (int s = PS_NONE + 1; s < PS_COUNT; s++)
		assert_swedish("state", proposal_state_name((proposal_state_t)s));
	for (int s = QS_NONE + 1; s < QS_COUNT; s++)
		assert_swedish("state", item_state_name(ITEM_QUESTION, s));
	for (int s = AS_NONE + 1; s < AS_COUNT; s++)
		assert_swedish("state", item_state_name(ITEM_AD, s));
	for (int s = 1; s <= 5; s++)
		assert_swedish("last_status", report_status_name(s));
	assert_swedish("held", "held");
	assert_swedish("held", "ended");
	assert_swedish("actor", "pool");
	assert_string_equal(report_cell(REPORT_SV, "waiting_for", "municipality:1480"), "kommunen");
	assert_string_equal(report_cell(REPORT_EN, "waiting_for", "municipality:1480"),
	    "municipality:1480");
}

static void
test_words(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(report_lang_from_name("sv"), REPORT_SV);
	assert_int_equal(report_lang_from_name("en"), REPORT_EN);
	assert_int_equal(report_lang_from_name("SV"), -1);
	assert_int_equal(report_lang_from_name(""), -1);
	assert_string_equal(report_lang_name(REPORT_SV), "sv");
	assert_string_equal(report_lang_name(REPORT_EN), "en");
	/* An id is never taken for a word, even one that looks like one. */
	assert_string_equal(report_cell(REPORT_SV, "referral_id", "closed"), "closed");
	assert_string_equal(report_cell(REPORT_SV, "proposal_id", "placed"), "placed");
	/* A name without a word stays as it is. */
	assert_string_equal(report_cell(REPORT_SV, "state", "brand_new"), "brand_new");
	assert_string_equal(report_heading(REPORT_SV, "age_working_days", buf, sizeof(buf)),
	    "Väntat (arbetsdagar)");
	assert_string_equal(report_heading(REPORT_EN, "age_working_days", buf, sizeof(buf)),
	    "Age working days");
	assert_string_equal(report_title(REPORT_SV, "families_passed_on"), "Förmedlade familjer");
	assert_string_equal(report_title(REPORT_EN, "families_passed_on"), "Families passed on");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_swedish),
		cmocka_unit_test(test_text_english),
		cmocka_unit_test(test_text_aligned),
		cmocka_unit_test(test_html_swedish),
		cmocka_unit_test(test_html_english),
		cmocka_unit_test(test_csv_json_stay_english),
		cmocka_unit_test(test_every_name_has_a_word),
		cmocka_unit_test(test_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
