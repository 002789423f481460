/*
 * store_action — what an operator does to messages that are stuck in the
 * outbox (famlinkctl retry, readdress, discard, hold, release, ack-alarm,
 * peers forget). Every function runs inside the caller's transaction and
 * writes nothing but what it says; the caller writes the audit rows.
 *
 * The rules that keep each channel's sequences sound (PROTOCOL.md §5, §7):
 * - A message never answered keeps its id and sequence when sent again.
 * - One sent again under a new id (a dead letter, a readdressed message)
 *   is a new message at the end of its channel; its row names the old one
 *   (resend_of), and the old one stays as a dead letter, acknowledged.
 * - A held message stays queued at its sequence: the pump stops at it, so
 *   the messages behind it on its channel wait too (the receiver would
 *   drop them past the gap anyway).
 * - A discarded message becomes a dead letter, acknowledged: a Hello tells
 *   its peer to skip its sequence, as for any message set aside.
 */
#ifndef FAMLINK_STORE_ACTION_H
#define FAMLINK_STORE_ACTION_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define STORE_SCHEMA_ACTIONS 12   /* the migration that made what the actions need */

/* One outbox row as the actions see it. */
typedef struct action_row {
	char message_id[33];
	char peer[65];
	char body_type[32];
	char referral_id[65];
	char state[16];          /* queued, delivered or dead */
	uint64_t sequence;
	int64_t held_at;         /* 0 = not held */
	bool purged;             /* retention emptied its envelope: nothing to send */
	bool set_aside;          /* a dead letter of ours, not the peer's: discarded
	                          * or readdressed by an operator (code 0) */
	char resend_of[33];      /* "" unless sent again in place of that one */
	char resent_as[33];      /* "" unless a later row is its resend */
} action_row_t;

/* The outbox row of message_id: 1 and *out, 0 if the outbox has none, -1. */
int store_action_get(store_t *store, const char *message_id, action_row_t *out, err_t *err);

/* Calls fn for each dead letter its peer rejected that was not sent again
 * yet (no row names it in resend_of), of peer (NULL: any), oldest first;
 * not those an operator set aside. fn's id is borrowed. */
int store_action_dead_ids(store_t *store, const char *peer,
    int (*fn)(void *ctx, const char *message_id), void *ctx, err_t *err);

/* Sends old's stored envelope again under a new id (new_id, at least 27
 * bytes) to peer (NULL: the same peer), at the end of that channel, created
 * now; its row names old in resend_of. The old row becomes a dead letter
 * with reason why (unless it is one already), acknowledged. */
int store_action_resend(store_t *store, const char *old, const char *peer, int64_t now,
    const char *why, char *new_id, err_t *err);

/* 1 if a message on peer's channel after sequence was answered (delivered
 * or dead): peer has had seq, as it applies in order. 0 if not, -1. */
int store_action_answered_after(store_t *store, const char *peer, uint64_t sequence,
    err_t *err);

/* A queued message becomes a dead letter (code 0, reason why), acknowledged. */
int store_action_discard(store_t *store, const char *message_id, int64_t now, const char *why,
    err_t *err);

/* Holds (at = now) or releases (at = 0) a queued message. */
int store_action_hold(store_t *store, const char *message_id, int64_t at, err_t *err);

/* Acknowledges one dead letter (retried or discarded): no longer counted. */
int store_action_ack_dead(store_t *store, const char *message_id, int64_t now, err_t *err);

/* Acknowledges every dead letter and sequence skip of peer (NULL: all) so
 * far; *dead and *skips say how many were not acknowledged before. */
int store_action_ack_alarms(store_t *store, const char *peer, int64_t now, long *dead,
    long *skips, err_t *err);

/* The messages still queued for peer: their count (0: it may be forgotten). */
long store_action_queued_for(store_t *store, const char *peer, err_t *err);
/* Hides peer from the status (its row and sequences stay); 1 if it had a
 * row, 0 if the store never knew it. */
int store_action_forget_peer(store_t *store, const char *peer, int64_t now, err_t *err);

#endif
