/* store_collected — see store_collected.h. */
#include <sqlite3.h>

#include "store_collected.h"

int
store_collected_get(store_t *store, const char *adapter, const char *item,
    char message_id[33], err_t *err)
{
	static const char sql[] = "SELECT message_id FROM collected WHERE adapter = ?1 AND item = ?2";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	if (sqlite3_bind_text(st, 1, adapter, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	return store_one_text(store, st, message_id, 33, err);
}

int
store_collected_put(store_t *store, const char *adapter, const char *item,
    const char *message_id, int64_t now, err_t *err)
{
	static const char sql[] = "INSERT INTO collected (adapter, item, message_id, at)"
	    " VALUES (?1, ?2, ?3, ?4)";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	if (sqlite3_bind_text(st, 1, adapter, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, item, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 3, message_id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, now) != SQLITE_OK) {
		sqlite3_reset(st);
		return store_fail(store, err);
	}
	step = sqlite3_step(st);
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}
