/*
 * Integration: the exec adapter on real daemons. The hub runs an
 * [adapter case] of type exec whose program is a small sh script written
 * into the cluster's folder; flag files there make it fail, hang or wait,
 * and it leaves behind what it was given (stdin, environment, descriptors,
 * working folder) and a line per run. A municipality sends referrals: the
 * program gets each as the envelope's JSON with its id; the municipality
 * learns HANDED_OVER; a failure is retried until it goes through, a hang
 * is killed after the timeout, a run cut short by famlinkd's stop or
 * crash comes again with the same FAMLINK_MESSAGE_ID, and a stuck adapter
 * raises one notification and one when it clears, across a restart too.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define T 15000                 /* ms: generous, for sanitizer builds on a loaded machine */
#define HUB (&c->hub)
#define MUNI (&c->muni[0])
#define RID "0101-2026-000001"

/* The program. It records the run, then takes its stdin and what it was
 * given; flag files in $D make it hang ignoring SIGTERM (once), wait
 * while `slow` exists, or fail. */
static const char script[] =
    "#!/bin/sh\n"
    "D='%s'\n"
    "id=\"$FAMLINK_MESSAGE_ID\"\n"
    "echo \"$id\" >> \"$D/calls\"\n"
    "echo $$ > \"$D/sh.pid\"\n"
    "cat > \"$D/in.$id.json\"\n"
    "env > \"$D/env.$id\"\n"
    "ls /proc/self/fd > \"$D/fds.$id\"\n"
    "pwd > \"$D/cwd.$id\"\n"
    "echo \"note for $id\" >&2\n"
    "if [ -e \"$D/hang\" ]; then\n"
    "  rm -f \"$D/hang\"\n"
    "  trap '' TERM\n"
    "  sleep 1000 &\n"
    "  echo $! > \"$D/sleep.pid\"\n"
    "  wait\n"
    "fi\n"
    "while [ -e \"$D/slow\" ]; do sleep 0.05; done\n"
    "[ -e \"$D/fail\" ] && { echo \"failing on purpose\" >&2; exit 3; }\n"
    "echo \"$id\" >> \"$D/done\"\n"
    "exit 0\n";

/* The files the script reads and writes, below the cluster's root. */
static void
path_of(const cluster_t *c, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/x/%s", c->root, name);
}

/* A hub with [adapter case] running the script, with more keys (each
 * "key = value\n"). */
static cluster_t *
exec_cluster(const char *keys)
{
	static char extra[2048];
	cluster_t *c = cluster_new(1, NULL);
	char dir[400], prog[400];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/x", c->root);
	snprintf(prog, sizeof(prog), "%s/handover.sh", c->root);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_non_null(f = fopen(prog, "w"));
	fprintf(f, script, dir);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(prog, 0700), 0);
	snprintf(extra, sizeof(extra), "\n[adapter case]\ntype = exec\nprogram = %s\n%s", prog,
	    keys);
	c->hub_extra = extra;
	cluster_write_hub_conf(c);
	return c;
}

static void
flag(const cluster_t *c, const char *name, bool on)
{
	char p[600];
	FILE *f;

	path_of(c, name, p, sizeof(p));
	if (!on) {
		assert_true(unlink(p) == 0 || errno == ENOENT);
		return;
	}
	assert_non_null(f = fopen(p, "w"));
	fclose(f);
}

/* The whole of a file the script wrote into buf ("" if there is none). */
static const char *
slurp(const cluster_t *c, const char *name, char *buf, size_t len)
{
	char p[600];
	size_t n = 0;
	FILE *f;

	path_of(c, name, p, sizeof(p));
	if ((f = fopen(p, "r")) != NULL) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int
lines(const cluster_t *c, const char *name)
{
	char buf[8192];
	int n = 0;

	for (const char *p = slurp(c, name, buf, sizeof(buf)); *p; p++)
		n += *p == '\n';
	return n;
}

static bool
wait_lines(const cluster_t *c, const char *name, int want, int timeout_ms)
{
	struct timespec nap = { 0, 20 * 1000000L };

	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		if (lines(c, name) >= want)
			return true;
		nanosleep(&nap, NULL);
	}
	fprintf(stderr, "wait_lines %s: %d lines, wanted %d\n", name, lines(c, name), want);
	return false;
}

/* Whether the pid in the file the script wrote has gone (or is a zombie
 * nobody has reaped yet: it runs no more). */
static bool
process_gone(const cluster_t *c, const char *pidfile)
{
	char buf[64], stat_path[64], st[256];
	FILE *f;
	long pid = atol(slurp(c, pidfile, buf, sizeof(buf)));
	const char *state;

	assert_true(pid > 0);
	snprintf(stat_path, sizeof(stat_path), "/proc/%ld/stat", pid);
	if ((f = fopen(stat_path, "r")) == NULL)
		return true;
	st[0] = '\0';
	if (fgets(st, sizeof(st), f) == NULL)
		st[0] = '\0';
	fclose(f);
	state = strrchr(st, ')');
	return state == NULL || state[1] == '\0' || state[2] == 'Z';
}

static bool
wait_gone(const cluster_t *c, const char *pidfile, int timeout_ms)
{
	struct timespec nap = { 0, 20 * 1000000L };

	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		if (process_gone(c, pidfile))
			return true;
		nanosleep(&nap, NULL);
	}
	return false;
}

/* Sends the referral rid from the municipality: its message id into id. */
static void
send_referral(cluster_t *c, const char *rid, char id[64])
{
	char json[1024], out[4096];
	const char *at;

	snprintf(json, sizeof(json), "{\"referral\": {\"referralId\": \"%s\", \"kind\":"
	    " \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\", \"decision\":"
	    " {\"taken\": true, \"decidedOn\": \"2025-01-15\", \"legalBasis\": \"LEGAL_BASIS_SOL\"},"
	    " \"child\": {\"alias\": \"Alias-Exec\", \"birthYear\": 2016},"
	    " \"secretary\": {\"name\": \"Test Secretary\"}}}", rid);
	if (ctl_send_json(MUNI, "--json", json, out, sizeof(out)) != 0)
		fail_msg("send %s refused: %s", rid, out);
	if ((at = strstr(out, "\"messageId\":\"")) == NULL)
		fail_msg("send --json printed no messageId: %s", out);
	snprintf(id, 64, "%.26s", at + 13);
}

/* Whether the municipality, the sender, has id recorded handed over: SQL
 * for its store, 1 or 0. */
static const char *
handed_over_sql(const char *id)
{
	static char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE message_id = '%s' AND"
	    " handed_over_at IS NOT NULL", id);
	return sql;
}

static long
handed_over_at_sender(cluster_t *c, const char *id)
{
	return db_long(MUNI, handed_over_sql(id));
}

static bool
wait_handed_over(cluster_t *c, const char *id)
{
	return wait_db(MUNI, handed_over_sql(id), 1, T);
}

/* Every line of the calls file is id. */
static void
all_calls_are(cluster_t *c, const char *id, int n)
{
	char buf[8192], want[8192] = "";

	for (int i = 0; i < n; i++)
		strcat(want, id), strcat(want, "\n");
	assert_string_equal(slurp(c, "calls", buf, sizeof(buf)), want);
}

/* The referral arrives at the program as the envelope's JSON with its
 * ids, in a clean environment with no descriptor of famlinkd's; the
 * sender learns it was handed over. */
static void
test_exec_hands_over(void **state)
{
	cluster_t *c = *state = exec_cluster("timeout = 10s\n");
	char id[64], name[128], buf[8192], line[256];
	json_t *in;
	json_error_t jerr;

	setenv("FAMLINK_TEST_SECRET", "not-for-the-program", 1);
	assert_int_equal(cluster_start(c), 0);
	unsetenv("FAMLINK_TEST_SECRET");
	send_referral(c, RID, id);
	assert_true(wait_handed_over(c, id));
	all_calls_are(c, id, 1);

	snprintf(name, sizeof(name), "in.%s.json", id);
	in = json_loads(slurp(c, name, buf, sizeof(buf)), 0, &jerr);
	if (in == NULL)
		fail_msg("stdin was not JSON (%s): %s", jerr.text, buf);
	assert_string_equal(json_str_at(in, "messageId"), id);
	assert_string_equal(json_str_at(in, "sender"), MUNI->id);
	assert_string_equal(json_str_at(in, "recipient"), HUB->id);
	assert_string_equal(json_str_at(in, "referralId"), RID);
	assert_string_equal(json_str_at(in, "bodyType"), "referral");
	assert_string_equal(json_str_at(json_object_get(json_object_get(json_object_get(in,
	    "body"), "referral"), "child"), "alias"), "Alias-Exec");
	assert_int_equal(json_array_size(json_object_get(in, "unknownFields")), 0);
	json_decref(in);
	assert_int_equal(strchr(buf, '\n') - buf, (long)strlen(buf) - 1);   /* one line */

	snprintf(name, sizeof(name), "env.%s", id);
	slurp(c, name, buf, sizeof(buf));
	snprintf(line, sizeof(line), "FAMLINK_MESSAGE_ID=%s\n", id);
	assert_non_null(strstr(buf, line));
	assert_non_null(strstr(buf, "FAMLINK_SENDER=municipality:0101\n"));
	assert_non_null(strstr(buf, "FAMLINK_BODY_TYPE=referral\n"));
	assert_non_null(strstr(buf, "FAMLINK_REFERRAL_ID=" RID "\n"));
	assert_non_null(strstr(buf, "FAMLINK_ADAPTER=case\n"));
	assert_non_null(strstr(buf, "FAMLINK_RECEIVED_AT=1"));
	assert_non_null(strstr(buf, "PATH="));
	assert_null(strstr(buf, "FAMLINK_TEST_SECRET"));  /* famlinkd's own: not passed */
	assert_null(strstr(buf, "FAMLINK_BUILD"));
	snprintf(name, sizeof(name), "fds.%s", id);
	assert_string_equal(slurp(c, name, buf, sizeof(buf)), "0\n1\n2\n3\n");  /* 3: ls's own */
	snprintf(name, sizeof(name), "cwd.%s", id);
	assert_string_equal(slurp(c, name, buf, sizeof(buf)), "/\n");

	/* Recorded at the hub, stderr logged with the ids, never content. */
	snprintf(buf, sizeof(buf), "SELECT count(*) FROM inbox i JOIN inbox_handover h ON"
	    " h.inbox_id = i.id WHERE i.message_id = '%s' AND h.told_at > 0", id);
	assert_int_equal(db_long(HUB, buf), 1);
	assert_int_equal(db_long(HUB, "SELECT attempts FROM handovers WHERE adapter = 'case'"), 0);
	snprintf(line, sizeof(line), "adapter case: message %s: stderr: note for %s", id, id);
	assert_true(wait_log(HUB, line, T));
	assert_false(log_has(HUB, "Alias-Exec"));
	assert_false(log_has(HUB, "Test Secretary"));
	assert_int_equal(handed_over_at_sender(c, id), 1);
	assert_int_equal(node_stop(HUB), 0);
}

/* While the program fails the store shows the attempts and the last
 * error; the hub retries on its own, with its sender gone (no traffic
 * wakes it); once the program succeeds the message is handed over, the
 * failures are cleared, and the sender learns it when it comes back. */
static void
test_exec_fails_then_succeeds(void **state)
{
	cluster_t *c = *state = exec_cluster("");
	char id[64], sql[256];
	long attempts;

	flag(c, "fail", true);
	assert_int_equal(cluster_start(c), 0);
	send_referral(c, RID, id);
	assert_true(wait_db(MUNI, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1, T));
	assert_int_equal(node_stop(MUNI), 0);
	attempts = db_long(HUB, "SELECT attempts FROM handovers WHERE adapter = 'case'");
	snprintf(sql, sizeof(sql), "SELECT attempts >= %ld FROM handovers", attempts + 2);
	assert_true(wait_db(HUB, sql, 1, T));
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM handovers WHERE adapter = 'case' AND"
	    " last_error = 'program ended with exit 3' AND failing_since IS NOT NULL"), 1);
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM inbox_handover"), 0);
	assert_true(wait_log(HUB, "stderr: failing on purpose", T));
	assert_true(log_has(HUB, "not handed over (attempt 1): program ended with exit 3"));

	flag(c, "fail", false);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM inbox WHERE message_id = '%s' AND"
	    " id IN (SELECT inbox_id FROM inbox_handover)", id);
	assert_true(wait_db(HUB, sql, 1, T));
	assert_int_equal(lines(c, "done"), 1);
	assert_true(lines(c, "calls") >= 3);
	all_calls_are(c, id, lines(c, "calls"));
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM handovers WHERE adapter = 'case' AND"
	    " attempts = 0 AND last_error IS NULL AND failing_since IS NULL"), 1);
	assert_true(wait_log(HUB, "adapter case: handed over again after", T));

	/* The hub may not have noticed the sender go (its HANDED_OVER then went
	 * nowhere): the sender learns it at its next session all the same. */
	assert_int_equal(handed_over_at_sender(c, id), 0);
	assert_int_equal(node_start(MUNI), 0);
	assert_true(wait_handed_over(c, id));
	snprintf(sql, sizeof(sql), "SELECT h.told_at > 0 FROM inbox i JOIN inbox_handover h ON"
	    " h.inbox_id = i.id WHERE i.message_id = '%s'", id);
	assert_int_equal(db_long(HUB, sql), 1);
}

/* A run past its timeout that ignores SIGTERM is killed with its whole
 * process group, counts as a failure, and the retry goes through. */
static void
test_exec_hang_killed(void **state)
{
	cluster_t *c = *state = exec_cluster("timeout = 1s\n");
	char id[64], line[256];

	flag(c, "hang", true);
	assert_int_equal(cluster_start(c), 0);
	send_referral(c, RID, id);
	assert_true(wait_lines(c, "calls", 1, T));
	snprintf(line, sizeof(line), "adapter case: message %s: program still running after"
	    " 1000 ms: SIGTERM", id);
	assert_true(wait_log(HUB, line, T));
	assert_int_equal(handed_over_at_sender(c, id), 0);
	assert_true(wait_log(HUB, "SIGKILL", T));
	assert_true(wait_log(HUB, "program timed out after 1000 ms (signal 9)", T));
	assert_true(wait_gone(c, "sleep.pid", T));   /* the script's own child too */
	assert_true(wait_handed_over(c, id));
	all_calls_are(c, id, 2);
	assert_int_equal(lines(c, "done"), 1);
}

/* A run cut short by famlinkd's stop (killed, not recorded) and one cut
 * short by its crash (the program may even finish) come again with the
 * same FAMLINK_MESSAGE_ID: the program's idempotency key. */
/* Waits until n's log has want lines with text: false after T. */
static bool
wait_log_count(node_proc_t *n, const char *text, int want)
{
	for (int waited = 0; waited < T; waited += 20) {
		if (log_count(n, text) >= want)
			return true;
		usleep(20 * 1000);
	}
	return log_count(n, text) >= want;
}

static void
test_exec_same_id_after_stop_and_crash(void **state)
{
	cluster_t *c = *state = exec_cluster("");
	char id[64];
	int notes;

	flag(c, "slow", true);
	assert_int_equal(cluster_start(c), 0);
	send_referral(c, RID, id);
	assert_true(wait_lines(c, "calls", 1, T));
	assert_int_equal(node_stop(HUB), 0);           /* SIGTERM: the run is killed */
	assert_true(log_has(HUB, "program stopped with famlinkd"));
	assert_true(process_gone(c, "sh.pid"));
	assert_int_equal(handed_over_at_sender(c, id), 0);

	notes = log_count(HUB, "stderr: note for");   /* the first run may not have got so far */
	assert_int_equal(node_start(HUB), 0);
	assert_true(wait_lines(c, "calls", 2, T));
	/* Its stderr line read by famlinkd first: written after famlinkd is
	 * gone, it would end the program (SIGPIPE) before it can succeed. */
	assert_true(wait_log_count(HUB, "stderr: note for", notes + 1));
	node_kill9(HUB);                               /* the run outlives famlinkd */
	flag(c, "slow", false);                        /* …and succeeds, unrecorded */
	assert_true(wait_lines(c, "done", 1, T));
	assert_int_equal(handed_over_at_sender(c, id), 0);

	assert_int_equal(node_start(HUB), 0);
	assert_true(wait_handed_over(c, id));
	all_calls_are(c, id, 3);
	assert_int_equal(lines(c, "done"), 2);
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM inbox_handover"), 1);
}

#define STUCK "SELECT count(*) FROM notifications WHERE event = 'adapter_stuck' AND" \
	" adapter = 'case'"
#define CLEARED "SELECT count(*) FROM notifications WHERE event = 'adapter_cleared' AND" \
	" adapter = 'case'"

/* Failing past stuck_after raises one adapter_stuck, not one per attempt
 * nor again after a restart; going through raises one adapter_cleared. */
static void
test_exec_stuck_notified_once(void **state)
{
	cluster_t *c = *state = exec_cluster("stuck_after = 1s\n");
	char id[64], id2[64], id3[64], sql[128];
	long attempts;

	flag(c, "fail", true);
	assert_int_equal(cluster_start(c), 0);
	send_referral(c, RID, id);
	assert_true(wait_db(HUB, STUCK, 1, T));
	assert_true(wait_log(HUB, "adapter case: stuck", T));
	assert_int_equal(db_long(HUB, "SELECT stuck_since IS NOT NULL FROM handovers"), 1);
	assert_true(wait_db(HUB, "SELECT attempts >= 3 FROM handovers", 1, T));
	assert_int_equal(db_long(HUB, STUCK), 1);

	assert_int_equal(node_stop(HUB), 0);           /* a restart, still failing */
	attempts = db_long(HUB, "SELECT attempts FROM handovers");
	snprintf(sql, sizeof(sql), "SELECT attempts > %ld FROM handovers", attempts);
	assert_int_equal(node_start(HUB), 0);
	assert_true(wait_db(HUB, sql, 1, T));          /* it ran, and failed, again */
	assert_int_equal(db_long(HUB, STUCK), 1);
	assert_int_equal(db_long(HUB, CLEARED), 0);

	flag(c, "fail", false);
	assert_true(wait_handed_over(c, id));
	assert_true(wait_db(HUB, CLEARED, 1, T));
	assert_int_equal(db_long(HUB, "SELECT stuck_since IS NULL FROM handovers"), 1);
	assert_true(wait_log(HUB, "adapter case: no longer stuck", T));

	/* Well again: a second message goes through, a restart changes nothing. */
	send_referral(c, "0101-2026-000002", id2);
	assert_true(wait_handed_over(c, id2));
	assert_int_equal(node_stop(HUB), 0);
	assert_int_equal(node_start(HUB), 0);
	send_referral(c, "0101-2026-000003", id3);
	assert_true(wait_handed_over(c, id3));
	assert_int_equal(db_long(HUB, STUCK), 1);
	assert_int_equal(db_long(HUB, CLEARED), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_exec_hands_over, cluster_teardown),
		cmocka_unit_test_teardown(test_exec_fails_then_succeeds, cluster_teardown),
		cmocka_unit_test_teardown(test_exec_hang_killed, cluster_teardown),
		cmocka_unit_test_teardown(test_exec_same_id_after_stop_and_crash, cluster_teardown),
		cmocka_unit_test_teardown(test_exec_stuck_notified_once, cluster_teardown),
	};

	return cmocka_run_group_tests_name("adapter_exec", tests, NULL, NULL);
}
