/*
 * store_collected — what an adapter took from the local system and queued:
 * an item (a spool file's name and checksum, a REST item's id) and the
 * message it became, recorded in the transaction that queues it, so that
 * after a crash between that commit and the local system being told (the
 * file moved to done/, the item confirmed) it is recognised, never queued
 * twice. Runs in the caller's transaction.
 */
#ifndef FAMLINK_STORE_COLLECTED_H
#define FAMLINK_STORE_COLLECTED_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* 1 and the message id (33 bytes) if the adapter queued item before, 0 if
 * not, -1 with err. */
int store_collected_get(store_t *store, const char *adapter, const char *item,
    char message_id[33], err_t *err);
int store_collected_put(store_t *store, const char *adapter, const char *item,
    const char *message_id, int64_t now, err_t *err);

#endif
