/*
 * adapters — the table of adapter types built into famlinkd (adapter.h).
 * A new adapter is one file pair here and one line in types[]. None is
 * built yet: [adapter NAME] sections are checked against this (empty)
 * table, so --check-config says so rather than accept a type that would
 * not run.
 */
#include "adapter.h"
#include "rest.h"
#include "spool.h"

/* Ended by NULL. */
static const adapter_type_t *const types[] = {
	&spool_adapter,
	&rest_adapter,
	NULL,
};

static const backend_type_t *backends[sizeof(types) / sizeof(types[0])];

const backend_type_t *const *
adapter_backends(size_t *n)
{
	*n = 0;
	for (const adapter_type_t *const *t = types; *t != NULL; t++)
		backends[(*n)++] = &(*t)->config;
	return backends;
}

const adapter_type_t *
adapter_type_of(const backend_type_t *config)
{
	for (const adapter_type_t *const *t = types; *t != NULL; t++)
		if (&(*t)->config == config)
			return *t;
	return NULL;
}

const job_ops_t *
adapter_job(const backend_type_t *config)
{
	const adapter_type_t *t = adapter_type_of(config);

	return t != NULL ? t->job : NULL;
}
