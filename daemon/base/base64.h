/*
 * base64 — standard base64 (RFC 4648 §4) for the bytes fields of the JSON
 * codec (codec_json.c). Encoding always pads; decoding accepts the standard
 * and the URL-safe alphabet, with or without padding, as protobuf's JSON
 * mapping asks, and rejects everything else (whitespace, stray '=', non-zero
 * trailing bits) so that a decoded value re-encodes to the same bytes.
 */
#ifndef FAMLINK_BASE64_H
#define FAMLINK_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Returns a NUL-terminated malloc()ed string (caller free()s) and its length
 * in *out_len (may be NULL), or NULL when out of memory. */
char *base64_encode(const uint8_t *data, size_t len, size_t *out_len);

/* Decodes len characters of text into a malloc()ed buffer (caller free()s;
 * NULL when the result is empty). Returns 0, -1 if the text is not base64,
 * -2 when out of memory. */
int base64_decode(const char *text, size_t len, uint8_t **out, size_t *out_len);

#endif
