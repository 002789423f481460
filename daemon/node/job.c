/* job — see job.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "node_handover.h"
#include "node_internal.h"
#include "wake.h"

/* The built-in jobs, in the order they start after the adapters (the
 * deadline timer first: a node that was down fires what fell due before
 * anything else; an adapter's start delivers nothing yet). */
static const job_ops_t *const builtin[] = {
	&deadline_job,
	&retention_job,
};

#define NBUILTIN ((int)(sizeof(builtin) / sizeof(builtin[0])))

static job_adapter_fn *adapter_job;
static const job_ops_t *extra_job;

void
jobs_set_extra(const job_ops_t *ops)
{
	extra_job = ops;
}

void
jobs_set_adapters(job_adapter_fn *fn)
{
	adapter_job = fn;
}

static int
start_one(struct node *node, job_run_t *run, const job_ops_t *ops,
    const adapter_conf_t *conf, err_t *err)
{
	adapter_conf_t *copy = NULL;

	if (conf != NULL) {
		if ((copy = malloc(sizeof(*copy))) == NULL)
			return err_set(err, 0, "out of memory");
		memcpy(copy, conf, sizeof(*copy));
	}
	*run = (job_run_t){ .ops = ops, .node = node, .conf = copy };
	if (ops->start(run, err) != 0) {
		free(copy);
		run->conf = NULL;
		return -1;
	}
	return 0;
}

static const job_ops_t *
ops_of(const adapter_conf_t *a, err_t *err)
{
	const job_ops_t *ops = adapter_job != NULL && a->type != NULL ? adapter_job(a->type) : NULL;

	if (ops == NULL)
		err_set(err, 0, "[adapter %s]: its type is not built into this famlinkd", a->name);
	return ops;
}

int
jobs_start(struct node *node, job_run_t *runs, int *n, err_t *err)
{
	const config_t *cfg = node->cfg;
	const job_ops_t *ops;

	*n = 0;
	if (NBUILTIN + 1 + cfg->nadapters > JOBS_MAX)
		return err_set(err, 0, "more than %d adapters", JOBS_MAX - NBUILTIN - 1);
	/* The adapters first: the built-in jobs' first rounds must know
	 * whether one takes received messages (retention then waits for it). */
	for (size_t i = 0; i < cfg->nadapters; i++, (*n)++)
		if ((ops = ops_of(&cfg->adapters[i], err)) == NULL ||
		    start_one(node, &runs[*n], ops, &cfg->adapters[i], err) != 0)
			goto fail;
	for (int i = 0; i < NBUILTIN; i++, (*n)++)
		if (start_one(node, &runs[*n], builtin[i], NULL, err) != 0)
			goto fail;
	if (extra_job != NULL) {
		if (start_one(node, &runs[*n], extra_job, NULL, err) != 0)
			goto fail;
		(*n)++;
	}
	return 0;
fail:
	jobs_stop(runs, *n);
	*n = 0;
	return -1;
}

void
jobs_stop(job_run_t *runs, int n)
{
	while (n-- > 0) {
		if (runs[n].ops->stop != NULL)
			runs[n].ops->stop(&runs[n]);
		free((void *)runs[n].conf);
		runs[n].conf = NULL;
	}
}

store_t *job_store(const job_run_t *self) { return self->node->store; }
struct loop *job_loop(const job_run_t *self) { return self->node->loop; }
const config_t *job_config(const job_run_t *self) { return self->node->cfg; }
const struct metrics *job_metrics(const job_run_t *self) { return self->node->metrics; }
store_state_t job_store_state(const job_run_t *self) { return self->node->health.state; }

struct round_call {
	int (*fn)(void *ctx, err_t *err);
	void *ctx;
};

static int
call_round(struct node *node, void *ctx, err_t *err)
{
	struct round_call *c = ctx;

	(void)node;
	return c->fn(c->ctx, err);
}

int
job_store_rounds(job_run_t *self, int (*fn)(void *ctx, err_t *err), void *ctx)
{
	struct round_call c = { fn, ctx };

	return node_store_rounds(self->node, call_round, &c);
}

void
job_queued(job_run_t *self)
{
	for (size_t i = 0; i < self->node->npeers; i++)
		self->node->peers[i].maybe_queued = true;
}

void
job_redrive(job_run_t *self, const char *peer)
{
	wake_redrive_t which = { .n = 1 };

	snprintf(which.peers[0], sizeof(which.peers[0]), "%s", peer);
	job_queued(self);
	outbound_redrive(self->node, &which);
}

void
job_delivered(job_run_t *self, size_t handed_over, const err_t *err)
{
	handover_answered(self->node, self, handed_over, err);
}
