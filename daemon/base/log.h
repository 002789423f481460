/*
 * log — one line per event on stderr, prefixed with a syslog priority
 * ("<3>" error … "<7>" debug) so journald keeps the level. After log_init(),
 * a line that does not go to the journal starts with its UTC time
 * ("2026-12-07T22:30:01.123Z <6>…"); journald stamps its own. Lines carry
 * ids and codes, never names, contact details or free text from messages.
 */
#ifndef FAMLINK_LOG_H
#define FAMLINK_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>
#include <time.h>

/* famlinkd calls it first thing (before any thread): lines get a time unless
 * stderr is the journal's stream. Without it (famlinkctl, unit tests) lines
 * have none. */
void log_init(void);
/* True when fd is the stream journal_stream (the JOURNAL_STREAM variable,
 * "DEVICE:INODE" as systemd.exec(5) sets it, or NULL) names. */
bool log_stderr_is_journal(const char *journal_stream, int fd);
/* "2026-12-07T22:30:01.123Z" (ISO 8601, UTC, milliseconds truncated) into
 * out, which needs LOG_TIME_LEN + 1 bytes (else ""). Returns out. */
#define LOG_TIME_LEN 24
const char *log_format_time(const struct timespec *ts, char *out, size_t outlen);

/* Messages above this priority (numerically greater) are dropped. Any
 * thread may log while the main thread changes it. */
void log_set_level(int priority);
int log_level(void);
/* error (or err), warning, notice, info, debug: LOG_*; -1 if unknown. */
int log_level_from_name(const char *name);
/* The config's word for a LOG_* level ("error" … "debug"); "?" if none. */
const char *log_level_name(int priority);

/* Every line is passed through log_escape(): nothing in it can end the line
 * or start another. */
void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same whatever the level: for the line that says the level changed. */
void log_always(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Copies in to out (outlen bytes with the NUL) so that it shows as one
 * harmless line: "\" becomes "\\", LF, CR and tab "\n", "\r", "\t";
 * other C0 controls, DEL, bytes that are not valid UTF-8, C1 controls,
 * U+2028/U+2029, bidirectional embeddings, overrides and isolates and the
 * byte order mark become "\xHH" per byte. Other UTF-8 is kept. Cut at a
 * character boundary when out is full. Returns out (for printf). For
 * anything from outside that is printed: log lines, famlinkctl's tables. */
const char *log_escape(const char *in, char *out, size_t outlen);

#define log_err(...)     log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
