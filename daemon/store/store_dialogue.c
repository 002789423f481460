/* store_dialogue — see store_dialogue.h. */
#include <sqlite3.h>
#include <stdio.h>

#include "store_dialogue.h"

static void
bind_key(sqlite3_stmt *st, const char *owner, const char *referral_id, const char *item,
    const char *item_id)
{
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, item, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, item_id, -1, SQLITE_STATIC);
}

int
store_dialogue_get(store_t *store, const char *owner, const char *referral_id,
    const char *item, const char *item_id, char state[DIALOGUE_STATE_MAX], err_t *err)
{
	static const char sql[] = "SELECT state FROM dialogue"
	    " WHERE owner = ?1 AND referral_id = ?2 AND item = ?3 AND item_id = ?4";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	bind_key(st, owner, referral_id, item, item_id);
	return store_one_text(store, st, state, DIALOGUE_STATE_MAX, err);
}

int
store_dialogue_set(store_t *store, const char *owner, const char *referral_id,
    const char *item, const char *item_id, const char *state, int ended, int64_t now,
    err_t *err)
{
	static const char sql[] = "INSERT INTO dialogue (owner, referral_id, item, item_id, state,"
	    " opened_at, updated_at, closed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6,"
	    " CASE WHEN ?7 THEN ?6 END)"
	    " ON CONFLICT (owner, referral_id, item, item_id) DO UPDATE SET state = ?5,"
	    " updated_at = ?6, closed_at = CASE WHEN ?7 THEN ?6 END";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	bind_key(st, owner, referral_id, item, item_id);
	sqlite3_bind_text(st, 5, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int(st, 7, ended != 0);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}
