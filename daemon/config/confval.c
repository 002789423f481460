/*
 * confval — see confval.h. Parsing is by hand rather than strtoul(): strtoul
 * accepts leading spaces, a sign ("-1" becomes a huge number) and stops
 * silently at the first non-digit, all of which a config must refuse.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "confval.h"

/* Leading decimal digits of s into *out; *end points after them. */
static int
digits(const char *s, unsigned long long *out, const char **end)
{
	unsigned long long v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return CONFVAL_RANGE;
		v = v * 10 + d;
	}
	if (p == s)
		return CONFVAL_SYNTAX;
	*out = v;
	*end = p;
	return CONFVAL_OK;
}

/* n * mult, or CONFVAL_RANGE if that exceeds max. */
static int
scale(unsigned long long n, unsigned long long mult, unsigned long long max,
    unsigned long long *out)
{
	if (n > max / mult)
		return CONFVAL_RANGE;
	*out = n * mult;
	return CONFVAL_OK;
}

int
confval_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long v;
	const char *end;
	int rc = digits(s, &v, &end);

	if (rc != CONFVAL_OK)
		return rc;
	if (*end != '\0')
		return CONFVAL_SYNTAX;
	if (v > max)
		return CONFVAL_RANGE;
	*out = v;
	return CONFVAL_OK;
}

int
confval_duration_ms(const char *s, unsigned *out)
{
	static const struct { const char *unit; unsigned long long ms; } units[] = {
		{"", 1}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000},
	};
	unsigned long long n, v;
	const char *end;
	int rc = digits(s, &n, &end);

	if (rc != CONFVAL_OK) {
		/* A run of digits too long for 64 bits is still a number. */
		return rc == CONFVAL_RANGE ? CONFVAL_RANGE : CONFVAL_SYNTAX;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		rc = scale(n, units[i].ms, UINT_MAX, &v);
		if (rc == CONFVAL_OK)
			*out = (unsigned)v;
		return rc;
	}
	return CONFVAL_SYNTAX;
}

int
confval_size(const char *s, size_t *out)
{
	unsigned long long n, v, mult;
	const char *end;
	int rc = digits(s, &n, &end);

	if (rc != CONFVAL_OK)
		return rc;
	switch (*end) {
	case '\0': mult = 1; break;
	case 'k': case 'K': mult = 1ULL << 10; break;
	case 'm': case 'M': mult = 1ULL << 20; break;
	case 'g': case 'G': mult = 1ULL << 30; break;
	default: return CONFVAL_SYNTAX;
	}
	if (*end != '\0' && end[1] != '\0')
		return CONFVAL_SYNTAX;
	rc = scale(n, mult, SIZE_MAX, &v);
	if (rc == CONFVAL_OK)
		*out = (size_t)v;
	return rc;
}

int
confval_span(const char *s, span_t *out)
{
	static const struct { const char *unit; span_unit_t u; } units[] = {
		{"h", SPAN_HOURS}, {"d", SPAN_DAYS}, {"wd", SPAN_WORKING_DAYS},
	};
	unsigned long long n = 0;
	const char *end;
	int rc = digits(s, &n, &end);

	if (rc == CONFVAL_SYNTAX)
		return CONFVAL_SYNTAX;
	if (rc == CONFVAL_RANGE)   /* too long for 64 bits: find its unit anyway */
		end = s + strspn(s, "0123456789");
	else if (n > UINT_MAX)
		rc = CONFVAL_RANGE;
	end += strspn(end, " \t");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		out->unit = units[i].u;
		if (rc == CONFVAL_OK)
			out->amount = (unsigned)n;
		return rc;
	}
	return CONFVAL_SYNTAX;
}

int
confval_uint_pair(const char *s, unsigned long long max, unsigned long long *lo,
    unsigned long long *hi)
{
	unsigned long long a = 0, b = 0;
	const char *end;
	int rc = digits(s, &a, &end), rc2;

	if (rc == CONFVAL_SYNTAX)
		return rc;
	if (rc == CONFVAL_RANGE)
		end = s + strspn(s, "0123456789");
	end += strspn(end, " \t");
	if (*end != '-')
		return CONFVAL_SYNTAX;
	end += 1 + strspn(end + 1, " \t");
	rc2 = confval_uint(end, max, &b);
	if (rc2 == CONFVAL_SYNTAX)
		return rc2;
	if (rc != CONFVAL_OK || rc2 != CONFVAL_OK || a > max)
		return CONFVAL_RANGE;
	*lo = a;
	*hi = b;
	return CONFVAL_OK;
}

unsigned
confval_referral_kind(const char *s, size_t len)
{
	/* Index = the ReferralKind number of famlink.proto. */
	static const char *const names[] = {
		NULL, "foster_home", "contact_family", "contact_person", "emergency_home",
	};

	for (unsigned k = 1; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k]) == len && memcmp(s, names[k], len) == 0)
			return k;
	return 0;
}

bool
confval_municipality_id(const char *s)
{
	static const char prefix[] = "municipality:";
	const char *code = s + sizeof(prefix) - 1;

	if (strncmp(s, prefix, sizeof(prefix) - 1) != 0)
		return false;
	return strlen(code) == 4 && strspn(code, "0123456789") == 4;
}

bool
confval_pool_id(const char *s)
{
	static const char prefix[] = "pool:";
	const char *name = s + sizeof(prefix) - 1;
	size_t len;

	if (strncmp(s, prefix, sizeof(prefix) - 1) != 0)
		return false;
	len = strlen(name);
	return len >= 1 && len <= 48 &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

bool
confval_node_id(const char *s)
{
	return confval_municipality_id(s) || confval_pool_id(s);
}

bool
confval_endpoint(const char *s)
{
	unsigned long long port;
	const char *colon;

	if (strpbrk(s, " \t") != NULL)
		return false;
	if (strncmp(s, "ipc://", 6) == 0)
		return s[6] != '\0';
	if (strncmp(s, "tcp://", 6) != 0)
		return false;
	colon = strrchr(s + 6, ':');
	if (colon == NULL || colon == s + 6)   /* no port, or no host */
		return false;
	return confval_uint(colon + 1, 65535, &port) == CONFVAL_OK && port > 0;
}

/* Length of the UTF-8 sequence at p, or 0 if it is not valid UTF-8. */
static size_t
utf8_seq(const unsigned char *p)
{
	unsigned c = p[0];
	size_t len;
	unsigned cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)   /* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool
confval_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t n;
		if (*p < 0x20 || *p == 0x7f)
			return false;
		n = utf8_seq(p);
		if (n == 0)
			return false;
		p += n;
	}
	return true;
}
