/* spool — see spool.h: the adapter type, its keys, start and stop. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "confval.h"
#include "log.h"
#include "spool.h"

/* The section as a whole, at --check-config and start: a direction at
 * least, and a group that exists. */
static void
check(const adapter_conf_t *a, const config_t *cfg, backend_problems_t *p)
{
	const char *group = adapter_conf_value(a, "group");

	(void)cfg;
	if (adapter_conf_value(a, "inbound") == NULL && adapter_conf_value(a, "outbound") == NULL)
		backend_problem(p, a->line, "[adapter %s]: give inbound, outbound or both", a->name);
	if (group != NULL && getgrnam(group) == NULL)
		backend_problem(p, adapter_conf_line(a, "group"), "group = %.60s: no such group",
		    group);
}

static const backend_key_t keys[] = {
	{ "inbound", BACKEND_PATH, false },      /* received messages are written here */
	{ "outbound", BACKEND_PATH, false },     /* files to send are taken from here */
	{ "suffix", BACKEND_TEXT, false },       /* [.json] */
	{ "group", BACKEND_TEXT, false },        /* inbound files 0640 with this group */
	{ "poll_interval", BACKEND_DURATION, false },   /* [1s] */
	{ "stuck_after", BACKEND_DURATION, false },     /* [15m] */
	{ NULL, 0, false },
};


static int
read_keys(spool_t *s, const adapter_conf_t *c, err_t *err)
{
	const char *in = adapter_conf_value(c, "inbound"), *out = adapter_conf_value(c, "outbound");
	const char *group = adapter_conf_value(c, "group"), *v;
	unsigned ms;

	if (in == NULL && out == NULL)
		return err_set(err, 0, "[adapter %s]: give inbound, outbound or both", s->name);
	snprintf(s->suffix, sizeof(s->suffix), "%s", (v = adapter_conf_value(c, "suffix")) ? v
	    : ".json");
	s->poll_ms = (v = adapter_conf_value(c, "poll_interval")) && confval_duration_ms(v, &ms)
	    == 0 ? ms : 1000;
	if (group != NULL) {
		struct group *g = getgrnam(group);
		if (g == NULL)
			return err_set(err, 0, "[adapter %s] group = %s: no such group", s->name, group);
		s->in_gid = g->gr_gid;
		s->in_mode = 0640;
	}
	/* A missing inbound folder (a share not mounted yet) is a failed
	 * hand-over, retried and shown in status, not a daemon that will not
	 * start. */
	if (in != NULL) {
		err_t later;
		snprintf(s->in_path, sizeof(s->in_path), "%s", in);
		if (spool_open_folder(s->name, "inbound", in, &s->in_fd, &later) != 0)
			log_warning("%s; received messages wait until it can be written", later.msg);
	}
	if (out != NULL) {
		snprintf(s->out_path, sizeof(s->out_path), "%s", out);
		if (spool_open_folder(s->name, "outbound", out, &s->out_fd, err) != 0 ||
		    spool_open_sub(s, "done", &s->done_fd, err) != 0 ||
		    spool_open_sub(s, "failed", &s->failed_fd, err) != 0)
			return -1;
	}
	return 0;
}

static void
spool_stop(job_run_t *self)
{
	spool_t *s = self->state;
	int *fds[] = { s ? &s->in_fd : NULL, s ? &s->out_fd : NULL, s ? &s->done_fd : NULL,
	    s ? &s->failed_fd : NULL };

	if (s == NULL)
		return;
	spool_writer_stop(self);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	free(s);
	self->state = NULL;
}

static int
spool_start(job_run_t *self, err_t *err)
{
	spool_t *s = calloc(1, sizeof(*s));

	if ((self->state = s) == NULL)
		return err_set(err, 0, "out of memory");
	s->name = self->conf->name;
	s->in_fd = s->out_fd = s->done_fd = s->failed_fd = s->efd = -1;
	s->efd_reader = -1;
	s->in_mode = 0600;
	s->in_gid = (gid_t)-1;
	if (read_keys(s, self->conf, err) != 0) {
		spool_stop(self);
		return -1;
	}
	self->delivers = s->in_path[0] != '\0';
	if (self->delivers && spool_writer_start(self, err) != 0) {
		spool_stop(self);
		return -1;
	}
	log_info("adapter %s: spool%s%s", s->name, self->delivers ? ", inbound" : "",
	    s->out_fd >= 0 ? ", outbound" : "");
	return 0;
}

static const job_ops_t job = {
	.name = "spool",
	.start = spool_start,
	.stop = spool_stop,
	.deliver = spool_deliver,
	.collect = spool_collect,
};

const adapter_type_t spool_adapter = {
	.config = { .name = "spool", .keys = keys, .check = check },
	.job = &job,
};
