/* store_identity — see store_identity.h. */
#define _GNU_SOURCE   /* mkostemp() */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "clock.h"
#include "store_identity.h"

const char *
store_fmt_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

/* dir/name for the directory holding path. */
static void
sibling(const char *path, const char *name, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "%.*s/%s", (int)(slash - path), path, name);
}

static bool
valid_store_id(const char *s)
{
	size_t n = strlen(s);

	return n == 32 && strspn(s, "0123456789abcdef") == n;
}

int
store_marker_read(const char *path, store_ident_t *id, err_t *err)
{
	char mpath[PATH_MAX], line[256];
	bool have_node = false, have_created = false;
	FILE *f;

	sibling(path, STORE_MARKER_FILE, mpath, sizeof(mpath));
	memset(id, 0, sizeof(*id));
	if ((f = fopen(mpath, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		return err_set(err, errno, "%s: %s", mpath, strerror(errno));
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *v = strchr(line, '=');
		if (line[0] == '#' || v == NULL)
			continue;
		*v++ = '\0';
		v[strcspn(v, "\r\n")] = '\0';
		if (strcmp(line, "node_id") == 0 && v[0] != '\0' && strlen(v) < sizeof(id->node_id)) {
			snprintf(id->node_id, sizeof(id->node_id), "%s", v);
			have_node = true;
		} else if (strcmp(line, "store_id") == 0 && strlen(v) < sizeof(id->store_id)) {
			snprintf(id->store_id, sizeof(id->store_id), "%s", v);
		} else if (strcmp(line, "created_at") == 0) {
			char *end;
			id->created_at = strtoll(v, &end, 10);
			have_created = end != v && *end == '\0';
		}
	}
	fclose(f);
	if (!have_node || !valid_store_id(id->store_id) || !have_created)
		return err_set(err, STORE_FAULT_DAMAGED, "%s is damaged: it lacks a valid %s line;"
		    " if the store beside it is this node's, move %s away and famlinkd writes"
		    " it again from the store", mpath, !have_node ? "node_id" :
		    !valid_store_id(id->store_id) ? "store_id" : "created_at", STORE_MARKER_FILE);
	return 1;
}

const char *
store_marker_text(const store_ident_t *id, char *buf, size_t len)
{
	char when[32];

	snprintf(buf, len,
	    "# famlink: which store belongs in this directory. Written when the store\n"
	    "# was made; famlinkd refuses to start when the store does not match it.\n"
	    "# See README.md, \"When the store is lost or damaged\". Do not edit.\n"
	    "node_id=%s\nstore_id=%s\ncreated_at=%lld\ncreated=%s\n", id->node_id, id->store_id,
	    (long long)id->created_at, store_fmt_time(id->created_at, when, sizeof(when)));
	return buf;
}

/* Written whole or not at all (atomicfile): a crash leaves the old marker
 * or the new one, never half of one. Mode 0600, like the store. */
static int
marker_write(const char *path, const store_ident_t *id, err_t *err)
{
	char mpath[PATH_MAX], body[STORE_MARKER_MAX];

	sibling(path, STORE_MARKER_FILE, mpath, sizeof(mpath));
	return atomicfile_replace(mpath, store_marker_text(id, body, sizeof(body)), 0600, err);
}

/* The identity row; *found false when there is none (or no table yet: a
 * store older than migration 3, opened read-only). */
static int
identity_read(store_t *store, store_ident_t *id, bool *found, err_t *err)
{
	sqlite3 *db = store_db(store);
	sqlite3_stmt *st;
	int rc;

	*found = false;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
	    " AND name = 'identity'", -1, &st, NULL) != SQLITE_OK)
		return store_fail(store, err);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || sqlite3_column_int(st, 0) == 0) {
		sqlite3_finalize(st);
		return rc == SQLITE_ROW ? 0 : store_fail(store, err);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "SELECT node_id, store_id, created_at FROM identity"
	    " WHERE one = 1", -1, &st, NULL) != SQLITE_OK)
		return store_fail(store, err);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(id->node_id, sizeof(id->node_id), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(id->store_id, sizeof(id->store_id), "%s", (const char *)sqlite3_column_text(st, 1));
		id->created_at = sqlite3_column_int64(st, 2);
		*found = true;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(store, err);
}

static int
new_identity(store_ident_t *id, const char *node_id, err_t *err)
{
	unsigned char r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return err_set(err, errno, "getrandom: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(r); i++)
		snprintf(id->store_id + 2 * i, 3, "%02x", r[i]);
	snprintf(id->node_id, sizeof(id->node_id), "%s", node_id);
	id->created_at = clock_now_ms();
	return 0;
}

typedef struct vet {
	const char *node_id;        /* NULL: store_open(), no node to compare */
	const store_ident_t *marker;/* NULL: there is none */
	store_ident_t ident;        /* the store's, if found */
	bool found;
} vet_t;

/* The identity against the node and the marker, before anything is
 * written to the store. */
static int
vet_identity(store_t *store, void *arg, err_t *err)
{
	vet_t *v = arg;
	char t1[32], t2[32];

	if (identity_read(store, &v->ident, &v->found, err) != 0)
		return -1;
	if (v->found && v->node_id != NULL && strcmp(v->ident.node_id, v->node_id) != 0)
		return err_set(err, STORE_FAULT_FOREIGN, "store of another node: it was made for %s"
		    " (store %s, %s), this node is %s", v->ident.node_id, v->ident.store_id,
		    store_fmt_time(v->ident.created_at, t1, sizeof(t1)), v->node_id);
	if (v->found && v->marker != NULL && strcmp(v->ident.store_id, v->marker->store_id) != 0)
		return err_set(err, STORE_FAULT_FOREIGN, "not this node's store: it is store %s"
		    " (%s, made %s), but %s names store %s (made %s)", v->ident.store_id,
		    v->ident.node_id, store_fmt_time(v->ident.created_at, t1, sizeof(t1)),
		    STORE_MARKER_FILE, v->marker->store_id,
		    store_fmt_time(v->marker->created_at, t2, sizeof(t2)));
	if (!v->found && v->marker != NULL)
		return err_set(err, STORE_FAULT_LOST, "store lost: this file has no identity, so it"
		    " is not the store this node made (%s: store %s, made %s)", STORE_MARKER_FILE,
		    v->marker->store_id, store_fmt_time(v->marker->created_at, t1, sizeof(t1)));
	return 0;
}

/* A first start: the identity row, unless another process (famlinkctl
 * send and famlinkd starting together) wrote one first. */
static int
identity_ensure(store_t *store, vet_t *v, const char *node_id, bool *inserted, err_t *err)
{
	static const char sql[] = "INSERT INTO identity (one, node_id, store_id, created_at)"
	    " VALUES (1, ?1, ?2, ?3)";
	store_ident_t fresh;
	sqlite3_stmt *st;
	int rc;

	*inserted = false;
	if (store_exec(store, "BEGIN IMMEDIATE", err) != 0)
		return -1;
	if (identity_read(store, &v->ident, &v->found, err) != 0)
		goto fail;
	if (!v->found) {
		if (new_identity(&fresh, node_id, err) != 0)
			goto fail;
		if (sqlite3_prepare_v2(store_db(store), sql, -1, &st, NULL) != SQLITE_OK) {
			store_fail(store, err);
			goto fail;
		}
		sqlite3_bind_text(st, 1, fresh.node_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, fresh.store_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, fresh.created_at);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			store_fail(store, err);
			goto fail;
		}
		v->ident = fresh;
		v->found = *inserted = true;
	}
	if (store_exec(store, "COMMIT", err) == 0)
		return 0;
fail:
	store_exec(store, "ROLLBACK", NULL);
	return -1;
}

/* What the marker says about the store before it is opened. */
static int
precheck(const char *path, const char *node_id, unsigned flags, const store_ident_t *marker,
    const struct stat *st, bool exists, err_t *err)
{
	char when[32];

	if (marker == NULL) {
		if ((flags & (STORE_READ_ONLY | STORE_NO_CREATE)) && (!exists || st->st_size == 0))
			return err_set(err, STORE_FAULT_ABSENT, "%s: no store (and no %s): famlinkd"
			    " has not run here yet", path, STORE_MARKER_FILE);
		return 0;
	}
	store_fmt_time(marker->created_at, when, sizeof(when));
	if (!exists || st->st_size == 0)
		return err_set(err, STORE_FAULT_LOST, "%s: store lost: the file is %s, but %s says"
		    " this node made store %s on %s", path, exists ? "empty (0 bytes)" : "missing",
		    STORE_MARKER_FILE, marker->store_id, when);
	if (node_id != NULL && strcmp(marker->node_id, node_id) != 0)
		return err_set(err, STORE_FAULT_FOREIGN, "%s: store of another node: %s was written"
		    " for %s (store %s, %s), this node is %s", path, STORE_MARKER_FILE,
		    marker->node_id, marker->store_id, when, node_id);
	return 0;
}

store_t *
store_open_node(const char *path, const char *node_id, unsigned flags, store_ident_t *ident,
    store_note_t *note, err_t *err)
{
	store_ident_t marker, again;
	vet_t v = { .node_id = node_id };
	struct stat st;
	bool exists, inserted = false, writes = !(flags & STORE_READ_ONLY) && node_id != NULL;
	store_t *store;
	int m;

	if (note)
		*note = STORE_NOTE_NONE;
	/* The marker first, the store second: the marker is written only
	 * after the store has its identity, so a marker seen here means the
	 * store was complete before the stat below. */
	if ((m = store_marker_read(path, &marker, err)) < 0)
		return NULL;
	v.marker = m ? &marker : NULL;
	exists = stat(path, &st) == 0;
	if (!exists && errno != ENOENT) {
		err_set(err, errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (precheck(path, node_id, flags, v.marker, &st, exists, err) != 0)
		return NULL;
	/* With a marker the file must be there: never let SQLite create one
	 * in the place of a store that vanished since the stat. */
	if ((store = store_open_file(path, flags | (v.marker ? STORE_NO_CREATE : 0), vet_identity,
	    &v, err)) == NULL)
		return NULL;
	if (writes && !v.found && identity_ensure(store, &v, node_id, &inserted, err) != 0) {
		err_prefix(err, "%s", path);
		goto fail;
	}
	if (writes && v.marker == NULL) {
		/* Written by whoever made the identity, or by us now. */
		if ((m = store_marker_read(path, &again, err)) < 0)
			goto fail;
		if (m == 0 && marker_write(path, &v.ident, err) != 0)
			goto fail;
		if (m == 1 && strcmp(again.store_id, v.ident.store_id) != 0) {
			err_set(err, STORE_FAULT_FOREIGN, "%s: %s appeared naming store %s while"
			    " opening store %s", path, STORE_MARKER_FILE, again.store_id, v.ident.store_id);
			goto fail;
		}
		if (note && m == 0)
			*note = !inserted ? STORE_NOTE_MARKER_WRITTEN :
			    exists && st.st_size > 0 ? STORE_NOTE_ADOPTED : STORE_NOTE_CREATED;
	}
	if (ident) {
		memset(ident, 0, sizeof(*ident));
		if (v.found)
			*ident = v.ident;
	}
	return store;
fail:
	store_close(&store);
	return NULL;
}

const char *
store_fault_advice(int code)
{
	switch (code) {
	case STORE_FAULT_LOST:
		return "what to do: restore famlink.db from a backup of this node, or start with an empty store: famlinkctl reset-store --yes (it keeps the old"
		    " files as famlink.db.lost-*); README.md: \"When the store is lost or damaged\"";
	case STORE_FAULT_DAMAGED:
		return "what to do: restore famlink.db from a backup of this node (moving the"
		    " damaged famlink.db, -wal and -shm away), or start with an empty store:"
		    " famlinkctl reset-store --yes (it keeps the damaged files as"
		    " famlink.db.lost-*); README.md: \"When the store is lost or damaged\"";
	case STORE_FAULT_FOREIGN:
		return "what to do: put this node's own famlink.db back (check the config's"
		    " id and state_dir), or start with an empty store: famlinkctl reset-store"
		    " --yes (it keeps the other files as famlink.db.lost-*); README.md: \"When the"
		    " store is lost or damaged\"";
	case STORE_FAULT_STATE_DIR:
		return "what to do: chmod 700 the state directory; it must be the service"
		    " user's alone";
	default:
		return NULL;
	}
}

int
store_check_state_dir(const char *dir, char *warning, size_t len, err_t *err)
{
	size_t n = strlen(dir);
	struct stat st;
	mode_t m;
	int dl;

	warning[0] = '\0';
	if (n > 2 && strcmp(dir + n - 2, "/.") == 0)
		n -= 2;   /* "state_dir = ." is "/conf/dir/.": name it "/conf/dir" */
	dl = (int)n;
	if (stat(dir, &st) != 0)
		return err_set(err, errno, "%.*s: %s", dl, dir, strerror(errno));
	m = st.st_mode & 07777;
	if (m & (S_IWGRP | S_IWOTH))
		return err_set(err, STORE_FAULT_STATE_DIR, "%.*s: state directory mode %04o lets %s"
		    " write in it (remove or replace the store); chmod 700 %.*s", dl, dir, (unsigned)m,
		    (m & S_IWGRP) && (m & S_IWOTH) ? "group and others" : (m & S_IWGRP) ? "group" :
		    "others", dl, dir);
	if (m & 077)
		snprintf(warning, len, "%.*s: state directory mode %04o lets %s list it; its files"
		    " are the service user's alone, but chmod 700 %.*s", dl, dir, (unsigned)m,
		    (m & 070) && (m & 07) ? "group and others" : (m & 070) ? "group" : "others",
		    dl, dir);
	return warning[0] ? 1 : 0;
}

int
store_tighten_modes(const char *dir, char *changed, size_t len)
{
	static const char *const names[] = {
		STORE_FILE, STORE_FILE "-wal", STORE_FILE "-shm", STORE_MARKER_FILE, "famlinkd.lock",
	};
	char path[PATH_MAX];
	struct stat st;
	size_t used = 0;
	int n = 0;

	changed[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) == 0)
			continue;
		if (chmod(path, st.st_mode & 0700) != 0)
			continue;
		n++;
		if (used < len)
			used += (size_t)snprintf(changed + used, len - used, "%s%s", used ? ", " : "",
			    names[i]);
	}
	return n;
}

int
store_set_aside(const char *path, char *moved, size_t len, err_t *err)
{
	static const char *const suffixes[] = { "-wal", "-shm", "" };
	char stamp[32], base[PATH_MAX], from[PATH_MAX], to[PATH_MAX + 16], mpath[PATH_MAX];
	time_t now = time(NULL);
	struct stat st;
	size_t used = 0;
	struct tm tm;

	moved[0] = '\0';
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	/* Two resets in one second: famlink.db.lost-…-2 and so on. */
	for (int i = 1; ; i++) {
		if (i == 1)
			snprintf(base, sizeof(base), "%s.lost-%s", path, stamp);
		else
			snprintf(base, sizeof(base), "%s.lost-%s-%d", path, stamp, i);
		snprintf(to, sizeof(to), "%s-wal", base);
		if (lstat(base, &st) != 0 && lstat(to, &st) != 0)
			break;
		if (i > 100)
			return err_set(err, EEXIST, "%s: exists", base);
	}
	/* The WAL first: a WAL left beside a missing store would be replayed
	 * into the new one. */
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(from, sizeof(from), "%s%s", path, suffixes[i]);
		snprintf(to, sizeof(to), "%s%s", base, suffixes[i]);
		if (lstat(from, &st) != 0)
			continue;
		if (rename(from, to) != 0)
			return err_set(err, errno, "%s: cannot move to %s: %s", from, to, strerror(errno));
		(void)chmod(to, st.st_mode & 0700);
		if (used < len)
			used += (size_t)snprintf(moved + used, len - used, "%s%s", used ? ", " : "",
			    strrchr(to, '/') ? strrchr(to, '/') + 1 : to);
	}
	sibling(path, STORE_MARKER_FILE, mpath, sizeof(mpath));
	snprintf(to, sizeof(to), "%s.lost-%s", mpath, base + strlen(path) + strlen(".lost-"));
	if (lstat(mpath, &st) == 0) {
		if (rename(mpath, to) != 0)
			return err_set(err, errno, "%s: cannot move to %s: %s", mpath, to, strerror(errno));
		if (used < len)
			used += (size_t)snprintf(moved + used, len - used, "%s%s", used ? ", " : "",
			    strrchr(to, '/') ? strrchr(to, '/') + 1 : to);
	}
	return atomicfile_sync_dir(path, err);
}

store_t *
store_open(const char *path, bool read_only, err_t *err)
{
	return store_open_node(path, NULL, read_only ? STORE_READ_ONLY : 0, NULL, NULL, err);
}

/* "famlink (uid 998)", or "uid 998" when the passwd database does not know
 * it. */
static void
user_of(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, "%s (uid %u)", pw->pw_name, (unsigned)uid);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
}

void
store_owner_hint(const char *state_dir, char *buf, size_t len)
{
	static const char *const files[] = { "", "/" STORE_FILE, "/" STORE_FILE "-wal",
	    "/" STORE_FILE "-shm", "/" STORE_MARKER_FILE };
	char path[PATH_MAX], owner[96], me[96];
	struct stat st;
	uid_t uid = geteuid();

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", state_dir, files[i]);
		if (stat(path, &st) != 0 || st.st_uid == uid)
			continue;
		user_of(st.st_uid, owner, sizeof(owner));
		user_of(uid, me, sizeof(me));
		snprintf(buf, len, "%s belongs to %s, and this runs as %s: run it as that user, or"
		    " give the folder to this one: chown -R %u %s", path, owner, me, (unsigned)uid,
		    state_dir);
		return;
	}
}
