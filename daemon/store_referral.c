/* store_referral — see store_referral.h. */
#include <sqlite3.h>
#include <stdio.h>

#include "store_referral.h"

int
store_referral_get(store_t *store, const char *owner, const char *referral_id,
    char state[REFERRAL_STATE_MAX], err_t *err)
{
	static const char sql[] =
	    "SELECT state FROM referrals WHERE owner = ?1 AND referral_id = ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, referral_id, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		snprintf(state, REFERRAL_STATE_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (step == SQLITE_ROW)
		return 1;
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

int
store_referral_add(store_t *store, const char *owner, const char *referral_id,
    const char *state, int64_t now, err_t *err)
{
	static const char sql[] =
	    "INSERT INTO referrals (owner, referral_id, state, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?4)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

int
store_referral_set_state(store_t *store, const char *owner, const char *referral_id,
    const char *state, int64_t now, err_t *err)
{
	static const char sql[] =
	    "UPDATE referrals SET state = ?3, updated_at = ?4 WHERE owner = ?1 AND referral_id = ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

int
store_referral_owner(store_t *store, const char *referral_id, char owner[65], err_t *err)
{
	static const char sql[] =
	    "SELECT owner FROM referrals WHERE referral_id = ?1 LIMIT 2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int n = 0, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, referral_id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0)
			snprintf(owner, 65, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return store_fail(store, err);
	return n;
}
