/*
 * codec_json_int — what the two halves of the JSON codec share (codec_json.c
 * writes JSON, codec_json_parse.c reads it): the field path used in error
 * messages and the layout facts about protobuf-c fields. Not an interface:
 * include only from those two files.
 */
#ifndef FAMLINK_CODEC_JSON_INT_H
#define FAMLINK_CODEC_JSON_INT_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "err.h"
#include "famlink.pb-c.h"
#include "fieldpath.h"

#define CODEC_INVALID FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_INVALID

#define MEMBER(msg, off)  ((void *)((char *)(msg) + (off)))
#define CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

/* Where we are, for error messages: "referral.child.languages[2]". */
typedef fieldpath_t codec_path_t;

/* err_set() with code CODEC_INVALID and "<path>: " in front; returns -1. */
int codec_fail(err_t *err, const codec_path_t *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Size of one element of a repeated field of this type. */
size_t codec_elem_size(ProtobufCType t);

#endif
