/*
 * atomicfile — small files that appear whole or not at all: written to a
 * temporary name beside the final one, fsynced, renamed (or linked) into
 * place, and the directory fsynced so the new name survives a crash. Used
 * for key files (keys.c) and the store's marker (store_identity.c).
 */
#ifndef FAMLINK_ATOMICFILE_H
#define FAMLINK_ATOMICFILE_H

#include <limits.h>
#include <sys/types.h>

#include "err.h"

/* Writes body into a new temporary file beside final_path (mode, fsynced).
 * On success tmp holds its name; on failure it is removed and tmp is "". */
int atomicfile_write_temp(char tmp[PATH_MAX], const char *final_path, const char *body,
    mode_t mode, err_t *err);

/* fsync of the directory holding path, so names made there survive a crash. */
int atomicfile_sync_dir(const char *path, err_t *err);

/* The whole dance for one file: temporary file, rename over path, fsync of
 * the directory. A crash leaves the old file or the new one. */
int atomicfile_replace(const char *path, const char *body, mode_t mode, err_t *err);

#endif
