/*
 * loop — the daemon's one event loop, in the spirit of Redis's ae.c. What
 * can wake the daemon is registered here: ZeroMQ sockets and file
 * descriptors with a callback for "readable" (descriptors also for
 * "writable"), timers with a period, and one
 * hook that runs before every wait (where sending and bookkeeping happen,
 * so that what a callback queued goes out at once). loop_run_once() waits
 * with zmq_poll until something is ready or the next timer is due, then
 * calls the ready readers in the order they were registered, then the due
 * timers. Everything runs on the caller's thread, one callback at a time.
 * Time is the monotonic clock (clock_mono_ms).
 *
 * Readers and timers come and go (adapters, HTTP connections): each add
 * returns a handle, and the matching del removes it, from anywhere,
 * callbacks included. Handles are never reused: every add returns a new
 * one (a 64-bit count shared by readers and timers), so a handle kept
 * after its del matches nothing, not a later reader or timer, nor one of
 * the other kind; passing it again is a harmless no-op.
 *
 * Ownership: the loop owns only its own records. Sockets, descriptors and
 * ctx stay the caller's; the loop never closes or frees them, and after a
 * del returns it never touches them again, so the caller may close the
 * socket or free ctx right after, even inside a callback. The loop must
 * outlive every call into it; loop_free() is not for use from a callback.
 */
#ifndef FAMLINK_LOOP_H
#define FAMLINK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

typedef struct loop loop_t;
typedef void loop_fn(void *ctx);

/* Names one reader or one timer; >= 0, never reused (see above). */
typedef int64_t loop_handle_t;

/* NULL with err when out of memory. Free with loop_free(). */
loop_t *loop_new(err_t *err);
void loop_free(loop_t **loop);

/* Calls fn(ctx) when the ZeroMQ socket (or, with socket NULL, the file
 * descriptor fd) is readable. Returns a handle for loop_pause() and
 * loop_del_reader(), or -1 with err. A reader added during a turn is first
 * polled in the next turn. A descriptor that hung up or failed (a pipe
 * whose other end is closed) counts as readable: fn reads the end or the
 * error and deletes its reader (poll reports it every turn until then). */
loop_handle_t loop_add_reader(loop_t *loop, void *socket, int fd, loop_fn *fn, void *ctx,
    err_t *err);

/* Calls fn(ctx) when the file descriptor fd can be written to (a pipe to
 * a child, a socket libcurl waits on), or hung up or failed. A writer is a
 * reader in all else: loop_pause() and loop_del_reader() take its handle,
 * it is called in the same order. Delete it once nothing is left to
 * write, or it is called every turn. */
loop_handle_t loop_add_writer(loop_t *loop, int fd, loop_fn *fn, void *ctx, err_t *err);

/* Removes the reader: fn is not called again, not even later in the
 * current turn when its socket was found readable there. Readiness still
 * pending is left where it is, unread, in the socket or descriptor: added
 * again, the reader is called for it at the next turn. 0, or -1 when the
 * handle names no reader (already deleted, never added, or a timer). */
int loop_del_reader(loop_t *loop, loop_handle_t handle);

/* A paused reader is not polled: what waits in it stays there (for a
 * ZeroMQ socket, its queue fills and pushes back on the senders). An
 * unknown handle is ignored. */
void loop_pause(loop_t *loop, loop_handle_t handle, bool paused);

/* Calls fn(ctx) every period_ms, the first time period_ms from now. A
 * timer that falls behind runs once, not once per missed period. Returns
 * a handle for loop_del_timer(), or -1 with err. A timer added during a
 * turn is first considered in the next turn. */
loop_handle_t loop_add_timer(loop_t *loop, int64_t period_ms, loop_fn *fn, void *ctx,
    err_t *err);

/* Removes the timer: fn is not called again, not even later in the
 * current turn when it is due there. 0, or -1 when the handle names no
 * timer (already deleted, never added, or a reader). */
int loop_del_timer(loop_t *loop, loop_handle_t handle);

/* fn(ctx) runs before every wait (at most one hook). */
void loop_before_wait(loop_t *loop, loop_fn *fn, void *ctx);

/* One turn: the hook, a wait of at most max_ms (less when a timer is due
 * sooner), the ready readers, the due timers. 0, or -1 with err if the
 * poll failed (an interrupting signal is not a failure). */
int loop_run_once(loop_t *loop, int max_ms, err_t *err);

#endif
