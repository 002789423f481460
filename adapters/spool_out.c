/*
 * spool_out — files to send, taken from the outbound folder (spool.h). A
 * look every poll_interval takes the files renamed into place (NAME.json,
 * not hidden), judges each as famlinkctl send does and queues all that
 * pass in one transaction, which also records each file by name and
 * checksum (store_collected.h). Only after the commit are they moved to
 * done/, the refused ones to failed/ with NAME.error: after a kill -9 in
 * between, a file still in outbound is recognised and moved, never queued
 * twice; one not yet recorded is simply judged again. File names may be
 * anything a case system chose (even a name): the log gives message ids
 * and counts, the .error file the reason.
 */
#define _GNU_SOURCE   /* renameat2, memmem */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach_file.h"
#include "clock.h"
#include "collect.h"
#include "log.h"
#include "spool.h"
#include "store_collected.h"

#define FILES_PER_LOOK 64
#define FILE_MAX_BYTES (64u << 20)   /* an attachment in base64, and the rest */

typedef enum { PICK_NEW, PICK_KNOWN, PICK_REFUSED, PICK_QUEUED } pick_state_t;

/* A file of this look. */
typedef struct pick {
	char name[256];
	char item[256 + 65];         /* NAME:SHA-256 in hex, what the store records */
	char message_id[33];
	pick_state_t state;
	outgoing_t msg;
	char why[512];               /* refused: what is wrong and where */
	char *attachments[4];        /* the files its contentFile names */
	int nattachments;
} pick_t;

typedef struct look {
	job_run_t *self;
	spool_t *s;
	pick_t *picks;
	int n;
} look_t;

static bool
wanted(const spool_t *s, const char *name)
{
	size_t n = strlen(name), k = strlen(s->suffix);

	return name[0] != '.' && n > k && n < 256 && strcmp(name + n - k, s->suffix) == 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const pick_t *)a)->name, ((const pick_t *)b)->name);
}

/* The names of this look, sorted: how many, or -1 (logged). */
static int
list_files(look_t *L)
{
	int fd = dup(L->s->out_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while (L->n < FILES_PER_LOOK && (e = readdir(d)) != NULL)
		if (wanted(L->s, e->d_name))
			snprintf(L->picks[L->n++].name, sizeof(L->picks[0].name), "%s", e->d_name);
	closedir(d);
	qsort(L->picks, (size_t)L->n, sizeof(*L->picks), by_name);
	return L->n;
}

static void
refuse(pick_t *p, const char *why)
{
	p->state = PICK_REFUSED;
	snprintf(p->why, sizeof(p->why), "%s", why);
}

/* Reads a regular file that is not a link of any kind: its bytes (caller
 * free()s) or NULL with the pick refused. */
static char *
read_pick(spool_t *s, pick_t *p, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	int fd;

	*len = 0;
	if (fstatat(s->out_fd, p->name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return NULL;   /* gone meanwhile: nothing to do */
	if (S_ISLNK(st.st_mode))
		return refuse(p, "a symbolic link: refused, only regular files are read"), NULL;
	if (!S_ISREG(st.st_mode))
		return refuse(p, "not a regular file (a device, fifo or folder): refused"), NULL;
	if (st.st_nlink != 1)
		return refuse(p, "a file with other hard links: refused"), NULL;
	if ((uint64_t)st.st_size > FILE_MAX_BYTES)
		return refuse(p, "too long: over 64 MiB"), NULL;
	if ((fd = openat(s->out_fd, p->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return NULL;
	if ((buf = malloc((size_t)st.st_size + 1)) != NULL) {
		while (*len < (size_t)st.st_size && (r = read(fd, buf + *len, (size_t)st.st_size -
		    *len)) > 0)
			*len += (size_t)r;
	}
	close(fd);
	return buf;
}

static void
hex(const unsigned char *md, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* The files its "contentFile" members name, to move along with it. */
static void
note_attachments(pick_t *p, const char *text, size_t len)
{
	json_t *j, *stack[16];
	int depth = 0;

	if (memmem(text, len, "contentFile", 11) == NULL ||
	    (j = json_loadb(text, len, 0, NULL)) == NULL)
		return;
	stack[depth++] = j;
	while (depth > 0) {
		json_t *o = stack[--depth], *v;
		const char *key;
		json_object_foreach(o, key, v) {
			if (strcmp(key, "contentFile") == 0 && json_is_string(v) &&
			    p->nattachments < 4 && attach_plain_name(json_string_value(v)))
				p->attachments[p->nattachments++] = strdup(json_string_value(v));
			else if (json_is_object(v) && depth < 16)
				stack[depth++] = v;
		}
	}
	json_decref(j);
}

/* Reads and parses one file: its state says what comes next. */
static void
judge(look_t *L, pick_t *p)
{
	const config_t *cfg = job_config(L->self);
	unsigned char md[32];
	size_t len;
	char *text, sum[65];
	size_t n;
	err_t err = {0};
	int rc;

	if (!attach_plain_name(p->name))
		return refuse(p, "file name: only letters, digits, '.', '_' and '-' are taken");
	if ((text = read_pick(L->s, p, &len)) == NULL) {
		if (p->state == PICK_NEW)
			p->state = PICK_KNOWN, p->message_id[0] = '\0';   /* vanished: leave it */
		return;
	}
	attach_sha256(text, len, md);
	hex(md, 32, sum);
	/* NAME:CHECKSUM (name at most 255 bytes: fits; no snprintf, which GCC
	 * at -O1 suspects of overlapping the picks array) */
	n = strnlen(p->name, sizeof(p->name) - 1);
	memcpy(p->item, p->name, n);
	p->item[n] = ':';
	memcpy(p->item + n + 1, sum, sizeof(sum));
	note_attachments(p, text, len);
	if ((rc = store_collected_get(job_store(L->self), L->s->name, p->item, p->message_id,
	    &err)) != 0) {
		p->state = rc > 0 ? PICK_KNOWN : PICK_NEW;
		if (rc < 0)
			p->item[0] = '\0';   /* the store failed: not this time */
	} else if (outgoing_parse(cfg, text, len, L->s->out_path, NULL, 0, &p->msg, &err) != 0) {
		refuse(p, err.msg);
	}
	free(text);
}

/* One transaction: every new file queued, or refused back to its
 * savepoint. -1 only when the store fails (all is rolled back). */
static int
enqueue_round(void *ctx, err_t *err)
{
	look_t *L = ctx;
	int64_t now = clock_now_ms();

	for (int i = 0; i < L->n; i++) {
		pick_t *p = &L->picks[i];
		err_t why = {0};
		int rc;
		if (p->state != PICK_NEW || p->item[0] == '\0' || p->msg.env == NULL)
			continue;
		if ((rc = collect_enqueue(L->self, p->item, &p->msg, now, &why, err)) < 0)
			return -1;
		if (rc == 0) {
			refuse(p, why.msg);
			continue;
		}
		p->state = PICK_QUEUED;
		snprintf(p->message_id, sizeof(p->message_id), "%s", p->msg.env->message_id);
	}
	return 0;
}

/* Into done/ or failed/, never over a file already there: NAME, else
 * NAME.1, NAME.2 …, the name it got into to (at least 300 bytes). */
static void
move(spool_t *s, int to_fd, const char *name, char *to)
{
	snprintf(to, 300, "%s", name);
	for (int i = 1; i < 1000; i++) {
		if (renameat2(s->out_fd, name, to_fd, to, RENAME_NOREPLACE) == 0 || errno != EEXIST)
			return;
		snprintf(to, 300, "%s.%d", name, i);
	}
}

/* failed/NAME.error: one line, the reason escaped as in the log; written
 * under a hidden name and renamed, so that it appears whole. */
static void
write_error(spool_t *s, const char *moved_to, const pick_t *p)
{
	char path[320], tmp[330], line[1024];
	char safe[sizeof(p->why) * 4];
	int fd, len;
	bool ok;

	snprintf(path, sizeof(path), "%s.error", moved_to);
	snprintf(tmp, sizeof(tmp), ".%s.tmp", path);
	len = snprintf(line, sizeof(line), "%s: %s\n", p->name,
	    log_escape(p->why, safe, sizeof(safe)));
	if (len >= (int)sizeof(line))
		len = (int)sizeof(line) - 1;
	if ((fd = openat(s->failed_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0640)) < 0) {
		log_warning("adapter %s: cannot write an .error file in failed/: %s", s->name,
		    strerror(errno));
		return;
	}
	ok = write(fd, line, (size_t)len) == len;
	ok = close(fd) == 0 && ok;
	if (!ok || renameat(s->failed_fd, tmp, s->failed_fd, path) != 0)
		log_warning("adapter %s: cannot write an .error file in failed/", s->name);
}

/* After the commit: each file where it belongs. */
static void
settle(look_t *L)
{
	spool_t *s = L->s;
	char moved[300];
	int queued = 0, known = 0, refused = 0;

	for (int i = 0; i < L->n; i++) {
		pick_t *p = &L->picks[i];
		int to = p->state == PICK_REFUSED ? s->failed_fd : s->done_fd;
		if (p->state == PICK_NEW || (p->state == PICK_KNOWN && p->message_id[0] == '\0'))
			continue;   /* not judged this time (the store failed), or gone */
		move(s, to, p->name, moved);
		if (p->state == PICK_REFUSED)
			write_error(s, moved, p);
		for (int k = 0; k < p->nattachments; k++)
			move(s, to, p->attachments[k], moved);
		if (p->state == PICK_QUEUED)
			log_info("adapter %s: queued %s from a spool file", s->name, p->message_id);
		queued += p->state == PICK_QUEUED;
		known += p->state == PICK_KNOWN;
		refused += p->state == PICK_REFUSED;
	}
	if (known > 0)
		log_notice("adapter %s: %d file(s) queued before a restart moved to done/ now",
		    s->name, known);
	if (refused > 0)
		log_warning("adapter %s: %d file(s) refused: moved to failed/, each with its .error",
		    s->name, refused);
	if (queued > 0)
		job_queued(L->self);
}

static void
release_picks(look_t *L)
{
	for (int i = 0; i < L->n; i++) {
		outgoing_release(&L->picks[i].msg);
		for (int k = 0; k < L->picks[i].nattachments; k++)
			free(L->picks[i].attachments[k]);
	}
}

void
spool_collect(job_run_t *self)
{
	spool_t *s = self->state;
	pick_t picks[FILES_PER_LOOK];
	look_t L = { .self = self, .s = s, .picks = picks };
	int64_t now = clock_mono_ms();

	if (s->out_fd < 0 || now < s->next_poll_ms)
		return;
	s->next_poll_ms = now + s->poll_ms;
	memset(picks, 0, sizeof(picks));
	if (list_files(&L) < 0) {
		if (now - s->warned_ms >= 60000) {
			s->warned_ms = now;
			log_warning("adapter %s: cannot read the outbound folder: %s", s->name,
			    strerror(errno));
		}
		return;
	}
	for (int i = 0; i < L.n; i++)
		judge(&L, &picks[i]);
	if (job_store_rounds(self, enqueue_round, &L) == 0)
		settle(&L);
	release_picks(&L);
	if (L.n == FILES_PER_LOOK)
		s->next_poll_ms = now;   /* more may wait: look again at the next tick */
}
