/* job — see job.h. */
#include "job.h"

/* Every job a node runs, in the order they start (the deadline timer
 * first: a node that was down fires what fell due before anything else). */
static const job_ops_t *const table[] = {
	&deadline_job,
	&retention_job,
};

#define NJOBS ((int)(sizeof(table) / sizeof(table[0])))

int
jobs_start(struct node *node, job_run_t *runs, int *n, err_t *err)
{
	for (*n = 0; *n < NJOBS && *n < JOBS_MAX; (*n)++) {
		runs[*n].ops = table[*n];
		runs[*n].state = NULL;
		if (table[*n]->start(node, &runs[*n].state, err) != 0) {
			jobs_stop(node, runs, *n);
			*n = 0;
			return -1;
		}
	}
	return 0;
}

void
jobs_stop(struct node *node, job_run_t *runs, int n)
{
	while (n-- > 0)
		if (runs[n].ops->stop != NULL)
			runs[n].ops->stop(node, &runs[n].state);
}
