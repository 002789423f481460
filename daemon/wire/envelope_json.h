/*
 * envelope_json — a received message as people and local systems read it:
 * its body in protobuf's JSON mapping, as famlinkctl send takes it
 * ({"familyConsent": {...}}), with the header's ids beside it rather than
 * inside. famlinkctl show --json and the adapters (the spool file, the REST
 * call, the exec program's stdin) give the same.
 */
#ifndef FAMLINK_ENVELOPE_JSON_H
#define FAMLINK_ENVELOPE_JSON_H

#include <jansson.h>

#include "err.h"
#include "famlink.pb-c.h"

/* The body alone: the envelope with its header at the defaults, which the
 * mapping leaves out. A new object, or NULL with err. */
json_t *envelope_body_json(const Famlink__V1__Envelope *env, err_t *err);

/* {"messageId", "sender", "recipient", "referralId", "bodyType",
 * "createdAtMs", "body": {...}, "unknownFields": [...]}: the envelope for a
 * local system. A new object, or NULL with err. */
json_t *envelope_message_json(const Famlink__V1__Envelope *env, err_t *err);

#endif
