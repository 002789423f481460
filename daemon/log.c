/* log — see log.h. One fprintf per line so lines from threads do not mix. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static int log_max = LOG_INFO;

void
log_set_level(int priority)
{
	log_max = priority;
}

int
log_level_from_name(const char *name)
{
	static const struct { const char *name; int prio; } names[] = {
		{"error", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
		{"info", LOG_INFO}, {"debug", LOG_DEBUG},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i].name) == 0)
			return names[i].prio;
	return -1;
}

void
log_msg(int priority, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (priority > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One event, one line: a control character from a peer's id or a
	 * config value must not start a forged line of its own. */
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	fprintf(stderr, "<%d>%s\n", priority, line);
}
