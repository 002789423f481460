/*
 * ctl_backup — `famlinkctl backup FILE`: an online copy of the node's store
 * while famlinkd runs, checked, mode 0600, with the store's marker beside it
 * as FILE.id (store_backup.h does the copying). Prints ids and counts only.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_progress.h"
#include "store.h"
#include "store_backup.h"

static void
show_progress(int done, int total, void *arg)
{
	ctl_progress_show(arg, done, total);
}

int
ctl_backup(const config_t *cfg, const ctl_opts_t *o, const char *file)
{
	char path[sizeof(cfg->state_dir) + 32];
	char what[sizeof(path) + 16];
	store_backup_info_t info;
	ctl_progress_t progress;
	err_t err;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, STORE_FILE);
	snprintf(what, sizeof(what), "backup %s", file);
	ctl_progress_start(&progress, what, "pages");
	rc = store_backup(path, cfg->node_id, file, o->force, show_progress, &progress, &info,
	    &err);
	ctl_progress_end(&progress);
	if (rc != 0) {
		fprintf(stderr, "famlinkctl backup: %s%s\n", err.msg, err.code == EACCES ?
		    "; run famlinkctl as the service user" : "");
		fprintf(stderr, "famlinkctl backup: no backup was made\n");
		return CTL_ERROR;
	}
	printf("backup %s: %ld messages, store %s, checked\n", file, info.outbox + info.inbox,
	    info.ident.store_id);
	return CTL_OK;
}
