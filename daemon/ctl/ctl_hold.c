/*
 * ctl_hold — `famlinkctl discard ID`, `hold ID` and `release ID`: a queued
 * message put away for good, or stopped and let go again.
 *
 * discard: a queued message becomes a dead letter, acknowledged (reason
 * "discarded by USER"); famlinkd then tells its peer with a Hello to skip
 * its sequence, which the peer logs as set aside. A dead letter is only
 * acknowledged (it no longer counts in status). It asks first on a
 * terminal; elsewhere it needs --yes.
 *
 * hold: the message stays queued at its sequence, and famlinkd sends
 * neither it nor the messages behind it on its channel until it is released
 * (the receiver applies a channel in order and would drop them past the gap
 * anyway). One already sent may still be answered, and is then delivered.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_action.h"
#include "log.h"
#include "store_action.h"

/* The outbox row of id into *r, in a's transaction: 0, or -1 printed. */
static int
get_row(action_t *a, const char *id, action_row_t *r)
{
	char e[4 * 65];
	err_t err;
	int found = store_action_get(a->store, id, r, &err);

	if (found < 0)
		fprintf(stderr, "famlinkctl %s: store: %s\n", a->verb, err.msg);
	else if (found == 0)
		fprintf(stderr, "famlinkctl %s: no message %s in this node's outbox\n", a->verb,
		    log_escape(id, e, sizeof(e)));
	return found == 1 ? 0 : -1;
}

/* Asks on the terminal: true for y or yes. */
static bool
confirmed(const action_row_t *r)
{
	char line[16];

	fprintf(stderr, "discard %s (%s, referral %s, %s) for %s? [y/N] ", r->message_id,
	    r->body_type, r->referral_id, r->state, r->peer);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	line[strcspn(line, "\n")] = '\0';
	return strcmp(line, "y") == 0 || strcmp(line, "yes") == 0;
}

int
ctl_discard(const config_t *cfg, const ctl_opts_t *o, const char *message_id)
{
	char what[400], e[4 * 65];
	action_row_t r;
	action_t a;
	err_t err;
	bool dead;
	int rc;

	if (!o->yes && isatty(STDIN_FILENO) != 1) {
		fprintf(stderr, "famlinkctl discard: no terminal to ask on: give --yes to discard"
		    " %s\n", log_escape(message_id, e, sizeof(e)));
		return CTL_USAGE;
	}
	if ((rc = action_begin(&a, cfg, "discard")) != CTL_OK)
		return rc;
	if (get_row(&a, message_id, &r) != 0)
		goto fail;
	if (strcmp(r.state, "delivered") == 0) {
		fprintf(stderr, "famlinkctl discard: %s was delivered: nothing to discard\n",
		    r.message_id);
		goto fail;
	}
	if (!o->yes && !confirmed(&r)) {
		printf("%s: not discarded\n", r.message_id);
		action_abort(&a);
		return CTL_ERROR;
	}
	dead = strcmp(r.state, "dead") == 0;
	snprintf(what, sizeof(what), "discarded by %s", a.user);
	if ((dead ? store_action_ack_dead(a.store, r.message_id, a.now, &err)
	    : store_action_discard(a.store, r.message_id, a.now, what, &err)) != 0) {
		fprintf(stderr, "famlinkctl discard: store: %s\n", err.msg);
		goto fail;
	}
	snprintf(what, sizeof(what), dead ? "dead letter put away (acknowledged)"
	    : "discarded at sequence %llu: a dead letter, acknowledged; never sent again",
	    (unsigned long long)r.sequence);
	if (action_audit(&a, r.message_id, r.peer, r.body_type, what) != 0 ||
	    (rc = action_commit(&a)) != CTL_OK)
		goto fail;
	printf("%s (%s) for %s: %s\n", r.message_id, r.body_type, r.peer, what);
	if (!dead)   /* a Hello: the peer skips its sequence */
		action_redrive(cfg, r.peer);
	return CTL_OK;
fail:
	action_abort(&a);
	return CTL_ERROR;
}

/* hold (hold true) or release. */
static int
hold_or_release(const config_t *cfg, const char *message_id, bool hold)
{
	char what[200];
	action_row_t r;
	action_t a;
	err_t err;
	int rc;

	if ((rc = action_begin(&a, cfg, hold ? "hold" : "release")) != CTL_OK)
		return rc;
	if (get_row(&a, message_id, &r) != 0)
		goto fail;
	if (strcmp(r.state, "queued") != 0) {
		fprintf(stderr, "famlinkctl %s: %s is %s, not queued: nothing to %s\n", a.verb,
		    r.message_id, r.state, a.verb);
		goto fail;
	}
	if ((r.held_at != 0) == hold) {
		printf("%s: %s already\n", r.message_id, hold ? "held" : "not held");
		action_abort(&a);
		return CTL_OK;
	}
	if (store_action_hold(a.store, r.message_id, hold ? a.now : 0, &err) != 0) {
		fprintf(stderr, "famlinkctl %s: store: %s\n", a.verb, err.msg);
		goto fail;
	}
	snprintf(what, sizeof(what), hold ? "held at sequence %llu: it and the messages behind it"
	    " to %s wait until it is released" : "released at sequence %llu: sent to %s again",
	    (unsigned long long)r.sequence, r.peer);
	if (action_audit(&a, r.message_id, r.peer, r.body_type, what) != 0 ||
	    (rc = action_commit(&a)) != CTL_OK)
		goto fail;
	printf("%s (%s): %s\n", r.message_id, r.body_type, what);
	if (!hold)
		action_redrive(cfg, r.peer);
	return CTL_OK;
fail:
	action_abort(&a);
	return CTL_ERROR;
}

int
ctl_hold(const config_t *cfg, const char *message_id)
{
	return hold_or_release(cfg, message_id, true);
}

int
ctl_release(const config_t *cfg, const char *message_id)
{
	return hold_or_release(cfg, message_id, false);
}
