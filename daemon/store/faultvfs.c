/*
 * faultvfs — see faultvfs.h. Every method forwards to the unix VFS and its
 * file; only xWrite, xSync and xTruncate on the database, WAL and journal
 * ask fail_now() first.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultvfs.h"

enum { OP_WRITE, OP_SYNC, OP_TRUNCATE };

static struct {
	bool installed;
	sqlite3_vfs *real;
	sqlite3_vfs vfs;
	unsigned long calls;        /* write calls on counted files so far */
	unsigned long at, count;    /* FAMLINK_FAULT_WRITE=at,count (at 0: off) */
	bool ioerr;                 /* FAMLINK_FAULT_KIND=ioerr */
	const char *full_path;      /* FAMLINK_FAULT_FULL */
	const char *corrupt_path;   /* FAMLINK_FAULT_CORRUPT */
	unsigned long failed;
} F;

typedef struct fault_file {
	sqlite3_file base;
	sqlite3_file *real;         /* the unix VFS's file, right after this struct */
	bool counted;               /* main database, WAL or main journal */
	bool main_db, wal;
} fault_file_t;

#define REAL_OFFSET ((sizeof(fault_file_t) + 15) & ~(size_t)15)
#define REAL(f) (((fault_file_t *)(f))->real)

static int
fail_now(const fault_file_t *f, int op)
{
	static const int ioerr[] = { SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC,
	    SQLITE_IOERR_TRUNCATE };

	if (!f->counted)
		return SQLITE_OK;
	if (op == OP_WRITE && F.full_path != NULL && access(F.full_path, F_OK) == 0) {
		F.failed++;
		return SQLITE_FULL;
	}
	if (F.at == 0)
		return SQLITE_OK;
	F.calls++;
	if (F.calls < F.at || F.calls - F.at >= F.count)
		return SQLITE_OK;
	F.failed++;
	return F.ioerr ? ioerr[op] : SQLITE_FULL;
}

static int
f_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int
f_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	int rc = REAL(f)->pMethods->xRead(REAL(f), buf, amt, off);

	/* Pages come back as garbage: from the database past its header page,
	 * from the WAL every page (a read of a power of two bytes, not the
	 * headers of the WAL and its frames). */
	if (rc == SQLITE_OK && F.corrupt_path != NULL &&
	    ((((fault_file_t *)f)->main_db && off >= 4096) ||
	    (((fault_file_t *)f)->wal && amt >= 512 && (amt & (amt - 1)) == 0)) &&
	    access(F.corrupt_path, F_OK) == 0) {
		memset(buf, 0xa5, (size_t)amt);
		F.failed++;
	}
	return rc;
}

static int
f_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	int rc = fail_now((fault_file_t *)f, OP_WRITE);

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xWrite(REAL(f), buf, amt, off);
}

static int
f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = fail_now((fault_file_t *)f, OP_TRUNCATE);

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
f_sync(sqlite3_file *f, int flags)
{
	int rc = fail_now((fault_file_t *)f, OP_SYNC);

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
f_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
f_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int
f_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int
f_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
f_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
f_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
f_device_characteristics(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
f_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **pp)
{
	if (REAL(f)->pMethods->iVersion < 2)
		return SQLITE_IOERR_SHMMAP;
	return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, pp);
}

static int
f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	if (REAL(f)->pMethods->iVersion < 2)
		return SQLITE_IOERR_SHMLOCK;
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void
f_shm_barrier(sqlite3_file *f)
{
	if (REAL(f)->pMethods->iVersion >= 2)
		REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
f_shm_unmap(sqlite3_file *f, int delete_flag)
{
	if (REAL(f)->pMethods->iVersion < 2)
		return SQLITE_OK;
	return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int
f_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	if (REAL(f)->pMethods->iVersion < 3) {
		*pp = NULL;
		return SQLITE_OK;
	}
	return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}

static int
f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	if (REAL(f)->pMethods->iVersion < 3)
		return SQLITE_OK;
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods fault_io = {
	3, f_close, f_read, f_write, f_truncate, f_sync, f_file_size, f_lock, f_unlock,
	f_check_reserved, f_file_control, f_sector_size, f_device_characteristics,
	f_shm_map, f_shm_lock, f_shm_barrier, f_shm_unmap, f_fetch, f_unfetch,
};

static int
v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
	fault_file_t *f = (fault_file_t *)file;
	int rc;

	(void)vfs;
	f->real = (sqlite3_file *)((char *)f + REAL_OFFSET);
	f->counted = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL |
	    SQLITE_OPEN_MAIN_JOURNAL)) != 0;
	f->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
	f->wal = (flags & SQLITE_OPEN_WAL) != 0;
	rc = F.real->xOpen(F.real, name, f->real, flags, out_flags);
	f->base.pMethods = f->real->pMethods != NULL ? &fault_io : NULL;
	return rc;
}

static int
v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return F.real->xDelete(F.real, name, sync_dir);
}

static int
v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return F.real->xAccess(F.real, name, flags, out);
}

static int
v_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return F.real->xFullPathname(F.real, name, n, out);
}

static void *
v_dl_open(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return F.real->xDlOpen(F.real, name);
}

static void
v_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	F.real->xDlError(F.real, n, msg);
}

static void (*v_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return F.real->xDlSym(F.real, h, sym);
}

static void
v_dl_close(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	F.real->xDlClose(F.real, h);
}

static int
v_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return F.real->xRandomness(F.real, n, out);
}

static int
v_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return F.real->xSleep(F.real, us);
}

static int
v_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return F.real->xCurrentTime(F.real, out);
}

static int
v_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return F.real->xGetLastError ? F.real->xGetLastError(F.real, n, out) : 0;
}

static int
v_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return F.real->xCurrentTimeInt64(F.real, out);
}

void
faultvfs_install(void)
{
	const char *write = getenv("FAMLINK_FAULT_WRITE");
	const char *kind = getenv("FAMLINK_FAULT_KIND");
	const char *full = getenv("FAMLINK_FAULT_FULL");
	const char *corrupt = getenv("FAMLINK_FAULT_CORRUPT");
	char *end = NULL;

	if (F.installed || ((write == NULL || *write == '\0') && (full == NULL || *full == '\0') &&
	    (corrupt == NULL || *corrupt == '\0')))
		return;
	if ((F.real = sqlite3_vfs_find(NULL)) == NULL)
		return;
	if (write != NULL && *write != '\0') {
		F.at = strtoul(write, &end, 10);
		F.count = 1;
		if (end != NULL && *end == ',')
			F.count = strtoul(end + 1, NULL, 10);
	}
	F.ioerr = kind != NULL && strcmp(kind, "ioerr") == 0;
	F.full_path = full != NULL && *full != '\0' ? full : NULL;
	F.corrupt_path = corrupt != NULL && *corrupt != '\0' ? corrupt : NULL;
	F.vfs.iVersion = F.real->iVersion < 2 ? F.real->iVersion : 2;
	F.vfs.szOsFile = (int)REAL_OFFSET + F.real->szOsFile;
	F.vfs.mxPathname = F.real->mxPathname;
	F.vfs.zName = "famlink-fault";
	F.vfs.xOpen = v_open;
	F.vfs.xDelete = v_delete;
	F.vfs.xAccess = v_access;
	F.vfs.xFullPathname = v_full_pathname;
	F.vfs.xDlOpen = v_dl_open;
	F.vfs.xDlError = v_dl_error;
	F.vfs.xDlSym = v_dl_sym;
	F.vfs.xDlClose = v_dl_close;
	F.vfs.xRandomness = v_randomness;
	F.vfs.xSleep = v_sleep;
	F.vfs.xCurrentTime = v_current_time;
	F.vfs.xGetLastError = v_get_last_error;
	if (F.vfs.iVersion >= 2)
		F.vfs.xCurrentTimeInt64 = v_current_time_int64;
	if (sqlite3_vfs_register(&F.vfs, 1) == SQLITE_OK)
		F.installed = true;
}

bool
faultvfs_active(char *what, size_t len)
{
	if (!F.installed)
		return false;
	if (what != NULL && len > 0)
		snprintf(what, len, "FAMLINK_FAULT_WRITE=%lu,%lu KIND=%s FULL=%s CORRUPT=%s", F.at,
		    F.count, F.ioerr ? "ioerr" : "full", F.full_path ? F.full_path : "-",
		    F.corrupt_path ? F.corrupt_path : "-");
	return true;
}

unsigned long
faultvfs_failed(void)
{
	return F.failed;
}
