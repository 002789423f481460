/*
 * log — one line per event on stderr, prefixed with a syslog priority
 * ("<3>" error … "<7>" debug) so journald keeps the level. Lines carry ids
 * and codes, never names, contact details or free text from messages.
 */
#ifndef FAMLINK_LOG_H
#define FAMLINK_LOG_H

#include <syslog.h>

/* Messages above this priority (numerically greater) are dropped. */
void log_set_level(int priority);
int log_level_from_name(const char *name);   /* -1 if unknown */

void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)     log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
