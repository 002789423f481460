/*
 * clock — the one source of time. Wall time in Unix milliseconds for what is
 * stored, sent and counted against a deadline; a monotonic clock for timers,
 * so a clock step never fires or starves a resend.
 *
 * Tests move wall time: FAMLINK_CLOCK_OFFSET (whole seconds, may be negative,
 * e.g. 1209600 for two weeks) is read once, at the first call, and added to
 * every clock_now_ms(). Deadlines therefore never read the system clock
 * directly. A daemon restarted with a larger offset sees that much time
 * pass, which is how weeks of deadlines are tested in seconds.
 */
#ifndef FAMLINK_CLOCK_H
#define FAMLINK_CLOCK_H

#include <stdint.h>

int64_t clock_now_ms(void);        /* wall clock, Unix ms, UTC, plus the offset */
int64_t clock_mono_ms(void);       /* monotonic ms, for timers (never offset) */

/* The offset in effect, in ms (0 normally; may be negative). *bad (if bad
 * is not NULL) is set to the variable's value when it was set but is not a
 * whole number of seconds (it is then ignored), else to NULL. */
int64_t clock_offset_ms(const char **bad);

#endif
