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
#include "codec_json.h"
#include "ctl.h"
#include "envelope.h"
#include "log.h"
#include "routine.h"
#include "store.h"
#include "store_identity.h"
#include "store_queue.h"
#include "validate.h"
#include "wake.h"

typedef struct pending {
	Famlink__V1__Envelope *env;
	char id[MESSAGE_ID_LEN + 1];
	char recipient[65];
	char *orig_sender;        /* what the file said; must be us or empty */
	char *orig_recipient;     /* what the file said, before the routine filled it */
	bool own_id;              /* the file gave the message id */
} pending_t;

/* Prints "PATH: what" for a refused file; what may hold ids from it, so it
 * is escaped: one line, whatever the file held. */
static void
refused(const char *path, const char *what)
{
	char safe[4 * sizeof(((err_t *)0)->msg)];

	fprintf(stderr, "%s: %s\n", path, log_escape(what, safe, sizeof(safe)));
}

/* Sets a string field of a parsed message; free_unpacked() frees it later.
 * An absent proto3 string points at protobuf-c's shared empty string. */
static void
set_field(char **field, const char *value)
{
	if (*field != protobuf_c_empty_string)
		free(*field);
	*field = strdup(value);
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

/* The body's referral id (every referral-bearing body has it first). */
static const char *
body_referral_id(const Famlink__V1__Envelope *env)
{
	const ProtobufCFieldDescriptor *f;
	const ProtobufCMessage *body;
	const ProtobufCFieldDescriptor *rid;

	if (env->body_case == FAMLINK__V1__ENVELOPE__BODY__NOT_SET)
		return NULL;
	f = protobuf_c_message_descriptor_get_field(&famlink__v1__envelope__descriptor,
	    (unsigned)env->body_case);
	body = *(const ProtobufCMessage *const *)((const char *)env + f->offset);
	rid = protobuf_c_message_descriptor_get_field_by_name(body->descriptor, "referral_id");
	return rid ? *(const char *const *)((const char *)body + rid->offset) : NULL;
}

/* Parses one file and fills the header; 0 or -1 with the reason printed. */
static int
prepare(const config_t *cfg, const char *path, pending_t *p)
{
	const char *body_rid;
	size_t len;
	char *text = read_all(path, &len);
	err_t err = {0};
	Famlink__V1__Envelope *env;

	if (text == NULL) {
		fprintf(stderr, "%s: cannot read: %m\n", path);
		return -1;
	}
	env = (Famlink__V1__Envelope *)codec_from_json_string(&famlink__v1__envelope__descriptor,
	    text, len, &err);
	free(text);
	if (env == NULL) {
		refused(path, err.msg);
		return -1;
	}
	p->env = env;
	p->orig_sender = env->sender;
	p->orig_recipient = env->recipient;
	if (env->sender[0] != '\0' && strcmp(env->sender, cfg->node_id) != 0) {
		fprintf(stderr, "%s: sender: this node is %s\n", path, cfg->node_id);
		return -1;
	}
	p->orig_sender = env->sender;
	if (env->message_id[0] != '\0') {
		/* Never replaced silently: whoever gave it may look for it. */
		if (!envelope_is_ulid(env->message_id)) {
			fprintf(stderr, "%s: messageId: not a message id famlink sends (a ULID: 26 "
			    "characters of 0-9 and A-Z but I, L, O, U); leave it out and famlinkctl "
			    "makes one\n", path);
			return -1;
		}
		memcpy(p->id, env->message_id, MESSAGE_ID_LEN + 1);
		p->own_id = true;
	} else {
		envelope_new_id(p->id);   /* ids are the sending node's to make */
		set_field(&env->message_id, p->id);
	}
	env->schema_version = FAMLINK__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT;
	env->sender = (char *)cfg->node_id;
	env->created_at_ms = clock_now_ms();
	if (cfg->role == ROLE_MUNICIPALITY && env->recipient[0] == '\0')
		set_field(&env->recipient, cfg->hub_id);
	if (env->referral_id[0] == '\0' && (body_rid = body_referral_id(env)) != NULL)
		set_field(&env->referral_id, body_rid);
	p->orig_recipient = env->recipient;
	return 0;
}

static void
release(pending_t *p)
{
	if (p->env == NULL)
		return;
	p->env->sender = p->orig_sender;   /* free_unpacked owns the original */
	p->env->recipient = p->orig_recipient;
	famlink__v1__envelope__free_unpacked(p->env, NULL);
	p->env = NULL;
}

/* Routine, validation and outbox for one message inside the transaction. */
static int
enqueue_one(store_t *store, const config_t *cfg, const char *path, pending_t *p,
    unsigned flags)
{
	err_t err = {0};
	size_t size;
	int rc;

	/* The store gives the real sequence; the largest one makes the size
	 * check below hold for whatever it will be. */
	p->env->sequence = UINT64_MAX;
	/* Validated before the routine sees it too, so that what is not an id
	 * is refused as such, naming its field (the routine's texts name the
	 * referral). The hub's routine fills an empty recipient from the
	 * referral's owner: until then this node's id stands in for it. */
	p->env->recipient = p->orig_recipient[0] != '\0' ? p->orig_recipient : (char *)cfg->node_id;
	rc = validate_envelope(p->env, &err);
	p->env->recipient = p->orig_recipient;
	if (rc != 0) {
		refused(path, err.msg);
		return -1;
	}
	if (p->own_id && (rc = store_message_id_used(store, p->id, &err)) != 0) {
		if (rc > 0)
			err_set(&err, 0, "messageId: %s is already in this node's store (a message "
			    "id is used once; leave messageId out and famlinkctl makes one)", p->id);
		refused(path, err.msg);
		return -1;
	}
	rc = routine_send(store, cfg, p->env, p->recipient, flags, p->env->created_at_ms, &err);
	if (rc == ROUTINE_OK && validate_envelope(p->env, &err) != 0)
		rc = ROUTINE_REFUSED;
	/* A frame over the limit would be dropped by ZeroMQ unanswered and
	 * block its channel: refuse it here, where someone can act on it. */
	if (rc == ROUTINE_OK && (size = famlink__v1__envelope__get_packed_size(p->env)) >
	    cfg->max_message_size) {
		err_set(&err, 0, "message is %zu bytes, over max_message_size (%zu)",
		    size, cfg->max_message_size);
		rc = ROUTINE_REFUSED;
	}
	if (rc == ROUTINE_OK && store_enqueue(store, p->env, &err) != 0)
		rc = ROUTINE_STORE;
	if (rc != ROUTINE_OK) {
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
print_queued(const pending_t *msgs, int n, const ctl_opts_t *o)
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

int
ctl_send(const config_t *cfg, const ctl_opts_t *o, int nfiles, char **files)
{
	pending_t *msgs = calloc((size_t)nfiles, sizeof(*msgs));
	char scratch[4200] = "";
	store_t *store = NULL;
	err_t err;
	int i, rc = 1;

	if (msgs == NULL || nfiles == 0) {
		fprintf(stderr, "famlinkctl send: give one or more JSON files\n");
		free(msgs);
		return 2;
	}
	for (i = 0; i < nfiles; i++)
		if (prepare(cfg, files[i], &msgs[i]) != 0)
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
		wake_notify(cfg->state_dir);
	}
	print_queued(msgs, nfiles, o);
	rc = 0;
out:
	for (i = 0; i < nfiles; i++)
		release(&msgs[i]);
	free(msgs);
	store_close(&store);
	scratch_remove(scratch);
	return rc;
}
