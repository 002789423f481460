/*
 * Integration: famlinkctl status is true in the failures that matter most.
 * A municipality killed with SIGKILL is shown disconnected at the hub within
 * twice the keepalive; a hub that is down is "unreachable", not a wrong key;
 * a wrong hub key is "handshake failing"; a key the hub revokes by SIGHUP is
 * "refused by hub" at once, while the other municipalities go on; a daemon
 * that is not running shows no peer connected; and a store whose ext4
 * filesystem went read-only (errors=remount-ro, triggered through sysfs) is
 * "read-only", with status --check failing, whether or not famlinkd can
 * still write its own view (runtime_dir elsewhere, or on the same disk).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define KEEPALIVE_MS 2000   /* the harness's [delivery] keepalive */
#define T 15000

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_t *
status_json(node_proc_t *n)
{
	static const char *const args[] = {"status", "--json", NULL};

	return ctl_json(n, args);
}

/* The peer's entry in n's status --json (a new reference), or NULL. */
static json_t *
peer_entry(node_proc_t *n, const char *peer)
{
	json_t *st = status_json(n), *p, *found = NULL;
	size_t i;

	json_array_foreach(json_object_get(st, "peers"), i, p)
		if (strcmp(json_str_at(p, "nodeId"), peer) == 0)
			found = json_incref(p);
	json_decref(st);
	return found;
}

/* Polls n's status until peer's state is want: its sinceMs, or fails the
 * test with the last state seen after timeout_ms. */
static int64_t
wait_state(node_proc_t *n, const char *peer, const char *want, int timeout_ms)
{
	int64_t end = mono_ms() + timeout_ms;
	char last[64] = "";

	for (;;) {
		json_t *p = peer_entry(n, peer);
		int64_t since = 0;
		if (p != NULL) {
			snprintf(last, sizeof(last), "%s", json_str_at(p, "state"));
			since = json_int_at(p, "sinceMs");
			json_decref(p);
		}
		if (strcmp(last, want) == 0)
			return since;
		if (mono_ms() > end)
			fail_msg("%s: peer %s is \"%s\" after %d ms, want \"%s\"", n->id, peer, last,
			    timeout_ms, want);
		usleep(100 * 1000);
	}
}

static void
status_text(node_proc_t *n, char *out, size_t len)
{
	static const char *const args[] = {"status", NULL};

	assert_int_equal(ctl_run(n, out, len, args), 0);
}

static int
status_check(node_proc_t *n, char *out, size_t len)
{
	static const char *const args[] = {"status", "--check", NULL};

	return ctl_run(n, out, len, args);
}

static void
connected_both_ways(cluster_t *c, node_proc_t *m)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "%s-2026", m->id + strlen("municipality:"));
	assert_int_equal(enqueue_referrals(m, prefix, 1, 1, 1), 0);
	wait_state(m, c->hub.id, "connected", T);
	wait_state(&c->hub, m->id, "connected", T);
}

/* SIGKILL leaves the hub nothing to notice but silence. */
static void
test_killed_municipality_shown_disconnected(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	int64_t killed_wall, killed, since, took;

	assert_int_equal(cluster_start_waited(c, T), 0);
	connected_both_ways(c, m);
	assert_true(wait_state(&c->hub, m->id, "connected", T) > 0);

	killed_wall = wall_ms();
	killed = mono_ms();
	node_kill9(m);
	since = wait_state(&c->hub, m->id, "disconnected", 4 * KEEPALIVE_MS);
	took = mono_ms() - killed;
	/* Twice the keepalive, looked at once a second. */
	if (took > 2 * KEEPALIVE_MS + 1500)
		fail_msg("shown disconnected %lld ms after the kill", (long long)took);
	assert_true(since >= killed_wall - 1000);

	/* Back as soon as it is heard from again. */
	assert_int_equal(node_start(m), 0);
	wait_state(&c->hub, m->id, "connected", T);
}

/* A hub that is down is unreachable; the hub's own status, with no daemon
 * running, shows nobody connected. */
static void
test_hub_down_is_unreachable(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	char out[8192];
	json_t *p;
	int64_t since;

	assert_int_equal(cluster_start_waited(c, T), 0);
	connected_both_ways(c, m);

	node_kill9(&c->hub);
	since = wait_state(m, c->hub.id, "unreachable", 4 * KEEPALIVE_MS);
	assert_true(since > 0);
	assert_int_equal(status_check(m, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "unreachable since"));

	status_text(&c->hub, out, sizeof(out));
	assert_non_null(strstr(out, "famlinkd is not running"));
	if (strstr(out, " connected ") != NULL)
		fail_msg("a peer shown connected while famlinkd is not running:\n%s", out);
	p = peer_entry(&c->hub, m->id);
	assert_non_null(p);
	assert_string_equal(json_str_at(p, "state"), "unknown");
	assert_false(json_is_true(json_object_get(p, "connected")));
	json_decref(p);
}

/* The municipality's config names a wrong hub key (the hub's with its first
 * character changed: any 32 bytes are a key): the hub answers, the handshake
 * fails: not "unreachable", not "refused". */
static void
test_wrong_hub_key_is_handshake_failing(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	char *conf, *at;
	FILE *f;

	conf = file_text(m->conf);
	assert_non_null(at = strstr(conf, c->hub.pub));
	*at = *at == 'a' ? 'b' : 'a';
	assert_non_null(f = fopen(m->conf, "w"));
	fputs(conf, f);
	fclose(f);
	free(conf);

	assert_int_equal(cluster_start_waited(c, T), 0);
	assert_true(wait_state(m, c->hub.id, "handshake failing", T) > 0);
}

/* The pool takes a municipality's key out (SIGHUP): its session is closed,
 * so it sees "refused by hub" without a restart; the other one reconnects
 * and its referrals still arrive. */
static void
test_revoked_key_refused_at_once(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);
	node_proc_t *gone = &c->muni[0], *stays = &c->muni[1];
	int64_t t0, took;

	assert_int_equal(cluster_start_waited(c, T), 0);
	connected_both_ways(c, gone);
	connected_both_ways(c, stays);

	gone->allowed = false;
	cluster_write_hub_conf(c);
	t0 = mono_ms();
	node_signal(&c->hub, SIGHUP);
	wait_state(gone, c->hub.id, "refused by hub", T);
	took = mono_ms() - t0;
	if (took > 2 * KEEPALIVE_MS)
		fail_msg("refused by hub only %lld ms after the reload", (long long)took);

	assert_int_equal(enqueue_referrals(stays, "0102-2026", 2, 1, 1), 0);
	wait_sql(&c->hub, "SELECT count(*) FROM inbox WHERE sender = 'municipality:0102'", 2);
	wait_state(stays, c->hub.id, "connected", T);
}

/* ---- a read-only filesystem under the store ---------------------------- */

typedef struct ro_disk {
	char image[600], mnt[600];
	bool mounted;
} ro_disk_t;

static int
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A 16 MiB ext4 with errors=remount-ro, loop-mounted: Debian's default for
 * a root filesystem, and what the kernel does to it after an I/O error. */
static bool
ro_disk_mount(ro_disk_t *d, const char *root)
{
	snprintf(d->image, sizeof(d->image), "%s/ext4.img", root);
	snprintf(d->mnt, sizeof(d->mnt), "%s/ext4", root);
	if (geteuid() != 0 || mkdir(d->mnt, 0700) != 0 ||
	    run("truncate -s 16M '%s' && mkfs.ext4 -q '%s' && mount -o loop,errors=remount-ro"
	    " '%s' '%s' 2>/dev/null", d->image, d->image, d->image, d->mnt) != 0)
		return false;
	d->mounted = true;
	return chmod(d->mnt, 0700) == 0;
}

/* What the kernel does on an ext4 error: the filesystem turns read-only
 * under the running daemon. */
static void
ro_disk_fail(ro_disk_t *d)
{
	assert_int_equal(run("echo 1 > /sys/fs/ext4/$(basename $(findmnt -n -o SOURCE '%s'))"
	    "/trigger_fs_error", d->mnt), 0);
}

static void
ro_disk_free(ro_disk_t *d)
{
	if (d->mounted)
		run("umount '%s' || umount -l '%s'", d->mnt, d->mnt);
	d->mounted = false;
	unlink(d->image);
	rmdir(d->mnt);
}

/* The municipality's store moves to the ext4; its runtime directory stays
 * on the test's disk, or (same_disk) goes with the store. */
static void
store_on(node_proc_t *m, const ro_disk_t *d, bool same_disk)
{
	char *conf = file_text(m->conf), *at;
	FILE *f;

	assert_non_null(at = strstr(conf, "state_dir = .\n"));
	assert_non_null(f = fopen(m->conf, "w"));
	/* A floor the 16 MiB disk can keep (the default, 32 MiB, it cannot). */
	fprintf(f, "%.*sstate_dir = %s\ndisk_free_limit = 1M\n%s%s", (int)(at - conf), conf,
	    d->mnt, same_disk ? "" : "runtime_dir = run\n", at + strlen("state_dir = .\n"));
	fclose(f);
	free(conf);
}

/* One at a time; the teardown unmounts it whatever failed. */
static ro_disk_t the_disk;

static int
ro_teardown(void **state)
{
	cluster_t *c = *state;

	if (c != NULL)
		node_kill9(&c->muni[0]);
	ro_disk_free(&the_disk);
	return cluster_teardown(state);
}

static void
read_only_case(void **state, bool same_disk)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	ro_disk_t *d = &the_disk;
	char out[8192];
	json_t *st, *store;

	memset(d, 0, sizeof(*d));
	if (!ro_disk_mount(d, c->root)) {
		print_message("skipped: needs root and loop devices to mount an ext4 image\n");
		skip();
	}
	store_on(m, d, same_disk);
	assert_int_equal(cluster_start_waited(c, T), 0);
	connected_both_ways(c, m);
	assert_int_equal(status_check(m, out, sizeof(out)), 0);

	ro_disk_fail(d);
	/* The next write (a keepalive's answer, a peer flush) finds it. */
	for (int64_t end = mono_ms() + T;; usleep(100 * 1000)) {
		st = status_json(m);
		store = json_object_get(st, "store");
		if (strcmp(json_str_at(store, "state"), "read-only") == 0)
			break;
		if (mono_ms() > end)
			fail_msg("store is \"%s\" on a read-only filesystem", json_str_at(store, "state"));
		json_decref(st);
	}
	assert_true(json_is_true(json_object_get(store, "readOnlyFilesystem")));
	json_decref(st);

	status_text(m, out, sizeof(out));
	assert_non_null(strstr(out, "store: read-only"));
	assert_non_null(strstr(out, "read-only filesystem"));
	assert_int_equal(status_check(m, out, sizeof(out)), 2);
	assert_non_null(strstr(out, "failing: store read-only"));
	if (!same_disk) {
		/* famlinkd's own view, from a disk it can still write. */
		assert_true(wait_log(m, "store is read-only", T));
	}

}

static void
test_read_only_filesystem(void **state)
{
	read_only_case(state, false);
}

static void
test_read_only_filesystem_runtime_dir_on_it(void **state)
{
	read_only_case(state, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_killed_municipality_shown_disconnected,
		    cluster_teardown),
		cmocka_unit_test_teardown(test_hub_down_is_unreachable, cluster_teardown),
		cmocka_unit_test_teardown(test_wrong_hub_key_is_handshake_failing, cluster_teardown),
		cmocka_unit_test_teardown(test_revoked_key_refused_at_once, cluster_teardown),
		cmocka_unit_test_teardown(test_read_only_filesystem, ro_teardown),
		cmocka_unit_test_teardown(test_read_only_filesystem_runtime_dir_on_it, ro_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
