/* outgoing — see outgoing.h. */
#define _GNU_SOURCE   /* memmem */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach_file.h"
#include "clock.h"
#include "codec_json.h"
#include "outgoing.h"
#include "routine.h"
#include "store_queue.h"
#include "validate.h"

/* Sets a string field of a parsed message; free_unpacked() frees it later.
 * An absent proto3 string points at protobuf-c's shared empty string. */
static void
set_field(char **field, const char *value)
{
	if (*field != protobuf_c_empty_string)
		free(*field);
	*field = strdup(value);
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

/* Attachments given as files: through jansson, where they are filled in.
 * Text without them goes to the codec as it is, whose errors then give the
 * line and column in the file. */
static Famlink__V1__Envelope *
parse_with_files(const char *text, size_t len, const char *dir,
    const outgoing_attach_t *attach, size_t nattach, err_t *err)
{
	json_error_t jerr;
	json_t *json = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	Famlink__V1__Envelope *env = NULL;
	int dirfd = -1;

	if (json == NULL) {
		/* jansson quotes the text it stopped at ("near 'Anna'"): not in
		 * an error, which may reach a log or an .error file. */
		char *near = strstr(jerr.text, " near '");
		if (near != NULL)
			*near = '\0';
		err_set(err, 4, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (attach_named(json)) {
		if (dir == NULL)
			err_set(err, 4, "contentFile: give the attachment with --attach FIELD=FILE");
		else if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			err_set(err, 4, "%s: cannot open the folder", dir);
		else if (attach_resolve(json, dirfd, err) == 0)
			err->msg[0] = '\0';
		if (dirfd >= 0)
			close(dirfd);
		if (err->msg[0] != '\0')
			goto out;
	}
	for (size_t i = 0; i < nattach; i++)
		if (attach_put(json, attach[i].field, attach[i].path, err) != 0)
			goto out;
	env = (Famlink__V1__Envelope *)codec_from_json(&famlink__v1__envelope__descriptor, json,
	    err);
out:
	json_decref(json);
	return env;
}

int
outgoing_parse(const config_t *cfg, const char *text, size_t len, const char *dir,
    const outgoing_attach_t *attach, size_t nattach, outgoing_t *p, err_t *err)
{
	const char *body_rid;
	Famlink__V1__Envelope *env;

	memset(p, 0, sizeof(*p));
	err->msg[0] = '\0';
	if (nattach > 0 || memmem(text, len, "contentFile", 11) != NULL)
		env = parse_with_files(text, len, dir, attach, nattach, err);
	else
		env = (Famlink__V1__Envelope *)codec_from_json_string(
		    &famlink__v1__envelope__descriptor, text, len, err);
	if (env == NULL)
		return -1;
	p->env = env;
	p->orig_sender = env->sender;
	p->orig_recipient = env->recipient;
	if (env->sender[0] != '\0' && strcmp(env->sender, cfg->node_id) != 0)
		return err_set(err, 4, "sender: this node is %s", cfg->node_id);
	if (env->message_id[0] != '\0') {
		/* Never replaced silently: whoever gave it may look for it. */
		if (!envelope_is_ulid(env->message_id))
			return err_set(err, 4, "messageId: not a message id famlink sends (a ULID: 26"
			    " characters of 0-9 and A-Z but I, L, O, U); leave it out and famlink"
			    " makes one");
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

void
outgoing_release(outgoing_t *p)
{
	if (p->env == NULL)
		return;
	p->env->sender = p->orig_sender;   /* free_unpacked owns the original */
	p->env->recipient = p->orig_recipient;
	famlink__v1__envelope__free_unpacked(p->env, NULL);
	p->env = NULL;
}

int
outgoing_enqueue(store_t *store, const config_t *cfg, outgoing_t *p, unsigned flags,
    err_t *err)
{
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
	rc = validate_envelope(p->env, err);
	p->env->recipient = p->orig_recipient;
	if (rc != 0)
		return ROUTINE_REFUSED;
	if (p->own_id && (rc = store_message_id_used(store, p->id, err)) != 0) {
		if (rc < 0)
			return ROUTINE_STORE;
		err_set(err, 4, "messageId: %s is already in this node's store (a message id is"
		    " used once; leave messageId out and famlink makes one)", p->id);
		return ROUTINE_REFUSED;
	}
	rc = routine_send(store, cfg, p->env, p->recipient, flags, p->env->created_at_ms, err);
	if (rc == ROUTINE_OK && validate_envelope(p->env, err) != 0)
		rc = ROUTINE_REFUSED;
	/* A frame over the limit would be dropped by ZeroMQ unanswered and
	 * block its channel: refuse it here, where someone can act on it. */
	if (rc == ROUTINE_OK && (size = famlink__v1__envelope__get_packed_size(p->env)) >
	    cfg->max_message_size) {
		err_set(err, 4, "message is %zu bytes, over max_message_size (%zu)",
		    size, cfg->max_message_size);
		rc = ROUTINE_REFUSED;
	}
	if (rc == ROUTINE_OK && store_enqueue(store, p->env, err) != 0)
		rc = ROUTINE_STORE;
	return rc;
}
