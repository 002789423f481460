/*
 * test_loop — the event loop with real file descriptors, a real ZeroMQ
 * socket pair and real time: readers run when readable and not when
 * paused, timers run on their period and once when late, the hook runs
 * before every wait.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <unistd.h>
#include <zmq.h>

#include "clock.h"
#include "loop.h"

typedef struct counts {
	int fd_reads, zmq_reads, ticks, hooks;
	int fd;
	void *sock;
} counts_t;

static void
on_fd(void *ctx)
{
	counts_t *c = ctx;
	char b;

	if (read(c->fd, &b, 1) == 1)
		c->fd_reads++;
}

static void
on_zmq(void *ctx)
{
	counts_t *c = ctx;
	char b[8];

	while (zmq_recv(c->sock, b, sizeof(b), ZMQ_DONTWAIT) >= 0)
		c->zmq_reads++;
}

static void on_tick(void *ctx) { ((counts_t *)ctx)->ticks++; }
static void on_hook(void *ctx) { ((counts_t *)ctx)->hooks++; }

/* Turns the loop until cond holds or timeout_ms passes. */
#define RUN_UNTIL(loop, cond, timeout_ms) do { \
	int64_t end_ = clock_mono_ms() + (timeout_ms); \
	while (!(cond) && clock_mono_ms() < end_) \
		assert_int_equal(loop_run_once((loop), 50, NULL), 0); \
} while (0)

static void
test_readers_and_pause(void **state)
{
	counts_t c = {0};
	void *zctx = zmq_ctx_new(), *push;
	int fds[2], h;
	loop_t *loop;
	err_t err;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	c.fd = fds[0];
	c.sock = zmq_socket(zctx, ZMQ_PULL);
	push = zmq_socket(zctx, ZMQ_PUSH);
	assert_int_equal(zmq_bind(c.sock, "inproc://loop-test"), 0);
	assert_int_equal(zmq_connect(push, "inproc://loop-test"), 0);
	assert_non_null(loop = loop_new(&err));
	assert_true(loop_add_reader(loop, NULL, fds[0], on_fd, &c, &err) >= 0);
	assert_true((h = loop_add_reader(loop, c.sock, -1, on_zmq, &c, &err)) >= 0);
	loop_before_wait(loop, on_hook, &c);

	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(zmq_send(push, "m", 1, 0), 1);
	RUN_UNTIL(loop, c.fd_reads == 1 && c.zmq_reads == 1, 2000);
	assert_int_equal(c.fd_reads, 1);
	assert_int_equal(c.zmq_reads, 1);
	assert_true(c.hooks >= 1);

	loop_pause(loop, h, true);       /* a paused socket is left alone… */
	assert_int_equal(zmq_send(push, "m", 1, 0), 1);
	for (int i = 0; i < 5; i++)
		assert_int_equal(loop_run_once(loop, 20, &err), 0);
	assert_int_equal(c.zmq_reads, 1);
	loop_pause(loop, h, false);      /* …and read again when resumed */
	RUN_UNTIL(loop, c.zmq_reads == 2, 2000);
	assert_int_equal(c.zmq_reads, 2);

	loop_free(&loop);
	assert_null(loop);
	zmq_close(push);
	zmq_close(c.sock);
	zmq_ctx_term(zctx);
	close(fds[0]);
	close(fds[1]);
}

/* A 30 ms timer over about 200 ms runs several times, never in a burst. */
static void
test_timer_period(void **state)
{
	counts_t c = {0};
	loop_t *loop;
	err_t err;
	int64_t start;

	(void)state;
	assert_non_null(loop = loop_new(&err));
	assert_true(loop_add_timer(loop, 30, on_tick, &c, &err) >= 0);
	start = clock_mono_ms();
	RUN_UNTIL(loop, clock_mono_ms() - start >= 200, 1000);
	assert_in_range(c.ticks, 3, 7);
	/* Late by far more than a period: it runs once, not once per period. */
	usleep(200 * 1000);
	c.ticks = 0;
	assert_int_equal(loop_run_once(loop, 0, &err), 0);
	assert_int_equal(c.ticks, 1);
	loop_free(&loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_and_pause),
		cmocka_unit_test(test_timer_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
