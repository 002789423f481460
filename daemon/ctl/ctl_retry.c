/*
 * ctl_retry — `famlinkctl retry ID | --all-dead [--peer P]` and `famlinkctl
 * readdress ID --peer P`: a stuck message sent again (store_action.h has the
 * rules that keep the receiver's exactly-once and in-order rules sound).
 *
 * retry: a message never answered keeps its id and sequence and goes again
 * now (famlinkd is woken to resend at once, its backoff reset); a dead
 * letter, which its receiver rejected and would reject again by its id, goes
 * under a new id that names the old one. readdress: a message queued to a
 * peer no longer configured goes to P under a new id. Each message gets one
 * line saying what was done, and audit rows on both ids.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_action.h"
#include "envelope.h"
#include "log.h"
#include "store_action.h"

/* Why r cannot be retried (printed), or NULL. */
static const char *
retry_refusal(const action_t *a, const action_row_t *r)
{
	if (!ctl_peer_configured(a->cfg, r->peer))
		return "is for a peer that is not configured: see famlinkctl readdress --help";
	if (strcmp(r->state, "delivered") == 0)
		return "was delivered: nothing to retry";
	if (r->resent_as[0] != '\0')
		return "was sent again already (famlinkctl show names the new id)";
	if (r->set_aside)
		return "was discarded by an operator: it is not sent again (famlinkctl audit"
		    " --message ID says who)";
	if (r->held_at != 0)
		return "is held: famlinkctl release it";
	if (r->purged)
		return "was emptied by retention (its referral is closed): nothing is left to send";
	return NULL;
}

/* A message never answered: its id and sequence stay, famlinkd resends it. */
static int
retry_unanswered(action_t *a, const action_row_t *r, char *said, size_t len)
{
	char what[300];

	snprintf(what, sizeof(what), "never answered: sent again with its id and sequence"
	    " %llu, at once (or when %s connects)", (unsigned long long)r->sequence, r->peer);
	if (action_audit(a, r->message_id, r->peer, r->body_type, what) != 0)
		return -1;
	snprintf(said, len, "%s (%s) to %s: %s", r->message_id, r->body_type, r->peer, what);
	return 0;
}

/* A dead letter: queued again under a new id that names it. */
static int
retry_dead_letter(action_t *a, const action_row_t *r, char *said, size_t len)
{
	char what[300], new_id[MESSAGE_ID_LEN + 1];
	err_t err;

	if (store_action_resend(a->store, r->message_id, NULL, a->now,
	    "dead letter sent again by famlinkctl retry", new_id, &err) != 0) {
		fprintf(stderr, "famlinkctl retry: %s: %s\n", r->message_id, err.msg);
		return -1;
	}
	snprintf(what, sizeof(what), "dead letter resent as %s", new_id);
	if (action_audit(a, r->message_id, r->peer, r->body_type, what) != 0)
		return -1;
	snprintf(what, sizeof(what), "resend of dead letter %s", r->message_id);
	if (action_audit(a, new_id, r->peer, r->body_type, what) != 0)
		return -1;
	snprintf(said, len, "%s (%s) to %s: dead letter, resent as %s", r->message_id,
	    r->body_type, r->peer, new_id);
	return 0;
}

int
ctl_retry_one(action_t *a, const char *id, char *said, size_t len, char peer[65])
{
	char e[4 * 65];
	const char *why;
	action_row_t r;
	err_t err;
	int found = store_action_get(a->store, id, &r, &err), rc;

	if (found < 0) {
		fprintf(stderr, "famlinkctl retry: store: %s\n", err.msg);
		return -1;
	}
	if (found == 0) {
		snprintf(said, len, "no message %s in this node's outbox",
		    log_escape(id, e, sizeof(e)));
		return RETRY_UNKNOWN;
	}
	if ((why = retry_refusal(a, &r)) != NULL) {
		snprintf(said, len, "%s %s", r.message_id, why);
		return RETRY_REFUSED;
	}
	rc = strcmp(r.state, "queued") == 0 ? retry_unanswered(a, &r, said, len) :
	    retry_dead_letter(a, &r, said, len);
	snprintf(peer, 65, "%s", r.peer);
	return rc;
}

/* Whom famlinkd is to resend to once the retries are committed: nobody,
 * one peer, or (many) every peer. */
typedef struct redrive {
	bool any, many;
	char peer[65];
} redrive_t;

static void
redrive_add(redrive_t *rd, const char *peer)
{
	if (rd->any && strcmp(rd->peer, peer) != 0)
		rd->many = true;
	rd->any = true;
	snprintf(rd->peer, sizeof(rd->peer), "%s", peer);
}

/* One retry, its line printed: 0 done, 1 refused (said why), -1 the store
 * failed. */
static int
retry_one(action_t *a, const char *id, redrive_t *rd)
{
	char said[600], peer[65];
	int rc = ctl_retry_one(a, id, said, sizeof(said), peer);

	if (rc == RETRY_DONE) {
		printf("%s\n", said);
		redrive_add(rd, peer);
	} else if (rc > 0) {
		fprintf(stderr, "famlinkctl retry: %s\n", said);
	}
	return rc < 0 ? -1 : rc > 0;
}

typedef struct all_dead {
	action_t *a;
	redrive_t rd;
	bool tty;
	long done, refused, seen;
} all_dead_t;

static int
retry_dead(void *ctx, const char *id)
{
	all_dead_t *d = ctx;
	int rc = retry_one(d->a, id, &d->rd);

	if (rc < 0)
		return -1;
	rc == 0 ? d->done++ : d->refused++;
	if (d->tty && ++d->seen % 100 == 0)
		fprintf(stderr, "\rretry: %ld dead letters so far", d->seen);
	return 0;
}

int
ctl_retry(const config_t *cfg, const ctl_opts_t *o, const char *message_id)
{
	all_dead_t d = { .tty = isatty(STDERR_FILENO) == 1 };
	action_t a;
	err_t err;
	int rc;

	if ((rc = action_begin(&a, cfg, "retry")) != CTL_OK)
		return rc;
	d.a = &a;
	if (message_id != NULL) {
		rc = retry_one(&a, message_id, &d.rd);
		d.refused = rc > 0;
	} else if ((rc = store_action_dead_ids(a.store, o->peer, retry_dead, &d, &err)) != 0 &&
	    err.msg[0] != '\0')
		fprintf(stderr, "famlinkctl retry: store: %s\n", err.msg);
	if (d.tty && d.seen >= 100)
		fputc('\n', stderr);
	if (rc < 0 || (message_id != NULL && rc > 0)) {
		action_abort(&a);
		return CTL_ERROR;
	}
	if (message_id == NULL)
		printf("retry: %ld dead letter(s) sent again, %ld refused\n", d.done, d.refused);
	if ((rc = action_commit(&a)) != CTL_OK)
		return rc;
	if (d.rd.any)
		action_redrive(cfg, d.rd.many ? NULL : d.rd.peer);
	return d.refused > 0 ? CTL_ERROR : CTL_OK;
}

/* Why readdress would do harm, or NULL. */
static const char *
readdress_refusal(action_t *a, const action_row_t *r, const char *peer, err_t *err)
{
	int answered;

	if (strcmp(r->state, "queued") != 0)
		return strcmp(r->state, "dead") == 0 ? "is a dead letter: famlinkctl retry sends"
		    " it again, to its own peer" : "was delivered: nothing to readdress";
	if (r->purged)
		return "was emptied by retention (its referral is closed): nothing to send";
	if (strcmp(r->peer, peer) == 0)
		return "is queued for that peer already";
	/* famlinkd sends to a configured peer: it may have it by now. */
	if (ctl_peer_configured(a->cfg, r->peer))
		return "is for a peer still configured, which may have it by now: remove that"
		    " peer from the config (and reload famlinkd) first, or famlinkctl discard it";
	if ((answered = store_action_answered_after(a->store, r->peer, r->sequence, err)) != 0)
		return answered < 0 ? "" : "was received by its peer (a later message on that"
		    " channel was answered, and messages are applied in order)";
	return NULL;
}

int
ctl_readdress(const config_t *cfg, const ctl_opts_t *o, const char *message_id)
{
	char e[4 * 65], what[300], new_id[MESSAGE_ID_LEN + 1];
	const char *why;
	action_row_t r;
	action_t a;
	err_t err = {0};
	int rc, found;

	if (!ctl_peer_configured(cfg, o->peer)) {
		fprintf(stderr, "famlinkctl readdress: --peer %s is not a peer in %s\n",
		    log_escape(o->peer, e, sizeof(e)), cfg->path);
		return CTL_ERROR;
	}
	if ((rc = action_begin(&a, cfg, "readdress")) != CTL_OK)
		return rc;
	if ((found = store_action_get(a.store, message_id, &r, &err)) <= 0) {
		fprintf(stderr, found < 0 ? "famlinkctl readdress: store: %s\n" :
		    "famlinkctl readdress: no message %s in this node's outbox\n",
		    found < 0 ? err.msg : log_escape(message_id, e, sizeof(e)));
		action_abort(&a);
		return CTL_ERROR;
	}
	if ((why = readdress_refusal(&a, &r, o->peer, &err)) != NULL) {
		if (why[0] != '\0')
			fprintf(stderr, "famlinkctl readdress: %s %s; nothing was changed\n",
			    r.message_id, why);
		else
			fprintf(stderr, "famlinkctl readdress: store: %s\n", err.msg);
		action_abort(&a);
		return CTL_ERROR;
	}
	snprintf(what, sizeof(what), "readdressed from %s to %s by famlinkctl", r.peer, o->peer);
	rc = store_action_resend(a.store, r.message_id, o->peer, a.now, what, new_id, &err);
	if (rc != 0)
		fprintf(stderr, "famlinkctl readdress: %s: %s\n", r.message_id, err.msg);
	snprintf(what, sizeof(what), "moved from %s (sequence %llu) to %s as %s", r.peer,
	    (unsigned long long)r.sequence, o->peer, new_id);
	if (rc != 0 || action_audit(&a, r.message_id, r.peer, r.body_type, what) != 0)
		goto fail;
	snprintf(what, sizeof(what), "readdressed from %s: was %s", r.peer, r.message_id);
	if (action_audit(&a, new_id, o->peer, r.body_type, what) != 0)
		goto fail;
	if ((rc = action_commit(&a)) != CTL_OK)
		return rc;
	printf("%s (%s) for %s: readdressed to %s as %s\n", r.message_id, r.body_type, r.peer,
	    o->peer, new_id);
	action_redrive(cfg, o->peer);
	return CTL_OK;
fail:
	action_abort(&a);
	return CTL_ERROR;
}
