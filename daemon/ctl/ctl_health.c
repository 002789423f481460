/* ctl_health — see ctl_health.h. */
#include <stdio.h>

#include "ctl_health.h"
#include "ctl_report_fmt.h"
#include "ctl_status_disk.h"
#include "log.h"

typedef struct verdict {
	int level;
	json_t *problems;            /* [{"level": "degraded", "what": "…"}] */
} verdict_t;

static void
problem(verdict_t *v, int level, const char *what)
{
	if (level > v->level)
		v->level = level;
	json_array_append_new(v->problems, json_pack("{s:s, s:s}", "level",
	    level == HEALTH_FAILING ? "failing" : "degraded", "what", what));
}

static void
store_problems(verdict_t *v, const store_health_report_t *h)
{
	char what[160];

	if (h->state == STORE_UNKNOWN) {
		problem(v, HEALTH_FAILING, "famlinkd is not running (its state file is missing)");
	} else if (h->state != STORE_OK) {
		snprintf(what, sizeof(what), "store %s (%lu failed attempts)",
		    store_state_name(h->state), h->failures);
		problem(v, HEALTH_FAILING, what);
	}
}

/* Only while famlinkd runs: when it does not, nothing is connected and
 * that is said once, above. */
static void
peer_problems(verdict_t *v, const peer_report_t *p, size_t n)
{
	char what[200], id[4 * 65];

	for (size_t i = 0; i < n; i++) {
		if (!p[i].configured || p[i].connected)
			continue;
		snprintf(what, sizeof(what), "peer %s: %s", log_escape(p[i].node_id, id, sizeof(id)),
		    p[i].refused_since != 0 ? "refused by hub" : p[i].last_seen == 0 ?
		    "never connected" : "disconnected");
		problem(v, HEALTH_DEGRADED, what);
	}
}

static void
adapter_problems(verdict_t *v, const json_t *adapters)
{
	char what[400], e[4 * 256];
	size_t i;
	json_t *a;

	json_array_foreach(adapters, i, a) {
		const char *name = json_string_value(json_object_get(a, "name"));
		if (json_is_string(json_object_get(a, "stuckSince"))) {
			snprintf(what, sizeof(what), "adapter %s: stuck since %s", name,
			    json_string_value(json_object_get(a, "stuckSince")));
			problem(v, HEALTH_FAILING, what);
		} else if (json_integer_value(json_object_get(a, "failures")) > 0) {
			snprintf(what, sizeof(what), "adapter %s: failing, %lld attempt(s): %s", name,
			    json_integer_value(json_object_get(a, "failures")), log_escape(
			    json_string_value(json_object_get(a, "lastError")), e, sizeof(e)));
			problem(v, HEALTH_DEGRADED, what);
		}
	}
}

int
ctl_health(const config_t *cfg, size_t config_problems, const store_health_report_t *h,
    const peer_report_t *peers, size_t n, long dead, const json_t *adapters, bool json)
{
	static const char *const words[] = { "OK", "DEGRADED", "FAILING" };
	verdict_t v = { .level = HEALTH_OK, .problems = json_array() };
	char what[80], disk[4400];
	size_t i;
	json_t *p;

	if (config_problems > 0) {
		snprintf(what, sizeof(what), "config: %zu problem(s), see famlinkd --check-config",
		    config_problems);
		problem(&v, HEALTH_DEGRADED, what);
	}
	store_problems(&v, h);
	if (ctl_disk_problem(cfg, disk, sizeof(disk)) != 0)
		problem(&v, HEALTH_DEGRADED, disk);
	if (h->state != STORE_UNKNOWN)
		peer_problems(&v, peers, n);
	if (dead > 0) {
		snprintf(what, sizeof(what), "%ld dead letter(s): see famlinkctl queue", dead);
		problem(&v, HEALTH_DEGRADED, what);
	}
	adapter_problems(&v, adapters);
	if (json) {
		report_print_json(json_pack("{s:s, s:s, s:o}", "nodeId", cfg->node_id, "verdict",
		    v.level == HEALTH_OK ? "ok" : v.level == HEALTH_DEGRADED ? "degraded" : "failing",
		    "problems", v.problems));
		return v.level;
	}
	printf("%s: %s, %zu problem(s)\n", words[v.level], cfg->node_id,
	    json_array_size(v.problems));
	json_array_foreach(v.problems, i, p)
		printf("%s: %s\n", json_string_value(json_object_get(p, "level")),
		    json_string_value(json_object_get(p, "what")));
	json_decref(v.problems);
	return v.level;
}
