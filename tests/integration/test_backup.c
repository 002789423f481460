/*
 * Integration: `famlinkctl backup FILE` while famlinkd runs. Real famlinkd
 * processes (a hub and a municipality), the municipality sending referrals
 * through famlinkctl send in a second process the whole time: the copy
 * opens, is mode 0600, passes quick_check, its marker FILE.id is the live
 * famlink.id, and it holds every message committed before the backup
 * started. A second backup to the same FILE is refused without --force (and
 * onto the live store even with it). The copy, restored into the state
 * directory, is taken by famlinkd as this node's store.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define T 15000
#define LOAD_BATCH 10    /* referrals per famlinkctl send of the load */
#define LOAD_MAX 300     /* batches at most, should the stop file never come */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The load: a process sending referrals in batches until stop_file exists. */
static pid_t
load_start(node_proc_t *n, const char *stop_file)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct stat st;
		for (int i = 0; i < LOAD_MAX && stat(stop_file, &st) != 0; i++)
			if (enqueue_referrals(n, "0101-2026", 100001 + i * LOAD_BATCH, LOAD_BATCH,
			    LOAD_BATCH) != 0)
				_exit(1);
		_exit(0);
	}
	return pid;
}

/* Stops the load by its stop file, SIGKILL by pid after timeout_ms;
 * its exit status (-1 if it had to be killed). */
static int
load_stop(pid_t pid, const char *stop_file, int timeout_ms)
{
	FILE *f = fopen(stop_file, "w");
	int status;

	assert_non_null(f);
	fclose(f);
	for (int64_t end = now_ms() + timeout_ms; waitpid(pid, &status, WNOHANG) == 0; ) {
		if (now_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		pause_ms(20);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Waits until n's outbox holds at least want rows. */
static bool
wait_outbox_at_least(node_proc_t *n, long want, int timeout_ms)
{
	for (int64_t end = now_ms() + timeout_ms; now_ms() <= end; pause_ms(20))
		if (db_long(n, "SELECT count(*) FROM outbox") >= want)
			return true;
	return false;
}

/* One number from the database at path, opened read-only. */
static long
copy_long(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
copy_text(const char *path, const char *sql, char *buf, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	buf[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static unsigned
file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void
copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out;
	char buf[65536];
	size_t n;

	assert_non_null(in);
	assert_non_null(out = fopen(to, "wb"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(to, 0600), 0);
}

typedef struct backup_case {
	cluster_t *c;
	char file[700], id[720], stop[700];
} backup_case_t;

static int
teardown(void **state)
{
	backup_case_t *b = *state;
	int rc = 0;

	if (b == NULL)
		return 0;
	/* The backup lives outside the cluster's directory: removed here. */
	(void)unlink(b->file);
	(void)unlink(b->id);
	if (b->c)
		rc = cluster_free(&b->c);
	free(b);
	return rc;
}

static backup_case_t *
backup_case_new(void **state)
{
	backup_case_t *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	*state = b;
	assert_non_null(b->c = cluster_new(1, NULL));
	snprintf(b->file, sizeof(b->file), "%s-backup.db", b->c->root);
	snprintf(b->id, sizeof(b->id), "%s.id", b->file);
	snprintf(b->stop, sizeof(b->stop), "%s/stop-load", b->c->root);
	assert_int_equal(cluster_start_waited(b->c, T), 0);
	return b;
}

/* The backup under load, and what it holds. */
static void
backup_under_load(backup_case_t *b, long *before)
{
	node_proc_t *m = &b->c->muni[0];
	char out[2048], want[1024], marker[PATH_MAX], store_id[64], tmp[800];
	char *live, *copied;
	long n;
	pid_t load;

	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 2000, 500), 0);
	load = load_start(m, b->stop);
	/* The load is running: its first batches are in. */
	assert_true(wait_outbox_at_least(m, 2000 + 2 * LOAD_BATCH, T));
	*before = db_long(m, "SELECT count(*) FROM outbox");
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", b->file, NULL}), 0);
	assert_int_equal(load_stop(load, b->stop, 60000), 0);
	/* One line, ids and counts only (stderr is no terminal: no progress). */
	db_text(m, "SELECT store_id FROM identity", store_id, sizeof(store_id));
	assert_int_equal(sscanf(out, "backup %*s %ld messages", &n), 1);
	snprintf(want, sizeof(want), "backup %s: %ld messages, store %s, checked\n", b->file, n,
	    store_id);
	assert_string_equal(out, want);
	assert_true(n >= *before);

	assert_int_equal(file_mode(b->file), 0600);
	assert_int_equal(file_mode(b->id), 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", b->file);
	assert_false(exists(tmp));
	snprintf(tmp, sizeof(tmp), "%s.tmp-journal", b->file);
	assert_false(exists(tmp));
	char qc[64];
	copy_text(b->file, "PRAGMA quick_check", qc, sizeof(qc));
	assert_string_equal(qc, "ok");
	assert_true(copy_long(b->file, "SELECT count(*) FROM outbox") >= *before);
	assert_int_equal(copy_long(b->file, "SELECT count(*) FROM outbox") +
	    copy_long(b->file, "SELECT count(*) FROM inbox"), n);
	copy_text(b->file, "SELECT store_id FROM identity", tmp, sizeof(tmp));
	assert_string_equal(tmp, store_id);
	/* A plain file: not in WAL mode, so nothing grows beside it. */
	copy_text(b->file, "PRAGMA journal_mode", tmp, sizeof(tmp));
	assert_string_equal(tmp, "delete");
	snprintf(marker, sizeof(marker), "%s/famlink.id", m->dir);
	live = file_text(marker);
	copied = file_text(b->id);
	assert_string_equal(copied, live);
	free(live);
	free(copied);
}

static void
test_backup_under_load(void **state)
{
	long before;

	backup_under_load(backup_case_new(state), &before);
}

/* On a terminal (script(1) gives it one) the backup shows its progress,
 * rewritten in place; without one, only the last line (above). */
static void
test_backup_progress_on_terminal(void **state)
{
	backup_case_t *b = backup_case_new(state);
	node_proc_t *m = &b->c->muni[0];
	const char *build = getenv("FAMLINK_BUILD") ? getenv("FAMLINK_BUILD") : "build";
	char cmd[3000], out[8192];
	size_t n;
	FILE *p;

	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 50, 50), 0);
	snprintf(cmd, sizeof(cmd), "script -qec \"%s/famlinkctl -c %s backup %s\" /dev/null",
	    build, m->conf, b->file);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	if (strstr(out, "\rbackup ") == NULL || strstr(out, "100% (") == NULL)
		fail_msg("no progress on a terminal: %s", out);
	assert_non_null(strstr(out, "messages, store "));
}

static void
test_backup_refuses_existing(void **state)
{
	backup_case_t *b = backup_case_new(state);
	node_proc_t *m = &b->c->muni[0];
	char out[4096], live[600];
	struct stat st1, st2;

	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", "--help", NULL}), 0);
	assert_non_null(strstr(out, "usage: famlinkctl [-c FILE] backup [--force] FILE\n"));
	assert_non_null(strstr(out, "exit status:\n  0  ok\n  1  error"));
	assert_non_null(strstr(out, "example:\n"));
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", NULL}), 2);
	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 5, 5), 0);
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", b->file, NULL}), 0);
	assert_int_equal(stat(b->file, &st1), 0);
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", b->file, NULL}), 1);
	assert_non_null(strstr(out, "exists; add --force to replace it"));
	assert_int_equal(stat(b->file, &st2), 0);
	assert_true(st1.st_ino == st2.st_ino && st1.st_size == st2.st_size);
	/* FILE.id alone (a backup cut off between its two renames) too. */
	assert_int_equal(rename(b->file, b->stop), 0);
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", b->file, NULL}), 1);
	assert_non_null(strstr(out, ".id exists"));
	assert_false(exists(b->file));
	assert_int_equal(rename(b->stop, b->file), 0);
	/* --force replaces both. */
	assert_int_equal(enqueue_referrals(m, "0101-2026", 6, 5, 5), 0);
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", "--force", b->file, NULL}), 0);
	assert_true(copy_long(b->file, "SELECT count(*) FROM outbox") >= 10);
	assert_int_equal(file_mode(b->file), 0600);
	/* A FILE.tmp (a backup running, or one cut off) is left alone without
	 * --force, and replaced with it. */
	char tmp[900], nowhere[800];
	FILE *f;
	snprintf(tmp, sizeof(tmp), "%s.tmp", b->file);
	assert_non_null(f = fopen(tmp, "w"));
	fclose(f);
	assert_int_equal(unlink(b->file), 0);
	assert_int_equal(unlink(b->id), 0);
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", b->file, NULL}), 1);
	assert_non_null(strstr(out, "another backup"));
	assert_true(exists(tmp));
	assert_false(exists(b->file) || exists(b->id));
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", "--force", b->file, NULL}), 0);
	assert_false(exists(tmp));
	assert_true(exists(b->file) && exists(b->id));
	/* A failure leaves no file of the backup: here the marker's temporary
	 * name is taken (by a folder, which --force cannot remove), so it
	 * fails after the copy was made and checked. */
	snprintf(nowhere, sizeof(nowhere), "%s/late-failure.db", b->c->root);
	snprintf(tmp, sizeof(tmp), "%s.id.tmp", nowhere);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", "--force", nowhere, NULL}), 1);
	assert_non_null(strstr(out, "no backup was made"));
	assert_int_equal(rmdir(tmp), 0);
	assert_false(exists(nowhere));
	snprintf(tmp, sizeof(tmp), "%s.tmp", nowhere);
	assert_false(exists(tmp));
	snprintf(tmp, sizeof(tmp), "%s.id", nowhere);
	assert_false(exists(tmp));
	/* Never over the live store, --force or not. */
	snprintf(live, sizeof(live), "%s/famlink.db", m->dir);
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){
	    "backup", "--force", live, NULL}), 1);
	assert_non_null(strstr(out, "that is the live store"));
	assert_true(db_long(m, "SELECT count(*) FROM outbox") >= 10);
}

/* Restore as README says: stop, the copy as famlink.db and FILE.id as
 * famlink.id (mode 0600, no -wal or -shm), start: famlinkd takes it. */
static void
test_restore(void **state)
{
	backup_case_t *b = backup_case_new(state);
	node_proc_t *m = &b->c->muni[0];
	static const char *const store_files[] = { "famlink.db", "famlink.db-wal",
		"famlink.db-shm", "famlink.id" };
	char path[800], out[4096];
	long before, copied;

	backup_under_load(b, &before);
	copied = copy_long(b->file, "SELECT count(*) FROM outbox");
	assert_int_equal(node_stop(m), 0);
	for (size_t i = 0; i < sizeof(store_files) / sizeof(store_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", m->dir, store_files[i]);
		assert_true(unlink(path) == 0 || errno == ENOENT);
	}
	snprintf(path, sizeof(path), "%s/famlink.db", m->dir);
	copy_file(b->file, path);
	snprintf(path, sizeof(path), "%s/famlink.id", m->dir);
	copy_file(b->id, path);
	assert_int_equal(node_log_rotate(m), 0);
	assert_int_equal(node_start(m), 0);
	assert_true(wait_log(m, node_started_text(m), T));
	/* Taken as this node's store (no "cannot start: ... store lost"); what
	 * it sent after the backup, the hub settles at the Hello (PROTOCOL.md
	 * section 5). */
	assert_false(log_has(m, "cannot start"));
	assert_false(log_has(m, "not this node's store"));
	assert_int_equal(db_long(m, "SELECT count(*) FROM outbox"), copied);
	assert_int_equal(ctl_run(m, out, sizeof(out), (const char *const[]){ "status", NULL }), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_backup_under_load, teardown),
		cmocka_unit_test_teardown(test_backup_refuses_existing, teardown),
		cmocka_unit_test_teardown(test_backup_progress_on_terminal, teardown),
		cmocka_unit_test_teardown(test_restore, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
