/*
 * validate — the one place that checks famlink messages against the rules
 * written in proto/famlink.proto (lengths, UTF-8, required fields, dates,
 * node ids, no personnummer in free text) and the envelope's own rules
 * (schema version, body, sequence, referral id). It runs on every message
 * after decoding (transport or codec_json) and before the store. Driven by
 * the descriptors and famlink_field_rules[]; no code per message type except
 * what the annotations cannot say (an attachment's hash length).
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

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF, no NUL. */
bool validate_utf8(const char *s, size_t len);

/* True if text holds a Swedish personal identity number or co-ordination
 * number with a valid Luhn check digit: forms YYMMDD-NNNN, YYMMDD+NNNN,
 * YYMMDDNNNN, YYYYMMDD-NNNN, YYYYMMDDNNNN, with a plausible month and day
 * (day+60 for samordningsnummer), digits not part of a longer digit run. */
bool validate_has_personnummer(const char *text);

#endif
