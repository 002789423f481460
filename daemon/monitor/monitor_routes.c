/*
 * monitor_routes — what each path of the endpoint answers. A listing that
 * famlinkctl prints is one line here: its ctl_render.h function, given the
 * answer's body instead of stdout, in the same format --json asks for.
 */
#include <string.h>

#include "clock.h"
#include "ctl_health.h"
#include "ctl_render.h"
#include "ctl_report_fmt.h"
#include "ctl_status.h"
#include "ctl_status_adapters.h"
#include "monitor_int.h"

#define TEXT "text/plain; charset=utf-8"
#define JSON "application/json"
/* Prometheus's text exposition format. */
#define PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"

/* famlinkctl queue's default: the first 100 rows (--all lifts it). */
#define API_QUEUE_LIMIT 100

/* The dashboard: code only (its data comes from the routes below, with
 * the token when one is set), so it is served without one. */
static int
page(monitor_t *m, FILE *out, err_t *err)
{
	(void)m, (void)err;
	fputs(monitor_page_html, out);
	return 200;
}

/* famlinkctl status --check's verdict and problems, from the daemon's own
 * store: 200 while it works (healthy or degraded), 503 when failing. */
static int
healthz(monitor_t *m, FILE *out, err_t *err)
{
	ctl_status_t st;
	int level;

	if (ctl_status_read(job_config(m->job), job_store(m->job), &st, err) != 0)
		return 500;
	level = ctl_health(out, job_config(m->job), 0, &st, false);
	ctl_status_free(&st);
	return level == HEALTH_FAILING ? 503 : 200;
}

/* An adapter stuck past its stuck_after (ctl_adapters_json's stuckSince). */
static const char *
stuck_adapter(const json_t *adapters)
{
	size_t i;
	json_t *a;

	json_array_foreach(adapters, i, a)
		if (json_is_string(json_object_get(a, "stuckSince")))
			return json_string_value(json_object_get(a, "name"));
	return NULL;
}

/* The store takes writes, no adapter is stuck, and the node's socket is
 * bound (node_new() binds it before any job starts, so a running job
 * implies it). */
static int
readyz(monitor_t *m, FILE *out, err_t *err)
{
	store_state_t s = job_store_state(m->job);
	const char *stuck;
	json_t *adapters;

	(void)err;
	if (s != STORE_OK) {
		fprintf(out, "not ready: store %s\n", store_state_name(s));
		return 503;
	}
	if ((adapters = ctl_adapters_json(job_store(m->job), job_config(m->job))) == NULL)
		return 500;
	stuck = stuck_adapter(adapters);
	if (stuck != NULL)
		fprintf(out, "not ready: adapter %s stuck\n", stuck);
	json_decref(adapters);
	if (stuck != NULL)
		return 503;
	fputs("ready\n", out);
	return 200;
}

/* The last hour of the queue, for the dashboard's chart. */
static int
api_history(monitor_t *m, FILE *out, err_t *err)
{
	(void)err;
	monitor_history_json(out, &m->history);
	return 200;
}

/* famlinkctl status --json's document. */
static int
api_status(monitor_t *m, FILE *out, err_t *err)
{
	ctl_status_t st;

	if (ctl_status_read(job_config(m->job), job_store(m->job), &st, err) != 0)
		return 500;
	report_fprint_json(out, ctl_status_json(job_config(m->job), &st, clock_now_ms()));
	ctl_status_free(&st);
	return 200;
}

static int
api_queue(monitor_t *m, FILE *out, err_t *err)
{
	return render_queue(out, RENDER_JSON, job_store(m->job), API_QUEUE_LIMIT, clock_now_ms(),
	    err) == 0 ? 200 : 500;
}

static int
api_deadlines(monitor_t *m, FILE *out, err_t *err)
{
	return render_deadlines(out, RENDER_JSON, job_store(m->job), NULL, false, clock_now_ms(),
	    err) == 0 ? 200 : 500;
}

static int
api_referrals(monitor_t *m, FILE *out, err_t *err)
{
	return render_referrals(out, RENDER_JSON, job_store(m->job), NULL,
	    job_config(m->job)->node_id, clock_now_ms(), err) == 0 ? 200 : 500;
}

static const route_t routes[] = {
	{"/", page, NULL, "text/html; charset=utf-8", true},
	{"/healthz", healthz, NULL, TEXT, true},
	{"/readyz", readyz, NULL, TEXT, false},
	{"/metrics", monitor_metrics, NULL, PROMETHEUS, false},
	{"/api/status", api_status, NULL, JSON, false},
	{"/api/history", api_history, NULL, JSON, false},
	{"/api/queue", api_queue, NULL, JSON, false},
	{"/api/deadlines", api_deadlines, NULL, JSON, false},
	{"/api/referrals", api_referrals, NULL, JSON, false},
	{"/api/retry", NULL, monitor_retry, JSON, false},
};

const route_t *
monitor_route(const char *path)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, path) == 0)
			return &routes[i];
	return NULL;
}
