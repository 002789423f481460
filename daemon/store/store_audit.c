/*
 * store_audit — see store_audit.h. Writing a row computes its link in the
 * hash chain from the last row's hash, which the store handle keeps
 * (store_audit_tip()), so the hot path pays one SHA-256 and no read.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sqlite3.h>
#include <string.h>

#include "store_audit.h"

static void
put_u32(EVP_MD_CTX *ctx, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
	    (unsigned char)(v >> 8), (unsigned char)v };

	EVP_DigestUpdate(ctx, b, sizeof(b));
}

static void
put_i64(EVP_MD_CTX *ctx, int64_t v)
{
	uint64_t u = (uint64_t)v;
	unsigned char b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (56 - 8 * i));
	EVP_DigestUpdate(ctx, b, sizeof(b));
}

/* A text field: NULL as length 0xFFFFFFFF, else its length and bytes. */
static void
put_text(EVP_MD_CTX *ctx, const char *s)
{
	if (s == NULL) {
		put_u32(ctx, 0xFFFFFFFFu);
		return;
	}
	put_u32(ctx, (uint32_t)strlen(s));
	EVP_DigestUpdate(ctx, s, strlen(s));
}

/* SHA-256 fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up
 * again at every EVP_DigestInit_ex(), which was half the cost of a row's
 * hash (0.37 against 0.17 us on the build machine). Kept for the process's
 * life; NULL if the fetch failed, and then each hash fails. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int
store_audit_hash(const unsigned char prev[32], int64_t id, int64_t at, const char *event,
    const char *message_id, const char *peer, const char *body_type, int64_t code,
    const char *detail, unsigned char out[32])
{
	static const char tag[] = "famlink-audit-v1";
	EVP_MD_CTX *ctx;
	unsigned int len = 0;
	int ok;

	if (pthread_once(&sha256_once, sha256_fetch) != 0 || sha256_md == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, sha256_md, NULL) == 1;
	if (ok) {
		EVP_DigestUpdate(ctx, tag, sizeof(tag) - 1);
		EVP_DigestUpdate(ctx, prev, 32);
		put_i64(ctx, id);
		put_i64(ctx, at);
		put_text(ctx, event);
		put_text(ctx, message_id);
		put_text(ctx, peer);
		put_text(ctx, body_type);
		put_i64(ctx, code);
		put_text(ctx, detail);
		ok = EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
	}
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The last row's id and hash, read once per connection (and again after a
 * rollback or another connection's commit). A last row without a hash (from
 * before migration 10) starts the chain: previous hash all zero. */
static int
load_tip(store_t *store, store_audit_tip_t *tip, err_t *err)
{
	static const char sql[] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int step;

	if (st == NULL)
		return -1;
	memset(tip, 0, sizeof(*tip));
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		tip->id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_BLOB && sqlite3_column_bytes(st, 1) == 32)
			memcpy(tip->hash, sqlite3_column_blob(st, 1), 32);
	}
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_fail(store, err);
	tip->known = true;
	return 0;
}

static int
insert_row(store_t *store, int64_t at, const char *event, const char *message_id,
    const char *peer, const char *body_type, int code, const char *detail, err_t *err)
{
	static const char sql[] =
	    "INSERT INTO audit (id, at, event, message_id, peer, body_type, code, detail, hash)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	store_audit_tip_t *tip = store_audit_tip(store);
	unsigned char hash[32];
	sqlite3_stmt *st;
	int64_t id;

	if (!tip->known && load_tip(store, tip, err) != 0)
		return -1;
	id = tip->id + 1;
	if (store_audit_hash(tip->hash, id, at, event, message_id, peer, body_type, code, detail,
	    hash) != 0)
		return err_set(err, 0, "audit: SHA-256 failed");
	if ((st = store_stmt(store, sql, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, peer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, body_type, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, code);
	sqlite3_bind_text(st, 8, detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, hash, sizeof(hash), SQLITE_STATIC);
	if (store_step_done(store, st, err) != 0) {
		tip->known = false;
		return -1;
	}
	tip->id = id;
	memcpy(tip->hash, hash, sizeof(hash));
	return 0;
}

int
store_audit(store_t *store, int64_t at, const char *event, const char *message_id,
    const char *peer, const char *body_type, int code, const char *detail, err_t *err)
{
	/* Outside a transaction the read of the last row and the insert must
	 * still be one: another process may append between them. */
	if (!sqlite3_get_autocommit(store_db(store)))
		return insert_row(store, at, event, message_id, peer, body_type, code, detail, err);
	if (store_begin(store, err) != 0)
		return -1;
	/* And the last row is read afresh: SQLite may have rolled back a
	 * transaction by itself (disk full, I/O error) without store_rollback(),
	 * leaving the handle's tip on a row that is gone. Rare: famlinkctl's
	 * single rows take this path, the daemon's batches do not. */
	store_audit_tip(store)->known = false;
	if (insert_row(store, at, event, message_id, peer, body_type, code, detail, err) != 0 ||
	    store_commit(store, err) != 0) {
		store_rollback(store);
		return -1;
	}
	return 0;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL
	    : (const char *)sqlite3_column_text(st, i);
}

#define PROGRESS_ROWS 4096

/* The last row's id: what progress counts to. */
static long
last_audit_id(store_t *store, err_t *err)
{
	sqlite3_stmt *st = store_stmt(store, "SELECT coalesce(max(id), 0) FROM audit", err);
	char buf[32];

	if (st == NULL || store_one_text(store, st, buf, sizeof(buf), err) < 0)
		return -1;
	return atol(buf);
}

int
store_audit_verify(store_t *store, audit_verify_t *v, audit_progress_fn *progress, void *arg,
    err_t *err)
{
	static const char sql[] = "SELECT id, at, event, message_id, peer, body_type, code,"
	    " detail, hash FROM audit ORDER BY id";
	unsigned char prev[32] = {0}, want[32];
	long last = progress ? last_audit_id(store, err) : 0;
	sqlite3_stmt *st = last >= 0 ? store_stmt(store, sql, err) : NULL;
	int step;

	memset(v, 0, sizeof(*v));
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (progress && id % PROGRESS_ROWS == 0)
			progress(arg, (long)id, last);
		bool hashed = sqlite3_column_type(st, 8) == SQLITE_BLOB &&
		    sqlite3_column_bytes(st, 8) == 32;

		if (v->first_id == 0 && sqlite3_column_type(st, 8) == SQLITE_NULL) {
			v->unhashed++;   /* before the chain began */
			continue;
		}
		if (v->first_id == 0)
			v->first_id = id;
		if (!hashed ||
		    store_audit_hash(prev, id, sqlite3_column_int64(st, 1), col(st, 2), col(st, 3),
		    col(st, 4), col(st, 5), sqlite3_column_int64(st, 6), col(st, 7), want) != 0 ||
		    memcmp(want, sqlite3_column_blob(st, 8), 32) != 0) {
			v->broken_id = id;
			break;
		}
		memcpy(prev, want, sizeof(prev));
		v->rows++;
		v->last_id = id;
	}
	if (v->broken_id == 0)
		memcpy(v->last_hash, prev, sizeof(prev));
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

static void
fill_row(sqlite3_stmt *st, audit_row_t *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->at = sqlite3_column_int64(st, 1);
	store_col_text(st, 2, r->event, sizeof(r->event));
	store_col_text(st, 3, r->message_id, sizeof(r->message_id));
	store_col_text(st, 4, r->peer, sizeof(r->peer));
	store_col_text(st, 5, r->body_type, sizeof(r->body_type));
	r->code = sqlite3_column_int64(st, 6);
	store_col_text(st, 7, r->detail, sizeof(r->detail));
}

int
store_audit_list(store_t *store, const char *referral_id, const char *message_id,
    audit_row_fn *fn, void *ctx, err_t *err)
{
	/* ?1 the referral (NULL: any), ?2 the message (NULL: any). */
	static const char sql[] =
	    "SELECT id, at, event, message_id, peer, body_type, code, detail FROM audit a"
	    " WHERE (?1 IS NULL"
	    "   OR a.message_id IN (SELECT message_id FROM inbox WHERE referral_id = ?1"
	    "     UNION ALL SELECT message_id FROM outbox WHERE referral_id = ?1)"
	    "   OR (a.event IN ('purge', 'op') AND substr(a.detail, 1, length(?1) + 10)"
	    "     = 'referral ' || ?1 || ':'))"
	    " AND (?2 IS NULL OR a.message_id = ?2)"
	    " ORDER BY id";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	audit_row_t r;
	int step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, message_id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		fill_row(st, &r);
		fn(ctx, &r);
	}
	sqlite3_reset(st);
	return step == SQLITE_DONE ? 0 : store_fail(store, err);
}
