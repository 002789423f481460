/*
 * Integration: famlinkd under systemd. The unit file's hardening, as
 * `systemd-analyze security --offline=yes` scores it (exposure below 2.0,
 * DESIGN.md §9), and `systemd-analyze verify` of it (both run without a
 * running systemd, so they work in a container; skipped where there is no
 * systemd-analyze). Then what famlinkd tells systemd, read from a
 * NOTIFY_SOCKET the test binds: READY=1, STATUS=, WATCHDOG=1 at half of
 * WATCHDOG_USEC, RELOADING=1 and READY=1 around SIGHUP, STOPPING=1 on
 * SIGTERM, in that order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define UNIT "systemd/famlinkd.service"   /* tests run from the top folder */
#define T 15000

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return c ? cluster_free(&c) : 0;
}

static bool
have_systemd_analyze(void)
{
	return system("command -v systemd-analyze >/dev/null 2>&1") == 0;
}

/* Runs cmd through sh; its exit status, stdout and stderr in out. */
static int
run(const char *cmd, char *out, size_t len)
{
	char full[1500];
	FILE *p;
	size_t used;
	int status;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	if ((p = popen(full, "r")) == NULL)
		fail_msg("popen %s: %s", cmd, strerror(errno));
	used = fread(out, 1, len - 1, p);
	out[used] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_unit_exposure_is_below_2(void **state)
{
	char out[65536];
	const char *at;
	double exposure;

	(void)state;
	if (!have_systemd_analyze())
		skip();
	if (access(UNIT, R_OK) != 0)
		fail_msg("%s: %s (run from the repository's top folder)", UNIT, strerror(errno));
	run("systemd-analyze security --offline=yes --no-pager " UNIT, out, sizeof(out));
	if ((at = strstr(out, "Overall exposure level for famlinkd.service: ")) == NULL)
		fail_msg("no exposure level in systemd-analyze's output:\n%s", out);
	exposure = strtod(at + strlen("Overall exposure level for famlinkd.service: "), NULL);
	if (!(exposure < 2.0))
		fail_msg("exposure %.1f, not below 2.0:\n%s", exposure, out);
}

/* verify wants ExecStart's program to exist: a copy of the unit runs the
 * famlinkd just built. It needs no running systemd. */
static void
test_unit_verifies(void **state)
{
	cluster_t *c = *state = cluster_new(0, NULL);
	char cmd[1500], out[65536], famlinkd[600], *abs;

	if (!have_systemd_analyze())
		skip();
	abs = realpath(getenv("FAMLINK_BUILD") ? getenv("FAMLINK_BUILD") : "build", NULL);
	assert_non_null(abs);
	snprintf(famlinkd, sizeof(famlinkd), "%s/famlinkd", abs);
	free(abs);
	snprintf(cmd, sizeof(cmd),
	    "sed 's#^ExecStart=[^ ]*famlinkd #ExecStart=%s #' " UNIT " > %s/famlinkd.service",
	    famlinkd, c->root);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	snprintf(cmd, sizeof(cmd), "grep -q '^ExecStart=%s ' %s/famlinkd.service", famlinkd,
	    c->root);
	assert_int_equal(run(cmd, out, sizeof(out)), 0);
	snprintf(cmd, sizeof(cmd), "systemd-analyze verify %s/famlinkd.service", c->root);
	if (run(cmd, out, sizeof(out)) != 0 || out[0] != '\0')
		fail_msg("systemd-analyze verify:\n%s", out);
}

/* ---- the notify protocol ------------------------------------------------ */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
notify_bind(cluster_t *c, char *path, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(path, len, "%s/notify", c->root);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* The next datagram within timeout_ms, NUL-terminated in buf; false on
 * time-out. */
static bool
notify_next(int fd, char *buf, size_t len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t got;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return false;
	if ((got = recv(fd, buf, len - 1, 0)) < 0)
		return false;
	buf[got] = '\0';
	return true;
}

/* Waits for the datagram that begins with want. On the way WATCHDOG=1 and
 * STATUS= may come at any time (counted in *pings when asked); anything
 * else out of order fails. */
static void
expect(int fd, const char *want, int timeout_ms, int *pings)
{
	int64_t end = now_ms() + timeout_ms;
	char msg[4096];

	for (;;) {
		int64_t left = end - now_ms();
		if (left <= 0 || !notify_next(fd, msg, sizeof(msg), (int)left))
			fail_msg("no %s within %d ms", want, timeout_ms);
		if (strncmp(msg, want, strlen(want)) == 0)
			return;
		if (strcmp(msg, "WATCHDOG=1") == 0) {
			if (pings)
				(*pings)++;
			continue;
		}
		if (strncmp(msg, "STATUS=", 7) == 0)
			continue;
		fail_msg("waiting for %s, got %s", want, msg);
	}
}

static void
test_notify_protocol(void **state)
{
	cluster_t *c = *state = cluster_new(0, NULL);
	char path[300], msg[4096];
	int fd = notify_bind(c, path, sizeof(path)), pings = 0;
	int64_t end;

	/* famlinkd inherits the test's environment (harness.c's node_start). */
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "2000000", 1);
	assert_int_equal(node_start(&c->hub), 0);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");

	expect(fd, "READY=1", T, NULL);
	/* The first STATUS= right after READY=1: nothing comes between. */
	if (!notify_next(fd, msg, sizeof(msg), T))
		fail_msg("no STATUS= after READY=1");
	if (strncmp(msg, "STATUS=", 7) != 0 || strstr(msg, "peer(s) connected") == NULL ||
	    strstr(msg, "0 message(s) waiting") == NULL)
		fail_msg("after READY=1: %s, not STATUS=… peer(s) connected, 0 message(s) waiting",
		    msg);

	/* A ping every second: two at least in 3 s. */
	end = now_ms() + 3000;
	while (pings < 2 && now_ms() < end) {
		if (!notify_next(fd, msg, sizeof(msg), (int)(end - now_ms())))
			break;
		if (strcmp(msg, "WATCHDOG=1") == 0)
			pings++;
		else if (strncmp(msg, "STATUS=", 7) != 0)
			fail_msg("waiting for WATCHDOG=1, got %s", msg);
	}
	if (pings < 2)
		fail_msg("%d WATCHDOG=1 in 3 s with WATCHDOG_USEC=2000000, not 2", pings);

	node_signal(&c->hub, SIGHUP);
	expect(fd, "RELOADING=1", T, NULL);
	expect(fd, "READY=1", T, NULL);
	assert_true(wait_log(&c->hub, "reload: ", T));

	kill(c->hub.pid, SIGTERM);
	expect(fd, "STOPPING=1", T, NULL);
	assert_int_equal(node_wait(&c->hub, T), 0);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_exposure_is_below_2),
		cmocka_unit_test_teardown(test_unit_verifies, teardown),
		cmocka_unit_test_teardown(test_notify_protocol, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
