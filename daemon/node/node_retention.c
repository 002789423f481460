/*
 * node_retention — the daemon's purge timer (retention.h): at start and
 * then hourly, empties the stored messages of referrals closed longer than
 * [retention] purge_after, a few at a time, each purge in the transaction
 * that audits it, and logs each by id.
 */
#include "clock.h"
#include "log.h"
#include "job.h"
#include "job_timer.h"
#include "node_handover.h"
#include "node_internal.h"
#include "retention.h"

#define RETENTION_TICK_MS (3600 * 1000)
#define RETENTION_BATCH 32

static void
purged(const char *owner, const char *referral_id, int messages, void *ctx)
{
	(void)ctx;
	node_log_after_commit(LOG_INFO, "retention: referral %s of %s purged (%d stored messages"
	    " emptied)", referral_id, owner, messages);
}

static void
held(const char *owner, const char *referral_id, int messages, void *ctx)
{
	(void)messages;
	(void)ctx;
	node_log_after_commit(LOG_NOTICE, "retention: referral %s of %s is due to be purged but"
	    " held back: a received message of it is not handed over to the local system yet"
	    " (said once)", referral_id, owner);
}

static int
purge_round(struct node *node, void *ctx, err_t *err)
{
	bool await = handover_configured(node);
	int n;

	if (await && retention_hold(node->store, node->cfg, *(int64_t *)ctx, held, NULL, err) < 0)
		return -1;
	n = retention_purge(node->store, node->cfg, *(int64_t *)ctx, RETENTION_BATCH, await,
	    purged, NULL, err);
	return n < 0 ? -1 : n == RETENTION_BATCH;
}

static void
on_retention_tick(void *ctx)
{
	int64_t now = clock_now_ms();

	(void)node_store_rounds(ctx, purge_round, &now);
}

static int
retention_start(job_run_t *self, err_t *err)
{
	struct node *node = self->node;

	if (job_timer_start(self, RETENTION_TICK_MS, on_retention_tick, err) != 0)
		return -1;
	on_retention_tick(node);
	return 0;
}

const job_ops_t retention_job = {
	.name = "retention", .start = retention_start, .stop = job_timer_stop,
};
