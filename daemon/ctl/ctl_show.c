/*
 * ctl_show — `famlinkctl inbox` and `famlinkctl show`: the messages in the
 * store read by a person. inbox lists what arrived (metadata only); show
 * prints one message of the inbox or the outbox with its body in protobuf's
 * JSON mapping (codec_json), after an audit row that names the Unix user
 * who asked. The rows come from store_message.c; this file only renders.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "envelope_json.h"
#include "ctl.h"
#include "ctl_action.h"
#include "ctl_listing.h"
#include "ctl_report_fmt.h"
#include "envelope.h"
#include "log.h"
#include "store_audit.h"
#include "store_action.h"
#include "store_message.h"

/* Whose referrals the node keeps: a municipality's own; at the hub each
 * message's peer (NULL), as store_message.h takes it. */
static const char *
referral_owner(const config_t *cfg)
{
	return cfg->role == ROLE_HUB ? NULL : cfg->node_id;
}

/* ---- inbox -------------------------------------------------------------------- */

static json_t *
inbox_json(const message_row_t *r)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
	    "messageId", report_json_str(r->message_id), "bodyType", report_json_str(r->body_type),
	    "sender", report_json_str(r->peer), "referralId", report_json_str(r->referral_id),
	    "createdAt", report_json_time(r->created_at),
	    "receivedAt", report_json_time(r->received_at));
}

static void
inbox_row(void *ctx, const message_row_t *r)
{
	listing_t *l = ctx;
	char e[4][4 * 65], c[REPORT_TIME_LEN], rv[REPORT_TIME_LEN];

	l->n++;
	if (l->o->json) {
		json_array_append_new(l->rows, inbox_json(r));
		return;
	}
	/* Ids came from outside once: one line each, whatever they hold. */
	printf("%-26s %-18s %-20s %-20s %-16s %s\n", log_escape(r->message_id, e[0], sizeof(e[0])),
	    log_escape(r->body_type, e[1], sizeof(e[1])), log_escape(r->peer, e[2], sizeof(e[2])),
	    r->referral_id[0] ? log_escape(r->referral_id, e[3], sizeof(e[3])) : "-",
	    report_local_time(r->created_at, c), report_local_time(r->received_at, rv));
}

int
ctl_inbox(const config_t *cfg, const ctl_opts_t *o)
{
	listing_t l = { .o = o, .rows = json_array(), .now = clock_now_ms() };
	store_t *store = listing_open_store(cfg);
	int rc;

	if (store == NULL)
		return listing_finish(&l, &store, -1, "");
	if (!o->json)
		printf("%-26s %-18s %-20s %-20s %-16s %s\n", "MESSAGE", "BODY", "SENDER",
		    "REFERRAL", "CREATED", "RECEIVED");
	rc = store_inbox_list(store, referral_owner(cfg), o->referral, o->since_ms, inbox_row,
	    &l, &l.err);
	return listing_finish(&l, &store, rc, o->referral || o->since ?
	    "(no message received that matches)" : "(no message received)");
}

/* ---- show: what is shown -------------------------------------------------------- */

/* Why a body is or is not shown. */
typedef enum show_content {
	CONTENT_SHOWN,
	CONTENT_NOT_ASKED,   /* at the hub without --content */
	CONTENT_PURGED,      /* retention emptied the envelope */
} show_content_t;

static const char *const content_names[] = { "shown", "not_asked", "purged" };

/* The audit row that must exist before a body is shown, in a transaction of
 * its own on a writable connection: 0, or -1 with the reason printed. */
static int
audit_view(const config_t *cfg, const message_row_t *r)
{
	char user[300], detail[400];
	store_t *store = ctl_open_store(cfg, false);
	err_t err;
	int rc = -1;

	if (store == NULL)
		goto out;
	ctl_unix_user(user, sizeof(user));
	snprintf(detail, sizeof(detail), "famlinkctl show: body shown to Unix user %s", user);
	if (store_begin(store, &err) != 0)
		goto fail;
	if (store_audit(store, clock_now_ms(), AUDIT_VIEW, r->message_id, r->peer, r->body_type,
	    0, detail, &err) != 0 || store_commit(store, &err) != 0) {
		store_rollback(store);
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "famlinkctl show: %s\n", err.msg);
out:
	if (rc != 0)
		fprintf(stderr, "famlinkctl show: the audit row could not be written; the body of"
		    " %s is not shown\n", r->message_id);
	store_close(&store);
	return rc;
}

/* ---- show: rendering ---------------------------------------------------------- */

/* How far the message went beyond famlink: a received one to this node's
 * adapters, a sent one to the recipient's (its HANDED_OVER Receipt). */
static const char *
hand_over(const message_row_t *r)
{
	if (r->handed_over_at != 0)
		return r->received ? "handed over" : "handed over at the recipient";
	if (!r->received)
		return "not reported by the recipient";
	return r->adapters > 0 ? "waiting for the adapter" : "not handed over: no adapter";
}

/* What is shown of a message beyond its row: its body as famlinkctl send
 * takes it, and what in it this version did not understand. */
typedef struct shown {
	json_t *body;      /* NULL unless shown */
	json_t *unknown;   /* codec_unknown_fields(): [] when none; NULL unless shown */
	/* What famlinkctl's actions left on a sent message (store_action.h):
	 * held, and the message it was sent again as, or in place of. */
	action_row_t links;
} shown_t;

static json_t *
show_json(const config_t *cfg, const message_row_t *r, show_content_t c, const shown_t *sh)
{
	json_t *j = json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "messageId", report_json_str(r->message_id),
	    "direction", r->received ? "received" : "sent",
	    "bodyType", report_json_str(r->body_type),
	    "sender", report_json_str(r->received ? r->peer : cfg->node_id),
	    "recipient", report_json_str(r->received ? cfg->node_id : r->peer),
	    "referralId", report_json_str(r->referral_id),
	    "referralState", report_json_str(r->referral_state),
	    "sequence", json_sprintf("%llu", (unsigned long long)r->sequence),
	    "createdAt", report_json_time(r->created_at));

	if (r->received) {
		json_object_set_new(j, "receivedAt", report_json_time(r->received_at));
	} else {
		json_object_set_new(j, "state", report_json_str(r->state));
		json_object_set_new(j, "deliveredAt", report_json_time(r->delivered_at));
		json_object_set_new(j, "held", json_boolean(sh->links.held_at != 0));
		json_object_set_new(j, "resendOf", report_json_str(sh->links.resend_of));
		json_object_set_new(j, "resentAs", report_json_str(sh->links.resent_as));
		json_object_set_new(j, "deadLetter", r->dead_at == 0 ? json_null() :
		    json_pack("{s:o, s:i, s:o}", "at", report_json_time(r->dead_at),
		    "code", r->dead_code, "reason", report_json_str(r->dead_reason)));
	}
	json_object_set_new(j, "handOver", json_string(hand_over(r)));
	json_object_set_new(j, "handedOverAt", report_json_time(r->handed_over_at));
	json_object_set_new(j, "content", json_string(content_names[c]));
	json_object_set_new(j, "body", sh->body != NULL ? json_incref(sh->body) : json_null());
	json_object_set_new(j, "unknownFields", sh->unknown != NULL ? json_incref(sh->unknown)
	    : json_null());
	return j;
}

static void
show_line(const char *label, const char *value)
{
	char e[4 * 512];

	printf("%-13s %s\n", label, log_escape(value, e, sizeof(e)));
}

static void
show_time(const char *label, int64_t ms)
{
	char t[REPORT_TIME_LEN], iso[REPORT_TIME_LEN], v[2 * REPORT_TIME_LEN + 8];

	snprintf(v, sizeof(v), "%s (%s)", report_local_time(ms, t), report_iso_time(ms, iso));
	show_line(label, ms != 0 ? v : "-");
}

/* "handed over 7 dec 2026 10:00 (ISO)", or why it is not. */
static void
show_hand_over(const message_row_t *r)
{
	char t[REPORT_TIME_LEN], iso[REPORT_TIME_LEN], v[3 * REPORT_TIME_LEN + 64];

	if (r->handed_over_at == 0) {
		show_line("hand-over", hand_over(r));
		return;
	}
	snprintf(v, sizeof(v), "%s %s (%s)", hand_over(r), report_local_time(r->handed_over_at, t),
	    report_iso_time(r->handed_over_at, iso));
	show_line("hand-over", v);
}

/* Fields a newer peer sent that this version does not know: said, with
 * their bytes, never dropped in silence. */
static void
show_unknown(const json_t *unknown)
{
	size_t i;
	json_t *u;

	if (json_array_size(unknown) == 0)
		return;
	printf("\nnot understood: %zu field(s) this version does not know (sent by a newer"
	    " peer):\n", json_array_size(unknown));
	json_array_foreach(unknown, i, u) {
		const char *path = json_string_value(json_object_get(u, "path"));
		printf("  %s field %lld (wire type %lld): %s\n", path && *path ? path : "envelope",
		    (long long)json_integer_value(json_object_get(u, "field")),
		    (long long)json_integer_value(json_object_get(u, "wireType")),
		    json_string_value(json_object_get(u, "bytes")));
	}
}

static void
show_text(const config_t *cfg, const message_row_t *r, show_content_t c, const shown_t *sh)
{
	char v[700];

	show_line("message", r->message_id);
	show_line("direction", r->received ? "received" : "sent");
	show_line("body", r->body_type);
	show_line("sender", r->received ? r->peer : cfg->node_id);
	show_line("recipient", r->received ? cfg->node_id : r->peer);
	snprintf(v, sizeof(v), "%s (%s)", r->referral_id[0] ? r->referral_id : "-",
	    r->referral_state[0] ? r->referral_state : "not known here");
	show_line("referral", v);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)r->sequence);
	show_line("sequence", v);
	show_time("created", r->created_at);
	if (r->received) {
		show_time("received", r->received_at);
	} else {
		show_line("state", sh->links.held_at != 0 ? "held (famlinkctl release sends it)"
		    : r->state);
		if (sh->links.resend_of[0] != '\0')
			show_line("resend of", sh->links.resend_of);
		if (sh->links.resent_as[0] != '\0')
			show_line("resent as", sh->links.resent_as);
		if (r->delivered_at != 0)
			show_time("delivered", r->delivered_at);
		if (r->dead_at != 0) {
			show_time("dead", r->dead_at);
			snprintf(v, sizeof(v), "code %d: %s", r->dead_code, r->dead_reason);
			show_line("dead reason", v);
		}
	}
	show_hand_over(r);
	if (c == CONTENT_PURGED)
		printf("\n(no body: emptied by retention once the referral was closed; the"
		    " metadata is kept)\n");
	else if (c == CONTENT_NOT_ASKED)
		printf("\n(body not shown: at the hub it is shown only on request; run"
		    " famlinkctl show --content %s, which is recorded in the audit with your"
		    " user name)\n", r->message_id);
	else {
		char *text = json_dumps(sh->body, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("\n%s\n", text != NULL ? text : "{}");
		free(text);
		show_unknown(sh->unknown);
	}
}

/* ---- show ------------------------------------------------------------------------ */

/* The body of r as JSON, and the fields it holds that this version does
 * not know, into *sh (a purged one: NULLs): 0, or -1 with the reason
 * printed. */
static int
decode_body(const message_row_t *r, shown_t *sh)
{
	err_t err = {0};

	sh->body = sh->unknown = NULL;
	if (r->len == 0)
		return 0;
	if ((sh->body = envelope_json(r->envelope, r->len, ENVELOPE_JSON_BODY, &sh->unknown,
	    &err)) == NULL) {
		if (err.msg[0] == '\0')
			snprintf(err.msg, sizeof(err.msg), "out of memory");
		fprintf(stderr, "famlinkctl show: %s: the stored message does not read (%s)\n",
		    r->message_id, err.msg);
		return -1;
	}
	return 0;
}

/* Reads message_id into *r (and, for a sent one, what the actions left on it
 * into *links): CTL_OK, or the exit status with the reason printed. */
static int
show_read(const config_t *cfg, const char *message_id, message_row_t *r, action_row_t *links)
{
	store_t *store = listing_open_store(cfg);
	char e[4 * 65];
	err_t err;
	int found;

	if (store == NULL)
		return CTL_ERROR;
	found = store_message_get(store, referral_owner(cfg), message_id, r, &err);
	memset(links, 0, sizeof(*links));
	if (found == 1 && !r->received && store_schema_version(store) >= STORE_SCHEMA_ACTIONS &&
	    store_action_get(store, message_id, links, &err) < 0)
		found = -1;
	store_close(&store);
	if (found < 0)
		fprintf(stderr, "famlinkctl show: %s\n", err.msg);
	else if (found == 0)
		fprintf(stderr, "famlinkctl show: no message %s in this node's store\n",
		    log_escape(message_id, e, sizeof(e)));
	return found == 1 ? CTL_OK : CTL_ERROR;
}

int
ctl_show(const config_t *cfg, const ctl_opts_t *o, const char *message_id)
{
	bool wanted = cfg->role != ROLE_HUB || o->content;
	message_row_t r = {0};
	show_content_t c;
	shown_t sh = {0};
	int rc;

	/* Writing the audit row needs the store whole, as famlinkctl send does. */
	if (wanted && (rc = ctl_check_store(cfg, true, false)) != CTL_OK)
		return rc;
	if ((rc = show_read(cfg, message_id, &r, &sh.links)) != CTL_OK)
		goto out;
	c = r.len == 0 ? CONTENT_PURGED : wanted ? CONTENT_SHOWN : CONTENT_NOT_ASKED;
	rc = CTL_ERROR;
	if (c == CONTENT_SHOWN && (decode_body(&r, &sh) != 0 || audit_view(cfg, &r) != 0))
		goto out;
	if (o->json)
		report_print_json(show_json(cfg, &r, c, &sh));
	else
		show_text(cfg, &r, c, &sh);
	rc = CTL_OK;
out:
	json_decref(sh.body);
	json_decref(sh.unknown);
	store_message_release(&r);
	return rc;
}
