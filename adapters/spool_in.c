/*
 * spool_in — received messages into the inbound folder (spool.h). A batch
 * is written under hidden temporary names first, made durable with one
 * syncfs() for all of them (one flush, not one per file: group commit for
 * files), checked, then renamed into place, attachments before the JSON
 * that names them, and the folder synced once. Names are built from the
 * message id alone: nothing from a message's content reaches a path.
 */
#define _GNU_SOURCE   /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach_file.h"
#include "base64.h"
#include "handover_json.h"
#include "spool.h"

#define ATTACH_PER_MESSAGE 4


/* One file of a batch: its temporary and its final name. */
typedef struct spool_file {
	char tmp[80], name[64];
	unsigned char sha256[32];    /* an attachment's, checked after writing */
	bool attachment;
} spool_file_t;

typedef struct in_batch {
	spool_t *s;
	spool_file_t *files;
	size_t n, cap;
} in_batch_t;

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static spool_file_t *
add_file(in_batch_t *b, err_t *err)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 32;
		spool_file_t *grown = realloc(b->files, cap * sizeof(*grown));
		if (grown == NULL) {
			err_set(err, ENOMEM, "out of memory");
			return NULL;
		}
		b->files = grown;
		b->cap = cap;
	}
	memset(&b->files[b->n], 0, sizeof(b->files[0]));
	return &b->files[b->n++];
}

/* Writes data under f->tmp in the inbound folder (replacing what a crash
 * left there): 0, or -1 with err. */
static int
write_tmp(spool_t *s, const spool_file_t *f, const void *data, size_t len, err_t *err)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = openat(s->in_fd, f->tmp, flags, s->in_mode);

	/* What a crash left there is removed, never written through: O_EXCL
	 * also keeps famlinkd from writing into a file someone linked there. */
	if (fd < 0 && errno == EEXIST && unlinkat(s->in_fd, f->tmp, 0) == 0)
		fd = openat(s->in_fd, f->tmp, flags, s->in_mode);
	if (fd < 0)
		return err_set(err, errno, "inbound: %s: %s", f->name, strerror(errno));
	/* The group's read bit, which famlinkd's umask (077) takes away. */
	if ((s->in_gid != (gid_t)-1 && (fchown(fd, (uid_t)-1, s->in_gid) != 0 ||
	    fchmod(fd, s->in_mode) != 0)) || write_all(fd, data, len) != 0) {
		err_set(err, errno, "inbound: %s: %s", f->name, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) != 0)
		return err_set(err, errno, "inbound: %s: %s", f->name, strerror(errno));
	return 0;
}

/* An Attachment object in the JSON (one with content and sha256): its
 * bytes to MESSAGE_ID-N.bin, and "contentFile" in place of "content". */
static int
write_attachment(in_batch_t *b, const char *message_id, json_t *att, int number, err_t *err)
{
	const char *content = json_string_value(json_object_get(att, "content"));
	uint8_t *data = NULL;
	size_t len = 0;
	spool_file_t *f;
	int rc;

	if (content == NULL)
		return 0;
	if (base64_decode(content, strlen(content), &data, &len) != 0)
		return err_set(err, 0, "inbound: %s: attachment %d does not decode", message_id,
		    number);
	if ((f = add_file(b, err)) == NULL) {
		free(data);
		return -1;
	}
	f->attachment = true;
	snprintf(f->name, sizeof(f->name), "%s-%d.bin", message_id, number);
	snprintf(f->tmp, sizeof(f->tmp), ".tmp-%s", f->name);
	rc = attach_sha256(data ? data : (const uint8_t *)"", len, f->sha256) == 0 ?
	    write_tmp(b->s, f, data ? data : (const uint8_t *)"", len, err) :
	    err_set(err, 0, "inbound: %s: cannot compute a checksum", message_id);
	free(data);
	if (rc == 0) {
		json_object_del(att, "content");
		json_object_set_new(att, "contentFile", json_string(f->name));
	}
	return rc;
}

/* Every attachment anywhere in the body, numbered from 1 in order. */
static int
write_attachments(in_batch_t *b, const char *message_id, json_t *obj, int *number, err_t *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		if (!json_is_object(v))
			continue;
		if (json_object_get(v, "sha256") != NULL && json_object_get(v, "content") != NULL) {
			if (++*number > ATTACH_PER_MESSAGE)
				return err_set(err, 0, "inbound: %s: more than %d attachments",
				    message_id, ATTACH_PER_MESSAGE);
			if (write_attachment(b, message_id, v, *number, err) != 0)
				return -1;
		} else if (write_attachments(b, message_id, v, number, err) != 0) {
			return -1;
		}
	}
	return 0;
}

/* One message: its attachments and its JSON under temporary names. */
static int
write_message(in_batch_t *b, const job_message_t *m, err_t *err)
{
	json_t *j = handover_json(m, err);
	spool_file_t *f;
	char *text = NULL, *grown;
	size_t len;
	int number = 0, rc = -1;

	if (j == NULL)
		return -1;
	if (write_attachments(b, m->message_id, json_object_get(j, "body"), &number, err) != 0)
		goto out;
	if ((text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL ||
	    (grown = realloc(text, strlen(text) + 2)) == NULL) {
		err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	text = grown;
	if ((f = add_file(b, err)) == NULL)
		goto out;
	snprintf(f->name, sizeof(f->name), "%s.json", m->message_id);
	snprintf(f->tmp, sizeof(f->tmp), ".tmp-%s", f->name);
	len = strlen(text);
	text[len] = '\n';   /* a text file ends in a newline (room made above) */
	rc = write_tmp(b->s, f, text, len + 1, err);
out:
	free(text);
	json_decref(j);
	return rc;
}

static int
read_whole(int fd, uint8_t *data, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, data + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* What was written comes back the same: an attachment's checksum again. */
static int
check_attachment(spool_t *s, const spool_file_t *f, err_t *err)
{
	unsigned char md[32];
	size_t len;
	uint8_t *data;
	int fd = openat(s->in_fd, f->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	off_t size;
	bool same;

	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < 0 || lseek(fd, 0, SEEK_SET) != 0) {
		if (fd >= 0)
			close(fd);
		return err_set(err, errno, "inbound: %s: cannot read back", f->name);
	}
	len = (size_t)size;
	same = (data = malloc(len ? len : 1)) != NULL && read_whole(fd, data, len) == 0 &&
	    attach_sha256(data, len, md) == 0 && memcmp(md, f->sha256, 32) == 0;
	free(data);
	close(fd);
	if (!same)
		return err_set(err, 0, "inbound: %s: not the same after writing (checksum)", f->name);
	return 0;
}

static void
remove_tmps(spool_t *s, const in_batch_t *b, size_t from)
{
	for (size_t i = from; i < b->n; i++)
		(void)unlinkat(s->in_fd, b->files[i].tmp, 0);
}

/* Durable, checked, renamed into place: 0, or -1 with err (what was not
 * renamed is removed again). */
static int
publish(spool_t *s, in_batch_t *b, err_t *err)
{
	size_t i;

	if (syncfs(s->in_fd) != 0) {
		err_set(err, errno, "inbound: syncfs: %s", strerror(errno));
		remove_tmps(s, b, 0);
		return -1;
	}
	for (i = 0; i < b->n; i++)
		if (b->files[i].attachment && check_attachment(s, &b->files[i], err) != 0) {
			remove_tmps(s, b, 0);
			return -1;
		}
	for (i = 0; i < b->n; i++)
		if (renameat(s->in_fd, b->files[i].tmp, s->in_fd, b->files[i].name) != 0) {
			err_set(err, errno, "inbound: %s: %s", b->files[i].name, strerror(errno));
			remove_tmps(s, b, i);
			return -1;
		}
	if (fsync(s->in_fd) != 0)
		return err_set(err, errno, "inbound: fsync of the folder: %s", strerror(errno));
	return 0;
}

/* The whole batch, in the writer thread: how many were handed over (a
 * prefix), err for the next one if not all. */
static size_t
write_batch(spool_t *s, const job_message_t *msgs, size_t n, err_t *err)
{
	in_batch_t b = { .s = s };
	size_t done = 0;
	err_t first = {0};

	if (spool_folder_current(s->name, "inbound", s->in_path, &s->in_fd, err) != 0)
		return 0;
	for (; done < n; done++) {
		size_t mark = b.n;
		if (write_message(&b, &msgs[done], &first) != 0) {
			remove_tmps(s, &b, mark);
			b.n = mark;
			break;
		}
	}
	if (b.n > 0 && publish(s, &b, err) != 0)
		done = 0;
	else if (done < n)
		*err = first;
	free(b.files);
	if (done < n) {   /* opened again next time: it may have been replaced */
		close(s->in_fd);
		s->in_fd = -1;
	}
	return done;
}

/* ---- the writer thread ------------------------------------------------------ */

/* A batch as the thread gets it: copies, since deliver()'s are borrowed. */
typedef struct in_work {
	size_t n, done;
	err_t err;
	job_message_t msgs[];
} in_work_t;

static in_work_t *
copy_batch(const job_message_t *msgs, size_t n)
{
	size_t bytes = sizeof(in_work_t) + n * sizeof(job_message_t);
	in_work_t *w;
	char *p;

	for (size_t i = 0; i < n; i++)
		bytes += msgs[i].len + strlen(msgs[i].message_id) + strlen(msgs[i].sender) +
		    strlen(msgs[i].body_type) + strlen(msgs[i].referral_id) + 4;
	if ((w = calloc(1, bytes)) == NULL)
		return NULL;
	w->n = n;
	p = (char *)&w->msgs[n];
	for (size_t i = 0; i < n; i++) {
		const char **dst[] = { &w->msgs[i].message_id, &w->msgs[i].sender,
		    &w->msgs[i].body_type, &w->msgs[i].referral_id };
		const char *src[] = { msgs[i].message_id, msgs[i].sender, msgs[i].body_type,
		    msgs[i].referral_id };
		w->msgs[i] = msgs[i];
		for (size_t k = 0; k < 4; k++) {
			size_t len = strlen(src[k]) + 1;
			memcpy(p, src[k], len);
			*dst[k] = p;
			p += len;
		}
		memcpy(p, msgs[i].envelope, msgs[i].len);
		w->msgs[i].envelope = (const uint8_t *)p;
		p += msgs[i].len;
	}
	return w;
}

static void *
writer(void *arg)
{
	spool_t *s = arg;
	in_work_t *w;
	uint64_t one = 1;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (s->work == NULL && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->quit)
			break;
		w = s->work;
		s->work = NULL;
		pthread_mutex_unlock(&s->mu);
		w->done = write_batch(s, w->msgs, w->n, &w->err);
		pthread_mutex_lock(&s->mu);
		s->finished = w;
		if (write(s->efd, &one, sizeof(one)) != sizeof(one))
			s->quit = true;   /* cannot happen with an eventfd below its limit */
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* In the loop: the thread is done with a batch. */
static void
on_written(void *ctx)
{
	job_run_t *self = ctx;
	spool_t *s = self->state;
	uint64_t count;
	in_work_t *w;

	if (read(s->efd, &count, sizeof(count)) != sizeof(count))
		return;
	pthread_mutex_lock(&s->mu);
	w = s->finished;
	s->finished = NULL;
	pthread_mutex_unlock(&s->mu);
	if (w == NULL)
		return;
	job_delivered(self, w->done, w->done < w->n ? &w->err : NULL);
	free(w);
}

int
spool_deliver(job_run_t *self, const job_message_t *msgs, size_t n, err_t *err)
{
	spool_t *s = self->state;
	in_work_t *w = copy_batch(msgs, n);

	if (w == NULL) {
		err_set(err, ENOMEM, "out of memory");
		return 0;
	}
	pthread_mutex_lock(&s->mu);
	s->work = w;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return JOB_PENDING;
}

int
spool_writer_start(job_run_t *self, err_t *err)
{
	spool_t *s = self->state;
	sigset_t all, old;

	if ((s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return err_set(err, errno, "[adapter %s]: eventfd: %s", s->name, strerror(errno));
	if ((s->efd_reader = loop_add_reader(job_loop(self), NULL, s->efd, on_written, self,
	    err)) < 0)
		return -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	/* The signals stay the loop's (SIGTERM, SIGHUP): the thread is
	 * started with all blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	errno = pthread_create(&s->thread, NULL, writer, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (errno != 0)
		return err_set(err, errno, "[adapter %s]: cannot start its writer: %s", s->name,
		    strerror(errno));
	s->thread_started = true;
	return 0;
}

void
spool_writer_stop(job_run_t *self)
{
	spool_t *s = self->state;

	if (s->thread_started) {
		pthread_mutex_lock(&s->mu);
		s->quit = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);   /* after the batch it writes, if any */
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		s->thread_started = false;
	}
	free(s->work);
	free(s->finished);
	s->work = s->finished = NULL;
	if (s->efd_reader >= 0)
		(void)loop_del_reader(job_loop(self), s->efd_reader);
	if (s->efd >= 0)
		close(s->efd);
	s->efd = -1;
}
