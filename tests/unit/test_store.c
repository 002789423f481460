/*
 * test_store — the node's SQLite store against real database files in a
 * mkdtemp() directory: opening and migrating, the journal settings, refusing
 * what is not ours, the outbox/inbox/peers/dead letters, the append-only
 * audit table, savepoints, change detection across connections, referrals
 * and the operator's reports.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch_store.h"
#include <sqlite3.h>

#include "envelope.h"
#include "store.h"
#include "store_identity.h"
#include "store_audit.h"
#include "store_handover.h"
#include "store_queue.h"
#include "store_referral.h"
#include "store_report.h"

#define HUB  "pool:stockholm-nord"
#define M180 "municipality:0180"
#define M181 "municipality:0181"
#define M182 "municipality:0182"

typedef struct fixture {
	scratch_store_t ss;    /* the store under test and its directory */
} fixture_t;

/* An envelope with an InfoRequest body; self-referencing, so never copied. */
typedef struct msg {
	Famlink__V1__Envelope env;
	Famlink__V1__InfoRequest body;
	char id[MESSAGE_ID_LEN + 1];
} msg_t;

static int
setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));

	if (f == NULL || scratch_store_open(&f->ss, "test_store") != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture_t *f = *state;
	int rc = scratch_store_close(&f->ss);

	free(f);
	return rc;
}

static void
make_msg(msg_t *m, const char *sender, const char *recipient, const char *referral_id)
{
	envelope_init(&m->env, m->id, sender, recipient);
	famlink__v1__info_request__init(&m->body);
	m->body.referral_id = (char *)referral_id;
	m->body.question_id = "q-1";
	m->body.text = "Har barnet regelbunden kontakt med sina föräldrar?";
	m->env.referral_id = (char *)referral_id;
	m->env.body_case = FAMLINK__V1__ENVELOPE__BODY_INFO_REQUEST;
	m->env.info_request = &m->body;
}

/* Makes and enqueues a message from the hub to recipient. */
static void
enqueue(store_t *s, msg_t *m, const char *recipient, int64_t created_at)
{
	err_t err = {0};

	make_msg(m, HUB, recipient, "0180-2026-0042");
	if (created_at)
		m->env.created_at_ms = created_at;
	if (store_enqueue(s, &m->env, &err) != 0)
		fail_msg("store_enqueue: %s", err.msg);
}

/* Prepares and steps a query (sqlite3_mprintf-style arguments) that must
 * return a row; the caller reads column 0 and finalizes. */
static sqlite3_stmt *
q_row(sqlite3 *db, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_vmprintf(fmt, ap);

	assert_non_null(sql);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
	sqlite3_free(sql);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	return st;
}

/* The one number a query returns. */
static long long
q_int(sqlite3 *db, const char *fmt, ...)
{
	sqlite3_stmt *st;
	long long v;
	va_list ap;

	va_start(ap, fmt);
	st = q_row(db, fmt, ap);
	va_end(ap);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The one text a query returns, into a static buffer. */
static const char *
q_text(sqlite3 *db, const char *fmt, ...)
{
	static char buf[512];
	sqlite3_stmt *st;
	va_list ap;

	va_start(ap, fmt);
	st = q_row(db, fmt, ap);
	va_end(ap);
	snprintf(buf, sizeof(buf), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

static void
assert_msg_has(const err_t *err, const char *want)
{
	if (strstr(err->msg, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err->msg, want);
}

static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t len = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* ---- opening ---------------------------------------------------------- */

/* The store's schema version after every migration. */
#define SCHEMA_NOW 12

static void
test_open_creates_schema(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	store_peer_t p;
	err_t err = {0};

	assert_int_equal(store_schema_version(f->ss.s), SCHEMA_NOW);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	    " AND name IN ('peers','outbox','inbox','rejections','dead_letters','referrals','audit',"
	    " 'identity','proposals','transitions','deadlines','notifications','dialogue',"
	    " 'handovers','collected','inbox_handover')"), 16);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
	    " AND tbl_name = 'audit'"), 2);
	assert_int_equal(store_peer_load(f->ss.s, M180, &p, &err), 0);

	/* Reopening migrates nothing and keeps what was there. */
	store_close(&f->ss.s);
	assert_null(f->ss.s);
	store_close(&f->ss.s);   /* no-op on NULL */
	f->ss.s = store_open(f->ss.path, false, &err);
	assert_non_null(f->ss.s);
	assert_int_equal(store_schema_version(f->ss.s), SCHEMA_NOW);
	assert_int_equal(q_int(store_db(f->ss.s), "SELECT count(*) FROM peers WHERE node_id = %Q",
	    M180), 1);
	store_close(&f->ss.s);
	f->ss.s = store_open(f->ss.path, false, &err);
	assert_non_null(f->ss.s);
	assert_int_equal(store_schema_version(f->ss.s), SCHEMA_NOW);
}

static void
test_journal_settings(void **state)
{
	fixture_t *f = *state;
	sqlite3 *other;

	assert_string_equal(q_text(store_db(f->ss.s), "PRAGMA journal_mode"), "wal");
	assert_int_equal(q_int(store_db(f->ss.s), "PRAGMA synchronous"), 2);   /* FULL */
	/* WAL is a property of the file: a second connection sees it too. */
	assert_int_equal(sqlite3_open_v2(f->ss.path, &other, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_string_equal(q_text(other, "PRAGMA journal_mode"), "wal");
	assert_int_equal(q_int(other, "PRAGMA user_version"), SCHEMA_NOW);
	sqlite3_close(other);
}

static void
test_not_a_database(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX + 16], text[4096];
	err_t err = {0};

	snprintf(path, sizeof(path), "%s/garbage.db", f->ss.dir);
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text, "this is not a database\n", 23);
	write_file(path, text);
	assert_null(store_open(path, false, &err));
	assert_msg_has(&err, path);
	assert_msg_has(&err, "not a database");
	memset(&err, 0, sizeof(err));
	assert_null(store_open(path, true, &err));
	assert_msg_has(&err, "not a database");
}

static void
test_newer_schema_refused(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX + 16];
	sqlite3 *db;
	err_t err = {0};

	snprintf(path, sizeof(path), "%s/newer.db", f->ss.dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE future (x);"
	    " PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_null(store_open(path, false, &err));
	assert_msg_has(&err, path);
	assert_msg_has(&err, "newer");
	/* Left as it was. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(q_int(db, "PRAGMA user_version"), 99);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'"), 0);
	sqlite3_close(db);
}

static void
test_read_only(void **state)
{
	fixture_t *f = *state;
	char path[PATH_MAX + 16];
	struct stat st;
	store_t *ro;
	store_peer_t p;
	err_t err = {0};

	snprintf(path, sizeof(path), "%s/missing.db", f->ss.dir);
	assert_null(store_open(path, true, &err));
	assert_msg_has(&err, path);
	assert_int_equal(stat(path, &st), -1);   /* not created */

	/* An existing store opens read-only, reads, and refuses writes. */
	assert_int_equal(store_peer_load(f->ss.s, M180, &p, &err), 0);
	ro = store_open(f->ss.path, true, &err);
	assert_non_null(ro);
	assert_int_equal(store_schema_version(ro), SCHEMA_NOW);
	assert_int_equal(q_int(store_db(ro), "SELECT count(*) FROM peers"), 1);
	memset(&err, 0, sizeof(err));
	assert_int_equal(store_exec(ro, "DELETE FROM peers", &err), -1);
	assert_msg_has(&err, "readonly");
	store_close(&ro);
	assert_int_equal(q_int(store_db(f->ss.s), "SELECT count(*) FROM peers"), 1);
}

/* ---- outbox ----------------------------------------------------------- */

static void
test_enqueue_sequences_per_peer(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	msg_t a1, b1, a2, a3, b2;
	store_peer_t p;
	err_t err = {0};

	assert_int_equal(store_begin(f->ss.s, &err), 0);
	enqueue(f->ss.s, &a1, M180, 0);
	enqueue(f->ss.s, &b1, M181, 0);
	enqueue(f->ss.s, &a2, M180, 0);
	enqueue(f->ss.s, &a3, M180, 0);
	enqueue(f->ss.s, &b2, M181, 0);
	assert_int_equal(store_commit(f->ss.s, &err), 0);

	assert_int_equal(a1.env.sequence, 1);
	assert_int_equal(a2.env.sequence, 2);
	assert_int_equal(a3.env.sequence, 3);
	assert_int_equal(b1.env.sequence, 1);
	assert_int_equal(b2.env.sequence, 2);
	assert_int_equal(q_int(db, "SELECT sequence FROM outbox WHERE message_id = %Q", a3.id), 3);
	assert_string_equal(q_text(db, "SELECT body_type FROM outbox WHERE message_id = %Q", a3.id),
	    "info_request");
	assert_string_equal(q_text(db, "SELECT state FROM outbox WHERE message_id = %Q", b2.id),
	    "queued");
	assert_int_equal(store_peer_load(f->ss.s, M180, &p, &err), 0);
	assert_int_equal(p.next_out_seq, 4);
	assert_int_equal(store_peer_load(f->ss.s, M181, &p, &err), 0);
	assert_int_equal(p.next_out_seq, 3);

	/* One 'out' audit row each, naming the message, peer and body. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE event = 'out'"), 5);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE event = 'out'"
	    " AND message_id = %Q AND peer = %Q AND body_type = 'info_request' AND at = %lld",
	    b2.id, M181, (long long)b2.env.created_at_ms), 1);
}

typedef struct scan {
	int n;
	int stop_at;              /* return non-zero on this row (1-based), 0 = never */
	uint64_t seq[16];
	char ids[16][MESSAGE_ID_LEN + 1];
	int64_t created[16];
	int unpacked_ok;          /* rows whose blob unpacks to the same id and sequence */
} scan_t;

static int
scan_cb(void *ctx, const outbox_row_t *row)
{
	scan_t *sc = ctx;
	Famlink__V1__Envelope *env;
	err_t err = {0};

	assert_true(sc->n < 16);
	sc->seq[sc->n] = row->sequence;
	snprintf(sc->ids[sc->n], sizeof(sc->ids[0]), "%s", row->message_id);
	sc->created[sc->n] = row->created_at;
	if ((env = envelope_unpack(row->envelope, row->len, &err)) != NULL) {
		if (strcmp(env->message_id, row->message_id) == 0 && env->sequence == row->sequence)
			sc->unpacked_ok++;
		envelope_free(&env);
	}
	sc->n++;
	return sc->n == sc->stop_at ? 42 : 0;
}

static void
test_outbox_scan(void **state)
{
	fixture_t *f = *state;
	msg_t m[5], other;
	scan_t sc;
	err_t err = {0};

	for (int i = 0; i < 5; i++)
		enqueue(f->ss.s, &m[i], M180, 1000 + i);
	enqueue(f->ss.s, &other, M181, 0);

	memset(&sc, 0, sizeof(sc));
	assert_int_equal(store_outbox_scan(f->ss.s, M180, 0, 100, scan_cb, &sc, &err), 0);
	assert_int_equal(sc.n, 5);
	assert_int_equal(sc.unpacked_ok, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(sc.seq[i], i + 1);
		assert_string_equal(sc.ids[i], m[i].id);
		assert_int_equal(sc.created[i], 1000 + i);
	}

	memset(&sc, 0, sizeof(sc));   /* after and max */
	assert_int_equal(store_outbox_scan(f->ss.s, M180, 2, 2, scan_cb, &sc, &err), 0);
	assert_int_equal(sc.n, 2);
	assert_int_equal(sc.seq[0], 3);
	assert_int_equal(sc.seq[1], 4);

	memset(&sc, 0, sizeof(sc));   /* nothing after the last */
	assert_int_equal(store_outbox_scan(f->ss.s, M180, 5, 100, scan_cb, &sc, &err), 0);
	assert_int_equal(sc.n, 0);

	memset(&sc, 0, sizeof(sc));   /* the callback stops it */
	sc.stop_at = 2;
	assert_int_equal(store_outbox_scan(f->ss.s, M180, 0, 100, scan_cb, &sc, &err), 42);
	assert_int_equal(sc.n, 2);

	memset(&sc, 0, sizeof(sc));   /* delivered ones are skipped */
	assert_int_equal(store_mark_delivered(f->ss.s, M180, m[1].id, 5000, NULL, NULL, &err), 1);
	assert_int_equal(store_outbox_scan(f->ss.s, M180, 0, 100, scan_cb, &sc, &err), 0);
	assert_int_equal(sc.n, 4);
	assert_int_equal(sc.seq[0], 1);
	assert_int_equal(sc.seq[1], 3);

	memset(&sc, 0, sizeof(sc));   /* the other peer's own channel */
	assert_int_equal(store_outbox_scan(f->ss.s, M181, 0, 100, scan_cb, &sc, &err), 0);
	assert_int_equal(sc.n, 1);
	assert_int_equal(sc.seq[0], 1);
	assert_string_equal(sc.ids[0], other.id);
}

static void
test_first_unacked(void **state)
{
	fixture_t *f = *state;
	msg_t m[3];
	uint64_t seq = 0;
	err_t err = {0};

	assert_int_equal(store_first_unacked(f->ss.s, M180, &seq, &err), 0);
	assert_int_equal(seq, 1);   /* unknown peer: its channel starts at 1 */
	for (int i = 0; i < 3; i++)
		enqueue(f->ss.s, &m[i], M180, 0);
	assert_int_equal(store_first_unacked(f->ss.s, M180, &seq, &err), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(store_mark_delivered(f->ss.s, M180, m[0].id, 1, NULL, NULL, &err), 1);
	assert_int_equal(store_first_unacked(f->ss.s, M180, &seq, &err), 0);
	assert_int_equal(seq, 2);
	/* A gap: the lowest queued one counts. */
	assert_int_equal(store_mark_delivered(f->ss.s, M180, m[2].id, 1, NULL, NULL, &err), 1);
	assert_int_equal(store_first_unacked(f->ss.s, M180, &seq, &err), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(store_mark_dead(f->ss.s, M180, m[1].id, 5, "no", 1, NULL, &err), 1);
	assert_int_equal(store_first_unacked(f->ss.s, M180, &seq, &err), 0);
	assert_int_equal(seq, 4);   /* none waits: next_out_seq */
}

static void
test_mark_delivered(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	msg_t a, b;
	uint64_t seq = 0;
	int64_t created = 0;
	err_t err = {0};

	enqueue(f->ss.s, &a, M180, 1111);
	enqueue(f->ss.s, &b, M180, 2222);

	/* The wrong peer cannot settle it. */
	assert_int_equal(store_mark_delivered(f->ss.s, M181, b.id, 3000, &seq, &created, &err), 0);
	assert_int_equal(seq, 0);
	assert_string_equal(q_text(db, "SELECT state FROM outbox WHERE message_id = %Q", b.id),
	    "queued");

	assert_int_equal(store_mark_delivered(f->ss.s, M180, b.id, 3000, &seq, &created, &err), 1);
	assert_int_equal(seq, 2);
	assert_int_equal(created, 2222);
	assert_string_equal(q_text(db, "SELECT state FROM outbox WHERE message_id = %Q", b.id),
	    "delivered");
	assert_int_equal(q_int(db, "SELECT delivered_at FROM outbox WHERE message_id = %Q", b.id),
	    3000);

	/* A duplicate receipt, an unknown id. */
	seq = 0, created = 0;
	assert_int_equal(store_mark_delivered(f->ss.s, M180, b.id, 4000, &seq, &created, &err), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(created, 0);
	assert_int_equal(store_mark_delivered(f->ss.s, M180, "01KE2Q7Z9K3M5N7P9R1T3V5X7Z", 4000,
	    &seq, &created, &err), 0);
	assert_int_equal(q_int(db, "SELECT delivered_at FROM outbox WHERE message_id = %Q", b.id),
	    3000);
	assert_string_equal(q_text(db, "SELECT state FROM outbox WHERE message_id = %Q", a.id),
	    "queued");
}

static void
test_mark_dead(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	msg_t a;
	uint64_t seq = 0;
	err_t err = {0};

	enqueue(f->ss.s, &a, M180, 0);
	assert_int_equal(store_mark_dead(f->ss.s, M181, a.id, 4, "schema", 5000, &seq, &err), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM dead_letters"), 0);

	assert_int_equal(store_mark_dead(f->ss.s, M180, a.id, 4, "field child.alias: required",
	    5000, &seq, &err), 1);
	assert_int_equal(seq, 1);
	assert_string_equal(q_text(db, "SELECT state FROM outbox WHERE message_id = %Q", a.id),
	    "dead");
	assert_int_equal(q_int(db, "SELECT count(*) FROM dead_letters WHERE message_id = %Q"
	    " AND peer = %Q AND body_type = 'info_request' AND dead_at = 5000 AND code = 4"
	    " AND reason = 'field child.alias: required'", a.id, M180), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE event = 'dead'"
	    " AND message_id = %Q AND peer = %Q AND code = 4"
	    " AND detail = 'field child.alias: required' AND at = 5000", a.id, M180), 1);

	/* Settled: neither a second rejection nor a late acceptance changes it. */
	assert_int_equal(store_mark_dead(f->ss.s, M180, a.id, 6, "again", 6000, &seq, &err), 0);
	assert_int_equal(store_mark_delivered(f->ss.s, M180, a.id, 6000, NULL, NULL, &err), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM dead_letters"), 1);
	assert_int_equal(q_int(db, "SELECT code FROM dead_letters WHERE message_id = %Q", a.id), 4);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE event = 'dead'"), 1);
}

/* ---- inbox and peers -------------------------------------------------- */

static void
test_inbox(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	msg_t m;
	uint8_t *raw;
	size_t len;
	err_t err = {0};

	make_msg(&m, M180, HUB, "0180-2026-0042");
	m.env.sequence = 7;
	assert_non_null(raw = envelope_pack(&m.env, &len, &err));
	assert_int_equal(store_inbox_has(f->ss.s, m.id, M180, &err), 0);
	assert_int_equal(store_inbox_put(f->ss.s, &m.env, raw, len, 9999, &err), 0);
	assert_int_equal(store_inbox_has(f->ss.s, m.id, M180, &err), 1);
	assert_int_equal(store_inbox_has(f->ss.s, m.id, M181, &err), 2);   /* another sender's id */
	assert_int_equal(store_inbox_has(f->ss.s, "01KE2Q7Z9K3M5N7P9R1T3V5X7Z", M180, &err), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM inbox WHERE message_id = %Q"
	    " AND sender = %Q AND sequence = 7 AND referral_id = '0180-2026-0042'"
	    " AND body_type = 'info_request' AND received_at = 9999 AND length(envelope) = %d",
	    m.id, M180, (int)len), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE event = 'in'"
	    " AND message_id = %Q AND peer = %Q AND at = 9999", m.id, M180), 1);

	/* The message id is unique: a second put fails and adds nothing. */
	assert_int_equal(store_savepoint(f->ss.s, &err), 0);
	assert_int_equal(store_inbox_put(f->ss.s, &m.env, raw, len, 10000, &err), -1);
	assert_msg_has(&err, "UNIQUE");
	store_rollback_savepoint(f->ss.s);
	assert_int_equal(q_int(db, "SELECT count(*) FROM inbox"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE event = 'in'"), 1);
	free(raw);
}

static bool
tell_first_two(void *ctx, const char *message_id, const char *sender)
{
	int *n = ctx;

	(void)message_id;
	(void)sender;
	return ++*n <= 2;
}

static void
count_told(void *ctx, const char *message_id)
{
	(void)message_id;
	++*(int *)ctx;
}

/* When a sender was told a message was handed over is kept (0: not yet),
 * so that what a lost session may have swallowed is told again. */
static void
test_handover_told_and_retell(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	msg_t m[3];
	uint8_t *raw;
	size_t len;
	err_t err = {0};
	int n = 0;

	for (int i = 0; i < 3; i++) {
		make_msg(&m[i], M180, HUB, "0180-2026-0042");
		m[i].env.sequence = (uint64_t)i + 1;
		assert_non_null(raw = envelope_pack(&m[i].env, &len, &err));
		assert_int_equal(store_inbox_put(f->ss.s, &m[i].env, raw, len, 1000, &err), 0);
		free(raw);
	}
	assert_int_equal(store_handover_settle(f->ss.s, 0, 3, 5000, tell_first_two, &n, &err), 3);
	assert_string_equal(q_text(db, "SELECT group_concat(told_at) FROM (SELECT"
	    " told_at FROM inbox_handover ORDER BY inbox_id)"), "5000,5000,0");
	n = 0;
	assert_int_equal(store_handover_untold(f->ss.s, M180, 10, 6000, count_told, &n, &err), 1);
	assert_int_equal(n, 1);
	assert_int_equal(store_handover_retell(f->ss.s, M181, 1, &err), 0);   /* another's */
	assert_int_equal(store_handover_retell(f->ss.s, M180, 5500, &err), 1);
	assert_string_equal(q_text(db, "SELECT group_concat(told_at) FROM (SELECT"
	    " told_at FROM inbox_handover ORDER BY inbox_id)"), "5000,5000,0");
	assert_int_equal(store_handover_retell(f->ss.s, M180, 1, &err), 2);
	n = 0;
	assert_int_equal(store_handover_untold(f->ss.s, M180, 10, 7000, count_told, &n, &err), 3);
	assert_int_equal(n, 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM inbox_handover WHERE told_at = 7000"), 3);
}

/* A rejection is remembered per sender, once, with its code and reason. */
static void
test_rejections(void **state)
{
	fixture_t *f = *state;
	const char *id = "01KE2Q7Z9K3M5N7P9R1T3V5X7Z";
	char reason[501];
	err_t err = {0};
	int code = 0;

	assert_int_equal(store_rejection_get(f->ss.s, id, M180, &code, reason, sizeof(reason), &err), 0);
	assert_int_equal(store_rejection_put(f->ss.s, id, M180, 8, "no referral 0180-2026-1", 5, &err), 0);
	assert_int_equal(store_rejection_put(f->ss.s, id, M180, 4, "second answer", 6, &err), 0);
	assert_int_equal(store_rejection_get(f->ss.s, id, M180, &code, reason, sizeof(reason), &err), 1);
	assert_int_equal(code, 8);                       /* the first answer stands */
	assert_string_equal(reason, "no referral 0180-2026-1");
	assert_int_equal(store_rejection_get(f->ss.s, id, M181, &code, reason, sizeof(reason), &err), 0);
}

static void
test_peers(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	store_peer_t p, q;
	msg_t m;
	err_t err = {0};

	memset(&p, 0xa5, sizeof(p));
	assert_int_equal(store_peer_load(f->ss.s, M180, &p, &err), 0);
	assert_string_equal(p.node_id, M180);
	assert_int_equal(p.next_out_seq, 1);
	assert_int_equal(p.next_in_seq, 1);
	assert_int_equal(p.last_seen, 0);
	assert_false(p.connected);
	assert_int_equal(p.sent_up_to, 0);

	enqueue(f->ss.s, &m, M180, 0);   /* next_out_seq becomes 2 */
	p.next_out_seq = 99;          /* not the saver's to write */
	p.next_in_seq = 7;
	p.last_seen = 1767605400000;
	p.connected = true;
	p.sent_up_to = 1;
	assert_int_equal(store_peer_save(f->ss.s, &p, &err), 0);
	assert_int_equal(store_peer_load(f->ss.s, M180, &q, &err), 0);
	assert_int_equal(q.next_out_seq, 2);
	assert_int_equal(q.next_in_seq, 7);
	assert_int_equal(q.last_seen, 1767605400000);
	assert_true(q.connected);
	assert_int_equal(q_int(db, "SELECT sent_up_to FROM peers WHERE node_id = %Q", M180), 1);

	/* last_seen 0 is stored as never. */
	p.last_seen = 0;
	assert_int_equal(store_peer_save(f->ss.s, &p, &err), 0);
	assert_int_equal(q_int(db, "SELECT last_seen IS NULL FROM peers WHERE node_id = %Q", M180), 1);

	/* Loading one peer leaves the others alone. */
	assert_int_equal(store_peer_load(f->ss.s, M181, &q, &err), 0);
	assert_int_equal(q.next_in_seq, 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM peers"), 2);

	assert_int_equal(store_peers_reset(f->ss.s, &err), 0);
	assert_int_equal(store_peer_load(f->ss.s, M180, &q, &err), 0);
	assert_false(q.connected);
	assert_int_equal(q.next_in_seq, 7);
	assert_int_equal(q.next_out_seq, 2);
	assert_int_equal(q_int(db, "SELECT sent_up_to FROM peers WHERE node_id = %Q", M180), 0);
}

/* ---- audit, transactions, change detection ---------------------------- */

static void
test_audit_append_only(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	err_t err = {0};

	assert_int_equal(store_audit(f->ss.s, 123, AUDIT_OP, NULL, NULL, NULL, 0,
	    "famlinkctl send", &err), 0);
	assert_int_equal(store_audit(f->ss.s, 124, AUDIT_REJECT, "01KE2Q7Z9K3M5N7P9R1T3V5X7Z", M180,
	    "referral", 4, "child.alias", &err), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit"), 2);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit WHERE event = 'op'"
	    " AND message_id IS NULL AND peer IS NULL AND code = 0 AND at = 123"), 1);

	assert_int_equal(store_exec(f->ss.s, "UPDATE audit SET detail = 'x'", &err), -1);
	assert_msg_has(&err, "append-only");
	memset(&err, 0, sizeof(err));
	assert_int_equal(store_exec(f->ss.s, "DELETE FROM audit", &err), -1);
	assert_msg_has(&err, "append-only");
	memset(&err, 0, sizeof(err));
	assert_int_equal(store_exec(f->ss.s, "DELETE FROM audit WHERE at = 123", &err), -1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM audit"), 2);
	assert_string_equal(q_text(db, "SELECT detail FROM audit WHERE at = 123"),
	    "famlinkctl send");
}

static void
test_savepoint(void **state)
{
	fixture_t *f = *state;
	char st[REFERRAL_STATE_MAX];
	err_t err = {0};

	assert_int_equal(store_begin(f->ss.s, &err), 0);
	assert_int_equal(store_referral_submit(f->ss.s, M180, "r-1", 0, 0, 1, &err), 0);
	assert_int_equal(store_savepoint(f->ss.s, &err), 0);
	assert_int_equal(store_referral_submit(f->ss.s, M180, "r-2", 0, 0, 1, &err), 0);
	assert_int_equal(store_referral_set_state(f->ss.s, M180, "r-1", "closed", 2, &err), 0);
	store_rollback_savepoint(f->ss.s);
	assert_int_equal(store_savepoint(f->ss.s, &err), 0);
	assert_int_equal(store_referral_submit(f->ss.s, M180, "r-3", 0, 0, 1, &err), 0);
	assert_int_equal(store_release(f->ss.s, &err), 0);
	assert_int_equal(store_commit(f->ss.s, &err), 0);

	assert_int_equal(store_referral_get(f->ss.s, M180, "r-1", st, &err), 1);
	assert_string_equal(st, "submitted");
	assert_int_equal(store_referral_get(f->ss.s, M180, "r-2", st, &err), 0);
	assert_int_equal(store_referral_get(f->ss.s, M180, "r-3", st, &err), 1);

	/* The whole transaction rolls back too, and the connection is usable after. */
	assert_int_equal(store_begin(f->ss.s, &err), 0);
	assert_int_equal(store_referral_submit(f->ss.s, M180, "r-4", 0, 0, 1, &err), 0);
	store_rollback(f->ss.s);
	assert_int_equal(store_referral_get(f->ss.s, M180, "r-4", st, &err), 0);
	assert_int_equal(store_begin(f->ss.s, &err), 0);
	assert_int_equal(store_commit(f->ss.s, &err), 0);
	/* A commit outside a transaction is an error, not a silent success. */
	assert_int_equal(store_commit(f->ss.s, &err), -1);
}

static void
test_changed_elsewhere(void **state)
{
	fixture_t *f = *state;
	store_t *other;
	store_peer_t p;
	err_t err = {0};

	other = store_open(f->ss.path, false, &err);
	assert_non_null(other);
	assert_false(store_changed_elsewhere(f->ss.s));   /* opening changed nothing */
	assert_false(store_changed_elsewhere(other));

	assert_int_equal(store_begin(other, &err), 0);
	assert_int_equal(store_peer_load(other, M180, &p, &err), 0);
	assert_false(store_changed_elsewhere(f->ss.s));   /* not committed yet */
	assert_int_equal(store_commit(other, &err), 0);
	assert_true(store_changed_elsewhere(f->ss.s));
	assert_false(store_changed_elsewhere(f->ss.s));   /* reported once */

	/* Our own commits are not someone else's. */
	assert_int_equal(store_begin(f->ss.s, &err), 0);
	assert_int_equal(store_peer_load(f->ss.s, M181, &p, &err), 0);
	assert_int_equal(store_commit(f->ss.s, &err), 0);
	assert_false(store_changed_elsewhere(f->ss.s));
	assert_true(store_changed_elsewhere(other));
	store_close(&other);
}

/* ---- referrals -------------------------------------------------------- */

static void
test_referrals(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	char st[REFERRAL_STATE_MAX], owner[65];
	err_t err = {0};

	assert_int_equal(store_referral_get(f->ss.s, M180, "0180-2026-0042", st, &err), 0);
	assert_int_equal(store_referral_owner(f->ss.s, "0180-2026-0042", owner, &err), 0);

	assert_int_equal(store_referral_submit(f->ss.s, M180, "0180-2026-0042", 0, 0, 100, &err), 0);
	assert_int_equal(store_referral_get(f->ss.s, M180, "0180-2026-0042", st, &err), 1);
	assert_string_equal(st, "submitted");
	assert_int_equal(store_referral_get(f->ss.s, M181, "0180-2026-0042", st, &err), 0);
	memset(owner, 0, sizeof(owner));
	assert_int_equal(store_referral_owner(f->ss.s, "0180-2026-0042", owner, &err), 1);
	assert_string_equal(owner, M180);

	/* Rejected, answered, purged: a Referral sent again starts afresh. */
	assert_int_equal(store_referral_set_state(f->ss.s, M180, "0180-2026-0042", "rejected",
	    200, &err), 0);
	assert_int_equal(store_referral_get(f->ss.s, M180, "0180-2026-0042", st, &err), 1);
	assert_string_equal(st, "rejected");
	assert_int_equal(q_int(db, "SELECT created_at FROM referrals WHERE owner = %Q", M180), 100);
	assert_int_equal(q_int(db, "SELECT updated_at FROM referrals WHERE owner = %Q", M180), 200);
	assert_int_equal(q_int(db, "SELECT answered_at FROM referrals WHERE owner = %Q", M180), 200);
	assert_int_equal(sqlite3_exec(db, "UPDATE referrals SET purged_at = 250", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(store_referral_submit(f->ss.s, M180, "0180-2026-0042", 1, 1, 300, &err), 0);
	assert_int_equal(store_referral_get(f->ss.s, M180, "0180-2026-0042", st, &err), 1);
	assert_string_equal(st, "submitted");
	assert_int_equal(q_int(db, "SELECT created_at FROM referrals WHERE owner = %Q", M180), 100);
	assert_int_equal(q_int(db, "SELECT submitted_at FROM referrals WHERE owner = %Q", M180), 300);
	assert_int_equal(q_int(db, "SELECT count(*) FROM referrals WHERE owner = %Q AND"
	    " answered_at IS NULL AND purged_at IS NULL", M180), 1);
	assert_int_equal(store_referral_set_state(f->ss.s, M180, "0180-2026-0042", "acknowledged",
	    301, &err), 0);

	/* Ids are per owner: another municipality may use the same one. */
	assert_int_equal(store_referral_submit(f->ss.s, M181, "0180-2026-0042", 0, 0, 300, &err), 0);
	assert_int_equal(store_referral_owner(f->ss.s, "0180-2026-0042", owner, &err), 2);
	assert_int_equal(store_referral_get(f->ss.s, M180, "0180-2026-0042", st, &err), 1);
	assert_string_equal(st, "acknowledged");
	assert_int_equal(store_referral_get(f->ss.s, M181, "0180-2026-0042", st, &err), 1);
	assert_string_equal(st, "submitted");
	assert_int_equal(store_referral_submit(f->ss.s, M182, "0180-2026-0042", 0, 0, 300, &err), 0);
	assert_int_equal(store_referral_owner(f->ss.s, "0180-2026-0042", owner, &err), 2);
}

/* ---- reports ---------------------------------------------------------- */

/* M180: 5 messages created at 1000..5000; #1 delivered, #2 dead, #3 sent,
 * #4 and #5 waiting (sent_up_to = 3). M181: one waiting. M182: known, idle. */
static void
report_setup(store_t *s, msg_t m[5], msg_t *b)
{
	store_peer_t p;
	err_t err = {0};

	for (int i = 0; i < 5; i++)
		enqueue(s, &m[i], M180, 1000 * (i + 1));
	enqueue(s, b, M181, 7000);
	assert_int_equal(store_mark_delivered(s, M180, m[0].id, 8000, NULL, NULL, &err), 1);
	assert_int_equal(store_mark_dead(s, M180, m[1].id, 4, "child.alias required", 8000,
	    NULL, &err), 1);
	assert_int_equal(store_peer_load(s, M180, &p, &err), 0);
	p.sent_up_to = 3;
	p.connected = true;
	p.last_seen = 9000;
	assert_int_equal(store_peer_save(s, &p, &err), 0);
	assert_int_equal(store_peer_load(s, M182, &p, &err), 0);
}

static void
test_report_peers(void **state)
{
	fixture_t *f = *state;
	msg_t m[5], b;
	peer_report_t *r = NULL;
	size_t n = 99;
	err_t err = {0};

	assert_int_equal(store_report_peers(f->ss.s, &r, &n, &err), 0);
	assert_int_equal(n, 0);
	free(r);

	report_setup(f->ss.s, m, &b);
	assert_int_equal(store_report_peers(f->ss.s, &r, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(r[0].node_id, M180);
	assert_true(r[0].connected);
	assert_int_equal(r[0].last_seen, 9000);
	assert_int_equal(r[0].waiting, 2);
	assert_int_equal(r[0].unacked, 1);
	assert_int_equal(r[0].oldest_unacked, 3000);   /* #3, sent; #4 and #5 wait */
	assert_int_equal(r[0].oldest_waiting, 4000);
	assert_int_equal(r[0].delivered, 1);
	assert_int_equal(r[0].dead, 1);

	assert_string_equal(r[1].node_id, M181);
	assert_false(r[1].connected);
	assert_int_equal(r[1].last_seen, 0);
	assert_int_equal(r[1].waiting, 1);
	assert_int_equal(r[1].unacked, 0);
	assert_int_equal(r[1].oldest_unacked, 0);    /* nothing sent: nothing unanswered */
	assert_int_equal(r[1].oldest_waiting, 7000);
	assert_int_equal(r[1].delivered, 0);
	assert_int_equal(r[1].dead, 0);

	assert_string_equal(r[2].node_id, M182);
	assert_int_equal(r[2].waiting + r[2].unacked + r[2].delivered + r[2].dead, 0);
	assert_int_equal(r[2].oldest_unacked, 0);
	free(r);

	assert_int_equal(store_report_dead_total(f->ss.s, false, &err), 1);
}

typedef struct qrow {
	char message_id[MESSAGE_ID_LEN + 1], peer[65], body_type[32], referral_id[65];
	char state[16], reason[64];
	uint64_t sequence;
	int64_t created_at;
	int code;
} qrow_t;

typedef struct qrows {
	size_t n;
	qrow_t row[16];
} qrows_t;

static void
queue_cb(void *ctx, const queue_report_t *in)
{
	qrows_t *q = ctx;
	qrow_t *r;

	assert_true(q->n < 16);
	r = &q->row[q->n++];
	snprintf(r->message_id, sizeof(r->message_id), "%s", in->message_id);
	snprintf(r->peer, sizeof(r->peer), "%s", in->peer);
	snprintf(r->body_type, sizeof(r->body_type), "%s", in->body_type);
	snprintf(r->referral_id, sizeof(r->referral_id), "%s", in->referral_id);
	snprintf(r->state, sizeof(r->state), "%s", in->state);
	snprintf(r->reason, sizeof(r->reason), "%s", in->reason ? in->reason : "(null)");
	r->sequence = in->sequence;
	r->created_at = in->created_at;
	r->code = in->code;
}

static void
test_report_queue(void **state)
{
	fixture_t *f = *state;
	msg_t m[5], b;
	qrows_t q;
	err_t err = {0};

	memset(&q, 0, sizeof(q));
	assert_int_equal(store_report_queue(f->ss.s, 0, queue_cb, &q, &err), 0);
	assert_int_equal(q.n, 0);

	report_setup(f->ss.s, m, &b);
	memset(&q, 0, sizeof(q));
	assert_int_equal(store_report_queue(f->ss.s, 0, queue_cb, &q, &err), 0);
	/* Undelivered first (per peer, in sequence order), then dead letters;
	 * the delivered one is not listed. */
	assert_int_equal(q.n, 5);
	assert_string_equal(q.row[0].message_id, m[2].id);
	assert_string_equal(q.row[0].state, "sent");
	assert_int_equal(q.row[0].sequence, 3);
	assert_int_equal(q.row[0].created_at, 3000);
	assert_string_equal(q.row[0].peer, M180);
	assert_string_equal(q.row[0].body_type, "info_request");
	assert_string_equal(q.row[0].referral_id, "0180-2026-0042");
	assert_string_equal(q.row[0].reason, "");
	assert_int_equal(q.row[0].code, 0);
	assert_string_equal(q.row[1].message_id, m[3].id);
	assert_string_equal(q.row[1].state, "waiting");
	assert_string_equal(q.row[2].message_id, m[4].id);
	assert_string_equal(q.row[2].state, "waiting");
	assert_string_equal(q.row[3].message_id, b.id);
	assert_string_equal(q.row[3].peer, M181);
	assert_string_equal(q.row[3].state, "waiting");
	assert_int_equal(q.row[3].sequence, 1);
	assert_string_equal(q.row[4].message_id, m[1].id);
	assert_string_equal(q.row[4].state, "dead");
	assert_string_equal(q.row[4].reason, "child.alias required");
	assert_int_equal(q.row[4].code, 4);
	assert_int_equal(q.row[4].sequence, 2);

	memset(&q, 0, sizeof(q));
	assert_int_equal(store_report_queue(f->ss.s, 2, queue_cb, &q, &err), 0);
	assert_int_equal(q.n, 2);
	assert_string_equal(q.row[0].message_id, m[2].id);
	assert_string_equal(q.row[1].message_id, m[3].id);
}

/* ---- refusals and configured peers (migration 2) --------------------- */

static void
test_peer_refused_since(void **state)
{
	fixture_t *f = *state;
	sqlite3 *db = store_db(f->ss.s);
	store_peer_t p, q;
	err_t err = {0};

	assert_int_equal(store_peer_load(f->ss.s, HUB, &p, &err), 0);
	assert_int_equal(p.refused_since, 0);
	assert_int_equal(q_int(db, "SELECT refused_since IS NULL FROM peers WHERE node_id = %Q", HUB), 1);

	p.refused_since = 1767605400000;
	assert_int_equal(store_peer_save(f->ss.s, &p, &err), 0);
	assert_int_equal(store_peer_load(f->ss.s, HUB, &q, &err), 0);
	assert_int_equal(q.refused_since, 1767605400000);

	/* 0 is stored as not refused. */
	p.refused_since = 0;
	assert_int_equal(store_peer_save(f->ss.s, &p, &err), 0);
	assert_int_equal(q_int(db, "SELECT refused_since IS NULL FROM peers WHERE node_id = %Q", HUB), 1);

	/* A refusal is the live process's knowledge: a start forgets it. */
	p.refused_since = 1767605400000;
	assert_int_equal(store_peer_save(f->ss.s, &p, &err), 0);
	assert_int_equal(store_peers_reset(f->ss.s, &err), 0);
	assert_int_equal(store_peer_load(f->ss.s, HUB, &q, &err), 0);
	assert_int_equal(q.refused_since, 0);
}

static void
test_report_peers_with(void **state)
{
	fixture_t *f = *state;
	const char *const configured[] = { M181, "municipality:0183", "municipality:0100" };
	msg_t m[5], b;
	store_peer_t p;
	peer_report_t *r = NULL;
	size_t n = 0;
	err_t err = {0};

	/* Nothing stored yet: the configured ones alone. */
	assert_int_equal(store_report_peers_with(f->ss.s, configured, 3, &r, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(r[0].node_id, "municipality:0100");
	assert_true(r[0].configured);
	free(r);

	report_setup(f->ss.s, m, &b);
	assert_int_equal(store_peer_load(f->ss.s, M181, &p, &err), 0);
	p.refused_since = 4242;
	assert_int_equal(store_peer_save(f->ss.s, &p, &err), 0);
	assert_int_equal(store_report_peers_with(f->ss.s, configured, 3, &r, &n, &err), 0);
	/* Stored M180..M182, plus the two configured without a row; by node id. */
	assert_int_equal(n, 5);
	assert_string_equal(r[0].node_id, "municipality:0100");
	assert_string_equal(r[1].node_id, M180);
	assert_string_equal(r[2].node_id, M181);
	assert_string_equal(r[3].node_id, M182);
	assert_string_equal(r[4].node_id, "municipality:0183");
	assert_false(r[1].configured);
	assert_true(r[2].configured);
	assert_false(r[3].configured);
	assert_true(r[4].configured);
	/* A stored row keeps its numbers; a configured-only one is all zeros. */
	assert_int_equal(r[1].waiting, 2);
	assert_true(r[1].connected);
	assert_int_equal(r[2].refused_since, 4242);
	assert_int_equal(r[2].waiting, 1);
	assert_false(r[4].connected);
	assert_int_equal(r[4].last_seen + r[4].waiting + r[4].unacked + r[4].delivered +
	    r[4].dead + r[4].refused_since + r[4].oldest_unacked, 0);
	free(r);

	/* Without a config: what the store holds, none flagged. */
	assert_int_equal(store_report_peers_with(f->ss.s, NULL, 0, &r, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_false(r[0].configured || r[1].configured || r[2].configured);
	free(r);
}

/* Takes the store at f back to schema 1 (migrations 2 to 10 undone). */
static void
downgrade_to_v1(fixture_t *f)
{
	sqlite3 *db;

	store_close(&f->ss.s);
	assert_int_equal(sqlite3_open(f->ss.path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "ALTER TABLE peers DROP COLUMN refused_since;"
	    " DROP TABLE identity; ALTER TABLE outbox DROP COLUMN checksum; DROP INDEX audit_skip;"
	    " DROP TABLE proposals; DROP TABLE transitions; DROP TABLE deadlines;"
	    " DROP TABLE notifications; DROP TABLE dialogue; ALTER TABLE referrals DROP COLUMN kind;"
	    " ALTER TABLE referrals DROP COLUMN urgency; ALTER TABLE referrals DROP COLUMN submitted_at;"
	    " ALTER TABLE referrals DROP COLUMN answered_at; ALTER TABLE referrals DROP COLUMN closed_at;"
	    " ALTER TABLE referrals DROP COLUMN outcome; ALTER TABLE referrals DROP COLUMN purged_at;"
	    " DROP TABLE handovers; DROP TABLE inbox_handover; ALTER TABLE outbox DROP"
	    " COLUMN handed_over_at; ALTER TABLE referrals DROP COLUMN held_since;"
	    " DROP TABLE collected; ALTER TABLE audit DROP COLUMN hash; DROP TABLE alerts;"
	    " DROP INDEX outbox_resend_of; ALTER TABLE outbox DROP COLUMN resend_of;"
	    " ALTER TABLE outbox DROP COLUMN held_at; ALTER TABLE dead_letters DROP COLUMN acked_at;"
	    " ALTER TABLE peers DROP COLUMN forgotten_at; DROP TABLE alarm_acks;"
	    " PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* famlinkctl opens read-only and does not migrate: a store the daemon has
 * not migrated yet still reports (refused_since reads as 0); opening it
 * read-write migrates and keeps the rows. */
static void
test_report_peers_schema_1(void **state)
{
	fixture_t *f = *state;
	store_peer_t p;
	peer_report_t *r = NULL;
	size_t n = 0;
	store_t *ro;
	err_t err = {0};

	assert_int_equal(store_peer_load(f->ss.s, M180, &p, &err), 0);
	p.last_seen = 9000;
	assert_int_equal(store_peer_save(f->ss.s, &p, &err), 0);
	downgrade_to_v1(f);

	ro = store_open(f->ss.path, true, &err);
	assert_non_null(ro);
	assert_int_equal(store_schema_version(ro), 1);
	assert_int_equal(store_report_peers(ro, &r, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].last_seen, 9000);
	assert_int_equal(r[0].refused_since, 0);
	free(r);
	store_close(&ro);

	f->ss.s = store_open(f->ss.path, false, &err);
	assert_non_null(f->ss.s);
	assert_int_equal(store_schema_version(f->ss.s), SCHEMA_NOW);
	assert_int_equal(store_peer_load(f->ss.s, M180, &p, &err), 0);
	assert_int_equal(p.last_seen, 9000);
	assert_int_equal(p.refused_since, 0);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_creates_schema),
		T(test_journal_settings),
		T(test_not_a_database),
		T(test_newer_schema_refused),
		T(test_read_only),
		T(test_enqueue_sequences_per_peer),
		T(test_outbox_scan),
		T(test_first_unacked),
		T(test_mark_delivered),
		T(test_mark_dead),
		T(test_inbox),
		T(test_handover_told_and_retell),
		T(test_rejections),
		T(test_peers),
		T(test_audit_append_only),
		T(test_savepoint),
		T(test_changed_elsewhere),
		T(test_referrals),
		T(test_report_peers),
		T(test_report_queue),
		T(test_peer_refused_since),
		T(test_report_peers_with),
		T(test_report_peers_schema_1),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
