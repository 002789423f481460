/*
 * ctl_send — `famlinkctl send FILE.json…`: reads each file as an Envelope
 * in protobuf's JSON mapping (usually just a body and perhaps a recipient),
 * fills the header, validates, and enqueues them all in one transaction
 * together with their routine state changes. One invalid file and nothing
 * is enqueued. The daemon notices the commit and sends.
 *
 * A messageId in the file is used as it is (so a program that is not sure
 * its send went through can send the same file again and be told), if it is
 * a ULID and not in this node's store yet; otherwise the file is refused.
 * Without one, famlinkctl makes one.
 *
 * --dry-run goes through every step above in the same transaction, the
 * routine's state changes and the outbox rows included, and then rolls it
 * back instead of committing: nothing queued, no state changed, the daemon
 * not woken. Before famlinkd's first start it checks against an empty
 * store of its own in $TMPDIR, so the node's store is not made either.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "ctl_status_disk.h"
#include "envelope.h"
#include "log.h"
#include "outgoing.h"
#include "routine.h"
#include "store.h"
#include "store_identity.h"
#include "wake.h"

#define ATTACH_MAX 8

/* Prints "PATH: what" for a refused file; what may hold ids from it, so it
 * is escaped: one line, whatever the file held. */
static void
refused(const char *path, const char *what)
{
	char safe[4 * sizeof(((err_t *)0)->msg)];

	fprintf(stderr, "%s: %s\n", path, log_escape(what, safe, sizeof(safe)));
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL)
		return NULL;
	do {
		if (*len + 65536 > cap) {
			char *grown = realloc(buf, cap = cap * 2 + 65536);
			if (grown == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (f != stdin)
		fclose(f);
	return buf;
}

/* --attach FIELD=FILE, each split in place: how many, or -1 printed. */
static int
split_attach(const ctl_opts_t *o, outgoing_attach_t *out)
{
	int n = 0;

	for (int i = 0; i < o->nattach; i++, n++) {
		char *eq = strchr(o->attach[i], '=');
		if (eq == NULL || eq == o->attach[i] || eq[1] == '\0') {
			fprintf(stderr, "famlinkctl send: --attach %s: give FIELD=FILE, e.g."
			    " basicInvestigation=utredning.pdf\n", o->attach[i]);
			return -1;
		}
		*eq = '\0';
		out[n] = (outgoing_attach_t){ .field = o->attach[i], .path = eq + 1 };
	}
	return n;
}

/* The folder a file's "contentFile" names are looked up in. */
static void
folder_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (strcmp(path, "-") == 0 || slash == NULL)
		snprintf(dir, len, ".");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path + (slash == path)), path);
}

/* Parses one file and fills the header; 0 or -1 with the reason printed. */
static int
prepare(const config_t *cfg, const char *path, const outgoing_attach_t *attach, int nattach,
    outgoing_t *p)
{
	char dir[4096];
	size_t len;
	char *text = read_all(path, &len);
	err_t err = {0};
	int rc;

	if (text == NULL) {
		fprintf(stderr, "%s: cannot read: %m\n", path);
		return -1;
	}
	folder_of(path, dir, sizeof(dir));
	rc = outgoing_parse(cfg, text, len, dir, attach, (size_t)nattach, p, &err);
	free(text);
	if (rc != 0)
		refused(path, err.msg);
	return rc;
}

/* Routine, validation and outbox for one message inside the transaction. */
static int
enqueue_one(store_t *store, const config_t *cfg, const char *path, outgoing_t *p,
    unsigned flags)
{
	err_t err = {0};

	if (outgoing_enqueue(store, cfg, p, flags, &err) != ROUTINE_OK) {
		refused(path, err.msg);
		return -1;
	}
	return 0;
}

/* A dry run where famlinkd has not made the store yet: an empty store in
 * a new directory under $TMPDIR (dir), which scratch_remove() deletes. */
static store_t *
scratch_open(char *dir, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	char path[4200];
	store_t *store;
	err_t err;

	if ((size_t)snprintf(dir, len, "%s/famlinkctl-dry-run.XXXXXX", tmp != NULL && *tmp ? tmp
	    : "/tmp") >= len) {
		fprintf(stderr, "famlinkctl: TMPDIR is too long for a dry run's scratch store\n");
		dir[0] = '\0';
		return NULL;
	}
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "famlinkctl: %s: %s\n", dir, strerror(errno));
		dir[0] = '\0';
		return NULL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE) >= sizeof(path)) {
		fprintf(stderr, "famlinkctl: %s: path too long\n", dir);
		return NULL;
	}
	if ((store = store_open(path, false, &err)) == NULL)
		fprintf(stderr, "famlinkctl: %s\n", err.msg);
	return store;
}

static void
scratch_remove(const char *dir)
{
	static const char *const files[] = { STORE_FILE, STORE_FILE "-wal", STORE_FILE "-shm" };
	char path[4200];

	if (dir[0] == '\0')
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, files[i]) >= sizeof(path))
			continue;   /* scratch_open() made none such */
		if (unlink(path) != 0 && errno != ENOENT)
			fprintf(stderr, "famlinkctl: %s: %s\n", path, strerror(errno));
	}
	if (rmdir(dir) != 0)
		fprintf(stderr, "famlinkctl: %s: %s\n", dir, strerror(errno));
}

/* One line per message: what was queued, or with --dry-run what would be. */
static void
print_queued(const outgoing_t *msgs, int n, const ctl_opts_t *o)
{
	for (int i = 0; i < n; i++) {
		const Famlink__V1__Envelope *e = msgs[i].env;
		if (o->json)
			printf("{\"messageId\":\"%s\",\"recipient\":\"%s\",\"sequence\":\"%llu\",\"body\":\"%s\"%s}\n",
			    e->message_id, e->recipient, (unsigned long long)e->sequence,
			    envelope_body_name(e), o->dry_run ? ",\"queued\":false" : "");
		else
			printf("%s %s (%s, referral %s) for %s, sequence %llu\n",
			    o->dry_run ? "would queue" : "queued", e->message_id,
			    envelope_body_name(e), e->referral_id, e->recipient,
			    (unsigned long long)e->sequence);
	}
	if (o->dry_run && !o->json)
		printf("dry run: nothing was queued\n");
}

static size_t
packed_size(const outgoing_t *msgs, int n)
{
	size_t bytes = 0;

	for (int i = 0; i < n; i++)
		bytes += famlink__v1__envelope__get_packed_size(msgs[i].env);
	return bytes;
}

int
ctl_send(const config_t *cfg, const ctl_opts_t *o, int nfiles, char **files)
{
	outgoing_t *msgs = calloc((size_t)nfiles, sizeof(*msgs));
	outgoing_attach_t attach[ATTACH_MAX];
	char scratch[4200] = "";
	store_t *store = NULL;
	err_t err;
	int i, nattach, rc = 1;

	if (msgs == NULL || nfiles == 0) {
		fprintf(stderr, "famlinkctl send: give one or more JSON files\n");
		free(msgs);
		return 2;
	}
	if ((nattach = split_attach(o, attach)) < 0) {
		rc = 2;
		goto out;
	}
	if (nattach > 0 && nfiles != 1) {
		fprintf(stderr, "famlinkctl send: --attach goes with one file\n");
		rc = 2;
		goto out;
	}
	for (i = 0; i < nfiles; i++)
		if (prepare(cfg, files[i], attach, nattach, &msgs[i]) != 0)
			goto out;
	if (ctl_disk_room_for_send(cfg, packed_size(msgs, nfiles)) != 0)
		goto out;
	store = o->no_store ? scratch_open(scratch, sizeof(scratch)) : ctl_open_store(cfg, false);
	if (store == NULL)
		goto out;
	if (store_begin(store, &err) != 0) {
		fprintf(stderr, "store: %s; nothing was queued\n", err.msg);
		goto out;
	}
	for (i = 0; i < nfiles; i++)
		if (enqueue_one(store, cfg, files[i], &msgs[i],
		    o->override_ledger ? ROUTINE_OVERRIDE_LEDGER : 0) != 0) {
			store_rollback(store);
			fprintf(stderr, "nothing was queued\n");
			goto out;
		}
	if (o->dry_run) {
		store_rollback(store);
	} else if (store_commit(store, &err) != 0) {
		fprintf(stderr, "store: %s; nothing was queued\n", err.msg);
		store_rollback(store);
		goto out;
	} else {
		wake_notify(cfg->runtime_dir);
	}
	print_queued(msgs, nfiles, o);
	rc = 0;
out:
	for (i = 0; i < nfiles; i++)
		outgoing_release(&msgs[i]);
	free(msgs);
	store_close(&store);
	scratch_remove(scratch);
	return rc;
}
