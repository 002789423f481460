/* store_report — see store_report.h. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_report.h"

/* One column list for both schema versions: famlinkctl opens the store
 * read-only, so it may see a schema the daemon has not migrated yet. */
#define PEER_COLUMNS(refused) \
	"SELECT p.node_id, p.connected, coalesce(p.last_seen, 0)," \
	" (SELECT count(*) FROM outbox o WHERE o.peer = p.node_id AND o.state = 'queued'" \
	"   AND o.sequence > p.sent_up_to)," \
	" (SELECT count(*) FROM outbox o WHERE o.peer = p.node_id AND o.state = 'queued'" \
	"   AND o.sequence <= p.sent_up_to)," \
	" coalesce((SELECT min(created_at) FROM outbox o WHERE o.peer = p.node_id" \
	"   AND o.state = 'queued' AND o.sequence <= p.sent_up_to), 0)," \
	" (SELECT count(*) FROM outbox o WHERE o.peer = p.node_id AND o.state = 'delivered')," \
	" (SELECT count(*) FROM outbox o WHERE o.peer = p.node_id AND o.state = 'dead')," \
	" " refused "," \
	" (SELECT count(*) FROM audit a WHERE a.peer = p.node_id AND a.event = 'skip')," \
	" coalesce((SELECT max(at) FROM audit a WHERE a.peer = p.node_id AND a.event = 'skip'), 0)," \
	" coalesce((SELECT min(created_at) FROM outbox o WHERE o.peer = p.node_id" \
	"   AND o.state = 'queued' AND o.sequence > p.sent_up_to), 0)" \
	" FROM peers p ORDER BY p.node_id"

/* The peers statement for this store's schema (before migration 2 there is
 * no refused_since: it reads as 0), NULL on error. */
static sqlite3_stmt *
peers_stmt(store_t *store, err_t *err)
{
	static const char has_col[] =
	    "SELECT count(*) FROM pragma_table_info('peers') WHERE name = 'refused_since'";
	static const char with[] = PEER_COLUMNS("coalesce(p.refused_since, 0)");
	static const char without[] = PEER_COLUMNS("0");
	sqlite3_stmt *st = store_stmt(store, has_col, err);
	int has;

	if (st == NULL)
		return NULL;
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_fail(store, err);
		return NULL;
	}
	has = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return store_stmt(store, has ? with : without, err);
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
	size_t cap, stored;

	if (store_report_peers(store, out, n, err) != 0)
		return -1;
	cap = stored = *n;
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
	}
	if (*n > stored)
		qsort(*out, *n, sizeof(**out), by_node_id);
	return 0;
}

long
store_report_dead_total(store_t *store, err_t *err)
{
	static const char sql[] = "SELECT count(*) FROM dead_letters";
	sqlite3_stmt *st = store_stmt(store, sql, err);
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
	static const char sql[] =
	    "SELECT o.message_id, o.peer, o.body_type, o.referral_id,"
	    " CASE WHEN o.state = 'dead' THEN 'dead'"
	    "      WHEN o.sequence <= coalesce(p.sent_up_to, 0) THEN 'sent' ELSE 'waiting' END,"
	    " o.sequence, o.created_at, coalesce(d.reason, ''), coalesce(d.code, 0)"
	    " FROM outbox o LEFT JOIN peers p ON p.node_id = o.peer"
	    " LEFT JOIN dead_letters d ON d.message_id = o.message_id"
	    " WHERE o.state IN ('queued', 'dead')"
	    " ORDER BY o.state DESC, o.peer, o.sequence LIMIT ?1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
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
