/*
 * ctl_report_fmt — what famlinkctl's listings and the meeting report share:
 * lower-case enum names, Swedish local dates, ISO times and ages, JSON
 * values that never fail and JSON output, and checked SQL steps on the
 * store's connection. Reads nothing itself.
 */
#ifndef FAMLINK_REPORT_FMT_H
#define FAMLINK_REPORT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "calendar.h"
#include "err.h"
#include "store.h"

/* The store schema that has the routine's tables, the dialogue included
 * (store.c migrations 6 and 7). */
#define REPORT_SCHEMA 7

/* Lower-case enum names: "foster_home", "placement_decided", "not_member";
 * "unspecified" for 0, "unknown" for a number this version does not know. */
const char *report_kind_name(int kind);
const char *report_status_name(int status);
const char *report_reason_name(int reason);

/* "2026-11-30T10:15:00Z"; "-" for 0. */
#define REPORT_TIME_LEN 32
const char *report_iso_time(int64_t ms, char buf[REPORT_TIME_LEN]);
/* The Swedish local date of ms, "2026-11-30"; "-" for 0. */
const char *report_date(int64_t ms, char buf[11]);
/* The last local day to meet a deadline due at `due` (calendar_due_day():
 * the day that instant ends); "-" for 0. */
const char *report_due_date(int64_t due, char buf[11]);
/* "2026-11-30 24:00" (a due instant at local midnight ends the day before),
 * "2026-11-30 14:30": Swedish local time. */
const char *report_due_time(int64_t due, char buf[REPORT_TIME_LEN]);
/* "2026-11-30 14:30": the Swedish local date and wall-clock time of ms
 * (00:00 at midnight, unlike report_due_time()); "-" for 0. */
const char *report_local_time(int64_t ms, char buf[REPORT_TIME_LEN]);
/* The local date `days` days after (days > 0) or before d. */
cal_date_t report_date_add(cal_date_t d, int days);
/* An age an operator reads at a glance: "3.2s", "14m", "2h", "3d"; "-" for
 * ms <= 0. */
const char *report_age(int64_t ms, char *buf, size_t len);
/* "2026-11-23 10:15:02Z" (UTC: what status and the log show), "-" for 0. */
const char *report_utc_time(int64_t ms, char *buf, size_t len);

/* JSON values that never fail: a string or null for NULL and "" (bytes
 * that are not UTF-8 are escaped), an ISO time or null for 0, a local date
 * or null for 0. */
struct json_t *report_json_str(const char *s);
struct json_t *report_json_time(int64_t ms);
struct json_t *report_json_date(int64_t ms);
/* Prints j indented, keys in order, and a newline to stdout (nothing if it
 * cannot be dumped), and releases j. */
void report_print_json(struct json_t *j);
/* The same to out: famlinkctl's stdout or an HTTP answer's body. */
void report_fprint_json(FILE *out, struct json_t *j);

/* SQL on the store's connection, each return checked: prepare, then step
 * rows; report_done() finalizes and says whether the steps ended well
 * (for the listings that still run their own: proposals, inbox, audit). */
typedef struct sqlite3_stmt sqlite3_stmt;
int report_prepare(store_t *store, const char *sql, sqlite3_stmt **st, err_t *err);
int report_done(store_t *store, sqlite3_stmt *st, int step_rc, err_t *err);
int report_bind_fail(store_t *store, sqlite3_stmt *st, err_t *err);

#endif
