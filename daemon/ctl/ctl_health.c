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

	if (h->read_only_fs)
		problem(v, HEALTH_FAILING, "store read-only: the state directory's filesystem"
		    " refuses writes (look at the mount)");
	if (h->state == STORE_UNKNOWN) {
		problem(v, HEALTH_FAILING, "famlinkd is not running (its state file is missing)");
	} else if (h->state != STORE_OK && !h->read_only_fs) {
		snprintf(what, sizeof(what), "store %s (%lu failed attempts)",
		    store_state_name(h->state), h->failures);
		problem(v, HEALTH_FAILING, what);
	}
}

/* Only while famlinkd runs: when it does not, no state is known and that
 * is said once, above. */
static void
peer_problems(verdict_t *v, const ctl_links_t *links, const peer_report_t *p, size_t n)
{
	char what[200], id[4 * 65], t[32];
	int64_t since;
	peer_state_t state;

	for (size_t i = 0; i < n; i++) {
		if (p[i].skips > 0) {   /* until famlinkctl ack-alarm */
			snprintf(what, sizeof(what), "peer %s: %ld sequence skip(s): messages lost or"
			    " set aside, see famlinkctl ack-alarm", log_escape(p[i].node_id, id,
			    sizeof(id)), p[i].skips);
			problem(v, HEALTH_DEGRADED, what);
		}
		if (!p[i].configured || (state = ctl_link_state(links, &p[i], &since)) == PEER_CONNECTED)
			continue;
		snprintf(what, sizeof(what), "peer %s: %s since %s",
		    log_escape(p[i].node_id, id, sizeof(id)), peer_state_name(state),
		    report_utc_time(since, t, sizeof(t)));
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

/* Each raised alert (store_alert.h) is also a problem. */
static void
alert_problems(verdict_t *v, const json_t *alerts)
{
	char what[200], id[4 * 65], t[32];
	size_t i;
	json_t *a;

	json_array_foreach(alerts, i, a) {
		snprintf(what, sizeof(what), "alert %s: %s since %s",
		    json_string_value(json_object_get(a, "kind")),
		    log_escape(json_string_value(json_object_get(a, "subject")), id, sizeof(id)),
		    report_utc_time(json_integer_value(json_object_get(a, "sinceMs")), t, sizeof(t)));
		problem(v, HEALTH_DEGRADED, what);
	}
}

int
ctl_health(FILE *out, const config_t *cfg, size_t config_problems, const ctl_status_t *sv,
    bool json)
{
	const store_health_report_t *h = &sv->health;
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
		peer_problems(&v, &sv->links, sv->peers, sv->npeers);
	if (sv->dead > 0) {
		snprintf(what, sizeof(what), "%ld dead letter(s): see famlinkctl queue, retry,"
		    " ack-alarm", sv->dead);
		problem(&v, HEALTH_DEGRADED, what);
	}
	adapter_problems(&v, sv->adapters);
	alert_problems(&v, sv->alerts);
	if (json) {
		report_fprint_json(out, json_pack("{s:s, s:s, s:o}", "nodeId", cfg->node_id, "verdict",
		    v.level == HEALTH_OK ? "ok" : v.level == HEALTH_DEGRADED ? "degraded" : "failing",
		    "problems", v.problems));
		return v.level;
	}
	fprintf(out, "%s: %s, %zu problem(s)\n", words[v.level], cfg->node_id,
	    json_array_size(v.problems));
	json_array_foreach(v.problems, i, p)
		fprintf(out, "%s: %s\n", json_string_value(json_object_get(p, "level")),
		    json_string_value(json_object_get(p, "what")));
	json_decref(v.problems);
	return v.level;
}
