/*
 * wire — checks a protobuf frame field by field as it stands on the wire,
 * driven by the schema's descriptors, for what protobuf-c's decoder lets
 * through without a word. Runs on frames that protobuf-c has already
 * decoded; validation (validate.c) then checks the decoded fields.
 *
 * Any conforming encoding passes: fields in any order, defaults written
 * explicitly, packed or unpacked repeated fields, padded varints, and
 * unknown fields anywhere (skipped). Refused, with the field's path:
 *   - a NUL byte in a string (protobuf-c ends the C string there, so
 *     validation would never see what follows it);
 *   - a varint that does not fit its field (protobuf-c keeps the low bits
 *     of a too-big number for a 32-bit field);
 *   - wire types the field cannot have, groups, and anything truncated.
 */
#ifndef FAMLINK_WIRE_H
#define FAMLINK_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "err.h"

/* 0 if the frame holds nothing the decoded message hides; -1 with err
 * (code RECEIPT_CODE_MALFORMED) naming the field path and the problem. */
int wire_check(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
    err_t *err);

#endif
