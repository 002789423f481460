/*
 * wire — see wire.h. One pass over the bytes: read a tag, find the field
 * by number in the descriptor, check the value against the field's type,
 * step into sub-messages, skip what the schema does not know. Nothing is
 * allocated, and the path of a field is written out only when it fails:
 * the walk runs on every message the hub takes, so it costs one read of
 * the frame and no more.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "famlink.pb-c.h"
#include "fieldpath.h"
#include "wire.h"

#define MALFORMED FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED
#define DEPTH_MAX 32        /* famlink's schema nests far less deep */

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5 };

typedef struct cursor {
	const uint8_t *p, *end;
} cursor_t;

/* The fields from the frame's top down to the one being read. */
typedef struct walk {
	const ProtobufCFieldDescriptor *stack[DEPTH_MAX + 1];
	int depth;
	err_t *err;
} walk_t;

static int fail(walk_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fills err with "PATH: what", the path in JSON names; returns -1. */
static int
fail(walk_t *w, const char *fmt, ...)
{
	fieldpath_t path = { .len = 0 };
	char what[128];
	va_list ap;

	path.buf[0] = '\0';
	for (int i = 0; i < w->depth; i++)
		fieldpath_push(&path, w->stack[i]->name);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return fieldpath_fail(w->err, MALFORMED, &path, "%s", what);
}

/* A varint of at most 10 bytes whose value fits 64 bits. Padding (extra
 * 0x80 bytes) is allowed: conforming parsers accept it. */
static int
read_varint(cursor_t *c, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 10 && c->p < c->end; i++) {
		uint8_t b = *c->p++;
		if (i == 9 && b > 1)
			return -1;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

static int
skip(cursor_t *c, uint64_t n)
{
	if ((uint64_t)(c->end - c->p) < n)
		return -1;
	c->p += n;
	return 0;
}

/* The wire type a (non-packed) value of this field has. */
static int
wire_type_of(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_FLOAT:
		return WT_I32;
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
		return WT_I64;
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_BYTES: case PROTOBUF_C_TYPE_MESSAGE:
		return WT_LEN;
	default:
		return WT_VARINT;
	}
}

/* Would protobuf-c keep every bit of v for this field? A 32-bit field
 * takes a sign-extended negative number (10 bytes) or any 32-bit pattern. */
static bool
varint_fits(ProtobufCType type, uint64_t v)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_ENUM:
		return v <= UINT32_MAX || ((int64_t)v < 0 && (int64_t)v >= INT32_MIN);
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_SINT32:
		return v <= UINT32_MAX;
	default:
		return true;
	}
}

/* One value of a scalar field, packed or not. */
static int
check_scalar(walk_t *w, cursor_t *c, const ProtobufCFieldDescriptor *f)
{
	uint64_t v;

	switch (wire_type_of(f->type)) {
	case WT_I32:
		return skip(c, 4) == 0 ? 0 : fail(w, "truncated");
	case WT_I64:
		return skip(c, 8) == 0 ? 0 : fail(w, "truncated");
	default:
		if (read_varint(c, &v) != 0)
			return fail(w, "bad varint");
		if (!varint_fits(f->type, v))
			return fail(w, "number does not fit 32 bits");
		return 0;
	}
}

static int walk_message(walk_t *w, const ProtobufCMessageDescriptor *d, cursor_t *c);

/* A length-delimited value of a known field: a string, bytes, a message,
 * or a packed run of scalars. */
static int
check_len(walk_t *w, const uint8_t *data, size_t len, const ProtobufCFieldDescriptor *f)
{
	cursor_t inner = { data, data + len };

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return memchr(data, '\0', len) == NULL ? 0 : fail(w, "a string holds a NUL byte");
	case PROTOBUF_C_TYPE_BYTES:
		return 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return walk_message(w, f->descriptor, &inner);
	default:
		if (f->label != PROTOBUF_C_LABEL_REPEATED)
			return fail(w, "wire type 2 for a single number");
		while (inner.p < inner.end)
			if (check_scalar(w, &inner, f) != 0)
				return -1;
		return 0;
	}
}

/* A field this schema does not know (a newer peer's): skipped whole. */
static int
skip_unknown(walk_t *w, cursor_t *c, unsigned wire_type, uint64_t number)
{
	uint64_t v;
	int rc;

	switch (wire_type) {
	case WT_VARINT: rc = read_varint(c, &v); break;
	case WT_I64: rc = skip(c, 8); break;
	case WT_I32: rc = skip(c, 4); break;
	case WT_LEN: rc = read_varint(c, &v) == 0 ? skip(c, v) : -1; break;
	default:
		return fail(w, "field %llu: groups are not supported", (unsigned long long)number);
	}
	return rc == 0 ? 0 : fail(w, "field %llu: truncated", (unsigned long long)number);
}

/* One field: tag read, value checked (known) or skipped (unknown). */
static int
walk_field(walk_t *w, const ProtobufCMessageDescriptor *d, cursor_t *c)
{
	const ProtobufCFieldDescriptor *f;
	uint64_t tag, len;
	unsigned wt;
	int rc;

	if (read_varint(c, &tag) != 0 || tag > UINT32_MAX || (tag >> 3) == 0)
		return fail(w, "bad field tag");
	wt = (unsigned)(tag & 7);
	if ((f = protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3))) == NULL)
		return skip_unknown(w, c, wt, tag >> 3);
	w->stack[w->depth++] = f;
	if (wt == (unsigned)wire_type_of(f->type) && wt != WT_LEN)
		rc = check_scalar(w, c, f);
	else if (wt != WT_LEN)
		rc = fail(w, "wire type %u does not fit this field", wt);
	else if (read_varint(c, &len) != 0 || len > (uint64_t)(c->end - c->p))
		rc = fail(w, "truncated");
	else {
		rc = check_len(w, c->p, (size_t)len, f);
		c->p += len;
	}
	w->depth--;
	return rc;
}

static int
walk_message(walk_t *w, const ProtobufCMessageDescriptor *d, cursor_t *c)
{
	if (w->depth >= DEPTH_MAX)
		return fail(w, "nested more than %d deep", DEPTH_MAX);
	while (c->p < c->end)
		if (walk_field(w, d, c) != 0)
			return -1;
	return 0;
}

int
wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
    err_t *err)
{
	cursor_t c = { data, data + len };
	walk_t w = { .depth = 0, .err = err };

	return walk_message(&w, desc, &c);
}
