/*
 * ctl — the verbs of famlinkctl, the operator's tool. Each takes the node's
 * loaded config and its arguments and returns an exit status (ctl_exit_t).
 * Output goes to stdout, problems to stderr; both carry ids and codes only.
 */
#ifndef FAMLINK_CTL_H
#define FAMLINK_CTL_H

#include <stdbool.h>

#include "config.h"

/* famlinkctl's exit statuses. Scripts branch on them, so every verb's
 * --help and the README list them: change them never, add at the end. */
typedef enum ctl_exit {
	CTL_OK = 0,
	CTL_ERROR = 1,     /* the operation failed (config, store, a refused message) */
	CTL_USAGE = 2,     /* unknown verb or option, wrong arguments */
	CTL_NO_STORE = 3,  /* status, queue: famlinkd has not made the store yet */
	/* The store is refused (store_fault_t; famlinkd exits with the same). */
	CTL_STORE_LOST = 4,     /* famlink.id says there was one: missing, empty, replaced */
	CTL_STORE_DAMAGED = 5,  /* quick_check failed, or not a database */
	CTL_STORE_FOREIGN = 6,  /* another node's store, or another store than famlink.id's */
} ctl_exit_t;

typedef struct ctl_opts {
	bool json;      /* --json: machine-readable output */
	bool all;       /* queue --all: no row limit */
	bool force;     /* keygen --force: replace existing key files */
	bool yes;       /* reset-store --yes: really */
} ctl_opts_t;

/* Enqueues the Envelope JSON in each file ("-" = stdin), all or none. */
int ctl_send(const config_t *cfg, const ctl_opts_t *o, int nfiles, char **files);
int ctl_status(const config_t *cfg, const ctl_opts_t *o);
int ctl_queue(const config_t *cfg, const ctl_opts_t *o);

/* Opens the node's store: read_only for reports. Prints the error. */
struct store *ctl_open_store(const config_t *cfg, bool read_only);

/* Before a verb uses the store (ctl_reset.c): checks that it is this
 * node's and whole, as famlinkd does at start; for write, also runs
 * quick_check and makes the store (identity and famlink.id) if famlinkd
 * never ran. CTL_OK, or the exit status with the reason printed
 * (CTL_NO_STORE only read-only, when there is no store yet). */
int ctl_check_store(const config_t *cfg, bool write);
/* `famlinkctl reset-store --yes`. */
int ctl_reset_store(const config_t *cfg, const ctl_opts_t *o);

#endif
