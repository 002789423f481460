/* retention — see retention.h. */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>

#include "retention.h"
#include "store_audit.h"

#define DAY_MS 86400000LL

typedef struct due_referral {
	char owner[65], referral_id[65];
} due_referral_t;

/* Whether the local case system has the referral's messages. Until the
 * adapters come, famlink cannot know, and the period alone decides. */
static bool
retention_handed_over(store_t *store, const due_referral_t *r)
{
	(void)store;
	(void)r;
	return true;
}

static int
load_due(store_t *store, const config_t *cfg, int64_t cutoff, int max, due_referral_t *rows,
    err_t *err)
{
	static const char sql[] =
	    "SELECT owner, referral_id FROM referrals WHERE purged_at IS NULL AND"
	    " ((state = 'closed' AND closed_at <= ?1) OR (state = 'rejected' AND answered_at <= ?1))"
	    " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.state = 'queued' AND"
	    " o.referral_id = referrals.referral_id AND (?3 = 0 OR o.peer = referrals.owner))"
	    " LIMIT ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int n = 0, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, cutoff);
	sqlite3_bind_int(st, 2, max);
	sqlite3_bind_int(st, 3, cfg->role == ROLE_HUB);   /* the hub: the owner's channel only */
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(rows[n].owner, sizeof(rows[n].owner), "%s", sqlite3_column_text(st, 0));
		snprintf(rows[n].referral_id, sizeof(rows[n].referral_id), "%s",
		    sqlite3_column_text(st, 1));
		n++;
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? n : store_fail(store, err);
}

/* Empties the stored envelopes of one referral's messages. At the hub a
 * referral id is the owner's only, so the peer column must match; at a
 * municipality every referral is its own. Returns the rows emptied. */
static int
empty_envelopes(store_t *store, const config_t *cfg, const due_referral_t *r, err_t *err)
{
	static const char *const sqls[] = {
	    "UPDATE inbox SET envelope = X'' WHERE referral_id = ?1 AND (?2 IS NULL OR sender = ?2)"
	    " AND length(envelope) > 0",
	    "UPDATE outbox SET envelope = X'', checksum = NULL WHERE referral_id = ?1 AND"
	    " (?2 IS NULL OR peer = ?2) AND state != 'queued' AND length(envelope) > 0",
	};
	int total = 0;

	/* Freed pages keep their bytes unless SQLite is told to zero them; a
	 * purge must not leave the child's data in the file's free pages. Only
	 * here: other writes free almost nothing. */
	if (store_exec(store, "PRAGMA secure_delete = ON", err) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		sqlite3_stmt *st = store_stmt(store, sqls[i], err);
		if (st == NULL)
			return -1;
		sqlite3_bind_text(st, 1, r->referral_id, -1, SQLITE_STATIC);
		if (cfg->role == ROLE_HUB)
			sqlite3_bind_text(st, 2, r->owner, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 2);
		if (sqlite3_step(st) != SQLITE_DONE)
			return store_fail(store, err);
		total += sqlite3_changes(store_db(store));
	}
	return store_exec(store, "PRAGMA secure_delete = OFF", err) == 0 ? total : -1;
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
	return store_audit(store, now, "purge", NULL, r->owner, NULL, 0, detail, err);
}

int
retention_purge(store_t *store, const config_t *cfg, int64_t now, int max,
    retention_fn *fn, void *ctx, err_t *err)
{
	due_referral_t rows[32];
	int64_t cutoff = now - (int64_t)cfg->purge_after.amount * DAY_MS;
	int n, done = 0;

	if (max > (int)(sizeof(rows) / sizeof(rows[0])))
		max = (int)(sizeof(rows) / sizeof(rows[0]));
	if (max <= 0)
		return 0;
	if ((n = load_due(store, cfg, cutoff, max, rows, err)) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		int emptied;
		if (!retention_handed_over(store, &rows[i]))
			continue;
		if ((emptied = empty_envelopes(store, cfg, &rows[i], err)) < 0 ||
		    mark_purged(store, &rows[i], now, emptied, err) != 0)
			return -1;
		if (fn != NULL)
			fn(rows[i].owner, rows[i].referral_id, emptied, ctx);
		done++;
	}
	return done;   /* fewer than max: nothing more due this round */
}
