/*
 * test_validate — the one validation place: every rule of the .proto
 * annotations at its boundary (max exactly passes, max + 1 fails), UTF-8,
 * required fields, dates, node ids, personnummer detection, the envelope's
 * own rules, and that error texts carry paths and sizes, never content.
 * Fixture envelopes come from fixtures_envelopes.h through codec_json.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "codec_json.h"
#include "famlink.pb-c.h"
#include "fixtures_envelopes.h"
#include "validate.h"

/* Makes the attachment's hash match its content again. */
static void
set_sha256(Famlink__V1__Attachment *a)
{
	unsigned int len = 0;

	assert_int_equal(EVP_Digest(a->content.data, a->content.len, a->sha256.data, &len,
	    EVP_sha256(), NULL), 1);
	assert_int_equal(len, 32);
}

#define RC(x) FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_##x
#define BODY(x) FAMLINK__V1__ENVELOPE__BODY_##x

static Famlink__V1__Envelope *
load(int body_case)
{
	err_t err = { 0 };
	ProtobufCMessage *m;
	size_t k;

	for (k = 0; k < N_FIXTURES; k++) {
		if (fixtures[k].body_case != body_case)
			continue;
		m = codec_from_json_string(&famlink__v1__envelope__descriptor,
		    fixtures[k].json, strlen(fixtures[k].json), &err);
		if (m == NULL)
			print_error("fixture %d: %s\n", body_case, err.msg);
		assert_non_null(m);
		return (Famlink__V1__Envelope *)m;
	}
	fail_msg("no fixture for body %d", body_case);
	return NULL;
}

static void
drop(Famlink__V1__Envelope *env)
{
	protobuf_c_message_free_unpacked(&env->base, NULL);
}

/* Replaces a string field of a decoded message (malloc()ed, or the shared
 * empty default), keeping it freeable by free_unpacked(). */
static void
set_str(char **slot, const char *value)
{
	if (*slot != protobuf_c_empty_string)
		free(*slot);
	*slot = strdup(value);
	assert_non_null(*slot);
}

/* times copies of unit, malloc()ed. */
static char *
repeat(const char *unit, size_t times)
{
	size_t n = strlen(unit), i;
	char *s = malloc(n * times + 1);

	assert_non_null(s);
	for (i = 0; i < times; i++)
		memcpy(s + i * n, unit, n);
	s[n * times] = '\0';
	return s;
}

static void
assert_valid(const Famlink__V1__Envelope *env)
{
	err_t err = { 0 };

	if (validate_envelope(env, &err) != 0)
		fail_msg("rejected: %d %s", err.code, err.msg);
}

static void
assert_rejected(const Famlink__V1__Envelope *env, int code, const char *msg)
{
	err_t err = { 0 };

	assert_int_equal(validate_envelope(env, &err), -1);
	if (err.code != code || strcmp(err.msg, msg) != 0)
		fail_msg("got %d \"%s\", want %d \"%s\"", err.code, err.msg, code, msg);
}

/* ---- whole envelopes ----------------------------------------------------- */

static void
test_every_fixture_is_valid(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < N_FIXTURES; k++) {
		Famlink__V1__Envelope *env = load(fixtures[k].body_case);
		assert_valid(env);
		drop(env);
	}
}

static void
test_schema_version(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));

	(void)state;
	env->schema_version = 2;
	assert_rejected(env, RC(UNSUPPORTED_VERSION),
	    "schemaVersion: 2 is not supported (this receiver speaks 1)");
	env->schema_version = 0;
	assert_rejected(env, RC(UNSUPPORTED_VERSION),
	    "schemaVersion: 0 is not supported (this receiver speaks 1)");
	drop(env);
}

static void
test_no_body(void **state)
{
	err_t err = { 0 };
	const char *text = "{\"messageId\":\"01KE2Q7Z9K3M5N7P9R1T3V5X7Z\",\"schemaVersion\":1,"
	    "\"sender\":\"municipality:0180\",\"recipient\":\"pool:stockholm-nord\","
	    "\"createdAtMs\":\"1767605400000\",\"sequence\":\"3\"}";
	Famlink__V1__Envelope *env = (Famlink__V1__Envelope *)codec_from_json_string(
	    &famlink__v1__envelope__descriptor, text, strlen(text), &err);

	(void)state;
	assert_non_null(env);
	assert_rejected(env, RC(UNSUPPORTED_BODY), "no body known to this receiver");
	drop(env);
}

/* A body from a newer peer (say field 34) lands in the unknown fields:
 * to this receiver the envelope has no body. */
static void
test_unknown_body_from_newer_peer(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(HELLO)), *back;
	uint8_t buf[512];
	size_t n;

	(void)state;
	env->body_case = BODY(_NOT_SET);
	n = protobuf_c_message_pack(&env->base, buf);
	env->body_case = BODY(HELLO);   /* so free_unpacked frees the hello */
	buf[n++] = 0x92;   /* tag: field 34, length-delimited (varint 274) */
	buf[n++] = 0x02;
	buf[n++] = 0x01;   /* length 1 */
	buf[n++] = 0x08;   /* an empty-ish payload */
	back = (Famlink__V1__Envelope *)protobuf_c_message_unpack(
	    &famlink__v1__envelope__descriptor, NULL, n, buf);
	assert_non_null(back);
	assert_int_equal(back->base.n_unknown_fields, 1);
	assert_rejected(back, RC(UNSUPPORTED_BODY), "no body known to this receiver");
	drop(back);
	drop(env);
}

static void
test_sequence_rules(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));

	(void)state;
	env->sequence = 0;
	assert_rejected(env, RC(INVALID), "sequence: must be 1 or more with referral");
	env->sequence = 1;
	assert_valid(env);
	drop(env);

	env = load(BODY(HELLO));
	env->sequence = 1;
	assert_rejected(env, RC(INVALID), "sequence: must be 0 with hello");
	env->sequence = 0;
	set_str(&env->referral_id, "0180-2026-0042");
	assert_rejected(env, RC(INVALID), "referralId: must be empty with hello");
	drop(env);

	env = load(BODY(RECEIPT));
	env->sequence = 4;
	assert_rejected(env, RC(INVALID), "sequence: must be 0 with receipt");
	env->sequence = 0;
	set_str(&env->referral_id, "0180-2026-0042");
	assert_rejected(env, RC(INVALID), "referralId: must be empty with receipt");
	drop(env);
}

static void
test_referral_id_rules(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));

	(void)state;
	set_str(&env->referral_id, "0180-2026-0043");
	assert_rejected(env, RC(INVALID), "referralId: differs from referral.referralId");
	set_str(&env->referral_id, "");
	assert_rejected(env, RC(INVALID), "referralId: required with referral");
	drop(env);

	env = load(BODY(STATUS_REPORT));
	set_str(&env->status_report->referral_id, "0180-2026-0099");
	assert_rejected(env, RC(INVALID), "referralId: differs from statusReport.referralId");
	drop(env);
}

/* ---- lengths ------------------------------------------------------------- */

static void
test_string_max_boundary(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	char *s;

	(void)state;
	s = repeat("Å", 30);   /* 60 bytes, 30 characters: the limit is bytes */
	set_str(&env->referral->child->alias, s);
	free(s);
	assert_valid(env);
	s = repeat("Å", 31);
	set_str(&env->referral->child->alias, s);
	free(s);
	assert_rejected(env, RC(INVALID), "referral.child.alias: longer than 60 bytes (62)");
	s = repeat("a", 61);
	set_str(&env->referral->child->alias, s);
	free(s);
	assert_rejected(env, RC(INVALID), "referral.child.alias: longer than 60 bytes (61)");
	set_str(&env->referral->child->alias, "Åsa");

	s = repeat("x", 4000);
	set_str(&env->referral->child->needs, s);
	free(s);
	assert_valid(env);
	s = repeat("x", 4001);
	set_str(&env->referral->child->needs, s);
	free(s);
	assert_rejected(env, RC(INVALID), "referral.child.needs: longer than 4000 bytes (4001)");
	set_str(&env->referral->child->needs, "");

	s = repeat("0", 32);
	set_str(&env->message_id, s);
	free(s);
	assert_valid(env);
	s = repeat("0", 33);
	set_str(&env->message_id, s);
	free(s);
	assert_rejected(env, RC(INVALID), "messageId: longer than 32 bytes (33)");
	drop(env);
}

static void
test_repeated_string_max(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	char *s;

	(void)state;
	s = repeat("y", 40);
	set_str(&env->referral->child->languages[1], s);
	free(s);
	assert_valid(env);
	s = repeat("y", 41);
	set_str(&env->referral->child->languages[1], s);
	free(s);
	assert_rejected(env, RC(INVALID), "referral.child.languages[1]: longer than 40 bytes (41)");
	drop(env);
}

static void
test_bytes_max(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(FAMILY_CONSENT));
	Famlink__V1__Attachment *a = env->family_consent->basic_investigation;
	const size_t max = 30u * 1024 * 1024;
	uint8_t *big;

	(void)state;
	big = calloc(1, max + 1);
	assert_non_null(big);
	free(a->content.data);
	a->content.data = big;
	a->content.len = max;
	set_sha256(a);
	assert_valid(env);
	a->content.len = max + 1;
	assert_rejected(env, RC(INVALID),
	    "familyConsent.basicInvestigation.content: longer than 31457280 bytes (31457281)");
	a->content.len = max;

	a->sha256.len = 33;   /* the buffer holds 32; only the length is read */
	assert_rejected(env, RC(INVALID),
	    "familyConsent.basicInvestigation.sha256: longer than 32 bytes (33)");
	a->sha256.len = 31;
	assert_rejected(env, RC(INVALID),
	    "familyConsent.basicInvestigation.sha256: must be 32 bytes (31)");
	a->sha256.len = 32;
	assert_valid(env);
	a->sha256.data[0] ^= 1;   /* one bit off: the content is not what was hashed */
	assert_rejected(env, RC(INVALID),
	    "familyConsent.basicInvestigation.sha256: does not match the content");
	a->sha256.data[0] ^= 1;
	assert_valid(env);
	drop(env);
}

/* ---- UTF-8 ------------------------------------------------------------------ */

static void
test_utf8_function(void **state)
{
	static const char *good[] = {
		"", "Åsa Öberg", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf" /* U+10FFFF */,
		"\xed\x9f\xbf" /* U+D7FF */, "\xee\x80\x80" /* U+E000 */, "\xc2\x80",
		"\xe0\xa0\x80" /* U+0800 */, "\xf0\x90\x80\x80" /* U+10000 */,
	};
	static const char *bad[] = {
		"\xc0\xaf" /* overlong '/' */, "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf",
		"\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", "\xed\xa0\x80" /* U+D800 */,
		"\xed\xbf\xbf" /* U+DFFF */, "\xf4\x90\x80\x80" /* U+110000 */, "\xf5\x80\x80\x80",
		"\xff", "\x80", "\xc3", "\xe2\x82", "\xc3\x28", "\xe2\x28\xa1", "Åsa \xc3",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(validate_utf8(good[i], strlen(good[i])));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (validate_utf8(bad[i], strlen(bad[i])))
			fail_msg("accepted bad[%zu]", i);
	}
	assert_false(validate_utf8("ab\0cd", 5));   /* NUL inside */
	assert_false(validate_utf8("\xc3\xa5", 1)); /* cut in the middle */
	assert_true(validate_utf8("\xc3\xa5", 2));
}

static void
test_utf8_in_fields(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));

	(void)state;
	set_str(&env->referral->child->needs, "Behöver \xed\xa0\x80 stöd");
	assert_rejected(env, RC(INVALID), "referral.child.needs: not valid UTF-8");
	set_str(&env->referral->child->needs, "");
	set_str(&env->referral->secretary->name, "Karin \xc3\x96\xc0\xaf");
	assert_rejected(env, RC(INVALID), "referral.secretary.name: not valid UTF-8");
	set_str(&env->referral->secretary->name, "Karin Öberg");
	set_str(&env->referral->child->languages[0], "sven\xff");
	assert_rejected(env, RC(INVALID), "referral.child.languages[0]: not valid UTF-8");
	drop(env);
}

/* ---- required ---------------------------------------------------------------- */

static void
test_required(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	Famlink__V1__ChildProfile *child;

	(void)state;
	env->referral->kind = 0;
	assert_rejected(env, RC(INVALID), "referral.kind: required but missing");
	env->referral->kind = 1;
	env->referral->child->birth_year = 0;
	assert_rejected(env, RC(INVALID), "referral.child.birthYear: required but missing");
	env->referral->child->birth_year = 2015;
	set_str(&env->referral->secretary->name, "");
	assert_rejected(env, RC(INVALID), "referral.secretary.name: required but missing");
	set_str(&env->referral->secretary->name, "Karin Öberg");
	child = env->referral->child;
	env->referral->child = NULL;
	assert_rejected(env, RC(INVALID), "referral.child: required but missing");
	env->referral->child = child;
	env->created_at_ms = 0;
	assert_rejected(env, RC(INVALID), "createdAtMs: required but missing");
	env->created_at_ms = 1;
	set_str(&env->message_id, "");
	assert_rejected(env, RC(INVALID), "messageId: required but missing");
	drop(env);

	env = load(BODY(RECEIPT));
	env->receipt->n_entries = 0;   /* entries stay allocated; freed with n restored */
	assert_rejected(env, RC(INVALID), "receipt.entries: required but missing");
	env->receipt->n_entries = 2;
	env->receipt->entries[1]->level = 0;
	assert_rejected(env, RC(INVALID), "receipt.entries[1].level: required but missing");
	drop(env);
}

/* ---- dates and node ids ----------------------------------------------------- */

static void
test_date_function(void **state)
{
	(void)state;
	assert_true(validate_date("2026-02-28"));
	assert_true(validate_date("2024-02-29"));
	assert_true(validate_date("2000-02-29"));
	assert_true(validate_date("2026-12-31"));
	assert_true(validate_date("2026-04-30"));
	assert_false(validate_date("2026-02-30"));
	assert_false(validate_date("2025-02-29"));
	assert_false(validate_date("1900-02-29"));
	assert_false(validate_date("2026-04-31"));
	assert_false(validate_date("2026-13-01"));
	assert_false(validate_date("2026-00-10"));
	assert_false(validate_date("2026-01-00"));
	assert_false(validate_date("0000-01-01"));
	assert_false(validate_date("2026-1-01"));
	assert_false(validate_date("2026-01-011"));
	assert_false(validate_date("2026/01/01"));
	assert_false(validate_date("2026-0a-01"));
	assert_false(validate_date(""));
	assert_false(validate_date(NULL));
}

static void
test_date_in_field(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(CONTACT_MADE));

	(void)state;
	set_str(&env->contact_made->contacted_on, "2026-02-30");
	assert_rejected(env, RC(INVALID), "contactMade.contactedOn: not a date (YYYY-MM-DD)");
	set_str(&env->contact_made->contacted_on, "2026-03-02");
	assert_valid(env);
	drop(env);
}

static void
test_node_id_function(void **state)
{
	char pool[64] = "pool:";

	(void)state;
	assert_true(validate_node_id("municipality:0180"));
	assert_true(validate_node_id("pool:nordvast"));
	assert_true(validate_node_id("pool:stockholm-nord-2"));
	assert_false(validate_node_id("municipality:180"));
	assert_false(validate_node_id("municipality:01800"));
	assert_false(validate_node_id("municipality:01a0"));
	assert_false(validate_node_id("municipality:"));
	assert_false(validate_node_id("pool:"));
	assert_false(validate_node_id("pool:Nordvast"));
	assert_false(validate_node_id("pool:nord väst"));
	assert_false(validate_node_id("pool:nord_vast"));
	assert_false(validate_node_id("kommun:0180"));
	assert_false(validate_node_id("Municipality:0180"));
	assert_false(validate_node_id(NULL));
	memset(pool + 5, 'a', 48);
	assert_true(validate_node_id(pool));
	pool[5 + 48] = 'a';
	assert_false(validate_node_id(pool));
}

static void
test_node_id_in_field(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(HELLO));

	(void)state;
	set_str(&env->sender, "municipality:180");
	assert_rejected(env, RC(INVALID),
	    "sender: not a node id (municipality:NNNN or pool:name)");
	set_str(&env->sender, "pool:stockholm-nord");
	set_str(&env->hello->node_id, "pool:Stockholm");
	assert_rejected(env, RC(INVALID),
	    "hello.nodeId: not a node id (municipality:NNNN or pool:name)");
	drop(env);
}

/* ---- personnummer ------------------------------------------------------------- */

/* Fills in the Luhn digit of a ten-digit YYMMDDNNN? at d (digits only). */
static void
luhn_fill(char *d)
{
	int i, x, sum = 0;

	for (i = 0; i < 9; i++) {
		x = (d[i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += x > 9 ? x - 9 : x;
	}
	d[9] = (char)('0' + (10 - sum % 10) % 10);
}

static void
test_personnummer_detected(void **state)
{
	static const char *yes[] = {
		"121212-1212", "121212+1212", "1212121212", "19121212-1212", "191212121212",
		"Barnet har 121212-1212 som id", "(20121212-1212)", "id:121212-1212.",
		"701063-2391" /* samordningsnummer: day 03 + 60 */, "7010632391",
		"811218-9876", "000229-0005",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!validate_has_personnummer(yes[i]))
			fail_msg("missed \"%s\"", yes[i]);
}

static void
test_personnummer_not_flagged(void **state)
{
	static const char *no[] = {
		"", "Åsa Öberg", "121212-1213" /* Luhn */, "070-123 45 67", "0701234567",
		"0180-2026-0042", "08-508 250 00", "2026-01-02", "SoN 2026/0042-1",
		"1121212-1212" /* seven digits before the dash */, "121212-12120",
		"91212121212" /* eleven digits */, "1912121212120", "121212 1212",
		"17121212-1212" /* century 17 */, "121212--1212", "19121212+1212",
	};
	char d[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (validate_has_personnummer(no[i]))
			fail_msg("flagged \"%s\"", no[i]);
	/* implausible dates with a correct check digit */
	strcpy(d, "1213121230");   /* month 13 */
	luhn_fill(d);
	assert_false(validate_has_personnummer(d));
	strcpy(d, "1212321230");   /* day 32 */
	luhn_fill(d);
	assert_false(validate_has_personnummer(d));
	strcpy(d, "1202301230");   /* 30 February */
	luhn_fill(d);
	assert_false(validate_has_personnummer(d));
	strcpy(d, "1212921230");   /* samordningsnummer day 92 = 32 */
	luhn_fill(d);
	assert_false(validate_has_personnummer(d));
	strcpy(d, "0102291230");   /* 29 Feb in a year never leap (yy 01) */
	luhn_fill(d);
	assert_false(validate_has_personnummer(d));
	strcpy(d, "1212311230");   /* and a plausible one is found */
	luhn_fill(d);
	assert_true(validate_has_personnummer(d));
}

static void
test_personnummer_in_freetext(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	err_t err = { 0 };

	(void)state;
	set_str(&env->referral->child->needs, "Se journal för 121212-1212, behöver stöd.");
	assert_rejected(env, RC(PERSONAL_ID), "referral.child.needs: looks like a personal identity number");
	assert_int_equal(validate_envelope(env, &err), -1);
	assert_null(strstr(err.msg, "1212"));   /* the number itself is never echoed */
	set_str(&env->referral->child->needs, "Se journal för 121212-1213.");
	assert_valid(env);
	/* case_reference is opaque, not free text: not scanned */
	set_str(&env->referral->case_reference, "121212-1212");
	assert_valid(env);
	drop(env);

	env = load(BODY(INFO_REPLY));
	set_str(&env->info_reply->text, "Mammans nummer är 19701063-2391.");
	assert_rejected(env, RC(PERSONAL_ID), "infoReply.text: looks like a personal identity number");
	drop(env);
}

/* ---- messages outside an envelope, and no content in errors ------------------ */

static void
test_validate_message_paths(void **state)
{
	Famlink__V1__ChildProfile child = FAMLINK__V1__CHILD_PROFILE__INIT;
	err_t err = { 0 };
	char *long_alias = repeat("Åsa Öberg ", 8);

	(void)state;
	child.alias = long_alias;
	child.birth_year = 2015;
	assert_int_equal(validate_message(&child.base, "child", &err), -1);
	assert_int_equal(err.code, RC(INVALID));
	assert_string_equal(err.msg, "child.alias: longer than 60 bytes (96)");
	assert_null(strstr(err.msg, "sa"));
	assert_int_equal(validate_message(&child.base, NULL, &err), -1);
	assert_string_equal(err.msg, "alias: longer than 60 bytes (96)");
	child.alias = "Åsa";
	assert_int_equal(validate_message(&child.base, "", &err), 0);
	child.wished_start = "2026-02-29";
	assert_int_equal(validate_message(&child.base, "referral.child", &err), -1);
	assert_string_equal(err.msg, "referral.child.wishedStart: not a date (YYYY-MM-DD)");
	free(long_alias);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture_is_valid),
		cmocka_unit_test(test_schema_version),
		cmocka_unit_test(test_no_body),
		cmocka_unit_test(test_unknown_body_from_newer_peer),
		cmocka_unit_test(test_sequence_rules),
		cmocka_unit_test(test_referral_id_rules),
		cmocka_unit_test(test_string_max_boundary),
		cmocka_unit_test(test_repeated_string_max),
		cmocka_unit_test(test_bytes_max),
		cmocka_unit_test(test_utf8_function),
		cmocka_unit_test(test_utf8_in_fields),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_date_function),
		cmocka_unit_test(test_date_in_field),
		cmocka_unit_test(test_node_id_function),
		cmocka_unit_test(test_node_id_in_field),
		cmocka_unit_test(test_personnummer_detected),
		cmocka_unit_test(test_personnummer_not_flagged),
		cmocka_unit_test(test_personnummer_in_freetext),
		cmocka_unit_test(test_validate_message_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
