/* job_timer — see job_timer.h. */
#include <errno.h>
#include <stdlib.h>

#include "job_timer.h"
#include "node_internal.h"

int
job_timer_start(struct node *node, int64_t period_ms, loop_fn *fn, void **state, err_t *err)
{
	loop_handle_t *h = malloc(sizeof(*h));

	if (h == NULL)
		return err_set(err, ENOMEM, "out of memory");
	if ((*h = loop_add_timer(node->loop, period_ms, fn, node, err)) < 0) {
		free(h);
		return -1;
	}
	*state = h;
	return 0;
}

void
job_timer_stop(struct node *node, void **state)
{
	loop_handle_t *h = *state;

	if (h == NULL)
		return;
	(void)loop_del_timer(node->loop, *h);
	free(h);
	*state = NULL;
}
