/*
 * field_rules — the per-field rules of proto/famlink.proto (required, max
 * length, and the kind of string a field holds), generated at build time
 * from the annotations in the .proto's trailing comments by
 * tools/gen_limits.awk. validate.c is the only reader; the .proto stays the
 * one place they are set.
 *
 * A string field holds at most one kind (FIELD_KIND_MASK): an id, a message
 * id, a node id, a date, an email address, a phone number or free text. A
 * string without a kind is plain text: one line, no control characters,
 * checked for personal identity numbers like every string a person writes.
 */
#ifndef FAMLINK_FIELD_RULES_H
#define FAMLINK_FIELD_RULES_H

#include <stddef.h>

enum {
	FIELD_REQUIRED = 1 << 0,  /* must be set */
	FIELD_FREETEXT = 1 << 1,  /* written by a person: may hold line breaks and tabs */
	FIELD_DATE     = 1 << 2,  /* "YYYY-MM-DD" */
	FIELD_NODEID   = 1 << 3,  /* "municipality:NNNN" or "pool:name" */
	FIELD_ID       = 1 << 4,  /* an id famlink keys on: [0-9A-Za-z._:-], see validate_id() */
	FIELD_MSGID    = 1 << 5,  /* a message id: [0-9A-Za-z_-], see envelope_id_ok() */
	FIELD_EMAIL    = 1 << 6,  /* local@domain, see validate_email() */
	FIELD_PHONE    = 1 << 7,  /* digits, spaces and + - ( ), see validate_phone() */
	FIELD_CASEREF  = 1 << 8,  /* the municipality's case reference (its own reason text) */
	FIELD_MACHINE  = 1 << 9,  /* written by software: no personnummer check */
};

#define FIELD_KIND_MASK (FIELD_FREETEXT | FIELD_DATE | FIELD_NODEID | FIELD_ID | \
	FIELD_MSGID | FIELD_EMAIL | FIELD_PHONE)

typedef struct field_rule {
	const char *message;   /* full name, e.g. "famlink.v1.Referral" */
	const char *field;     /* field name as in the .proto */
	unsigned flags;        /* FIELD_* */
	size_t max_len;        /* bytes; 0 = no limit (non-string fields) */
} field_rule_t;

/* Terminated by an entry whose message is NULL. */
extern const field_rule_t famlink_field_rules[];

#endif
