/*
 * calendar — see calendar.h. Everything is reduced to day numbers (days
 * since 1970-01-01, proleptic Gregorian, Howard Hinnant's days_from_civil /
 * civil_from_days) and a Stockholm offset computed from the EU rule, so no
 * call touches mktime, timegm, TZ or tzdata. Holidays are found from small
 * tables rather than precomputed per year: a check is a few dozen integer
 * operations, and even a walk over the whole range (~3 million days) takes
 * well under a second.
 */
#include <stddef.h>

#include "calendar.h"

#define MS_PER_HOUR INT64_C(3600000)
#define MS_PER_DAY  INT64_C(86400000)
/* Day numbers of 1583-01-01 and 9999-12-31. */
#define DAY_MIN INT64_C(-141349)
#define DAY_MAX INT64_C(2932896)

/* Rounds towards minus infinity, so instants before 1970 get the right day. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = floor_div(yy, 400);
	int64_t yoe = yy - era * 400;                            /* 0..399 */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;     /* 0..146096 */

	return era * 146097 + doe - 719468;
}

static cal_date_t
civil_from_days(int64_t z)
{
	int64_t era, doe, yoe, doy, mp;
	cal_date_t d;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	d.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	d.year = (int)(yoe + era * 400 + (d.month <= 2));
	return d;
}

/* ISO weekday of a day number; day 0 (1970-01-01) was a Thursday. */
static int
weekday_of(int64_t z)
{
	return (int)(z + 3 - floor_div(z + 3, 7) * 7) + 1;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

static int
clamp_int(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static cal_date_t
clamp_date(cal_date_t d)
{
	d.year = clamp_int(d.year, CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX);
	d.month = clamp_int(d.month, 1, 12);
	d.day = clamp_int(d.day, 1, days_in_month(d.year, d.month));
	return d;
}

static int64_t
clamp_ms(int64_t ms)
{
	return ms < CALENDAR_MS_MIN ? CALENDAR_MS_MIN : ms > CALENDAR_MS_MAX ? CALENDAR_MS_MAX : ms;
}

bool
calendar_date_valid(cal_date_t d)
{
	cal_date_t c = clamp_date(d);

	return c.year == d.year && c.month == d.month && c.day == d.day;
}

/* Day number of the last Sunday of a 31-day month (March, October). */
static int64_t
last_sunday(int y, int m)
{
	int64_t last = days_from_civil(y, m, 31);

	return last - weekday_of(last) % 7;
}

/* The Stockholm offset from UTC at an instant, by the EU rule. The UTC year
 * is the right one to look in: no switch is near New Year. */
static int64_t
stockholm_offset(int64_t utc_ms)
{
	int y = civil_from_days(floor_div(utc_ms, MS_PER_DAY)).year;
	int64_t start = last_sunday(y, 3) * MS_PER_DAY + MS_PER_HOUR;
	int64_t end = last_sunday(y, 10) * MS_PER_DAY + MS_PER_HOUR;

	return utc_ms >= start && utc_ms < end ? 2 * MS_PER_HOUR : MS_PER_HOUR;
}

/* The instant of a Stockholm wall-clock time (ms since 1970-01-01 00:00
 * local). Tries summer time first: right in summer, wrong only when the
 * result would be winter time, and then winter time is right. A time in
 * the spring gap comes out an hour later; one in the autumn overlap, the
 * earlier (summer) instant. Callers here only ask for midnights and times
 * on working days, which are never switch days (always Sundays). */
static int64_t
local_to_utc(int64_t local_ms)
{
	int64_t t = local_ms - 2 * MS_PER_HOUR;

	return stockholm_offset(t) == 2 * MS_PER_HOUR ? t : local_ms - MS_PER_HOUR;
}

/* Local wall-clock ms of an already clamped instant. */
static int64_t
utc_to_local(int64_t ms)
{
	return ms + stockholm_offset(ms);
}

static int64_t
day_start(int64_t z)
{
	return local_to_utc(z * MS_PER_DAY);
}

cal_date_t
calendar_local_date(int64_t ms)
{
	return civil_from_days(floor_div(utc_to_local(clamp_ms(ms)), MS_PER_DAY));
}

int64_t
calendar_local_midnight(cal_date_t d)
{
	d = clamp_date(d);
	return day_start(days_from_civil(d.year, d.month, d.day));
}

int
calendar_weekday(cal_date_t d)
{
	d = clamp_date(d);
	return weekday_of(days_from_civil(d.year, d.month, d.day));
}

/* Anonymous Gregorian algorithm (Meeus, Astronomical Algorithms, ch. 8). */
static cal_date_t
easter_of(int y)
{
	int a = y % 19, b = y / 100, c = y % 100;
	int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	return (cal_date_t){ y, n / 31, n % 31 + 1 };
}

cal_date_t
calendar_easter(int year)
{
	return easter_of(clamp_int(year, CALENDAR_YEAR_MIN, CALENDAR_YEAR_MAX));
}

/* Holidays counted from Easter Sunday, in the law's order. They come first
 * so that a coincidence with a fixed date gets the name the law lists
 * first (Kristi himmelsfärdsdag before första maj, pingstdagen before
 * Sveriges nationaldag). */
static const struct { int offset; const char *name; } easter_days[] = {
	{ -2, "långfredagen" },
	{ 0, "påskdagen" },
	{ 1, "annandag påsk" },
	{ 39, "Kristi himmelsfärdsdag" },
	{ 49, "pingstdagen" },
};

/* Holidays and eves on a fixed date. */
static const struct { int month, day; const char *name; } fixed_days[] = {
	{ 1, 1, "nyårsdagen" },
	{ 1, 6, "trettondedag jul" },
	{ 5, 1, "första maj" },
	{ 6, 6, "Sveriges nationaldag" },
	{ 12, 24, "julafton" },
	{ 12, 25, "juldagen" },
	{ 12, 26, "annandag jul" },
	{ 12, 31, "nyårsafton" },
};

/* Holidays and eves on the given weekday within the seven days from a date. */
static const struct { int month, day, weekday; const char *name; } window_days[] = {
	{ 6, 19, 5, "midsommarafton" },
	{ 6, 20, 6, "midsommardagen" },
	{ 10, 31, 6, "alla helgons dag" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* d must be valid; z is its day number. */
static const char *
holiday_of(cal_date_t d, int64_t z)
{
	cal_date_t e = easter_of(d.year);
	int64_t from_easter = z - days_from_civil(e.year, e.month, e.day);
	size_t i;

	for (i = 0; i < COUNT(easter_days); i++)
		if (from_easter == easter_days[i].offset)
			return easter_days[i].name;
	for (i = 0; i < COUNT(fixed_days); i++)
		if (d.month == fixed_days[i].month && d.day == fixed_days[i].day)
			return fixed_days[i].name;
	for (i = 0; i < COUNT(window_days); i++) {
		int64_t into = z - days_from_civil(d.year, window_days[i].month, window_days[i].day);
		if (into >= 0 && into < 7 && weekday_of(z) == window_days[i].weekday)
			return window_days[i].name;
	}
	return NULL;
}

const char *
calendar_holiday(cal_date_t d)
{
	d = clamp_date(d);
	return holiday_of(d, days_from_civil(d.year, d.month, d.day));
}

static bool
working(int64_t z)
{
	return weekday_of(z) <= 5 && holiday_of(civil_from_days(z), z) == NULL;
}

bool
calendar_is_working_day(cal_date_t d)
{
	d = clamp_date(d);
	return working(days_from_civil(d.year, d.month, d.day));
}

/* The first working day at or after z; beyond DAY_MAX if there is none. */
static int64_t
next_working(int64_t z)
{
	while (z <= DAY_MAX && !working(z))
		z++;
	return z;
}

/* The last working day at or before z; below DAY_MIN if there is none. */
static int64_t
prev_working(int64_t z)
{
	while (z >= DAY_MIN && !working(z))
		z--;
	return z;
}

/* Local day number of an already clamped instant. */
static int64_t
local_day(int64_t ms)
{
	return floor_div(utc_to_local(ms), MS_PER_DAY);
}

int64_t
calendar_due_after_days(int64_t from, int days)
{
	int64_t z = local_day(clamp_ms(from)) + days;

	z = next_working(z < DAY_MIN ? DAY_MIN : z);
	if (z >= DAY_MAX)   /* the end of 9999-12-31 is past the range */
		return CALENDAR_MS_MAX;
	return day_start(z + 1);
}

int64_t
calendar_add_working_days(int64_t from, int n)
{
	int64_t z, tod;

	from = clamp_ms(from);
	z = local_day(from);
	tod = utc_to_local(from) - z * MS_PER_DAY;   /* wall-clock time of day */
	if (!working(z)) {
		z = next_working(z);
		tod = 0;
	}
	for (; n > 0 && z <= DAY_MAX; n--)
		z = next_working(z + 1);
	for (; n < 0 && z >= DAY_MIN; n++)
		z = prev_working(z - 1);
	if (z > DAY_MAX)
		return CALENDAR_MS_MAX;
	if (z < DAY_MIN)
		return CALENDAR_MS_MIN;
	/* A working day is never a switch day, so this wall time exists once. */
	return local_to_utc(z * MS_PER_DAY + tod);
}

int
calendar_working_days_between(int64_t a, int64_t b)
{
	int64_t z, last = local_day(clamp_ms(b));
	int count = 0;

	for (z = local_day(clamp_ms(a)) + 1; z <= last; z++)
		if (working(z))
			count++;
	return count;
}

/* Writes v as exactly width decimal digits. */
static void
put_digits(char *p, int v, int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
calendar_format_date(cal_date_t d, char buf[11])
{
	d = clamp_date(d);
	put_digits(buf, d.year, 4);
	buf[4] = '-';
	put_digits(buf + 5, d.month, 2);
	buf[7] = '-';
	put_digits(buf + 8, d.day, 2);
	buf[10] = '\0';
}

cal_date_t
calendar_due_day(int64_t due)
{
	return calendar_local_date(due - 1);
}

int64_t
calendar_add_days(int64_t from, int n)
{
	int64_t z, tod;

	from = clamp_ms(from);
	z = local_day(from);
	tod = utc_to_local(from) - z * MS_PER_DAY;
	z += n;
	if (z > DAY_MAX)
		return CALENDAR_MS_MAX;
	if (z < DAY_MIN)
		return CALENDAR_MS_MIN;
	return local_to_utc(z * MS_PER_DAY + tod);
}
