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

#include <openssl/evp.h>

#include "attach_file.h"
#include "clock.h"
#include "collect.h"
#include "log.h"
#include "spool.h"
#include "store_collected.h"

#define FILES_PER_LOOK 64
#define FILE_MAX_BYTES (64u << 20)   /* an attachment in base64, and the rest */
/* What one look reads (it runs on the daemon's loop): the files after it
 * wait for the next look, at the next tick. */
#define LOOK_MAX_BYTES (64u << 20)

typedef enum { PICK_NEW, PICK_KNOWN, PICK_REFUSED, PICK_QUEUED } pick_state_t;

/* A file of this look. */
typedef struct pick {
	char name[256];
	char item[32 + 1 + 64 + 1];  /* what the store records (item_key()) */
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
	size_t bytes;                /* read so far: a look stops at LOOK_MAX_BYTES */
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
	struct stat before, st;
	char *buf = NULL;
	ssize_t r;
	int fd;

	*len = 0;
	/* Looked at before it is opened (a device is never opened), and again
	 * once open: the file read is the one judged, whatever was renamed in
	 * between. */
	if (fstatat(s->out_fd, p->name, &before, AT_SYMLINK_NOFOLLOW) != 0)
		return NULL;   /* gone meanwhile: nothing to do */
	if (S_ISLNK(before.st_mode))
		return refuse(p, "a symbolic link: refused, only regular files are read"), NULL;
	if (!S_ISREG(before.st_mode))
		return refuse(p, "not a regular file (a device, fifo or folder): refused"), NULL;
	if ((fd = openat(s->out_fd, p->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return errno == ELOOP ? (refuse(p, "a symbolic link: refused, only regular files"
		    " are read"), NULL) : NULL;
	if (fstat(fd, &st) != 0 || st.st_ino != before.st_ino || st.st_dev != before.st_dev ||
	    !S_ISREG(st.st_mode))
		refuse(p, "replaced while it was read: refused");
	else if (st.st_nlink != 1)
		refuse(p, "a file with other hard links: refused");
	else if ((uint64_t)st.st_size > FILE_MAX_BYTES)
		refuse(p, "too long: over 64 MiB");
	else if ((buf = malloc((size_t)st.st_size + 1)) != NULL)
		while (*len < (size_t)st.st_size && (r = read(fd, buf + *len, (size_t)st.st_size -
		    *len)) > 0)
			*len += (size_t)r;
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
/* What the store knows the file by: a hash of its name (a case system may
 * name a file after a person; the store keeps no names), and of its text
 * and the attachments it names, so that the same JSON with another
 * attachment is a new file. */
static void
item_key(pick_t *p, const char *text, size_t len)
{
	const Famlink__V1__Envelope *env = p->msg.env;
	const Famlink__V1__Attachment *a = env != NULL && env->body_case ==
	    FAMLINK__V1__ENVELOPE__BODY_FAMILY_CONSENT ? env->family_consent->basic_investigation
	    : NULL;
	unsigned char name_md[32], md[32];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int mdlen = 0;

	attach_sha256(p->name, strlen(p->name), name_md);
	if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, text, len) != 1 ||
	    (a != NULL && EVP_DigestUpdate(c, a->sha256.data, a->sha256.len) != 1) ||
	    EVP_DigestFinal_ex(c, md, &mdlen) != 1)
		memset(md, 0, sizeof(md));
	EVP_MD_CTX_free(c);
	hex(name_md, 16, p->item);
	p->item[32] = ':';
	hex(md, 32, p->item + 33);
}

/* Reads and parses one file: its state says what comes next. */
static void
judge(look_t *L, pick_t *p)
{
	const config_t *cfg = job_config(L->self);
	char *text;
	size_t len;
	err_t err = {0};
	int rc;

	if (!attach_plain_name(p->name))
		return refuse(p, "file name: only letters, digits, '.', '_' and '-' are taken");
	if ((text = read_pick(L->s, p, &len)) == NULL) {
		if (p->state == PICK_NEW)
			p->state = PICK_KNOWN, p->message_id[0] = '\0';   /* vanished: leave it */
		return;
	}
	L->bytes += len;
	note_attachments(p, text, len);
	if (outgoing_parse(cfg, text, len, L->s->out_path, NULL, 0, &p->msg, &err) != 0) {
		refuse(p, err.msg);
	} else {
		item_key(p, text, len);
		if ((rc = store_collected_get(job_store(L->self), L->s->name, p->item, p->message_id,
		    &err)) != 0) {
			p->state = rc > 0 ? PICK_KNOWN : PICK_NEW;
			if (rc < 0)
				p->item[0] = '\0';   /* the store failed: not this time */
		}
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

/* renameat2() without replacing; where the filesystem cannot (NFS says
 * EINVAL), a hard link and an unlink do the same. */
static int
rename_noreplace(int from_fd, const char *from, int to_fd, const char *to)
{
	if (renameat2(from_fd, from, to_fd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL || linkat(from_fd, from, to_fd, to, 0) != 0)
		return -1;
	return unlinkat(from_fd, from, 0);
}

/* Into done/ or failed/, never over a file already there: NAME, else
 * NAME.1, NAME.2 …, the name it got in to (at least 300 bytes). A folder
 * removed meanwhile is made again. True if it moved. */
static bool
move(spool_t *s, int *to_fd, const char *sub, const char *name, char *to)
{
	err_t err;

	snprintf(to, 300, "%s", name);
	for (int i = 1; i < 1000; i++) {
		errno = 0;
		if (rename_noreplace(s->out_fd, name, *to_fd, to) == 0)
			return true;
		if (errno == ENOENT && faccessat(s->out_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
		    i == 1) {   /* the folder, not the file, is gone */
			close(*to_fd);
			if (spool_open_sub(s, sub, to_fd, &err) != 0)
				return false;
			i = 0;
			continue;
		}
		if (errno != EEXIST)
			return false;
		snprintf(to, 300, "%s.%d", name, i);
	}
	return false;
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
	    0640)) < 0 || (s->in_gid != (gid_t)-1 && (fchown(fd, (uid_t)-1, s->in_gid) != 0 ||
	    fchmod(fd, 0640) != 0))) {
		if (fd >= 0)
			close(fd);
		log_warning("adapter %s: cannot write an .error file in failed/: %s", s->name,
		    strerror(errno));
		return;
	}
	ok = write(fd, line, (size_t)len) == len;
	ok = close(fd) == 0 && ok;
	if (!ok || renameat(s->failed_fd, tmp, s->failed_fd, path) != 0)
		log_warning("adapter %s: cannot write an .error file in failed/", s->name);
}

/* After the commit: each file where it belongs. One that cannot be
 * moved stays (it is known: never queued twice) and is said once a
 * minute. */
static void
settle(look_t *L)
{
	spool_t *s = L->s;
	char moved[300];
	int queued = 0, known = 0, refused = 0, stuck = 0;
	int64_t now = clock_mono_ms();

	for (int i = 0; i < L->n; i++) {
		pick_t *p = &L->picks[i];
		bool to_failed = p->state == PICK_REFUSED;
		int *to = to_failed ? &s->failed_fd : &s->done_fd;
		const char *sub = to_failed ? "failed" : "done";
		if (p->state == PICK_NEW || (p->state == PICK_KNOWN && p->message_id[0] == '\0'))
			continue;   /* not judged this time (the store failed), or gone */
		queued += p->state == PICK_QUEUED;
		if (!move(s, to, sub, p->name, moved)) {
			stuck++;
			continue;
		}
		if (to_failed)
			write_error(s, moved, p);
		for (int k = 0; k < p->nattachments; k++)
			(void)move(s, to, sub, p->attachments[k], moved);
		if (p->state == PICK_QUEUED)
			log_info("adapter %s: queued %s from a spool file", s->name, p->message_id);
		known += p->state == PICK_KNOWN;
		refused += to_failed;
	}
	if (known > 0)
		log_notice("adapter %s: %d file(s) queued before a restart moved to done/ now",
		    s->name, known);
	if (refused > 0)
		log_warning("adapter %s: %d file(s) refused: moved to failed/, each with its .error",
		    s->name, refused);
	if (stuck > 0 && now - s->move_warned_ms >= 60000) {
		s->move_warned_ms = now;
		log_warning("adapter %s: %d file(s) cannot be moved out of the outbound folder (%s);"
		    " they stay, and are not queued again", s->name, stuck, strerror(errno));
	}
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
	for (int i = 0; i < L.n; i++) {
		if (L.bytes >= LOOK_MAX_BYTES) {   /* left for the next look */
			L.n = i;
			s->next_poll_ms = now;
			break;
		}
		judge(&L, &picks[i]);
	}
	if (job_store_rounds(self, enqueue_round, &L) == 0)
		settle(&L);
	release_picks(&L);
	if (L.n == FILES_PER_LOOK)
		s->next_poll_ms = now;   /* more may wait: look again at the next tick */
}
