/*
 * handover_json — what every adapter gives the local system for a received
 * message, so that a case system reads the same whichever adapter brings
 * it: the body in protobuf's JSON mapping (as famlinkctl show --json gives
 * it, as famlinkctl send takes it) with the ids beside it, when it was
 * received here, and the fields a newer peer sent that this version does
 * not know (named, never dropped in silence):
 *
 *   {"messageId", "sender", "recipient", "referralId", "bodyType",
 *    "createdAtMs", "receivedAtMs", "body": {...}, "unknownFields": [...]}
 */
#ifndef FAMLINK_HANDOVER_JSON_H
#define FAMLINK_HANDOVER_JSON_H

#include <jansson.h>

#include "job.h"

/* A new object (caller json_decref()s), or NULL with err. */
json_t *handover_json(const job_message_t *m, err_t *err);

/* The same as one line of compact JSON ending in "\n" (its length in
 * *len): caller free()s; NULL with err. */
char *handover_json_line(const job_message_t *m, size_t *len, err_t *err);

#endif
