/* ctl_listing — see ctl_listing.h. */
#include <stdio.h>

#include "ctl_listing.h"
#include "ctl_report_fmt.h"

store_t *
listing_open_store(const config_t *cfg)
{
	store_t *store = ctl_open_store(cfg, true);
	int v;

	if (store != NULL && (v = store_schema_version(store)) < REPORT_SCHEMA) {
		fprintf(stderr, "famlinkctl: the store has no routine tables yet (schema %d, need"
		    " %d): start famlinkd once to update it\n", v, REPORT_SCHEMA);
		store_close(&store);
	}
	return store;
}

int
listing_each_row(store_t *store, sqlite3_stmt *st, row_fn *fn, listing_t *l)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(l, st);
	return report_done(store, st, rc, &l->err);
}

int
listing_finish(listing_t *l, store_t **store, int rc, const char *none)
{
	if (l->o->json && rc == 0)
		report_print_json(l->rows);
	else
		json_decref(l->rows);
	if (!l->o->json && rc == 0 && l->n == 0)
		printf("%s\n", none);
	if (rc != 0 && l->err.msg[0] != '\0')
		fprintf(stderr, "famlinkctl: %s\n", l->err.msg);
	store_close(store);
	return rc == 0 ? CTL_OK : CTL_ERROR;
}

int
listing_close(store_t **store, int rc, const err_t *err)
{
	if (rc != 0 && err->msg[0] != '\0')
		fprintf(stderr, "famlinkctl: %s\n", err->msg);
	store_close(store);
	return rc == 0 ? CTL_OK : CTL_ERROR;
}
