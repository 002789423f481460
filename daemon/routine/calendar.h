/*
 * calendar — the Swedish working-day calendar for deadlines. A deadline
 * that ends on a Saturday, a Sunday, a public holiday (lag (1989:253) om
 * allmänna helgdagar), midsommarafton, julafton or nyårsafton moves to the
 * next working day (lag (1930:173) om beräkning av lagstadgad tid), and
 * "N working days" skips the same days.
 *
 * Instants are Unix milliseconds, UTC. Whether a day is a working day is
 * judged on its Swedish local date (Europe/Stockholm). The Stockholm offset
 * is computed here with the EU rule — CET (UTC+1), and CEST (UTC+2) from
 * 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
 * October — not with TZ, tzdata or mktime, so the answer is the same on
 * every host and in every process. The rule is applied to all years,
 * including those before Sweden adopted it (1996): deadlines are about now.
 * Dates use proleptic Gregorian arithmetic.
 *
 * Range: years 1583 (the first whole Gregorian year) to 9999. Nothing is
 * rejected; out-of-range input is clamped, never undefined:
 *   - an instant before CALENDAR_MS_MIN or after CALENDAR_MS_MAX counts as
 *     that bound, and results saturate at the bounds;
 *   - a date's year is clamped to 1583..9999, its month to 1..12 and its
 *     day to 1..the month's last day (calendar_date_valid() says whether a
 *     date needed none of that, for callers that would rather reject).
 * Pure functions: no clock, no logging, no global state.
 */
#ifndef FAMLINK_CALENDAR_H
#define FAMLINK_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#define CALENDAR_YEAR_MIN 1583
#define CALENDAR_YEAR_MAX 9999
/* 1583-01-01 00:00 and 9999-12-31 23:59:59.999 Stockholm time. */
#define CALENDAR_MS_MIN INT64_C(-12212557200000)
#define CALENDAR_MS_MAX INT64_C(253402297199999)

typedef struct { int year, month, day; } cal_date_t;   /* a Swedish local date */

/* True if d is a real date within the range (needs no clamping). */
bool calendar_date_valid(cal_date_t d);

/* The Stockholm date of an instant. */
cal_date_t calendar_local_date(int64_t ms);

/* The instant 00:00 Stockholm time starts d (never in a DST gap: the
 * switches happen at 02:00/03:00 local). */
int64_t calendar_local_midnight(cal_date_t d);

/* ISO weekday: 1 = Monday .. 7 = Sunday. */
int calendar_weekday(cal_date_t d);

/* Not Saturday, Sunday, public holiday, or one of the three eves. */
bool calendar_is_working_day(cal_date_t d);

/* The Swedish name of the public holiday or non-working eve on d, as the
 * law writes it ("långfredagen", "Kristi himmelsfärdsdag", "midsommarafton"),
 * or NULL for any other day, plain weekends included. A static string. When
 * two fall on one date (Ascension on 1 May, Whitsun on 6 June) the one the
 * law names first, the Easter-based one. */
const char *calendar_holiday(cal_date_t d);

/* Easter Sunday of year (Gregorian computus; year clamped to the range). */
cal_date_t calendar_easter(int year);

/* A deadline of days calendar days from `from`: the local date of from +
 * days; if that is not a working day, the next working day. Returns the END
 * of that day (the instant the following local day starts), since the whole
 * last day counts, as in lag (1930:173). days may be 0 or negative. */
int64_t calendar_due_after_days(int64_t from, int days);

/* The same local time of day n local days after (n > 0) or before `from`:
 * counted on dates, so a change to or from summer time in between does not
 * shift it an hour. */
int64_t calendar_add_days(int64_t from, int n);

/* The last local day to act on a deadline due at `due`: the day that
 * instant ends (a due at 00:00 names the day before). */
cal_date_t calendar_due_day(int64_t due);

/* n working days after (n > 0) or before (n < 0) `from`, at the same local
 * wall-clock time of day (Friday 15:00 + 1 = Monday 15:00, also across a DST
 * switch). If from falls on a non-working day it is first moved to 00:00 of
 * the next working day, in both directions: Saturday 12:00 + 1 is Tuesday
 * 00:00 (the end of Monday), Saturday 12:00 - 1 is Friday 00:00, and n = 0
 * gives the earliest working-day instant at or after from. */
int64_t calendar_add_working_days(int64_t from, int n);

/* Working days strictly after the local date of a, up to and including the
 * local date of b; 0 if b's date is not after a's. Overdue working days
 * count from a deadline's last day to act: deadline_overdue_working_days(). */
int calendar_working_days_between(int64_t a, int64_t b);

/* "YYYY-MM-DD" and a NUL into buf (of the clamped date). */
void calendar_format_date(cal_date_t d, char buf[11]);

#endif
