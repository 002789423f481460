/* store_report — see store_report.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_action.h"
#include "store_report.h"

/* One column list for every schema version: famlinkctl opens the store
 * read-only, so it may see a schema the daemon has not migrated yet. Dead
 * letters and skips are counted twice: all, and those famlinkctl ack-alarm
 * (or a retry or discard) has not acknowledged (before migration 11: all). */
#define PEER_COLUMNS(refused, dead_open, skips_open, shown) \
	"SELECT p.node_id, p.connected, coalesce(p.last_seen, 0)," \
	" (SELECT count(*) FROM outbox o WHERE o.peer = p.node_id AND o.state = 'queued'" \
	"   AND o.sequence > p.sent_up_to)," \
	" (SELECT count(*) FROM outbox o WHERE o.peer = p.node_id AND o.state = 'queued'" \
	"   AND o.sequence <= p.sent_up_to)," \
	" coalesce((SELECT min(created_at) FROM outbox o WHERE o.peer = p.node_id" \
	"   AND o.state = 'queued' AND o.sequence <= p.sent_up_to), 0)," \
	" (SELECT count(*) FROM outbox o WHERE o.peer = p.node_id AND o.state = 'delivered')," \
	" (SELECT count(*) FROM dead_letters d WHERE d.peer = p.node_id" dead_open ")," \
	" " refused "," \
	" (SELECT count(*) FROM audit a WHERE a.peer = p.node_id AND a.event = 'skip'" skips_open ")," \
	" coalesce((SELECT max(at) FROM audit a WHERE a.peer = p.node_id AND a.event = 'skip'), 0)," \
	" coalesce((SELECT min(created_at) FROM outbox o WHERE o.peer = p.node_id" \
	"   AND o.state = 'queued' AND o.sequence > p.sent_up_to), 0)," \
	" (SELECT count(*) FROM outbox o WHERE o.peer = p.node_id AND o.state = 'dead')," \
	" (SELECT count(*) FROM audit a WHERE a.peer = p.node_id AND a.event = 'skip')," \
	" " shown \
	" FROM peers p ORDER BY p.node_id"
#define DEAD_OPEN " AND d.acked_at IS NULL"
#define SKIPS_OPEN " AND a.id > coalesce((SELECT skips_up_to FROM alarm_acks k" \
	" WHERE k.peer = p.node_id), 0)"

/* The peers statement for this store's schema (before migration 2 there is
 * no refused_since: it reads as 0), NULL on error. */
static sqlite3_stmt *
peers_stmt(store_t *store, err_t *err)
{
	static const char now[] = PEER_COLUMNS("coalesce(p.refused_since, 0)", DEAD_OPEN,
	    SKIPS_OPEN, "p.forgotten_at IS NULL");
	static const char with[] = PEER_COLUMNS("coalesce(p.refused_since, 0)", "", "", "1");
	static const char without[] = PEER_COLUMNS("0", "", "", "1");
	int version = store_schema_version(store);

	if (version < 0) {
		store_fail(store, err);
		return NULL;
	}
	return store_stmt(store, version >= STORE_SCHEMA_ACTIONS ? now : version >= 2 ? with : without, err);
}

static void
peer_row(sqlite3_stmt *st, peer_report_t *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->node_id, sizeof(r->node_id), "%s", (const char *)sqlite3_column_text(st, 0));
	r->connected = sqlite3_column_int(st, 1) != 0;
	r->last_seen = sqlite3_column_int64(st, 2);
	r->waiting = sqlite3_column_int(st, 3);
	r->unacked = sqlite3_column_int(st, 4);
	r->oldest_unacked = sqlite3_column_int64(st, 5);
	r->delivered = sqlite3_column_int(st, 6);
	r->dead = sqlite3_column_int(st, 7);
	r->refused_since = sqlite3_column_int64(st, 8);
	r->skips = sqlite3_column_int(st, 9);
	r->last_skip = sqlite3_column_int64(st, 10);
	r->oldest_waiting = sqlite3_column_int64(st, 11);
	r->dead_total = sqlite3_column_int(st, 12);
	r->skips_total = sqlite3_column_int(st, 13);
	r->forgotten = sqlite3_column_int(st, 14) == 0;
}

/* Room for one more row; NULL (rows freed) when out of memory. */
static peer_report_t *
grow(peer_report_t **rows, size_t n, size_t *cap)
{
	peer_report_t *grown;

	if (n < *cap)
		return *rows;
	*cap = *cap ? *cap * 2 : 16;
	if ((grown = realloc(*rows, *cap * sizeof(*grown))) == NULL) {
		free(*rows);
		*rows = NULL;
		return NULL;
	}
	return *rows = grown;
}

int
store_report_peers(store_t *store, peer_report_t **out, size_t *n, err_t *err)
{
	sqlite3_stmt *st = peers_stmt(store, err);
	peer_report_t *rows = NULL;
	size_t cap = 0;
	int step;

	*n = 0;
	*out = NULL;
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow(&rows, *n, &cap) == NULL) {
			sqlite3_reset(st);
			return err_set(err, 0, "out of memory");
		}
		peer_row(st, &rows[(*n)++]);
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		free(rows);
		return store_fail(store, err);
	}
	*out = rows;
	return 0;
}

static int
by_node_id(const void *a, const void *b)
{
	return strcmp(((const peer_report_t *)a)->node_id, ((const peer_report_t *)b)->node_id);
}

int
store_report_peers_with(store_t *store, const char *const *configured, size_t nconfigured,
    peer_report_t **out, size_t *n, err_t *err)
{
	size_t cap;

	if (store_report_peers(store, out, n, err) != 0)
		return -1;
	cap = *n;
	for (size_t i = 0; i < nconfigured; i++) {
		size_t j;
		for (j = 0; j < *n && strcmp((*out)[j].node_id, configured[i]) != 0; j++)
			;
		if (j == *n) {
			if (grow(out, *n, &cap) == NULL)
				return err_set(err, 0, "out of memory");
			memset(&(*out)[j], 0, sizeof(**out));
			snprintf((*out)[j].node_id, sizeof((*out)[j].node_id), "%s", configured[i]);
			(*n)++;
		}
		(*out)[j].configured = true;
		(*out)[j].forgotten = false;
	}
	/* famlinkctl peers forget: out of sight until it is configured again. */
	size_t kept = 0;
	for (size_t j = 0; j < *n; j++)
		if (!(*out)[j].forgotten)
			(*out)[kept++] = (*out)[j];
	*n = kept;
	if (*n > 1)   /* a hub with no peer yet has no array at all */
		qsort(*out, *n, sizeof(**out), by_node_id);
	return 0;
}

long
store_report_dead_total(store_t *store, bool open_only, err_t *err)
{
	static const char all[] = "SELECT count(*) FROM dead_letters";
	static const char open[] = "SELECT count(*) FROM dead_letters WHERE acked_at IS NULL";
	sqlite3_stmt *st = store_stmt(store, open_only && store_schema_version(store) >= STORE_SCHEMA_ACTIONS
	    ? open : all, err);
	long n;

	if (st == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW)
		return store_fail(store, err);
	n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

int
store_report_queue(store_t *store, int limit,
    void (*fn)(void *ctx, const queue_report_t *row), void *ctx, err_t *err)
{
	/* held: famlinkctl hold (since migration 12). */
#define QUEUE_SQL(held) \
	    "SELECT o.message_id, o.peer, o.body_type, o.referral_id," \
	    " CASE WHEN o.state = 'dead' THEN 'dead'" held \
	    "      WHEN o.sequence <= coalesce(p.sent_up_to, 0) THEN 'sent' ELSE 'waiting' END," \
	    " o.sequence, o.created_at, coalesce(d.reason, ''), coalesce(d.code, 0)" \
	    " FROM outbox o LEFT JOIN peers p ON p.node_id = o.peer" \
	    " LEFT JOIN dead_letters d ON d.message_id = o.message_id" \
	    " WHERE o.state IN ('queued', 'dead')" \
	    " ORDER BY o.state DESC, o.peer, o.sequence LIMIT ?1"
	static const char sql[] = QUEUE_SQL(" WHEN o.held_at IS NOT NULL THEN 'held'");
	static const char sql_10[] = QUEUE_SQL("");
	sqlite3_stmt *st = store_stmt(store, store_schema_version(store) >= STORE_SCHEMA_ACTIONS ? sql : sql_10, err);
	queue_report_t row;
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		row.message_id = (const char *)sqlite3_column_text(st, 0);
		row.peer = (const char *)sqlite3_column_text(st, 1);
		row.body_type = (const char *)sqlite3_column_text(st, 2);
		row.referral_id = (const char *)sqlite3_column_text(st, 3);
		row.state = (const char *)sqlite3_column_text(st, 4);
		row.sequence = (uint64_t)sqlite3_column_int64(st, 5);
		row.created_at = sqlite3_column_int64(st, 6);
		row.reason = (const char *)sqlite3_column_text(st, 7);
		row.code = sqlite3_column_int(st, 8);
		fn(ctx, &row);
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}
