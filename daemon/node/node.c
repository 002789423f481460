/*
 * node — the daemon's loop: poll, receive a batch, commit, answer, pump,
 * timers. See node.h; the steps live in node_inbound.c and node_outbound.c, the
 * municipality's connection to the hub in node_link.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include "clock.h"
#include "faultvfs.h"
#include "log.h"
#include "loop.h"
#include "node.h"
#include "node_handover.h"
#include "node_disk.h"
#include "node_internal.h"
#include "store_identity.h"
#include "wake.h"

#define TICK_MS 100  /* timers, and a look for messages queued without a wake */
#define KEEPALIVE_TICK_MS 1000   /* how often the keepalive interval is looked at */
#define STATUS_TICK_MS 5000      /* how often systemd's STATUS= line is renewed */

static int
set_allowlist(struct node *node, const config_t *cfg, err_t *err)
{
	zap_entry_t *entries = calloc(cfg->npeers ? cfg->npeers : 1, sizeof(*entries));
	int rc;

	if (entries == NULL)
		return err_set(err, 0, "out of memory");
	for (size_t i = 0; i < cfg->npeers; i++) {
		entries[i].node_id = cfg->peers[i].node_id;
		entries[i].public_key = cfg->peers[i].public_key;
	}
	rc = zap_set_allowlist(node->zap, entries, cfg->npeers, err);
	free(entries);
	return rc;
}

/* The hub authenticates before it binds: a CURVE server without a ZAP
 * handler would accept any client. */
static int
open_hub(struct node *node, err_t *err)
{
	if ((node->zap = zap_start(node->zctx, err)) == NULL)
		return -1;
	if (set_allowlist(node, node->cfg, err) != 0)
		return -1;
	node->tp = transport_open_hub(node->zctx, node->cfg, err);
	return node->tp ? 0 : -1;
}

static int
open_municipality(struct node *node, err_t *err)
{
	node_link_init(node);
	if (node_peer(node, node->cfg->hub_id, err) == NULL)
		return -1;
	node->tp = transport_open_municipality(node->zctx, node->cfg, err);
	return node->tp ? 0 : -1;
}

/* One daemon per state directory: two would send the same outbox and
 * fight over the wake socket. The lock goes with the process, also on
 * kill -9. */
static int
lock_state_dir(struct node *node, err_t *err)
{
	char path[sizeof(node->cfg->state_dir) + 32];

	snprintf(path, sizeof(path), "%s/famlinkd.lock", node->cfg->state_dir);
	if ((node->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return err_set(err, errno, "%s: %s", path, strerror(errno));
	if (flock(node->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return err_set(err, errno, "%s: %s", node->cfg->state_dir, errno == EWOULDBLOCK
		    ? "another famlinkd already runs on this state directory" : strerror(errno));
	return 0;
}

/* The store, only if it is this node's own and whole: a lost, damaged or
 * foreign one stops the start (err->code a store_fault_t, famlinkd's exit
 * status) instead of being replaced by an empty one. */
static int
open_store(struct node *node, err_t *err)
{
	const config_t *cfg = node->cfg;
	char path[sizeof(cfg->state_dir) + 32], changed[128], when[32];
	store_ident_t id;
	store_note_t note;
	int dl = (int)strlen(cfg->state_dir);

	if (dl > 2 && strcmp(cfg->state_dir + dl - 2, "/.") == 0)
		dl -= 2;   /* "state_dir = ." is "/conf/dir/.": name "/conf/dir/famlink.db" */
	snprintf(path, sizeof(path), "%.*s/%s", dl, cfg->state_dir, STORE_FILE);
	if (store_tighten_modes(cfg->state_dir, changed, sizeof(changed)) > 0)
		log_notice("%.*s: made %s readable by the service user alone (mode 0600)",
		    dl, cfg->state_dir, changed);
	if ((node->store = store_open_node(path, cfg->node_id, STORE_CHECK, &id, &note, err)) == NULL) {
		char hint[600];
		/* A bare "Permission denied" tells nobody what to do. */
		if (err->code == EACCES || (err->code & 0xff) == SQLITE_CANTOPEN ||
		    (err->code & 0xff) == SQLITE_READONLY) {
			store_owner_hint(cfg->state_dir, hint, sizeof(hint));
			if (hint[0] != '\0')
				err_prefix(err, "%s", hint);
		}
		return -1;
	}
	store_fmt_time(id.created_at, when, sizeof(when));
	switch (note) {
	case STORE_NOTE_CREATED:
		log_notice("store: new store %s for %s (%s and %s written)", id.store_id,
		    id.node_id, STORE_FILE, STORE_MARKER_FILE);
		break;
	case STORE_NOTE_ADOPTED:
		log_notice("store: recorded this store's identity, %s for %s, in it and in %s"
		    " (made before famlink kept one)", id.store_id, id.node_id, STORE_MARKER_FILE);
		break;
	case STORE_NOTE_MARKER_WRITTEN:
		log_notice("store: %s was missing; written again from the store's identity"
		    " (store %s, made %s)", STORE_MARKER_FILE, id.store_id, when);
		break;
	case STORE_NOTE_NONE:
		break;
	}
	log_info("store: %s, made %s; quick_check ok in %lld ms", id.store_id, when,
	    (long long)store_check_ms(node->store));
	return 0;
}

node_t *
node_new(config_t *cfg, err_t *err)
{
	struct node *node = calloc(1, sizeof(*node));
	char warning[600];
	err_t wake_err;

	if (node == NULL) {
		err_set(err, 0, "out of memory");
		config_free(&cfg);
		return NULL;
	}
	node->cfg = cfg;
	node->metrics = metrics_new();   /* none without memory: the exchange goes on */
	node->wake_fd = -1;
	node->lock_fd = -1;
	/* Group or others who may write the state directory may remove or
	 * replace the store: refused. Who may only list it learns file names
	 * (every file in it is 0600): a warning. */
	if (store_check_state_dir(cfg->state_dir, warning, sizeof(warning), err) < 0)
		goto fail;
	if (warning[0] != '\0')
		log_warning("%s", warning);
	if (lock_state_dir(node, err) != 0 || node_live_open(node, err) != 0)
		goto fail;
	if (open_store(node, err) != 0)
		goto fail;
	/* On a full disk this write may not go through: the daemon starts all
	 * the same, to show its state and send, and tries again (announce()). */
	if (store_peers_reset(node->store, &node->start_err) != 0) {
		if (store_state_of(node->start_err.code) == STORE_DAMAGED) {
			*err = node->start_err;
			goto fail;
		}
		node->start_write_failed = true;
	}
	if (store_open_wait_ms(node->store) >= 1000)
		log_notice("store: waited %lld ms for another process (famlinkctl?) to let go of it",
		    (long long)store_open_wait_ms(node->store));
	if ((node->zctx = transport_context_new(err)) == NULL)
		goto fail;
	if ((cfg->role == ROLE_HUB ? open_hub(node, err) : open_municipality(node, err)) != 0)
		goto fail;
	if ((node->wake_fd = wake_listen(cfg->runtime_dir, &wake_err)) < 0)
		log_warning("%s; new messages from famlinkctl are noticed within %d ms",
		    wake_err.msg, TICK_MS);
	return node;
fail:
	node_free(&node);
	return NULL;
}

void
node_free(node_t **pnode)
{
	struct node *node = *pnode;

	if (node == NULL)
		return;
	wake_close(&node->wake_fd, node->cfg->runtime_dir);
	node_live_close(node);
	transport_close(&node->tp);
	zap_stop(&node->zap);
	transport_context_free(&node->zctx);
	node_peers_free(node);
	store_close(&node->store);
	if (node->lock_fd >= 0)
		close(node->lock_fd);
	config_free(&node->cfg);
	metrics_free(&node->metrics);
	free(node);
	*pnode = NULL;
}

static void
session_closed(struct node *node, peer_t *p)
{
	p->online = false;
	p->rid_len = 0;
	p->st.connected = false;
	p->dirty = node->peers_dirty = true;
	node_live_set(node, p, PEER_DISCONNECTED);
}

/* A key that left the allowlist or changed: its session is closed, so that
 * the municipality learns at once (its next handshake is refused) instead
 * of sending into a session whose frames are dropped. libzmq closes one
 * peer only by closing them all: the others reconnect within a moment and
 * resend what was not acknowledged. */
static void
drop_revoked_sessions(struct node *node)
{
	size_t dropped = 0;
	err_t err;

	if (node->cfg->role != ROLE_HUB)
		return;   /* a municipality's only peer is its hub, not an allowlist */
	for (size_t i = 0; i < node->npeers; i++) {
		peer_t *p = &node->peers[i];
		const peer_conf_t *pc = config_find_peer(node->cfg, p->st.node_id);
		if (!p->online || (pc != NULL && strcmp(pc->public_key, p->key) == 0))
			continue;
		log_notice("%s removed from the allowlist or its key changed: session closed",
		    p->st.node_id);
		session_closed(node, p);
		dropped++;
	}
	if (dropped == 0)
		return;
	for (size_t i = 0; i < node->npeers; i++)
		if (node->peers[i].online)
			session_closed(node, &node->peers[i]);
	if (transport_rebind(node->tp, &err) != 0) {
		log_err("%s: no municipality can connect until it is; trying every second", err.msg);
		node->unbound = true;
	}
}

/* A re-bind that failed is tried until it works: a hub that listens
 * nowhere is the worst state it can be in. */
static void
bind_again_due(struct node *node)
{
	err_t err;

	if (!node->unbound || transport_bind_again(node->tp, 1, &err) != 0)
		return;
	node->unbound = false;
	log_notice("listening on %s again", node->cfg->bind);
}

/* What the sockets and the store were opened with stays until a restart:
 * one list, for keeping the running values and for naming what changed. */
#define RUNNING(f) offsetof(config_t, f), sizeof(((config_t *)0)->f)
static const struct {
	const char *key;     /* as the config spells it; NULL: follows the one before */
	size_t off, len;
	bool text;           /* a NUL-terminated string (compared up to the NUL) */
} restart_only[] = {
	{"[node] id", RUNNING(node_id), true},
	{"[node] role", RUNNING(role), false},
	{"[node] state_dir", RUNNING(state_dir), true},
	{"[node] runtime_dir", RUNNING(runtime_dir), true},
	{"[node] key_file", RUNNING(public_key), true},
	{NULL, RUNNING(secret_key), true},
	{"[listen] bind", RUNNING(bind), true},
	{"[hub] id", RUNNING(hub_id), true},
	{"[hub] endpoint", RUNNING(hub_endpoint), true},
	{"[hub] public_key", RUNNING(hub_public_key), true},
	{"[delivery] window", RUNNING(window), false},
	{"[delivery] max_message_size", RUNNING(max_message_size), false},
	{"[monitor] listen", RUNNING(monitor_listen), true},
};
#define NRESTART_ONLY (sizeof(restart_only) / sizeof(restart_only[0]))

/* The restart-only keys whose value differs between the two, as
 * "[hub] endpoint, [delivery] window" into out; "" if none. */
static const char *
restart_only_changed(const config_t *fresh, const config_t *running, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NRESTART_ONLY; i++) {
		const char *a = (const char *)fresh + restart_only[i].off;
		const char *b = (const char *)running + restart_only[i].off;
		bool same = restart_only[i].text ? strcmp(a, b) == 0 :
		    memcmp(a, b, restart_only[i].len) == 0;

		if (same || restart_only[i].key == NULL)
			continue;
		if (o >= len)
			break;   /* cannot happen: every key together fits in 256 */
		o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "",
		    restart_only[i].key);
	}
	return out;
}

static void
keep_restart_only(config_t *fresh, const config_t *running)
{
	for (size_t i = 0; i < NRESTART_ONLY; i++)
		memcpy((char *)fresh + restart_only[i].off,
		    (const char *)running + restart_only[i].off, restart_only[i].len);
}

static void
reload(struct node *node)
{
	problems_t problems = {0};
	config_t *fresh;
	err_t err;
	char changed[256];

	/* Before the file is read: systemd holds `systemctl reload` until the
	 * READY=1 that follows, whatever the outcome. */
	sd_notify(0, "RELOADING=1");
	if ((fresh = config_load(node->cfg->path, &problems)) == NULL) {
		for (size_t i = 0; i < problems.n; i++)
			log_err("%s", problems.lines[i]);
		log_err("reload: configuration not changed");
		problems_free(&problems);
		sd_notify(0, "READY=1");
		return;
	}
	restart_only_changed(fresh, node->cfg, changed, sizeof(changed));
	if (node->zap && set_allowlist(node, fresh, &err) != 0) {
		log_err("reload: %s; configuration not changed", err.msg);
		config_free(&fresh);
		sd_notify(0, "READY=1");
		return;
	}
	if (changed[0] != '\0')
		log_warning("reload: %s changed; that takes a restart, the rest is reloaded",
		    changed);
	keep_restart_only(fresh, node->cfg);
	config_free(&node->cfg);
	node->cfg = fresh;
	drop_revoked_sessions(node);
	/* Also back from famlinkctl log-level's to the config's. */
	if (fresh->log_level != log_level()) {
		log_set_level(fresh->log_level);
		log_always(LOG_NOTICE, "reload: log level %s", log_level_name(fresh->log_level));
	}
	log_notice("reload: %zu peers allowed", fresh->npeers);
	sd_notify(0, "READY=1");
}

/* Peer state changed outside a batch (connections, what was sent): one
 * small transaction at most once a second, for famlinkctl status. */
static void
flush_peers(struct node *node, bool now_or_never)
{
	int64_t now = clock_mono_ms();
	err_t err;

	if (!node->peers_dirty || (!now_or_never && now - node->peers_flush_ms < 1000))
		return;
	node->peers_flush_ms = now;
	if (store_begin(node->store, &err) != 0) {
		node_store_failed(node, &err);
		return;
	}
	for (size_t i = 0; i < node->npeers; i++)
		if (node->peers[i].dirty && store_peer_save(node->store, &node->peers[i].st, &err) != 0) {
			store_rollback(node->store);   /* all dirty ones stay dirty: next time */
			node_store_failed(node, &err);
			return;
		}
	if (store_commit(node->store, &err) != 0) {
		store_rollback(node->store);
		node_store_failed(node, &err);
		return;
	}
	for (size_t i = 0; i < node->npeers; i++)
		node->peers[i].dirty = false;
	node->peers_dirty = false;
}

/* On the way out: no session outlives the process, and famlinkctl status,
 * which reads the store, should not show one as connected. */
static void
disconnect_all(struct node *node)
{
	for (size_t i = 0; i < node->npeers; i++) {
		peer_t *p = &node->peers[i];
		if (p->st.connected) {
			p->st.connected = false;
			p->dirty = node->peers_dirty = true;
		}
	}
	flush_peers(node, true);
}

static void
log_zap_refusals(struct node *node)
{
	unsigned long accepted, refused;

	if (node->zap == NULL)
		return;
	zap_counts(node->zap, &accepted, &refused);
	if (refused != node->zap_refused_seen) {
		log_warning("refused %lu connection(s) from keys not in the allowlist",
		    refused - node->zap_refused_seen);
		node->zap_refused_seen = refused;
	}
}

/* The store works again: what we could not take meanwhile, our peers must
 * send again now, not at their next backoff (PROTOCOL.md §7.3). The hub
 * greets each online municipality, which then resends at once. A
 * municipality dials the hub again: a new session, in which both sides go
 * back to their first unanswered message at once (§5). */
static void
tell_peers(struct node *node)
{
	if (node->cfg->role == ROLE_HUB)
		outbound_store_recovered(node);
	else
		node_link_restart(node);
}

/* While the store is broken: one small write when it is due. */
static void
retry_store(struct node *node)
{
	err_t err;

	if (!store_health_broken(&node->health) || node->store_damaged ||
	    store_health_retry_in(&node->health, clock_mono_ms()) > 0)
		return;
	if (store_probe(node->store, &err) != 0) {
		node_store_failed(node, &err);
		return;
	}
	if (!store_health_ok(&node->health, clock_mono_ms(), clock_now_ms()))
		return;
	/* What the WAL gathered while the fault lasted goes back to the disk. */
	if (store_checkpoint_truncate(node->store, STORE_PROBE_BUSY_MS, &err) != 0)
		log_debug("store: checkpoint after the fault cleared: %s", err.msg);
	tell_peers(node);
}

static void
announce(struct node *node)
{
	char what[200];
	err_t err;

	if (store_health_open(&node->health, node->cfg->runtime_dir, clock_now_ms(), &err) != 0)
		log_warning("%s; famlinkctl status cannot show the store's state", err.msg);
	if (node->start_write_failed) {
		err_prefix(&node->start_err, "at start");
		node_store_failed(node, &node->start_err);
	}
	if (faultvfs_active(what, sizeof(what)))
		log_warning("store fault injection is on (%s): for tests only", what);
	if (node->cfg->role == ROLE_HUB)
		log_notice("famlinkd %s: hub %s listening on %s, %zu peers allowed",
		    FAMLINK_VERSION, node->cfg->node_id, node->cfg->bind, node->cfg->npeers);
	else
		log_notice("famlinkd %s: %s connecting to %s at %s", FAMLINK_VERSION,
		    node->cfg->node_id, node->cfg->hub_id, node->cfg->hub_endpoint);
	sd_notify(0, "READY=1");
}

/* ---- what the loop calls (loop.c) ---------------------------------------- */

static void
mark_all_queued(struct node *node)
{
	for (size_t i = 0; i < node->npeers; i++)
		node->peers[i].maybe_queued = true;
}

/* systemd's STATUS= line (systemctl status): sessions up and messages
 * waiting in the outbox; while the store is broken, only that. A failed
 * count is not the store's failure to handle here: the next write finds it. */
static void
on_status_tick(void *ctx)
{
	struct node *node = ctx;
	size_t connected = 0;
	long waiting = 0;
	err_t err;

	for (size_t i = 0; i < node->npeers; i++)
		if (node->peers[i].online)
			connected++;
	if (store_health_broken(&node->health) ||
	    store_outbox_waiting(node->store, &waiting, &err) != 0)
		sd_notifyf(0, "STATUS=%zu peer(s) connected; store not usable", connected);
	else
		sd_notifyf(0, "STATUS=%zu peer(s) connected, %ld message(s) waiting", connected,
		    waiting);
}

/* WATCHDOG=1 from the loop itself: a loop that stops turning stops the
 * pings, and systemd restarts the service (WatchdogSec=). */
static void
on_watchdog(void *ctx)
{
	(void)ctx;
	sd_notify(0, "WATCHDOG=1");
}

/* Half of the watchdog interval systemd gives (WATCHDOG_USEC), or no timer
 * when it gives none. */
static int
add_watchdog(struct node *node, err_t *err)
{
	uint64_t usec = 0;
	int64_t ms;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	ms = (int64_t)(usec / 2000);
	return loop_add_timer(node->loop, ms > 0 ? ms : 1, on_watchdog, node, err) < 0 ? -1 : 0;
}

static void on_frames(void *ctx) { inbound_batch(ctx); }
static void on_monitor(void *ctx) { node_link_events(ctx); }

/* famlinkctl send queued something and said so, famlinkctl log-level
 * asks for another level until the next reload or restart, or an
 * operator's action (retry, discard, release, …) asks for a resend now. */
static void
on_wake(void *ctx)
{
	struct node *node = ctx;
	wake_redrive_t redrive;
	int level;

	if (wake_drain(node->wake_fd, &level, &redrive) > 0)
		mark_all_queued(node);
	if (redrive.all || redrive.n > 0)
		outbound_redrive(node, &redrive);
	if (level >= 0) {
		log_set_level(level);
		log_always(LOG_NOTICE, "log level set to %s by famlinkctl", log_level_name(level));
	}
}

/* The jobs that take what the local system has to send look for it. */
static void
collect_all(struct node *node)
{
	if (store_health_broken(&node->health) || node_disk_low(node))
		return;   /* below the disk floor, what waits to be collected stays */
	for (int i = 0; i < node->njobs; i++)
		if (node->jobs[i].ops->collect != NULL)
			node->jobs[i].ops->collect(&node->jobs[i]);
}

/* Every TICK_MS: re-dials, store retries, the store's health and the
 * periodic log lines. Resends, keepalives, deadlines and retention have
 * timers of their own. */
static void
on_tick(void *ctx)
{
	struct node *node = ctx;
	int64_t now = clock_mono_ms();

	if (node->cfg->role != ROLE_HUB)
		node_link_redial_due(node, now);
	retry_store(node);
	node_disk_poll(node);
	store_health_tick(&node->health, now);
	log_zap_refusals(node);
	handover_tick(node);
	collect_all(node);
}

/* Resends: what went unanswered past its backoff goes again (not while
 * the store is broken: a resend rereads the outbox). */
static void
on_resend_tick(void *ctx)
{
	struct node *node = ctx;

	if (!store_health_broken(&node->health))
		outbound_resend_due(node, clock_mono_ms());
}

/* A municipality's keepalive Hello; the interval (keepalive_ms) is checked
 * inside, so a reload that changes it applies at once. */
static void
on_keepalive_tick(void *ctx)
{
	struct node *node = ctx;

	if (!store_health_broken(&node->health))
		outbound_keepalive_due(node, clock_mono_ms());
	node_live_silence(node, clock_mono_ms());
	bind_again_due(node);
	node_alerts_due(node, clock_mono_ms());
}

/* Before every wait: send what the last callbacks queued, at once. Sending
 * goes on while the store is broken (it only reads); reading frames does
 * not: ZeroMQ's queues fill up and push back on the senders meanwhile. */
static void
before_wait(void *ctx)
{
	struct node *node = ctx;
	bool broken = store_health_broken(&node->health);

	if (node->tell_peers_due) {
		node->tell_peers_due = false;
		tell_peers(node);
	}
	loop_pause(node->loop, node->frames_reader, broken);
	if (store_changed_elsewhere(node->store))
		mark_all_queued(node);
	outbound_pump_all(node);
	if (!broken) {
		handover_pump(node);
		flush_peers(node, false);
	}
}

static int
register_loop(struct node *node, err_t *err)
{
	void *monitor = transport_monitor(node->tp);

	if ((node->loop = loop_new(err)) == NULL)
		return -1;
	loop_before_wait(node->loop, before_wait, node);
	if ((node->frames_reader = loop_add_reader(node->loop, transport_socket(node->tp), -1,
	    on_frames, node, err)) < 0 ||
	    (node->wake_fd >= 0 && loop_add_reader(node->loop, NULL, node->wake_fd, on_wake,
	    node, err) < 0) ||
	    (monitor != NULL && loop_add_reader(node->loop, monitor, -1, on_monitor, node,
	    err) < 0) ||
	    loop_add_timer(node->loop, TICK_MS, on_tick, node, err) < 0 ||
	    loop_add_timer(node->loop, TICK_MS, on_resend_tick, node, err) < 0 ||
	    loop_add_timer(node->loop, KEEPALIVE_TICK_MS, on_keepalive_tick, node, err) < 0 ||
	    loop_add_timer(node->loop, STATUS_TICK_MS, on_status_tick, node, err) < 0 ||
	    add_watchdog(node, err) != 0 ||
	    jobs_start(node, node->jobs, &node->njobs, err) != 0 ||
	    handover_start(node, err) != 0)
		return -1;
	return 0;
}

/* The store was found damaged: logged. Nothing more is written to it, not
 * even the checkpoint at close: the WAL stays as it is, for whoever
 * repairs it. */
static int
stop_damaged(struct node *node)
{
	sqlite3_db_config(store_db(node->store), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	return NODE_STORE_DAMAGED;
}

int
node_run(node_t *node, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload_flag)
{
	err_t err;
	int rc = 0;

	if (register_loop(node, &err) != 0) {
		log_err("cannot start the event loop: %s", err.msg);
		/* What did start (the jobs before the one that failed, the loop)
		 * is undone: an adapter refusing its config leaks nothing. */
		jobs_stop(node->jobs, node->njobs);
		node->njobs = 0;
		handover_stop(node);
		loop_free(&node->loop);
		return -1;
	}
	announce(node);
	on_status_tick(node);
	while (!*stop && !node->store_damaged && rc == 0) {
		if ((rc = loop_run_once(node->loop, TICK_MS, &err)) != 0)
			log_err("%s", err.msg);
		if (*reload_flag) {
			*reload_flag = 0;
			reload(node);
		}
	}
	/* SIGTERM, damage or a failed poll: systemd learns it is on purpose
	 * before the adapters and the store are closed. */
	sd_notify(0, "STOPPING=1");
	jobs_stop(node->jobs, node->njobs);
	node->njobs = 0;
	handover_stop(node);
	store_health_close(&node->health);
	loop_free(&node->loop);
	if (node->store_damaged)
		return stop_damaged(node);
	if (rc != 0)
		return -1;
	log_notice("stopping");
	disconnect_all(node);
	return 0;
}
