/*
 * config — see config.h. Three steps: a line reader that feeds libinih
 * (counting lines, tracking sections, catching syntax errors itself so every
 * one is reported, not only inih's first); a key handler that finds each key
 * in keydefs[] and has config_value.c convert its value into the struct; and
 * config_check.c's whole-file validation: missing keys, role mismatches, one
 * key used by two peers. Problems and keys seen are kept by config_seen.c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include <ini.h>

#include "config_int.h"
#include "confval.h"
#include "famlink.pb-c.h"
#include "lang.h"

/* ---- keys of each section ---------------------------------------------- */

#define CFG(f) offsetof(config_t, f), sizeof(((config_t *)0)->f)
#define PEER(f) offsetof(peer_conf_t, f), sizeof(((peer_conf_t *)0)->f)

#define DUR_MAX 4294967295ULL   /* UINT_MAX ms, about 49 days */

static const keydef_t keydefs[] = {
	{SECT_NODE, "id", V_NODE_ID, CFG(node_id), 0, 0},
	{SECT_NODE, "role", V_ROLE, CFG(role), 0, 0},
	{SECT_NODE, "state_dir", V_DIR, CFG(state_dir), 0, 0},
	{SECT_NODE, "runtime_dir", V_RUNTIME_DIR, CFG(runtime_dir), 0, 0},
	{SECT_NODE, "key_file", V_SECRET_FILE, CFG(key_file), 0, 0},
	{SECT_NODE, "log_level", V_LOG_LEVEL, CFG(log_level), 0, 0},
	{SECT_NODE, "report_language", V_REPORT_LANG, CFG(report_language), 0, 0},
	/* Below 64k a floor protects nothing: one batch is bigger. */
	{SECT_NODE, "disk_free_limit", V_SIZE, CFG(disk_free_limit), 64 << 10, 1ULL << 50},
	{SECT_LISTEN, "bind", V_ENDPOINT, CFG(bind), 0, 0},
	{SECT_PEER, "public_key", V_Z85, PEER(public_key), 0, 0},
	{SECT_PEER, "public_key_file", V_PUBLIC_FILE, PEER(public_key), 0, 0},
	{SECT_PEER, "contact_name", V_TEXT, PEER(contact_name), 0, 0},
	{SECT_PEER, "contact_phone", V_PHONE, PEER(contact_phone), 0, 0},
	{SECT_PEER, "contact_email", V_EMAIL, PEER(contact_email), 0, 0},
	{SECT_PEER, "member", V_YES_NO, PEER(member), 0, 0},
	{SECT_HUB, "id", V_POOL_ID, CFG(hub_id), 0, 0},
	{SECT_HUB, "endpoint", V_ENDPOINT, CFG(hub_endpoint), 0, 0},
	{SECT_HUB, "public_key", V_Z85, CFG(hub_public_key), 0, 0},
	{SECT_HUB, "public_key_file", V_PUBLIC_FILE, CFG(hub_public_key), 0, 0},
	{SECT_DELIVERY, "resend_initial", V_DURATION, CFG(resend_initial_ms), 1, DUR_MAX},
	{SECT_DELIVERY, "resend_max", V_DURATION, CFG(resend_max_ms), 1, DUR_MAX},
	{SECT_DELIVERY, "window", V_COUNT, CFG(window), 1, 1000000},
	{SECT_DELIVERY, "batch_max", V_COUNT, CFG(batch_max), 1, 1000000},
	{SECT_DELIVERY, "heartbeat_interval", V_DURATION, CFG(heartbeat_ivl_ms), 1, DUR_MAX},
	{SECT_DELIVERY, "heartbeat_timeout", V_DURATION, CFG(heartbeat_timeout_ms), 1, DUR_MAX},
	{SECT_DELIVERY, "keepalive", V_DURATION, CFG(keepalive_ms), 1, DUR_MAX},
	/* Below 1k not even a Hello fits; above 1G a message no longer fits in
	 * memory the few times the daemon holds it. */
	{SECT_DELIVERY, "max_message_size", V_SIZE, CFG(max_message_size), 1024, 1ULL << 30},
	{SECT_POOL, "remit", V_REMIT, CFG(remit_kinds), 0, 0},
	{SECT_POOL, "remit_age", V_AGE_RANGE, CFG(remit_age_min), 0, 30},
	/* Spans: min..max days or working days, or 24 times that in hours. */
	{SECT_DEADLINES, "acknowledge", V_SPAN, CFG(dl_acknowledge), 1, 365},
	{SECT_DEADLINES, "acknowledge_emergency", V_SPAN, CFG(dl_acknowledge_emergency), 1, 365},
	{SECT_DEADLINES, "first_contact", V_SPAN, CFG(dl_first_contact), 1, 365},
	{SECT_DEADLINES, "status_report", V_SPAN, CFG(dl_status_report), 1, 365},
	{SECT_DEADLINES, "family_consent", V_SPAN, CFG(dl_family_consent), 1, 365},
	{SECT_DEADLINES, "info_reply", V_SPAN, CFG(dl_info_reply), 1, 365},
	{SECT_DEADLINES, "ad_decision", V_SPAN, CFG(dl_ad_decision), 1, 365},
	{SECT_DEADLINES, "reminder_lead", V_SPAN, CFG(dl_reminder_lead), 1, 365},
	{SECT_DEADLINES, "escalation", V_SPAN, CFG(dl_escalation), 1, 365},
	{SECT_RETENTION, "purge_after", V_SPAN_DAYS, CFG(purge_after), 1, 3650},
	{SECT_ALERTS, "peer_silent", V_DURATION, CFG(alert_peer_silent_ms), 1000, DUR_MAX},
	{SECT_ALERTS, "undelivered", V_DURATION, CFG(alert_undelivered_ms), 1000, DUR_MAX},
	{SECT_MONITOR, "listen", V_LISTEN, CFG(monitor_listen), 0, 0},
	{SECT_MONITOR, "token_file", V_TOKEN_FILE, CFG(monitor_token_file), 0, 0},
};

static const struct { sect_kind_t kind; const char *name; } sect_names[] = {
	{SECT_NODE, "node"}, {SECT_LISTEN, "listen"}, {SECT_HUB, "hub"},
	{SECT_DELIVERY, "delivery"}, {SECT_POOL, "pool"}, {SECT_DEADLINES, "deadlines"},
	{SECT_RETENTION, "retention"}, {SECT_ALERTS, "alerts"}, {SECT_MONITOR, "monitor"},
};

static const keydef_t *
find_keydef(sect_kind_t kind, const char *name)
{
	for (size_t i = 0; i < sizeof(keydefs) / sizeof(keydefs[0]); i++)
		if (keydefs[i].sect == kind && strcmp(keydefs[i].name, name) == 0)
			return &keydefs[i];
	return NULL;
}

/* "id, role, ..." for an unknown-key message. */
static void
known_keys(sect_kind_t kind, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(keydefs) / sizeof(keydefs[0]) && len < size; i++)
		if (keydefs[i].sect == kind)
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
			    keydefs[i].name);
}

/* ---- sections ---------------------------------------------------------- */

static int
add_peer(load_t *L, const char *node_id, int line, size_t *index)
{
	config_t *c = L->cfg;
	peer_conf_t *grown = realloc(c->peers, (c->npeers + 1) * sizeof(*grown));

	if (grown == NULL) {
		L->oom = true;
		return -1;
	}
	c->peers = grown;
	memset(&grown[c->npeers], 0, sizeof(*grown));
	snprintf(grown[c->npeers].node_id, sizeof(grown->node_id), "%.64s", node_id);
	grown[c->npeers].line = line;
	grown[c->npeers].member = true;
	*index = c->npeers++;
	return 0;
}

/* The kind of a section name, or SECT_NONE after reporting why not. */
static sect_kind_t
section_kind(load_t *L, const char *name)
{
	for (size_t i = 0; i < sizeof(sect_names) / sizeof(sect_names[0]); i++)
		if (strcmp(name, sect_names[i].name) == 0)
			return sect_names[i].kind;
	if (strncmp(name, "adapter ", 8) == 0)
		return SECT_ADAPTER;
	if (strncmp(name, "peer", 4) == 0 && (name[4] == '\0' || name[4] == ' ')) {
		if (name[4] == ' ' && confval_municipality_id(name + 5))
			return SECT_PEER;
		cfg_problem(L, L->lineno, "[%.60s]: a peer section is named after a member "
		    "municipality, like [peer municipality:0180]", name);
		return SECT_NONE;
	}
	cfg_problem(L, L->lineno, "unknown section [%.60s] (known: node, listen, "
	    "peer municipality:NNNN, hub, delivery, pool, deadlines, retention, alerts, "
	    "monitor, adapter NAME)",
	    name);
	return SECT_NONE;
}

/* A "[name]" line: keys that follow go to this section, or are skipped
 * (L->cur = CUR_SKIP) when the header itself was a problem. */
static void
begin_section(load_t *L, const char *name)
{
	sect_kind_t kind = section_kind(L, name);
	sect_t *grown, *s;

	L->cur = CUR_SKIP;
	if (kind == SECT_NONE)
		return;
	for (size_t i = 0; i < L->nsects; i++) {
		if (strcmp(L->sects[i].name, name) == 0) {
			cfg_problem(L, L->lineno, "duplicate section [%s] (first at line %d)",
			    name, L->sects[i].line);
			return;
		}
	}
	grown = realloc(L->sects, (L->nsects + 1) * sizeof(*grown));
	if (grown == NULL) {
		L->oom = true;
		return;
	}
	L->sects = grown;
	s = memset(&grown[L->nsects], 0, sizeof(*s));
	s->kind = kind;
	s->line = L->lineno;
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (kind == SECT_PEER && add_peer(L, name + 5, L->lineno, &s->peer) != 0)
		return;
	if (kind == SECT_ADAPTER && cfg_adapter_section(L, name + 8, &s->adapter) != 0)
		return;
	L->cur = (long)L->nsects++;
}

/* ---- the line reader libinih calls ------------------------------------- */

/* The first of chars in s, or the start of an inline ";" comment (one
 * preceded by whitespace), or the end — the rule inih applies. */
static const char *
find_chars_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s != '\0' && strchr(chars, *s) == NULL && !(was_space && *s == ';')) {
		was_space = *s == ' ' || *s == '\t';
		s++;
	}
	return s;
}

/* A "[...]" line; 0 if well formed (then it starts a section). */
static int
section_line(load_t *L, const char *s)
{
	const char *end = find_chars_or_comment(s + 1, "]"), *rest;
	char name[sizeof(((sect_t *)0)->name)];

	if (*end != ']') {
		L->cur = CUR_SKIP;   /* its keys must not land in the previous section */
		cfg_problem(L, L->lineno, "syntax error: \"[\" without \"]\"");
		return -1;
	}
	for (rest = end + 1; *rest == ' ' || *rest == '\t'; rest++)
		;
	if (*rest != '\0' && *rest != ';' && *rest != '#') {
		L->cur = CUR_SKIP;
		cfg_problem(L, L->lineno, "syntax error: text after \"]\"");
		return -1;
	}
	if ((size_t)(end - s - 1) >= sizeof(name)) {
		L->cur = CUR_SKIP;
		cfg_problem(L, L->lineno, "section name longer than %zu characters",
		    sizeof(name) - 1);
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(end - s - 1), s + 1);
	begin_section(L, name);
	return 0;
}

/*
 * Classifies one line (leading whitespace gone) the way inih will; 0 if inih
 * may see it. A syntax error is reported here, at its line, and the line is
 * withheld from inih, which would otherwise report only the first one.
 */
static int
check_line(load_t *L, const char *s, int max)
{
	const char *sep;

	if (strlen(s) > (size_t)max) {
		if (*s == '[')
			L->cur = CUR_SKIP;
		cfg_problem(L, L->lineno, "line longer than %d characters", max);
		return -1;
	}
	if (*s == '[')
		return section_line(L, s);
	sep = find_chars_or_comment(s, "=:");
	if (*sep != '=' && *sep != ':') {
		cfg_problem(L, L->lineno, "syntax error: expected \"key = value\", "
		    "\"[section]\" or a comment");
		return -1;
	}
	return 0;
}

/*
 * ini_reader: hands inih one line per call, so L->lineno is the line of the
 * key inih passes to on_key() next. Leading whitespace is stripped: inih
 * would take an indented line as the continuation of the previous value.
 */
static char *
read_line(char *str, int num, void *stream)
{
	load_t *L = stream;
	ssize_t n = getline(&L->buf, &L->bufsize, L->fp);
	char *s = L->buf;

	if (n < 0) {
		L->read_errno = ferror(L->fp) ? errno : 0;
		return NULL;
	}
	L->lineno++;
	str[0] = '\0';
	if (memchr(s, '\0', (size_t)n) != NULL) {
		cfg_problem(L, L->lineno, "contains a NUL byte");
		return str;
	}
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	if (L->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)   /* UTF-8 BOM */
		s += 3;
	s += strspn(s, " \t");
	if (*s == '\0' || *s == ';' || *s == '#')
		return str;
	/* inih needs room for "\r\n\0" beyond the text (ini.h, INI_MAX_LINE). */
	if (check_line(L, s, num - 3) == 0)
		snprintf(str, (size_t)num, "%s", s);
	return str;
}

/* ini_handler: one "key = value" of the current section. Always returns 1:
 * problems are collected here, not counted by inih. */
static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	load_t *L = user;
	const keydef_t *k;
	sect_t *s;
	char known[256];
	int first;
	void *base;

	(void)section;   /* inih truncates it to 50 bytes; the reader's is whole */
	if (L->cur == CUR_SKIP)
		return 1;
	if (L->cur == CUR_NONE) {
		cfg_problem(L, L->lineno, "%.60s: a key before any [section]", name);
		return 1;
	}
	s = &L->sects[L->cur];
	if (s->kind == SECT_ADAPTER) {
		cfg_adapter_key(L, s->adapter, name, value);
		return 1;
	}
	if ((k = find_keydef(s->kind, name)) == NULL) {
		known_keys(s->kind, known, sizeof(known));
		cfg_problem(L, L->lineno, "unknown key \"%.60s\" in [%s] (known: %s)", name,
		    s->name, known);
		return 1;
	}
	if ((first = cfg_seen_line(s, k->name)) != 0) {
		cfg_problem(L, L->lineno, "duplicate key %s (first at line %d)", k->name, first);
		return 1;
	}
	if (s->nkeys < SECT_MAX_KEYS)
		s->keys[s->nkeys++] = (seen_key_t){k->name, L->lineno};
	base = s->kind == SECT_PEER ? (void *)&L->cfg->peers[s->peer] : (void *)L->cfg;
	if (k->sect == SECT_MONITOR)
		cfg_set_monitor_value(L, k, (char *)base + k->off, value);
	else
		cfg_set_value(L, k, (char *)base + k->off, value);
	return 1;
}

/* ---- load -------------------------------------------------------------- */

void
config_set_defaults(config_t *c)
{
	c->log_level = LOG_INFO;
	c->report_language = REPORT_SV;
	c->resend_initial_ms = 1000;
	c->resend_max_ms = 300000;
	c->window = 1000;
	c->batch_max = 1000;
	c->heartbeat_ivl_ms = 5000;
	c->heartbeat_timeout_ms = 15000;
	c->keepalive_ms = 30000;
	c->max_message_size = 32u << 20;
	c->remit_kinds = 1u << FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_FOSTER_HOME |
	    1u << FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_CONTACT_FAMILY |
	    1u << FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_CONTACT_PERSON |
	    1u << FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_EMERGENCY_HOME;
	c->remit_age_min = c->remit_age_max = 0;   /* any age */
	c->dl_acknowledge = (span_t){1, SPAN_WORKING_DAYS};
	c->dl_acknowledge_emergency = (span_t){2, SPAN_HOURS};
	c->dl_first_contact = (span_t){14, SPAN_DAYS};
	c->dl_status_report = (span_t){21, SPAN_DAYS};
	c->dl_family_consent = (span_t){5, SPAN_WORKING_DAYS};
	c->dl_info_reply = (span_t){5, SPAN_WORKING_DAYS};
	c->dl_ad_decision = (span_t){3, SPAN_WORKING_DAYS};
	c->dl_reminder_lead = (span_t){2, SPAN_WORKING_DAYS};
	c->dl_escalation = (span_t){3, SPAN_WORKING_DAYS};
	c->purge_after = (span_t){90, SPAN_DAYS};
	c->alert_peer_silent_ms = 60 * 60000;
	c->alert_undelivered_ms = 4 * 60 * 60000;
}

static config_t *
config_new(const char *path)
{
	config_t *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	snprintf(c->path, sizeof(c->path), "%s", path);
	config_set_defaults(c);
	return c;
}

/* Opens the file and finds its directory (absolute, so paths resolved from
 * it still hold after the daemon changes directory). */
static int
open_config(load_t *L)
{
	char dir[PATH_MAX], *slash;
	struct stat st;

	L->fp = fopen(L->path, "re");
	if (L->fp == NULL || fstat(fileno(L->fp), &st) != 0) {
		cfg_problem(L, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_problem(L, 0, "not a regular file");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", L->path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';   /* "/x.conf" keeps "/" */
	if (realpath(dir, L->dir) == NULL) {
		cfg_problem(L, 0, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void
parse(load_t *L)
{
	int rc = ini_parse_stream(read_line, L, on_key, L);

	if (L->read_errno != 0)
		cfg_problem(L, L->lineno, "read error: %s", strerror(L->read_errno));
	if (rc == -2) {
		L->oom = true;
	} else if (rc > 0) {
		/* The reader should have caught every syntax error inih can see. */
		for (size_t i = 0; i < L->nprobs; i++)
			if (L->probs[i].line == rc)
				return;
		cfg_problem(L, rc, "syntax error");
	}
}

static config_t *
load(const char *path, problems_t *problems, bool partial)
{
	load_t L = {.path = path, .cur = CUR_NONE};
	config_t *cfg = NULL;
	bool opened = false;

	problems->lines = NULL;
	problems->n = 0;
	L.cfg = config_new(path);
	if (L.cfg == NULL)
		return NULL;
	if (open_config(&L) == 0) {
		opened = true;
		parse(&L);
		cfg_validate(&L);
	}
	if (L.cfg->runtime_dir[0] == '\0')
		memcpy(L.cfg->runtime_dir, L.cfg->state_dir, sizeof(L.cfg->runtime_dir));
	if ((L.nprobs == 0 || (partial && opened)) && !L.oom) {
		cfg = L.cfg;
		L.cfg = NULL;
	}
	cfg_hand_over_problems(&L, problems);
	for (size_t i = 0; i < L.nprobs; i++)
		free(L.probs[i].msg);
	free(L.probs);
	free(L.sects);
	free(L.buf);
	if (L.fp != NULL)
		fclose(L.fp);
	config_free(&L.cfg);
	return cfg;
}

config_t *
config_load(const char *path, problems_t *problems)
{
	return load(path, problems, false);
}

config_t *
config_load_partial(const char *path, problems_t *problems)
{
	return load(path, problems, true);
}

void
config_free(config_t **cfg)
{
	if (cfg == NULL || *cfg == NULL)
		return;
	explicit_bzero((*cfg)->secret_key, sizeof((*cfg)->secret_key));
	explicit_bzero((*cfg)->monitor_token, sizeof((*cfg)->monitor_token));
	free((*cfg)->peers);
	free((*cfg)->adapters);
	free(*cfg);
	*cfg = NULL;
}

const peer_conf_t *
config_find_peer(const config_t *cfg, const char *node_id)
{
	for (size_t i = 0; i < cfg->npeers; i++)
		if (strcmp(cfg->peers[i].node_id, node_id) == 0)
			return &cfg->peers[i];
	return NULL;
}

const peer_conf_t *
config_find_peer_by_key(const config_t *cfg, const char *public_z85)
{
	for (size_t i = 0; i < cfg->npeers; i++)
		if (strcmp(cfg->peers[i].public_key, public_z85) == 0)
			return &cfg->peers[i];
	return NULL;
}
