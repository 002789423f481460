/*
 * store_health — whether famlinkd's store takes writes: ok, full, locked,
 * failing (another I/O error) or damaged, since when, and what the daemon
 * logs about it.
 *
 * While the store is broken the daemon stops reading new frames (ZeroMQ's
 * queues and high-water marks push back on the senders), tries a small
 * write (store_probe()) after 100 ms, doubling up to every 2 s, and reads
 * again once one goes through. The log gets one error line when the
 * trouble starts, at most one a minute with a count while it lasts, and
 * one notice when it clears. A failure within a minute of clearing belongs
 * to the same spell (a nearly full disk can take the small test write and
 * not the next batch): no new first line, and the retry delay goes on
 * doubling; then "works again" waits until it has held for a minute, so a
 * flapping store still logs a few lines a minute at most. A damaged store
 * (SQLITE_CORRUPT, SQLITE_NOTADB) is not retried: the daemon logs it and
 * stops.
 *
 * The state is also kept in RUNTIME_DIR/famlinkd.state for famlinkctl status,
 * because the store itself cannot be written while it is full: a small
 * file made at its full size when the daemon starts (mode 0600) and only
 * ever overwritten in place, so it needs no new disk blocks. The daemon
 * holds a lock on it while it runs; famlinkctl reads "unknown" without.
 */
#ifndef FAMLINK_STORE_HEALTH_H
#define FAMLINK_STORE_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define STORE_STATE_FILE "famlinkd.state"
#define STORE_RETRY_FIRST_MS 100
#define STORE_RETRY_MAX_MS 2000
#define STORE_LOG_EVERY_MS 60000
#define STORE_PROBE_BUSY_MS 200   /* a probe waits this long for a lock, not STORE_BUSY_MS */

typedef enum store_state {
	STORE_OK = 0,
	STORE_FULL,       /* SQLITE_FULL: no room on the disk (or the file's limit) */
	STORE_LOCKED,     /* SQLITE_BUSY / SQLITE_LOCKED: another process holds the write lock */
	STORE_FAILING,    /* another error: SQLITE_IOERR, … */
	STORE_READONLY,   /* SQLITE_READONLY, or an I/O error that was EROFS: a read-only
	                   * filesystem (ext4's errors=remount-ro) or file */
	STORE_DAMAGED,    /* SQLITE_CORRUPT / SQLITE_NOTADB: the daemon stops */
	STORE_UNKNOWN,    /* famlinkctl: no famlinkd runs on the state directory */
} store_state_t;

typedef struct store_health {
	store_state_t state;
	store_state_t last_state;  /* what it was before it worked again */
	int64_t since_ms;          /* wall clock (Unix ms): when it stopped (or began) working */
	int64_t spell_ms;          /* when the spell began (wall clock, and monotonic) */
	int64_t spell_mono;
	unsigned long failures;    /* failed attempts in the spell */
	unsigned relapses;         /* failures within a minute of working again */
	int64_t ok_mono;           /* when it last worked again, 0 = never broken */
	bool clear_unlogged;       /* it works again, not said yet (store_health_tick) */
	unsigned long unlogged;    /* failed attempts since the last log line */
	int64_t logged_mono;       /* when the last line was logged */
	unsigned retry_ms;         /* the delay before the next attempt */
	int64_t retry_at_mono;     /* when it is due */
	char last[200];            /* the last error, for the once-a-minute line */
	bool has_file;             /* fd is famlinkd.state */
	int fd;
} store_health_t;

/* "ok", "full", "locked", "failing", "read-only", "damaged", "unknown". */
const char *store_state_name(store_state_t s);
/* What a SQLite result code (primary or extended) means for the store. */
store_state_t store_state_of(int sqlite_code);

/* Makes (or reuses) RUNTIME_DIR/famlinkd.state at its full size, locks it and
 * writes "ok". Without it (err filled) the daemon runs on, status cannot
 * show the state. */
int store_health_open(store_health_t *h, const char *state_dir, int64_t now_ms, err_t *err);
void store_health_close(store_health_t *h);

/* A write failed with this SQLite code; msg says what failed. Logs (by the
 * policy above) and schedules the next attempt. Returns the new state. */
store_state_t store_health_failed(store_health_t *h, int sqlite_code, const char *msg,
    int64_t now_mono, int64_t now_ms);
/* A write went through. True if that ended a broken spell. */
bool store_health_ok(store_health_t *h, int64_t now_mono, int64_t now_ms);
/* Each turn of the loop: says "works again" once that has held a minute,
 * if it was not said when it happened. */
void store_health_tick(store_health_t *h, int64_t now_mono);

static inline bool
store_health_broken(const store_health_t *h)
{
	return h->state != STORE_OK;
}

/* Milliseconds until the next attempt is due (0: now). */
int store_health_retry_in(const store_health_t *h, int64_t now_mono);

/* One small write transaction, waiting at most STORE_PROBE_BUSY_MS for a
 * lock: does the store take writes again? 0, or -1 with err (code: the
 * SQLite code). */
int store_probe(store_t *store, err_t *err);

/* famlinkctl: what the running daemon says. STORE_UNKNOWN (and 0) when no
 * famlinkd holds the state directory; -1 with err if the file is unreadable. */
typedef struct store_health_report {
	store_state_t state;
	int64_t since_ms;
	unsigned long failures;
	bool read_only_fs;   /* famlinkctl's own finding: the state directory's filesystem is read-only */
} store_health_report_t;

int store_health_read(const char *state_dir, store_health_report_t *r, err_t *err);

/* Whether state_dir's filesystem refuses writes, asked without writing:
 * opening its lock file for writing fails with EROFS on a read-only mount,
 * also on ext4 after errors=remount-ro, which statvfs() does not show (nor
 * does SQLite: its "disk I/O error" keeps no reliable errno). */
bool store_dir_read_only(const char *state_dir);

#endif
