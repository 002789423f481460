/* store_queue — see store_queue.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "envelope.h"
#include "store_audit.h"
#include "store_notify.h"
#include "store_queue.h"

/* Creates the peer's row with its defaults if it has none yet. */
static int
ensure_peer(store_t *store, const char *peer, err_t *err)
{
	/* A peer famlinkctl peers forget hid is back once it is used again. */
	static const char sql[] = "INSERT INTO peers (node_id) VALUES (?1) ON CONFLICT DO UPDATE"
	    " SET forgotten_at = NULL WHERE forgotten_at IS NOT NULL";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(store, err);
}

static int
next_out_seq(store_t *store, const char *peer, uint64_t *seq, err_t *err)
{
	static const char upd[] =
	    "UPDATE peers SET next_out_seq = next_out_seq + 1 WHERE node_id = ?1"
	    " RETURNING next_out_seq - 1";
	sqlite3_stmt *st;

	if (ensure_peer(store, peer, err) != 0)
		return -1;
	if ((st = store_stmt(store, upd, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(store, err);
	*seq = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/* CRC-32 over what the pump reads back: the id, the sequence and the
 * envelope's bytes. It finds a damaged row (a flipped bit, an overwritten
 * page that SQLite does not notice) before it is sent as if it were whole;
 * it is no defence against anyone who can write the store. */
static int64_t
row_checksum(const char *message_id, uint64_t sequence, const void *envelope, size_t len)
{
	uint8_t seq[8];
	uLong crc = crc32(0L, Z_NULL, 0);

	for (int i = 0; i < 8; i++)
		seq[i] = (uint8_t)(sequence >> (8 * i));
	crc = crc32(crc, (const Bytef *)message_id, (uInt)strlen(message_id));
	crc = crc32(crc, seq, sizeof(seq));
	crc = crc32_z(crc, envelope, len);
	return (int64_t)crc;
}

int
store_enqueue(store_t *store, Famlink__V1__Envelope *env, err_t *err)
{
	static const char sql[] =
	    "INSERT INTO outbox (message_id, peer, sequence, referral_id, body_type,"
	    " created_at, envelope, state, checksum)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8)";
	sqlite3_stmt *st;
	uint8_t *buf = NULL;
	size_t len;
	int rc = -1;

	if (next_out_seq(store, env->recipient, &env->sequence, err) != 0)
		return -1;
	if ((buf = envelope_pack(env, &len, err)) == NULL)
		return -1;
	if ((st = store_stmt(store, sql, err)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, env->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, env->recipient, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)env->sequence);
	sqlite3_bind_text(st, 4, env->referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, envelope_body_name(env), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, env->created_at_ms);
	sqlite3_bind_blob(st, 7, buf, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, row_checksum(env->message_id, env->sequence, buf, len));
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(store, err);
		goto out;
	}
	sqlite3_reset(st);
	rc = store_audit(store, env->created_at_ms, AUDIT_OUT, env->message_id,
	    env->recipient, envelope_body_name(env), 0, NULL, err);
out:
	free(buf);
	return rc;
}

int
store_outbox_scan(store_t *store, const char *peer, uint64_t after, int max,
    int (*fn)(void *ctx, const outbox_row_t *row), void *ctx, err_t *err)
{
	static const char sql[] =
	    "SELECT message_id, sequence, created_at, envelope, checksum, body_type, held_at"
	    " FROM outbox"
	    " WHERE peer = ?1 AND state = 'queued' AND sequence > ?2"
	    " ORDER BY sequence LIMIT ?3";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	outbox_row_t row;
	int rc = 0, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)after);
	sqlite3_bind_int(st, 3, max);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		row.message_id = (const char *)sqlite3_column_text(st, 0);
		row.sequence = (uint64_t)sqlite3_column_int64(st, 1);
		row.created_at = sqlite3_column_int64(st, 2);
		row.envelope = sqlite3_column_blob(st, 3);
		row.len = (size_t)sqlite3_column_bytes(st, 3);
		row.body_type = (const char *)sqlite3_column_text(st, 5);
		if (row.body_type == NULL)
			row.body_type = "";
		/* Rows queued before checksums were kept have none. */
		row.damaged = row.message_id == NULL ||
		    (sqlite3_column_type(st, 4) != SQLITE_NULL &&
		    sqlite3_column_int64(st, 4) != row_checksum(row.message_id, row.sequence,
		    row.envelope, row.len));
		row.held = sqlite3_column_type(st, 6) != SQLITE_NULL;
		if ((rc = fn(ctx, &row)) != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = store_fail(store, err);
	sqlite3_reset(st);
	return rc;
}

int
store_first_unacked(store_t *store, const char *peer, uint64_t *seq, err_t *err)
{
	static const char sql[] =
	    "SELECT coalesce((SELECT min(sequence) FROM outbox"
	    "   WHERE peer = ?1 AND state = 'queued'),"
	    " (SELECT next_out_seq FROM peers WHERE node_id = ?1), 1)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(store, err);
	*seq = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int
store_outbox_waiting(store_t *store, long *waiting, err_t *err)
{
	static const char sql[] = "SELECT count(*) FROM outbox WHERE state = 'queued'";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		*waiting = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return step == SQLITE_ROW ? 0 : store_fail(store, err);
}

int
store_outbox_queued_id(store_t *store, const char *peer, uint64_t seq, char *id, size_t len,
    err_t *err)
{
	static const char sql[] =
	    "SELECT message_id FROM outbox WHERE peer = ?1 AND sequence = ?2 AND state = 'queued'";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(id, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (step == SQLITE_ROW)
		return 1;
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

/* Moves one queued message to a final state; 1 if it was queued. */
static int
settle(store_t *store, const char *sql, const char *peer, const char *message_id,
    int64_t now, uint64_t *seq, int64_t *created_at, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, peer, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 3)   /* the time it was settled, if kept */
		sqlite3_bind_int64(st, 3, now);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE)
		return 0;
	if (step != SQLITE_ROW)
		return store_fail(store, err);
	if (seq)
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
	if (created_at)
		*created_at = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return 1;
}

int
store_mark_delivered(store_t *store, const char *peer, const char *message_id,
    int64_t now, uint64_t *seq, int64_t *created_at, err_t *err)
{
	static const char sql[] =
	    "UPDATE outbox SET state = 'delivered', delivered_at = ?3"
	    " WHERE message_id = ?1 AND peer = ?2 AND state = 'queued'"
	    " RETURNING sequence, created_at";

	return settle(store, sql, peer, message_id, now, seq, created_at, err);
}

int
store_mark_dead(store_t *store, const char *peer, const char *message_id,
    int code, const char *reason, int64_t now, uint64_t *seq, err_t *err)
{
	static const char upd[] =
	    "UPDATE outbox SET state = 'dead' WHERE message_id = ?1 AND peer = ?2"
	    " AND state = 'queued' RETURNING sequence, created_at";
	static const char ins[] =
	    "INSERT OR REPLACE INTO dead_letters (message_id, peer, body_type, dead_at, code, reason)"
	    " SELECT message_id, peer, body_type, ?2, ?3, ?4 FROM outbox WHERE message_id = ?1";
	sqlite3_stmt *st;
	int rc = settle(store, upd, peer, message_id, now, seq, NULL, err);

	if (rc != 1)
		return rc;
	if ((st = store_stmt(store, ins, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, code);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	if (store_notify_dead_letter(store, message_id, now, err) != 0)
		return -1;
	return store_audit(store, now, AUDIT_DEAD, message_id, peer, NULL, code, reason, err) == 0
	    ? 1 : -1;
}

int
store_inbox_has(store_t *store, const char *message_id, const char *sender, err_t *err)
{
	static const char sql[] = "SELECT sender = ?2 FROM inbox WHERE message_id = ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step, same = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sender, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		same = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (step == SQLITE_ROW)
		return same ? 1 : 2;
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}

int
store_message_id_used(store_t *store, const char *message_id, err_t *err)
{
	static const char sql[] = "SELECT 1 FROM outbox WHERE message_id = ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	sqlite3_reset(st);
	if (step == SQLITE_ROW)
		return 1;
	if (step != SQLITE_DONE)
		return store_fail(store, err);
	/* "" is no node: any row in the inbox counts (2, another sender). */
	step = store_inbox_has(store, message_id, "", err);
	return step < 0 ? -1 : step > 0;
}

int
store_inbox_put(store_t *store, const Famlink__V1__Envelope *env,
    const void *raw, size_t len, int64_t now, err_t *err)
{
	static const char sql[] =
	    "INSERT INTO inbox (message_id, sender, sequence, referral_id, body_type,"
	    " created_at, received_at, envelope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, env->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, env->sender, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)env->sequence);
	sqlite3_bind_text(st, 4, env->referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, envelope_body_name(env), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, env->created_at_ms);
	sqlite3_bind_int64(st, 7, now);
	sqlite3_bind_blob(st, 8, raw, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return store_audit(store, now, AUDIT_IN, env->message_id, env->sender,
	    envelope_body_name(env), 0, NULL, err);
}

int
store_peer_load(store_t *store, const char *node_id, store_peer_t *out, err_t *err)
{
	static const char sel[] =
	    "SELECT next_out_seq, next_in_seq, coalesce(last_seen, 0), connected,"
	    " coalesce(refused_since, 0) FROM peers WHERE node_id = ?1";
	sqlite3_stmt *st;

	if (ensure_peer(store, node_id, err) != 0)
		return -1;
	if ((st = store_stmt(store, sel, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(store, err);
	memset(out, 0, sizeof(*out));
	snprintf(out->node_id, sizeof(out->node_id), "%s", node_id);
	out->next_out_seq = (uint64_t)sqlite3_column_int64(st, 0);
	out->next_in_seq = (uint64_t)sqlite3_column_int64(st, 1);
	out->last_seen = sqlite3_column_int64(st, 2);
	out->connected = sqlite3_column_int(st, 3) != 0;
	out->refused_since = sqlite3_column_int64(st, 4);
	sqlite3_reset(st);
	return 0;
}

/* Writes what the receiving side owns; next_out_seq belongs to
 * store_enqueue() and is left alone. */
int
store_raise_next_out_seq(store_t *store, const char *peer, uint64_t seq, uint64_t *was,
    err_t *err)
{
	static const char sel[] = "SELECT next_out_seq FROM peers WHERE node_id = ?1";
	static const char upd[] = "UPDATE peers SET next_out_seq = ?2 WHERE node_id = ?1";
	sqlite3_stmt *st;

	if (ensure_peer(store, peer, err) != 0 || (st = store_stmt(store, sel, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(store, err);
	*was = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (seq <= *was)
		return 0;
	if ((st = store_stmt(store, upd, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	return sqlite3_step(st) == SQLITE_DONE ? 1 : store_fail(store, err);
}

int
store_peer_save(store_t *store, const store_peer_t *peer, err_t *err)
{
	/* An upsert: the row may have been created in a batch that rolled back. */
	static const char sql[] =
	    "INSERT INTO peers (node_id, next_in_seq, last_seen, connected, sent_up_to,"
	    " refused_since) VALUES (?1, ?2, nullif(?3, 0), ?4, ?5, nullif(?6, 0))"
	    " ON CONFLICT (node_id) DO UPDATE SET"
	    " next_in_seq = excluded.next_in_seq, last_seen = excluded.last_seen,"
	    " connected = excluded.connected, sent_up_to = excluded.sent_up_to,"
	    " refused_since = excluded.refused_since";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, peer->node_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)peer->next_in_seq);
	sqlite3_bind_int64(st, 3, peer->last_seen);
	sqlite3_bind_int(st, 4, peer->connected);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)peer->sent_up_to);
	sqlite3_bind_int64(st, 6, peer->refused_since);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

int
store_peers_reset(store_t *store, err_t *err)
{
	return store_exec(store,
	    "UPDATE peers SET connected = 0, sent_up_to = 0, refused_since = NULL", err);
}

int
store_rejection_put(store_t *store, const char *message_id, const char *sender,
    int code, const char *reason, int64_t now, err_t *err)
{
	static const char sql[] =
	    "INSERT OR IGNORE INTO rejections (message_id, sender, code, reason, at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sender, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, code);
	sqlite3_bind_text(st, 4, reason ? reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : store_fail(store, err);
}

int
store_rejection_get(store_t *store, const char *message_id, const char *sender,
    int *code, char *reason, size_t reason_len, err_t *err)
{
	static const char sql[] =
	    "SELECT code, reason FROM rejections WHERE message_id = ?1 AND sender = ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sender, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		*code = sqlite3_column_int(st, 0);
		snprintf(reason, reason_len, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (step == SQLITE_ROW)
		return 1;
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}
