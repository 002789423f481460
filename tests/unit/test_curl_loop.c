/*
 * test_curl_loop — libcurl transfers on famlinkd's loop against a real
 * HTTP server on loopback. The server runs on the same loop, in the same
 * thread, as the transfers: if curl_loop ever waited on the network, the
 * server could not answer and the test would time out. Covered: one GET,
 * many at once, a refused connection, a time-out from libcurl's timer, an
 * upload larger than the socket buffers (the "writable" path), a transfer
 * removed before it ends and one freed with the loop (done never called),
 * and transfers chained from inside done(). Waits are bounded by time,
 * never a fixed sleep.
 */
#define _GNU_SOURCE   /* accept4 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "curl_loop.h"
#include "loop.h"

#define CONNS_MAX 16
#define WAIT_MS 10000

/* ---- a small HTTP server on the loop --------------------------------------- */

typedef struct conn {
	struct server *srv;
	int fd;
	loop_handle_t h;
	char head[4096];
	size_t used;
	size_t read_total;         /* every byte read, header and body */
	size_t body_left;          /* bytes of the request body still to read */
	bool head_done;
} conn_t;

typedef struct server {
	loop_t *loop;
	int fd, port;
	bool silent;               /* read requests, never answer */
	conn_t conns[CONNS_MAX];
	int served;
} server_t;

static void
conn_close(conn_t *c)
{
	(void)loop_del_reader(c->srv->loop, c->h);
	close(c->fd);
	c->fd = -1;
}

/* Answers with the number of body bytes it read (blocking write: small). */
static void
answer(conn_t *c, size_t body_bytes)
{
	char resp[256], body[32];
	int blen = snprintf(body, sizeof(body), "got %zu", body_bytes);
	int n = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
	    "Connection: close\r\n\r\n%s", blen, body);

	assert_int_equal(write(c->fd, resp, (size_t)n), n);
	c->srv->served++;
	conn_close(c);
}

static void
head_parsed(conn_t *c)
{
	const char *cl = strstr(c->head, "Content-Length: ");
	char *end = strstr(c->head, "\r\n\r\n") + 4;
	size_t extra = c->read_total - (size_t)(end - c->head);

	c->head_done = true;
	c->body_left = cl != NULL ? strtoul(cl + 16, NULL, 10) : 0;
	c->body_left -= extra < c->body_left ? extra : c->body_left;
}

static void
on_conn(void *ctx)
{
	conn_t *c = ctx;
	char buf[65536];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n == 0 || errno != EAGAIN)
			conn_close(c);
		return;
	}
	c->read_total += (size_t)n;
	if (!c->head_done) {
		size_t take = (size_t)n < sizeof(c->head) - 1 - c->used ? (size_t)n
		    : sizeof(c->head) - 1 - c->used;
		memcpy(c->head + c->used, buf, take);
		c->used += take;
		c->head[c->used] = '\0';
		if (strstr(c->head, "\r\n\r\n") != NULL)
			head_parsed(c);
	} else {
		c->body_left -= (size_t)n < c->body_left ? (size_t)n : c->body_left;
	}
	if (c->head_done && c->body_left == 0 && !c->srv->silent)
		answer(c, strstr(c->head, "Content-Length: ") ? strtoul(strstr(c->head,
		    "Content-Length: ") + 16, NULL, 10) : 0);
}

static void
on_accept(void *ctx)
{
	server_t *s = ctx;
	int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	err_t err;

	if (fd < 0)
		return;
	for (int i = 0; i < CONNS_MAX; i++) {
		conn_t *c = &s->conns[i];
		if (c->fd >= 0)
			continue;
		*c = (conn_t){ .srv = s, .fd = fd };
		c->h = loop_add_reader(s->loop, NULL, fd, on_conn, c, &err);
		assert_true(c->h >= 0);
		return;
	}
	close(fd);
}

static void
server_start(server_t *s, loop_t *loop)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	err_t err;

	*s = (server_t){ .loop = loop };
	for (int i = 0; i < CONNS_MAX; i++)
		s->conns[i].fd = -1;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, CONNS_MAX), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	assert_true(loop_add_reader(loop, NULL, s->fd, on_accept, s, &err) >= 0);
}

static void
server_stop(server_t *s)
{
	for (int i = 0; i < CONNS_MAX; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
	close(s->fd);
}

/* ---- transfers ------------------------------------------------------------- */

typedef struct result {
	int calls;
	CURLcode code;
	long status;
	char body[64];
	size_t len;
	struct result *next;       /* chained: started from done() */
	curl_loop_t *cl;
	int port;
} result_t;

static size_t
on_body(char *data, size_t size, size_t n, void *ctx)
{
	result_t *r = ctx;
	size_t take = size * n < sizeof(r->body) - 1 - r->len ? size * n : sizeof(r->body) - 1 - r->len;

	memcpy(r->body + r->len, data, take);
	r->len += take;
	r->body[r->len] = '\0';
	return size * n;
}

static CURL *
easy_for(int port, result_t *r)
{
	CURL *e = curl_easy_init();
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", port);
	assert_non_null(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	return e;
}

static void start(curl_loop_t *cl, int port, result_t *r);

static void
on_done(void *ctx, CURL *easy, CURLcode code)
{
	result_t *r = ctx;

	r->calls++;
	r->code = code;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(easy);
	if (r->next != NULL)
		start(r->cl, r->port, r->next);
}

static void
start(curl_loop_t *cl, int port, result_t *r)
{
	err_t err;

	assert_int_equal(curl_loop_add(cl, easy_for(port, r), on_done, r, &err), 0);
}

#define RUN_UNTIL(loop, cond) do { \
	int64_t end_ = clock_mono_ms() + WAIT_MS; \
	while (!(cond) && clock_mono_ms() < end_) \
		assert_int_equal(loop_run_once((loop), 50, NULL), 0); \
	assert_true(cond); \
} while (0)

typedef struct fixture {
	loop_t *loop;
	curl_loop_t *cl;
	server_t srv;
} fixture_t;

static int
setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));
	err_t err;

	assert_non_null(f);
	assert_non_null(f->loop = loop_new(&err));
	assert_non_null(f->cl = curl_loop_new(f->loop, &err));
	server_start(&f->srv, f->loop);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture_t *f = *state;

	curl_loop_free(&f->cl);
	assert_null(f->cl);
	server_stop(&f->srv);
	loop_free(&f->loop);
	free(f);
	return 0;
}

static void
test_one_get(void **state)
{
	fixture_t *f = *state;
	result_t r = {0};

	start(f->cl, f->srv.port, &r);
	assert_int_equal(curl_loop_running(f->cl), 1);
	RUN_UNTIL(f->loop, r.calls > 0);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.code, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "got 0");
	assert_int_equal(curl_loop_running(f->cl), 0);
}

static void
test_many_at_once(void **state)
{
	fixture_t *f = *state;
	result_t r[10] = {0};
	int done = 0;

	for (int i = 0; i < 10; i++)
		start(f->cl, f->srv.port, &r[i]);
	assert_int_equal(curl_loop_running(f->cl), 10);
	for (int64_t end = clock_mono_ms() + WAIT_MS; done < 10 && clock_mono_ms() < end; ) {
		assert_int_equal(loop_run_once(f->loop, 50, NULL), 0);
		done = 0;
		for (int i = 0; i < 10; i++)
			done += r[i].calls;
	}
	for (int i = 0; i < 10; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].code, CURLE_OK);
		assert_string_equal(r[i].body, "got 0");
	}
	assert_int_equal(f->srv.served, 10);
}

static void
test_refused(void **state)
{
	fixture_t *f = *state;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	result_t r = {0};

	/* A port bound but not listening: a connect there is refused. */
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	start(f->cl, port, &r);
	RUN_UNTIL(f->loop, r.calls > 0);
	assert_int_equal(r.code, CURLE_COULDNT_CONNECT);
	close(fd);
}

/* The server never answers: only libcurl's own timer can end it, through
 * the loop timer curl_loop keeps for it. */
static void
test_timeout(void **state)
{
	fixture_t *f = *state;
	result_t r = {0};
	CURL *e = easy_for(f->srv.port, &r);
	int64_t t0 = clock_mono_ms();
	err_t err;

	f->srv.silent = true;
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 300L);
	assert_int_equal(curl_loop_add(f->cl, e, on_done, &r, &err), 0);
	RUN_UNTIL(f->loop, r.calls > 0);
	assert_int_equal(r.code, CURLE_OPERATION_TIMEDOUT);
	assert_true(clock_mono_ms() - t0 >= 250);
	assert_true(clock_mono_ms() - t0 < 5000);
}

/* 8 MiB up: far more than the socket buffers hold, so the transfer waits
 * for "writable" many times while the server reads on the same loop. */
static void
test_large_upload(void **state)
{
	fixture_t *f = *state;
	size_t size = 8u << 20;
	char *data = malloc(size);
	result_t r = {0};
	CURL *e = easy_for(f->srv.port, &r);
	struct curl_slist *no_expect;
	err_t err;

	assert_non_null(data);
	memset(data, 'x', size);
	/* No "Expect: 100-continue" wait: send the body at once. */
	assert_non_null(no_expect = curl_slist_append(NULL, "Expect:"));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, no_expect);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, data);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
	assert_int_equal(curl_loop_add(f->cl, e, on_done, &r, &err), 0);
	RUN_UNTIL(f->loop, r.calls > 0);
	assert_int_equal(r.code, CURLE_OK);
	assert_string_equal(r.body, "got 8388608");
	curl_slist_free_all(no_expect);
	free(data);
}

static void
test_remove_and_free(void **state)
{
	fixture_t *f = *state;
	result_t r1 = {0}, r2 = {0};
	CURL *e1 = easy_for(f->srv.port, &r1), *e2 = easy_for(f->srv.port, &r2);
	err_t err;
	int64_t end;

	f->srv.silent = true;
	assert_int_equal(curl_loop_add(f->cl, e1, on_done, &r1, &err), 0);
	assert_int_equal(curl_loop_add(f->cl, e2, on_done, &r2, &err), 0);
	for (end = clock_mono_ms() + 300; clock_mono_ms() < end; )
		assert_int_equal(loop_run_once(f->loop, 20, NULL), 0);
	assert_int_equal(curl_loop_remove(f->cl, e1), 0);
	assert_int_equal(curl_loop_remove(f->cl, e1), -1);   /* not running any more */
	assert_int_equal(curl_loop_running(f->cl), 1);
	curl_easy_cleanup(e1);
	for (end = clock_mono_ms() + 100; clock_mono_ms() < end; )
		assert_int_equal(loop_run_once(f->loop, 20, NULL), 0);
	/* e2 is still running when its curl_loop goes: it is the caller's
	 * again, to free (ASan checks that nothing leaks or is freed twice). */
	curl_loop_free(&f->cl);
	curl_easy_cleanup(e2);
	assert_int_equal(r1.calls, 0);
	assert_int_equal(r2.calls, 0);
}

/* Each done() starts the next transfer: three in a row, one at a time. */
static void
test_chained_from_done(void **state)
{
	fixture_t *f = *state;
	result_t r[3] = {0};

	for (int i = 0; i < 3; i++) {
		r[i].cl = f->cl;
		r[i].port = f->srv.port;
		r[i].next = i < 2 ? &r[i + 1] : NULL;
	}
	start(f->cl, f->srv.port, &r[0]);
	RUN_UNTIL(f->loop, r[2].calls > 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r[i].calls, 1);
		assert_int_equal(r[i].code, CURLE_OK);
	}
	assert_int_equal(f->srv.served, 3);
	assert_int_equal(curl_loop_running(f->cl), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_upload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_and_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chained_from_done, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
