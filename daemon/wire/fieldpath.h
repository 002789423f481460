/*
 * fieldpath — the path of a field inside a message, in protobuf's JSON
 * names ("referral.child.languages[1]"), for error texts. The one place
 * that builds such paths and derives JSON names: the JSON codec, validation
 * and the wire check name fields the same way.
 */
#ifndef FAMLINK_FIELDPATH_H
#define FAMLINK_FIELDPATH_H

#include <stddef.h>

#include "err.h"

typedef struct fieldpath {
	char buf[256];
	size_t len;
} fieldpath_t;

/* Writes the JSON name of a .proto field name ("birth_year" →
 * "birthYear", the way protoc derives json_name) into buf; truncates to
 * size - 1 bytes. */
void fieldpath_json_name(const char *proto_name, char *buf, size_t size);

/* Appends printf-style text; a path too long is cut, never overrun. */
void fieldpath_add(fieldpath_t *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Each push returns the length to give fieldpath_pop() to undo it.
 * fieldpath_push() appends ".jsonName" for a .proto field name (no dot at
 * the start), fieldpath_push_json() a name already in JSON form, and
 * fieldpath_push_index() "[i]". */
size_t fieldpath_push(fieldpath_t *p, const char *proto_name);
size_t fieldpath_push_json(fieldpath_t *p, const char *json_name);
size_t fieldpath_push_index(fieldpath_t *p, size_t i);
void fieldpath_pop(fieldpath_t *p, size_t old);
/* err_set(err, code, "PATH: what"); returns -1. */
int fieldpath_fail(err_t *err, int code, const fieldpath_t *p, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
