/*
 * ctl — the verbs of famlinkctl, the operator's tool. Each takes the node's
 * loaded config and its arguments and returns an exit status (ctl_exit_t).
 * Output goes to stdout, problems to stderr; both carry ids and codes only.
 */
#ifndef FAMLINK_CTL_H
#define FAMLINK_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "config.h"

/* famlinkctl's exit statuses. Scripts branch on them, so every verb's
 * --help and the README list them: change them never, add at the end. */
typedef enum ctl_exit {
	CTL_OK = 0,
	CTL_ERROR = 1,     /* the operation failed (config, store, a refused message) */
	CTL_USAGE = 2,     /* unknown verb or option, wrong arguments, reset-store
	                    * without --yes, a bad FAMLINK_CLOCK_OFFSET */
	CTL_NO_STORE = 3,  /* a verb that only reads the store (status, queue, referrals, proposals,
	                    * families, deadlines, notifications, report, inbox, show, audit,
	                    * backup, and the actions on messages: retry, readdress, discard,
	                    * hold, release, ack-alarm, peers forget, close-local): famlinkd
	                    * has not made the store yet */
	/* The store is refused (store_fault_t; famlinkd exits with the same). */
	CTL_STORE_LOST = 4,     /* famlink.id says there was one: missing, empty, replaced */
	CTL_STORE_DAMAGED = 5,  /* quick_check failed, or not a database */
	CTL_STORE_FOREIGN = 6,  /* another node's store, or another store than famlink.id's */
} ctl_exit_t;

typedef struct ctl_opts {
	bool json;      /* --json: machine-readable output */
	bool all;       /* queue, notifications --all: no row limit */
	bool force;     /* keygen, backup --force: replace existing files */
	bool yes;       /* reset-store --yes: really */
	bool override_ledger;  /* send --override-ledger: pass on a held family */
	bool dry_run;          /* send --dry-run: check everything, queue nothing */
	bool passed_on;        /* families --passed-on: only families still held */
	bool overdue;          /* deadlines --overdue: only those due by now */
	bool waiting;          /* proposals --waiting: only those the municipality must answer */
	bool content;          /* show --content: the body at the hub too (audited) */
	bool check;            /* status --check: a verdict, exit 0/1/2 */
	bool all_dead;         /* retry --all-dead: every dead letter not sent again */
	size_t config_problems;    /* status --check: problems the config file has */
	/* Options with a value, as given (NULL: not given). */
	const char *state;         /* referrals --state NAME */
	const char *municipality;  /* --municipality 0180 | municipality:0180 */
	const char *from, *to;     /* report --from, --to: YYYY-MM-DD */
	const char *format;        /* report --format text|csv|json|html */
	const char *lang;          /* report --lang sv|en */
	const char *referral;      /* inbox, audit --referral ID */
	const char *message;       /* audit --message ID */
	const char *peer;          /* retry, readdress, ack-alarm --peer NODE */
	const char *since;         /* inbox --since YYYY-MM-DD */
	char *attach[8];           /* send --attach FIELD=FILE, each as given */
	int nattach;
	/* Filled in by ctl_check_values() from the above. */
	char municipality_id[65];  /* "municipality:0180", or "" */
	cal_date_t from_date, to_date;   /* report: --from, --to or their defaults */
	int format_id;             /* meeting_format_t (ctl_meeting.h) */
	int lang_id;               /* report_lang_t of --lang, when given (report_words.h) */
	int64_t since_ms;          /* inbox: local midnight starting --since, 0 = all */
	/* Set by famlinkctl's store check: send --dry-run before famlinkd made
	 * the store (it then checks against an empty one of its own). */
	bool no_store;
} ctl_opts_t;

/* Enqueues the Envelope JSON in each file ("-" = stdin), all or none; with
 * o->dry_run checks them all the same way and queues none. */
int ctl_send(const config_t *cfg, const ctl_opts_t *o, int nfiles, char **files);
int ctl_status(const config_t *cfg, const ctl_opts_t *o);
int ctl_queue(const config_t *cfg, const ctl_opts_t *o);

/* The routine's read-only views (ctl_routine.c, ctl_meeting.c): ids,
 * states, kinds, times and counts, never names or free text. */
int ctl_referrals(const config_t *cfg, const ctl_opts_t *o);
int ctl_families(const config_t *cfg, const ctl_opts_t *o);
int ctl_proposals(const config_t *cfg, const ctl_opts_t *o);
int ctl_deadlines(const config_t *cfg, const ctl_opts_t *o);
int ctl_notifications(const config_t *cfg, const ctl_opts_t *o);
/* The messages (ctl_show.c): `famlinkctl inbox`, what arrived, metadata
 * only; `famlinkctl show ID`, one message of the inbox or the outbox with
 * its body, shown only after an audit row recording who asked is written
 * (at the hub only with o->content). */
int ctl_inbox(const config_t *cfg, const ctl_opts_t *o);
int ctl_show(const config_t *cfg, const ctl_opts_t *o, const char *message_id);
/* `famlinkctl audit` (what NULL): the audit rows, oldest first, of
 * o->referral and o->message if given (ctl_audit.c); `famlinkctl audit
 * verify` (what "verify", checked by ctl_check_values()): the hash chain,
 * CTL_OK intact, CTL_ERROR broken or unreadable. */
int ctl_audit(const config_t *cfg, const ctl_opts_t *o, const char *what);
/* `famlinkctl report meeting`: the report of o->municipality_id from
 * o->from_date to o->to_date in o->format_id, as ctl_check_values() set
 * them; its text and html in o->lang_id if --lang was given, else in the
 * config's report_language. */
int ctl_report_meeting(const config_t *cfg, const ctl_opts_t *o);
/* `famlinkctl log-level LEVEL` (ctl_log_level.c): the running famlinkd logs
 * at LEVEL until its next reload or restart. CTL_USAGE for an unknown
 * level, CTL_ERROR when no famlinkd runs on the state directory. */
int ctl_log_level(const config_t *cfg, const char *level);

/* The operator's actions on stuck messages (ctl_retry.c, ctl_hold.c,
 * ctl_alarm.c; the rules in store_action.h): each writes an audit row naming
 * the Unix user, says per message what it did, and wakes a running famlinkd.
 * retry: message_id, or NULL for o->all_dead (of o->peer if given). */
int ctl_retry(const config_t *cfg, const ctl_opts_t *o, const char *message_id);
int ctl_readdress(const config_t *cfg, const ctl_opts_t *o, const char *message_id);
/* discard asks on a terminal unless o->yes; CTL_USAGE with neither. */
int ctl_discard(const config_t *cfg, const ctl_opts_t *o, const char *message_id);
int ctl_hold(const config_t *cfg, const char *message_id);
int ctl_release(const config_t *cfg, const char *message_id);
int ctl_ack_alarm(const config_t *cfg, const ctl_opts_t *o);
int ctl_peers_forget(const config_t *cfg, const char *peer);
/* `famlinkctl close-local REFERRAL` (ctl_close_local.c): a referral this
 * municipality's store does not know (one from before reset-store) is
 * recorded as closed, audited; nothing is sent. */
int ctl_close_local(const config_t *cfg, const char *referral_id);

/* Checks and parses the values of --state, --municipality, --from, --to,
 * --format and --lang for verb (and report's operand) into o before anything is
 * opened: 0, or -1 with the usage error printed (exit CTL_USAGE). */
int ctl_check_values(const char *verb, ctl_opts_t *o, int argc, char **argv);

/* Opens the node's store: read_only for reports. Prints the error. */
struct store *ctl_open_store(const config_t *cfg, bool read_only);

/* Before a verb uses the store (ctl_reset.c): checks that it is this
 * node's and whole, as famlinkd does at start; for write, also runs
 * quick_check and makes the store (identity and famlink.id) if famlinkd
 * never ran. CTL_OK, or the exit status with the reason printed
 * (CTL_NO_STORE only read-only, when there is no store yet; without a word
 * if absent_ok). */
int ctl_check_store(const config_t *cfg, bool write, bool absent_ok);
/* `famlinkctl reset-store --yes`. */
int ctl_reset_store(const config_t *cfg, const ctl_opts_t *o);
/* `famlinkctl backup [--force] FILE` (ctl_backup.c): an online copy of the
 * store to FILE (mode 0600, checked) and its marker to FILE.id; o->force
 * replaces existing ones. Prints "backup FILE: N messages, store ID,
 * checked"; CTL_ERROR with the reason printed, and no file left. */
int ctl_backup(const config_t *cfg, const ctl_opts_t *o, const char *file);

#endif
