/*
 * attach_file — attachments (the basic investigation) that travel as files
 * beside the JSON that names them rather than as inline base64: famlink
 * reads the file and fills in its content and SHA-256 in the message's
 * JSON, so that nobody computes a checksum by hand. A name is a plain file
 * name in the JSON's own folder, never a path; a symlink, a device or a
 * file over the size an Attachment may hold is refused.
 */
#ifndef FAMLINK_ATTACH_FILE_H
#define FAMLINK_ATTACH_FILE_H

#include <stdbool.h>

#include <jansson.h>

#include "err.h"

#define ATTACH_MAX_BYTES 31457280u   /* Attachment.content's limit (30 MiB) */

/* A plain file name: 1 to 255 of letters, digits, '.', '_' and '-', not
 * starting with '.': no folder part, nothing hidden, nothing a shell or a
 * path would read as more than a name. */
bool attach_plain_name(const char *s);

/* Whether an envelope's JSON names an attachment file ("contentFile"). */
bool attach_named(const json_t *envelope);

/* Replaces, in every object of the envelope's JSON, "contentFile": NAME
 * with "content" and "sha256" (base64) of the file NAME in dir (an open
 * folder's descriptor). 0, or -1 with err naming the field and the file. */
int attach_resolve(json_t *envelope, int dirfd, err_t *err);

/* Sets the Attachment field (its JSON name, e.g. "basicInvestigation") of
 * the envelope's body to the file at path: content, sha256, and unless the
 * JSON gives them, filename (path's last part) and mediaType (from the
 * extension). 0, or -1 with err. */
int attach_put(json_t *envelope, const char *field, const char *path, err_t *err);

/* The SHA-256 of len bytes into md (32 bytes): 0, or -1. */
int attach_sha256(const void *data, size_t len, unsigned char md[32]);

#endif
