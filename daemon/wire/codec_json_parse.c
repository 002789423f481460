/*
 * codec_json_parse — the reading half of codec_json (see codec_json.h).
 * Messages it builds are laid out exactly as protobuf_c_message_unpack()
 * would lay them out (every string, bytes value, array and sub-message
 * malloc()ed, each attached to its parent as soon as it exists), so
 * protobuf_c_message_free_unpacked() frees them, on success and after an
 * error half-way through alike.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "codec_json.h"
#include "codec_json_int.h"

static int object_to_message(ProtobufCMessage *m, const json_t *obj,
    codec_path_t *p, err_t *err);

/* An integer as sign and magnitude, so one range check serves every type. */
typedef struct intval {
	bool neg;
	uint64_t mag;
} intval_t;

/* Strict decimal: optional '-', digits only (no '+', spaces or exponent). */
static int
parse_decimal(const char *s, size_t len, intval_t *out)
{
	size_t i = 0;
	uint64_t mag = 0;

	out->neg = len > 0 && s[0] == '-';
	i = out->neg ? 1 : 0;
	if (i == len)
		return -2;
	for (; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (d > 9 || mag > (UINT64_MAX - d) / 10)
			return -2;
		mag = mag * 10 + d;
	}
	out->mag = mag;
	return 0;
}

/* 0 ok; -1 wrong JSON type; -2 not an integer or beyond 64 bits.
 * The proto3 mapping accepts numbers and decimal strings for every integer
 * type, and integral reals such as 2015.0. */
static int
json_to_intval(const json_t *v, bool strings_ok, intval_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		out->neg = i < 0;
		out->mag = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d != floor(d) || fabs(d) >= 18446744073709551616.0)
			return -2;
		out->neg = d < 0;
		out->mag = (uint64_t)fabs(d);
		return 0;
	}
	if (strings_ok && json_is_string(v))
		return parse_decimal(json_string_value(v), json_string_length(v), out);
	return -1;
}

static bool
in_range(const intval_t *iv, ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		return iv->neg ? iv->mag == 0 : iv->mag <= UINT32_MAX;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		return iv->mag <= (uint64_t)INT64_MAX + iv->neg;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		return !iv->neg || iv->mag == 0;
	default:   /* int32, sint32, sfixed32, enum */
		return iv->mag <= (uint64_t)INT32_MAX + iv->neg;
	}
}

static int64_t
intval_i64(const intval_t *iv)
{
	/* Two's complement wrap (gnu11): -(2^63) comes out as INT64_MIN. */
	return iv->neg ? (int64_t)(0 - iv->mag) : (int64_t)iv->mag;
}

static bool
is_64bit(ProtobufCType t)
{
	return codec_elem_size(t) == sizeof(int64_t) && t != PROTOBUF_C_TYPE_DOUBLE;
}

static const char *
int_type_name(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: return "uint32";
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: return "uint64";
	default: return is_64bit(t) ? "int64" : "int32";
	}
}

static int
set_integer(const ProtobufCFieldDescriptor *f, void *dst, const json_t *v,
    codec_path_t *p, err_t *err)
{
	intval_t iv;
	int rc;

	if ((rc = json_to_intval(v, true, &iv)) == -1)
		return codec_fail(err, p, is_64bit(f->type) ?
		    "expected a decimal string or a number" : "expected a number");
	if (rc < 0)
		return codec_fail(err, p, "not a decimal integer");
	if (!in_range(&iv, f->type))
		return codec_fail(err, p, "out of range for %s", int_type_name(f->type));
	if (is_64bit(f->type))
		*(int64_t *)dst = intval_i64(&iv);
	else
		*(int32_t *)dst = (int32_t)intval_i64(&iv);
	return 0;
}

/* The value names a person may write for an enum, in number order, as
 * "A, B, C" into buf (cut with "..." if it does not fit). The zero value
 * named *_UNSPECIFIED is proto3's "not set", never a choice: left out. */
static void
enum_names(const ProtobufCEnumDescriptor *ed, char *buf, size_t len)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < ed->n_values; i++) {
		const ProtobufCEnumValue *ev = &ed->values[i];
		size_t n = strlen(ev->name);
		int w;

		if (ev->value == 0 && n >= 12 && strcmp(ev->name + n - 12, "_UNSPECIFIED") == 0)
			continue;
		w = snprintf(buf + used, len - used, "%s%s", used > 0 ? ", " : "", ev->name);
		if (w < 0 || (size_t)w >= len - used) {
			/* No room for this name: ", ..." where it began (len > 6). */
			if (used + 6 > len)
				used = len - 6;
			snprintf(buf + used, len - used, "%s...", used > 0 ? ", " : "");
			return;
		}
		used += (size_t)w;
	}
}

/* True if s is written like an enum value name (A-Z, 0-9 and _, a capital
 * first, at most 64): only such a value is quoted back in an error, since
 * a name, a number or free text written by mistake must not reach a log. */
static bool
looks_like_value_name(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] < 'A' || s[0] > 'Z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* "referral.kind: unknown value REFERRAL_KIND_FOSTER; one of
 * REFERRAL_KIND_FOSTER_HOME, ...": every enum's list comes from its
 * descriptor, so a value added to the .proto is offered at once. */
static int
unknown_value_name(const ProtobufCEnumDescriptor *ed, const json_t *v, codec_path_t *p,
    err_t *err)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	char names[320];

	enum_names(ed, names, sizeof(names));
	if (looks_like_value_name(s, n))
		return fieldpath_fail(err, CODEC_INVALID, p, "unknown value %s; one of %s", s, names);
	return fieldpath_fail(err, CODEC_INVALID, p, "unknown value; one of %s", names);
}

/* An enum by value name or by number. Proto3 enums are open, so any int32
 * is kept: it may be a value a newer peer knows (validate.c judges). */
static int
set_enum(const ProtobufCFieldDescriptor *f, void *dst, const json_t *v,
    codec_path_t *p, err_t *err)
{
	const ProtobufCEnumDescriptor *ed = f->descriptor;
	const ProtobufCEnumValue *ev;
	intval_t iv;
	int rc;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (strlen(s) != json_string_length(v) ||
		    (ev = protobuf_c_enum_descriptor_get_value_by_name(ed, s)) == NULL)
			return unknown_value_name(ed, v, p, err);
		*(int *)dst = ev->value;
		return 0;
	}
	if ((rc = json_to_intval(v, false, &iv)) == -1)
		return codec_fail(err, p, "expected an enum value name or number");
	if (rc < 0 || !in_range(&iv, f->type))
		return codec_fail(err, p, "not an int32 enum number");
	*(int *)dst = (int)intval_i64(&iv);
	return 0;
}

static int
set_double(const ProtobufCFieldDescriptor *f, void *dst, const json_t *v,
    codec_path_t *p, err_t *err)
{
	const char *s;
	double d;

	if (json_is_number(v)) {
		d = json_number_value(v);
	} else if (json_is_string(v)) {
		s = json_string_value(v);
		if (strcmp(s, "NaN") == 0)
			d = NAN;
		else if (strcmp(s, "Infinity") == 0)
			d = INFINITY;
		else if (strcmp(s, "-Infinity") == 0)
			d = -INFINITY;
		else
			return codec_fail(err, p, "not a number");
	} else {
		return codec_fail(err, p, "expected a number");
	}
	if (f->type == PROTOBUF_C_TYPE_DOUBLE) {
		*(double *)dst = d;
		return 0;
	}
	if (isfinite(d) && fabs(d) > FLT_MAX)
		return codec_fail(err, p, "out of range for a float");
	*(float *)dst = (float)d;
	return 0;
}

static int
set_string(void *dst, const json_t *v, codec_path_t *p, err_t *err)
{
	const char *s;
	size_t n;
	char *copy;

	if (!json_is_string(v))
		return codec_fail(err, p, "expected a string");
	s = json_string_value(v);
	n = json_string_length(v);
	if (memchr(s, '\0', n) != NULL)
		return codec_fail(err, p, "contains a NUL character");
	if ((copy = malloc(n + 1)) == NULL)
		return codec_fail(err, p, "out of memory");
	memcpy(copy, s, n + 1);
	/* The slot held the shared default (or NULL), never our own copy:
	 * every field is set at most once. */
	*(char **)dst = copy;
	return 0;
}

static int
set_bytes(void *dst, const json_t *v, codec_path_t *p, err_t *err)
{
	ProtobufCBinaryData *bd = dst;
	uint8_t *data;
	size_t n;
	int rc;

	if (!json_is_string(v))
		return codec_fail(err, p, "expected a base64 string");
	rc = base64_decode(json_string_value(v), json_string_length(v), &data, &n);
	if (rc == -2)
		return codec_fail(err, p, "out of memory");
	if (rc < 0)
		return codec_fail(err, p, "not valid base64");
	/* Empty stays data == NULL, as protobuf_c_message_unpack leaves it. */
	bd->data = data;
	bd->len = n;
	return 0;
}

static int
set_message(const ProtobufCFieldDescriptor *f, void *dst, const json_t *v,
    codec_path_t *p, err_t *err)
{
	const ProtobufCMessageDescriptor *sd = f->descriptor;
	ProtobufCMessage *sub;

	if (!json_is_object(v))
		return codec_fail(err, p, "expected an object");
	if ((sub = malloc(sd->sizeof_message)) == NULL)
		return codec_fail(err, p, "out of memory");
	protobuf_c_message_init(sd, sub);
	/* Attached before it is filled, so one free_unpacked() at the top
	 * cleans up whatever fails below. */
	*(ProtobufCMessage **)dst = sub;
	return object_to_message(sub, v, p, err);
}

static int
set_value(const ProtobufCFieldDescriptor *f, void *dst, const json_t *v,
    codec_path_t *p, err_t *err)
{
	if (json_is_null(v))
		return codec_fail(err, p, "null is not allowed in an array");
	switch (f->type) {
	case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE:
		return set_double(f, dst, v, p, err);
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(v))
			return codec_fail(err, p, "expected true or false");
		*(protobuf_c_boolean *)dst = json_is_true(v);
		return 0;
	case PROTOBUF_C_TYPE_ENUM:    return set_enum(f, dst, v, p, err);
	case PROTOBUF_C_TYPE_STRING:  return set_string(dst, v, p, err);
	case PROTOBUF_C_TYPE_BYTES:   return set_bytes(dst, v, p, err);
	case PROTOBUF_C_TYPE_MESSAGE: return set_message(f, dst, v, p, err);
	default:                      return set_integer(f, dst, v, p, err);
	}
}

static int
set_repeated(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
    const json_t *v, codec_path_t *p, err_t *err)
{
	size_t i, n, sz = codec_elem_size(f->type);
	char *arr;

	if (!json_is_array(v))
		return codec_fail(err, p, "expected an array");
	if ((n = json_array_size(v)) == 0)
		return 0;
	/* Zeroed: free_unpacked() skips NULL elements left by an error. */
	if ((arr = calloc(n, sz)) == NULL)
		return codec_fail(err, p, "out of memory");
	*(void **)MEMBER(m, f->offset) = arr;
	*(size_t *)MEMBER(m, f->quantifier_offset) = n;
	for (i = 0; i < n; i++) {
		size_t old = fieldpath_push_index(p, i);
		if (set_value(f, arr + i * sz, json_array_get(v, i), p, err) < 0)
			return -1;
		fieldpath_pop(p, old);
	}
	return 0;
}

static int
set_field(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
    const json_t *v, codec_path_t *p, err_t *err)
{
	const ProtobufCFieldDescriptor *other;
	char name[128];
	uint32_t *which;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return set_repeated(m, f, v, p, err);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		which = MEMBER(m, f->quantifier_offset);
		if (*which != 0) {
			other = protobuf_c_message_descriptor_get_field(m->descriptor, *which);
			fieldpath_json_name(other != NULL ? other->name : "?", name, sizeof(name));
			return codec_fail(err, p, "cannot be set together with %s (one of a oneof)", name);
		}
		/* Selected before the value is set: free_unpacked() frees only
		 * the selected member. */
		*which = f->id;
	} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
	    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE) {
		*(protobuf_c_boolean *)MEMBER(m, f->quantifier_offset) = 1;
	}
	return set_value(f, MEMBER(m, f->offset), v, p, err);
}

/* True if key is the field's JSON name or its .proto name. */
static bool
key_matches(const char *proto_name, const char *key)
{
	bool upper = false;

	if (strcmp(proto_name, key) == 0)
		return true;
	for (; *proto_name != '\0'; proto_name++) {
		char c = *proto_name;
		if (c == '_') {
			upper = true;
			continue;
		}
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		upper = false;
		if (*key++ != c)
			return false;
	}
	return *key == '\0';
}

static const ProtobufCFieldDescriptor *
field_by_key(const ProtobufCMessageDescriptor *d, const char *key)
{
	unsigned i;

	for (i = 0; i < d->n_fields; i++)
		if (key_matches(d->fields[i].name, key))
			return &d->fields[i];
	return NULL;
}

/* Names an unknown key. It comes from outside: keep it short and plain so
 * the error line stays one harmless line in a log. */
static int
unknown_key(const codec_path_t *p, const char *key, err_t *err)
{
	char safe[72];
	size_t i;

	for (i = 0; key[i] != '\0' && i < 64; i++) {
		unsigned char c = (unsigned char)key[i];
		safe[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ? (char)c : '?';
	}
	strcpy(safe + i, key[i] != '\0' ? "..." : "");
	return err_set(err, CODEC_INVALID, "%s%s%s: unknown field", p->buf,
	    p->len > 0 ? "." : "", safe);
}

static int
object_to_message(ProtobufCMessage *m, const json_t *obj, codec_path_t *p, err_t *err)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *key;
	size_t key_len;
	json_t *v;
	uint8_t *seen;
	int rc = 0;

	/* Both spellings of one field may not both appear. */
	if ((seen = calloc(d->n_fields + 1, 1)) == NULL)
		return codec_fail(err, p, "out of memory");
	json_object_keylen_foreach((json_t *)obj, key, key_len, v) {
		/* A key with a NUL inside (only a built json_t can hold one)
		 * would match a field by its prefix: treat it as unknown. */
		const ProtobufCFieldDescriptor *f =
		    strlen(key) == key_len ? field_by_key(d, key) : NULL;
		char name[128];
		size_t old;

		if (f == NULL) {
			rc = unknown_key(p, key, err);
			break;
		}
		fieldpath_json_name(f->name, name, sizeof(name));
		old = fieldpath_push_json(p, name);
		if (seen[f - d->fields]++) {
			rc = codec_fail(err, p, "given twice (as %s and %s)", f->name, name);
			break;
		}
		/* null means absent, as in the proto3 mapping. */
		if (!json_is_null(v) && (rc = set_field(m, f, v, p, err)) < 0)
			break;
		fieldpath_pop(p, old);
	}
	free(seen);
	return rc;
}

ProtobufCMessage *
codec_from_json(const ProtobufCMessageDescriptor *desc, const json_t *json,
    err_t *err)
{
	codec_path_t p = { .len = 0 };
	ProtobufCMessage *m;

	if (desc == NULL || json == NULL) {
		err_set(err, CODEC_INVALID, "nothing to decode");
		return NULL;
	}
	if (!json_is_object(json)) {
		err_set(err, CODEC_INVALID, "%s: expected a JSON object", desc->short_name);
		return NULL;
	}
	if ((m = malloc(desc->sizeof_message)) == NULL) {
		err_set(err, CODEC_INVALID, "out of memory");
		return NULL;
	}
	protobuf_c_message_init(desc, m);
	if (object_to_message(m, json, &p, err) < 0) {
		protobuf_c_message_free_unpacked(m, NULL);
		return NULL;
	}
	return m;
}

/* ---- where a JSON text error is ------------------------------------------ */

/* jansson says only where (line, column, byte) a text breaks off. Which field
 * that is, an operator needs to know (a file holds many "name"s): the text
 * before the error is well-formed JSON as far as it goes, so a walk over it
 * with a stack of open objects and arrays finds the path. Only on the error
 * path; the field names are resolved against the descriptors so the path is
 * in JSON names, and a key that is no field is shown like unknown_key(). */

#define WHERE_DEPTH 32

typedef struct where_frame {
	bool object;
	bool has_key;                                /* object: a key was read */
	const ProtobufCMessageDescriptor *desc;      /* object: its message, or NULL */
	const ProtobufCFieldDescriptor *field;       /* object: the key's field, or NULL;
	                                              * array: the field it is */
	char key[72];                                /* object: the key, made safe */
	size_t index;                                /* array: the element */
} where_frame_t;

/* The message an object opened inside the top frame belongs to. */
static const ProtobufCMessageDescriptor *
where_child(const where_frame_t *top)
{
	if (top == NULL)
		return NULL;
	if (top->object && !top->has_key)
		return NULL;
	if (top->field == NULL || top->field->type != PROTOBUF_C_TYPE_MESSAGE)
		return NULL;
	return top->field->descriptor;
}

/* The raw key text (between quotes, escapes and all) to a field and a name. */
static void
where_key(where_frame_t *f, const char *raw, size_t n)
{
	char key[128];
	size_t i;

	f->has_key = true;
	f->field = NULL;
	if (n < sizeof(key) && memchr(raw, '\\', n) == NULL) {
		memcpy(key, raw, n);
		key[n] = '\0';
		if (f->desc != NULL && (f->field = field_by_key(f->desc, key)) != NULL) {
			fieldpath_json_name(f->field->name, f->key, sizeof(f->key));
			return;
		}
	}
	for (i = 0; i < n && i < 64; i++) {
		unsigned char c = (unsigned char)raw[i];
		f->key[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ? (char)c : '?';
	}
	strcpy(f->key + i, i < n ? "..." : "");
}

/* Walks text[0, end) and writes the path of the value being read at end
 * into p. *in_key is set if end lies in a key (or just after one, if
 * after_key), which is then left out of the path. */
static void
where_path(const ProtobufCMessageDescriptor *desc, const char *text, size_t end,
    bool after_key, codec_path_t *p, bool *in_key)
{
	where_frame_t st[WHERE_DEPTH];
	size_t depth = 0, i, str_start = 0;   /* depth counts frames beyond WHERE_DEPTH too */
	bool in_str = false, str_is_key = false, esc = false;

	*in_key = false;
	for (i = 0; i < end; i++) {
		char c = text[i];
		where_frame_t *top = depth > 0 && depth <= WHERE_DEPTH ? &st[depth - 1] : NULL;

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"') {
				in_str = false;
				if (str_is_key && top != NULL)
					where_key(top, text + str_start, i - str_start);
			}
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			str_is_key = top != NULL && top->object && !top->has_key;
			str_start = i + 1;
			break;
		case '{':
		case '[':
			if (depth < WHERE_DEPTH) {
				where_frame_t *f = &st[depth];
				memset(f, 0, sizeof(*f));
				f->object = c == '{';
				if (f->object)
					f->desc = depth == 0 ? desc : where_child(top);
				else
					f->field = top != NULL && top->object && top->has_key ? top->field : NULL;
			}
			depth++;
			break;
		case '}':
		case ']':
			if (depth > 0)
				depth--;
			break;
		case ',':
			if (top != NULL && top->object)
				top->has_key = false;
			else if (top != NULL)
				top->index++;
			break;
		default:
			break;
		}
	}
	if (in_str && str_is_key)
		*in_key = true;
	if (!in_str && after_key && depth > 0 && depth <= WHERE_DEPTH &&
	    st[depth - 1].object && st[depth - 1].has_key)
		*in_key = true;
	for (i = 0; i < depth && i < WHERE_DEPTH; i++) {
		const where_frame_t *f = &st[i];
		bool last = i + 1 == depth;
		if (f->object && f->has_key && !(last && *in_key))
			fieldpath_push_json(p, f->key);
		else if (!f->object)
			fieldpath_push_index(p, f->index);
	}
}

/* The error of a JSON text that did not load, with the field's path where
 * there is one. jansson's own words stay for syntax errors, without its
 * quote of the text (a child's name, perhaps) and never naming its flags. */
static void
text_error(const ProtobufCMessageDescriptor *desc, const char *text, size_t len,
    json_error_t *je, err_t *err)
{
	codec_path_t p = { .len = 0 };
	const char *what = je->text;
	bool in_key;
	char *near;

	if ((near = strstr(je->text, " near '")) != NULL)
		*near = '\0';
	if (strstr(je->text, "JSON_") != NULL)
		what = "not valid JSON";
	where_path(desc, text, je->position >= 0 && (size_t)je->position < len ?
	    (size_t)je->position : len, json_error_code(je) == json_error_null_byte_in_key,
	    &p, &in_key);
	switch (json_error_code(je)) {
	case json_error_invalid_utf8:
		what = in_key ? "a field name is not valid UTF-8" : "not valid UTF-8";
		break;
	case json_error_null_character:
		what = "contains a NUL character";
		break;
	case json_error_null_byte_in_key:
		what = "a field name contains a NUL character";
		break;
	default:
		break;
	}
	if (p.len > 0)
		err_set(err, CODEC_INVALID, "%s: line %d column %d: %s", p.buf, je->line,
		    je->column, what);
	else
		err_set(err, CODEC_INVALID, "line %d column %d: %s", je->line, je->column, what);
}

ProtobufCMessage *
codec_from_json_string(const ProtobufCMessageDescriptor *desc, const char *text,
    size_t len, err_t *err)
{
	ProtobufCMessage *m;
	json_error_t je;
	json_t *j;

	if (text == NULL) {
		err_set(err, CODEC_INVALID, "no JSON text");
		return NULL;
	}
	/* A "\u0000" escape is let through to set_string(), which refuses it
	 * naming the field; jansson alone would name only line and column. */
	if ((j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je)) == NULL) {
		text_error(desc, text, len, &je, err);
		return NULL;
	}
	m = codec_from_json(desc, j, err);
	json_decref(j);
	return m;
}
