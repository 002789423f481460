/*
 * node_disk — the free-space floor in the daemon (store_disk.h). Measured
 * on the loop's tick and before each batch, at most every DISK_CHECK_MS;
 * between two measurements each message admitted counts against the room
 * above the floor, so one large batch cannot overshoot it. Near the floor
 * (under twice it), and whenever the WAL holds more than half the floor,
 * the WAL is checkpointed and cut after the measurement: a checkpoint
 * grows the database by up to the WAL's size, so the WAL must stay well
 * within the room the floor keeps, or it could never be moved (the wedge
 * this prevents). With the default floor (32 MiB or more) and SQLite's
 * autocheckpoint (about 4 MiB) the second never happens; for a smaller
 * floor SQLite's own checkpoint runs after a quarter of the floor instead
 * of 4 MiB (store_bound_wal()), so the WAL stays within it between two
 * measurements too.
 * Should a checkpoint still find no room (another program took the last
 * byte, or famlinkctl and famlinkd wrote at once), the reserve
 * (store_disk.h, half the floor, made while there is room) is released so
 * that the WAL can be moved, and made again once there is room. Below the floor the node reads and answers
 * everything but new messages, which it leaves unanswered (their senders
 * keep them and resend, PROTOCOL.md §7.3); when the floor is cleared it
 * tells its peers to resend at once. Below node_store: it calls none of the
 * other node files: that its peers should resend it leaves to node.c
 * (tell_peers_due).
 */
#ifndef FAMLINK_NODE_DISK_H
#define FAMLINK_NODE_DISK_H

#include <stdbool.h>
#include <stddef.h>

struct node;

#define DISK_CHECK_MS 250

/* Measures if due (or at once when the room is spent), logs a change,
 * gives back the WAL near the floor. */
void node_disk_poll(struct node *node);
/* May a new message of len bytes be stored now? Counts it if so. */
bool node_disk_admit(struct node *node, size_t len);
/* A Receipt settled one of our messages of about len bytes (0: unknown):
 * the update rewrites its whole outbox row, envelope and all, in the WAL.
 * Counted against the room, never refused: settling is how the store
 * gives space back. */
void node_disk_charge(struct node *node, size_t len);
/* May the batch in progress read another frame? Not once the room is
 * spent: it commits, and the next batch measures and checkpoints first. */
bool node_disk_batch_room(const struct node *node);
/* New work (famlinkctl send is refused by famlinkctl itself; the jobs'
 * collect) is paused. */
bool node_disk_low(const struct node *node);

#endif
