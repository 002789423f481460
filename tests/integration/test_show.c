/*
 * Integration: `famlinkctl inbox` and `famlinkctl show` on real daemons. A
 * municipality sends a referral while the hub is down (its outbox row
 * queued), then both run and the hub acknowledges it: the municipality
 * lists and reads the ReferralAck (the pool's contact, one audit row naming
 * the user), the hub reads the Referral's metadata and only with --content
 * its child alias (audited then), the outbox row reads delivered. A second
 * referral without a decision comes back rejected NO_DECISION, with the
 * explanation readable.
 */
#include <jansson.h>
#include <pwd.h>
#include <sqlite3.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define RID "0101-2026-000001"
#define RID2 "0101-2026-000002"
#define ALIAS "Alias-Kvist-4711"     /* the child's alias: content, never metadata */
#define OUT 65536
#define WAIT_MS 15000
#define MUNI (&c->muni[0])
#define HUB (&c->hub)

/* famlinkctl ARGS… on n, expecting exit status want; its output in out. */
#define run(n, want, out, ...) ctl_run_want(n, want, out, OUT, __VA_ARGS__)

/* Sends a Referral of rid from n (with a decision if taken): the message
 * id famlinkctl send gave it, into id. */
static void
send_referral(node_proc_t *n, const char *rid, bool taken, char id[64])
{
	char json[1024], out[OUT];
	const char *at;

	snprintf(json, sizeof(json), "{\"referral\": {\"referralId\": \"%s\", \"kind\":"
	    " \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\", \"decision\": %s,"
	    " \"child\": {\"alias\": \"" ALIAS "\", \"birthYear\": 2016},"
	    " \"secretary\": {\"name\": \"Test Secretary\"}}}", rid,
	    taken ? "{\"taken\": true, \"decidedOn\": \"2025-01-15\", \"legalBasis\":"
	    " \"LEGAL_BASIS_SOL\"}" : "{\"taken\": false}");
	if (ctl_send_json(n, "--json", json, out, sizeof(out)) != 0)
		fail_msg("send %s on %s refused: %s", rid, n->id, out);
	if ((at = strstr(out, "\"messageId\":\"")) == NULL)
		fail_msg("send --json printed no messageId: %s", out);
	snprintf(id, 64, "%.26s", at + 13);
}

/* How many 'view' audit rows of message id name this process's user. */
static long
views(node_proc_t *n, const char *id)
{
	struct passwd *pw = getpwuid(getuid());
	char sql[512];

	assert_non_null(pw);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE event = 'view' AND"
	    " message_id = '%s' AND detail LIKE '%%Unix user %s (uid %lu)%%'", id, pw->pw_name,
	    (unsigned long)getuid());
	return db_long(n, sql);
}

/* All 'view' audit rows of n. */
static long
all_views(node_proc_t *n)
{
	return db_long(n, "SELECT count(*) FROM audit WHERE event = 'view'");
}

/* The one inbox row of n for referral rid, of body type body: its message
 * id into id. */
static void
only_received(node_proc_t *n, const char *rid, const char *body, char id[64])
{
	const char *args[] = {"inbox", "--referral", rid, "--json", NULL};
	json_t *j = ctl_json(n, args), *row;

	assert_int_equal(json_array_size(j), 1);
	row = json_array_get(j, 0);
	assert_string_equal(json_str_at(row, "bodyType"), body);
	assert_string_equal(json_str_at(row, "referralId"), rid);
	assert_non_null(json_string_value(json_object_get(row, "receivedAt")));
	assert_null(json_object_get(row, "body"));   /* metadata only */
	snprintf(id, 64, "%s", json_str_at(row, "messageId"));
	json_decref(j);
}

/* show --json ID on n: the object (the caller frees). */
static json_t *
show_json(node_proc_t *n, const char *id, bool content)
{
	const char *args[] = {"show", "--json", id, NULL, NULL};

	if (content) {
		args[2] = "--content";
		args[3] = id;
	}
	return ctl_json(n, args);
}

/* The Referral waits in the municipality's outbox: the hub never ran. */
static void
check_queued(cluster_t *c, const char *ref)
{
	const char *no_store[] = {"show", ref, NULL};
	const char *text[] = {"show", ref, NULL};
	char out[OUT];
	json_t *j;

	run(HUB, 3, out, no_store);   /* no store at the hub yet */
	j = show_json(MUNI, ref, false);
	assert_string_equal(json_str_at(j, "direction"), "sent");
	assert_string_equal(json_str_at(j, "state"), "queued");
	assert_string_equal(json_str_at(j, "recipient"), HUB->id);
	assert_string_equal(json_str_at(j, "referralState"), "submitted");
	assert_true(json_is_null(json_object_get(j, "deliveredAt")));
	/* At a municipality its own Referral's body is shown, and audited. */
	assert_string_equal(json_str_at(json_object_get(json_object_get(json_object_get(j, "body"),
	    "referral"), "child"), "alias"), ALIAS);
	json_decref(j);
	assert_int_equal(views(MUNI, ref), 1);
	run(MUNI, 0, out, text);
	assert_non_null(strstr(out, "state         queued"));
}

/* The ReferralAck at the municipality: listed, and read with the pool's
 * contact, each reading audited once. */
static void
check_ack(cluster_t *c, char ack[64])
{
	const char *args[] = {"show", NULL, NULL};
	const char *inbox[] = {"inbox", NULL};
	char out[OUT];
	json_t *j;

	only_received(MUNI, RID, "referral_ack", ack);
	run(MUNI, 0, out, inbox);
	assert_non_null(strstr(out, ack));
	assert_null(strstr(out, "Test Contact"));   /* inbox: never content */
	assert_int_equal(views(MUNI, ack), 0);
	args[1] = ack;
	run(MUNI, 0, out, args);
	assert_non_null(strstr(out, "\"referralAck\""));
	assert_non_null(strstr(out, "\"name\": \"Test Contact\""));
	assert_non_null(strstr(out, "not handed over: no adapter"));
	assert_non_null(strstr(out, "direction     received"));
	assert_int_equal(views(MUNI, ack), 1);
	j = show_json(MUNI, ack, false);
	assert_string_equal(json_str_at(j, "sender"), HUB->id);
	assert_string_equal(json_str_at(j, "referralState"), "acknowledged");
	assert_string_equal(json_str_at(j, "content"), "shown");
	assert_string_equal(json_str_at(json_object_get(json_object_get(json_object_get(j, "body"),
	    "referralAck"), "poolContact"), "name"), "Test Contact");
	json_decref(j);
	assert_int_equal(views(MUNI, ack), 2);
}

/* The hub sees the Referral's metadata; the alias only with --content. */
static void
check_hub(cluster_t *c)
{
	char ref[64], out[OUT];
	const char *plain[] = {"show", ref, NULL};
	const char *content[] = {"show", "--content", ref, NULL};
	json_t *j;

	only_received(HUB, RID, "referral", ref);
	run(HUB, 0, out, plain);
	assert_non_null(strstr(out, ref));
	assert_non_null(strstr(out, "referral      " RID " (acknowledged)"));
	assert_null(strstr(out, ALIAS));
	assert_non_null(strstr(out, "--content"));
	j = show_json(HUB, ref, false);
	assert_true(json_is_null(json_object_get(j, "body")));
	assert_string_equal(json_str_at(j, "content"), "not_asked");
	json_decref(j);
	assert_int_equal(all_views(HUB), 0);
	run(HUB, 0, out, content);
	assert_non_null(strstr(out, ALIAS));
	assert_int_equal(views(HUB, ref), 1);
	assert_int_equal(all_views(HUB), 1);
}

/* The rejection of a referral without a decision, read at the municipality. */
static void
check_rejected(cluster_t *c)
{
	char ref[64], rej[64];
	json_t *j, *body;

	send_referral(MUNI, RID2, false, ref);
	assert_true(wait_db(MUNI, "SELECT count(*) FROM referrals WHERE referral_id = '" RID2
	    "' AND state = 'rejected'", 1, WAIT_MS));
	only_received(MUNI, RID2, "referral_rejected", rej);
	j = show_json(MUNI, rej, false);
	body = json_object_get(json_object_get(j, "body"), "referralRejected");
	assert_string_equal(json_str_at(body, "reason"), "REJECTION_REASON_NO_DECISION");
	assert_non_null(strstr(json_str_at(body, "explanation"), "decision to place is not taken"));
	assert_string_equal(json_str_at(j, "referralState"), "rejected");
	json_decref(j);
	assert_int_equal(views(MUNI, rej), 1);
}

static void
check_filters_and_unknown(cluster_t *c)
{
	const char *future[] = {"inbox", "--since", "2099-01-01", "--json", NULL};
	const char *past[] = {"inbox", "--since", "2020-01-01", "--json", NULL};
	const char *bad_since[] = {"inbox", "--since", "2026-02-30", NULL};
	const char *unknown[] = {"show", "01ARZ3NDEKTSV4RRFFQ69G5FAV", NULL};
	const char *no_opt[] = {"inbox", "--content", NULL};
	char out[OUT];
	json_t *j;

	j = ctl_json(MUNI, future);
	assert_int_equal(json_array_size(j), 0);
	json_decref(j);
	j = ctl_json(MUNI, past);
	assert_int_equal(json_array_size(j), 2);   /* the ack and the rejection */
	json_decref(j);
	run(MUNI, 2, out, bad_since);
	run(MUNI, 2, out, no_opt);
	run(MUNI, 1, out, unknown);
	assert_non_null(strstr(out, "no message 01ARZ3NDEKTSV4RRFFQ69G5FAV in this node's store"));
	run(HUB, 1, out, unknown);
}

/* Retention empties an envelope: the metadata stays, no body, no audit. */
static void
check_purged(cluster_t *c, const char *ack)
{
	const char *args[] = {"show", ack, NULL};
	char sql[200], out[OUT];
	long before = views(MUNI, ack);
	json_t *j;

	snprintf(sql, sizeof(sql), "UPDATE inbox SET envelope = X'' WHERE message_id = '%s'", ack);
	db_exec(MUNI, sql);
	run(MUNI, 0, out, args);
	assert_non_null(strstr(out, "emptied by retention"));
	assert_non_null(strstr(out, "referral_ack"));
	assert_null(strstr(out, "Test Contact"));
	j = show_json(MUNI, ack, false);
	assert_string_equal(json_str_at(j, "content"), "purged");
	assert_true(json_is_null(json_object_get(j, "body")));
	json_decref(j);
	assert_int_equal(views(MUNI, ack), before);
}

/* An audit row that cannot be written: the body is not shown. */
static void
check_audit_refused(cluster_t *c)
{
	char rej[64], out[OUT];
	const char *args[] = {"show", rej, NULL};

	only_received(MUNI, RID2, "referral_rejected", rej);
	db_exec(MUNI, "CREATE TRIGGER test_no_view BEFORE INSERT ON audit WHEN"
	    " NEW.event = 'view' BEGIN SELECT RAISE(ABORT, 'test refuses views'); END");
	run(MUNI, 1, out, args);
	assert_non_null(strstr(out, "test refuses views"));
	assert_non_null(strstr(out, "is not shown"));
	assert_null(strstr(out, "NO_DECISION"));
	assert_null(strstr(out, "decision to place"));
	assert_int_equal(views(MUNI, rej), 1);   /* only check_rejected's */
}

static void
test_show(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char ref[64], ack[64];
	json_t *j;

	send_referral(MUNI, RID, true, ref);
	check_queued(c, ref);
	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_db(MUNI, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1,
	    WAIT_MS));
	assert_true(wait_db(MUNI, "SELECT count(*) FROM referrals WHERE state = 'acknowledged'",
	    1, WAIT_MS));
	j = show_json(MUNI, ref, false);
	assert_string_equal(json_str_at(j, "state"), "delivered");
	assert_non_null(json_string_value(json_object_get(j, "deliveredAt")));
	json_decref(j);
	check_ack(c, ack);
	check_hub(c);
	check_rejected(c);
	check_filters_and_unknown(c);
	check_purged(c, ack);
	check_audit_refused(c);
}

/* A field a newer peer added (here 99 at the top of the envelope) is not
 * dropped in silence: show names it, with its bytes, in text and JSON. */
static void
test_show_unknown_fields(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	Famlink__V1__Envelope *env, *got;
	raw_client_t *raw;
	uint8_t frame[8192];
	size_t n;
	char out[OUT], id[40];
	const char *args[] = {"show", "--content", id, NULL};
	json_t *j, *u;

	assert_int_equal(node_start(HUB), 0);
	raw = raw_connect(c, MUNI);
	env = sample_referral(MUNI->id, HUB->id, "0101-2026-000009", 1);
	snprintf(id, sizeof(id), "%s", env->message_id);
	n = famlink__v1__envelope__pack(env, frame);
	frame[n++] = 0x98;   /* field 99, varint: tag 99 << 3 = 792 */
	frame[n++] = 0x06;
	frame[n++] = 42;
	assert_int_equal(raw_send(raw, frame, n, false), 0);
	got = raw_recv_receipt(raw, WAIT_MS);
	assert_non_null(got);
	assert_int_equal(got->receipt->entries[0]->level,
	    FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_ACCEPTED);
	famlink__v1__envelope__free_unpacked(got, NULL);
	raw_close(&raw);

	run(HUB, 0, out, args);
	if (strstr(out, "not understood: 1 field(s)") == NULL ||
	    strstr(out, "envelope field 99 (wire type 0): Kg==") == NULL)
		fail_msg("show does not name the unknown field: %s", out);
	j = show_json(HUB, id, true);
	u = json_object_get(j, "unknownFields");
	assert_int_equal(json_array_size(u), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(u, 0), "field")), 99);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_show, cluster_teardown),
		cmocka_unit_test_teardown(test_show_unknown_fields, cluster_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
