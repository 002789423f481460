/* loop — see loop.h. */
#include <errno.h>
#include <stdlib.h>
#include <zmq.h>

#include "clock.h"
#include "loop.h"

typedef struct reader {
	loop_fn *fn;
	void *ctx;
	bool paused;
} reader_t;

typedef struct timer {
	int64_t period_ms, due_ms;
	loop_fn *fn;
	void *ctx;
} timer_t_;

struct loop {
	zmq_pollitem_t *items;     /* one per reader, same index */
	reader_t *readers;
	size_t nreaders, capreaders;
	timer_t_ *timers;
	size_t ntimers, captimers;
	loop_fn *before;
	void *before_ctx;
};

loop_t *
loop_new(err_t *err)
{
	loop_t *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		err_set(err, ENOMEM, "out of memory");
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

int
loop_add_reader(loop_t *loop, void *socket, int fd, loop_fn *fn, void *ctx, err_t *err)
{
	if (reader_room(loop) != 0)
		return err_set(err, ENOMEM, "out of memory");
	loop->items[loop->nreaders] = (zmq_pollitem_t){ .socket = socket, .fd = fd,
	    .events = ZMQ_POLLIN };
	loop->readers[loop->nreaders] = (reader_t){ .fn = fn, .ctx = ctx };
	return (int)loop->nreaders++;
}

void
loop_pause(loop_t *loop, int handle, bool paused)
{
	if (handle < 0 || (size_t)handle >= loop->nreaders)
		return;
	loop->readers[handle].paused = paused;
	loop->items[handle].events = paused ? 0 : ZMQ_POLLIN;
}

int
loop_add_timer(loop_t *loop, int64_t period_ms, loop_fn *fn, void *ctx, err_t *err)
{
	if (timer_room(loop) != 0)
		return err_set(err, ENOMEM, "out of memory");
	loop->timers[loop->ntimers] = (timer_t_){ .period_ms = period_ms,
	    .due_ms = clock_mono_ms() + period_ms, .fn = fn, .ctx = ctx };
	return (int)loop->ntimers++;
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

static void
run_timers(loop_t *loop)
{
	int64_t now = clock_mono_ms();

	for (size_t i = 0; i < loop->ntimers; i++) {
		timer_t_ *t = &loop->timers[i];
		if (now < t->due_ms)
			continue;
		t->due_ms = now + t->period_ms;
		t->fn(t->ctx);
	}
}

int
loop_run_once(loop_t *loop, int max_ms, err_t *err)
{
	int n;

	if (loop->before != NULL)
		loop->before(loop->before_ctx);
	n = zmq_poll(loop->items, (int)loop->nreaders, wait_ms(loop, max_ms, clock_mono_ms()));
	if (n < 0 && zmq_errno() != EINTR)
		return err_set(err, zmq_errno(), "poll: %s", zmq_strerror(zmq_errno()));
	for (size_t i = 0; n > 0 && i < loop->nreaders; i++)
		if (!loop->readers[i].paused && (loop->items[i].revents & ZMQ_POLLIN))
			loop->readers[i].fn(loop->readers[i].ctx);
	run_timers(loop);
	return 0;
}
