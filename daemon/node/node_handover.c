/* node_handover — see node_handover.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "confval.h"
#include "log.h"
#include "metrics.h"
#include "node_handover.h"
#include "node_internal.h"
#include "store_handover.h"
#include "store_notify.h"

#define LEVEL(x) FAMLINK__V1__RECEIPT_LEVEL__RECEIPT_LEVEL_##x

#define BATCH_MAX 64                  /* messages offered in one deliver() */
#define BATCH_BYTES (4u << 20)        /* …and their envelopes' bytes, one message at least */
#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS (5 * 60 * 1000)
#define STUCK_AFTER_MS (15 * 60 * 1000)   /* stuck_after's default */
#define STUCK_CHECK_MS 1000
#define UNTOLD_MAX 256                /* HANDED_OVER entries told in one round */

/* ---- one batch ------------------------------------------------------------ */

typedef struct owned {
	char id[33], sender[65], body[32], rid[65];
	uint8_t *env;
} owned_t;

typedef struct batch {
	job_message_t msgs[BATCH_MAX];
	owned_t own[BATCH_MAX];
	size_t n;
	int64_t skipped_up_to;   /* the last emptied row before msgs[0], 0 if none */
	int64_t last_seen;       /* the last row read, emptied or not */
	bool full;               /* the read stopped at a limit: more may wait */
	bool stopped;            /* …or short of memory: more waits */
} batch_t;

static void
batch_free(batch_t *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->own[i].env);
	b->n = 0;
}

/* Emptied rows (retention ran before an adapter was configured) have
 * nothing to hand over: they are passed over, never offered. */
static int
batch_add(void *ctx, const inbox_row_t *row)
{
	batch_t *b = ctx;
	owned_t *o = &b->own[b->n];
	job_message_t *m = &b->msgs[b->n];

	if (row->len == 0) {
		b->last_seen = row->inbox_id;
		if (b->n == 0)
			b->skipped_up_to = row->inbox_id;
		return 0;
	}
	/* Out of memory: the batch ends before this row, which is not passed
	 * over (last_seen stays before it). */
	if ((o->env = malloc(row->len)) == NULL) {
		b->stopped = true;
		return 1;
	}
	b->last_seen = row->inbox_id;
	memcpy(o->env, row->envelope, row->len);
	snprintf(o->id, sizeof(o->id), "%s", row->message_id);
	snprintf(o->sender, sizeof(o->sender), "%s", row->sender);
	snprintf(o->body, sizeof(o->body), "%s", row->body_type);
	snprintf(o->rid, sizeof(o->rid), "%s", row->referral_id);
	*m = *row;
	m->message_id = o->id;
	m->sender = o->sender;
	m->body_type = o->body;
	m->referral_id = o->rid;
	m->envelope = o->env;
	b->n++;
	return 0;
}

/* ---- the state of one delivering job ---------------------------------- */

typedef struct handover {
	job_run_t *run;
	const char *name;            /* its [adapter NAME] */
	int64_t done_up_to;          /* inbox id handed over up to (committed) */
	unsigned attempts;           /* failures in a row */
	int64_t retry_at;            /* monotonic ms; 0 = now */
	bool more;                   /* the inbox may hold messages after done_up_to */
	bool pending;                /* deliver() said JOB_PENDING… */
	size_t npending;             /* …for these messages, in order */
	int64_t pending_ids[BATCH_MAX];
	int64_t pending_received[BATCH_MAX];   /* their received_at (Unix ms) */
	char pending_msgs[BATCH_MAX][33];
	int64_t pending_last_seen;   /* the batch's last row (emptied ones after it) */
	int64_t pending_skipped;     /* emptied rows before the first, 0 if none */
	bool stuck;                  /* the stuck notification went out */
	int64_t stuck_after_ms;
	int64_t check_at;            /* next stuck check (monotonic) */
} handover_t;

struct handover_set {
	handover_t h[JOBS_MAX];
	int n;
	int64_t settled_up_to;       /* every delivering job is past this inbox id */
};

bool
handover_configured(const struct node *node)
{
	for (int i = 0; i < node->njobs; i++)
		if (node->jobs[i].delivers && node->jobs[i].ops->deliver != NULL)
			return true;
	return false;
}

static int64_t
min_done(const struct handover_set *hs)
{
	int64_t m = hs->h[0].done_up_to;

	for (int i = 1; i < hs->n; i++)
		if (hs->h[i].done_up_to < m)
			m = hs->h[i].done_up_to;
	return m;
}

static handover_t *
handover_of(struct handover_set *hs, const job_run_t *run)
{
	for (int i = 0; hs != NULL && i < hs->n; i++)
		if (hs->h[i].run == run)
			return &hs->h[i];
	return NULL;
}

/* ---- recording ------------------------------------------------------------ */

typedef struct done_round {
	struct node *node;
	handover_t *h;
	int64_t up_to;               /* the new done_up_to */
	int64_t now;
	int64_t settled;             /* out: the new settled_up_to */
	int told;
	bool cleared, still_stuck;
} done_round_t;

/* A sender online now is told after the commit; one offline at its next
 * session (the row stays untold). */
static bool
tell_sender(void *ctx, const char *message_id, const char *sender)
{
	done_round_t *r = ctx;
	err_t err;
	peer_t *p = node_peer(r->node, sender, &err);

	if (p == NULL || !p->online)
		return false;
	if (node_peer_add_receipt(p, message_id, LEVEL(HANDED_OVER), 0, NULL) != 0)
		return false;
	r->told++;
	return true;
}

static int
record_done(struct node *node, void *ctx, err_t *err)
{
	done_round_t *r = ctx;
	int64_t keep = r->h->done_up_to;
	bool was_stuck, clear = true;
	int64_t received_at;
	int n;

	/* Stuck ends when what waits now is younger than stuck_after: a
	 * backlog drained one message at a time after an outage is one
	 * stuck notice and one cleared, not a pair per message. */
	if (r->h->stuck && (n = store_inbox_first_after(node->store, r->up_to, &received_at,
	    err)) != 0) {
		if (n < 0)
			return -1;
		clear = r->now - received_at < r->h->stuck_after_ms;
	}
	if (store_handover_done(node->store, r->h->name, r->up_to, r->now, clear, &was_stuck,
	    err) != 0)
		return -1;
	if (was_stuck && store_notify_adapter(node->store, "adapter_cleared", r->h->name, r->now,
	    err) != 0)
		return -1;
	r->cleared = was_stuck;
	r->still_stuck = r->h->stuck && !clear;
	r->h->done_up_to = r->up_to;        /* for min_done(); put back below */
	r->settled = min_done(node->handover);
	r->h->done_up_to = keep;
	if (r->settled > node->handover->settled_up_to && (n = store_handover_settle(node->store,
	    node->handover->settled_up_to,
	    r->settled, r->now, tell_sender, r, err)) < 0)
		return -1;
	return 0;
}

static void
done(struct node *node, handover_t *h, int64_t up_to)
{
	done_round_t r = { .node = node, .h = h, .up_to = up_to, .now = clock_now_ms() };

	if (up_to <= h->done_up_to)
		return;
	if (node_store_rounds(node, record_done, &r) != 0) {
		outbound_drop_receipts(node);
		h->more = true;    /* offered again: the adapter takes it as the same */
		return;
	}
	h->done_up_to = up_to;
	if (r.settled > node->handover->settled_up_to)
		node->handover->settled_up_to = r.settled;
	if (h->attempts > 0)
		log_notice("adapter %s: handed over again after %u failed attempts", h->name,
		    h->attempts);
	if (r.cleared)
		log_notice("adapter %s: no longer stuck (notification queued)", h->name);
	h->attempts = 0;
	h->retry_at = 0;
	h->stuck = r.still_stuck;
	outbound_send_receipts(node);
}

typedef struct fail_round {
	handover_t *h;
	const char *why;
	int64_t now;
} fail_round_t;

static int
record_failure(struct node *node, void *ctx, err_t *err)
{
	fail_round_t *r = ctx;

	return store_handover_failed(node->store, r->h->name, r->h->attempts, r->why, r->now, err);
}

/* Capped exponential backoff; jitter keeps adapters (and nodes) that failed
 * together from retrying in step. */
static int64_t
retry_delay(unsigned attempts)
{
	int64_t d = RETRY_FIRST_MS;

	for (unsigned i = 1; i < attempts && d < RETRY_MAX_MS; i++)
		d *= 2;
	if (d > RETRY_MAX_MS)
		d = RETRY_MAX_MS;
	return d / 2 + (int64_t)(random() % (d / 2 + 1));
}

static void
failed(struct node *node, handover_t *h, const char *message_id, const char *why)
{
	char safe[512];
	fail_round_t r = { .h = h, .why = log_escape(why, safe, sizeof(safe)),
	    .now = clock_now_ms() };
	unsigned a = ++h->attempts;

	/* The message is still there to hand over: without this, a batch that
	 * was not full left more false, and nothing was tried again until
	 * another message arrived. */
	h->more = true;
	h->retry_at = clock_mono_ms() + retry_delay(a);
	if ((a & (a - 1)) == 0)   /* the 1st, 2nd, 4th, 8th … failure in a row */
		log_warning("adapter %s: message %s not handed over (attempt %u): %s; retried"
		    " in %lld s", h->name, message_id, a, r.why,
		    (long long)((h->retry_at - clock_mono_ms() + 999) / 1000));
	(void)node_store_rounds(node, record_failure, &r);
}

/* ---- delivering ----------------------------------------------------------- */

static void
settle_ids(struct node *node, handover_t *h, const char *const *ids, const int64_t *inbox,
    const int64_t *received, size_t n, size_t taken, int64_t skipped, int64_t last_seen,
    const err_t *err)
{
	int64_t now = clock_now_ms();

	/* How long each waited here for the local system (for /metrics). */
	for (size_t i = 0; i < taken; i++)
		metrics_observe_handover(node->metrics, h->name, now - received[i]);
	if (taken == n) {
		done(node, h, last_seen);
		return;
	}
	if (taken > 0)
		done(node, h, inbox[taken - 1]);
	else if (skipped > h->done_up_to)
		done(node, h, skipped);
	failed(node, h, ids[taken], err != NULL && err->msg[0] ? err->msg : "failed");
}

/* taken of the n messages (in order) were handed over: recorded; if fewer
 * than all, the next one failed for err's reason. The emptied rows before
 * the first (skipped) and after the last (up to last_seen) go with them. */
static void
settle_batch(struct node *node, handover_t *h, const job_message_t *msgs, size_t n,
    size_t taken, int64_t skipped, int64_t last_seen, const err_t *err)
{
	const char *ids[BATCH_MAX];
	int64_t inbox[BATCH_MAX], received[BATCH_MAX];

	for (size_t i = 0; i < n; i++) {
		ids[i] = msgs[i].message_id;
		inbox[i] = msgs[i].inbox_id;
		received[i] = msgs[i].received_at;
	}
	settle_ids(node, h, ids, inbox, received, n, taken, skipped, last_seen, err);
}

static void
deliver_batch(struct node *node, handover_t *h)
{
	batch_t b = {0};
	err_t err = {0};
	size_t bm = h->run->ops->batch_max;
	int max = bm > 0 && bm < BATCH_MAX ? (int)bm : BATCH_MAX, k;

	if ((k = store_inbox_after(node->store, h->done_up_to, max, BATCH_BYTES, batch_add,
	    &b, &err)) < 0) {
		batch_free(&b);
		node_store_read_failed(node, &err, "reading the inbox for a hand-over");
		return;
	}
	b.full = k == max;
	h->more = b.full || b.stopped;
	if (b.n == 0) {                     /* nothing, or emptied rows alone */
		if (b.last_seen > h->done_up_to)
			done(node, h, b.last_seen);
		return;
	}
	k = h->run->ops->deliver(h->run, b.msgs, b.n, &err);
	if (k == JOB_PENDING) {
		h->pending = true;
		h->npending = b.n;
		for (size_t i = 0; i < b.n; i++) {
			h->pending_ids[i] = b.msgs[i].inbox_id;
			h->pending_received[i] = b.msgs[i].received_at;
			snprintf(h->pending_msgs[i], sizeof(h->pending_msgs[i]), "%s",
			    b.msgs[i].message_id);
		}
		h->pending_last_seen = b.last_seen;
		h->pending_skipped = b.skipped_up_to;
	} else {
		settle_batch(node, h, b.msgs, b.n, k < 0 ? 0 : (size_t)k, b.skipped_up_to,
		    b.last_seen, &err);
	}
	batch_free(&b);
}

void
handover_answered(struct node *node, job_run_t *run, size_t taken, const err_t *err)
{
	handover_t *h = handover_of(node->handover, run);
	const char *ids[BATCH_MAX];

	if (h == NULL || !h->pending)
		return;
	h->pending = false;
	for (size_t i = 0; i < h->npending; i++)
		ids[i] = h->pending_msgs[i];
	settle_ids(node, h, ids, h->pending_ids, h->pending_received, h->npending,
	    taken > h->npending ? h->npending
	    : taken, h->pending_skipped, h->pending_last_seen, err);
	h->more = true;
}

/* A sender whose session started again learns what was handed over while
 * it was away. */
static void
add_handed_over(void *ctx, const char *message_id)
{
	(void)node_peer_add_receipt(ctx, message_id, LEVEL(HANDED_OVER), 0, NULL);
}

typedef struct untold_round {
	peer_t *peer;
	int n;
} untold_round_t;

static int
tell_untold(struct node *node, void *ctx, err_t *err)
{
	untold_round_t *r = ctx;
	peer_t *p = r->peer;

	if (p->handover_retell > 0 &&
	    store_handover_retell(node->store, p->st.node_id, p->handover_retell, err) < 0)
		return -1;
	r->n = store_handover_untold(node->store, p->st.node_id, UNTOLD_MAX, clock_now_ms(),
	    add_handed_over, p, err);
	return r->n < 0 ? -1 : 0;
}

static void
tell_peers(struct node *node)
{
	for (size_t i = 0; i < node->npeers; i++) {
		untold_round_t r = { .peer = &node->peers[i] };
		if (!r.peer->handover_untold || !r.peer->online)
			continue;
		if (node_store_rounds(node, tell_untold, &r) != 0) {
			outbound_drop_receipts(node);
			return;
		}
		r.peer->handover_untold = r.n == UNTOLD_MAX;
		r.peer->handover_retell = 0;
		outbound_send_receipts(node);
	}
}

void
handover_pump(struct node *node)
{
	struct handover_set *hs = node->handover;
	int64_t now;

	if (hs == NULL || hs->n == 0 || store_health_broken(&node->health))
		return;
	if (node->inbox_grew) {
		node->inbox_grew = false;
		for (int i = 0; i < hs->n; i++)
			hs->h[i].more = true;
	}
	now = clock_mono_ms();
	for (int i = 0; i < hs->n; i++) {
		handover_t *h = &hs->h[i];
		if (h->more && !h->pending && h->retry_at <= now)
			deliver_batch(node, h);
	}
	tell_peers(node);
}

/* ---- stuck ---------------------------------------------------------------- */

typedef struct stuck_round {
	handover_t *h;
	int64_t now;
} stuck_round_t;

static int
record_stuck(struct node *node, void *ctx, err_t *err)
{
	stuck_round_t *r = ctx;

	if (store_handover_stuck(node->store, r->h->name, r->now, err) != 0 ||
	    store_notify_adapter(node->store, "adapter_stuck", r->h->name, r->now, err) != 0)
		return -1;
	return 0;
}

static void
check_stuck(struct node *node, handover_t *h, int64_t now_mono)
{
	stuck_round_t r = { .h = h, .now = clock_now_ms() };
	int64_t received_at = 0;
	err_t err;
	int rc;

	h->check_at = now_mono + STUCK_CHECK_MS;
	if (h->stuck)
		return;
	if ((rc = store_inbox_first_after(node->store, h->done_up_to, &received_at, &err)) < 0) {
		node_store_read_failed(node, &err, "reading the inbox for a hand-over");
		return;
	}
	if (rc == 0 || r.now - received_at < h->stuck_after_ms)
		return;
	if (node_store_rounds(node, record_stuck, &r) != 0)
		return;
	h->stuck = true;
	log_warning("adapter %s: stuck: a message received %lld s ago is not handed over yet"
	    " (%u failed attempts); notification queued", h->name,
	    (long long)((r.now - received_at) / 1000), h->attempts);
}

void
handover_tick(struct node *node)
{
	struct handover_set *hs = node->handover;
	int64_t now = clock_mono_ms();

	if (hs == NULL || store_health_broken(&node->health))
		return;
	for (int i = 0; i < hs->n; i++)
		if (hs->h[i].check_at <= now)
			check_stuck(node, &hs->h[i], now);
}

/* ---- start ---------------------------------------------------------------- */

static int64_t
stuck_after(const job_run_t *run)
{
	const char *v = adapter_conf_value(run->conf, "stuck_after");
	unsigned ms;

	return v != NULL && confval_duration_ms(v, &ms) == 0 ? ms : STUCK_AFTER_MS;
}

/* At start, in one transaction: the rows of adapters no longer configured
 * go (what only they held back is handed over now: the others have it),
 * each configured one's place is read (a new one's made). */
static bool
nobody_online(void *ctx, const char *message_id, const char *sender)
{
	(void)ctx;
	(void)message_id;
	(void)sender;
	return false;   /* no session is up yet: told when each starts */
}

static int
start_round(struct node *node, void *ctx, err_t *err)
{
	struct handover_set *hs = ctx;
	const char *names[JOBS_MAX];
	handover_state_t st;
	int64_t before, now = clock_now_ms();

	for (int i = 0; i < hs->n; i++)
		names[i] = hs->h[i].name;
	if (store_handover_retire(node->store, names, (size_t)hs->n, &before, err) != 0)
		return -1;
	for (int i = 0; i < hs->n; i++) {
		if (store_handover_load(node->store, hs->h[i].name, now, &st, err) != 0)
			return -1;
		hs->h[i].done_up_to = st.done_up_to;
		hs->h[i].attempts = st.attempts;
		hs->h[i].stuck = st.stuck_since != 0;
	}
	hs->settled_up_to = hs->n > 0 ? min_done(hs) : 0;
	if (hs->settled_up_to > before && store_handover_settle(node->store, before,
	    hs->settled_up_to, now, nobody_online, NULL, err) < 0)
		return -1;
	return 0;
}

int
handover_start(struct node *node, err_t *err)
{
	struct handover_set *hs = calloc(1, sizeof(*hs));

	if ((node->handover = hs) == NULL)
		return err_set(err, 0, "out of memory");
	for (int i = 0; i < node->njobs; i++) {
		job_run_t *run = &node->jobs[i];
		if (!run->delivers || run->ops->deliver == NULL || run->conf == NULL)
			continue;
		hs->h[hs->n++] = (handover_t){ .run = run, .name = run->conf->name, .more = true,
		    .stuck_after_ms = stuck_after(run) };
	}
	if (node_store_rounds(node, start_round, hs) != 0)
		return err_set(err, 0, "cannot read the adapters' hand-over state from the store");
	return 0;
}

void
handover_stop(struct node *node)
{
	free(node->handover);
	node->handover = NULL;
}
