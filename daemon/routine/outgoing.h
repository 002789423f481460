/*
 * outgoing — a message this node sends, from the JSON a person or a local
 * system wrote (famlinkctl send, the spool adapter) to a row in the outbox:
 * parsed strictly (protobuf's JSON mapping), its header filled, validated,
 * checked against the routine's state and queued inside the caller's
 * transaction, together with its state changes. Both callers go through
 * here, so a file is judged the same way whoever hands it in.
 *
 * An attachment may come as a file instead of inline base64: an
 * Attachment object with "contentFile": "NAME" (a file in the same folder
 * as the JSON, a plain name) is read, and its content and SHA-256 are
 * filled in; nobody computes a checksum by hand.
 */
#ifndef FAMLINK_OUTGOING_H
#define FAMLINK_OUTGOING_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "envelope.h"
#include "err.h"
#include "famlink.pb-c.h"
#include "store.h"

typedef struct outgoing {
	Famlink__V1__Envelope *env;
	char id[MESSAGE_ID_LEN + 1];
	char recipient[65];
	char *orig_sender;        /* what the file said; must be us or empty */
	char *orig_recipient;     /* what the file said, before the routine filled it */
	bool own_id;              /* the file gave the message id */
} outgoing_t;

/* An attachment given on the command line: the body's Attachment field
 * named field (its JSON name, e.g. "basicInvestigation") gets path's
 * content. */
typedef struct outgoing_attach {
	const char *field, *path;
} outgoing_attach_t;

/* Parses text (len bytes) into *p and fills the header (sender, a new
 * message id unless the file gave one, time, recipient, referral id).
 * dir: the folder "contentFile" names are looked up in (NULL: none may be
 * given); attach: nattach attachments to fill from files. 0, or -1 with
 * err saying what is wrong and where (never quoting a value). */
int outgoing_parse(const config_t *cfg, const char *text, size_t len, const char *dir,
    const outgoing_attach_t *attach, size_t nattach, outgoing_t *p, err_t *err);

/* Validates, runs the routine (flags: routine_send()'s) and writes the
 * outbox row, inside the caller's transaction: ROUTINE_OK, ROUTINE_REFUSED
 * (err says why; err->code a RECEIPT_CODE_*) or ROUTINE_STORE. */
int outgoing_enqueue(store_t *store, const config_t *cfg, outgoing_t *p, unsigned flags,
    err_t *err);

/* Frees what outgoing_parse() made (the caller's struct may be reused). */
void outgoing_release(outgoing_t *p);

#endif
