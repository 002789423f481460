/*
 * ctl_meeting — the meeting report's data (see ctl_meeting.h): the rows
 * store_meeting.h reads, and what the routine and the calendar make of
 * them; and the verb `famlinkctl report meeting`. The renderers are in
 * ctl_meeting_render.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "ctl_meeting.h"
#include "deadline.h"
#include "ctl_report_fmt.h"
#include "routine_table.h"

/* ---- what the routine and the calendar make of the rows -------------------- */

/* Whose contact details the municipality still holds. */
static void
mark_held(meeting_report_t *r)
{
	for (size_t i = 0; i < r->nfamilies; i++) {
		int ps = proposal_state_from_name(r->families[i].state);
		r->families[i].held = ps >= 0 && proposal_state_holds_family((proposal_state_t)ps);
	}
}

static void
count_working_days(meeting_report_t *r)
{
	meeting_waiting_list_t *lists[] = {
		&r->proposals_waiting, &r->questions_waiting, &r->ads_waiting,
	};

	for (size_t i = 0; i < r->noverdue; i++)
		r->overdue[i].working_days =
		    deadline_overdue_working_days(r->overdue[i].due_at, r->generated_at);
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (size_t i = 0; i < lists[l]->n; i++)
			lists[l]->rows[i].working_days = calendar_working_days_between(
			    lists[l]->rows[i].opened_at, r->generated_at);
}

/* Acknowledged: the ReferralAcks made in the period. In time: those made
 * by the acknowledge deadline counted from the sending they answer, both
 * by their messages' own instants and this node's [deadlines]: the same
 * figures at both ends when both configure the same acknowledge spans. A
 * ReferralRejected is never an acknowledgement. */
typedef struct ack_count {
	const config_t *cfg;
	meeting_report_t *r;
	char referral_id[65];
	int64_t sent;
	bool have_sent;
} ack_count_t;

static void
ack_row(void *ctx, const char *referral_id, bool ack, int64_t at, int kind)
{
	ack_count_t *a = ctx;
	char cur[65];

	snprintf(cur, sizeof(cur), "%s", referral_id);
	if (strcmp(cur, a->referral_id) != 0) {
		memcpy(a->referral_id, cur, sizeof(cur));
		a->have_sent = false;
	}
	if (!ack) {   /* a sending */
		a->sent = at;
		a->have_sent = true;
		return;
	}
	if (at < a->r->from_ms || at >= a->r->to_ms)
		return;
	a->r->counts.acknowledged++;
	if (a->have_sent && at <= deadline_due(a->sent, deadline_acknowledge_span(a->cfg, kind)))
		a->r->counts.acknowledged_in_time++;
}

static int
collect(store_t *store, const config_t *cfg, meeting_report_t *r, err_t *err)
{
	const char *m = r->municipality;
	ack_count_t acks = { .cfg = cfg, .r = r };

	if (store_meeting_waiting(store, m, MEETING_WAIT_PROPOSALS, &r->proposals_waiting,
	    err) != 0 ||
	    store_meeting_waiting(store, m, MEETING_WAIT_QUESTIONS, &r->questions_waiting,
	    err) != 0 ||
	    store_meeting_waiting(store, m, MEETING_WAIT_ADS, &r->ads_waiting, err) != 0 ||
	    store_meeting_referrals(store, m, &r->referrals, &r->nreferrals, err) != 0 ||
	    store_meeting_families(store, m, r->from_ms, r->to_ms, &r->families, &r->nfamilies,
	    err) != 0 ||
	    store_meeting_overdue(store, m, r->generated_at, &r->overdue, &r->noverdue, err) != 0 ||
	    store_meeting_counts(store, m, r->from_ms, r->to_ms, &r->counts, err) != 0 ||
	    store_meeting_sendings(store, m, ack_row, &acks, err) != 0)
		return -1;
	mark_held(r);
	count_working_days(r);
	return 0;
}

/* ---- the report -------------------------------------------------------------- */

int
meeting_collect(store_t *store, const config_t *cfg, const char *municipality,
    cal_date_t from, cal_date_t to, int64_t now, meeting_report_t *r, err_t *err)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->node_id, sizeof(r->node_id), "%s", cfg->node_id);
	snprintf(r->municipality, sizeof(r->municipality), "%s", municipality);
	r->from = from;
	r->to = to;
	r->from_ms = calendar_local_midnight(from);
	r->to_ms = calendar_local_midnight(report_date_add(to, 1));
	r->generated_at = now;
	if (store_schema_version(store) < REPORT_SCHEMA)
		return err_set(err, 0, "the store has no routine tables yet (schema %d, need %d):"
		    " start famlinkd once to update it", store_schema_version(store), REPORT_SCHEMA);
	return collect(store, cfg, r, err);
}

void
meeting_free(meeting_report_t *r)
{
	free(r->referrals);
	free(r->families);
	free(r->overdue);
	free(r->proposals_waiting.rows);
	free(r->questions_waiting.rows);
	free(r->ads_waiting.rows);
	r->proposals_waiting = r->questions_waiting = r->ads_waiting = (meeting_waiting_list_t){0};
	r->referrals = NULL;
	r->families = NULL;
	r->overdue = NULL;
	r->nreferrals = r->nfamilies = r->noverdue = 0;
}

/* ---- famlinkctl report meeting ------------------------------------------------ */

/* A hub reports on any municipality in its config, a municipality on itself. */
static int
check_municipality(const config_t *cfg, const char *id)
{
	if (cfg->role == ROLE_HUB) {
		if (config_find_peer(cfg, id) != NULL)
			return 0;
		fprintf(stderr, "famlinkctl report meeting: %s is not a peer in this hub's config"
		    " (%s); see its [peer municipality:NNNN] sections\n", id, cfg->path);
		return -1;
	}
	if (strcmp(id, cfg->node_id) == 0)
		return 0;
	fprintf(stderr, "famlinkctl report meeting: this node is %s: a municipality reports on"
	    " itself only (the hub reports on any of its municipalities)\n", cfg->node_id);
	return -1;
}

int
ctl_report_meeting(const config_t *cfg, const ctl_opts_t *o)
{
	meeting_report_t r;
	store_t *store;
	err_t err;
	int rc = CTL_OK;

	if (check_municipality(cfg, o->municipality_id) != 0)
		return CTL_ERROR;
	if ((store = ctl_open_store(cfg, true)) == NULL)
		return CTL_ERROR;
	if (meeting_collect(store, cfg, o->municipality_id, o->from_date, o->to_date,
	    clock_now_ms(), &r, &err) != 0) {
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
		rc = CTL_ERROR;
	} else if (meeting_render(&r, (meeting_format_t)o->format_id,
	    o->lang != NULL ? (report_lang_t)o->lang_id : (report_lang_t)cfg->report_language,
	    stdout) != 0 ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "famlinkctl report meeting: cannot write the report\n");
		rc = CTL_ERROR;
	}
	meeting_free(&r);
	store_close(&store);
	return rc;
}
