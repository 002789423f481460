/* node_disk — see node_disk.h. */
#include <inttypes.h>
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "node_disk.h"
#include "node_internal.h"

#define CHECKPOINT_WAIT_MS 20   /* the loop waits no longer for a reader */
#define SETTLE_GUESS (32 << 10)  /* a settled message of unknown size */

static bool
is_full(const err_t *err)
{
	return store_state_of(err->code) == STORE_FULL;
}

/* The reserve goes when the disk has no room for what must be written
 * (a checkpoint, the store's probe): it is there for exactly that. */
static void
release_reserve(struct node *node)
{
	char r[32];

	if (store_disk_release(node->cfg->state_dir) == 1)
		log_notice("disk: released the reserve of %s (%s) to move the WAL into the store",
		    store_disk_fmt(node->disk.floor_bytes / 2, r, sizeof(r)),
		    STORE_DISK_RESERVE_FILE);
}

/* Made again once the disk is clear of the floor by its size, so making it
 * does not itself take the node below the floor. */
static void
keep_reserve(struct node *node)
{
	uint64_t size = node->disk.floor_bytes / 2, resume = node->disk.floor_bytes +
	    node->disk.floor_bytes / 4;
	err_t err;

	if (node->disk.low || node->disk.free_bytes < resume + size ||
	    store_disk_reserved(node->cfg->state_dir) >= size)
		return;
	if (store_disk_reserve(node->cfg->state_dir, size, &err) != 0)
		log_debug("disk: %s", err.msg);
}

static void
give_back_wal(struct node *node)
{
	err_t err;

	if (store_health_broken(&node->health) && node->health.state != STORE_FULL)
		return;
	if (store_checkpoint_truncate(node->store, CHECKPOINT_WAIT_MS, &err) == 0)
		return;
	if (is_full(&err)) {
		release_reserve(node);
		if (store_checkpoint_truncate(node->store, CHECKPOINT_WAIT_MS, &err) == 0)
			return;
	}
	log_debug("store: checkpoint near the disk floor: %s", err.msg);
}

static void
log_change(struct node *node)
{
	char f[32], fl[32];

	store_disk_fmt(node->disk.free_bytes, f, sizeof(f));
	store_disk_fmt(node->disk.floor_bytes, fl, sizeof(fl));
	if (node->disk.low)
		log_warning("disk: %s free on %s, below the floor of %s (disk_free_limit): no new"
		    " work taken (send, collected files, new messages from peers) until a quarter"
		    " more than the floor is free", f, node->cfg->state_dir, fl);
	else
		log_notice("disk: %s free on %s, above the floor of %s again: taking new work"
		    " (%lu message(s) from peers were left for resending meanwhile)", f,
		    node->cfg->state_dir, fl, node->disk_deferred);
}

/* The WAL within a quarter of the floor, so that checkpointing it never
 * needs more room than the floor keeps (a no-op for the default floor). */
static void
bound_wal(struct node *node)
{
	int64_t bound = (int64_t)(node->disk.floor_bytes / 4);
	err_t err;

	if (bound == node->disk_wal_bound)
		return;
	if (store_bound_wal(node->store, bound, &err) != 0) {
		log_debug("store: %s", err.msg);
		return;
	}
	node->disk_wal_bound = bound;
}

void
node_disk_poll(struct node *node)
{
	int64_t now = clock_mono_ms();
	bool was_low = node->disk.low;
	err_t err;

	/* Near the floor every batch measures: the WAL must not outgrow it. */
	if (node->disk_checked_mono != 0 && now - node->disk_checked_mono < DISK_CHECK_MS &&
	    node->disk_room >= 0 && node->disk.free_bytes >= 2 * node->disk.floor_bytes)
		return;
	node->disk_checked_mono = now;
	if (store_disk_measure(&node->disk, node->cfg->state_dir, node->cfg->disk_free_limit,
	    &err) != 0) {
		node->disk_room = INT64_MAX;   /* unknown: the store's own errors still hold */
		log_debug("disk: %s", err.msg);
		return;
	}
	if (node->disk.free_bytes < 2 * node->disk.floor_bytes ||
	    node->disk.wal_bytes > node->disk.floor_bytes / 2 || node->health.state == STORE_FULL)
		give_back_wal(node);
	keep_reserve(node);
	bound_wal(node);
	node->disk_room = node->disk.low ? 0 :
	    (int64_t)(node->disk.free_bytes - node->disk.floor_bytes);
	if (node->disk.low == was_low)
		return;
	log_change(node);
	node->alerts_looked_ms = 0;   /* its alert (node_alert.c) at the next tick */
	if (!node->disk.low) {
		node->disk_deferred = 0;
		node->tell_peers_due = true;   /* node.c, before the loop waits */
	}
}

bool
node_disk_admit(struct node *node, size_t len)
{
	int64_t need = (int64_t)len * STORE_DISK_WRITE_FACTOR;

	if (node->disk.low || node->disk_room < need) {
		node->disk_deferred++;
		return false;
	}
	node->disk_room -= need;
	return true;
}

void
node_disk_charge(struct node *node, size_t len)
{
	node->disk_room -= (int64_t)(len ? len : SETTLE_GUESS) * STORE_DISK_WRITE_FACTOR;
}

bool
node_disk_batch_room(const struct node *node)
{
	return node->disk_room >= 0;
}

bool
node_disk_low(const struct node *node)
{
	return node->disk.low;
}
