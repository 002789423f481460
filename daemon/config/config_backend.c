/*
 * config_backend — [adapter NAME] sections (config.h): each names a type
 * that the adapters above declare, with that type's own keys. Keys are
 * kept as written while the file is read (type may come last) and checked
 * against their type once the whole file is in, each problem at its line.
 * Calls config_seen.c, confval.c and validate.c (email addresses) only;
 * a type's own check (backend_type_t.check) reports through
 * backend_problem().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "confval.h"
#include "validate.h"

static const backend_type_t *const *backends;
static size_t nbackends;

void
config_set_backends(const backend_type_t *const *types, size_t n)
{
	backends = types;
	nbackends = n;
}

static const struct adapter_value *
find_value(const adapter_conf_t *a, const char *key)
{
	for (size_t i = 0; i < a->nvalues; i++)
		if (strcmp(a->values[i].key, key) == 0)
			return &a->values[i];
	return NULL;
}

const char *
adapter_conf_value(const adapter_conf_t *a, const char *key)
{
	const struct adapter_value *v = find_value(a, key);

	return v != NULL ? v->value : NULL;
}

int
adapter_conf_line(const adapter_conf_t *a, const char *key)
{
	const struct adapter_value *v = find_value(a, key);

	return v != NULL ? v->line : a->line;
}

struct backend_problems {
	load_t *L;
};

void
backend_problem(backend_problems_t *p, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_problem(p->L, line, "%s", msg);
}

/* "spool, rest" (or "none in this build") for a problem's text. */
static void
known_types(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nbackends && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
		    backends[i]->name);
	if (nbackends == 0)
		snprintf(buf, len, "none in this build");
}

static const backend_type_t *
find_type(const char *name)
{
	for (size_t i = 0; i < nbackends; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

/* An adapter's name goes into logs and file names: ids only. */
static bool
adapter_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int
cfg_adapter_section(load_t *L, const char *name, size_t *index)
{
	config_t *c = L->cfg;
	adapter_conf_t *grown;

	if (!adapter_name_ok(name)) {
		cfg_problem(L, L->lineno, "[adapter %.60s]: an adapter's name is 1 to 64 of"
		    " A-Z a-z 0-9 . _ - (not starting with . or -)", name);
		return -1;
	}
	if ((grown = realloc(c->adapters, (c->nadapters + 1) * sizeof(*grown))) == NULL) {
		L->oom = true;
		return -1;
	}
	c->adapters = grown;
	memset(&grown[c->nadapters], 0, sizeof(*grown));
	snprintf(grown[c->nadapters].name, sizeof(grown->name), "%s", name);
	grown[c->nadapters].line = L->lineno;
	*index = c->nadapters++;
	return 0;
}

/* The key's name as its type declares it (static), or NULL. */
static const backend_key_t *
find_key(const backend_type_t *t, const char *name)
{
	for (const backend_key_t *k = t->keys; k != NULL && k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

void
cfg_adapter_key(load_t *L, size_t index, const char *key, const char *value)
{
	adapter_conf_t *a = &L->cfg->adapters[index];
	struct adapter_value *v;
	const struct adapter_value *dup = find_value(a, key);
	bool is_type = strcmp(key, "type") == 0;
	char known[256];

	if (is_type ? a->type_line != 0 : dup != NULL) {
		cfg_problem(L, L->lineno, "duplicate key %.60s (first at line %d)", key,
		    is_type ? a->type_line : dup->line);
		return;
	}
	if (is_type) {
		a->type_line = L->lineno;
		if ((a->type = find_type(value)) == NULL) {
			known_types(known, sizeof(known));
			cfg_problem(L, L->lineno, "type = %.60s: no such adapter type (known: %s)",
			    value, known);
		}
		return;
	}
	if (a->nvalues == ADAPTER_VALUES_MAX || strlen(key) >= sizeof(v->key)) {
		cfg_problem(L, L->lineno, "[adapter %s]: %s", a->name, a->nvalues ==
		    ADAPTER_VALUES_MAX ? "too many keys" : "key name too long");
		return;
	}
	v = &a->values[a->nvalues++];
	snprintf(v->key, sizeof(v->key), "%s", key);
	snprintf(v->value, sizeof(v->value), "%s", value);
	v->line = L->lineno;
}

/* A value as its key's type wants it; "" or the reason it is not. */
static const char *
value_problem(const load_t *L, backend_value_t type, struct adapter_value *v)
{
	unsigned ms;
	unsigned long long n;

	switch (type) {
	case BACKEND_TEXT:
		return confval_text(v->value) ? "" : "not one line of plain text";
	case BACKEND_PATH:
		if (v->value[0] == '\0')
			return "empty";
		if (v->value[0] != '/') {
			char abs[sizeof(v->value)];
			if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", L->dir, v->value) >= sizeof(abs))
				return "too long once made absolute";
			memcpy(v->value, abs, sizeof(abs));
		}
		return "";
	case BACKEND_URL:
		return strncmp(v->value, "http://", 7) == 0 || strncmp(v->value, "https://", 8) == 0
		    ? "" : "not an http:// or https:// URL";
	case BACKEND_DURATION:
		return confval_duration_ms(v->value, &ms) == 0 ? ""
		    : "not a duration (500ms, 5s, 2m, 1h)";
	case BACKEND_COUNT:
		return confval_uint(v->value, 1000000000ULL, &n) == 0 && n >= 1 ? ""
		    : "not a whole number from 1";
	case BACKEND_YES_NO:
		return strcmp(v->value, "yes") == 0 || strcmp(v->value, "no") == 0 ? ""
		    : "expected yes or no";
	case BACKEND_EMAIL:
		return validate_email(v->value) ? "" : "not an email address (one address,"
		    " name@example.se)";
	case BACKEND_SMTP_URL:
		return (strncmp(v->value, "smtp://", 7) == 0 || strncmp(v->value, "smtps://", 8) == 0)
		    && confval_text(v->value) && strchr(v->value, ' ') == NULL ? ""
		    : "not an smtp:// or smtps:// URL";
	}
	return "of no known kind";
}

/* "type, dir, poll" for an unknown-key problem. */
static void
known_keys(const backend_type_t *t, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "type");

	for (const backend_key_t *k = t->keys; k != NULL && k->name != NULL && used < len; k++)
		used += (size_t)snprintf(buf + used, len - used, ", %s", k->name);
}

static void
check_one(load_t *L, adapter_conf_t *a)
{
	char known[256];
	const char *why;

	if (a->type == NULL)
		return;   /* no type, or an unknown one: said already */
	for (size_t i = 0; i < a->nvalues; i++) {
		struct adapter_value *v = &a->values[i];
		const backend_key_t *k = find_key(a->type, v->key);
		if (k == NULL) {
			known_keys(a->type, known, sizeof(known));
			cfg_problem(L, v->line, "unknown key \"%.60s\" in [adapter %s] of type %s"
			    " (known: %s)", v->key, a->name, a->type->name, known);
			continue;
		}
		if ((why = value_problem(L, k->type, v))[0] != '\0')
			cfg_problem(L, v->line, "%s = %.60s: %s", k->name, v->value, why);
	}
	for (const backend_key_t *k = a->type->keys; k != NULL && k->name != NULL; k++)
		if (k->required && adapter_conf_value(a, k->name) == NULL)
			cfg_problem(L, a->line, "[adapter %s]: %s is required for type %s", a->name,
			    k->name, a->type->name);
	if (a->type->check != NULL) {
		backend_problems_t p = { L };
		a->type->check(a, L->cfg, &p);
	}
}

void
cfg_adapters_check(load_t *L)
{
	char known[256];

	for (size_t i = 0; i < L->cfg->nadapters; i++) {
		adapter_conf_t *a = &L->cfg->adapters[i];
		if (a->type_line == 0) {
			known_types(known, sizeof(known));
			cfg_problem(L, a->line, "[adapter %s]: type is required (known: %s)", a->name,
			    known);
		}
		check_one(L, a);
	}
}
