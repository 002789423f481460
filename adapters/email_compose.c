/* email_compose — see email_compose.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "email_compose.h"
#include "email_mime.h"

/* The placeholders' values for one row: its own strings, and numbers and
 * the date written into v's buffers. */
typedef struct values {
	const char *v[EMAIL_FIELDS];
	char id[24], deadline[24], due[11], count[24];
} values_t;

static void
fill_values(const email_compose_t *c, const notify_row_t *r, size_t count, values_t *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%lld", (long long)r->id);
	snprintf(out->count, sizeof(out->count), "%zu", count);
	if (r->deadline_id != 0)
		snprintf(out->deadline, sizeof(out->deadline), "%lld", (long long)r->deadline_id);
	if (r->due_at != 0)
		calendar_format_date(calendar_due_day(r->due_at), out->due);
	out->v[EMAIL_F_NOTIFICATION_ID] = out->id;
	out->v[EMAIL_F_EVENT] = r->event;
	out->v[EMAIL_F_KIND] = r->kind;
	out->v[EMAIL_F_KIND_TEXT] = r->kind[0] ? email_kind_text(c->lang, r->kind) : "";
	out->v[EMAIL_F_REFERRAL_ID] = r->referral_id;
	out->v[EMAIL_F_PROPOSAL_ID] = r->proposal_id;
	out->v[EMAIL_F_MESSAGE_ID] = r->message_id;
	out->v[EMAIL_F_DEADLINE_ID] = out->deadline;
	out->v[EMAIL_F_OWNER] = r->owner;
	out->v[EMAIL_F_ACTOR] = r->actor;
	out->v[EMAIL_F_DUE] = out->due;
	out->v[EMAIL_F_NODE] = c->node_id;
	out->v[EMAIL_F_ADAPTER] = r->adapter;
	out->v[EMAIL_F_COUNT] = out->count;
}

/* Renders template id for row r (count: of the mail): its subject and
 * body, each the caller's to free. A row's own template when id is
 * EMAIL_T_COUNT. */
static int
render(const email_compose_t *c, int id, const notify_row_t *r, size_t count, char **subject,
    char **body, err_t *err)
{
	values_t v;

	fill_values(c, r, count, &v);
	if (id == EMAIL_T_COUNT && (id = email_template_of_event(r->event)) < 0)
		return err_set(err, EINVAL, "notification %lld: event %.24s has no template",
		    (long long)r->id, r->event);
	if (email_template_render(c->templates, (email_template_id_t)id, v.v, subject, body, err)
	    != 0) {
		err_prefix(err, "notification %lld", (long long)r->id);
		return -1;
	}
	return 0;
}

/* The body onto f, the subject kept in *subject (NULL: dropped). */
static int
render_onto(const email_compose_t *c, int id, const notify_row_t *r, size_t count, FILE *f,
    char **subject, err_t *err)
{
	char *s, *body;

	if (render(c, id, r, count, &s, &body, err) != 0)
		return -1;
	fputs(body, f);
	free(body);
	if (subject != NULL)
		*subject = s;
	else
		free(s);
	return 0;
}

/* A digest: its own opening, then each notification with its subject as
 * its heading. */
static int
digest_onto(const email_compose_t *c, const notify_row_t *rows, size_t n, FILE *f,
    char **subject, err_t *err)
{
	char *s, *body;

	if (render_onto(c, EMAIL_T_DIGEST, &rows[0], n, f, subject, err) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (render(c, EMAIL_T_COUNT, &rows[i], n, &s, &body, err) != 0)
			return -1;
		fprintf(f, "\n%zu. %s\n\n%s", i + 1, s, body);
		free(s);
		free(body);
	}
	return 0;
}

char *
email_compose(const email_compose_t *c, const notify_row_t *rows, size_t n, int64_t now,
    size_t *len, char msgid[256], err_t *err)
{
	char *body = NULL, *subject = NULL, *mail = NULL;
	size_t blen;
	FILE *f = open_memstream(&body, &blen);
	int rc;

	if (f == NULL)
		return err_set(err, ENOMEM, "out of memory"), NULL;
	rc = n == 1 ? render_onto(c, EMAIL_T_COUNT, &rows[0], 1, f, &subject, err)
	    : digest_onto(c, rows, n, f, &subject, err);
	if (rc == 0) {
		fputs("\n", f);
		rc = render_onto(c, EMAIL_T_FOOTER, &rows[0], n, f, NULL, err);
	}
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(err, ENOMEM, "out of memory");
	if (rc == 0) {
		email_mime_t m = { c->from, subject, msgid, now, body };
		email_mime_message_id(rows[0].id, n, c->node_id, c->from, msgid, 256);
		mail = email_mime_message(&m, len, err);
	}
	free(subject);
	free(body);
	return mail;
}
