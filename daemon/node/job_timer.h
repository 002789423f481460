/*
 * job_timer — for the jobs that are one periodic timer on the node's loop
 * (the deadline and retention jobs): start it with its handle as the
 * job's state, stop it by that handle.
 */
#ifndef FAMLINK_JOB_TIMER_H
#define FAMLINK_JOB_TIMER_H

#include <stdint.h>

#include "err.h"
#include "job.h"
#include "loop.h"

/* Adds fn(self->node) every period_ms to the node's loop; self->state
 * holds the handle (free it with job_timer_stop()). 0, or -1 with err. */
int job_timer_start(job_run_t *self, int64_t period_ms, loop_fn *fn, err_t *err);
/* Removes the timer self->state names and frees it (NULL after). */
void job_timer_stop(job_run_t *self);

#endif
