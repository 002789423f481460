/* ctl_status_disk — see ctl_status_disk.h. */
#include <stdbool.h>
#include <stdio.h>

#include "ctl_status_disk.h"
#include "store_disk.h"

#define REFUSED "famlinkctl send, collecting files, new messages from peers"

/* false if it could not be measured (d zeroed). */
static bool
measure(const config_t *cfg, store_disk_t *d)
{
	err_t err;

	*d = (store_disk_t){ 0 };
	return store_disk_measure(d, cfg->state_dir, cfg->disk_free_limit, &err) == 0;
}

json_t *
ctl_disk_json(const config_t *cfg)
{
	store_disk_t d;

	if (!measure(cfg, &d))
		return json_pack("{s:s}", "state", "unknown");
	return json_pack("{s:I, s:I, s:I, s:s, s:o}", "freeBytes", (json_int_t)d.free_bytes,
	    "floorBytes", (json_int_t)d.floor_bytes, "storeBytes", (json_int_t)d.store_bytes,
	    "state", d.low ? "low" : "ok", "refusing", d.low ? json_pack("[s,s,s]", "send",
	    "collect", "peer messages") : json_array());
}

void
ctl_disk_print(FILE *out, const config_t *cfg)
{
	char f[32], fl[32];
	store_disk_t d;

	if (!measure(cfg, &d)) {
		fprintf(out, "disk: unknown (cannot measure %s)\n", cfg->state_dir);
		return;
	}
	fprintf(out, "disk: %s free, floor %s, %s\n", store_disk_fmt(d.free_bytes, f, sizeof(f)),
	    store_disk_fmt(d.floor_bytes, fl, sizeof(fl)), d.low ? "below the floor: refusing "
	    REFUSED " (delivering, Receipts and checkpoints go on)" : "ok");
}

int
ctl_disk_problem(const config_t *cfg, char *what, size_t len)
{
	char f[32], fl[32];
	store_disk_t d;

	if (!measure(cfg, &d) || !d.low)
		return 0;
	snprintf(what, len, "disk: %s free on %s, below the floor of %s (disk_free_limit):"
	    " no new work taken", store_disk_fmt(d.free_bytes, f, sizeof(f)), cfg->state_dir,
	    store_disk_fmt(d.floor_bytes, fl, sizeof(fl)));
	return 1;
}

int
ctl_disk_room_for_send(const config_t *cfg, size_t bytes)
{
	uint64_t need = (uint64_t)bytes * STORE_DISK_WRITE_FACTOR;
	char f[32], fl[32];
	store_disk_t d;

	/* Unmeasurable: the store's own errors still stop a full disk. */
	if (!measure(cfg, &d) || (!d.low && d.free_bytes - d.floor_bytes >= need))
		return 0;
	fprintf(stderr, "famlinkctl send: only %s free on %s, below the floor of %s ([node]"
	    " disk_free_limit) with these messages: famlinkd takes no new work until it has"
	    " room again; nothing was queued\n", store_disk_fmt(d.free_bytes, f, sizeof(f)),
	    cfg->state_dir, store_disk_fmt(d.floor_bytes, fl, sizeof(fl)));
	return -1;
}
