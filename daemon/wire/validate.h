/*
 * validate — the one place that checks famlink messages against the rules
 * written in proto/famlink.proto (lengths, UTF-8, required fields, the kind
 * of each string: ids, message ids, node ids, dates, email addresses, phone
 * numbers, free text and plain one-line text; no control characters outside
 * free text; no personnummer in anything a person writes) and the
 * envelope's own rules (schema version, body, sequence, referral id). It
 * runs on every message after decoding (transport or codec_json) and before
 * the store. Driven by the descriptors and famlink_field_rules[]; no code
 * per message type except what the annotations cannot say (an attachment's
 * hash length).
 */
#ifndef FAMLINK_VALIDATE_H
#define FAMLINK_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "famlink.pb-c.h"

/* Checks the whole envelope and its body. 0 if valid; else -1 with err->code a
 * RECEIPT_CODE_* value (from the generated enum FAMLINK__V1__RECEIPT_CODE__...)
 * and err->msg naming the field path and rule, e.g.
 * "referral.child.alias: longer than 60 bytes (75)". Never copies field
 * content into err->msg (it is personal data) — only paths, sizes, codes.
 * Paths use the JSON (lowerCamelCase) names so they match what operators see. */
int validate_envelope(const Famlink__V1__Envelope *env, err_t *err);

/* Same rules for any famlink message (no envelope-level rules). path is the
 * prefix for error paths ("referral"), or NULL / "" for none. */
int validate_message(const ProtobufCMessage *msg, const char *path, err_t *err);

/* "municipality:" + 4 digits, or "pool:" + 1..48 of [a-z0-9-]. */
bool validate_node_id(const char *s);

/* YYYY-MM-DD, a real calendar date (proleptic Gregorian, year >= 1). */
bool validate_date(const char *s);


/* An id famlink keys on (referral, question, ad, proposal): 1 or more of
 * [0-9A-Za-z._:-] and "_", the first not "." or "-". No length limit here:
 * the field's "max N" gives it. */
bool validate_id(const char *s);

/* One email address: local@domain, at most 254 bytes. The local part is a
 * dot-atom (1–64 bytes of letters, digits, !#$%&'*+/=?^_`{|}~- and UTF-8,
 * dots only between them); the domain has two or more dot-separated labels
 * of 1–63 bytes of letters, digits, hyphens (not first or last) and UTF-8,
 * and its last label is not all digits. No control characters anywhere. */
bool validate_email(const char *s);

/* A phone number as people write it: digits, spaces and + - ( ), at least
 * one digit (the characters famlinkd.conf's contact_phone allows). */
bool validate_phone(const char *s);

/* True if text holds a Swedish personal identity number or co-ordination
 * number with a valid Luhn check digit: forms YYMMDDNNNN, YYYYMMDDNNNN,
 * YYMMDD-NNNN, YYMMDD+NNNN and YYYYMMDD-NNNN, where the "-" may also be a
 * space (plain, no-break, thin, narrow no-break, ideographic) or any dash
 * (U+2010–2015, U+2212, U+FE63, U+FF0D; U+FF0B for "+"), and each digit may
 * be ASCII, full-width (U+FF10–FF19) or Arabic-Indic (U+0660–0669,
 * U+06F0–06F9); with a plausible month and day (day+60 for
 * samordningsnummer), century 18–20 where given, the digits not part of a
 * longer digit run. */
bool validate_has_personnummer(const char *text);

#endif
