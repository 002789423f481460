/*
 * test_codec_json — the generic proto3 JSON codec: round trips of every
 * Envelope body (JSON → message → JSON, message → JSON → message → same
 * wire bytes), the mapping rules (names, defaults, 64-bit strings, enums,
 * base64, null), and that every kind of bad input is an error naming its
 * path. Run under SANITIZE=1 this also checks that every error path frees.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base64.h"
#include "codec_json.h"
#include "fieldpath.h"
#include "famlink.pb-c.h"
#include "fixtures_envelopes.h"

#define ENV_DESC (&famlink__v1__envelope__descriptor)
#define INVALID FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_INVALID

static ProtobufCMessage *
parse(const char *text, err_t *err)
{
	return codec_from_json_string(ENV_DESC, text, strlen(text), err);
}

/* Packs m into a malloc()ed buffer. */
static uint8_t *
pack(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *buf;

	*len = protobuf_c_message_get_packed_size(m);
	buf = malloc(*len + 1);
	assert_non_null(buf);
	assert_int_equal(protobuf_c_message_pack(m, buf), *len);
	return buf;
}

static void
assert_same_wire(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t la, lb;
	uint8_t *pa = pack(a, &la), *pb = pack(b, &lb);

	assert_int_equal(la, lb);
	assert_memory_equal(pa, pb, la);
	free(pa);
	free(pb);
}

static void
assert_json_equal(const json_t *a, const json_t *b)
{
	if (!json_equal(a, b)) {
		char *sa = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
		char *sb = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
		print_error("JSON differs:\n  %s\n  %s\n", sa, sb);
		free(sa);
		free(sb);
		fail();
	}
}

/* Parsing text must fail with code INVALID: its message. */
static const char *
parse_error(const char *text)
{
	static err_t err;
	ProtobufCMessage *m;

	memset(&err, 0, sizeof(err));
	if ((m = parse(text, &err)) != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	assert_null(m);
	assert_int_equal(err.code, INVALID);
	return err.msg;
}

/* Parsing text must fail with code INVALID and a message holding want. */
static void
assert_parse_error(const char *text, const char *want)
{
	const char *msg = parse_error(text);

	if (strstr(msg, want) == NULL) {
		print_error("error \"%s\" does not mention \"%s\"\n", msg, want);
		fail();
	}
}

/* The same, the whole message being want. */
static void
assert_parse_error_is(const char *text, const char *want)
{
	assert_string_equal(parse_error(text), want);
}

/* ---- round trips ---------------------------------------------------------- */

static void
test_fixtures_cover_every_body(void **state)
{
	const ProtobufCMessageDescriptor *d = ENV_DESC;
	unsigned i, n_bodies = 0;
	size_t k;

	(void)state;
	for (i = 0; i < d->n_fields; i++) {
		bool found = false;
		if (!(d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		n_bodies++;
		for (k = 0; k < N_FIXTURES; k++)
			found |= fixtures[k].body_case == (int)d->fields[i].id;
		if (!found)
			print_error("no fixture for body %s\n", d->fields[i].name);
		assert_true(found);
	}
	assert_int_equal(n_bodies, N_FIXTURES);
}

/* JSON → message → JSON gives the same JSON; message → JSON → message
 * gives the same wire bytes; the unpacked wire form encodes the same. */
static void
round_trip_one(const fixture_t *fx)
{
	err_t err = { 0 };
	json_t *want, *j1, *j3;
	json_error_t je;
	ProtobufCMessage *m1, *m2, *m3;
	uint8_t *wire;
	size_t len;

	want = json_loads(fx->json, 0, &je);
	if (want == NULL)
		print_error("fixture %d: %s\n", fx->body_case, je.text);
	assert_non_null(want);
	m1 = parse(fx->json, &err);
	if (m1 == NULL)
		print_error("fixture %d: %s\n", fx->body_case, err.msg);
	assert_non_null(m1);
	assert_int_equal(((Famlink__V1__Envelope *)m1)->body_case, fx->body_case);

	j1 = codec_to_json(m1, &err);
	assert_non_null(j1);
	assert_json_equal(j1, want);

	m2 = codec_from_json(ENV_DESC, j1, &err);
	assert_non_null(m2);
	assert_same_wire(m1, m2);

	wire = pack(m1, &len);
	m3 = protobuf_c_message_unpack(ENV_DESC, NULL, len, wire);
	assert_non_null(m3);
	j3 = codec_to_json(m3, &err);
	assert_non_null(j3);
	assert_json_equal(j3, want);

	free(wire);
	json_decref(want);
	json_decref(j1);
	json_decref(j3);
	protobuf_c_message_free_unpacked(m1, NULL);
	protobuf_c_message_free_unpacked(m2, NULL);
	protobuf_c_message_free_unpacked(m3, NULL);
}

static void
test_round_trip_every_body(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < N_FIXTURES; k++)
		round_trip_one(&fixtures[k]);
}

/* A message built in C (static strings, as a sender builds one) encodes by
 * the mapping rules and decodes to the same wire bytes. */
static void
test_c_built_message(void **state)
{
	Famlink__V1__Envelope env = FAMLINK__V1__ENVELOPE__INIT;
	Famlink__V1__Referral ref = FAMLINK__V1__REFERRAL__INIT;
	Famlink__V1__ChildProfile child = FAMLINK__V1__CHILD_PROFILE__INIT;
	char *langs[] = { "svenska", "somaliska" };
	err_t err = { 0 };
	ProtobufCMessage *back;
	json_t *j, *r;

	(void)state;
	env.message_id = "01KE2Q7Z9K3M5N7P9R1T3V5X7Z";
	env.schema_version = 1;
	env.created_at_ms = INT64_C(1767605400000);
	env.sequence = UINT64_MAX;
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_REFERRAL;
	env.referral = &ref;
	ref.referral_id = "0180-2026-0042";
	ref.kind = FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_CONTACT_FAMILY;
	ref.child = &child;
	child.alias = "Åsa Öberg";
	child.birth_year = 2016;
	child.n_languages = 2;
	child.languages = langs;

	j = codec_to_json(&env.base, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "createdAtMs")), "1767605400000");
	assert_string_equal(json_string_value(json_object_get(j, "sequence")), "18446744073709551615");
	assert_int_equal(json_integer_value(json_object_get(j, "schemaVersion")), 1);
	/* proto3 defaults are left out */
	assert_null(json_object_get(j, "sender"));
	assert_null(json_object_get(j, "confidential"));
	assert_null(json_object_get(j, "hello"));
	r = json_object_get(j, "referral");
	assert_string_equal(json_string_value(json_object_get(r, "kind")),
	    "REFERRAL_KIND_CONTACT_FAMILY");
	assert_null(json_object_get(r, "urgency"));
	assert_null(json_object_get(r, "referral_id"));
	assert_string_equal(json_string_value(json_object_get(r, "referralId")), "0180-2026-0042");
	r = json_object_get(r, "child");
	assert_string_equal(json_string_value(json_object_get(r, "alias")), "Åsa Öberg");
	assert_int_equal(json_integer_value(json_object_get(r, "birthYear")), 2016);
	assert_string_equal(json_string_value(json_array_get(json_object_get(r, "languages"), 1)),
	    "somaliska");

	back = codec_from_json(ENV_DESC, j, &err);
	assert_non_null(back);
	assert_same_wire(&env.base, back);
	protobuf_c_message_free_unpacked(back, NULL);
	json_decref(j);
}

/* ---- input forms the mapping accepts --------------------------------------- */

static void
test_accepts_alternative_forms(void **state)
{
	/* enum by number, int64 as a number, uint32 as a string, snake_case
	 * keys, null meaning absent */
	const char *text = "{\"message_id\":\"01KE2Q7Z9K3M5N7P9R1T3V5X7Z\",\"schemaVersion\":\"1\","
	    "\"created_at_ms\":1767605400000,\"sequence\":12,\"recipient\":null,"
	    "\"referral\":{\"referral_id\":\"0180-2026-0042\",\"kind\":4,\"urgency\":\"URGENCY_NORMAL\","
	    "\"child\":{\"birth_year\":2015.0,\"gender\":3,\"languages\":[]}}}";
	const char *want = "{\"messageId\":\"01KE2Q7Z9K3M5N7P9R1T3V5X7Z\",\"schemaVersion\":1,"
	    "\"createdAtMs\":\"1767605400000\",\"sequence\":\"12\","
	    "\"referral\":{\"referralId\":\"0180-2026-0042\",\"kind\":\"REFERRAL_KIND_EMERGENCY_HOME\","
	    "\"urgency\":\"URGENCY_NORMAL\",\"child\":{\"birthYear\":2015,\"gender\":\"GENDER_OTHER\"}}}";
	err_t err = { 0 };
	ProtobufCMessage *m = parse(text, &err);
	Famlink__V1__Envelope *env = (Famlink__V1__Envelope *)m;
	json_t *got, *exp;

	(void)state;
	if (m == NULL)
		print_error("%s\n", err.msg);
	assert_non_null(m);
	assert_int_equal(env->created_at_ms, INT64_C(1767605400000));
	assert_int_equal(env->referral->kind, FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_EMERGENCY_HOME);
	assert_int_equal(env->referral->child->birth_year, 2015);
	assert_string_equal(env->recipient, "");
	got = codec_to_json(m, &err);
	exp = json_loads(want, 0, NULL);
	assert_non_null(exp);
	assert_json_equal(got, exp);
	json_decref(got);
	json_decref(exp);
	protobuf_c_message_free_unpacked(m, NULL);
}

/* An enum number this build has no name for (a newer peer's) survives. */
static void
test_unknown_enum_number_round_trips(void **state)
{
	err_t err = { 0 };
	ProtobufCMessage *m = parse("{\"referral\":{\"kind\":9}}", &err);
	json_t *j;

	(void)state;
	assert_non_null(m);
	j = codec_to_json(m, &err);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "referral"), "kind")), 9);
	json_decref(j);
	protobuf_c_message_free_unpacked(m, NULL);
}

static void
test_int64_limits(void **state)
{
	err_t err = { 0 };
	ProtobufCMessage *m;

	(void)state;
	m = parse("{\"createdAtMs\":\"-9223372036854775808\",\"sequence\":\"18446744073709551615\"}", &err);
	assert_non_null(m);
	assert_true(((Famlink__V1__Envelope *)m)->created_at_ms == INT64_MIN);
	assert_true(((Famlink__V1__Envelope *)m)->sequence == UINT64_MAX);
	protobuf_c_message_free_unpacked(m, NULL);

	assert_parse_error("{\"sequence\":\"18446744073709551616\"}", "sequence: not a decimal integer");
	assert_parse_error("{\"sequence\":\"-1\"}", "sequence: out of range for uint64");
	assert_parse_error("{\"sequence\":-1}", "sequence: out of range for uint64");
	assert_parse_error("{\"createdAtMs\":\"9223372036854775808\"}", "createdAtMs: out of range for int64");
	assert_parse_error("{\"createdAtMs\":\"12 \"}", "createdAtMs: not a decimal integer");
	assert_parse_error("{\"createdAtMs\":\"+12\"}", "createdAtMs: not a decimal integer");
	assert_parse_error("{\"createdAtMs\":\"\"}", "createdAtMs: not a decimal integer");
	assert_parse_error("{\"createdAtMs\":true}", "createdAtMs: expected a decimal string or a number");
	assert_parse_error("{\"schemaVersion\":4294967296}", "schemaVersion: out of range for uint32");
	assert_parse_error("{\"schemaVersion\":1.5}", "schemaVersion: not a decimal integer");
}

static void
test_compact_and_pretty(void **state)
{
	err_t err = { 0 };
	ProtobufCMessage *m = parse(fixtures[0].json, &err);
	char *compact, *pretty;

	(void)state;
	assert_non_null(m);
	compact = codec_to_json_string(m, 0, &err);
	pretty = codec_to_json_string(m, CODEC_PRETTY, &err);
	assert_non_null(compact);
	assert_non_null(pretty);
	assert_null(strchr(compact, '\n'));
	assert_non_null(strstr(compact, "{\"messageId\":\"01KE2Q7Z9K3M5N7P9R1T3V5X7Z\",\"schemaVersion\":1,"));
	assert_non_null(strstr(compact, "\"alias\":\"Åsa\""));   /* UTF-8 kept, not \u-escaped */
	assert_non_null(strstr(pretty, "\n  \"messageId\": \"01KE2Q7Z9K3M5N7P9R1T3V5X7Z\",\n"));
	free(compact);
	free(pretty);
	protobuf_c_message_free_unpacked(m, NULL);
}

/* ---- bytes ----------------------------------------------------------------- */

static void
test_base64(void **state)
{
	static const struct { const char *plain, *b64; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
		{ "\xfb\xff", "+/8=" },
	};
	static const char *bad[] = { "Zg=", "Z===", "Zh==", "Zm9v!", "Zm 9v", "=Zm9", "Zg==Zg==", "Z" };
	uint8_t *out;
	size_t i, n;
	char *s;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		s = base64_encode((const uint8_t *)v[i].plain, strlen(v[i].plain), &n);
		assert_string_equal(s, v[i].b64);
		assert_int_equal(n, strlen(v[i].b64));
		free(s);
		assert_int_equal(base64_decode(v[i].b64, strlen(v[i].b64), &out, &n), 0);
		assert_int_equal(n, strlen(v[i].plain));
		if (n > 0)
			assert_memory_equal(out, v[i].plain, n);
		free(out);
	}
	/* URL-safe alphabet and missing padding are accepted on input */
	assert_int_equal(base64_decode("-_8", 3, &out, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\xfb\xff", 2);
	free(out);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = base64_decode(bad[i], strlen(bad[i]), &out, &n);
		if (rc != -1)
			print_error("accepted \"%s\"\n", bad[i]);
		assert_int_equal(rc, -1);
		assert_null(out);
	}
}

static void
test_bytes_field(void **state)
{
	err_t err = { 0 };
	ProtobufCMessage *m;
	Famlink__V1__Attachment *a;

	(void)state;
	m = parse("{\"familyConsent\":{\"basicInvestigation\":{\"content\":\"AAEC/w==\",\"sha256\":\"\"}}}", &err);
	assert_non_null(m);
	a = ((Famlink__V1__Envelope *)m)->family_consent->basic_investigation;
	assert_int_equal(a->content.len, 4);
	assert_memory_equal(a->content.data, "\x00\x01\x02\xff", 4);
	assert_int_equal(a->sha256.len, 0);
	assert_null(a->sha256.data);
	protobuf_c_message_free_unpacked(m, NULL);
	assert_parse_error("{\"familyConsent\":{\"basicInvestigation\":{\"content\":\"AAEC/w=\"}}}",
	    "familyConsent.basicInvestigation.content: not valid base64");
	assert_parse_error("{\"familyConsent\":{\"basicInvestigation\":{\"sha256\":[1,2]}}}",
	    "familyConsent.basicInvestigation.sha256: expected a base64 string");
}

/* ---- errors ---------------------------------------------------------------- */

static void
test_unknown_key(void **state)
{
	(void)state;
	assert_parse_error("{\"referral\":{\"child\":{\"alias\":\"Åsa\",\"nickname\":\"Åsa\"}}}",
	    "referral.child.nickname: unknown field");
	assert_parse_error("{\"personnummer\":\"121212-1212\"}", "personnummer: unknown field");
	/* a key outside [A-Za-z0-9_-] is shown masked, never verbatim */
	assert_parse_error("{\"referral\":{\"Åsa\\n\":1}}", "referral.??sa?: unknown field");
	/* case matters: "ReferralId" is neither spelling */
	assert_parse_error("{\"referral\":{\"ReferralId\":\"x\"}}", "referral.ReferralId: unknown field");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	assert_parse_error("{\"referral\":{\"child\":{\"birthYear\":true}}}",
	    "referral.child.birthYear: expected a number");
	assert_parse_error("{\"referral\":{\"child\":{\"birthYear\":\"tjugo\"}}}",
	    "referral.child.birthYear: not a decimal integer");
	assert_parse_error("{\"referral\":{\"child\":{\"alias\":42}}}",
	    "referral.child.alias: expected a string");
	assert_parse_error("{\"referral\":{\"child\":\"Åsa\"}}", "referral.child: expected an object");
	assert_parse_error("{\"referral\":{\"child\":{\"languages\":\"svenska\"}}}",
	    "referral.child.languages: expected an array");
	assert_parse_error("{\"referral\":{\"child\":{\"languages\":[\"svenska\",7]}}}",
	    "referral.child.languages[1]: expected a string");
	assert_parse_error("{\"referral\":{\"child\":{\"languages\":[\"svenska\",null]}}}",
	    "referral.child.languages[1]: null is not allowed");
	assert_parse_error("{\"confidential\":\"yes\"}", "confidential: expected true or false");
	assert_parse_error("{\"receipt\":{\"entries\":[{\"messageId\":\"a\"},{\"level\":[]}]}}",
	    "receipt.entries[1].level: expected an enum value name or number");
	assert_parse_error("[1,2]", "Envelope: expected a JSON object");
}

static void
test_bad_enum(void **state)
{
	(void)state;
	/* The names to choose from, from the descriptor, without the
	 * UNSPECIFIED zero; the value quoted only when written like a name. */
	assert_parse_error_is("{\"referral\":{\"kind\":\"REFERRAL_KIND_FOSTER\"}}",
	    "referral.kind: unknown value REFERRAL_KIND_FOSTER; one of REFERRAL_KIND_FOSTER_HOME,"
	    " REFERRAL_KIND_CONTACT_FAMILY, REFERRAL_KIND_CONTACT_PERSON, REFERRAL_KIND_EMERGENCY_HOME");
	assert_parse_error_is("{\"referral\":{\"kind\":\"referral_kind_foster_home\"}}",
	    "referral.kind: unknown value; one of REFERRAL_KIND_FOSTER_HOME,"
	    " REFERRAL_KIND_CONTACT_FAMILY, REFERRAL_KIND_CONTACT_PERSON, REFERRAL_KIND_EMERGENCY_HOME");
	assert_parse_error_is("{\"statusReport\":{\"status\":\"Alva Ek\"}}",
	    "statusReport.status: unknown value; one of PLACEMENT_STATUS_CONTACTED,"
	    " PLACEMENT_STATUS_INVESTIGATING, PLACEMENT_STATUS_MEETING_PLANNED,"
	    " PLACEMENT_STATUS_PLACEMENT_DECIDED, PLACEMENT_STATUS_NOT_GOING_AHEAD");
	/* Every enum, in an array too; a zero that is a real value stays. */
	assert_parse_error_is("{\"receipt\":{\"entries\":[{\"code\":\"RECEIPT_CODE_NOPE\"}]}}",
	    "receipt.entries[0].code: unknown value RECEIPT_CODE_NOPE; one of RECEIPT_CODE_OK,"
	    " RECEIPT_CODE_MALFORMED, RECEIPT_CODE_UNSUPPORTED_VERSION,"
	    " RECEIPT_CODE_UNSUPPORTED_BODY, RECEIPT_CODE_INVALID, RECEIPT_CODE_SENDER_MISMATCH,"
	    " RECEIPT_CODE_WRONG_RECIPIENT, RECEIPT_CODE_NOT_ALLOWED,"
	    " RECEIPT_CODE_UNKNOWN_REFERRAL, RECEIPT_CODE_PERSONAL_ID");
	/* Too long to be a name: not quoted. */
	assert_parse_error_is("{\"adDecision\":{\"verdict\":\"AD_VERDICT_"
	    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\"}}",
	    "adDecision.verdict: unknown value; one of AD_VERDICT_APPROVE, AD_VERDICT_REVISE,"
	    " AD_VERDICT_DECLINE");
	assert_parse_error("{\"referral\":{\"kind\":2147483648}}", "referral.kind: not an int32 enum number");
}

static void
test_two_oneof_members(void **state)
{
	(void)state;
	assert_parse_error("{\"referral\":{\"referralId\":\"0180-2026-0042\"},\"hello\":{\"nodeId\":\"pool:x\"}}",
	    "hello: cannot be set together with referral");
	/* null does not select a member */
	assert_parse_error("{\"hello\":null,\"referral\":{},\"contactMade\":{}}",
	    "contactMade: cannot be set together with referral");
}

static void
test_same_field_twice(void **state)
{
	(void)state;
	assert_parse_error("{\"referral\":{\"referralId\":\"a\",\"referral_id\":\"b\"}}",
	    "referral.referralId: given twice");
	/* jansson itself refuses a repeated key */
	assert_parse_error("{\"sequence\":\"1\",\"sequence\":\"2\"}", "duplicate object key");
}

static void
test_bad_json_text(void **state)
{
	err_t err = { 0 };

	(void)state;
	assert_parse_error("{\n  \"messageId\": \"x\",\n  \"sender\": Åsa Öberg\n}", "line 3 column ");
	assert_parse_error("{\n  \"messageId\": \"x\",\n  \"sender\": Åsa Öberg\n}", "invalid token");
	/* jansson's quote of the text near the error is dropped (personal data) */
	assert_null(parse("{\n  \"messageId\": \"x\",\n  \"sender\": Åsa Öberg\n}", &err));
	assert_null(strstr(err.msg, "sa"));
	assert_parse_error("{\"messageId\":\"x\"", "line 1 column ");
	assert_parse_error("{\"messageId\":\"x\"} trailing", "end of file expected");
	assert_parse_error("", "line 1 column 0");
	assert_parse_error("{\"alias\":\"\xc3\x28\"}", "alias: line 1 column 10: not valid UTF-8");
}

/* Parsing text must fail with exactly this message. */
static void
assert_parse_msg(const char *text, size_t len, const char *want)
{
	err_t err = { 0 };
	ProtobufCMessage *m = codec_from_json_string(ENV_DESC, text, len, &err);

	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	assert_null(m);
	assert_int_equal(err.code, INVALID);
	if (strcmp(err.msg, want) != 0)
		fail_msg("got \"%s\", want \"%s\"", err.msg, want);
	assert_null(strstr(err.msg, "JSON_"));   /* no library flag names */
	assert_null(strstr(err.msg, "Karin"));   /* no content */
}

#define PARSE_MSG(text, want) assert_parse_msg(text, sizeof(text) - 1, want)

/* Invalid UTF-8 and NUL in a JSON text name the field they are in, by its
 * JSON name, wherever it sits and however the key is spelt. */
static void
test_bad_bytes_name_the_field(void **state)
{
	(void)state;
	PARSE_MSG("{\"referral\":{\"secretary\":{\"name\":\"Karin\",\"email\":\"karin\xc3\x28@x.se\"}}}",
	    "referral.secretary.email: line 1 column 55: not valid UTF-8");
	PARSE_MSG("{\n  \"referral\": {\n    \"secretary\": {\n      \"name\": \"Karin \xff\"\n    }\n  }\n}",
	    "referral.secretary.name: line 4 column 21: not valid UTF-8");
	PARSE_MSG("{\"referral\":{\"child\":{\"languages\":[\"svenska\",\"ar\xed\xa0\x80\"]}}}",
	    "referral.child.languages[1]: line 1 column 48: not valid UTF-8");
	PARSE_MSG("{\"referral\":{\"case_reference\":\"SoN \xc0\xaf\"}}",
	    "referral.caseReference: line 1 column 35: not valid UTF-8");
	PARSE_MSG("{\"referral\":{\"secretary\":{\"na\xffme\":\"Karin\"}}}",
	    "referral.secretary: line 1 column 29: a field name is not valid UTF-8");
	PARSE_MSG("{\"bogus\":{\"x\":\"\xff\"}}", "bogus.x: line 1 column 15: not valid UTF-8");
	PARSE_MSG("\xff{}", "line 1 column 0: not valid UTF-8");
	/* "\u0000" inside a string: the field, not jansson's flag */
	PARSE_MSG("{\"referral\":{\"secretary\":{\"name\":\"Karin\\u0000\"}}}",
	    "referral.secretary.name: contains a NUL character");
	PARSE_MSG("{\"messageId\":\"\\u0000\"}", "messageId: contains a NUL character");
	PARSE_MSG("{\"referral\":{\"child\":{\"languages\":[\"sv\\u0000\"]}}}",
	    "referral.child.languages[0]: contains a NUL character");
	PARSE_MSG("{\"referral\":{\"ali\\u0000as\":\"x\"}}",
	    "referral: line 1 column 26: a field name contains a NUL character");
	/* a raw NUL byte or line break in a string */
	PARSE_MSG("{\"referral\":{\"referralId\":\"x\0y\"}}",
	    "referral.referralId: line 1 column 28: control character 0x0");
	PARSE_MSG("{\"referralId\":\"x\n<0>FORGED\"}", "referralId: line 1 column 16: unexpected newline");
	/* an escaped control character parses; validation refuses it by field */
	{
		err_t err = { 0 };
		const char *t = "{\"referralId\":\"x\\n<0>FORGED\"}";
		ProtobufCMessage *m = codec_from_json_string(ENV_DESC, t, strlen(t), &err);
		assert_non_null(m);
		assert_string_equal(((Famlink__V1__Envelope *)m)->referral_id, "x\n<0>FORGED");
		protobuf_c_message_free_unpacked(m, NULL);
	}
}

static void
test_nul_in_built_json(void **state)
{
	json_t *j = json_object();
	err_t err = { 0 };

	(void)state;
	json_object_set_new(j, "messageId", json_stringn("ab\0cd", 5));
	assert_null(codec_from_json(ENV_DESC, j, &err));
	assert_string_equal(err.msg, "messageId: contains a NUL character");
	json_decref(j);

	j = json_object();
	json_object_setn_new(j, "sequence\0x", 10, json_integer(1));
	assert_null(codec_from_json(ENV_DESC, j, &err));
	assert_string_equal(err.msg, "sequence: unknown field");
	json_decref(j);
}

/* Deep failures after many allocations: ASan (SANITIZE=1) proves they free. */
static void
test_late_errors_free_everything(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < N_FIXTURES; k++) {
		char *text = malloc(strlen(fixtures[k].json) + 32);
		size_t n = strlen(fixtures[k].json);
		assert_non_null(text);
		memcpy(text, fixtures[k].json, n - 1);
		strcpy(text + n - 1, ",\"zzz\":1}");
		assert_parse_error(text, "zzz: unknown field");
		free(text);
	}
}

static void
test_encode_invalid_utf8(void **state)
{
	Famlink__V1__Envelope env = FAMLINK__V1__ENVELOPE__INIT;
	Famlink__V1__Hello hello = FAMLINK__V1__HELLO__INIT;
	err_t err = { 0 };

	(void)state;
	env.body_case = FAMLINK__V1__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	hello.software = "famlinkd \xff";
	assert_null(codec_to_json(&env.base, &err));
	assert_string_equal(err.msg, "hello.software: not valid UTF-8");
	assert_null(codec_to_json_string(&env.base, 0, &err));
}

static void
test_json_name(void **state)
{
	char buf[32];

	(void)state;
	fieldpath_json_name("siblings_to_place_together", buf, sizeof(buf));
	assert_string_equal(buf, "siblingsToPlaceTogether");
	fieldpath_json_name("sha256", buf, sizeof(buf));
	assert_string_equal(buf, "sha256");
	fieldpath_json_name("loss_of_income_note", buf, 5);
	assert_string_equal(buf, "loss");
}

/* Fields a newer peer sent are named, not dropped in silence: at the top
 * and inside a sub-message, each with its path, number, wire type and
 * bytes (as after its tag on the wire). */
static void
test_unknown_fields_named(void **state)
{
	Famlink__V1__Envelope env = FAMLINK__V1__ENVELOPE__INIT, *got;
	Famlink__V1__Referral ref = FAMLINK__V1__REFERRAL__INIT;
	uint8_t head[256], body[256], frame[600];
	size_t nh, nb, n = 0;
	json_t *u, *e;

	(void)state;
	env.message_id = "01JNZHY94TQJ4J7E61X4WJ8NPY";
	env.schema_version = 1;
	env.sender = "municipality:0180";
	env.recipient = "pool:nordvast";
	nh = famlink__v1__envelope__pack(&env, head);
	ref.referral_id = "0180-2026-0042";
	nb = famlink__v1__referral__pack(&ref, body);
	/* The referral with field 77 (length-delimited "hi") appended. */
	body[nb++] = 0xEA;   /* tag 77 << 3 | 2 = 618 as a varint */
	body[nb++] = 0x04;
	body[nb++] = 2;
	body[nb++] = 'h';
	body[nb++] = 'i';
	memcpy(frame, head, nh);
	n = nh;
	frame[n++] = 0xA2;   /* Envelope.referral: tag 20 << 3 | 2 = 162 */
	frame[n++] = 0x01;
	frame[n++] = (uint8_t)nb;
	memcpy(frame + n, body, nb);
	n += nb;
	frame[n++] = 0x98;   /* field 99, varint: tag 99 << 3 = 792 */
	frame[n++] = 0x06;
	frame[n++] = 42;     /* at the top */
	got = famlink__v1__envelope__unpack(NULL, n, frame);
	assert_non_null(got);
	assert_int_equal(got->body_case, FAMLINK__V1__ENVELOPE__BODY_REFERRAL);

	u = codec_unknown_fields(&got->base);
	assert_non_null(u);
	assert_int_equal(json_array_size(u), 2);
	e = json_array_get(u, 0);
	assert_string_equal(json_string_value(json_object_get(e, "path")), "");
	assert_int_equal(json_integer_value(json_object_get(e, "field")), 99);
	assert_int_equal(json_integer_value(json_object_get(e, "wireType")), 0);
	assert_string_equal(json_string_value(json_object_get(e, "bytes")), "Kg==");
	e = json_array_get(u, 1);
	assert_string_equal(json_string_value(json_object_get(e, "path")), "referral");
	assert_int_equal(json_integer_value(json_object_get(e, "field")), 77);
	assert_int_equal(json_integer_value(json_object_get(e, "wireType")), 2);
	/* After the tag: the length, then "hi". */
	assert_string_equal(json_string_value(json_object_get(e, "bytes")), "Amhp");
	json_decref(u);

	/* A message with none gives an empty array. */
	famlink__v1__envelope__free_unpacked(got, NULL);
	got = famlink__v1__envelope__unpack(NULL, nh, head);
	assert_non_null(got);
	u = codec_unknown_fields(&got->base);
	assert_int_equal(json_array_size(u), 0);
	json_decref(u);
	famlink__v1__envelope__free_unpacked(got, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_cover_every_body),
		cmocka_unit_test(test_round_trip_every_body),
		cmocka_unit_test(test_c_built_message),
		cmocka_unit_test(test_accepts_alternative_forms),
		cmocka_unit_test(test_unknown_enum_number_round_trips),
		cmocka_unit_test(test_int64_limits),
		cmocka_unit_test(test_compact_and_pretty),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_bytes_field),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_bad_enum),
		cmocka_unit_test(test_two_oneof_members),
		cmocka_unit_test(test_same_field_twice),
		cmocka_unit_test(test_bad_json_text),
		cmocka_unit_test(test_bad_bytes_name_the_field),
		cmocka_unit_test(test_nul_in_built_json),
		cmocka_unit_test(test_late_errors_free_everything),
		cmocka_unit_test(test_encode_invalid_utf8),
		cmocka_unit_test(test_json_name),
		cmocka_unit_test(test_unknown_fields_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
