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

/* Opens (creating and migrating) the database at path. read_only opens an
 * existing database without writing (famlinkctl status). NULL on error. */
store_t *store_open(const char *path, bool read_only, err_t *err);
void store_close(store_t **store);
/* How long store_open() waited for other processes (ms): worth a log line
 * when it is long. */
int64_t store_open_wait_ms(const store_t *store);

/* The schema version after migrations (PRAGMA user_version). */
int store_schema_version(store_t *store);

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

#endif
