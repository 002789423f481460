/* retention — see retention.h. */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "retention.h"
#include "store_audit.h"

typedef struct due_referral {
	char owner[65], referral_id[65];
	int emptied;              /* stored messages emptied */
} due_referral_t;

/* Closed (or rejected) longer than purge_after, ?1 the cutoff. */
#define DUE \
	" purged_at IS NULL AND ((state = 'closed' AND closed_at <= ?1) OR" \
	" (state = 'rejected' AND answered_at <= ?1))"
/* A received message of the referral the adapters have not all taken.
 * They take the inbox in order, so such a message lies above the lowest
 * place any adapter has reached: only that end of the inbox is read. At
 * the hub a referral id is its owner's only (?3 = 1). */
#define NOT_HANDED_OVER \
	" EXISTS (SELECT 1 FROM inbox i WHERE i.id > coalesce((SELECT min(done_up_to)" \
	" FROM handovers), 0) AND i.referral_id = referrals.referral_id" \
	" AND (?3 = 0 OR i.sender = referrals.owner) AND length(i.envelope) > 0" \
	" AND NOT EXISTS (SELECT 1 FROM inbox_handover h WHERE h.inbox_id = i.id))"

static int
load_due(store_t *store, const config_t *cfg, int64_t cutoff, int max, bool await_handover,
    due_referral_t *rows, err_t *err)
{
	static const char sql[] =
	    "SELECT owner, referral_id FROM referrals WHERE" DUE
	    " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.state = 'queued' AND"
	    " o.referral_id = referrals.referral_id AND (?3 = 0 OR o.peer = referrals.owner))"
	    " AND (?4 = 0 OR NOT" NOT_HANDED_OVER ") LIMIT ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int n = 0, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_int(st, 2, max);
	sqlite3_bind_int(st, 3, cfg->role == ROLE_HUB);   /* the hub: the owner's channel only */
	sqlite3_bind_int(st, 4, await_handover);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(rows[n].owner, sizeof(rows[n].owner), "%s", sqlite3_column_text(st, 0));
		snprintf(rows[n].referral_id, sizeof(rows[n].referral_id), "%s",
		    sqlite3_column_text(st, 1));
		rows[n++].emptied = 0;
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? n : store_fail(store, err);
}

/* The round's referrals, in a temporary table the purge statements join. */
static int
list_round(store_t *store, const due_referral_t *rows, int n, err_t *err)
{
	static const char sql[] = "INSERT INTO temp.retention_due (owner, referral_id)"
	    " VALUES (?1, ?2)";
	sqlite3_stmt *st;

	if (store_exec(store, "CREATE TEMP TABLE IF NOT EXISTS retention_due (owner TEXT,"
	    " referral_id TEXT); DELETE FROM temp.retention_due", err) != 0 ||
	    (st = store_stmt(store, sql, err)) == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, rows[i].owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rows[i].referral_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return store_fail(store, err);
	}
	return 0;
}

static void
count_emptied(due_referral_t *rows, int n, const char *owner, const char *referral_id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(rows[i].referral_id, referral_id) == 0 &&
		    (owner == NULL || strcmp(rows[i].owner, owner) == 0)) {
			rows[i].emptied++;
			return;
		}
}

/*
 * Empties the stored envelopes of the round's referrals: one pass over the
 * inbox and one over the outbox for the whole round, with no index on
 * referral_id that every message would pay for at ingest. At the hub a
 * referral id is the owner's only, so the peer column must match; at a
 * municipality every referral is its own (?1 = 0).
 */
static int
empty_envelopes(store_t *store, const config_t *cfg, due_referral_t *rows, int n, err_t *err)
{
	static const char *const sqls[] = {
	    "UPDATE inbox SET envelope = X'' WHERE length(envelope) > 0 AND EXISTS (SELECT 1"
	    " FROM temp.retention_due d WHERE d.referral_id = inbox.referral_id AND"
	    " (?1 = 0 OR d.owner = inbox.sender)) RETURNING referral_id, sender",
	    "UPDATE outbox SET envelope = X'', checksum = NULL WHERE state != 'queued' AND"
	    " length(envelope) > 0 AND EXISTS (SELECT 1 FROM temp.retention_due d WHERE"
	    " d.referral_id = outbox.referral_id AND (?1 = 0 OR d.owner = outbox.peer))"
	    " RETURNING referral_id, peer",
	};
	bool hub = cfg->role == ROLE_HUB;
	int step;

	if (list_round(store, rows, n, err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = store_stmt(store, sqls[i], err);
		if (st == NULL)
			return -1;
		sqlite3_bind_int(st, 1, hub);
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			count_emptied(rows, n, hub ? (const char *)sqlite3_column_text(st, 1) : NULL,
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		if (step != SQLITE_DONE)
			return store_fail(store, err);
	}
	return 0;
}

static int
mark_purged(store_t *store, const due_referral_t *r, int64_t now, int n, err_t *err)
{
	static const char sql[] =
	    "UPDATE referrals SET purged_at = ?3 WHERE owner = ?1 AND referral_id = ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	char detail[128];

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, r->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	snprintf(detail, sizeof(detail), "referral %s: %d stored messages emptied", r->referral_id, n);
	return store_audit(store, now, AUDIT_PURGE, NULL, r->owner, NULL, 0, detail, err);
}

static int
purge_rows(store_t *store, const config_t *cfg, due_referral_t *rows, int n, int64_t now,
    retention_fn *fn, void *ctx, err_t *err)
{
	if (empty_envelopes(store, cfg, rows, n, err) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (mark_purged(store, &rows[i], now, rows[i].emptied, err) != 0)
			return -1;
		if (fn != NULL)
			fn(rows[i].owner, rows[i].referral_id, rows[i].emptied, ctx);
	}
	return n;
}

int
retention_hold(store_t *store, const config_t *cfg, int64_t now, retention_fn *fn, void *ctx,
    err_t *err)
{
	static const char sql[] = "UPDATE referrals SET held_since = ?2 WHERE held_since IS NULL"
	    " AND" DUE " AND" NOT_HANDED_OVER " RETURNING owner, referral_id";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int n = 0, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, calendar_add_days(now, -(int)cfg->purge_after.amount));
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, cfg->role == ROLE_HUB);
	for (; (step = sqlite3_step(st)) == SQLITE_ROW; n++)
		if (fn != NULL)
			fn((const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1), 0, ctx);
	sqlite3_reset(st);
	return step == SQLITE_DONE ? n : store_fail(store, err);
}

int
retention_purge(store_t *store, const config_t *cfg, int64_t now, int max,
    bool await_handover, retention_fn *fn, void *ctx, err_t *err)
{
	due_referral_t rows[32];
	int64_t cutoff = calendar_add_days(now, -(int)cfg->purge_after.amount);
	int n, done;

	if (max > (int)(sizeof(rows) / sizeof(rows[0])))
		max = (int)(sizeof(rows) / sizeof(rows[0]));
	if (max <= 0)
		return 0;
	if ((n = load_due(store, cfg, cutoff, max, await_handover, rows, err)) < 0)
		return -1;
	/* Freed pages keep their bytes unless SQLite is told to zero them; a
	 * purge must not leave the child's data in the file's free pages. Only
	 * for the purge: other writes free almost nothing. */
	if (n > 0 && store_exec(store, "PRAGMA secure_delete = ON", err) != 0)
		return -1;
	done = purge_rows(store, cfg, rows, n, now, fn, ctx, err);
	if (n > 0 && store_exec(store, "PRAGMA secure_delete = OFF", done < 0 ? NULL : err) != 0)
		return -1;
	return done;   /* fewer than max: nothing more due this round */
}
