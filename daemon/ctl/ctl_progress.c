/* ctl_progress — see ctl_progress.h. */
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "ctl_progress.h"

#define SHOW_EVERY_MS 100

void
ctl_progress_start(ctl_progress_t *p, const char *what, const char *unit)
{
	p->what = what;
	p->unit = unit;
	p->tty = isatty(STDERR_FILENO) == 1;
	p->shown = false;
	p->shown_ms = 0;
}

void
ctl_progress_show(ctl_progress_t *p, long done, long total)
{
	int64_t now;

	if (!p->tty)
		return;
	now = clock_mono_ms();
	if (p->shown && now - p->shown_ms < SHOW_EVERY_MS && done != total)
		return;
	if (total > 0)
		fprintf(stderr, "\r%s: %3d%% (%ld of %ld %s)", p->what, (int)(100LL * done / total),
		    done, total, p->unit);
	else
		fprintf(stderr, "\r%s: %ld %s", p->what, done, p->unit);
	p->shown = true;
	p->shown_ms = now;
}

void
ctl_progress_end(ctl_progress_t *p)
{
	if (p->shown)
		fputc('\n', stderr);
	p->shown = false;
}
