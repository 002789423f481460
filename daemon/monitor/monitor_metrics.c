/*
 * monitor_metrics — /metrics in Prometheus's text format (0.0.4), named by
 * its rules: the famlink_ prefix, base units (seconds, bytes), _total on
 * counters. The message counters come from the node's memory (metrics.h);
 * the gauges are read from the store when scraped, a few aggregate queries
 * whatever the traffic (store_report.h, store_view.h). Labels carry ids,
 * body types and codes, never content.
 */
#include <ctype.h>
#include <protobuf-c/protobuf-c.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "ctl_status.h"
#include "famlink.pb-c.h"
#include "metrics.h"
#include "monitor_int.h"
#include "store_report.h"
#include "store_view.h"

/* A label value as the format wants it: \, " and newline escaped. */
static void
put_label(FILE *out, const char *name, const char *v)
{
	fprintf(out, "%s=\"", name);
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', out);
		if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
	fputc('"', out);
}

static void
family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* "invalid" for RECEIPT_CODE_INVALID; the number for one this build does
 * not know. */
static const char *
code_name(int code, char buf[48])
{
	const ProtobufCEnumValue *v =
	    protobuf_c_enum_descriptor_get_value(&famlink__v1__receipt_code__descriptor, code);
	const char *name = v != NULL ? v->name : NULL;
	size_t i = 0;

	if (name == NULL || strncmp(name, "RECEIPT_CODE_", 13) != 0) {
		snprintf(buf, 48, "%d", code);
		return buf;
	}
	for (name += 13; *name != '\0' && i < 47; name++)
		buf[i++] = (char)tolower((unsigned char)*name);
	buf[i] = '\0';
	return buf;
}

typedef struct counter_pass {
	FILE *out;
	metric_kind_t kind;
	const char *name;
} counter_pass_t;

static void
counter_line(void *ctx, metric_kind_t kind, const char *peer, const char *body, int code,
    uint64_t n)
{
	counter_pass_t *p = ctx;
	char reason[48];

	if (kind != p->kind)
		return;
	fprintf(p->out, "%s{", p->name);
	put_label(p->out, "peer", peer);
	fputc(',', p->out);
	put_label(p->out, "body", body);
	if (kind == METRIC_REJECTED) {
		fputc(',', p->out);
		put_label(p->out, "reason", code_name(code, reason));
	}
	fprintf(p->out, "} %llu\n", (unsigned long long)n);
}

static void
counters(monitor_t *m, FILE *out)
{
	static const struct { metric_kind_t kind; const char *name, *help; } fams[] = {
		{METRIC_SENT, "famlink_messages_sent_total",
		    "Messages sent to a peer since famlinkd started, resends included."},
		{METRIC_RECEIVED, "famlink_messages_received_total",
		    "Messages from a peer accepted into the inbox since famlinkd started."},
		{METRIC_REJECTED, "famlink_messages_rejected_total",
		    "Messages from a peer answered REJECTED since famlinkd started, by reason."},
	};

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		counter_pass_t p = { out, fams[i].kind, fams[i].name };
		family(out, fams[i].name, "counter", fams[i].help);
		metrics_each(job_metrics(m->job), counter_line, &p);
	}
}

#define DELIVERY "famlink_message_delivery_seconds"
#define HANDOVER "famlink_handover_seconds"

/* One histogram family being written: its name and its one label. */
typedef struct histogram_out {
	FILE *out;
	const char *name, *label;
} histogram_out_t;

static void
histogram_lines(void *ctx, const char *peer, const uint64_t in_bucket[METRICS_BUCKETS],
    uint64_t count, double seconds)
{
	const histogram_out_t *h = ctx;
	FILE *out = h->out;
	uint64_t upto = 0;
	char le[32];

	for (int b = 0; b <= METRICS_BUCKETS; b++) {
		if (b < METRICS_BUCKETS) {
			upto += in_bucket[b];
			snprintf(le, sizeof(le), "%g", metrics_bucket_bounds[b]);
		} else {
			upto = count;
			snprintf(le, sizeof(le), "+Inf");
		}
		fprintf(out, "%s_bucket{", h->name);
		put_label(out, h->label, peer);
		fputc(',', out);
		put_label(out, "le", le);
		fprintf(out, "} %llu\n", (unsigned long long)upto);
	}
	fprintf(out, "%s_sum{", h->name);
	put_label(out, h->label, peer);
	fprintf(out, "} %.17g\n%s_count{", seconds, h->name);
	put_label(out, h->label, peer);
	fprintf(out, "} %llu\n", (unsigned long long)count);
}

static void
delivery(monitor_t *m, FILE *out)
{
	histogram_out_t d = { out, DELIVERY, "peer" }, h = { out, HANDOVER, "adapter" };

	family(out, DELIVERY, "histogram",
	    "Time from a message being queued to its peer's Receipt, since famlinkd started.");
	metrics_each_delivery(job_metrics(m->job), histogram_lines, &d);
	family(out, HANDOVER, "histogram",
	    "Time from a message being received to an adapter handing it over, since famlinkd"
	    " started.");
	metrics_each_handover(job_metrics(m->job), histogram_lines, &h);
}

/* One gauge line per peer: value(row) in the unit the name says. */
static void
peer_gauge(FILE *out, const char *name, const peer_report_t *rows, size_t n,
    double (*value)(const peer_report_t *r, int64_t now), int64_t now)
{
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s{", name);
		put_label(out, "peer", rows[i].node_id);
		fprintf(out, "} %.17g\n", value(&rows[i], now));
	}
}

static double waiting(const peer_report_t *r, int64_t now) { (void)now; return (double)r->waiting; }
static double unacked(const peer_report_t *r, int64_t now) { (void)now; return (double)r->unacked; }
static double dead(const peer_report_t *r, int64_t now) { (void)now; return (double)r->dead; }

static double
oldest_unacked(const peer_report_t *r, int64_t now)
{
	return r->oldest_unacked != 0 && now > r->oldest_unacked ?
	    (double)(now - r->oldest_unacked) / 1000.0 : 0.0;
}

/* The peers the config names (a municipality: its hub), also those with
 * no row in the store yet. */
static int
peers(monitor_t *m, FILE *out, err_t *err)
{
	const config_t *cfg = job_config(m->job);
	const char **ids = calloc(cfg->npeers + 1, sizeof(*ids));
	peer_report_t *rows = NULL;
	size_t nids = 0, n = 0;
	int64_t now = clock_now_ms();
	int rc;

	if (ids == NULL)
		return err_set(err, 0, "out of memory");
	for (size_t i = 0; cfg->role == ROLE_HUB && i < cfg->npeers; i++)
		ids[nids++] = cfg->peers[i].node_id;
	if (cfg->role != ROLE_HUB)
		ids[nids++] = cfg->hub_id;
	if ((rc = store_report_peers_with(job_store(m->job), ids, nids, &rows, &n, err)) == 0) {
		family(out, "famlink_queue_waiting_messages", "gauge",
		    "Messages queued for a peer and not yet sent in its live session.");
		peer_gauge(out, "famlink_queue_waiting_messages", rows, n, waiting, now);
		family(out, "famlink_queue_unacknowledged_messages", "gauge",
		    "Messages sent to a peer that no Receipt has answered yet.");
		peer_gauge(out, "famlink_queue_unacknowledged_messages", rows, n, unacked, now);
		family(out, "famlink_queue_oldest_unacknowledged_age_seconds", "gauge",
		    "Age of the oldest message sent to a peer and not yet answered (0: none).");
		peer_gauge(out, "famlink_queue_oldest_unacknowledged_age_seconds", rows, n,
		    oldest_unacked, now);
		family(out, "famlink_dead_letters", "gauge",
		    "Messages to a peer set aside as dead letters.");
		peer_gauge(out, "famlink_dead_letters", rows, n, dead, now);
	}
	free(rows);
	free(ids);
	return rc;
}

typedef struct kind_counts {
	FILE *out;
	bool overdue;
} kind_counts_t;

static void
deadline_line(void *ctx, const char *kind, long open, long overdue)
{
	kind_counts_t *k = ctx;

	fprintf(k->out, "famlink_deadlines_%s{", k->overdue ? "overdue" : "open");
	put_label(k->out, "kind", kind);
	fprintf(k->out, "} %ld\n", k->overdue ? overdue : open);
}

static int
deadlines(monitor_t *m, FILE *out, err_t *err)
{
	kind_counts_t k = { out, false };
	int64_t now = clock_now_ms();

	family(out, "famlink_deadlines_open", "gauge", "Open deadlines of the routine, by kind.");
	if (store_view_deadline_counts(job_store(m->job), now, deadline_line, &k, err) != 0)
		return -1;
	k.overdue = true;
	family(out, "famlink_deadlines_overdue", "gauge",
	    "Open deadlines whose due time has passed, by kind.");
	return store_view_deadline_counts(job_store(m->job), now, deadline_line, &k, err);
}

/* The database and its WAL on disk; and whether the store takes writes. */
static void
store_gauges(monitor_t *m, FILE *out)
{
	static const char *const files[] = { STORE_FILE, STORE_FILE "-wal" };
	const config_t *cfg = job_config(m->job);
	char path[sizeof(cfg->state_dir) + 32];
	long long bytes = 0;
	struct stat st;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, files[i]);
		if (stat(path, &st) == 0)
			bytes += (long long)st.st_size;
	}
	family(out, "famlink_store_size_bytes", "gauge",
	    "Size of the store's database and its write-ahead log.");
	fprintf(out, "famlink_store_size_bytes %lld\n", bytes);
	family(out, "famlink_store_writable", "gauge",
	    "1 while the store takes writes, 0 while it fails (full, read-only, locked).");
	fprintf(out, "famlink_store_writable %d\n", job_store_state(m->job) == STORE_OK);
}

/* Each peer's live state as famlinkctl status shows it (ctl_links.h). */
static void
connected(FILE *out, const ctl_status_t *st)
{
	int64_t since;

	family(out, "famlink_peer_connected", "gauge",
	    "1 while the peer is connected, 0 in any other state (famlinkctl status).");
	for (size_t i = 0; i < st->npeers; i++) {
		fputs("famlink_peer_connected{", out);
		put_label(out, "peer", st->peers[i].node_id);
		fprintf(out, "} %d\n",
		    ctl_link_state(&st->links, &st->peers[i], &since) == PEER_CONNECTED);
	}
}

/* The adapters that take received messages: failures in a row, and what
 * waits for them (ctl_adapters_json's fields). */
static void
adapters(FILE *out, const json_t *list)
{
	static const struct { const char *name, *field, *help; } fams[] = {
		{"famlink_adapter_failures", "failures",
		    "Failed hand-overs in a row of an adapter (0: it works)."},
		{"famlink_adapter_waiting_messages", "waiting",
		    "Received messages waiting for an adapter to take them."},
	};
	size_t i;
	json_t *a;

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family(out, fams[f].name, "gauge", fams[f].help);
		json_array_foreach(list, i, a) {
			fprintf(out, "%s{", fams[f].name);
			put_label(out, "adapter", json_string_value(json_object_get(a, "name")));
			fprintf(out, "} %lld\n", (long long)json_integer_value(json_object_get(a,
			    fams[f].field)));
		}
	}
}

/* The alerts raised now (store_alert.h), each 1; a cleared one is gone. */
static void
alerts(FILE *out, const json_t *list)
{
	size_t i;
	json_t *a;

	family(out, "famlink_alert", "gauge",
	    "1 for each alert raised now, by kind and subject (a cleared one is not listed).");
	json_array_foreach(list, i, a) {
		fputs("famlink_alert{", out);
		put_label(out, "kind", json_string_value(json_object_get(a, "kind")));
		fputc(',', out);
		put_label(out, "subject", json_string_value(json_object_get(a, "subject")));
		fputs("} 1\n", out);
	}
	family(out, "famlink_alerts_raised", "gauge", "How many alerts are raised now.");
	fprintf(out, "famlink_alerts_raised %zu\n", json_array_size(list));
}

/* What famlinkctl status reads beside the queues: the links, the adapters,
 * the alerts. */
static int
status_gauges(monitor_t *m, FILE *out, err_t *err)
{
	ctl_status_t st;

	if (ctl_status_read(job_config(m->job), job_store(m->job), &st, err) != 0)
		return -1;
	connected(out, &st);
	adapters(out, st.adapters);
	alerts(out, st.alerts);
	ctl_status_free(&st);
	return 0;
}

int
monitor_metrics(monitor_t *m, FILE *out, err_t *err)
{
	counters(m, out);
	delivery(m, out);
	if (peers(m, out, err) != 0 || deadlines(m, out, err) != 0 ||
	    status_gauges(m, out, err) != 0)
		return 500;
	store_gauges(m, out);
	return 200;
}
