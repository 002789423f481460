/* utf8 — see utf8.h. */
#include "utf8.h"

size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (s[0] < 0x80)
		return s[0] != 0 ? 1 : 0;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xE0) lo = 0xA0;
	if (s[0] == 0xED) hi = 0x9F;
	if (s[0] == 0xF0) lo = 0x90;
	if (s[0] == 0xF4) hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	if (s == NULL)
		return len == 0;
	while (i < len) {
		/* Most text is ASCII: skip it a byte at a time without the decoder. */
		if (u[i] - 1u < 0x7fu) {
			i++;
			continue;
		}
		if ((n = utf8_seq(u + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}
