/*
 * exec_child — one run of a program for the exec adapter (exec.c): started
 * without a shell, in a process group of its own, with nothing of
 * famlinkd's but the environment it is given; its stdin and stderr are
 * pipes whose famlinkd ends never block, its stdout goes to /dev/null.
 * It is signalled as a group (a shell script's own children too) and
 * reaped without blocking. Nothing here logs or touches the loop.
 */
#ifndef FAMLINK_EXEC_CHILD_H
#define FAMLINK_EXEC_CHILD_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

typedef struct exec_child {
	pid_t pid;        /* 0 once reaped */
	pid_t pgid;       /* its process group (its pid), kept after the reaping */
	int in_fd;        /* famlinkd's end of its stdin (non-blocking), -1 once closed */
	int err_fd;       /* famlinkd's end of its stderr (non-blocking), -1 once closed */
	int pid_fd;       /* readable once it has ended; -1 where the kernel has no pidfd */
} exec_child_t;

/* Starts path (absolute) with argv and envp (each ended by NULL), in "/",
 * its signals at their defaults. 0, or -1 with err (the program could not
 * be run: nothing is left open). */
int exec_child_start(exec_child_t *c, const char *path, char *const argv[],
    char *const envp[], err_t *err);

/* Sends sig to its process group: the program and what it started. After
 * the reaping it reaches what is left of the group (a group's id is not
 * given to another process while the group has members). */
void exec_child_signal(const exec_child_t *c, int sig);

/* Whether it has ended, without blocking: 1 with its wait status in
 * *status (and pid 0), 0 while it runs. */
int exec_child_reap(exec_child_t *c, int *status);

/* Stops it for good: SIGTERM, up to grace_ms for it to end, then SIGKILL,
 * and reaps it (this blocks, for famlinkd's own stop). Closes what is
 * open. */
void exec_child_kill(exec_child_t *c, int grace_ms);

/* Closes famlinkd's ends of the pipes and the pidfd (not the child). */
void exec_child_close(exec_child_t *c);

/* A wait status in a few words, codes only: "exit 3", "signal 9". */
void exec_child_status(int status, char *buf, size_t len);

#endif
