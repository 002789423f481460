/* store_disk — see store_disk.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "store.h"
#include "store_disk.h"

uint64_t
store_disk_floor(uint64_t limit, uint64_t store_bytes)
{
	if (limit != 0)
		return limit;
	return store_bytes / 4 > STORE_DISK_FLOOR_MIN ? store_bytes / 4 : STORE_DISK_FLOOR_MIN;
}

static uint64_t
file_bytes(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int
store_disk_measure(store_disk_t *d, const char *state_dir, uint64_t limit, err_t *err)
{
	struct statvfs vfs;
	uint64_t resume;

	if (statvfs(state_dir, &vfs) != 0)
		return err_set(err, errno, "%s: statvfs: %s", state_dir, strerror(errno));
	d->free_bytes = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
	d->wal_bytes = file_bytes(state_dir, STORE_FILE "-wal");
	d->store_bytes = file_bytes(state_dir, STORE_FILE) + d->wal_bytes;
	d->floor_bytes = store_disk_floor(limit, d->store_bytes);
	resume = d->floor_bytes + d->floor_bytes / 4;
	d->low = d->free_bytes < (d->low ? resume : d->floor_bytes);
	return 0;
}

static void
reserve_path(const char *state_dir, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", state_dir, STORE_DISK_RESERVE_FILE);
}

int
store_disk_reserve(const char *state_dir, uint64_t bytes, err_t *err)
{
	char path[4200];
	int fd, rc;

	if (store_disk_reserved(state_dir) >= bytes)
		return 0;
	reserve_path(state_dir, path, sizeof(path));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return err_set(err, errno, "%s: %s", path, strerror(errno));
	/* Blocks really allocated (not a sparse file): they are what a full
	 * disk gets back. */
	rc = posix_fallocate(fd, 0, (off_t)bytes);
	close(fd);
	if (rc != 0) {
		unlink(path);
		return err_set(err, rc, "%s: %s", path, strerror(rc));
	}
	return 0;
}

int
store_disk_release(const char *state_dir)
{
	char path[4200];

	reserve_path(state_dir, path, sizeof(path));
	return unlink(path) == 0 ? 1 : 0;
}

uint64_t
store_disk_reserved(const char *state_dir)
{
	return file_bytes(state_dir, STORE_DISK_RESERVE_FILE);
}

const char *
store_disk_fmt(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (1ULL << 30))
		snprintf(buf, len, "%.1f GiB", (double)bytes / (double)(1ULL << 30));
	else if (bytes >= (1ULL << 20))
		snprintf(buf, len, "%.1f MiB", (double)bytes / (double)(1ULL << 20));
	else if (bytes >= 1024)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes / 1024));
	else
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	return buf;
}
