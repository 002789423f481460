/*
 * pool_check — the pool's checks of a Referral before it is acknowledged
 * (seed 000's risk table): the sender is still a member, the kind and the
 * child's age are in the pool's remit, and the decision is taken. Pure:
 * reads the configuration and the referral, nothing else.
 */
#ifndef FAMLINK_POOL_CHECK_H
#define FAMLINK_POOL_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "famlink.pb-c.h"

#define POOL_CHECK_TEXT_MAX 512

/* 0 if the pool takes the referral on; otherwise the RejectionReason of the
 * first check that failed (member, remit, decision, in that order) and in
 * why an explanation for the secretary (Swedish, then English). */
Famlink__V1__RejectionReason pool_check_referral(const config_t *cfg,
    const Famlink__V1__Envelope *env, int64_t now, char *why, size_t len);

/* The pool's contact person for a municipality, filled into *c and
 * returned; NULL when none is configured. Borrows from cfg. */
Famlink__V1__Contact *pool_contact_for(const config_t *cfg, const char *municipality,
    Famlink__V1__Contact *c);

#endif
