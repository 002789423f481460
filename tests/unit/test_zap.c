/*
 * test_zap — the hub's ZAP handler with a real ZeroMQ context: a CURVE
 * ROUTER on loopback, DEALER clients with allowed and unknown keys, the
 * User-Id an accepted client's frames carry, allowlist replacement, bad
 * keys, and starting and stopping.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "clock.h"
#include "zap.h"

#define M180 "municipality:0180"
#define M181 "municipality:0181"
#define WAIT_MS 3000    /* generous upper bound; every wait ends as soon as it can */
#define QUIET_MS 300    /* how long "nothing arrives" is watched */

typedef struct keypair {
	char pk[41], sk[41];
} keypair_t;

typedef struct fixture {
	void *ctx;
	zap_t *zap;
	void *router;
	char endpoint[256];
	keypair_t server, a, b;
	void *clients[4];
	int nclients;
} fixture_t;

static int
setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));
	int one = 1, linger = 0;
	size_t len;
	err_t err = {0};

	if (f == NULL || (f->ctx = zmq_ctx_new()) == NULL)
		return -1;
	if (zmq_curve_keypair(f->server.pk, f->server.sk) != 0 ||
	    zmq_curve_keypair(f->a.pk, f->a.sk) != 0 || zmq_curve_keypair(f->b.pk, f->b.sk) != 0)
		return -1;
	if ((f->zap = zap_start(f->ctx, &err)) == NULL) {
		fprintf(stderr, "zap_start: %s\n", err.msg);
		return -1;
	}
	f->router = zmq_socket(f->ctx, ZMQ_ROUTER);
	len = sizeof(f->endpoint);
	if (f->router == NULL ||
	    zmq_setsockopt(f->router, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_setsockopt(f->router, ZMQ_CURVE_SERVER, &one, sizeof(one)) != 0 ||
	    zmq_setsockopt(f->router, ZMQ_CURVE_SECRETKEY, f->server.sk, 40) != 0 ||
	    zmq_setsockopt(f->router, ZMQ_ZAP_DOMAIN, "famlink", 7) != 0 ||
	    zmq_bind(f->router, "tcp://127.0.0.1:0") != 0 ||
	    zmq_getsockopt(f->router, ZMQ_LAST_ENDPOINT, f->endpoint, &len) != 0) {
		fprintf(stderr, "router: %s\n", zmq_strerror(zmq_errno()));
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture_t *f = *state;

	for (int i = 0; i < f->nclients; i++)
		zmq_close(f->clients[i]);
	zmq_close(f->router);
	zap_stop(&f->zap);
	zmq_ctx_term(f->ctx);
	free(f);
	return 0;
}

static void
allow(fixture_t *f, const char *node_id, const char *pk)
{
	zap_entry_t e = { .node_id = node_id, .public_key = pk };
	err_t err = {0};

	if (zap_set_allowlist(f->zap, &e, 1, &err) != 0)
		fail_msg("zap_set_allowlist: %s", err.msg);
}

/* A CURVE DEALER with key pair k, connected and one frame queued. */
static void *
client_send(fixture_t *f, const keypair_t *k, const char *text)
{
	void *s = zmq_socket(f->ctx, ZMQ_DEALER);
	int linger = 0;

	assert_non_null(s);
	assert_true(f->nclients < 4);
	f->clients[f->nclients++] = s;
	assert_int_equal(zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)), 0);
	assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, f->server.pk, 40), 0);
	assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, k->pk, 40), 0);
	assert_int_equal(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, k->sk, 40), 0);
	assert_int_equal(zmq_connect(s, f->endpoint), 0);
	assert_int_equal(zmq_send(s, text, strlen(text), ZMQ_DONTWAIT), (int)strlen(text));
	return s;
}

/* Waits up to timeout_ms for one [routing id, payload] message on the
 * router; 1 with the payload and its User-Id, 0 if none came. */
static int
router_recv(fixture_t *f, int timeout_ms, char *payload, size_t plen, char *user_id,
    size_t ulen)
{
	zmq_pollitem_t it = { .socket = f->router, .events = ZMQ_POLLIN };
	zmq_msg_t rid, body;
	const char *uid;

	if (zmq_poll(&it, 1, timeout_ms) <= 0)
		return 0;
	zmq_msg_init(&rid);
	zmq_msg_init(&body);
	assert_true(zmq_msg_recv(&rid, f->router, 0) >= 0);
	assert_true(zmq_msg_more(&rid));
	assert_true(zmq_msg_recv(&body, f->router, 0) >= 0);
	snprintf(payload, plen, "%.*s", (int)zmq_msg_size(&body), (const char *)zmq_msg_data(&body));
	uid = zmq_msg_gets(&body, "User-Id");
	snprintf(user_id, ulen, "%s", uid ? uid : "(none)");
	zmq_msg_close(&rid);
	zmq_msg_close(&body);
	return 1;
}

/* Waits until the handler has refused more than `before` handshakes,
 * failing if a message reaches the router meanwhile or after (QUIET_MS). */
/* The ROUTER receives text, and ZAP bound it to "NODE_ID KEY". */
static void
expect_frame(fixture_t *f, const char *text, const char *node_id, const char *key)
{
	char payload[64], uid[128], want[128];

	assert_int_equal(router_recv(f, WAIT_MS, payload, sizeof(payload), uid, sizeof(uid)), 1);
	assert_string_equal(payload, text);
	if (node_id == NULL)
		return;
	snprintf(want, sizeof(want), "%s %s", node_id, key);
	assert_string_equal(uid, want);
}

static void
expect_refused(fixture_t *f, unsigned long before)
{
	int64_t deadline = clock_mono_ms() + WAIT_MS;
	unsigned long acc, ref = 0;
	char payload[64], uid[128];

	for (;;) {
		zap_counts(f->zap, &acc, &ref);
		if (ref > before)
			break;
		if (clock_mono_ms() > deadline)
			fail_msg("no handshake refused within %d ms", WAIT_MS);
		if (router_recv(f, 20, payload, sizeof(payload), uid, sizeof(uid)))
			fail_msg("refused client delivered \"%s\" as %s", payload, uid);
	}
	if (router_recv(f, QUIET_MS, payload, sizeof(payload), uid, sizeof(uid)))
		fail_msg("refused client delivered \"%s\" as %s", payload, uid);
}

static void
test_allowed_client_user_id(void **state)
{
	fixture_t *f = *state;
	unsigned long acc = 9, ref = 9;

	zap_counts(f->zap, &acc, &ref);
	assert_int_equal(acc, 0);
	assert_int_equal(ref, 0);
	allow(f, M180, f->a.pk);
	client_send(f, &f->a, "hello");
	expect_frame(f, "hello", M180, f->a.pk);
	zap_counts(f->zap, &acc, &ref);
	assert_int_equal(acc, 1);
	assert_int_equal(ref, 0);
}

static void
test_unknown_key_refused(void **state)
{
	fixture_t *f = *state;
	unsigned long acc, ref;

	allow(f, M180, f->a.pk);
	client_send(f, &f->b, "let me in");
	expect_refused(f, 0);
	zap_counts(f->zap, &acc, &ref);
	assert_int_equal(acc, 0);
	assert_true(ref >= 1);

	/* The allowed one still gets through alongside. */
	client_send(f, &f->a, "hello");
	expect_frame(f, "hello", M180, f->a.pk);
}

static void
test_allowlist_replaced(void **state)
{
	fixture_t *f = *state;
	unsigned long acc, ref;
	void *old;
	err_t err = {0};

	allow(f, M180, f->a.pk);
	old = client_send(f, &f->a, "first");
	expect_frame(f, "first", NULL, NULL);

	/* Emptied: a new connection with the once-allowed key is refused. */
	assert_int_equal(zap_set_allowlist(f->zap, NULL, 0, &err), 0);
	zap_counts(f->zap, &acc, &ref);
	client_send(f, &f->a, "again");
	expect_refused(f, ref);

	/* The session that was up stays up (libzmq cannot drop one peer): its
	 * frames still carry the old User-Id, which is why the main thread
	 * checks each frame against the live allowlist. */
	assert_int_equal(zmq_send(old, "still here", 10, ZMQ_DONTWAIT), 10);
	expect_frame(f, "still here", M180, f->a.pk);

	/* Replaced by a list naming b under another node id. */
	allow(f, M181, f->b.pk);
	client_send(f, &f->b, "b here");
	expect_frame(f, "b here", M181, f->b.pk);
}

static void
test_bad_key_rejected(void **state)
{
	fixture_t *f = *state;
	char bad_char[41], too_long[42];
	zap_entry_t e[2] = { { M180, NULL }, { M181, NULL } };
	err_t err = {0};

	allow(f, M180, f->a.pk);

	/* A space is not a Z85 digit. */
	memcpy(bad_char, f->b.pk, sizeof(bad_char));
	bad_char[7] = ' ';
	e[0].public_key = f->a.pk;
	e[1].public_key = bad_char;
	assert_int_equal(zap_set_allowlist(f->zap, e, 2, &err), -1);
	assert_non_null(strstr(err.msg, M181));
	assert_non_null(strstr(err.msg, "Z85"));

	/* 41 characters. */
	snprintf(too_long, sizeof(too_long), "%sA", f->b.pk);
	e[1].public_key = too_long;
	memset(&err, 0, sizeof(err));
	assert_int_equal(zap_set_allowlist(f->zap, e, 2, &err), -1);
	assert_non_null(strstr(err.msg, M181));

	/* A refused list leaves the old one in force. */
	client_send(f, &f->a, "hello");
	expect_frame(f, "hello", NULL, NULL);
}

/*
 * zmq_z85_decode() accepts any Z85 string whose length is a multiple of 5: a
 * 35-character key would be taken half-decoded, and one longer than 40 would
 * decode past the 32-byte key buffer. zap_set_allowlist() must refuse both.
 */
static void
test_wrong_length_key_rejected(void **state)
{
	fixture_t *f = *state;
	char short_key[36], long_key[46];
	zap_entry_t e = { M181, NULL };
	err_t err = {0};

	snprintf(short_key, sizeof(short_key), "%.35s", f->b.pk);
	e.public_key = short_key;
	assert_int_equal(zap_set_allowlist(f->zap, &e, 1, &err), -1);

	snprintf(long_key, sizeof(long_key), "%s%.5s", f->b.pk, f->a.pk);
	e.public_key = long_key;
	memset(&err, 0, sizeof(err));
	assert_int_equal(zap_set_allowlist(f->zap, &e, 1, &err), -1);
}

static void
test_start_twice_and_stop(void **state)
{
	void *ctx = zmq_ctx_new();
	zap_t *zap, *second;
	unsigned long acc = 1, ref = 1;
	err_t err = {0};

	(void)state;
	assert_non_null(ctx);
	zap = zap_start(ctx, &err);
	assert_non_null(zap);
	zap_counts(zap, &acc, &ref);
	assert_int_equal(acc + ref, 0);

	/* One handler per context: the endpoint is taken. */
	second = zap_start(ctx, &err);
	assert_null(second);
	assert_non_null(strstr(err.msg, "zeromq.zap.01"));

	zap_stop(&zap);
	assert_null(zap);
	zap_stop(&zap);   /* no-op */
	assert_null(zap);
	/* Its socket is closed: otherwise this would block for ever. (Binding
	 * the endpoint again at once is not checked: libzmq unbinds an inproc
	 * endpoint asynchronously after zmq_close().) */
	assert_int_equal(zmq_ctx_term(ctx), 0);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_allowed_client_user_id),
		T(test_unknown_key_refused),
		T(test_allowlist_replaced),
		T(test_bad_key_rejected),
		T(test_wrong_length_key_rejected),
		cmocka_unit_test(test_start_twice_and_stop),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
