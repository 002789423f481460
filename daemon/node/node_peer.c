/* node_peer — the in-memory peer table. Small (one hub, or a few hundred
 * municipalities), so a linear search; the persistent part lives in the
 * store's peers table and is loaded on first use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "node_internal.h"

peer_t *
node_peer(struct node *node, const char *node_id, err_t *err)
{
	peer_t *p;

	for (size_t i = 0; i < node->npeers; i++)
		if (strcmp(node->peers[i].st.node_id, node_id) == 0)
			return &node->peers[i];
	if (node->npeers == node->cappeers) {
		size_t cap = node->cappeers ? node->cappeers * 2 : 16;
		peer_t *grown = realloc(node->peers, cap * sizeof(*grown));
		if (grown == NULL) {
			err_set(err, 0, "out of memory");
			return NULL;
		}
		node->peers = grown;
		node->cappeers = cap;
	}
	p = &node->peers[node->npeers];
	memset(p, 0, sizeof(*p));
	if (store_peer_load(node->store, node_id, &p->st, err) != 0)
		return NULL;
	p->st.connected = false;
	p->st.sent_up_to = 0;
	p->committed_in_seq = p->st.next_in_seq;
	/* Until it is heard from: as the store last saw it. */
	p->link = p->st.last_seen ? PEER_DISCONNECTED : PEER_NEVER_CONNECTED;
	p->link_since = p->st.last_seen ? p->st.last_seen : node->started_ms;
	node->links_dirty = true;
	p->backoff_ms = node->cfg->resend_initial_ms;
	p->maybe_queued = true;
	p->progress_ms = clock_mono_ms();
	node->npeers++;
	return p;
}

/* After a failed commit nothing of the batch was stored: the channels go
 * back to their committed sequence (from memory: the store may be the
 * thing that failed), and sending restarts from the first unacknowledged
 * message, since receipts settled in the batch were undone too. */
void
node_peers_rollback(struct node *node)
{
	for (size_t i = 0; i < node->npeers; i++) {
		peer_t *p = &node->peers[i];
		p->st.next_in_seq = p->committed_in_seq;
		p->dirty = true;
		p->st.sent_up_to = 0;
		p->inflight = 0;
		p->inflight_bytes = 0;
		p->maybe_queued = true;
		p->hello_sent_up_to = 0;   /* the go-back: our next Hello counts anew */
	}
}

/* After a commit: what is in memory is what is stored. */
void
node_peers_committed(struct node *node)
{
	for (size_t i = 0; i < node->npeers; i++) {
		node->peers[i].committed_in_seq = node->peers[i].st.next_in_seq;
		node->peers[i].dirty = false;
	}
}

void
node_peers_free(struct node *node)
{
	for (size_t i = 0; i < node->npeers; i++)
		free(node->peers[i].receipts);
	free(node->peers);
	node->peers = NULL;
	node->npeers = node->cappeers = 0;
}

int
node_peer_add_receipt(peer_t *peer, const char *message_id, int level, int code,
    const char *reason)
{
	receipt_item_t *r;

	if (peer->nreceipts == peer->capreceipts) {
		size_t cap = peer->capreceipts ? peer->capreceipts * 2 : 64;
		receipt_item_t *grown = realloc(peer->receipts, cap * sizeof(*grown));
		if (grown == NULL)
			return -1;   /* no receipt: the sender resends, we answer then */
		peer->receipts = grown;
		peer->capreceipts = cap;
	}
	r = &peer->receipts[peer->nreceipts++];
	snprintf(r->message_id, sizeof(r->message_id), "%s", message_id ? message_id : "");
	r->level = level;
	r->code = code;
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
	return 0;
}

/* Rate-limited: a revoked key may send many frames a second. */
void
node_refused(struct node *node, const char *node_id, const char *why)
{
	int64_t now = clock_mono_ms();

	if (now - node->refused_log_ms < 10000)
		return;
	node->refused_log_ms = now;
	log_warning("frames from %s dropped: %s", node_id[0] ? node_id : "an unknown key", why);
}
