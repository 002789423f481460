/* exec_child — see exec_child.h. */
#define _GNU_SOURCE   /* pipe2, posix_spawn_file_actions_addclosefrom_np, addchdir_np */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_child.h"

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A pipe whose two ends are close-on-exec and above 2: moved onto the
 * child's 0 and 2, neither can be the other's target (famlinkd started
 * with a standard descriptor closed would otherwise hand one out). */
static int
pipe_high(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (fds[i] <= 2) {
			int high = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
			close(fds[i]);
			fds[i] = high;
		}
	if (fds[0] >= 0 && fds[1] >= 0)
		return 0;
	close_fd(&fds[0]);
	close_fd(&fds[1]);
	return -1;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ? -1 : 0;
}

/* posix_spawn rather than fork: famlinkd has threads (libzmq's, the ZAP
 * handler), and glibc's posix_spawn reports a failed exec as an error
 * here instead of as a child that exits 127. Every descriptor above 2 is
 * closed in the child, whatever its close-on-exec flag; every signal is
 * at its default and unblocked (famlinkd ignores SIGPIPE, and an ignored
 * signal would outlive the exec). An errno value, 0 when started. */
static int
spawn(pid_t *pid, const char *path, int in_rd, int err_wr, char *const argv[],
    char *const envp[])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	if ((rc = posix_spawn_file_actions_adddup2(&fa, in_rd, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, err_wr, 2)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (rc = posix_spawn_file_actions_addchdir_np(&fa, "/")) == 0 &&
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	    POSIX_SPAWN_SETSIGDEF)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &all)) == 0)
		rc = posix_spawn(pid, path, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

int
exec_child_start(exec_child_t *c, const char *path, char *const argv[], char *const envp[],
    err_t *err)
{
	int in[2] = { -1, -1 }, er[2] = { -1, -1 }, rc;

	*c = (exec_child_t){ .in_fd = -1, .err_fd = -1, .pid_fd = -1 };
	if (pipe_high(in) != 0 || pipe_high(er) != 0 || set_nonblock(in[1]) != 0 ||
	    set_nonblock(er[0]) != 0) {
		rc = errno;
		close_fd(&in[0]);
		close_fd(&in[1]);
		close_fd(&er[0]);
		close_fd(&er[1]);
		return err_set(err, rc, "cannot make its pipes: %s", strerror(rc));
	}
	rc = spawn(&c->pid, path, in[0], er[1], argv, envp);
	close(in[0]);
	close(er[1]);
	if (rc != 0) {
		close(in[1]);
		close(er[0]);
		c->pid = 0;
		return err_set(err, rc, "cannot run it: %s (errno %d)", strerror(rc), rc);
	}
	c->pgid = c->pid;
	c->in_fd = in[1];
	c->err_fd = er[0];
	c->pid_fd = pidfd_open(c->pid, 0);   /* close-on-exec; -1: the caller polls */
	return 0;
}

void
exec_child_signal(const exec_child_t *c, int sig)
{
	if (c->pgid > 0)
		(void)kill(-c->pgid, sig);
}

int
exec_child_reap(exec_child_t *c, int *status)
{
	pid_t r;

	if (c->pid == 0) {
		*status = -1;
		return 1;
	}
	while ((r = waitpid(c->pid, status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == 0)
		return 0;
	if (r < 0)
		*status = -1;   /* ECHILD: reaped elsewhere, its status is lost */
	c->pid = 0;
	return 1;
}

void
exec_child_kill(exec_child_t *c, int grace_ms)
{
	struct timespec tick = { 0, 10 * 1000000L };
	int status;

	if (c->pid != 0) {
		exec_child_signal(c, SIGTERM);
		for (int waited = 0; waited < grace_ms && exec_child_reap(c, &status) == 0;
		    waited += 10)
			nanosleep(&tick, NULL);
		exec_child_signal(c, SIGKILL);   /* it, or what is left of its group */
		while (c->pid != 0 && waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
	}
	exec_child_close(c);
}

void
exec_child_close(exec_child_t *c)
{
	close_fd(&c->in_fd);
	close_fd(&c->err_fd);
	close_fd(&c->pid_fd);
}

void
exec_child_status(int status, char *buf, size_t len)
{
	if (status == -1)
		snprintf(buf, len, "exit status lost");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "wait status %d", status);
}
