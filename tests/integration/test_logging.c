/*
 * Integration: what famlinkd's log looks like and who sets its level. Real
 * processes, stderr to a file (not the journal): every line starts with its
 * UTC time; SIGHUP applies log_level from the config and names only the
 * restart-only keys that changed; famlinkctl log-level changes the running
 * daemon's level without touching the config.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "harness.h"

#define T 15000   /* ms: a time-out, never a wait */

static int
teardown(void **state)
{
	cluster_t *c = *state;
	unsetenv("JOURNAL_STREAM");
	return c ? cluster_free(&c) : 0;
}

/* How many whole lines of n's log start with a "<N>" priority, and how
 * many whole lines it has (one being written does not count). */
static int
log_lines_starting_prio(node_proc_t *n, int *lines)
{
	char path[600], *text, *line, *end;
	int count = 0;

	snprintf(path, sizeof(path), "%s/log", n->dir);
	text = file_text(path);
	*lines = 0;
	for (line = text; (end = strchr(line, '\n')) != NULL; line = end + 1) {
		(*lines)++;
		count += line[0] == '<' && line[1] >= '0' && line[1] <= '7' && line[2] == '>';
	}
	free(text);
	return count;
}

/* Under the journal (stderr is the stream JOURNAL_STREAM names) lines keep
 * their <N> first and carry no time: journald stamps them itself. The
 * harness's log file stands in for the journal's stream. */
static void
test_journal_lines_have_no_time(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char path[600], val[64];
	struct stat st;
	int fd, lines;

	snprintf(path, sizeof(path), "%s/log", c->hub.dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	snprintf(val, sizeof(val), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", val, 1);
	assert_int_equal(node_start(&c->hub), 0);
	unsetenv("JOURNAL_STREAM");
	assert_true(wait_log(&c->hub, node_started_text(&c->hub), T));
	if (log_lines_starting_prio(&c->hub, &lines) != lines) {
		char *text = file_text(path);
		fail_msg("not every line starts with <N>:\n%s", text);   /* leaks: the test ends */
	}
	assert_true(lines > 0);
}

/* Replaces the first `from` in n's config with `to`. */
static void
conf_replace(node_proc_t *n, const char *from, const char *to)
{
	char *text = file_text(n->conf), *at = strstr(text, from);
	FILE *f;

	assert_non_null(at);
	assert_non_null(f = fopen(n->conf, "w"));
	fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	assert_int_equal(fclose(f), 0);
	free(text);
}

/* The hub's debug line for a message it took from the municipality. */
#define ACCEPTED ") from municipality:0101 accepted"

/* Outside the journal every line carries its time, also when the journal's
 * variable was inherited but stderr points elsewhere. */
static void
test_lines_carry_utc_time(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);

	setenv("JOURNAL_STREAM", "1:1", 1);
	assert_int_equal(cluster_start_waited(c, T), 0);
	assert_int_equal(log_lines_untimed(&c->hub), 0);
	assert_int_equal(log_lines_untimed(&c->muni[0]), 0);
	assert_true(log_has(&c->hub, "Z <"));
}

/* SIGHUP applies log_level; the reload names the restart-only keys that
 * changed, and says nothing of them when none did. */
static void
test_reload_applies_log_level(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *hub = &c->hub, *m = &c->muni[0];
	char bind[64], moved[64];

	assert_int_equal(cluster_start_waited(c, T), 0);
	conf_replace(hub, "log_level = debug", "log_level = info");
	node_signal(hub, SIGHUP);
	assert_true(wait_log(hub, "reload: log level info", T));
	assert_false(log_has(hub, "restart"));
	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 1, 1), 0);
	assert_true(wait_db(m, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1, T));
	assert_false(log_has(hub, ACCEPTED));

	conf_replace(hub, "log_level = info", "log_level = debug");
	node_signal(hub, SIGHUP);
	assert_true(wait_log(hub, "reload: log level debug", T));
	assert_int_equal(enqueue_referrals(m, "0101-2026", 2, 1, 1), 0);
	assert_true(wait_log(hub, ACCEPTED, T));
	assert_false(log_has(hub, "restart"));

	/* One restart-only key changed: named, and only it. */
	snprintf(bind, sizeof(bind), "bind = tcp://127.0.0.1:%d", c->port);
	snprintf(moved, sizeof(moved), "bind = tcp://127.0.0.1:%d", c->port + 1);
	conf_replace(hub, bind, moved);
	node_signal(hub, SIGHUP);
	assert_true(wait_log(hub, "<4>reload: [listen] bind changed; that takes a restart,"
	    " the rest is reloaded", T));
	assert_int_equal(log_lines_untimed(hub), 0);
}

/* famlinkctl log-level: at once, logged at notice, the config untouched, a
 * reload back to the config's level; exit 1 when famlinkd does not run, 2
 * for a level it does not know. */
static void
test_ctl_log_level(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *hub = &c->hub, *m = &c->muni[0];
	static const char *const info[] = {"log-level", "info", NULL};
	static const char *const debug[] = {"log-level", "debug", NULL};
	static const char *const bad[] = {"log-level", "loud", NULL};
	char out[1024], *conf_before, *conf_after;

	/* Before famlinkd ever ran: nothing to talk to. */
	assert_int_equal(ctl_run(hub, out, sizeof(out), debug), 1);
	assert_non_null(strstr(out, "famlinkd is not running on "));
	assert_int_equal(ctl_run(hub, out, sizeof(out), bad), 2);
	assert_non_null(strstr(out, "err, warning, notice, info or debug"));

	assert_int_equal(cluster_start_waited(c, T), 0);
	conf_before = file_text(hub->conf);
	assert_int_equal(ctl_run(hub, out, sizeof(out), info), 0);
	assert_non_null(strstr(out, "famlinkd logs at info now"));
	assert_true(wait_log(hub, "<5>log level set to info by famlinkctl", T));
	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 1, 1), 0);
	assert_true(wait_db(m, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1, T));
	assert_false(log_has(hub, ACCEPTED));
	conf_after = file_text(hub->conf);
	assert_string_equal(conf_before, conf_after);
	free(conf_before);
	free(conf_after);

	/* A reload goes back to the config's level (debug). */
	node_signal(hub, SIGHUP);
	assert_true(wait_log(hub, "reload: log level debug", T));
	assert_int_equal(enqueue_referrals(m, "0101-2026", 2, 1, 1), 0);
	assert_true(wait_log(hub, ACCEPTED, T));

	/* Stopped: exit 1 again, and the socket is gone. */
	assert_int_equal(node_stop(hub), 0);
	assert_int_equal(ctl_run(hub, out, sizeof(out), debug), 1);
	assert_non_null(strstr(out, "famlinkd is not running on "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_lines_carry_utc_time, teardown),
		cmocka_unit_test_teardown(test_journal_lines_have_no_time, teardown),
		cmocka_unit_test_teardown(test_reload_applies_log_level, teardown),
		cmocka_unit_test_teardown(test_ctl_log_level, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
