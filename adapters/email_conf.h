/*
 * email_conf — the email adapter's section, [adapter NAME] with type =
 * email: its keys (each checked by config with FILE:LINE), the check of the
 * section as a whole (a role the node needs without an address, a
 * template refused, keys that go together), and the settings as the
 * running adapter reads them. README.md ("The email adapter") documents
 * every key.
 */
#ifndef FAMLINK_EMAIL_CONF_H
#define FAMLINK_EMAIL_CONF_H

#include "config.h"
#include "lang.h"

/* The roles a notification is for (store_notify.h), by their names. */
typedef enum {
	EMAIL_ROLE_SECRETARY, EMAIL_ROLE_POOL_CONTACT, EMAIL_ROLE_ESCALATION,
	EMAIL_ROLE_POOL_ESCALATION, EMAIL_ROLE_OPERATOR,
	EMAIL_ROLES
} email_role_t;

/* smtp:// only: STARTTLS required (the default), tried, or not. */
typedef enum { EMAIL_TLS_REQUIRED, EMAIL_TLS_OPTIONAL, EMAIL_TLS_NO } email_tls_t;

typedef struct email_conf {
	/* borrowed from the section (the job's own copy); NULL when not set */
	const char *url, *from, *username, *password_file, *ca_file, *templates;
	const char *address[EMAIL_ROLES];
	email_tls_t starttls;
	report_lang_t lang;
	unsigned digest_ms;          /* 0: every notification a mail of its own */
	unsigned timeout_ms;         /* one SMTP transaction */
	unsigned retry_initial_ms, retry_max_ms;
} email_conf_t;

extern const backend_key_t email_keys[];

/* config's check of a whole [adapter NAME] of type email (config.h). */
void email_check(const adapter_conf_t *a, const config_t *cfg, backend_problems_t *p);

/* The settings of a section config has checked. */
void email_conf_read(const adapter_conf_t *a, email_conf_t *c);

/* The role a notification names, or -1. */
int email_role_of(const char *name);

#endif
