/*
 * loop — see loop.h. A deleted reader or timer is only marked dead where
 * it stands; the records are swept out at the start of the next wait,
 * after the hook and before zmq_poll. So within a turn no record moves and
 * no slot is reused (a callback may delete or add freely while the turn
 * walks the arrays by index), and zmq_poll never sees a socket whose
 * reader was deleted (the caller may have closed it).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <zmq.h>

#include "clock.h"
#include "loop.h"

typedef struct reader {
	loop_handle_t id;
	short events;              /* ZMQ_POLLIN (a reader) or ZMQ_POLLOUT (a writer) */
	loop_fn *fn;
	void *ctx;
	bool paused, dead;
} reader_t;

typedef struct timer {
	loop_handle_t id;
	int64_t period_ms, due_ms;
	loop_fn *fn;
	void *ctx;
	bool dead;
} timer_t_;

struct loop {
	zmq_pollitem_t *items;     /* one per reader, same index */
	reader_t *readers;
	size_t nreaders, capreaders;
	timer_t_ *timers;
	size_t ntimers, captimers;
	loop_fn *before;
	void *before_ctx;
	loop_handle_t next_id;     /* the next add's handle; never reused */
	bool swept;                /* no dead records in either array */
};

loop_t *
loop_new(err_t *err)
{
	loop_t *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		err_set(err, ENOMEM, "out of memory");
	else
		loop->swept = true;
	return loop;
}

void
loop_free(loop_t **ploop)
{
	loop_t *loop = *ploop;

	if (loop == NULL)
		return;
	free(loop->items);
	free(loop->readers);
	free(loop->timers);
	free(loop);
	*ploop = NULL;
}

/* Room for one more timer: grows, never fails while memory lasts. */
static int
timer_room(loop_t *loop)
{
	size_t want = loop->captimers ? loop->captimers * 2 : 4;
	timer_t_ *grown;

	if (loop->ntimers < loop->captimers)
		return 0;
	if ((grown = realloc(loop->timers, want * sizeof(*grown))) == NULL)
		return -1;
	loop->timers = grown;
	loop->captimers = want;
	return 0;
}

/* Room for one more reader, in both arrays (zmq_poll wants its items in
 * one array of their own). */
static int
reader_room(loop_t *loop)
{
	size_t want = loop->capreaders ? loop->capreaders * 2 : 4;
	zmq_pollitem_t *items;
	reader_t *readers;

	if (loop->nreaders < loop->capreaders)
		return 0;
	if ((items = realloc(loop->items, want * sizeof(*items))) == NULL)
		return -1;
	loop->items = items;
	if ((readers = realloc(loop->readers, want * sizeof(*readers))) == NULL)
		return -1;
	loop->readers = readers;
	loop->capreaders = want;
	return 0;
}

/* The live reader's index, or -1. A linear search: a daemon has tens of
 * readers, and zmq_poll walks them all every turn anyway. */
static ssize_t
reader_find(const loop_t *loop, loop_handle_t handle)
{
	for (size_t i = 0; i < loop->nreaders; i++)
		if (loop->readers[i].id == handle && !loop->readers[i].dead)
			return (ssize_t)i;
	return -1;
}

static ssize_t
timer_find(const loop_t *loop, loop_handle_t handle)
{
	for (size_t i = 0; i < loop->ntimers; i++)
		if (loop->timers[i].id == handle && !loop->timers[i].dead)
			return (ssize_t)i;
	return -1;
}

static loop_handle_t
add_watch(loop_t *loop, void *socket, int fd, short events, loop_fn *fn, void *ctx,
    err_t *err)
{
	if (reader_room(loop) != 0)
		return err_set(err, ENOMEM, "out of memory");
	loop->items[loop->nreaders] = (zmq_pollitem_t){ .socket = socket, .fd = fd,
	    .events = events };
	loop->readers[loop->nreaders++] = (reader_t){ .id = loop->next_id, .events = events,
	    .fn = fn, .ctx = ctx };
	return loop->next_id++;
}

loop_handle_t
loop_add_reader(loop_t *loop, void *socket, int fd, loop_fn *fn, void *ctx, err_t *err)
{
	return add_watch(loop, socket, fd, ZMQ_POLLIN, fn, ctx, err);
}

loop_handle_t
loop_add_writer(loop_t *loop, int fd, loop_fn *fn, void *ctx, err_t *err)
{
	return add_watch(loop, NULL, fd, ZMQ_POLLOUT, fn, ctx, err);
}

int
loop_del_reader(loop_t *loop, loop_handle_t handle)
{
	ssize_t i = reader_find(loop, handle);

	if (i < 0)
		return -1;
	loop->readers[i].dead = true;
	loop->items[i].events = 0;
	loop->swept = false;
	return 0;
}

void
loop_pause(loop_t *loop, loop_handle_t handle, bool paused)
{
	ssize_t i = reader_find(loop, handle);

	if (i < 0)
		return;
	loop->readers[i].paused = paused;
	loop->items[i].events = paused ? 0 : loop->readers[i].events;
}

loop_handle_t
loop_add_timer(loop_t *loop, int64_t period_ms, loop_fn *fn, void *ctx, err_t *err)
{
	if (timer_room(loop) != 0)
		return err_set(err, ENOMEM, "out of memory");
	loop->timers[loop->ntimers++] = (timer_t_){ .id = loop->next_id,
	    .period_ms = period_ms, .due_ms = clock_mono_ms() + period_ms, .fn = fn,
	    .ctx = ctx };
	return loop->next_id++;
}

int
loop_del_timer(loop_t *loop, loop_handle_t handle)
{
	ssize_t i = timer_find(loop, handle);

	if (i < 0)
		return -1;
	loop->timers[i].dead = true;
	loop->swept = false;
	return 0;
}

/* Drops the dead records, keeping the rest in the order they were added
 * (readers are called in that order). Only between turns: see the top. */
static void
sweep(loop_t *loop)
{
	size_t kept = 0;

	for (size_t i = 0; i < loop->nreaders; i++)
		if (!loop->readers[i].dead) {
			loop->items[kept] = loop->items[i];
			loop->readers[kept++] = loop->readers[i];
		}
	loop->nreaders = kept;
	kept = 0;
	for (size_t i = 0; i < loop->ntimers; i++)
		if (!loop->timers[i].dead)
			loop->timers[kept++] = loop->timers[i];
	loop->ntimers = kept;
	loop->swept = true;
}

void
loop_before_wait(loop_t *loop, loop_fn *fn, void *ctx)
{
	loop->before = fn;
	loop->before_ctx = ctx;
}

/* How long the poll may wait: max_ms, or less if a timer is due sooner. */
static long
wait_ms(const loop_t *loop, int max_ms, int64_t now)
{
	long wait = max_ms;

	for (size_t i = 0; i < loop->ntimers; i++) {
		int64_t left = loop->timers[i].due_ms - now;
		if (left < wait)
			wait = left > 0 ? (long)left : 0;
	}
	return wait;
}

/* The timers due now, among those there were when the turn began. Each
 * is looked up afresh by index: a callback may add (and so move the array)
 * or delete. */
static void
run_timers(loop_t *loop)
{
	int64_t now = clock_mono_ms();
	size_t n = loop->ntimers;

	for (size_t i = 0; i < n; i++) {
		timer_t_ *t = &loop->timers[i];
		if (t->dead || now < t->due_ms)
			continue;
		t->due_ms = now + t->period_ms;
		t->fn(t->ctx);
	}
}

/* The readers found readable (writers writable), among those polled; the
 * same care. A descriptor that hung up or failed counts as ready: poll
 * reports that whatever was asked, so a callback that was not called
 * would see it again at once, every turn, and the loop would spin; called,
 * it reads the end of file or the error and deletes itself. */
static void
run_readers(loop_t *loop, size_t polled)
{
	for (size_t i = 0; i < polled; i++) {
		reader_t *r = &loop->readers[i];
		if (!r->dead && !r->paused && (loop->items[i].revents & (r->events | ZMQ_POLLERR)))
			r->fn(r->ctx);
	}
}

int
loop_run_once(loop_t *loop, int max_ms, err_t *err)
{
	size_t polled;
	int n;

	if (loop->before != NULL)
		loop->before(loop->before_ctx);
	if (!loop->swept)
		sweep(loop);
	polled = loop->nreaders;
	n = zmq_poll(loop->items, (int)polled, wait_ms(loop, max_ms, clock_mono_ms()));
	if (n < 0 && zmq_errno() != EINTR)
		return err_set(err, zmq_errno(), "poll: %s", zmq_strerror(zmq_errno()));
	if (n > 0)
		run_readers(loop, polled);
	run_timers(loop);
	return 0;
}
