/*
 * job — what runs beside the exchange, behind one table: the deadline and
 * retention timers first, then one job per [adapter NAME] section (spool,
 * rest, exec, email). A job is a struct of functions, as OpenSMTPD's table
 * backends are: node.c starts every job, hands received messages to those
 * that deliver (node_handover.c: in inbox order, retried with backoff,
 * recorded with a HANDED_OVER Receipt), lets those that collect look for
 * work, and stops them, never naming one. A job knows the store's API and
 * the loop through the functions below, never the transport.
 */
#ifndef FAMLINK_JOB_H
#define FAMLINK_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "loop.h"
#include "store.h"
#include "store_handover.h"
#include "store_health.h"

struct node;

/* A received message as a job sees it (store_handover.h): ids, times and
 * the stored envelope (protobuf), borrowed for the call. */
typedef inbox_row_t job_message_t;

typedef struct job_run job_run_t;

/* deliver() took the messages and will say how it went through
 * job_delivered(). */
#define JOB_PENDING (-2)

typedef struct job_ops {
	const char *name;            /* "deadlines", "retention", "spool" … */
	/* Starts the job: registers its timers and readers with the node's
	 * loop (job_loop()) and does a first round if it has one; may set
	 * self->state. 0, or -1 with err. */
	int (*start)(job_run_t *self, err_t *err);
	/* Stops it: removes what it registered and frees self->state. */
	void (*stop)(job_run_t *self);
	/* Hands msgs[0..n) (in inbox order; n at most batch_max) to the local
	 * system. Returns how many it has handed over now, each confirmed by
	 * the local system (if fewer than n, err says why the next one was
	 * not: it is tried again later, with backoff); or JOB_PENDING: it took
	 * all n (copying what it needs: msgs are borrowed for the call) and
	 * calls job_delivered() once it knows. NULL: the job takes none. */
	int (*deliver)(job_run_t *self, const job_message_t *msgs, size_t n, err_t *err);
	/* The most messages deliver() is given at once (0: as many as the
	 * engine reads in one go, 64). 1 for an adapter that takes one at a
	 * time (a program run, an HTTP request per message). */
	size_t batch_max;
	/* Looks for what the local system has for famlink to send, and queues
	 * it (called every loop tick; the job decides whether a look is due).
	 * NULL: the job has nothing to send. */
	void (*collect)(job_run_t *self);
	/* One line on how it fares (codes and ids, never content): 0 well, -1
	 * with why. NULL: always well. */
	int (*health)(const job_run_t *self, char *why, size_t len);
} job_ops_t;

/* A job running on a node. */
struct job_run {
	const job_ops_t *ops;
	struct node *node;
	const adapter_conf_t *conf;  /* its [adapter NAME] section (its own copy), or NULL */
	void *state;                 /* the job's own */
	/* Set by start(): this run takes received messages (an adapter with
	 * deliver() whose configuration has an inbound side). */
	bool delivers;
};

#define JOBS_MAX 32

/* The job that runs an [adapter NAME] section of a type: set once by the
 * program (adapters/ sit above the node, which must not name them). */
typedef const job_ops_t *job_adapter_fn(const backend_type_t *type);
void jobs_set_adapters(job_adapter_fn *fn);

/* One more built-in job, started after the others (the monitoring
 * endpoint: it sits above the node, which must not name it). Set once by
 * the program, before node_run(); its start() decides from the config
 * whether it has anything to do. */
void jobs_set_extra(const job_ops_t *ops);

/* Starts one job per [adapter NAME] section of the node's config, then
 * the built-in jobs, into runs (at most JOBS_MAX), their number into *n: 0, or
 * -1 with err (those started are stopped again and *n is 0). */
int jobs_start(struct node *node, job_run_t *runs, int *n, err_t *err);
/* Stops the n jobs in runs, last first, and frees their config copies. */
void jobs_stop(job_run_t *runs, int n);

/* ---- what a job may use of its node ------------------------------------ */

store_t *job_store(const job_run_t *self);
struct loop *job_loop(const job_run_t *self);
/* The node's running config (replaced by a reload: do not keep it). */
const config_t *job_config(const job_run_t *self);
/* Runs fn(ctx) in one store transaction, again while fn returns 1 (a
 * round that left more to do), under the node's store-failure policy (a
 * failure is logged and retried later, never ends the daemon): 0 when all
 * is done, -1 if a round failed (rolled back). */
int job_store_rounds(job_run_t *self, int (*fn)(void *ctx, err_t *err), void *ctx);
/* The node's message counts (metrics.h; NULL if it has none). */
const struct metrics *job_metrics(const job_run_t *self);
/* Whether the node's store takes writes now (STORE_OK), or how it fails. */
store_state_t job_store_state(const job_run_t *self);
/* Messages were queued: the node sends them now. */
void job_queued(job_run_t *self);
/* An operator's action on peer's messages was committed (a retry): the
 * node greets peer and resends what waits unanswered now, its backoff
 * reset, as famlinkctl's wake 'R' asks (wake.h). */
void job_redrive(job_run_t *self, const char *peer);
/* The answer to deliver()'s JOB_PENDING: the first handed_over of the
 * messages it took were handed over; if fewer than all, err says why the
 * next was not (codes and ids only). Called once, from the loop. */
void job_delivered(job_run_t *self, size_t handed_over, const err_t *err);

/* The jobs, each in its own file. */
extern const job_ops_t deadline_job;    /* node_deadline.c */
extern const job_ops_t retention_job;   /* node_retention.c */

#endif
