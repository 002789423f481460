/*
 * test_wire — the wire check accepts every conforming encoding of a famlink
 * message (fields in any order, defaults written out, unknown fields,
 * padded varints) and refuses what protobuf-c would hide from validation
 * (a NUL inside a string, a number too big for its field), naming the field.
 * Frames are built by hand here, the way other protobuf libraries write them.
 */
#define _GNU_SOURCE   /* memmem() */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "codec_json.h"
#include "envelope.h"
#include "fixtures_envelopes.h"
#include "validate.h"
#include "wire.h"

/* ---- a tiny protobuf writer ---------------------------------------------- */

typedef struct buf {
	uint8_t b[16384];
	size_t n;
} buf_t;

static void
put_varint(buf_t *w, uint64_t v)
{
	do {
		w->b[w->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
}

static void put_tag(buf_t *w, unsigned number, unsigned wt) { put_varint(w, (uint64_t)number << 3 | wt); }

static void
put_bytes(buf_t *w, unsigned number, const void *data, size_t len)
{
	put_tag(w, number, 2);
	put_varint(w, len);
	memcpy(w->b + w->n, data, len);
	w->n += len;
}

static void put_str(buf_t *w, unsigned number, const char *s) { put_bytes(w, number, s, strlen(s)); }
static void put_uint(buf_t *w, unsigned number, uint64_t v) { put_tag(w, number, 0); put_varint(w, v); }

/* ---- splitting a canonical message into its top-level fields ------------- */

typedef struct span { size_t off, len; } span_t;

static uint64_t
read_plain_varint(const uint8_t *p, size_t *i)
{
	uint64_t v = 0;

	for (int shift = 0;; shift += 7) {
		v |= (uint64_t)(p[*i] & 0x7f) << shift;
		if ((p[(*i)++] & 0x80) == 0)
			return v;
	}
}

/* Field boundaries of a well-formed message (varint and length-delimited
 * fields only, which is all famlink's schema has); returns the count. */
static size_t
split_fields(const uint8_t *p, size_t len, span_t *out, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len && n < max) {
		size_t start = i;
		uint64_t tag = read_plain_varint(p, &i), v = read_plain_varint(p, &i);
		if ((tag & 7) == 2)
			i += v;
		out[n].off = start;
		out[n++].len = i - start;
	}
	return n;
}

/* Writes the fields of p in reverse order into w. */
static void
put_reversed(buf_t *w, const uint8_t *p, size_t len)
{
	span_t f[64];
	size_t n = split_fields(p, len, f, 64);

	while (n-- > 0) {
		memcpy(w->b + w->n, p + f[n].off, f[n].len);
		w->n += f[n].len;
	}
}

/* ---- fixtures ------------------------------------------------------------ */

static Famlink__V1__Envelope *
referral_envelope(void)
{
	err_t err = {0};
	ProtobufCMessage *m = codec_from_json_string(&famlink__v1__envelope__descriptor,
	    fixtures[0].json, strlen(fixtures[0].json), &err);

	assert_non_null(m);
	return (Famlink__V1__Envelope *)m;
}

/* Canonical bytes of env's body message alone. */
static size_t
pack_body(const Famlink__V1__Envelope *env, uint8_t *out)
{
	return famlink__v1__referral__pack(env->referral, out);
}

/* The envelope header fields 1..9 of env, in field order, into w. */
static void
put_header(buf_t *w, const Famlink__V1__Envelope *env)
{
	put_str(w, 1, env->message_id);
	put_uint(w, 2, env->schema_version);
	put_str(w, 3, env->sender);
	put_str(w, 4, env->recipient);
	put_uint(w, 5, (uint64_t)env->created_at_ms);
	put_str(w, 6, env->referral_id);
	put_uint(w, 7, env->sequence);
	put_uint(w, 9, env->confidential);
}

/* Checks the frame and, if it passes, decodes and validates it; returns
 * the wire check's result and leaves its error in err. */
static int
check_frame(const buf_t *w, err_t *err, Famlink__V1__Envelope **decoded)
{
	int rc = wire_check(&famlink__v1__envelope__descriptor, w->b, w->n, err);

	*decoded = rc == 0 ? envelope_unpack(w->b, w->n, err) : NULL;
	return rc;
}

/* ---- what must pass ------------------------------------------------------ */

static void
test_fields_in_any_order(void **state)
{
	Famlink__V1__Envelope *env = referral_envelope(), *got;
	static buf_t w, body, canon;
	uint8_t packed[8192];
	size_t blen = pack_body(env, packed);
	err_t err = {0};

	(void)state;
	put_reversed(&body, packed, blen);           /* the Referral's fields reversed */
	put_bytes(&w, 20, body.b, body.n);          /* body first, then the header backwards */
	put_header(&canon, env);
	put_reversed(&w, canon.b, canon.n);
	assert_int_equal(check_frame(&w, &err, &got), 0);
	assert_non_null(got);
	assert_int_equal(validate_envelope(got, &err), 0);
	/* The same message: protobuf-c writes it back in canonical order. */
	canon.n = famlink__v1__envelope__pack(env, canon.b);
	assert_int_equal(famlink__v1__envelope__get_packed_size(got), canon.n);
	famlink__v1__envelope__pack(got, w.b);
	assert_memory_equal(w.b, canon.b, canon.n);
	envelope_free(&got);
	envelope_free(&env);
}

/* protobuf-js, ts-proto and others write proto3 defaults out. */
static void
test_defaults_written_out(void **state)
{
	static buf_t w, hello;
	Famlink__V1__Envelope *got;
	err_t err = {0};

	(void)state;
	put_str(&w, 1, "01KE2Q7Z9K3M5N7P9R1T3V5X7Z");
	put_uint(&w, 2, 1);
	put_str(&w, 3, "municipality:0180");
	put_str(&w, 4, "pool:nordvast");
	put_uint(&w, 5, 1767605400000);
	put_str(&w, 6, "");                          /* referralId "" */
	put_uint(&w, 7, 0);                          /* sequence 0 */
	put_str(&w, 8, "");
	put_uint(&w, 9, 0);                          /* confidential false */
	put_str(&hello, 1, "municipality:0180");
	put_uint(&hello, 2, 0);                      /* firstUnackedSequence 0 */
	put_str(&hello, 3, "");
	put_bytes(&w, 41, hello.b, hello.n);
	assert_int_equal(check_frame(&w, &err, &got), 0);
	assert_non_null(got);
	assert_int_equal(got->body_case, FAMLINK__V1__ENVELOPE__BODY_HELLO);
	assert_int_equal(validate_envelope(got, &err), 0);
	envelope_free(&got);
}

/* Fields of a newer schema, of every wire type, before the body and
 * inside it: skipped, and kept by protobuf-c as unknown fields. */
static void
test_unknown_fields_anywhere(void **state)
{
	Famlink__V1__Envelope *env = referral_envelope(), *got;
	static buf_t w, body;
	uint8_t packed[8192], fixed[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	size_t blen = pack_body(env, packed);
	err_t err = {0};

	(void)state;
	put_header(&w, env);
	put_uint(&w, 15, 42);                        /* varint */
	put_str(&w, 16, "from a newer schema");      /* length-delimited */
	put_tag(&w, 17, 1), memcpy(w.b + w.n, fixed, 8), w.n += 8;   /* 64-bit */
	put_tag(&w, 18, 5), memcpy(w.b + w.n, fixed, 4), w.n += 4;   /* 32-bit */
	put_uint(&body, 99, 7);
	memcpy(body.b + body.n, packed, blen);
	body.n += blen;
	put_bytes(&w, 20, body.b, body.n);
	assert_int_equal(check_frame(&w, &err, &got), 0);
	assert_non_null(got);
	assert_int_equal(got->base.n_unknown_fields, 4);
	assert_int_equal(got->referral->base.n_unknown_fields, 1);
	assert_int_equal(validate_envelope(got, &err), 0);
	envelope_free(&got);
	envelope_free(&env);
}

/* A varint padded with 0x80 bytes is the same number to every parser. */
static void
test_padded_varint(void **state)
{
	Famlink__V1__Envelope *env = referral_envelope(), *got;
	static const uint8_t seq12[] = { 0x38, 0x8c, 0x80, 0x80, 0x00 };   /* field 7 = 12 */
	static buf_t w;
	uint8_t packed[8192];
	size_t blen = pack_body(env, packed);
	err_t err = {0};

	(void)state;
	put_str(&w, 1, env->message_id);
	put_uint(&w, 2, 1);
	put_str(&w, 3, env->sender);
	put_str(&w, 4, env->recipient);
	put_uint(&w, 5, (uint64_t)env->created_at_ms);
	put_str(&w, 6, env->referral_id);
	memcpy(w.b + w.n, seq12, sizeof(seq12));
	w.n += sizeof(seq12);
	put_bytes(&w, 20, packed, blen);
	assert_int_equal(check_frame(&w, &err, &got), 0);
	assert_non_null(got);
	assert_int_equal(got->sequence, 12);
	envelope_free(&got);
	envelope_free(&env);
}

/* ---- what must be refused ------------------------------------------------ */

static void
test_nul_in_nested_string(void **state)
{
	Famlink__V1__Envelope *env = referral_envelope(), *got;
	static buf_t w;
	uint8_t packed[8192];
	char *alias = env->referral->child->alias;   /* the decoder's: freed with env */
	size_t blen;
	err_t err = {0};

	(void)state;
	env->referral->child->alias = "Al#NUL#va";
	blen = pack_body(env, packed);
	memcpy(memmem(packed, blen, "#NUL#", 5), "\0\0\0\0\0", 5);   /* protobuf-c sees "Al" */
	env->referral->child->alias = alias;
	put_header(&w, env);
	put_bytes(&w, 20, packed, blen);
	assert_int_equal(check_frame(&w, &err, &got), -1);
	assert_int_equal(err.code, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED);
	assert_string_equal(err.msg, "referral.child.alias: a string holds a NUL byte");
	envelope_free(&env);
}

static void
test_number_too_big_for_field(void **state)
{
	static buf_t w;
	err_t err = {0};

	(void)state;
	put_str(&w, 1, "01KE2Q7Z9K3M5N7P9R1T3V5X7Z");
	put_uint(&w, 2, (UINT64_C(1) << 32) + 1);    /* protobuf-c would keep 1 */
	assert_int_equal(wire_check(&famlink__v1__envelope__descriptor, w.b, w.n, &err), -1);
	assert_string_equal(err.msg, "schemaVersion: number does not fit 32 bits");
}

/* An enum written as a negative int32 (ten bytes, sign-extended) fits; it
 * is validation that refuses the unknown value. */
static void
test_negative_enum_fits(void **state)
{
	static buf_t w;
	err_t err = {0};

	(void)state;
	put_uint(&w, 3, (uint64_t)(int64_t)-1);      /* ChildProfile.gender */
	assert_int_equal(w.n, 11);
	assert_int_equal(wire_check(&famlink__v1__child_profile__descriptor, w.b, w.n, &err), 0);
}

static void
test_broken_frames(void **state)
{
	static const struct { const char *what; uint8_t b[16]; size_t n; const char *msg; } cases[] = {
		{ "11-byte varint", { 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0x01 }, 12, "schemaVersion: bad varint" },
		{ "group", { 0x7b, 0x7c }, 2, "(message): field 15: groups are not supported" },
		{ "truncated string", { 0x0a, 0x05, 'a', 'b' }, 4, "messageId: truncated" },
		{ "string as varint", { 0x08, 0x01 }, 2, "messageId: wire type 0 does not fit this field" },
		{ "field 0", { 0x00, 0x01 }, 2, "(message): bad field tag" },
		{ "truncated unknown", { 0x7a, 0x09, 'x' }, 3, "(message): field 15: truncated" },
	};
	err_t err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err.msg[0] = '\0';
		if (wire_check(&famlink__v1__envelope__descriptor, cases[i].b, cases[i].n, &err) != -1 ||
		    strcmp(err.msg, cases[i].msg) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].what, err.msg, cases[i].msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_in_any_order),
		cmocka_unit_test(test_defaults_written_out),
		cmocka_unit_test(test_unknown_fields_anywhere),
		cmocka_unit_test(test_padded_varint),
		cmocka_unit_test(test_nul_in_nested_string),
		cmocka_unit_test(test_number_too_big_for_field),
		cmocka_unit_test(test_negative_enum_fits),
		cmocka_unit_test(test_broken_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
