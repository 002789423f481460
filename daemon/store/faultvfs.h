/*
 * faultvfs — fault injection for the store, for tests: a SQLite VFS shim
 * over the default (unix) VFS that makes chosen writes fail, the way
 * SQLite's own tests do. It exists only in a process started with one of
 * these variables set; without them nothing is registered and SQLite's
 * calls go straight to the unix VFS (the cost is one getenv() at start).
 *
 *   FAMLINK_FAULT_WRITE=N[,K]   the N-th write call (xWrite, xSync or
 *                               xTruncate on the database, its WAL or its
 *                               journal, counted from 1 since the process
 *                               started) and the K-1 after it fail (K = 1)
 *   FAMLINK_FAULT_KIND=full|ioerr   how they fail: SQLITE_FULL (default),
 *                               or SQLITE_IOERR_WRITE / _FSYNC / _TRUNCATE
 *   FAMLINK_FAULT_FULL=PATH     while PATH exists, every xWrite fails with
 *                               SQLITE_FULL: a disk that is full, then has
 *                               room again when the test removes PATH
 *   FAMLINK_FAULT_CORRUPT=PATH  while PATH exists, the pages xRead returns
 *                               (from the database past its first 4 KiB,
 *                               from the WAL) are garbage: SQLITE_CORRUPT
 *
 * tests/integration/test_faults.c drives it against real daemons.
 */
#ifndef FAMLINK_FAULTVFS_H
#define FAMLINK_FAULTVFS_H

#include <stdbool.h>
#include <stddef.h>

/* Registers the shim as SQLite's default VFS if a FAMLINK_FAULT_* variable
 * is set; a no-op otherwise and on every call after the first. Call before
 * the first sqlite3_open (store_global_init() does). */
void faultvfs_install(void);

/* True when the shim is installed; what it was told, for one log line. */
bool faultvfs_active(char *what, size_t len);

/* How many write calls failed so far (for tests). */
unsigned long faultvfs_failed(void);

#endif
