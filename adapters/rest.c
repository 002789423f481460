/* rest — see rest.h: the adapter type, its keys, start and stop, and what
 * every request shares. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confval.h"
#include "log.h"
#include "rest.h"
#include "version.h"

#define TOKEN_MAX 4096

static const backend_key_t keys[] = {
	{ "inbound_url", BACKEND_URL, false },      /* received messages are POSTed here */
	{ "outbound_url", BACKEND_URL, false },     /* items to send are asked for here (GET) */
	{ "ack_url", BACKEND_URL, false },          /* …and confirmed here (POST) */
	{ "poll_interval", BACKEND_DURATION, false },     /* [5s] */
	{ "timeout", BACKEND_DURATION, false },           /* [10s] a whole request */
	{ "connect_timeout", BACKEND_DURATION, false },   /* [5s] its connection */
	{ "token_file", BACKEND_PATH, false },      /* a bearer token, read at start */
	{ "ca_file", BACKEND_PATH, false },         /* CAs to verify the server by */
	{ "client_cert", BACKEND_PATH, false },     /* a client certificate (PEM) */
	{ "client_key", BACKEND_PATH, false },      /* …and its key, if not in client_cert */
	{ "stuck_after", BACKEND_DURATION, false },       /* [15m] read by the hand-over */
	{ NULL, 0, false },
};

/* A secret (the token, a client key): others must not read it, and the
 * group is told about. 0, or -1 with err. */
static int
check_secret(const rest_t *r, const char *key, const char *path, const struct stat *st,
    err_t *err)
{
	if (st->st_mode & (S_IROTH | S_IWOTH))
		return err_set(err, 0, "[adapter %s] %s = %s: anyone may read or write it (mode"
		    " %04o); chmod 600 it (or 640 for the service's group)", r->name, key, path,
		    (unsigned)(st->st_mode & 07777));
	if (st->st_mode & (S_IRGRP | S_IWGRP))
		log_warning("adapter %s: %s = %s: its group may read it (mode %04o); 600 keeps it"
		    " the service user's alone", r->name, key, path, (unsigned)(st->st_mode & 07777));
	return 0;
}

/* token_file: one line of printable ASCII (a trailing newline is fine).
 * Its content is never put in an error. */
static int
read_token(rest_t *r, const char *path, err_t *err)
{
	char buf[TOKEN_MAX + 1];
	struct stat st;
	ssize_t got = 0, k;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc = -1;

	if (fd < 0)
		return err_set(err, errno, "[adapter %s] token_file = %s: %s", r->name, path,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set(err, 0, "[adapter %s] token_file = %s: not a regular file", r->name, path);
		goto out;
	}
	if (check_secret(r, "token_file", path, &st, err) != 0)
		goto out;
	while (got < (ssize_t)sizeof(buf) && (k = read(fd, buf + got, sizeof(buf) - (size_t)got)) > 0)
		got += k;
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r' || buf[got - 1] == ' ' ||
	    buf[got - 1] == '\t'))
		got--;
	if (got == 0 || got > TOKEN_MAX) {
		err_set(err, 0, "[adapter %s] token_file = %s: %s", r->name, path, got == 0 ?
		    "empty" : "longer than 4096 bytes");
		goto out;
	}
	for (ssize_t i = 0; i < got; i++)
		if (buf[i] < 0x21 || buf[i] > 0x7e) {
			err_set(err, 0, "[adapter %s] token_file = %s: not one line of printable"
			    " ASCII without spaces", r->name, path);
			goto out;
		}
	if ((r->token = strndup(buf, (size_t)got)) == NULL) {
		err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* A file curl reads at each request: there now, so that a typo stops the
 * start instead of failing every request. */
static int
check_file(const rest_t *r, const char *key, const char *path, bool secret, err_t *err)
{
	struct stat st;

	if (path == NULL)
		return 0;
	if (stat(path, &st) != 0 || access(path, R_OK) != 0)
		return err_set(err, errno, "[adapter %s] %s = %s: %s", r->name, key, path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(err, 0, "[adapter %s] %s = %s: not a regular file", r->name, key, path);
	return secret ? check_secret(r, key, path, &st, err) : 0;
}

static int
duration(const adapter_conf_t *c, const char *key, long dflt, long *ms)
{
	const char *v = adapter_conf_value(c, key);
	unsigned u;

	*ms = v != NULL && confval_duration_ms(v, &u) == 0 ? (long)u : dflt;
	return *ms > 0 ? 0 : -1;
}

static int
read_keys(rest_t *r, const adapter_conf_t *c, err_t *err)
{
	const char *token = adapter_conf_value(c, "token_file");
	long poll;

	r->in_url = adapter_conf_value(c, "inbound_url");
	r->out_url = adapter_conf_value(c, "outbound_url");
	r->ack_url = adapter_conf_value(c, "ack_url");
	r->ca_file = adapter_conf_value(c, "ca_file");
	r->client_cert = adapter_conf_value(c, "client_cert");
	r->client_key = adapter_conf_value(c, "client_key");
	if (r->in_url == NULL && r->out_url == NULL)
		return err_set(err, 0, "[adapter %s]: give inbound_url, outbound_url or both", r->name);
	if ((r->out_url == NULL) != (r->ack_url == NULL))
		return err_set(err, 0, "[adapter %s]: outbound_url and ack_url go together: items"
		    " taken are confirmed at ack_url", r->name);
	if (r->client_key != NULL && r->client_cert == NULL)
		return err_set(err, 0, "[adapter %s]: client_key without client_cert", r->name);
	if (duration(c, "timeout", 10000, &r->timeout_ms) != 0 ||
	    duration(c, "connect_timeout", 5000, &r->connect_timeout_ms) != 0 ||
	    duration(c, "poll_interval", 5000, &poll) != 0)
		return err_set(err, 0, "[adapter %s]: timeout, connect_timeout and poll_interval"
		    " must be more than 0", r->name);
	r->poll_ms = poll;
	if (r->connect_timeout_ms > r->timeout_ms)   /* libcurl stops at the shorter */
		r->connect_timeout_ms = r->timeout_ms;
	if (check_file(r, "ca_file", r->ca_file, false, err) != 0 ||
	    check_file(r, "client_cert", r->client_cert, false, err) != 0 ||
	    check_file(r, "client_key", r->client_key, true, err) != 0 ||
	    (token != NULL && read_token(r, token, err) != 0))
		return -1;
	if (r->token != NULL && ((r->in_url && strncmp(r->in_url, "http:", 5) == 0) ||
	    (r->out_url && strncmp(r->out_url, "http:", 5) == 0) ||
	    (r->ack_url && strncmp(r->ack_url, "http:", 5) == 0)))
		log_warning("adapter %s: the bearer token goes over plain http: use https unless"
		    " the service is on this host", r->name);
	return 0;
}

/* ---- what every request shares ------------------------------------------ */

static size_t
on_answer(char *data, size_t size, size_t n, void *ctx)
{
	rest_body_t *b = ctx;
	size_t len = size * n, cap;
	char *grown;

	if (b->max == 0) {
		b->len += len;
		return len;
	}
	if (len > b->max - b->len) {
		b->over = true;
		return 0;     /* curl ends the transfer: CURLE_WRITE_ERROR */
	}
	if (b->len + len + 1 > b->cap) {
		for (cap = b->cap ? b->cap : 16384; cap < b->len + len + 1; cap *= 2)
			;
		if ((grown = realloc(b->data, cap)) == NULL)
			return 0;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

CURL *
rest_easy(const rest_t *r, const char *url, rest_body_t *answer, err_t *err)
{
	CURL *e = curl_easy_init();
	CURLcode rc = CURLE_OK;

	if (e == NULL) {
		err_set(err, ENOMEM, "libcurl: cannot make a handle");
		return NULL;
	}
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);     /* a redirect is an answer that is not 2xx */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, r->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_USERAGENT, "famlinkd/" FAMLINK_VERSION);
	SET(CURLOPT_WRITEFUNCTION, on_answer);
	SET(CURLOPT_WRITEDATA, answer);
	if (r->ca_file != NULL)
		SET(CURLOPT_CAINFO, r->ca_file);
	if (r->client_cert != NULL)
		SET(CURLOPT_SSLCERT, r->client_cert);
	if (r->client_key != NULL)
		SET(CURLOPT_SSLKEY, r->client_key);
	if (r->token != NULL) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		SET(CURLOPT_XOAUTH2_BEARER, r->token);
	}
#undef SET
	if (rc != CURLE_OK) {
		curl_easy_cleanup(e);
		err_set(err, (int)rc, "curl %d: %s", (int)rc, curl_easy_strerror(rc));
		return NULL;
	}
	return e;
}

/* "10 s", or "1500 ms" when not whole seconds. */
static const char *
span(long ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%ld s", ms / 1000);
	else
		snprintf(buf, len, "%ld ms", ms);
	return buf;
}

int
rest_outcome(const rest_t *r, CURL *easy, CURLcode result, long *status, err_t *err)
{
	curl_off_t connected = 0;
	char t[32];

	*status = 0;
	if (result == CURLE_OPERATION_TIMEDOUT) {
		/* No connection yet: it was the connection that took too long. */
		if (curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected) == CURLE_OK &&
		    connected == 0)
			return err_set(err, (int)result, "connection time-out after %s",
			    span(r->connect_timeout_ms, t, sizeof(t)));
		return err_set(err, (int)result, "time-out after %s", span(r->timeout_ms, t,
		    sizeof(t)));
	}
	if (result != CURLE_OK)
		return err_set(err, (int)result, "curl %d: %s", (int)result,
		    curl_easy_strerror(result));
	if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status) != CURLE_OK)
		return err_set(err, 0, "no HTTP status");
	if (*status < 200 || *status > 299)
		return err_set(err, (int)*status, "HTTP %ld", *status);
	return 0;
}

int
rest_header(struct curl_slist **list, const char *name, const char *value, err_t *err)
{
	char line[512];
	struct curl_slist *grown;

	for (const char *p = value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(err, 0, "%s: not fit for an HTTP header", name);
	if ((size_t)snprintf(line, sizeof(line), "%s: %s", name, value) >= sizeof(line))
		return err_set(err, 0, "%s: too long for an HTTP header", name);
	if ((grown = curl_slist_append(*list, line)) == NULL)
		return err_set(err, ENOMEM, "out of memory");
	*list = grown;
	return 0;
}

void
rest_drop(const rest_t *r, CURL **easy)
{
	if (*easy == NULL)
		return;
	(void)curl_loop_remove(r->cl, *easy);   /* -1 when over already: nothing to undo */
	curl_easy_cleanup(*easy);
	*easy = NULL;
}

/* ---- start and stop ------------------------------------------------------ */

static void
rest_stop(job_run_t *self)
{
	rest_t *r = self->state;

	if (r == NULL)
		return;
	if (r->cl != NULL) {
		rest_in_stop(r);
		rest_out_free(r);
		curl_loop_free(&r->cl);
	}
	if (r->token != NULL) {
		explicit_bzero(r->token, strlen(r->token));
		free(r->token);
	}
	free(r);
	self->state = NULL;
}

static int
rest_start(job_run_t *self, err_t *err)
{
	rest_t *r = calloc(1, sizeof(*r));

	if ((self->state = r) == NULL)
		return err_set(err, 0, "out of memory");
	r->name = self->conf->name;
	r->self = self;
	if (read_keys(r, self->conf, err) != 0)
		goto fail;
	if ((r->cl = curl_loop_new(job_loop(self), err)) == NULL) {
		err_prefix(err, "[adapter %s]", r->name);
		goto fail;
	}
	if (r->out_url != NULL && rest_out_new(r, err) != 0)
		goto fail;
	self->delivers = r->in_url != NULL;
	log_info("adapter %s: rest%s%s%s%s", r->name, self->delivers ? ", inbound" : "",
	    r->out != NULL ? ", outbound" : "", r->token != NULL ? ", bearer token" : "",
	    r->client_cert != NULL ? ", client certificate" : "");
	return 0;
fail:
	rest_stop(self);
	return -1;
}

static const job_ops_t job = {
	.name = "rest",
	.start = rest_start,
	.stop = rest_stop,
	.deliver = rest_deliver,
	.collect = rest_collect,
};

const adapter_type_t rest_adapter = {
	.config = { .name = "rest", .keys = keys },
	.job = &job,
};
