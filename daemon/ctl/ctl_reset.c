/*
 * ctl_reset — the store checks every famlinkctl verb that uses the store
 * goes through (the same famlinkd makes at start: store_identity.h), and
 * `famlinkctl reset-store --yes`, the only way to start a node afresh once
 * it has made a store: the old files are moved aside, never deleted, and the
 * new store's audit table says why and where they went.
 */
#include <errno.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "store.h"
#include "store_audit.h"
#include "store_identity.h"

/* "state_dir = ." comes back as "/conf/dir/.": name the store as
 * "/conf/dir/famlink.db" in the messages. */
static void
store_paths(const config_t *cfg, char *dir, size_t dirlen, char *path, size_t pathlen)
{
	size_t n = strlen(cfg->state_dir);

	if (n > 2 && strcmp(cfg->state_dir + n - 2, "/.") == 0)
		n -= 2;
	snprintf(dir, dirlen, "%.*s", (int)n, cfg->state_dir);
	snprintf(path, pathlen, "%s/%s", dir, STORE_FILE);
}

static int
fault_status(int code)
{
	switch (code) {
	case STORE_FAULT_ABSENT: return CTL_NO_STORE;
	case STORE_FAULT_LOST: return CTL_STORE_LOST;
	case STORE_FAULT_DAMAGED: return CTL_STORE_DAMAGED;
	case STORE_FAULT_FOREIGN: return CTL_STORE_FOREIGN;
	default: return CTL_ERROR;
	}
}

/* Root making a node's first store would make it root's, and famlinkd,
 * running as the state directory's owner, could not open it. */
static bool
refuse_root_first_store(const char *dir, const char *path)
{
	struct stat st;

	if (geteuid() != 0 || access(path, F_OK) == 0 || stat(dir, &st) != 0 || st.st_uid == 0)
		return false;
	fprintf(stderr, "famlinkctl: no store at %s yet, and famlinkctl runs as root: the store it"
	    " made would be root's, which famlinkd (running as uid %u, the owner of %s) could not"
	    " open. Run famlinkctl as that user (runuser -u USER -- famlinkctl ...)\n", path,
	    (unsigned)st.st_uid, dir);
	return true;
}

int
ctl_check_store(const config_t *cfg, bool write, bool absent_ok)
{
	char dir[sizeof(cfg->state_dir)], path[sizeof(cfg->state_dir) + 32];
	const char *advice;
	store_ident_t id;
	store_note_t note;
	store_t *store;
	err_t err;

	store_paths(cfg, dir, sizeof(dir), path, sizeof(path));
	if (write && refuse_root_first_store(dir, path))
		return CTL_ERROR;
	store = store_open_node(path, cfg->node_id, write ? STORE_CHECK : STORE_READ_ONLY, &id,
	    &note, &err);
	if (store != NULL) {
		store_close(&store);
		if (note == STORE_NOTE_MARKER_WRITTEN)
			fprintf(stderr, "famlinkctl: %s was missing; written again from the store's"
			    " identity (store %s)\n", STORE_MARKER_FILE, id.store_id);
		return CTL_OK;
	}
	if (err.code == STORE_FAULT_ABSENT) {
		if (absent_ok)
			return CTL_NO_STORE;
		fprintf(stderr, "famlinkctl: no store at %s: famlinkd has not run on this node "
		    "yet (state_dir = %s)\n", path, dir);
		return CTL_NO_STORE;
	}
	/* state_dir is the service user's alone (mode 0700). */
	if (err.code == EACCES || (err.code & 0xff) == SQLITE_CANTOPEN ||
	    (err.code & 0xff) == SQLITE_READONLY) {
		char hint[600];
		store_owner_hint(dir, hint, sizeof(hint));
		fprintf(stderr, "famlinkctl: %s; %s\n", err.msg, hint[0] ? hint
		    : "run famlinkctl as the service user");
		return CTL_ERROR;
	}
	fprintf(stderr, "famlinkctl: %s\n", err.msg);
	if ((advice = store_fault_advice(err.code)) != NULL)
		fprintf(stderr, "famlinkctl: %s\n", advice);
	return fault_status(err.code);
}

/* famlinkd's own lock: held, famlinkd runs; taken, famlinkd cannot start
 * until the reset is done. -1 with the reason printed. */
static int
lock_state_dir(const char *dir)
{
	char path[sizeof(((config_t *)0)->state_dir) + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/famlinkd.lock", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "famlinkctl reset-store: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			fprintf(stderr, "famlinkctl reset-store: famlinkd runs on %s (it holds"
			    " famlinkd.lock); stop it first. Nothing was changed.\n", dir);
		else
			fprintf(stderr, "famlinkctl reset-store: %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Why the store is reset, as famlinkd would refuse it (ids, times and
 * SQLite's findings only); its exit status as the audit code. */
static int
diagnose(const config_t *cfg, const char *path, char *why, size_t len)
{
	store_ident_t id;
	store_t *store;
	err_t err;
	const char *msg;
	size_t plen = strlen(path);

	store = store_open_node(path, cfg->node_id, STORE_READ_ONLY | STORE_CHECK, &id, NULL, &err);
	if (store != NULL) {
		store_close(&store);
		snprintf(why, len, "operator's request; the store (%s) passed its checks",
		    id.store_id[0] ? id.store_id : "without identity");
		return 0;
	}
	if (err.code == STORE_FAULT_ABSENT) {
		snprintf(why, len, "operator's request; there was no store");
		return 0;
	}
	msg = err.msg;
	if (strncmp(msg, path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
		msg += plen + 2;
	snprintf(why, len, "%s", msg);
	return err.code < 0 ? fault_status(err.code) : 0;
}

int
ctl_reset_store(const config_t *cfg, const ctl_opts_t *o)
{
	char dir[sizeof(cfg->state_dir)], path[sizeof(cfg->state_dir) + 32];
	char why[600], moved[600], detail[1600], when[32];
	store_ident_t old, fresh;
	store_t *store = NULL;
	int lock_fd, code, rc = CTL_ERROR, had_marker;
	err_t err;

	store_paths(cfg, dir, sizeof(dir), path, sizeof(path));
	if (!o->yes) {
		fprintf(stderr, "famlinkctl reset-store: this moves %s, its -wal and -shm and %s"
		    " aside and starts %s with an empty store: what waited in the old one is not"
		    " sent. Nothing was changed; add --yes to do it.\n", path, STORE_MARKER_FILE,
		    cfg->node_id);
		return CTL_USAGE;
	}
	if ((lock_fd = lock_state_dir(dir)) < 0)
		return CTL_ERROR;
	code = diagnose(cfg, path, why, sizeof(why));
	if ((had_marker = store_marker_read(path, &old, &err)) < 0)
		had_marker = 0;
	if (store_set_aside(path, moved, sizeof(moved), &err) != 0) {
		fprintf(stderr, "famlinkctl reset-store: %s\n", err.msg);
		goto out;
	}
	if ((store = store_open_node(path, cfg->node_id, STORE_CHECK, &fresh, NULL, &err)) == NULL) {
		fprintf(stderr, "famlinkctl reset-store: %s\n", err.msg);
		goto out;
	}
	snprintf(detail, sizeof(detail), "cause: %s; old store: %s%s%s; moved aside: %s;"
	    " new store: %s", why, had_marker ? old.store_id : "unknown",
	    had_marker ? ", made " : "", had_marker ? store_fmt_time(old.created_at, when,
	    sizeof(when)) : "", moved[0] ? moved : "nothing", fresh.store_id);
	if (store_begin(store, &err) != 0 ||
	    store_audit(store, clock_now_ms(), AUDIT_STORE_RESET, NULL, NULL, NULL, code,
	    detail, &err) != 0 || store_commit(store, &err) != 0) {
		fprintf(stderr, "famlinkctl reset-store: audit: %s (the new store is in place)\n",
		    err.msg);
		store_rollback(store);
		goto out;
	}
	printf("cause: %s\nmoved aside in %s: %s\nnew empty store %s for %s; famlinkd may start\n",
	    why, dir, moved[0] ? moved : "nothing (there was no store)", fresh.store_id,
	    cfg->node_id);
	rc = CTL_OK;
out:
	store_close(&store);
	close(lock_fd);
	return rc;
}
