/*
 * test_store_health — the store's health (store_health.c): what a SQLite
 * code means, the retry delays, the logging policy (one line when it
 * starts, at most one a minute, one when it clears), famlinkd.state as
 * famlinkctl reads it, and store_probe() against a real store made full
 * by the fault VFS (faultvfs.c, FAMLINK_FAULT_FULL).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "clock.h"
#include "faultvfs.h"
#include "log.h"
#include "scratch_store.h"
#include "store_health.h"

/* stderr goes to a file while fn runs; the number of lines with text. */
static int stderr_saved = -1;
static char stderr_path[64];

static void
capture_start(void)
{
	int fd;

	snprintf(stderr_path, sizeof(stderr_path), "/tmp/store-health-log.XXXXXX");
	fd = mkstemp(stderr_path);
	assert_true(fd >= 0);
	fflush(stderr);
	stderr_saved = dup(2);
	dup2(fd, 2);
	close(fd);
}

static int
capture_count(const char *text)
{
	char line[2048];
	int n = 0;
	FILE *f;

	fflush(stderr);
	f = fopen(stderr_path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

static void
capture_stop(void)
{
	if (stderr_saved < 0)
		return;
	fflush(stderr);
	dup2(stderr_saved, 2);
	close(stderr_saved);
	stderr_saved = -1;
	unlink(stderr_path);
}

/* After a failed assertion too: stderr back, for cmocka's report. */
static int
capture_teardown(void **state)
{
	(void)state;
	capture_stop();
	return 0;
}

static void
test_state_of(void **state)
{
	(void)state;
	assert_int_equal(store_state_of(SQLITE_OK), STORE_OK);
	assert_int_equal(store_state_of(SQLITE_FULL), STORE_FULL);
	assert_int_equal(store_state_of(SQLITE_BUSY), STORE_LOCKED);
	assert_int_equal(store_state_of(SQLITE_BUSY_SNAPSHOT), STORE_LOCKED);
	assert_int_equal(store_state_of(SQLITE_LOCKED), STORE_LOCKED);
	assert_int_equal(store_state_of(SQLITE_CORRUPT), STORE_DAMAGED);
	assert_int_equal(store_state_of(SQLITE_CORRUPT_INDEX), STORE_DAMAGED);
	assert_int_equal(store_state_of(SQLITE_NOTADB), STORE_DAMAGED);
	assert_int_equal(store_state_of(SQLITE_IOERR_WRITE), STORE_FAILING);
	assert_int_equal(store_state_of(SQLITE_READONLY), STORE_READONLY);
	assert_int_equal(store_state_of(SQLITE_READONLY_DBMOVED), STORE_READONLY);
	assert_string_equal(store_state_name(STORE_FULL), "full");
	assert_string_equal(store_state_name(STORE_LOCKED), "locked");
	assert_string_equal(store_state_name(STORE_DAMAGED), "damaged");
}

/* 100 ms, doubling to 2 s; a minute of failures every 2 s logs the start
 * and one line with the count, five minutes six lines, then one notice. */
static void
test_policy(void **state)
{
	store_health_t h = {0};
	static const int delays[] = { 100, 200, 400, 800, 1600, 2000, 2000, 2000 };
	int64_t t = 1000000;

	(void)state;
	log_set_level(LOG_DEBUG);
	capture_start();
	assert_false(store_health_broken(&h));
	assert_false(store_health_ok(&h, t, 0));
	assert_int_equal(store_health_failed(&h, SQLITE_FULL, "sqlite: database or disk is full",
	    t, 5000), STORE_FULL);
	assert_true(store_health_broken(&h));
	assert_int_equal(capture_count("<3>store is full"), 1);
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		assert_int_equal(store_health_retry_in(&h, t), delays[i]);
		assert_int_equal(store_health_retry_in(&h, t + delays[i] - 1), 1);
		t += delays[i];
		assert_int_equal(store_health_retry_in(&h, t), 0);
		store_health_failed(&h, SQLITE_FULL, "sqlite: database or disk is full", t, 5000);
	}
	/* 9 failures in 9 s: still the one line. */
	assert_int_equal(capture_count("<3>"), 1);
	while (t < 1000000 + 5 * 60000 + 1000) {
		t += 2000;
		store_health_failed(&h, SQLITE_FULL, "sqlite: database or disk is full", t, 5000);
	}
	assert_int_equal(capture_count("<3>"), 1 + 5);
	assert_int_equal(capture_count("more failed attempts since the last report"), 5);
	/* A change of cause shows in the state at once, in the log by the same rule. */
	t += 2000;
	assert_int_equal(store_health_failed(&h, SQLITE_BUSY, "sqlite: database is locked", t, 5000),
	    STORE_LOCKED);
	assert_int_equal(capture_count("<3>"), 6);
	assert_true(store_health_ok(&h, t + 100, 9000));
	assert_false(store_health_broken(&h));
	assert_int_equal(h.since_ms, 9000);
	assert_int_equal(capture_count("<5>store works again"), 1);
	assert_false(store_health_ok(&h, t + 200, 9100));
	assert_int_equal(capture_count("store works again"), 1);
	/* Failing again within a minute: the same spell (no new first line,
	 * the delay goes on from 2 s), but the log, which said it works again,
	 * says at once that it does not; later "works again" is said once it
	 * has held a minute. */
	store_health_failed(&h, SQLITE_FULL, "sqlite: database or disk is full", t + 300, 9200);
	assert_int_equal(h.state, STORE_FULL);
	assert_int_equal(h.since_ms, 5000);
	assert_int_equal(store_health_retry_in(&h, t + 300), 2000);
	assert_int_equal(capture_count("<3>store is full (no room to write) again, 0.2 s after it"
	    " worked again"), 1);
	for (int i = 0; i < 20; i++) {      /* flapping every 2 s for 40 s */
		t += 2000;
		assert_true(store_health_ok(&h, t, 9300));
		store_health_tick(&h, t + 500);
		store_health_failed(&h, SQLITE_FULL, "sqlite: database or disk is full", t + 1000, 9400);
	}
	assert_int_equal(capture_count("not reading new messages until it works again"), 1);
	assert_int_equal(capture_count("store works again"), 1);
	assert_int_equal(capture_count("after it worked again"), 1);   /* once, not per flap */
	t += 2000;
	assert_true(store_health_ok(&h, t, 9500));
	store_health_tick(&h, t + 59000);
	assert_int_equal(capture_count("store works again"), 1);
	store_health_tick(&h, t + 60000);
	assert_int_equal(capture_count("store works again (for a minute now)"), 1);
	store_health_tick(&h, t + 90000);
	assert_int_equal(capture_count("store works again"), 2);
	assert_true(capture_count("<3>") <= 9);
	/* A minute after it works again, a failure starts a new spell: one
	 * line, first delay 100 ms. */
	t += 61000;
	store_health_failed(&h, SQLITE_IOERR_WRITE, "sqlite: disk I/O error", t, 99000);
	assert_int_equal(h.state, STORE_FAILING);
	assert_int_equal(h.since_ms, 99000);
	assert_int_equal(store_health_retry_in(&h, t), 100);
	assert_int_equal(capture_count("<3>store cannot be written"), 1);
	/* Damaged: said at once, at error level. */
	assert_int_equal(store_health_failed(&h, SQLITE_CORRUPT, "sqlite: database disk image is"
	    " malformed", t + 400, 99100), STORE_DAMAGED);
	assert_int_equal(capture_count("<3>store is damaged"), 1);
	capture_stop();
}

/* famlinkd.state: made at its full size, mode 0600, rewritten in place,
 * read as famlinkctl does; "unknown" once no daemon holds it. */
static void
test_state_file(void **state)
{
	store_health_t h = {0};
	store_health_report_t r;
	char dir[64], path[128];
	struct stat st;
	err_t err;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir), "store-health"), 0);
	assert_int_equal(store_health_read(dir, &r, &err), 0);
	assert_int_equal(r.state, STORE_UNKNOWN);
	assert_int_equal(store_health_open(&h, dir, 1234, &err), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_STATE_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 256);
	assert_int_equal(store_health_read(dir, &r, &err), 0);
	assert_int_equal(r.state, STORE_OK);
	assert_int_equal(r.since_ms, 1234);

	capture_start();
	store_health_failed(&h, SQLITE_FULL, "full", 100, 5678);
	store_health_failed(&h, SQLITE_FULL, "full", 300, 5878);
	capture_stop();
	assert_int_equal(store_health_read(dir, &r, &err), 0);
	assert_int_equal(r.state, STORE_FULL);
	assert_int_equal(r.since_ms, 5678);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 256);

	store_health_close(&h);
	assert_int_equal(store_health_read(dir, &r, &err), 0);
	assert_int_equal(r.state, STORE_UNKNOWN);
	assert_int_equal(scratch_remove(dir), 0);
}

/* A real store, full by the fault VFS while the flag file exists: the
 * probe fails with SQLITE_FULL (nothing written), then goes through. */
static void
test_probe_full_disk(void **state)
{
	scratch_store_t ss;
	char flag[128], what[256];
	err_t err;

	(void)state;
	assert_true(faultvfs_active(what, sizeof(what)));
	assert_int_equal(scratch_store_open(&ss, "store-health-probe"), 0);
	assert_int_equal(store_probe(ss.s, &err), 0);
	snprintf(flag, sizeof(flag), "%s", getenv("FAMLINK_FAULT_FULL"));
	close(open(flag, O_WRONLY | O_CREAT, 0600));
	assert_int_equal(store_probe(ss.s, &err), -1);
	assert_int_equal(store_state_of(err.code), STORE_FULL);
	assert_true(faultvfs_failed() > 0);
	assert_int_equal(store_probe(ss.s, &err), -1);   /* and again: no transaction left open */
	unlink(flag);
	assert_int_equal(store_probe(ss.s, &err), 0);
	assert_int_equal(scratch_store_close(&ss), 0);
}

/* The probe waits STORE_PROBE_BUSY_MS, not STORE_BUSY_MS, for another
 * process's write lock, and says "locked". */
static void
test_probe_locked(void **state)
{
	scratch_store_t ss;
	sqlite3 *other = NULL;
	int64_t t;
	err_t err;

	(void)state;
	assert_int_equal(scratch_store_open(&ss, "store-health-lock"), 0);
	assert_int_equal(sqlite3_open(ss.path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	t = clock_mono_ms();
	assert_int_equal(store_probe(ss.s, &err), -1);
	t = clock_mono_ms() - t;
	assert_int_equal(store_state_of(err.code), STORE_LOCKED);
	assert_true(t >= STORE_PROBE_BUSY_MS / 2 && t < STORE_BUSY_MS / 2);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(store_probe(ss.s, &err), 0);
	assert_int_equal(scratch_store_close(&ss), 0);
}

int
main(void)
{
	static char flag[64];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_of),
		cmocka_unit_test_teardown(test_policy, capture_teardown),
		cmocka_unit_test_teardown(test_state_file, capture_teardown),
		cmocka_unit_test(test_probe_full_disk),
		cmocka_unit_test(test_probe_locked),
	};

	/* The fault VFS is registered once per process, before SQLite opens
	 * anything, when its variable is set. */
	snprintf(flag, sizeof(flag), "/tmp/store-health-full.%d", (int)getpid());
	unlink(flag);
	setenv("FAMLINK_FAULT_FULL", flag, 1);
	store_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
