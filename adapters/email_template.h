/*
 * email_template — the texts of the email adapter's mails: one template
 * per event in a language (templates/LANG/EVENT.txt, shipped built in),
 * checked when they are loaded and filled with a notification's ids when
 * a mail is made. Nothing else reaches a mail: a template can only name
 * the placeholders below, every one an id, a code, a date or a count, so
 * no personal data can be put in by a template. Pure: no logging, no
 * store.
 *
 * A template file is UTF-8 text: its first line "Subject: ...", then an
 * empty line, then the body (footer.txt has no subject: it is the body's
 * end). "{name}" is a placeholder, "{{" a literal "{". An unknown name is
 * refused when the templates load (at --check-config and at start), and a
 * name that sounds like a person's data (a name, an address, a phone
 * number, free text) is refused as such: the data is not there to insert.
 */
#ifndef FAMLINK_EMAIL_TEMPLATE_H
#define FAMLINK_EMAIL_TEMPLATE_H

#include <stddef.h>

#include "err.h"
#include "lang.h"

/* The templates of a set, by the event of the notifications they serve
 * (store_notify.h), then the two a mail is built around. */
typedef enum {
	EMAIL_T_REMINDER, EMAIL_T_OVERDUE, EMAIL_T_ESCALATION, EMAIL_T_MESSAGE,
	EMAIL_T_DEAD_LETTER, EMAIL_T_ADAPTER_STUCK, EMAIL_T_ADAPTER_CLEARED,
	EMAIL_T_PEER_SILENT, EMAIL_T_PEER_SILENT_CLEARED, EMAIL_T_UNDELIVERED,
	EMAIL_T_UNDELIVERED_CLEARED, EMAIL_T_DISK_LOW, EMAIL_T_DISK_LOW_CLEARED,
	EMAIL_T_DIGEST,      /* a mail that carries several: its subject and opening */
	EMAIL_T_FOOTER,      /* the end of every mail; no subject */
	EMAIL_T_COUNT
} email_template_id_t;

/* The placeholders, "{notification_id}" and so on (email_field_name()). */
typedef enum {
	EMAIL_F_NOTIFICATION_ID, EMAIL_F_EVENT, EMAIL_F_KIND, EMAIL_F_KIND_TEXT,
	EMAIL_F_REFERRAL_ID, EMAIL_F_PROPOSAL_ID, EMAIL_F_MESSAGE_ID, EMAIL_F_DEADLINE_ID,
	EMAIL_F_OWNER, EMAIL_F_ACTOR, EMAIL_F_DUE, EMAIL_F_NODE, EMAIL_F_ADAPTER,
	EMAIL_F_COUNT,
	EMAIL_FIELDS
} email_field_t;

/* A built-in template (generated from templates/ into email_templates.c);
 * the table ends with { NULL, NULL, NULL }. */
typedef struct email_builtin {
	const char *lang, *event, *text;
} email_builtin_t;
extern const email_builtin_t email_builtin[];

typedef struct email_templates email_templates_t;

/* lang's templates: each from folder/LANG/EVENT.txt when folder is not
 * NULL and holds that file, else the built-in one. NULL with err, whose
 * message names the file and line ("sv/reminder.txt:3: {child_alias}:
 * ..."). Free with email_templates_free(). */
email_templates_t *email_templates_load(const char *folder, report_lang_t lang, err_t *err);
void email_templates_free(email_templates_t **t);

/* The template for a notification's event, or -1 for an event unknown. */
int email_template_of_event(const char *event);

/* "notification_id" for EMAIL_F_NOTIFICATION_ID; static. */
const char *email_field_name(email_field_t f);

/* Fills template id with values[EMAIL_FIELDS] (NULL or "" shows as "-"):
 * its subject (NULL for the footer) and body, each a malloc()ed string
 * the caller frees. A value with a control character (a CR or LF among
 * them) is refused, never put in: -1 with err naming the placeholder. */
int email_template_render(const email_templates_t *t, email_template_id_t id,
    const char *const values[EMAIL_FIELDS], char **subject, char **body, err_t *err);

/* A kind (a deadline's, or a message's body type) in words, in lang:
 * "första kontakt med familjen"; the kind itself if it has none. Static. */
const char *email_kind_text(report_lang_t lang, const char *kind);

#endif
