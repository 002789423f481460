/*
 * test_envelope — message ids (ULID: Crockford base32, time first, strictly
 * increasing within a process), the header envelope_init() fills, packing
 * and unpacking, body names (including a body from a newer build) and which
 * bodies are sequenced.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "envelope.h"

#define BODY(x) FAMLINK__V1__ENVELOPE__BODY_##x
#define HUB  "pool:stockholm-nord"
#define M180 "municipality:0180"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The value of one Crockford digit, -1 if it is not one. */
static int
digit(char c)
{
	const char *p = c ? strchr(crockford, c) : NULL;

	return p ? (int)(p - crockford) : -1;
}

/* The millisecond time in an id's first 10 digits (50 bits, top 2 zero). */
static int64_t
id_time(const char *id)
{
	int64_t t = 0;

	for (int i = 0; i < 10; i++)
		t = t * 32 + digit(id[i]);
	return t;
}

static void
assert_valid_id(const char *id)
{
	assert_int_equal(strlen(id), MESSAGE_ID_LEN);
	for (int i = 0; i < MESSAGE_ID_LEN; i++)
		if (digit(id[i]) < 0)
			fail_msg("id %s: '%c' at %d is not Crockford base32", id, id[i], i);
	assert_null(strpbrk(id, "ILOUilou"));
	/* 128 bits in 130: the first digit holds 3 bits. */
	assert_in_range(digit(id[0]), 0, 7);
}

static void
test_new_id_format_and_time(void **state)
{
	char id[MESSAGE_ID_LEN + 1];
	int64_t before, after;

	(void)state;
	memset(id, '#', sizeof(id));
	before = clock_now_ms();
	envelope_new_id(id);
	after = clock_now_ms();
	assert_int_equal(id[MESSAGE_ID_LEN], '\0');
	assert_valid_id(id);
	assert_in_range(id_time(id), before - 2, after + 2);
}

static void
test_new_id_strictly_increasing(void **state)
{
	enum { N = 100000 };
	char (*ids)[MESSAGE_ID_LEN + 1] = malloc(N * sizeof(*ids));
	int64_t before, after;
	int same_ms = 0, distinct_random = 0;

	(void)state;
	assert_non_null(ids);
	before = clock_now_ms();
	for (int i = 0; i < N; i++)   /* tight: many land in the same millisecond */
		envelope_new_id(ids[i]);
	after = clock_now_ms();

	for (int i = 0; i < N; i++) {
		assert_valid_id(ids[i]);
		assert_in_range(id_time(ids[i]), before - 2, after + 2);
		if (i == 0)
			continue;
		if (strcmp(ids[i - 1], ids[i]) >= 0)
			fail_msg("id %d %s does not sort after %s", i, ids[i], ids[i - 1]);
		if (memcmp(ids[i - 1], ids[i], 10) == 0)
			same_ms++;
		if (memcmp(ids[i - 1] + 10, ids[i] + 10, 16) != 0)
			distinct_random++;
	}
	assert_true(same_ms > 0);              /* the same-millisecond path ran */
	assert_int_equal(distinct_random, N - 1);
	free(ids);
}

static void
test_init(void **state)
{
	Famlink__V1__Envelope env;
	char id[MESSAGE_ID_LEN + 1];
	int64_t before, after;

	(void)state;
	memset(&env, 0x5a, sizeof(env));
	before = clock_now_ms();
	envelope_init(&env, id, HUB, M180);
	after = clock_now_ms();
	assert_ptr_equal(env.message_id, id);
	assert_valid_id(id);
	assert_int_equal(env.schema_version, FAMLINK__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT);
	assert_int_equal(env.schema_version, 1);
	assert_string_equal(env.sender, HUB);
	assert_string_equal(env.recipient, M180);
	assert_in_range(env.created_at_ms, before, after);
	assert_string_equal(env.referral_id, "");
	assert_string_equal(env.answers_message_id, "");
	assert_int_equal(env.sequence, 0);
	assert_false(env.confidential);
	assert_int_equal(env.body_case, FAMLINK__V1__ENVELOPE__BODY__NOT_SET);
	assert_int_equal(env.base.n_unknown_fields, 0);
}

static void
test_pack_unpack_round_trip(void **state)
{
	Famlink__V1__Envelope env, *out;
	Famlink__V1__Referral ref = FAMLINK__V1__REFERRAL__INIT;
	Famlink__V1__Decision dec = FAMLINK__V1__DECISION__INIT;
	Famlink__V1__ChildProfile child = FAMLINK__V1__CHILD_PROFILE__INIT;
	Famlink__V1__Contact sec = FAMLINK__V1__CONTACT__INIT;
	char *langs[] = { "svenska", "arabiska" };
	char id[MESSAGE_ID_LEN + 1];
	uint8_t *buf;
	size_t len = 0;
	err_t err = {0};

	(void)state;
	envelope_init(&env, id, M180, HUB);
	env.referral_id = "0180-2026-0042";
	env.sequence = 12;
	env.answers_message_id = "01KE2Q7Z9K3M5N7P9R1T3V5X7Z";
	env.confidential = true;
	dec.taken = true;
	dec.decided_on = "2026-01-02";
	dec.legal_basis = FAMLINK__V1__LEGAL_BASIS__LEGAL_BASIS_SOL;
	child.alias = "Åsa";
	child.birth_year = 2015;
	child.gender = FAMLINK__V1__GENDER__GENDER_GIRL;
	child.n_languages = 2;
	child.languages = langs;
	sec.name = "Karin Öberg";
	sec.email = "karin.oberg@stockholm.example";
	ref.referral_id = "0180-2026-0042";
	ref.kind = FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_FOSTER_HOME;
	ref.urgency = FAMLINK__V1__URGENCY__URGENCY_URGENT;
	ref.decision = &dec;
	ref.child = &child;
	ref.secretary = &sec;
	env.body_case = BODY(REFERRAL);
	env.referral = &ref;

	buf = envelope_pack(&env, &len, &err);
	assert_non_null(buf);
	assert_int_equal(len, famlink__v1__envelope__get_packed_size(&env));
	out = envelope_unpack(buf, len, &err);
	assert_non_null(out);
	assert_string_equal(out->message_id, id);
	assert_int_equal(out->schema_version, 1);
	assert_string_equal(out->sender, M180);
	assert_string_equal(out->recipient, HUB);
	assert_int_equal(out->created_at_ms, env.created_at_ms);
	assert_string_equal(out->referral_id, "0180-2026-0042");
	assert_int_equal(out->sequence, 12);
	assert_string_equal(out->answers_message_id, "01KE2Q7Z9K3M5N7P9R1T3V5X7Z");
	assert_true(out->confidential);
	assert_int_equal(out->body_case, BODY(REFERRAL));
	assert_string_equal(out->referral->referral_id, "0180-2026-0042");
	assert_int_equal(out->referral->kind, FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_FOSTER_HOME);
	assert_true(out->referral->decision->taken);
	assert_string_equal(out->referral->decision->decided_on, "2026-01-02");
	assert_string_equal(out->referral->child->alias, "Åsa");
	assert_int_equal(out->referral->child->birth_year, 2015);
	assert_int_equal(out->referral->child->n_languages, 2);
	assert_string_equal(out->referral->child->languages[1], "arabiska");
	assert_string_equal(out->referral->secretary->email, "karin.oberg@stockholm.example");
	assert_null(out->referral->compensation);
	assert_string_equal(envelope_body_name(out), "referral");
	envelope_free(&out);
	assert_null(out);
	envelope_free(&out);   /* no-op */
	free(buf);

	/* An envelope with nothing set but defaults packs to nothing and back. */
	famlink__v1__envelope__init(&env);
	buf = envelope_pack(&env, &len, &err);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	out = envelope_unpack(buf, len, &err);
	assert_non_null(out);
	assert_string_equal(envelope_body_name(out), "none");
	envelope_free(&out);
	free(buf);
}

static void
test_unpack_garbage(void **state)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34 };
	static const char text[] = "{\"messageId\":\"01KE2Q7Z9K3M5N7P9R1T3V5X7Z\"}";
	Famlink__V1__Envelope env, *out;
	char id[MESSAGE_ID_LEN + 1];
	uint8_t *buf;
	size_t len;
	err_t err = {0};

	(void)state;
	out = envelope_unpack(garbage, sizeof(garbage), &err);
	assert_null(out);
	assert_int_equal(err.code, FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_MALFORMED);
	assert_int_equal(err.code, 1);
	assert_non_null(strstr(err.msg, "7 bytes"));

	memset(&err, 0, sizeof(err));
	assert_null(envelope_unpack(text, strlen(text), &err));
	assert_int_equal(err.code, 1);

	/* A real envelope cut short. */
	envelope_init(&env, id, M180, HUB);
	env.referral_id = "0180-2026-0042";
	buf = envelope_pack(&env, &len, &err);
	assert_non_null(buf);
	memset(&err, 0, sizeof(err));
	assert_null(envelope_unpack(buf, len - 3, &err));
	assert_int_equal(err.code, 1);
	free(buf);

	/* err may be NULL. */
	assert_null(envelope_unpack(garbage, sizeof(garbage), NULL));
}

static void
test_body_names(void **state)
{
	Famlink__V1__Envelope env;
	Famlink__V1__Referral ref = FAMLINK__V1__REFERRAL__INIT;
	Famlink__V1__Receipt rcpt = FAMLINK__V1__RECEIPT__INIT;
	Famlink__V1__Hello hello = FAMLINK__V1__HELLO__INIT;
	Famlink__V1__InfoRequest info = FAMLINK__V1__INFO_REQUEST__INIT;
	Famlink__V1__ReferralClosed closed = FAMLINK__V1__REFERRAL_CLOSED__INIT;
	Famlink__V1__ReferralAck ack = FAMLINK__V1__REFERRAL_ACK__INIT;
	char id[MESSAGE_ID_LEN + 1];

	(void)state;
	envelope_init(&env, id, M180, HUB);
	assert_string_equal(envelope_body_name(&env), "none");
	env.body_case = BODY(REFERRAL), env.referral = &ref;
	assert_string_equal(envelope_body_name(&env), "referral");
	env.body_case = BODY(REFERRAL_ACK), env.referral_ack = &ack;
	assert_string_equal(envelope_body_name(&env), "referral_ack");
	env.body_case = BODY(INFO_REQUEST), env.info_request = &info;
	assert_string_equal(envelope_body_name(&env), "info_request");
	env.body_case = BODY(REFERRAL_CLOSED), env.referral_closed = &closed;
	assert_string_equal(envelope_body_name(&env), "referral_closed");
	env.body_case = BODY(RECEIPT), env.receipt = &rcpt;
	assert_string_equal(envelope_body_name(&env), "receipt");
	env.body_case = BODY(HELLO), env.hello = &hello;
	assert_string_equal(envelope_body_name(&env), "hello");
	/* A case number this build has no field for. */
	env.body_case = (Famlink__V1__Envelope__BodyCase)99;
	assert_string_equal(envelope_body_name(&env), "unknown");
}

/* A body from a newer build arrives as an unknown field: field 99, length
 * delimited, holding {1: 1}. */
static void
test_body_unknown_from_wire(void **state)
{
	static const uint8_t field99[] = { 0x9a, 0x06, 0x02, 0x08, 0x01 };
	Famlink__V1__Envelope env, *out;
	Famlink__V1__InfoRequest info = FAMLINK__V1__INFO_REQUEST__INIT;
	char id[MESSAGE_ID_LEN + 1];
	uint8_t *buf, *wire;
	size_t len;
	err_t err = {0};

	(void)state;
	envelope_init(&env, id, M180, HUB);
	env.referral_id = "0180-2026-0042";
	buf = envelope_pack(&env, &len, &err);
	assert_non_null(buf);
	wire = malloc(len + sizeof(field99));
	assert_non_null(wire);
	memcpy(wire, buf, len);
	memcpy(wire + len, field99, sizeof(field99));

	out = envelope_unpack(wire, len + sizeof(field99), &err);
	assert_non_null(out);
	assert_int_equal(out->body_case, FAMLINK__V1__ENVELOPE__BODY__NOT_SET);
	assert_int_equal(out->base.n_unknown_fields, 1);
	assert_string_equal(out->message_id, id);
	assert_string_equal(envelope_body_name(out), "unknown");
	envelope_free(&out);

	/* Without the extra field it is simply "none". */
	out = envelope_unpack(buf, len, &err);
	assert_non_null(out);
	assert_string_equal(envelope_body_name(out), "none");
	envelope_free(&out);
	free(buf);
	free(wire);

	/* A known body next to an unknown field keeps its name. */
	env.body_case = BODY(INFO_REQUEST), env.info_request = &info;
	buf = envelope_pack(&env, &len, &err);
	assert_non_null(buf);
	wire = malloc(len + sizeof(field99));
	assert_non_null(wire);
	memcpy(wire, buf, len);
	memcpy(wire + len, field99, sizeof(field99));
	out = envelope_unpack(wire, len + sizeof(field99), &err);
	assert_non_null(out);
	assert_int_equal(out->base.n_unknown_fields, 1);
	assert_string_equal(envelope_body_name(out), "info_request");
	envelope_free(&out);
	free(buf);
	free(wire);
}

static void
test_is_sequenced(void **state)
{
	Famlink__V1__Envelope env;
	Famlink__V1__Referral ref = FAMLINK__V1__REFERRAL__INIT;
	Famlink__V1__Receipt rcpt = FAMLINK__V1__RECEIPT__INIT;
	Famlink__V1__Hello hello = FAMLINK__V1__HELLO__INIT;
	Famlink__V1__ReferralAck ack = FAMLINK__V1__REFERRAL_ACK__INIT;
	Famlink__V1__ReferralClosed closed = FAMLINK__V1__REFERRAL_CLOSED__INIT;
	char id[MESSAGE_ID_LEN + 1];

	(void)state;
	envelope_init(&env, id, M180, HUB);
	env.body_case = BODY(REFERRAL), env.referral = &ref;
	assert_true(envelope_is_sequenced(&env));
	env.body_case = BODY(REFERRAL_ACK), env.referral_ack = &ack;
	assert_true(envelope_is_sequenced(&env));
	env.body_case = BODY(REFERRAL_CLOSED), env.referral_closed = &closed;
	assert_true(envelope_is_sequenced(&env));
	env.body_case = BODY(RECEIPT), env.receipt = &rcpt;
	assert_false(envelope_is_sequenced(&env));
	env.body_case = BODY(HELLO), env.hello = &hello;
	assert_false(envelope_is_sequenced(&env));
}

/* famlinkctl send uses a given messageId only if it is such a ULID. */
static void
test_is_ulid(void **state)
{
	char id[MESSAGE_ID_LEN + 1];

	(void)state;
	envelope_new_id(id);
	assert_true(envelope_is_ulid(id));
	assert_true(envelope_is_ulid("01KE2Q7Z9K3M5N7P9R1T3V5X7Z"));
	assert_false(envelope_is_ulid("01ke2q7z9k3m5n7p9r1t3v5x7z"));   /* lower case */
	assert_false(envelope_is_ulid("01KE2Q7Z9K3M5N7P9R1T3V5X7I"));   /* I is not Crockford */
	assert_false(envelope_is_ulid("81KE2Q7Z9K3M5N7P9R1T3V5X7Z"));   /* over 128 bits */
	assert_false(envelope_is_ulid("01KE2Q7Z9K3M5N7P9R1T3V5X7"));    /* 25 characters */
	assert_false(envelope_is_ulid(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_id_format_and_time),
		cmocka_unit_test(test_new_id_strictly_increasing),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_is_ulid),
		cmocka_unit_test(test_pack_unpack_round_trip),
		cmocka_unit_test(test_unpack_garbage),
		cmocka_unit_test(test_body_names),
		cmocka_unit_test(test_body_unknown_from_wire),
		cmocka_unit_test(test_is_sequenced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
