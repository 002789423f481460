/*
 * ctl_listing — what famlinkctl's read-only listings of the routine share
 * (referrals, families, proposals, deadlines, notifications): the store
 * opened read-only once it has the routine's tables, a listing's state
 * while its rows print, and its one way to end (the JSON array, or a
 * "nothing" line, or the error).
 */
#ifndef FAMLINK_CTL_LISTING_H
#define FAMLINK_CTL_LISTING_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "ctl.h"
#include "store.h"

/* A listing being printed: its options, the JSON array it fills (--json),
 * the instant ages count to, the rows so far, and the error of the
 * report_*() step that failed. */
typedef struct listing {
	const ctl_opts_t *o;
	json_t *rows;
	int64_t now;
	size_t n;
	err_t err;   /* msg "" unless a report_* step failed */
} listing_t;

typedef void row_fn(listing_t *l, sqlite3_stmt *st);

/* The store, read-only, if it has the routine's tables; NULL with the
 * reason printed. */
store_t *listing_open_store(const config_t *cfg);

/* Runs st (bound) and hands each row to fn: 0, or -1 with l->err. */
int listing_each_row(store_t *store, sqlite3_stmt *st, row_fn *fn, listing_t *l);

/* Prints the JSON array or the "nothing" line (or l->err), and closes the
 * store: CTL_OK, or CTL_ERROR when rc is not 0. */
int listing_finish(listing_t *l, store_t **store, int rc, const char *none);

/* Ends a listing written by ctl_render.h: prints err if rc is not 0, and
 * closes the store. CTL_OK, or CTL_ERROR when rc is not 0. */
int listing_close(store_t **store, int rc, const err_t *err);

#endif
