/* harness — see harness.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "calendar.h"
#include "envelope.h"
#include "harness.h"
#include "keys.h"

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static const char *
build_dir(void)
{
	const char *b = getenv("FAMLINK_BUILD");
	return b ? b : "build";
}

static void
binary(char *out, size_t len, const char *name)
{
	char *abs = realpath(build_dir(), NULL);

	if (abs == NULL)
		die("FAMLINK_BUILD %s: %s", build_dir(), strerror(errno));
	snprintf(out, len, "%s/%s", abs, name);
	free(abs);
}

int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		die("free_port: %s", strerror(errno));
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void
make_node(cluster_t *c, node_proc_t *n, const char *id, const char *name)
{
	char base[600];
	err_t err;

	snprintf(n->id, sizeof(n->id), "%s", id);
	snprintf(n->dir, sizeof(n->dir), "%s/%s", c->root, name);
	snprintf(n->conf, sizeof(n->conf), "%s/famlinkd.conf", n->dir);
	if (mkdir(n->dir, 0700) != 0)
		die("mkdir %s: %s", n->dir, strerror(errno));
	snprintf(base, sizeof(base), "%s/node", n->dir);
	if (keys_generate(n->pub, n->sec, &err) != 0 ||
	    keys_write_pair(base, n->pub, n->sec, false, &err) != 0)
		die("keys: %s", err.msg);
	n->allowed = true;
}

static void
write_delivery(FILE *f, const cluster_t *c)
{
	fprintf(f, "\n[delivery]\nresend_initial = 200ms\nresend_max = 2s\n"
	    "heartbeat_interval = 500ms\nheartbeat_timeout = 3s\nkeepalive = 2s\n"
	    "max_message_size = 1M\n%s\n", c->extra_delivery ? c->extra_delivery : "");
}

void
cluster_write_hub_conf(cluster_t *c)
{
	char tmp[700];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", c->hub.conf);
	if ((f = fopen(tmp, "w")) == NULL)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "[node]\nid = %s\nrole = hub\nstate_dir = .\nkey_file = node.key\n"
	    "log_level = debug\n\n[listen]\nbind = tcp://127.0.0.1:%d\n", c->hub.id, c->port);
	for (int i = 0; i < c->nmuni; i++)
		if (c->muni[i].allowed)
			fprintf(f, "\n[peer %s]\npublic_key = %s\ncontact_name = Test Contact\n%s",
			    c->muni[i].id, c->muni[i].pub,
			    c->muni[i].peer_extra ? c->muni[i].peer_extra : "");
	write_delivery(f, c);
	fprintf(f, "%s", c->hub_extra ? c->hub_extra : "");
	fclose(f);
	if (rename(tmp, c->hub.conf) != 0)
		die("rename %s: %s", tmp, strerror(errno));
}

static void
write_muni_conf(cluster_t *c, node_proc_t *n)
{
	FILE *f = fopen(n->conf, "w");

	if (f == NULL)
		die("%s: %s", n->conf, strerror(errno));
	fprintf(f, "[node]\nid = %s\nrole = municipality\nstate_dir = .\nkey_file = node.key\n"
	    "log_level = debug\n\n[hub]\nid = %s\nendpoint = tcp://127.0.0.1:%d\npublic_key = %s\n",
	    n->id, c->hub.id, c->port, c->hub.pub);
	write_delivery(f, c);
	fprintf(f, "%s", n->conf_extra ? n->conf_extra : "");
	fclose(f);
}

void
cluster_write_muni_conf(cluster_t *c, node_proc_t *n)
{
	write_muni_conf(c, n);
}

cluster_t *
cluster_new(int nmuni, const char *extra_delivery)
{
	cluster_t *c = calloc(1, sizeof(*c));
	char id[65], name[32];

	if (c == NULL || nmuni > MAX_MUNIS)
		die("cluster_new");
	snprintf(c->root, sizeof(c->root), "/tmp/famlink-test.XXXXXX");
	if (mkdtemp(c->root) == NULL)
		die("mkdtemp: %s", strerror(errno));
	c->port = free_port();
	c->nmuni = nmuni;
	c->extra_delivery = extra_delivery;
	make_node(c, &c->hub, "pool:test", "hub");
	for (int i = 0; i < nmuni; i++) {
		snprintf(id, sizeof(id), "municipality:%04d", 101 + i);
		snprintf(name, sizeof(name), "m%04d", 101 + i);
		make_node(c, &c->muni[i], id, name);
		write_muni_conf(c, &c->muni[i]);
	}
	cluster_write_hub_conf(c);
	return c;
}

/* A sanitizer report in a daemon's log is a failed test, even when the
 * scenario itself went well. */
static bool
log_clean(node_proc_t *n)
{
	static const char *const bad[] = {
		"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", NULL,
	};

	for (int i = 0; bad[i]; i++)
		if (log_has(n, bad[i])) {
			fprintf(stderr, "%s: sanitizer report in %s/log\n", n->id, n->dir);
			return false;
		}
	return true;
}

int
node_log_rotate(node_proc_t *n)
{
	char path[600];

	if (!log_clean(n))
		return -1;
	snprintf(path, sizeof(path), "%s/log", n->dir);
	if (unlink(path) != 0 && errno != ENOENT) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

const char *
node_started_text(const node_proc_t *n)
{
	return strncmp(n->id, "pool:", 5) == 0 ? " listening on " : " connecting to ";
}

int
cluster_free(cluster_t **pc)
{
	cluster_t *c = *pc;
	char cmd[300];
	bool clean;

	if (c == NULL)
		return 0;
	node_stop(&c->hub);
	for (int i = 0; i < c->nmuni; i++)
		node_stop(&c->muni[i]);
	clean = log_clean(&c->hub);
	for (int i = 0; i < c->nmuni; i++)
		clean = log_clean(&c->muni[i]) && clean;
	if (!clean)
		c->keep = true;
	if (getenv("FAMLINK_KEEP") == NULL && !c->keep) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->root);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", c->root);
	} else {
		fprintf(stderr, "kept %s\n", c->root);
	}
	free(c);
	*pc = NULL;
	return clean ? 0 : -1;
}

int
node_start(node_proc_t *n)
{
	char famlinkd[600], log[600];
	pid_t pid;

	binary(famlinkd, sizeof(famlinkd), "famlinkd");
	snprintf(log, sizeof(log), "%s/log", n->dir);
	if ((pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execl(famlinkd, "famlinkd", "--config", n->conf, (char *)NULL);
		_exit(127);
	}
	n->pid = pid;
	return 0;
}

int
cluster_start(cluster_t *c)
{
	int rc = node_start(&c->hub);

	for (int i = 0; i < c->nmuni; i++)
		rc |= node_start(&c->muni[i]);
	return rc ? -1 : 0;
}

int
cluster_start_waited(cluster_t *c, int timeout_ms)
{
	if (cluster_start(c) != 0 || !wait_log(&c->hub, node_started_text(&c->hub), timeout_ms))
		return -1;
	for (int i = 0; i < c->nmuni; i++)
		if (!wait_log(&c->muni[i], node_started_text(&c->muni[i]), timeout_ms))
			return -1;
	return 0;
}

static int
reap(node_proc_t *n, int timeout_ms)
{
	int status, waited = 0;

	while (waitpid(n->pid, &status, WNOHANG) == 0) {
		if (waited >= timeout_ms)
			return -2;
		sleep_ms(10);
		waited += 10;
	}
	n->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int
node_wait(node_proc_t *n, int timeout_ms)
{
	return n->pid ? reap(n, timeout_ms) : -1;
}

int
node_stop(node_proc_t *n)
{
	int rc;

	if (n->pid == 0)
		return 0;
	kill(n->pid, SIGTERM);
	if ((rc = reap(n, 5000)) == -2) {
		kill(n->pid, SIGKILL);
		reap(n, 5000);
		return -1;
	}
	return rc;
}

void
node_kill9(node_proc_t *n)
{
	if (n->pid == 0)
		return;
	kill(n->pid, SIGKILL);
	reap(n, 5000);
}

void
node_signal(node_proc_t *n, int sig)
{
	if (n->pid)
		kill(n->pid, sig);
}

int
ctl_run(node_proc_t *n, char *out, size_t outlen, const char *const *args)
{
	char ctl[600];
	const char *argv[2100];
	int pipefd[2], status, argc = 0;
	size_t used = 0;
	ssize_t got;
	char sink[4096];
	pid_t pid;

	binary(ctl, sizeof(ctl), "famlinkctl");
	argv[argc++] = "famlinkctl";
	argv[argc++] = "--config";
	argv[argc++] = n->conf;
	for (int i = 0; args[i] && argc < 2099; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	if (pipe(pipefd) != 0 || (pid = fork()) < 0)
		die("ctl_run: %s", strerror(errno));
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execv(ctl, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	while ((got = read(pipefd[0], out && used + 1 < outlen ? out + used : sink,
	    out && used + 1 < outlen ? outlen - used - 1 : sizeof(sink))) > 0)
		if (out && used + 1 < outlen)
			used += (size_t)got;
	if (out && outlen)
		out[used] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
ctl_run_want(node_proc_t *n, int want, char *out, size_t outlen, const char *const *args)
{
	int rc = ctl_run(n, out, outlen, args);

	if (rc != want)
		fail_msg("famlinkctl %s %s on %s: exit %d, want %d: %s", args[0],
		    args[1] ? args[1] : "", n->id, rc, want, out);
}

int
ctl_send_json(node_proc_t *n, const char *extra_arg, const char *json, char *out, size_t outlen)
{
	static int seq;
	char path[700];
	const char *args[4];
	int argc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ctl-send-%d.json", n->dir, ++seq);
	if ((f = fopen(path, "w")) == NULL || fputs(json, f) < 0 || fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
	args[argc++] = "send";
	if (extra_arg != NULL)
		args[argc++] = extra_arg;
	args[argc++] = path;
	args[argc] = NULL;
	return ctl_run(n, out, outlen, args);
}

static int64_t
real_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_move_to(int64_t at)
{
	char v[32];

	snprintf(v, sizeof(v), "%lld", (long long)((at - real_now_ms()) / 1000));
	setenv("FAMLINK_CLOCK_OFFSET", v, 1);
}

int64_t
local_time_ms(int y, int m, int d, int hour)
{
	cal_date_t date = { y, m, d };

	return calendar_local_midnight(date) + (int64_t)hour * 3600000;
}

int
cluster_teardown(void **state)
{
	cluster_t *c = *state;

	unsetenv("FAMLINK_CLOCK_OFFSET");
	return c ? cluster_free(&c) : 0;
}

json_t *
ctl_json(node_proc_t *n, const char *const *args)
{
	static char out[65536];
	json_error_t jerr;
	json_t *j;
	int rc = ctl_run(n, out, sizeof(out), args);

	if (rc != 0)
		fail_msg("famlinkctl %s on %s: exit %d: %s", args[0], n->id, rc, out);
	if ((j = json_loads(out, 0, &jerr)) == NULL)
		fail_msg("famlinkctl %s on %s: not JSON (%s): %s", args[0], n->id, jerr.text, out);
	return j;
}

long
json_int_at(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v))
		fail_msg("no integer %s in %s", key, json_dumps(obj, JSON_COMPACT));
	return (long)json_integer_value(v);
}

const char *
json_str_at(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (s == NULL)
		fail_msg("no string %s in %s", key, json_dumps(obj, JSON_COMPACT));
	return s;
}

void
write_referral_json(const char *path, const char *referral_id)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "{\"referral\": {\"referralId\": \"%s\", \"kind\": \"REFERRAL_KIND_FOSTER_HOME\","
	    " \"urgency\": \"URGENCY_NORMAL\", \"decision\": {\"taken\": true, \"decidedOn\": \"2025-11-02\","
	    " \"legalBasis\": \"LEGAL_BASIS_SOL\"}, \"child\": {\"alias\": \"Test\", \"birthYear\": 2016},"
	    " \"secretary\": {\"name\": \"Test Secretary\"}}}\n", referral_id);
	fclose(f);
}

int
enqueue_referrals(node_proc_t *n, const char *prefix, int first, int count, int per_call)
{
	static char paths[512][600];
	char rid[64], out[2048];
	const char *args[520];

	if (per_call > 512)
		per_call = 512;
	for (int done = 0; done < count; ) {
		int k = count - done < per_call ? count - done : per_call, rc;
		args[0] = "send";
		for (int i = 0; i < k; i++) {
			snprintf(rid, sizeof(rid), "%s-%06d", prefix, first + done + i);
			snprintf(paths[i], sizeof(paths[i]), "%s/r%d.json", n->dir, i);
			write_referral_json(paths[i], rid);
			args[i + 1] = paths[i];
		}
		args[k + 1] = NULL;
		if ((rc = ctl_run(n, out, sizeof(out), args)) != 0) {
			fprintf(stderr, "famlinkctl send (%s): exit %d: %s\n", n->id, rc, out);
			return rc;
		}
		done += k;
	}
	return 0;
}

int
node_check_config(node_proc_t *n, char *out, size_t len)
{
	char cmd[1400];
	const char *b = getenv("FAMLINK_BUILD");
	FILE *p;
	size_t used;
	int status;

	snprintf(cmd, sizeof(cmd), "%s/famlinkd --check-config --config %s 2>&1",
	    b ? b : "build", n->conf);
	if ((p = popen(cmd, "r")) == NULL)
		die("popen: %s", strerror(errno));
	used = fread(out, 1, len - 1, p);
	out[used] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
ctl_send_ok(node_proc_t *n, const char *json)
{
	char out[65536];
	int rc = ctl_send_json(n, NULL, json, out, sizeof(out));

	if (rc != 0)
		fail_msg("famlinkctl send on %s: exit %d: %s", n->id, rc, out);
}

void
db_exec(node_proc_t *n, const char *sql)
{
	char path[600], *msg = NULL;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/famlink.db", n->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* Steps sql on n's store for its first row: fn(ctx, row), true if there
 * was one. */
static bool
db_first_row(node_proc_t *n, const char *sql, void (*fn)(void *ctx, sqlite3_stmt *row),
    void *ctx)
{
	char path[600];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool found = false;

	snprintf(path, sizeof(path), "%s/famlink.db", n->dir);
	if (access(path, F_OK) != 0)
		return false;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(db, 2000);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW) {
			fn(ctx, st);
			found = true;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return found;
}

static void
row_long(void *ctx, sqlite3_stmt *row)
{
	*(long *)ctx = (long)sqlite3_column_int64(row, 0);
}

long
db_long(node_proc_t *n, const char *sql)
{
	long v = -1;

	(void)db_first_row(n, sql, row_long, &v);
	return v;
}

struct text_out {
	char *buf;
	size_t len;
};

static void
row_text(void *ctx, sqlite3_stmt *row)
{
	struct text_out *t = ctx;
	const unsigned char *v = sqlite3_column_text(row, 0);

	snprintf(t->buf, t->len, "%s", v ? (const char *)v : "");
}

const char *
db_text(node_proc_t *n, const char *sql, char *buf, size_t len)
{
	struct text_out t = { buf, len };

	buf[0] = '\0';
	(void)db_first_row(n, sql, row_text, &t);
	return buf;
}

const char *
send_rows(node_proc_t *n)
{
	static const char *const tables[] = {
		"outbox", "referrals", "proposals", "dialogue", "deadlines", "transitions",
	};
	static char out[256];
	char sql[64];
	size_t used = 0;

	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
		used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%s %ld",
		    i > 0 ? ", " : "", tables[i], db_long(n, sql));
	}
	return out;
}

bool
wait_db(node_proc_t *n, const char *sql, long want, int timeout_ms)
{
	long v = -1;

	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		if ((v = db_long(n, sql)) == want)
			return true;
		sleep_ms(20);
	}
	fprintf(stderr, "wait_db %s: %s = %ld, wanted %ld\n", n->id, sql, v, want);
	return false;
}

void
wait_sql(node_proc_t *n, const char *sql, long want)
{
	if (!wait_db(n, sql, want, 15000))
		fail_msg("%s: %s never gave %ld", n->id, sql, want);
}

char *
file_text(const char *path)
{
	char *buf = calloc(1, 1 << 20);
	FILE *f = fopen(path, "r");

	if (buf == NULL || f == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	if (fread(buf, 1, (1 << 20) - 1, f) == 0 && ferror(f))
		fail_msg("%s: read error", path);
	fclose(f);
	return buf;
}

const char *
log_line_after_time(const char *line)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd' ? !isdigit((unsigned char)line[i]) : line[i] != shape[i])
			return NULL;
	}
	return line + sizeof(shape) - 1;
}

int
log_lines_untimed(node_proc_t *n)
{
	char path[600], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lines = 0, untimed = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log", n->dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n')
			break;   /* being written */
		lines++;
		untimed += log_line_after_time(line) == NULL;
	}
	free(line);
	fclose(f);
	return lines > 0 ? untimed : -1;
}

bool
log_has(node_proc_t *n, const char *text)
{
	char path[600], line[2048];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log", n->dir);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
}

bool
wait_log(node_proc_t *n, const char *text, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		if (log_has(n, text))
			return true;
		sleep_ms(20);
	}
	fprintf(stderr, "wait_log %s: no \"%s\"\n", n->id, text);
	return false;
}

struct raw_client {
	void *ctx, *sock;
};

raw_client_t *
raw_connect(cluster_t *c, node_proc_t *as)
{
	return raw_connect_with_id(c, as, NULL);
}

raw_client_t *
raw_connect_with_id(cluster_t *c, node_proc_t *as, const char *routing_id)
{
	raw_client_t *r = calloc(1, sizeof(*r));
	char endpoint[64];
	int linger = 0;

	snprintf(endpoint, sizeof(endpoint), "tcp://127.0.0.1:%d", c->port);
	r->ctx = zmq_ctx_new();
	r->sock = zmq_socket(r->ctx, ZMQ_DEALER);
	zmq_setsockopt(r->sock, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(r->sock, ZMQ_CURVE_SERVERKEY, c->hub.pub, 40);
	zmq_setsockopt(r->sock, ZMQ_CURVE_PUBLICKEY, as->pub, 40);
	zmq_setsockopt(r->sock, ZMQ_CURVE_SECRETKEY, as->sec, 40);
	if (routing_id)
		zmq_setsockopt(r->sock, ZMQ_ROUTING_ID, routing_id, strlen(routing_id));
	if (zmq_connect(r->sock, endpoint) != 0)
		die("raw_connect: %s", zmq_strerror(zmq_errno()));
	return r;
}

void
raw_close(raw_client_t **pr)
{
	raw_client_t *r = *pr;

	if (r == NULL)
		return;
	zmq_close(r->sock);
	zmq_ctx_term(r->ctx);
	free(r);
	*pr = NULL;
}

int
raw_send(raw_client_t *r, const void *data, size_t len, bool more)
{
	return zmq_send(r->sock, data, len, more ? ZMQ_SNDMORE : 0) < 0 ? -1 : 0;
}

int
raw_send_envelope(raw_client_t *r, const Famlink__V1__Envelope *env)
{
	size_t len = famlink__v1__envelope__get_packed_size(env);
	uint8_t *buf = malloc(len ? len : 1);
	int rc;

	famlink__v1__envelope__pack(env, buf);
	rc = raw_send(r, buf, len, false);
	free(buf);
	return rc;
}

Famlink__V1__Envelope *
raw_recv_receipt(raw_client_t *r, int timeout_ms)
{
	zmq_pollitem_t item = { .socket = r->sock, .events = ZMQ_POLLIN };
	char buf[65536];

	for (int waited = 0; waited < timeout_ms; waited += 50) {
		if (zmq_poll(&item, 1, 50) <= 0)
			continue;
		int n = zmq_recv(r->sock, buf, sizeof(buf), 0);
		if (n < 0 || n > (int)sizeof(buf))
			continue;
		Famlink__V1__Envelope *env = famlink__v1__envelope__unpack(NULL, (size_t)n, (uint8_t *)buf);
		if (env && env->body_case == FAMLINK__V1__ENVELOPE__BODY_RECEIPT)
			return env;
		if (env)
			famlink__v1__envelope__free_unpacked(env, NULL);
	}
	return NULL;
}

Famlink__V1__Envelope *
raw_recv_any(raw_client_t *r, int timeout_ms)
{
	zmq_pollitem_t item = { .socket = r->sock, .events = ZMQ_POLLIN };
	char buf[65536];
	Famlink__V1__Envelope *env;
	int n;

	if (zmq_poll(&item, 1, timeout_ms) <= 0)
		return NULL;
	if ((n = zmq_recv(r->sock, buf, sizeof(buf), 0)) < 0 || n > (int)sizeof(buf)) {
		fprintf(stderr, "raw_recv_any: %s\n", n < 0 ? zmq_strerror(zmq_errno())
		    : "frame over 64 KiB");
		return NULL;
	}
	if ((env = famlink__v1__envelope__unpack(NULL, (size_t)n, (uint8_t *)buf)) == NULL)
		fprintf(stderr, "raw_recv_any: a frame of %d bytes that does not unpack\n", n);
	return env;
}

Famlink__V1__Envelope *
sample_referral(const char *from, const char *to, const char *referral_id, uint64_t sequence)
{
	static Famlink__V1__Envelope env;
	static Famlink__V1__Referral ref;
	static Famlink__V1__Decision dec;
	static Famlink__V1__ChildProfile child;
	static Famlink__V1__Contact sec;
	static char id[MESSAGE_ID_LEN + 1], rid[65], sender[65], recipient[65];

	snprintf(rid, sizeof(rid), "%s", referral_id);
	snprintf(sender, sizeof(sender), "%s", from);
	snprintf(recipient, sizeof(recipient), "%s", to);
	envelope_init(&env, id, sender, recipient);
	env.referral_id = rid;
	env.sequence = sequence;
	famlink__v1__referral__init(&ref);
	famlink__v1__decision__init(&dec);
	famlink__v1__child_profile__init(&child);
	famlink__v1__contact__init(&sec);
	ref.referral_id = rid;
	ref.kind = FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_FOSTER_HOME;
	ref.urgency = FAMLINK__V1__URGENCY__URGENCY_NORMAL;
	dec.taken = 1;
	dec.decided_on = "2025-11-02";
	ref.decision = &dec;
	child.alias = "Test";
	child.birth_year = 2016;
	ref.child = &child;
	sec.name = "Test Secretary";
	ref.secretary = &sec;
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_REFERRAL;
	env.referral = &ref;
	return &env;
}

int
log_count(node_proc_t *n, const char *text)
{
	char path[600], line[2048];
	int count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/log", n->dir);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		count += strstr(line, text) != NULL;
	fclose(f);
	return count;
}

/* Runs argv (its stdout to out_path, its stderr away) in a process group
 * of its own, and waits for it at most timeout_ms; then, and in any case
 * once it is done, the group is killed and reaped (this process adopts
 * what it leaves behind) so that no helper of a browser outlives the
 * test. Its exit status, or -1 (killed, or it timed out). */
int
run_captured(const char *const *argv, const char *out_path, int timeout_ms)
{
	struct timespec tick = {0, 10 * 1000000};
	int status, waited = 0;
	pid_t pid, done;

	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int null = open("/dev/null", O_RDWR);
		setpgid(0, 0);
		if (out < 0 || null < 0 || dup2(out, 1) < 0 || dup2(null, 2) < 0 || dup2(null, 0) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	setpgid(pid, pid);   /* also here: the child may not have run yet */
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && waited < timeout_ms) {
		nanosleep(&tick, NULL);
		waited += 10;
	}
	kill(-pid, SIGKILL);
	if (done == 0)
		waitpid(pid, &status, 0);
	while (waitpid(-pid, NULL, 0) > 0)
		;   /* its helpers, adopted */
	if (done == 0) {
		fprintf(stderr, "%s: no answer in %d ms, killed\n", argv[0], timeout_ms);
		return -1;
	}
	return done == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
