/*
 * err — the error detail a library-like module fills instead of logging.
 * The caller decides what to say and at which level (see log.h).
 */
#ifndef FAMLINK_ERR_H
#define FAMLINK_ERR_H

typedef struct err {
	int code;        /* module-specific; for message checks a RECEIPT_CODE_* */
	char msg[512];   /* human-readable, never personal data */
} err_t;

/* Sets code and a printf-style message; returns -1 so callers can
 * `return err_set(err, ...)`. err may be NULL. */
int err_set(err_t *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with "prefix: " (for a path, a file name). */
void err_prefix(err_t *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
