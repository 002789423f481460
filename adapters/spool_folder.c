/*
 * spool_folder — opening a spool adapter's folder (spool.h): the inbound
 * one lazily from its writer thread, the outbound one at start.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool.h"

int
spool_open_folder(const char *adapter, const char *key, const char *path, int *fd, err_t *err)
{
	struct stat st;

	if ((*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, errno, "[adapter %s] %s = %s: %s", adapter, key, path,
		    strerror(errno));
	if (fstat(*fd, &st) == 0 && (st.st_mode & S_IWOTH)) {
		close(*fd);
		*fd = -1;
		return err_set(err, 0, "[adapter %s] %s = %s: anyone may write to it; give it to"
		    " the service user and the case system's group only", adapter, key, path);
	}
	return 0;
}

int
spool_folder_current(const char *adapter, const char *key, const char *path, int *fd,
    err_t *err)
{
	struct stat by_name, held;

	/* The folder the name leads to now, not one removed, replaced or
	 * mounted over since it was opened: else files would go where nobody
	 * looks, and be reported handed over. */
	if (*fd >= 0 && (stat(path, &by_name) != 0 || fstat(*fd, &held) != 0 ||
	    by_name.st_dev != held.st_dev || by_name.st_ino != held.st_ino)) {
		close(*fd);
		*fd = -1;
	}
	if (*fd >= 0)
		return 0;
	return spool_open_folder(adapter, key, path, fd, err);
}

int
spool_open_sub(spool_t *s, const char *sub, int *fd, err_t *err)
{
	if (mkdirat(s->out_fd, sub, 0750) != 0 && errno != EEXIST)
		return err_set(err, errno, "[adapter %s] %s/%s: %s", s->name, s->out_path, sub,
		    strerror(errno));
	if ((*fd = openat(s->out_fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return err_set(err, errno, "[adapter %s] %s/%s: %s", s->name, s->out_path, sub,
		    strerror(errno));
	/* The case system's group reads and clears it (famlinkd's umask took
	 * the group's bits away). */
	if (s->in_gid != (gid_t)-1 && (fchown(*fd, (uid_t)-1, s->in_gid) != 0 ||
	    fchmod(*fd, 0750) != 0))
		return err_set(err, errno, "[adapter %s] %s/%s: %s", s->name, s->out_path, sub,
		    strerror(errno));
	return 0;
}
