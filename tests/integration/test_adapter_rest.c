/*
 * Integration: the rest adapter on real daemons against a real HTTP
 * server on loopback (tests/integration/http_sink.py, run with
 * /usr/bin/python3), which records every POST and is steered by flag
 * files. The hub POSTs what it receives to the sink; the municipality
 * polls the sink for items to send and confirms them there. Checked: a
 * message handed over (Idempotency-Key and body carry its id, the token
 * goes as a bearer token, the sender sees HANDED_OVER) and nothing of the
 * URL or token in the log; a 500, a time-out and a server that is down
 * are failures in codes only, retried until they pass, each retry with
 * the same key; famlinkd stopped while a request hangs exits cleanly; a
 * kill -9 after the server took a message (its 2xx held back) brings the
 * same key again; HTTPS verifies the server (refused without the CA) and
 * presents a client certificate; an item is queued once and confirmed
 * only after the commit, a bad one refused with the reason, and an item
 * offered again after kill -9 and restarts of famlinkd and the server, or
 * while its ack fails, is confirmed again, never queued twice; a poll
 * answer that is not JSON is logged; a token file others may read stops
 * the start.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS 15000
#define PYTHON "/usr/bin/python3"
#define SINK "tests/integration/http_sink.py"
#define TOKEN "test-token-5f2a9c"
#define MUNI (&c->muni[0])
#define HUB (&c->hub)

/* ---- the sink ------------------------------------------------------------- */

typedef struct sink {
	pid_t pid;
	int port;
	char dir[600];
	const char *store;           /* --store, or NULL */
	bool tls;                    /* --tls with DIR/../tls/server.pem and a client CA */
} sink_t;

static sink_t sink;             /* the running test's; stopped by teardown() */

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void
put_file(const char *path, const char *text, mode_t mode)
{
	char tmp[800];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode)) < 0 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fchmod(fd, mode) != 0 ||
	    close(fd) != 0 || rename(tmp, path) != 0)
		fail_msg("%s: %s", path, strerror(errno));
}

/* DIR/name of the sink into buf. */
static const char *
sink_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", sink.dir, name);
	return buf;
}

/* Starts the sink on port (0: any) and waits for it to listen. */
static void
sink_start(int port)
{
	char port_file[700], portarg[16], cert[700], key[700], ca[700], *text;
	const char *argv[16];
	int argc = 0;

	if (access(PYTHON, X_OK) != 0)
		fail_msg(PYTHON " not found (Debian's python3 has http.server)");
	sink_path("port", port_file, sizeof(port_file));
	(void)unlink(port_file);
	snprintf(portarg, sizeof(portarg), "%d", port);
	argv[argc++] = PYTHON;
	argv[argc++] = SINK;
	argv[argc++] = "--dir";
	argv[argc++] = sink.dir;
	argv[argc++] = "--port";
	argv[argc++] = portarg;
	if (sink.store != NULL) {
		argv[argc++] = "--store";
		argv[argc++] = sink.store;
	}
	if (sink.tls) {
		snprintf(cert, sizeof(cert), "%s/../tls/server.pem", sink.dir);
		snprintf(key, sizeof(key), "%s/../tls/server.key", sink.dir);
		snprintf(ca, sizeof(ca), "%s/../tls/ca.pem", sink.dir);
		argv[argc++] = "--tls";
		argv[argc++] = cert;
		argv[argc++] = key;
		argv[argc++] = "--client-ca";
		argv[argc++] = ca;
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	if ((sink.pid = fork()) < 0)
		fail_msg("fork: %s", strerror(errno));
	if (sink.pid == 0) {
		char log[700];
		int fd = open(sink_path("sink.log", log, sizeof(log)), O_WRONLY | O_CREAT | O_APPEND,
		    0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execv(PYTHON, (char *const *)argv);
		_exit(127);
	}
	for (int waited = 0; access(port_file, R_OK) != 0; waited += 20) {
		if (waited >= WAIT_MS)
			fail_msg("http_sink did not listen (see %s/sink.log)", sink.dir);
		sleep_ms(20);
	}
	sink.port = atoi(text = file_text(port_file));
	free(text);
	assert_true(port == 0 || sink.port == port);
}

static void
sink_stop(void)
{
	if (sink.pid <= 0)
		return;
	kill(sink.pid, SIGTERM);
	waitpid(sink.pid, NULL, 0);
	sink.pid = 0;
}

/* A sink with its folder in c's root. */
static void
sink_new(cluster_t *c, const char *store)
{
	memset(&sink, 0, sizeof(sink));
	snprintf(sink.dir, sizeof(sink.dir), "%s/sink", c->root);
	if (mkdir(sink.dir, 0700) != 0)
		fail_msg("mkdir %s: %s", sink.dir, strerror(errno));
	sink.store = store;
}

static void
flag_set(const char *name, const char *content)
{
	char path[700];

	put_file(sink_path(name, path, sizeof(path)), content, 0600);
}

static void
flag_clear(const char *name)
{
	char path[700];

	assert_int_equal(unlink(sink_path(name, path, sizeof(path))), 0);
}

static int
teardown(void **state)
{
	sink_stop();
	return cluster_teardown(state);
}

/* The recorded POSTs to path, in order: an array (caller decrefs). */
static json_t *
requests(const char *path)
{
	char folder[700], file[1000];
	struct dirent **names;
	json_t *all = json_array();
	int n = scandir(sink_path("requests", folder, sizeof(folder)), &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		json_t *j = NULL;
		size_t len = strlen(names[i]->d_name);
		if (len > 5 && strcmp(names[i]->d_name + len - 5, ".json") == 0) {
			snprintf(file, sizeof(file), "%s/%s", folder, names[i]->d_name);
			j = json_load_file(file, 0, NULL);
		}
		if (j != NULL && strcmp(json_string_value(json_object_get(j, "path")), path) == 0)
			json_array_append(all, j);
		json_decref(j);
		free(names[i]);
	}
	free(names);
	return all;
}

/* Waits until at least want POSTs to path were recorded: them all. */
static json_t *
wait_requests(const char *path, size_t want)
{
	json_t *all;

	for (int waited = 0; json_array_size(all = requests(path)) < want; waited += 20) {
		if (waited >= WAIT_MS)
			fail_msg("%zu POSTs to %s recorded, wanted %zu", json_array_size(all), path, want);
		json_decref(all);
		sleep_ms(20);
	}
	return all;
}

/* Waits until the sink has dropped the confirmed item from its list, so
 * that a list the test writes next is not overwritten by that drop. */
static void
wait_dropped(const char *item_id)
{
	char path[700], quoted[256], *text;
	bool there = true;

	snprintf(quoted, sizeof(quoted), "\"%s\"", item_id);
	sink_path("items.json", path, sizeof(path));
	for (int waited = 0; there; waited += 20) {
		if (waited >= WAIT_MS)
			fail_msg("the sink did not drop item %s", item_id);
		there = strstr(text = file_text(path), quoted) != NULL;
		free(text);
		if (there)
			sleep_ms(20);
	}
}

static const char *
header(json_t *req, const char *name)
{
	const char *v = json_string_value(json_object_get(json_object_get(req, "headers"), name));

	if (v == NULL)
		fail_msg("no header %s", name);
	return v;
}

/* ---- the cluster ---------------------------------------------------------- */

static char hub_extra[2048], muni_extra[2048];

/* The hub POSTs what it receives to the sink (url_extra: more keys); the
 * municipality sends. */
static void
hub_rest(cluster_t *c, const char *scheme, const char *extra)
{
	snprintf(hub_extra, sizeof(hub_extra), "\n[adapter poolapi]\ntype = rest\n"
	    "inbound_url = %s://127.0.0.1:%d/inbound\ntimeout = 2s\nconnect_timeout = 2s\n"
	    "stuck_after = 1h\n%s", scheme, sink.port, extra);
	c->hub_extra = hub_extra;
	cluster_write_hub_conf(c);
}

/* A cluster and a sink for the hub's inbound side, with a bearer token. */
static cluster_t *
inbound_cluster(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char path[700];

	sink_new(c, NULL);
	sink_start(0);
	snprintf(path, sizeof(path), "%s/token", HUB->dir);
	put_file(path, TOKEN "\n", 0600);
	hub_rest(c, "http", "token_file = token\n");
	return c;
}

/* The municipality polls the sink; the sink checks each ack against its
 * store. */
static cluster_t *
outbound_cluster(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	static char store[700];

	snprintf(store, sizeof(store), "%s/famlink.db", MUNI->dir);
	sink_new(c, store);
	sink_start(0);
	snprintf(muni_extra, sizeof(muni_extra), "\n[adapter caseapi]\ntype = rest\n"
	    "outbound_url = http://127.0.0.1:%d/outbound\nack_url = http://127.0.0.1:%d/ack\n"
	    "poll_interval = 100ms\ntimeout = 2s\n", sink.port, sink.port);
	MUNI->conf_extra = muni_extra;
	cluster_write_muni_conf(c, MUNI);
	return c;
}

static void
start(cluster_t *c)
{
	/* After the referrals' decision dates, whatever day the test runs. */
	clock_move_to(local_time_ms(2026, 12, 7, 10));
	assert_int_equal(cluster_start_waited(c, WAIT_MS), 0);
}

/* The municipality sends referral 0101-2026-000001: its message id. */
static const char *
send_referral(cluster_t *c, char id[64])
{
	assert_int_equal(enqueue_referrals(MUNI, "0101-2026", 1, 1, 1), 0);
	assert_true(wait_db(MUNI, "SELECT count(*) FROM outbox WHERE body_type = 'referral'", 1,
	    WAIT_MS));
	db_text(MUNI, "SELECT message_id FROM outbox WHERE body_type = 'referral'", id, 64);
	return id;
}

/* inbound_cluster() started with the sink's flag set (NULL: none) and the
 * referral sent: its message id in id. */
static cluster_t *
inbound_sent(void **state, const char *flag, const char *content, char id[64])
{
	cluster_t *c = inbound_cluster(state);

	if (flag != NULL)
		flag_set(flag, content);
	start(c);
	send_referral(c, id);
	return c;
}

/* SQL: whether message id in table (outbox at the sender, inbox at the
 * receiver) is marked handed over (done) or not. */
static const char *
handed_over_sql(const char *table, const char *id, bool done, char *buf, size_t len)
{
	if (strcmp(table, "inbox") == 0)   /* the receiver's mark is a row of its own */
		snprintf(buf, len, "SELECT count(*) FROM inbox WHERE message_id = '%s' AND id %s"
		    " (SELECT inbox_id FROM inbox_handover)", id, done ? "IN" : "NOT IN");
	else
		snprintf(buf, len, "SELECT count(*) FROM %s WHERE message_id = '%s' AND"
		    " handed_over_at IS %s", table, id, done ? "NOT NULL" : "NULL");
	return buf;
}

/* The sender learns that the hub's adapter took message id. */
static void
assert_handed_over(cluster_t *c, const char *id)
{
	char sql[256];

	assert_true(wait_db(MUNI, handed_over_sql("outbox", id, true, sql, sizeof(sql)), 1,
	    WAIT_MS));
	assert_int_equal(db_long(HUB, handed_over_sql("inbox", id, true, sql, sizeof(sql))), 1);
}

/* Every recorded POST of the message carried its id as the key. */
static void
assert_same_key(const char *id, size_t at_least)
{
	json_t *all = wait_requests("/inbound", at_least), *req;
	size_t i;

	json_array_foreach(all, i, req)
		assert_string_equal(header(req, "idempotency-key"), id);
	json_decref(all);
}

static void
wait_failure(cluster_t *c, const char *like)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM handovers WHERE adapter = 'poolapi' AND"
	    " attempts >= 1 AND last_error LIKE '%s'", like);
	assert_true(wait_db(HUB, sql, 1, WAIT_MS));
}

/* ---- inbound -------------------------------------------------------------- */

static void
test_rest_hands_over(void **state)
{
	char id[64], url[64];
	cluster_t *c = inbound_sent(state, NULL, NULL, id);
	json_t *all, *req, *body;

	all = wait_requests("/inbound", 1);
	req = json_array_get(all, 0);
	assert_string_equal(header(req, "idempotency-key"), id);
	assert_string_equal(header(req, "x-famlink-message-id"), id);
	assert_string_equal(header(req, "x-famlink-sender"), MUNI->id);
	assert_string_equal(header(req, "x-famlink-body-type"), "referral");
	assert_string_equal(header(req, "content-type"), "application/json");
	assert_string_equal(header(req, "authorization"), "Bearer " TOKEN);
	body = json_loads(json_string_value(json_object_get(req, "body")), 0, NULL);
	assert_non_null(body);
	assert_string_equal(json_str_at(body, "messageId"), id);
	assert_string_equal(json_str_at(body, "bodyType"), "referral");
	assert_string_equal(json_str_at(json_object_get(json_object_get(body, "body"),
	    "referral"), "referralId"), "0101-2026-000001");
	json_decref(body);
	json_decref(all);
	assert_handed_over(c, id);
	/* Handed over once: no second request. */
	assert_int_equal(json_array_size(all = requests("/inbound")), 1);
	json_decref(all);
	/* The log names the adapter and ids, never the token or the URL. */
	assert_true(log_has(HUB, "adapter poolapi: rest, inbound, bearer token"));
	assert_false(log_has(HUB, TOKEN));
	snprintf(url, sizeof(url), "127.0.0.1:%d", sink.port);
	assert_false(log_has(HUB, url));
}

static void
test_rest_500_then_success(void **state)
{
	char id[64], sql[256];
	cluster_t *c = inbound_sent(state, "status-inbound", "500\n", id);

	/* Codes only: never the answer's body. */
	wait_failure(c, "HTTP 500");
	assert_false(log_has(HUB, "SINK-ANSWER-BODY"));
	assert_int_equal(db_long(MUNI, handed_over_sql("outbox", id, false, sql, sizeof(sql))), 1);
	flag_clear("status-inbound");
	assert_handed_over(c, id);
	assert_same_key(id, 2);
	assert_true(wait_log(HUB, "adapter poolapi: handed over again after", WAIT_MS));
}

/* The server hangs past the time-out; famlinkd stopped while a request
 * hangs ends it and exits cleanly (a sanitizer report in the log fails
 * the test); the message goes through once the server answers. */
static void
test_rest_timeout_then_success(void **state)
{
	char id[64];
	cluster_t *c = inbound_sent(state, "hang-inbound", "", id);

	wait_failure(c, "time-out after 2 s");
	json_decref(wait_requests("/inbound", 2));   /* the retry hangs now */
	assert_int_equal(node_stop(HUB), 0);
	assert_int_equal(node_log_rotate(HUB), 0);
	assert_int_equal(node_start(HUB), 0);
	flag_clear("hang-inbound");
	assert_handed_over(c, id);
	assert_same_key(id, 3);
}

static void
test_rest_server_down_then_up(void **state)
{
	cluster_t *c = inbound_cluster(state);
	char id[64];

	start(c);
	sink_stop();
	send_referral(c, id);
	wait_failure(c, "curl 7: %");
	sink_start(sink.port);
	assert_handed_over(c, id);
	assert_same_key(id, 1);
}

/* The server took the message but its 2xx is held back, and famlinkd is
 * killed meanwhile: not recorded as handed over, so after the restart the
 * message comes again, with the same key. */
static void
test_rest_kill9_same_key(void **state)
{
	char id[64], sql[256];
	cluster_t *c = inbound_sent(state, "hang-inbound", "", id);

	json_decref(wait_requests("/inbound", 1));
	node_kill9(HUB);
	assert_int_equal(db_long(HUB, handed_over_sql("inbox", id, false, sql, sizeof(sql))), 1);
	flag_clear("hang-inbound");            /* the 2xx goes to a dead socket */
	assert_int_equal(node_log_rotate(HUB), 0);
	assert_int_equal(node_start(HUB), 0);
	assert_same_key(id, 2);
	assert_handed_over(c, id);
}

/* openssl: a CA, a server certificate for 127.0.0.1 and a client
 * certificate, in ROOT/tls. */
static void
make_certs(cluster_t *c)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "exec >/dev/null 2>&1; set -e; mkdir -p '%1$s/tls'; cd '%1$s/tls';"
	    " k='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';"
	    " openssl req -x509 $k -keyout ca.key -out ca.pem -days 2 -subj /CN=famlink-test-ca;"
	    " printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext;"
	    " printf 'extendedKeyUsage=clientAuth\\n' > client.ext;"
	    " for n in server client; do"
	    "  openssl req $k -keyout $n.key -out $n.csr -subj /CN=famlink-test-$n;"
	    "  openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
	    "   -out $n.pem -days 2 -extfile $n.ext;"
	    "  chmod 600 $n.key;"
	    " done", c->root);
	if (system(cmd) != 0)
		fail_msg("openssl could not make the test certificates");
}

/* HTTPS: without the CA the server is not trusted (nothing reaches it);
 * with ca_file, client_cert and client_key it is, and it sees the client's
 * certificate. */
static void
test_rest_https(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char id[64], extra[1024];
	json_t *all;

	make_certs(c);
	sink_new(c, NULL);
	sink.tls = true;
	sink_start(0);
	hub_rest(c, "https", "");
	start(c);
	send_referral(c, id);
	wait_failure(c, "curl 60: %");
	assert_int_equal(json_array_size(all = requests("/inbound")), 0);
	json_decref(all);

	assert_int_equal(node_stop(HUB), 0);
	snprintf(extra, sizeof(extra), "ca_file = %1$s/tls/ca.pem\nclient_cert = %1$s/tls/client.pem\n"
	    "client_key = %1$s/tls/client.key\n", c->root);
	hub_rest(c, "https", extra);
	assert_int_equal(node_log_rotate(HUB), 0);
	assert_int_equal(node_start(HUB), 0);
	assert_handed_over(c, id);
	all = wait_requests("/inbound", 1);
	assert_string_equal(json_str_at(json_array_get(all, 0), "clientSubject"),
	    "famlink-test-client");
	assert_string_equal(header(json_array_get(all, 0), "idempotency-key"), id);
	json_decref(all);
}

/* A token file others may read stops the start, and says why without
 * the token. */
static void
test_rest_refuses_open_token(void **state)
{
	cluster_t *c = inbound_cluster(state);
	char path[700];

	snprintf(path, sizeof(path), "%s/token", HUB->dir);
	assert_int_equal(chmod(path, 0644), 0);
	clock_move_to(local_time_ms(2026, 12, 7, 10));
	assert_int_equal(node_start(HUB), 0);
	assert_true(node_wait(HUB, WAIT_MS) > 0);
	assert_true(log_has(HUB, "token_file"));
	assert_true(log_has(HUB, "chmod 600"));
	assert_false(log_has(HUB, TOKEN));
}

/* ---- outbound ------------------------------------------------------------- */

/* {"id": ID, "message": REFERRAL rid} into buf. */
static const char *
referral_item(cluster_t *c, const char *item_id, const char *rid, char *buf, size_t len)
{
	char path[700], *text;

	snprintf(path, sizeof(path), "%s/item.json", c->root);
	write_referral_json(path, rid);
	text = file_text(path);
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, len, "{\"id\": \"%s\", \"message\": %s}", item_id, text);
	free(text);
	return buf;
}

/* The ack at index i: its body, parsed (caller decrefs), and whether the
 * message was committed when it came. */
static json_t *
ack_body(json_t *acks, size_t i, bool *committed)
{
	json_t *req = json_array_get(acks, i), *body;

	assert_non_null(req);
	body = json_loads(json_string_value(json_object_get(req, "body")), 0, NULL);
	assert_non_null(body);
	if (committed != NULL)
		*committed = json_is_true(json_object_get(req, "committed"));
	return body;
}

static void
test_rest_outbound_queued_once(void **state)
{
	cluster_t *c = outbound_cluster(state);
	char items[4096], one[2048], two[1024], id[64];
	json_t *acks, *a;
	bool committed;

	referral_item(c, "case-1", "0101-2026-000001", one, sizeof(one));
	snprintf(two, sizeof(two), "{\"id\": \"case-2\", \"message\": {\"referral\":"
	    " {\"referralId\": \"0101-2026-000002\", \"colour\": 1}}}");
	snprintf(items, sizeof(items), "[%s, %s, {\"id\": 7, \"message\": {}}]", one, two);
	flag_set("items.json", items);
	start(c);
	acks = wait_requests("/ack", 2);
	assert_true(wait_db(MUNI, "SELECT count(*) FROM outbox WHERE body_type = 'referral'", 1,
	    WAIT_MS));
	db_text(MUNI, "SELECT message_id FROM outbox WHERE body_type = 'referral'", id, sizeof(id));

	/* Queued, and confirmed only once committed. */
	a = ack_body(acks, 0, &committed);
	assert_string_equal(json_str_at(a, "id"), "case-1");
	assert_string_equal(json_str_at(a, "status"), "queued");
	assert_string_equal(json_str_at(a, "messageId"), id);
	assert_true(committed);
	json_decref(a);
	/* Refused, saying what and where in one line. */
	a = ack_body(acks, 1, NULL);
	assert_string_equal(json_str_at(a, "id"), "case-2");
	assert_string_equal(json_str_at(a, "status"), "refused");
	assert_non_null(strstr(json_str_at(a, "error"), "colour"));
	assert_null(strchr(json_str_at(a, "error"), '\n'));
	assert_null(json_object_get(a, "messageId"));
	json_decref(a);
	json_decref(acks);

	assert_true(wait_log(MUNI, "adapter caseapi: 1 item(s) passed over", WAIT_MS));
	assert_true(wait_db(HUB, "SELECT count(*) FROM inbox WHERE body_type = 'referral'", 1,
	    WAIT_MS));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM collected WHERE adapter = 'caseapi'"
	    " AND item = 'case-1'"), 1);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), 1);
	/* The id-less item stays in the list, polled again with a new item:
	 * that one alone is queued and confirmed. */
	wait_dropped("case-2");
	referral_item(c, "case-3", "0101-2026-000003", one, sizeof(one));
	snprintf(items, sizeof(items), "[{\"id\": 7, \"message\": {}}, %s]", one);
	flag_set("items.json", items);
	acks = wait_requests("/ack", 3);
	a = ack_body(acks, 2, NULL);
	assert_string_equal(json_str_at(a, "id"), "case-3");
	assert_string_equal(json_str_at(a, "status"), "queued");
	json_decref(a);
	json_decref(acks);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), 2);
	assert_int_equal(json_array_size(acks = requests("/ack")), 3);
	json_decref(acks);
	assert_false(log_has(MUNI, "case-1"));
}

/* Committed, its ack in flight when famlinkd is killed, and the server
 * restarted too: the item comes again and is confirmed with the message
 * it became. Then famlinkd restarts and the case system offers it once
 * more: confirmed again, still one message. */
static void
test_rest_outbound_offered_again(void **state)
{
	cluster_t *c = outbound_cluster(state);
	char item[2048], items[2100], first[64];
	json_t *acks, *a;

	referral_item(c, "case-1", "0101-2026-000001", item, sizeof(item));
	snprintf(items, sizeof(items), "[%s]", item);
	flag_set("items.json", items);
	flag_set("hang-ack", "");
	start(c);
	acks = wait_requests("/ack", 1);
	a = ack_body(acks, 0, NULL);
	snprintf(first, sizeof(first), "%s", json_str_at(a, "messageId"));
	json_decref(a);
	json_decref(acks);
	node_kill9(MUNI);
	sink_stop();                           /* the held ack dies with it */
	flag_clear("hang-ack");
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM collected"), 1);
	sink_start(sink.port);
	assert_int_equal(node_log_rotate(MUNI), 0);
	assert_int_equal(node_start(MUNI), 0);

	acks = wait_requests("/ack", 2);
	a = ack_body(acks, 1, NULL);
	assert_string_equal(json_str_at(a, "status"), "queued");
	assert_string_equal(json_str_at(a, "messageId"), first);
	json_decref(a);
	json_decref(acks);
	assert_true(wait_log(MUNI, "1 item(s) queued before offered again", WAIT_MS));

	wait_dropped("case-1");
	assert_int_equal(node_stop(MUNI), 0);
	assert_int_equal(node_log_rotate(MUNI), 0);
	flag_set("items.json", items);
	assert_int_equal(node_start(MUNI), 0);
	acks = wait_requests("/ack", 3);
	a = ack_body(acks, 2, NULL);
	assert_string_equal(json_str_at(a, "messageId"), first);
	json_decref(a);
	json_decref(acks);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), 1);
	assert_true(wait_db(HUB, "SELECT count(*) FROM inbox WHERE body_type = 'referral'", 1,
	    WAIT_MS));
}

/* A poll whose answer is not JSON, then acks answered 500: said in the
 * log, and the item, offered again while its ack fails, is confirmed again
 * with the same message id until one goes through, and queued once. */
static void
test_rest_outbound_failures(void **state)
{
	cluster_t *c = outbound_cluster(state);
	char item[2048], items[2100];
	json_t *acks, *a, *req;
	const char *first = NULL;
	size_t i;

	flag_set("items.json", "[{\"id\": ");
	start(c);
	assert_true(wait_log(MUNI, "adapter caseapi: a poll failed: the answer is not JSON (line",
	    WAIT_MS));
	flag_set("status-ack", "500\n");
	referral_item(c, "case-1", "0101-2026-000001", item, sizeof(item));
	snprintf(items, sizeof(items), "[%s]", item);
	flag_set("items.json", items);
	assert_true(wait_log(MUNI, "adapter caseapi: polling works again", WAIT_MS));
	assert_true(wait_log(MUNI, "the confirmation of ", WAIT_MS));
	json_decref(wait_requests("/ack", 3));
	flag_clear("status-ack");
	wait_dropped("case-1");
	assert_true(wait_log(MUNI, "adapter caseapi: confirming works again", WAIT_MS));
	acks = requests("/ack");
	json_array_foreach(acks, i, req) {
		a = ack_body(acks, i, NULL);
		if (first == NULL)
			first = strdup(json_str_at(a, "messageId"));
		assert_string_equal(json_str_at(a, "messageId"), first);
		json_decref(a);
	}
	json_decref(acks);
	free((void *)first);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM collected"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rest_hands_over, teardown),
		cmocka_unit_test_teardown(test_rest_500_then_success, teardown),
		cmocka_unit_test_teardown(test_rest_timeout_then_success, teardown),
		cmocka_unit_test_teardown(test_rest_server_down_then_up, teardown),
		cmocka_unit_test_teardown(test_rest_kill9_same_key, teardown),
		cmocka_unit_test_teardown(test_rest_https, teardown),
		cmocka_unit_test_teardown(test_rest_refuses_open_token, teardown),
		cmocka_unit_test_teardown(test_rest_outbound_queued_once, teardown),
		cmocka_unit_test_teardown(test_rest_outbound_offered_again, teardown),
		cmocka_unit_test_teardown(test_rest_outbound_failures, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
