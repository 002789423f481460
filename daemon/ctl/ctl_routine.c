/*
 * ctl_routine — `famlinkctl queue`, `referrals`, `families`, `deadlines`
 * and `notifications`: the outbox and the routine's state read from the
 * store while the daemon runs (queue, referrals and deadlines through
 * ctl_render.h, which famlinkd's monitoring endpoint shares), and the checks of the options they and `report meeting` take. Ids,
 * states, kinds, times and counts only. Tables show Swedish local dates;
 * --json prints a JSON array with instants as ISO-8601 UTC and local dates
 * beside them (ctl_meeting.h).
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "confval.h"
#include "ctl.h"
#include "ctl_listing.h"
#include "ctl_meeting_render.h"
#include "ctl_render.h"
#include "deadline.h"
#include "log.h"
#include "ctl_report_fmt.h"
#include "routine_table.h"
#include "validate.h"

/* ---- option values ------------------------------------------------------------- */

static int
bad_state(const char *verb, const char *state)
{
	fprintf(stderr, "famlinkctl %s: --state %s: not a referral state; one of:", verb, state);
	for (int s = RS_NONE + 1; s < RS_COUNT; s++)
		fprintf(stderr, "%s %s", s > RS_NONE + 1 ? "," : "",
		    referral_state_name((referral_state_t)s));
	fputc('\n', stderr);
	return -1;
}

/* "0180" or "municipality:0180" into "municipality:0180". */
static int
parse_municipality(const char *verb, const char *arg, char out[65])
{
	snprintf(out, 65, "%s%s", strncmp(arg, "municipality:", 13) == 0 ? "" : "municipality:",
	    arg);
	if (confval_municipality_id(out))
		return 0;
	out[0] = '\0';
	fprintf(stderr, "famlinkctl %s: --municipality %s: give the kommunkod (4 digits, e.g."
	    " 0180) or the node id (municipality:0180)\n", verb, arg);
	return -1;
}

/* YYYY-MM-DD, digits only (validate_date), in the calendar's range. */
static int
parse_date(const char *verb, const char *opt, const char *arg, cal_date_t *d)
{
	if (validate_date(arg) && sscanf(arg, "%4d-%2d-%2d", &d->year, &d->month, &d->day) == 3 &&
	    calendar_date_valid(*d))
		return 0;
	fprintf(stderr, "famlinkctl %s: %s %s: not a date; give YYYY-MM-DD (a Swedish local"
	    " date)\n", verb, opt, arg);
	return -1;
}

static long
date_key(cal_date_t d)
{
	return (long)d.year * 10000 + d.month * 100 + d.day;
}

/* report's --lang: the language of its text and html. */
static int
check_lang(ctl_opts_t *o)
{
	if (o->lang != NULL && (o->lang_id = report_lang_from_name(o->lang)) < 0) {
		fprintf(stderr, "famlinkctl report: --lang %s: one of %s\n", o->lang, REPORT_LANGS);
		return -1;
	}
	return 0;
}

/* report's operand, its period (default: MEETING_DEFAULT_DAYS days up to
 * and including today) and its format. */
static int
check_report(ctl_opts_t *o, int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "meeting") != 0) {
		fprintf(stderr, "famlinkctl report: no report %s; the one there is: meeting\n",
		    argc < 1 ? "named" : argv[0]);
		return -1;
	}
	if (o->municipality == NULL) {
		fprintf(stderr, "famlinkctl report meeting: --municipality CODE is required (the"
		    " kommunkod, 0180, or the node id, municipality:0180)\n");
		return -1;
	}
	if ((o->from != NULL && parse_date("report", "--from", o->from, &o->from_date) != 0) ||
	    (o->to != NULL && parse_date("report", "--to", o->to, &o->to_date) != 0))
		return -1;
	if (o->to == NULL)
		o->to_date = calendar_local_date(clock_now_ms());
	if (o->from == NULL)
		o->from_date = report_date_add(o->to_date, 1 - MEETING_DEFAULT_DAYS);
	if (date_key(o->from_date) > date_key(o->to_date)) {
		char f[11], t[11];
		calendar_format_date(o->from_date, f);
		calendar_format_date(o->to_date, t);
		fprintf(stderr, "famlinkctl report: --from %s is after --to %s\n", f, t);
		return -1;
	}
	if (o->format != NULL && (o->format_id = meeting_format_from_name(o->format)) < 0) {
		fprintf(stderr, "famlinkctl report: --format %s: one of %s\n", o->format,
		    MEETING_FORMATS);
		return -1;
	}
	return check_lang(o);
}

int
ctl_check_values(const char *verb, ctl_opts_t *o, int argc, char **argv)
{
	o->format_id = MEETING_TEXT;
	if (o->state != NULL && referral_state_from_name(o->state) <= RS_NONE)
		return bad_state(verb, o->state);
	if (o->municipality != NULL &&
	    parse_municipality(verb, o->municipality, o->municipality_id) != 0)
		return -1;
	if (o->referral != NULL && (strlen(o->referral) > 64 || !validate_id(o->referral))) {
		fprintf(stderr, "famlinkctl %s: --referral: not a referral id (up to 64 of"
		    " A-Z a-z 0-9 . _ : -)\n", verb);
		return -1;
	}
	if (o->message != NULL && (strlen(o->message) > 64 || !validate_id(o->message))) {
		fprintf(stderr, "famlinkctl %s: --message: not a message id (up to 64 of"
		    " A-Z a-z 0-9 . _ : -)\n", verb);
		return -1;
	}
	if (strcmp(verb, "audit") == 0 && argc > 0 && strcmp(argv[0], "verify") != 0) {
		fprintf(stderr, "famlinkctl audit: %s: the only operand is verify\n", argv[0]);
		return -1;
	}
	if (o->since != NULL) {
		cal_date_t d;
		if (parse_date(verb, "--since", o->since, &d) != 0)
			return -1;
		o->since_ms = calendar_local_midnight(d);
	}
	if (strcmp(verb, "report") == 0)
		return check_report(o, argc, argv);
	return 0;
}

/* ---- queue -------------------------------------------------------------------- */

int
ctl_queue(const config_t *cfg, const ctl_opts_t *o)
{
	store_t *store = ctl_open_store(cfg, true);
	err_t err = {0};

	if (store == NULL)
		return CTL_ERROR;
	return listing_close(&store, render_queue(stdout, o->json ? RENDER_JSON : RENDER_TEXT,
	    store, o->all ? 0 : 100, clock_now_ms(), &err), &err);
}

/* ---- referrals ---------------------------------------------------------------- */

int
ctl_referrals(const config_t *cfg, const ctl_opts_t *o)
{
	store_t *store = listing_open_store(cfg);
	err_t err = {0};

	if (store == NULL)
		return CTL_ERROR;
	return listing_close(&store, render_referrals(stdout, o->json ? RENDER_JSON : RENDER_TEXT,
	    store, o->state, cfg->node_id, clock_now_ms(), &err), &err);
}

/* ---- families ------------------------------------------------------------------ */

static const char sql_families[] =
	"SELECT family_ref, owner, referral_id, proposal_id, state, passed_on_at, last_status,"
	" coalesce(last_status_at, 0), coalesce(ended_at, 0) FROM proposals"
	" WHERE passed_on_at IS NOT NULL ORDER BY passed_on_at, owner, referral_id, proposal_id";

typedef struct family_cols {
	char id[4][65], state[24];
	int64_t passed_on, status_at, ended;
	int status;
	bool held;
} family_cols_t;

static json_t *
family_json(const family_cols_t *f)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "familyReference", report_json_str(f->id[0]), "municipality", report_json_str(f->id[1]),
	    "referralId", report_json_str(f->id[2]), "proposalId", report_json_str(f->id[3]),
	    "state", report_json_str(f->state), "held", f->held,
	    "passedOnAt", report_json_time(f->passed_on), "passedOnDate", report_json_date(f->passed_on),
	    "lastStatus", f->status ? json_string(report_status_name(f->status)) : json_null(),
	    "lastStatusAt", report_json_time(f->status_at),
	    "lastStatusDate", report_json_date(f->status_at),
	    "ended", f->ended ? report_json_str(f->state) : json_null(),
	    "endedAt", report_json_time(f->ended), "endedDate", report_json_date(f->ended));
}

static void
family_table_row(const family_cols_t *f)
{
	char e[5][4 * 65], p[11], s[11], d[11];

	printf("%-16s %-17s %-20s %-14s %-20s %-10s %-17s %-10s %-15s %s\n",
	    log_escape(f->id[0][0] ? f->id[0] : "-", e[0], sizeof(e[0])),
	    log_escape(f->id[1], e[1], sizeof(e[1])), log_escape(f->id[2], e[2], sizeof(e[2])),
	    log_escape(f->id[3], e[3], sizeof(e[3])), log_escape(f->state, e[4], sizeof(e[4])),
	    report_date(f->passed_on, p), f->status ? report_status_name(f->status) : "-",
	    report_date(f->status_at, s), f->ended ? e[4] : "-", report_date(f->ended, d));
}

static void
family_row(listing_t *l, sqlite3_stmt *st)
{
	family_cols_t f;
	int ps;

	for (int i = 0; i < 4; i++)
		store_col_text(st, i, f.id[i], sizeof(f.id[i]));
	store_col_text(st, 4, f.state, sizeof(f.state));
	f.passed_on = sqlite3_column_int64(st, 5);
	f.status = sqlite3_column_int(st, 6);
	f.status_at = sqlite3_column_int64(st, 7);
	f.ended = sqlite3_column_int64(st, 8);
	ps = proposal_state_from_name(f.state);
	f.held = ps >= 0 && proposal_state_holds_family((proposal_state_t)ps);
	if (l->o->passed_on && !f.held)
		return;
	l->n++;
	if (l->o->json)
		json_array_append_new(l->rows, family_json(&f));
	else
		family_table_row(&f);
}

int
ctl_families(const config_t *cfg, const ctl_opts_t *o)
{
	listing_t l = { .o = o, .rows = json_array(), .now = clock_now_ms() };
	store_t *store = NULL;
	sqlite3_stmt *st;

	if (cfg->role != ROLE_HUB) {
		fprintf(stderr, "famlinkctl families: the ledger of families passed on is kept at"
		    " the hub; this node is %s (its families are in `famlinkctl report meeting`)\n",
		    cfg->node_id);
		return listing_finish(&l, &store, -1, "");
	}
	if ((store = listing_open_store(cfg)) == NULL ||
	    report_prepare(store, sql_families, &st, &l.err) != 0)
		return listing_finish(&l, &store, -1, "");
	if (!o->json)
		printf("%-16s %-17s %-20s %-14s %-20s %-10s %-17s %-10s %-15s %s\n", "FAMILY",
		    "MUNICIPALITY", "REFERRAL", "PROPOSAL", "STATE", "PASSED ON", "LAST STATUS",
		    "STATUS ON", "ENDED", "ENDED ON");
	return listing_finish(&l, &store, listing_each_row(store, st, family_row, &l),
	    o->passed_on ? "(no family held)" : "(no family passed on)");
}

/* ---- deadlines ---------------------------------------------------------------- */

int
ctl_deadlines(const config_t *cfg, const ctl_opts_t *o)
{
	store_t *store = listing_open_store(cfg);
	err_t err = {0};

	if (store == NULL)
		return CTL_ERROR;
	return listing_close(&store, render_deadlines(stdout, o->json ? RENDER_JSON : RENDER_TEXT,
	    store, o->municipality ? o->municipality_id : NULL, o->overdue, clock_now_ms(), &err),
	    &err);
}

/* ---- notifications ---------------------------------------------------------- */

/* The latest rows (or all), shown oldest first. A row without a deadline
 * (a received message, a dead letter, an adapter) has no deadline id and
 * no last day: NULL, shown as "-" (null in JSON). */
static const char sql_notifications[] =
	"SELECT * FROM (SELECT id, at, event, coalesce(deadline_id, 0), kind, owner, referral_id,"
	" proposal_id, actor, recipient, coalesce(due_at, 0), state, message_id, adapter,"
	" attempts, coalesce(sent_at, 0) FROM notifications WHERE ?1 IS NULL OR owner = ?1"
	" ORDER BY id DESC LIMIT ?2) ORDER BY id";

#define NOTE_COLS 10   /* the text columns read by notification_row() */

static json_t *
id_or_null(int64_t id)
{
	return id == 0 ? json_null() : json_integer((json_int_t)id);
}

static json_t *
notification_json(sqlite3_stmt *st, char c[NOTE_COLS][65])
{
	int64_t due = sqlite3_column_int64(st, 10);
	char d[11];

	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:I, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "queuedAt", report_json_time(sqlite3_column_int64(st, 1)),
	    "event", report_json_str(c[0]), "deadlineId", id_or_null(sqlite3_column_int64(st, 3)),
	    "kind", report_json_str(c[1]), "municipality", report_json_str(c[2]),
	    "referralId", report_json_str(c[3]), "proposalId", report_json_str(c[4]),
	    "actor", report_json_str(c[5]), "recipient", report_json_str(c[6]),
	    "dueAt", report_json_time(due), "dueDate", due ? json_string(report_due_date(due, d))
	    : json_null(), "messageId", report_json_str(c[8]), "adapter", report_json_str(c[9]),
	    "state", report_json_str(c[7]), "attempts", (json_int_t)sqlite3_column_int64(st, 14),
	    "sentAt", report_json_time(sqlite3_column_int64(st, 15)));
}

static void
notification_row(listing_t *l, sqlite3_stmt *st)
{
	static const int cols[NOTE_COLS] = { 2, 4, 5, 6, 7, 8, 9, 11, 12, 13 };
	char c[NOTE_COLS][65], e[NOTE_COLS][4 * 65], d[11], at[11], dl[24] = "-";
	int64_t deadline = sqlite3_column_int64(st, 3);

	for (int i = 0; i < NOTE_COLS; i++)
		store_col_text(st, cols[i], c[i], sizeof(c[i]));
	l->n++;
	if (l->o->json) {
		json_array_append_new(l->rows, notification_json(st, c));
		return;
	}
	for (int i = 0; i < NOTE_COLS; i++)
		log_escape(c[i][0] ? c[i] : "-", e[i], sizeof(e[i]));
	if (deadline != 0)
		snprintf(dl, sizeof(dl), "%lld", (long long)deadline);
	printf("%6lld %-10s %-15s %6s %-16s %-17s %-20s %-10s %-17s %-15s %-10s %-7s %s\n",
	    (long long)sqlite3_column_int64(st, 0), report_date(sqlite3_column_int64(st, 1), at),
	    e[0], dl, e[1], e[2], e[3], e[4], e[5], e[6],
	    report_due_date(sqlite3_column_int64(st, 10), d), e[7], c[8][0] ? e[8] : e[9]);
}

int
ctl_notifications(const config_t *cfg, const ctl_opts_t *o)
{
	listing_t l = { .o = o, .rows = json_array(), .now = clock_now_ms() };
	store_t *store = listing_open_store(cfg);
	sqlite3_stmt *st;

	if (store == NULL || report_prepare(store, sql_notifications, &st, &l.err) != 0)
		return listing_finish(&l, &store, -1, "");
	if ((o->municipality ? sqlite3_bind_text(st, 1, o->municipality_id, -1, SQLITE_STATIC)
	    : sqlite3_bind_null(st, 1)) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, o->all ? -1 : 100) != SQLITE_OK)
		return listing_finish(&l, &store, report_bind_fail(store, st, &l.err), "");
	if (!o->json)
		printf("%6s %-10s %-15s %6s %-16s %-17s %-20s %-10s %-17s %-15s %-10s %-7s %s\n", "ID",
		    "QUEUED", "EVENT", "DL", "KIND", "MUNICIPALITY", "REFERRAL", "PROPOSAL", "ACTOR",
		    "RECIPIENT", "LAST DAY", "STATE", "ABOUT");
	return listing_finish(&l, &store, listing_each_row(store, st, notification_row, &l),
	    "(no notification)");
}
