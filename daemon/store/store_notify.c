/* store_notify — see store_notify.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "famlink.pb-c.h"
#include "store_notify.h"

#define BODY(x) FAMLINK__V1__ENVELOPE__BODY_##x

static void
bind_texts(sqlite3_stmt *st, int first, const char *const *v, int n)
{
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, first + i, v[i] ? v[i] : "", -1, SQLITE_STATIC);
}

int
store_notify_message(store_t *store, const notify_message_t *m, int64_t now, err_t *err)
{
	static const char sql[] = "INSERT INTO notifications (at, event, kind, message_id,"
	    " referral_id, proposal_id, owner, recipient) VALUES (?1, 'message', ?2, ?3, ?4, ?5,"
	    " ?6, ?7)";
	const char *v[] = { m->kind, m->message_id, m->referral_id, m->proposal_id, m->owner,
	    m->recipient };
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	bind_texts(st, 2, v, 6);
	return store_step_done(store, st, err);
}

/* The owner is the municipality whose referral it is: the peer at the
 * hub, this node itself at a municipality (its identity row). */
int
store_notify_dead_letter(store_t *store, const char *message_id, int64_t now, err_t *err)
{
	static const char sql[] = "INSERT INTO notifications (at, event, kind, message_id,"
	    " referral_id, owner, actor, recipient) SELECT ?2, 'dead_letter', body_type,"
	    " message_id, referral_id, CASE WHEN peer LIKE 'municipality:%' THEN peer ELSE"
	    " coalesce((SELECT node_id FROM identity), '') END, peer, 'operator' FROM outbox"
	    " WHERE message_id = ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return store_step_done(store, st, err);
}

int
store_notify_adapter(store_t *store, const char *event, const char *adapter, int64_t now,
    err_t *err)
{
	static const char sql[] = "INSERT INTO notifications (at, event, adapter, recipient)"
	    " VALUES (?1, ?2, ?3, 'operator')";
	const char *v[] = { event, adapter };
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	bind_texts(st, 2, v, 2);
	return store_step_done(store, st, err);
}

static void
read_row(sqlite3_stmt *st, notify_row_t *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->at = sqlite3_column_int64(st, 1);
	r->deadline_id = sqlite3_column_int64(st, 2);
	r->due_at = sqlite3_column_int64(st, 3);
	r->attempts = (unsigned)sqlite3_column_int(st, 4);
	store_col_text(st, 5, r->event, sizeof(r->event));
	store_col_text(st, 6, r->kind, sizeof(r->kind));
	store_col_text(st, 7, r->owner, sizeof(r->owner));
	store_col_text(st, 8, r->referral_id, sizeof(r->referral_id));
	store_col_text(st, 9, r->proposal_id, sizeof(r->proposal_id));
	store_col_text(st, 10, r->actor, sizeof(r->actor));
	store_col_text(st, 11, r->recipient, sizeof(r->recipient));
	store_col_text(st, 12, r->message_id, sizeof(r->message_id));
	store_col_text(st, 13, r->adapter, sizeof(r->adapter));
}

int
store_notify_due(store_t *store, int64_t now, int max, notify_row_t *rows, err_t *err)
{
	static const char sql[] = "SELECT id, at, coalesce(deadline_id, 0), coalesce(due_at, 0),"
	    " attempts, event, kind, owner, referral_id, proposal_id, actor, recipient, message_id,"
	    " adapter FROM notifications WHERE state = 'pending' AND (next_at IS NULL OR"
	    " next_at <= ?1) ORDER BY id LIMIT ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int n = 0, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		read_row(st, &rows[n++]);
	sqlite3_reset(st);
	return step == SQLITE_DONE ? n : store_fail(store, err);
}

int
store_notify_next(store_t *store, int64_t *at, err_t *err)
{
	static const char sql[] = "SELECT min(coalesce(next_at, at)) FROM notifications"
	    " WHERE state = 'pending'";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step, found = 0;

	if (st == NULL)
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*at = sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_reset(st);
	return step == SQLITE_ROW ? found : store_fail(store, err);
}

int
store_notify_sent(store_t *store, int64_t id, int64_t now, err_t *err)
{
	static const char sql[] = "UPDATE notifications SET state = 'sent', sent_at = ?2,"
	    " next_at = NULL WHERE id = ?1 AND state = 'pending'";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if (store_step_done(store, st, err) != 0)
		return -1;
	return sqlite3_changes(store_db(store)) > 0;
}

int
store_notify_failed(store_t *store, int64_t id, int64_t next_at, const char *why, err_t *err)
{
	static const char sql[] = "UPDATE notifications SET attempts = attempts + 1,"
	    " next_at = ?2, last_error = ?3 WHERE id = ?1 AND state = 'pending'";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, next_at);
	sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
	return store_step_done(store, st, err);
}

/* The secretary's address from a stored Referral envelope: 1 and buf, or
 * 0 (none given, or the envelope does not unpack). */
static int
secretary_of(const void *data, size_t len, char *buf, size_t buflen)
{
	Famlink__V1__Envelope *env = famlink__v1__envelope__unpack(NULL, len, data);
	int found = 0;

	if (env == NULL)
		return 0;
	if (env->body_case == BODY(REFERRAL) && env->referral->secretary != NULL &&
	    env->referral->secretary->email != NULL && env->referral->secretary->email[0] != '\0' &&
	    strlen(env->referral->secretary->email) < buflen) {
		snprintf(buf, buflen, "%s", env->referral->secretary->email);
		found = 1;
	}
	famlink__v1__envelope__free_unpacked(env, NULL);
	return found;
}

int
store_notify_secretary(store_t *store, const char *owner, const char *referral_id, char *buf,
    size_t len, err_t *err)
{
	/* The latest Referral's message id from the referral's transitions
	 * (small rows), then its envelope by that id: a municipality sent it
	 * (outbox), the hub received it (inbox). Neither queue has an index
	 * on referral_id, and a scan of their envelopes would be slow. */
	static const char sql[] = "WITH r AS (SELECT message_id FROM transitions WHERE"
	    " owner = ?2 AND referral_id = ?1 AND event = 'referral' ORDER BY id DESC LIMIT 1)"
	    " SELECT envelope FROM outbox WHERE message_id = (SELECT message_id FROM r)"
	    " UNION ALL SELECT envelope FROM inbox WHERE message_id = (SELECT message_id FROM r)"
	    " LIMIT 1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step, found = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(st)) == SQLITE_ROW && sqlite3_column_bytes(st, 0) > 0)
		found = secretary_of(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
		    buf, len);
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_fail(store, err);
	return found;
}
