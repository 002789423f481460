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

#define CODEC_INVALID FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_INVALID

#define MEMBER(msg, off)  ((void *)((char *)(msg) + (off)))
#define CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

/* Where we are, for error messages: "referral.child.languages[2]". */
typedef struct codec_path {
	char buf[256];
	size_t len;
} codec_path_t;

/* Each push returns the length to pop back to. */
size_t codec_path_push(codec_path_t *p, const char *json_name);
size_t codec_path_index(codec_path_t *p, size_t i);
void codec_path_pop(codec_path_t *p, size_t old);

/* err_set() with code CODEC_INVALID and "<path>: " in front; returns -1. */
int codec_fail(err_t *err, const codec_path_t *p, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Size of one element of a repeated field of this type. */
size_t codec_elem_size(ProtobufCType t);

#endif
