/*
 * test_email_mime — a mail as the server gets it: a Swedish subject in
 * RFC 2047 encoded words that decode back to the same text, every line
 * CRLF-ended and under 78 bytes, the body quoted-printable (decoded back
 * byte for byte), the MIME headers, no recipient's address; a CR or LF in
 * any header's value is refused; the Message-ID is the same for the same
 * notification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"
#include "email_mime.h"

#define SUBJECT "Påminnelse: första kontakt med familjen i remiss 0101-2026-0007," \
	" sista dag 2026-12-28 (åäö ÅÄÖ)"

static email_mime_t
sample(const char *subject, const char *body)
{
	return (email_mime_t){ "famlink@kommun.example", subject,
	    "famlink.n42.municipality-0101@kommun.example", 1798455600000LL, body };
}

/* The Subject header's value, its encoded words decoded and unfolded. */
static void
decode_subject(const char *msg, char *out, size_t len)
{
	const char *p = strstr(msg, "\r\nSubject:") + 10, *end = strstr(p, "\r\n");
	size_t used = 0;

	while (end[2] == ' ')   /* folded: the header goes on */
		end = strstr(end + 2, "\r\n");
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL && p < end) {
		const char *q = strstr(p + 10, "?=");
		uint8_t *bytes;
		size_t n;
		assert_int_equal(base64_decode(p + 10, (size_t)(q - p - 10), &bytes, &n), 0);
		assert_true(used + n < len);
		memcpy(out + used, bytes, n);
		used += n;
		free(bytes);
		p = q + 2;
	}
	out[used] = '\0';
}

static int
hex(char c)
{
	return c >= 'A' ? c - 'A' + 10 : c - '0';
}

/* The body (after the empty line) decoded from quoted-printable. */
static void
decode_body(const char *msg, char *out)
{
	const char *p = strstr(msg, "\r\n\r\n") + 4;
	char *o = out;

	while (*p != '\0') {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 3;
		} else if (p[0] == '=') {
			*o++ = (char)(hex(p[1]) * 16 + hex(p[2]));
			p += 3;
		} else if (p[0] == '\r' && p[1] == '\n') {
			*o++ = '\n';
			p += 2;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

static void
assert_lines_short(const char *msg)
{
	for (const char *p = msg; *p != '\0'; ) {
		const char *nl = strstr(p, "\r\n");
		assert_non_null(nl);   /* every line ends in CRLF */
		assert_true(nl - p <= 77);
		assert_null(memchr(p, '\n', (size_t)(nl - p)));   /* no bare LF */
		p = nl + 2;
	}
}

static void
test_swedish_subject_and_body(void **state)
{
	char body[2048], decoded[2048], subject[512], line[200];
	email_mime_t m;
	size_t len;
	char *msg;
	err_t err = {0};

	(void)state;
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	snprintf(body, sizeof(body), "Hej!\n\nTidsfristen för första kontakt = snart.\n"
	    "Slut med mellanslag \n%s\n.ensam punkt\n", line);
	m = sample(SUBJECT, body);
	assert_non_null(msg = email_mime_message(&m, &len, &err));
	assert_int_equal(len, strlen(msg));
	assert_lines_short(msg);
	assert_null(strstr(msg, "å"));   /* nothing 8-bit on the wire */
	decode_subject(msg, subject, sizeof(subject));
	assert_string_equal(subject, SUBJECT);
	decode_body(msg, decoded);
	assert_string_equal(decoded, body);
	assert_non_null(strstr(msg, "Slut med mellanslag=20\r\n"));
	assert_non_null(strstr(msg, "f=C3=B6rsta kontakt =3D snart."));
	assert_non_null(strstr(msg, "From: famlink <famlink@kommun.example>\r\n"));
	/* The recipient's address travels in the SMTP envelope only. */
	assert_non_null(strstr(msg, "\r\nTo: undisclosed-recipients:;\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <famlink.n42.municipality-0101@kommun"
	    ".example>\r\n"));
	assert_non_null(strstr(msg, "\r\nDate: Mon, 28 Dec 2026 11:00:00 +0000\r\n"));
	assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain;"
	    " charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
	free(msg);
}

static void
test_ascii_subject_as_is(void **state)
{
	email_mime_t m = sample("famlink: 3 events (pool:test)", "x\n");
	size_t len;
	char *msg;
	err_t err = {0};

	(void)state;
	assert_non_null(msg = email_mime_message(&m, &len, &err));
	assert_non_null(strstr(msg, "\r\nSubject: famlink: 3 events (pool:test)\r\n"));
	free(msg);
}

static void
test_crlf_in_headers_refused(void **state)
{
	static const char *const bad[] = {
		"Hej\r\nBcc: all@example.se", "Hej\nBcc: all@example.se", "Hej\rX", "",
	};
	email_mime_t m;
	size_t len;
	err_t err = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = sample(bad[i], "x\n");
		assert_null(email_mime_message(&m, &len, &err));
		assert_non_null(strstr(err.msg, "Subject: empty, or a CR, LF"));
		m = sample("ok", "x\n");
		m.from = bad[i];
		assert_null(email_mime_message(&m, &len, &err));
		m = sample("ok", "x\n");
		m.message_id = bad[i];
		assert_null(email_mime_message(&m, &len, &err));
	}
}

static void
test_message_id(void **state)
{
	char a[128], b[128];

	(void)state;
	email_mime_message_id(42, 1, "municipality:0101", "famlink@kommun.example", a, sizeof(a));
	assert_string_equal(a, "famlink.n42.municipality-0101@kommun.example");
	email_mime_message_id(42, 1, "municipality:0101", "famlink@kommun.example", b, sizeof(b));
	assert_string_equal(a, b);
	email_mime_message_id(42, 3, "pool:nordvast", "noreply@pool.example", a, sizeof(a));
	assert_string_equal(a, "famlink.n42+3.pool-nordvast@pool.example");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swedish_subject_and_body),
		cmocka_unit_test(test_ascii_subject_as_is),
		cmocka_unit_test(test_crlf_in_headers_refused),
		cmocka_unit_test(test_message_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
