/*
 * ctl_render — the operator's listings (the queue, referrals, families
 * passed on, open deadlines, notifications) written whole to any FILE*: famlinkctl's stdout, or the body of
 * an answer of famlinkd's monitoring endpoint, byte for byte the same.
 * Rows come from the store's views (store_view.h, store_report.h); one
 * renderer per format makes them a table (ctl_render_text.c) or a JSON
 * array (ctl_render_json.c). Ids, states, kinds, times and counts only.
 */
#ifndef FAMLINK_CTL_RENDER_H
#define FAMLINK_CTL_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "store.h"
#include "store_report.h"
#include "store_view.h"

typedef enum render_format {
	RENDER_TEXT,   /* a table with a header line, or a line that says there is nothing */
	RENDER_JSON,   /* a JSON array, indented, keys in order */
} render_format_t;

/* Each writes the whole listing to out as of now: 0, or -1 with err (out
 * may then hold the start of a table, never half a JSON document). */

/* The referrals (in state only, if not NULL); self is this node's id. */
int render_referrals(FILE *out, render_format_t format, store_t *store, const char *state,
    const char *self, int64_t now, err_t *err);
/* The open deadlines (of municipality only, if not NULL; only those due by
 * now, if overdue). */
int render_deadlines(FILE *out, render_format_t format, store_t *store,
    const char *municipality, bool overdue, int64_t now, err_t *err);
/* Undelivered messages, then dead letters: at most limit (0 = all). */
int render_queue(FILE *out, render_format_t format, store_t *store, int limit, int64_t now,
    err_t *err);

/* The families passed on (those still held only, if held_only). */
int render_families(FILE *out, render_format_t format, store_t *store, bool held_only,
    err_t *err);
/* The latest limit notifications (0: all; of municipality only, if not
 * NULL), oldest first. */
int render_notifications(FILE *out, render_format_t format, store_t *store,
    const char *municipality, int limit, err_t *err);

/* ---- the two formats, a row at a time (for ctl_render.c) ------------------ */

void render_text_referral_header(FILE *out);
void render_text_referral_row(FILE *out, const referral_view_t *r, int64_t now);
void render_text_deadline_header(FILE *out);
void render_text_deadline_row(FILE *out, const deadline_view_t *d, int64_t now);
void render_text_queue_header(FILE *out);
void render_text_queue_row(FILE *out, const queue_report_t *q, int64_t now);
void render_text_family_header(FILE *out);
void render_text_family_row(FILE *out, const family_view_t *f, bool held);
void render_text_notification_header(FILE *out);
void render_text_notification_row(FILE *out, const notification_view_t *n);

json_t *render_json_referral(const referral_view_t *r, int64_t now);
json_t *render_json_deadline(const deadline_view_t *d, int64_t now);
json_t *render_json_queue_entry(const queue_report_t *q, int64_t now);
json_t *render_json_family(const family_view_t *f, bool held);
json_t *render_json_notification(const notification_view_t *n);

/* "escalated", "overdue", "reminded" or "open": what a deadline has come
 * to as of now, in both formats. */
const char *render_deadline_state(const deadline_view_t *d, int64_t now);

#endif
