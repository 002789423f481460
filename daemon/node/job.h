/*
 * job — what runs beside the exchange, behind one table: the deadline and
 * retention timers first, each adapter to a local system next (spool,
 * rest, exec, email). A job is a struct of functions, as OpenSMTPD's table
 * backends are: node.c starts every job, will hand each received message
 * to those that deliver and ask those that collect, and stops them, never
 * naming one. A job knows the store's API and the loop, never the
 * transport.
 */
#ifndef FAMLINK_JOB_H
#define FAMLINK_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct node;

/* A received message as a job sees it: ids and the stored envelope
 * (protobuf), borrowed for the call. */
typedef struct job_message {
	const char *message_id, *sender, *body_type, *referral_id;
	const uint8_t *envelope;
	size_t len;
} job_message_t;

typedef struct job_ops {
	const char *name;            /* "deadlines", "retention", later "spool" … */
	/* Starts the job: registers its timers and readers with the node's
	 * loop and does a first round if it has one. *state is the job's own
	 * (NULL if it keeps none). 0, or -1 with err. */
	int (*start)(struct node *node, void **state, err_t *err);
	/* Stops it: removes what it registered and frees *state (NULL after). */
	void (*stop)(struct node *node, void **state);
	/* Hands one received message to the local system: 0 taken, 1 not yet
	 * (try again later), -1 with err. NULL: the job takes none. */
	int (*deliver)(void *state, const job_message_t *msg, err_t *err);
	/* Takes what the local system has for famlink to send: how many were
	 * queued, or -1 with err. NULL: the job has nothing to send. */
	int (*collect)(void *state, err_t *err);
	/* One line on how it fares (codes and ids, never content): 0 well, -1
	 * with why. NULL: always well. */
	int (*health)(const void *state, char *why, size_t len);
} job_ops_t;

/* A job running on a node. */
typedef struct job_run {
	const job_ops_t *ops;
	void *state;
} job_run_t;

#define JOBS_MAX 32

/* Starts every job of the table on node, in order, into runs (at most
 * JOBS_MAX), their number into *n: 0, or -1 with err (those started are
 * stopped again and *n is 0). */
int jobs_start(struct node *node, job_run_t *runs, int *n, err_t *err);
/* Stops the n jobs in runs, last first. */
void jobs_stop(struct node *node, job_run_t *runs, int n);

/* The jobs, each in its own file. */
extern const job_ops_t deadline_job;    /* node_deadline.c */
extern const job_ops_t retention_job;   /* node_retention.c */

#endif
