/*
 * log — one line per event on stderr, prefixed with a syslog priority
 * ("<3>" error … "<7>" debug) so journald keeps the level. Lines carry ids
 * and codes, never names, contact details or free text from messages.
 */
#ifndef FAMLINK_LOG_H
#define FAMLINK_LOG_H

#include <stddef.h>
#include <syslog.h>

/* Messages above this priority (numerically greater) are dropped. */
void log_set_level(int priority);
int log_level_from_name(const char *name);   /* -1 if unknown */

/* Every line is passed through log_escape(): nothing in it can end the line
 * or start another. */
void log_msg(int priority, const char *fmt, ...)
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
