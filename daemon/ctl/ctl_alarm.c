/*
 * ctl_alarm — `famlinkctl ack-alarm [--peer P]`: the dead letters and
 * sequence skips seen so far no longer count in status (the totals stay in
 * status --json); and `famlinkctl peers forget P`: a peer no longer
 * configured and holding nothing queued leaves the status (its row and
 * sequences stay in the store, so that a peer configured again goes on from
 * where its channel was).
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_action.h"
#include "log.h"
#include "store_action.h"

int
ctl_ack_alarm(const config_t *cfg, const ctl_opts_t *o)
{
	char what[200];
	long dead = 0, skips = 0;
	action_t a;
	err_t err;
	int rc;

	if ((rc = action_begin(&a, cfg, "ack-alarm")) != CTL_OK)
		return rc;
	if (store_action_ack_alarms(a.store, o->peer, a.now, &dead, &skips, &err) != 0) {
		fprintf(stderr, "famlinkctl ack-alarm: store: %s\n", err.msg);
		action_abort(&a);
		return CTL_ERROR;
	}
	snprintf(what, sizeof(what), "%ld dead letter(s) and %ld sequence skip(s) of %s"
	    " acknowledged", dead, skips, o->peer != NULL ? o->peer : "every peer");
	if (action_audit(&a, NULL, o->peer, NULL, what) != 0) {
		action_abort(&a);
		return CTL_ERROR;
	}
	if ((rc = action_commit(&a)) == CTL_OK)
		printf("%s\n", what);
	return rc;
}

int
ctl_peers_forget(const config_t *cfg, const char *peer)
{
	char e[4 * 65], what[400];
	long queued;
	action_t a;
	err_t err;
	int rc, had;

	log_escape(peer, e, sizeof(e));
	if (ctl_peer_configured(cfg, peer)) {
		fprintf(stderr, "famlinkctl peers forget: %s is still a peer in %s: remove it there"
		    " (and reload famlinkd) first\n", e, cfg->path);
		return CTL_ERROR;
	}
	if ((rc = action_begin(&a, cfg, "peers forget")) != CTL_OK)
		return rc;
	if ((queued = store_action_queued_for(a.store, peer, &err)) != 0) {
		if (queued < 0)
			fprintf(stderr, "famlinkctl peers forget: store: %s\n", err.msg);
		else
			fprintf(stderr, "famlinkctl peers forget: %s holds %ld queued message(s):"
			    " famlinkctl readdress or discard them first (famlinkctl queue lists"
			    " them)\n", e, queued);
		action_abort(&a);
		return CTL_ERROR;
	}
	if ((had = store_action_forget_peer(a.store, peer, a.now, &err)) <= 0) {
		if (had < 0)
			fprintf(stderr, "famlinkctl peers forget: store: %s\n", err.msg);
		else
			fprintf(stderr, "famlinkctl peers forget: this node's store knows no peer %s\n",
			    e);
		action_abort(&a);
		return CTL_ERROR;
	}
	snprintf(what, sizeof(what), "%s forgotten: no longer shown; its sequences are kept", e);
	if (action_audit(&a, NULL, peer, NULL, what) != 0) {
		action_abort(&a);
		return CTL_ERROR;
	}
	if ((rc = action_commit(&a)) == CTL_OK)
		printf("%s\n", what);
	return rc;
}
