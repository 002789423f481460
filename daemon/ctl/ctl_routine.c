/*
 * ctl_routine — `famlinkctl referrals`, `families`, `deadlines` and
 * `notifications`: the routine's state read from the store while the daemon
 * runs, and the checks of the options they and `report meeting` take. Ids,
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

/* ---- referrals ---------------------------------------------------------------- */

/* With the ids of its questions not yet answered and its ads not yet
 * decided (dialogue rows still open), space-separated; and how many of the
 * messages this node sent for it the recipient reported handed over to its
 * local system (one pass over the outbox for all referrals: a referral is
 * its owner's, so at the hub the peer must be the owner; at a municipality,
 * ?2 its own id, every referral is its own). */
static const char sql_referrals[] =
	"SELECT r.owner, r.referral_id, r.kind, r.state, r.created_at, d.id, d.kind, d.due_at,"
	" d.proposal_id,"
	" (SELECT group_concat(q.item_id, ' ') FROM dialogue q WHERE q.owner = r.owner"
	"  AND q.referral_id = r.referral_id AND q.item = 'question' AND q.closed_at IS NULL),"
	" (SELECT group_concat(a.item_id, ' ') FROM dialogue a WHERE a.owner = r.owner"
	"  AND a.referral_id = r.referral_id AND a.item = 'ad' AND a.closed_at IS NULL),"
	" CASE WHEN r.purged_at IS NULL THEN coalesce(r.held_since, 0) ELSE 0 END,"
	" coalesce(o.sent, 0), coalesce(o.handed, 0)"
	" FROM referrals r LEFT JOIN (SELECT peer, referral_id, count(*) AS sent,"
	"  count(handed_over_at) AS handed FROM outbox GROUP BY peer, referral_id) o"
	"  ON o.referral_id = r.referral_id AND (o.peer = r.owner OR r.owner = ?2)"
	" LEFT JOIN deadlines d ON d.id = (SELECT x.id"
	"  FROM deadlines x WHERE x.owner = r.owner AND x.referral_id = r.referral_id"
	"  AND x.state = 'open' ORDER BY x.due_at, x.id LIMIT 1)"
	" WHERE ?1 IS NULL OR r.state = ?1 ORDER BY r.created_at, r.owner, r.referral_id";

/* Column i's space-separated ids (ids hold no spaces) as a JSON array. */
static json_t *
id_list_json(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	json_t *a = json_array();

	while (v != NULL && *v != '\0') {
		size_t n = strcspn(v, " ");
		json_array_append_new(a, json_stringn(v, n));
		v += n + (v[n] == ' ');
	}
	return a;
}

/* How many ids column i lists. */
static int
id_count(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	int n = v != NULL && *v != '\0';

	for (; v != NULL && *v != '\0'; v++)
		n += *v == ' ';
	return n;
}

static json_t *
referral_json(sqlite3_stmt *st, char c[4][65], int64_t age)
{
	json_t *next = json_null();
	char d[11];

	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		next = json_pack("{s:I, s:o, s:o, s:o, s:s}", "id",
		    (json_int_t)sqlite3_column_int64(st, 5), "kind", report_json_str(c[2]),
		    "proposalId", report_json_str(c[3]),
		    "dueAt", report_json_time(sqlite3_column_int64(st, 7)),
		    "dueDate", report_due_date(sqlite3_column_int64(st, 7), d));
	return json_pack("{s:o, s:o, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:i, s:i}",
	    "owner", report_json_str(c[0]), "referralId", report_json_str(c[1]),
	    "kind", report_kind_name(sqlite3_column_int(st, 2)),
	    "state", report_json_str((const char *)sqlite3_column_text(st, 3)),
	    "createdAt", report_json_time(sqlite3_column_int64(st, 4)), "ageMs", (json_int_t)age,
	    "nextDeadline", next, "openQuestions", id_list_json(st, 9),
	    "adsWaiting", id_list_json(st, 10),
	    "heldForHandOverSince", report_json_time(sqlite3_column_int64(st, 11)),
	    "sent", sqlite3_column_int(st, 12), "sentHandedOver", sqlite3_column_int(st, 13));
}

static void
referral_row(listing_t *l, sqlite3_stmt *st)
{
	char c[4][65], state[24], a[32], due[11], e[4][4 * 65];
	int64_t age = l->now - sqlite3_column_int64(st, 4);

	store_col_text(st, 0, c[0], sizeof(c[0]));
	store_col_text(st, 1, c[1], sizeof(c[1]));
	store_col_text(st, 6, c[2], sizeof(c[2]));
	store_col_text(st, 8, c[3], sizeof(c[3]));
	store_col_text(st, 3, state, sizeof(state));
	if (sqlite3_column_int64(st, 11) != 0)   /* retention waits for the hand-over */
		strncat(state, ",held", sizeof(state) - strlen(state) - 1);
	l->n++;
	if (l->o->json) {
		json_array_append_new(l->rows, referral_json(st, c, age));
		return;
	}
	/* Whole minutes at least: "0m" under a minute (or behind the clock). */
	printf("%-20s %-20s %-15s %-13s %5s %9d %3d %-14s %s\n", log_escape(c[0], e[0], sizeof(e[0])),
	    log_escape(c[1], e[1], sizeof(e[1])), report_kind_name(sqlite3_column_int(st, 2)),
	    log_escape(state, e[3], sizeof(e[3])), age < 60000 ? "0m" : report_age(age, a, sizeof(a)),
	    id_count(st, 9), id_count(st, 10), c[2][0] ? log_escape(c[2], e[2], sizeof(e[2])) : "-",
	    c[2][0] ? report_due_date(sqlite3_column_int64(st, 7), due) : "-");
}

int
ctl_referrals(const config_t *cfg, const ctl_opts_t *o)
{
	listing_t l = { .o = o, .rows = json_array(), .now = clock_now_ms() };
	store_t *store = listing_open_store(cfg);
	sqlite3_stmt *st;

	if (store == NULL || report_prepare(store, sql_referrals, &st, &l.err) != 0)
		return listing_finish(&l, &store, -1, "");
	if ((o->state != NULL ? sqlite3_bind_text(st, 1, o->state, -1, SQLITE_STATIC)
	    : sqlite3_bind_null(st, 1)) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, cfg->node_id, -1, SQLITE_STATIC) != SQLITE_OK)
		return listing_finish(&l, &store, report_bind_fail(store, st, &l.err), "");
	if (!o->json)
		printf("%-20s %-20s %-15s %-13s %5s %9s %3s %-14s %s\n", "OWNER", "REFERRAL", "KIND",
		    "STATE", "AGE", "QUESTIONS", "ADS", "NEXT DEADLINE", "DUE DATE");
	return listing_finish(&l, &store, listing_each_row(store, st, referral_row, &l),
	    o->state ? "(no referrals in that state)" : "(no referrals)");
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

/* With the times its notifications were queued (notifications.at), from
 * which "reminded" is told: a reminder found after the due time is only
 * marked fired, never sent (deadline_fire.c). */
static const char sql_deadlines[] =
	"SELECT d.id, d.kind, d.owner, d.referral_id, d.proposal_id, d.actor, d.started_at,"
	" d.remind_at, d.due_at, d.escalate_at, d.fired, coalesce(n.reminder, 0),"
	" coalesce(n.overdue, 0), coalesce(n.escalation, 0), d.item_id FROM deadlines d"
	" LEFT JOIN (SELECT deadline_id, max(CASE WHEN event = 'reminder' THEN at END) AS reminder,"
	"  max(CASE WHEN event = 'overdue' THEN at END) AS overdue,"
	"  max(CASE WHEN event = 'escalation' THEN at END) AS escalation"
	"  FROM notifications GROUP BY deadline_id) n ON n.deadline_id = d.id"
	" WHERE d.state = 'open' AND (?1 IS NULL OR d.owner = ?1)"
	" AND (?2 IS NULL OR d.due_at <= ?2) ORDER BY d.due_at, d.id";

static const char *
deadline_state(sqlite3_stmt *st, int64_t now)
{
	int fired = sqlite3_column_int(st, 10);

	if ((fired & DEADLINE_FIRED_ESCALATION) || sqlite3_column_int64(st, 13) != 0)
		return "escalated";
	if ((fired & DEADLINE_FIRED_OVERDUE) || sqlite3_column_int64(st, 8) <= now)
		return "overdue";
	return sqlite3_column_int64(st, 11) != 0 ? "reminded" : "open";
}

static json_t *
deadline_json(sqlite3_stmt *st, char c[5][65], int64_t now)
{
	int64_t due = sqlite3_column_int64(st, 8);
	int64_t remind = deadline_reminder_at(sqlite3_column_int64(st, 6),
	    sqlite3_column_int64(st, 7), due, sqlite3_column_int64(st, 11) != 0, now);
	char d[11];

	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:s, s:i,"
	    " s:{s:o, s:o, s:o}}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0), "kind", report_json_str(c[0]),
	    "municipality", report_json_str(c[1]), "referralId", report_json_str(c[2]),
	    "proposalId", report_json_str(c[3]),
	    "itemId", report_json_str((const char *)sqlite3_column_text(st, 14)),
	    "actor", report_json_str(c[4]),
	    "startedAt", report_json_time(sqlite3_column_int64(st, 6)),
	    "remindAt", report_json_time(remind),
	    "dueAt", report_json_time(due), "dueDate", report_due_date(due, d),
	    "escalateAt", report_json_time(sqlite3_column_int64(st, 9)),
	    "state", deadline_state(st, now),
	    "overdueWorkingDays", deadline_overdue_working_days(due, now),
	    "notified", "reminder", report_json_time(sqlite3_column_int64(st, 11)),
	    "overdue", report_json_time(sqlite3_column_int64(st, 12)),
	    "escalation", report_json_time(sqlite3_column_int64(st, 13)));
}

static void
deadline_row(listing_t *l, sqlite3_stmt *st)
{
	int64_t due = sqlite3_column_int64(st, 8);
	char c[5][65], e[5][4 * 65], t[REPORT_TIME_LEN], late[16] = "-";

	for (int i = 0; i < 5; i++)
		store_col_text(st, i + 1, c[i], sizeof(c[i]));
	l->n++;
	if (l->o->json) {
		json_array_append_new(l->rows, deadline_json(st, c, l->now));
		return;
	}
	if (c[3][0] == '\0')   /* not a proposal's: the question's or ad's id, if any */
		store_col_text(st, 14, c[3], sizeof(c[3]));
	if (due <= l->now)
		snprintf(late, sizeof(late), "%d wd", deadline_overdue_working_days(due, l->now));
	printf("%6lld %-13s %-17s %-20s %-14s %-17s %-16s %-9s %s\n",
	    (long long)sqlite3_column_int64(st, 0), log_escape(c[0], e[0], sizeof(e[0])),
	    log_escape(c[1], e[1], sizeof(e[1])), log_escape(c[2], e[2], sizeof(e[2])),
	    c[3][0] ? log_escape(c[3], e[3], sizeof(e[3])) : "-",
	    log_escape(c[4], e[4], sizeof(e[4])), report_due_time(due, t),
	    deadline_state(st, l->now), late);
}

int
ctl_deadlines(const config_t *cfg, const ctl_opts_t *o)
{
	listing_t l = { .o = o, .rows = json_array(), .now = clock_now_ms() };
	store_t *store = listing_open_store(cfg);
	sqlite3_stmt *st;

	if (store == NULL || report_prepare(store, sql_deadlines, &st, &l.err) != 0)
		return listing_finish(&l, &store, -1, "");
	if ((o->municipality ? sqlite3_bind_text(st, 1, o->municipality_id, -1, SQLITE_STATIC)
	    : sqlite3_bind_null(st, 1)) != SQLITE_OK ||
	    (o->overdue ? sqlite3_bind_int64(st, 2, l.now) : sqlite3_bind_null(st, 2)) != SQLITE_OK)
		return listing_finish(&l, &store, report_bind_fail(store, st, &l.err), "");
	if (!o->json)
		printf("%6s %-13s %-17s %-20s %-14s %-17s %-16s %-9s %s\n", "ID", "KIND",
		    "MUNICIPALITY", "REFERRAL", "ITEM", "ACTOR", "DUE", "STATE", "OVERDUE");
	return listing_finish(&l, &store, listing_each_row(store, st, deadline_row, &l),
	    o->overdue ? "(no deadline overdue)" : "(no open deadline)");
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
