/* ctl_report_fmt — see ctl_report_fmt.h. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "ctl_report_fmt.h"

/* ---- names and times ----------------------------------------------------------- */

static const char *
enum_name(const char *const *names, int n, int v)
{
	if (v == 0)
		return "unspecified";
	return v > 0 && v < n ? names[v] : "unknown";
}

const char *
report_kind_name(int kind)
{
	static const char *const n[] = {"", "foster_home", "contact_family", "contact_person",
	    "emergency_home"};
	return enum_name(n, 5, kind);
}

const char *
report_status_name(int status)
{
	static const char *const n[] = {"", "contacted", "investigating", "meeting_planned",
	    "placement_decided", "not_going_ahead"};
	return enum_name(n, 6, status);
}

const char *
report_reason_name(int reason)
{
	static const char *const n[] = {"", "not_member", "out_of_remit", "no_decision", "invalid"};
	return enum_name(n, 5, reason);
}

const char *
report_iso_time(int64_t ms, char buf[REPORT_TIME_LEN])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0 || gmtime_r(&t, &tm) == NULL)
		return "-";
	strftime(buf, REPORT_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

const char *
report_date(int64_t ms, char buf[11])
{
	if (ms == 0)
		return "-";
	calendar_format_date(calendar_local_date(ms), buf);
	return buf;
}

const char *
report_due_date(int64_t due, char buf[11])
{
	if (due == 0)
		return "-";
	calendar_format_date(calendar_due_day(due), buf);
	return buf;
}

cal_date_t
report_date_add(cal_date_t d, int days)
{
	/* From noon: a DST switch moves a day by an hour, never off its date. */
	return calendar_local_date(calendar_local_midnight(d) + 12 * 3600000 +
	    (int64_t)days * 86400000);
}

const char *
report_utc_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0)
		return "-";
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
	return buf;
}

const char *
report_age(int64_t ms, char *buf, size_t len)
{
	if (ms <= 0)
		return "-";
	if (ms < 60000)
		snprintf(buf, len, "%.1fs", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else if (ms < 86400000)
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
	else
		snprintf(buf, len, "%lldd", (long long)(ms / 86400000));
	return buf;
}

/* Stockholm wall-clock time of day (ms since local midnight) of t on its
 * local date d: the elapsed time, corrected on the two days a year whose
 * clocks move at 01:00 UTC (02:00 CET forward, 03:00 CEST back; calendar.h).
 * During the autumn's repeated hour the later reading is shown. */
static int64_t
local_time_of_day(int64_t t, cal_date_t d)
{
	int64_t mid = calendar_local_midnight(d);
	int64_t day = calendar_local_midnight(report_date_add(d, 1)) - mid;
	int64_t moved = mid + (day < 86400000 ? 2 : 3) * 3600000;

	if (day == 86400000 || t < moved)
		return t - mid;
	return t - mid + (86400000 - day);
}

const char *
report_local_time(int64_t ms, char buf[REPORT_TIME_LEN])
{
	cal_date_t d;
	int64_t tod;
	char date[11];

	if (ms == 0)
		return "-";
	d = calendar_local_date(ms);
	tod = local_time_of_day(ms, d);
	calendar_format_date(d, date);
	snprintf(buf, REPORT_TIME_LEN, "%s %02d:%02d", date, (int)(tod / 3600000),
	    (int)(tod / 60000 % 60));
	return buf;
}

const char *
report_due_time(int64_t due, char buf[REPORT_TIME_LEN])
{
	cal_date_t d = calendar_local_date(due);
	int64_t tod = local_time_of_day(due, d);
	char date[11];

	if (tod == 0) {   /* the instant that ends the day before */
		calendar_format_date(calendar_due_day(due), date);
		snprintf(buf, REPORT_TIME_LEN, "%s 24:00", date);
		return buf;
	}
	calendar_format_date(d, date);
	snprintf(buf, REPORT_TIME_LEN, "%s %02d:%02d", date, (int)(tod / 3600000),
	    (int)(tod / 60000 % 60));
	return buf;
}

/* ---- JSON values ----------------------------------------------------------------- */

json_t *
report_json_str(const char *s)
{
	char esc[4 * 256];
	json_t *j;

	if (s == NULL || s[0] == '\0')
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	j = json_string(log_escape(s, esc, sizeof(esc)));
	return j != NULL ? j : json_null();
}

json_t *
report_json_time(int64_t ms)
{
	char t[REPORT_TIME_LEN];

	return ms == 0 ? json_null() : json_string(report_iso_time(ms, t));
}

json_t *
report_json_date(int64_t ms)
{
	char d[11];

	return ms == 0 ? json_null() : json_string(report_date(ms, d));
}

void
report_print_json(json_t *j)
{
	report_fprint_json(stdout, j);
}

void
report_fprint_json(FILE *out, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (text)
		fprintf(out, "%s\n", text);
	free(text);
	json_decref(j);
}

/* ---- SQL steps ---------------------------------------------------------------- */

int
report_prepare(store_t *store, const char *sql, sqlite3_stmt **st, err_t *err)
{
	if (sqlite3_prepare_v2(store_db(store), sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	*st = NULL;
	return store_fail(store, err);
}

int
report_bind_fail(store_t *store, sqlite3_stmt *st, err_t *err)
{
	store_fail(store, err);
	sqlite3_finalize(st);
	return -1;
}

int
report_done(store_t *store, sqlite3_stmt *st, int step_rc, err_t *err)
{
	int rc = 0;

	if (step_rc != SQLITE_DONE)
		rc = store_fail(store, err);
	sqlite3_finalize(st);
	return rc;
}
