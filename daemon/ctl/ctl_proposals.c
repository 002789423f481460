/*
 * ctl_proposals — `famlinkctl proposals`: the family proposals of every
 * referral and their state, at the hub and at a municipality alike, so a
 * secretary's unanswered proposals are seen before any family is passed
 * on. Ids, states, dates and ages only.
 */
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "clock.h"
#include "ctl_listing.h"
#include "log.h"
#include "ctl_report_fmt.h"
#include "routine_table.h"

static const char sql_proposals[] =
	"SELECT owner, referral_id, proposal_id, family_ref, state, created_at, updated_at"
	" FROM proposals WHERE ?1 = 0 OR state = 'proposed'"
	" ORDER BY created_at, owner, referral_id, proposal_id";

typedef struct proposal_cols {
	char id[4][65], state[24];   /* owner, referral, proposal, family reference */
	int64_t proposed, updated;
	int age_wd;                  /* working days since the day it was proposed */
} proposal_cols_t;

/* Whose move it is: the municipality decides a proposal and, once it holds
 * the family, reports on it; the pool asks the family. */
static const char *
waiting_for(const char *state)
{
	int ps = proposal_state_from_name(state);

	if (ps == PS_PROPOSED)
		return "municipality";
	if (ps == PS_ACCEPTED)
		return "pool";
	if (ps >= 0 && proposal_state_holds_family((proposal_state_t)ps))
		return "municipality";
	return NULL;
}

static json_t *
proposal_json(const proposal_cols_t *p)
{
	const char *w = waiting_for(p->state);

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o}",
	    "municipality", report_json_str(p->id[0]), "referralId", report_json_str(p->id[1]),
	    "proposalId", report_json_str(p->id[2]), "familyReference", report_json_str(p->id[3]),
	    "state", report_json_str(p->state), "proposedAt", report_json_time(p->proposed),
	    "proposedDate", report_json_date(p->proposed), "ageWorkingDays", p->age_wd,
	    "waitingFor", w ? json_string(w) : json_null(),
	    "updatedAt", report_json_time(p->updated));
}

static void
proposal_table_row(const proposal_cols_t *p)
{
	char e[5][4 * 65], d[11], u[11];
	const char *w = waiting_for(p->state);

	printf("%-17s %-20s %-14s %-16s %-20s %-10s %4d wd %-12s %s\n",
	    log_escape(p->id[0], e[0], sizeof(e[0])), log_escape(p->id[1], e[1], sizeof(e[1])),
	    log_escape(p->id[2], e[2], sizeof(e[2])),
	    log_escape(p->id[3][0] ? p->id[3] : "-", e[3], sizeof(e[3])),
	    log_escape(p->state, e[4], sizeof(e[4])), report_date(p->proposed, d), p->age_wd,
	    w ? w : "-", report_date(p->updated, u));
}

static void
proposal_row(listing_t *l, sqlite3_stmt *st)
{
	proposal_cols_t p;

	for (int i = 0; i < 4; i++)
		store_col_text(st, i, p.id[i], sizeof(p.id[i]));
	store_col_text(st, 4, p.state, sizeof(p.state));
	p.proposed = sqlite3_column_int64(st, 5);
	p.updated = sqlite3_column_int64(st, 6);
	p.age_wd = calendar_working_days_between(p.proposed, l->now);
	l->n++;
	if (l->o->json)
		json_array_append_new(l->rows, proposal_json(&p));
	else
		proposal_table_row(&p);
}

int
ctl_proposals(const config_t *cfg, const ctl_opts_t *o)
{
	listing_t l = { .o = o, .rows = json_array(), .now = clock_now_ms() };
	store_t *store;
	sqlite3_stmt *st;

	if ((store = listing_open_store(cfg)) == NULL ||
	    report_prepare(store, sql_proposals, &st, &l.err) != 0)
		return listing_finish(&l, &store, -1, "");
	if (sqlite3_bind_int(st, 1, o->waiting) != SQLITE_OK)
		return listing_finish(&l, &store, report_bind_fail(store, st, &l.err), "");
	if (!o->json)
		printf("%-17s %-20s %-14s %-16s %-20s %-10s %7s %-12s %s\n", "MUNICIPALITY",
		    "REFERRAL", "PROPOSAL", "FAMILY", "STATE", "PROPOSED", "AGE", "WAITING FOR",
		    "CHANGED");
	return listing_finish(&l, &store, listing_each_row(store, st, proposal_row, &l),
	    o->waiting ? "(no proposal waits for the municipality's answer)" : "(no proposals)");
}
