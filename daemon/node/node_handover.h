/*
 * node_handover — received messages handed to the jobs that deliver (the
 * adapters to local systems), in inbox order, each adapter at its own
 * pace: what an adapter confirms is recorded in one transaction, and once
 * every such adapter has taken a message its sender gets a HANDED_OVER
 * Receipt (after the commit; a sender that is offline is told when its
 * next session starts, and so, again, is one whose session ended before
 * this node noticed: that Receipt may have gone nowhere). A failure is
 * retried with capped backoff and jitter, never skipped; its last error
 * is stored for famlinkctl status. A message that waits longer than the
 * adapter's stuck_after raises one "adapter_stuck" notification and,
 * once it goes through, one "adapter_cleared" (remembered in the store
 * across restarts).
 */
#ifndef FAMLINK_NODE_HANDOVER_H
#define FAMLINK_NODE_HANDOVER_H

#include <stdbool.h>

#include "err.h"
#include "job.h"

struct node;

/* After jobs_start(): reads each delivering job's place in the store. */
int handover_start(struct node *node, err_t *err);
/* Frees what handover_start() made (after jobs_stop()). */
void handover_stop(struct node *node);
/* Before every wait: hands over what is due. */
void handover_pump(struct node *node);
/* Every tick: the stuck checks. */
void handover_tick(struct node *node);
/* job_delivered(): the answer to a JOB_PENDING. */
void handover_answered(struct node *node, job_run_t *run, size_t taken, const err_t *err);
/* Whether any job delivers (retention then waits for the hand-over). */
bool handover_configured(const struct node *node);

#endif
