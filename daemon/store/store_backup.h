/*
 * store_backup — an online copy of a node's store while famlinkd runs
 * (`famlinkctl backup FILE`), checked and with its identity marker beside
 * it, so that a restore has both files famlinkd needs.
 *
 * The copy is one snapshot: a read-only connection holds one read
 * transaction for the whole copy (WAL: famlinkd's writes go on beside it,
 * unblocked; only its checkpoints wait to reach past the snapshot) while
 * SQLite's online backup API copies it in steps of STORE_BACKUP_STEP_PAGES
 * pages, pausing between them. The copy is personal data: it is made as
 * FILE.tmp with O_CREAT|O_EXCL and mode 0600, checked (quick_check, the
 * identity row against the live store's, the message counts against the
 * snapshot's), fsynced, and renamed to FILE after FILE.id; then the folder
 * is fsynced. FILE appears whole and checked, or not at all.
 */
#ifndef FAMLINK_STORE_BACKUP_H
#define FAMLINK_STORE_BACKUP_H

#include <stdbool.h>

#include "err.h"
#include "store_identity.h"

#define STORE_BACKUP_STEP_PAGES 256   /* pages per sqlite3_backup_step() */
#define STORE_BACKUP_PAUSE_MS 10      /* sqlite3_sleep() between steps */
#define STORE_BACKUP_ID_SUFFIX ".id"  /* the marker beside the copy: FILE.id */

/* Called after each step: pages copied so far, of total. */
typedef void store_backup_progress_fn(int done, int total, void *arg);

typedef struct store_backup_info {
	store_ident_t ident;   /* the copy's identity, equal to the live store's */
	long outbox, inbox;    /* rows in the copy, equal to the snapshot's */
	int pages;             /* pages copied */
} store_backup_info_t;

/* Copies the store at store_path (STATE_DIR/famlink.db; it must pass
 * store_open_node()'s checks for node_id and have an identity) to dest and
 * its marker to dest.id. Without force, refuses (EEXIST) when dest,
 * dest.id or a temporary file of another backup exists; with force,
 * replaces dest and dest.id, never the live store or its marker. progress
 * may be NULL. 0 with info filled, or -1 with err (err->code a
 * store_fault_t when the live store is refused, else errno or SQLite's
 * code); no file of the backup is left behind on failure. */
int store_backup(const char *store_path, const char *node_id, const char *dest, bool force,
    store_backup_progress_fn *progress, void *arg, store_backup_info_t *info, err_t *err);

#endif
