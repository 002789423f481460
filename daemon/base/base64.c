/*
 * base64 — see base64.h. Used by codec_json.c for bytes fields (attachments
 * of up to 30 MiB), so both directions are single-pass and allocate once.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
base64_encode(const uint8_t *data, size_t len, size_t *out_len)
{
	size_t n, i, o = 0;
	char *out;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	n = (len + 2) / 3 * 4;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)data[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	if (out_len != NULL)
		*out_len = o;
	return out;
}

/* Value of one character in either alphabet, or -1. */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Strips correct padding; returns the number of data characters, or
 * (size_t)-1 if padding is malformed. */
static size_t
data_chars(const char *text, size_t len)
{
	size_t pad = 0;

	while (pad < len && pad < 2 && text[len - 1 - pad] == '=')
		pad++;
	if (pad > 0 && len % 4 != 0)
		return (size_t)-1;   /* padded text comes in whole quads */
	len -= pad;
	if (len % 4 == 1)
		return (size_t)-1;   /* one leftover character holds < 1 byte */
	return len;
}

int
base64_decode(const char *text, size_t len, uint8_t **out, size_t *out_len)
{
	size_t n, i, o = 0;
	uint32_t acc = 0;
	uint8_t *buf;
	int bits = 0;

	*out = NULL;
	*out_len = 0;
	if ((n = data_chars(text, len)) == (size_t)-1)
		return -1;
	if (n == 0)
		return 0;
	if ((buf = malloc(n / 4 * 3 + 3)) == NULL)
		return -2;
	for (i = 0; i < n; i++) {
		int v = b64_value((unsigned char)text[i]);
		if (v < 0)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero, or two texts would decode alike. */
	if ((acc & ((1u << bits) - 1)) != 0)
		goto bad;
	*out = buf;
	*out_len = o;
	return 0;
bad:
	free(buf);
	return -1;
}
