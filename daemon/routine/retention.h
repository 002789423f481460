/*
 * retention — gallring of transit copies. famlink's stored messages are
 * transit copies, never the archive: the case system keeps the record
 * (and SoL 12 kap. 2 § forbids purging some of it there). Once a referral
 * has been closed (or rejected) for longer than [retention] purge_after,
 * the stored envelopes of its messages, in the inbox and the outbox, are
 * emptied, with SQLite's secure_delete on so that the freed pages are
 * zeroed too: child profile, contact details, attachments and free text go;
 * ids, states, counts and timings (referrals, proposals, transitions,
 * deadlines, the audit) stay, so reports still add up. Each purge is one
 * audit row ("purge"). A referral with a message still waiting to be sent
 * is left for a later round, and so is one with a received message that
 * the adapters to the local system have not all taken yet, when one takes
 * received messages: the transit copy goes only once the case system has
 * the record.
 */
#ifndef FAMLINK_RETENTION_H
#define FAMLINK_RETENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

typedef void retention_fn(const char *owner, const char *referral_id, int messages, void *ctx);

/* Purges up to max referrals (at most 32) due by now, inside the caller's
 * transaction; fn (may be NULL) hears of each. await_handover: an adapter
 * takes received messages here, and a referral waits until it has taken
 * all of its. Returns how many, or -1 with err; call again while it
 * returns max. */
int retention_purge(store_t *store, const config_t *cfg, int64_t now, int max,
    bool await_handover, retention_fn *fn, void *ctx, err_t *err);

/* Marks the referrals due by now that wait for the hand-over as held
 * (referrals.held_since, once), fn (may be NULL, messages 0) hearing of
 * each newly held one. How many, or -1 with err. */
int retention_hold(store_t *store, const config_t *cfg, int64_t now, retention_fn *fn,
    void *ctx, err_t *err);

#endif
