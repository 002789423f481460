/*
 * test_store_open — opening a store while other processes open it too.
 *
 * famlinkd, famlinkctl and the bench's enqueuer may all open one new store
 * at the same instant. Switching a new database to WAL takes a lock that
 * SQLite refuses at once (no busy handler) when another connection holds a
 * conflicting one, so an open must wait and try again like every other
 * access, never fail with "database is locked".
 */
#define _GNU_SOURCE   /* nftw() in scratch.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scratch.h"
#include "store.h"
#include "store_identity.h"

#define OPENERS 6
#define ROUNDS 40

/* A child: wait for the start signal on the pipe, open, report. */
static int
open_child(int start_fd, const char *path, bool read_only)
{
	err_t err = {0};
	store_t *s;
	char go;

	if (read(start_fd, &go, 1) != 1)
		return 3;
	s = store_open(path, read_only, &err);
	if (s == NULL) {
		fprintf(stderr, "store_open(%s): %s\n", read_only ? "read-only" : "read-write", err.msg);
		return 1;
	}
	store_close(&s);
	return 0;
}

/* One round: OPENERS processes
 * open a store that does not exist yet, released together. */
static int
race_once(const char *dir)
{
	char path[PATH_MAX];
	pid_t pids[OPENERS];
	int fds[2], failures = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	if (pipe(fds) != 0)
		return -1;
	for (int i = 0; i < OPENERS; i++) {
		if ((pids[i] = fork()) == 0) {
			close(fds[1]);
			_exit(open_child(fds[0], path, false));
		}
	}
	close(fds[0]);
	for (int i = 0; i < OPENERS; i++)
		if (write(fds[1], "g", 1) != 1)
			failures++;
	close(fds[1]);
	for (int i = 0; i < OPENERS; i++) {
		int status;
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failures++;
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s-wal", dir, STORE_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s-shm", dir, STORE_FILE);
	unlink(path);
	return failures;
}

static void
test_new_store_opened_by_many_at_once(void **state)
{
	char dir[64];
	int failed = 0;

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir), "famlink-open"), 0);
	for (int r = 0; r < ROUNDS; r++)
		failed += race_once(dir);
	scratch_remove(dir);
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_store_opened_by_many_at_once),
	};

	store_global_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
