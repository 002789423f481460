/*
 * routine_fixture — the store and the two configurations the routine's
 * unit tests run against: the pool pool:stockholm-nord with members 0180
 * (which has a contact person) and 0181 (none), every kind in its remit,
 * and municipality 0180; both with config.c's defaults. A real
 * store in a scratch directory. Header-only, like scratch_store.h.
 */
#ifndef FAMLINK_TEST_ROUTINE_FIXTURE_H
#define FAMLINK_TEST_ROUTINE_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "scratch_store.h"

#define HUB  "pool:stockholm-nord"
#define M180 "municipality:0180"
#define M181 "municipality:0181"

typedef struct fixture {
	scratch_store_t ss;      /* the store under test and its directory */
	config_t hub, muni;      /* built by hand: freed here, not by config_free() */
	peer_conf_t peers[2];
	int64_t now;             /* a test's clock, where it keeps one */
} fixture_t;

static inline void
routine_fixture_pool(fixture_t *f)
{
	f->hub.role = ROLE_HUB;
	snprintf(f->hub.node_id, sizeof(f->hub.node_id), "%s", HUB);
	snprintf(f->peers[0].node_id, sizeof(f->peers[0].node_id), "%s", M180);
	snprintf(f->peers[0].contact_name, sizeof(f->peers[0].contact_name), "Lars Ängström");
	snprintf(f->peers[0].contact_phone, sizeof(f->peers[0].contact_phone), "070-123 45 67");
	snprintf(f->peers[0].contact_email, sizeof(f->peers[0].contact_email),
	    "lars.angstrom@nordvast.example");
	snprintf(f->peers[1].node_id, sizeof(f->peers[1].node_id), "%s", M181);
	f->peers[0].member = f->peers[1].member = true;
	f->hub.peers = f->peers;
	f->hub.npeers = 2;
	config_set_defaults(&f->hub);
}

/* *state = a new fixture whose store is named for the test; 0 or -1. */
static inline int
routine_fixture_setup(void **state, const char *name, int64_t now)
{
	fixture_t *f = calloc(1, sizeof(*f));

	if (f == NULL || scratch_store_open(&f->ss, name) != 0) {
		free(f);
		return -1;
	}
	f->now = now;
	routine_fixture_pool(f);
	f->muni.role = ROLE_MUNICIPALITY;
	snprintf(f->muni.node_id, sizeof(f->muni.node_id), "%s", M180);
	snprintf(f->muni.hub_id, sizeof(f->muni.hub_id), "%s", HUB);
	config_set_defaults(&f->muni);
	*state = f;
	return 0;
}

/* msg with every occurrence of id replaced by "<ID>": two refusals that
 * differ only in the id they name read the same. */
static inline void
msg_without(const char *msg, const char *id, char *out, size_t len)
{
	const char *p = msg, *hit;
	size_t used = 0;

	out[0] = '\0';
	while ((hit = strstr(p, id)) != NULL) {
		used += (size_t)snprintf(out + used, len - used, "%.*s<ID>", (int)(hit - p), p);
		p = hit + strlen(id);
	}
	snprintf(out + used, len - used, "%s", p);
}

static inline int
routine_fixture_teardown(void **state)
{
	fixture_t *f = *state;
	int rc = scratch_store_close(&f->ss);

	free(f);
	return rc;
}

#endif
