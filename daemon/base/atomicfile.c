/* atomicfile — see atomicfile.h. */
#define _GNU_SOURCE   /* mkostemp */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
atomicfile_write_temp(char tmp[PATH_MAX], const char *final_path, const char *body,
    mode_t mode, err_t *err)
{
	int fd, e, n = snprintf(tmp, PATH_MAX, "%s.tmp.XXXXXX", final_path);

	if (n < 0 || n >= PATH_MAX) {
		tmp[0] = '\0';
		return err_set(err, ENAMETOOLONG, "%s: path too long", final_path);
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {   /* O_CREAT|O_EXCL, mode 0600 */
		err_set(err, errno, "%s: cannot create: %s", tmp, strerror(errno));
		tmp[0] = '\0';
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write_all(fd, body, strlen(body)) != 0 || fsync(fd) != 0) {
		e = errno ? errno : EIO;
		close(fd);
		goto fail;
	}
	if (close(fd) != 0) {
		e = errno;
		goto fail;
	}
	return 0;
fail:
	err_set(err, e, "%s: %s", tmp, strerror(e));
	unlink(tmp);
	tmp[0] = '\0';
	return -1;
}

int
atomicfile_sync_dir(const char *path, err_t *err)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, rc = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(err, errno, "%s: %s", dir, strerror(errno));
	if (fsync(fd) != 0)
		rc = err_set(err, errno, "%s: fsync: %s", dir, strerror(errno));
	close(fd);
	return rc;
}

int
atomicfile_replace(const char *path, const char *body, mode_t mode, err_t *err)
{
	char tmp[PATH_MAX];

	if (atomicfile_write_temp(tmp, path, body, mode, err) != 0)
		return -1;
	if (rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return err_set(err, e, "%s: %s", path, strerror(e));
	}
	return atomicfile_sync_dir(path, err);
}
