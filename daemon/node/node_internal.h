/*
 * node_internal — the state shared by node.c (loop), node_peer.c (peer
 * table), node_store.c (the store-failure policy), node_inbound.c (receiving)
 * and node_outbound.c (sending). Not for other modules: they talk to a node
 * through node.h.
 */
#ifndef FAMLINK_NODE_INTERNAL_H
#define FAMLINK_NODE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "job.h"
#include "link_view.h"
#include "loop.h"
#include "metrics.h"
#include "node_store.h"
#include "store.h"
#include "store_disk.h"
#include "store_health.h"
#include "store_queue.h"
#include "transport.h"
#include "version.h"
#include "zap.h"

typedef struct receipt_item {
	char message_id[33];
	int level;                 /* RECEIPT_LEVEL_* */
	int code;                  /* RECEIPT_CODE_* */
	char reason[501];          /* ReceiptEntry.reason holds at most 500 bytes */
} receipt_item_t;

typedef struct peer {
	store_peer_t st;           /* the persistent part */
	uint64_t committed_in_seq; /* next_in_seq as last committed */
	bool dirty;                /* st changed in this batch */
	uint8_t rid[ROUTING_ID_MAX]; /* hub: routing id of the live session */
	size_t rid_len;
	char key[41];              /* hub: the key that session proved (z85) */
	bool online;               /* a session is up: we may send */
	peer_state_t link;         /* what status shows (node_live.c)… */
	int64_t link_since;        /* …since this Unix ms */
	int64_t heard_mono;        /* hub: the last frame from it (monotonic), 0 = none */
	bool maybe_queued;         /* the outbox may hold unsent messages */
	bool hello_due;            /* hub: answer the peer's Hello after the batch */
	unsigned inflight;         /* sent, not yet answered */
	size_t inflight_bytes;     /* their size: bounds what waits in ZeroMQ */
	int64_t progress_ms;       /* last receipt, send or go-back (monotonic) */
	unsigned backoff_ms;       /* current resend delay */
	bool set_aside;            /* a message to it became a dead letter here: Hello at the next go-back */
	unsigned unreadable;       /* answers "cannot read a frame of yours" in a row… */
	uint64_t unreadable_seq;   /* …while this sequence was our first unanswered */
	int64_t hello_sent_ms;     /* municipality: when we sent our last Hello (monotonic)… */
	uint64_t hello_sent_up_to; /* …and sent_up_to then (0 after a go-back) */
	bool handover_untold;      /* HANDED_OVER entries may wait to be told it… */
	int64_t handover_retell;   /* …and those told since this Unix ms may have been lost
	                            * with the session before (0: none) */
	receipt_item_t *receipts;  /* to send after the batch commits */
	size_t nreceipts, capreceipts;
} peer_t;

struct node {
	config_t *cfg;
	void *zctx;
	zap_t *zap;
	transport_t *tp;
	store_t *store;
	int wake_fd;                /* famlinkctl's nudges (wake.h), -1 if none */
	int lock_fd;                /* flock on STATE_DIR/famlinkd.lock */
	peer_t *peers;
	size_t npeers, cappeers;
	int64_t last_keepalive_ms;
	unsigned long zap_refused_seen;
	int64_t refused_log_ms;     /* rate limit for "key not allowed" warnings */
	bool peers_dirty;           /* peer state changed outside a batch */
	int64_t peers_flush_ms;     /* when it was last written (monotonic) */
	store_health_t health;      /* the store takes writes? (store_health.h) */
	bool store_damaged;         /* SQLITE_CORRUPT or _NOTADB: node_run stops */
	int64_t store_read_log_ms;  /* rate limit for failed reads (monotonic) */
	bool start_write_failed;    /* node_new's write did not go through (a full disk)… */
	err_t start_err;            /* …and why: the store's health hears it once running */
	store_disk_t disk;          /* free space against the floor (node_disk.h) */
	int64_t disk_checked_mono;  /* when it was measured */
	int64_t disk_room;          /* bytes above the floor not yet promised */
	int64_t disk_wal_bound;     /* what store_bound_wal() was last given */
	unsigned long disk_deferred; /* new messages left unanswered below it */
	struct loop *loop;          /* node_run()'s event loop (loop.h) */
	job_run_t jobs[JOBS_MAX];   /* what runs beside the exchange (job.h) */
	int njobs;
	struct handover_set *handover; /* the jobs that deliver (node_handover.c) */
	bool inbox_grew;            /* a batch stored messages: hand them over */
	loop_handle_t frames_reader; /* its handle for the transport socket */
	metrics_t *metrics;         /* messages counted for /metrics (NULL: not counted) */
	/* Municipality: libzmq 4.3 gives up on a connection whose handshake
	 * failed (PROTOCOL.md §2.3), so node.c re-dials the hub itself. */
	int link_state;             /* LINK_*: the hub connection's last logged state */
	unsigned link_failures;     /* failed handshakes since the last good one */
	unsigned redial_delay_ms;   /* the next re-dial's delay: 5 s doubling to 5 min */
	int64_t redial_at_ms;       /* when it is due (monotonic), 0 = none */
	bool tcp_connected;         /* this dial got a TCP connection (node_link.c) */
	bool unbound;               /* hub: a re-bind failed; on_tick tries again */
	bool tell_peers_due;        /* the disk has room again (node_disk.c): peers resend now */
	int64_t alerts_looked_ms;   /* node_alert.c: when it last looked (monotonic) */
	link_view_t *links;         /* RUNTIME_DIR/famlinkd.links (node_live.c), NULL if none */
	bool links_dirty;           /* a change not yet written there */
	bool links_failed_logged;   /* its last write failed, and that was logged */
	int64_t started_ms;         /* Unix ms: when famlinkd started (node_live.c) */
};

enum { LINK_NEW, LINK_UP, LINK_REFUSED, LINK_FAILED };

/* node_peer.c */
peer_t *node_peer(struct node *node, const char *node_id, err_t *err);
void node_peers_rollback(struct node *node);
void node_peers_committed(struct node *node);
void node_peers_free(struct node *node);
int node_peer_add_receipt(peer_t *peer, const char *message_id, int level, int code,
    const char *reason);

/* node_peer.c: a frame from a key no longer (or never) in the allowlist
 * (logged at most once every 10 s). */
void node_refused(struct node *node, const char *node_id, const char *why);

/* node_live.c: the runtime directory, and the link view status reads
 * (link_view.h): each peer's state and since when. */
int node_live_open(struct node *node, err_t *err);
void node_live_close(struct node *node);
void node_live_set(struct node *node, peer_t *peer, peer_state_t state);
/* Hub: a peer not heard from in twice the keepalive is disconnected. */
void node_live_silence(struct node *node, int64_t now_mono);
/* Writes the view if something changed (and the last write failed). */
void node_live_flush(struct node *node);

/* node_alert.c: raises and clears the alerts that are due (looks at most
 * every 10 s). */
void node_alerts_due(struct node *node, int64_t now_mono);

/* node_link.c (municipality): the monitor's events, and a re-dial when due. */
void node_link_init(struct node *node);
void node_link_events(struct node *node);
void node_link_redial_due(struct node *node, int64_t now);
void node_link_restart(struct node *node);



/* node_inbound.c: one batch: receive, apply, commit, answer. */
int inbound_batch(struct node *node);

/* node_outbound.c */
void outbound_pump(struct node *node, peer_t *peer);
void outbound_pump_all(struct node *node);
void outbound_send_receipts(struct node *node);
void outbound_drop_receipts(struct node *node);
/* Timers (node.c registers them with the loop): resend what went
 * unanswered past its backoff (go-back-N); a municipality's keepalive
 * Hello every keepalive_ms. */
void outbound_resend_due(struct node *node, int64_t now_mono);
void outbound_keepalive_due(struct node *node, int64_t now_mono);
void outbound_session_start(struct node *node, peer_t *peer);
void outbound_send_hello(struct node *node, peer_t *peer);
/* node_inbound.c's handle_hello (municipality): a Hello from the hub, which
 * expects next_expected from us next (0: not said). If it shows that the
 * hub dropped messages of ours (its store failed and works again), they are
 * resent at once, with the backoff reset. */
void outbound_hello_received(struct node *node, peer_t *peer, uint64_t next_expected);
/* Hub, when its store works again: a Hello to each online peer (which makes
 * it resend at once) and our own unanswered messages resent now. */
void outbound_store_recovered(struct node *node);
/* An operator's action asked for it (famlinkctl retry, discard, release):
 * each peer it names (or every one) that is online gets a Hello (a receiver
 * waiting for a sequence set aside skips it) and what waits unanswered is
 * resent at once, the backoff reset; the rest do so when their session
 * starts. */
struct wake_redrive;
void outbound_redrive(struct node *node, const struct wake_redrive *which);
int outbound_settle(struct node *node, peer_t *peer, const char *message_id, int level,
    int code, const char *reason, int64_t now, err_t *err);

#endif
