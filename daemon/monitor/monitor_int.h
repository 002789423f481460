/*
 * monitor_int — what the endpoint's files share: the running endpoint
 * (monitor.c), its routes (monitor_routes.c) and the Prometheus text of
 * /metrics (monitor_metrics.c). Not for other modules.
 */
#ifndef FAMLINK_MONITOR_INT_H
#define FAMLINK_MONITOR_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "job.h"
#include "loop.h"
#include "monitor_history.h"
#include "monitor_listen.h"

struct MHD_Daemon;

typedef struct monitor {
	job_run_t *job;
	monitor_listen_t where;
	int listen_fd;
	struct MHD_Daemon *httpd;
	loop_handle_t reader, timer;   /* -1: none */
	loop_handle_t sampler;         /* the history's 10 s timer, -1: none */
	monitor_history_t history;     /* the dashboard's last hour */
} monitor_t;

/* A route writes its body to out and returns the HTTP status; a failure
 * (500) leaves err's words, which the endpoint sends instead. */
typedef int route_fn(monitor_t *m, FILE *out, err_t *err);
/* An action's route (POST): the request's body (JSON, len bytes, not
 * NUL-terminated) in, the answer's body out; the HTTP status. */
typedef int post_fn(monitor_t *m, const char *body, size_t len, FILE *out);

typedef struct route {
	const char *path;
	route_fn *fn;          /* GET and HEAD, or NULL */
	post_fn *post;         /* POST (an action), or NULL */
	const char *content_type;
	bool open;   /* answered without the token (/healthz) */
} route_t;

/* The route for path, or NULL. */
const route_t *monitor_route(const char *path);

/* The dashboard page, self-contained (daemon/monitor/dashboard.html, built
 * into build/gen/monitor_page.c). */
extern const char monitor_page_html[];

/* /metrics: the counts, the queue per peer, the deadlines by kind, the
 * store, in Prometheus's text format (0.0.4). 200, or 500 with err. */
int monitor_metrics(monitor_t *m, FILE *out, err_t *err);

/* POST /api/retry {"messageId": ID}: famlinkctl retry ID, done by the
 * daemon (monitor_retry.c). */
int monitor_retry(monitor_t *m, const char *body, size_t len, FILE *out);

/* Whether origin (a request's Origin header) is this endpoint's own: the
 * address it listens on, or localhost at its port when that is loopback
 * (monitor_origin.c). A unix socket has none. */
bool monitor_own_origin(const monitor_t *m, const char *origin);

#endif
