/*
 * spool — the file-drop adapter, both directions, for case systems that
 * read and write folders:
 *   inbound:  each received message is written to the `inbound` folder as
 *             MESSAGE_ID.json (the same JSON famlinkctl show --json gives),
 *             its attachments beside it as MESSAGE_ID-N.bin; atomically
 *             (a hidden temporary name, fsync, rename, fsync of the folder),
 *             mode 0600 or 0640 with a configured group. The file name is
 *             the idempotency key: a message handed over again after a
 *             crash has the same name.
 *   outbound: JSON files renamed into the `outbound` folder (NAME.json, not
 *             starting with '.') are judged as famlinkctl send judges them,
 *             queued in the transaction that records the file (by name and
 *             checksum), then moved to done/; a refused one goes to failed/
 *             with NAME.error beside it, one line saying what is wrong and
 *             where.
 * spool.c is the adapter type (its keys, start and stop); spool_in.c and
 * spool_out.c the two directions.
 */
#ifndef FAMLINK_SPOOL_H
#define FAMLINK_SPOOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "adapter.h"

extern const adapter_type_t spool_adapter;

typedef struct spool {
	const char *name;            /* its [adapter NAME] */
	char in_path[4096];          /* the inbound folder, "" if none */
	int in_fd;                   /* …open, -1 until it could be opened */
	mode_t in_mode;              /* 0600, or 0640 with in_gid */
	gid_t in_gid;                /* the configured group (inbound files, done/,
	                              * failed/, .error), (gid_t)-1: none */
	int out_fd, done_fd, failed_fd;   /* the outbound folder and its two, -1 if none */
	char out_path[4096];
	char suffix[64];             /* [.json] what a file to send ends in */
	int64_t poll_ms;             /* [1s] how often outbound is looked at */
	int64_t next_poll_ms;        /* monotonic */
	int64_t warned_ms;           /* rate limit for "cannot read the folder" */
	int64_t move_warned_ms;      /* …and for "cannot move files" */
	/* The inbound writer thread (spool_in.c) and what it shares with the
	 * loop, under mu: the batch to write, the batch written. */
	pthread_t thread;
	bool thread_started, quit;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct in_work *work, *finished;
	int efd;                     /* the thread's "done" to the loop */
	loop_handle_t efd_reader;
} spool_t;

/* spool_in.c: opens a folder, refusing one anyone may write to (absent:
 * err says so, and an inbound one is tried again at the next hand-over). */
int spool_open_folder(const char *adapter, const char *key, const char *path, int *fd,
    err_t *err);
/* spool_folder.c: the same for a folder held open (*fd, -1 if not):
 * opened again if its path now leads elsewhere (removed and made again,
 * mounted over). */
int spool_folder_current(const char *adapter, const char *key, const char *path, int *fd,
    err_t *err);
/* spool_folder.c: done/ or failed/ (sub) inside outbound, made if
 * missing, given to the configured group: 0, or -1 with err. */
int spool_open_sub(spool_t *s, const char *sub, int *fd, err_t *err);
/* spool_in.c: job_ops_t.deliver (JOB_PENDING: the writer thread has the
 * batch), and the thread's start and stop. */
int spool_deliver(job_run_t *self, const job_message_t *msgs, size_t n, err_t *err);
int spool_writer_start(job_run_t *self, err_t *err);
void spool_writer_stop(job_run_t *self);
/* spool_out.c: job_ops_t.collect. */
void spool_collect(job_run_t *self);

#endif
