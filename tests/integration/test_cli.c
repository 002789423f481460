/*
 * Integration: what a new operator types first. famlinkd and famlinkctl run
 * as real processes: --version, --help per verb, and famlinkctl on a node
 * whose daemon never ran (exit 3, plain message, nothing created), and
 * send --dry-run (nothing created, queued or changed).
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"
#include "version.h"

#define RUN_MS 10000   /* ms: these programs answer at once; this only stops a hang */

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return c ? cluster_free(&c) : 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads fd into out until EOF or the deadline; false on time-out. */
static bool
read_until_eof(int fd, char *out, size_t outlen, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t used = 0;
	char sink[4096];
	ssize_t got;

	for (;;) {
		int left = (int)(deadline - now_ms());
		if (left <= 0 || poll(&p, 1, left) == 0)
			return false;
		if (used + 1 < outlen)
			got = read(fd, out + used, outlen - used - 1);
		else
			got = read(fd, sink, sizeof(sink));   /* drain so the child can exit */
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (used + 1 < outlen)
			used += (size_t)got;
	}
	out[used] = '\0';
	return true;
}

/* Runs FAMLINK_BUILD/name with args (no --config added, unlike ctl_run);
 * its exit status, with stdout+stderr in out. Fails the test on a hang. */
static int
run_prog(const char *name, const char *const *args, char *out, size_t outlen)
{
	const char *b = getenv("FAMLINK_BUILD");
	char path[1024];
	const char *argv[16];
	int fds[2], status, argc = 0;
	bool done;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", b ? b : "build", name);
	argv[argc++] = name;
	for (int i = 0; args[i] != NULL && argc < 15; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	done = read_until_eof(fds[0], out, outlen, now_ms() + RUN_MS);
	close(fds[0]);
	if (!done)
		kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!done)
		fail_msg("%s did not finish within %d ms", name, RUN_MS);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The names in dir, sorted into one string, to compare before and after. */
static void
list_dir(const char *dir, char *out, size_t outlen)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t used = 0;

	assert_true(n >= 0);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(out + used, outlen - used, "%s\n", names[i]->d_name);
		if (w > 0 && (size_t)w < outlen - used)
			used += (size_t)w;
		free(names[i]);
	}
	free(names);
}

static void
test_version(void **state)
{
	static const char *const args[] = {"--version", NULL};
	char out[512];

	(void)state;
	assert_int_equal(run_prog("famlinkd", args, out, sizeof(out)), 0);
	assert_string_equal(out, "famlinkd " FAMLINK_VERSION "\n");
	assert_int_equal(run_prog("famlinkctl", args, out, sizeof(out)), 0);
	assert_string_equal(out, "famlinkctl " FAMLINK_VERSION "\n");
}

static void
test_famlinkd_help(void **state)
{
	static const char *const args[] = {"--help", NULL};
	char out[4096];

	(void)state;
	assert_int_equal(run_prog("famlinkd", args, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "usage: famlinkd --config FILE"));
	assert_non_null(strstr(out, "--check-config"));
	assert_non_null(strstr(out, "--version"));
	assert_non_null(strstr(out, "[monitor] section"));
}

/* `status --help` is about status alone, and `help status` says the same. */
static void
test_status_help(void **state)
{
	static const char *const after[] = {"status", "--help", NULL};
	static const char *const verb[] = {"help", "status", NULL};
	char out[4096], again[4096];

	(void)state;
	assert_int_equal(run_prog("famlinkctl", after, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "usage: famlinkctl [-c FILE] status [--check] [--json]"));
	assert_non_null(strstr(out, "--json"));
	assert_non_null(strstr(out, "3  no store"));
	assert_non_null(strstr(out, "example:\n  famlinkctl "));
	assert_null(strstr(out, "keygen"));   /* not the general usage */
	assert_int_equal(run_prog("famlinkctl", verb, again, sizeof(again)), 0);
	assert_string_equal(out, again);
}

/* Every verb has its own help with exit statuses and an example. */
static void
test_every_verb_help(void **state)
{
	static const char *const names[] = {"keygen", "send", "status", "queue", "audit",
	    "backup", "log-level", "inbox", "show", NULL};
	char out[4096], want[128];

	(void)state;
	for (int i = 0; names[i] != NULL; i++) {
		const char *args[] = {names[i], "--help", NULL};
		assert_int_equal(run_prog("famlinkctl", args, out, sizeof(out)), 0);
		snprintf(want, sizeof(want), " %s ", names[i]);
		assert_non_null(strstr(out, want));
		assert_non_null(strstr(out, "exit status:\n  0  ok\n  1  error"));
		assert_non_null(strstr(out, "example:\n"));
	}
}

/* The man pages are made from the --help texts: famlinkctl(8) holds every
 * verb's, famlinkd(8) famlinkd's (which names where the examples are), and
 * famlink.conf(5) the annotated example configs. */
static void
test_man_pages(void **state)
{
	static const char *const top[] = {"--help", NULL};
	char out[8192], path[600], want[128], *man, *line, *save = NULL;
	const char *b = getenv("FAMLINK_BUILD") ? getenv("FAMLINK_BUILD") : "build";
	int verbs = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/man/famlinkctl.8", b);
	man = file_text(path);
	assert_int_equal(run_prog("famlinkctl", top, out, sizeof(out)), 0);
	for (line = strtok_r(strstr(out, "verbs:\n"), "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char verb[32];
		if (strncmp(line, "  ", 2) != 0 || sscanf(line, "  %31[a-z-] ", verb) != 1)
			continue;
		if (verb[0] == '-')
			break;   /* "  -c, --config": the verbs are done */
		snprintf(want, sizeof(want), "%s %s ", strcmp(verb, "keygen") == 0 ? "famlinkctl"
		    : "famlinkctl [-c FILE]", verb);
		if (strstr(man, want) == NULL)
			fail_msg("famlinkctl.8 lacks \"%s\"", want);
		verbs++;
	}
	assert_true(verbs >= 16);
	free(man);

	snprintf(path, sizeof(path), "%s/man/famlinkd.8", b);
	man = file_text(path);
	assert_int_equal(run_prog("famlinkd", top, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "share/doc/famlink"));
	assert_non_null(strstr(man, "share/doc/famlink"));
	assert_non_null(strstr(man, "  7  group or others may write the state directory"));
	free(man);

	snprintf(path, sizeof(path), "%s/man/famlink.conf.5", b);
	man = file_text(path);
	assert_non_null(strstr(man, "runtime_dir = /run/famlink"));
	assert_non_null(strstr(man, "peer_silent = 1h"));
	free(man);
}

/* An option of another verb is a usage error (2), not silently ignored. */
static void
test_foreign_option(void **state)
{
	static const char *const args[] = {"status", "--force", NULL};
	char out[4096];

	(void)state;
	assert_int_equal(run_prog("famlinkctl", args, out, sizeof(out)), CTL_USAGE);
	assert_non_null(strstr(out, "no option --force"));
}

/* Before famlinkd ever ran: status and queue say so, exit 3, create nothing. */
static void
test_no_store(void **state)
{
	cluster_t *c = *state = cluster_new(0, NULL);
	static const char *const status[] = {"status", NULL};
	static const char *const queue[] = {"queue", "--json", NULL};
	char before[2048], after[2048], out[4096], want[1200];

	list_dir(c->hub.dir, before, sizeof(before));
	assert_null(strstr(before, "famlink.db"));
	snprintf(want, sizeof(want), "famlinkctl: no store at %s/famlink.db: famlinkd has not "
	    "run on this node yet (state_dir = %s)\n", c->hub.dir, c->hub.dir);
	assert_int_equal(ctl_run(&c->hub, out, sizeof(out), status), CTL_NO_STORE);
	assert_string_equal(out, want);
	assert_int_equal(ctl_run(&c->hub, out, sizeof(out), queue), CTL_NO_STORE);
	assert_string_equal(out, want);
	list_dir(c->hub.dir, after, sizeof(after));
	assert_string_equal(before, after);
}

/* Runs famlinkd --check-config on the hub's config. */
static int
check_config(cluster_t *c, char *out, size_t outlen)
{
	const char *const args[] = {"--check-config", "-c", c->hub.conf, NULL};

	return run_prog("famlinkd", args, out, outlen);
}

/* --check-config finds what famlinkd would refuse at start: a state
 * directory group or others may write (the daemon's exit 7), with the
 * config's line; one they may only list is a warning; root is told whose
 * directory it is. */
static void
test_check_config_state_dir(void **state)
{
	cluster_t *c = *state = cluster_new(0, NULL);
	char out[4096], want[2400];

	assert_int_equal(chmod(c->hub.dir, 0700), 0);
	assert_int_equal(check_config(c, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s: ok\n", c->hub.conf);
	assert_string_equal(out, want);

	assert_int_equal(chmod(c->hub.dir, 0770), 0);
	assert_int_equal(check_config(c, out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "%s:4: %s: state directory mode 0770 lets group write in "
	    "it (remove or replace the store); chmod 700 %s; famlinkd refuses to start "
	    "(exit 7)\n", c->hub.conf, c->hub.dir, c->hub.dir);
	assert_string_equal(out, want);

	assert_int_equal(chmod(c->hub.dir, 0755), 0);
	assert_int_equal(check_config(c, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s:4: warning: %s: state directory mode 0755 lets group "
	    "and others list it", c->hub.conf, c->hub.dir);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, ": ok\n"));

	assert_int_equal(chmod(c->hub.dir, 0700), 0);
	if (geteuid() == 0 && getpwnam("nobody") != NULL) {
		assert_int_equal(chown(c->hub.dir, getpwnam("nobody")->pw_uid, (gid_t)-1), 0);
		assert_int_equal(check_config(c, out, sizeof(out)), 0);
		snprintf(want, sizeof(want), "%s:4: note: state directory %s is owned by nobody: "
		    "famlinkd must run as nobody (User=nobody in its unit), not as root\n",
		    c->hub.conf, c->hub.dir);
		assert_non_null(strstr(out, want));
		assert_int_equal(chown(c->hub.dir, 0, (gid_t)-1), 0);
	}
}

/* send may come first: it makes the store, and status then works. */
static void
test_send_before_daemon(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	static const char *const status[] = {"status", NULL};
	char out[4096];

	assert_int_equal(enqueue_referrals(&c->muni[0], "0101-2026", 1, 1, 1), 0);
	assert_int_equal(ctl_run(&c->muni[0], out, sizeof(out), status), 0);
	assert_non_null(strstr(out, "pool:test"));
	assert_int_equal(db_long(&c->muni[0], "SELECT count(*) FROM outbox WHERE state = 'queued'"), 1);
}

/* Root sending before famlinkd's first start would leave a store famlinkd
 * (the state directory's owner) cannot open: refused, saying whom to run
 * as. Only when the test runs as root. */
static void
test_root_makes_no_first_store(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char path[700], json[700], out[4096];

	if (geteuid() != 0)
		skip();
	snprintf(json, sizeof(json), "%s/r.json", c->muni[0].dir);
	write_referral_json(json, "0101-2026-000001");
	assert_int_equal(chown(c->muni[0].dir, 65534, (gid_t)-1), 0);
	{
		const char *args[] = { "send", json, NULL };
		assert_int_equal(ctl_run(&c->muni[0], out, sizeof(out), args), 1);
	}
	assert_non_null(strstr(out, "famlinkctl runs as root"));
	assert_non_null(strstr(out, "uid 65534"));
	snprintf(path, sizeof(path), "%s/famlink.db", c->muni[0].dir);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(chown(c->muni[0].dir, 0, (gid_t)-1), 0);
}

/* send --dry-run checks as send does and queues nothing: before famlinkd's
 * first start it makes no store; with one, it changes nothing in it, says
 * which sequence the message would get, and refuses what send refuses in
 * send's words. */
static void
test_send_dry_run(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	char path[700], path2[700], before[2048], after[2048], out[4096], sent[4096];
	const char *dry[] = {"send", "--dry-run", path, NULL};
	const char *dry_json[] = {"send", "--dry-run", "--json", path, NULL};
	const char *dry2[] = {"send", "--dry-run", path2, NULL};
	const char *real[] = {"send", path, NULL};
	char rows[256], tmp[300];

	snprintf(path, sizeof(path), "%s/referral.json", m->dir);
	snprintf(path2, sizeof(path2), "%s/referral2.json", m->dir);
	write_referral_json(path, "0101-2026-0042");
	write_referral_json(path2, "0101-2026-0043");
	/* Where the empty store of a dry run before the first start goes. */
	snprintf(tmp, sizeof(tmp), "%s/tmp", c->root);
	assert_int_equal(mkdir(tmp, 0700), 0);
	setenv("TMPDIR", tmp, 1);
	list_dir(m->dir, before, sizeof(before));
	assert_int_equal(ctl_run(m, out, sizeof(out), dry), 0);
	assert_non_null(strstr(out, "would queue "));
	assert_non_null(strstr(out, "(referral, referral 0101-2026-0042) for pool:test, sequence 1\n"));
	assert_non_null(strstr(out, "dry run: nothing was queued\n"));
	assert_int_equal(ctl_run(m, out, sizeof(out), dry_json), 0);
	assert_non_null(strstr(out, "\"sequence\":\"1\",\"body\":\"referral\",\"queued\":false}\n"));
	list_dir(m->dir, after, sizeof(after));
	assert_string_equal(before, after);   /* no famlink.db, no famlink.id */
	list_dir(tmp, after, sizeof(after));
	unsetenv("TMPDIR");
	assert_string_equal(after, ".\n..\n");   /* its own store removed */

	assert_int_equal(ctl_run(m, sent, sizeof(sent), real), 0);
	snprintf(rows, sizeof(rows), "%s", send_rows(m));
	assert_int_equal(ctl_run(m, out, sizeof(out), dry2), 0);
	assert_non_null(strstr(out, "(referral, referral 0101-2026-0043) for pool:test, sequence 2\n"));
	assert_string_equal(send_rows(m), rows);
	/* Refused: exit 1 and the very words of send. */
	assert_int_equal(ctl_run(m, out, sizeof(out), dry), 1);
	assert_non_null(strstr(out, "referral not allowed: referral 0101-2026-0042 is submitted"));
	assert_int_equal(ctl_run(m, sent, sizeof(sent), real), 1);
	assert_string_equal(out, sent);
	assert_string_equal(send_rows(m), rows);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_famlinkd_help),
		cmocka_unit_test(test_status_help),
		cmocka_unit_test(test_every_verb_help),
		cmocka_unit_test(test_man_pages),
		cmocka_unit_test(test_foreign_option),
		cmocka_unit_test_teardown(test_no_store, teardown),
		cmocka_unit_test_teardown(test_check_config_state_dir, teardown),
		cmocka_unit_test_teardown(test_send_before_daemon, teardown),
		cmocka_unit_test_teardown(test_root_makes_no_first_store, teardown),
		cmocka_unit_test_teardown(test_send_dry_run, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
