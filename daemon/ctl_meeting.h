/*
 * ctl_meeting — the samverkansmöte report for one municipality: its open
 * referrals, the families passed on to it, its overdue deadlines and the
 * period's counts. meeting_collect() reads the store into a struct and one
 * renderer per format writes it (text, csv, json, html), so that famlinkctl
 * and an HTTP endpoint serve the same document.
 *
 * Ids, state names, kinds, codes, times and counts only: never names,
 * contact details, free text or compensation (none of it is in the tables
 * read here, and nothing here adds it).
 *
 * Times: instants are Unix ms, printed as ISO-8601 UTC
 * ("2026-11-30T10:15:00Z"); the dates a person reads are Swedish local
 * dates ("2026-11-30", calendar.h). A deadline is due at an instant; its
 * "due date" is the last local day to act (the day the instant ends).
 *
 * Also the small helpers ctl_routine.c shares: enum names, time formats,
 * JSON values and SQL steps.
 */
#ifndef FAMLINK_CTL_MEETING_H
#define FAMLINK_CTL_MEETING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "calendar.h"
#include "err.h"
#include "store.h"

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
	int working_days;             /* calendar_working_days_between(due_at, now) */
} meeting_overdue_t;

typedef struct meeting_counts {
	long received;                /* referrals received (each sending, also again) */
	long acknowledged;            /* acknowledgements */
	long acknowledged_in_time;    /* of those, within their deadline */
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
	/* (d): in the period */
	meeting_counts_t counts;
} meeting_report_t;

/* Reads the report of municipality for [from, to] (local dates) at now
 * from store (read-only; schema 6 or later). 0, or -1 with err set; free
 * with meeting_free() either way. */
int meeting_collect(store_t *store, const char *node_id, const char *municipality,
    cal_date_t from, cal_date_t to, int64_t now, meeting_report_t *r, err_t *err);
void meeting_free(meeting_report_t *r);

/* The report as one JSON object (NULL: out of memory). */
struct json_t;
struct json_t *meeting_json(const meeting_report_t *r);
/* Writes r in format to out: 0, or -1 if writing failed. */
int meeting_render(const meeting_report_t *r, meeting_format_t format, FILE *out);

/* ---- shared with ctl_routine.c ------------------------------------------- */

/* The store schema that has the routine's tables (store.c migration 6). */
#define REPORT_SCHEMA 6

/* Lower-case enum names: "foster_home", "placement_decided", "not_member";
 * "unspecified" for 0 and numbers this version does not know. */
const char *report_kind_name(int kind);
const char *report_status_name(int status);
const char *report_reason_name(int reason);

/* "2026-11-30T10:15:00Z"; "-" for 0. */
#define REPORT_TIME_LEN 32
const char *report_iso_time(int64_t ms, char buf[REPORT_TIME_LEN]);
/* The Swedish local date of ms, "2026-11-30"; "-" for 0. */
const char *report_date(int64_t ms, char buf[11]);
/* The last local day to meet a deadline due at ms (the day ms ends). */
const char *report_due_date(int64_t due, char buf[11]);
/* "2026-11-30 24:00" (a due instant at local midnight ends the day before),
 * "2026-11-30 14:30": Swedish local time. */
const char *report_due_time(int64_t due, char buf[REPORT_TIME_LEN]);
/* One local date after (days > 0) or before d. */
cal_date_t report_date_add(cal_date_t d, int days);

/* JSON values that never fail: a string or null for NULL and "" (bytes
 * that are not UTF-8 are escaped), an ISO time or null for 0, a local date
 * or null for 0. */
struct json_t *report_json_str(const char *s);
struct json_t *report_json_time(int64_t ms);
struct json_t *report_json_date(int64_t ms);

/* SQL on the store's connection, each return checked: prepare, then step
 * rows; report_done() finalizes and says whether the steps ended well. */
typedef struct sqlite3_stmt sqlite3_stmt;
int report_prepare(store_t *store, const char *sql, sqlite3_stmt **st, err_t *err);
int report_done(store_t *store, sqlite3_stmt *st, int step_rc, err_t *err);
int report_bind_fail(store_t *store, sqlite3_stmt *st, err_t *err);
/* Column text, "" for NULL, copied into out (cut to outlen). */
void report_col(sqlite3_stmt *st, int i, char *out, size_t outlen);
/* Room for one more element of size in *arr of n (capacities are powers
 * of two): 0, or -1 (out of memory; *arr unchanged). */
int report_grow(void **arr, size_t n, size_t size);

#endif
