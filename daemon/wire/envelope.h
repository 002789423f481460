/*
 * envelope — making, packing and unpacking the Envelope that carries every
 * famlink message, and its time-ordered message ids.
 */
#ifndef FAMLINK_ENVELOPE_H
#define FAMLINK_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "famlink.pb-c.h"

#define MESSAGE_ID_LEN 26   /* ULID: 48-bit ms time + 80 random bits, Crockford base32 */

/* Writes a new message id (MESSAGE_ID_LEN chars + NUL) into out. Ids made
 * later in the same process sort after earlier ones. */
void envelope_new_id(char out[MESSAGE_ID_LEN + 1]);

/* Fills the header of a new envelope (id into id_buf, which must outlive
 * env): schema version, sender, recipient, creation time. The caller sets
 * referral_id and the body; store_enqueue() sets the sequence. */
void envelope_init(Famlink__V1__Envelope *env, char id_buf[MESSAGE_ID_LEN + 1],
    const char *sender, const char *recipient);

/* Packs env; caller free()s the result. */
uint8_t *envelope_pack(const Famlink__V1__Envelope *env, size_t *len, err_t *err);

/* Unpacks a frame; NULL with err (RECEIPT_CODE_MALFORMED) if it is not an
 * Envelope. Free with envelope_free(). */
Famlink__V1__Envelope *envelope_unpack(const void *data, size_t len, err_t *err);
void envelope_free(Famlink__V1__Envelope **env);

/* The body's field name ("referral", "receipt", …), "none" if no body is
 * set, "unknown" if the body is one this build does not know. */
const char *envelope_body_name(const Famlink__V1__Envelope *env);

/* True if id can be a message id: 1 to 32 characters of [0-9A-Za-z_-].
 * Ids are the sender's (ULIDs from famlinkd); anything else is never
 * logged, stored or echoed. */
bool envelope_id_ok(const char *id);

/* True if id is a ULID as envelope_new_id() makes them: 26 characters of
 * Crockford base32 in upper case, the first 0-7 (128 bits). */
bool envelope_is_ulid(const char *id);

/* True for bodies that travel in a sequenced channel (all but Receipt, Hello). */
int envelope_is_sequenced(const Famlink__V1__Envelope *env);

#endif
