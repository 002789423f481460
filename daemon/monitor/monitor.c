/*
 * monitor — see monitor.h. libmicrohttpd runs without threads of its own
 * (external polling with epoll): its epoll descriptor is a reader on the
 * node's loop, and a one-shot timer, re-armed after every run from
 * MHD_get_timeout(), lets it close idle connections. The listening socket
 * is made here (TCP or unix) and handed over, so a unix socket works like
 * a port.
 */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "monitor.h"
#include "monitor_int.h"
#include "store_queue.h"

#define CONNECTION_LIMIT 32
#define IDLE_TIMEOUT_S 10
/* Work MHD has ready at once (timeout 0) is done in this many runs at
 * most per turn of the loop; the rest at the next. */
#define RUNS_PER_TURN 16

static void on_timer(void *ctx);

/* ---- answering ------------------------------------------------------------ */

static enum MHD_Result
answer(struct MHD_Connection *conn, int status, const char *type, char *body, size_t len,
    const char *header, const char *value)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	/* The dashboard runs its own inline code and reads this origin only. */
	MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; "
	    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (header != NULL)
		MHD_add_response_header(r, header, value);
	rc = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

/* A short text answer: 404, 405, 401, 500. */
static enum MHD_Result
answer_text(struct MHD_Connection *conn, int status, const char *text, const char *header,
    const char *value)
{
	char *body = strdup(text);

	if (body == NULL)
		return MHD_NO;
	return answer(conn, status, "text/plain; charset=utf-8", body, strlen(body), header, value);
}

/* Compares in time that does not depend on where they differ. */
static bool
same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return d == 0 && lb != 0;
}

/* With a token configured (always when bound beyond this host), the
 * request must carry it: "Authorization: Bearer TOKEN". */
static bool
authorised(monitor_t *m, struct MHD_Connection *conn)
{
	const char *token = job_config(m->job)->monitor_token;
	const char *h;

	if (token[0] == '\0')
		return true;
	h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	return h != NULL && strncmp(h, "Bearer ", 7) == 0 && same_secret(h + 7, token);
}

/* The route's body, or err's words with 500. */
static enum MHD_Result
run_route(monitor_t *m, struct MHD_Connection *conn, const route_t *route)
{
	char *body = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&body, &len);
	err_t err = {0};
	int status;

	if (out == NULL)
		return answer_text(conn, 500, "out of memory\n", NULL, NULL);
	status = route->fn(m, out, &err);
	if (fclose(out) != 0 || body == NULL) {
		free(body);
		return answer_text(conn, 500, "out of memory\n", NULL, NULL);
	}
	if (status != 500)
		return answer(conn, status, route->content_type, body, len, NULL, NULL);
	free(body);
	log_warning("monitor: %s: %s", route->path, err.msg);
	return answer_text(conn, 500, "store read failed (see famlinkd's log)\n", NULL, NULL);
}

/* An action's body as it arrives; larger than this is refused (413). */
#define POST_BODY_MAX 1024

typedef struct post_body {
	char data[POST_BODY_MAX];
	size_t len;
	bool too_big;
} post_body_t;

/* "application/json", with or without parameters (; charset=utf-8). */
static bool
json_content(const char *type)
{
	size_t n = strlen("application/json");

	return type != NULL && strncasecmp(type, "application/json", n) == 0 &&
	    (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* Before an action's body is read: a browser can be made to POST here by
 * any page it shows, so a request from another origin is refused, and so is
 * one in a form's content type (only a JSON body needs the CORS preflight
 * this endpoint never approves). 0 to go on, or the refusal queued. */
static int
post_refusal(monitor_t *m, struct MHD_Connection *conn, const char *method,
    enum MHD_Result *rc)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");

	if (strcmp(method, "POST") != 0)
		*rc = answer_text(conn, 405, "only POST\n", "Allow", "POST");
	else if (origin != NULL && !monitor_own_origin(m, origin))
		*rc = answer_text(conn, 403, "cross-site request refused\n", NULL, NULL);
	else if (!authorised(m, conn))
		*rc = answer_text(conn, 401, "missing or wrong token\n", "WWW-Authenticate",
		    "Bearer");
	else if (!json_content(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE)))
		*rc = answer_text(conn, 415, "Content-Type: application/json expected\n", NULL,
		    NULL);
	else
		return 0;
	return 1;
}

/* An action: checked first, then its body gathered over the calls MHD
 * makes (*req holds it), then run on the last call. */
static enum MHD_Result
on_post(monitor_t *m, struct MHD_Connection *conn, const route_t *route, const char *method,
    const char *upload, size_t *upload_size, void **req)
{
	post_body_t *b = *req;
	enum MHD_Result rc;
	char *body = NULL;
	size_t len = 0;
	FILE *out;
	int status;

	if (b == NULL) {
		if (post_refusal(m, conn, method, &rc))
			return rc;
		if ((*req = calloc(1, sizeof(post_body_t))) == NULL)
			return MHD_NO;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (b->len + *upload_size > sizeof(b->data)) {
			b->too_big = true;
		} else {
			memcpy(b->data + b->len, upload, *upload_size);
			b->len += *upload_size;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (b->too_big)
		return answer_text(conn, 413, "body too large\n", NULL, NULL);
	if ((out = open_memstream(&body, &len)) == NULL)
		return answer_text(conn, 500, "out of memory\n", NULL, NULL);
	status = route->post(m, b->data, b->len, out);
	if (fclose(out) != 0 || body == NULL) {
		free(body);
		return answer_text(conn, 500, "out of memory\n", NULL, NULL);
	}
	return answer(conn, status, route->content_type, body, len, NULL, NULL);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req,
    enum MHD_RequestTerminationCode why)
{
	(void)cls, (void)conn, (void)why;
	free(*req);
	*req = NULL;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **req)
{
	monitor_t *m = cls;
	const route_t *route = monitor_route(url);

	(void)version;
	if (route != NULL && route->post != NULL)
		return on_post(m, conn, route, method, upload, upload_size, req);
	*upload_size = 0;   /* a body sent along is never read */
	if (route == NULL)
		return answer_text(conn, 404, "no such route\n", NULL, NULL);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer_text(conn, 405, "only GET and HEAD\n", "Allow", "GET, HEAD");
	if (!route->open && !authorised(m, conn))
		return answer_text(conn, 401, "missing or wrong token\n", "WWW-Authenticate",
		    "Bearer");
	return run_route(m, conn, route);
}

/* ---- on the loop ------------------------------------------------------------ */

/* Runs MHD, then arms the timer for its next time-out. */
static void
run(monitor_t *m)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;
	int runs = 0;
	err_t err;

	do
		MHD_run(m->httpd);
	while (++runs < RUNS_PER_TURN && MHD_get_timeout(m->httpd, &ms) == MHD_YES && ms == 0);
	if (m->timer >= 0)
		loop_del_timer(job_loop(m->job), m->timer);
	m->timer = -1;
	if (MHD_get_timeout(m->httpd, &ms) != MHD_YES)
		return;
	if ((m->timer = loop_add_timer(job_loop(m->job), ms > 0 ? (int64_t)ms : 1, on_timer, m,
	    &err)) < 0)
		log_warning("monitor: %s", err.msg);
}

static void on_ready(void *ctx) { run(ctx); }
static void on_timer(void *ctx) { run(ctx); }

/* ---- the last hour, for the dashboard's chart ---------------------------------- */

static void
add_delivered(void *ctx, const char *peer, const uint64_t in_bucket[METRICS_BUCKETS],
    uint64_t count, double seconds)
{
	(void)peer, (void)in_bucket, (void)seconds;
	*(uint64_t *)ctx += count;
}

/* What waits is one count from the store (an index's rows), the deliveries
 * the counters' sum: cheap enough every 10 s. */
static void
sample(void *ctx)
{
	monitor_t *m = ctx;
	history_point_t p = { .at_ms = clock_now_ms() };
	err_t err;

	if (store_outbox_waiting(job_store(m->job), &p.waiting, &err) != 0)
		return;   /* the store's own failure shows elsewhere; a gap in the chart */
	metrics_each_delivery(job_metrics(m->job), add_delivered, &p.delivered);
	monitor_history_add(&m->history, &p);
}

/* ---- the listening socket ---------------------------------------------------- */

/* A socket file left by a famlinkd that did not stop cleanly is replaced;
 * anything else at the path is not touched. */
static int
clear_unix_path(const char *path, err_t *err)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "monitor: %s: %s", path,
		    strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return err_set(err, EEXIST, "monitor: %s exists and is not a socket", path);
	if (unlink(path) != 0)
		return err_set(err, errno, "monitor: %s: %s", path, strerror(errno));
	return 0;
}

static int
listen_on(monitor_t *m, const char *listen_at, err_t *err)
{
	int family = m->where.addr.ss_family, one = 1;
	const char *path = ((struct sockaddr_un *)&m->where.addr)->sun_path;

	if (family == AF_UNIX && clear_unix_path(path, err) != 0)
		return -1;
	m->listen_fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0)
		return err_set(err, errno, "monitor: socket: %s", strerror(errno));
	if (family != AF_UNIX)
		setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->listen_fd, (struct sockaddr *)&m->where.addr, m->where.addr_len) != 0 ||
	    listen(m->listen_fd, 16) != 0)
		return err_set(err, errno, "monitor: cannot listen on %s: %s", listen_at,
		    strerror(errno));
	return 0;
}

/* ---- the job ------------------------------------------------------------------- */

static void
monitor_stop(job_run_t *self)
{
	monitor_t *m = self->state;

	if (m == NULL)
		return;
	if (m->reader >= 0)
		loop_del_reader(job_loop(self), m->reader);
	if (m->timer >= 0)
		loop_del_timer(job_loop(self), m->timer);
	if (m->sampler >= 0)
		loop_del_timer(job_loop(self), m->sampler);
	if (m->httpd != NULL)
		MHD_stop_daemon(m->httpd);
	if (m->listen_fd >= 0) {
		close(m->listen_fd);
		if (m->where.addr.ss_family == AF_UNIX)
			unlink(((struct sockaddr_un *)&m->where.addr)->sun_path);
	}
	free(m);
	self->state = NULL;
}

static int
start_httpd(monitor_t *m, err_t *err)
{
	const union MHD_DaemonInfo *info;

	m->httpd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_request, m,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)m->listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)NULL,
	    MHD_OPTION_END);
	if (m->httpd == NULL)
		return err_set(err, 0, "monitor: libmicrohttpd did not start");
	if ((info = MHD_get_daemon_info(m->httpd, MHD_DAEMON_INFO_EPOLL_FD)) == NULL)
		return err_set(err, 0, "monitor: libmicrohttpd has no epoll descriptor");
	m->reader = loop_add_reader(job_loop(m->job), NULL, info->epoll_fd, on_ready, m, err);
	return m->reader < 0 ? -1 : 0;
}

static int
monitor_start(job_run_t *self, err_t *err)
{
	const char *listen_at = job_config(self)->monitor_listen;
	monitor_t *m;
	const char *why;

	self->state = NULL;
	if (listen_at[0] == '\0')
		return 0;   /* off */
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return err_set(err, 0, "out of memory");
	*m = (monitor_t){ .job = self, .listen_fd = -1, .reader = -1, .timer = -1, .sampler = -1 };
	self->state = m;
	if (!monitor_listen_parse(listen_at, &m->where, &why)) {
		err_set(err, 0, "monitor: listen = %s: expected %s", listen_at, why);
		goto fail;
	}
	if (listen_on(m, listen_at, err) != 0 || start_httpd(m, err) != 0 ||
	    (m->sampler = loop_add_timer(job_loop(self), HISTORY_EVERY_MS, sample, m, err)) < 0)
		goto fail;
	sample(m);
	log_info("monitor: listening on %s%s", listen_at,
	    job_config(self)->monitor_token[0] ? " (token required)" : "");
	return 0;
fail:
	monitor_stop(self);
	return -1;
}

const job_ops_t monitor_job = {
	.name = "monitor",
	.start = monitor_start,
	.stop = monitor_stop,
};
