/* node_store — see node_store.h. */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "node_internal.h"
#include "node_store.h"

/* An I/O error on a filesystem that went read-only is told apart: it takes
 * a person at the mount, not patience. */
void
node_store_failed(struct node *node, const err_t *err)
{
	int code = err->code;

	if (store_state_of(code) == STORE_FAILING && store_dir_read_only(node->cfg->state_dir))
		code = SQLITE_READONLY;
	if (store_health_failed(&node->health, code, err->msg, clock_mono_ms(),
	    clock_now_ms()) == STORE_DAMAGED)
		node->store_damaged = true;
}

/* The lines a round logs once it commits (node_store_rounds). The loop is
 * single-threaded: one buffer serves every round. */
#define LATER_LINES 256
static struct {
	int priority[LATER_LINES];
	char line[LATER_LINES][320];
	int n, dropped;
} later;

void
node_log_after_commit(int priority, const char *fmt, ...)
{
	va_list ap;

	if (later.n == LATER_LINES) {
		later.dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(later.line[later.n], sizeof(later.line[0]), fmt, ap);
	va_end(ap);
	later.priority[later.n++] = priority;
}

static void
log_later(bool committed)
{
	for (int i = 0; committed && i < later.n; i++)
		log_msg(later.priority[i], "%s", later.line[i]);
	if (committed && later.dropped > 0)
		log_notice("and %d more such lines in the same transaction", later.dropped);
	later.n = later.dropped = 0;
}

int
node_store_rounds(struct node *node, node_store_round_fn *fn, void *ctx)
{
	err_t err;
	int n;

	if (store_health_broken(&node->health))
		return -1;
	do {
		log_later(false);
		if (store_begin(node->store, &err) != 0 || (n = fn(node, ctx, &err)) < 0 ||
		    store_commit(node->store, &err) != 0) {
			store_rollback(node->store);
			log_later(false);
			node_store_failed(node, &err);
			return -1;
		}
		log_later(true);
	} while (n > 0);
	return 0;
}

void
node_store_read_failed(struct node *node, const err_t *err, const char *what)
{
	int64_t now = clock_mono_ms();

	if (store_state_of(err->code) == STORE_DAMAGED) {
		node_store_failed(node, err);
		return;
	}
	if (node->store_read_log_ms != 0 && now - node->store_read_log_ms < STORE_LOG_EVERY_MS)
		return;
	node->store_read_log_ms = now;
	log_err("store: %s: %s (logged at most once a minute)", what, err->msg);
}
