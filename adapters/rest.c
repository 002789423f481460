/* rest — see rest.h: the adapter type, its keys, start and stop. */
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
	.batch_max = 1,   /* one POST per message */
	.collect = rest_collect,
};

const adapter_type_t rest_adapter = {
	.config = { .name = "rest", .keys = keys },
	.job = &job,
};
