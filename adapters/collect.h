/*
 * collect — what the outbound sides of adapters share: an item the local
 * system offered (a spool file, a REST item), parsed by outgoing_parse(),
 * is queued (outgoing_enqueue(), judged as famlinkctl send judges a file)
 * and recorded under its key (store_collected.h) in the caller's
 * transaction, behind a savepoint, so that a refusal undoes its own part
 * alone. spool_out.c and rest_out.c both go through here: an item is
 * recorded in the transaction that queues it, or not at all.
 */
#ifndef FAMLINK_COLLECT_H
#define FAMLINK_COLLECT_H

#include <stdint.h>

#include "job.h"
#include "outgoing.h"

/* 1: queued and recorded as the adapter's item; 0: refused (why says what
 * and where; the transaction is as before); -1: the store failed (err),
 * and the caller's transaction must roll back. */
int collect_enqueue(job_run_t *self, const char *item, outgoing_t *msg, int64_t now,
    err_t *why, err_t *err);

#endif
