/*
 * clock — the one source of time. Wall time in Unix milliseconds for what is
 * stored and sent; a monotonic clock for timers, so a clock step never fires
 * or starves a resend.
 */
#ifndef FAMLINK_CLOCK_H
#define FAMLINK_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);        /* wall clock, Unix ms, UTC */
int64_t clock_mono_ms(void);       /* monotonic ms, for timers */

#endif
