/*
 * store — opening, checking and migrating the database, and transactions.
 * Queries on the tables live in store_queue.c, store_audit.c and
 * store_report.c.
 *
 * Crash safety rests on two settings checked at every start: journal_mode=WAL
 * and synchronous=FULL. With NORMAL a committed transaction can vanish on power
 * loss, and a Receipt we sent would then lie. Speed comes from committing
 * many messages per transaction, never from weaker syncing.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "faultvfs.h"
#include "store.h"

#define STORE_STR_(x) #x
#define STORE_STR(x) STORE_STR_(x)

/* Prepared statements, keyed by the address of their static SQL text: one
 * entry per statement the code has, so the cache only grows while new
 * code paths run for the first time. */
typedef struct stmt_entry {
	const char *sql;
	sqlite3_stmt *stmt;
} stmt_entry_t;

struct store {
	sqlite3 *db;
	bool read_only;
	int64_t open_wait_ms;   /* how long store_open() waited for a busy store */
	int64_t check_ms;       /* how long its quick_check took */
	int data_version;
	sqlite3_stmt *data_version_stmt;
	stmt_entry_t *cache;
	size_t ncache, capcache;
	/* The audit chain's last row (store_audit.c), so that writing a row
	 * costs no read. Forgotten on any rollback and when another connection
	 * committed since (audit_dv: data_version when it was last checked). */
	store_audit_tip_t audit_tip;
	int audit_dv;
};

/* Numbered migrations: migrations[i] takes user_version i to i + 1. Add new
 * ones at the end; never edit one that has shipped. */
static const char *const migrations[] = {
	/* 1: the core exchange */
	"CREATE TABLE peers ("
	"  node_id      TEXT PRIMARY KEY,"
	"  next_out_seq INTEGER NOT NULL DEFAULT 1," /* next sequence we give it */
	"  next_in_seq  INTEGER NOT NULL DEFAULT 1," /* next sequence we apply */
	"  connected    INTEGER NOT NULL DEFAULT 0,"
	"  sent_up_to   INTEGER NOT NULL DEFAULT 0,"  /* highest sequence the daemon sent */
	"  last_seen    INTEGER"                     /* Unix ms */
	") WITHOUT ROWID;"
	"CREATE TABLE outbox ("
	"  id           INTEGER PRIMARY KEY,"
	"  message_id   TEXT NOT NULL UNIQUE,"
	"  peer         TEXT NOT NULL,"
	"  sequence     INTEGER NOT NULL,"
	"  referral_id  TEXT NOT NULL,"
	"  body_type    TEXT NOT NULL,"
	"  created_at   INTEGER NOT NULL,"
	"  envelope     BLOB NOT NULL,"
	"  state        TEXT NOT NULL CHECK (state IN ('queued','delivered','dead')),"
	"  attempts     INTEGER NOT NULL DEFAULT 0,"
	"  last_sent_at INTEGER,"
	"  delivered_at INTEGER,"
	"  UNIQUE (peer, sequence)"
	");"
	"CREATE INDEX outbox_queued ON outbox (peer, sequence) WHERE state = 'queued';"
	/* A rowid table: its rows hold whole envelopes (kilobytes), too big
	 * for a WITHOUT ROWID b-tree. */
	"CREATE TABLE inbox ("
	"  id           INTEGER PRIMARY KEY,"
	"  message_id   TEXT NOT NULL UNIQUE,"
	"  sender       TEXT NOT NULL,"
	"  sequence     INTEGER NOT NULL,"
	"  referral_id  TEXT NOT NULL,"
	"  body_type    TEXT NOT NULL,"
	"  created_at   INTEGER NOT NULL,"
	"  received_at  INTEGER NOT NULL,"
	"  envelope     BLOB NOT NULL"
	");"
	/* Our final answer to messages we refused (ids and codes, never
	 * content), so that a resend gets the same answer again. */
	"CREATE TABLE rejections ("
	"  message_id   TEXT PRIMARY KEY,"
	"  sender       TEXT NOT NULL,"
	"  code         INTEGER NOT NULL,"
	"  reason       TEXT NOT NULL,"
	"  at           INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE dead_letters ("
	"  message_id   TEXT PRIMARY KEY,"
	"  peer         TEXT NOT NULL,"
	"  body_type    TEXT NOT NULL,"
	"  dead_at      INTEGER NOT NULL,"
	"  code         INTEGER NOT NULL,"
	"  reason       TEXT NOT NULL"
	") WITHOUT ROWID;"
	/* Referral ids are the owning municipality's: unique per owner only,
	 * so no municipality can learn of, or collide with, another's. */
	"CREATE TABLE referrals ("
	"  owner        TEXT NOT NULL,"                /* the municipality's node id */
	"  referral_id  TEXT NOT NULL,"
	"  state        TEXT NOT NULL,"
	"  created_at   INTEGER NOT NULL,"
	"  updated_at   INTEGER NOT NULL,"
	"  PRIMARY KEY (owner, referral_id)"
	") WITHOUT ROWID;"
	/* Ids, types, codes and times only: never message content. */
	"CREATE TABLE audit ("
	"  id           INTEGER PRIMARY KEY,"
	"  at           INTEGER NOT NULL,"
	"  event        TEXT NOT NULL,"
	"  message_id   TEXT,"
	"  peer         TEXT,"
	"  body_type    TEXT,"
	"  code         INTEGER NOT NULL DEFAULT 0,"
	"  detail       TEXT"
	");"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	"  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;",
	/* 2: since when the hub has refused a municipality's key (Unix ms,
	 * NULL = not refused), for famlinkctl status: the daemon writes it,
	 * famlinkctl reads it whether or not the daemon runs. */
	"ALTER TABLE peers ADD COLUMN refused_since INTEGER;",
	/* 3: which node this store belongs to, written once when the store is
	 * made, so that a store that is not what it was (empty, replaced, lost)
	 * is told from a first start. One row at most. */
	"CREATE TABLE identity ("
	"  one          INTEGER PRIMARY KEY CHECK (one = 1),"
	"  node_id      TEXT NOT NULL,"
	"  store_id     TEXT NOT NULL,"   /* random, also in the marker file */
	"  created_at   INTEGER NOT NULL"
	");",
	/* 4: a checksum of each stored envelope, checked when it is read for
	 * sending, so that a damaged row is never sent as if it were whole; and
	 * an index for famlinkctl status, which shows each peer's channel jumps
	 * (audit 'skip'). */
	("ALTER TABLE outbox ADD COLUMN checksum INTEGER;"
	 "CREATE INDEX audit_skip ON audit (peer, at) WHERE event = 'skip';"),
	/* 5: the routine (routine_table.h): what each referral is and when it
	 * was answered and closed; the proposals, whose rows with passed_on_at
	 * are the hub's ledger of families passed on; and every transition,
	 * for the meeting report's counts (ids, names and codes only). */
	("ALTER TABLE referrals ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE referrals ADD COLUMN urgency INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE referrals ADD COLUMN submitted_at INTEGER;"
	 "ALTER TABLE referrals ADD COLUMN answered_at INTEGER;"
	 "ALTER TABLE referrals ADD COLUMN closed_at INTEGER;"
	 "ALTER TABLE referrals ADD COLUMN outcome INTEGER NOT NULL DEFAULT 0;"
	 "CREATE TABLE proposals ("
	 "  owner        TEXT NOT NULL,"
	 "  referral_id  TEXT NOT NULL,"
	 "  proposal_id  TEXT NOT NULL,"
	 "  state        TEXT NOT NULL,"
	 "  family_ref   TEXT NOT NULL DEFAULT '',"  /* the pool's register number */
	 "  created_at   INTEGER NOT NULL,"
	 "  updated_at   INTEGER NOT NULL,"
	 "  passed_on_at INTEGER,"                   /* contact details sent */
	 "  last_status  INTEGER NOT NULL DEFAULT 0,"  /* PlacementStatus */
	 "  last_status_at INTEGER,"
	 "  ended_at     INTEGER,"
	 "  PRIMARY KEY (owner, referral_id, proposal_id)"
	 ") WITHOUT ROWID;"
	 "CREATE INDEX proposals_family ON proposals (family_ref) WHERE passed_on_at IS NOT NULL;"
	 "CREATE TABLE transitions ("
	 "  id           INTEGER PRIMARY KEY,"
	 "  at           INTEGER NOT NULL,"
	 "  owner        TEXT NOT NULL,"
	 "  referral_id  TEXT NOT NULL,"
	 "  proposal_id  TEXT NOT NULL DEFAULT '',"
	 "  event        TEXT NOT NULL,"
	 "  from_state   TEXT NOT NULL,"
	 "  to_state     TEXT NOT NULL,"
	 "  code         INTEGER NOT NULL DEFAULT 0,"  /* RejectionReason, ClosingOutcome */
	 "  message_id   TEXT NOT NULL"
	 ");"),
	/* 6: deadlines (deadline.h) and the notifications they cause, a queue
	 * that the email adapter reads; ids, kinds and times only. fired holds
	 * a bit per stage already notified (1 reminder, 2 overdue, 4
	 * escalation) and next_at the instant of the next one, so a stage
	 * fires once, in the transaction that queues its notification. */
	("CREATE TABLE deadlines ("
	 "  id           INTEGER PRIMARY KEY,"
	 "  owner        TEXT NOT NULL,"
	 "  referral_id  TEXT NOT NULL,"
	 "  proposal_id  TEXT NOT NULL DEFAULT '',"
	 "  kind         TEXT NOT NULL,"     /* acknowledge, first_contact, status_report */
	 "  actor        TEXT NOT NULL,"     /* who must act: pool, or the municipality's id */
	 "  started_at   INTEGER NOT NULL,"
	 "  remind_at    INTEGER NOT NULL,"
	 "  due_at       INTEGER NOT NULL,"
	 "  escalate_at  INTEGER NOT NULL,"
	 "  state        TEXT NOT NULL CHECK (state IN ('open', 'met', 'cancelled')),"
	 "  closed_at    INTEGER,"
	 "  fired        INTEGER NOT NULL DEFAULT 0,"
	 "  next_at      INTEGER"
	 ");"
	 "CREATE INDEX deadlines_next ON deadlines (next_at) WHERE state = 'open';"
	 "CREATE INDEX deadlines_referral ON deadlines (owner, referral_id) WHERE state = 'open';"
	 "CREATE TABLE notifications ("
	 "  id           INTEGER PRIMARY KEY,"
	 "  at           INTEGER NOT NULL,"
	 "  event        TEXT NOT NULL CHECK (event IN ('reminder', 'overdue', 'escalation')),"
	 "  deadline_id  INTEGER NOT NULL,"
	 "  kind         TEXT NOT NULL,"
	 "  owner        TEXT NOT NULL,"
	 "  referral_id  TEXT NOT NULL,"
	 "  proposal_id  TEXT NOT NULL DEFAULT '',"
	 "  actor        TEXT NOT NULL,"
	 "  recipient    TEXT NOT NULL,"     /* secretary, pool_contact, escalation */
	 "  due_at       INTEGER NOT NULL,"
	 "  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),"
	 "  sent_at      INTEGER"
	 ");"
	 "CREATE INDEX notifications_pending ON notifications (id) WHERE state = 'pending';"
	 /* retention: when the personal data of a closed referral was purged */
	 "ALTER TABLE referrals ADD COLUMN purged_at INTEGER;"),
	/* 7: the dialogue of a referral (seed 000 steps 2-4): each question
	 * (InfoRequest) until it is answered, and each ad (AdProposal) until
	 * the municipality decides it, by their own ids; and the id of such an
	 * item on the deadlines that chase it. Ids, states and times only. */
	("CREATE TABLE dialogue ("
	 "  owner        TEXT NOT NULL,"
	 "  referral_id  TEXT NOT NULL,"
	 "  item         TEXT NOT NULL CHECK (item IN ('question', 'ad')),"
	 "  item_id      TEXT NOT NULL,"
	 "  state        TEXT NOT NULL,"
	 "  opened_at    INTEGER NOT NULL,"
	 "  updated_at   INTEGER NOT NULL,"
	 "  closed_at    INTEGER,"
	 "  PRIMARY KEY (owner, referral_id, item, item_id)"
	 ") WITHOUT ROWID;"
	 "ALTER TABLE deadlines ADD COLUMN item_id TEXT NOT NULL DEFAULT '';"),
	/* 8: the hand-over to the local system (adapters): how far each
	 * adapter that delivers has taken the inbox, in inbox order, and its
	 * last failure (codes and ids); when a received message was handed over
	 * by all of them and when its sender was told (a HANDED_OVER Receipt); when a sent one was reported handed over; since when
	 * retention holds a closed referral back for a hand-over. The
	 * notifications queue grows the events that are not deadlines (a
	 * message that needs a person, a dead letter, a stuck adapter), and the
	 * delivery state of the email adapter. Ids, codes and times only. */
	("CREATE TABLE handovers ("
	 "  adapter      TEXT PRIMARY KEY,"           /* its [adapter NAME] */
	 "  done_up_to   INTEGER NOT NULL,"           /* inbox.id handed over up to */
	 "  attempts     INTEGER NOT NULL DEFAULT 0," /* failures in a row */
	 "  last_error   TEXT,"
	 "  failing_since INTEGER,"
	 "  stuck_since  INTEGER,"                    /* the stuck notification went out */
	 "  updated_at   INTEGER NOT NULL"
	 ") WITHOUT ROWID;"
	 /* A narrow table of its own, not columns of the inbox: writing a
	  * column of a row that holds an envelope rewrites the whole row. */
	 "CREATE TABLE inbox_handover ("
	 "  inbox_id     INTEGER PRIMARY KEY,"        /* inbox.id */
	 "  sender       TEXT NOT NULL,"
	 "  handed_over_at INTEGER NOT NULL,"
	 "  told_at      INTEGER NOT NULL DEFAULT 0"  /* HANDED_OVER sent to the sender, 0 = not */
	 ");"
	 "CREATE INDEX inbox_handover_told ON inbox_handover (sender, told_at);"
	 "ALTER TABLE outbox ADD COLUMN handed_over_at INTEGER;"
	 "ALTER TABLE referrals ADD COLUMN held_since INTEGER;"
	 "CREATE TABLE notifications_8 ("
	 "  id           INTEGER PRIMARY KEY,"
	 "  at           INTEGER NOT NULL,"
	 /* reminder, overdue, escalation, message, dead_letter, adapter_stuck,
	  * adapter_cleared */
	 "  event        TEXT NOT NULL,"
	 "  deadline_id  INTEGER,"
	 "  kind         TEXT NOT NULL DEFAULT '',"   /* the deadline's kind or the body type */
	 "  owner        TEXT NOT NULL DEFAULT '',"
	 "  referral_id  TEXT NOT NULL DEFAULT '',"
	 "  proposal_id  TEXT NOT NULL DEFAULT '',"
	 "  actor        TEXT NOT NULL DEFAULT '',"
	 "  recipient    TEXT NOT NULL,"              /* a role: secretary, pool_contact, … */
	 "  due_at       INTEGER,"
	 "  message_id   TEXT NOT NULL DEFAULT '',"
	 "  adapter      TEXT NOT NULL DEFAULT '',"
	 "  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),"
	 "  sent_at      INTEGER,"
	 "  attempts     INTEGER NOT NULL DEFAULT 0,"
	 "  next_at      INTEGER,"
	 "  last_error   TEXT"
	 ");"
	 "INSERT INTO notifications_8 (id, at, event, deadline_id, kind, owner, referral_id,"
	 "  proposal_id, actor, recipient, due_at, state, sent_at)"
	 "  SELECT id, at, event, deadline_id, kind, owner, referral_id, proposal_id, actor,"
	 "  recipient, due_at, state, sent_at FROM notifications;"
	 "DROP TABLE notifications;"
	 "ALTER TABLE notifications_8 RENAME TO notifications;"
	 "CREATE INDEX notifications_pending ON notifications (id) WHERE state = 'pending';"),
	/* 9: what an adapter collected from the local system and queued (a
	 * spool file by name and checksum, a REST item by its id), written in
	 * the transaction that queues it: after a crash between that commit and
	 * the file's move (or the item's confirmation) the same thing is known,
	 * not queued again. */
	("CREATE TABLE collected ("
	 "  adapter      TEXT NOT NULL,"
	 "  item         TEXT NOT NULL,"
	 "  message_id   TEXT NOT NULL,"
	 "  at           INTEGER NOT NULL,"
	 "  PRIMARY KEY (adapter, item)"
	 ") WITHOUT ROWID;"),
	/* 10: the audit rows' hash chain (store_audit.h): each row's SHA-256
	 * over the previous row's hash and its own fields. Rows written before
	 * this migration have none: the chain starts at the first hashed row. */
	"ALTER TABLE audit ADD COLUMN hash BLOB;",
	/* 11: the alerts raised now (store_alert.h): a row from onset to
	 * clearing, so that each says so once, also across restarts. */
	("CREATE TABLE alerts ("
	 "  kind         TEXT NOT NULL,"
	 "  subject      TEXT NOT NULL,"
	 "  since        INTEGER NOT NULL,"
	 "  raised_at    INTEGER NOT NULL,"
	 "  PRIMARY KEY (kind, subject)"
	 ") WITHOUT ROWID;"),
	/* 12: the operator's actions on stuck messages (store_action.h):
	 * resend_of names the message a retry or readdress sent again under
	 * this new id; held_at stops the pump at a held message until it is
	 * released; acked_at (dead letters) and alarm_acks (sequence skips,
	 * up to an audit row's id) are what famlinkctl ack-alarm has seen, so
	 * status counts only the rest; forgotten_at hides a peer that is no
	 * longer configured (its row and sequences are kept, so that a peer
	 * configured again goes on from where its channel was). */
	("ALTER TABLE outbox ADD COLUMN resend_of TEXT;"
	 "ALTER TABLE outbox ADD COLUMN held_at INTEGER;"
	 "CREATE INDEX outbox_resend_of ON outbox (resend_of) WHERE resend_of IS NOT NULL;"
	 "ALTER TABLE dead_letters ADD COLUMN acked_at INTEGER;"
	 "ALTER TABLE peers ADD COLUMN forgotten_at INTEGER;"
	 "CREATE TABLE alarm_acks ("
	 "  peer         TEXT PRIMARY KEY,"
	 "  skips_up_to  INTEGER NOT NULL,"    /* the last skip audit row acknowledged */
	 "  at           INTEGER NOT NULL"
	 ") WITHOUT ROWID;"),
};
#define MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

sqlite3 *store_db(store_t *store) { return store->db; }
int64_t store_open_wait_ms(const store_t *store) { return store->open_wait_ms; }
int64_t store_check_ms(const store_t *store) { return store->check_ms; }

void
store_global_init(void)
{
	/* Both fail only after sqlite3_initialize(), and then change nothing. */
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* Tests only: nothing unless a FAMLINK_FAULT_* variable is set. */
	faultvfs_install();
}

/* Statements are prepared once and kept: the hot path (one insert per
 * message) must not pay for parsing SQL. Keyed by the literal's address. */
sqlite3_stmt *
store_stmt(store_t *store, const char *sql, err_t *err)
{
	stmt_entry_t *e;

	for (size_t i = 0; i < store->ncache; i++) {
		if (store->cache[i].sql == sql) {
			sqlite3_reset(store->cache[i].stmt);
			sqlite3_clear_bindings(store->cache[i].stmt);
			return store->cache[i].stmt;
		}
	}
	if (store->ncache == store->capcache) {
		size_t cap = store->capcache ? store->capcache * 2 : 64;
		stmt_entry_t *grown = realloc(store->cache, cap * sizeof(*grown));
		if (grown == NULL) {
			err_set(err, SQLITE_NOMEM, "out of memory for a prepared statement");
			return NULL;
		}
		store->cache = grown;
		store->capcache = cap;
	}
	e = &store->cache[store->ncache];
	if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &e->stmt, NULL)
	    != SQLITE_OK) {
		err_set(err, sqlite3_errcode(store->db), "sqlite: %s", sqlite3_errmsg(store->db));
		return NULL;
	}
	e->sql = sql;
	store->ncache++;
	return e->stmt;
}

int
store_fail(store_t *store, err_t *err)
{
	return err_set(err, sqlite3_extended_errcode(store->db), "sqlite: %s",
	    sqlite3_errmsg(store->db));
}

void
store_col_text(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(buf, len, "%s", v ? (const char *)v : "");
}

int
store_step_done(store_t *store, sqlite3_stmt *st, err_t *err)
{
	int step = sqlite3_step(st);

	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

int
store_one_text(store_t *store, sqlite3_stmt *st, char *buf, size_t len, err_t *err)
{
	int step = sqlite3_step(st);

	if (step == SQLITE_ROW)
		store_col_text(st, 0, buf, len);
	sqlite3_reset(st);
	if (step == SQLITE_ROW)
		return 1;
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

int
store_exec(store_t *store, const char *sql, err_t *err)
{
	char *msg = NULL;

	if (sqlite3_exec(store->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	err_set(err, sqlite3_errcode(store->db), "sqlite: %s",
	    msg ? msg : sqlite3_errmsg(store->db));
	sqlite3_free(msg);
	return -1;
}

static int
pragma_text(store_t *store, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int
store_schema_version(store_t *store)
{
	char v[32];

	if (pragma_text(store, "PRAGMA user_version", v, sizeof(v)) != 0)
		return -1;
	return atoi(v);
}

/* WAL + FULL, verified by reading them back: a pragma that silently did not
 * take (a read-only medium, an old file) must stop the daemon, not weaken it. */
static int
configure(store_t *store, err_t *err)
{
	char mode[32], sync[32];

	sqlite3_busy_timeout(store->db, STORE_BUSY_MS);
	if (store_exec(store, "PRAGMA foreign_keys=ON", err) != 0)
		return -1;
	if (!store->read_only &&
	    store_exec(store, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", err) != 0)
		return -1;
	/* Statement journals (savepoints, multi-row updates) stay in memory
	 * instead of spilling to temporary files, and a whole batch of
	 * messages fits in the page cache (16 MiB). */
	if (store_exec(store, "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384", err) != 0)
		return -1;
	if (!store->read_only && store_exec(store, "PRAGMA journal_size_limit="
	    STORE_STR(STORE_WAL_LIMIT), err) != 0)
		return -1;
	if (pragma_text(store, "PRAGMA journal_mode", mode, sizeof(mode)) != 0 ||
	    pragma_text(store, "PRAGMA synchronous", sync, sizeof(sync)) != 0)
		return err_set(err, sqlite3_errcode(store->db),
		    "sqlite: cannot read journal settings: %s", sqlite3_errmsg(store->db));
	if (strcmp(mode, "wal") != 0)
		return err_set(err, 0, "journal_mode is %s, need wal", mode);
	if (!store->read_only && strcmp(sync, "2") != 0)
		return err_set(err, 0, "synchronous is %s, need 2 (FULL)", sync);
	return 0;
}

int
store_checkpoint_truncate(store_t *store, int wait_ms, err_t *err)
{
	int rc;

	sqlite3_busy_timeout(store->db, wait_ms);
	rc = sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	sqlite3_busy_timeout(store->db, STORE_BUSY_MS);
	return rc == SQLITE_OK ? 0 : store_fail(store, err);
}

int
store_bound_wal(store_t *store, int64_t bytes, err_t *err)
{
	int64_t pages = bytes / 4096;   /* SQLite's default page size, famlink's */
	char sql[64];

	if (bytes > STORE_WAL_LIMIT)
		bytes = STORE_WAL_LIMIT;
	pages = pages < 16 ? 16 : pages > 1000 ? 1000 : pages;
	if (sqlite3_wal_autocheckpoint(store->db, (int)pages) != SQLITE_OK)
		return store_fail(store, err);
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit=%lld", (long long)bytes);
	return store_exec(store, sql, err);
}

static bool
is_busy(const err_t *err)
{
	return (err->code & 0xff) == SQLITE_BUSY || (err->code & 0xff) == SQLITE_LOCKED;
}

/* Switching a new database to WAL takes a lock that SQLite refuses at once,
 * without its busy handler, when another process (famlinkctl, a second
 * opener) holds a conflicting one, so "database is locked" can come back
 * however long the busy timeout is. Every step here is idempotent: run it
 * again until the other opener is done, as long as any access would wait. */
static int
configure_waiting(store_t *store, err_t *err)
{
	int64_t start = clock_mono_ms(), waited = 0;
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	while (configure(store, err) != 0) {
		waited = clock_mono_ms() - start;
		if (!is_busy(err))
			return -1;
		if (waited >= STORE_OPEN_WAIT_MS)
			return err_set(err, err->code, "still busy after %lld ms (another process"
			    " holds a lock on it): %s", (long long)waited, err->msg);
		nanosleep(&pause, NULL);
	}
	store->open_wait_ms = waited;
	return 0;
}

/* Each step reads the version inside its own write transaction, so two
 * processes opening a new store at once (famlinkd and famlinkctl) never
 * run the same migration twice. */
static int
migrate(store_t *store, err_t *err)
{
	char sql[64];
	int version;

	for (;;) {
		if (store_exec(store, "BEGIN IMMEDIATE", err) != 0)
			return -1;
		if ((version = store_schema_version(store)) < 0) {
			err_set(err, 0, "cannot read user_version: %s", sqlite3_errmsg(store->db));
			goto fail;
		}
		if (version > MIGRATIONS) {
			err_set(err, 0, "database schema %d is newer than this famlink (%d)",
			    version, MIGRATIONS);
			goto fail;
		}
		if (version == MIGRATIONS)
			return store_exec(store, "COMMIT", err);
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", version + 1);
		if (store_exec(store, migrations[version], err) != 0 ||
		    store_exec(store, sql, err) != 0 || store_exec(store, "COMMIT", err) != 0) {
			err_prefix(err, "migration %d", version + 1);
			goto fail;
		}
	}
fail:
	store_exec(store, "ROLLBACK", NULL);
	return -1;
}

/* quick_check walks the b-trees, reading pages in tree order: on a cold
 * page cache that is random I/O (a store of 100,000 messages, 430 MB: 9 s
 * on an SSD). Reading the file through first, in order, brings the pages
 * in at the disk's full speed (the same store: 1.7 s in all). Through
 * SQLite's own file handle: opening and closing another descriptor would
 * drop the process's POSIX locks on the store. Skipped for a store larger
 * than half the memory, which the page cache could not keep anyway. */
static void
prefetch(store_t *store)
{
	const size_t chunk = 1 << 20;
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	sqlite3_file *f = NULL;
	sqlite3_int64 size = 0;
	char *buf;

	if (sqlite3_file_control(store->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    f == NULL || f->pMethods == NULL || f->pMethods->xFileSize(f, &size) != SQLITE_OK ||
	    pages <= 0 || psize <= 0 || size > (sqlite3_int64)pages * psize / 2 ||
	    (buf = malloc(chunk)) == NULL)
		return;
	for (sqlite3_int64 off = 0; off < size; off += (sqlite3_int64)chunk)
		if (f->pMethods->xRead(f, buf, (int)(size - off < (sqlite3_int64)chunk ?
		    size - off : (sqlite3_int64)chunk), off) != SQLITE_OK)
			break;
	free(buf);
}

/* Damage found before anything is written or read for use: quick_check
 * reads every page and checks the b-trees' structure (not that indexes
 * match their tables, which integrity_check adds at several times the cost).
 * Up to three of SQLite's findings go into the message. */
static int
quick_check(store_t *store, err_t *err)
{
	int64_t start = clock_mono_ms();
	char found[400] = "";
	size_t used = 0;
	sqlite3_stmt *st;
	bool ok = false;
	int rc;

	prefetch(store);
	if (sqlite3_prepare_v2(store->db, "PRAGMA quick_check(3)", -1, &st, NULL) != SQLITE_OK)
		return store_fail(store, err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *row = (const char *)sqlite3_column_text(st, 0);
		if (row == NULL)
			continue;
		if (strcmp(row, "ok") == 0) {
			ok = true;
			continue;
		}
		if (used < sizeof(found) - 1)
			used += (size_t)snprintf(found + used, sizeof(found) - used, "%s%s",
			    used ? "; " : "", row);
	}
	for (char *nl = found; (nl = strchr(nl, '\n')) != NULL; )
		*nl = ' ';   /* one log line */
	if (rc != SQLITE_DONE)   /* what it found before it had to stop, too */
		err_set(err, sqlite3_extended_errcode(store->db), "sqlite: %s%s%s", found,
		    found[0] ? "; " : "", sqlite3_errmsg(store->db));
	sqlite3_finalize(st);
	store->check_ms = clock_mono_ms() - start;
	if (rc != SQLITE_DONE)
		return -1;
	if (!ok || found[0] != '\0')
		return err_set(err, STORE_FAULT_DAMAGED, "store damaged: PRAGMA quick_check"
		    " says: %s", found[0] ? found : "not ok");
	return 0;
}

/* SQLite's "file is not a database" (a header overwritten or cut) and
 * "database disk image is malformed" are damage, whichever step met them. */
static void
classify_damage(err_t *err)
{
	char msg[sizeof(err->msg)];
	const char *m = msg;

	if (err->code < 0 || ((err->code & 0xff) != SQLITE_NOTADB &&
	    (err->code & 0xff) != SQLITE_CORRUPT))
		return;   /* a store_fault_t already, or not damage */
	memcpy(msg, err->msg, sizeof(msg));
	if (strncmp(m, "sqlite: ", 8) == 0)
		m += 8;
	err_set(err, STORE_FAULT_DAMAGED, "store damaged: SQLite says: %.400s", m);
}

store_t *
store_open_file(const char *path, unsigned oflags, store_vet_fn *vet, void *arg, err_t *err)
{
	bool read_only = (oflags & STORE_READ_ONLY) != 0;
	int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE |
	    ((oflags & STORE_NO_CREATE) ? 0 : SQLITE_OPEN_CREATE);
	store_t *store = calloc(1, sizeof(*store));

	if (store == NULL) {
		err_set(err, 0, "out of memory");
		return NULL;
	}
	store->read_only = read_only;
	if (sqlite3_open_v2(path, &store->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		err_set(err, store->db ? sqlite3_extended_errcode(store->db) : 0, "%s: %s", path,
		    store->db ? sqlite3_errmsg(store->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(store->db, 1);
	if (configure_waiting(store, err) != 0 ||
	    ((oflags & STORE_CHECK) && quick_check(store, err) != 0) ||
	    (vet != NULL && vet(store, arg, err) != 0) ||
	    (!read_only && migrate(store, err) != 0)) {
		classify_damage(err);
		err_prefix(err, "%s", path);
		goto fail;
	}
	if (sqlite3_prepare_v2(store->db, "PRAGMA data_version", -1,
	    &store->data_version_stmt, NULL) != SQLITE_OK) {
		err_set(err, 0, "%s: %s", path, sqlite3_errmsg(store->db));
		goto fail;
	}
	store_changed_elsewhere(store);
	return store;
fail:
	store_close(&store);
	return NULL;
}

void
store_close(store_t **pstore)
{
	store_t *store = *pstore;

	if (store == NULL)
		return;
	for (size_t i = 0; i < store->ncache; i++)
		sqlite3_finalize(store->cache[i].stmt);
	free(store->cache);
	sqlite3_finalize(store->data_version_stmt);
	sqlite3_close_v2(store->db);
	free(store);
	*pstore = NULL;
}

/* Transaction control on the hot path runs as cached statements: a
 * savepoint per message must not pay for parsing SQL. */
static int
step_cached(store_t *s, const char *sql, err_t *err)
{
	sqlite3_stmt *st = store_stmt(s, sql, err);
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, err);
}

static const char sql_begin[] = "BEGIN IMMEDIATE";
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_savepoint[] = "SAVEPOINT msg";
static const char sql_release[] = "RELEASE msg";
static const char sql_rollback_to[] = "ROLLBACK TO msg";

/* A transaction left open by a failed ROLLBACK would make every later
 * BEGIN fail: close it first. */
int
store_begin(store_t *s, err_t *err)
{
	int dv = -1;

	if (!sqlite3_get_autocommit(s->db))
		store_rollback(s);
	if (step_cached(s, sql_begin, err) != 0)
		return -1;
	/* Under the write lock: has anyone else written (an audit row) since? */
	if (s->data_version_stmt != NULL &&
	    sqlite3_step(s->data_version_stmt) == SQLITE_ROW)
		dv = sqlite3_column_int(s->data_version_stmt, 0);
	if (s->data_version_stmt != NULL)
		sqlite3_reset(s->data_version_stmt);
	if (dv < 0 || dv != s->audit_dv)
		s->audit_tip.known = false;
	s->audit_dv = dv;
	return 0;
}

int
store_commit(store_t *s, err_t *err)
{
	if (step_cached(s, sql_commit, err) == 0)
		return 0;
	s->audit_tip.known = false;
	return -1;
}
int store_savepoint(store_t *s, err_t *err) { return step_cached(s, sql_savepoint, err); }
int store_release(store_t *s, err_t *err) { return step_cached(s, sql_release, err); }

store_audit_tip_t *store_audit_tip(store_t *s) { return &s->audit_tip; }

void
store_rollback(store_t *s)
{
	s->audit_tip.known = false;
	if (!sqlite3_get_autocommit(s->db))
		step_cached(s, sql_rollback, NULL);
}

void
store_rollback_savepoint(store_t *s)
{
	s->audit_tip.known = false;
	step_cached(s, sql_rollback_to, NULL);
	step_cached(s, sql_release, NULL);
}

bool
store_changed_elsewhere(store_t *store)
{
	int v = store->data_version;

	if (sqlite3_step(store->data_version_stmt) == SQLITE_ROW)
		v = sqlite3_column_int(store->data_version_stmt, 0);
	sqlite3_reset(store->data_version_stmt);
	if (v == store->data_version)
		return false;
	store->data_version = v;
	return true;
}
