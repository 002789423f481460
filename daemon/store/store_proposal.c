/* store_proposal — see store_proposal.h. */
#include <sqlite3.h>
#include <stdio.h>

#include "store_proposal.h"

/* The states in which a proposal is still under way (routine_table.c). */
#define OPEN_STATES "('proposed', 'accepted', 'contact_details_sent', 'contacted'," \
    " 'status_reported')"
#define HELD_STATES "('contact_details_sent', 'contacted', 'status_reported')"

static void
bind_key(sqlite3_stmt *st, const char *owner, const char *referral_id, const char *proposal_id)
{
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, proposal_id, -1, SQLITE_STATIC);
}

/* Steps a statement that returns no row. */
static int
run(store_t *store, sqlite3_stmt *st, err_t *err)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

int
store_proposal_get(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, char state[PROPOSAL_STATE_MAX], err_t *err)
{
	static const char sql[] = "SELECT state FROM proposals"
	    " WHERE owner = ?1 AND referral_id = ?2 AND proposal_id = ?3";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	bind_key(st, owner, referral_id, proposal_id);
	return store_one_text(store, st, state, PROPOSAL_STATE_MAX, err);
}

int
store_proposal_family(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, char family_ref[FAMILY_REF_MAX], err_t *err)
{
	static const char sql[] = "SELECT family_ref FROM proposals"
	    " WHERE owner = ?1 AND referral_id = ?2 AND proposal_id = ?3";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	bind_key(st, owner, referral_id, proposal_id);
	return store_one_text(store, st, family_ref, FAMILY_REF_MAX, err);
}

int
store_proposal_add(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, const char *family_ref, int64_t now, err_t *err)
{
	static const char sql[] = "INSERT INTO proposals (owner, referral_id, proposal_id,"
	    " state, family_ref, created_at, updated_at) VALUES (?1, ?2, ?3, 'proposed', ?4, ?5, ?5)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	bind_key(st, owner, referral_id, proposal_id);
	sqlite3_bind_text(st, 4, family_ref ? family_ref : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	return run(store, st, err);
}

int
store_proposal_set_state(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, const char *state, int ended, int64_t now, err_t *err)
{
	static const char sql[] = "UPDATE proposals SET state = ?4, updated_at = ?5,"
	    " passed_on_at = CASE WHEN ?4 = 'contact_details_sent' THEN ?5 ELSE passed_on_at END,"
	    " ended_at = CASE WHEN ?6 THEN ?5 ELSE ended_at END"
	    " WHERE owner = ?1 AND referral_id = ?2 AND proposal_id = ?3";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	bind_key(st, owner, referral_id, proposal_id);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int(st, 6, ended);
	return run(store, st, err);
}

int
store_proposal_set_status(store_t *store, const char *owner, const char *referral_id,
    const char *proposal_id, int status, int64_t now, err_t *err)
{
	static const char sql[] = "UPDATE proposals SET last_status = ?4, last_status_at = ?5"
	    " WHERE owner = ?1 AND referral_id = ?2 AND proposal_id = ?3";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	bind_key(st, owner, referral_id, proposal_id);
	sqlite3_bind_int(st, 4, status);
	sqlite3_bind_int64(st, 5, now);
	return run(store, st, err);
}

int
store_family_holder(store_t *store, const char *family_ref, family_holder_t *out, err_t *err)
{
	static const char sql[] = "SELECT owner, referral_id, proposal_id, passed_on_at"
	    " FROM proposals WHERE family_ref = ?1 AND passed_on_at IS NOT NULL"
	    " AND state IN " HELD_STATES " ORDER BY passed_on_at LIMIT 1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, family_ref, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		snprintf(out->owner, sizeof(out->owner), "%s", sqlite3_column_text(st, 0));
		snprintf(out->referral_id, sizeof(out->referral_id), "%s", sqlite3_column_text(st, 1));
		snprintf(out->proposal_id, sizeof(out->proposal_id), "%s", sqlite3_column_text(st, 2));
		out->since = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (step == SQLITE_ROW)
		return 1;
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

int
store_proposal_withdraw_open(store_t *store, const char *owner, const char *referral_id,
    const char *keep, const char *message_id, int64_t now, err_t *err)
{
	static const char log_sql[] = "INSERT INTO transitions (at, owner, referral_id,"
	    " proposal_id, event, from_state, to_state, code, message_id)"
	    " SELECT ?4, owner, referral_id, proposal_id, 'closed', state, 'withdrawn', 0, ?5"
	    " FROM proposals WHERE owner = ?1 AND referral_id = ?2 AND proposal_id != ?3"
	    " AND state IN " OPEN_STATES;
	static const char sql[] = "UPDATE proposals SET state = 'withdrawn', updated_at = ?4,"
	    " ended_at = ?4 WHERE owner = ?1 AND referral_id = ?2 AND proposal_id != ?3"
	    " AND state IN " OPEN_STATES;
	sqlite3_stmt *st = store_stmt(store, log_sql, err);

	if (st == NULL)
		return -1;
	bind_key(st, owner, referral_id, keep ? keep : "");
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, message_id, -1, SQLITE_STATIC);
	if (run(store, st, err) != 0 || (st = store_stmt(store, sql, err)) == NULL)
		return -1;
	bind_key(st, owner, referral_id, keep ? keep : "");
	sqlite3_bind_int64(st, 4, now);
	if (run(store, st, err) != 0)
		return -1;
	return sqlite3_changes(store_db(store));
}
