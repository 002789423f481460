/*
 * loop — the daemon's one event loop, in the spirit of Redis's ae.c. What
 * can wake the daemon is registered here: ZeroMQ sockets and file
 * descriptors with a callback for "readable", timers with a period, and one
 * hook that runs before every wait (where sending and bookkeeping happen,
 * so that what a callback queued goes out at once). loop_run_once() waits
 * with zmq_poll until something is ready or the next timer is due, then
 * calls the ready readers in the order they were registered, then the due
 * timers. Everything runs on the caller's thread, one callback at a time.
 * Time is the monotonic clock (clock_mono_ms).
 */
#ifndef FAMLINK_LOOP_H
#define FAMLINK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

typedef struct loop loop_t;
typedef void loop_fn(void *ctx);

/* NULL with err when out of memory. Free with loop_free(). */
loop_t *loop_new(err_t *err);
void loop_free(loop_t **loop);

/* Calls fn(ctx) when the ZeroMQ socket (or, with socket NULL, the file
 * descriptor fd) is readable. Returns a handle for loop_pause(), or -1. */
int loop_add_reader(loop_t *loop, void *socket, int fd, loop_fn *fn, void *ctx, err_t *err);

/* A paused reader is not polled: what waits in it stays there (for a
 * ZeroMQ socket, its queue fills and pushes back on the senders). */
void loop_pause(loop_t *loop, int handle, bool paused);

/* Calls fn(ctx) every period_ms, the first time period_ms from now. A
 * timer that falls behind runs once, not once per missed period. */
int loop_add_timer(loop_t *loop, int64_t period_ms, loop_fn *fn, void *ctx, err_t *err);

/* fn(ctx) runs before every wait (at most one hook). */
void loop_before_wait(loop_t *loop, loop_fn *fn, void *ctx);

/* One turn: the hook, a wait of at most max_ms (less when a timer is due
 * sooner), the ready readers, the due timers. 0, or -1 with err if the
 * poll failed (an interrupting signal is not a failure). */
int loop_run_once(loop_t *loop, int max_ms, err_t *err);

#endif
