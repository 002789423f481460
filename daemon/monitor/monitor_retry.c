/*
 * monitor_retry — POST /api/retry {"messageId": ID}: what famlinkctl retry
 * ID does (ctl_retry_one(): the same refusals, the same store actions, the
 * same audit rows, by "monitor endpoint" instead of a Unix user), in one
 * transaction on the daemon's own store connection; then the node resends
 * to that peer at once (job_redrive(), what famlinkctl's wake 'R' asks).
 * The request's checks (POST, origin, token, JSON) are monitor.c's.
 */
#include <jansson.h>
#include <stdio.h>

#include "clock.h"
#include "ctl_action.h"
#include "monitor_int.h"

typedef struct retry_call {
	monitor_t *m;
	const char *id;
	int rc;
	char said[600];
	char peer[65];
} retry_call_t;

static int
retry_round(void *ctx, err_t *err)
{
	retry_call_t *c = ctx;
	const config_t *cfg = job_config(c->m->job);
	action_t a = { .cfg = cfg, .verb = "retry", .store = job_store(c->m->job),
	    .now = clock_now_ms() };

	snprintf(a.user, sizeof(a.user), "monitor endpoint%s",
	    cfg->monitor_token[0] != '\0' ? " (token holder)" : "");
	c->rc = ctl_retry_one(&a, c->id, c->said, sizeof(c->said), c->peer);
	return c->rc < 0 ? err_set(err, 0, "retry of %s failed", c->id) : 0;
}

static int
reply(FILE *out, int status, const char *key, const char *text, const char *id)
{
	json_t *j = json_pack("{s:s?, s:s}", "messageId", id, key, text);

	json_dumpf(j, out, JSON_COMPACT);
	fputc('\n', out);
	json_decref(j);
	return status;
}

int
monitor_retry(monitor_t *m, const char *body, size_t len, FILE *out)
{
	retry_call_t c = { .m = m, .rc = -1 };
	json_t *req = json_loadb(body, len, 0, NULL);
	int status;

	if (!json_is_string(json_object_get(req, "messageId"))) {
		json_decref(req);
		return reply(out, 400, "error", "expected {\"messageId\": ID}", NULL);
	}
	c.id = json_string_value(json_object_get(req, "messageId"));
	if (job_store_rounds(m->job, retry_round, &c) != 0 || c.rc < 0)
		status = reply(out, 500, "error", "the store failed (see famlinkd's log)", c.id);
	else if (c.rc == RETRY_UNKNOWN)
		status = reply(out, 404, "error", c.said, c.id);
	else if (c.rc == RETRY_REFUSED)
		status = reply(out, 409, "error", c.said, c.id);
	else {
		job_redrive(m->job, c.peer);
		status = reply(out, 200, "done", c.said, c.id);
	}
	json_decref(req);
	return status;
}
