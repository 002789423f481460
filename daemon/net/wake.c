/* wake — see wake.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wake.h"

static int
wake_addr(const char *state_dir, struct sockaddr_un *sa, err_t *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", state_dir, WAKE_FILE) >=
	    sizeof(sa->sun_path))
		return err_set(err, 0, "%s/%s: path longer than a Unix socket allows",
		    state_dir, WAKE_FILE);
	return 0;
}

int
wake_listen(const char *state_dir, err_t *err)
{
	struct sockaddr_un sa;
	int fd;

	if (wake_addr(state_dir, &sa, err) != 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		err_set(err, errno, "wake socket: %s", strerror(errno));
		return -1;
	}
	unlink(sa.sun_path);    /* left by a daemon that was killed */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err_set(err, errno, "%s: %s", sa.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
wake_drain(int fd)
{
	char byte[16];
	int n = 0;

	while (recv(fd, byte, sizeof(byte), 0) >= 0)
		n++;
	return n;
}

void
wake_close(int *fd, const char *state_dir)
{
	struct sockaddr_un sa;

	if (*fd < 0)
		return;
	close(*fd);
	*fd = -1;
	if (wake_addr(state_dir, &sa, NULL) == 0)
		unlink(sa.sun_path);
}

void
wake_notify(const char *state_dir)
{
	struct sockaddr_un sa;
	int fd;

	if (wake_addr(state_dir, &sa, NULL) != 0 ||
	    (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return;
	/* ENOENT or ECONNREFUSED: no daemon runs; it will find the messages
	 * when it starts. EAGAIN: it has nudges enough already. */
	(void)sendto(fd, "!", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}
