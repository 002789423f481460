/*
 * Integration: a node whose own traffic fills its store's filesystem (an
 * 8 MiB tmpfs, mode 0700, nothing else on it) never wedges. Below its
 * disk_free_limit famlinkctl send refuses, saying free, floor and path;
 * a hub leaves new messages unanswered, so the municipality keeps them
 * queued (none dead-lettered) and resends; what the sender saw
 * acknowledged is in the receiver's store; the outbox drains; status and
 * status --check show the disk; and famlinkd starts again on the full
 * disk. Needs root (mount); without it the tests say why and skip.
 */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS 30000
#define FLOOR "1M"
#define FLOOR_BYTES (1 << 20)
#define PER_CALL 40       /* referrals per famlinkctl send */
#define BATCH_BYTES_MAX (PER_CALL * 7000)   /* their envelopes, at most */
#define CALLS_MAX 200     /* 8,000 referrals of ~6 kB: far more than 8 MiB */
#define MUNI (&c->muni[0])
#define HUB (&c->hub)

typedef struct fixture {
	cluster_t *c;
	char mnt[600];
	bool mounted;
} fixture_t;

static char *
read_text(const char *path)
{
	char *t = file_text(path);

	if (t == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	return t;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		fail_msg("%s: %s", path, strerror(errno));
}

/* n's store moves to STATE/state, a fresh 8 MiB tmpfs; its config, keys
 * and log stay beside it. famlink.db is a symlink there, for the harness's
 * db_long(). Skips the test when the mount is not permitted. */
static void
mount_small_state(fixture_t *fx, node_proc_t *n)
{
	char path[700], *conf, *at, *patched;

	snprintf(fx->mnt, sizeof(fx->mnt), "%s/state", n->dir);
	if (mkdir(fx->mnt, 0700) != 0)
		fail_msg("%s: %s", fx->mnt, strerror(errno));
	if (mount("tmpfs", fx->mnt, "tmpfs", 0, "size=8m,mode=0700") != 0) {
		fprintf(stderr, "test_disk_full: cannot mount a tmpfs on %s (%s): needs root;"
		    " skipped\n", fx->mnt, strerror(errno));
		skip();
	}
	fx->mounted = true;
	snprintf(path, sizeof(path), "%s/famlink.db", n->dir);
	if (symlink("state/famlink.db", path) != 0)
		fail_msg("%s: %s", path, strerror(errno));
	conf = read_text(n->conf);
	if ((at = strstr(conf, "state_dir = .\n")) == NULL)
		fail_msg("%s: no state_dir line", n->conf);
	if ((patched = malloc(strlen(conf) + 100)) == NULL)
		fail_msg("out of memory");
	sprintf(patched, "%.*sstate_dir = state\ndisk_free_limit = " FLOOR "\n%s",
	    (int)(at - conf), conf, at + strlen("state_dir = .\n"));
	write_file(n->conf, patched);
	free(patched);
	free(conf);
}

static int
teardown(void **state)
{
	fixture_t *fx = *state;

	if (fx == NULL)
		return 0;
	node_stop(&fx->c->hub);
	for (int i = 0; i < fx->c->nmuni; i++)
		node_stop(&fx->c->muni[i]);
	if (fx->mounted && umount2(fx->mnt, 0) != 0 && umount2(fx->mnt, MNT_DETACH) != 0)
		fprintf(stderr, "%s: umount: %s\n", fx->mnt, strerror(errno));
	cluster_free(&fx->c);
	free(fx);
	return 0;
}

static fixture_t *
fixture_new(void **state)
{
	fixture_t *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || (fx->c = cluster_new(1, NULL)) == NULL)
		fail_msg("cannot make a cluster");
	*state = fx;
	return fx;
}

/* A referral of about 6 kB: its free text at the sizes the protocol allows. */
static void
write_big_referral(const char *path, const char *referral_id)
{
	char needs[3901], wishes[901];
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	for (size_t i = 0; i < sizeof(needs) - 1; i++)
		needs[i] = "behov och stod "[i % 15];
	needs[sizeof(needs) - 1] = '\0';
	memcpy(wishes, needs, sizeof(wishes) - 1);
	wishes[sizeof(wishes) - 1] = '\0';
	fprintf(f, "{\"referral\": {\"referralId\": \"%s\", \"kind\": \"REFERRAL_KIND_FOSTER_HOME\","
	    " \"urgency\": \"URGENCY_NORMAL\", \"decision\": {\"taken\": true, \"decidedOn\":"
	    " \"2025-11-02\", \"legalBasis\": \"LEGAL_BASIS_SOL\"}, \"child\": {\"alias\": \"Test\","
	    " \"birthYear\": 2016, \"needs\": \"%s\", \"areaWishes\": \"%s\"},"
	    " \"secretary\": {\"name\": \"Test Secretary\"}}}\n", referral_id, needs, wishes);
	fclose(f);
}

/* One famlinkctl send of PER_CALL big referrals: its exit status, output
 * in out. */
static int
send_batch(node_proc_t *n, int call, char *out, size_t len)
{
	static char paths[PER_CALL][700];
	const char *args[PER_CALL + 2] = { "send" };
	char rid[64];

	for (int i = 0; i < PER_CALL; i++) {
		snprintf(rid, sizeof(rid), "0101-2026-%06d", call * PER_CALL + i);
		snprintf(paths[i], sizeof(paths[i]), "%s/big%d.json", n->dir, i);
		write_big_referral(paths[i], rid);
		args[i + 1] = paths[i];
	}
	args[PER_CALL + 1] = NULL;
	return ctl_run(n, out, len, args);
}

static uint64_t
free_bytes(const char *dir)
{
	struct statvfs v;

	if (statvfs(dir, &v) != 0)
		fail_msg("%s: statvfs: %s", dir, strerror(errno));
	return (uint64_t)v.f_bavail * v.f_frsize;
}

/* status --json's "disk" object agrees with what the test measures. */
static void
assert_status_disk(node_proc_t *n)
{
	const char *args[] = { "status", "--json", NULL };
	json_t *j = ctl_json(n, args), *d;

	assert_non_null(j);
	d = json_object_get(j, "disk");
	assert_non_null(d);
	assert_int_equal(json_integer_value(json_object_get(d, "floorBytes")), FLOOR_BYTES);
	assert_true(json_integer_value(json_object_get(d, "freeBytes")) > 0 ||
	    strcmp(json_string_value(json_object_get(d, "state")), "low") == 0);
	if (json_integer_value(json_object_get(d, "freeBytes")) < FLOOR_BYTES)
		assert_string_equal(json_string_value(json_object_get(d, "state")), "low");
	json_decref(j);
}

/* Below the floor status says so, and status --check is degraded for it. */
static void
assert_status_low(node_proc_t *n, const char *mnt)
{
	const char *status[] = { "status", NULL };
	const char *check[] = { "status", "--check", NULL };
	char out[16384];

	if (ctl_run(n, out, sizeof(out), status) != 0)
		fail_msg("status failed: %s", out);
	if (strstr(out, "disk: ") == NULL)
		fail_msg("no disk: line in status: %s", out);
	if (free_bytes(mnt) >= FLOOR_BYTES)
		return;   /* it has room again already: nothing more to see */
	if (strstr(out, "below the floor") == NULL)
		fail_msg("status does not say below the floor: %s", out);
	assert_true(ctl_run(n, out, sizeof(out), check) >= 1);
	if (strstr(out, "disk: ") == NULL || strstr(out, "below the floor") == NULL)
		fail_msg("status --check names no disk problem: %s", out);
}

/* For a failure's post-mortem: what the store's files take. */
static bool
show_state(const char *mnt)
{
	char cmd[1400];

	snprintf(cmd, sizeof(cmd), "ls -l %s >&2; df -B1 %s >&2", mnt, mnt);
	return system(cmd) >= 0 || true;
}

/* famlinkd stopped and started again on the full disk: it comes up far
 * enough to be asked and to drain. */
static void
restart_on_full_disk(node_proc_t *n, const char *mnt)
{
	int starts = log_count(n, node_started_text(n));

	assert_int_equal(node_stop(n), 0);
	assert_int_equal(node_start(n), 0);
	for (int waited = 0; log_count(n, node_started_text(n)) == starts; waited += 50) {
		if (waited >= WAIT_MS && show_state(mnt))
			fail_msg("%s did not start again on its full disk, %llu bytes free"
			    " (see %s/log)", n->id, (unsigned long long)free_bytes(mnt), n->dir);
		usleep(50 * 1000);
	}
}

/* No wedge: the store takes writes (status says store: ok) within WAIT_MS. */
static void
wait_store_ok(node_proc_t *n)
{
	const char *args[] = { "status", NULL };
	char out[16384];

	for (int waited = 0; waited < WAIT_MS; waited += 100) {
		if (ctl_run(n, out, sizeof(out), args) == 0 && strstr(out, "\nstore: ok") != NULL)
			return;
		usleep(100 * 1000);
	}
	fail_msg("%s: the store does not take writes again: %s", n->id, out);
}

/* Every byte of the tmpfs taken by a ballast file, as another program's
 * data would. */
static void
fill_to_the_brim(fixture_t *fx)
{
	char path[700], block[4096] = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/ballast", fx->mnt);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	setvbuf(f, NULL, _IONBF, 0);
	while (fwrite(block, 1, sizeof(block), f) == sizeof(block))
		;
	while (fwrite(block, 1, 1, f) == 1)
		;
	fclose(f);
	assert_true(free_bytes(fx->mnt) < 4096);
}

static uint64_t
wal_bytes(const char *mnt)
{
	char path[700];
	struct stat st;

	snprintf(path, sizeof(path), "%s/famlink.db-wal", mnt);
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Once the WAL has been given back, send is taken again if the store's
 * own data leaves room for a batch above the floor, and refused saying so
 * if it does not (nothing left to give back: retention or the operator
 * must make room). Which one happened: true if taken. */
static bool
send_after_drain(node_proc_t *n, int call, const char *mnt)
{
	char out[16384];

	for (int waited = 0; wal_bytes(mnt) > FLOOR_BYTES / 2; waited += 100) {
		if (waited >= WAIT_MS && show_state(mnt))
			fail_msg("the WAL was never given back");
		usleep(100 * 1000);
	}
	for (int waited = 0; waited < 2000; waited += 200) {
		if (send_batch(n, call, out, sizeof(out)) == 0)
			return true;
		usleep(200 * 1000);
	}
	if (strstr(out, "below the floor") == NULL)
		fail_msg("send refused for another reason: %s", out);
	if (free_bytes(mnt) >= FLOOR_BYTES + 2 * BATCH_BYTES_MAX && show_state(mnt))
		fail_msg("send refused with room for a batch: %s", out);
	return false;
}

/* A municipality fills its own disk with referrals until send refuses:
 * the refusal names free, floor and path; every queued referral reaches
 * the hub (the outbox drains); restarted on the full disk it comes up;
 * and once the hub took everything, it gives its WAL back and takes work
 * again by itself, unless its own data leaves no room for it. */
static void
test_municipality_fills_its_disk(void **state)
{
	fixture_t *fx = fixture_new(state);
	cluster_t *c = fx->c;
	char out[16384];
	int call, rc = 0;

	mount_small_state(fx, MUNI);
	assert_int_equal(cluster_start_waited(c, WAIT_MS), 0);
	for (call = 0; call < CALLS_MAX && (rc = send_batch(MUNI, call, out, sizeof(out))) == 0;
	    call++)
		;
	if (rc == 0)
		fail_msg("%d referrals queued on an 8 MiB disk and never refused", call * PER_CALL);
	if (strstr(out, "below the floor") == NULL || strstr(out, "free on") == NULL ||
	    strstr(out, fx->mnt) == NULL || strstr(out, "disk_free_limit") == NULL)
		fail_msg("send's refusal does not say free, floor and path: %s", out);
	assert_true(call > 0);
	print_message("queued %d referrals before send refused\n", call * PER_CALL);
	assert_status_disk(MUNI);
	assert_status_low(MUNI, fx->mnt);

	restart_on_full_disk(MUNI, fx->mnt);
	assert_status_disk(MUNI);
	wait_store_ok(MUNI);
	/* Nothing acknowledged is lost, nothing is dead: the outbox drains. */
	wait_sql(MUNI, "SELECT count(*) FROM outbox WHERE state = 'queued'", 0);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM dead_letters"), 0);
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM inbox"),
	    db_long(MUNI, "SELECT count(*) FROM outbox WHERE state = 'delivered'"));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), call * PER_CALL);

	/* Its WAL given back, it takes work again by itself where the store's
	 * own data leaves room. */
	print_message("after draining: %s\n", send_after_drain(MUNI, call, fx->mnt) ?
	    "send taken again" : "send still refused: the store's own data fills the disk");

	/* Not a byte left (another file took the rest): it still starts,
	 * and says so. */
	fill_to_the_brim(fx);
	restart_on_full_disk(MUNI, fx->mnt);
	assert_status_low(MUNI, fx->mnt);
	assert_true(send_batch(MUNI, call + 1, out, sizeof(out)) != 0);
}

/* The hub's disk fills with a municipality's referrals: below the floor it
 * leaves new ones unanswered, so the municipality keeps them queued (not
 * dead); every referral the municipality saw acknowledged is in the hub's
 * inbox; and the hub restarts on its full disk. */
static void
test_hub_fills_its_disk(void **state)
{
	fixture_t *fx = fixture_new(state);
	cluster_t *c = fx->c;
	char out[16384];
	long delivered;
	int call;

	mount_small_state(fx, HUB);
	assert_int_equal(cluster_start_waited(c, WAIT_MS), 0);
	for (call = 0; call < CALLS_MAX && !log_has(HUB, "below the floor"); call++) {
		if (send_batch(MUNI, call, out, sizeof(out)) != 0)
			fail_msg("the municipality's send failed: %s", out);
		/* Keep about one batch in flight, so the hub's disk fills by its
		 * own ingest rather than by what waits at the municipality. */
		wait_db(MUNI, "SELECT count(*) FROM outbox WHERE state = 'queued'", 0, 2000);
	}
	if (!log_has(HUB, "below the floor"))
		fail_msg("the hub never went below its disk floor (%d referrals)", call * PER_CALL);
	/* The floor keeps room for the operator's alert, raised once. */
	wait_sql(HUB, "SELECT count(*) FROM notifications WHERE event = 'disk_low'"
	    " AND recipient = 'operator'", 1);
	/* Two more batches while it is low: they wait at the municipality. */
	for (int i = 0; i < 2; i++, call++)
		if (send_batch(MUNI, call, out, sizeof(out)) != 0)
			fail_msg("the municipality's send failed: %s", out);
	assert_status_disk(HUB);
	assert_status_low(HUB, fx->mnt);

	restart_on_full_disk(HUB, fx->mnt);
	assert_status_disk(HUB);
	wait_store_ok(HUB);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM dead_letters"), 0);
	delivered = db_long(MUNI, "SELECT count(*) FROM outbox WHERE state = 'delivered'");
	assert_true(delivered > 0);
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM inbox"), delivered);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), call * PER_CALL);
	print_message("hub: %ld of %d referrals taken so far, the rest queued at the"
	    " municipality\n", delivered, call * PER_CALL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_municipality_fills_its_disk, teardown),
		cmocka_unit_test_teardown(test_hub_fills_its_disk, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
