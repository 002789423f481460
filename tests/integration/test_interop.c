/*
 * Interop: a real hub famlinkd on loopback and a client in another language,
 * tests/interop/famlink_client.py (Python 3, pyzmq, protobuf), written from
 * PROTOCOL.md and the .proto alone. The client plays municipality:0101 with
 * that node's keys (its famlinkd is never started), runs one scenario and
 * exits 0 when every expectation held; this side then checks the hub's store.
 * Each test builds its own cluster and removes it.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define T 15000                 /* ms: generous, for sanitizer builds on a loaded machine */
#define PYTHON "/usr/bin/python3"
#define CLIENT "tests/interop/famlink_client.py"
#define ANSWER_S "4"            /* the client's wait for each answer, seconds */
#define CLIENT_MAX_MS 60000     /* a client still running after this is killed */

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return cluster_free(&c);
}

/* A cluster whose hub runs and listens; municipality 0101 is the client's. */
static cluster_t *
hub_up(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);

	if (access(PYTHON, X_OK) != 0)
		fail_msg(PYTHON " not found: run tools/install-deps (python3-zmq, python3-protobuf, protobuf-compiler)");
	assert_int_equal(node_start(&c->hub), 0);
	assert_true(wait_log(&c->hub, "listening on", T));
	return c;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Runs the client's scenario against c's hub; its exit status (-1 if it was
 * killed). Its output goes to ours; report receives the path of its report. */
static int
run_client(cluster_t *c, const char *scenario, char *report, size_t reportlen)
{
	char endpoint[64], hub_pub[600], key[600], root[1024];
	int status = 0, waited = 0;
	pid_t pid, done;

	snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%d", c->port);
	snprintf(hub_pub, sizeof(hub_pub), "%s/node.pub", c->hub.dir);
	snprintf(key, sizeof(key), "%s/node.key", c->muni[0].dir);
	snprintf(report, reportlen, "%s/report-%s", c->root, scenario);
	assert_non_null(getcwd(root, sizeof(root)));
	const char *const argv[] = {
		PYTHON, CLIENT, "--scenario", scenario, "--endpoint", endpoint,
		"--hub-id", c->hub.id, "--hub-key-file", hub_pub,
		"--node-id", c->muni[0].id, "--key-file", key,
		"--root", root, "--report", report, "--timeout", ANSWER_S, NULL,
	};

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		execv(PYTHON, (char *const *)argv);
		_exit(127);
	}
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && waited < CLIENT_MAX_MS) {
		sleep_ms(20);
		waited += 20;
	}
	if (done == 0) {
		fprintf(stderr, "%s %s still running after %d ms: killed\n", CLIENT, scenario, CLIENT_MAX_MS);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		fprintf(stderr, "%s --scenario %s: exit %d (FAMLINK_KEEP=1 keeps the hub log)\n", CLIENT, scenario,
		    WEXITSTATUS(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The value of NAME in the client's report (a message or referral id: only
 * [0-9A-Za-z_-], so it can go into SQL as is). */
static const char *
report_get(const char *report, const char *name)
{
	static char value[4][80];
	static int next;
	char line[200], key[64], *v = value[next++ % 4];
	FILE *f = fopen(report, "r");

	if (f == NULL)
		fail_msg("%s: %s", report, strerror(errno));
	*v = '\0';
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %79s", key, v) == 2 && strcmp(key, name) == 0)
			break;
		else
			*v = '\0';
	fclose(f);
	if (*v == '\0')
		fail_msg("%s: no %s", report, name);
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			fail_msg("%s: %s %s is not an id", report, name, v);
	return v;
}

/* db_long with a formatted query. */
static long
hub_count(cluster_t *c, const char *fmt, ...)
{
	char sql[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return db_long(&c->hub, sql);
}

#define HUB_ACK_DELIVERED "SELECT count(*) FROM outbox WHERE body_type = 'referral_ack'" \
	" AND state = 'delivered'"

/* Hello, Referral 1 ACCEPTED, the hub's ReferralAck answered: delivered at the hub. */
static void
test_roundtrip(void **state)
{
	cluster_t *c = hub_up(state);
	char report[600], sql[256];

	assert_int_equal(run_client(c, "roundtrip", report, sizeof(report)), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE message_id = '%s'"
	    " AND state = 'delivered'", report_get(report, "ack"));
	assert_true(wait_db(&c->hub, sql, 1, T));
	assert_int_equal(hub_count(c, "SELECT count(*) FROM inbox WHERE message_id = '%s'"
	    " AND body_type = 'referral'", report_get(report, "referral")), 1);
	assert_int_equal(hub_count(c, "SELECT count(*) FROM referrals WHERE owner = 'municipality:0101'"
	    " AND referral_id = '%s'", report_get(report, "referral_id")), 1);
}

/* One hand-encoded round trip: Hello, Referral and Receipt in that style. */
static void
variant(void **state, const char *scenario)
{
	cluster_t *c = hub_up(state);
	char report[600];

	assert_int_equal(run_client(c, scenario, report, sizeof(report)), 0);
	assert_int_equal(hub_count(c, "SELECT count(*) FROM inbox WHERE message_id = '%s'",
	    report_get(report, "referral")), 1);
	assert_true(wait_db(&c->hub, HUB_ACK_DELIVERED, 1, T));
}

/* (a) every field in reverse field-number order, inside the body too. */
static void
test_reversed_fields(void **state)
{
	variant(state, "reversed");
}

/* (b) scalars holding their default written explicitly (confidential=false, 0, ""). */
static void
test_explicit_defaults(void **state)
{
	variant(state, "defaults");
}

/* (c) unknown fields (varint and length-delimited) before the body and in it. */
static void
test_unknown_fields(void **state)
{
	variant(state, "unknown");
}

/* (d) a Receipt with sequence 0 and referralId "" explicit settles the hub's ack. */
static void
test_receipt_explicit_defaults(void **state)
{
	cluster_t *c = hub_up(state);
	char report[600], sql[256];

	assert_int_equal(run_client(c, "receipt-defaults", report, sizeof(report)), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE message_id = '%s'"
	    " AND state = 'delivered'", report_get(report, "ack"));
	assert_true(wait_db(&c->hub, sql, 1, T));
}

/* A NUL in child.alias: REJECTED/MALFORMED with its id, the channel moves on,
 * and nothing of it is stored. */
static void
test_nul_in_string(void **state)
{
	cluster_t *c = hub_up(state);
	char report[600];

	assert_int_equal(run_client(c, "nul", report, sizeof(report)), 0);
	assert_int_equal(hub_count(c, "SELECT count(*) FROM inbox WHERE message_id = '%s'",
	    report_get(report, "nul")), 0);
	assert_int_equal(hub_count(c, "SELECT count(*) FROM referrals WHERE referral_id = '%s'",
	    report_get(report, "nul_referral_id")), 0);
	assert_int_equal(hub_count(c, "SELECT count(*) FROM inbox WHERE message_id = '%s'",
	    report_get(report, "next")), 1);
}

/* A duplicate under a new sequence is answered, not applied twice, and the
 * next message is not held up behind it. */
static void
test_duplicate_new_sequence(void **state)
{
	cluster_t *c = hub_up(state);
	char report[600];
	const char *a_rid;

	assert_int_equal(run_client(c, "duplicate", report, sizeof(report)), 0);
	a_rid = report_get(report, "a_referral_id");
	assert_int_equal(hub_count(c, "SELECT count(*) FROM inbox WHERE message_id = '%s'",
	    report_get(report, "a")), 1);
	assert_int_equal(hub_count(c, "SELECT count(*) FROM referrals WHERE referral_id = '%s'", a_rid), 1);
	assert_int_equal(hub_count(c, "SELECT count(*) FROM outbox WHERE body_type = 'referral_ack'"
	    " AND referral_id = '%s'", a_rid), 1);
	assert_int_equal(hub_count(c, "SELECT count(*) FROM inbox WHERE message_id = '%s'",
	    report_get(report, "b")), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_roundtrip, teardown),
		cmocka_unit_test_teardown(test_reversed_fields, teardown),
		cmocka_unit_test_teardown(test_explicit_defaults, teardown),
		cmocka_unit_test_teardown(test_unknown_fields, teardown),
		cmocka_unit_test_teardown(test_receipt_explicit_defaults, teardown),
		cmocka_unit_test_teardown(test_nul_in_string, teardown),
		cmocka_unit_test_teardown(test_duplicate_new_sequence, teardown),
	};
	return cmocka_run_group_tests_name("interop", tests, NULL, NULL);
}
