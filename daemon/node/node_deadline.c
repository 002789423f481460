/*
 * node_deadline — the daemon's deadline timer: once a second it fires what
 * fell due (deadline.h) in a transaction of its own, between the loop's
 * callbacks, and logs each notification it queued by id. The moved clock
 * of tests (FAMLINK_CLOCK_OFFSET) reaches deadlines through clock_now_ms().
 */
#include <stdio.h>

#include "calendar.h"
#include "clock.h"
#include "deadline.h"
#include "log.h"
#include "job.h"
#include "job_timer.h"
#include "node_internal.h"

#define DEADLINE_TICK_MS 1000
#define DEADLINE_BATCH 64      /* deadlines per call; more calls while it fills */

/* Ids, kinds and dates only: whoever reads the log learns who must act on
 * which referral, never about whom. */
static void
note(const deadline_notice_t *n, void *ctx)
{
	char due[11], item[96] = "";

	(void)ctx;
	calendar_format_date(calendar_due_day(n->due_at), due);
	if (n->item_id[0] != '\0')
		snprintf(item, sizeof(item), " %s %s", deadline_item_word(n->kind), n->item_id);
	node_log_after_commit(LOG_NOTICE, "deadline %lld (%s) of referral %s%s%s%s of %s: %s, due"
	    " %s; %s must act (notification %lld for %s)", (long long)n->deadline_id, n->kind,
	    n->referral_id, n->proposal_id[0] ? " proposal " : "", n->proposal_id, item, n->owner,
	    n->event, due, n->actor, (long long)n->notification_id, n->recipient);
}

/* One round: what fell due, at most DEADLINE_BATCH deadlines. */
static int
fire_round(struct node *node, void *ctx, err_t *err)
{
	int n = deadline_fire_due(node->store, node->cfg, *(int64_t *)ctx, DEADLINE_BATCH, note,
	    NULL, err);

	return n < 0 ? -1 : n == DEADLINE_BATCH;
}

static void
on_deadline_tick(void *ctx)
{
	struct node *node = ctx;
	int64_t now = clock_now_ms(), next;
	err_t err;

	if (store_health_broken(&node->health))
		return;
	if (deadline_next_at(node->store, &next, &err) != 0) {
		node_store_read_failed(node, &err, "deadlines");
		return;
	}
	if (next != 0 && next <= now)
		(void)node_store_rounds(node, fire_round, &now);
}

/* Once at start, after the first look: what is open and when the next
 * stage is due, so an operator (and a test) knows the deadlines were
 * checked. */
static void
log_summary(struct node *node)
{
	int64_t open, next;
	char day[11];
	err_t err;

	if (deadline_summary(node->store, &open, &next, &err) != 0) {
		log_warning("deadlines: cannot read: %s", err.msg);
		return;
	}
	if (next == 0) {
		log_info("deadlines: checked; %lld open, nothing more due", (long long)open);
		return;
	}
	calendar_format_date(calendar_local_date(next), day);
	log_info("deadlines: checked; %lld open, the next notice due %s", (long long)open, day);
}

/* The first look comes at once: a node that was down fires what fell due
 * meanwhile before anything else. */
static int
deadline_start(job_run_t *self, err_t *err)
{
	struct node *node = self->node;

	if (job_timer_start(self, DEADLINE_TICK_MS, on_deadline_tick, err) != 0)
		return -1;
	on_deadline_tick(node);
	log_summary(node);
	return 0;
}

const job_ops_t deadline_job = {
	.name = "deadlines", .start = deadline_start, .stop = job_timer_stop,
};
