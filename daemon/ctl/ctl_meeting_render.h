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

typedef enum { MEETING_TEXT = 0, MEETING_CSV, MEETING_JSON, MEETING_HTML } meeting_format_t;

/* The format of a name, or -1; and the names, "text|csv|json|html". */
int meeting_format_from_name(const char *name);
#define MEETING_FORMATS "text, csv, json, html"

#define MEETING_DEFAULT_DAYS 90   /* the period without --from: 90 days up to --to */
#define MEETING_REASONS 5         /* RejectionReason 0..4; 0 also counts unknown codes */

typedef struct meeting_referral {
	char referral_id[65];
	int kind;                     /* ReferralKind */
	char state[24];
	int64_t created_at;           /* Unix ms */
	int64_t submitted_at;         /* 0 = none */
} meeting_referral_t;

typedef struct meeting_family {
	char family_ref[65], referral_id[65], proposal_id[65], state[24];
	int64_t passed_on_at;
	int last_status;              /* PlacementStatus; 0 = none reported */
	int64_t last_status_at;       /* 0 = none */
	int64_t ended_at;             /* 0 = not ended */
	bool held;                    /* its contact details are still with the municipality */
} meeting_family_t;

typedef struct meeting_overdue {
	int64_t id;
	char kind[24], referral_id[65], proposal_id[65], actor[65];
	int64_t due_at;
	int working_days;             /* deadline_overdue_working_days(due_at, now) */
} meeting_overdue_t;

/* Something waiting for an answer (seed 000 steps 5 and 11): a family
 * proposal for the secretary's decision, a question for its answer, an ad
 * for the municipality's approval. */
typedef struct meeting_waiting {
	char referral_id[65];
	char item_id[65];             /* the proposal, question or ad id */
	char family_ref[65];          /* a proposal's family (the pool's register number) */
	char state[24];               /* proposed; asked_by_pool, asked_by_municipality */
	char waiting_for[65];         /* who must answer: "pool" or the municipality's id */
	int64_t opened_at;            /* since when it waits (Unix ms) */
	int working_days;             /* calendar_working_days_between(opened_at, generated_at) */
} meeting_waiting_t;

typedef struct meeting_waiting_list {
	meeting_waiting_t *rows;      /* oldest first */
	size_t n;
} meeting_waiting_list_t;

typedef struct meeting_counts {
	long received;                /* referrals received (each sending, also again) */
	long acknowledged;            /* ReferralAcks (a ReferralRejected is none) */
	long acknowledged_in_time;    /* of those, by the acknowledge deadline from the
	                               * sending they answer (ctl_meeting.c count_acks) */
	long rejected[MEETING_REASONS];
	long proposals;               /* family proposals made */
	long placed, returned;        /* proposals that ended so */
} meeting_counts_t;

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
