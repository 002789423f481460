/*
 * store_disk — free space on the store's filesystem against a floor, like
 * RabbitMQ's disk_free_limit. Below the floor a node takes no new work
 * (famlinkctl send, collected files, new messages from peers) but goes on
 * delivering, settling Receipts and checkpointing, so a store that fills
 * its own disk never wedges: SQLite needs room to move the WAL into the
 * database file (a checkpoint), to roll back, and to start.
 *
 * The floor is [node] disk_free_limit, or by default the larger of
 * STORE_DISK_FLOOR_MIN and a quarter of the store's size (famlink.db and
 * its WAL): a checkpoint grows the database by at most the WAL, and the
 * WAL is bounded (store.c) to a fraction of that. A node that went below
 * it takes work again only at the floor plus a quarter (hysteresis), so
 * it does not flap on every Receipt.
 */
#ifndef FAMLINK_STORE_DISK_H
#define FAMLINK_STORE_DISK_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"

#define STORE_DISK_FLOOR_MIN (32ULL << 20)
/* What storing a message of N bytes may take from the disk: its WAL frames,
 * then the pages a checkpoint adds to the database file. */
#define STORE_DISK_WRITE_FACTOR 2

typedef struct store_disk {
	uint64_t free_bytes;    /* what the service user may still write (f_bavail) */
	uint64_t floor_bytes;   /* the floor in force */
	uint64_t store_bytes;   /* famlink.db and famlink.db-wal */
	uint64_t wal_bytes;     /* famlink.db-wal alone */
	bool low;               /* below the floor: no new work */
} store_disk_t;

/* The floor for a store of store_bytes: limit if set (non-zero), else the
 * default rule above. The WAL is kept under half of it (node_disk.h), so
 * the floor always holds what a checkpoint needs. */
uint64_t store_disk_floor(uint64_t limit, uint64_t store_bytes);

/* Measures state_dir's filesystem and store, and sets d->low with the
 * hysteresis above (d->low as it was is the previous state; zero the struct
 * before the first call). 0, or -1 with err (statvfs failed; d unchanged). */
int store_disk_measure(store_disk_t *d, const char *state_dir, uint64_t limit, err_t *err);

/* The reserve: STATE_DIR/famlinkd.reserve, a file of bytes allocated
 * while there is room and released when a checkpoint found none, so that
 * the WAL can always be moved into the database even when something
 * (another program, a race between two writers) took the last byte.
 * store_disk_reserve() makes it if missing (0, or -1 with err: no room
 * now, try later); store_disk_release() removes it (1 if there was one). */
#define STORE_DISK_RESERVE_FILE "famlinkd.reserve"
int store_disk_reserve(const char *state_dir, uint64_t bytes, err_t *err);
int store_disk_release(const char *state_dir);
/* Its size, 0 when there is none. */
uint64_t store_disk_reserved(const char *state_dir);

/* "12.3 MiB", "512 KiB", "800 B" into buf. */
const char *store_disk_fmt(uint64_t bytes, char *buf, size_t len);

#endif
