/*
 * test_validate — the one validation place: every rule of the .proto
 * annotations at its boundary (max exactly passes, max + 1 fails), UTF-8,
 * required fields, dates, node ids, ids, message ids, email addresses, phone
 * numbers, control characters by kind of string, personnummer detection in
 * every spelling and every field a person writes (and no false alarm on
 * phone numbers and ordinary text), the envelope's own rules, and that
 * error texts carry paths and sizes, never content.
 * Fixture envelopes come from fixtures_envelopes.h through codec_json.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "codec_json.h"
#include "famlink.pb-c.h"
#include "fixtures_envelopes.h"
#include "utf8.h"
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
		assert_true(utf8_valid(good[i], strlen(good[i])));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (utf8_valid(bad[i], strlen(bad[i])))
			fail_msg("accepted bad[%zu]", i);
	}
	assert_false(utf8_valid("ab\0cd", 5));   /* NUL inside */
	assert_false(utf8_valid("\xc3\xa5", 1)); /* cut in the middle */
	assert_true(utf8_valid("\xc3\xa5", 2));
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
		"91212121212" /* eleven digits */, "1912121212120", "121212  1212",
		"17121212-1212" /* century 17 */, "121212--1212", "19121212+1212",
		"121212 - 1212", "121212_1212", "121212/1212", "121212.1212",
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
	drop(env);

	env = load(BODY(INFO_REPLY));
	set_str(&env->info_reply->text, "Mammans nummer är 19701063-2391.");
	assert_rejected(env, RC(PERSONAL_ID), "infoReply.text: looks like a personal identity number");
	drop(env);
}

/* ---- personnummer: every spelling, every field a person writes ------------- */

/* 121212-1212 (valid Luhn) in the spellings people and word processors use. */
static const char *const pnr_spellings[] = {
	"121212-1212", "121212+1212", "1212121212", "19121212-1212", "191212121212",
	"121212 1212",                            /* space */
	"121212\xc2\xa0" "1212",                     /* no-break space */
	"121212\xe2\x80\x89" "1212",                 /* thin space */
	"121212\xe2\x80\xaf" "1212",                 /* narrow no-break space */
	"121212\xe2\x80\x93" "1212",                 /* en dash U+2013 */
	"121212\xe2\x80\x94" "1212",                 /* em dash U+2014 */
	"121212\xe2\x80\x90" "1212",                 /* hyphen U+2010 */
	"121212\xe2\x80\x91" "1212",                 /* non-breaking hyphen U+2011 */
	"121212\xe2\x88\x92" "1212",                 /* minus sign U+2212 */
	"121212\xef\xbc\x8d" "1212",                 /* full-width hyphen-minus */
	"19121212\xe2\x80\x93" "1212",               /* YYYYMMDD–NNNN */
	"19121212 1212",
	"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92-"
	"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92",       /* full-width digits */
	"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92"
	"\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92",       /* full-width, no dash */
	"\xd9\xa1\xd9\xa2\xd9\xa1\xd9\xa2\xd9\xa1\xd9\xa2-\xd9\xa1\xd9\xa2\xd9\xa1\xd9\xa2", /* Arabic-Indic */
	"\xdb\xb1\xdb\xb2\xdb\xb1\xdb\xb2\xdb\xb1\xdb\xb2 \xdb\xb1\xdb\xb2\xdb\xb1\xdb\xb2",  /* Persian */
	"12\xef\xbc\x91" "212\xe2\x80\x93\xd9\xa1" "212",                 /* mixed */
};

static void
test_personnummer_spellings(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pnr_spellings) / sizeof(pnr_spellings[0]); i++)
		if (!validate_has_personnummer(pnr_spellings[i]))
			fail_msg("missed spelling %zu", i);
	/* the same spellings with a wrong check digit are not flagged */
	assert_false(validate_has_personnummer("121212\xe2\x80\x93" "1213"));
	assert_false(validate_has_personnummer("121212 1213"));
	assert_false(validate_has_personnummer("\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91"
	    "\xef\xbc\x92\xef\xbc\x91\xef\xbc\x92-\xef\xbc\x91\xef\xbc\x92\xef\xbc\x91\xef\xbc\x93"));
	/* "+" is the over-100 form of the six-digit number only; a full-width
	 * digit touching the run makes it longer */
	assert_false(validate_has_personnummer("19121212\xef\xbc\x8b" "1212"));
	assert_false(validate_has_personnummer("\xef\xbc\x91" "121212-1212"));
	assert_false(validate_has_personnummer("121212-1212\xd9\xa1"));
}

/* Phone numbers and ordinary text: never a personnummer. */
static void
test_no_false_alarm(void **state)
{
	static const char *no[] = {
		"08-508 250 00", "070-123 45 67", "073-555 12 34", "+46 8 508 250 00",
		"+46 70 123 45 67", "0046 8 508 250 00", "08 508 250 00", "0771-22 33 44",
		"020-12 34 56", "08-123 456 78", "IFO 2026/0042", "SoN 2025/0117-1",
		"Dnr 2026-0042", "Ring 08-508 250 00 mellan 9 och 12, eller 070-123 45 67.",
		"Född 2015, årskurs 5; möte 2026-03-02 kl 13.30; 2 helger i månaden.",
		"Postnummer 123 45, Storgatan 12", "Beslut 2026-01-02 enligt 4 kap. 1 § SoL",
		"Kontonummer 1234 56 78901", "Pris 12 500 kr, 1 250 kr i månaden",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (validate_has_personnummer(no[i]))
			fail_msg("flagged \"%s\"", no[i]);
}

/* One spelling after another in a field: PERSONAL_ID naming it, never the number. */
static void
assert_pnr_refused(Famlink__V1__Envelope *env, char **slot, const char *want)
{
	err_t err = { 0 };
	char *was = strdup(*slot);
	size_t i;

	assert_non_null(was);
	for (i = 0; i < sizeof(pnr_spellings) / sizeof(pnr_spellings[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "Zq %s", pnr_spellings[i]);
		set_str(slot, text);
		assert_int_equal(validate_envelope(env, &err), -1);
		if (err.code != RC(PERSONAL_ID) || strcmp(err.msg, want) != 0)
			fail_msg("spelling %zu: got %d \"%s\", want \"%s\"", i, err.code, err.msg, want);
		assert_null(strstr(err.msg, "1212"));
		assert_null(strstr(err.msg, "Zq"));
	}
	set_str(slot, was);
	free(was);
	assert_valid(env);
}

static void
test_personnummer_in_every_written_field(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	Famlink__V1__Referral *r = env->referral;

	(void)state;
	/* The case reference: municipalities build it from the child's number. */
	assert_pnr_refused(env, &r->case_reference, "referral.caseReference: a case reference "
	    "must not be or hold a personal identity number");
	set_str(&r->case_reference, "121212-1212");
	assert_rejected(env, RC(PERSONAL_ID), "referral.caseReference: a case reference "
	    "must not be or hold a personal identity number");
	set_str(&r->case_reference, "SoN 2026/0042-1");
	assert_pnr_refused(env, &r->secretary->name,
	    "referral.secretary.name: looks like a personal identity number");
	assert_pnr_refused(env, &r->child->alias,
	    "referral.child.alias: looks like a personal identity number");
	assert_pnr_refused(env, &r->child->languages[1],
	    "referral.child.languages[1]: looks like a personal identity number");
	assert_pnr_refused(env, &r->child->area_wishes,
	    "referral.child.areaWishes: looks like a personal identity number");
	assert_pnr_refused(env, &r->child->needs,
	    "referral.child.needs: looks like a personal identity number");
	assert_pnr_refused(env, &r->compensation->level,
	    "referral.compensation.level: looks like a personal identity number");
	drop(env);

	env = load(BODY(FAMILY_CONSENT));
	assert_pnr_refused(env, &env->family_consent->basic_investigation->filename,
	    "familyConsent.basicInvestigation.filename: looks like a personal identity number");
	drop(env);
}

/* An id is logged and printed everywhere: no personnummer in it either. */
static void
test_personnummer_in_ids(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(INFO_REQUEST));

	(void)state;
	set_str(&env->info_request->question_id, "q-121212-1212");
	assert_rejected(env, RC(PERSONAL_ID), "infoRequest.questionId: looks like a personal identity number");
	set_str(&env->info_request->question_id, "q-1");
	set_str(&env->referral_id, "0180-20121212-1212");
	set_str(&env->info_request->referral_id, "0180-20121212-1212");
	assert_rejected(env, RC(PERSONAL_ID), "referralId: looks like a personal identity number");
	drop(env);
}

/* A phone field: the ten-digit run is a phone number's usual form and not
 * counted there; every other form is. */
static void
test_personnummer_in_phone(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	char **phone = &env->referral->secretary->phone;

	(void)state;
	set_str(phone, "1212121212");
	assert_valid(env);
	set_str(phone, "0731212121");
	assert_valid(env);
	set_str(phone, "121212-1212");
	assert_rejected(env, RC(PERSONAL_ID), "referral.secretary.phone: looks like a personal identity number");
	set_str(phone, "121212 1212");
	assert_rejected(env, RC(PERSONAL_ID), "referral.secretary.phone: looks like a personal identity number");
	set_str(phone, "191212121212");
	assert_rejected(env, RC(PERSONAL_ID), "referral.secretary.phone: looks like a personal identity number");
	set_str(phone, "08-508 250 00");
	assert_valid(env);
	drop(env);
}

/* ---- ids ------------------------------------------------------------------- */

static void
test_id_function(void **state)
{
	static const char *good[] = {
		"0180-2026-0042", "q-1", "p-3", "ad-7", "a", "0", "_x", ":x", "A.b_c:d-e",
		"SoN.2026.0042", "01KE2Q7Z9K3M5N7P9R1T3V5X7Z",
	};
	static const char *bad[] = {
		"", ".hidden", "-rf", "a b", "a/b", "../x", "a\\b", "x\n<0>FORGED", "x\r", "x\t",
		"\xc3\x85sa", "a;b", "a,b", "a'b", "a\"b", "a%b", "a@b", "a#b", "a*b", "a\x7f",
		"a\xc2\x85", "a\xe2\x80\xae", "\xef\xbc\x91",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!validate_id(good[i]))
			fail_msg("refused \"%s\"", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (validate_id(bad[i]))
			fail_msg("accepted bad[%zu]", i);
	assert_false(validate_id(NULL));
}

#define NOT_AN_ID "not an id (letters, digits and . _ : -, not starting with . or -)"

static void
test_ids_in_fields(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	char *s;

	(void)state;
	/* the id that forged a log line: refused at the envelope's field */
	set_str(&env->referral_id, "x\n<0>FORGED-2");
	set_str(&env->referral->referral_id, "x\n<0>FORGED-2");
	assert_rejected(env, RC(INVALID), "referralId: contains a control character (U+000A)");
	set_str(&env->referral_id, "0180 2026 0042");
	set_str(&env->referral->referral_id, "0180 2026 0042");
	assert_rejected(env, RC(INVALID), "referralId: " NOT_AN_ID);
	set_str(&env->referral_id, "0180/2026/0042");
	set_str(&env->referral->referral_id, "0180/2026/0042");
	assert_rejected(env, RC(INVALID), "referralId: " NOT_AN_ID);
	set_str(&env->referral_id, "-0180");
	set_str(&env->referral->referral_id, "-0180");
	assert_rejected(env, RC(INVALID), "referralId: " NOT_AN_ID);
	/* the body's own, when the envelope's is fine (validated first) */
	set_str(&env->referral_id, "0180-2026-0042");
	set_str(&env->referral->referral_id, "0180-2026-0042\r");
	assert_rejected(env, RC(INVALID), "referral.referralId: contains a control character (U+000D)");
	set_str(&env->referral->referral_id, ".0180");
	assert_rejected(env, RC(INVALID), "referral.referralId: " NOT_AN_ID);
	/* 64 bytes of the set pass, 65 are too long */
	s = repeat("a", 64);
	set_str(&env->referral_id, s);
	set_str(&env->referral->referral_id, s);
	free(s);
	assert_valid(env);
	drop(env);

	env = load(BODY(INFO_REPLY));
	set_str(&env->info_reply->question_id, "q 1");
	assert_rejected(env, RC(INVALID), "infoReply.questionId: " NOT_AN_ID);
	drop(env);
	env = load(BODY(STATUS_REPORT));
	set_str(&env->status_report->proposal_id, "p/3");
	assert_rejected(env, RC(INVALID), "statusReport.proposalId: " NOT_AN_ID);
	drop(env);
	env = load(BODY(AD_DECISION));
	set_str(&env->ad_decision->ad_id, "ad\x1b[31m");
	assert_rejected(env, RC(INVALID), "adDecision.adId: contains a control character (U+001B)");
	drop(env);
	env = load(BODY(REFERRAL_CLOSED));
	set_str(&env->referral_closed->proposal_id, "p\xe2\x80\xae" "3");
	assert_rejected(env, RC(INVALID), "referralClosed.proposalId: contains a bidirectional control (U+202E)");
	set_str(&env->referral_closed->proposal_id, "");   /* optional: empty is fine */
	assert_valid(env);
	drop(env);
}

static void
test_message_ids_in_fields(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL_ACK));

	(void)state;
	set_str(&env->answers_message_id, "01KE2Q7Z9K3M5N7P9R1T3V5X7Z:1");
	assert_rejected(env, RC(INVALID), "answersMessageId: not a message id (letters, digits, _ and -)");
	set_str(&env->answers_message_id, "01KE2Q7Z9K3M5N7P9R1T3V5X7Z");
	set_str(&env->message_id, "01KE 2Q7Z");
	assert_rejected(env, RC(INVALID), "messageId: not a message id (letters, digits, _ and -)");
	drop(env);

	env = load(BODY(RECEIPT));
	set_str(&env->receipt->entries[0]->message_id, "x\n<0>FORGED");
	assert_rejected(env, RC(INVALID), "receipt.entries[0].messageId: contains a control character (U+000A)");
	set_str(&env->receipt->entries[0]->message_id, "");   /* an unreadable frame's entry */
	assert_valid(env);
	set_str(&env->receipt->entries[1]->reason, "ok\n<0>FORGED");
	assert_rejected(env, RC(INVALID), "receipt.entries[1].reason: contains a control character (U+000A)");
	/* machine-written: a number in it is no alarm */
	set_str(&env->receipt->entries[1]->reason, "message 1212121212 of 121212-1212");
	assert_valid(env);
	drop(env);
}

/* ---- control characters by kind of string ------------------------------------ */

static void
test_controls_in_plain_text(void **state)
{
	static const struct { const char *text; const char *msg; } bad[] = {
		{ "Karin\nBcc: x@example.se", "contains a control character (U+000A)" },
		{ "Karin\r\nÖberg", "contains a control character (U+000D)" },
		{ "Karin\tÖberg", "contains a control character (U+0009)" },
		{ "Karin\x7f", "contains a control character (U+007F)" },
		{ "Karin\x1b[2J", "contains a control character (U+001B)" },
		{ "Karin\x01", "contains a control character (U+0001)" },
		{ "Karin\xc2\x85Öberg", "contains a control character (U+0085)" },      /* NEL */
		{ "Karin\xc2\x9b" "31m", "contains a control character (U+009B)" },       /* CSI */
		{ "Karin\xc2\x80", "contains a control character (U+0080)" },
		{ "Karin\xe2\x80\xa8Öberg", "contains a line or paragraph separator (U+2028)" },
		{ "Karin\xe2\x80\xa9", "contains a line or paragraph separator (U+2029)" },
		{ "Karin\xe2\x80\xaegrebÖ", "contains a bidirectional control (U+202E)" },
		{ "Karin\xe2\x80\xaa", "contains a bidirectional control (U+202A)" },
		{ "Karin\xe2\x81\xa6x", "contains a bidirectional control (U+2066)" },
		{ "Karin\xe2\x81\xa9x", "contains a bidirectional control (U+2069)" },
	};
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	char want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_str(&env->referral->secretary->name, bad[i].text);
		snprintf(want, sizeof(want), "referral.secretary.name: %s", bad[i].msg);
		assert_rejected(env, RC(INVALID), want);
	}
	/* next to them, what names do hold passes */
	set_str(&env->referral->secretary->name, "Åsa-Märta O'Brien Öberg (handläggare)");
	assert_valid(env);
	set_str(&env->referral->secretary->name, "\xd8\xb3\xd8\xa7\xd8\xb1\xd8\xa7 \xe2\x80\x8f(RLM)");
	assert_valid(env);   /* Arabic with a right-to-left mark: not an override */
	set_str(&env->referral->secretary->name, "Karin Öberg");
	/* the same rules in the other plain fields */
	set_str(&env->referral->child->languages[0], "svenska\r");
	assert_rejected(env, RC(INVALID), "referral.child.languages[0]: contains a control character (U+000D)");
	set_str(&env->referral->child->languages[0], "svenska");
	set_str(&env->referral->case_reference, "IFO 2026/0042");
	assert_valid(env);
	set_str(&env->referral->case_reference, "SoN 2025/0117-1");
	assert_valid(env);
	set_str(&env->referral->case_reference, "SoN\t2025/0117-1");
	assert_rejected(env, RC(INVALID), "referral.caseReference: contains a control character (U+0009)");
	set_str(&env->referral->case_reference, "SoN 2025/0117-1\n");
	assert_rejected(env, RC(INVALID), "referral.caseReference: contains a control character (U+000A)");
	drop(env);

	env = load(BODY(HELLO));
	set_str(&env->hello->software, "famlinkd 0.1.0\n<0>x");
	assert_rejected(env, RC(INVALID), "hello.software: contains a control character (U+000A)");
	drop(env);
	env = load(BODY(FAMILY_CONSENT));
	set_str(&env->family_consent->basic_investigation->filename, "a\rb.pdf");
	assert_rejected(env, RC(INVALID),
	    "familyConsent.basicInvestigation.filename: contains a control character (U+000D)");
	drop(env);
}

static void
test_controls_in_free_text(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	char **needs = &env->referral->child->needs;

	(void)state;
	set_str(needs, "Rad ett.\nRad två.\r\nRad tre:\tindrag.\n\n");
	assert_valid(env);
	set_str(needs, "Stycke\xe2\x80\xa8" "ett\xe2\x80\xa9tv\xc3\xa5");
	assert_valid(env);   /* U+2028/U+2029: line breaks of another kind */
	set_str(needs, "\xe2\x80\xab\xd8\xb3\xd8\xa7\xd8\xb1\xd8\xa7\xe2\x80\xac och svenska");
	assert_valid(env);   /* mixed-direction text keeps its embeddings */
	set_str(needs, "Rad ett.\rRad två.");
	assert_rejected(env, RC(INVALID), "referral.child.needs: contains a control character (U+000D)");
	set_str(needs, "Rad ett.\r");
	assert_rejected(env, RC(INVALID), "referral.child.needs: contains a control character (U+000D)");
	set_str(needs, "Ljud\x07");
	assert_rejected(env, RC(INVALID), "referral.child.needs: contains a control character (U+0007)");
	set_str(needs, "Text\x1b]0;title\x07");
	assert_rejected(env, RC(INVALID), "referral.child.needs: contains a control character (U+001B)");
	set_str(needs, "NEL\xc2\x85");
	assert_rejected(env, RC(INVALID), "referral.child.needs: contains a control character (U+0085)");
	set_str(needs, "DEL\x7f");
	assert_rejected(env, RC(INVALID), "referral.child.needs: contains a control character (U+007F)");
	drop(env);
}

/* ---- email and phone --------------------------------------------------------- */

static void
test_email_function(void **state)
{
	static const char *good[] = {
		"karin.oberg@stockholm.example", "a@b.se", "lindqvist@example.se",
		"first.last+tag@sub.domain.example", "o'brien@example.ie", "x_y-z@a-b.example",
		"\xc3\xa5sa@example.se" /* UTF-8 local part */, "info@\xc3\xa5re.se" /* IDN */,
		"a@xn--rr-via.se", "a@b.co", "1@2.se",
	};
	static const char *bad[] = {
		"", "karin.oberg.stockholm.example", "@example.se", "karin@", "karin@example",
		"karin@@example.se", "a@b@example.se", "karin oberg@example.se", "karin@exa mple.se",
		"karin@example.se\r\nBcc: victim@example.se", "karin@example.se\nBcc: x@y.se",
		"karin@example.se,other@example.se", "karin@example.se;other@example.se",
		"<karin@example.se>", "Karin <karin@example.se>", "\"karin\"@example.se",
		".karin@example.se", "karin.@example.se", "ka..rin@example.se", "karin@.example.se",
		"karin@example..se", "karin@example.se.", "karin@-example.se", "karin@example-.se",
		"karin@1.2.3.4", "karin@[192.0.2.1]", "karin@exam_ple.se", "karin@example.se\t",
		"karin\xc2\x85@example.se", "karin@example.se\xe2\x80\xae",
	};
	char big[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!validate_email(good[i]))
			fail_msg("refused \"%s\"", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (validate_email(bad[i]))
			fail_msg("accepted bad[%zu]", i);
	assert_false(validate_email(NULL));
	/* local part at most 64, a label at most 63, the whole at most 254 */
	memset(big, 'a', 64);
	strcpy(big + 64, "@example.se");
	assert_true(validate_email(big));
	memset(big, 'a', 65);
	strcpy(big + 65, "@example.se");
	assert_false(validate_email(big));
	strcpy(big, "a@");
	memset(big + 2, 'b', 63);
	strcpy(big + 65, ".se");
	assert_true(validate_email(big));
	memset(big + 2, 'b', 64);
	strcpy(big + 66, ".se");
	assert_false(validate_email(big));
	strcpy(big, "a@");
	for (i = 0; i < 63; i++)
		memcpy(big + 2 + 4 * i, "bcd.", 4);
	strcpy(big + 2 + 4 * 63, "se");   /* 2 + 252 + 2 = 256 bytes */
	assert_false(validate_email(big));
	big[2 + 4 * 62] = '\0';          /* 254 with the last dot cut off */
	big[2 + 4 * 62 - 1] = 'e';
	assert_int_equal(strlen(big), 250);
	assert_true(validate_email(big));
}

static void
test_email_in_fields(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	char **email = &env->referral->secretary->email;
	err_t err = { 0 };

	(void)state;
	/* the header injection that was seen */
	set_str(email, "karin.oberg@stockholm.example\r\nBcc: all@example.se");
	assert_rejected(env, RC(INVALID), "referral.secretary.email: contains a control character (U+000D)");
	assert_int_equal(validate_envelope(env, &err), -1);
	assert_null(strstr(err.msg, "Bcc"));
	set_str(email, "karin.oberg@stockholm.example\nBcc: all@example.se");
	assert_rejected(env, RC(INVALID), "referral.secretary.email: contains a control character (U+000A)");
	/* and the address without "@" */
	set_str(email, "karin.oberg.stockholm.example");
	assert_rejected(env, RC(INVALID),
	    "referral.secretary.email: not an email address (one address, name@example.se)");
	set_str(email, "karin@example.se, all@example.se");
	assert_rejected(env, RC(INVALID),
	    "referral.secretary.email: not an email address (one address, name@example.se)");
	set_str(email, "karin.oberg@stockholm.example");
	assert_valid(env);
	set_str(email, "");   /* optional */
	assert_valid(env);
	drop(env);

	env = load(BODY(REFERRAL_ACK));
	set_str(&env->referral_ack->pool_contact->email, "lars");
	assert_rejected(env, RC(INVALID),
	    "referralAck.poolContact.email: not an email address (one address, name@example.se)");
	drop(env);
}

static void
test_phone(void **state)
{
	Famlink__V1__Envelope *env = load(BODY(REFERRAL));
	char **phone = &env->referral->secretary->phone;

	(void)state;
	assert_true(validate_phone("08-508 250 00"));
	assert_true(validate_phone("+46 (0)8 508 250 00"));
	assert_true(validate_phone("0701234567"));
	assert_false(validate_phone(""));
	assert_false(validate_phone("+ - ()"));
	assert_false(validate_phone("08-508 250 00 ankn. 12"));
	assert_false(validate_phone("08/508 250 00"));
	assert_false(validate_phone(NULL));
	set_str(phone, "08-508 250 00\r\nBcc: x@example.se");
	assert_rejected(env, RC(INVALID), "referral.secretary.phone: contains a control character (U+000D)");
	set_str(phone, "växel");
	assert_rejected(env, RC(INVALID),
	    "referral.secretary.phone: not a phone number (digits, spaces and + - ( ))");
	set_str(phone, "+46 8 508 250 00");
	assert_valid(env);
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
		cmocka_unit_test(test_personnummer_spellings),
		cmocka_unit_test(test_no_false_alarm),
		cmocka_unit_test(test_personnummer_in_every_written_field),
		cmocka_unit_test(test_personnummer_in_ids),
		cmocka_unit_test(test_personnummer_in_phone),
		cmocka_unit_test(test_id_function),
		cmocka_unit_test(test_ids_in_fields),
		cmocka_unit_test(test_message_ids_in_fields),
		cmocka_unit_test(test_controls_in_plain_text),
		cmocka_unit_test(test_controls_in_free_text),
		cmocka_unit_test(test_email_function),
		cmocka_unit_test(test_email_in_fields),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_validate_message_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
