/*
 * test_config — config_load() on real files in a mkdtemp() directory: valid
 * hub and municipality files (and the shipped examples) load with the right
 * values and defaults; every kind of problem is reported as FILE:LINE with
 * the right line, all of them at once; the value parsers' edge cases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"

#include "config.h"
#include "confval.h"
#include "famlink.pb-c.h"
#include "keys.h"
#include "report_words.h"

#define KIND(k) (1u << FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_##k)
#define ALL_KINDS (KIND(FOSTER_HOME) | KIND(CONTACT_FAMILY) | KIND(CONTACT_PERSON) | \
    KIND(EMERGENCY_HOME))

typedef struct pair {
	const char *name;                  /* file base in the fixture dir */
	char pk[KEY_Z85_LEN + 1], sk[KEY_Z85_LEN + 1];
} pair_t;

typedef struct fixture {
	char dir[256];                     /* realpath of the mkdtemp() dir */
	char path[PATH_MAX];               /* the config file last written */
	pair_t hub, m0180, m1480;
	problems_t probs;
	config_t *cfg;
} fixture_t;

/* A valid hub file; tests append to it, so its line numbers matter. */
static const char hub_base[] =
    "[node]\n"                                  /* 1 */
    "id = pool:nordvast\n"                      /* 2 */
    "role = hub\n"                              /* 3 */
    "state_dir = @DIR@/state\n"                 /* 4 */
    "key_file = @DIR@/hub.key\n"                /* 5 */
    "[listen]\n"                                /* 6 */
    "bind = tcp://127.0.0.1:7400\n"             /* 7 */
    "[peer municipality:0180]\n"                /* 8 */
    "public_key_file = @DIR@/m0180.pub\n"       /* 9 */
    "[peer municipality:1480]\n"                /* 10 */
    "public_key = @M1480@\n";                   /* 11 */

static const char muni_base[] =
    "[node]\n"                                  /* 1 */
    "id = municipality:0180\n"                  /* 2 */
    "role = municipality\n"                     /* 3 */
    "state_dir = @DIR@/state\n"                 /* 4 */
    "key_file = @DIR@/m0180.key\n"              /* 5 */
    "[hub]\n"                                   /* 6 */
    "id = pool:nordvast\n"                      /* 7 */
    "endpoint = tcp://127.0.0.1:7400\n"         /* 8 */
    "public_key = @HUB@\n";                     /* 9 */

/* ---- fixture ----------------------------------------------------------- */

static int
make_pair(const char *dir, pair_t *p, const char *name)
{
	char base[PATH_MAX];
	err_t err = {0};

	p->name = name;
	snprintf(base, sizeof(base), "%s/%s", dir, name);
	if (keys_generate(p->pk, p->sk, &err) != 0 ||
	    keys_write_pair(base, p->pk, p->sk, false, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	fixture_t *f = calloc(1, sizeof(*f));
	char tmpl[] = "/tmp/test_config.XXXXXX", sub[PATH_MAX];

	if (f == NULL || mkdtemp(tmpl) == NULL || realpath(tmpl, sub) == NULL ||
	    strlen(sub) >= sizeof(f->dir))
		return -1;
	memcpy(f->dir, sub, strlen(sub) + 1);
	snprintf(sub, sizeof(sub), "%s/state", f->dir);
	if (mkdir(sub, 0700) != 0)
		return -1;
	if (make_pair(f->dir, &f->hub, "hub") != 0 || make_pair(f->dir, &f->m0180, "m0180") != 0 ||
	    make_pair(f->dir, &f->m1480, "m1480") != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture_t *f = *state;
	int rc = scratch_remove(f->dir);

	config_free(&f->cfg);
	problems_free(&f->probs);
	free(f);
	return rc;
}

/* text with @DIR@, @HUB@, @M0180@, @M1480@ replaced; caller frees. */
static char *
expand(const fixture_t *f, const char *text)
{
	const struct { const char *mark, *value; } subst[] = {
		{"@DIR@", f->dir}, {"@HUB@", f->hub.pk}, {"@M0180@", f->m0180.pk},
		{"@M1480@", f->m1480.pk},
	};
	size_t cap = strlen(text) * 2 + 64 * PATH_MAX, len = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	while (*text != '\0') {
		size_t i, n = sizeof(subst) / sizeof(subst[0]);
		for (i = 0; i < n; i++)
			if (strncmp(text, subst[i].mark, strlen(subst[i].mark)) == 0)
				break;
		if (i < n) {
			len += (size_t)snprintf(out + len, cap - len, "%s", subst[i].value);
			text += strlen(subst[i].mark);
		} else {
			out[len++] = *text++;
		}
		assert_true(len < cap - PATH_MAX);
	}
	out[len] = '\0';
	return out;
}

/* Writes name in the fixture dir from one or more texts (expanded), concatenated. */
static void
write_conf(fixture_t *f, const char *name, const char *text, const char *more)
{
	char *a = expand(f, text), *b = expand(f, more != NULL ? more : "");
	FILE *fp;

	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	assert_true(fputs(a, fp) >= 0 && fputs(b, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	free(a);
	free(b);
}

static void
print_problems(const fixture_t *f)
{
	for (size_t i = 0; i < f->probs.n; i++)
		fprintf(stderr, "  problem: %s\n", f->probs.lines[i]);
}

/* Loads f->path; returns the config or NULL (problems in f->probs). */
static config_t *
load(fixture_t *f)
{
	config_free(&f->cfg);
	problems_free(&f->probs);
	f->cfg = config_load(f->path, &f->probs);
	return f->cfg;
}

static void
load_ok(fixture_t *f)
{
	if (load(f) == NULL) {
		print_problems(f);
		fail_msg("%s did not load", f->path);
	}
	assert_int_equal(f->probs.n, 0);
}

/* Loading fails with exactly n problems. */
static void
load_fails(fixture_t *f, size_t n)
{
	if (load(f) != NULL)
		fail_msg("%s loaded, expected %zu problems", f->path, n);
	if (f->probs.n != n) {
		print_problems(f);
		fail_msg("%zu problems, expected %zu", f->probs.n, n);
	}
}

/* Problem i is "PATH:LINE: " followed by text that contains want. */
static void
problem_at(const fixture_t *f, size_t i, int line, const char *want)
{
	char prefix[PATH_MAX + 32];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", f->path, line);
	if (i >= f->probs.n || strncmp(f->probs.lines[i], prefix, strlen(prefix)) != 0 ||
	    strstr(f->probs.lines[i] + strlen(prefix), want) == NULL) {
		print_problems(f);
		fail_msg("problem %zu is not \"%s...%s\"", i, prefix, want);
	}
}

/* Some problem is "PATH:LINE: " followed by text that contains want. */
static void
some_problem_at(const fixture_t *f, int line, const char *want)
{
	char prefix[PATH_MAX + 32];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", f->path, line);
	for (size_t i = 0; i < f->probs.n; i++)
		if (strncmp(f->probs.lines[i], prefix, strlen(prefix)) == 0 &&
		    strstr(f->probs.lines[i] + strlen(prefix), want) != NULL)
			return;
	print_problems(f);
	fail_msg("no problem \"%s...%s\"", prefix, want);
}

/* s is amount and unit. */
static void
span_is(span_t s, unsigned amount, span_unit_t unit)
{
	if (s.amount != amount || s.unit != unit)
		fail_msg("span %u/%d, expected %u/%d", s.amount, (int)s.unit, amount, (int)unit);
}

/* [pool], [deadlines], [retention] and member all at their defaults. */
static void
assert_routine_defaults(const config_t *c)
{
	assert_int_equal(c->remit_kinds, ALL_KINDS);
	assert_int_equal(c->remit_kinds, 0x1e);
	assert_int_equal(c->remit_age_min, 0);
	assert_int_equal(c->remit_age_max, 0);
	span_is(c->dl_acknowledge, 1, SPAN_WORKING_DAYS);
	span_is(c->dl_acknowledge_emergency, 2, SPAN_HOURS);
	span_is(c->dl_first_contact, 14, SPAN_DAYS);
	span_is(c->dl_status_report, 21, SPAN_DAYS);
	span_is(c->dl_reminder_lead, 2, SPAN_WORKING_DAYS);
	span_is(c->dl_escalation, 3, SPAN_WORKING_DAYS);
	span_is(c->purge_after, 90, SPAN_DAYS);
	for (size_t i = 0; i < c->npeers; i++)
		assert_true(c->peers[i].member);
}

/* ---- valid files ------------------------------------------------------- */

static void
test_hub_loads_with_defaults(void **state)
{
	fixture_t *f = *state;
	const config_t *c;
	const peer_conf_t *p;
	char want[PATH_MAX + 16];

	write_conf(f, "hub.conf", hub_base, "[peer municipality:0181]\n"
	    "public_key_file = m0180.pub\n");
	load_fails(f, 1);   /* 0180 and 0181 would share a key */
	problem_at(f, 0, 13, "[peer municipality:0181]: public key already belongs to "
	    "[peer municipality:0180] (line 9)");

	write_conf(f, "hub.conf", hub_base, "contact_name = Åsa Exempel ; the pool's\n"
	    "contact_phone = +46 522 12 34 56\ncontact_email = asa@example.se\n");
	load_ok(f);
	c = f->cfg;
	assert_string_equal(c->path, f->path);
	assert_int_equal(c->role, ROLE_HUB);
	assert_string_equal(c->node_id, "pool:nordvast");
	snprintf(want, sizeof(want), "%s/state", f->dir);
	assert_string_equal(c->state_dir, want);
	snprintf(want, sizeof(want), "%s/hub.key", f->dir);
	assert_string_equal(c->key_file, want);
	assert_string_equal(c->public_key, f->hub.pk);
	assert_string_equal(c->secret_key, f->hub.sk);
	assert_string_equal(c->bind, "tcp://127.0.0.1:7400");
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(c->npeers, 2);
	p = config_find_peer(c, "municipality:1480");
	assert_non_null(p);
	assert_ptr_equal(p, &c->peers[1]);
	assert_string_equal(p->public_key, f->m1480.pk);
	assert_int_equal(p->line, 10);
	assert_string_equal(p->contact_name, "Åsa Exempel");   /* after 1480's key */
	assert_string_equal(p->contact_phone, "+46 522 12 34 56");
	assert_string_equal(p->contact_email, "asa@example.se");
	p = config_find_peer_by_key(c, f->m0180.pk);
	assert_non_null(p);
	assert_string_equal(p->node_id, "municipality:0180");
	assert_string_equal(p->contact_name, "");
	assert_null(config_find_peer(c, "municipality:9999"));
	assert_null(config_find_peer_by_key(c, f->hub.pk));
	/* [delivery] absent: every default. */
	assert_int_equal(c->resend_initial_ms, 1000);
	assert_int_equal(c->resend_max_ms, 300000);
	assert_int_equal(c->window, 1000);
	assert_int_equal(c->batch_max, 1000);
	assert_int_equal(c->heartbeat_ivl_ms, 5000);
	assert_int_equal(c->heartbeat_timeout_ms, 15000);
	assert_int_equal(c->keepalive_ms, 30000);
	assert_int_equal(c->max_message_size, 33554432);
	assert_routine_defaults(c);
}

static void
test_municipality_loads_with_values(void **state)
{
	fixture_t *f = *state;
	const config_t *c;

	write_conf(f, "m.conf", muni_base,
	    "  [delivery]        ; indented, with a comment\n"
	    "\tresend_initial = 500ms\n"
	    "  resend_max = 2m ; two minutes\n"
	    "window = 7\n"
	    "batch_max = 250\n"
	    "heartbeat_interval = 1500\n"
	    "heartbeat_timeout = 1h\n"
	    "keepalive = 45s\n"
	    "max_message_size = 64k\n"
	    "[node]\n");   /* dup section, see below */
	load_fails(f, 1);
	problem_at(f, 0, 19, "duplicate section [node] (first at line 1)");

	write_conf(f, "m.conf", muni_base, "log_level = debug\n"   /* into [hub]: 10 */
	    "[delivery]\nresend_initial = 500ms\nresend_max = 2m\nwindow = 7\n"
	    "batch_max = 250\nheartbeat_interval = 1500\nheartbeat_timeout = 1h\n"
	    "keepalive = 45s\nmax_message_size = 64k\n");
	load_fails(f, 1);
	problem_at(f, 0, 10, "unknown key \"log_level\" in [hub] (known: id, endpoint, "
	    "public_key, public_key_file)");

	write_conf(f, "m.conf", muni_base, "[delivery]\nresend_initial = 500ms\n"
	    "resend_max = 2m\nwindow = 7\nbatch_max = 250\nheartbeat_interval = 1500\n"
	    "heartbeat_timeout = 1h\nkeepalive = 45s\nmax_message_size = 64k\n");
	load_ok(f);
	c = f->cfg;
	assert_int_equal(c->role, ROLE_MUNICIPALITY);
	assert_string_equal(c->node_id, "municipality:0180");
	assert_string_equal(c->public_key, f->m0180.pk);
	assert_string_equal(c->hub_id, "pool:nordvast");
	assert_string_equal(c->hub_endpoint, "tcp://127.0.0.1:7400");
	assert_string_equal(c->hub_public_key, f->hub.pk);
	assert_int_equal(c->npeers, 0);
	assert_int_equal(c->resend_initial_ms, 500);
	assert_int_equal(c->resend_max_ms, 120000);
	assert_int_equal(c->window, 7);
	assert_int_equal(c->batch_max, 250);
	assert_int_equal(c->heartbeat_ivl_ms, 1500);
	assert_int_equal(c->heartbeat_timeout_ms, 3600000);
	assert_int_equal(c->keepalive_ms, 45000);
	assert_int_equal(c->max_message_size, 65536);
	assert_routine_defaults(c);
}

/* Inline comments, indentation, a BOM and CRLF line ends. */
static void
test_syntax_details(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "m.conf", "\xef\xbb\xbf[node]\r\nid = municipality:0180\r\n"
	    "   role = municipality\r\n    state_dir = state ; relative\r\n"
	    "key_file = m0180.key\r\nlog_level = warning\r\n[hub] ; the pool\r\n"
	    "id = pool:nordvast\r\nendpoint: ipc://@DIR@/hub.ipc\r\n"
	    "public_key = @HUB@\r\n", NULL);
	load_ok(f);
	assert_int_equal(f->cfg->log_level, LOG_WARNING);
	assert_string_equal(f->cfg->hub_public_key, f->hub.pk);
	assert_non_null(strstr(f->cfg->hub_endpoint, "/hub.ipc"));

	/* ';' without a space before it is part of the value; '#' always is. */
	write_conf(f, "m.conf", muni_base, "[delivery]\nwindow = 7;x\nkeepalive = 5s # x\n");
	load_fails(f, 2);
	problem_at(f, 0, 11, "window = 7;x: expected a whole number");
	problem_at(f, 1, 12, "keepalive = 5s # x: expected a duration");
}

/* [node] disk_free_limit: unset is 0 (the default rule, store_disk.h), a
 * size otherwise, and one too small to protect anything is refused. */
static void
test_disk_free_limit(void **state)
{
	static const char conf[] = "[node]\nid = municipality:0180\nrole = municipality\n"
	    "state_dir = state\nkey_file = m0180.key\ndisk_free_limit = %s\n[hub]\n"
	    "id = pool:nordvast\nendpoint = tcp://127.0.0.1:7400\npublic_key = @HUB@\n";
	fixture_t *f = *state;
	char text[512];

	write_conf(f, "m.conf", muni_base, NULL);
	load_ok(f);
	assert_int_equal(f->cfg->disk_free_limit, 0);
	snprintf(text, sizeof(text), conf, "2M");
	write_conf(f, "m.conf", text, NULL);
	load_ok(f);
	assert_int_equal(f->cfg->disk_free_limit, 2 << 20);
	snprintf(text, sizeof(text), conf, "1k");
	write_conf(f, "m.conf", text, NULL);
	load_fails(f, 1);
	problem_at(f, 0, 6, "disk_free_limit = 1k: out of range, expected 65536 to");
}

/* The shipped examples load once their paths point at real keys. */
static void
load_example(fixture_t *f, const char *example, const char *etc)
{
	char from[PATH_MAX + 32], *text, *p;
	FILE *fp = fopen(example, "r");
	size_t n;

	if (fp == NULL)
		fail_msg("%s: %s (run from the source tree)", example, strerror(errno));
	text = calloc(1, 65536);
	assert_non_null(text);
	n = fread(text, 1, 65535, fp);
	fclose(fp);
	assert_true(n > 0 && n < 65535);
	snprintf(f->path, sizeof(f->path), "%s/example.conf", f->dir);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	snprintf(from, sizeof(from), "%s/%s/", f->dir, etc);
	for (p = text; *p != '\0'; p++) {
		if (strncmp(p, "/etc/famlink/", 13) == 0)
			fputs(from, fp), p += 12;
		else if (strncmp(p, "/var/lib/famlink", 16) == 0)
			fprintf(fp, "%s/state", f->dir), p += 15;
		else
			fputc(*p, fp);
	}
	assert_int_equal(fclose(fp), 0);
	free(text);
	load_ok(f);
}

static void
test_examples_load(void **state)
{
	fixture_t *f = *state;
	char dir[PATH_MAX + 32];
	err_t err = {0};
	static const char *const dirs[] = {"h", "h/peers", "m"};

	for (size_t i = 0; i < 3; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", f->dir, dirs[i]);
		assert_int_equal(mkdir(dir, 0700), 0);
	}
#define PAIR(base, p) do { snprintf(dir, sizeof(dir), "%s/%s", f->dir, base); \
	assert_int_equal(keys_write_pair(dir, (p)->pk, (p)->sk, false, &err), 0); } while (0)
	PAIR("h/node", &f->hub);
	PAIR("h/peers/municipality-0180", &f->m0180);
	PAIR("h/peers/municipality-1480", &f->m1480);
	PAIR("m/node", &f->m0180);
	PAIR("m/hub", &f->hub);
#undef PAIR
	load_example(f, "config/hub.conf.example", "h");
	assert_int_equal(f->cfg->role, ROLE_HUB);
	assert_int_equal(f->cfg->npeers, 2);
	assert_string_equal(config_find_peer(f->cfg, "municipality:0180")->public_key, f->m0180.pk);
	assert_string_equal(f->cfg->peers[0].contact_email, "anna.exempel@example.se");
	assert_int_equal(f->cfg->max_message_size, 32u << 20);
	assert_routine_defaults(f->cfg);   /* the values shown are the defaults */
	load_example(f, "config/municipality.conf.example", "m");
	assert_routine_defaults(f->cfg);
	assert_int_equal(f->cfg->role, ROLE_MUNICIPALITY);
	assert_string_equal(f->cfg->public_key, f->m0180.pk);
	assert_string_equal(f->cfg->hub_public_key, f->hub.pk);
	assert_string_equal(f->cfg->hub_endpoint, "tcp://127.0.0.1:7400");
}

/* Relative paths come from the config file's directory, not the cwd, and
 * end up absolute. */
static void
test_relative_paths(void **state)
{
	fixture_t *f = *state;
	char sub[PATH_MAX + 8], cwd[PATH_MAX], want[PATH_MAX + 32];

	snprintf(sub, sizeof(sub), "%s/etc", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_conf(f, "etc/m.conf", "[node]\nid = municipality:0180\nrole = municipality\n"
	    "state_dir = ../state\nkey_file = ../m0180.key\n[hub]\nid = pool:nordvast\n"
	    "endpoint = tcp://hub.example.se:7400\npublic_key_file = ../hub.pub\n", NULL);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	snprintf(f->path, sizeof(f->path), "etc/m.conf");   /* relative to the cwd */
	load(f);
	assert_int_equal(chdir("/"), 0);
	if (f->cfg == NULL) {
		assert_int_equal(chdir(cwd), 0);
		print_problems(f);
		fail_msg("did not load");
	}
	snprintf(want, sizeof(want), "%s/etc/../m0180.key", f->dir);
	assert_string_equal(f->cfg->key_file, want);
	snprintf(want, sizeof(want), "%s/etc/../state", f->dir);
	assert_string_equal(f->cfg->state_dir, want);
	assert_string_equal(f->cfg->hub_public_key, f->hub.pk);
	assert_string_equal(f->cfg->path, "etc/m.conf");
	/* The same file from another cwd finds the same keys. */
	snprintf(f->path, sizeof(f->path), "%s/etc/m.conf", f->dir);
	load(f);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(f->cfg);
}

/* ---- [adapter NAME]: a backend's own keys ------------------------------ */

/* A backend as the adapters above declare one: its keys, some required. */
static const backend_key_t drop_keys[] = {
	{"folder", BACKEND_PATH, true}, {"poll", BACKEND_DURATION, false},
	{"url", BACKEND_URL, false}, {"batch", BACKEND_COUNT, false},
	{"fsync", BACKEND_YES_NO, false}, {NULL, 0, false},
};
static const backend_type_t drop_type = {"drop", drop_keys};
static const backend_type_t *const test_backends[] = {&drop_type};

static void
test_adapter_sections(void **state)
{
	fixture_t *f = *state;
	const adapter_conf_t *a;

	/* No backend registered: every type is unknown, and says so. */
	config_set_backends(NULL, 0);
	write_conf(f, "hub.conf", hub_base, "[adapter in]\ntype = drop\nfolder = /tmp\n");
	load_fails(f, 1);
	problem_at(f, 0, 13, "type = drop: no such adapter type (known: none in this build)");

	/* Registered: two adapters of one type, each with its own keys; a
	 * relative path is taken from the file's folder. */
	config_set_backends(test_backends, 1);
	write_conf(f, "hub.conf", hub_base, "[adapter in]\ntype = drop\nfolder = /tmp\n"
	    "poll = 5s\n[adapter out]\nfolder = spool/out\ntype = drop\nfsync = yes\n");
	load_ok(f);
	assert_int_equal(f->cfg->nadapters, 2);
	a = &f->cfg->adapters[0];
	assert_string_equal(a->name, "in");
	assert_ptr_equal(a->type, &drop_type);
	assert_string_equal(adapter_conf_value(a, "folder"), "/tmp");
	assert_string_equal(adapter_conf_value(a, "poll"), "5s");
	assert_null(adapter_conf_value(a, "url"));
	a = &f->cfg->adapters[1];
	assert_string_equal(a->name, "out");
	assert_non_null(strstr(adapter_conf_value(a, "folder"), "/spool/out"));
	assert_int_equal(adapter_conf_value(a, "folder")[0], '/');

	/* Every problem at its line: unknown key, bad values, a missing
	 * required key and a missing type at the section, a duplicate, a bad
	 * name, an unknown type. */
	write_conf(f, "hub.conf", hub_base, "[adapter in]\ntype = drop\ncolour = blue\n"
	    "poll = soon\nurl = ftp://x\nbatch = 0\nfsync = maybe\n"
	    "[adapter out]\nfolder = /tmp\n[adapter twice]\ntype = drop\nfolder = /a\n"
	    "folder = /b\ntype = drop\n[adapter ../etc]\n[adapter x]\ntype = ftp\n");
	load_fails(f, 11);
	problem_at(f, 0, 12, "[adapter in]: folder is required for type drop");
	problem_at(f, 1, 14, "unknown key \"colour\" in [adapter in] of type drop (known: type,"
	    " folder, poll, url, batch, fsync)");
	problem_at(f, 2, 15, "poll = soon: not a duration");
	problem_at(f, 3, 16, "url = ftp://x: not an http:// or https:// URL");
	problem_at(f, 4, 17, "batch = 0: not a whole number from 1");
	problem_at(f, 5, 18, "fsync = maybe: expected yes or no");
	problem_at(f, 6, 19, "[adapter out]: type is required (known: drop)");
	problem_at(f, 7, 24, "duplicate key folder (first at line 23)");
	problem_at(f, 8, 25, "duplicate key type (first at line 22)");
	problem_at(f, 9, 26, "[adapter ../etc]: an adapter's name is 1 to 64 of");
	problem_at(f, 10, 28, "type = ftp: no such adapter type (known: drop)");
	config_set_backends(NULL, 0);
}

/* A type with a check of its own: what its keys need together, by the
 * node's role, each problem at the line it concerns. */
static const backend_key_t post_keys[] = {
	{"url", BACKEND_SMTP_URL, true}, {"to", BACKEND_EMAIL, false},
	{"cc", BACKEND_EMAIL, false}, {NULL, 0, false},
};

static void
post_check(const adapter_conf_t *a, const config_t *cfg, backend_problems_t *p)
{
	if (cfg->role == ROLE_HUB && adapter_conf_value(a, "to") == NULL)
		backend_problem(p, adapter_conf_line(a, "to"), "[adapter %s]: a hub needs to",
		    a->name);
	if (adapter_conf_value(a, "cc") != NULL)
		backend_problem(p, adapter_conf_line(a, "cc"), "cc = %s: not wanted here",
		    adapter_conf_value(a, "cc"));
}

static const backend_type_t post_type = {"post", post_keys, post_check};
static const backend_type_t *const post_backends[] = {&post_type};

static void
test_adapter_type_check(void **state)
{
	fixture_t *f = *state;

	config_set_backends(post_backends, 1);
	write_conf(f, "hub.conf", hub_base, "[adapter mail]\ntype = post\n"
	    "url = smtps://mail.example.se:465\nto = pool@example.se\n");
	load_ok(f);
	/* The keys' own forms, then the type's check at the section's line
	 * (a key not set) and at a key's. */
	write_conf(f, "hub.conf", hub_base, "[adapter mail]\ntype = post\n"
	    "url = http://mail.example.se\ncc = no address\n");
	load_fails(f, 4);
	problem_at(f, 0, 12, "[adapter mail]: a hub needs to");
	problem_at(f, 1, 14, "url = http://mail.example.se: not an smtp:// or smtps:// URL");
	problem_at(f, 2, 15, "cc = no address: not an email address");
	problem_at(f, 3, 15, "cc = no address: not wanted here");
	write_conf(f, "hub.conf", hub_base, "[adapter mail]\ntype = post\n"
	    "url = smtp://127.0.0.1:2525\nto = a@example.se\ncc = b@example.se\n");
	load_fails(f, 1);
	problem_at(f, 0, 16, "cc = b@example.se: not wanted here");
	config_set_backends(NULL, 0);
}

/* ---- problems ---------------------------------------------------------- */

static void
test_unknown_section_and_key(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", hub_base, "[bogus]\nfoo = 1\nbar = 2\n[listen]\n");
	load_fails(f, 2);   /* the keys of an unknown section are not each reported */
	problem_at(f, 0, 12, "unknown section [bogus]");
	problem_at(f, 1, 15, "duplicate section [listen] (first at line 6)");

	write_conf(f, "hub.conf", hub_base, "colour = blue\n");
	load_fails(f, 1);
	problem_at(f, 0, 12, "unknown key \"colour\" in [peer municipality:1480] (known: "
	    "public_key, public_key_file, contact_name, contact_phone, contact_email, member)");

	write_conf(f, "hub.conf", hub_base, "[pool]\nremit_ages = 0-17\n[deadlines]\n"
	    "acknowledge_urgent = 2h\n[retention]\npurge = 90d\n");
	load_fails(f, 3);
	problem_at(f, 0, 13, "unknown key \"remit_ages\" in [pool] (known: remit, remit_age)");
	problem_at(f, 1, 15, "unknown key \"acknowledge_urgent\" in [deadlines] (known: "
	    "acknowledge, acknowledge_emergency, first_contact, status_report, family_consent, "
	    "info_reply, ad_decision, reminder_lead, escalation)");
	problem_at(f, 2, 17, "unknown key \"purge\" in [retention] (known: purge_after)");

	write_conf(f, "hub.conf", "id = pool:x\n", hub_base);
	load_fails(f, 1);
	problem_at(f, 0, 1, "id: a key before any [section]");
}

static void
test_duplicate_key(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", hub_base, "[delivery]\nwindow = 5\nwindow = 6\n"
	    "public_key = @M1480@\n");
	load_fails(f, 2);
	problem_at(f, 0, 14, "duplicate key window (first at line 13)");
	problem_at(f, 1, 15, "unknown key \"public_key\" in [delivery]");

	write_conf(f, "hub.conf", hub_base, "public_key_file = @DIR@/m1480.pub\n");
	load_fails(f, 1);
	problem_at(f, 0, 12, "give public_key or public_key_file, not both (the other at line 11)");
}

static void
test_bad_values(void **state)
{
	static const struct { const char *line, *want; } cases[] = {
		{"resend_initial = 5x", "resend_initial = 5x: expected a duration: 500ms, 5s"},
		{"resend_max = -5s", "resend_max = -5s: expected a duration"},
		{"heartbeat_interval = 1.5s", "expected a duration"},
		{"heartbeat_timeout = 99999999999999999999999h", "out of range, expected 1 "
		    "to 4294967295 milliseconds"},
		{"keepalive = 0", "keepalive = 0: out of range, expected 1 to"},
		{"window = 0", "window = 0: out of range, expected 1 to 1000000"},
		{"batch_max = 1000001", "out of range, expected 1 to 1000000"},
		{"batch_max = ten", "batch_max = ten: expected a whole number"},
		{"max_message_size = 512", "out of range, expected 1024 to 1073741824 bytes"},
		{"max_message_size = 32MB", "expected a size: 32M, 64k or plain bytes"},
		{"max_message_size = 2G", "out of range"},
	};
	fixture_t *f = *state;
	char text[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[delivery]\n%s\n", cases[i].line);
		write_conf(f, "hub.conf", hub_base, text);
		load_fails(f, 1);
		problem_at(f, 0, 13, cases[i].want);
	}
}

static void
test_node_values(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "m.conf", "[node]\nid = municipality:180\nrole = member\n"
	    "state_dir = @DIR@/state\nkey_file = @DIR@/m0180.key\nlog_level = loud\n"
	    "[hub]\nid = municipality:0180\nendpoint = http://hub:80\n"
	    "public_key = not-a-key\n", NULL);
	load_fails(f, 6);
	problem_at(f, 0, 2, "id = municipality:180: expected municipality:NNNN (4-digit kommunkod) "
	    "or pool:NAME");
	problem_at(f, 1, 3, "role = member: expected hub or municipality");
	problem_at(f, 2, 6, "log_level = loud: expected error, warning, notice, info or debug");
	problem_at(f, 3, 8, "id = municipality:0180: expected pool:NAME");
	problem_at(f, 4, 9, "endpoint = http://hub:80: expected tcp://HOST:PORT or ipc://PATH");
	problem_at(f, 5, 10, "public_key = not-a-key: expected a 40-character Z85 public key");

	write_conf(f, "m.conf", "[node]\nid = pool:Nordvast\n", NULL);
	load(f);
	some_problem_at(f, 2, "id = pool:Nordvast: expected");
}

/* A hub is a pool, a municipality a municipality; sections follow the role. */
static void
test_role_mismatch(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "m.conf", muni_base, "[listen]\nbind = tcp://127.0.0.1:1\n"
	    "[peer municipality:1480]\npublic_key = @M1480@\n");
	load_fails(f, 2);
	problem_at(f, 0, 10, "[listen] is for a hub, but role = municipality (line 3)");
	problem_at(f, 1, 12, "[peer municipality:1480] is for a hub, but role = municipality (line 3)");

	write_conf(f, "hub.conf", hub_base, "[hub]\nid = pool:other\n");
	load_fails(f, 1);
	problem_at(f, 0, 12, "[hub] is for a municipality, but role = hub (line 3)");

	write_conf(f, "hub.conf", "[node]\nid = municipality:0180\nrole = hub\n"
	    "state_dir = @DIR@/state\nkey_file = @DIR@/hub.key\n[listen]\n"
	    "bind = tcp://127.0.0.1:7400\n", NULL);
	load_fails(f, 1);
	problem_at(f, 0, 2, "id = municipality:0180: a hub's id is pool:NAME (role = hub at line 3)");

	write_conf(f, "m.conf", "[node]\nrole = municipality\nid = pool:x\n"
	    "state_dir = @DIR@/state\nkey_file = @DIR@/m0180.key\n[hub]\nid = pool:nordvast\n"
	    "endpoint = tcp://127.0.0.1:7400\npublic_key = @HUB@\n", NULL);
	load_fails(f, 1);
	problem_at(f, 0, 3, "id = pool:x: a municipality's id is municipality:NNNN (role = "
	    "municipality at line 2)");
}

static void
test_missing_required(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", "\n[node]\nrole = hub\n[peer municipality:0180]\n"
	    "contact_name = X\n", NULL);
	load_fails(f, 5);
	problem_at(f, 0, 0, "[listen] bind is required");
	problem_at(f, 1, 2, "[node] id is required");
	problem_at(f, 2, 2, "[node] state_dir is required");
	problem_at(f, 3, 2, "[node] key_file is required");
	problem_at(f, 4, 4, "[peer municipality:0180] public_key or public_key_file is required");

	write_conf(f, "m.conf", "[node]\nrole = municipality\n", NULL);
	load_fails(f, 6);
	problem_at(f, 0, 0, "[hub] id is required");
	problem_at(f, 1, 0, "[hub] endpoint is required");
	problem_at(f, 2, 0, "[hub] public_key or public_key_file is required");
	problem_at(f, 3, 1, "[node] id is required");

	write_conf(f, "empty.conf", "", NULL);
	load_fails(f, 4);
	problem_at(f, 0, 0, "[node] id is required");
	problem_at(f, 1, 0, "[node] role is required");
}

static void
test_peer_sections(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", hub_base, "[peer pool:other]\npublic_key = @HUB@\n"
	    "[peer 0180]\n[peer]\n[peer municipality:0180]\n[peer municipality:01800]\n");
	load_fails(f, 5);
	problem_at(f, 0, 12, "[peer pool:other]: a peer section is named after a member "
	    "municipality, like [peer municipality:0180]");
	problem_at(f, 1, 14, "[peer 0180]: a peer section");
	problem_at(f, 2, 15, "[peer]: a peer section");
	problem_at(f, 3, 16, "duplicate section [peer municipality:0180] (first at line 8)");
	problem_at(f, 4, 17, "[peer municipality:01800]: a peer section");
}

/* Two peers with one key, or a peer with the hub's own key. */
static void
test_duplicate_peer_key(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", hub_base, "[peer municipality:0181]\n"
	    "contact_name = X\npublic_key = @M1480@\n[peer municipality:0182]\n"
	    "public_key_file = hub.pub\n");
	load_fails(f, 2);
	problem_at(f, 0, 14, "[peer municipality:0181]: public key already belongs to "
	    "[peer municipality:1480] (line 11)");
	problem_at(f, 1, 16, "[peer municipality:0182]: that public key is this hub's own");
}

static void
test_key_file_problems(void **state)
{
	fixture_t *f = *state;
	char key[PATH_MAX + 16], bad[PATH_MAX + 16];
	FILE *fp;

	snprintf(key, sizeof(key), "%s/m1480.key", f->dir);
	assert_int_equal(chmod(key, 0644), 0);
	snprintf(bad, sizeof(bad), "%s/bad.pub", f->dir);
	fp = fopen(bad, "w");
	assert_non_null(fp);
	fputs("# comment\npublic-key = nope\n", fp);
	fclose(fp);
	write_conf(f, "m.conf", "[node]\nid = municipality:1480\nrole = municipality\n"
	    "state_dir = @DIR@/state\nkey_file = @DIR@/m1480.key\n[hub]\nid = pool:x\n"
	    "endpoint = tcp://h:1\npublic_key_file = bad.pub\n", NULL);
	load_fails(f, 2);
	problem_at(f, 0, 5, "key_file: ");
	problem_at(f, 0, 5, "m1480.key: permissions 0644 are too open; chmod 600");
	problem_at(f, 1, 9, "public_key_file: ");
	problem_at(f, 1, 9, "bad.pub:2: public-key is not a 40-character Z85 key");

	snprintf(key, sizeof(key), "%s/m1480.pub", f->dir);
	assert_int_equal(chmod(key, 0600), 0);   /* so it fails for its content */
	write_conf(f, "m.conf", "[node]\nid = municipality:1480\nrole = municipality\n"
	    "state_dir = nowhere\nkey_file = m1480.pub\n[hub]\nid = pool:x\n"
	    "endpoint = tcp://h:1\npublic_key_file = missing.pub\n", NULL);
	load_fails(f, 3);
	problem_at(f, 0, 4, "state_dir = ");
	problem_at(f, 0, 4, "/nowhere: No such file or directory");
	problem_at(f, 1, 5, "m1480.pub: no secret-key line (is this a .pub file?)");
	problem_at(f, 2, 9, "missing.pub: No such file or directory");

	write_conf(f, "m.conf", "[node]\nstate_dir = hub.pub\n", NULL);
	load(f);
	some_problem_at(f, 2, "hub.pub: not a directory");
}

/* A peer's public_key_file that is really its .key file: the key has leaked
 * and must be replaced, whichever side's config names it. */
static void
test_leaked_secret_key(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", hub_base, "[peer municipality:0181]\n"   /* 12 */
	    "public_key_file = m0180.key\n");                                /* 13 */
	load_fails(f, 1);
	problem_at(f, 0, 13, "public_key_file: ");
	problem_at(f, 0, 13, "m0180.key:3: this is a SECRET key file (a .key, not a .pub):"
	    " that key has leaked and must be replaced; its owner makes a new pair"
	    " (famlinkctl keygen) and sends only the .pub");

	write_conf(f, "m.conf", "[node]\nid = municipality:0180\nrole = municipality\n"
	    "state_dir = @DIR@/state\nkey_file = @DIR@/m0180.key\n[hub]\nid = pool:nordvast\n"
	    "endpoint = tcp://h:1\npublic_key_file = hub.key\n", NULL);
	load_fails(f, 1);
	problem_at(f, 0, 9, "public_key_file: ");
	some_problem_at(f, 9, "hub.key:3: this is a SECRET key file");
	some_problem_at(f, 9, "has leaked and must be replaced");

	/* The .pub beside it is what belongs there. */
	write_conf(f, "m.conf", "[node]\nid = municipality:0180\nrole = municipality\n"
	    "state_dir = @DIR@/state\nkey_file = @DIR@/m0180.key\n[hub]\nid = pool:nordvast\n"
	    "endpoint = tcp://h:1\npublic_key_file = hub.pub\n", NULL);
	load_ok(f);
}

/* Every syntax error is reported, not just inih's first, and the keys after a
 * broken section header do not land in the section before it. */
static void
test_syntax_errors(void **state)
{
	fixture_t *f = *state;
	char more[512];

	/* contact_name fits its field (200) but not inih's line (197). */
	snprintf(more, sizeof(more), "this is not ini\n[delivery\nwindow = oops\n"
	    "[listen] extra\nbind = x\n[peer municipality:0181]\npublic_key = @x\n"
	    "contact_name = %0185d\n", 7);
	write_conf(f, "hub.conf", hub_base, more);
	load_fails(f, 5);   /* and no more: window and bind were skipped */
	problem_at(f, 0, 12, "syntax error: expected \"key = value\", \"[section]\" or a comment");
	problem_at(f, 1, 13, "syntax error: \"[\" without \"]\"");
	problem_at(f, 2, 15, "syntax error: text after \"]\"");
	problem_at(f, 3, 18, "public_key = @x: expected a 40-character");
	problem_at(f, 4, 19, "line longer than 197 characters");
}

static void
test_delivery_relations(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", hub_base, "[delivery]\nresend_max = 10s\n"
	    "resend_initial = 1m\nheartbeat_timeout = 4s\n");
	load_fails(f, 2);
	problem_at(f, 0, 14, "resend_initial (60000ms) is longer than resend_max (10000ms)");
	problem_at(f, 1, 15, "heartbeat_timeout (4000ms) must be longer than heartbeat_interval "
	    "(5000ms)");

	/* A bad value is reported once, not again as a conflict with its default. */
	write_conf(f, "hub.conf", hub_base, "[delivery]\nresend_initial = 10m\n"
	    "resend_max = 5x\n");
	load_fails(f, 1);
	problem_at(f, 0, 14, "resend_max = 5x: expected a duration");
}

/* [pool], [deadlines], [retention] and member = no, each key set. */
static void
test_routine_keys_load(void **state)
{
	fixture_t *f = *state;
	const config_t *c;

	write_conf(f, "hub.conf", hub_base,
	    "member = no\n"                                          /* 12 */
	    "[pool]\n"
	    "remit = contact_person ,emergency_home,\tfoster_home\n"
	    "remit_age = 3 - 17\n"
	    "[deadlines]\n"
	    "acknowledge = 2wd\n"
	    "acknowledge_emergency = 8760h\n"
	    "first_contact = 1 d\n"
	    "status_report = 365d\n"
	    "reminder_lead = 1\twd\n"
	    "escalation = 365 wd ; a year\n"
	    "[retention]\n"
	    "purge_after = 3650d\n");
	load_ok(f);
	c = f->cfg;
	assert_true(config_find_peer(c, "municipality:0180")->member);
	assert_false(config_find_peer(c, "municipality:1480")->member);
	assert_int_equal(c->remit_kinds, KIND(CONTACT_PERSON) | KIND(EMERGENCY_HOME) |
	    KIND(FOSTER_HOME));
	assert_int_equal(c->remit_age_min, 3);
	assert_int_equal(c->remit_age_max, 17);
	span_is(c->dl_acknowledge, 2, SPAN_WORKING_DAYS);
	span_is(c->dl_acknowledge_emergency, 8760, SPAN_HOURS);
	span_is(c->dl_first_contact, 1, SPAN_DAYS);
	span_is(c->dl_status_report, 365, SPAN_DAYS);
	span_is(c->dl_reminder_lead, 1, SPAN_WORKING_DAYS);
	span_is(c->dl_escalation, 365, SPAN_WORKING_DAYS);
	span_is(c->purge_after, 3650, SPAN_DAYS);

	write_conf(f, "hub.conf", hub_base, "member = yes\n[pool]\nremit = contact_family\n"
	    "remit_age = 0-30\n");
	load_ok(f);
	assert_true(f->cfg->peers[1].member);
	assert_int_equal(f->cfg->remit_kinds, KIND(CONTACT_FAMILY));
	assert_int_equal(f->cfg->remit_age_min, 0);
	assert_int_equal(f->cfg->remit_age_max, 30);

	write_conf(f, "hub.conf", hub_base, "[pool]\nremit = foster_home, contact_family, "
	    "contact_person, emergency_home\nremit_age = 17-17\n");
	load_ok(f);
	assert_int_equal(f->cfg->remit_kinds, ALL_KINDS);
	assert_int_equal(f->cfg->remit_age_min, 17);
	assert_int_equal(f->cfg->remit_age_max, 17);

	/* A municipality has deadlines and retention too, but no [pool]. */
	write_conf(f, "m.conf", muni_base, "[deadlines]\nstatus_report = 30d\n"
	    "reminder_lead = 12h\n[retention]\npurge_after = 365d\n");
	load_ok(f);
	span_is(f->cfg->dl_status_report, 30, SPAN_DAYS);
	span_is(f->cfg->dl_reminder_lead, 12, SPAN_HOURS);
	span_is(f->cfg->dl_acknowledge, 1, SPAN_WORKING_DAYS);   /* untouched default */
	span_is(f->cfg->purge_after, 365, SPAN_DAYS);

	write_conf(f, "m.conf", muni_base, "[pool]\nremit = foster_home\n[deadlines]\n"
	    "[retention]\n");
	load_fails(f, 1);
	problem_at(f, 0, 10, "[pool] is for a hub, but role = municipality (line 3)");

	write_conf(f, "hub.conf", hub_base, "[pool]\n[deadlines]\n[retention]\n[pool]\n");
	load_fails(f, 1);
	problem_at(f, 0, 15, "duplicate section [pool] (first at line 12)");
}

/* Each bad value of the new keys: one problem at its line, saying what is
 * expected. */
static void
test_routine_bad_values(void **state)
{
	/* sect NULL: the line goes into hub_base's last [peer], at line 12. */
	static const struct { const char *sect, *line, *want; } cases[] = {
		{NULL, "member = maybe", "member = maybe: expected yes or no"},
		{NULL, "member = true", "member = true: expected yes or no"},
		{NULL, "member = Yes", "expected yes or no"},
		{"pool", "remit = foster_home, kinship", "remit = foster_home, kinship: unknown "
		    "referral kind \"kinship\", expected foster_home, contact_family, "
		    "contact_person or emergency_home"},
		{"pool", "remit = FOSTER_HOME", "unknown referral kind \"FOSTER_HOME\""},
		{"pool", "remit = foster home", "unknown referral kind \"foster home\""},
		{"pool", "remit = contact_family, foster_home, contact_family",
		    "remit = contact_family, foster_home, contact_family: contact_family is "
		    "listed twice"},
		{"pool", "remit =", "remit is empty: expected a comma-separated list of one or "
		    "more of foster_home, contact_family, contact_person or emergency_home"},
		{"pool", "remit = \t ", "remit is empty"},
		{"pool", "remit = foster_home,", "remit = foster_home,: expected a "
		    "comma-separated list with no empty item"},
		{"pool", "remit = ,foster_home", "with no empty item"},
		{"pool", "remit = foster_home,,contact_person", "with no empty item"},
		{"pool", "remit_age = 17-3", "remit_age = 17-3: MIN is above MAX, expected "
		    "MIN-MAX like 0-17"},
		{"pool", "remit_age = 0-31", "remit_age = 0-31: out of range, expected ages 0 to 30"},
		{"pool", "remit_age = 31-40", "out of range, expected ages 0 to 30"},
		{"pool", "remit_age = 99999999999999999999999-1", "out of range, expected ages"},
		{"pool", "remit_age = 17", "remit_age = 17: expected ages MIN-MAX in whole years, "
		    "like 0-17"},
		{"pool", "remit_age = -17", "expected ages MIN-MAX"},
		{"pool", "remit_age = 0-", "expected ages MIN-MAX"},
		{"pool", "remit_age = 0-17y", "expected ages MIN-MAX"},
		{"pool", "remit_age = 0-1-2", "expected ages MIN-MAX"},
		{"pool", "remit_age = 0..17", "expected ages MIN-MAX"},
		{"pool", "remit_age = 0-0", "remit_age = 0-0: expected a MAX of at least 1 "
		    "(leave remit_age out to take any age)"},
		{"deadlines", "acknowledge_emergency = 0h", "acknowledge_emergency = 0h: out of "
		    "range, expected 1 to 8760 hours"},
		{"deadlines", "acknowledge_emergency = 8761h", "expected 1 to 8760 hours"},
		{"deadlines", "first_contact = 400d", "first_contact = 400d: out of range, "
		    "expected 1 to 365 days"},
		{"deadlines", "first_contact = 0d", "expected 1 to 365 days"},
		{"deadlines", "escalation = 366 wd", "escalation = 366 wd: out of range, expected "
		    "1 to 365 working days"},
		{"deadlines", "escalation = 99999999999999999999999wd", "out of range, expected "
		    "1 to 365 working days"},
		{"deadlines", "status_report = 5x", "status_report = 5x: expected a whole number "
		    "and a unit: h (hours), d (days) or wd (working days), like 2h, 14d or 1 wd"},
		{"deadlines", "reminder_lead = wd", "reminder_lead = wd: expected a whole number "
		    "and a unit"},
		{"deadlines", "acknowledge = 1", "acknowledge = 1: expected a whole number and a unit"},
		{"deadlines", "acknowledge = 1D", "expected a whole number and a unit"},
		{"deadlines", "acknowledge = 1.5d", "expected a whole number and a unit"},
		{"deadlines", "acknowledge = -1d", "expected a whole number and a unit"},
		{"deadlines", "acknowledge = 1 w d", "expected a whole number and a unit"},
		{"deadlines", "acknowledge = 1wdd", "expected a whole number and a unit"},
		{"deadlines", "acknowledge = 2 days", "expected a whole number and a unit"},
		{"retention", "purge_after = 4 wd", "purge_after = 4 wd: expected calendar days, "
		    "like 90d (working days are not taken here)"},
		{"retention", "purge_after = 48h", "purge_after = 48h: expected calendar days, "
		    "like 90d (hours are not taken here)"},
		{"retention", "purge_after = 3651d", "purge_after = 3651d: out of range, expected "
		    "1 to 3650 days"},
		{"retention", "purge_after = 0d", "expected 1 to 3650 days"},
		{"retention", "purge_after = 90", "purge_after = 90: expected a number of days, "
		    "like 90d"},
	};
	fixture_t *f = *state;
	char text[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].sect == NULL)
			snprintf(text, sizeof(text), "%s\n", cases[i].line);
		else
			snprintf(text, sizeof(text), "[%s]\n%s\n", cases[i].sect, cases[i].line);
		write_conf(f, "hub.conf", hub_base, text);
		load_fails(f, 1);
		problem_at(f, 0, cases[i].sect == NULL ? 12 : 13, cases[i].want);
	}

	/* All at once, each at its line, nothing else. */
	write_conf(f, "hub.conf", hub_base, "member = maybe\n[pool]\nremit = x\n"
	    "remit_age = 9-1\n[deadlines]\nacknowledge = 0h\nfirst_contact = 400d\n"
	    "status_report = 5x\nreminder_lead = wd\n[retention]\npurge_after = 1wd\n");
	load_fails(f, 8);
	problem_at(f, 0, 12, "member = maybe: expected yes or no");
	problem_at(f, 1, 14, "remit = x: unknown referral kind \"x\"");
	problem_at(f, 2, 15, "remit_age = 9-1: MIN is above MAX");
	problem_at(f, 3, 17, "acknowledge = 0h: out of range, expected 1 to 8760 hours");
	problem_at(f, 4, 18, "first_contact = 400d: out of range, expected 1 to 365 days");
	problem_at(f, 5, 19, "status_report = 5x: expected a whole number and a unit");
	problem_at(f, 6, 20, "reminder_lead = wd: expected a whole number and a unit");
	problem_at(f, 7, 22, "purge_after = 1wd: expected calendar days");
}

/* Contact details are checked but never echoed into a problem line. */
static void
test_contact_checks(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", hub_base, "contact_name = Bo \xc3\n"
	    "contact_phone = 070-SECRET\ncontact_email = bo at example.se\n");
	load_fails(f, 3);
	problem_at(f, 0, 12, "contact_name: not valid UTF-8");
	problem_at(f, 1, 13, "contact_phone: a phone number holds only digits");
	problem_at(f, 2, 14, "contact_email: expected one address like name@example.se");
	for (size_t i = 0; i < f->probs.n; i++) {
		assert_null(strstr(f->probs.lines[i], "SECRET"));
		assert_null(strstr(f->probs.lines[i], "bo at"));
	}
}

/* Each value passes on its own, but the contact as a whole breaks a rule
 * the municipality checks a ReferralAck by: refused at load, where someone
 * can fix it, naming the field; a phone needs a digit. */
static void
test_contact_as_the_protocol_sees_it(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", hub_base, "contact_name = Bo 811218-9876\n");
	load_fails(f, 1);
	problem_at(f, 0, 12, "[peer municipality:1480]: the contact person would be refused"
	    " in a ReferralAck: contact.name");
	assert_null(strstr(f->probs.lines[0], "9876"));
	write_conf(f, "hub.conf", hub_base, "contact_name = Bo\ncontact_phone = ( - )\n");
	load_fails(f, 1);
	problem_at(f, 0, 13, "contact_phone: a phone number holds only digits");
}

/* Problems of every kind in one file: all reported, sorted by line. */
static void
test_many_problems_at_once(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", "[node]\nid = pool:nordvast\nrole = hub\n"
	    "state_dir = @DIR@/state\nkey_file = @DIR@/nope.key\nkey_file = x\n"
	    "[listen]\nbind = tcp://127.0.0.1:7400\n[hub]\n[peer municipality:0180]\n"
	    "public_key = @M0180@\n[peer municipality:1480]\npublic_key = @M0180@\n"
	    "junk\n[delivery]\nwindow = 5x\n[what]\n", NULL);
	load_fails(f, 7);
	problem_at(f, 0, 5, "nope.key: No such file or directory");
	problem_at(f, 1, 6, "duplicate key key_file (first at line 5)");
	problem_at(f, 2, 9, "[hub] is for a municipality, but role = hub (line 3)");
	problem_at(f, 3, 13, "public key already belongs to [peer municipality:0180] (line 11)");
	problem_at(f, 4, 14, "syntax error");
	problem_at(f, 5, 16, "window = 5x: expected a whole number");
	problem_at(f, 6, 17, "unknown section [what]");
}

static void
test_missing_config_file(void **state)
{
	fixture_t *f = *state;

	snprintf(f->path, sizeof(f->path), "%s/absent.conf", f->dir);
	load_fails(f, 1);
	problem_at(f, 0, 0, "cannot open: No such file or directory");
	snprintf(f->path, sizeof(f->path), "%s", f->dir);
	load_fails(f, 1);
	problem_at(f, 0, 0, "not a regular file");
}

static void
test_free_is_safe(void **state)
{
	config_t *none = NULL;
	problems_t p = {0};

	(void)state;
	config_free(&none);
	config_free(NULL);
	problems_free(&p);
	problems_free(&p);
	problems_free(NULL);
	assert_null(none);
	assert_null(p.lines);
}

/* ---- value parsers ------------------------------------------------------ */

static void
test_durations(void **state)
{
	static const struct { const char *s; int rc; unsigned ms; } cases[] = {
		{"0", CONFVAL_OK, 0}, {"1500", CONFVAL_OK, 1500}, {"500ms", CONFVAL_OK, 500},
		{"5s", CONFVAL_OK, 5000}, {"2m", CONFVAL_OK, 120000}, {"1h", CONFVAL_OK, 3600000},
		{"4294967295", CONFVAL_OK, 4294967295u}, {"4294967295ms", CONFVAL_OK, 4294967295u},
		{"1193h", CONFVAL_OK, 4294800000u}, {"71582m", CONFVAL_OK, 4294920000u},
		{"4294967296", CONFVAL_RANGE, 0}, {"1194h", CONFVAL_RANGE, 0},
		{"71583m", CONFVAL_RANGE, 0}, {"4294968s", CONFVAL_RANGE, 0},
		{"18446744073709551615", CONFVAL_RANGE, 0},
		{"99999999999999999999999", CONFVAL_RANGE, 0},
		{"5x", CONFVAL_SYNTAX, 0}, {"", CONFVAL_SYNTAX, 0}, {"s", CONFVAL_SYNTAX, 0},
		{"-5s", CONFVAL_SYNTAX, 0}, {"+5s", CONFVAL_SYNTAX, 0}, {" 5s", CONFVAL_SYNTAX, 0},
		{"5 s", CONFVAL_SYNTAX, 0}, {"5S", CONFVAL_SYNTAX, 0}, {"1.5s", CONFVAL_SYNTAX, 0},
		{"5sec", CONFVAL_SYNTAX, 0}, {"5ss", CONFVAL_SYNTAX, 0}, {"0x10", CONFVAL_SYNTAX, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned ms = 12345;
		int rc = confval_duration_ms(cases[i].s, &ms);
		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, expected %d", cases[i].s, rc, cases[i].rc);
		if (rc == CONFVAL_OK && ms != cases[i].ms)
			fail_msg("\"%s\": %u ms, expected %u", cases[i].s, ms, cases[i].ms);
		if (rc != CONFVAL_OK && ms != 12345)
			fail_msg("\"%s\": output written on failure", cases[i].s);
	}
}

static void
test_sizes(void **state)
{
	static const struct { const char *s; int rc; size_t n; } cases[] = {
		{"0", CONFVAL_OK, 0}, {"4096", CONFVAL_OK, 4096}, {"64k", CONFVAL_OK, 65536},
		{"64K", CONFVAL_OK, 65536}, {"32M", CONFVAL_OK, 33554432},
		{"32m", CONFVAL_OK, 33554432}, {"1G", CONFVAL_OK, 1073741824},
		{"18446744073709551615", CONFVAL_OK, SIZE_MAX},
		{"18446744073709551616", CONFVAL_RANGE, 0}, {"17179869184G", CONFVAL_RANGE, 0},
		{"17179869183G", CONFVAL_OK, 17179869183ULL << 30},
		{"32MB", CONFVAL_SYNTAX, 0}, {"M", CONFVAL_SYNTAX, 0}, {"", CONFVAL_SYNTAX, 0},
		{"-1", CONFVAL_SYNTAX, 0}, {"5x", CONFVAL_SYNTAX, 0}, {"1T", CONFVAL_SYNTAX, 0},
		{"1 k", CONFVAL_SYNTAX, 0}, {"1.5M", CONFVAL_SYNTAX, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = 777;
		int rc = confval_size(cases[i].s, &n);
		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, expected %d", cases[i].s, rc, cases[i].rc);
		if (rc == CONFVAL_OK && n != cases[i].n)
			fail_msg("\"%s\": %zu, expected %zu", cases[i].s, n, cases[i].n);
	}
}

static void
test_spans(void **state)
{
	static const struct { const char *s; int rc; unsigned n; span_unit_t u; } cases[] = {
		{"2h", CONFVAL_OK, 2, SPAN_HOURS}, {"14d", CONFVAL_OK, 14, SPAN_DAYS},
		{"1wd", CONFVAL_OK, 1, SPAN_WORKING_DAYS}, {"1 wd", CONFVAL_OK, 1, SPAN_WORKING_DAYS},
		{"3 \t d", CONFVAL_OK, 3, SPAN_DAYS}, {"0h", CONFVAL_OK, 0, SPAN_HOURS},
		{"007d", CONFVAL_OK, 7, SPAN_DAYS},
		{"4294967295h", CONFVAL_OK, 4294967295u, SPAN_HOURS},
		{"4294967296h", CONFVAL_RANGE, 0, SPAN_HOURS},
		{"99999999999999999999999 wd", CONFVAL_RANGE, 0, SPAN_WORKING_DAYS},
		{"", CONFVAL_SYNTAX, 0, 0}, {"d", CONFVAL_SYNTAX, 0, 0}, {"wd", CONFVAL_SYNTAX, 0, 0},
		{"5", CONFVAL_SYNTAX, 0, 0}, {"5x", CONFVAL_SYNTAX, 0, 0}, {"5 ", CONFVAL_SYNTAX, 0, 0},
		{" 5d", CONFVAL_SYNTAX, 0, 0}, {"5H", CONFVAL_SYNTAX, 0, 0},
		{"5w", CONFVAL_SYNTAX, 0, 0}, {"5dw", CONFVAL_SYNTAX, 0, 0},
		{"5d ", CONFVAL_SYNTAX, 0, 0}, {"-5d", CONFVAL_SYNTAX, 0, 0},
		{"+5d", CONFVAL_SYNTAX, 0, 0}, {"5.5d", CONFVAL_SYNTAX, 0, 0},
		{"5 days", CONFVAL_SYNTAX, 0, 0}, {"5ms", CONFVAL_SYNTAX, 0, 0},
		{"99999999999999999999999x", CONFVAL_SYNTAX, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		span_t sp = {12345, (span_unit_t)99};
		int rc = confval_span(cases[i].s, &sp);
		if (rc != cases[i].rc)
			fail_msg("\"%s\": rc %d, expected %d", cases[i].s, rc, cases[i].rc);
		if (rc == CONFVAL_OK && (sp.amount != cases[i].n || sp.unit != cases[i].u))
			fail_msg("\"%s\": %u/%d", cases[i].s, sp.amount, (int)sp.unit);
		if (rc == CONFVAL_RANGE && (sp.amount != 12345 || sp.unit != cases[i].u))
			fail_msg("\"%s\": range, but %u/%d", cases[i].s, sp.amount, (int)sp.unit);
		if (rc == CONFVAL_SYNTAX && (sp.amount != 12345 || sp.unit != (span_unit_t)99))
			fail_msg("\"%s\": output written on failure", cases[i].s);
	}
}

static void
test_pairs_and_kinds(void **state)
{
	unsigned long long lo = 77, hi = 77;

	(void)state;
	assert_int_equal(confval_uint_pair("0-17", 30, &lo, &hi), CONFVAL_OK);
	assert_true(lo == 0 && hi == 17);
	assert_int_equal(confval_uint_pair("3 -\t30", 30, &lo, &hi), CONFVAL_OK);
	assert_true(lo == 3 && hi == 30);
	assert_int_equal(confval_uint_pair("9-1", 30, &lo, &hi), CONFVAL_OK);   /* caller judges */
	assert_true(lo == 9 && hi == 1);
	lo = hi = 77;
	assert_int_equal(confval_uint_pair("31-1", 30, &lo, &hi), CONFVAL_RANGE);
	assert_int_equal(confval_uint_pair("1-31", 30, &lo, &hi), CONFVAL_RANGE);
	assert_int_equal(confval_uint_pair("99999999999999999999999-1", 30, &lo, &hi),
	    CONFVAL_RANGE);
	assert_int_equal(confval_uint_pair("1-99999999999999999999999", 30, &lo, &hi),
	    CONFVAL_RANGE);
	assert_true(lo == 77 && hi == 77);
	static const char *const bad[] = {"", "-", "1", "1-", "-1", "1--2", "1-2-3", "a-b",
	    "1..2", "1 2", "1-+2", "1-2 ", " 1-2", "1\xe2\x80\x93" "2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (confval_uint_pair(bad[i], 30, &lo, &hi) != CONFVAL_SYNTAX)
			fail_msg("\"%s\" is not a pair", bad[i]);
	assert_true(lo == 77 && hi == 77);

	assert_int_equal(confval_referral_kind("foster_home", 11), 1);
	assert_int_equal(confval_referral_kind("contact_family", 14), 2);
	assert_int_equal(confval_referral_kind("contact_person", 14), 3);
	assert_int_equal(confval_referral_kind("emergency_home", 14), 4);
	assert_int_equal(confval_referral_kind("foster_home, x", 11), 1);   /* only len bytes */
	assert_int_equal(confval_referral_kind("foster_home", 10), 0);
	assert_int_equal(confval_referral_kind("foster_homes", 12), 0);
	assert_int_equal(confval_referral_kind("", 0), 0);
	assert_int_equal(confval_referral_kind("unspecified", 11), 0);
}

static void
test_ids_endpoints_text(void **state)
{
	unsigned long long v = 0;

	(void)state;
	assert_true(confval_municipality_id("municipality:0180"));
	assert_false(confval_municipality_id("municipality:180"));
	assert_false(confval_municipality_id("municipality:01800"));
	assert_false(confval_municipality_id("municipality:01a0"));
	assert_false(confval_municipality_id("Municipality:0180"));
	assert_true(confval_pool_id("pool:nordvast"));
	assert_true(confval_pool_id("pool:a-1"));
	assert_true(confval_pool_id("pool:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));   /* 48 */
	assert_false(confval_pool_id("pool:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 49 */
	assert_false(confval_pool_id("pool:"));
	assert_false(confval_pool_id("pool:Nord"));
	assert_false(confval_pool_id("pool:nord_vast"));
	assert_true(confval_node_id("pool:x") && confval_node_id("municipality:0001"));
	assert_false(confval_node_id("hub"));
	assert_true(confval_endpoint("tcp://127.0.0.1:7400"));
	assert_true(confval_endpoint("tcp://[::1]:7400"));
	assert_true(confval_endpoint("ipc:///run/famlink/hub"));
	assert_false(confval_endpoint("tcp://127.0.0.1"));
	assert_false(confval_endpoint("tcp://:7400"));
	assert_false(confval_endpoint("tcp://h:0"));
	assert_false(confval_endpoint("tcp://h:65536"));
	assert_false(confval_endpoint("tcp://h:*"));
	assert_false(confval_endpoint("ipc://"));
	assert_false(confval_endpoint("udp://h:1"));
	assert_false(confval_endpoint("tcp://h :1"));
	assert_int_equal(confval_uint("42", 100, &v), CONFVAL_OK);
	assert_int_equal(v, 42);
	assert_int_equal(confval_uint("101", 100, &v), CONFVAL_RANGE);
	assert_int_equal(confval_uint("4 2", 100, &v), CONFVAL_SYNTAX);
	assert_true(confval_text("Åsa Öberg-Ärlig"));
	assert_true(confval_text(""));
	assert_false(confval_text("tab\there"));
	assert_false(confval_text("del\x7f"));
	assert_false(confval_text("\xc3"));            /* truncated */
	assert_false(confval_text("\xc0\xaf"));        /* overlong '/' */
	assert_false(confval_text("\xed\xa0\x80"));    /* surrogate */
	assert_false(confval_text("\xf4\x90\x80\x80"));/* above U+10FFFF */
}

/* [node] report_language: the meeting report's language for people. */
static void
test_report_language(void **state)
{
	fixture_t *f = *state;

	write_conf(f, "hub.conf", hub_base, NULL);
	load_ok(f);
	assert_int_equal(f->cfg->report_language, REPORT_SV);   /* the default */
	write_conf(f, "m.conf", "[node]\nreport_language = en\n", muni_base + 7);
	load_ok(f);
	assert_int_equal(f->cfg->report_language, REPORT_EN);
	write_conf(f, "m.conf", "[node]\nreport_language = sv\n", muni_base + 7);
	load_ok(f);
	assert_int_equal(f->cfg->report_language, REPORT_SV);
	write_conf(f, "m.conf", "[node]\nreport_language = svenska\n", muni_base + 7);
	load_fails(f, 1);
	problem_at(f, 0, 2, "report_language = svenska: expected one of sv, en");
	write_conf(f, "m.conf", muni_base, "[delivery]\nreport_language = en\n");
	load_fails(f, 1);
	problem_at(f, 0, 11, "unknown key \"report_language\" in [delivery]");
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hub_loads_with_defaults),
		T(test_municipality_loads_with_values),
		T(test_syntax_details),
		T(test_disk_free_limit),
		T(test_examples_load),
		T(test_relative_paths),
		T(test_unknown_section_and_key),
		T(test_duplicate_key),
		T(test_bad_values),
		T(test_node_values),
		T(test_role_mismatch),
		T(test_missing_required),
		T(test_peer_sections),
		T(test_duplicate_peer_key),
		T(test_key_file_problems),
		T(test_leaked_secret_key),
		T(test_syntax_errors),
		T(test_delivery_relations),
		T(test_routine_keys_load),
		T(test_routine_bad_values),
		T(test_contact_checks),
		T(test_contact_as_the_protocol_sees_it),
		T(test_many_problems_at_once),
		T(test_missing_config_file),
		T(test_report_language),
		T(test_adapter_sections),
		T(test_adapter_type_check),
		cmocka_unit_test(test_free_is_safe),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_pairs_and_kinds),
		cmocka_unit_test(test_ids_endpoints_text),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
