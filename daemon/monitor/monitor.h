/*
 * monitor — famlinkd's own HTTP endpoint for operators and their tools
 * ([monitor] listen; off when not set): /healthz and /readyz for probes,
 * /metrics for Prometheus, /api/queue, /api/deadlines and /api/referrals
 * with the JSON documents `famlinkctl … --json` prints, POST /api/retry
 * (famlinkctl retry ID, done by the daemon), and / a dashboard page built
 * on them. It is a job (job.h) on the daemon's one loop:
 * libmicrohttpd's epoll descriptor is a reader there, its time-outs a
 * timer, and every answer is written in the loop's thread from the node's
 * own store connection, between batches. With a token (required when bound
 * beyond this host), every route but / and /healthz asks for it
 * (Authorization: Bearer); the page holds no data, only the code that asks.
 */
#ifndef FAMLINK_MONITOR_H
#define FAMLINK_MONITOR_H

#include "job.h"

extern const job_ops_t monitor_job;

#endif
