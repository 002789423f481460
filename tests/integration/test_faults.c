/*
 * Integration: a store that stops taking writes, with real daemons on
 * loopback. The fault comes from daemon/store/faultvfs.c (FAMLINK_FAULT_* in the
 * daemon's environment only) or from a write lock this test holds.
 *
 * - disk full at the hub, and at a municipality: nothing is read meanwhile,
 *   the log holds a bounded number of lines, status says "full", and every
 *   message arrives within a few seconds of the store taking writes again,
 *   although the senders' backoff has grown to 20 s;
 * - the hub's store locked by another process: the same, status "locked";
 * - test_write_fault_loop: the n-th SQLite write of a daemon fails, for a
 *   spread of n, while two municipalities send 50 referrals each; whatever
 *   the fault hit, every message is delivered exactly once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define T 20000        /* ms: generous, for sanitizer builds on a loaded machine */
#define HOLD_MS 8000   /* how long a fault is held */
#define RECOVER_MS 5000 /* everything delivered this soon after the fault clears */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* CPU time (user + system) a process has used so far, in ms. */
static long
cpu_ms(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t got;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	got = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[got] = '\0';
	/* Fields 14 and 15, counted after the ")" that ends the name. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)((ut + st) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return cluster_free(&c);
}

/* Replaces "key = …" in n's config (the harness writes every [delivery]
 * key once, and a key may not be given twice). */
static void
set_conf(node_proc_t *n, const char *key, const char *value)
{
	char buf[16384], out[16384], *line, *save = NULL;
	size_t used = 0, klen = strlen(key);
	FILE *f = fopen(n->conf, "r");
	size_t got;
	bool found = false;

	assert_non_null(f);
	got = fread(buf, 1, sizeof(buf) - 1, f);
	buf[got] = '\0';
	fclose(f);
	out[0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			used += (size_t)snprintf(out + used, sizeof(out) - used, "%s = %s\n", key, value);
			found = true;
		} else {
			used += (size_t)snprintf(out + used, sizeof(out) - used, "%s\n", line);
		}
	}
	assert_true(found);
	f = fopen(n->conf, "w");
	assert_non_null(f);
	fputs(out, f);
	fclose(f);
}

/* Long resend delays: without a nudge from the recovering node its peers
 * would resend only after 20 s (±20 %), well after RECOVER_MS. */
static void
slow_resend(node_proc_t *n)
{
	set_conf(n, "resend_initial", "20s");
	set_conf(n, "resend_max", "60s");
}

/* Starts n with one variable set in its environment only. */
static void
start_with(node_proc_t *n, const char *name, const char *value)
{
	setenv(name, value, 1);
	assert_int_equal(node_start(n), 0);
	unsetenv(name);
}

static void
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	close(fd);
}

/* famlinkctl status (the table) mentions text, within timeout_ms. */
static bool
wait_status(node_proc_t *n, const char *text, int timeout_ms)
{
	const char *args[] = {"status", NULL};
	char out[8192] = "";

	for (int64_t end = now_ms() + timeout_ms; now_ms() <= end; sleep_ms(50)) {
		ctl_run(n, out, sizeof(out), args);
		if (strstr(out, text))
			return true;
	}
	fprintf(stderr, "wait_status %s: no \"%s\" in:\n%s\n", n->id, text, out);
	return false;
}

/* Every count of an exchange of `per` referrals from each municipality
 * that must hold once it is done: each message exactly once. */
static bool
exchange_done(cluster_t *c, int per)
{
	int total = per * c->nmuni;

	if (db_long(&c->hub, "SELECT count(*) FROM inbox WHERE body_type = 'referral'") != total ||
	    db_long(&c->hub, "SELECT count(*) FROM outbox WHERE body_type = 'referral_ack'"
	    " AND state = 'delivered'") != total)
		return false;
	for (int i = 0; i < c->nmuni; i++)
		if (db_long(&c->muni[i], "SELECT count(*) FROM outbox WHERE state = 'delivered'") != per ||
		    db_long(&c->muni[i], "SELECT count(*) FROM inbox WHERE body_type = 'referral_ack'")
		    != per)
			return false;
	return true;
}

static void
assert_exactly_once(cluster_t *c, int per)
{
	int total = per * c->nmuni;

	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox WHERE body_type = 'referral'"), total);
	assert_int_equal(db_long(&c->hub, "SELECT count(DISTINCT referral_id) FROM inbox"), total);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM referrals"), total);
	/* One ReferralAck per referral, each delivered. */
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM outbox WHERE body_type = 'referral_ack'"), total);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE"
	    " body_type = 'referral_ack' GROUP BY peer, referral_id HAVING count(*) > 1)"), 0);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM outbox WHERE state <> 'delivered'"), 0);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM dead_letters"), 0);
	for (int i = 0; i < c->nmuni; i++) {
		node_proc_t *m = &c->muni[i];
		assert_int_equal(db_long(m, "SELECT count(*) FROM outbox"), per);
		assert_int_equal(db_long(m, "SELECT count(*) FROM outbox WHERE state = 'delivered'"), per);
		assert_int_equal(db_long(m, "SELECT count(*) FROM inbox WHERE body_type = 'referral_ack'"), per);
		assert_int_equal(db_long(m, "SELECT count(DISTINCT referral_id) FROM inbox"), per);
		assert_int_equal(db_long(m, "SELECT count(*) FROM dead_letters"), 0);
	}
}

/* Waits for the whole exchange; false after timeout_ms. */
static bool
wait_exchange(cluster_t *c, int per, int timeout_ms)
{
	for (int64_t end = now_ms() + timeout_ms; now_ms() <= end; sleep_ms(20))
		if (exchange_done(c, per))
			return true;
	return false;
}

/* A full disk at `at` (the hub or a municipality) for HOLD_MS while two
 * municipalities send. The recovering node nudges its peers: everything
 * arrives within RECOVER_MS of the disk having room again, although the
 * peers would otherwise wait 20 s for their next resend. */
static void
full_disk(void **state, bool at_hub)
{
	cluster_t *c = *state = cluster_new(2, NULL);
	node_proc_t *at = at_hub ? &c->hub : &c->muni[0];
	char flag[300];
	int64_t start, cleared, took;
	long cpu;
	int errors;

	slow_resend(&c->muni[0]);
	slow_resend(&c->muni[1]);
	slow_resend(&c->hub);
	/* One municipality greets the hub every 2 s, so the hub's Hello after
	 * the fault answers one of them; the other every 30 s (the default),
	 * so that Hello comes unasked. Both must resend at once. */
	set_conf(&c->muni[1], "keepalive", "30s");
	snprintf(flag, sizeof(flag), "%s/disk-full", c->root);
	start_with(at, "FAMLINK_FAULT_FULL", flag);
	for (int i = 0; i < c->nmuni + 1; i++) {
		node_proc_t *n = i == 0 ? &c->hub : &c->muni[i - 1];
		if (n != at)
			assert_int_equal(node_start(n), 0);
	}
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM peers WHERE connected = 1", 2, T));
	assert_true(wait_status(at, "store: ok", T));
	assert_true(wait_log(at, "fault injection is on", T));

	touch(flag);
	start = now_ms();
	/* The second municipality's referrals meet the full store first (at
	 * the hub: they are lost with the batch that failed). */
	assert_int_equal(enqueue_referrals(&c->muni[1], "0102-2026", 1, 20, 20), 0);
	if (at_hub)
		assert_true(wait_status(at, "store: full since", T));
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 20, 20), 0);
	assert_true(wait_status(at, "store: full since", T));
	/* Hold the fault; meanwhile nothing gets through the full node, and it
	 * does not spin: it reads nothing, and tries a write every 2 s. */
	cpu = cpu_ms(at->pid);
	sleep_ms((int)(HOLD_MS - (now_ms() - start) > 0 ? HOLD_MS - (now_ms() - start) : 0));
	cpu = cpu_ms(at->pid) - cpu;
	fprintf(stderr, "%s used %ld ms of CPU while full\n", at->id, cpu);
	assert_true(cpu >= 0 && cpu < 1000);
	assert_true(wait_status(at, "store: full since", 1000));
	if (at_hub)
		assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox"), 0);
	else
		assert_int_equal(db_long(at, "SELECT count(*) FROM outbox WHERE state = 'delivered'"), 0);
	errors = log_count(at, "<3>");

	unlink(flag);
	cleared = now_ms();
	assert_true(wait_exchange(c, 20, T));
	took = now_ms() - cleared;
	fprintf(stderr, "%s full for %lld ms: all delivered %lld ms after it cleared\n", at->id,
	    (long long)(cleared - start), (long long)took);
	assert_true(took <= RECOVER_MS);
	assert_exactly_once(c, 20);

	/* The log: one error line when it began, none per attempt (every
	 * 100 ms to 2 s for 8 s), one line when it cleared. */
	assert_true(errors >= 1);
	assert_true(errors <= 3);
	assert_int_equal(log_count(at, "store is full"), 1);
	assert_int_equal(log_count(at, "store works again"), 1);
	assert_true(wait_status(at, "store: ok since", T));
	/* The nudge made the peers resend, not their timers. */
	if (!at_hub)
		assert_true(log_has(at, "so that both sides resend at once"));
	else
		assert_true(log_has(&c->muni[0], "has not applied what we sent before our Hello") &&
		    log_has(&c->muni[1], "greeted us unasked"));
	assert_int_equal(node_stop(at), 0);
	assert_true(wait_status(at, "store: unknown", T));
}

static void
test_hub_disk_full(void **state)
{
	full_disk(state, true);
}

static void
test_municipality_disk_full(void **state)
{
	full_disk(state, false);
}

/* Another process holds the hub's write lock (BEGIN EXCLUSIVE) for
 * HOLD_MS while the municipalities send: status shows "locked", the log
 * holds a few lines, and everything arrives soon after the lock goes. */
static void
test_hub_store_locked(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);
	char path[600];
	sqlite3 *db = NULL;
	int64_t start, cleared, took;
	int errors;

	slow_resend(&c->muni[0]);
	slow_resend(&c->muni[1]);
	slow_resend(&c->hub);
	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM peers WHERE connected = 1", 2, T));
	snprintf(path, sizeof(path), "%s/famlink.db", c->hub.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	assert_int_equal(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	start = now_ms();
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 20, 20), 0);
	assert_int_equal(enqueue_referrals(&c->muni[1], "0102-2026", 1, 20, 20), 0);
	/* The daemon waits its busy time-out (5 s) once, then reports. */
	assert_true(wait_status(&c->hub, "store: locked since", HOLD_MS));
	sleep_ms((int)(HOLD_MS - (now_ms() - start) > 0 ? HOLD_MS - (now_ms() - start) : 0));
	assert_true(wait_status(&c->hub, "store: locked since", 1000));
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox"), 0);
	errors = log_count(&c->hub, "<3>");

	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cleared = now_ms();
	assert_true(wait_exchange(c, 20, T));
	took = now_ms() - cleared;
	fprintf(stderr, "hub locked for %lld ms: all delivered %lld ms after it was let go\n",
	    (long long)(cleared - start), (long long)took);
	assert_true(took <= RECOVER_MS);
	assert_exactly_once(c, 20);
	assert_true(errors >= 1);
	assert_true(errors <= 3);
	assert_int_equal(log_count(&c->hub, "store is locked"), 1);
	assert_int_equal(log_count(&c->hub, "store works again"), 1);
	assert_true(wait_status(&c->hub, "store: ok since", T));
}

/* The store turns out damaged while the daemon runs (its reads return
 * garbage, so SQLite says SQLITE_CORRUPT): an error line, and the daemon
 * stops with exit status 5 (store damaged) instead of going on with it. */
static void
test_damaged_store_stops(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char flag[300];

	snprintf(flag, sizeof(flag), "%s/corrupt", c->root);
	assert_int_equal(node_start(&c->hub), 0);
	start_with(&c->muni[0], "FAMLINK_FAULT_CORRUPT", flag);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM peers WHERE connected = 1", 1, T));
	touch(flag);
	/* famlinkctl (no fault) queues a message and wakes the daemon, which
	 * reads the outbox to send it. */
	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 1, 1), 0);
	assert_int_equal(node_wait(&c->muni[0], T), 5);
	assert_true(log_has(&c->muni[0], "<3>store is damaged"));
	assert_false(log_has(&c->muni[0], "stopping\n"));
	/* Started again on a store that reads well, it delivers. */
	unlink(flag);
	assert_int_equal(node_start(&c->muni[0]), 0);
	assert_true(wait_db(&c->muni[0], "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1, T));
}

/* One iteration of test_write_fault_loop: the n-th write of `at` fails. */
static void
write_fault(cluster_t *c, node_proc_t *at, int n, int count, const char *kind, bool at_start,
    int *recovered, int *stopped)
{
	char num[32], prefix[16];
	const char *what;
	int64_t end;

	snprintf(num, sizeof(num), "%d,%d", n, count);
	setenv("FAMLINK_FAULT_KIND", kind, 1);
	if (at_start) {
		/* The fault meets the daemon making its store, or (after a
		 * kill -9 left peers marked connected) its first write. */
		if (at->pid != 0)
			node_kill9(at);
		start_with(at, "FAMLINK_FAULT_WRITE", num);
	}
	unsetenv("FAMLINK_FAULT_KIND");
	for (int i = 0; i < c->nmuni + 1; i++) {
		node_proc_t *o = i == 0 ? &c->hub : &c->muni[i - 1];
		if (o->pid == 0 && (o != at || !at_start))
			assert_int_equal(node_start(o), 0);
	}
	if (!at_start) {
		/* Stores made and migrated first: the fault is for the traffic. */
		assert_true(wait_db(&c->hub, "SELECT count(*) FROM peers WHERE connected = 1", 2, T));
		assert_int_equal(node_stop(at), 0);
		setenv("FAMLINK_FAULT_KIND", kind, 1);
		start_with(at, "FAMLINK_FAULT_WRITE", num);
		unsetenv("FAMLINK_FAULT_KIND");
	}
	for (int i = 0; i < c->nmuni; i++) {
		snprintf(prefix, sizeof(prefix), "%04d-2026", 101 + i);
		assert_int_equal(enqueue_referrals(&c->muni[i], prefix, 1, 50, 50), 0);
	}
	for (end = now_ms() + 4 * T; now_ms() <= end && !exchange_done(c, 50); sleep_ms(20)) {
		int rc = node_wait(at, 0);
		if (rc != -2) {
			/* It stopped: only with status 1, saying why; run it again
			 * (without the fault: it is in this process's past). */
			assert_int_equal(rc, 1);
			assert_true(log_has(at, "cannot start"));
			(*stopped)++;
			assert_int_equal(node_start(at), 0);
		}
	}
	if (!exchange_done(c, 50)) {
		fprintf(stderr, "write fault %s (%s) at %s: not all delivered\n", num, kind, at->id);
		c->keep = true;
	}
	assert_true(exchange_done(c, 50));
	assert_exactly_once(c, 50);
	what = log_has(at, "store works again") ? "recovered in place"
	    : log_has(at, "cannot start") ? "stopped at start, started again" : "fault not reached";
	if (log_has(at, "store works again"))
		(*recovered)++;
	fprintf(stderr, "write %s (%s) at %s%s: %s\n", num, kind, at->id,
	    at_start ? " from its start" : "", what);
}

/* The n-th SQLite write (xWrite, xSync, xTruncate) of one daemon fails
 * (every fourth run: the 5 writes from the n-th on), for n from 1 to 40
 * and a few more, while 2 municipalities send 50 referrals each: a fault
 * while the daemon starts stops it (exit 1: it is started again without
 * the fault); a fault in traffic is retried and recovered from in place.
 * Whatever was hit, each message arrives exactly once. */
static void
test_write_fault_loop(void **state)
{
	static const int more[] = { 55, 80, 120, 200 };
	int stopped = 0, recovered = 0;

	for (int k = 0; k < 40 + 4; k++) {
		int n = k < 40 ? k + 1 : more[k - 40];
		cluster_t *c = *state = cluster_new(2, NULL);
		/* Municipalities write less than the hub: only the lower n. */
		node_proc_t *at = k % 3 == 0 && n < 60 ? &c->muni[k % 2] : &c->hub;

		write_fault(c, at, n, k % 4 == 3 ? 5 : 1, k % 2 ? "ioerr" : "full",
		    n <= 3 || k % 7 == 5, &recovered, &stopped);
		assert_int_equal(cluster_free(&c), 0);
		*state = NULL;
	}
	fprintf(stderr, "write faults: %d recovered in place, %d stopped and started again\n",
	    recovered, stopped);
	/* The spread reaches both: faults at start and faults in traffic. */
	assert_true(recovered >= 20);
	assert_true(stopped >= 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hub_disk_full, teardown),
		cmocka_unit_test_teardown(test_municipality_disk_full, teardown),
		cmocka_unit_test_teardown(test_hub_store_locked, teardown),
		cmocka_unit_test_teardown(test_damaged_store_stops, teardown),
		cmocka_unit_test_teardown(test_write_fault_loop, teardown),
	};
	if (getenv("FAMLINK_TEST_FILTER"))   /* e.g. "*loop*" */
		cmocka_set_test_filter(getenv("FAMLINK_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
