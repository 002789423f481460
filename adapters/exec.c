/*
 * exec — see exec.h. node_handover.c offers the first message waiting;
 * deliver() starts the program (exec_child.c) and answers JOB_PENDING,
 * and the rest happens on the node's loop, which never blocks on it: the
 * JSON is written as the stdin pipe takes it, stderr is read as it comes
 * and logged by line (the first max_stderr bytes of a run), the end is
 * seen through a pidfd or, where there is none, by the watch timer, which
 * also kills a run past `timeout` (SIGTERM to its group, SIGKILL after a
 * grace). Its exit status goes to the engine through job_delivered().
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "confval.h"
#include "handover_json.h"
#include "exec.h"
#include "exec_child.h"
#include "log.h"

#define ARGS_MAX 64
#define TIMEOUT_MS 30000          /* timeout's default */
#define KILL_GRACE_MS 5000        /* SIGTERM to SIGKILL, for a run past its timeout */
#define STOP_GRACE_MS 1000        /* the same when famlinkd stops (this one blocks) */
#define WATCH_MS 100              /* the timeout's resolution; the end's without a pidfd */
#define STDERR_DEFAULT 1024       /* max_stderr's default, bytes logged per run… */
#define STDERR_CAP 65536          /* …and its upper bound */
#define STDERR_LINE 400           /* a longer line is logged in parts */
#define READS_PER_TURN 16         /* a chatty program cannot hold the loop */
#define ENV_MAX 16

static const backend_key_t exec_keys[] = {
	{ "program", BACKEND_PATH, true },
	{ "args", BACKEND_TEXT, false },
	{ "timeout", BACKEND_DURATION, false },
	{ "stuck_after", BACKEND_DURATION, false },   /* read by node_handover.c */
	{ "max_stderr", BACKEND_COUNT, false },
	{ NULL, 0, false },
};

/* One run of the program: one message. */
typedef struct run {
	exec_child_t child;
	char message_id[33];
	char *in;                         /* the JSON line for its stdin */
	size_t in_len, in_off;
	loop_handle_t writer, reader, ended, watch;   /* -1: not registered */
	int64_t started, kill_at;         /* monotonic ms; kill_at 0: no SIGKILL due */
	bool timed_out;
	char line[STDERR_LINE + 1];       /* stderr's line being gathered */
	size_t line_len, logged, dropped;
} run_t;

typedef struct exec_state {
	job_run_t *self;
	const char *name;                 /* its [adapter NAME] */
	const char *program;
	char *argv[ARGS_MAX + 2];         /* program, the words of args, NULL */
	char words[4096];                 /* args, split in place */
	unsigned timeout_ms;
	size_t max_stderr;
	run_t *run;                       /* the run under way, or NULL */
	/* For health(): why the last run failed, "" when it went well. */
	char last_failure[sizeof(((err_t *)0)->msg)];
} exec_state_t;

/* ---- stderr -------------------------------------------------------------- */

/* log_msg() escapes the line (log_escape()): nothing the program writes
 * can end it or forge another. */
static void
stderr_flush(exec_state_t *st, run_t *r)
{
	if (r->line_len == 0)
		return;
	r->line[r->line_len] = '\0';
	log_notice("adapter %s: message %s: stderr: %s", st->name, r->message_id, r->line);
	r->line_len = 0;
}

static void
stderr_take(exec_state_t *st, run_t *r, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (r->logged == st->max_stderr) {
			r->dropped += n - i;
			return;
		}
		r->logged++;
		if (p[i] == '\n')
			stderr_flush(st, r);
		else if (p[i] != '\0')            /* a NUL would end the text early */
			r->line[r->line_len++] = p[i];
		if (r->line_len == STDERR_LINE)
			stderr_flush(st, r);
	}
}

/* Reads what stderr holds now (a bounded amount); 1 at its end or on an
 * error, 0 when it may hold more later. */
static int
stderr_read(exec_state_t *st, run_t *r)
{
	char buf[4096];
	ssize_t n = -1;

	for (int i = 0; i < READS_PER_TURN; i++) {
		if ((n = read(r->child.err_fd, buf, sizeof(buf))) <= 0)
			break;
		stderr_take(st, r, buf, (size_t)n);
	}
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static void
stderr_done(exec_state_t *st, run_t *r)
{
	stderr_flush(st, r);
	if (r->dropped > 0)
		log_notice("adapter %s: message %s: stderr: %zu more bytes not logged (max_stderr"
		    " = %zu)", st->name, r->message_id, r->dropped, st->max_stderr);
}

/* ---- one run on the loop ------------------------------------------------- */

static void
unwatch(exec_state_t *st, loop_handle_t *h, bool timer)
{
	loop_t *loop = job_loop(st->self);

	if (*h >= 0)
		(void)(timer ? loop_del_timer(loop, *h) : loop_del_reader(loop, *h));
	*h = -1;
}

static void
run_free(exec_state_t *st)
{
	run_t *r = st->run;

	unwatch(st, &r->writer, false);
	unwatch(st, &r->reader, false);
	unwatch(st, &r->ended, false);
	unwatch(st, &r->watch, true);
	exec_child_close(&r->child);
	free(r->in);
	free(r);
	st->run = NULL;
}

static void
on_stdin(void *ctx)
{
	exec_state_t *st = ctx;
	run_t *r = st->run;
	ssize_t n = 0;

	while (r->in_off < r->in_len &&
	    (n = write(r->child.in_fd, r->in + r->in_off, r->in_len - r->in_off)) > 0)
		r->in_off += (size_t)n;
	if (r->in_off < r->in_len && n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	/* All written (closed: the program reads its end), or it stopped
	 * reading (EPIPE): either way its exit status says how it went. */
	unwatch(st, &r->writer, false);
	close(r->child.in_fd);
	r->child.in_fd = -1;
}

static void
on_stderr(void *ctx)
{
	exec_state_t *st = ctx;
	run_t *r = st->run;

	if (stderr_read(st, r) == 0)
		return;
	unwatch(st, &r->reader, false);
	close(r->child.err_fd);
	r->child.err_fd = -1;
}

/* The run is over: stderr as far as it goes now (a process the program
 * left behind may hold it open: its end is not waited for), the verdict,
 * and the answer to the engine, last, with the run freed. */
static void
finish(exec_state_t *st, int status)
{
	run_t *r = st->run;
	int64_t took = clock_mono_ms() - r->started;
	char how[64];
	err_t err = {0};
	bool ok;

	if (r->child.err_fd >= 0)
		(void)stderr_read(st, r);
	stderr_done(st, r);
	if (r->timed_out)
		exec_child_signal(&r->child, SIGKILL);   /* what is left of its group */
	exec_child_status(status, how, sizeof(how));
	ok = !r->timed_out && status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (r->timed_out)
		err_set(&err, 0, "program timed out after %u ms (%s)", st->timeout_ms, how);
	else if (!ok)
		err_set(&err, 0, "program ended with %s", how);
	log_info("adapter %s: message %s: program ended with %s after %lld ms%s", st->name,
	    r->message_id, how, (long long)took, r->timed_out ? " (timed out)" : "");
	snprintf(st->last_failure, sizeof(st->last_failure), "%s", ok ? "" : err.msg);
	run_free(st);
	job_delivered(st->self, ok ? 1 : 0, ok ? NULL : &err);
}

static void
check_end(exec_state_t *st)
{
	int status;

	if (exec_child_reap(&st->run->child, &status) == 1)
		finish(st, status);
}

static void on_ended(void *ctx) { check_end(ctx); }

/* The timeout: SIGTERM to the group, SIGKILL after the grace; and the
 * end, for a kernel without pidfd. */
static void
on_watch(void *ctx)
{
	exec_state_t *st = ctx;
	run_t *r = st->run;
	int64_t now = clock_mono_ms();

	if (!r->timed_out && now - r->started >= st->timeout_ms) {
		r->timed_out = true;
		r->kill_at = now + KILL_GRACE_MS;
		log_notice("adapter %s: message %s: program still running after %u ms: SIGTERM",
		    st->name, r->message_id, st->timeout_ms);
		exec_child_signal(&r->child, SIGTERM);
	} else if (r->kill_at != 0 && now >= r->kill_at) {
		r->kill_at = 0;
		log_notice("adapter %s: message %s: program still running %d ms after SIGTERM:"
		    " SIGKILL", st->name, r->message_id, KILL_GRACE_MS);
		exec_child_signal(&r->child, SIGKILL);
	}
	check_end(st);
}

static int
watch(exec_state_t *st, run_t *r, err_t *err)
{
	loop_t *loop = job_loop(st->self);

	if ((r->writer = loop_add_writer(loop, r->child.in_fd, on_stdin, st, err)) < 0 ||
	    (r->reader = loop_add_reader(loop, NULL, r->child.err_fd, on_stderr, st, err)) < 0 ||
	    (r->child.pid_fd >= 0 && (r->ended = loop_add_reader(loop, NULL, r->child.pid_fd,
	    on_ended, st, err)) < 0) ||
	    (r->watch = loop_add_timer(loop, WATCH_MS, on_watch, st, err)) < 0)
		return -1;
	return 0;
}

/* ---- starting a run ------------------------------------------------------ */

typedef struct env {
	char *v[ENV_MAX + 1];
	char buf[16384];
	size_t used;
	int n;
} env_t;

static void
env_put(env_t *e, const char *name, const char *value)
{
	size_t room = sizeof(e->buf) - e->used;
	int len;

	if (value == NULL || e->n == ENV_MAX)
		return;
	len = snprintf(e->buf + e->used, room, "%s=%s", name, value);
	if (len < 0 || (size_t)len >= room)
		return;   /* an inherited value too long to pass: left out */
	e->v[e->n++] = e->buf + e->used;
	e->used += (size_t)len + 1;
	e->v[e->n] = NULL;
}

/* A clean environment: the basics a program needs to find its tools and
 * speak the locale, famlinkd's if it has them, and the message's ids. */
static void
env_fill(env_t *e, const exec_state_t *st, const job_message_t *m)
{
	static const char *const kept[] = { "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
	    "TMPDIR", NULL };
	const char *path = getenv("PATH");
	char received[24];

	e->n = 0;
	e->used = 0;
	e->v[0] = NULL;
	env_put(e, "PATH", path != NULL ? path : "/usr/local/bin:/usr/bin:/bin");
	for (int i = 0; kept[i] != NULL; i++)
		env_put(e, kept[i], getenv(kept[i]));
	snprintf(received, sizeof(received), "%lld", (long long)m->received_at);
	env_put(e, "FAMLINK_MESSAGE_ID", m->message_id);
	env_put(e, "FAMLINK_SENDER", m->sender);
	env_put(e, "FAMLINK_BODY_TYPE", m->body_type);
	env_put(e, "FAMLINK_REFERRAL_ID", m->referral_id);
	env_put(e, "FAMLINK_RECEIVED_AT", received);
	env_put(e, "FAMLINK_ADAPTER", st->name);
}

/* Starts the program for m and watches it: 0, or -1 with err and nothing
 * left behind. */
static int
run_start(exec_state_t *st, const job_message_t *m, err_t *err)
{
	run_t *r = calloc(1, sizeof(*r));
	env_t *env = malloc(sizeof(*env));

	if (r == NULL || env == NULL) {
		free(r);
		free(env);
		return err_set(err, ENOMEM, "out of memory");
	}
	r->writer = r->reader = r->ended = r->watch = -1;
	snprintf(r->message_id, sizeof(r->message_id), "%s", m->message_id);
	env_fill(env, st, m);
	if ((r->in = handover_json_line(m, &r->in_len, err)) == NULL ||
	    exec_child_start(&r->child, st->program, st->argv, env->v, err) != 0) {
		free(env);
		free(r->in);
		free(r);
		return -1;
	}
	free(env);
	r->started = clock_mono_ms();
	st->run = r;
	if (watch(st, r, err) != 0) {
		exec_child_kill(&r->child, 0);
		run_free(st);
		return -1;
	}
	log_debug("adapter %s: message %s: program started (pid %ld)", st->name, r->message_id,
	    (long)r->child.pid);
	return 0;
}

/* ---- the job ------------------------------------------------------------- */

static int
exec_deliver(job_run_t *self, const job_message_t *msgs, size_t n, err_t *err)
{
	exec_state_t *st = self->state;

	(void)n;
	if (st->run != NULL) {    /* the engine waits for job_delivered(): cannot be */
		err_set(err, 0, "a run is still under way");
		return 0;
	}
	if (run_start(st, &msgs[0], err) != 0) {
		snprintf(st->last_failure, sizeof(st->last_failure), "%s", err->msg);
		return 0;
	}
	return JOB_PENDING;
}

/* args split at spaces and tabs (no shell: no quotes, no expansion). */
static int
split_args(exec_state_t *st, const char *args, err_t *err)
{
	char *save = NULL, *w;
	int n = 0;

	st->argv[n++] = (char *)st->program;
	if (args != NULL) {
		snprintf(st->words, sizeof(st->words), "%s", args);
		for (w = strtok_r(st->words, " \t", &save); w != NULL;
		    w = strtok_r(NULL, " \t", &save)) {
			if (n == ARGS_MAX + 1)
				return err_set(err, 0, "[adapter %s]: args: more than %d words",
				    st->name, ARGS_MAX);
			st->argv[n++] = w;
		}
	}
	st->argv[n] = NULL;
	return 0;
}

/* The section's keys, checked by the config already (types, program
 * required); what the config cannot know is checked here. */
static int
read_conf(exec_state_t *st, const adapter_conf_t *conf, err_t *err)
{
	const char *v;
	unsigned long long bytes;

	st->name = conf->name;
	st->program = adapter_conf_value(conf, "program");
	st->timeout_ms = TIMEOUT_MS;
	st->max_stderr = STDERR_DEFAULT;
	if (st->program == NULL)
		return err_set(err, 0, "[adapter %s]: program is required", st->name);
	if ((v = adapter_conf_value(conf, "timeout")) != NULL &&
	    (confval_duration_ms(v, &st->timeout_ms) != 0 || st->timeout_ms == 0))
		return err_set(err, 0, "[adapter %s]: timeout = %s: a duration above 0", st->name,
		    v);
	if ((v = adapter_conf_value(conf, "max_stderr")) != NULL &&
	    confval_uint(v, 1000000000ULL, &bytes) == 0)
		st->max_stderr = bytes > STDERR_CAP ? STDERR_CAP : (size_t)bytes;
	return split_args(st, adapter_conf_value(conf, "args"), err);
}

static int
exec_start(job_run_t *self, err_t *err)
{
	exec_state_t *st = calloc(1, sizeof(*st));
	struct sigaction sa;

	if (st == NULL)
		return err_set(err, ENOMEM, "out of memory");
	st->self = self;
	if (read_conf(st, self->conf, err) != 0) {
		free(st);
		return -1;
	}
	/* An ignored SIGCHLD (inherited from whoever started famlinkd) would
	 * reap the program behind our back and lose its exit status. */
	if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
		signal(SIGCHLD, SIG_DFL);
	/* Not fatal: the messages wait, retried, until the program is there. */
	if (access(st->program, X_OK) != 0)
		log_warning("adapter %s: program %s cannot be run (%s): messages wait until it"
		    " can", st->name, st->program, strerror(errno));
	self->state = st;
	self->delivers = true;
	return 0;
}

/* At famlinkd's stop a run under way is killed and its message stays
 * where it is: it is handed over again at the next start. */
static void
exec_stop(job_run_t *self)
{
	exec_state_t *st = self->state;

	if (st == NULL)
		return;
	if (st->run != NULL) {
		log_notice("adapter %s: message %s: program stopped with famlinkd; it is handed"
		    " over again at the next start", st->name, st->run->message_id);
		exec_child_kill(&st->run->child, STOP_GRACE_MS);
		run_free(st);
	}
	free(st);
	self->state = NULL;
}

static int
exec_health(const job_run_t *self, char *why, size_t len)
{
	const exec_state_t *st = self->state;

	if (st == NULL || st->last_failure[0] == '\0')
		return 0;
	snprintf(why, len, "last run: %s", st->last_failure);
	return -1;
}

static const job_ops_t exec_job = {
	.name = "exec",
	.start = exec_start,
	.stop = exec_stop,
	.deliver = exec_deliver,
	.batch_max = 1,   /* one program run per message */
	.health = exec_health,
};

const adapter_type_t exec_adapter = {
	.config = { .name = "exec", .keys = exec_keys },
	.job = &exec_job,
};
