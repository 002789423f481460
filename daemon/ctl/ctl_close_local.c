/*
 * ctl_close_local — `famlinkctl close-local REFERRAL` (a municipality): a
 * referral this store does not know, typically an open one from before a
 * reset-store, is recorded here as closed, with an audit row that names the
 * Unix user and says the pool was not told. Nothing is sent: the pool's
 * side stays as it was until someone there closes it (a full resync from
 * the hub is not built yet). A referral the store knows is closed the
 * ordinary way, with a ReferralClosed (famlinkctl send), so that the pool
 * is told: close-local refuses it.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ctl_action.h"
#include "log.h"
#include "store_audit.h"
#include "store_referral.h"
#include "validate.h"

/* Why referral_id may not be closed here, or NULL. */
static const char *
refusal(action_t *a, const char *referral_id, char *state, err_t *err)
{
	int known = store_referral_get(a->store, a->cfg->node_id, referral_id, state, err);

	if (known < 0)
		return "";
	if (known == 0)
		return NULL;
	return strcmp(state, "closed") == 0 ? "is closed already" : "is known here: close it"
	    " with a ReferralClosed (famlinkctl send), which tells the pool";
}

int
ctl_close_local(const config_t *cfg, const char *referral_id)
{
	char e[4 * 65], state[REFERRAL_STATE_MAX] = "", detail[600];
	const char *why;
	action_t a;
	err_t err = {0};
	int rc;

	if (cfg->role == ROLE_HUB) {
		fprintf(stderr, "famlinkctl close-local: a municipality closes its own referrals;"
		    " this node is the hub\n");
		return CTL_ERROR;
	}
	if (!validate_id(referral_id)) {
		fprintf(stderr, "famlinkctl close-local: %s is not a referral id\n",
		    log_escape(referral_id, e, sizeof(e)));
		return CTL_USAGE;
	}
	if ((rc = action_begin(&a, cfg, "close-local")) != CTL_OK)
		return rc;
	if ((why = refusal(&a, referral_id, state, &err)) != NULL) {
		if (why[0] == '\0')
			fprintf(stderr, "famlinkctl close-local: store: %s\n", err.msg);
		else
			fprintf(stderr, "famlinkctl close-local: referral %s %s\n", referral_id, why);
		action_abort(&a);
		return CTL_ERROR;
	}
	/* The referral audit rows are found by their "referral ID:" prefix. */
	snprintf(detail, sizeof(detail), "referral %s: closed locally by %s with famlinkctl"
	    " close-local (not known to this store); the pool was not told", referral_id, a.user);
	if (store_referral_submit(a.store, cfg->node_id, referral_id, 0, 0, a.now, &err) != 0 ||
	    store_referral_set_state(a.store, cfg->node_id, referral_id, "closed", a.now,
	    &err) != 0 ||
	    store_audit(a.store, a.now, AUDIT_OP, NULL, cfg->hub_id, NULL, 0, detail, &err) != 0) {
		fprintf(stderr, "famlinkctl close-local: store: %s\n", err.msg);
		action_abort(&a);
		return CTL_ERROR;
	}
	if ((rc = action_commit(&a)) == CTL_OK)
		printf("referral %s: closed here; the pool was not told\n", referral_id);
	return rc;
}
