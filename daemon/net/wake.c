/* wake — see wake.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "wake.h"

static int
wake_addr(const char *runtime_dir, struct sockaddr_un *sa, err_t *err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", runtime_dir, WAKE_FILE) >=
	    sizeof(sa->sun_path))
		return err_set(err, 0, "%s/%s: path longer than a Unix socket allows",
		    runtime_dir, WAKE_FILE);
	return 0;
}

int
wake_listen(const char *runtime_dir, err_t *err)
{
	struct sockaddr_un sa;
	int fd;

	if (wake_addr(runtime_dir, &sa, err) != 0)
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

/* "R" (every peer) or "R" and a node id, into rd. */
static void
add_redrive(wake_redrive_t *rd, const char *msg, ssize_t len)
{
	if (len == 1 || rd->n == WAKE_REDRIVE_MAX) {
		rd->all = true;
		return;
	}
	memcpy(rd->peers[rd->n], msg + 1, (size_t)len - 1);
	rd->peers[rd->n++][len - 1] = '\0';
}

int
wake_drain(int fd, int *log_level, wake_redrive_t *redrive)
{
	char msg[80];
	ssize_t len;
	int n = 0;

	*log_level = -1;
	redrive->all = false;
	redrive->n = 0;
	while ((len = recv(fd, msg, sizeof(msg), 0)) >= 0) {
		n++;
		if (len >= 1 && len <= 65 && msg[0] == 'R')
			add_redrive(redrive, msg, len);
		else if (len == 2 && msg[0] == 'L' && msg[1] >= '0' + LOG_ERR && msg[1] <= '0' + LOG_DEBUG)
			*log_level = msg[1] - '0';
	}
	return n;
}

void
wake_close(int *fd, const char *runtime_dir)
{
	struct sockaddr_un sa;

	if (*fd < 0)
		return;
	close(*fd);
	*fd = -1;
	if (wake_addr(runtime_dir, &sa, NULL) == 0)
		unlink(sa.sun_path);
}

/* what (what[0] a letter, then its argument) to the daemon's socket: true
 * if it is in its queue. */
static bool
wake_send(const char *runtime_dir, const char *what)
{
	struct sockaddr_un sa;
	size_t len = strlen(what);
	bool sent;
	int fd;

	if (wake_addr(runtime_dir, &sa, NULL) != 0 ||
	    (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return false;
	sent = sendto(fd, what, len, 0, (struct sockaddr *)&sa, sizeof(sa)) == (ssize_t)len;
	close(fd);
	return sent;
}

void
wake_notify(const char *runtime_dir)
{
	/* ENOENT or ECONNREFUSED: no daemon runs; it will find the messages
	 * when it starts. EAGAIN: it has nudges enough already. */
	(void)wake_send(runtime_dir, "!");
}

bool
wake_redrive(const char *runtime_dir, const char *peer)
{
	char msg[66];

	/* A node id longer than a datagram takes (none is): every peer. */
	if (peer == NULL || strlen(peer) > 64)
		return wake_send(runtime_dir, "R");
	snprintf(msg, sizeof(msg), "R%s", peer);
	return wake_send(runtime_dir, msg);
}

int
wake_log_level(const char *runtime_dir, int priority, err_t *err)
{
	struct sockaddr_un sa;
	char msg[2] = {'L', (char)('0' + priority)};
	int fd, rc = 0;

	if (priority < LOG_ERR || priority > LOG_DEBUG)
		return err_set(err, EINVAL, "log level %d out of range", priority);
	if (wake_addr(runtime_dir, &sa, err) != 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return err_set(err, errno, "wake socket: %s", strerror(errno));
	if (sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) !=
	    (ssize_t)sizeof(msg))
		rc = err_set(err, errno, "%s: %s", sa.sun_path, strerror(errno));
	close(fd);
	return rc;
}
