/*
 * ctl_audit — `famlinkctl audit`: the audit trail read by a person (ids,
 * types, codes and times as stored, never content), filtered by referral or
 * message; and `famlinkctl audit verify`, which recomputes the rows' hash
 * chain (store_audit.h) and names the first row that does not match. The
 * rows come from store_audit.c; this file only renders.
 */
#include <jansson.h>
#include <stdio.h>

#include "ctl.h"
#include "ctl_progress.h"
#include "ctl_listing.h"
#include "ctl_report_fmt.h"
#include "log.h"
#include "store_audit.h"

/* The schema whose audit rows carry a hash (store.c migration 10). */
#define AUDIT_CHAIN_SCHEMA 10

static json_t *
audit_json(const audit_row_t *r)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:o}", "row", (json_int_t)r->id,
	    "at", report_json_time(r->at), "event", report_json_str(r->event),
	    "messageId", report_json_str(r->message_id), "peer", report_json_str(r->peer),
	    "bodyType", report_json_str(r->body_type), "code", (json_int_t)r->code,
	    "detail", report_json_str(r->detail));
}

static void
audit_row(void *ctx, const audit_row_t *r)
{
	listing_t *l = ctx;
	char e[4][4 * 128], d[4 * sizeof(r->detail)], t[REPORT_TIME_LEN];

	l->n++;
	if (l->o->json) {
		json_array_append_new(l->rows, audit_json(r));
		return;
	}
	/* Ids and detail came from outside once: one line each, escaped. */
	printf("%-6lld %-16s %-10s %-26s %-20s %-18s %-4lld %s\n", (long long)r->id,
	    report_local_time(r->at, t), log_escape(r->event, e[0], sizeof(e[0])),
	    r->message_id[0] ? log_escape(r->message_id, e[1], sizeof(e[1])) : "-",
	    r->peer[0] ? log_escape(r->peer, e[2], sizeof(e[2])) : "-",
	    r->body_type[0] ? log_escape(r->body_type, e[3], sizeof(e[3])) : "-",
	    (long long)r->code, r->detail[0] ? log_escape(r->detail, d, sizeof(d)) : "-");
}

static int
audit_list(const config_t *cfg, const ctl_opts_t *o)
{
	listing_t l = { .o = o, .rows = json_array() };
	store_t *store = ctl_open_store(cfg, true);
	int rc;

	if (store == NULL)
		return listing_finish(&l, &store, -1, "");
	if (!o->json)
		printf("%-6s %-16s %-10s %-26s %-20s %-18s %-4s %s\n", "ROW", "TIME", "EVENT",
		    "MESSAGE", "PEER", "BODY", "CODE", "DETAIL");
	rc = store_audit_list(store, o->referral, o->message, audit_row, &l, &l.err);
	return listing_finish(&l, &store, rc, o->referral || o->message ?
	    "(no audit row matches)" : "(no audit row)");
}

static void
show_progress(void *arg, long at_id, long last_id)
{
	ctl_progress_show(arg, at_id, last_id);
}

static int
audit_verify(const config_t *cfg)
{
	store_t *store = ctl_open_store(cfg, true);
	ctl_progress_t progress;
	audit_verify_t v;
	err_t err = {0};
	int schema, rc = CTL_ERROR;

	if (store == NULL)
		return CTL_ERROR;
	if ((schema = store_schema_version(store)) < AUDIT_CHAIN_SCHEMA) {
		fprintf(stderr, "famlinkctl audit verify: the store has no hash chain yet (schema"
		    " %d, need %d): start famlinkd once to update it\n", schema, AUDIT_CHAIN_SCHEMA);
		goto out;
	}
	ctl_progress_start(&progress, "audit verify", "rows");
	rc = store_audit_verify(store, &v, show_progress, &progress, &err);
	ctl_progress_end(&progress);
	if (rc != 0) {
		rc = CTL_ERROR;
		fprintf(stderr, "famlinkctl audit verify: %s\n", err.msg);
		goto out;
	}
	rc = CTL_ERROR;
	if (v.broken_id != 0) {
		printf("audit row %lld: hash does not match: the row or one before it was changed\n",
		    (long long)v.broken_id);
		goto out;
	}
	if (v.first_id == 0)
		printf("audit chain intact: no hashed rows yet");
	else {
		printf("audit chain intact: %lld rows from row %lld; last row %lld, hash ",
		    (long long)v.rows, (long long)v.first_id, (long long)v.last_id);
		for (size_t i = 0; i < sizeof(v.last_hash); i++)
			printf("%02x", v.last_hash[i]);
	}
	if (v.unhashed > 0)
		printf(" (%lld earlier rows from before the chain are not covered)",
		    (long long)v.unhashed);
	printf("\n");
	rc = CTL_OK;
out:
	store_close(&store);
	return rc;
}

int
ctl_audit(const config_t *cfg, const ctl_opts_t *o, const char *what)
{
	if (what == NULL)
		return audit_list(cfg, o);
	if (o->referral != NULL || o->message != NULL || o->json) {
		fprintf(stderr, "famlinkctl audit verify: takes no options\n");
		return CTL_USAGE;
	}
	return audit_verify(cfg);
}
