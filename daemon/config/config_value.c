/*
 * config_value — one "key = value" of the file into its config_t field: the
 * value checked against its keydef (type, size, range), paths resolved
 * against the file's directory, key files read. A bad value becomes a problem
 * at the current line; the field may then hold part of it, which is harmless
 * because any problem discards the whole config.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config_int.h"
#include "confval.h"
#include "err.h"
#include "keys.h"
#include "log.h"
#include "lang.h"
#include "validate.h"   /* also famlink.pb-c.h */

/* confval_referral_kind() numbers kinds as famlink.proto does. */
_Static_assert(FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_FOSTER_HOME == 1 &&
    FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_CONTACT_FAMILY == 2 &&
    FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_CONTACT_PERSON == 3 &&
    FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_EMERGENCY_HOME == 4,
    "ReferralKind numbers changed: update confval_referral_kind()");

#define REMIT_KINDS "foster_home, contact_family, contact_person or emergency_home"

/* Resolves a path from the file against the file's directory. */
int
cfg_resolve_path(load_t *L, const char *key, const char *value, char *out, size_t size)
{
	int n;

	if (*value == '\0') {
		cfg_problem(L, L->lineno, "%s: expected a path", key);
		return -1;
	}
	n = value[0] == '/' ? snprintf(out, size, "%s", value)
	    : snprintf(out, size, "%s/%s", L->dir, value);
	if (n < 0 || (size_t)n >= size) {
		cfg_problem(L, L->lineno, "%s: path too long", key);
		return -1;
	}
	return 0;
}

static void
set_dir(load_t *L, const keydef_t *k, char *field, const char *value)
{
	struct stat st;

	if (field == L->cfg->state_dir)
		L->cfg->state_dir_line = L->lineno;
	if (cfg_resolve_path(L, k->name, value, field, k->size) != 0)
		return;
	if (stat(field, &st) != 0)
		cfg_problem(L, L->lineno, "%s = %s: %s", k->name, field, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		cfg_problem(L, L->lineno, "%s = %s: not a directory", k->name, field);
}

static void
set_key_file(load_t *L, const keydef_t *k, char *field, const char *value)
{
	char path[PATH_MAX];
	err_t err = {0};

	if (k->type == V_SECRET_FILE) {
		if (cfg_resolve_path(L, k->name, value, field, k->size) == 0 &&
		    keys_read_secret(field, L->cfg->public_key, L->cfg->secret_key, &err) != 0) {
			cfg_problem(L, L->lineno, "%s: %s", k->name, err.msg);
			/* Not this node's key: keep it out of the own-key checks. */
			L->cfg->public_key[0] = '\0';
		}
		return;
	}
	if (cfg_resolve_path(L, k->name, value, path, sizeof(path)) == 0 &&
	    keys_read_peer_public(path, field, &err) != 0)
		cfg_problem(L, L->lineno, "%s: %s", k->name, err.msg);
}

/* "name = value: expected ..." (values echoed are never contact details). */
static void
cfg_bad_value(load_t *L, const keydef_t *k, const char *value, const char *expected)
{
	cfg_problem(L, L->lineno, "%s = %.80s: expected %s", k->name, value, expected);
}

/* Role, log level, yes/no: words from a fixed list. */
static void
set_enum(load_t *L, const keydef_t *k, void *field, const char *value)
{
	int level;

	if (k->type == V_YES_NO) {
		if (strcmp(value, "yes") == 0)
			*(bool *)field = true;
		else if (strcmp(value, "no") == 0)
			*(bool *)field = false;
		else
			cfg_bad_value(L, k, value, "yes or no");
	} else if (k->type == V_ROLE) {
		if (strcmp(value, "hub") == 0)
			*(node_role_t *)field = ROLE_HUB;
		else if (strcmp(value, "municipality") == 0)
			*(node_role_t *)field = ROLE_MUNICIPALITY;
		else
			cfg_bad_value(L, k, value, "hub or municipality");
	} else {
		if ((level = log_level_from_name(value)) >= 0)
			*(int *)field = level;
		else
			cfg_bad_value(L, k, value, "error, warning, notice, info or debug");
	}
}

/* The meeting report's language for people (lang.h). */
static void
set_report_language(load_t *L, const keydef_t *k, int *field, const char *value)
{
	int lang = report_lang_from_name(value);

	if (lang < 0)
		cfg_bad_value(L, k, value, "one of " REPORT_LANGS);
	else
		*field = lang;
}

/* Node ids, endpoints, keys: strings checked and copied as they are. */
static void
set_word(load_t *L, const keydef_t *k, char *field, const char *value)
{
	const char *expected = NULL;

	switch (k->type) {
	case V_NODE_ID:
		if (!confval_node_id(value))
			expected = "municipality:NNNN (4-digit kommunkod) or pool:NAME "
			    "(1-48 of a-z, 0-9, -)";
		break;
	case V_POOL_ID:
		if (!confval_pool_id(value))
			expected = "pool:NAME (1-48 of a-z, 0-9, -)";
		break;
	case V_ENDPOINT:
		if (!confval_endpoint(value) || strlen(value) >= k->size)
			expected = "tcp://HOST:PORT or ipc://PATH";
		break;
	default:   /* V_Z85 */
		if (!keys_valid_z85(value))
			expected = "a 40-character Z85 public key (the public-key line of a .pub file)";
		break;
	}
	if (expected == NULL)
		snprintf(field, k->size, "%s", value);
	else
		cfg_bad_value(L, k, value, expected);
}

/* Durations, counts and sizes, each with a range. */
static void
set_number(load_t *L, const keydef_t *k, void *field, const char *value)
{
	unsigned long long v = 0;
	unsigned u = 0;
	size_t z = 0;
	int rc;

	if (k->type == V_DURATION)
		rc = confval_duration_ms(value, &u), v = u;
	else if (k->type == V_SIZE)
		rc = confval_size(value, &z), v = z;
	else
		rc = confval_uint(value, ULLONG_MAX, &v);
	if (rc == CONFVAL_SYNTAX) {
		cfg_bad_value(L, k, value, k->type == V_DURATION ? "a duration: 500ms, 5s, 2m, "
		    "1h or plain milliseconds" : k->type == V_SIZE ? "a size: 32M, 64k or "
		    "plain bytes" : "a whole number");
		return;
	}
	if (rc == CONFVAL_RANGE || v < k->min || v > k->max) {
		cfg_problem(L, L->lineno, "%s = %.80s: out of range, expected %llu to %llu%s",
		    k->name, value, k->min, k->max, k->type == V_DURATION ? " milliseconds"
		    : k->type == V_SIZE ? " bytes" : "");
		return;
	}
	if (k->type == V_SIZE)
		*(size_t *)field = (size_t)v;
	else
		*(unsigned *)field = (unsigned)v;
}

/* Contact details: sent to municipalities, so checked, but never echoed in
 * a problem line (they are a person's name, phone, address). */
static void
set_text(load_t *L, const keydef_t *k, char *field, const char *value)
{
	const char *why = NULL;

	if (strlen(value) >= k->size) {
		cfg_problem(L, L->lineno, "%s: too long (at most %zu bytes)", k->name,
		    k->size - 1);
		return;
	}
	if (!confval_text(value))
		why = "not valid UTF-8, or holds control characters";
	else if (k->type == V_PHONE && *value != '\0' && !validate_phone(value))
		why = "a phone number holds only digits, spaces and + - ( ), at least one digit";
	else if (k->type == V_EMAIL && *value != '\0' && !validate_email(value))
		why = "expected one address like name@example.se";   /* the protocol's own rule */
	if (why != NULL) {
		cfg_problem(L, L->lineno, "%s: %s", k->name, why);
		return;
	}
	snprintf(field, k->size, "%s", value);
}

/* "foster_home, contact_person": each kind at most once, at least one. The
 * first problem in the list is reported, naming the item. */
static void
set_remit(load_t *L, const keydef_t *k, unsigned *field, const char *value)
{
	const char *p = value;
	unsigned kinds = 0;

	if (value[strspn(value, " \t")] == '\0') {
		cfg_problem(L, L->lineno, "%s is empty: expected a comma-separated list of "
		    "one or more of %s", k->name, REMIT_KINDS);
		return;
	}
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len;
		unsigned kind;

		p += strspn(p, " \t");
		len = (end != NULL ? (size_t)(end - p) : strlen(p));
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0) {
			cfg_bad_value(L, k, value, "a comma-separated list with no empty item, "
			    "like foster_home, contact_family");
			return;
		}
		kind = confval_referral_kind(p, len);
		if (kind == 0) {
			cfg_problem(L, L->lineno, "%s = %.80s: unknown referral kind \"%.*s\", "
			    "expected %s", k->name, value, (int)(len < 40 ? len : 40), p, REMIT_KINDS);
			return;
		}
		if (kinds & (1u << kind)) {
			cfg_problem(L, L->lineno, "%s = %.80s: %.*s is listed twice", k->name, value,
			    (int)len, p);
			return;
		}
		kinds |= 1u << kind;
		if (end == NULL)
			break;
		p = end + 1;
	}
	*field = kinds;
}

/* "MIN-MAX" ages in whole years into remit_age_min (field) and _max. */
static void
set_age_range(load_t *L, const keydef_t *k, unsigned *field, const char *value)
{
	unsigned long long lo, hi;
	int rc = confval_uint_pair(value, k->max, &lo, &hi);

	if (rc == CONFVAL_SYNTAX)
		cfg_bad_value(L, k, value, "ages MIN-MAX in whole years, like 0-17");
	else if (rc == CONFVAL_RANGE)
		cfg_problem(L, L->lineno, "%s = %.80s: out of range, expected ages %llu to %llu",
		    k->name, value, k->min, k->max);
	else if (lo > hi)
		cfg_problem(L, L->lineno, "%s = %.80s: MIN is above MAX, expected MIN-MAX "
		    "like 0-17", k->name, value);
	else if (hi == 0)   /* 0-0 is how "any age" is stored */
		cfg_problem(L, L->lineno, "%s = %.80s: expected a MAX of at least 1 (leave "
		    "%s out to take any age)", k->name, value, k->name);
	else {
		*field = (unsigned)lo;
		L->cfg->remit_age_max = (unsigned)hi;
	}
}

/* A deadline's span: k->min..k->max days (or working days), 24 times that
 * in hours; V_SPAN_DAYS takes days alone. */
static void
set_span(load_t *L, const keydef_t *k, span_t *field, const char *value)
{
	static const char *const unit_names[] = {
		[SPAN_HOURS] = "hours", [SPAN_DAYS] = "days", [SPAN_WORKING_DAYS] = "working days",
	};
	span_t sp = {0, SPAN_DAYS};
	unsigned long long max;
	int rc = confval_span(value, &sp);

	if (rc == CONFVAL_SYNTAX) {
		cfg_bad_value(L, k, value, k->type == V_SPAN_DAYS ? "a number of days, like "
		    "90d" : "a whole number and a unit: h (hours), d (days) or wd (working "
		    "days), like 2h, 14d or 1 wd");
		return;
	}
	if (k->type == V_SPAN_DAYS && sp.unit != SPAN_DAYS) {
		cfg_problem(L, L->lineno, "%s = %.80s: expected calendar days, like 90d "
		    "(%s are not taken here)", k->name, value, unit_names[sp.unit]);
		return;
	}
	max = sp.unit == SPAN_HOURS ? k->max * 24 : k->max;
	if (rc == CONFVAL_RANGE || sp.amount < k->min || sp.amount > max) {
		cfg_problem(L, L->lineno, "%s = %.80s: out of range, expected %llu to %llu %s",
		    k->name, value, k->min, max, unit_names[sp.unit]);
		return;
	}
	*field = sp;
}

void
cfg_set_value(load_t *L, const keydef_t *k, void *field, const char *value)
{
	switch (k->type) {
	case V_DIR:
		set_dir(L, k, field, value);
		break;
	case V_RUNTIME_DIR:
		cfg_resolve_path(L, k->name, value, field, k->size);
		break;
	case V_SECRET_FILE:
	case V_PUBLIC_FILE:
		set_key_file(L, k, field, value);
		break;
	case V_DURATION:
	case V_COUNT:
	case V_SIZE:
		set_number(L, k, field, value);
		break;
	case V_TEXT:
	case V_PHONE:
	case V_EMAIL:
		set_text(L, k, field, value);
		break;
	case V_ROLE:
	case V_LOG_LEVEL:
	case V_YES_NO:
		set_enum(L, k, field, value);
		break;
	case V_REMIT:
		set_remit(L, k, field, value);
		break;
	case V_AGE_RANGE:
		set_age_range(L, k, field, value);
		break;
	case V_SPAN:
	case V_SPAN_DAYS:
		set_span(L, k, field, value);
		break;
	case V_LISTEN:
	case V_TOKEN_FILE:   /* config_monitor.c */
		break;
	case V_REPORT_LANG:
		set_report_language(L, k, field, value);
		break;
	default:
		set_word(L, k, field, value);
		break;
	}
}
