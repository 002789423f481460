/*
 * ctl_render — the listings written whole (ctl_render.h): a view's rows
 * through the format's row renderer, then the JSON array or the line that
 * says there was nothing.
 */
#include "ctl_render.h"
#include "ctl_report_fmt.h"
#include "routine_table.h"

/* A listing being written: where, how, as of when, and what so far. */
typedef struct render {
	FILE *out;
	render_format_t format;
	int64_t now;
	json_t *rows;   /* RENDER_JSON */
	size_t n;
} render_t;

static render_t
render_start(FILE *out, render_format_t format, int64_t now, void (*header)(FILE *))
{
	render_t r = { .out = out, .format = format, .now = now };

	if (format == RENDER_JSON)
		r.rows = json_array();
	else
		header(out);
	return r;
}

/* Ends the listing as the view ended (rc): the array, or none when there
 * were no rows; releases what it held. */
static int
render_end(render_t *r, int rc, const char *none)
{
	if (r->format == RENDER_JSON && rc == 0)
		report_fprint_json(r->out, r->rows);
	else
		json_decref(r->rows);
	if (r->format == RENDER_TEXT && rc == 0 && r->n == 0)
		fprintf(r->out, "%s\n", none);
	return rc;
}

static void
referral_row(void *ctx, const referral_view_t *row)
{
	render_t *r = ctx;

	r->n++;
	if (r->format == RENDER_JSON)
		json_array_append_new(r->rows, render_json_referral(row, r->now));
	else
		render_text_referral_row(r->out, row, r->now);
}

int
render_referrals(FILE *out, render_format_t format, store_t *store, const char *state,
    const char *self, int64_t now, err_t *err)
{
	render_t r = render_start(out, format, now, render_text_referral_header);

	return render_end(&r, store_view_referrals(store, state, self, referral_row, &r, err),
	    state != NULL ? "(no referrals in that state)" : "(no referrals)");
}

static void
deadline_row(void *ctx, const deadline_view_t *row)
{
	render_t *r = ctx;

	r->n++;
	if (r->format == RENDER_JSON)
		json_array_append_new(r->rows, render_json_deadline(row, r->now));
	else
		render_text_deadline_row(r->out, row, r->now);
}

int
render_deadlines(FILE *out, render_format_t format, store_t *store,
    const char *municipality, bool overdue, int64_t now, err_t *err)
{
	render_t r = render_start(out, format, now, render_text_deadline_header);

	return render_end(&r, store_view_deadlines(store, municipality, overdue ? now : 0,
	    deadline_row, &r, err), overdue ? "(no deadline overdue)" : "(no open deadline)");
}

static void
queue_row(void *ctx, const queue_report_t *row)
{
	render_t *r = ctx;

	r->n++;
	if (r->format == RENDER_JSON)
		json_array_append_new(r->rows, render_json_queue_entry(row, r->now));
	else
		render_text_queue_row(r->out, row, r->now);
}

int
render_queue(FILE *out, render_format_t format, store_t *store, int limit, int64_t now,
    err_t *err)
{
	render_t r = render_start(out, format, now, render_text_queue_header);

	return render_end(&r, store_report_queue(store, limit, queue_row, &r, err),
	    "(nothing waiting)");
}

/* A family whose contact details the municipality still holds. */
static bool
held(const family_view_t *f)
{
	int ps = proposal_state_from_name(f->state);

	return ps >= 0 && proposal_state_holds_family((proposal_state_t)ps);
}

typedef struct family_render {
	render_t r;
	bool held_only;
} family_render_t;

static void
family_row(void *ctx, const family_view_t *row)
{
	family_render_t *f = ctx;
	bool h = held(row);

	if (f->held_only && !h)
		return;
	f->r.n++;
	if (f->r.format == RENDER_JSON)
		json_array_append_new(f->r.rows, render_json_family(row, h));
	else
		render_text_family_row(f->r.out, row, h);
}

int
render_families(FILE *out, render_format_t format, store_t *store, bool held_only,
    err_t *err)
{
	family_render_t f = { render_start(out, format, 0, render_text_family_header), held_only };

	return render_end(&f.r, store_view_families(store, family_row, &f, err),
	    held_only ? "(no family held)" : "(no family passed on)");
}

static void
notification_row(void *ctx, const notification_view_t *row)
{
	render_t *r = ctx;

	r->n++;
	if (r->format == RENDER_JSON)
		json_array_append_new(r->rows, render_json_notification(row));
	else
		render_text_notification_row(r->out, row);
}

int
render_notifications(FILE *out, render_format_t format, store_t *store,
    const char *municipality, int limit, err_t *err)
{
	render_t r = render_start(out, format, 0, render_text_notification_header);

	return render_end(&r, store_view_notifications(store, municipality, limit,
	    notification_row, &r, err), "(no notification)");
}
