/*
 * Integration: a municipality the hub refused keeps dialling and gets in as
 * soon as the hub allows its key, without a restart (libzmq 4.3 does not
 * reconnect after a refused handshake: famlinkd re-dials itself); and
 * famlinkctl status shows the refusal, and every configured peer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define T 15000   /* ms: generous, for sanitizer builds on a loaded machine */

#define HUB_REFUSED "SELECT count(*) FROM peers WHERE node_id = 'pool:test'" \
	" AND refused_since > 0 AND connected = 0"
#define HUB_ACCEPTED "SELECT count(*) FROM peers WHERE node_id = 'pool:test'" \
	" AND refused_since IS NULL AND connected = 1"

static int
teardown(void **state)
{
	cluster_t *c = *state;
	return cluster_free(&c);
}

/* famlinkctl status --json of n, parsed; the caller json_decref()s it. */
static json_t *
status_json(node_proc_t *n)
{
	static const char *const args[] = {"status", "--json", NULL};
	char out[16384];
	json_error_t jerr;
	json_t *j;

	assert_int_equal(ctl_run(n, out, sizeof(out), args), 0);
	if ((j = json_loads(out, 0, &jerr)) == NULL)
		fail_msg("status --json of %s: %s in: %s", n->id, jerr.text, out);
	return j;
}

/* The peer named id in a status --json document; fails the test if absent. */
static json_t *
status_peer(json_t *status, const char *id)
{
	json_t *peers = json_object_get(status, "peers"), *p;
	size_t i;

	json_array_foreach(peers, i, p)
		if (strcmp(json_string_value(json_object_get(p, "nodeId")), id) == 0)
			return p;
	fail_msg("%s not in status --json", id);
	return NULL;
}

static const char *
peer_str(json_t *p, const char *key)
{
	const char *v = json_string_value(json_object_get(p, key));
	return v ? v : "(missing)";
}

static void
status_text(node_proc_t *n, char *out, size_t len)
{
	static const char *const args[] = {"status", NULL};

	assert_int_equal(ctl_run(n, out, len, args), 0);
}

/* The municipality starts before the pool has added its key: refused,
 * shown as such, tried again quietly; allowed by a hub reload, it gets in
 * and delivers what waited, in the same process. */
static void
test_refused_until_allowed(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *m = &c->muni[0];
	char out[8192];
	json_t *st;

	m->allowed = false;
	cluster_write_hub_conf(c);
	assert_int_equal(cluster_start(c), 0);
	assert_int_equal(enqueue_referrals(m, "0101-2026", 1, 1, 1), 0);

	assert_true(wait_db(m, HUB_REFUSED, 1, T));
	status_text(m, out, sizeof(out));
	if (strstr(out, "refused by hub") == NULL)
		fail_msg("want the hub shown as refused by hub: %s", out);
	st = status_json(m);
	assert_string_equal(peer_str(status_peer(st, "pool:test"), "state"), "refused by hub");
	assert_true(json_integer_value(json_object_get(status_peer(st, "pool:test"),
	    "refusedSinceMs")) > 0);
	json_decref(st);

	/* A second refused attempt: only then can "logged once" fail. */
	assert_true(wait_log(m, "failed again (attempt 2)", T));
	assert_int_equal(log_count(m, "refused our key"), 1);

	m->allowed = true;
	cluster_write_hub_conf(c);
	node_signal(&c->hub, SIGHUP);
	assert_true(wait_log(&c->hub, "reload: 1 peers allowed", T));
	assert_true(wait_db(m, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 1, 15000));

	/* The same process all along: started once, still running. */
	assert_int_equal(log_count(m, node_started_text(m)), 1);
	assert_int_equal(node_wait(m, 0), -2);
	assert_int_equal(log_count(m, "refused our key"), 1);
	assert_int_equal(log_count(m, "accepted our key after"), 1);
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM inbox WHERE body_type = 'referral'"), 1);

	assert_true(wait_db(m, HUB_ACCEPTED, 1, T));
	st = status_json(m);
	assert_string_equal(peer_str(status_peer(st, "pool:test"), "state"), "connected");
	assert_int_equal(json_integer_value(json_object_get(status_peer(st, "pool:test"),
	    "refusedSinceMs")), 0);
	json_decref(st);
	status_text(m, out, sizeof(out));
	assert_null(strstr(out, "refused by hub"));
}

/* A hub with two configured municipalities, one never started: status
 * lists both, the absent one as never connected. A peer in the store but
 * no longer in the config is still listed, as not configured. */
static void
test_status_lists_configured_peers(void **state)
{
	cluster_t *c = *state = cluster_new(2, NULL);
	char out[8192];
	json_t *st, *p;

	assert_int_equal(node_start(&c->hub), 0);
	assert_int_equal(node_start(&c->muni[0]), 0);
	assert_true(wait_db(&c->hub, "SELECT count(*) FROM peers WHERE connected = 1", 1, T));
	/* No row for the absent one: the listing must come from the config. */
	assert_int_equal(db_long(&c->hub, "SELECT count(*) FROM peers"
	    " WHERE node_id = 'municipality:0102'"), 0);

	st = status_json(&c->hub);
	assert_int_equal(json_array_size(json_object_get(st, "peers")), 2);
	p = status_peer(st, "municipality:0101");
	assert_string_equal(peer_str(p, "state"), "connected");
	assert_true(json_is_true(json_object_get(p, "configured")));
	p = status_peer(st, "municipality:0102");
	assert_string_equal(peer_str(p, "state"), "never connected");
	assert_true(json_is_false(json_object_get(p, "connected")));
	assert_true(json_is_true(json_object_get(p, "configured")));
	assert_int_equal(json_integer_value(json_object_get(p, "lastSeenMs")), 0);
	json_decref(st);

	status_text(&c->hub, out, sizeof(out));
	assert_non_null(strstr(out, "municipality:0101"));
	assert_non_null(strstr(out, "municipality:0102"));
	assert_non_null(strstr(out, "never connected"));

	/* famlinkctl reads the config file itself: no reload needed. */
	c->muni[0].allowed = false;
	cluster_write_hub_conf(c);
	st = status_json(&c->hub);
	assert_int_equal(json_array_size(json_object_get(st, "peers")), 2);
	assert_true(json_is_false(json_object_get(status_peer(st, "municipality:0101"), "configured")));
	assert_true(json_is_true(json_object_get(status_peer(st, "municipality:0102"), "configured")));
	json_decref(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_refused_until_allowed, teardown),
		cmocka_unit_test_teardown(test_status_lists_configured_peers, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
