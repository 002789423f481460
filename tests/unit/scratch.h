/*
 * scratch — a throwaway directory for a unit test's real files: made under
 * /tmp at setup, removed with everything in it at teardown. Header-only:
 * each unit test is one binary built from one .c file.
 */
#ifndef FAMLINK_TEST_SCRATCH_H
#define FAMLINK_TEST_SCRATCH_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Makes /tmp/NAME.XXXXXX into dir (at least 32 bytes); 0 or -1. */
static inline int
scratch_make(char *dir, size_t len, const char *name)
{
	snprintf(dir, len, "/tmp/%s.XXXXXX", name);
	return mkdtemp(dir) ? 0 : -1;
}

static inline int
scratch_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* Removes dir and all below it; 0 or -1. */
static inline int
scratch_remove(const char *dir)
{
	return nftw(dir, scratch_remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
