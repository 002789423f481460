/* collect — see collect.h. */
#include "collect.h"
#include "routine.h"
#include "store_collected.h"

int
collect_enqueue(job_run_t *self, const char *item, outgoing_t *msg, int64_t now, err_t *why,
    err_t *err)
{
	store_t *store = job_store(self);
	int rc;

	if (store_savepoint(store, err) != 0)
		return -1;
	rc = outgoing_enqueue(store, job_config(self), msg, 0, why);
	if (rc == ROUTINE_OK && store_collected_put(store, self->conf->name, item,
	    msg->env->message_id, now, why) != 0)
		rc = ROUTINE_STORE;
	if (rc == ROUTINE_STORE) {
		*err = *why;
		return -1;
	}
	if (rc != ROUTINE_OK) {
		store_rollback_savepoint(store);
		return 0;
	}
	return store_release(store, err) != 0 ? -1 : 1;
}
