/*
 * test_loop — the event loop with real file descriptors, a real ZeroMQ
 * socket pair and real time: readers run when readable and not when
 * paused, timers run on their period and once when late, the hook runs
 * before every wait; readers and timers deleted from outside or inside a
 * callback are not called again, and a stale handle reaches nothing;
 * writers run while their pipe has room, and a hung-up pipe is seen.
 * Waits are bounded by a number of turns, never a fixed sleep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
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

/* A reader or timer under test. Each call counts, reads at most one byte
 * from fd (non-blocking), and on the first call deletes the reader and the
 * timer named (its own handle, or another's), then deletes that reader
 * again, and closes close_sock (a ZeroMQ socket whose reader it deleted). */
typedef struct probe {
	loop_t *loop;
	int fd;
	int calls, bytes;
	loop_handle_t kill_reader, kill_timer;
	int kill_rc, again_rc, kill_timer_rc;
	void *close_sock;
} probe_t;

static probe_t
probe(loop_t *loop, int fd)
{
	return (probe_t){ .loop = loop, .fd = fd, .kill_reader = -1, .kill_timer = -1,
	    .kill_rc = 1, .again_rc = 1, .kill_timer_rc = 1 };
}

static void
on_probe(void *ctx)
{
	probe_t *p = ctx;
	char b;

	p->calls++;
	if (p->fd >= 0 && read(p->fd, &b, 1) == 1)
		p->bytes++;
	if (p->calls != 1)
		return;
	if (p->kill_reader >= 0) {
		p->kill_rc = loop_del_reader(p->loop, p->kill_reader);
		p->again_rc = loop_del_reader(p->loop, p->kill_reader);
	}
	if (p->kill_timer >= 0)
		p->kill_timer_rc = loop_del_timer(p->loop, p->kill_timer);
	if (p->close_sock != NULL)
		assert_int_equal(zmq_close(p->close_sock), 0);
}

/* A pipe whose ends never block: a reader called when nothing is there
 * reads nothing instead of hanging the test. */
static void
open_pipe(int fds[2])
{
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
}

static void
close_pipe(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

static void
put(int fds[2], int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(write(fds[1], "x", 1), 1);
}

/* An inproc PULL socket fed by a PUSH that does not linger on close (its
 * message may never be read). */
static void
zmq_pair(void *zctx, const char *endpoint, void **pull, void **push)
{
	int linger = 0;

	assert_non_null(*pull = zmq_socket(zctx, ZMQ_PULL));
	assert_non_null(*push = zmq_socket(zctx, ZMQ_PUSH));
	assert_int_equal(zmq_setsockopt(*push, ZMQ_LINGER, &linger, sizeof(linger)), 0);
	assert_int_equal(zmq_bind(*pull, endpoint), 0);
	assert_int_equal(zmq_connect(*push, endpoint), 0);
}

/* Turns the loop until cond holds, at most `turns` turns of at most 100 ms
 * each (a ready descriptor or a due timer ends a turn at once). */
#define TURN_UNTIL(loop, cond, turns) do { \
	for (int t_ = 0; !(cond) && t_ < (turns); t_++) \
		assert_int_equal(loop_run_once((loop), 100, NULL), 0); \
} while (0)

/* Deleted, a reader is not called again, though its descriptor stays
 * readable; a deleted ZeroMQ socket may be closed at once. */
static void
test_del_reader(void **state)
{
	void *zctx = zmq_ctx_new(), *pull, *push;
	int gone_fds[2], ctl_fds[2];
	probe_t gone, ctl, zgone;
	loop_handle_t h, hz;
	loop_t *loop;
	char b;

	(void)state;
	open_pipe(gone_fds);
	open_pipe(ctl_fds);
	assert_non_null(loop = loop_new(NULL));
	gone = probe(loop, gone_fds[0]);
	ctl = probe(loop, ctl_fds[0]);
	assert_true((h = loop_add_reader(loop, NULL, gone_fds[0], on_probe, &gone, NULL)) >= 0);
	assert_true(loop_add_reader(loop, NULL, ctl_fds[0], on_probe, &ctl, NULL) >= 0);
	put(gone_fds, 1);
	TURN_UNTIL(loop, gone.calls == 1, 20);
	assert_int_equal(gone.calls, 1);

	assert_int_equal(loop_del_reader(loop, h), 0);
	put(gone_fds, 1);
	put(ctl_fds, 1);
	TURN_UNTIL(loop, ctl.calls == 1, 20);   /* a turn that saw both ready */
	assert_int_equal(ctl.calls, 1);
	assert_int_equal(gone.calls, 1);
	assert_int_equal(read(gone_fds[0], &b, 1), 1);   /* left unread */

	zmq_pair(zctx, "inproc://loop-del", &pull, &push);
	zgone = probe(loop, -1);
	assert_true((hz = loop_add_reader(loop, pull, -1, on_probe, &zgone, NULL)) >= 0);
	assert_int_equal(zmq_send(push, "m", 1, 0), 1);
	assert_int_equal(loop_del_reader(loop, hz), 0);
	assert_int_equal(zmq_close(pull), 0);
	put(ctl_fds, 1);
	TURN_UNTIL(loop, ctl.calls == 2, 20);
	assert_int_equal(ctl.calls, 2);
	assert_int_equal(zgone.calls, 0);

	loop_free(&loop);
	zmq_close(push);
	zmq_ctx_term(zctx);
	close_pipe(gone_fds);
	close_pipe(ctl_fds);
}

/* Deleted, a timer is not called again; deleted before it was due, never. */
static void
test_del_timer(void **state)
{
	probe_t a, b, never;
	loop_handle_t ha, hn;
	loop_t *loop;
	int a0, b0;

	(void)state;
	assert_non_null(loop = loop_new(NULL));
	a = probe(loop, -1);
	b = probe(loop, -1);
	never = probe(loop, -1);
	assert_true((ha = loop_add_timer(loop, 5, on_probe, &a, NULL)) >= 0);
	assert_true(loop_add_timer(loop, 5, on_probe, &b, NULL) >= 0);
	assert_true((hn = loop_add_timer(loop, 5, on_probe, &never, NULL)) >= 0);
	assert_int_equal(loop_del_timer(loop, hn), 0);
	TURN_UNTIL(loop, a.calls >= 1 && b.calls >= 1, 100);
	assert_true(a.calls >= 1 && b.calls >= 1);

	assert_int_equal(loop_del_timer(loop, ha), 0);
	a0 = a.calls;
	b0 = b.calls;
	TURN_UNTIL(loop, b.calls >= b0 + 3, 100);   /* a, same period, would run too */
	assert_true(b.calls >= b0 + 3);
	assert_int_equal(a.calls, a0);
	assert_int_equal(never.calls, 0);
	loop_free(&loop);
}

/* A successor reader with idle company: enough adds to move the loop's
 * arrays while a turn walks them. */
typedef struct relay {
	probe_t self, heir;
	loop_handle_t handle, heir_handle;
	int idle_fd;
} relay_t;

static void
on_relay(void *ctx)
{
	relay_t *r = ctx;

	on_probe(&r->self);
	assert_int_equal(loop_del_reader(r->self.loop, r->handle), 0);
	r->heir_handle = loop_add_reader(r->self.loop, NULL, r->heir.fd, on_probe, &r->heir,
	    NULL);
	for (int i = 0; i < 8; i++)
		assert_true(loop_add_reader(r->self.loop, NULL, r->idle_fd, on_probe, &r->heir,
		    NULL) >= 0);
}

/* A callback deletes itself (a reader still readable, a timer still due)
 * and is not called again; one that hands over to a successor on the same
 * descriptor sees it called from the next turn on. */
static void
test_del_self(void **state)
{
	int self_fds[2], ctl_fds[2], relay_fds[2], idle_fds[2];
	probe_t self, ctl, tself, tctl;
	relay_t relay;
	loop_t *loop;

	(void)state;
	open_pipe(self_fds);
	open_pipe(ctl_fds);
	assert_non_null(loop = loop_new(NULL));
	self = probe(loop, self_fds[0]);
	ctl = probe(loop, ctl_fds[0]);
	assert_true((self.kill_reader = loop_add_reader(loop, NULL, self_fds[0], on_probe,
	    &self, NULL)) >= 0);
	assert_true(loop_add_reader(loop, NULL, ctl_fds[0], on_probe, &ctl, NULL) >= 0);
	put(self_fds, 2);
	put(ctl_fds, 3);
	TURN_UNTIL(loop, ctl.calls == 3, 20);   /* self stays readable throughout */
	assert_int_equal(ctl.calls, 3);
	assert_int_equal(self.calls, 1);
	assert_int_equal(self.kill_rc, 0);
	assert_int_equal(self.again_rc, -1);

	tself = probe(loop, -1);
	tctl = probe(loop, -1);
	assert_true((tself.kill_timer = loop_add_timer(loop, 0, on_probe, &tself, NULL)) >= 0);
	assert_true(loop_add_timer(loop, 0, on_probe, &tctl, NULL) >= 0);
	TURN_UNTIL(loop, tctl.calls >= 3, 20);
	assert_true(tctl.calls >= 3);
	assert_int_equal(tself.calls, 1);
	assert_int_equal(tself.kill_timer_rc, 0);

	open_pipe(relay_fds);
	open_pipe(idle_fds);
	relay = (relay_t){ .self = probe(loop, relay_fds[0]), .heir = probe(loop, relay_fds[0]),
	    .heir_handle = -1, .idle_fd = idle_fds[0] };
	assert_true((relay.handle = loop_add_reader(loop, NULL, relay_fds[0], on_relay, &relay,
	    NULL)) >= 0);
	put(relay_fds, 2);
	assert_int_equal(loop_run_once(loop, 1000, NULL), 0);
	assert_int_equal(relay.self.calls, 1);
	assert_true(relay.heir_handle >= 0);
	assert_int_equal(relay.heir.calls, 0);   /* added in the turn: not in it */
	TURN_UNTIL(loop, relay.heir.bytes == 1, 20);
	assert_int_equal(relay.heir.bytes, 1);
	assert_int_equal(relay.self.calls, 1);

	loop_free(&loop);
	close_pipe(self_fds);
	close_pipe(ctl_fds);
	close_pipe(relay_fds);
	close_pipe(idle_fds);
}

/* Ready in the same turn, a reader deleted by an earlier one's callback is
 * not called, and its ZeroMQ socket may be closed right there; the same
 * for a due timer deleted by a reader or by an earlier timer. */
static void
test_del_other_same_turn(void **state)
{
	void *zctx = zmq_ctx_new(), *pull, *push;
	int a_fds[2], b_fds[2];
	probe_t a, b, z, ta, tb, tc;
	zmq_pollitem_t item;
	loop_t *loop;

	(void)state;
	open_pipe(a_fds);
	open_pipe(b_fds);
	zmq_pair(zctx, "inproc://loop-same-turn", &pull, &push);
	assert_non_null(loop = loop_new(NULL));
	a = probe(loop, a_fds[0]);
	b = probe(loop, b_fds[0]);
	z = probe(loop, -1);
	tc = probe(loop, -1);
	assert_true(loop_add_reader(loop, NULL, a_fds[0], on_probe, &a, NULL) >= 0);
	assert_true((a.kill_reader = loop_add_reader(loop, NULL, b_fds[0], on_probe, &b,
	    NULL)) >= 0);
	assert_true((b.kill_reader = loop_add_reader(loop, pull, -1, on_probe, &z, NULL)) >= 0);
	b.close_sock = pull;
	assert_true((a.kill_timer = loop_add_timer(loop, 0, on_probe, &tc, NULL)) >= 0);
	put(a_fds, 1);
	put(b_fds, 1);
	assert_int_equal(zmq_send(push, "m", 1, 0), 1);
	item = (zmq_pollitem_t){ .socket = pull, .events = ZMQ_POLLIN };
	assert_int_equal(zmq_poll(&item, 1, 1000), 1);   /* all three ready */

	/* a deletes b and the timer; b, had it run, would delete z. */
	assert_int_equal(loop_run_once(loop, 1000, NULL), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.kill_rc, 0);
	assert_int_equal(a.kill_timer_rc, 0);
	assert_int_equal(b.calls, 0);
	assert_int_equal(tc.calls, 0);
	assert_int_equal(z.calls, 1);
	assert_int_equal(loop_del_reader(loop, b.kill_reader), 0);
	assert_int_equal(zmq_close(pull), 0);
	put(a_fds, 1);
	TURN_UNTIL(loop, a.calls == 2, 20);
	assert_int_equal(a.calls, 2);
	assert_int_equal(b.calls, 0);

	ta = probe(loop, -1);
	tb = probe(loop, -1);
	assert_true(loop_add_timer(loop, 0, on_probe, &ta, NULL) >= 0);
	assert_true((ta.kill_timer = loop_add_timer(loop, 0, on_probe, &tb, NULL)) >= 0);
	assert_int_equal(loop_run_once(loop, 1000, NULL), 0);   /* both due */
	assert_int_equal(ta.calls, 1);
	assert_int_equal(ta.kill_timer_rc, 0);
	assert_int_equal(tb.calls, 0);
	TURN_UNTIL(loop, ta.calls >= 3, 20);
	assert_true(ta.calls >= 3);
	assert_int_equal(tb.calls, 0);

	loop_free(&loop);
	zmq_close(push);
	zmq_ctx_term(zctx);
	close_pipe(a_fds);
	close_pipe(b_fds);
}

/* A reader deleted and added again on the same descriptor gets a new
 * handle and the readiness left pending; the old handle reaches nothing,
 * even once the loop has swept its record out. */
static void
test_readd(void **state)
{
	probe_t first, second;
	loop_handle_t h1, h2;
	loop_t *loop;
	int fds[2];

	(void)state;
	open_pipe(fds);
	assert_non_null(loop = loop_new(NULL));
	first = probe(loop, fds[0]);
	second = probe(loop, fds[0]);
	assert_true((h1 = loop_add_reader(loop, NULL, fds[0], on_probe, &first, NULL)) >= 0);
	put(fds, 1);
	assert_int_equal(loop_del_reader(loop, h1), 0);
	assert_int_equal(loop_run_once(loop, 0, NULL), 0);
	assert_int_equal(first.calls, 0);

	assert_true((h2 = loop_add_reader(loop, NULL, fds[0], on_probe, &second, NULL)) >= 0);
	assert_true(h2 != h1);
	TURN_UNTIL(loop, second.calls == 1, 20);
	assert_int_equal(second.bytes, 1);       /* the byte from before the delete */
	assert_int_equal(first.calls, 0);

	loop_pause(loop, h1, true);             /* stale: pauses nothing… */
	assert_int_equal(loop_del_reader(loop, h1), -1);   /* …deletes nothing */
	assert_int_equal(loop_del_timer(loop, h2), -1);    /* a reader, not a timer */
	put(fds, 1);
	TURN_UNTIL(loop, second.calls == 2, 20);
	assert_int_equal(second.calls, 2);
	assert_int_equal(first.calls, 0);

	loop_free(&loop);
	close_pipe(fds);
}

/* A handle deleted twice, never issued, or of the other kind: -1 and no
 * harm done; what is still registered keeps running. */
static void
test_del_twice(void **state)
{
	loop_handle_t hr, ht, live_r, live_t;
	probe_t r, t, lr, lt;
	loop_t *loop;
	int fds[2];

	(void)state;
	open_pipe(fds);
	assert_non_null(loop = loop_new(NULL));
	r = probe(loop, -1);
	t = probe(loop, -1);
	lr = probe(loop, fds[0]);
	lt = probe(loop, -1);
	assert_true((hr = loop_add_reader(loop, NULL, fds[0], on_probe, &r, NULL)) >= 0);
	assert_true((live_r = loop_add_reader(loop, NULL, fds[0], on_probe, &lr, NULL)) >= 0);
	assert_true((ht = loop_add_timer(loop, 0, on_probe, &t, NULL)) >= 0);
	assert_true((live_t = loop_add_timer(loop, 0, on_probe, &lt, NULL)) >= 0);

	assert_int_equal(loop_del_reader(loop, hr), 0);
	assert_int_equal(loop_del_reader(loop, hr), -1);
	assert_int_equal(loop_del_timer(loop, ht), 0);
	assert_int_equal(loop_del_timer(loop, ht), -1);
	assert_int_equal(loop_run_once(loop, 0, NULL), 0);   /* swept out */
	assert_int_equal(loop_del_reader(loop, hr), -1);
	assert_int_equal(loop_del_timer(loop, ht), -1);
	assert_int_equal(loop_del_reader(loop, live_t), -1);
	assert_int_equal(loop_del_timer(loop, live_r), -1);
	assert_int_equal(loop_del_reader(loop, -1), -1);
	assert_int_equal(loop_del_timer(loop, -1), -1);
	assert_int_equal(loop_del_reader(loop, INT64_MAX), -1);
	assert_int_equal(loop_del_timer(loop, INT64_MAX), -1);

	put(fds, 1);
	lt.calls = 0;
	TURN_UNTIL(loop, lr.calls == 1, 20);
	assert_int_equal(lr.calls, 1);
	assert_true(lt.calls >= 1);
	assert_int_equal(r.calls, 0);
	assert_int_equal(t.calls, 0);
	loop_free(&loop);
	close_pipe(fds);
}

enum { SLOTS = 32, STEPS = 600 };

typedef struct slot {
	bool live, timer;
	loop_handle_t handle;
	probe_t *probe;
} slot_t;

static unsigned
next_random(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* The live slot that holds p, or NULL once p's reader or timer is gone. */
static const slot_t *
holder(const slot_t *slots, const probe_t *p)
{
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].live && slots[i].probe == p)
			return &slots[i];
	return NULL;
}

static bool
all_live_readers_called(const slot_t *slots)
{
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].live && !slots[i].timer && slots[i].probe->calls == 0)
			return false;
	return true;
}

/* One turn with every period-0 timer due: each live timer runs once, each
 * deleted one not at all, and no reader (nothing was written). */
static void
check_turn(loop_t *loop, probe_t *probes, int nprobes, const slot_t *slots)
{
	for (int i = 0; i < nprobes; i++)
		probes[i].calls = 0;
	assert_int_equal(loop_run_once(loop, 0, NULL), 0);
	for (int i = 0; i < nprobes; i++) {
		const slot_t *s = holder(slots, &probes[i]);
		assert_int_equal(probes[i].calls, s != NULL && s->timer ? 1 : 0);
	}
}

/* Many readers and timers added and deleted in random order, with turns
 * between: every handle is new, each delete finds what it names (and only
 * once), and only what is registered runs. */
static void
test_interleaved(void **state)
{
	static probe_t probes[STEPS];
	static loop_handle_t issued[STEPS];
	slot_t slots[SLOTS] = {0};
	int fds[SLOTS][2], nprobes = 0;
	unsigned seed = 16;
	loop_t *loop;

	(void)state;
	assert_non_null(loop = loop_new(NULL));
	for (int i = 0; i < SLOTS; i++)
		open_pipe(fds[i]);
	for (int step = 0; step < STEPS; step++) {
		slot_t *s = &slots[next_random(&seed) % SLOTS];
		if (s->live) {
			assert_int_equal(s->timer ? loop_del_timer(loop, s->handle) :
			    loop_del_reader(loop, s->handle), 0);
			s->live = false;
		} else {
			probe_t *p = &probes[nprobes];
			s->timer = next_random(&seed) % 2;
			*p = probe(loop, s->timer ? -1 : fds[s - slots][0]);
			s->handle = s->timer ? loop_add_timer(loop, 0, on_probe, p, NULL) :
			    loop_add_reader(loop, NULL, p->fd, on_probe, p, NULL);
			assert_true(s->handle >= 0);
			for (int i = 0; i < nprobes; i++)
				assert_true(issued[i] != s->handle);
			issued[nprobes++] = s->handle;
			s->probe = p;
			s->live = true;
		}
		if (step % 5 == 4)
			check_turn(loop, probes, nprobes, slots);
	}
	for (int i = 0; i < nprobes; i++)     /* deleted: gone for good */
		if (holder(slots, &probes[i]) == NULL) {
			assert_int_equal(loop_del_reader(loop, issued[i]), -1);
			assert_int_equal(loop_del_timer(loop, issued[i]), -1);
		}

	for (int i = 0; i < nprobes; i++)
		probes[i].calls = 0;
	for (int i = 0; i < SLOTS; i++)
		put(fds[i], 1);
	TURN_UNTIL(loop, all_live_readers_called(slots), 20);
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].live && !slots[i].timer)
			assert_int_equal(slots[i].probe->bytes, 1);
	for (int i = 0; i < nprobes; i++)
		if (holder(slots, &probes[i]) == NULL)
			assert_int_equal(probes[i].calls, 0);

	loop_free(&loop);
	for (int i = 0; i < SLOTS; i++)
		close_pipe(fds[i]);
}

/* A writer that fills a pipe: each call writes until the pipe is full,
 * or notes the error once the reader is gone (and deletes itself). */
typedef struct filler {
	loop_t *loop;
	loop_handle_t handle;
	int fd;
	int calls, epipe;
	size_t written;
} filler_t;

static void
on_writable(void *ctx)
{
	filler_t *f = ctx;
	char block[4096] = {0};
	ssize_t n;

	f->calls++;
	while ((n = write(f->fd, block, sizeof(block))) > 0)
		f->written += (size_t)n;
	if (n < 0 && errno == EPIPE) {
		f->epipe++;
		assert_int_equal(loop_del_reader(f->loop, f->handle), 0);
	}
}

/* A writer runs while its pipe has room, not while it is full, again once
 * it is read, and once more when its reader is gone, to see the error. */
static void
test_writer(void **state)
{
	filler_t f = {0};
	int fds[2], calls;
	char sink[65536];
	loop_t *loop;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	open_pipe(fds);
	assert_int_equal(fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
	assert_non_null(loop = loop_new(NULL));
	f = (filler_t){ .loop = loop, .fd = fds[1] };
	assert_true((f.handle = loop_add_writer(loop, fds[1], on_writable, &f, NULL)) >= 0);
	TURN_UNTIL(loop, f.calls == 1, 20);
	assert_int_equal(f.calls, 1);
	assert_true(f.written > 0);

	for (int i = 0; i < 3; i++)                /* full: not called */
		assert_int_equal(loop_run_once(loop, 20, NULL), 0);
	assert_int_equal(f.calls, 1);
	while (read(fds[0], sink, sizeof(sink)) > 0)
		;
	calls = f.calls;
	TURN_UNTIL(loop, f.calls > calls, 20);     /* read: room again */
	assert_int_equal(f.calls, calls + 1);

	close(fds[0]);
	TURN_UNTIL(loop, f.epipe == 1, 20);        /* no reader: called to see it */
	assert_int_equal(f.epipe, 1);
	calls = f.calls;
	assert_int_equal(loop_run_once(loop, 20, NULL), 0);
	assert_int_equal(f.calls, calls);
	loop_free(&loop);
	close(fds[1]);
}

/* A reader whose pipe hung up with nothing left in it is called to read
 * the end; deleted then, the loop waits again instead of spinning. */
static void
test_hangup(void **state)
{
	probe_t p;
	int fds[2];
	int64_t start;
	loop_t *loop;

	(void)state;
	open_pipe(fds);
	assert_non_null(loop = loop_new(NULL));
	p = probe(loop, fds[0]);
	assert_true((p.kill_reader = loop_add_reader(loop, NULL, fds[0], on_probe, &p,
	    NULL)) >= 0);
	close(fds[1]);
	TURN_UNTIL(loop, p.calls == 1, 20);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.bytes, 0);              /* the end, not data */
	assert_int_equal(p.kill_rc, 0);
	start = clock_mono_ms();
	assert_int_equal(loop_run_once(loop, 50, NULL), 0);
	assert_true(clock_mono_ms() - start >= 40);
	assert_int_equal(p.calls, 1);
	loop_free(&loop);
	close(fds[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_and_pause),
		cmocka_unit_test(test_timer_period),
		cmocka_unit_test(test_del_reader),
		cmocka_unit_test(test_del_timer),
		cmocka_unit_test(test_del_self),
		cmocka_unit_test(test_del_other_same_turn),
		cmocka_unit_test(test_readd),
		cmocka_unit_test(test_del_twice),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_hangup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
