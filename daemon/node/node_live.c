/*
 * node_live — what famlinkctl status shows of the links, kept true by the
 * running daemon in RUNTIME_DIR/famlinkd.links (link_view.h): each peer's
 * state and since when. Written when a state changes, not per message.
 *
 * The hub learns of a municipality only from its frames: one that is killed
 * or cut off sends nothing more. A municipality sends a Hello at least every
 * keepalive, so one not heard from in twice that is shown disconnected, and
 * the hub stops sending to the session until it is heard from again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "log.h"
#include "node_internal.h"

/* The runtime directory is made if missing (as systemd's RuntimeDirectory=
 * would), the state directory's mode. */
static int
make_runtime_dir(const char *dir, err_t *err)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_set(err, errno, "runtime_dir %s: %s", dir, strerror(errno));
	if (stat(dir, &st) != 0)
		return err_set(err, errno, "runtime_dir %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(err, ENOTDIR, "runtime_dir %s: not a directory", dir);
	return 0;
}

int
node_live_open(struct node *node, err_t *err)
{
	err_t view_err;
	size_t npeers = node->cfg->role == ROLE_HUB ? node->cfg->npeers : 1;

	node->started_ms = clock_now_ms();
	if (make_runtime_dir(node->cfg->runtime_dir, err) != 0)
		return -1;
	if (link_view_open(&node->links, node->cfg->runtime_dir, npeers, node->started_ms,
	    &view_err) != 0)
		log_warning("%s; famlinkctl status cannot show the peers' states", view_err.msg);
	return 0;
}

void
node_live_close(struct node *node)
{
	link_view_close(&node->links);
}

void
node_live_flush(struct node *node)
{
	link_entry_t *e;
	err_t err;

	if (!node->links_dirty || node->links == NULL)
		return;
	if ((e = calloc(node->npeers ? node->npeers : 1, sizeof(*e))) == NULL)
		return;   /* still dirty: the next change or tick tries again */
	for (size_t i = 0; i < node->npeers; i++) {
		memcpy(e[i].node_id, node->peers[i].st.node_id, sizeof(e[i].node_id));
		e[i].state = node->peers[i].link;
		e[i].since_ms = node->peers[i].link_since;
	}
	if (link_view_write(node->links, node->started_ms, e, node->npeers, &err) == 0) {
		node->links_dirty = false;
		if (node->links_failed_logged)
			log_notice("%s written again", LINK_VIEW_FILE);
		node->links_failed_logged = false;
	} else if (!node->links_failed_logged) {
		log_warning("%s; famlinkctl status shows the peers' states as they were", err.msg);
		node->links_failed_logged = true;
	}
	free(e);
}

void
node_live_set(struct node *node, peer_t *peer, peer_state_t state)
{
	if (peer->link == state)
		return;
	peer->link = state;
	peer->link_since = clock_now_ms();
	node->links_dirty = true;
	node_live_flush(node);
}

void
node_live_silence(struct node *node, int64_t now_mono)
{
	int64_t limit = 2 * (int64_t)node->cfg->keepalive_ms;

	if (node->cfg->role != ROLE_HUB)
		return;   /* a municipality has ZeroMQ's heartbeats and its monitor */
	for (size_t i = 0; i < node->npeers; i++) {
		peer_t *p = &node->peers[i];
		/* While the store is broken the hub reads no frames: its own
		 * silence, not theirs. */
		if (store_health_broken(&node->health))
			p->heard_mono = now_mono;
		if (!p->online || p->heard_mono == 0 || now_mono - p->heard_mono < limit)
			continue;
		log_info("%s silent for %lld s (twice the keepalive): disconnected; its messages"
		    " wait in the outbox", p->st.node_id, (long long)((now_mono - p->heard_mono) / 1000));
		p->online = false;
		p->rid_len = 0;
		p->st.connected = false;
		p->dirty = node->peers_dirty = true;
		node_live_set(node, p, PEER_DISCONNECTED);
	}
	node_live_flush(node);
}
