/* email_mime — see email_mime.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base64.h"
#include "email_mime.h"
#include "utf8.h"

/* An encoded word holds at most 75 characters (RFC 2047 §2): 42 bytes of
 * text are 56 of base64, which with "=?UTF-8?B?" and "?=" and the
 * "Subject: " before the first keep every line under 78. */
#define WORD_BYTES 42
#define QP_LINE 76        /* quoted-printable's longest line, soft break included */

static bool
header_value_ok(const char *v)
{
	if (v == NULL || v[0] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool
plain_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p > 0x7e)
			return false;
	return strlen(s) <= 900;
}

/* How many bytes of s (n left) fit one encoded word, whole characters. */
static size_t
word_cut(const unsigned char *s, size_t n)
{
	size_t used = 0, seq;

	while (used < n && (seq = utf8_seq(s + used, n - used)) > 0 && used + seq <= WORD_BYTES)
		used += seq;
	return used;
}

static int
put_subject(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);

	if (plain_ascii(s))
		return fprintf(f, "Subject: %s\r\n", s) < 0 ? -1 : 0;
	fputs("Subject:", f);
	while (left > 0) {
		size_t take = word_cut(p, left), n;
		char *b64;
		if (take == 0 || (b64 = base64_encode(p, take, &n)) == NULL)
			return -1;
		fprintf(f, "%s=?UTF-8?B?%s?=", p == (const unsigned char *)s ? " " : "\r\n ", b64);
		free(b64);
		p += take;
		left -= take;
	}
	return fputs("\r\n", f) < 0 ? -1 : 0;
}

static void
put_date(FILE *f, int64_t ms)
{
	static const char *const day[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const month[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	    "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	fprintf(f, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", day[tm.tm_wday], tm.tm_mday,
	    month[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* One line of the body (no line end in it), quoted-printable. */
static void
put_qp_line(FILE *f, const unsigned char *s, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		char enc[4];
		bool blank = s[i] == ' ' || s[i] == '\t';
		int w = (s[i] >= 33 && s[i] <= 126 && s[i] != '=') || (blank && i + 1 < n)
		    ? snprintf(enc, sizeof(enc), "%c", s[i]) : snprintf(enc, sizeof(enc), "=%02X", s[i]);
		if (col + (size_t)w > QP_LINE - 1) {
			fputs("=\r\n", f);
			col = 0;
		}
		fputs(enc, f);
		col += (size_t)w;
	}
	fputs("\r\n", f);
}

static void
put_body(FILE *f, const char *body)
{
	const char *p = body;

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		put_qp_line(f, (const unsigned char *)p, n);
		p += n + (p[n] == '\n');
	}
}

static int
put_headers(FILE *f, const email_mime_t *m)
{
	if (fprintf(f, "From: famlink <%s>\r\nTo: undisclosed-recipients:;\r\n", m->from) < 0 ||
	    put_subject(f, m->subject) != 0)
		return -1;
	put_date(f, m->date_ms);
	return fprintf(f, "Message-ID: <%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n", m->message_id) < 0 ? -1 : 0;
}

char *
email_mime_message(const email_mime_t *m, size_t *len, err_t *err)
{
	const char *const values[] = { m->from, m->subject, m->message_id };
	static const char *const names[] = { "From", "Subject", "Message-ID" };
	char *out = NULL;
	FILE *f;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (!header_value_ok(values[i]))
			return err_set(err, EINVAL, "%s: empty, or a CR, LF or other control"
			    " character in its value: refused", names[i]), NULL;
	if (!utf8_valid(m->subject, strlen(m->subject)) || !utf8_valid(m->body, strlen(m->body)))
		return err_set(err, EINVAL, "not UTF-8 text: refused"), NULL;
	if ((f = open_memstream(&out, len)) == NULL)
		return err_set(err, ENOMEM, "out of memory"), NULL;
	if (put_headers(f, m) != 0) {
		fclose(f);
		free(out);
		return err_set(err, ENOMEM, "out of memory"), NULL;
	}
	put_body(f, m->body);
	if (fclose(f) != 0) {
		free(out);
		return err_set(err, ENOMEM, "out of memory"), NULL;
	}
	return out;
}

void
email_mime_message_id(int64_t first_id, size_t count, const char *node_id, const char *from,
    char *buf, size_t len)
{
	const char *at = strrchr(from, '@');
	char node[65], more[24] = "";
	size_t i;

	for (i = 0; node_id[i] != '\0' && i < sizeof(node) - 1; i++)
		node[i] = node_id[i] == ':' ? '-' : node_id[i];
	node[i] = '\0';
	if (count > 1)
		snprintf(more, sizeof(more), "+%zu", count);
	snprintf(buf, len, "famlink.n%lld%s.%s@%s", (long long)first_id, more, node,
	    at != NULL ? at + 1 : "famlink.invalid");
}
