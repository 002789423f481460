/* store_backup — see store_backup.h. */
#define _GNU_SOURCE   /* renameat2(), RENAME_NOREPLACE */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "store.h"
#include "store_backup.h"

typedef struct paths {
	char dest[PATH_MAX], tmp[PATH_MAX], id[PATH_MAX], id_tmp[PATH_MAX];
	char marker[PATH_MAX];   /* the live store's famlink.id */
} paths_t;

static int
make_paths(const char *store_path, const char *dest, paths_t *p, err_t *err)
{
	const char *slash = strrchr(store_path, '/');
	int n = 0;

	n |= snprintf(p->dest, sizeof(p->dest), "%s", dest) >= (int)sizeof(p->dest);
	n |= snprintf(p->tmp, sizeof(p->tmp), "%s.tmp", dest) >= (int)sizeof(p->tmp);
	n |= snprintf(p->id, sizeof(p->id), "%s%s", dest, STORE_BACKUP_ID_SUFFIX) >=
	    (int)sizeof(p->id);
	n |= snprintf(p->id_tmp, sizeof(p->id_tmp), "%s%s.tmp", dest, STORE_BACKUP_ID_SUFFIX) >=
	    (int)sizeof(p->id_tmp);
	n |= snprintf(p->marker, sizeof(p->marker), "%.*s%s", slash ? (int)(slash - store_path + 1)
	    : 0, store_path, STORE_MARKER_FILE) >= (int)sizeof(p->marker);
	if (n || dest[0] == '\0')
		return err_set(err, ENAMETOOLONG, "%s: not a usable file name", dest);
	return 0;
}

static bool
same_file(const char *a, const struct stat *b)
{
	struct stat st;

	return stat(a, &st) == 0 && st.st_dev == b->st_dev && st.st_ino == b->st_ino;
}

/* Even with --force, the copy never replaces the live store or its marker
 * (`famlinkctl backup --force /var/lib/famlink/famlink.db`). */
static int
refuse_live(const char *store_path, const paths_t *p, err_t *err)
{
	struct stat st;

	if (stat(store_path, &st) == 0 && (same_file(p->dest, &st) || same_file(p->id, &st)))
		return err_set(err, EINVAL, "%s: that is the live store", p->dest);
	if (stat(p->marker, &st) == 0 && (same_file(p->dest, &st) || same_file(p->id, &st)))
		return err_set(err, EINVAL, "%s: would replace the live store's %s", p->dest,
		    STORE_MARKER_FILE);
	return 0;
}

/* The temporary files of a backup to p (SQLite's journal of the copy too). */
static void
remove_temps(const paths_t *p)
{
	static const char *const sqlite_suffixes[] = { "", "-journal", "-wal", "-shm" };
	char name[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(sqlite_suffixes) / sizeof(sqlite_suffixes[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", p->tmp, sqlite_suffixes[i]);
		(void)unlink(name);
	}
	(void)unlink(p->id_tmp);
}

static int
refuse_existing(const paths_t *p, bool force, err_t *err)
{
	struct stat st;

	if (!force && lstat(p->dest, &st) == 0)
		return err_set(err, EEXIST, "%s exists; add --force to replace it", p->dest);
	if (!force && lstat(p->id, &st) == 0)
		return err_set(err, EEXIST, "%s exists; add --force to replace it", p->id);
	if (force) {
		remove_temps(p);
		return 0;
	}
	if (lstat(p->tmp, &st) == 0 || lstat(p->id_tmp, &st) == 0)
		return err_set(err, EEXIST, "%s exists: another backup to %s runs, or one was"
		    " interrupted; remove it, or add --force", lstat(p->tmp, &st) == 0 ? p->tmp :
		    p->id_tmp, p->dest);
	return 0;
}

/* A new file of the owner's alone: O_EXCL, mode 0600, and refused on a
 * file system that does not keep modes (vfat: all files 0755). Returns
 * the descriptor, or -1 with err. */
static int
create_private(const char *path, err_t *err)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return err_set(err, errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
		err_set(err, EPERM, "%s: the file system makes it mode %04o: the copy would be"
		    " readable by others; back up to a file system that keeps modes", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		(void)unlink(path);
		return -1;
	}
	return fd;
}

static int
fsync_path(const char *path, err_t *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return err_set(err, errno, "%s: %s", path, strerror(errno));
	if (fsync(fd) != 0)
		rc = err_set(err, errno, "%s: fsync: %s", path, strerror(errno));
	close(fd);
	return rc;
}

static int
db_fail(sqlite3 *db, const char *path, err_t *err)
{
	return err_set(err, sqlite3_extended_errcode(db), "%s: %s", path, sqlite3_errmsg(db));
}

/* The one-row, text-column answer of sql on db into buf. */
static int
db_text(sqlite3 *db, const char *path, const char *sql, char *buf, size_t len, err_t *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, path, err);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0) ?
		    (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(db, path, err);
}

/* The outbox and inbox counts: in the live store's snapshot, and in the
 * copy, which must hold the same. */
static int
count_messages(sqlite3 *db, const char *path, long *outbox, long *inbox, err_t *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM outbox),"
	    " (SELECT count(*) FROM inbox)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, path, err);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*outbox = sqlite3_column_int64(st, 0);
		*inbox = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(db, path, err);
}

/* The steps: busy (another process holds a lock on the copy: there
 * should be none) is waited out up to STORE_BUSY_MS. */
static int
copy_steps(sqlite3_backup *b, store_backup_progress_fn *progress, void *arg, int *pages)
{
	int rc, busy_ms = 0;

	for (;;) {
		rc = sqlite3_backup_step(b, STORE_BACKUP_STEP_PAGES);
		if (rc == SQLITE_OK || rc == SQLITE_DONE) {
			busy_ms = 0;
			*pages = sqlite3_backup_pagecount(b);
			if (progress)
				progress(*pages - sqlite3_backup_remaining(b), *pages, arg);
			if (rc == SQLITE_DONE)
				return SQLITE_OK;
		} else if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
			return rc;
		} else if ((busy_ms += 100) > STORE_BUSY_MS) {
			return rc;
		} else {
			sqlite3_sleep(100 - STORE_BACKUP_PAUSE_MS);
		}
		sqlite3_sleep(STORE_BACKUP_PAUSE_MS);
	}
}

/* Copies src's pages into the empty file tmp, then makes the copy a plain
 * rollback-journal database (the pages carry WAL mode over from the live
 * store; a copy in WAL mode would grow -wal and -shm files beside it when
 * opened). famlinkd switches a restored store back to WAL at start. */
static int
copy_pages(sqlite3 *src, const char *tmp, store_backup_progress_fn *progress, void *arg,
    int *pages, err_t *err)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	char mode[32];
	int rc;

	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		rc = db_fail(dst, tmp, err);
		goto out;
	}
	sqlite3_busy_timeout(dst, STORE_BUSY_MS);
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		rc = db_fail(dst, tmp, err);
		goto out;
	}
	rc = copy_steps(b, progress, arg, pages);
	if (sqlite3_backup_finish(b) != SQLITE_OK || rc != SQLITE_OK) {
		rc = err_set(err, rc != SQLITE_OK ? rc : sqlite3_extended_errcode(dst),
		    "copying to %s: %s", tmp, rc != SQLITE_OK ? sqlite3_errstr(rc) :
		    sqlite3_errmsg(dst));
		goto out;
	}
	if ((rc = db_text(dst, tmp, "PRAGMA journal_mode=DELETE", mode, sizeof(mode), err)) != 0)
		goto out;
	if (strcmp(mode, "delete") != 0)
		rc = err_set(err, 0, "%s: journal_mode is %s after the copy, not delete", tmp, mode);
out:
	if (sqlite3_close(dst) != SQLITE_OK && rc == 0)
		rc = db_fail(dst, tmp, err);
	return rc;
}

/* The copy, opened read-only: whole (quick_check), the live store's
 * identity, and the snapshot's messages. */
static int
verify(const char *tmp, const store_ident_t *want, long outbox, long inbox, err_t *err)
{
	static const char sql[] = "SELECT node_id, store_id, created_at FROM identity WHERE one = 1";
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *node, *store_id;
	char check[256];
	long o = -1, i = -1;
	int rc = -1;
	bool same;

	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		db_fail(db, tmp, err);
		goto out;
	}
	if (db_text(db, tmp, "PRAGMA quick_check", check, sizeof(check), err) != 0)
		goto out;
	if (strcmp(check, "ok") != 0) {
		err_set(err, STORE_FAULT_DAMAGED, "%s: the copy fails quick_check: %s", tmp, check);
		goto out;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		db_fail(db, tmp, err);
		goto out;
	}
	node = (const char *)sqlite3_column_text(st, 0);
	store_id = (const char *)sqlite3_column_text(st, 1);
	same = node != NULL && store_id != NULL && strcmp(node, want->node_id) == 0 &&
	    strcmp(store_id, want->store_id) == 0 && sqlite3_column_int64(st, 2) == want->created_at;
	if (!same) {
		err_set(err, STORE_FAULT_FOREIGN, "%s: the copy's identity (store %s) is not the"
		    " live store's (store %s)", tmp, store_id ? store_id : "none", want->store_id);
		goto out;
	}
	if (count_messages(db, tmp, &o, &i, err) != 0)
		goto out;
	if (o != outbox || i != inbox) {
		err_set(err, 0, "%s: the copy holds %ld outbox and %ld inbox rows, the snapshot %ld"
		    " and %ld", tmp, o, i, outbox, inbox);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* FILE.id.tmp: the live store's marker text, mode 0600, fsynced. */
static int
write_marker(const char *path, const store_ident_t *id, err_t *err)
{
	char text[STORE_MARKER_MAX];
	size_t len = strlen(store_marker_text(id, text, sizeof(text)));
	int fd = create_private(path, err), rc = 0;

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		rc = err_set(err, errno, "%s: %s", path, strerror(errno));
	if (close(fd) != 0 && rc == 0)
		rc = err_set(err, errno, "%s: %s", path, strerror(errno));
	return rc;
}

/* tmp to its final name: without force never over an existing file
 * (RENAME_NOREPLACE; link() where the file system lacks it). */
static int
publish(const char *tmp, const char *final, bool force, err_t *err)
{
	int rc;

	if (force)
		rc = rename(tmp, final);
	else if ((rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE)) != 0 &&
	    (errno == EINVAL || errno == ENOSYS) && (rc = link(tmp, final)) == 0)
		(void)unlink(tmp);
	if (rc == 0)
		return 0;
	if (errno == EEXIST)
		return err_set(err, EEXIST, "%s appeared while the backup ran; add --force to"
		    " replace it", final);
	return err_set(err, errno, "%s: cannot rename to %s: %s", tmp, final, strerror(errno));
}

/* The snapshot: one read transaction on src from the counts to the end of
 * the copy, so that the copy holds exactly what the counts saw. */
static int
snapshot_copy(store_t *src, const paths_t *p, const store_ident_t *ident,
    store_backup_progress_fn *progress, void *arg, store_backup_info_t *info, err_t *err)
{
	sqlite3 *db = store_db(src);
	int rc;

	if (store_exec(src, "BEGIN", err) != 0)
		return -1;
	rc = count_messages(db, p->dest, &info->outbox, &info->inbox, err) != 0 ||
	    copy_pages(db, p->tmp, progress, arg, &info->pages, err) != 0 ? -1 : 0;
	store_exec(src, "COMMIT", NULL);
	if (rc == 0)
		rc = verify(p->tmp, ident, info->outbox, info->inbox, err);
	return rc;
}

int
store_backup(const char *store_path, const char *node_id, const char *dest, bool force,
    store_backup_progress_fn *progress, void *arg, store_backup_info_t *info, err_t *err)
{
	store_t *src = NULL;
	paths_t p;
	bool made = false;
	int fd, rc = -1;

	memset(info, 0, sizeof(*info));
	if (make_paths(store_path, dest, &p, err) != 0 || refuse_live(store_path, &p, err) != 0 ||
	    refuse_existing(&p, force, err) != 0)
		return -1;
	if ((src = store_open_node(store_path, node_id, STORE_READ_ONLY, &info->ident, NULL,
	    err)) == NULL)
		return -1;
	if (info->ident.store_id[0] == '\0') {
		err_set(err, 0, "%s has no identity yet: famlinkd writes it at its next start;"
		    " back up after that", store_path);
		goto out;
	}
	if ((fd = create_private(p.tmp, err)) < 0)
		goto out;
	made = true;
	close(fd);
	if (snapshot_copy(src, &p, &info->ident, progress, arg, info, err) != 0 ||
	    fsync_path(p.tmp, err) != 0 || write_marker(p.id_tmp, &info->ident, err) != 0)
		goto out;
	/* The marker first: FILE appearing means the backup is complete. */
	if (publish(p.id_tmp, p.id, force, err) != 0)
		goto out;
	if (publish(p.tmp, p.dest, force, err) != 0) {
		if (!force)   /* ours alone: FILE.id without its FILE would mislead */
			(void)unlink(p.id);
		goto out;
	}
	rc = atomicfile_sync_dir(p.dest, err);
out:
	store_close(&src);
	if (rc != 0 && made)
		remove_temps(&p);
	return rc;
}
