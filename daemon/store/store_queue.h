/*
 * store_queue — the outbox, inbox, dead letters and per-peer channel state.
 * Every function runs inside the caller's transaction (see store.h); none
 * commits. Sequence numbers are per sender→recipient channel, from 1.
 */
#ifndef FAMLINK_STORE_QUEUE_H
#define FAMLINK_STORE_QUEUE_H

#include "famlink.pb-c.h"
#include "store.h"

typedef struct store_peer {
	char node_id[65];
	uint64_t next_out_seq;   /* the sequence the next enqueued message gets */
	uint64_t next_in_seq;    /* the sequence we apply next from this peer */
	int64_t last_seen;       /* Unix ms, 0 = never */
	bool connected;
	uint64_t sent_up_to;     /* highest sequence sent in the live session */
	int64_t refused_since;   /* municipality: Unix ms since when the hub has
	                          * refused our key, 0 = not refused (for status) */
} store_peer_t;

/* A queued message as the sender's pump sees it. envelope is borrowed:
 * valid until the callback returns. */
typedef struct outbox_row {
	const char *message_id;
	uint64_t sequence;
	int64_t created_at;
	const void *envelope;
	size_t len;
	bool damaged;            /* its checksum does not match: never send it */
	const char *body_type;   /* "Referral", "Receipt" … ("" if unknown), for the counts */
	bool held;               /* famlinkctl hold: not sent until released */
} outbox_row_t;

/* Gives env the next sequence of its recipient's channel, packs it and
 * writes it to the outbox with an audit row. */
int store_enqueue(store_t *store, Famlink__V1__Envelope *env, err_t *err);

/* Calls fn for up to max queued messages to peer with sequence > after, in
 * sequence order; stops early if fn returns non-zero (and returns that).
 * A row whose checksum does not match comes with damaged set. */
int store_outbox_scan(store_t *store, const char *peer, uint64_t after, int max,
    int (*fn)(void *ctx, const outbox_row_t *row), void *ctx, err_t *err);

/* The lowest queued sequence to peer, or its next_out_seq if none waits. */
int store_first_unacked(store_t *store, const char *peer, uint64_t *seq, err_t *err);

/* How many messages wait in the outbox for any peer (queued: not yet
 * acknowledged), for systemd's STATUS= line. Reads the partial index of
 * queued rows only. */
int store_outbox_waiting(store_t *store, long *waiting, err_t *err);

/* The id of the queued message to peer with that sequence: 1 and id
 * filled, 0 if none is queued there. */
int store_outbox_queued_id(store_t *store, const char *peer, uint64_t seq, char *id,
    size_t len, err_t *err);

/* A Receipt said ACCEPTED. Returns 1 and the message's sequence and creation
 * time if it was waiting, 0 if not (unknown, or a duplicate receipt). */
int store_mark_delivered(store_t *store, const char *peer, const char *message_id,
    int64_t now, uint64_t *seq, int64_t *created_at, err_t *err);

/* A Receipt said REJECTED: the message goes to the dead letters, and the
 * operator's notification of it to the notifications queue
 * (store_notify.h). Same return convention as store_mark_delivered(). */
int store_mark_dead(store_t *store, const char *peer, const char *message_id,
    int code, const char *reason, int64_t now, uint64_t *seq, err_t *err);

/* 1 if message_id is in the inbox from sender, 2 if from another node,
 * 0 if not there. */
int store_inbox_has(store_t *store, const char *message_id, const char *sender, err_t *err);
/* 1 if the id is in the outbox or the inbox (from anyone), 0 if not. */
int store_message_id_used(store_t *store, const char *message_id, err_t *err);

/* Remembers that we rejected message_id from sender, and why. */
int store_rejection_put(store_t *store, const char *message_id, const char *sender,
    int code, const char *reason, int64_t now, err_t *err);

/* 1 with code and reason (at least 501 bytes) if we rejected message_id
 * from sender before, 0 if not. */
int store_rejection_get(store_t *store, const char *message_id, const char *sender,
    int *code, char *reason, size_t reason_len, err_t *err);

/* Stores an applied inbound message (raw = the bytes as received). */
int store_inbox_put(store_t *store, const Famlink__V1__Envelope *env,
    const void *raw, size_t len, int64_t now, err_t *err);

/* Creates the peer's row if missing, then reads it. */
int store_peer_load(store_t *store, const char *node_id, store_peer_t *out, err_t *err);
/* At start: no session is up, nothing has been sent yet, and no refusal is
 * known (a refusal is a fact about the live process's attempts). */
int store_peers_reset(store_t *store, err_t *err);
int store_peer_save(store_t *store, const store_peer_t *peer, err_t *err);
/* The peer expects seq next from us, but we never gave that many: our
 * store lost or rolled back its outbox. Moves next_out_seq up to seq so new
 * messages are in order again; 1 if it moved (was = the old value). */
int store_raise_next_out_seq(store_t *store, const char *peer, uint64_t seq, uint64_t *was,
    err_t *err);

#endif
