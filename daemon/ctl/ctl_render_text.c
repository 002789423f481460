/*
 * ctl_render_text — the listings' tables (ctl_render.h): one line per row
 * under a header, Swedish local dates, ages an operator reads at a glance.
 * Ids came from outside once: each is escaped to stay on its line.
 */
#include <stdio.h>
#include <string.h>

#include "ctl_render.h"
#include "ctl_report_fmt.h"
#include "deadline.h"
#include "log.h"

/* How many ids a space-separated list holds (ids hold no spaces). */
static int
id_count(const char *v)
{
	int n = *v != '\0';

	for (; *v != '\0'; v++)
		n += *v == ' ';
	return n;
}

void
render_text_referral_header(FILE *out)
{
	fprintf(out, "%-20s %-20s %-15s %-13s %5s %9s %3s %-14s %s\n", "OWNER", "REFERRAL",
	    "KIND", "STATE", "AGE", "QUESTIONS", "ADS", "NEXT DEADLINE", "DUE DATE");
}

void
render_text_referral_row(FILE *out, const referral_view_t *r, int64_t now)
{
	char state[24], a[32], due[11], e[4][4 * VIEW_ID_LEN];
	int64_t age = now - r->created_at;
	bool next = r->deadline_kind[0] != '\0';

	/* Cut to the column's room: states are short words. */
	memcpy(state, r->state, sizeof(state) - 1);
	state[sizeof(state) - 1] = '\0';
	if (r->held_since != 0)   /* retention waits for the hand-over */
		strncat(state, ",held", sizeof(state) - strlen(state) - 1);
	/* Whole minutes at least: "0m" under a minute (or behind the clock). */
	fprintf(out, "%-20s %-20s %-15s %-13s %5s %9d %3d %-14s %s\n",
	    log_escape(r->owner, e[0], sizeof(e[0])),
	    log_escape(r->referral_id, e[1], sizeof(e[1])), report_kind_name(r->kind),
	    log_escape(state, e[3], sizeof(e[3])), age < 60000 ? "0m" : report_age(age, a, sizeof(a)),
	    id_count(r->open_questions), id_count(r->ads_waiting),
	    next ? log_escape(r->deadline_kind, e[2], sizeof(e[2])) : "-",
	    next ? report_due_date(r->due_at, due) : "-");
}

void
render_text_deadline_header(FILE *out)
{
	fprintf(out, "%6s %-13s %-17s %-20s %-14s %-17s %-16s %-9s %s\n", "ID", "KIND",
	    "MUNICIPALITY", "REFERRAL", "ITEM", "ACTOR", "DUE", "STATE", "OVERDUE");
}

void
render_text_deadline_row(FILE *out, const deadline_view_t *d, int64_t now)
{
	/* Not a proposal's: the question's or ad's id, if any. */
	const char *item = d->proposal_id[0] != '\0' ? d->proposal_id : d->item_id;
	char e[5][4 * VIEW_ID_LEN], t[REPORT_TIME_LEN], late[16] = "-";

	if (d->due_at <= now)
		snprintf(late, sizeof(late), "%d wd", deadline_overdue_working_days(d->due_at, now));
	fprintf(out, "%6lld %-13s %-17s %-20s %-14s %-17s %-16s %-9s %s\n", (long long)d->id,
	    log_escape(d->kind, e[0], sizeof(e[0])),
	    log_escape(d->municipality, e[1], sizeof(e[1])),
	    log_escape(d->referral_id, e[2], sizeof(e[2])),
	    item[0] ? log_escape(item, e[3], sizeof(e[3])) : "-",
	    log_escape(d->actor, e[4], sizeof(e[4])), report_due_time(d->due_at, t),
	    render_deadline_state(d, now), late);
}

void
render_text_queue_header(FILE *out)
{
	fprintf(out, "%-26s %-20s %8s %-18s %-8s %7s %s\n", "MESSAGE", "PEER", "SEQ", "BODY",
	    "STATE", "AGE", "REASON");
}

void
render_text_queue_row(FILE *out, const queue_report_t *q, int64_t now)
{
	char a[32], id[4 * 33], peer[4 * 65], reason[4 * 512];

	fprintf(out, "%-26s %-20s %8llu %-18s %-8s %7s %s\n",
	    log_escape(q->message_id, id, sizeof(id)), log_escape(q->peer, peer, sizeof(peer)),
	    (unsigned long long)q->sequence, q->body_type, q->state,
	    report_age(now - q->created_at, a, sizeof(a)),
	    q->reason[0] ? log_escape(q->reason, reason, sizeof(reason)) : "");
}

void
render_text_family_header(FILE *out)
{
	fprintf(out, "%-16s %-17s %-20s %-14s %-20s %-10s %-17s %-10s %-15s %s\n", "FAMILY",
	    "MUNICIPALITY", "REFERRAL", "PROPOSAL", "STATE", "PASSED ON", "LAST STATUS",
	    "STATUS ON", "ENDED", "ENDED ON");
}

void
render_text_family_row(FILE *out, const family_view_t *f, bool held)
{
	char e[5][4 * VIEW_ID_LEN], p[11], s[11], d[11];

	(void)held;   /* the table shows the state, which says it */
	fprintf(out, "%-16s %-17s %-20s %-14s %-20s %-10s %-17s %-10s %-15s %s\n",
	    log_escape(f->family_ref[0] ? f->family_ref : "-", e[0], sizeof(e[0])),
	    log_escape(f->municipality, e[1], sizeof(e[1])),
	    log_escape(f->referral_id, e[2], sizeof(e[2])),
	    log_escape(f->proposal_id, e[3], sizeof(e[3])), log_escape(f->state, e[4], sizeof(e[4])),
	    report_date(f->passed_on_at, p),
	    f->last_status ? report_status_name(f->last_status) : "-",
	    report_date(f->last_status_at, s), f->ended_at ? e[4] : "-", report_date(f->ended_at, d));
}

void
render_text_notification_header(FILE *out)
{
	fprintf(out, "%6s %-10s %-15s %6s %-16s %-17s %-20s %-10s %-17s %-15s %-10s %-7s %s\n",
	    "ID", "QUEUED", "EVENT", "DL", "KIND", "MUNICIPALITY", "REFERRAL", "PROPOSAL", "ACTOR",
	    "RECIPIENT", "LAST DAY", "STATE", "ABOUT");
}

void
render_text_notification_row(FILE *out, const notification_view_t *n)
{
	const char *c[] = { n->event, n->kind, n->municipality, n->referral_id, n->proposal_id,
	    n->actor, n->recipient, n->state, n->message_id, n->adapter };
	char e[10][4 * VIEW_ID_LEN], d[11], at[11], dl[24] = "-";

	for (int i = 0; i < 10; i++)
		log_escape(c[i][0] ? c[i] : "-", e[i], sizeof(e[i]));
	if (n->deadline_id != 0)
		snprintf(dl, sizeof(dl), "%lld", (long long)n->deadline_id);
	fprintf(out, "%6lld %-10s %-15s %6s %-16s %-17s %-20s %-10s %-17s %-15s %-10s %-7s %s\n",
	    (long long)n->id, report_date(n->queued_at, at), e[0], dl, e[1], e[2], e[3], e[4], e[5],
	    e[6], report_due_date(n->due_at, d), e[7], n->message_id[0] ? e[8] : e[9]);
}
