/* store_action — see store_action.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "store_action.h"
#include "store_queue.h"

/* Binds text ?1 and steps a write to its end. */
static int
write_id(store_t *store, const char *sql, const char *id, int64_t at, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, at);
	return store_step_done(store, st, err);
}

int
store_action_get(store_t *store, const char *message_id, action_row_t *out, err_t *err)
{
	static const char sql[] =
	    "SELECT o.message_id, o.peer, o.body_type, o.referral_id, o.state, o.sequence,"
	    " coalesce(o.held_at, 0), coalesce(o.resend_of, ''),"
	    " coalesce((SELECT r.message_id FROM outbox r WHERE r.resend_of = o.message_id"
	    "   ORDER BY r.id DESC LIMIT 1), ''), length(o.envelope) = 0,"
	    " coalesce((SELECT d.code = 0 FROM dead_letters d WHERE d.message_id = o.message_id), 0)"
	    " FROM outbox o WHERE o.message_id = ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		store_col_text(st, 0, out->message_id, sizeof(out->message_id));
		store_col_text(st, 1, out->peer, sizeof(out->peer));
		store_col_text(st, 2, out->body_type, sizeof(out->body_type));
		store_col_text(st, 3, out->referral_id, sizeof(out->referral_id));
		store_col_text(st, 4, out->state, sizeof(out->state));
		out->sequence = (uint64_t)sqlite3_column_int64(st, 5);
		out->held_at = sqlite3_column_int64(st, 6);
		store_col_text(st, 7, out->resend_of, sizeof(out->resend_of));
		store_col_text(st, 8, out->resent_as, sizeof(out->resent_as));
		out->purged = sqlite3_column_int(st, 9) != 0;
		out->set_aside = sqlite3_column_int(st, 10) != 0;
	}
	sqlite3_reset(st);
	if (step == SQLITE_ROW)
		return 1;
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

int
store_action_dead_ids(store_t *store, const char *peer,
    int (*fn)(void *ctx, const char *message_id), void *ctx, err_t *err)
{
	static const char sql[] =
	    "SELECT o.message_id FROM outbox o JOIN dead_letters d USING (message_id)"
	    " WHERE o.state = 'dead' AND d.code <> 0 AND (?1 IS NULL OR o.peer = ?1)"
	    " AND NOT EXISTS (SELECT 1 FROM outbox r WHERE r.resend_of = o.message_id)"
	    " ORDER BY o.id";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int step, rc = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	/* Collected first: fn writes rows this statement would read. */
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			char **grown = realloc(ids, (cap = cap ? cap * 2 : 64) * sizeof(*ids));
			if (grown == NULL)
				break;
			ids = grown;
		}
		if ((ids[n] = strdup((const char *)sqlite3_column_text(st, 0))) == NULL)
			break;
		n++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		rc = step == SQLITE_ROW ? err_set(err, 0, "out of memory listing dead letters")
		    : store_fail(store, err);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = fn(ctx, ids[i]);
		free(ids[i]);
	}
	free(ids);
	return rc;
}

/* The stored envelope of message_id, unpacked: NULL with err. */
static Famlink__V1__Envelope *
stored_envelope(store_t *store, const char *message_id, err_t *err)
{
	static const char sql[] = "SELECT envelope FROM outbox WHERE message_id = ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	Famlink__V1__Envelope *env = NULL;

	if (st == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		store_fail(store, err);
	else if (sqlite3_column_bytes(st, 0) == 0)
		err_set(err, 0, "message %s: its body was emptied by retention (its referral"
		    " is closed); nothing is left to send", message_id);
	else
		env = envelope_unpack(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
		    err);
	sqlite3_reset(st);
	return env;
}

/* old becomes a dead letter (if it is not one) with reason why, and either
 * way acknowledged. */
static int
set_aside(store_t *store, const char *old, int64_t now, const char *why, err_t *err)
{
	static const char upd[] =
	    "UPDATE outbox SET state = 'dead', held_at = NULL WHERE message_id = ?1"
	    " AND state = 'queued'";
	static const char ins[] =
	    "INSERT OR IGNORE INTO dead_letters (message_id, peer, body_type, dead_at, code, reason)"
	    " SELECT message_id, peer, body_type, ?2, 0, ?3 FROM outbox WHERE message_id = ?1";
	sqlite3_stmt *st;

	if (write_id(store, upd, old, 0, err) != 0 || (st = store_stmt(store, ins, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, old, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
	if (store_step_done(store, st, err) != 0)
		return -1;
	return store_action_ack_dead(store, old, now, err);
}

int
store_action_resend(store_t *store, const char *old, const char *peer, int64_t now,
    const char *why, char *new_id, err_t *err)
{
	static const char link[] = "UPDATE outbox SET resend_of = ?2 WHERE message_id = ?1";
	Famlink__V1__Envelope *env = stored_envelope(store, old, err);
	char *was_id, *was_recipient;
	sqlite3_stmt *st;
	int rc = -1;

	if (env == NULL)
		return -1;
	envelope_new_id(new_id);
	/* The unpacked strings belong to env: swapped for ours while packing. */
	was_id = env->message_id;
	was_recipient = env->recipient;
	env->message_id = new_id;
	if (peer != NULL)
		env->recipient = (char *)peer;
	env->created_at_ms = now;
	if (store_enqueue(store, env, err) == 0 && (st = store_stmt(store, link, err)) != NULL) {
		sqlite3_bind_text(st, 1, new_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, old, -1, SQLITE_STATIC);
		rc = store_step_done(store, st, err);
	}
	env->message_id = was_id;
	env->recipient = was_recipient;
	envelope_free(&env);
	return rc == 0 ? set_aside(store, old, now, why, err) : -1;
}

int
store_action_answered_after(store_t *store, const char *peer, uint64_t sequence, err_t *err)
{
	static const char sql[] =
	    "SELECT EXISTS (SELECT 1 FROM outbox WHERE peer = ?1 AND sequence > ?2"
	    " AND state = 'delivered')"
	    " OR EXISTS (SELECT 1 FROM outbox o JOIN dead_letters d USING (message_id)"
	    "   WHERE o.peer = ?1 AND o.sequence > ?2 AND d.code <> 0)";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step, answered = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)sequence);
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		answered = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return step == SQLITE_ROW ? answered : store_fail(store, err);
}

int
store_action_discard(store_t *store, const char *message_id, int64_t now, const char *why,
    err_t *err)
{
	return set_aside(store, message_id, now, why, err);
}

int
store_action_hold(store_t *store, const char *message_id, int64_t at, err_t *err)
{
	static const char sql[] =
	    "UPDATE outbox SET held_at = nullif(?2, 0) WHERE message_id = ?1 AND state = 'queued'";

	return write_id(store, sql, message_id, at, err);
}

int
store_action_ack_dead(store_t *store, const char *message_id, int64_t now, err_t *err)
{
	static const char sql[] =
	    "UPDATE dead_letters SET acked_at = ?2 WHERE message_id = ?1 AND acked_at IS NULL";

	return write_id(store, sql, message_id, now, err);
}

/* The first column of st (bound) as a count: >= 0, or -1 with err. */
static long
count_of(store_t *store, sqlite3_stmt *st, err_t *err)
{
	long n = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	else
		store_fail(store, err);
	sqlite3_reset(st);
	return n;
}

/* Runs sql with ?1 = peer (NULL: any) and ?2 = now: a count, or a write (0). */
static long
for_peer(store_t *store, const char *sql, const char *peer, int64_t now, bool count, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, now);
	return count ? count_of(store, st, err) : store_step_done(store, st, err);
}

int
store_action_ack_alarms(store_t *store, const char *peer, int64_t now, long *dead,
    long *skips, err_t *err)
{
	static const char count_dead[] =
	    "SELECT count(*) FROM dead_letters WHERE acked_at IS NULL"
	    " AND (?1 IS NULL OR peer = ?1)";
	static const char ack_dead[] =
	    "UPDATE dead_letters SET acked_at = ?2 WHERE acked_at IS NULL"
	    " AND (?1 IS NULL OR peer = ?1)";
	static const char count_skips[] =
	    "SELECT count(*) FROM audit a WHERE a.event = 'skip' AND (?1 IS NULL OR a.peer = ?1)"
	    " AND a.id > coalesce((SELECT skips_up_to FROM alarm_acks k WHERE k.peer = a.peer), 0)";
	static const char ack_skips[] =
	    "INSERT INTO alarm_acks (peer, skips_up_to, at)"
	    " SELECT peer, max(id), ?2 FROM audit WHERE event = 'skip'"
	    " AND (?1 IS NULL OR peer = ?1) AND peer IS NOT NULL GROUP BY peer"
	    " ON CONFLICT (peer) DO UPDATE SET skips_up_to = excluded.skips_up_to, at = excluded.at";

	if ((*dead = for_peer(store, count_dead, peer, now, true, err)) < 0 ||
	    (*skips = for_peer(store, count_skips, peer, now, true, err)) < 0 ||
	    for_peer(store, ack_dead, peer, now, false, err) != 0 ||
	    for_peer(store, ack_skips, peer, now, false, err) != 0)
		return -1;
	return 0;
}

long
store_action_queued_for(store_t *store, const char *peer, err_t *err)
{
	static const char sql[] = "SELECT count(*) FROM outbox WHERE peer = ?1 AND state = 'queued'";

	return for_peer(store, sql, peer, 0, true, err);
}

int
store_action_forget_peer(store_t *store, const char *peer, int64_t now, err_t *err)
{
	static const char sql[] =
	    "UPDATE peers SET forgotten_at = ?2, connected = 0 WHERE node_id = ?1";

	if (for_peer(store, sql, peer, now, false, err) != 0)
		return -1;
	return sqlite3_changes(store_db(store)) > 0 ? 1 : 0;
}
