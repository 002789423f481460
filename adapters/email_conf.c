/* email_conf — see email_conf.h. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "confval.h"
#include "email_conf.h"
#include "email_template.h"

#define TIMEOUT_MS (60 * 1000)
#define RETRY_INITIAL_MS (10 * 1000)
#define RETRY_MAX_MS (30 * 60 * 1000)

/* By email_role_t: the role names, which are also the keys of their
 * addresses. */
static const char *const roles[EMAIL_ROLES] = {
	"secretary", "pool_contact", "escalation", "pool_escalation", "operator",
};

const backend_key_t email_keys[] = {
	{"url", BACKEND_SMTP_URL, true},
	{"from", BACKEND_EMAIL, true},
	{"username", BACKEND_TEXT, false},
	{"password_file", BACKEND_PATH, false},
	{"starttls", BACKEND_TEXT, false},
	{"ca_file", BACKEND_PATH, false},
	{"templates", BACKEND_PATH, false},
	{"language", BACKEND_TEXT, false},
	{"digest", BACKEND_DURATION, false},
	{"timeout", BACKEND_DURATION, false},
	{"retry_initial", BACKEND_DURATION, false},
	{"retry_max", BACKEND_DURATION, false},
	{"secretary", BACKEND_EMAIL, false},
	{"pool_contact", BACKEND_EMAIL, false},
	{"escalation", BACKEND_EMAIL, false},
	{"pool_escalation", BACKEND_EMAIL, false},
	{"operator", BACKEND_EMAIL, false},
	{NULL, 0, false},
};

int
email_role_of(const char *name)
{
	for (int i = 0; i < EMAIL_ROLES; i++)
		if (strcmp(roles[i], name) == 0)
			return i;
	return -1;
}

static int
tls_of(const char *v)
{
	static const char *const names[] = { "required", "optional", "no" };

	for (int i = 0; i < 3; i++)
		if (v != NULL && strcmp(v, names[i]) == 0)
			return i;
	return v == NULL ? EMAIL_TLS_REQUIRED : -1;
}

static unsigned
duration(const adapter_conf_t *a, const char *key, unsigned dflt)
{
	const char *v = adapter_conf_value(a, key);
	unsigned ms;

	return v != NULL && confval_duration_ms(v, &ms) == 0 ? ms : dflt;
}

void
email_conf_read(const adapter_conf_t *a, email_conf_t *c)
{
	const char *lang = adapter_conf_value(a, "language");
	int tls = tls_of(adapter_conf_value(a, "starttls"));

	memset(c, 0, sizeof(*c));
	c->url = adapter_conf_value(a, "url");
	c->from = adapter_conf_value(a, "from");
	c->username = adapter_conf_value(a, "username");
	c->password_file = adapter_conf_value(a, "password_file");
	c->ca_file = adapter_conf_value(a, "ca_file");
	c->templates = adapter_conf_value(a, "templates");
	for (int i = 0; i < EMAIL_ROLES; i++)
		c->address[i] = adapter_conf_value(a, roles[i]);
	c->starttls = tls < 0 ? EMAIL_TLS_REQUIRED : (email_tls_t)tls;
	c->lang = lang != NULL && report_lang_from_name(lang) >= 0
	    ? (report_lang_t)report_lang_from_name(lang) : REPORT_SV;
	c->digest_ms = duration(a, "digest", 0);
	c->timeout_ms = duration(a, "timeout", TIMEOUT_MS);
	c->retry_initial_ms = duration(a, "retry_initial", RETRY_INITIAL_MS);
	c->retry_max_ms = duration(a, "retry_max", RETRY_MAX_MS);
}

/* ---- the section as a whole --------------------------------------------- */

/* Whether the hub mails the pool's contact person at the configured
 * address: for a municipality whose [peer] has no contact_email. */
static bool
hub_needs_pool_contact(const config_t *cfg)
{
	if (cfg->npeers == 0)
		return true;
	for (size_t i = 0; i < cfg->npeers; i++)
		if (cfg->peers[i].contact_email[0] == '\0')
			return true;
	return false;
}

/* Who hears of what, by the node's role (deadline_fire.c, routine.c,
 * store_notify.c): a role it needs must have an address, one of the
 * other side is a mistake. */
static void
check_roles(const adapter_conf_t *a, const config_t *cfg, backend_problems_t *p)
{
	static const char *const why[EMAIL_ROLES] = {
		"the secretary of a referral whose Referral gives no email hears of its messages"
		    " and deadlines there",
		"the pool's contact for a municipality whose [peer] has no contact_email hears of"
		    " its messages and deadlines there",
		"a municipality's deadlines escalate there",
		"the pool's deadlines escalate there",
		"dead letters and stuck adapters are told there",
	};
	bool hub = cfg->role == ROLE_HUB;
	bool needs[EMAIL_ROLES] = {
		!hub, hub && hub_needs_pool_contact(cfg), !hub, hub, true,
	};
	bool used[EMAIL_ROLES] = { !hub, hub, !hub, hub, true };

	for (int i = 0; i < EMAIL_ROLES; i++) {
		bool set = adapter_conf_value(a, roles[i]) != NULL;
		if (needs[i] && !set)
			backend_problem(p, a->line, "[adapter %s]: %s = ADDRESS is needed (%s)",
			    a->name, roles[i], why[i]);
		if (!used[i] && set)
			backend_problem(p, adapter_conf_line(a, roles[i]), "%s: no notification goes"
			    " to it at a %s", roles[i], hub ? "hub" : "municipality");
	}
}

/* The templates load as the adapter will load them at start. */
static void
check_templates(const adapter_conf_t *a, backend_problems_t *p)
{
	const char *lang = adapter_conf_value(a, "language");
	int l = lang != NULL ? report_lang_from_name(lang) : REPORT_SV;
	email_templates_t *t;
	err_t err;

	if (l < 0) {
		backend_problem(p, adapter_conf_line(a, "language"), "language = %.20s: expected"
		    " " REPORT_LANGS, lang);
		return;
	}
	if ((t = email_templates_load(adapter_conf_value(a, "templates"), (report_lang_t)l, &err))
	    == NULL)
		backend_problem(p, adapter_conf_line(a, "templates"), "templates: %s", err.msg);
	email_templates_free(&t);
}

static void
check_pairs(const adapter_conf_t *a, backend_problems_t *p)
{
	const char *user = adapter_conf_value(a, "username");
	const char *pass = adapter_conf_value(a, "password_file");
	const char *url = adapter_conf_value(a, "url");

	if (tls_of(adapter_conf_value(a, "starttls")) < 0)
		backend_problem(p, adapter_conf_line(a, "starttls"), "starttls = %.20s: expected"
		    " required, optional or no", adapter_conf_value(a, "starttls"));
	if (user != NULL && pass == NULL)
		backend_problem(p, adapter_conf_line(a, "username"), "username without"
		    " password_file: set both, or neither");
	if (pass != NULL && user == NULL)
		backend_problem(p, adapter_conf_line(a, "password_file"), "password_file without"
		    " username: set both, or neither");
	if (url != NULL && strchr(url, '@') != NULL)
		backend_problem(p, adapter_conf_line(a, "url"), "url: no user or password in it"
		    " (use username and password_file)");
	if (duration(a, "retry_initial", RETRY_INITIAL_MS) > duration(a, "retry_max",
	    RETRY_MAX_MS))
		backend_problem(p, adapter_conf_line(a, "retry_initial"), "retry_initial is longer"
		    " than retry_max");
}

void
email_check(const adapter_conf_t *a, const config_t *cfg, backend_problems_t *p)
{
	for (size_t i = 0; i < cfg->nadapters && &cfg->adapters[i] != a; i++)
		if (cfg->adapters[i].type == a->type) {
			backend_problem(p, a->line, "[adapter %s]: a second adapter of type email"
			    " (the first at line %d): each notification would be mailed twice",
			    a->name, cfg->adapters[i].line);
			return;
		}
	check_pairs(a, p);
	check_roles(a, cfg, p);
	check_templates(a, p);
}
