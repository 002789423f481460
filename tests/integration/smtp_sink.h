/*
 * smtp_sink — a real SMTP server on loopback for the email adapter's
 * integration tests: tests/integration/smtp_sink.py under Debian's
 * /usr/bin/python3 (python3-aiosmtpd), started and stopped by pid, each
 * mail it takes a file in its folder. Helpers read the mails back: the
 * envelope's recipients, the Subject decoded from RFC 2047, the body
 * decoded from quoted-printable.
 */
#ifndef FAMLINK_SMTP_SINK_H
#define FAMLINK_SMTP_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct smtp_sink {
	char dir[512];         /* where the mails go (made if missing) */
	int port;
	pid_t pid;             /* 0 when not running */
} smtp_sink_t;

/* A port on 127.0.0.1 nobody listens on now. */
int sink_free_port(void);

/* Starts the sink on s->port (auth "USER:PASSWORD" or NULL) writing into
 * s->dir, and waits until it listens: 0, or -1 (the reason on stderr). */
int sink_start(smtp_sink_t *s, const char *auth);
/* SIGTERM by pid, and waits; a no-op when not running. */
void sink_stop(smtp_sink_t *s);

/* How many mails it holds. */
int sink_count(const smtp_sink_t *s);
/* Waits until it holds want mails: false after timeout_ms. */
bool sink_wait(const smtp_sink_t *s, int want, int timeout_ms);
/* Mail n (1, 2, …) as received, or its envelope ("FROM\nRCPT\n…"):
 * malloc()ed, the caller frees; NULL if there is none. */
char *sink_mail(const smtp_sink_t *s, int n);
char *sink_envelope(const smtp_sink_t *s, int n);
/* A header's value in mail ("Message-ID"), unfolded, into buf: false if
 * there is none. */
bool sink_header(const char *mail, const char *name, char *buf, size_t len);
/* The Subject decoded (RFC 2047 "B" words in UTF-8) into buf. */
bool sink_subject(const char *mail, char *buf, size_t len);
/* The body decoded from quoted-printable, CRLF as LF: malloc()ed. */
char *sink_body(const char *mail);

/* Creates or removes a flag file in the sink's folder ("hold",
 * "tempfail"; see smtp_sink.py). */
void sink_flag(const smtp_sink_t *s, const char *flag, bool on);

#endif
