/*
 * utf8 — strict UTF-8, for every text famlink takes in or prints: no
 * overlongs, no surrogates, nothing above U+10FFFF, no NUL. Pure
 * functions.
 */
#ifndef FAMLINK_UTF8_H
#define FAMLINK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of a well-formed UTF-8 sequence starting at s (at most n bytes
 * available), or 0. The second-byte ranges are what exclude overlongs
 * (E0, F0), surrogates (ED) and code points above U+10FFFF (F4). */
size_t utf8_seq(const unsigned char *s, size_t n);

/* The len bytes at s are strict UTF-8 (NULL: only if len is 0). */
bool utf8_valid(const char *s, size_t len);

#endif
