/*
 * Integration: famlinkd's monitoring endpoint ([monitor]) on real daemons,
 * over real HTTP (libcurl; unix sockets and 127.0.0.2). A municipality
 * queues referrals while the hub is down, then the hub comes up and takes
 * them, and a stranger's frame is rejected: each route's status and body
 * are read on both sides as that happens. /metrics must be valid
 * Prometheus text whose counters follow the messages, and whose gauges of
 * famlinkctl status's view (a peer connected, an adapter failing, an alert
 * raised) follow a hub killed and started again; the /api/ routes must be the
 * documents famlinkctl --json prints; beyond loopback, every route but
 * /healthz and the dashboard page asks for the token. The page, loaded in
 * headless Chromium, shows the queue and overdue deadlines; with a dead
 * letter made as test_actions.c makes one and the hub killed, each peer's
 * state, the open alert and the dead letter with its retry button (a
 * screenshot kept in $FAMLINK_BUILD/artifacts). POST /api/retry then sends
 * the dead letter again once its cause is fixed, and refuses a GET, a
 * foreign Origin, another content type and, with a token set, no token.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define OUT 262144
#define WAIT_MS 15000
#define NREF 3
#define JSON_TYPE "application/json"

/* ---- a small HTTP client --------------------------------------------------------- */

typedef struct http {
	long status;
	char type[128];
	char body[OUT];
	size_t len;
} http_t;

static size_t
collect(char *data, size_t size, size_t n, void *ctx)
{
	http_t *r = ctx;
	size_t len = size * n;

	if (r->len + len >= sizeof(r->body))
		return 0;
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

/* What a request carries besides its method and path (each NULL: none). */
typedef struct request {
	const char *token;    /* Authorization: Bearer TOKEN */
	const char *type;     /* Content-Type */
	const char *origin;   /* Origin, as a browser sends it */
	const char *body;
} request_t;

/* METHOD path at where ("unix:/PATH" or "HOST:PORT") with q: the answer in
 * *r (static: valid until the next call). */
static http_t *
http_with(const char *where, const char *method, const char *path, const request_t *q)
{
	static http_t r;
	char url[512], auth[300], type[200], origin[300];
	struct curl_slist *headers = NULL;
	CURL *h = curl_easy_init();
	const char *ct = NULL;
	CURLcode rc;

	memset(&r, 0, sizeof(r));
	assert_non_null(h);
	if (strncmp(where, "unix:", 5) == 0) {
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, where + 5);
		snprintf(url, sizeof(url), "http://localhost%s", path);
	} else {
		snprintf(url, sizeof(url), "http://%s%s", where, path);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	if (q->token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", q->token);
		headers = curl_slist_append(headers, auth);
	}
	snprintf(type, sizeof(type), "Content-Type: %s", q->type ? q->type : "");
	headers = curl_slist_append(headers, type);   /* "Content-Type:" sends none */
	if (q->origin != NULL) {
		snprintf(origin, sizeof(origin), "Origin: %s", q->origin);
		headers = curl_slist_append(headers, origin);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	if (q->body != NULL)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	if ((rc = curl_easy_perform(h)) != CURLE_OK)
		fail_msg("%s %s at %s: %s", method, path, where, curl_easy_strerror(rc));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL)
		snprintf(r.type, sizeof(r.type), "%s", ct);
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	return &r;
}

/* METHOD path at where, with the bearer token if not NULL. */
static http_t *
http(const char *where, const char *method, const char *path, const char *token)
{
	return http_with(where, method, path, &(request_t){ .token = token });
}

/* GET path: must answer want; its body. */
static const char *
get_ok(const char *where, const char *path, const char *token, long want)
{
	http_t *r = http(where, "GET", path, token);

	if (r->status != want)
		fail_msg("GET %s at %s: %ld, want %ld: %s", path, where, r->status, want, r->body);
	return r->body;
}

/* ---- a small Prometheus text parser ------------------------------------------------ */

static bool
metric_name(const char **p)
{
	const char *s = *p;

	if (!(isalpha((unsigned char)*s) || *s == '_' || *s == ':'))
		return false;
	while (isalnum((unsigned char)*s) || *s == '_' || *s == ':')
		s++;
	*p = s;
	return true;
}

/* {name="value",...}: label names by the rules, values with \\ \" \n only. */
static bool
labels(const char **p)
{
	const char *s = *p;

	if (*s != '{')
		return true;
	for (s++; *s != '}'; ) {
		if (!(isalpha((unsigned char)*s) || *s == '_'))
			return false;
		while (isalnum((unsigned char)*s) || *s == '_')
			s++;
		if (*s++ != '=' || *s++ != '"')
			return false;
		for (; *s != '"'; s++) {
			if (*s == '\0' || *s == '\n')
				return false;
			if (*s == '\\' && strchr("\\\"n", *++s) == NULL)
				return false;
		}
		s++;
		if (*s == ',')
			s++;
		else if (*s != '}')
			return false;
	}
	*p = s + 1;
	return true;
}

/* Fails the test unless every line of text is blank, a comment (HELP and
 * TYPE naming a valid metric; counters named *_total), or "name{labels}
 * value"; every sample a famlink_ one. Returns the number of samples. */
static int
prometheus_check(const char *text)
{
	char line[4096], type[32];
	int samples = 0, lineno = 0;

	for (const char *s = text; *s != '\0'; ) {
		size_t n = strcspn(s, "\n");
		const char *p = line, *name;
		char *end;

		assert_true(n < sizeof(line));
		memcpy(line, s, n);
		line[n] = '\0';
		s += n + (s[n] == '\n');
		lineno++;
		if (line[0] == '\0')
			continue;
		if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0) {
			p = line + 7;
			name = p;
			if (!metric_name(&p) || *p != ' ')
				fail_msg("line %d: bad metric name: %s", lineno, line);
			if (line[2] == 'T' && (sscanf(p, " %31s", type) != 1 ||
			    (strcmp(type, "counter") == 0 && (size_t)(p - name) < 6) ||
			    (strcmp(type, "counter") == 0 && strncmp(p - 6, "_total", 6) != 0) ||
			    strstr(" counter gauge histogram summary untyped ", type) == NULL))
				fail_msg("line %d: bad TYPE: %s", lineno, line);
			continue;
		}
		if (line[0] == '#')
			continue;
		if (strncmp(line, "famlink_", 8) != 0 || !metric_name(&p) || !labels(&p) || *p != ' ')
			fail_msg("line %d: not name{labels} value: %s", lineno, line);
		strtod(p + 1, &end);
		if (end == p + 1 || (*end != '\0' && *end != ' '))
			fail_msg("line %d: bad value: %s", lineno, line);
		samples++;
	}
	return samples;
}

/* The value of series ("name{labels}" exactly as written) in text; -1 if
 * it has no such line. */
static double
sample(const char *text, const char *series)
{
	size_t len = strlen(series);

	for (const char *s = text; s != NULL && *s != '\0'; s = strchr(s, '\n'), s = s ? s + 1 : s)
		if (strncmp(s, series, len) == 0 && s[len] == ' ')
			return strtod(s + len + 1, NULL);
	return -1;
}

/* Polls where's /metrics until series reads want (-1: has no line), or
 * at least want; fails after WAIT_MS with the last text. */
static void
wait_sample_as(const char *where, const char *series, double want, bool at_least)
{
	struct timespec pause = { 0, 50 * 1000000L };
	const char *m = NULL;
	double v;

	for (int waited = 0; waited <= WAIT_MS; waited += 50) {
		m = get_ok(where, "/metrics", NULL, 200);
		if ((v = sample(m, series)) == want || (at_least && v > want)) {
			assert_true(prometheus_check(m) > 0);
			return;
		}
		nanosleep(&pause, NULL);
	}
	fail_msg("%s never read %g at %s: %s", series, want, where, m);
}

#define wait_sample(where, series, want) wait_sample_as(where, series, want, false)

/* ---- famlinkctl --json and the API --------------------------------------------------- */

/* Each number after key becomes 0. */
static void
zeroed(char *s, const char *key)
{
	for (char *p = s; (p = strstr(p, key)) != NULL; ) {
		char *v = p + strlen(key), *e = v + (*v == '-');
		while (isdigit((unsigned char)*e))
			e++;
		*v = '0';
		memmove(v + 1, e, strlen(e) + 1);
		p = v + 1;
	}
}

/* Ages ("ageMs", status's "oldest…AgeMs"), when a peer was last seen and
 * the disk's free bytes (other processes write to it; the WAL grows and
 * shrinks) move between two reads: 0 in both. */
static void
ages_zeroed(char *s)
{
	zeroed(s, "geMs\": ");
	zeroed(s, "\"lastSeenMs\": ");
	zeroed(s, "\"freeBytes\": ");
	zeroed(s, "\"storeBytes\": ");
}

/* GET /api/NAME equals famlinkctl NAME --json, byte for byte but for ages. */
static void
api_equals_ctl(node_proc_t *n, const char *where, const char *name)
{
	static char want[OUT], got[OUT];
	const char *args[] = {name, "--json", NULL};
	char path[64];
	http_t *r;

	snprintf(path, sizeof(path), "/api/%s", name);
	r = http(where, "GET", path, NULL);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->type, "application/json");
	snprintf(got, sizeof(got), "%s", r->body);
	assert_int_equal(ctl_run(n, want, sizeof(want), args), 0);
	ages_zeroed(got);
	ages_zeroed(want);
	assert_string_equal(got, want);
}

/* ---- the scenario ------------------------------------------------------------------------ */

static char hub_monitor[600], muni_monitor[600];
static char hub_extra[700], muni_extra[1400];

static cluster_t *
cluster_with_monitors(void)
{
	cluster_t *c = cluster_new(2, NULL);
	char inbound[600];

	snprintf(hub_monitor, sizeof(hub_monitor), "unix:%s/monitor.sock", c->hub.dir);
	snprintf(muni_monitor, sizeof(muni_monitor), "unix:%s/monitor.sock", c->muni[0].dir);
	snprintf(hub_extra, sizeof(hub_extra), "\n[monitor]\nlisten = %s\n", hub_monitor);
	/* The municipality hands what it receives to a spool folder: its
	 * hand-over times are a histogram too. */
	snprintf(muni_extra, sizeof(muni_extra), "\n[monitor]\nlisten = %s\n\n[adapter case]\n"
	    "type = spool\ninbound = %s/in\n", muni_monitor, c->muni[0].dir);
	snprintf(inbound, sizeof(inbound), "%s/in", c->muni[0].dir);
	assert_int_equal(mkdir(inbound, 0700), 0);
	c->hub_extra = hub_extra;
	c->muni[0].conf_extra = muni_extra;
	cluster_write_hub_conf(c);
	cluster_write_muni_conf(c, &c->muni[0]);
	return c;
}

static void
start_waited(node_proc_t *n)
{
	assert_int_equal(node_start(n), 0);
	assert_true(wait_log(n, node_started_text(n), WAIT_MS));
}

/* The routes every node has, and what they answer besides. /healthz is
 * famlinkctl status --check's verdict: healthy or degraded is 200. */
static void
check_probes(const char *where)
{
	const char *h = get_ok(where, "/healthz", NULL, 200);
	http_t *r;

	if (strncmp(h, "OK: ", 4) != 0 && strncmp(h, "DEGRADED: ", 10) != 0)
		fail_msg("/healthz: %s", h);
	assert_string_equal(get_ok(where, "/readyz", NULL, 200), "ready\n");
	r = http(where, "GET", "/nope", NULL);
	assert_int_equal(r->status, 404);
	assert_non_null(strstr(r->body, "no such route"));
	r = http(where, "POST", "/metrics", NULL);
	assert_int_equal(r->status, 405);
	assert_non_null(strstr(r->body, "GET"));
	r = http(where, "HEAD", "/metrics", NULL);
	assert_int_equal(r->status, 200);
	assert_int_equal(r->len, 0);
	r = http(where, "GET", "/metrics", NULL);
	assert_string_equal(r->type, "text/plain; version=0.0.4; charset=utf-8");
}

static void
test_routes(void **state)
{
	cluster_t *c = *state = cluster_with_monitors();
	node_proc_t *muni = &c->muni[0];
	char series[256];
	const char *m;
	raw_client_t *raw;
	Famlink__V1__Envelope *answer;

	/* The hub down: the referrals wait at the municipality. */
	start_waited(muni);
	check_probes(muni_monitor);
	assert_int_equal(enqueue_referrals(muni, "0101-2026", 1, NREF, NREF), 0);
	m = get_ok(muni_monitor, "/metrics", NULL, 200);
	assert_true(prometheus_check(m) > 0);
	assert_true(sample(m, "famlink_queue_waiting_messages{peer=\"pool:test\"}") == NREF);
	assert_true(sample(m, "famlink_deadlines_open{kind=\"acknowledge\"}") >= NREF);
	assert_true(sample(m, "famlink_store_size_bytes") > 0);
	assert_true(sample(m, "famlink_store_writable") == 1);
	api_equals_ctl(muni, muni_monitor, "queue");
	api_equals_ctl(muni, muni_monitor, "referrals");
	api_equals_ctl(muni, muni_monitor, "deadlines");
	assert_non_null(strstr(get_ok(muni_monitor, "/api/queue", NULL, 200), "\"waiting\""));

	/* The hub up: they go over, and the counters follow. */
	start_waited(&c->hub);
	check_probes(hub_monitor);
	wait_sql(&c->hub, "SELECT count(*) FROM inbox", NREF);
	wait_sql(muni, "SELECT count(*) FROM outbox WHERE body_type = 'referral'"
	    " AND state = 'delivered'", NREF);
	m = get_ok(hub_monitor, "/metrics", NULL, 200);
	assert_true(prometheus_check(m) > 0);
	assert_true(sample(m, "famlink_messages_received_total{peer=\"municipality:0101\","
	    "body=\"referral\"}") == NREF);
	m = get_ok(muni_monitor, "/metrics", NULL, 200);
	assert_true(prometheus_check(m) > 0);
	assert_true(sample(m, "famlink_messages_sent_total{peer=\"pool:test\","
	    "body=\"referral\"}") >= NREF);
	assert_true(sample(m, "famlink_queue_waiting_messages{peer=\"pool:test\"}") == 0);
	assert_true(sample(m, "famlink_message_delivery_seconds_count{peer=\"pool:test\"}") ==
	    NREF);
	assert_true(sample(m, "famlink_message_delivery_seconds_bucket{peer=\"pool:test\","
	    "le=\"+Inf\"}") == NREF);
	assert_true(sample(m, "famlink_message_delivery_seconds_sum{peer=\"pool:test\"}") > 0);
	/* Each ReferralAck went on to the spool folder. */
	wait_sql(muni, "SELECT count(*) FROM inbox_handover", NREF);
	m = get_ok(muni_monitor, "/metrics", NULL, 200);
	assert_true(prometheus_check(m) > 0);
	assert_true(sample(m, "famlink_handover_seconds_count{adapter=\"case\"}") == NREF);
	assert_true(sample(m, "famlink_handover_seconds_bucket{adapter=\"case\",le=\"+Inf\"}") ==
	    NREF);
	api_equals_ctl(&c->hub, hub_monitor, "referrals");
	api_equals_ctl(&c->hub, hub_monitor, "deadlines");
	api_equals_ctl(&c->hub, hub_monitor, "queue");
	api_equals_ctl(&c->hub, hub_monitor, "status");
	api_equals_ctl(muni, muni_monitor, "status");
	/* The same verdict as status --check, word for word. */
	{
		static const char *const check[] = {"status", "--check", NULL};
		static char want[OUT];
		ctl_run(muni, want, sizeof(want), check);
		assert_string_equal(get_ok(muni_monitor, "/healthz", NULL, 200), want);
	}

	/* A frame that is no famlink message, from the second municipality. */
	assert_int_equal(sample(get_ok(hub_monitor, "/metrics", NULL, 200),
	    "famlink_messages_rejected_total{peer=\"municipality:0102\",body=\"frame\","
	    "reason=\"malformed\"}"), -1);
	raw = raw_connect(c, &c->muni[1]);
	assert_int_equal(raw_send(raw, "not protobuf", 12, false), 0);
	answer = raw_recv_receipt(raw, WAIT_MS);
	assert_non_null(answer);
	famlink__v1__envelope__free_unpacked(answer, NULL);
	raw_close(&raw);
	snprintf(series, sizeof(series), "famlink_messages_rejected_total{peer=\"municipality:0102\","
	    "body=\"frame\",reason=\"malformed\"}");
	m = get_ok(hub_monitor, "/metrics", NULL, 200);
	assert_true(prometheus_check(m) > 0);
	assert_true(sample(m, series) == 1);
}

/* The gauges famlinkctl status reads beside the queues: the hub killed,
 * the municipality shows it not connected, then raises peer_silent once
 * [alerts] peer_silent has passed; the hub back, both go back. The hub's
 * spool adapter shows its waiting messages and failures in a row. */
static void
test_status_metrics(void **state)
{
	static char extra[1500], hub_adapter[900];
	cluster_t *c = *state = cluster_with_monitors();
	node_proc_t *muni = &c->muni[0];
	const char *m;

	snprintf(extra, sizeof(extra), "%s\n[alerts]\npeer_silent = 2s\n", muni_extra);
	muni->conf_extra = extra;
	cluster_write_muni_conf(c, muni);
	snprintf(hub_adapter, sizeof(hub_adapter), "%s\n[adapter case]\ntype = exec\n"
	    "program = /bin/false\n", hub_extra);
	c->hub_extra = hub_adapter;
	cluster_write_hub_conf(c);
	start_waited(&c->hub);
	start_waited(muni);
	wait_sample(muni_monitor, "famlink_peer_connected{peer=\"pool:test\"}", 1);
	wait_sample(hub_monitor, "famlink_peer_connected{peer=\"municipality:0101\"}", 1);
	m = get_ok(hub_monitor, "/metrics", NULL, 200);
	assert_true(sample(m, "famlink_peer_connected{peer=\"municipality:0102\"}") == 0);
	assert_true(sample(m, "famlink_alerts_raised") == 0);
	m = get_ok(muni_monitor, "/metrics", NULL, 200);
	assert_true(sample(m, "famlink_alert{kind=\"peer_silent\",subject=\"pool:test\"}") == -1);

	/* A referral the hub's adapter fails to hand over (its program exits 1). */
	assert_int_equal(enqueue_referrals(muni, "0101-2026", 1, 1, 1), 0);
	wait_sample(hub_monitor, "famlink_adapter_waiting_messages{adapter=\"case\"}", 1);
	wait_sample_as(hub_monitor, "famlink_adapter_failures{adapter=\"case\"}", 1, true);

	node_kill9(&c->hub);
	wait_sample(muni_monitor, "famlink_peer_connected{peer=\"pool:test\"}", 0);
	wait_sample(muni_monitor, "famlink_alert{kind=\"peer_silent\",subject=\"pool:test\"}", 1);
	assert_true(sample(get_ok(muni_monitor, "/metrics", NULL, 200), "famlink_alerts_raised")
	    == 1);

	assert_int_equal(node_log_rotate(&c->hub), 0);
	start_waited(&c->hub);
	wait_sample(muni_monitor, "famlink_peer_connected{peer=\"pool:test\"}", 1);
	wait_sample(muni_monitor, "famlink_alert{kind=\"peer_silent\",subject=\"pool:test\"}", -1);
	assert_true(sample(get_ok(muni_monitor, "/metrics", NULL, 200), "famlink_alerts_raised")
	    == 0);
}

/* ---- beyond loopback --------------------------------------------------------------------- */

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* 127.0.0.2 is not 127.0.0.1: the config must name a token, only its
 * owner may read it, and the endpoint asks for it on all but /healthz. */
static void
test_token(void **state)
{
	static char extra[1200], where[64];
	cluster_t *c = *state = cluster_new(0, NULL);
	char token_path[600], out[4096];
	http_t *r;

	snprintf(token_path, sizeof(token_path), "%s/monitor.token", c->hub.dir);
	snprintf(where, sizeof(where), "127.0.0.2:%d", free_port());
	snprintf(extra, sizeof(extra), "\n[monitor]\nlisten = %s\n", where);
	c->hub_extra = extra;
	cluster_write_hub_conf(c);
	assert_int_equal(node_check_config(&c->hub, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "is reachable from other hosts: set token_file"));

	write_file(token_path, "s3cret-t0ken\n", 0644);
	snprintf(extra, sizeof(extra), "\n[monitor]\nlisten = %s\ntoken_file = %s\n", where,
	    token_path);
	cluster_write_hub_conf(c);
	assert_int_equal(node_check_config(&c->hub, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "too open; chmod 600"));

	assert_int_equal(chmod(token_path, 0600), 0);
	assert_int_equal(node_check_config(&c->hub, out, sizeof(out)), 0);
	start_waited(&c->hub);
	assert_non_null(strstr(get_ok(where, "/healthz", NULL, 200), ": pool:test, "));
	assert_non_null(strstr(get_ok(where, "/", NULL, 200), "<!DOCTYPE html>"));   /* no data */
	assert_non_null(strstr(get_ok(where, "/metrics", NULL, 401), "token"));
	assert_non_null(strstr(get_ok(where, "/api/queue", "wrong", 401), "token"));
	assert_non_null(strstr(get_ok(where, "/readyz", "s3cret-t0ke", 401), "token"));
	assert_true(prometheus_check(get_ok(where, "/metrics", "s3cret-t0ken", 200)) > 0);
	assert_string_equal(get_ok(where, "/api/queue", "s3cret-t0ken", 200), "[]\n");
	assert_string_equal(get_ok(where, "/readyz", "s3cret-t0ken", 200), "ready\n");
	/* An action too: the token is asked before the body is read. */
	r = http_with(where, "POST", "/api/retry", &(request_t){ .type = JSON_TYPE,
	    .body = "{\"messageId\": \"x\"}" });
	assert_int_equal(r->status, 401);
	r = http_with(where, "POST", "/api/retry", &(request_t){ .token = "s3cret-t0ken",
	    .type = JSON_TYPE, .body = "{\"messageId\": \"x\"}" });
	assert_int_equal(r->status, 404);
}

/* Words --check-config finds in a [monitor] section, line by line. */
static void
test_check_config(void **state)
{
	static char extra[256];
	static const struct { const char *listen, *want; } cases[] = {
		{"localhost:9464", "expected IPv4:PORT, [IPv6]:PORT or unix:/PATH"},
		{"127.0.0.1:0", "expected IPv4:PORT"},
		{"unix:relative.sock", "absolute path"},
		{"[::1]:9464", NULL},
		{"127.0.0.1:9464", NULL},
	};
	cluster_t *c = *state = cluster_new(0, NULL);
	char out[4096];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(extra, sizeof(extra), "\n[monitor]\nlisten = %s\n", cases[i].listen);
		c->hub_extra = extra;
		cluster_write_hub_conf(c);
		if (cases[i].want == NULL) {
			assert_int_equal(node_check_config(&c->hub, out, sizeof(out)), 0);
			continue;
		}
		assert_int_equal(node_check_config(&c->hub, out, sizeof(out)), 1);
		if (strstr(out, cases[i].want) == NULL || strstr(out, ": listen = ") == NULL)
			fail_msg("listen = %s: %s", cases[i].listen, out);
	}
}

/* ---- the dashboard in a browser ------------------------------------------------------ */

/* /api/history: points in time order, the last with want waiting. */
static void
history_has_waiting(const char *where, long want)
{
	json_error_t jerr;
	json_t *h = json_loads(get_ok(where, "/api/history", NULL, 200), 0, &jerr), *p;
	int64_t last = 0;
	size_t i;

	if (h == NULL || !json_is_array(h) || json_array_size(h) == 0)
		fail_msg("/api/history is no array of points: %s", jerr.text);
	json_array_foreach(h, i, p) {
		assert_true(json_int_at(p, "atMs") >= last);
		last = json_int_at(p, "atMs");
		assert_true(json_int_at(p, "delivered") >= 0);
	}
	assert_int_equal(json_int_at(json_array_get(h, json_array_size(h) - 1), "waiting"), want);
	json_decref(h);
}

#define CHROMIUM "/usr/bin/chromium"
#define CLICK "tests/integration/page_click.py"
#define BROWSER_MS 60000
#define DAY_MS 86400000LL

/* Headless Chromium on url with what (--dump-dom, or --screenshot=PATH),
 * its output into out_path, once the page's own requests are answered. */
static void
chromium(const char *dir, const char *url, const char *what, const char *out_path)
{
	char profile[600];
	const char *argv[] = {CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
	    "--disable-quic", "--no-first-run", "--disable-background-networking",
	    "--disable-component-update", "--disable-sync", profile, "--window-size=1200,1400",
	    "--virtual-time-budget=5000", what, url, NULL};
	int rc;

	snprintf(profile, sizeof(profile), "--user-data-dir=%s/chromium-profile", dir);
	if ((rc = run_captured(argv, out_path, BROWSER_MS)) != 0)
		fail_msg("chromium %s: exit %d", what, rc);
}

/* The page at url as headless Chromium leaves its DOM (the caller frees). */
static char *
dashboard_dom(const char *dir, const char *url)
{
	char dom[600];

	snprintf(dom, sizeof(dom), "%s/dom.html", dir);
	chromium(dir, url, "--dump-dom", dom);
	return file_text(dom);
}

/* A screenshot of the page at url, kept as the test's artefact in
 * $FAMLINK_BUILD/artifacts/name (not removed at teardown): it must be a
 * PNG of some size. */
static void
dashboard_screenshot(const char *dir, const char *url, const char *name)
{
	const char *build = getenv("FAMLINK_BUILD");
	char png[600], what[700], log[600];
	unsigned char magic[8];
	struct stat st;
	FILE *f;

	snprintf(png, sizeof(png), "%s/artifacts", build ? build : "build");
	if (mkdir(png, 0755) != 0 && access(png, W_OK) != 0)
		fail_msg("%s: cannot make it", png);
	snprintf(png, sizeof(png), "%s/artifacts/%s", build ? build : "build", name);
	unlink(png);
	snprintf(what, sizeof(what), "--screenshot=%s", png);
	snprintf(log, sizeof(log), "%s/screenshot.log", dir);
	chromium(dir, url, what, log);
	assert_int_equal(stat(png, &st), 0);
	assert_true(st.st_size > 20000);   /* a blank page of that size is a few kB */
	assert_non_null(f = fopen(png, "rb"));
	assert_int_equal(fread(magic, 1, sizeof(magic), f), sizeof(magic));
	fclose(f);
	assert_memory_equal(magic, "\x89PNG\r\n\x1a\n", sizeof(magic));
}

static void
assert_has(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("no \"%s\" in: %s", want, text);
}

/* A municipality whose referrals wait for a hub that is down, their
 * acknowledge deadlines ten days overdue: the page shows the queue and the
 * overdue deadlines, in Swedish and in English, and none of what the
 * referrals say of people. */
static void
test_dashboard(void **state)
{
	static char extra[256];
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *muni = &c->muni[0];
	char where[64], url[128], *dom;
	int64_t start = local_time_ms(2026, 3, 4, 10);

	if (access(CHROMIUM, X_OK) != 0)
		fail_msg("%s is not installed: run tools/install-deps as root", CHROMIUM);
	snprintf(where, sizeof(where), "127.0.0.1:%d", free_port());
	snprintf(extra, sizeof(extra), "\n[monitor]\nlisten = %s\n", where);
	muni->conf_extra = extra;
	cluster_write_muni_conf(c, muni);
	clock_move_to(start);
	start_waited(muni);
	assert_int_equal(enqueue_referrals(muni, "0101-2026", 1, NREF, NREF), 0);
	assert_int_equal(node_stop(muni), 0);
	assert_int_equal(node_log_rotate(muni), 0);   /* wait for the second start's line */
	clock_move_to(start + 10 * DAY_MS);
	start_waited(muni);
	dom = file_text("daemon/monitor/dashboard.html");   /* served as it is */
	assert_string_equal(get_ok(where, "/", NULL, 200), dom);
	free(dom);

	snprintf(url, sizeof(url), "http://%s/", where);
	dom = dashboard_dom(muni->dir, url);
	assert_has(dom, "<html lang=\"sv\">");
	assert_has(dom, "data-loaded=\"yes\"");
	assert_has(dom, "<h2 id=\"peersTitle\">Köer per part</h2>");
	assert_has(dom, "<tr><td>pool:test</td><td class=\"n bad\">3</td>");
	assert_has(dom, "<h2 id=\"overdueTitle\">Försenade tidsfrister per kommun</h2>");
	assert_has(dom, "<tr><td>municipality:0101</td><td class=\"n bad\">3</td>");
	/* The chart from the endpoint's own last hour: one point already, the
	 * 3 referrals waiting. */
	assert_has(dom, "<polyline points=\"");
	history_has_waiting(where, 3);
	assert_null(strstr(dom, "Secretary"));
	assert_null(strstr(dom, "alias"));
	free(dom);

	snprintf(url, sizeof(url), "http://%s/?lang=en", where);
	dom = dashboard_dom(muni->dir, url);
	assert_has(dom, "<html lang=\"en\">");
	assert_has(dom, "<h2 id=\"peersTitle\">Queues by peer</h2>");
	assert_has(dom, "<tr><td>municipality:0101</td><td class=\"n bad\">3</td>");
	free(dom);
}

/* ---- a dead letter on the page, and sent again from it -------------------------------- */

#define RID "0101-2026-000001"

/* POST /api/retry at where of body, with Content-Type type and Origin
 * origin (NULL: none): must answer want; its body. */
static const char *
post_retry(const char *where, const char *type, const char *origin, const char *body,
    long want)
{
	http_t *r = http_with(where, "POST", "/api/retry",
	    &(request_t){ .type = type, .origin = origin, .body = body });

	if (r->status != want)
		fail_msg("POST /api/retry %s: %ld, want %ld: %s", body, r->status, want, r->body);
	return r->body;
}

/* The municipality's [hub] id misspelt: its Referral stays queued for
 * "pool:tset"; the config fixed, its ReferralClosed reaches the hub first
 * and is rejected: a dead letter (as test_actions.c makes one). Its id into
 * closed, the Referral's into referral. */
static void
make_dead_letter(cluster_t *c, char closed[64], char referral[64])
{
	node_proc_t *muni = &c->muni[0];
	char right[65], out[4096];
	const char *at;

	snprintf(right, sizeof(right), "%s", c->hub.id);
	snprintf(c->hub.id, sizeof(c->hub.id), "pool:tset");
	cluster_write_muni_conf(c, muni);
	snprintf(c->hub.id, sizeof(c->hub.id), "%s", right);
	assert_int_equal(cluster_start_waited(c, WAIT_MS), 0);
	assert_int_equal(enqueue_referrals(muni, "0101-2026", 1, 1, 1), 0);
	wait_sql(muni, "SELECT count(*) FROM outbox WHERE peer = 'pool:tset'", 1);
	db_text(muni, "SELECT message_id FROM outbox WHERE peer = 'pool:tset'", referral, 64);
	assert_int_equal(node_stop(muni), 0);
	assert_int_equal(node_log_rotate(muni), 0);
	cluster_write_muni_conf(c, muni);
	start_waited(muni);
	if (ctl_send_json(muni, "--json", "{\"referralClosed\": {\"referralId\": \"" RID "\","
	    " \"outcome\": \"CLOSING_OUTCOME_WITHDRAWN\"}}", out, sizeof(out)) != 0 ||
	    (at = strstr(out, "\"messageId\":\"")) == NULL)
		fail_msg("send of referralClosed refused: %s", out);
	snprintf(closed, 64, "%.26s", at + 13);
	wait_sql(muni, "SELECT count(*) FROM outbox WHERE state = 'dead'", 1);
}

/* The page with the hub killed: each peer with its state, the alert
 * peer_silent open, the dead letter with its reason and its button; none
 * of the referral's words for people. A screenshot is kept. */
static void
page_shows_trouble(node_proc_t *muni, const char *where, const char *closed)
{
	char url[128], want[256], *dom;
	json_t *st = ctl_json(muni, (const char *[]){"status", "--json", NULL});
	json_t *peer = json_array_get(json_object_get(st, "peers"), 0);

	assert_non_null(peer);
	assert_string_equal(json_str_at(peer, "nodeId"), "pool:test");
	snprintf(url, sizeof(url), "http://%s/", where);
	dom = dashboard_dom(muni->dir, url);
	assert_has(dom, "data-loaded=\"yes\"");
	assert_has(dom, "<h2 id=\"linksTitle\">Parter</h2>");
	snprintf(want, sizeof(want), "<tr><td>pool:test</td><td data-state=\"%s\" class=\"bad\">",
	    json_str_at(peer, "state"));
	assert_has(dom, want);
	assert_has(dom, "<h2 id=\"alertsTitle\">Öppna larm</h2>");
	assert_has(dom, "<tr><td>part tyst för länge</td><td>pool:test</td>");
	assert_has(dom, "<h2 id=\"deadTitle\">Döda brev</h2>");
	snprintf(want, sizeof(want), "<tr><td>%s</td><td>pool:test</td><td>referral_closed</td>",
	    closed);
	assert_has(dom, want);
	snprintf(want, sizeof(want), "<button data-message-id=\"%s\">Skicka igen</button>", closed);
	assert_has(dom, want);
	assert_null(strstr(dom, "Secretary"));
	assert_null(strstr(dom, "alias"));
	free(dom);
	dashboard_screenshot(muni->dir, url, "dashboard.png");
	json_decref(st);
}

/* The page's "Skicka igen" button of message id clicked in Chromium: what
 * the page then says of it (static). */
static const char *
click_retry(const char *dir, const char *where, const char *id)
{
	static char said[4096];
	char url[128], button[128], profile[600], out[600];
	const char *argv[] = {"/usr/bin/python3", CLICK, "--chromium", CHROMIUM, "--profile",
	    profile, "--url", url, "--click", button, "--wait", "#retried", NULL};
	char *text;
	int rc;

	snprintf(url, sizeof(url), "http://%s/", where);
	snprintf(button, sizeof(button), "button[data-message-id=\"%s\"]", id);
	snprintf(profile, sizeof(profile), "%s/chromium-click", dir);
	snprintf(out, sizeof(out), "%s/click.out", dir);
	rc = run_captured(argv, out, BROWSER_MS);
	text = file_text(out);
	snprintf(said, sizeof(said), "%s", text);
	free(text);
	if (rc != 0)
		fail_msg("%s: exit %d: %s", CLICK, rc, said);
	return said;
}

/* POST /api/retry: refused unless it is a same-origin JSON POST; an
 * unknown id 404; the dead letter, once its Referral is at the hub, sent
 * again by the page's button clicked in Chromium (the browser's own
 * request passes the checks) under a new id that arrives, audited by the
 * endpoint; then 409. */
static void
retry_over_http(cluster_t *c, const char *where, const char *closed)
{
	node_proc_t *muni = &c->muni[0];
	char body[128], own[128], new_id[64], q[512], big[2048] = "";
	const char *r, *at;
	http_t *g = http(where, "GET", "/api/retry", NULL);

	assert_int_equal(g->status, 405);
	assert_non_null(strstr(g->body, "only POST"));
	snprintf(body, sizeof(body), "{\"messageId\": \"%s\"}", closed);
	snprintf(own, sizeof(own), "http://%s", where);
	assert_has(post_retry(where, JSON_TYPE, "http://evil.example", body, 403), "cross-site");
	assert_has(post_retry(where, JSON_TYPE, "null", body, 403), "cross-site");
	assert_has(post_retry(where, "text/plain", NULL, body, 415), "application/json");
	assert_has(post_retry(where, "application/x-www-form-urlencoded", own, body, 415),
	    "application/json");
	assert_has(post_retry(where, JSON_TYPE, own, "messageId=1", 400), "expected");
	memset(big, ' ', sizeof(big) - 1);
	memcpy(big, body, strlen(body));   /* the id, then spaces past the 1 KiB cap */
	assert_has(post_retry(where, JSON_TYPE, own, big, 413), "too large");
	assert_has(post_retry(where, JSON_TYPE, own, "{\"messageId\": \"01NOSUCHID\"}", 404),
	    "no message 01NOSUCHID");
	assert_int_equal(db_long(muni, "SELECT count(*) FROM outbox"), 3);   /* nothing done */

	r = click_retry(muni->dir, where, closed);
	if ((at = strstr(r, "dead letter, resent as ")) == NULL)
		fail_msg("the page's retry: %s", r);
	snprintf(new_id, sizeof(new_id), "%.26s", at + 23);
	snprintf(q, sizeof(q), "SELECT count(*) FROM outbox WHERE message_id = '%s' AND state ="
	    " 'delivered'", new_id);
	wait_sql(muni, q, 1);
	wait_sql(&c->hub, "SELECT count(*) FROM referrals WHERE referral_id = '" RID "' AND state"
	    " = 'closed'", 1);
	snprintf(q, sizeof(q), "SELECT count(*) FROM audit WHERE event = 'op' AND message_id ="
	    " '%s' AND detail = 'retry by monitor endpoint: dead letter resent as %s'", closed,
	    new_id);
	assert_int_equal(db_long(muni, q), 1);
	assert_has(post_retry(where, JSON_TYPE "; charset=utf-8", own, body, 409),
	    "sent again already");
}

static void
test_dashboard_dead_letter(void **state)
{
	static char extra[512];
	cluster_t *c = *state = cluster_new(1, NULL);
	node_proc_t *muni = &c->muni[0];
	char where[64], closed[64], referral[64], out[4096];

	if (access(CHROMIUM, X_OK) != 0)
		fail_msg("%s is not installed: run tools/install-deps as root", CHROMIUM);
	snprintf(where, sizeof(where), "127.0.0.1:%d", free_port());
	snprintf(extra, sizeof(extra), "\n[monitor]\nlisten = %s\n\n[alerts]\npeer_silent = 2s\n",
	    where);
	muni->conf_extra = extra;
	make_dead_letter(c, closed, referral);

	node_kill9(&c->hub);
	wait_sample(where, "famlink_alert{kind=\"peer_silent\",subject=\"pool:test\"}", 1);
	page_shows_trouble(muni, where, closed);

	/* The cause fixed: the hub back, the Referral readdressed to it. */
	assert_int_equal(node_log_rotate(&c->hub), 0);
	start_waited(&c->hub);
	wait_sample(where, "famlink_peer_connected{peer=\"pool:test\"}", 1);
	ctl_run_want(muni, 0, out, sizeof(out),
	    (const char *[]){"readdress", referral, "--peer", "pool:test", NULL});
	wait_sql(&c->hub, "SELECT count(*) FROM referrals WHERE referral_id = '" RID "'", 1);
	retry_over_http(c, where, closed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_check_config, cluster_teardown),
		cmocka_unit_test_teardown(test_token, cluster_teardown),
		cmocka_unit_test_teardown(test_routes, cluster_teardown),
		cmocka_unit_test_teardown(test_status_metrics, cluster_teardown),
		cmocka_unit_test_teardown(test_dashboard, cluster_teardown),
		cmocka_unit_test_teardown(test_dashboard_dead_letter, cluster_teardown),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
