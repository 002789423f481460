/*
 * Integration: `famlinkctl status --check`, the verdict a monitor reads.
 * A municipality connected to its hub is healthy (0); with the hub gone it
 * is degraded (1), naming the hub as disconnected, and so it is while its
 * config file has a problem (it is read in part, not refused); with its own famlinkd
 * stopped it is failing (2), and says famlinkd is not running rather than
 * showing any peer connected. The JSON form gives the same verdict.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS 15000
#define MUNI (&c->muni[0])
#define HUB (&c->hub)

/* status --check on n: its exit status, its output in out. */
static int
check(node_proc_t *n, char *out, size_t len, bool json)
{
	const char *args[] = { "status", "--check", json ? "--json" : NULL, NULL };

	return ctl_run(n, out, len, args);
}

/* Waits until status --check on n exits want and says text (NULL: any):
 * false after WAIT_MS. */
static bool
wait_verdict_saying(node_proc_t *n, int want, const char *text, char *out, size_t len)
{
	for (int waited = 0; waited < WAIT_MS; waited += 50) {
		if (check(n, out, len, false) == want && (text == NULL || strstr(out, text)))
			return true;
		usleep(50 * 1000);
	}
	return false;
}

static bool
wait_verdict(node_proc_t *n, int want, char *out, size_t len)
{
	return wait_verdict_saying(n, want, NULL, out, len);
}

static void
test_status_check_verdicts(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char out[8192], want[200];
	json_t *j;

	assert_int_equal(cluster_start(c), 0);
	if (!wait_verdict(MUNI, 0, out, sizeof(out)))
		fail_msg("connected, want OK (0): %s", out);
	assert_non_null(strstr(out, "OK: municipality:0101, 0 problem(s)"));

	/* A config half-way through an edit does not blind the monitor. */
	{
		FILE *f = fopen(MUNI->conf, "a");
		assert_non_null(f);
		fputs("\nno_such_key = 1\n", f);
		fclose(f);
	}
	assert_int_equal(check(MUNI, out, sizeof(out), false), 1);
	assert_non_null(strstr(out, "degraded: config: 1 problem(s), see famlinkd --check-config"));
	cluster_write_muni_conf(c, MUNI);
	assert_int_equal(check(MUNI, out, sizeof(out), false), 0);

	/* A hub that is down is not a wrong key: unreachable (after a moment
	 * of "disconnected", until libzmq's next dial finds nobody). */
	assert_int_equal(node_stop(HUB), 0);
	snprintf(want, sizeof(want), "degraded: peer %s: unreachable since", HUB->id);
	if (!wait_verdict_saying(MUNI, 1, want, out, sizeof(out)))
		fail_msg("hub stopped, want DEGRADED (1) saying \"%s\": %s", want, out);

	assert_int_equal(node_stop(MUNI), 0);
	assert_int_equal(check(MUNI, out, sizeof(out), false), 2);
	assert_non_null(strstr(out, "FAILING"));
	assert_non_null(strstr(out, "failing: famlinkd is not running"));
	assert_null(strstr(out, "connected"));
	assert_int_equal(check(MUNI, out, sizeof(out), true), 2);
	assert_non_null(j = json_loads(out, 0, NULL));
	assert_string_equal(json_str_at(j, "verdict"), "failing");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_status_check_verdicts, cluster_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
