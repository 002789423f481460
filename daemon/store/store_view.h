/*
 * store_view — the routine's listings as rows (referrals, open deadlines,
 * deadline counts by kind), read from a node's store for the operator:
 * famlinkctl's listings and famlinkd's monitoring endpoint render the same
 * rows (ctl_render.h), so neither holds SQL of its own. Ids, states,
 * kinds, times and counts, never names or free text. Read-only; safe
 * while the daemon runs (WAL readers do not block the writer).
 */
#ifndef FAMLINK_STORE_VIEW_H
#define FAMLINK_STORE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define VIEW_ID_LEN 65   /* ids are up to 64 bytes (validate_id) */

/* One referral with its next open deadline (deadline_id 0: none) and its
 * dialogue still open. */
typedef struct referral_view {
	char owner[VIEW_ID_LEN], referral_id[VIEW_ID_LEN];
	int kind;                       /* ReferralKind */
	char state[VIEW_ID_LEN];
	int64_t created_at;             /* Unix ms */
	int64_t deadline_id;            /* the open deadline due first, 0 = none */
	char deadline_kind[VIEW_ID_LEN], deadline_proposal[VIEW_ID_LEN];
	int64_t due_at;
	const char *open_questions;     /* space-separated ids of questions not yet answered */
	const char *ads_waiting;        /* … of ads not yet decided; both borrowed, never NULL */
	int64_t held_since;             /* retention waits for the hand-over since, 0 = not */
	int sent, sent_handed_over;     /* messages this node sent for it, and of those
	                                 * the recipient reported handed over */
} referral_view_t;

/* One open deadline and when its notifications were queued (0: not). */
typedef struct deadline_view {
	int64_t id;
	char kind[VIEW_ID_LEN], municipality[VIEW_ID_LEN], referral_id[VIEW_ID_LEN];
	char proposal_id[VIEW_ID_LEN], actor[VIEW_ID_LEN], item_id[VIEW_ID_LEN];
	int64_t started_at, remind_at, due_at, escalate_at;
	int fired;                      /* DEADLINE_FIRED_* bits (deadline.h) */
	int64_t reminded_at, overdue_at, escalated_at;
} deadline_view_t;

/* One family passed on (the hub's ledger). */
typedef struct family_view {
	char family_ref[VIEW_ID_LEN], municipality[VIEW_ID_LEN];
	char referral_id[VIEW_ID_LEN], proposal_id[VIEW_ID_LEN];
	char state[24];                 /* the proposal's state */
	int64_t passed_on_at;
	int last_status;                /* PlacementStatus; 0 = none reported */
	int64_t last_status_at, ended_at;   /* 0 = none, not ended */
} family_view_t;

/* One notification queued for people; "" and 0 for what it has not (a
 * received message's has no deadline). */
typedef struct notification_view {
	int64_t id, queued_at, deadline_id, due_at, sent_at;
	long long attempts;
	char event[VIEW_ID_LEN], kind[VIEW_ID_LEN], municipality[VIEW_ID_LEN];
	char referral_id[VIEW_ID_LEN], proposal_id[VIEW_ID_LEN], actor[VIEW_ID_LEN];
	char recipient[VIEW_ID_LEN], state[VIEW_ID_LEN], message_id[VIEW_ID_LEN];
	char adapter[VIEW_ID_LEN];
} notification_view_t;

/* Rows are borrowed for the call. */
typedef void referral_view_fn(void *ctx, const referral_view_t *row);
typedef void deadline_view_fn(void *ctx, const deadline_view_t *row);
typedef void family_view_fn(void *ctx, const family_view_t *row);
typedef void notification_view_fn(void *ctx, const notification_view_t *row);

/* Every referral (or those in state, if not NULL), oldest first. self is
 * this node's id: at a municipality every referral is its own, so all it
 * sent for one counts; at the hub only what went to the owner. 0, or -1
 * with err. */
int store_view_referrals(store_t *store, const char *state, const char *self,
    referral_view_fn *fn, void *ctx, err_t *err);

/* The open deadlines (of municipality only, if not NULL; due by due_by
 * only, if not 0), by due time. 0, or -1 with err. */
int store_view_deadlines(store_t *store, const char *municipality, int64_t due_by,
    deadline_view_fn *fn, void *ctx, err_t *err);

/* Every family passed on, in the order passed on. 0, or -1 with err. */
int store_view_families(store_t *store, family_view_fn *fn, void *ctx, err_t *err);

/* The latest limit notifications (0: all; of municipality only, if not
 * NULL), oldest first. 0, or -1 with err. */
int store_view_notifications(store_t *store, const char *municipality, int limit,
    notification_view_fn *fn, void *ctx, err_t *err);

/* Open deadlines counted by kind, and how many of them are due by now:
 * fn once per kind that has any. 0, or -1 with err. */
typedef void deadline_count_fn(void *ctx, const char *kind, long open, long overdue);
int store_view_deadline_counts(store_t *store, int64_t now, deadline_count_fn *fn, void *ctx,
    err_t *err);

/* For the sibling store_*.c files: steps st (a cached statement, bound)
 * to its end, one more element of size in *arr (of *n) per row, filled by
 * fill(st, element, ctx); then resets st. 0, or -1 with err; the rows so
 * far stay in *arr for the caller to free either way. */
typedef struct sqlite3_stmt sqlite3_stmt;
typedef void store_row_fn(sqlite3_stmt *st, void *element, const void *ctx);
int store_rows(store_t *store, sqlite3_stmt *st, void **arr, size_t *n, size_t size,
    store_row_fn *fill, const void *ctx, err_t *err);

#endif
