/*
 * envelope_json — a stored envelope (the protobuf bytes of the inbox or
 * the outbox) in protobuf's JSON mapping (codec_json), as the two that
 * read it want it: a local system through an adapter gets the whole
 * envelope, header and body; famlinkctl show prints the body alone, as
 * famlinkctl send takes it. One conversion, so the two never drift.
 */
#ifndef FAMLINK_ENVELOPE_JSON_H
#define FAMLINK_ENVELOPE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

enum {
	ENVELOPE_JSON_BODY = 1 << 0,   /* the body alone: the header left at its defaults */
};

/* The envelope in data[0..len) as a new JSON object (caller json_decref()s),
 * or NULL with err (not an Envelope, or out of memory). If unknown is not
 * NULL, *unknown gets the fields a newer peer sent that the mapping leaves
 * out (codec_unknown_fields(): [] when none; caller json_decref()s). */
json_t *envelope_json(const uint8_t *data, size_t len, int flags, json_t **unknown,
    err_t *err);

/* The whole envelope as one line of compact JSON ending in "\n", its length
 * in *outlen: what an adapter hands over. Caller free()s; NULL with err. */
char *envelope_json_line(const uint8_t *data, size_t len, size_t *outlen, err_t *err);

#endif
