/*
 * bench_common — what the two bench programs share: a Referral of about a
 * given packed size (padding in letters, never digits, so the personnummer
 * check has nothing to find) and a few small helpers.
 */
#ifndef FAMLINK_BENCH_COMMON_H
#define FAMLINK_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "famlink.pb-c.h"

#define BENCH_NEEDS_MAX 4000   /* child.needs: max 4000 (proto/famlink.proto) */

/* The parts a Referral envelope points at; all owned by this struct. */
typedef struct bench_ref {
	Famlink__V1__Envelope env;
	Famlink__V1__Referral ref;
	Famlink__V1__Decision dec;
	Famlink__V1__ChildProfile child;
	Famlink__V1__Contact sec;
	char id[MESSAGE_ID_LEN + 1];
	char rid[65];
	char sender[65], recipient[65];
	char *needs;               /* BENCH_NEEDS_MAX + 1 bytes */
	size_t pad;                /* bytes of needs text */
} bench_ref_t;

/* Sets up r for sender → recipient with a needs text sized so that the
 * packed envelope is about size bytes. 0, or -1 out of memory. */
int bench_ref_init(bench_ref_t *r, const char *sender, const char *recipient, size_t size);
void bench_ref_free(bench_ref_t *r);

/* A fresh header (new message id, created_at = now) and referral id for the
 * next message; sequence as given (0 leaves it to store_enqueue()). */
Famlink__V1__Envelope *bench_ref_next(bench_ref_t *r, const char *referral_id, uint64_t sequence);

/* Monotonic nanoseconds. */
int64_t bench_now_ns(void);

/* Nearest-rank percentile (0 < q <= 1) of n sorted values. */
double bench_percentile(const double *sorted, size_t n, double q);
int bench_cmp_double(const void *a, const void *b);

#endif
