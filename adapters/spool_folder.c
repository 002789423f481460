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
