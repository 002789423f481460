/*
 * codec_json — one generic codec between any protobuf-c message and
 * protobuf's canonical proto3 JSON mapping, driven by the descriptors alone
 * (no code per message type). It is how a message looks on disk and to the
 * adapters: transport → codec → store → routine → adapters. The reader is
 * strict: an unknown key, a wrong type or a second member of a oneof is an
 * error naming the field path, because silently dropped data about a child
 * is worse than a rejected file. Rules (lengths, dates, ...) are validate.c's.
 */
#ifndef FAMLINK_CODEC_JSON_H
#define FAMLINK_CODEC_JSON_H

#include <stddef.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "err.h"

enum {
	CODEC_PRETTY = 1 << 0,   /* indented output instead of compact */
};

/* Returns a new jansson object (caller json_decref()s) or NULL with err set.
 * Fields at their proto3 default are left out; unknown fields a newer peer
 * sent (msg->unknown_fields) have no JSON form and are left out too. */
json_t *codec_to_json(const ProtobufCMessage *msg, err_t *err);

/* The unknown fields a newer peer sent, anywhere in msg, which the mapping
 * above leaves out: a JSON array (empty when there are none) of
 * {"path": "referral.child" ("" at the top), "field": 12, "wireType": 2,
 * "bytes": base64 of the field's bytes as on the wire after its tag, for a
 * length-delimited one its length first}, so
 * that whoever reads a message learns that something was not understood.
 * Caller json_decref()s; NULL when out of memory. */
json_t *codec_unknown_fields(const ProtobufCMessage *msg);

/* Compact JSON text (flags: CODEC_PRETTY for indented output); caller free()s. */
char *codec_to_json_string(const ProtobufCMessage *msg, int flags, err_t *err);

/* Parses; the result is freed with protobuf_c_message_free_unpacked(m, NULL).
 * On error returns NULL and err->msg says what and where: a field path like
 * "referral.child.birthYear: expected a number" or, for bad JSON text, the
 * path of the value it breaks off in with line and column, e.g.
 * "referral.secretary.email: line 3 column 7: not valid UTF-8" (only
 * "line 1 column 9: <what>" outside any field). A "\u0000" in a string is
 * "<path>: contains a NUL character". An enum value name the enum does not
 * have lists the names it does: "referral.kind: unknown value
 * REFERRAL_KIND_FOSTER; one of REFERRAL_KIND_FOSTER_HOME, ..." (the
 * *_UNSPECIFIED zero left out). err->code = 4 (RECEIPT_CODE_INVALID).
 * Error texts never quote a value, only paths, key names and an unknown
 * enum value written like a value name (A-Z, 0-9, _; else not quoted). */
ProtobufCMessage *codec_from_json(const ProtobufCMessageDescriptor *desc,
    const json_t *json, err_t *err);
ProtobufCMessage *codec_from_json_string(const ProtobufCMessageDescriptor *desc,
    const char *text, size_t len, err_t *err);

#endif
