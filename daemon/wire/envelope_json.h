/*
 * envelope_json — a stored envelope (the protobuf bytes of the inbox or
 * the outbox) in protobuf's JSON mapping (codec_json), as those who read it
 * want it: famlinkctl show prints the body alone, as famlinkctl send takes
 * it; an adapter hands a local system the body with the header's ids
 * beside it and the fields a newer peer sent that this version does not
 * know. One conversion, so the two never drift.
 */
#ifndef FAMLINK_ENVELOPE_JSON_H
#define FAMLINK_ENVELOPE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "famlink.pb-c.h"

enum {
	ENVELOPE_JSON_BODY = 1 << 0,   /* the body alone: the header left at its defaults */
};

/* The envelope in data[0..len) as a new JSON object (caller json_decref()s),
 * or NULL with err (not an Envelope, or out of memory). If unknown is not
 * NULL, *unknown gets the fields a newer peer sent that the mapping leaves
 * out (codec_unknown_fields(): [] when none; caller json_decref()s). */
json_t *envelope_json(const uint8_t *data, size_t len, int flags, json_t **unknown,
    err_t *err);

/* {"messageId", "sender", "recipient", "referralId", "bodyType",
 * "createdAtMs", "body": {...}, "unknownFields": [...]}: the envelope as a
 * local system gets it (the body as famlinkctl send takes it, so that a
 * strict parser of that reads it). A new object, or NULL with err. */
json_t *envelope_message_json(const Famlink__V1__Envelope *env, err_t *err);

#endif
