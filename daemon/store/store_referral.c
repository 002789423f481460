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

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, referral_id, -1, SQLITE_STATIC);
	return store_one_text(store, st, state, REFERRAL_STATE_MAX, err);
}

int
store_referral_set_state(store_t *store, const char *owner, const char *referral_id,
    const char *state, int64_t now, err_t *err)
{
	static const char sql[] =
	    "UPDATE referrals SET state = ?3, updated_at = ?4,"
	    " answered_at = CASE WHEN ?3 IN ('acknowledged', 'rejected') THEN ?4 ELSE answered_at END,"
	    " closed_at = CASE WHEN ?3 = 'closed' THEN ?4 ELSE closed_at END"
	    " WHERE owner = ?1 AND referral_id = ?2";
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

int
store_referral_submit(store_t *store, const char *owner, const char *referral_id,
    int kind, int urgency, int64_t now, err_t *err)
{
	static const char sql[] =
	    "INSERT INTO referrals (owner, referral_id, state, created_at, updated_at, kind,"
	    " urgency, submitted_at) VALUES (?1, ?2, 'submitted', ?3, ?3, ?4, ?5, ?3)"
	    " ON CONFLICT (owner, referral_id) DO UPDATE SET state = 'submitted',"
	    " updated_at = ?3, kind = ?4, urgency = ?5, submitted_at = ?3, answered_at = NULL,"
	    " purged_at = NULL";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int(st, 4, kind);
	sqlite3_bind_int(st, 5, urgency);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

int
store_referral_set_outcome(store_t *store, const char *owner, const char *referral_id,
    int outcome, err_t *err)
{
	static const char sql[] =
	    "UPDATE referrals SET outcome = ?3 WHERE owner = ?1 AND referral_id = ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, outcome);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

int
store_transition_add(store_t *store, const transition_row_t *t, int64_t now, err_t *err)
{
	static const char sql[] =
	    "INSERT INTO transitions (at, owner, referral_id, proposal_id, event, from_state,"
	    " to_state, code, message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, t->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->proposal_id ? t->proposal_id : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, t->event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, t->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, t->to, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, t->code);
	sqlite3_bind_text(st, 9, t->message_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}
