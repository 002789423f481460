/* log — see log.h. One fprintf per line so lines from threads do not mix. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "utf8.h"

/* Set by the main thread (config, SIGHUP, famlinkctl log-level), read by
 * every thread that logs (the ZAP handler's too). */
static atomic_int log_max = LOG_INFO;
/* Set once by log_init() before any other thread starts. */
static bool log_stamped;

static const struct { const char *name; int prio; } level_names[] = {
	{"error", LOG_ERR}, {"err", LOG_ERR}, {"warning", LOG_WARNING},
	{"notice", LOG_NOTICE}, {"info", LOG_INFO}, {"debug", LOG_DEBUG},
};

void
log_set_level(int priority)
{
	atomic_store(&log_max, priority);
}

int
log_level(void)
{
	return atomic_load(&log_max);
}

int
log_level_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(name, level_names[i].name) == 0)
			return level_names[i].prio;
	return -1;
}

const char *
log_level_name(int priority)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i].prio == priority)
			return level_names[i].name;
	return "?";
}

bool
log_stderr_is_journal(const char *journal_stream, int fd)
{
	unsigned long long dev, ino;
	struct stat st;
	char end;

	/* systemd.exec(5): "DEVICE:INODE" of the stream it connected, both
	 * in decimal; the fd must still be that stream (not redirected). */
	if (journal_stream == NULL ||
	    sscanf(journal_stream, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return false;
	if (fstat(fd, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_init(void)
{
	log_stamped = !log_stderr_is_journal(getenv("JOURNAL_STREAM"), 2);
}

const char *
log_format_time(const struct timespec *ts, char *out, size_t outlen)
{
	struct tm tm;
	time_t sec = ts->tv_sec;

	if (outlen < LOG_TIME_LEN + 1 || gmtime_r(&sec, &tm) == NULL) {
		if (outlen > 0)
			out[0] = '\0';
		return out;
	}
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (long)(ts->tv_nsec / 1000000));
	return out;
}

/* Length of the UTF-8 sequence a lead byte announces (0: not a lead byte). */
static size_t
utf8_len(unsigned char c)
{
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

/* Code points shown escaped although valid: C1 controls, the line and
 * paragraph separators, bidirectional embeddings, overrides and isolates
 * (they reorder what a terminal shows), and the byte order mark. */
static bool
hidden_code_point(const unsigned char *s, size_t n)
{
	if (n == 2)
		return s[0] == 0xC2 && s[1] < 0xA0;
	if (n == 3 && s[0] == 0xE2)
		return (s[1] == 0x80 && s[2] >= 0xA8 && s[2] <= 0xAE) ||
		    (s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9);
	return n == 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF;
}

const char *
log_escape(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)(in != NULL ? in : "");
	size_t o = 0, n, i;
	char esc[4 * 4 + 1];
	size_t e;

	if (outlen == 0)
		return out;
	while (*s != '\0') {
		unsigned char c = *s;
		e = 0;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			esc[e++] = (char)c;
			n = 1;
		} else if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
			esc[e++] = '\\';
			esc[e++] = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			n = 1;
		} else if ((n = utf8_len(c)) != 0 && strnlen((const char *)s, n) == n &&
		    utf8_valid((const char *)s, n) && !hidden_code_point(s, n)) {
			memcpy(esc, s, n);
			e = n;
		} else {
			/* A control, DEL, a byte that is not UTF-8, or a hidden
			 * code point: each of its bytes as \xHH. */
			if (n == 0 || strnlen((const char *)s, n) != n || !utf8_valid((const char *)s, n))
				n = 1;
			for (i = 0; i < n; i++) {
				esc[e++] = '\\';
				esc[e++] = 'x';
				esc[e++] = hex[s[i] >> 4];
				esc[e++] = hex[s[i] & 0xF];
			}
		}
		if (o + e >= outlen)
			break;   /* cut at a character, never inside an escape */
		memcpy(out + o, esc, e);
		o += e;
		s += n;
	}
	out[o] = '\0';
	return out;
}

static void
log_write(int priority, const char *fmt, va_list ap)
{
	char line[1024], safe[4 * sizeof(line)], when[LOG_TIME_LEN + 2];
	struct timespec now;

	vsnprintf(line, sizeof(line), fmt, ap);
	/* The wall clock, not clock_now(): a test that moves famlink's clock
	 * still wants to read when a line was really written. */
	when[0] = '\0';
	if (log_stamped && clock_gettime(CLOCK_REALTIME, &now) == 0) {
		log_format_time(&now, when, sizeof(when) - 1);
		strcat(when, " ");
	}
	/* One event, one line: whatever a peer's id, a reason or a config
	 * value holds, it cannot end this line or start a forged one (a
	 * "<0>" at the start of a line is an emergency to journald). */
	fprintf(stderr, "%s<%d>%s\n", when, priority, log_escape(line, safe, sizeof(safe)));
}

void
log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	if (priority > atomic_load(&log_max))
		return;
	va_start(ap, fmt);
	log_write(priority, fmt, ap);
	va_end(ap);
}

void
log_always(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(priority, fmt, ap);
	va_end(ap);
}
