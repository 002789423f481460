/*
 * email_compose — from notifications to the mail that carries them: the
 * values of each (ids, kinds, the last day: store_notify.h's row, nothing
 * else) put into its event's template, several for one recipient made one
 * digest mail, the footer after, then the MIME form (email_mime.h). Pure:
 * no logging, no store, no network.
 */
#ifndef FAMLINK_EMAIL_COMPOSE_H
#define FAMLINK_EMAIL_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "email_template.h"
#include "err.h"
#include "lang.h"
#include "store_notify.h"

typedef struct email_compose {
	const email_templates_t *templates;
	report_lang_t lang;
	const char *node_id;         /* this node, {node} */
	const char *from;            /* the From address (and the Message-ID's domain) */
} email_compose_t;

/* The mail for rows[0..n) (n >= 1; more than one: a digest, all for one
 * recipient), dated now (Unix ms): the whole message, a malloc()ed string
 * the caller frees, its length in *len, its Message-ID (without angle
 * brackets) in msgid. NULL with err: a row whose event has no template, a
 * value with a control character, a header refused. The recipient's
 * address is not in it (email_mime.h). */
char *email_compose(const email_compose_t *c, const notify_row_t *rows, size_t n,
    int64_t now, size_t *len, char msgid[256], err_t *err);

#endif
