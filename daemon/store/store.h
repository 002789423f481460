/*
 * store — a node's durable state in one SQLite database (WAL,
 * synchronous=FULL): outbox, inbox, peers, dead letters, referrals and the
 * append-only audit table. Everything between transport and routine that must
 * survive kill -9 goes through here.
 *
 * Transactions are the caller's: the daemon opens one per batch of work
 * (group commit: many messages, one fsync) with store_begin()/store_commit();
 * per-message work inside it uses store_savepoint()/store_release() so that
 * one bad message never undoes its neighbours.
 */
#ifndef FAMLINK_STORE_H
#define FAMLINK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct store store_t;
typedef struct sqlite3 sqlite3;

#define STORE_FILE "famlink.db"

/* How long any access waits for a lock another process holds (ms), and how
 * long opening waits in all (a migration elsewhere may take a while). */
#define STORE_BUSY_MS 5000
#define STORE_OPEN_WAIT_MS 30000

/* Call once, first thing in main(), before any other store call: this
 * process uses SQLite from one thread only, so SQLite's own locks and
 * memory statistics are switched off. */
void store_global_init(void);

/* Opening a store goes through store_identity.h (store_open() and
 * store_open_node()), which checks that it is the store this directory
 * had; this module opens, configures and migrates the file. */

/* Why a store is refused: err->code of store_open() and store_open_node() (store_identity.h).
 * Negative, so that they never clash with errno or SQLite's codes (any other
 * code is an ordinary error). famlinkd and famlinkctl turn them into exit
 * statuses; store_fault_advice() (store_identity.h) says what to do. */
typedef enum store_fault {
	STORE_FAULT_ABSENT    = -1003, /* no store, no marker: nothing to read (read-only) */
	STORE_FAULT_LOST      = -1004, /* the marker says this node made a store; it is missing,
	                                * empty, or not the store it made */
	STORE_FAULT_DAMAGED   = -1005, /* PRAGMA quick_check fails, not a database, or the
	                                * marker is unreadable */
	STORE_FAULT_FOREIGN   = -1006, /* another node's store, or another store than the
	                                * marker names */
	STORE_FAULT_STATE_DIR = -1007, /* group or others may write the state directory */
} store_fault_t;

/* store_open_file() flags. */
#define STORE_READ_ONLY 1u   /* no writes at all (famlinkctl status, queue) */
#define STORE_CHECK     2u   /* PRAGMA quick_check before anything is written */
#define STORE_NO_CREATE 4u   /* the file must exist: never make a new database */

/* The SQLite part of opening: open, WAL + FULL, quick_check (STORE_CHECK),
 * then vet (if not NULL; it may refuse the store before anything is
 * written), then the migrations (unless read-only). A file that is not a
 * database, or fails quick_check, is STORE_FAULT_DAMAGED with SQLite's
 * words. For store_open() and store_identity.c. */
typedef int store_vet_fn(store_t *store, void *arg, err_t *err);
store_t *store_open_file(const char *path, unsigned flags, store_vet_fn *vet, void *arg,
    err_t *err);
/* How long the quick_check at open took (ms; 0 without STORE_CHECK). */
int64_t store_check_ms(const store_t *store);
void store_close(store_t **store);
/* How long store_open() waited for other processes (ms): worth a log line
 * when it is long. */
int64_t store_open_wait_ms(const store_t *store);

/* The schema version after migrations (PRAGMA user_version). */
int store_schema_version(store_t *store);

/* The WAL moved into the database file and cut to nothing, giving its
 * space back to the disk (PRAGMA wal_checkpoint(TRUNCATE)); outside a
 * transaction. Waits at most wait_ms for readers (famlinkctl) instead of
 * STORE_BUSY_MS. 0, or -1 with err (SQLITE_BUSY: a reader was in the way;
 * SQLITE_FULL: no room to grow the database by the WAL). */
int store_checkpoint_truncate(store_t *store, int wait_ms, err_t *err);
/* Keeps the WAL near bytes: SQLite's automatic checkpoint after about that
 * much (at most its default, 1000 pages) and the WAL cut back to it
 * (at most STORE_WAL_LIMIT). For a small disk floor (store_disk.h), whose
 * room a 4 MiB WAL would outgrow. 0, or -1 with err. */
int store_bound_wal(store_t *store, int64_t bytes, err_t *err);
/* The WAL is cut back to this after a checkpoint (PRAGMA journal_size_limit):
 * SQLite reuses it from the start, so it otherwise keeps its largest size
 * for good, space a full disk would need. */
#define STORE_WAL_LIMIT 4194304   /* 4 MiB: about what wal_autocheckpoint lets it reach */

int store_begin(store_t *store, err_t *err);       /* BEGIN IMMEDIATE */
int store_commit(store_t *store, err_t *err);
void store_rollback(store_t *store);
int store_savepoint(store_t *store, err_t *err);
int store_release(store_t *store, err_t *err);
void store_rollback_savepoint(store_t *store);

/* True when another connection (famlinkctl) committed since the last call. */
bool store_changed_elsewhere(store_t *store);

/* For the sibling store_*.c files only. */
typedef struct sqlite3_stmt sqlite3_stmt;
sqlite3 *store_db(store_t *store);
int store_exec(store_t *store, const char *sql, err_t *err);
/* A cached prepared statement for a string literal, reset and unbound. */
sqlite3_stmt *store_stmt(store_t *store, const char *sql, err_t *err);
/* Fills err from the connection's last error; returns -1. */
int store_fail(store_t *store, err_t *err);
/* Column i of st's current row as text into buf ("" for NULL; cut to len). */
void store_col_text(sqlite3_stmt *st, int i, char *buf, size_t len);
/* Steps a bound write statement to its end and resets it: 0, or -1 with
 * err. */
int store_step_done(store_t *store, sqlite3_stmt *st, err_t *err);
/* Steps st (bound) for one row and copies its first column's text into buf
 * ("" for NULL; cut to len): 1, 0 when there is no row, -1 with err. */
int store_one_text(store_t *store, sqlite3_stmt *st, char *buf, size_t len, err_t *err);

/* The audit chain's last row as this connection knows it (store_audit.c
 * reads and fills it; store.c forgets it, known = false, on a rollback and
 * when another connection has committed since). Borrowed. */
typedef struct store_audit_tip {
	bool known;
	int64_t id;                 /* 0: no row */
	unsigned char hash[32];     /* all zero: the chain starts after it */
} store_audit_tip_t;
store_audit_tip_t *store_audit_tip(store_t *store);

#endif
