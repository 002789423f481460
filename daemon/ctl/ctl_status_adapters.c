/* ctl_status_adapters — see ctl_status_adapters.h. */
#include <stdio.h>

#include "ctl_report_fmt.h"
#include "ctl_status_adapters.h"
#include "log.h"
#include "store_handover.h"

static json_t *
adapter_json(const adapter_conf_t *a, const handover_state_t *h, long waiting)
{
	return json_pack("{s:s, s:s, s:I, s:i, s:i, s:o, s:o, s:o}", "name", a->name,
	    "type", a->type != NULL ? a->type->name : "", "handedOverUpTo",
	    (json_int_t)h->done_up_to, "waiting", (int)waiting, "failures", (int)h->attempts,
	    "failingSince", report_json_time(h->failing_since),
	    "lastError", h->attempts > 0 ? json_string(h->last_error) : json_null(),
	    "stuckSince", report_json_time(h->stuck_since));
}

json_t *
ctl_adapters_json(store_t *store, const config_t *cfg)
{
	json_t *list = json_array();
	handover_state_t h;
	long waiting;
	err_t err;
	int rc;

	for (size_t i = 0; i < cfg->nadapters; i++) {
		if ((rc = store_handover_report(store, cfg->adapters[i].name, &h, &waiting, &err)) < 0) {
			fprintf(stderr, "famlinkctl: %s\n", err.msg);
			json_decref(list);
			return NULL;
		}
		if (rc > 0)
			json_array_append_new(list, adapter_json(&cfg->adapters[i], &h, waiting));
	}
	return list;
}

void
ctl_adapters_print(FILE *out, const json_t *adapters)
{
	size_t i;
	json_t *a;
	char e[4 * 256];

	json_array_foreach(adapters, i, a) {
		fprintf(out, "adapter %s (%s): %lld received message(s) waiting", json_string_value(
		    json_object_get(a, "name")), json_string_value(json_object_get(a, "type")),
		    json_integer_value(json_object_get(a, "waiting")));
		if (json_integer_value(json_object_get(a, "failures")) > 0)
			fprintf(out, "; failing since %s, %lld attempt(s): %s",
			    json_string_value(json_object_get(a, "failingSince")),
			    json_integer_value(json_object_get(a, "failures")),
			    log_escape(json_string_value(json_object_get(a, "lastError")), e, sizeof(e)));
		if (json_is_string(json_object_get(a, "stuckSince")))
			fprintf(out, "; stuck (notified %s)", json_string_value(json_object_get(a, "stuckSince")));
		fprintf(out, "\n");
	}
}
