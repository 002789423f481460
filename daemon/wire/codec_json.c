/*
 * codec_json — see codec_json.h. This half writes JSON and holds what both
 * halves share; codec_json_parse.c reads JSON. Output follows the proto3
 * mapping: lowerCamelCase keys, defaults left out, 64-bit integers as
 * decimal strings, enums by name, bytes as padded standard base64.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base64.h"
#include "codec_json.h"
#include "codec_json_int.h"
#include "fieldpath.h"

int
codec_fail(err_t *err, const codec_path_t *p, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return fieldpath_fail(err, CODEC_INVALID, p, "%s", what);
}

size_t
codec_elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int32_t);
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return sizeof(int64_t);
	case PROTOBUF_C_TYPE_FLOAT:   return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:  return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:    return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:  return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:   return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
	}
	return 0;
}

/* ---- message → JSON --------------------------------------------------- */

static json_t *message_to_json(const ProtobufCMessage *m, codec_path_t *p,
    err_t *err);

static json_t *
int64_to_json(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_string(buf);
}

static json_t *
uint64_to_json(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return json_string(buf);
}

/* JSON has no NaN or infinity; the proto3 mapping spells them as strings. */
static json_t *
double_to_json(double v)
{
	if (isnan(v))
		return json_string("NaN");
	if (isinf(v))
		return json_string(v > 0 ? "Infinity" : "-Infinity");
	return json_real(v);
}

static json_t *
enum_to_json(const ProtobufCEnumDescriptor *ed, int v)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(ed, v);

	/* A value from a newer peer has no name here: keep its number, which
	 * reads back to the same value. */
	return ev != NULL ? json_string(ev->name) : json_integer(v);
}

static json_t *
bytes_to_json(const ProtobufCBinaryData *bd)
{
	size_t n;
	char *s;
	json_t *j;

	if ((s = base64_encode(bd->data, bd->len, &n)) == NULL)
		return NULL;
	j = json_stringn_nocheck(s, n);   /* base64 is ASCII: skip the UTF-8 pass */
	free(s);
	return j;
}

/* One value: a singular field, or one element of a repeated one. */
static json_t *
value_to_json(const ProtobufCFieldDescriptor *f, const void *v, codec_path_t *p,
    err_t *err)
{
	const char *s;
	json_t *j = NULL;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		j = json_integer(*(const int32_t *)v); break;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		j = json_integer(*(const uint32_t *)v); break;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		j = int64_to_json(*(const int64_t *)v); break;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		j = uint64_to_json(*(const uint64_t *)v); break;
	case PROTOBUF_C_TYPE_FLOAT:  j = double_to_json(*(const float *)v); break;
	case PROTOBUF_C_TYPE_DOUBLE: j = double_to_json(*(const double *)v); break;
	case PROTOBUF_C_TYPE_BOOL:
		j = json_boolean(*(const protobuf_c_boolean *)v); break;
	case PROTOBUF_C_TYPE_ENUM:   j = enum_to_json(f->descriptor, *(const int *)v); break;
	case PROTOBUF_C_TYPE_BYTES:  j = bytes_to_json(v); break;
	case PROTOBUF_C_TYPE_STRING:
		s = *(const char *const *)v;
		/* jansson refuses invalid UTF-8: name the field, not "no memory". */
		if ((j = json_string(s != NULL ? s : "")) == NULL)
			codec_fail(err, p, "not valid UTF-8");
		return j;
	case PROTOBUF_C_TYPE_MESSAGE:
		/* protobuf-c packs a selected-but-NULL sub-message as empty. */
		if (*(ProtobufCMessage *const *)v != NULL)
			return message_to_json(*(ProtobufCMessage *const *)v, p, err);
		j = json_object();
		break;
	}
	if (j == NULL)
		codec_fail(err, p, "out of memory");
	return j;
}

static bool
is_default(const ProtobufCFieldDescriptor *f, const void *v)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return *(const uint64_t *)v == 0;
	case PROTOBUF_C_TYPE_FLOAT:   return *(const float *)v == 0;
	case PROTOBUF_C_TYPE_DOUBLE:  return *(const double *)v == 0;
	case PROTOBUF_C_TYPE_BOOL:    return !*(const protobuf_c_boolean *)v;
	case PROTOBUF_C_TYPE_STRING:
		return *(const char *const *)v == NULL || **(const char *const *)v == '\0';
	case PROTOBUF_C_TYPE_BYTES:   return ((const ProtobufCBinaryData *)v)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE: return *(const void *const *)v == NULL;
	default:                      return *(const uint32_t *)v == 0;
	}
}

/* Whether a field is written: set oneof member, non-empty repeated, a set
 * has_ flag, or (proto3 implicit presence) a value other than the default. */
static bool
field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *v = CMEMBER(m, f->offset);

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)CMEMBER(m, f->quantifier_offset) > 0;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)CMEMBER(m, f->quantifier_offset) == f->id;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(const void *const *)v != NULL;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
		if (f->type == PROTOBUF_C_TYPE_STRING)
			return *(const char *const *)v != NULL;
		return *(const protobuf_c_boolean *)CMEMBER(m, f->quantifier_offset);
	}
	return !is_default(f, v);
}

static json_t *
array_to_json(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
    codec_path_t *p, err_t *err)
{
	size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
	const char *arr = *(const char *const *)CMEMBER(m, f->offset);
	size_t i, sz = codec_elem_size(f->type);
	json_t *a;

	if ((a = json_array()) == NULL) {
		codec_fail(err, p, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		size_t old = fieldpath_push_index(p, i);
		json_t *j = value_to_json(f, arr + i * sz, p, err);
		if (j == NULL)
			goto fail;
		if (json_array_append_new(a, j) < 0) {
			codec_fail(err, p, "out of memory");
			goto fail;
		}
		fieldpath_pop(p, old);
	}
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
message_to_json(const ProtobufCMessage *m, codec_path_t *p, err_t *err)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *obj;
	unsigned i;

	if ((obj = json_object()) == NULL) {
		codec_fail(err, p, "out of memory");
		return NULL;
	}
	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char name[128];
		size_t old;
		json_t *j;

		if (!field_present(m, f))
			continue;
		fieldpath_json_name(f->name, name, sizeof(name));
		old = fieldpath_push_json(p, name);
		if (f->label == PROTOBUF_C_LABEL_REPEATED)
			j = array_to_json(m, f, p, err);
		else
			j = value_to_json(f, CMEMBER(m, f->offset), p, err);
		if (j == NULL)
			goto fail;
		if (json_object_set_new(obj, name, j) < 0) {
			codec_fail(err, p, "out of memory");
			goto fail;
		}
		fieldpath_pop(p, old);
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

/* ---- unknown fields --------------------------------------------------- */

static int unknown_walk(const ProtobufCMessage *m, char *path, size_t len, size_t at,
    json_t *out);

/* The sub-message at path + name (or name[index]), walked. */
static int
unknown_sub(const ProtobufCMessage *sub, const ProtobufCFieldDescriptor *f, long index,
    char *path, size_t len, size_t at, json_t *out)
{
	char name[128];
	int n;

	if (sub == NULL)
		return 0;
	fieldpath_json_name(f->name, name, sizeof(name));
	n = index < 0 ? snprintf(path + at, len - at, "%s%s", at ? "." : "", name)
	    : snprintf(path + at, len - at, "%s%s[%ld]", at ? "." : "", name, index);
	if (n < 0 || (size_t)n >= len - at)
		return 0;   /* deeper than any famlink message: nothing to name */
	return unknown_walk(sub, path, len, at + (size_t)n, out);
}

static int
unknown_walk(const ProtobufCMessage *m, char *path, size_t len, size_t at, json_t *out)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	path[at] = '\0';
	for (unsigned i = 0; i < m->n_unknown_fields; i++) {
		const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
		ProtobufCBinaryData bd = { u->len, u->data };
		json_t *b = bytes_to_json(&bd);
		if (b == NULL || json_array_append_new(out, json_pack("{s:s, s:I, s:i, s:o}", "path",
		    path, "field", (json_int_t)u->tag, "wireType", (int)u->wire_type, "bytes", b)) < 0)
			return -1;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->type != PROTOBUF_C_TYPE_MESSAGE || !field_present(m, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
			ProtobufCMessage *const *subs = *(ProtobufCMessage *const *const *)CMEMBER(m,
			    f->offset);
			for (size_t j = 0; j < n; j++)
				if (unknown_sub(subs[j], f, (long)j, path, len, at, out) != 0)
					return -1;
		} else if (unknown_sub(*(ProtobufCMessage *const *)CMEMBER(m, f->offset), f, -1,
		    path, len, at, out) != 0) {
			return -1;
		}
		path[at] = '\0';
	}
	return 0;
}

json_t *
codec_unknown_fields(const ProtobufCMessage *msg)
{
	char path[512];
	json_t *out = json_array();

	if (out != NULL && unknown_walk(msg, path, sizeof(path), 0, out) != 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *
codec_to_json(const ProtobufCMessage *msg, err_t *err)
{
	codec_path_t p = { .len = 0 };

	if (msg == NULL || msg->descriptor == NULL) {
		err_set(err, CODEC_INVALID, "no message to encode");
		return NULL;
	}
	return message_to_json(msg, &p, err);
}

char *
codec_to_json_string(const ProtobufCMessage *msg, int flags, err_t *err)
{
	size_t jflags = (flags & CODEC_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT;
	json_t *j;
	char *s;

	if ((j = codec_to_json(msg, err)) == NULL)
		return NULL;
	s = json_dumps(j, jflags | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		err_set(err, CODEC_INVALID, "out of memory");
	return s;
}
