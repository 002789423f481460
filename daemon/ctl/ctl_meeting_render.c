/*
 * ctl_meeting_render — the meeting report in text, csv, json and html (see
 * ctl_meeting_render.h).
 *
 * text, csv and html are drawn from one description of each section
 * (sections[]): its headings and a function that fills a row's cells with
 * plain values; each renderer escapes them its own way. json has types
 * (numbers, null, booleans) and is built on its own. text and html are for
 * people: their titles, headings and words are in the language asked for
 * (report_words.h, Swedish by default); csv and json keep the stable
 * English names.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_meeting_render.h"
#include "log.h"
#include "ctl_report_fmt.h"
#include "report_words.h"

/* ---- json ----------------------------------------------------------------------- */

static json_t *
referrals_json(const meeting_report_t *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nreferrals; i++) {
		const meeting_referral_t *x = &r->referrals[i];
		int64_t age = r->generated_at - x->created_at;
		json_array_append_new(a, json_pack("{s:o, s:s, s:s, s:I, s:o, s:o, s:o}",
		    "referralId", report_json_str(x->referral_id), "kind", report_kind_name(x->kind),
		    "state", x->state, "ageDays", (json_int_t)(age > 0 ? age / 86400000 : 0),
		    "createdAt", report_json_time(x->created_at),
		    "submittedAt", report_json_time(x->submitted_at),
		    "submittedDate", report_json_date(x->submitted_at)));
	}
	return a;
}

static json_t *
families_json(const meeting_report_t *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nfamilies; i++) {
		const meeting_family_t *x = &r->families[i];
		json_array_append_new(a, json_pack("{s:o, s:o, s:o, s:s, s:b, s:o, s:o, s:o, s:o,"
		    " s:o, s:o, s:o}", "familyReference", report_json_str(x->family_ref),
		    "referralId", report_json_str(x->referral_id),
		    "proposalId", report_json_str(x->proposal_id), "state", x->state, "held", x->held,
		    "passedOnAt", report_json_time(x->passed_on_at),
		    "passedOnDate", report_json_date(x->passed_on_at),
		    "lastStatus", x->last_status ? json_string(report_status_name(x->last_status))
		    : json_null(), "lastStatusAt", report_json_time(x->last_status_at),
		    "lastStatusDate", report_json_date(x->last_status_at),
		    "endedAt", report_json_time(x->ended_at), "endedDate", report_json_date(x->ended_at)));
	}
	return a;
}

static json_t *
overdue_json(const meeting_report_t *r)
{
	json_t *a = json_array();
	char d[11];

	for (size_t i = 0; i < r->noverdue; i++) {
		const meeting_overdue_t *x = &r->overdue[i];
		json_array_append_new(a, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:s, s:i}",
		    "id", (json_int_t)x->id, "kind", report_json_str(x->kind),
		    "referralId", report_json_str(x->referral_id),
		    "proposalId", report_json_str(x->proposal_id), "actor", report_json_str(x->actor),
		    "dueAt", report_json_time(x->due_at), "dueDate", report_due_date(x->due_at, d),
		    "overdueWorkingDays", x->working_days));
	}
	return a;
}

/* A list of what waits for an answer; id_key names its item's id, and a
 * proposal also has its family. */
static json_t *
waiting_json(const meeting_waiting_list_t *l, const char *id_key, bool family)
{
	json_t *a = json_array(), *o;

	for (size_t i = 0; i < l->n; i++) {
		const meeting_waiting_t *x = &l->rows[i];
		o = json_pack("{s:o, s:o}", "referralId", report_json_str(x->referral_id), id_key,
		    report_json_str(x->item_id));
		if (family)
			json_object_set_new(o, "familyReference", report_json_str(x->family_ref));
		json_object_set_new(o, "state", report_json_str(x->state));
		json_object_set_new(o, "openedAt", report_json_time(x->opened_at));
		json_object_set_new(o, "openedDate", report_json_date(x->opened_at));
		json_object_set_new(o, "ageWorkingDays", json_integer(x->working_days));
		json_object_set_new(o, "waitingFor", report_json_str(x->waiting_for));
		json_array_append_new(a, o);
	}
	return a;
}

/* The waiting lists, added to the report's object j (after its counts). */
static json_t *
add_waiting_json(json_t *j, const meeting_report_t *r)
{
	json_object_set_new(j, "proposalsWaiting",
	    waiting_json(&r->proposals_waiting, "proposalId", true));
	json_object_set_new(j, "questionsWaiting",
	    waiting_json(&r->questions_waiting, "questionId", false));
	json_object_set_new(j, "adsWaiting", waiting_json(&r->ads_waiting, "adId", false));
	return j;
}

static json_t *
counts_json(const meeting_report_t *r)
{
	const meeting_counts_t *k = &r->counts;
	json_t *rejected = json_array();

	for (int i = 1; i <= MEETING_REASONS; i++)   /* unspecified (0) last */
		json_array_append_new(rejected, json_pack("{s:s, s:I}", "reason",
		    report_reason_name(i % MEETING_REASONS), "count",
		    (json_int_t)k->rejected[i % MEETING_REASONS]));
	return json_pack("{s:I, s:I, s:I, s:o, s:I, s:I, s:I}", "referralsReceived",
	    (json_int_t)k->received, "acknowledged", (json_int_t)k->acknowledged,
	    "acknowledgedInTime", (json_int_t)k->acknowledged_in_time, "rejectedByReason", rejected,
	    "proposalsMade", (json_int_t)k->proposals, "familiesPlaced", (json_int_t)k->placed,
	    "familiesReturned", (json_int_t)k->returned);
}

json_t *
meeting_json(const meeting_report_t *r)
{
	char f[11], t[11];

	calendar_format_date(r->from, f);
	calendar_format_date(r->to, t);
	return add_waiting_json(json_pack("{s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o}", "report", "meeting", "nodeId", report_json_str(r->node_id),
	    "municipality", report_json_str(r->municipality), "from", f, "to", t,
	    "periodStart", report_json_time(r->from_ms), "periodEnd", report_json_time(r->to_ms),
	    "generatedAt", report_json_time(r->generated_at),
	    "openReferrals", referrals_json(r), "familiesPassedOn", families_json(r),
	    "overdueDeadlines", overdue_json(r), "counts", counts_json(r)), r);
}

int
meeting_format_from_name(const char *name)
{
	static const char *const names[] = {"text", "csv", "json", "html"};

	for (int i = 0; i < 4; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* ---- the sections as rows of plain cells ----------------------------------------- */

#define CELL 80
#define MAX_COLS 9
typedef char cells_t[MAX_COLS][CELL];

typedef struct section {
	const char *key;          /* csv's section column; its title: report_title() */
	bool listing;             /* rows of items (counted in the title), not measures */
	int ncols;
	const char *heads[MAX_COLS];   /* csv header; report_heading(), upper-cased for text */
	int widths[MAX_COLS];     /* text: at least this wide; negative left-aligned */
	size_t (*nrows)(const meeting_report_t *r);
	void (*row)(const meeting_report_t *r, size_t i, cells_t c);
} section_t;

static size_t n_referrals(const meeting_report_t *r) { return r->nreferrals; }
static size_t n_families(const meeting_report_t *r) { return r->nfamilies; }
static size_t n_overdue(const meeting_report_t *r) { return r->noverdue; }

static void
referral_cells(const meeting_report_t *r, size_t i, cells_t c)
{
	const meeting_referral_t *x = &r->referrals[i];
	int64_t age = r->generated_at - x->created_at;

	snprintf(c[0], CELL, "%s", x->referral_id);
	snprintf(c[1], CELL, "%s", report_kind_name(x->kind));
	snprintf(c[2], CELL, "%s", x->state);
	snprintf(c[3], CELL, "%lld", (long long)(age > 0 ? age / 86400000 : 0));
	if (x->submitted_at != 0)
		report_date(x->submitted_at, c[4]);
}

static void
family_cells(const meeting_report_t *r, size_t i, cells_t c)
{
	const meeting_family_t *x = &r->families[i];

	snprintf(c[0], CELL, "%s", x->family_ref);
	snprintf(c[1], CELL, "%s", x->referral_id);
	snprintf(c[2], CELL, "%s", x->proposal_id);
	snprintf(c[3], CELL, "%s", x->state);
	report_date(x->passed_on_at, c[4]);
	if (x->last_status != 0)
		snprintf(c[5], CELL, "%s", report_status_name(x->last_status));
	if (x->last_status_at != 0)
		report_date(x->last_status_at, c[6]);
	snprintf(c[7], CELL, "%s", x->held ? "held" : "ended");
	if (x->ended_at != 0)
		report_date(x->ended_at, c[8]);
}

static void
overdue_cells(const meeting_report_t *r, size_t i, cells_t c)
{
	const meeting_overdue_t *x = &r->overdue[i];

	snprintf(c[0], CELL, "%lld", (long long)x->id);
	snprintf(c[1], CELL, "%s", x->kind);
	snprintf(c[2], CELL, "%s", x->referral_id);
	snprintf(c[3], CELL, "%s", x->proposal_id);
	snprintf(c[4], CELL, "%s", x->actor);
	report_due_date(x->due_at, c[5]);
	snprintf(c[6], CELL, "%d", x->working_days);
}

/* What waits for an answer: ids, [family,] [state,] since, age, who. */
static void
waiting_cells(const meeting_waiting_t *x, bool family, bool state, cells_t c)
{
	int k = 0;

	snprintf(c[k++], CELL, "%s", x->referral_id);
	snprintf(c[k++], CELL, "%s", x->item_id);
	if (family)
		snprintf(c[k++], CELL, "%s", x->family_ref);
	if (state)
		snprintf(c[k++], CELL, "%s", x->state);
	report_date(x->opened_at, c[k++]);
	snprintf(c[k++], CELL, "%d", x->working_days);
	snprintf(c[k], CELL, "%s", x->waiting_for);
}

static size_t n_proposals_waiting(const meeting_report_t *r) { return r->proposals_waiting.n; }
static size_t n_questions_waiting(const meeting_report_t *r) { return r->questions_waiting.n; }
static size_t n_ads_waiting(const meeting_report_t *r) { return r->ads_waiting.n; }

static void
proposal_waiting_cells(const meeting_report_t *r, size_t i, cells_t c)
{
	waiting_cells(&r->proposals_waiting.rows[i], true, false, c);
}

static void
question_waiting_cells(const meeting_report_t *r, size_t i, cells_t c)
{
	waiting_cells(&r->questions_waiting.rows[i], false, true, c);
}

static void
ad_waiting_cells(const meeting_report_t *r, size_t i, cells_t c)
{
	waiting_cells(&r->ads_waiting.rows[i], false, false, c);
}

/* The counts, one measure a row. */
#define NCOUNTS 11
static size_t n_counts(const meeting_report_t *r) { (void)r; return NCOUNTS; }

static void
count_cells(const meeting_report_t *r, size_t i, cells_t c)
{
	static const char *const names[NCOUNTS] = {"referrals_received", "acknowledged",
	    "acknowledged_in_time", "rejected_not_member", "rejected_out_of_remit",
	    "rejected_no_decision", "rejected_invalid", "rejected_unspecified", "proposals_made",
	    "families_placed", "families_returned"};
	const meeting_counts_t *k = &r->counts;
	const long v[NCOUNTS] = {k->received, k->acknowledged, k->acknowledged_in_time,
	    k->rejected[1], k->rejected[2], k->rejected[3], k->rejected[4], k->rejected[0],
	    k->proposals, k->placed, k->returned};

	snprintf(c[0], CELL, "%s", names[i]);
	snprintf(c[1], CELL, "%ld", v[i]);
}

static const section_t sections[] = {
	{"open_referrals", true, 5,
	    {"referral_id", "kind", "state", "age_days", "submitted_date"},
	    {-20, -15, -13, 9, -10}, n_referrals, referral_cells},
	{"proposals_waiting", true, 6,
	    {"referral_id", "proposal_id", "family_reference", "opened_date", "age_working_days",
	    "waiting_for"},
	    {-20, -14, -16, -10, 4, -17}, n_proposals_waiting, proposal_waiting_cells},
	{"questions_waiting", true, 6,
	    {"referral_id", "question_id", "state", "opened_date", "age_working_days",
	    "waiting_for"},
	    {-20, -14, -21, -10, 4, -17}, n_questions_waiting, question_waiting_cells},
	{"ads_waiting", true, 5,
	    {"referral_id", "ad_id", "opened_date", "age_working_days", "waiting_for"},
	    {-20, -14, -10, 4, -17}, n_ads_waiting, ad_waiting_cells},
	{"families_passed_on", true, 9,
	    {"family_reference", "referral_id", "proposal_id", "state", "passed_on_date",
	    "last_status", "last_status_date", "held", "ended_date"},
	    {-16, -20, -14, -20, -10, -17, -10, -5, -10}, n_families, family_cells},
	{"overdue_deadlines", true, 7,
	    {"deadline_id", "kind", "referral_id", "proposal_id", "actor", "due_date",
	    "working_days_overdue"},
	    {6, -13, -20, -14, -17, -10, 4}, n_overdue, overdue_cells},
	{"counts", false, 2, {"measure", "value"}, {-22, 6}, n_counts, count_cells},
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* ---- text ----------------------------------------------------------------------- */

/* A text cell: what a person reads, escaped, at most a CELL of characters
 * in 4 bytes each. */
typedef char text_cells_t[MAX_COLS][4 * CELL];

/* The columns a terminal gives s: its characters (code points), not its
 * bytes, so that "bekräftad" lines up with "submitted". */
static int
text_width(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* s in capitals: a-z and the letters of Latin-1 (å ä ö é: U+00E0 to
 * U+00FE but ÷) into out: "Ålder" gives "ÅLDER". Other bytes as they are. */
static const char *
text_upper(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (unsigned char)(ch - 'a' + 'A');
		else if (i > 0 && (unsigned char)s[i - 1] == 0xC3 && ch >= 0xA0 && ch <= 0xBE &&
		    ch != 0xB7)
			ch = (unsigned char)(ch - 0x20);
		out[i] = (char)ch;
	}
	out[i] = '\0';
	return out;
}

/* The headings of s in lang, in capitals: "REMISS", "REFERRAL ID". */
static void
text_heads(const section_t *s, report_lang_t lang, text_cells_t v)
{
	char buf[4 * CELL];

	for (int i = 0; i < s->ncols; i++)
		text_upper(report_heading(lang, s->heads[i], buf, sizeof(buf)), v[i], sizeof(v[i]));
}

/* Row k of s as a person reads it in lang: words translated, "-" for none. */
static void
text_cells(const meeting_report_t *r, const section_t *s, size_t k, report_lang_t lang,
    text_cells_t v)
{
	char esc[4 * CELL];
	cells_t c;

	memset(c, 0, sizeof(c));
	s->row(r, k, c);
	for (int i = 0; i < s->ncols; i++)
		snprintf(v[i], sizeof(v[i]), "%s", c[i][0] ? report_cell(lang, s->heads[i],
		    log_escape(c[i], esc, sizeof(esc))) : "-");
}

/* Widens each column of w to the cells of v. */
static void
text_fit(const section_t *s, text_cells_t v, int *w)
{
	for (int i = 0; i < s->ncols; i++)
		if (text_width(v[i]) > w[i])
			w[i] = text_width(v[i]);
}

/* One line, padded by characters; the last column, if left-aligned, is
 * not padded. */
static void
text_line(FILE *out, const section_t *s, const int *w, text_cells_t v)
{
	for (int i = 0; i < s->ncols; i++) {
		bool left = s->widths[i] < 0, last = i + 1 == s->ncols;
		int pad = w[i] - text_width(v[i]);
		if (!left && pad > 0)
			fprintf(out, "%*s", pad, "");
		fputs(v[i], out);
		if (left && !last && pad > 0)
			fprintf(out, "%*s", pad, "");
		fputc(last ? '\n' : ' ', out);
	}
}

/* A column is as wide as its width, its heading and its widest cell. */
static void
text_section(FILE *out, const meeting_report_t *r, const section_t *s, report_lang_t lang)
{
	size_t n = s->nrows(r);
	int w[MAX_COLS];
	text_cells_t v;

	for (int i = 0; i < s->ncols; i++)
		w[i] = abs(s->widths[i]);
	text_heads(s, lang, v);
	text_fit(s, v, w);
	for (size_t k = 0; k < n; k++) {
		text_cells(r, s, k, lang, v);
		text_fit(s, v, w);
	}
	if (s->listing)
		fprintf(out, "\n%s (%zu)\n", report_title(lang, s->key), n);
	else
		fprintf(out, "\n%s\n", report_title(lang, s->key));
	text_heads(s, lang, v);
	text_line(out, s, w, v);
	for (size_t k = 0; k < n; k++) {
		text_cells(r, s, k, lang, v);
		text_line(out, s, w, v);
	}
	if (n == 0)
		fprintf(out, "(%s)\n", report_phrases(lang)->none);
}

static void
render_text(const meeting_report_t *r, report_lang_t lang, FILE *out)
{
	char g[REPORT_TIME_LEN], f[11], t[11], id[4 * 65], node[4 * 65];

	calendar_format_date(r->from, f);
	calendar_format_date(r->to, t);
	fprintf(out, report_phrases(lang)->text_intro, log_escape(r->municipality, id, sizeof(id)),
	    f, t, log_escape(r->node_id, node, sizeof(node)), report_iso_time(r->generated_at, g));
	for (size_t i = 0; i < NSECTIONS; i++)
		text_section(out, r, &sections[i], lang);
}

/* ---- csv (RFC 4180) -------------------------------------------------------------- */

static void
csv_field(FILE *out, const char *v, bool last)
{
	if (strpbrk(v, ",\"\r\n") == NULL) {
		fputs(v, out);
	} else {
		fputc('"', out);
		for (; *v; v++) {
			if (*v == '"')
				fputc('"', out);
			fputc(*v, out);
		}
		fputc('"', out);
	}
	fputs(last ? "\r\n" : ",", out);
}

static void
csv_section(FILE *out, const meeting_report_t *r, const section_t *s)
{
	size_t n = s->nrows(r);
	cells_t c;

	fputs("\r\nsection,", out);
	for (int i = 0; i < s->ncols; i++)
		csv_field(out, s->heads[i], i + 1 == s->ncols);
	for (size_t k = 0; k < n; k++) {
		memset(c, 0, sizeof(c));
		s->row(r, k, c);
		csv_field(out, s->key, false);
		for (int i = 0; i < s->ncols; i++)
			csv_field(out, c[i], i + 1 == s->ncols);
	}
}

static void
render_csv(const meeting_report_t *r, FILE *out)
{
	char g[REPORT_TIME_LEN], f[11], t[11];

	calendar_format_date(r->from, f);
	calendar_format_date(r->to, t);
	fputs("section,node_id,municipality,from,to,generated_at\r\nreport,", out);
	csv_field(out, r->node_id, false);
	csv_field(out, r->municipality, false);
	csv_field(out, f, false);
	csv_field(out, t, false);
	csv_field(out, report_iso_time(r->generated_at, g), true);
	for (size_t i = 0; i < NSECTIONS; i++)
		csv_section(out, r, &sections[i]);
}

/* ---- html ----------------------------------------------------------------------- */

static void
html_text(FILE *out, const char *v)
{
	for (; *v; v++) {
		switch (*v) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*v, out);
		}
	}
}

static void
html_section(FILE *out, const meeting_report_t *r, const section_t *s, report_lang_t lang)
{
	size_t n = s->nrows(r);
	char head[4 * CELL];
	cells_t c;

	fputs("<h2>", out);
	html_text(out, report_title(lang, s->key));
	fputs("</h2>\n<table>\n<thead><tr>", out);
	for (int i = 0; i < s->ncols; i++) {
		fputs("<th>", out);
		html_text(out, report_heading(lang, s->heads[i], head, sizeof(head)));
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (size_t k = 0; k < n; k++) {
		memset(c, 0, sizeof(c));
		s->row(r, k, c);
		fputs("<tr>", out);
		for (int i = 0; i < s->ncols; i++) {
			fputs(s->widths[i] > 0 ? "<td class=\"n\">" : "<td>", out);
			html_text(out, c[i][0] ? report_cell(lang, s->heads[i], c[i]) : "-");
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	if (n == 0)
		fprintf(out, "<tr><td colspan=\"%d\">%s</td></tr>\n", s->ncols,
		    report_phrases(lang)->none);
	fputs("</tbody>\n</table>\n", out);
}

static const char html_style[] =
	"body{font:11pt/1.4 sans-serif;margin:2em;color:#000;background:#fff}"
	"h1{font-size:16pt;margin:0 0 .3em}h2{font-size:13pt;margin:1.5em 0 .4em}"
	"p{margin:.2em 0}table{border-collapse:collapse;width:100%}"
	"th,td{border:1px solid #999;padding:.2em .5em;text-align:left;vertical-align:top}"
	"th{background:#eee}td.n{text-align:right}"
	"@media print{body{margin:0;font-size:9pt}h2{page-break-after:avoid}"
	"tr{page-break-inside:avoid}th{background:#ddd}@page{size:A4 landscape;margin:1.5cm}}";

static void
render_html(const meeting_report_t *r, report_lang_t lang, FILE *out)
{
	const report_phrases_t *say = report_phrases(lang);
	char g[REPORT_TIME_LEN], f[11], t[11];

	calendar_format_date(r->from, f);
	calendar_format_date(r->to, t);
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
	    " style-src 'unsafe-inline'\">\n<title>Samverkansmöte ", report_lang_name(lang));
	html_text(out, r->municipality);
	fprintf(out, " %s %s %s</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<h1>Samverkansmöte: ", f, say->date_to, t, html_style);
	html_text(out, r->municipality);
	fputs("</h1>\n", out);
	fprintf(out, say->html_period, f, t);
	fprintf(out, say->html_made, report_iso_time(r->generated_at, g));
	html_text(out, r->node_id);
	fputs(say->html_scope, out);
	for (size_t i = 0; i < NSECTIONS; i++)
		html_section(out, r, &sections[i], lang);
	fputs("</body>\n</html>\n", out);
}

int
meeting_render(const meeting_report_t *r, meeting_format_t format, report_lang_t lang,
    FILE *out)
{
	json_t *j;
	char *text;

	switch (format) {
	case MEETING_TEXT: render_text(r, lang, out); break;
	case MEETING_CSV: render_csv(r, out); break;
	case MEETING_HTML: render_html(r, lang, out); break;
	case MEETING_JSON:
		j = meeting_json(r);
		text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		json_decref(j);
		if (text == NULL)
			return -1;
		fprintf(out, "%s\n", text);
		free(text);
		break;
	}
	return ferror(out) ? -1 : 0;
}
