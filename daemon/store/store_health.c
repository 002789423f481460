/* store_health — see store_health.h. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store_health.h"

#define STATE_SIZE 256   /* famlinkd.state is always exactly this long */

static const char *const names[] = {
	[STORE_OK] = "ok", [STORE_FULL] = "full", [STORE_LOCKED] = "locked",
	[STORE_FAILING] = "failing", [STORE_READONLY] = "read-only", [STORE_DAMAGED] = "damaged",
	[STORE_UNKNOWN] = "unknown",
};

/* What the first log line says the trouble is. */
static const char *const trouble[] = {
	[STORE_OK] = "store works", [STORE_FULL] = "store is full (no room to write)",
	[STORE_LOCKED] = "store is locked (another process holds its write lock)",
	[STORE_FAILING] = "store cannot be written",
	[STORE_READONLY] = ("store is read-only (its filesystem or file refuses writes: look at"
	    " the mount, e.g. findmnt and the kernel log)"),
	[STORE_DAMAGED] = "store is damaged",
	[STORE_UNKNOWN] = "store state unknown",
};

const char *
store_state_name(store_state_t s)
{
	return s <= STORE_UNKNOWN ? names[s] : "unknown";
}

store_state_t
store_state_of(int code)
{
	switch (code & 0xff) {
	case SQLITE_OK:
		return STORE_OK;
	case SQLITE_FULL:
		return STORE_FULL;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_LOCKED;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return STORE_DAMAGED;
	case SQLITE_READONLY:
		return STORE_READONLY;
	default:
		return STORE_FAILING;
	}
}

/* The whole file, every time: it never grows, so writing it needs no new
 * blocks on a full disk. */
static void
write_state(store_health_t *h)
{
	char buf[STATE_SIZE];
	int n;

	if (!h->has_file)
		return;
	memset(buf, ' ', sizeof(buf));
	n = snprintf(buf, sizeof(buf), "famlinkd store state\nstate=%s\nsince=%" PRId64
	    "\nfailures=%lu\nend\n", store_state_name(h->state), h->since_ms, h->failures);
	if (n > 0 && n < (int)sizeof(buf))
		buf[n] = ' ';
	buf[sizeof(buf) - 1] = '\n';
	if (pwrite(h->fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		log_debug("%s: %s", STORE_STATE_FILE, strerror(errno));
}

int
store_health_open(store_health_t *h, const char *state_dir, int64_t now_ms, err_t *err)
{
	char path[4200];
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int fd, tries = 0;

	h->state = STORE_OK;
	h->since_ms = now_ms;
	h->has_file = false;
	snprintf(path, sizeof(path), "%s/%s", state_dir, STORE_STATE_FILE);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return err_set(err, errno, "%s: %s", path, strerror(errno));
	/* famlinkctl holds a shared lock for an instant when it looks. */
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK || ++tries > 200) {
			err_set(err, errno, "%s: cannot lock: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		nanosleep(&pause, NULL);
	}
	h->fd = fd;
	h->has_file = true;
	if (fchmod(fd, 0600) != 0)
		log_debug("%s: chmod: %s", path, strerror(errno));
	write_state(h);
	/* Its blocks are allocated now, while there is room. */
	if (fdatasync(fd) != 0) {
		err_set(err, errno, "%s: %s", path, strerror(errno));
		store_health_close(h);
		return -1;
	}
	return 0;
}

void
store_health_close(store_health_t *h)
{
	if (h->has_file)
		close(h->fd);
	h->has_file = false;
}

static void
fmt_duration(int64_t ms, char *buf, size_t len)
{
	if (ms < 60000)
		snprintf(buf, len, "%.1f s", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(buf, len, "%" PRId64 " min %" PRId64 " s", ms / 60000, ms % 60000 / 1000);
	else
		snprintf(buf, len, "%" PRId64 " h %" PRId64 " min", ms / 3600000, ms % 3600000 / 60000);
}

static void
next_retry(store_health_t *h)
{
	if (h->retry_ms < STORE_RETRY_MAX_MS)
		h->retry_ms = h->retry_ms * 2 < STORE_RETRY_MAX_MS ? h->retry_ms * 2
		    : STORE_RETRY_MAX_MS;
}

store_state_t
store_health_failed(store_health_t *h, int code, const char *msg, int64_t now_mono,
    int64_t now_ms)
{
	store_state_t s = store_state_of(code);
	char dur[48];

	if (s == STORE_OK)
		s = STORE_FAILING;   /* a failure without a code is still one */
	snprintf(h->last, sizeof(h->last), "%s", msg);
	if (s == STORE_DAMAGED) {
		log_err("%s: %s: stopping (exit status 1); restore the store from a backup",
		    trouble[s], msg);
		h->state = s;
		h->since_ms = now_ms;
		h->failures++;
		write_state(h);
		return s;
	}
	h->failures++;
	h->unlogged++;
	if (h->state == STORE_OK && (h->ok_mono == 0 || now_mono - h->ok_mono >= STORE_LOG_EVERY_MS)) {
		/* A new spell. */
		h->state = s;
		h->since_ms = h->spell_ms = now_ms;
		h->spell_mono = now_mono;
		h->failures = 1;
		h->unlogged = 0;
		h->relapses = 0;
		h->clear_unlogged = false;
		h->logged_mono = now_mono;
		h->retry_ms = STORE_RETRY_FIRST_MS;
		log_err("%s: %s; not reading new messages until it works again (trying every"
		    " %u ms to %u s)", trouble[s], msg, STORE_RETRY_FIRST_MS, STORE_RETRY_MAX_MS / 1000);
		write_state(h);
	} else {
		if (h->state == STORE_OK) {
			/* Back within a minute of working again: the same spell. If
			 * the log said it works again, it says at once that it does
			 * not, or the log would lie until the next report. */
			bool clear_said = !h->clear_unlogged;
			h->relapses++;
			h->since_ms = h->spell_ms;
			h->clear_unlogged = false;
			if (clear_said) {
				fmt_duration(now_mono - h->ok_mono, dur, sizeof(dur));
				log_err("%s again, %s after it worked again: %s", trouble[s], dur, msg);
				h->unlogged = 0;
				h->logged_mono = now_mono;
			}
		}
		next_retry(h);
		if (s != h->state) {
			h->state = s;
			write_state(h);
		}
		if (now_mono - h->logged_mono >= STORE_LOG_EVERY_MS) {
			fmt_duration(now_mono - h->spell_mono, dur, sizeof(dur));
			log_err("%s for %s now: %lu more failed attempts since the last report%s;"
			    " last: %s", trouble[s], dur, h->unlogged,
			    h->relapses ? " (it worked again for moments)" : "", msg);
			h->unlogged = 0;
			h->logged_mono = now_mono;
			write_state(h);
		}
	}
	h->retry_at_mono = now_mono + h->retry_ms;
	return h->state;
}

static void
log_clear(store_health_t *h, int64_t now_mono, const char *held)
{
	char dur[48];

	fmt_duration(h->ok_mono - h->spell_mono, dur, sizeof(dur));
	log_notice("store works again%s after %s %s (%lu failed attempts): reading new messages",
	    held, dur, store_state_name(h->last_state), h->failures);
	h->logged_mono = now_mono;
	h->clear_unlogged = false;
}

bool
store_health_ok(store_health_t *h, int64_t now_mono, int64_t now_ms)
{
	if (h->state == STORE_OK)
		return false;
	h->last_state = h->state;
	h->state = STORE_OK;
	h->since_ms = now_ms;
	h->ok_mono = now_mono;
	write_state(h);
	/* A store that keeps failing again says so at most once a minute. */
	if (h->relapses == 0 || now_mono - h->logged_mono >= STORE_LOG_EVERY_MS)
		log_clear(h, now_mono, "");
	else
		h->clear_unlogged = true;
	return true;
}

void
store_health_tick(store_health_t *h, int64_t now_mono)
{
	if (h->state == STORE_OK && h->clear_unlogged &&
	    now_mono - h->ok_mono >= STORE_LOG_EVERY_MS)
		log_clear(h, now_mono, " (for a minute now)");
}

int
store_health_retry_in(const store_health_t *h, int64_t now_mono)
{
	int64_t left = h->retry_at_mono - now_mono;

	return left <= 0 ? 0 : left > STORE_RETRY_MAX_MS ? STORE_RETRY_MAX_MS : (int)left;
}

int
store_probe(store_t *store, err_t *err)
{
	sqlite3 *db = store_db(store);
	char sql[48];
	int v, rc = -1;

	sqlite3_busy_timeout(db, STORE_PROBE_BUSY_MS);
	if (store_begin(store, err) == 0) {
		/* Rewriting the version it has dirties the header page: a real
		 * write and commit (WAL frame, fsync) that changes nothing. */
		if ((v = store_schema_version(store)) < 0)
			store_fail(store, err);
		else if (snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v) > 0 &&
		    store_exec(store, sql, err) == 0 && store_commit(store, err) == 0)
			rc = 0;
		if (rc != 0)
			store_rollback(store);
	}
	sqlite3_busy_timeout(db, STORE_BUSY_MS);
	return rc;
}

static int
parse_state(const char *buf, store_health_report_t *r)
{
	char state[16];
	long long since;
	unsigned long failures;

	if (sscanf(buf, "famlinkd store state\nstate=%15s\nsince=%lld\nfailures=%lu\nend",
	    state, &since, &failures) != 3 || strstr(buf, "\nend\n") == NULL)
		return -1;
	for (int s = STORE_OK; s < STORE_UNKNOWN; s++)
		if (strcmp(state, names[s]) == 0) {
			r->state = (store_state_t)s;
			r->since_ms = since;
			r->failures = failures;
			return 0;
		}
	return -1;
}

int
store_health_read(const char *state_dir, store_health_report_t *r, err_t *err)
{
	char path[4200], buf[STATE_SIZE + 1];
	ssize_t got;
	int fd;

	memset(r, 0, sizeof(*r));
	r->state = STORE_UNKNOWN;
	snprintf(path, sizeof(path), "%s/%s", state_dir, STORE_STATE_FILE);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : err_set(err, errno, "%s: %s", path, strerror(errno));
	/* Free to lock: no famlinkd holds it, whatever the file says. */
	if (flock(fd, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK) {
		close(fd);
		return 0;
	}
	/* A write is one pwrite of the whole file; a read that meets one
	 * half done does not parse: read again. */
	for (int i = 0; i < 5; i++) {
		if ((got = pread(fd, buf, STATE_SIZE, 0)) < 0) {
			err_set(err, errno, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		buf[got] = '\0';
		if (parse_state(buf, r) == 0) {
			close(fd);
			return 0;
		}
	}
	close(fd);
	r->state = STORE_UNKNOWN;
	return err_set(err, 0, "%s: not a state file famlinkd wrote", path);
}

/* The lock file, never the store: closing a descriptor of the store would
 * drop this process's SQLite locks on it. */
bool
store_dir_read_only(const char *state_dir)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/famlinkd.lock", state_dir);
	if ((fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
		close(fd);
		return false;
	}
	return errno == EROFS;
}
