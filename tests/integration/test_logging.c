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

#include "harness.h"

#define T 15000   /* ms: a time-out, never a wait */

static int
teardown(void **state)
{
	cluster_t *c = *state;
	unsetenv("JOURNAL_STREAM");
	return c ? cluster_free(&c) : 0;
}

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_lines_carry_utc_time, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
