/*
 * test_envelope_json — a stored envelope as JSON: the whole envelope is
 * exactly the canonical JSON it was made from (every body of the oneof),
 * the body alone has its one key, the line form is one line ending in
 * "\n", unknown fields from a newer peer are named, and bytes that are
 * not an Envelope are refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec_json.h"
#include "envelope.h"
#include "envelope_json.h"
#include "fixtures_envelopes.h"

/* The fixture's JSON as stored: parsed by the codec, packed. */
static uint8_t *
stored(const char *json, size_t *len)
{
	err_t err = {0};
	ProtobufCMessage *m = codec_from_json_string(&famlink__v1__envelope__descriptor, json,
	    strlen(json), &err);
	uint8_t *data;

	if (m == NULL)
		fail_msg("fixture does not parse: %s", err.msg);
	assert_non_null(data = envelope_pack((Famlink__V1__Envelope *)m, len, &err));
	protobuf_c_message_free_unpacked(m, NULL);
	return data;
}

static void
test_whole_and_body(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		size_t len;
		uint8_t *data = stored(fixtures[i].json, &len);
		json_t *want = json_loads(fixtures[i].json, 0, NULL), *whole, *body, *unknown;
		err_t err = {0};

		assert_non_null(want);
		assert_non_null(whole = envelope_json(data, len, 0, &unknown, &err));
		if (!json_equal(whole, want))
			fail_msg("fixture %zu: %s", i, json_dumps(whole, JSON_COMPACT));
		assert_int_equal(json_array_size(unknown), 0);
		assert_non_null(body = envelope_json(data, len, ENVELOPE_JSON_BODY, NULL, &err));
		assert_int_equal(json_object_size(body), 1);   /* {"referralAck": {...}} */
		assert_null(json_object_get(body, "messageId"));
		json_decref(want);
		json_decref(whole);
		json_decref(body);
		json_decref(unknown);
		free(data);
	}
}

/* What an adapter hands over: the ids beside the body, the body as the
 * body-only form gives it, and the unknown fields (none here). */
static void
test_message(void **state)
{
	size_t len;
	uint8_t *data = stored(fixtures[1].json, &len);
	Famlink__V1__Envelope *env;
	err_t err = {0};
	json_t *j, *body;

	(void)state;
	assert_non_null(env = envelope_unpack(data, len, &err));
	assert_non_null(j = envelope_message_json(env, &err));
	assert_string_equal(json_string_value(json_object_get(j, "messageId")),
	    "01KE4B2C3D4E5F6G7H8J9K0M1N");
	assert_string_equal(json_string_value(json_object_get(j, "bodyType")),
	    envelope_body_name(env));
	assert_int_equal(json_array_size(json_object_get(j, "unknownFields")), 0);
	assert_non_null(body = envelope_json(data, len, ENVELOPE_JSON_BODY, NULL, &err));
	assert_true(json_equal(body, json_object_get(j, "body")));
	json_decref(body);
	json_decref(j);
	envelope_free(&env);
	free(data);
}

/* Field 99, varint 1: what a newer peer might add. */
static void
test_unknown_named(void **state)
{
	size_t len;
	uint8_t *data = stored(fixtures[1].json, &len), *more;
	json_t *whole, *unknown;
	err_t err = {0};

	(void)state;
	assert_non_null(more = realloc(data, len + 3));
	memcpy(more + len, "\x98\x06\x01", 3);
	assert_non_null(whole = envelope_json(more, len + 3, 0, &unknown, &err));
	assert_int_equal(json_array_size(unknown), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(unknown, 0), "field")),
	    99);
	json_decref(whole);
	json_decref(unknown);
	free(more);
}

static void
test_not_an_envelope(void **state)
{
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff };
	json_t *unknown = json_true();
	err_t err = {0};

	(void)state;
	assert_null(envelope_json(junk, sizeof(junk), 0, &unknown, &err));
	assert_null(unknown);
	assert_non_null(strstr(err.msg, "not a famlink Envelope"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_and_body),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_unknown_named),
		cmocka_unit_test(test_not_an_envelope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
