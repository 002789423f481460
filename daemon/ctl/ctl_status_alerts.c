/* ctl_status_alerts — see ctl_status_alerts.h. */
#include <stdio.h>

#include "ctl_report_fmt.h"
#include "ctl_status_alerts.h"
#include "log.h"
#include "store_alert.h"

#define ALERTS_SHOWN 1024

json_t *
ctl_alerts_json(store_t *store)
{
	static alert_row_t rows[ALERTS_SHOWN];
	json_t *a = json_array();
	err_t err;
	int n;

	if (store_schema_version(store) < STORE_SCHEMA_ALERTS)
		return a;
	if ((n = store_alert_list(store, rows, ALERTS_SHOWN, &err)) < 0) {
		fprintf(stderr, "famlinkctl: alerts: %s\n", err.msg);
		json_decref(a);
		return NULL;
	}
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I}", "kind", rows[i].kind,
		    "subject", rows[i].subject, "sinceMs", (json_int_t)rows[i].since,
		    "raisedAtMs", (json_int_t)rows[i].raised_at));
	return a;
}

void
ctl_alerts_print(FILE *out, const json_t *alerts)
{
	char t[32], id[4 * 65];
	size_t i;
	json_t *a;

	json_array_foreach(alerts, i, a)
		fprintf(out, "alert: %s %s since %s\n", json_string_value(json_object_get(a, "kind")),
		    log_escape(json_string_value(json_object_get(a, "subject")), id, sizeof(id)),
		    report_utc_time(json_integer_value(json_object_get(a, "sinceMs")), t, sizeof(t)));
}
