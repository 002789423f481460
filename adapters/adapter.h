/*
 * adapter — the interface between famlinkd and a local system: a case
 * system's folder (spool), a REST service (rest), a program (exec), a
 * mailbox (email). An adapter type is its config keys (config.h's
 * backend_type_t: [adapter NAME] with type = its name, every key checked
 * with FILE:LINE) and how it runs (job.h: start, stop, deliver, collect,
 * health); each is one file pair in this folder, listed in adapters.c.
 * An adapter uses the store's public API and the JSON codec, never the
 * transport or SQL of its own.
 */
#ifndef FAMLINK_ADAPTER_H
#define FAMLINK_ADAPTER_H

#include <stddef.h>

#include "config.h"
#include "job.h"

typedef struct adapter_type {
	backend_type_t config;     /* its type name and its own keys */
	const job_ops_t *job;      /* how one configured adapter of it runs */
} adapter_type_t;

/* Every adapter type built in, as config_set_backends() takes them; their
 * number in *n. Static. */
const backend_type_t *const *adapter_backends(size_t *n);

/* The adapter type whose config a loaded [adapter NAME] section names, or
 * NULL. Static. */
const adapter_type_t *adapter_type_of(const backend_type_t *config);

/* The job that runs a section of that adapter type, or NULL: what
 * famlinkd hands jobs_set_adapters(). */
const job_ops_t *adapter_job(const backend_type_t *config);

#endif
