/*
 * test_log — the parts of log.c that decide how a line looks: the UTC time
 * in front of each line outside the journal (ISO 8601, milliseconds), the
 * journal's stream recognised by JOURNAL_STREAM's DEVICE:INODE, and the
 * level names famlinkctl log-level and the config take.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

static void
time_is_iso8601_utc_with_milliseconds(void **state)
{
	char out[LOG_TIME_LEN + 1];
	/* 2026-12-07T22:30:01Z, plus 123.999 ms: truncated, never rounded up */
	struct timespec ts = {.tv_sec = 1796682601, .tv_nsec = 123999999};

	(void)state;
	assert_string_equal(log_format_time(&ts, out, sizeof(out)), "2026-12-07T22:30:01.123Z");
	assert_int_equal(strlen(out), LOG_TIME_LEN);
	ts = (struct timespec){.tv_sec = 0, .tv_nsec = 0};
	assert_string_equal(log_format_time(&ts, out, sizeof(out)), "1970-01-01T00:00:00.000Z");
	ts = (struct timespec){.tv_sec = 951825599, .tv_nsec = 999000000};   /* leap day */
	assert_string_equal(log_format_time(&ts, out, sizeof(out)), "2000-02-29T11:59:59.999Z");
	/* too small a buffer: nothing rather than a cut time */
	assert_string_equal(log_format_time(&ts, out, LOG_TIME_LEN), "");
}

static void
journal_is_recognised_by_device_and_inode(void **state)
{
	char path[] = "/tmp/test_log.XXXXXX", val[64];
	struct stat st;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(val, sizeof(val), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	assert_true(log_stderr_is_journal(val, fd));
	/* stderr redirected elsewhere, though the variable was inherited */
	snprintf(val, sizeof(val), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino + 1);
	assert_false(log_stderr_is_journal(val, fd));
	assert_false(log_stderr_is_journal(NULL, fd));
	assert_false(log_stderr_is_journal("", fd));
	assert_false(log_stderr_is_journal("12", fd));
	snprintf(val, sizeof(val), "%llu:%llux", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	assert_false(log_stderr_is_journal(val, fd));
	close(fd);
	assert_false(log_stderr_is_journal("1:1", fd));   /* closed */
}

static void
level_names_both_ways(void **state)
{
	(void)state;
	assert_int_equal(log_level_from_name("err"), LOG_ERR);
	assert_int_equal(log_level_from_name("error"), LOG_ERR);
	assert_int_equal(log_level_from_name("warning"), LOG_WARNING);
	assert_int_equal(log_level_from_name("notice"), LOG_NOTICE);
	assert_int_equal(log_level_from_name("info"), LOG_INFO);
	assert_int_equal(log_level_from_name("debug"), LOG_DEBUG);
	assert_int_equal(log_level_from_name("Debug"), -1);
	assert_int_equal(log_level_from_name("crit"), -1);
	assert_string_equal(log_level_name(LOG_ERR), "error");
	assert_string_equal(log_level_name(LOG_DEBUG), "debug");
	assert_string_equal(log_level_name(LOG_CRIT), "?");
	log_set_level(LOG_DEBUG);
	assert_int_equal(log_level(), LOG_DEBUG);
	log_set_level(LOG_INFO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_is_iso8601_utc_with_milliseconds),
		cmocka_unit_test(journal_is_recognised_by_device_and_inode),
		cmocka_unit_test(level_names_both_ways),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
