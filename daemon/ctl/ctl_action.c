/* ctl_action — see ctl_action.h. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "ctl_action.h"
#include "log.h"
#include "store_audit.h"
#include "wake.h"

void
ctl_unix_user(char *buf, size_t len)
{
	uid_t uid = getuid();
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL && pw->pw_name != NULL)
		snprintf(buf, len, "%s (uid %lu)", pw->pw_name, (unsigned long)uid);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)uid);
}

int
action_begin(action_t *a, const config_t *cfg, const char *verb)
{
	err_t err;
	int rc;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->verb = verb;
	a->now = clock_now_ms();
	ctl_unix_user(a->user, sizeof(a->user));
	/* Writing needs the store whole, as famlinkctl send does. */
	if ((rc = ctl_check_store(cfg, true, false)) != CTL_OK)
		return rc;
	if ((a->store = ctl_open_store(cfg, false)) == NULL)
		return CTL_ERROR;
	if (store_begin(a->store, &err) != 0) {
		fprintf(stderr, "famlinkctl %s: store: %s; nothing was changed\n", verb, err.msg);
		store_close(&a->store);
		return CTL_ERROR;
	}
	return CTL_OK;
}

int
action_commit(action_t *a)
{
	err_t err;

	if (store_commit(a->store, &err) != 0) {
		fprintf(stderr, "famlinkctl %s: store: %s; nothing was changed\n", a->verb, err.msg);
		action_abort(a);
		return CTL_ERROR;
	}
	store_close(&a->store);
	return CTL_OK;
}

void
action_abort(action_t *a)
{
	if (a->store != NULL)
		store_rollback(a->store);
	store_close(&a->store);
}

int
action_audit(action_t *a, const char *message_id, const char *peer, const char *body_type,
    const char *what)
{
	char detail[1024];
	err_t err;

	snprintf(detail, sizeof(detail), "%s by %s: %s", a->verb, a->user, what);
	if (store_audit(a->store, a->now, AUDIT_OP, message_id, peer, body_type, 0, detail,
	    &err) == 0)
		return 0;
	fprintf(stderr, "famlinkctl %s: audit: %s\n", a->verb, err.msg);
	return -1;
}

bool
ctl_peer_configured(const config_t *cfg, const char *node_id)
{
	if (cfg->role != ROLE_HUB)
		return strcmp(cfg->hub_id, node_id) == 0;
	for (size_t i = 0; i < cfg->npeers; i++)
		if (strcmp(cfg->peers[i].node_id, node_id) == 0)
			return true;
	return false;
}

void
action_redrive(const config_t *cfg, const char *peer)
{
	if (!wake_redrive(cfg->runtime_dir, peer))
		printf("famlinkd is not running on %s: it sends when it starts\n", cfg->state_dir);
}
