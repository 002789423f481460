/*
 * test_link_view — the running daemon's view of its links (link_view.c) as
 * famlinkctl reads it: what was written comes back, the file grows when a
 * reload adds peers, is the same size whatever it holds (overwritten in
 * place), and a missing or foreign file is told apart.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "link_view.h"
#include "scratch.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	return scratch_make(dir, sizeof(dir), "link-view");
}

static int
teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

static off_t
file_size(void)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, LINK_VIEW_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	return st.st_size;
}

static void
test_round_trip(void **state)
{
	link_view_t *lv;
	link_entry_t in[3] = {
		{"municipality:0180", PEER_CONNECTED, 1796680000000},
		{"municipality:1480", PEER_DISCONNECTED, 1796680001000},
		{"pool:test", PEER_HANDSHAKE_FAILING, 1796680002000},
	}, *out;
	size_t n;
	int64_t started;
	err_t err;
	off_t size;

	(void)state;
	assert_int_equal(link_view_read(dir, &started, &out, &n, &err), 1);
	assert_int_equal(link_view_open(&lv, dir, 3, 1796679999000, &err), 0);
	assert_int_equal(link_view_read(dir, &started, &out, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(started, 1796679999000);
	size = file_size();
	assert_int_equal(link_view_write(lv, 1796679999000, in, 3, &err), 0);
	assert_int_equal(file_size(), size);
	assert_int_equal(link_view_read(dir, &started, &out, &n, &err), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(out[i].node_id, in[i].node_id);
		assert_int_equal(out[i].state, in[i].state);
		assert_int_equal(out[i].since_ms, in[i].since_ms);
	}
	free(out);
	/* Fewer lines later: nothing of the longer view before is left. */
	assert_int_equal(link_view_write(lv, 1796679999000, in, 1, &err), 0);
	assert_int_equal(link_view_read(dir, &started, &out, &n, &err), 0);
	assert_int_equal(n, 1);
	free(out);
	link_view_close(&lv);
	assert_null(lv);
}

/* A reload that allows hundreds more peers: the file grows to hold them. */
static void
test_grows(void **state)
{
	link_entry_t many[300], *out;
	link_view_t *lv;
	size_t n;
	int64_t started;
	err_t err;
	off_t size;

	(void)state;
	assert_int_equal(link_view_open(&lv, dir, 1, 1, &err), 0);
	size = file_size();
	for (int i = 0; i < 300; i++) {
		snprintf(many[i].node_id, sizeof(many[i].node_id), "municipality:%04d", i);
		many[i].state = (peer_state_t)(i % PEER_UNKNOWN);
		many[i].since_ms = 1796680000000 + i;
	}
	assert_int_equal(link_view_write(lv, 1, many, 300, &err), 0);
	assert_true(file_size() > size);
	assert_int_equal(link_view_read(dir, &started, &out, &n, &err), 0);
	assert_int_equal(n, 300);
	assert_string_equal(out[299].node_id, "municipality:0299");
	assert_int_equal(out[299].since_ms, 1796680000299);
	free(out);
	link_view_close(&lv);
}

static void
test_foreign_file(void **state)
{
	char path[128];
	link_entry_t *out;
	size_t n;
	int64_t started;
	err_t err;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/%s", dir, LINK_VIEW_FILE);
	assert_non_null(f = fopen(path, "w"));
	fputs("famlinkd links v1 started=5\npool:x connected 1\n", f);   /* no "end": cut */
	fclose(f);
	assert_int_equal(link_view_read(dir, &started, &out, &n, &err), -1);
	assert_non_null(strstr(err.msg, "not a link view famlinkd wrote"));
	assert_string_equal(peer_state_name(PEER_REFUSED_BY_HUB), "refused by hub");
	assert_string_equal(peer_state_name(PEER_STATE_COUNT), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
