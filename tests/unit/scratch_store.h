/*
 * scratch_store — a real, freshly migrated store in a scratch directory,
 * for the unit tests of the store and of what writes through it.
 * Header-only, like scratch.h.
 */
#ifndef FAMLINK_TEST_SCRATCH_STORE_H
#define FAMLINK_TEST_SCRATCH_STORE_H

#include <limits.h>
#include <stdlib.h>

#include "scratch.h"
#include "store.h"
#include "store_identity.h"

typedef struct scratch_store {
	char dir[64];
	char path[PATH_MAX];   /* dir/famlink.db */
	store_t *s;
} scratch_store_t;

/* 0, or -1 with the reason on stderr. */
static inline int
scratch_store_open(scratch_store_t *ss, const char *name)
{
	err_t err = {0};

	if (scratch_make(ss->dir, sizeof(ss->dir), name) != 0)
		return -1;
	snprintf(ss->path, sizeof(ss->path), "%s/%s", ss->dir, STORE_FILE);
	if ((ss->s = store_open(ss->path, false, &err)) == NULL) {
		fprintf(stderr, "store_open: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* Closes the store and removes the directory; 0 or -1. */
static inline int
scratch_store_close(scratch_store_t *ss)
{
	store_close(&ss->s);
	return scratch_remove(ss->dir);
}

/* A cmocka group's state: a scratch store named name (the test's own), and
 * its end. */
static inline int
scratch_store_setup(void **state, const char *name)
{
	scratch_store_t *ss = calloc(1, sizeof(*ss));

	if (ss == NULL || scratch_store_open(ss, name) != 0) {
		free(ss);
		return -1;
	}
	*state = ss;
	return 0;
}

static inline int
scratch_store_teardown(void **state)
{
	scratch_store_t *ss = *state;
	int rc = scratch_store_close(ss);

	free(ss);
	return rc;
}

#endif
