/*
 * adapters — the table of adapter types built into famlinkd (adapter.h).
 * A new adapter is one file pair here and one line in types[];
 * [adapter NAME] sections are checked against this table, so
 * --check-config refuses a type that would not run.
 */
#include "adapter.h"
#include "email.h"
#include "exec.h"
#include "rest.h"
#include "spool.h"

/* Ended by NULL. */
static const adapter_type_t *const types[] = {
	&email_adapter,
	&exec_adapter,
	&rest_adapter,
	&spool_adapter,
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
