/*
 * test_audit_chain — the audit table's hash chain on a real store: each row
 * hashed over the one before; verify names the changed row, or the row after
 * a deleted one; rows from before migration 10 stay outside the chain; a
 * rolled-back row and another connection's row leave the chain whole. And
 * which rows store_audit_list() gives for a referral and for a message.
 */
#define _GNU_SOURCE   /* nftw, for scratch.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "scratch_store.h"
#include "store_audit.h"

#define PEER "municipality:0180"

static int
setup(void **state)
{
	return scratch_store_setup(state, "test_audit_chain");
}

static int
teardown(void **state)
{
	return scratch_store_teardown(state);
}

static void
exec(store_t *s, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(store_db(s), sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
	sqlite3_free(msg);
	assert_int_equal(rc, SQLITE_OK);
}

/* n rows: in, out, delivered, ... with message ids m1..mn, in one
 * transaction as the daemon writes them. */
static void
write_rows(store_t *s, int from, int n)
{
	static const char *const events[] = { AUDIT_IN, AUDIT_OUT, AUDIT_DELIVERED };
	err_t err = {0};
	char id[16];

	assert_int_equal(store_begin(s, &err), 0);
	for (int i = from; i < from + n; i++) {
		snprintf(id, sizeof(id), "m%d", i);
		assert_int_equal(store_audit(s, 1000 + i, events[i % 3], id, PEER,
		    i % 2 ? "referral" : NULL, i % 5, i % 4 ? NULL : "", &err), 0);
	}
	assert_int_equal(store_commit(s, &err), 0);
}

static audit_verify_t
verify(store_t *s)
{
	audit_verify_t v;
	err_t err = {0};

	assert_int_equal(store_audit_verify(s, &v, NULL, NULL, &err), 0);
	return v;
}

static void
test_chain_computed(void **state)
{
	scratch_store_t *ss = *state;
	unsigned char zero[32] = {0}, want[32];
	sqlite3_stmt *st;
	audit_verify_t v;
	err_t err = {0};

	v = verify(ss->s);
	assert_int_equal(v.first_id, 0);
	assert_int_equal(v.broken_id, 0);
	/* Outside a transaction, too (famlinkctl's single rows). */
	assert_int_equal(store_audit(ss->s, 42, AUDIT_OP, NULL, NULL, NULL, 3, "x", &err), 0);
	write_rows(ss->s, 2, 9);
	v = verify(ss->s);
	assert_int_equal(v.unhashed, 0);
	assert_int_equal(v.first_id, 1);
	assert_int_equal(v.rows, 10);
	assert_int_equal(v.broken_id, 0);
	assert_int_equal(v.last_id, 10);
	assert_int_equal(sqlite3_prepare_v2(store_db(ss->s), "SELECT hash FROM audit WHERE id = 10",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_memory_equal(sqlite3_column_blob(st, 0), v.last_hash, 32);
	sqlite3_finalize(st);

	/* Row 1 is the documented encoding over an all-zero previous hash. */
	assert_int_equal(store_audit_hash(zero, 1, 42, AUDIT_OP, NULL, NULL, NULL, 3, "x", want), 0);
	assert_int_equal(sqlite3_prepare_v2(store_db(ss->s), "SELECT hash FROM audit WHERE id = 1",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(st, 0), 32);
	assert_memory_equal(sqlite3_column_blob(st, 0), want, 32);
	sqlite3_finalize(st);
	/* NULL and "" hash differently. */
	assert_int_equal(store_audit_hash(zero, 1, 42, AUDIT_OP, NULL, NULL, NULL, 3, "", zero), 0);
	assert_memory_not_equal(zero, want, 32);
}

static void
test_changed_field_breaks_at_that_row(void **state)
{
	scratch_store_t *ss = *state;
	const char *const changes[] = {
		"UPDATE audit SET code = 9 WHERE id = 4",
		"UPDATE audit SET message_id = 'other' WHERE id = 4",
		"UPDATE audit SET detail = NULL WHERE id = 4",   /* "" before */
		"UPDATE audit SET at = at + 1 WHERE id = 4",
		"UPDATE audit SET hash = NULL WHERE id = 4",
	};

	write_rows(ss->s, 1, 8);
	exec(ss->s, "DROP TRIGGER audit_no_update");
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		exec(ss->s, "SAVEPOINT t");
		exec(ss->s, changes[i]);
		audit_verify_t v = verify(ss->s);
		assert_int_equal(v.broken_id, 4);
		assert_int_equal(v.rows, 3);
		exec(ss->s, "ROLLBACK TO t; RELEASE t");
		assert_int_equal(verify(ss->s).broken_id, 0);
	}
}

static void
test_deleted_row_breaks_at_the_next(void **state)
{
	scratch_store_t *ss = *state;

	write_rows(ss->s, 1, 6);
	exec(ss->s, "DROP TRIGGER audit_no_delete");
	exec(ss->s, "DELETE FROM audit WHERE id = 3");
	assert_int_equal(verify(ss->s).broken_id, 4);
	exec(ss->s, "DELETE FROM audit WHERE id = 1");   /* the chain's first row */
	assert_int_equal(verify(ss->s).broken_id, 2);
}

/* Rows from before migration 10 (no hash) come first and are not part of
 * the chain; the first new row starts it. */
static void
test_rows_before_migration_10(void **state)
{
	scratch_store_t *ss = *state;
	audit_verify_t v;
	err_t err = {0};

	exec(ss->s, "INSERT INTO audit (at, event, message_id) VALUES (1, 'in', 'old1'),"
	    " (2, 'in', 'old2')");
	store_close(&ss->s);   /* a new handle: nothing known of the chain */
	assert_non_null(ss->s = store_open(ss->path, false, &err));
	write_rows(ss->s, 1, 3);
	v = verify(ss->s);
	assert_int_equal(v.unhashed, 2);
	assert_int_equal(v.first_id, 3);
	assert_int_equal(v.rows, 3);
	assert_int_equal(v.broken_id, 0);
}

/* A row rolled back, and a row another connection wrote, are not what the
 * next row chains to. */
static void
test_rollback_and_other_writer(void **state)
{
	scratch_store_t *ss = *state;
	store_t *other;
	err_t err = {0};

	write_rows(ss->s, 1, 2);
	assert_int_equal(store_begin(ss->s, &err), 0);
	assert_int_equal(store_savepoint(ss->s, &err), 0);
	assert_int_equal(store_audit(ss->s, 5, AUDIT_IN, "gone", PEER, NULL, 0, NULL, &err), 0);
	store_rollback_savepoint(ss->s);
	assert_int_equal(store_audit(ss->s, 6, AUDIT_IN, "kept", PEER, NULL, 0, NULL, &err), 0);
	assert_int_equal(store_commit(ss->s, &err), 0);
	assert_int_equal(store_begin(ss->s, &err), 0);
	assert_int_equal(store_audit(ss->s, 7, AUDIT_IN, "undone", PEER, NULL, 0, NULL, &err), 0);
	store_rollback(ss->s);
	assert_int_equal(verify(ss->s).broken_id, 0);

	assert_non_null(other = store_open(ss->path, false, &err));
	assert_int_equal(store_audit(other, 8, AUDIT_VIEW, "m1", PEER, NULL, 0, "ctl", &err), 0);
	store_close(&other);
	write_rows(ss->s, 10, 2);
	audit_verify_t v = verify(ss->s);
	assert_int_equal(v.broken_id, 0);
	assert_int_equal(v.rows, 6);
}

static void
collect(void *ctx, const audit_row_t *r)
{
	char *ids = ctx;

	snprintf(ids + strlen(ids), 256 - strlen(ids), "%s%lld", ids[0] ? "," : "",
	    (long long)r->id);
}

static const char *
list(store_t *s, const char *referral, const char *message, char ids[256])
{
	err_t err = {0};

	ids[0] = '\0';
	assert_int_equal(store_audit_list(s, referral, message, collect, ids, &err), 0);
	return ids;
}

/* A referral's rows: those of its messages in the inbox and the outbox, and
 * its purge; not another referral's whose id it begins. */
static void
test_list_filters(void **state)
{
	scratch_store_t *ss = *state;
	char ids[256];
	err_t err = {0};

	exec(ss->s, "INSERT INTO inbox (message_id, sender, sequence, referral_id, body_type,"
	    " created_at, received_at, envelope) VALUES ('mi', 'p', 1, 'R-1', 'referral', 1, 1, X'00');"
	    "INSERT INTO outbox (message_id, peer, sequence, referral_id, body_type, created_at,"
	    " envelope, state) VALUES ('mo', 'p', 1, 'R-1', 'referral_ack', 1, X'00', 'queued'),"
	    " ('mx', 'p', 2, 'R-10', 'referral_ack', 1, X'00', 'queued')");
	assert_int_equal(store_begin(ss->s, &err), 0);
	assert_int_equal(store_audit(ss->s, 1, AUDIT_IN, "mi", "p", "referral", 0, NULL, &err), 0);
	assert_int_equal(store_audit(ss->s, 2, AUDIT_OUT, "mo", "p", NULL, 0, NULL, &err), 0);
	assert_int_equal(store_audit(ss->s, 3, AUDIT_OUT, "mx", "p", NULL, 0, NULL, &err), 0);
	assert_int_equal(store_audit(ss->s, 4, AUDIT_REJECT, "mr", "p", NULL, 7, NULL, &err), 0);
	assert_int_equal(store_audit(ss->s, 5, AUDIT_PURGE, NULL, "p", NULL, 0,
	    "referral R-10: 1 stored messages emptied", &err), 0);
	assert_int_equal(store_audit(ss->s, 6, AUDIT_PURGE, NULL, "p", NULL, 0,
	    "referral R-1: 2 stored messages emptied", &err), 0);
	assert_int_equal(store_audit(ss->s, 7, AUDIT_DELIVERED, "mo", "p", NULL, 0, NULL, &err), 0);
	assert_int_equal(store_commit(ss->s, &err), 0);

	assert_string_equal(list(ss->s, NULL, NULL, ids), "1,2,3,4,5,6,7");
	assert_string_equal(list(ss->s, "R-1", NULL, ids), "1,2,6,7");
	assert_string_equal(list(ss->s, "R-10", NULL, ids), "3,5");
	assert_string_equal(list(ss->s, NULL, "mo", ids), "2,7");
	assert_string_equal(list(ss->s, NULL, "mr", ids), "4");   /* rejected: no referral */
	assert_string_equal(list(ss->s, "R-1", "mo", ids), "2,7");
	assert_string_equal(list(ss->s, "R-10", "mo", ids), "");
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_chain_computed),
		T(test_changed_field_breaks_at_that_row),
		T(test_deleted_row_breaks_at_the_next),
		T(test_rows_before_migration_10),
		T(test_rollback_and_other_writer),
		T(test_list_filters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
