/*
 * Integration: a node whose store is lost or damaged refuses to start
 * instead of starting afresh. Real famlinkd processes, hub and
 * municipality alike: a store zeroed, missing, cut in the middle, with bits
 * flipped in a b-tree page, and with a page overwritten by garbage is each
 * refused at start with its own exit status and a message naming the cause,
 * and left exactly as it was; `famlinkctl reset-store --yes` then moves it
 * aside, the node starts with an empty store, and the audit row says why.
 * Also: the identity and the marker file (famlink.id) against each other and
 * the config, and the modes of every file famlinkd makes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "harness.h"

#define T 15000

/* famlinkd's exit statuses (famlinkd --help, README). */
#define EXIT_STORE_LOST 4
#define EXIT_STORE_DAMAGED 5
#define EXIT_STORE_FOREIGN 6
#define EXIT_STATE_DIR 7

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return c ? cluster_free(&c) : 0;
}

static void
node_file(const node_proc_t *n, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", n->dir, name);
}

/* The whole file (NUL after it), or NULL if it is not there. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';   /* also a string, for the marker */
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
spit(const char *path, const unsigned char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static bool
same_content(const char *path, const unsigned char *data, size_t len)
{
	size_t n;
	unsigned char *now = slurp(path, &n);
	bool same = now != NULL && n == len && (len == 0 || memcmp(now, data, len) == 0);

	free(now);
	return same;
}

static bool
exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* PRAGMA quick_check on the file as it is (immutable: no lock, no -wal or
 * -shm made beside it). */
static bool
quick_check_ok(const char *path)
{
	char uri[700];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;

	snprintf(uri, sizeof(uri), "file:%s?immutable=1", path);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0 &&
		    sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

/* Removes every file of n's directory whose name starts with prefix. */
static int
remove_prefixed(const node_proc_t *n, const char *prefix, char *first, size_t len)
{
	DIR *d = opendir(n->dir);
	struct dirent *e;
	char path[1100];
	int count = 0;

	assert_non_null(d);
	if (first)
		first[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (first && count == 0)
			snprintf(first, len, "%s", e->d_name);
		snprintf(path, sizeof(path), "%s/%s", n->dir, e->d_name);
		assert_int_equal(unlink(path), 0);
		count++;
	}
	closedir(d);
	return count;
}

/* The name of the moved-aside store (famlink.db.lost-…, not its -wal or
 * -shm), or "" if there is none. */
static void
lost_store_name(const node_proc_t *n, char *out, size_t len)
{
	DIR *d = opendir(n->dir);
	struct dirent *e;
	size_t l;

	assert_non_null(d);
	out[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		l = strlen(e->d_name);
		if (strncmp(e->d_name, "famlink.db.lost-", 16) == 0 &&
		    !(l > 4 && (strcmp(e->d_name + l - 4, "-wal") == 0 ||
		    strcmp(e->d_name + l - 4, "-shm") == 0)))
			snprintf(out, len, "%s", e->d_name);
	}
	closedir(d);
}

/* A fresh log for the next start, after checking the last one for
 * sanitizer reports (cluster_free() sees only the last log). */
static void
fresh_log(node_proc_t *n)
{
	if (node_log_rotate(n) != 0)
		fail_msg("%s: its last log holds a sanitizer report (%s/log)", n->id, n->dir);
}

/* Starts n and waits until it runs. */
static void
start_ok(node_proc_t *n, bool hub)
{
	assert_int_equal(node_start(n), 0);
	if (!wait_log(n, hub ? "listening on" : "connecting to", T) || node_wait(n, 0) != -2)
		fail_msg("%s did not start (see %s/log)", n->id, n->dir);
}

/* Starts n, which must refuse: its exit status. */
static int
start_refused(node_proc_t *n)
{
	int rc;

	assert_int_equal(node_start(n), 0);
	if ((rc = node_wait(n, T)) == -2) {
		node_stop(n);
		fail_msg("%s started on a store it should refuse (see %s/log)", n->id, n->dir);
	}
	return rc;
}

/* Traffic both ways: the municipality's referrals delivered to the hub
 * (its inbox), then more queued at the municipality while the hub is away.
 * Everything stopped cleanly at the end (no -wal left). */
static void
run_traffic(cluster_t *c)
{
	node_proc_t *m = &c->muni[0];

	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_log(&c->hub, "listening on", T));
	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 120, 60), 0);
	assert_true(wait_db(m, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 120, T));
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM inbox", 120, T));
	assert_int_equal(node_stop(&c->hub), 0);
	assert_int_equal(enqueue_referrals(m, "0101-2026", 121, 80, 80), 0);
	/* Read while famlinkd runs: a reader that closes last leaves the -wal. */
	assert_int_equal(db_long(m, "SELECT count(*) FROM outbox WHERE state = 'queued'"), 80);
	assert_int_equal(node_stop(m), 0);
}

enum { ZEROED, MISSING, TRUNCATED, FLIPPED, GARBAGE_PAGE, NKINDS };
static const char *const kind_name[] = { "zeroed", "missing", "truncated", "bit-flipped",
	"page overwritten" };

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* A leaf page of a table b-tree (type 13) with several cells, in the
 * middle of the file: its byte offset. */
static size_t
table_leaf_page(const unsigned char *db, size_t len)
{
	size_t psize = be16(db + 16) == 1 ? 65536 : be16(db + 16), pages[4096], n = 0;

	for (size_t off = psize; off + psize <= len && n < 4096; off += psize)
		if (db[off] == 13 && be16(db + off + 3) >= 4)
			pages[n++] = off;
	assert_true(n > 0);
	return pages[n / 2];
}

/* Damages n's store (whose good content is good) as kind says and
 * returns what is left in the file (NULL: no file) for comparing after. */
static unsigned char *
damage(node_proc_t *n, int kind, const unsigned char *good, size_t len, size_t *dlen)
{
	char path[600];
	unsigned char *d = malloc(len);
	size_t off, psize = be16(good + 16), cell;
	uint32_t x = 2463534242u;

	assert_non_null(d);
	memcpy(d, good, len);
	*dlen = len;
	node_file(n, "famlink.db", path, sizeof(path));
	switch (kind) {
	case ZEROED:
		*dlen = 0;
		break;
	case MISSING:
		free(d);
		assert_int_equal(unlink(path), 0);
		*dlen = 0;
		return NULL;
	case TRUNCATED:
		*dlen = len / 2 + 1234;   /* in the middle of a page */
		break;
	case FLIPPED:
		/* 64 bits of the middle cell's header (payload size, rowid) */
		off = table_leaf_page(good, len);
		cell = be16(good + off + 8 + 2 * (be16(good + off + 3) / 2));
		for (int i = 0; i < 8; i++)
			d[off + cell + (size_t)i] ^= 0xff;
		break;
	case GARBAGE_PAGE:
		off = table_leaf_page(good, len);
		for (size_t i = 0; i < psize; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			d[off + i] = (unsigned char)x;
		}
		break;
	}
	spit(path, d, *dlen);
	/* The damage is real: SQLite's own check finds it. */
	if (kind >= TRUNCATED)
		assert_false(quick_check_ok(path));
	return d;
}

/* Every kind of damage to n's store: refused with its status and cause,
 * the file untouched; then reset-store, and n starts afresh. */
static void
damage_each_way(cluster_t *c, node_proc_t *n, bool hub)
{
	char db[600], marker[600], wal[600], out[4096], lost[256], lost_path[900];
	unsigned char *good, *good_marker, *damaged;
	size_t len, mlen, dlen;
	static const char *const reset[] = {"reset-store", "--yes", NULL};
	static const char *const reset_no[] = {"reset-store", NULL};
	static const char *const status[] = {"status", NULL};

	run_traffic(c);
	node_file(n, "famlink.db", db, sizeof(db));
	node_file(n, "famlink.id", marker, sizeof(marker));
	node_file(n, "famlink.db-wal", wal, sizeof(wal));
	assert_false(exists(wal));
	assert_non_null(good = slurp(db, &len));
	assert_non_null(good_marker = slurp(marker, &mlen));
	assert_true(quick_check_ok(db));

	for (int kind = 0; kind < NKINDS; kind++) {
		int want = kind <= MISSING ? EXIT_STORE_LOST : EXIT_STORE_DAMAGED;
		fprintf(stderr, "-- %s: store %s\n", n->id, kind_name[kind]);
		/* The node as it was after its run, with this damage. */
		remove_prefixed(n, "famlink.db", NULL, 0);
		remove_prefixed(n, "famlink.id.lost-", NULL, 0);
		spit(db, good, len);
		spit(marker, good_marker, mlen);
		fresh_log(n);
		damaged = damage(n, kind, good, len, &dlen);

		assert_int_equal(start_refused(n), want);
		assert_true(log_has(n, "cannot start: "));
		assert_true(log_has(n, kind == ZEROED ? "store lost: the file is empty (0 bytes)" :
		    kind == MISSING ? "store lost: the file is missing" : "store damaged: "));
		assert_true(log_has(n, "famlinkctl reset-store --yes"));
		/* Nothing replaced, nothing written. */
		if (damaged == NULL)
			assert_false(exists(db));
		else
			assert_true(same_content(db, damaged, dlen));
		assert_false(exists(wal));
		assert_true(same_content(marker, good_marker, mlen));

		/* famlinkctl says the same: status (lost) and send (both). */
		if (kind <= MISSING) {
			assert_int_equal(ctl_run(n, out, sizeof(out), status), CTL_STORE_LOST);
			assert_non_null(strstr(out, "store lost"));
		}
		if (!hub) {
			assert_int_equal(enqueue_referrals(n, "0101-2027", 1, 1, 1), want);
			if (damaged == NULL)
				assert_false(exists(db));
			else
				assert_true(same_content(db, damaged, dlen));
		}

		/* Only with --yes. */
		assert_int_equal(ctl_run(n, out, sizeof(out), reset_no), CTL_USAGE);
		assert_non_null(strstr(out, "add --yes"));
		assert_true(damaged == NULL ? !exists(db) : same_content(db, damaged, dlen));
		assert_int_equal(ctl_run(n, out, sizeof(out), reset), CTL_OK);
		assert_non_null(strstr(out, "new empty store"));
		/* The old store is kept aside as it was. */
		lost_store_name(n, lost, sizeof(lost));
		if (damaged == NULL) {
			assert_string_equal(lost, "");
		} else {
			assert_string_not_equal(lost, "");
			snprintf(lost_path, sizeof(lost_path), "%s/%s", n->dir, lost);
			assert_true(same_content(lost_path, damaged, dlen));
		}
		assert_false(same_content(marker, good_marker, mlen));   /* a new store id */

		start_ok(n, hub);
		assert_int_equal(db_long(n, "SELECT count(*) FROM audit WHERE event = 'store_reset'"), 1);
		assert_int_equal(db_long(n, "SELECT code FROM audit WHERE event = 'store_reset'"), want);
		assert_int_equal(db_long(n, "SELECT count(*) FROM audit WHERE event = 'store_reset'"
		    " AND detail LIKE 'cause: store " "%' AND detail LIKE '%moved aside: %'"), 1);
		assert_int_equal(db_long(n, "SELECT count(*) FROM identity"), 1);
		assert_int_equal(db_long(n, hub ? "SELECT count(*) FROM inbox" :
		    "SELECT count(*) FROM outbox"), 0);
		assert_int_equal(node_stop(n), 0);
		free(damaged);
	}
	free(good);
	free(good_marker);
}

static void
test_hub_store_damage(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);

	damage_each_way(c, &c->hub, true);
}

static void
test_municipality_store_damage(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);

	damage_each_way(c, &c->muni[0], false);
}

/* The identity in the store against famlink.id and the config. */
static void
test_identity_and_marker(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	static const char *const reset[] = {"reset-store", "--yes", NULL};
	static const char *const status[] = {"status", NULL};
	static const char *const queue[] = {"queue", NULL};
	char db[600], marker[600], hub_db[600], out[4096], text[1024];
	unsigned char *a_db, *a_marker, *b_marker, *hub_store;
	size_t a_len, am_len, bm_len, hub_len;

	run_traffic(c);
	node_file(m, "famlink.db", db, sizeof(db));
	node_file(m, "famlink.id", marker, sizeof(marker));
	node_file(&c->hub, "famlink.db", hub_db, sizeof(hub_db));
	assert_non_null(a_db = slurp(db, &a_len));
	assert_non_null(a_marker = slurp(marker, &am_len));
	assert_non_null(strstr((char *)a_marker, "node_id=municipality:0101\n"));
	assert_non_null(hub_store = slurp(hub_db, &hub_len));

	/* The marker lost, the store intact: written again, the same. */
	assert_int_equal(unlink(marker), 0);
	fresh_log(m);
	start_ok(m, false);
	assert_true(log_has(m, "famlink.id was missing; written again"));
	assert_true(same_content(marker, a_marker, am_len));
	assert_int_equal(node_stop(m), 0);

	/* Another node's store (the hub's) in this node's place. */
	remove_prefixed(m, "famlink.db", NULL, 0);
	spit(db, hub_store, hub_len);
	fresh_log(m);
	assert_int_equal(start_refused(m), EXIT_STORE_FOREIGN);
	assert_true(log_has(m, "store of another node: it was made for pool:test"));
	assert_true(same_content(db, hub_store, hub_len));
	assert_int_equal(ctl_run(m, out, sizeof(out), queue), CTL_STORE_FOREIGN);
	assert_non_null(strstr(out, "store of another node"));

	/* A restored backup of this node's store: starts. */
	spit(db, a_db, a_len);
	fresh_log(m);
	start_ok(m, false);
	assert_int_equal(node_stop(m), 0);

	/* After a reset, the old store put back beside the new marker: it is
	 * another store than famlink.id names. */
	assert_int_equal(ctl_run(m, out, sizeof(out), reset), CTL_OK);
	assert_non_null(strstr(out, "operator's request"));
	assert_non_null(b_marker = slurp(marker, &bm_len));
	remove_prefixed(m, "famlink.db", NULL, 0);
	spit(db, a_db, a_len);
	fresh_log(m);
	assert_int_equal(start_refused(m), EXIT_STORE_FOREIGN);
	assert_true(log_has(m, "not this node's store"));
	assert_int_equal(ctl_run(m, out, sizeof(out), status), CTL_STORE_FOREIGN);

	/* famlink.id written for another node id. */
	spit(marker, a_marker, am_len);
	snprintf(text, sizeof(text), "%s", (const char *)a_marker);
	text[am_len < sizeof(text) ? am_len : sizeof(text) - 1] = '\0';
	{
		char *p = strstr(text, "municipality:0101");
		assert_non_null(p);
		memcpy(p, "municipality:0999", 17);
	}
	spit(marker, (const unsigned char *)text, strlen(text));
	fresh_log(m);
	assert_int_equal(start_refused(m), EXIT_STORE_FOREIGN);
	assert_true(log_has(m, "famlink.id was written for municipality:0999"));

	/* A marker that is not one: damaged, not ignored. */
	spit(marker, (const unsigned char *)"garbage\n", 8);
	fresh_log(m);
	assert_int_equal(start_refused(m), EXIT_STORE_DAMAGED);
	assert_true(log_has(m, "famlink.id is damaged"));

	/* A store made before famlink kept an identity, no marker: taken as
	 * this node's (an upgrade), identity and marker written. */
	spit(marker, a_marker, am_len);
	fresh_log(m);
	start_ok(m, false);
	assert_int_equal(node_stop(m), 0);
	{
		sqlite3 *h;
		assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
		assert_int_equal(sqlite3_exec(h, "DELETE FROM identity", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
	}
	/* …but with the marker there, a store without identity is not ours. */
	fresh_log(m);
	assert_int_equal(start_refused(m), EXIT_STORE_LOST);
	assert_true(log_has(m, "store lost: this file has no identity"));
	assert_int_equal(unlink(marker), 0);
	fresh_log(m);
	start_ok(m, false);
	assert_true(log_has(m, "recorded this store's identity"));
	assert_true(exists(marker));
	assert_int_equal(db_long(m, "SELECT count(*) FROM identity WHERE node_id = 'municipality:0101'"), 1);
	assert_int_equal(db_long(m, "SELECT count(*) FROM outbox WHERE state = 'queued'"), 80);
	assert_int_equal(node_stop(m), 0);
	free(a_db);
	free(a_marker);
	free(b_marker);
	free(hub_store);
}

/* reset-store never runs under a running famlinkd. */
static void
test_reset_refused_while_running(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	static const char *const reset[] = {"reset-store", "--yes", NULL};
	char marker[600], out[4096];
	unsigned char *before;
	size_t len;

	start_ok(m, false);
	node_file(m, "famlink.id", marker, sizeof(marker));
	assert_non_null(before = slurp(marker, &len));
	assert_int_equal(ctl_run(m, out, sizeof(out), reset), CTL_ERROR);
	assert_non_null(strstr(out, "famlinkd runs on"));
	assert_true(same_content(marker, before, len));
	assert_int_equal(node_wait(m, 0), -2);
	assert_int_equal(node_stop(m), 0);
	free(before);
}

/* Files famlinkd and famlinkctl make in the state directory; what the
 * harness put there itself (config, keys, log, JSON files) is not theirs. */
static void
check_modes(const node_proc_t *n, bool running)
{
	static const char *const harness[] = { "famlinkd.conf", "node.key", "node.pub", "log", NULL };
	DIR *d = opendir(n->dir);
	struct dirent *e;
	char path[1100];
	struct stat st;
	int seen = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		bool skip = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (e->d_name[0] == 'r' && strstr(e->d_name, ".json") != NULL);
		for (int i = 0; harness[i] && !skip; i++)
			skip = strcmp(e->d_name, harness[i]) == 0;
		if (skip)
			continue;
		snprintf(path, sizeof(path), "%s/%s", n->dir, e->d_name);
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISREG(st.st_mode) && (st.st_mode & 07777) != 0600)
			fail_msg("%s: mode %04o, want 0600", path, (unsigned)(st.st_mode & 07777));
		if (!S_ISREG(st.st_mode) && (st.st_mode & 077) != 0)
			fail_msg("%s: mode %04o, want no access for group and others", path,
			    (unsigned)(st.st_mode & 07777));
		if (strcmp(e->d_name, "famlink.db") == 0 || strcmp(e->d_name, "famlink.id") == 0 ||
		    strcmp(e->d_name, "famlinkd.lock") == 0 ||
		    (running && (strcmp(e->d_name, "famlink.db-wal") == 0 ||
		    strcmp(e->d_name, "famlink.db-shm") == 0)))
			seen++;
	}
	closedir(d);
	assert_int_equal(seen, running ? 5 : 3);
}

static void
test_file_modes(void **state)
{
	cluster_t *c;
	node_proc_t *m;
	char db[600], marker[600], out[4096];
	struct stat st;
	mode_t old = umask(022);   /* what a shell gives: famlinkd must not keep it */

	c = *state = cluster_new(1, NULL);
	m = &c->muni[0];
	/* famlinkctl send makes the store here, before famlinkd ever ran. */
	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 30, 30), 0);
	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_log(&c->hub, "listening on", T));
	assert_true(wait_db(m, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 30, T));
	assert_int_equal(enqueue_referrals(m, "0101-2026", 31, 10, 10), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM inbox", 40, T));
	check_modes(m, true);
	check_modes(&c->hub, true);
	assert_int_equal(node_stop(m), 0);
	assert_int_equal(node_stop(&c->hub), 0);
	check_modes(m, false);
	check_modes(&c->hub, false);

	/* Files an older famlinkd made 0644 are made the owner's alone. */
	node_file(m, "famlink.db", db, sizeof(db));
	node_file(m, "famlink.id", marker, sizeof(marker));
	assert_int_equal(chmod(db, 0644), 0);
	assert_int_equal(chmod(marker, 0644), 0);
	fresh_log(m);
	start_ok(m, false);
	assert_true(log_has(m, "readable by the service user alone"));
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(marker, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(node_stop(m), 0);

	/* A state directory others may write: refused. One they may only
	 * list: a warning. */
	assert_int_equal(chmod(m->dir, 0770), 0);
	fresh_log(m);
	assert_int_equal(start_refused(m), EXIT_STATE_DIR);
	assert_true(log_has(m, "state directory mode 0770 lets group write in it"));
	assert_true(log_has(m, "chmod 700"));
	assert_int_equal(chmod(m->dir, 0755), 0);
	fresh_log(m);
	start_ok(m, false);
	assert_true(log_has(m, "state directory mode 0755 lets group and others list it"));
	assert_int_equal(node_stop(m), 0);
	assert_int_equal(chmod(m->dir, 0700), 0);
	(void)out;
	umask(old);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_hub_store_damage, teardown),
		cmocka_unit_test_teardown(test_municipality_store_damage, teardown),
		cmocka_unit_test_teardown(test_identity_and_marker, teardown),
		cmocka_unit_test_teardown(test_reset_refused_while_running, teardown),
		cmocka_unit_test_teardown(test_file_modes, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
