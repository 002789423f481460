/* job_timer — see job_timer.h. */
#include <errno.h>
#include <stdlib.h>

#include "job_timer.h"
#include "node_internal.h"

int
job_timer_start(job_run_t *self, int64_t period_ms, loop_fn *fn, err_t *err)
{
	struct node *node = self->node;
	loop_handle_t *h = malloc(sizeof(*h));

	if (h == NULL)
		return err_set(err, ENOMEM, "out of memory");
	if ((*h = loop_add_timer(node->loop, period_ms, fn, node, err)) < 0) {
		free(h);
		return -1;
	}
	self->state = h;
	return 0;
}

void
job_timer_stop(job_run_t *self)
{
	loop_handle_t *h = self->state;

	if (h == NULL)
		return;
	(void)loop_del_timer(self->node->loop, *h);
	free(h);
	self->state = NULL;
}
