/*
 * test_calendar — the Swedish working-day calendar against a table written
 * by hand from lag (1989:253) for 2024..2030 (and the converse: no other
 * weekday is off), Easter in far years, the Stockholm date around midnight
 * and the DST switches (and, where tzdata is installed, against it for
 * 1996..2037), deadlines in calendar days and in working days, and the
 * clamping at the ends of the range. Expected instants are built with
 * timegm, independently of the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"

#define HOUR INT64_C(3600000)

/* Unix ms of a UTC wall time. */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	                 .tm_hour = h, .tm_min = mi };

	return (int64_t)timegm(&tm) * 1000;
}

static cal_date_t
date(int y, int m, int d)
{
	return (cal_date_t){ y, m, d };
}

#define assert_date(got, y, m, d) do { \
	cal_date_t g_ = (got); \
	assert_int_equal(g_.year, (y)); \
	assert_int_equal(g_.month, (m)); \
	assert_int_equal(g_.day, (d)); \
} while (0)

typedef struct holiday {
	int year, month, day;
	const char *name;
} holiday_t;

/* Every public holiday and non-working eve, 2024..2030, from the law's
 * rules: Easter Sunday E, långfredagen E-2, annandag påsk E+1, Kristi
 * himmelsfärdsdag E+39, pingstdagen E+49, midsommarafton the Friday in
 * 19-25 June, midsommardagen the Saturday in 20-26 June, alla helgons dag
 * the Saturday in 31 Oct-6 Nov. */
static const holiday_t table[] = {
#define FIXED(y) \
	{ y, 1, 1, "nyårsdagen" }, { y, 1, 6, "trettondedag jul" }, \
	{ y, 5, 1, "första maj" }, { y, 6, 6, "Sveriges nationaldag" }, \
	{ y, 12, 24, "julafton" }, { y, 12, 25, "juldagen" }, \
	{ y, 12, 26, "annandag jul" }, { y, 12, 31, "nyårsafton" }
	FIXED(2024),
	{ 2024, 3, 29, "långfredagen" }, { 2024, 3, 31, "påskdagen" },
	{ 2024, 4, 1, "annandag påsk" }, { 2024, 5, 9, "Kristi himmelsfärdsdag" },
	{ 2024, 5, 19, "pingstdagen" }, { 2024, 6, 21, "midsommarafton" },
	{ 2024, 6, 22, "midsommardagen" }, { 2024, 11, 2, "alla helgons dag" },
	FIXED(2025),
	{ 2025, 4, 18, "långfredagen" }, { 2025, 4, 20, "påskdagen" },
	{ 2025, 4, 21, "annandag påsk" }, { 2025, 5, 29, "Kristi himmelsfärdsdag" },
	{ 2025, 6, 8, "pingstdagen" }, { 2025, 6, 20, "midsommarafton" },
	{ 2025, 6, 21, "midsommardagen" }, { 2025, 11, 1, "alla helgons dag" },
	FIXED(2026),
	{ 2026, 4, 3, "långfredagen" }, { 2026, 4, 5, "påskdagen" },
	{ 2026, 4, 6, "annandag påsk" }, { 2026, 5, 14, "Kristi himmelsfärdsdag" },
	{ 2026, 5, 24, "pingstdagen" }, { 2026, 6, 19, "midsommarafton" },
	{ 2026, 6, 20, "midsommardagen" }, { 2026, 10, 31, "alla helgons dag" },
	FIXED(2027),
	{ 2027, 3, 26, "långfredagen" }, { 2027, 3, 28, "påskdagen" },
	{ 2027, 3, 29, "annandag påsk" }, { 2027, 5, 6, "Kristi himmelsfärdsdag" },
	{ 2027, 5, 16, "pingstdagen" }, { 2027, 6, 25, "midsommarafton" },
	{ 2027, 6, 26, "midsommardagen" }, { 2027, 11, 6, "alla helgons dag" },
	FIXED(2028),
	{ 2028, 4, 14, "långfredagen" }, { 2028, 4, 16, "påskdagen" },
	{ 2028, 4, 17, "annandag påsk" }, { 2028, 5, 25, "Kristi himmelsfärdsdag" },
	{ 2028, 6, 4, "pingstdagen" }, { 2028, 6, 23, "midsommarafton" },
	{ 2028, 6, 24, "midsommardagen" }, { 2028, 11, 4, "alla helgons dag" },
	FIXED(2029),
	{ 2029, 3, 30, "långfredagen" }, { 2029, 4, 1, "påskdagen" },
	{ 2029, 4, 2, "annandag påsk" }, { 2029, 5, 10, "Kristi himmelsfärdsdag" },
	{ 2029, 5, 20, "pingstdagen" }, { 2029, 6, 22, "midsommarafton" },
	{ 2029, 6, 23, "midsommardagen" }, { 2029, 11, 3, "alla helgons dag" },
	FIXED(2030),
	{ 2030, 4, 19, "långfredagen" }, { 2030, 4, 21, "påskdagen" },
	{ 2030, 4, 22, "annandag påsk" }, { 2030, 5, 30, "Kristi himmelsfärdsdag" },
	{ 2030, 6, 9, "pingstdagen" }, { 2030, 6, 21, "midsommarafton" },
	{ 2030, 6, 22, "midsommardagen" }, { 2030, 11, 2, "alla helgons dag" },
#undef FIXED
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

static void
test_holiday_table(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(TABLE_LEN, 7 * 16);
	for (i = 0; i < TABLE_LEN; i++) {
		cal_date_t d = date(table[i].year, table[i].month, table[i].day);
		const char *name = calendar_holiday(d);

		assert_non_null(name);
		assert_string_equal(name, table[i].name);
		assert_false(calendar_is_working_day(d));
	}
}

/* The converse: in each year, the weekdays that are off are exactly the
 * table's entries on a weekday. Also checked against counts by hand. */
static void
test_no_extra_holidays(void **state)
{
	static const int by_hand[] = { 11, 12, 10, 8, 9, 11, 11 };   /* 2024..2030 */
	int year;

	(void)state;
	for (year = 2024; year <= 2030; year++) {
		int64_t t = calendar_local_midnight(date(year, 1, 1)) + 12 * HOUR;
		int off = 0, listed = 0;
		size_t i;

		for (; calendar_local_date(t).year == year; t += 24 * HOUR) {
			cal_date_t d = calendar_local_date(t);
			if (calendar_weekday(d) <= 5 && !calendar_is_working_day(d)) {
				assert_non_null(calendar_holiday(d));
				off++;
			}
		}
		for (i = 0; i < TABLE_LEN; i++)
			if (table[i].year == year && calendar_weekday(
			    date(table[i].year, table[i].month, table[i].day)) <= 5)
				listed++;
		assert_int_equal(off, listed);
		assert_int_equal(off, by_hand[year - 2024]);
	}
}

static void
test_easter(void **state)
{
	(void)state;
	assert_date(calendar_easter(2024), 2024, 3, 31);
	assert_date(calendar_easter(2025), 2025, 4, 20);
	assert_date(calendar_easter(2026), 2026, 4, 5);
	assert_date(calendar_easter(2027), 2027, 3, 28);
	assert_date(calendar_easter(2028), 2028, 4, 16);
	assert_date(calendar_easter(2029), 2029, 4, 1);
	assert_date(calendar_easter(2030), 2030, 4, 21);
	assert_date(calendar_easter(1583), 1583, 4, 10);
	assert_date(calendar_easter(1818), 1818, 3, 22);
	assert_date(calendar_easter(2038), 2038, 4, 25);
	assert_date(calendar_easter(2100), 2100, 3, 28);
	assert_date(calendar_easter(2285), 2285, 3, 22);
	assert_date(calendar_easter(9999), 9999, 3, 28);
}

static void
test_weekday_and_plain_days(void **state)
{
	(void)state;
	assert_int_equal(calendar_weekday(date(1970, 1, 1)), 4);
	assert_int_equal(calendar_weekday(date(2024, 2, 29)), 4);
	assert_int_equal(calendar_weekday(date(2025, 3, 30)), 7);
	assert_int_equal(calendar_weekday(date(2000, 1, 1)), 6);
	/* A plain weekend is off but has no name; a plain weekday is on. */
	assert_null(calendar_holiday(date(2025, 3, 8)));
	assert_false(calendar_is_working_day(date(2025, 3, 8)));
	assert_false(calendar_is_working_day(date(2025, 3, 9)));
	assert_null(calendar_holiday(date(2025, 3, 10)));
	assert_true(calendar_is_working_day(date(2025, 3, 10)));
	/* Skärtorsdagen, the day after annandag jul, and 7 Jan are working days. */
	assert_true(calendar_is_working_day(date(2025, 4, 17)));
	assert_true(calendar_is_working_day(date(2024, 12, 27)));
	assert_true(calendar_is_working_day(date(2025, 1, 7)));
	/* Ascension on 1 May (Easter 23 March 2008): the law's first name. */
	assert_string_equal(calendar_holiday(date(2008, 5, 1)), "Kristi himmelsfärdsdag");
}

static void
test_local_date(void **state)
{
	(void)state;
	/* Summer (UTC+2) and winter (UTC+1) around local midnight. */
	assert_date(calendar_local_date(utc(2025, 7, 1, 21, 59) + 59999), 2025, 7, 1);
	assert_date(calendar_local_date(utc(2025, 7, 1, 22, 0)), 2025, 7, 2);
	assert_date(calendar_local_date(utc(2025, 7, 1, 23, 30)), 2025, 7, 2);
	assert_date(calendar_local_date(utc(2025, 1, 15, 22, 59) + 59999), 2025, 1, 15);
	assert_date(calendar_local_date(utc(2025, 1, 15, 23, 0)), 2025, 1, 16);
	assert_date(calendar_local_date(utc(2025, 1, 16, 0, 0)), 2025, 1, 16);
	assert_date(calendar_local_date(utc(2024, 12, 31, 23, 0)), 2025, 1, 1);
	/* Before 1970: division rounds down. */
	assert_date(calendar_local_date(-HOUR), 1970, 1, 1);
	assert_date(calendar_local_date(-HOUR - 1), 1969, 12, 31);
	/* Spring: 30 March 2025 starts in CET, switches at 01:00 UTC. */
	assert_date(calendar_local_date(utc(2025, 3, 29, 22, 59) + 59999), 2025, 3, 29);
	assert_date(calendar_local_date(utc(2025, 3, 29, 23, 0)), 2025, 3, 30);
	assert_date(calendar_local_date(utc(2025, 3, 30, 1, 0) - 1), 2025, 3, 30);
	assert_date(calendar_local_date(utc(2025, 3, 30, 1, 0)), 2025, 3, 30);
	assert_date(calendar_local_date(utc(2025, 3, 30, 21, 59) + 59999), 2025, 3, 30);
	assert_date(calendar_local_date(utc(2025, 3, 30, 22, 0)), 2025, 3, 31);
	/* Autumn: 26 October 2025 starts in CEST, switches at 01:00 UTC. */
	assert_date(calendar_local_date(utc(2025, 10, 25, 21, 59) + 59999), 2025, 10, 25);
	assert_date(calendar_local_date(utc(2025, 10, 25, 22, 0)), 2025, 10, 26);
	assert_date(calendar_local_date(utc(2025, 10, 26, 1, 0) - 1), 2025, 10, 26);
	assert_date(calendar_local_date(utc(2025, 10, 26, 1, 0)), 2025, 10, 26);
	assert_date(calendar_local_date(utc(2025, 10, 26, 22, 59) + 59999), 2025, 10, 26);
	assert_date(calendar_local_date(utc(2025, 10, 26, 23, 0)), 2025, 10, 27);
}

static void
test_local_midnight(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(calendar_local_midnight(date(2025, 3, 30)), utc(2025, 3, 29, 23, 0));
	assert_int_equal(calendar_local_midnight(date(2025, 3, 31)), utc(2025, 3, 30, 22, 0));
	assert_int_equal(calendar_local_midnight(date(2025, 10, 26)), utc(2025, 10, 25, 22, 0));
	assert_int_equal(calendar_local_midnight(date(2025, 10, 27)), utc(2025, 10, 26, 23, 0));
	assert_int_equal(calendar_local_midnight(date(1583, 1, 1)), CALENDAR_MS_MIN);
	assert_int_equal(calendar_local_midnight(date(9999, 12, 31)) + 24 * HOUR - 1,
	                 CALENDAR_MS_MAX);
	/* Every day of 2024..2030: midnight starts its own date, not the one before. */
	for (t = utc(2024, 1, 1, 12, 0); t < utc(2031, 1, 1, 0, 0); t += 24 * HOUR) {
		cal_date_t d = calendar_local_date(t), before;
		int64_t m = calendar_local_midnight(d);

		assert_date(calendar_local_date(m), d.year, d.month, d.day);
		before = calendar_local_date(m - 1);
		assert_true(before.day != d.day);
	}
}

/* Our EU-rule offset against the system's tzdata, where there is one. */
static void
test_matches_tzdata(void **state)
{
	int64_t t;

	(void)state;
	if (access("/usr/share/zoneinfo/Europe/Stockholm", R_OK) != 0)
		skip();
	setenv("TZ", "Europe/Stockholm", 1);
	tzset();
	for (t = utc(1996, 1, 1, 0, 30); t < utc(2038, 1, 1, 0, 0); t += HOUR) {
		time_t s = (time_t)(t / 1000);
		struct tm tm;
		cal_date_t d = calendar_local_date(t);

		assert_non_null(localtime_r(&s, &tm));
		assert_date(d, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		if (tm.tm_hour == 0) {
			struct tm mid = { .tm_year = tm.tm_year, .tm_mon = tm.tm_mon,
			                  .tm_mday = tm.tm_mday, .tm_isdst = -1 };
			assert_int_equal(calendar_local_midnight(d), (int64_t)mktime(&mid) * 1000);
		}
	}
	unsetenv("TZ");
	tzset();
}

static void
test_due_after_days(void **state)
{
	(void)state;
	/* Ends on an ordinary Tuesday: the end of that day. */
	assert_int_equal(calendar_due_after_days(utc(2025, 3, 4, 9, 0), 14), utc(2025, 3, 18, 23, 0));
	/* Sat 1 Mar + 14 = Sat 15 Mar: Monday 17th counts, due 18th 00:00 CET. */
	assert_int_equal(calendar_due_after_days(utc(2025, 3, 1, 9, 0), 14), utc(2025, 3, 17, 23, 0));
	/* Fri 4 Apr + 14 = långfredagen 18 Apr: Tuesday 22nd, after annandag påsk. */
	assert_int_equal(calendar_due_after_days(utc(2025, 4, 4, 9, 0), 14), utc(2025, 4, 22, 22, 0));
	/* Fri 6 Jun + 14 = midsommarafton 20 Jun: Monday 23rd. */
	assert_int_equal(calendar_due_after_days(utc(2025, 6, 6, 9, 0), 14), utc(2025, 6, 23, 22, 0));
	/* Thu 10 Dec 2026 + 21 = nyårsafton (Thu); Jan 1 Fri, 2-3 weekend: Mon 4 Jan. */
	assert_int_equal(calendar_due_after_days(utc(2026, 12, 10, 9, 0), 21), utc(2027, 1, 4, 23, 0));
	/* 00:30 local on the 10th is still the 9th in UTC: the local date counts. */
	assert_int_equal(calendar_due_after_days(utc(2026, 12, 9, 23, 30), 21), utc(2027, 1, 4, 23, 0));
	/* Across the spring switch: the end of Monday 31 March is at 22:00 UTC. */
	assert_int_equal(calendar_due_after_days(utc(2025, 3, 17, 9, 0), 14), utc(2025, 3, 31, 22, 0));
	/* Zero and negative days. */
	assert_int_equal(calendar_due_after_days(utc(2025, 3, 4, 9, 0), 0), utc(2025, 3, 4, 23, 0));
	assert_int_equal(calendar_due_after_days(utc(2025, 3, 4, 9, 0), -3), utc(2025, 3, 3, 23, 0));
}

static void
test_add_working_days(void **state)
{
	(void)state;
	/* Friday 15:00 + 1 = Monday 15:00. */
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 7, 14, 0), 1), utc(2025, 3, 10, 14, 0));
	/* Skärtorsdagen 09:00 + 1 = the Tuesday after Easter, 09:00. */
	assert_int_equal(calendar_add_working_days(utc(2025, 4, 17, 7, 0), 1), utc(2025, 4, 22, 7, 0));
	/* Tue 23 Dec 10:00: +1 = Mon 29 Dec, +3 = Fri 2 Jan (31st and 1st off). */
	assert_int_equal(calendar_add_working_days(utc(2025, 12, 23, 9, 0), 1), utc(2025, 12, 29, 9, 0));
	assert_int_equal(calendar_add_working_days(utc(2025, 12, 23, 9, 0), 3), utc(2026, 1, 2, 9, 0));
	/* Backwards: Tuesday after Easter - 1 = Skärtorsdagen; Mon 29 Dec - 1 = Tue 23rd. */
	assert_int_equal(calendar_add_working_days(utc(2025, 4, 22, 7, 0), -1), utc(2025, 4, 17, 7, 0));
	assert_int_equal(calendar_add_working_days(utc(2025, 12, 29, 9, 0), -1), utc(2025, 12, 23, 9, 0));
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 10, 14, 0), -5), utc(2025, 3, 3, 14, 0));
	/* Zero on a working day is the identity. */
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 7, 14, 0), 0), utc(2025, 3, 7, 14, 0));
}

static void
test_add_working_days_dst(void **state)
{
	(void)state;
	/* Fri 28 Mar 15:00 CET + 1 = Mon 31 Mar 15:00 CEST, and back. */
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 28, 14, 0), 1), utc(2025, 3, 31, 13, 0));
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 31, 13, 0), -1), utc(2025, 3, 28, 14, 0));
	/* Fri 24 Oct 15:00 CEST + 1 = Mon 27 Oct 15:00 CET. */
	assert_int_equal(calendar_add_working_days(utc(2025, 10, 24, 13, 0), 1), utc(2025, 10, 27, 14, 0));
	/* Late evening, where UTC is already on the next date. */
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 28, 22, 30), 1), utc(2025, 3, 31, 21, 30));
}

/* From a non-working day, counting starts at 00:00 of the next working day. */
static void
test_add_working_days_from_day_off(void **state)
{
	(void)state;
	/* Sat 8 Mar 12:00: +1 = Tue 00:00 (end of Monday), 0 = Mon 00:00, -1 = Fri 00:00. */
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 8, 11, 0), 1), utc(2025, 3, 10, 23, 0));
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 8, 11, 0), 0), utc(2025, 3, 9, 23, 0));
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 8, 11, 0), -1), utc(2025, 3, 6, 23, 0));
	/* Easter Sunday 2025 (CEST): the start is Tuesday 22 April. */
	assert_int_equal(calendar_add_working_days(utc(2025, 4, 20, 10, 0), 0), utc(2025, 4, 21, 22, 0));
	/* Sunday of the spring switch: Monday 00:00 CEST. */
	assert_int_equal(calendar_add_working_days(utc(2025, 3, 30, 0, 30), 0), utc(2025, 3, 30, 22, 0));
}

/* For every working day of 2024..2030 at 10:00: adding n lands n working
 * days later by working_days_between, at 10:00, and subtracting n returns. */
static void
test_add_and_between_agree(void **state)
{
	static const int ns[] = { 1, 2, 5, 20, 250 };
	int64_t t;

	(void)state;
	for (t = calendar_local_midnight(date(2024, 1, 1)); t < utc(2031, 1, 1, 0, 0); t += 24 * HOUR) {
		cal_date_t d = calendar_local_date(t + 12 * HOUR);
		int64_t start = calendar_local_midnight(d) + 10 * HOUR;
		size_t i;

		if (!calendar_is_working_day(d))
			continue;
		for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			int64_t end = calendar_add_working_days(start, ns[i]);
			cal_date_t e = calendar_local_date(end);

			assert_true(calendar_is_working_day(e));
			assert_int_equal(end - calendar_local_midnight(e), 10 * HOUR);
			assert_int_equal(calendar_working_days_between(start, end), ns[i]);
			assert_int_equal(calendar_add_working_days(end, -ns[i]), start);
		}
	}
}

static void
test_working_days_between(void **state)
{
	(void)state;
	/* Over Easter 2025: after Skärtorsdagen the next is Tuesday 22nd. */
	assert_int_equal(calendar_working_days_between(utc(2025, 4, 17, 7, 0), utc(2025, 4, 21, 20, 0)), 0);
	assert_int_equal(calendar_working_days_between(utc(2025, 4, 17, 7, 0), utc(2025, 4, 22, 7, 0)), 1);
	assert_int_equal(calendar_working_days_between(utc(2025, 4, 16, 7, 0), utc(2025, 4, 22, 7, 0)), 2);
	/* 00:30 local on the 17th (22:30 UTC on the 16th) is the 17th. */
	assert_int_equal(calendar_working_days_between(utc(2025, 4, 16, 22, 30), utc(2025, 4, 22, 7, 0)), 1);
	/* Tue 23 Dec 2025 to Wed 7 Jan 2026: 29, 30 Dec, 2, 5, 7 Jan. */
	assert_int_equal(calendar_working_days_between(utc(2025, 12, 23, 9, 0), utc(2026, 1, 7, 9, 0)), 5);
	/* Same date, or b before a. */
	assert_int_equal(calendar_working_days_between(utc(2025, 3, 4, 7, 0), utc(2025, 3, 4, 20, 0)), 0);
	assert_int_equal(calendar_working_days_between(utc(2025, 3, 10, 7, 0), utc(2025, 3, 4, 7, 0)), 0);
}

static void
test_range_clamping(void **state)
{
	int all;

	(void)state;
	assert_true(calendar_date_valid(date(2024, 2, 29)));
	assert_false(calendar_date_valid(date(2025, 2, 29)));
	assert_false(calendar_date_valid(date(2025, 13, 1)));
	assert_false(calendar_date_valid(date(2025, 4, 0)));
	assert_false(calendar_date_valid(date(1582, 12, 31)));
	assert_false(calendar_date_valid(date(10000, 1, 1)));
	assert_date(calendar_easter(1500), 1583, 4, 10);
	assert_date(calendar_easter(INT_MAX), 9999, 3, 28);
	assert_date(calendar_local_date(INT64_MIN), 1583, 1, 1);
	assert_date(calendar_local_date(INT64_MAX), 9999, 12, 31);
	assert_int_equal(calendar_local_midnight(date(2025, 2, 31)),
	                 calendar_local_midnight(date(2025, 2, 28)));
	assert_int_equal(calendar_local_midnight(date(-5, 0, 0)), CALENDAR_MS_MIN);
	assert_int_equal(calendar_due_after_days(0, INT_MAX), CALENDAR_MS_MAX);
	assert_int_equal(calendar_add_working_days(0, INT_MAX), CALENDAR_MS_MAX);
	assert_int_equal(calendar_add_working_days(0, INT_MIN), CALENDAR_MS_MIN);
	assert_int_equal(calendar_add_working_days(INT64_MAX, 0), CALENDAR_MS_MAX);
	/* The first working day of the range is Monday 3 January 1583. */
	assert_int_equal(calendar_due_after_days(INT64_MIN, INT_MIN),
	                 calendar_local_midnight(date(1583, 1, 4)));
	all = calendar_working_days_between(INT64_MIN, INT64_MAX);
	assert_in_range(all, 2000000, 2200000);
	assert_int_equal(calendar_working_days_between(INT64_MAX, INT64_MIN), 0);
}

static void
test_format_date(void **state)
{
	char buf[11];

	(void)state;
	calendar_format_date(date(2026, 12, 31), buf);
	assert_string_equal(buf, "2026-12-31");
	calendar_format_date(date(2024, 3, 5), buf);
	assert_string_equal(buf, "2024-03-05");
	calendar_format_date(date(99999, 99, 99), buf);
	assert_string_equal(buf, "9999-12-31");
	calendar_format_date(calendar_local_date(utc(2025, 6, 30, 22, 0)), buf);
	assert_string_equal(buf, "2025-07-01");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holiday_table),
		cmocka_unit_test(test_no_extra_holidays),
		cmocka_unit_test(test_easter),
		cmocka_unit_test(test_weekday_and_plain_days),
		cmocka_unit_test(test_local_date),
		cmocka_unit_test(test_local_midnight),
		cmocka_unit_test(test_matches_tzdata),
		cmocka_unit_test(test_due_after_days),
		cmocka_unit_test(test_add_working_days),
		cmocka_unit_test(test_add_working_days_dst),
		cmocka_unit_test(test_add_working_days_from_day_off),
		cmocka_unit_test(test_add_and_between_agree),
		cmocka_unit_test(test_working_days_between),
		cmocka_unit_test(test_range_clamping),
		cmocka_unit_test(test_format_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
