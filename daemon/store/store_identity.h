/*
 * store_identity — telling a node's own store from a lost, damaged or
 * foreign one, so that a store that is gone is never silently replaced by
 * an empty one.
 *
 * The store's first creation (by famlinkd, or by `famlinkctl send` before
 * famlinkd ever ran) writes two records of it: a row in table identity
 * (node id, a random store id, creation time) and the marker file
 * STATE_DIR/famlink.id (mode 0600, written atomically) holding the same:
 *
 *     # famlink: which store belongs in this directory ...
 *     node_id=municipality:0180
 *     store_id=5f0c8e4a9b1d2c3e4f5a6b7c8d9e0f1a
 *     created_at=1795428902123
 *     created=2026-11-23T10:15:02Z
 *
 * At every open the two must agree. The marker outlives the store: with the
 * marker there and the store missing, empty or without an identity, the
 * store is lost (STORE_FAULT_LOST) and nothing is created in its place; an
 * identity naming another node or another store id is foreign
 * (STORE_FAULT_FOREIGN). A store with its identity but without the marker
 * gets the marker written again. Only `famlinkctl reset-store --yes` starts
 * afresh: store_set_aside() moves the old files aside first.
 */
#ifndef FAMLINK_STORE_IDENTITY_H
#define FAMLINK_STORE_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define STORE_MARKER_FILE "famlink.id"
#define AUDIT_STORE_RESET "store_reset"   /* audit event of famlinkctl reset-store */

typedef struct store_ident {
	char node_id[65];
	char store_id[33];     /* 32 lowercase hex digits */
	int64_t created_at;    /* Unix ms */
} store_ident_t;

/* What store_open_node() did beyond opening, for a log line. */
typedef enum store_note {
	STORE_NOTE_NONE = 0,
	STORE_NOTE_CREATED,        /* a new store: identity and marker written */
	STORE_NOTE_ADOPTED,        /* a store without identity (made before famlink kept
	                            * one) and no marker: identity and marker written */
	STORE_NOTE_MARKER_WRITTEN, /* the marker was missing: written from the identity */
} store_note_t;

/*
 * Opens the store at path (STATE_DIR/famlink.db) for node node_id, with
 * store_open_file() flags (STORE_READ_ONLY, STORE_CHECK, STORE_NO_CREATE).
 * Read-write with a node_id, a store without identity and without marker
 * (a first start) gets both. node_id NULL (store_open()) checks only what
 * the marker says and writes neither. Read-only, or with STORE_NO_CREATE,
 * no store and no marker is STORE_FAULT_ABSENT and nothing is created.
 * ident (the store's identity, if it has one) and note may be NULL.
 * NULL with err->code a store_fault_t, or another code for other errors.
 */
store_t *store_open_node(const char *path, const char *node_id, unsigned flags,
    store_ident_t *ident, store_note_t *note, err_t *err);

/* One line on what the operator can do about a store_fault_t; NULL for
 * any other code. */
const char *store_fault_advice(int code);

/* The marker beside the store at path: 1 and *id filled, 0 if there is
 * none, -1 with err (STORE_FAULT_DAMAGED if it is not a marker). */
int store_marker_read(const char *path, store_ident_t *id, err_t *err);

/* The marker's whole text for id, as famlinkd writes it beside the store
 * (and famlinkctl backup beside a copy, as FILE.id): buf, which should
 * hold STORE_MARKER_MAX bytes. */
#define STORE_MARKER_MAX 512
const char *store_marker_text(const store_ident_t *id, char *buf, size_t len);

/* famlinkd at start. -1 with STORE_FAULT_STATE_DIR when group or others may
 * write dir (they could remove or replace the store); 1 with a warning in
 * warning when they may only read or enter it (the files in it are 0600);
 * 0 when it is the owner's alone. */
int store_check_state_dir(const char *dir, char *warning, size_t len, err_t *err);

/* Files of the store in dir (famlink.db, -wal, -shm, famlink.id,
 * famlinkd.lock) that group or others may use are chmod'ed to the owner's
 * alone (an older famlinkd made them 0644): how many, their names in
 * changed. */
int store_tighten_modes(const char *dir, char *changed, size_t len);

/* Moves the store at path, its -wal and -shm, and the marker aside as
 * famlink.db.lost-YYYYMMDDTHHMMSS (UTC; with -wal and -shm after it, so
 * SQLite still opens them together) and famlink.id.lost-…, then fsyncs
 * the directory. The names moved go into moved ("" if none). 0 or -1. */
int store_set_aside(const char *path, char *moved, size_t len, err_t *err);

/* "2026-11-23T10:15:02Z" for Unix ms. */
const char *store_fmt_time(int64_t ms, char *buf, size_t len);

/* Opens (creating and migrating) the database at path. read_only opens an
 * existing database without writing (famlinkctl status). NULL on error.
 * It refuses a store that the marker file beside it (STORE_MARKER_FILE)
 * shows to be lost or another store (err->code a store_fault_t), but never
 * writes an identity or a marker: famlinkd and famlinkctl open a node's
 * store with store_open_node() (store_identity.h), which does. */
store_t *store_open(const char *path, bool read_only, err_t *err);

/* When the state directory, the store or its marker belongs to another
 * user than this process (famlinkctl run as root before famlinkd's first
 * start, say): a sentence naming the file, its owner and the chown to run,
 * into buf; "" when all is this process's own. */
void store_owner_hint(const char *state_dir, char *buf, size_t len);

#endif
