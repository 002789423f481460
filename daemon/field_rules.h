/*
 * field_rules — the per-field rules of proto/famlink.proto (required, max
 * length, free text, date, node id), generated at build time from the
 * annotations in the .proto's trailing comments by tools/gen_limits.awk.
 * validate.c is the only reader; the .proto stays the one place they are set.
 */
#ifndef FAMLINK_FIELD_RULES_H
#define FAMLINK_FIELD_RULES_H

#include <stddef.h>

enum {
	FIELD_REQUIRED = 1 << 0,  /* must be set */
	FIELD_FREETEXT = 1 << 1,  /* written by a person: personnummer check */
	FIELD_DATE     = 1 << 2,  /* "YYYY-MM-DD" */
	FIELD_NODEID   = 1 << 3,  /* "municipality:NNNN" or "pool:name" */
};

typedef struct field_rule {
	const char *message;   /* full name, e.g. "famlink.v1.Referral" */
	const char *field;     /* field name as in the .proto */
	unsigned flags;        /* FIELD_* */
	size_t max_len;        /* bytes; 0 = no limit (non-string fields) */
} field_rule_t;

/* Terminated by an entry whose message is NULL. */
extern const field_rule_t famlink_field_rules[];

#endif
