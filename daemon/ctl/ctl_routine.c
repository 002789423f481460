/*
 * ctl_routine — `famlinkctl queue`, `referrals`, `families`, `deadlines`
 * and `notifications`: the outbox and the routine's state read from the
 * store while the daemon runs, written by ctl_render.h (which famlinkd's
 * monitoring endpoint shares); and the checks of the options they and
 * `report meeting` take. Ids, states, kinds, times and counts only. Tables
 * show Swedish local dates; --json prints a JSON array with instants as
 * ISO-8601 UTC and local dates beside them (ctl_meeting.h).
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "confval.h"
#include "ctl.h"
#include "ctl_listing.h"
#include "ctl_meeting_render.h"
#include "ctl_render.h"
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

int
ctl_families(const config_t *cfg, const ctl_opts_t *o)
{
	store_t *store;
	err_t err = {0};

	if (cfg->role != ROLE_HUB) {
		fprintf(stderr, "famlinkctl families: the ledger of families passed on is kept at"
		    " the hub; this node is %s (its families are in `famlinkctl report meeting`)\n",
		    cfg->node_id);
		return CTL_ERROR;
	}
	if ((store = listing_open_store(cfg)) == NULL)
		return CTL_ERROR;
	return listing_close(&store, render_families(stdout, o->json ? RENDER_JSON : RENDER_TEXT,
	    store, o->passed_on, &err), &err);
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

int
ctl_notifications(const config_t *cfg, const ctl_opts_t *o)
{
	store_t *store = listing_open_store(cfg);
	err_t err = {0};

	if (store == NULL)
		return CTL_ERROR;
	return listing_close(&store, render_notifications(stdout,
	    o->json ? RENDER_JSON : RENDER_TEXT, store, o->municipality ? o->municipality_id : NULL,
	    o->all ? 0 : 100, &err), &err);
}
