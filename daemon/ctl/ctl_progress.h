/*
 * ctl_progress — a progress line for famlinkctl's long operations (a backup,
 * verifying a long audit chain, acting on thousands of messages): on a
 * terminal only, rewritten in place at most ten times a second; a cron
 * job's mail or the journal gets only the verb's own last line.
 */
#ifndef FAMLINK_CTL_PROGRESS_H
#define FAMLINK_CTL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ctl_progress {
	const char *what;   /* "backup FILE", "audit verify" */
	const char *unit;   /* "pages", "rows" */
	bool tty;           /* stderr is a terminal */
	bool shown;         /* a line is on the screen */
	int64_t shown_ms;   /* when (monotonic) */
} ctl_progress_t;

void ctl_progress_start(ctl_progress_t *p, const char *what, const char *unit);
/* done of total (total 0: not known). */
void ctl_progress_show(ctl_progress_t *p, long done, long total);
/* Ends the line, if one was shown. */
void ctl_progress_end(ctl_progress_t *p);

#endif
