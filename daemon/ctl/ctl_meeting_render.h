/*
 * ctl_meeting_render — the meeting report as data (what ctl_meeting.c
 * collects) and its renderers: text, csv, json and html, one document for
 * famlinkctl and, later, the HTTP endpoint. Ids, state names, kinds, codes,
 * times and counts only.
 */
#ifndef FAMLINK_CTL_MEETING_RENDER_H
#define FAMLINK_CTL_MEETING_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "calendar.h"
#include "report_words.h"
#include "store_meeting.h"

typedef enum { MEETING_TEXT = 0, MEETING_CSV, MEETING_JSON, MEETING_HTML } meeting_format_t;

/* The format of a name, or -1; and the names, "text|csv|json|html". */
int meeting_format_from_name(const char *name);
#define MEETING_FORMATS "text, csv, json, html"

#define MEETING_DEFAULT_DAYS 90   /* the period without --from: 90 days up to --to */

typedef struct meeting_report {
	char node_id[65];             /* the node whose store it was read from */
	char municipality[65];        /* "municipality:0180" */
	cal_date_t from, to;          /* local dates, both inclusive */
	int64_t from_ms, to_ms;       /* the period as instants: [from_ms, to_ms) */
	int64_t generated_at;
	/* (a)-(c): as they stand at generated_at */
	meeting_referral_t *referrals;   /* open (not closed or rejected), oldest first */
	size_t nreferrals;
	meeting_family_t *families;      /* passed on: held now, or passed on or ended in the period */
	size_t nfamilies;
	meeting_overdue_t *overdue;      /* open deadlines due by generated_at */
	size_t noverdue;
	/* waiting for an answer, in open referrals: proposals for the secretary
	 * (state proposed), questions not answered, ads not yet decided */
	meeting_waiting_list_t proposals_waiting, questions_waiting, ads_waiting;
	/* (d): in the period */
	meeting_counts_t counts;
} meeting_report_t;

/* The report as one JSON object (NULL: out of memory). */
struct json_t;
struct json_t *meeting_json(const meeting_report_t *r);
/* Writes r in format to out: 0, or -1 if writing failed. text and html
 * are in lang; csv and json, for machines, are the same in every lang. */
int meeting_render(const meeting_report_t *r, meeting_format_t format, report_lang_t lang,
    FILE *out);

#endif
