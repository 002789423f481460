/* store_disk — see store_disk.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

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
