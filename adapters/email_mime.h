/*
 * email_mime — a mail as the SMTP server takes it (RFC 5322 with MIME):
 * headers, an empty line, the body. The Subject is UTF-8 in RFC 2047
 * encoded words (å ä ö reach every client), the body text/plain in UTF-8,
 * quoted-printable, every line under 78 bytes, CRLF line ends. A CR or LF
 * (or any control character) in a header's value is refused, never passed
 * on: a value can never add a header (a Bcc) or start the body. The
 * recipient's address is not in the mail at all: it travels in the SMTP
 * envelope (RCPT TO) only, and the To: header reads
 * "undisclosed-recipients:;", so a mail forwarded or archived holds no
 * address. Pure: no logging, no I/O.
 */
#ifndef FAMLINK_EMAIL_MIME_H
#define FAMLINK_EMAIL_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct email_mime {
	const char *from;          /* an address (the node's own, configured) */
	const char *subject;       /* UTF-8 */
	const char *message_id;    /* without the angle brackets */
	int64_t date_ms;           /* Unix ms, for Date: */
	const char *body;          /* UTF-8 text, LF line ends */
} email_mime_t;

/* The whole message, NUL-terminated (its length in *len): a malloc()ed
 * string the caller frees. NULL with err when a header's value holds a
 * control character, or out of memory. */
char *email_mime_message(const email_mime_t *m, size_t *len, err_t *err);

/* The Message-ID for notification first_id (and count - 1 more after it
 * in one mail) of node, at the domain of the From address, without angle
 * brackets: "famlink.n42.municipality-0180@kommun.example", or
 * "famlink.n42+3...." for a mail that carries 3. The same notification
 * sent again gets the same id, so a mail repeated after a crash is
 * recognisable. */
void email_mime_message_id(int64_t first_id, size_t count, const char *node_id,
    const char *from, char *buf, size_t len);

#endif
