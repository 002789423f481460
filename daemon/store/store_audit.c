/* store_audit — see store_audit.h. */
#include <sqlite3.h>

#include "store_audit.h"

int
store_audit(store_t *store, int64_t at, const char *event, const char *message_id,
    const char *peer, const char *body_type, int code, const char *detail, err_t *err)
{
	static const char sql[] =
	    "INSERT INTO audit (at, event, message_id, peer, body_type, code, detail)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, peer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body_type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, code);
	sqlite3_bind_text(st, 7, detail, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}
