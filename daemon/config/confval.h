/*
 * confval — checks and conversions for single configuration values:
 * durations, sizes, counts, node ids, endpoints, text. config.c turns each
 * value of the file into a struct field through these; they know nothing of
 * files or lines, so they are easy to test alone and reusable by famlinkctl.
 */
#ifndef FAMLINK_CONFVAL_H
#define FAMLINK_CONFVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"   /* span_t */

enum {
	CONFVAL_OK = 0,
	CONFVAL_SYNTAX = -1,   /* not in the expected form */
	CONFVAL_RANGE = -2,    /* well formed, but too large */
};

/* Decimal digits only (no sign, no spaces), at most max. */
int confval_uint(const char *s, unsigned long long max, unsigned long long *out);

/* A duration in milliseconds: "1500" (ms), "500ms", "5s", "2m", "1h".
 * CONFVAL_RANGE above UINT_MAX ms (about 49 days). */
int confval_duration_ms(const char *s, unsigned *out);

/* A size in bytes: "4096", "64k", "32M", "1G" (binary: k = 1024; upper or
 * lower case). CONFVAL_RANGE above SIZE_MAX. */
int confval_size(const char *s, size_t *out);

/* A span of time for a deadline: a whole number, optional spaces or tabs,
 * then a unit: "h" (hours), "d" (calendar days) or "wd" (working days), e.g.
 * "2h", "14d", "1 wd". Lower case only; no bounds but the type's: a number
 * above UINT_MAX gives CONFVAL_RANGE with out->unit set (out->amount not).
 * Nothing is written on CONFVAL_SYNTAX. */
int confval_span(const char *s, span_t *out);

/* Two whole numbers "LO-HI" (spaces or tabs allowed around the '-'), each at
 * most max; LO > HI is the caller's to judge. Nothing written unless OK. */
int confval_uint_pair(const char *s, unsigned long long max, unsigned long long *lo,
    unsigned long long *hi);

/* The ReferralKind (famlink.proto) named by the len bytes at s, in the
 * config's spelling: foster_home 1, contact_family 2, contact_person 3,
 * emergency_home 4; 0 for anything else. */
unsigned confval_referral_kind(const char *s, size_t len);

/* "municipality:NNNN" (a 4-digit kommunkod). */
bool confval_municipality_id(const char *s);
/* "pool:NAME", NAME of 1 to 48 characters from [a-z0-9-]. */
bool confval_pool_id(const char *s);
/* Either of the two. */
bool confval_node_id(const char *s);

/* A ZeroMQ endpoint famlink uses: "tcp://HOST:PORT" (port 1-65535) or
 * "ipc://PATH"; no spaces. */
bool confval_endpoint(const char *s);

/* Valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF)
 * with no control characters: safe to put in a message, a mail, a log. */
bool confval_text(const char *s);

#endif
