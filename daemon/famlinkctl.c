/*
 * famlinkctl — the operator's tool: make keys, enqueue messages, and see
 * what waits for whom. Works on the node's store directly (the daemon may
 * run or not); every listing also prints JSON (--json; report: --format
 * json). Each verb's help
 * lives in one row of the verbs[] table below, which also drives dispatch.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "adapter.h"
#include "config.h"
#include "clock.h"
#include "ctl.h"
#include "keys.h"
#include "version.h"
#include "store.h"

#define DEFAULT_CONFIG "/etc/famlink/famlinkd.conf"

/* The options a verb accepts (verb_t.opts); the others are refused so that
 * a mistyped command line fails instead of being half obeyed. */
enum {
	OPT_JSON = 1, OPT_ALL = 2, OPT_FORCE = 4, OPT_YES = 8, OPT_OVERRIDE = 16,
	OPT_PASSED_ON = 32, OPT_OVERDUE = 64, OPT_STATE = 128, OPT_MUNICIPALITY = 256,
	OPT_FROM = 512, OPT_TO = 1024, OPT_FORMAT = 2048, OPT_WAITING = 4096, OPT_LANG = 8192,
	OPT_DRY_RUN = 16384, OPT_REFERRAL = 32768, OPT_SINCE = 65536, OPT_CONTENT = 131072,
	OPT_ATTACH = 262144, OPT_CHECK = 524288, OPT_MESSAGE = 1048576, OPT_ALL_DEAD = 2097152,
	OPT_PEER = 4194304,
};
/* getopt_long's values of the long-only options. */
enum { LO_OVERRIDE = 256, LO_PASSED_ON, LO_OVERDUE, LO_STATE, LO_MUNICIPALITY, LO_FROM, LO_TO,
	LO_FORMAT, LO_WAITING, LO_LANG, LO_DRY_RUN, LO_REFERRAL, LO_SINCE, LO_CONTENT, LO_ATTACH, LO_CHECK,
	LO_MESSAGE, LO_ALL_DEAD, LO_PEER };

/* Which check of the store a verb needs before it runs (ctl_check_store):
 * the same famlinkd makes at start, so that no verb reads or fills a
 * store famlinkd would refuse. */
enum { CHECK_NONE, CHECK_READ, CHECK_WRITE };

typedef int verb_fn(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);

typedef struct verb {
	const char *name;
	const char *synopsis;   /* after "famlinkctl [-c FILE] NAME " */
	const char *summary;    /* one line in the general usage */
	const char *text;       /* what it does */
	const char *options;    /* its own options, one per line */
	const char *errors;     /* what exit status 1 means for it */
	const char *example;
	unsigned opts;          /* OPT_* */
	int min_args, max_args; /* operands; max -1 = any number */
	bool needs_config;      /* keygen works without a node */
	bool needs_store;       /* exit CTL_NO_STORE before famlinkd made one */
	verb_fn *run;
	int check;              /* CHECK_*: exits 4 to 6 when the store is refused */
} verb_t;

static int run_keygen(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_send(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_status(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_queue(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_reset_store(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_backup(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_referrals(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_families(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_proposals(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_deadlines(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_report(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_notifications(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_inbox(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_show(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_audit(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_log_level(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_retry(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_readdress(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_discard(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_hold(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_release(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_ack_alarm(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_peers(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);
static int run_close_local(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv);

/* What every action on a stuck message says of itself, in each verb's help. */
#define ACTION_AUDIT \
	"Writes an audit row for each message it acts on (famlinkctl audit\n" \
	"--message ID), naming the Unix user who ran it. Works while famlinkd runs\n" \
	"(it is woken to act at once) or not. Run it as the service user.\n"

/* What the routine's listings say of times, in each verb's help. */
#define ROUTINE_TIMES \
	"Dates are Swedish local dates (YYYY-MM-DD); with --json, instants are\n" \
	"also given as ISO-8601 UTC (2026-11-30T10:15:00Z). Ids, states, kinds,\n" \
	"times and counts only. Reads the store; famlinkd may run or not.\n"

/* What "working days overdue" means, in every verb that shows it. */
#define OVERDUE_DAYS \
	"Working days overdue: the Swedish working days after the last day to\n" \
	"act, up to and including today (due at the end of Tuesday: 1 on\n" \
	"Wednesday; due at the end of a Friday: 1 on Monday).\n"

static const verb_t verbs[] = {
	{
		"keygen", "[--force] [--json] BASE", "make the node's CurveZMQ key pair",
		"Writes a new CurveZMQ key pair: BASE.key, the secret key (mode 0600;\n"
		"famlinkd refuses a key file group or others can read), and BASE.pub,\n"
		"the public key to send to the other side. Needs no config and no store.\n",
		"  --force              replace BASE.key and BASE.pub if they exist\n"
		"  --json               print the file names and the public key as JSON\n",
		"a key file exists (without --force), or cannot be written",
		"famlinkctl keygen /etc/famlink/node",
		OPT_FORCE | OPT_JSON, 1, 1, false, false, run_keygen,
	},
	{
		"send", "[--json] [--dry-run] [--override-ledger] [--attach FIELD=FILE] FILE.json...",
		"enqueue messages (all or none)",
		"Reads each FILE (- for standard input) as an Envelope in protobuf's JSON\n"
		"mapping, usually just the body; fills in message id, sender, recipient and\n"
		"time; validates every message and enqueues them in one transaction, or\n"
		"none if one is refused. A running famlinkd is woken and sends at once;\n"
		"if famlinkd has not run yet, send makes the store and the messages wait\n"
		"for its first start. Each message is checked against the routine and the\n"
		"state of its referral and proposal here first, with the same words the\n"
		"peer would use. Run it as the service user. Refused while the messages\n"
		"would leave less free disk space than [node] disk_free_limit.\n"
		"\n"
		"--dry-run does all of that (the hub's ledger too) and then rolls the\n"
		"transaction back: nothing is queued or changed, famlinkd is not woken.\n"
		"It prints what would be queued (\"would queue ...\"; the sequence the\n"
		"message would get now; a message id the real send makes anew unless\n"
		"the file gives one) and exits 0 if every file would be taken, or prints\n"
		"the refusal send would print and exits 1. Before famlinkd's first start\n"
		"it checks against an empty store in $TMPDIR and makes none.\n"
		"A file for every body a node sends: examples/ in the source tree,\n"
		"PREFIX/share/doc/famlink/examples once installed.\n",
		"  --json               one JSON object per queued message (with --dry-run,\n"
		"                       each marked \"queued\": false)\n"
		"  --dry-run            check as send does, queue nothing\n"
		"  --attach FIELD=FILE  the body's attachment FIELD (basicInvestigation) from\n"
		"                       FILE: content, sha256, filename and mediaType filled in\n"
		"  --override-ledger    (hub) pass on a family's contact details although\n"
		"                       another referral holds the family; audited\n",
		"a file is unreadable or refused (nothing was queued; with\n"
		"            --dry-run: a file would be refused), or the store failed",
		"famlinkctl --config /etc/famlink/famlinkd.conf send --dry-run referral.json",
		OPT_JSON | OPT_OVERRIDE | OPT_DRY_RUN | OPT_ATTACH, 1, -1, true, false, run_send,
		CHECK_WRITE,
	},
	{
		"status", "[--check] [--json]", "peers, queues, dead letters",
		"For each configured peer: its state as the running famlinkd sees it\n"
		"and since when (connected; disconnected: the session closed, or the hub\n"
		"has not heard from it in twice the keepalive; never connected since\n"
		"famlinkd started; at a municipality also unreachable: no TCP connection\n"
		"to the hub, handshake failing: most often a wrong hub public key, and\n"
		"refused by hub; unknown while famlinkd is not running), last seen,\n"
		"messages waiting and unacknowledged, age of the oldest unacknowledged\n"
		"one, delivered, dead letters, and any sequence skips (messages lost or\n"
		"set aside: see the log); dead letters and skips count until famlinkctl\n"
		"ack-alarm (--json also gives their totals). First the store's state as\n"
		"the running famlinkd reports it (ok, full, locked, failing, read-only,\n"
		"damaged, and since when; unknown when no famlinkd runs), read-only also\n"
		"whenever the state directory's filesystem refuses writes; then the disk:\n"
		"free space, the floor (disk_free_limit) and whether new work is refused\n"
		"below it; last the adapters and the alerts raised. Reads the store;\n"
		"famlinkd may run or not.\n"
		"\n"
		"--check gives a verdict instead, for Nagios, systemd or cron: a first\n"
		"line OK, DEGRADED or FAILING, then one line per problem, and the exit\n"
		"status 0 (healthy), 1 (degraded: a configured peer not connected, dead\n"
		"letters or sequence skips not acknowledged, an adapter failing, an alert\n"
		"raised, the disk below its floor) or 2 (failing: famlinkd not running,\n"
		"its store not ok or on a read-only filesystem, an adapter stuck).\n",
		"  --check              a verdict: exit 0 healthy, 1 degraded, 2 failing\n"
		"  --json               one JSON object instead of the table (with --check:\n"
		"                       {\"verdict\", \"problems\"})\n",
		"the config has problems, or the store cannot be read; with --check:\n"
		"            degraded (and 2 failing)",
		"famlinkctl --config /etc/famlink/famlinkd.conf status --check",
		OPT_JSON | OPT_CHECK, 0, 0, true, true, run_status, CHECK_READ,
	},
	{
		"queue", "[--json] [--all]", "undelivered messages and dead letters",
		"Lists messages not yet delivered and dead letters, oldest first: message\n"
		"id, peer, sequence, body type, state (waiting, sent, held: see famlinkctl\n"
		"hold; dead), age and, for a dead letter, why.\n"
		"Reads the store; famlinkd may run or not.\n",
		"  --json               a JSON array instead of the table\n"
		"  --all                every row (default: the oldest 100)\n",
		"the config has problems, or the store cannot be read",
		"famlinkctl --config /etc/famlink/famlinkd.conf queue --all",
		OPT_JSON | OPT_ALL, 0, 0, true, true, run_queue, CHECK_READ,
	},
	{
		"referrals", "[--state S] [--json]", "referrals and their next deadline",
		"Lists the referrals this node knows, oldest first: owner (the municipality),\n"
		"referral id, kind (foster_home, contact_family, contact_person,\n"
		"emergency_home), state, age since the node first saw it, how many of its\n"
		"questions wait for an answer and of its ads for the municipality's\n"
		"decision (--json lists their ids: openQuestions, adsWaiting), and the\n"
		"next open deadline's kind and due date (the last day to act). A closed\n"
		"referral whose stored messages retention would empty but that waits for\n"
		"an adapter to hand over a received message of it shows as closed,held\n"
		"(--json: heldForHandOverSince).\n" ROUTINE_TIMES,
		"  --state S            only referrals in state S: submitted, acknowledged,\n"
		"                       rejected, matching, closed\n"
		"  --json               a JSON array instead of the table\n",
		"the config has problems, or the store cannot be read",
		"famlinkctl --config /etc/famlink/famlinkd.conf referrals --state matching",
		OPT_JSON | OPT_STATE, 0, 0, true, true, run_referrals, CHECK_READ,
	},
	{
		"families", "[--passed-on] [--json]", "(hub) the ledger of families passed on",
		"The hub's ledger: each family whose contact details were passed on to a\n"
		"referral: family reference (the pool's register number), municipality,\n"
		"referral, proposal, state, date passed on, last status reported\n"
		"(contacted, investigating, meeting_planned, placement_decided,\n"
		"not_going_ahead) and its date, and how it ended (placed, returned,\n"
		"withdrawn) and when. Oldest first. At the hub only.\n" ROUTINE_TIMES,
		"  --passed-on          only families still held (contact_details_sent,\n"
		"                       contacted, status_reported)\n"
		"  --json               a JSON array instead of the table\n",
		"the node is a municipality, the config has problems, or the\n"
		"            store cannot be read",
		"famlinkctl --config /etc/famlink/famlinkd.conf families --passed-on",
		OPT_JSON | OPT_PASSED_ON, 0, 0, true, true, run_families, CHECK_READ,
	},
	{
		"proposals", "[--waiting] [--json]", "family proposals and whose move it is",
		"Lists the family proposals this node knows, oldest first, at the hub and\n"
		"at a municipality alike: municipality, referral, proposal, the family's\n"
		"reference (the pool's register number), state (proposed, declined,\n"
		"accepted, family_declined, contact_details_sent, contacted,\n"
		"status_reported, placed, returned, withdrawn), the date proposed, its age\n"
		"in working days (Swedish working days after the day it was proposed, up\n"
		"to and including today), who must act next (municipality: decide it, or\n"
		"report on the family it holds; pool: ask the family) and the date of the\n"
		"last change.\n" ROUTINE_TIMES,
		"  --waiting            only proposals waiting for the municipality's answer\n"
		"                       (proposed: no ProposalDecision yet)\n"
		"  --json               a JSON array instead of the table\n",
		"the config has problems, or the store cannot be read",
		"famlinkctl --config /etc/famlink/famlinkd.conf proposals --waiting",
		OPT_JSON | OPT_WAITING, 0, 0, true, true, run_proposals, CHECK_READ,
	},
	{
		"deadlines", "[--overdue] [--municipality CODE] [--json]", "open deadlines by due time",
		"Lists open deadlines by due time: id, kind (acknowledge, first_contact,\n"
		"status_report, family_consent, info_reply, ad_decision), municipality,\n"
		"referral, item (the proposal, or the question's or ad's id; --json:\n"
		"proposalId, itemId), who must act (pool or\n"
		"the municipality), due (Swedish local date and time; 24:00 ends the day),\n"
		"state (open; reminded: a reminder was sent; overdue: due by now;\n"
		"escalated: the escalation was sent) and how many working days overdue\n"
		"(wd). --json adds when each notification was queued (notified), and\n"
		"gives remindAt null where no reminder fires: the lead reaches back to\n"
		"the deadline's start (the 1-working-day acknowledge), or it came due\n"
		"before the reminder was sent.\n"
		OVERDUE_DAYS ROUTINE_TIMES,
		"  --overdue            only deadlines due by now\n"
		"  --municipality CODE  only this municipality's: 0180 or municipality:0180\n"
		"  --json               a JSON array instead of the table\n",
		"the config has problems, or the store cannot be read",
		"famlinkctl --config /etc/famlink/famlinkd.conf deadlines --overdue",
		OPT_JSON | OPT_OVERDUE | OPT_MUNICIPALITY, 0, 0, true, true, run_deadlines, CHECK_READ,
	},
	{
		"notifications", "[--municipality CODE] [--json] [--all]", "the notifications queued for mail",
		"Lists the notifications queued for people, oldest first: id, when queued,\n"
		"event (reminder, overdue, escalation of a deadline; message: a received\n"
		"message someone must read; dead_letter; adapter_stuck, adapter_cleared;\n"
		"the alerts peer_silent, undelivered, disk_low and their _cleared),\n"
		"the deadline's id (\"-\" for none), kind (the deadline's, or the message's\n"
		"body type), municipality, referral, proposal, who must act, the\n"
		"recipient's role (secretary, escalation at a municipality; pool_contact,\n"
		"pool_escalation at the hub; operator), the last day to act (\"-\" for\n"
		"none), state (pending until the email adapter's server accepts the mail;\n"
		"sent) and what it is about (the message id, or the adapter). This is the\n"
		"queue the email adapter reads; --json adds attempts and sentAt.\n"
		ROUTINE_TIMES,
		"  --municipality CODE  only this municipality's: 0180 or municipality:0180\n"
		"  --json               a JSON array instead of the table\n"
		"  --all                every row (default: the latest 100)\n",
		"the config has problems, or the store cannot be read",
		"famlinkctl --config /etc/famlink/famlinkd.conf notifications --json",
		OPT_JSON | OPT_ALL | OPT_MUNICIPALITY, 0, 0, true, true, run_notifications, CHECK_READ,
	},
	{
		"inbox", "[--referral ID] [--since DATE] [--json]", "the messages that arrived",
		"Lists the messages this node received (the inbox), oldest first: message\n"
		"id, body type (referral, referral_ack, family_consent, ...), sender,\n"
		"referral id, when the sender made it and when it arrived here. Metadata\n"
		"only, never content: famlinkctl show ID prints a message's body.\n"
		"Times are Swedish local time (YYYY-MM-DD HH:MM); with --json, instants are\n"
		"ISO-8601 UTC (2026-11-30T10:15:00Z). Reads the store; famlinkd may run or\n"
		"not.\n",
		"  --referral ID        only the messages of referral ID\n"
		"  --since DATE         only those that arrived on or after DATE, a Swedish\n"
		"                       local date (YYYY-MM-DD)\n"
		"  --json               a JSON array instead of the table\n",
		"the config has problems, or the store cannot be read",
		"famlinkctl --config /etc/famlink/famlinkd.conf inbox --since 2026-11-01",
		OPT_JSON | OPT_REFERRAL | OPT_SINCE, 0, 0, true, true, run_inbox, CHECK_READ,
	},
	{
		"show", "[--content] [--json] MESSAGE_ID", "one message, received or sent, and its body",
		"Finds MESSAGE_ID in the inbox (received) or the outbox (sent) and prints\n"
		"its metadata: id, direction, body type, sender, recipient, referral id and\n"
		"the referral's state here, sequence, times (made; received, or delivered:\n"
		"the peer's Receipt), for a sent message its state (queued, sent,\n"
		"delivered, dead, or held: famlinkctl hold), the message it was sent\n"
		"again as or in place of (famlinkctl retry, readdress: resent as, resend\n"
		"of; --json: resentAs, resendOf), for a dead letter the code and reason, and for\n"
		"a received one the hand-over to the local system (not handed over: no\n"
		"adapter). Then the body in protobuf's JSON mapping, as famlinkctl send\n"
		"takes it (a ReferralRejected's reason and explanation, a FamilyConsent's\n"
		"contact details, ...), and any field a newer peer sent that this version\n"
		"does not know, by its number, with its bytes in base64 (not understood).\n"
		"\n"
		"The body is personal data. At a municipality it is shown; at the hub only\n"
		"with --content (without, show says how to ask). Each time a body is\n"
		"shown, an audit row (event view: the message id, peer, body type and the\n"
		"Unix user who asked; never the content) is written first; if it cannot be\n"
		"written, the body is not shown. A message whose referral was closed and\n"
		"emptied by retention has metadata only, and show says so. Times are\n"
		"Swedish local time; with --json, ISO-8601 UTC. Run it as the service user.\n",
		"  --content            (hub) show the body too; audited\n"
		"  --json               one JSON object: the metadata, and \"body\" (the JSON\n"
		"                       mapping, or null when not shown)\n",
		"no message MESSAGE_ID in this node's store, the audit row\n"
		"            could not be written (the body is not shown), the stored\n"
		"            message does not unpack, the config has problems, or the\n"
		"            store cannot be read",
		"famlinkctl --config /etc/famlink/famlinkd.conf show 01KB8Z3V9N2X4Q5R6S7T8V9W0X",
		OPT_JSON | OPT_CONTENT, 1, 1, true, true, run_show, CHECK_READ,
	},
	{
		"audit", "[--referral ID] [--message ID] [--json]\n"
		"       famlinkctl [-c FILE] audit verify",
		"the audit trail, and whether it was changed",
		"Lists the audit trail, oldest first: row number, time, event (in, out,\n"
		"delivered, reject, dead, op, skip, purge, view, store_reset), message id,\n"
		"peer, body type, code and detail, as stored: ids, types and codes, never\n"
		"content. A row is a referral's when its message is one of that\n"
		"referral's in the inbox or the outbox, or when it is the retention purge\n"
		"of that referral; a rejected inbound message is not stored, so its row\n"
		"shows only with --message. Times are Swedish local time (YYYY-MM-DD\n"
		"HH:MM); with --json, ISO-8601 UTC. Reads the store; famlinkd may run or not.\n"
		"\n"
		"audit verify recomputes the rows' SHA-256 hash chain (each row's hash\n"
		"covers the row before it) and prints \"audit chain intact: N rows from row\n"
		"M\", or \"audit row N: hash does not match: the row or one before it was\n"
		"changed\": a changed row breaks the chain at itself, a deleted row at the\n"
		"one after it. Rows written before famlink had the chain (schema 10) are\n"
		"not covered: the chain starts at the first hashed row. Removing the\n"
		"latest rows does not show by itself: verify also prints the last row and\n"
		"its hash, which covers every row before it; kept elsewhere (a ticket, a\n"
		"log), it shows later whether those rows are still there, unchanged.\n",
		"  --referral ID        only the rows of referral ID\n"
		"  --message ID         only the rows of message ID\n"
		"  --json               a JSON array instead of the table\n",
		"the config has problems, the store cannot be read, or (verify) the\n"
		"            chain is broken",
		"famlinkctl --config /etc/famlink/famlinkd.conf audit --referral 0180-2026-0042",
		OPT_JSON | OPT_REFERRAL | OPT_MESSAGE, 0, 1, true, true, run_audit, CHECK_READ,
	},
	{
		"report", "meeting --municipality CODE [--from DATE] [--to DATE] [--format F]\n"
		"       [--lang L]",
		"the samverkansmöte report of a municipality",
		"The report for the meeting with one municipality (the hub: any of its\n"
		"configured municipalities; a municipality: itself only). As it stands now:\n"
		"1 open referrals (id, kind, state, age in days, date submitted); what\n"
		"waits for an answer in them: family proposals the secretary has not\n"
		"decided, questions not yet answered (and who must answer), ads not yet\n"
		"approved, each with the date it began to wait and its age in working\n"
		"days; 2 families passed on (held now, or passed on or ended in the\n"
		"period) with their last status and its date, 3 overdue deadlines and by\n"
		"how many working days; and 4, counts for the period: referrals received (each sending),\n"
		"acknowledged (each ReferralAck; a ReferralRejected is none), of those in\n"
		"time, rejected by reason (not_member, out_of_remit, no_decision,\n"
		"invalid), proposals made, families placed and returned. In time: the\n"
		"ReferralAck was made by the end of [deadlines] acknowledge (for an\n"
		"emergency home acknowledge_emergency) counted from when the Referral it\n"
		"answers was made. A referral rejected and sent again counts as received\n"
		"twice and rejected once; its ReferralAck counts once, in time or not\n"
		"from the sending it answers. Each count falls in the period by the\n"
		"instant its message was made (by the sender's clock), so the hub's\n"
		"report of a municipality and the municipality's own give the same counts\n"
		"(\"in time\" too, when both configure the same acknowledge spans); a\n"
		"message still on its way counts at its sender only.\n"
		"No names, contact details, free text or compensation. html is one\n"
		"self-contained printable page; csv has one table per section (first\n"
		"column: section), RFC 4180 quoting, CRLF.\n"
		"Dates are Swedish local dates (YYYY-MM-DD); instants (in json all of them,\n"
		"elsewhere the time the report was made) are ISO-8601 UTC\n"
		"(2026-11-30T10:15:00Z). Reads the store; famlinkd may run or not.\n"
		OVERDUE_DAYS,
		"  --municipality CODE  the municipality: 0180 or municipality:0180 (required)\n"
		"  --from DATE          first day of the period, YYYY-MM-DD (default: 89 days\n"
		"                       before --to, making 90 days)\n"
		"  --to DATE            last day of the period, included (default: today)\n"
		"  --format F           text (default), csv, json or html\n"
		"  --lang L             the language of text and html: sv (Swedish) or en\n"
		"                       (default: report_language in the config's [node],\n"
		"                       else sv); csv and json are the same in both\n",
		"the municipality is not this hub's peer, or (at a municipality)\n"
		"            not this node; the config has problems, or the store\n"
		"            cannot be read",
		"famlinkctl -c /etc/famlink/famlinkd.conf report meeting --municipality 0180\n"
		"      --from 2026-09-01 --to 2026-11-30 --format html > meeting.html",
		OPT_MUNICIPALITY | OPT_FROM | OPT_TO | OPT_FORMAT | OPT_LANG, 1, 1, true, true, run_report,
		CHECK_READ,
	},
	{
		"backup", "[--force] FILE", "an online copy of the store, checked, mode 0600",
		"Copies the node's store to FILE while famlinkd runs, and writes the\n"
		"store's identity marker beside it as FILE.id (the content of famlink.id):\n"
		"a restore needs both. The copy is one snapshot of the store, taken in\n"
		"steps of 256 pages with a pause between them: famlinkd goes on\n"
		"receiving and sending meanwhile. The copy holds children's data: it is\n"
		"made as FILE.tmp, new (never an existing file) and mode 0600, and\n"
		"refused on a file system that does not keep modes. Then it is checked:\n"
		"opened read-only, PRAGMA quick_check, its identity the live store's,\n"
		"its messages those of the snapshot. Only then is it fsynced and renamed\n"
		"to FILE (after FILE.id), and the folder fsynced: FILE appears whole and\n"
		"checked, or not at all. Prints one line, \"backup FILE: N messages,\n"
		"store STORE_ID, checked\" (N: outbox and inbox rows in the copy); on a\n"
		"terminal, its progress on stderr. Run it as the service user.\n"
		"\n"
		"To restore: stop famlinkd, copy FILE to STATE_DIR/famlink.db and FILE.id\n"
		"to STATE_DIR/famlink.id as the service user, mode 0600, remove any\n"
		"famlink.db-wal and famlink.db-shm there, and start famlinkd (README.md:\n"
		"\"Backup and restore\").\n",
		"  --force              replace FILE and FILE.id if they exist (and a FILE.tmp\n"
		"                       an interrupted backup left); never the live store\n",
		"FILE or FILE.id exists (without --force), FILE.tmp exists (a backup\n"
		"            runs or was interrupted), the copy cannot be written or\n"
		"            fails its check; no backup file is left behind",
		"famlinkctl --config /etc/famlink/famlinkd.conf backup /backup/famlink-$(date +%F).db",
		OPT_FORCE, 1, 1, true, true, run_backup, CHECK_READ,
	},
	{
		"reset-store", "--yes", "start afresh with an empty store (old one kept aside)",
		"For a store famlinkd refuses (exit 4 lost, 5 damaged, 6 another node's)\n"
		"when there is no backup of it to restore. Moves famlink.db, its -wal and\n"
		"-shm, and famlink.id aside as famlink.db.lost-YYYYMMDDTHHMMSS (UTC),\n"
		"famlink.db.lost-YYYYMMDDTHHMMSS-wal, ... and famlink.id.lost-..., makes an\n"
		"empty store with a new identity and famlink.id, and records in its audit\n"
		"table (event store_reset) why and where the old files went. What waited in\n"
		"the old store is not sent; peers carry on from their own sequences\n"
		"(PROTOCOL.md section 5). Refused while famlinkd runs on the state\n"
		"directory. Without --yes it only says what it would do and exits 2.\n"
		"Run it as the service user.\n",
		"  --yes                do it\n",
		"famlinkd runs on this state directory, or the old files could\n"
		"            not be moved or the new store made (see the message)",
		"famlinkctl --config /etc/famlink/famlinkd.conf reset-store --yes",
		OPT_YES, 0, 0, true, false, run_reset_store, CHECK_NONE,
	},
	{
		"log-level", "LEVEL", "change the running famlinkd's log level",
		"Tells the famlinkd running on the config's state directory to log at\n"
		"LEVEL from now on: err, warning, notice, info or debug (each also logs\n"
		"what the ones before it do). famlinkd says so in its log at notice (\"log\n"
		"level set to debug by famlinkctl\"). The config is not changed: the\n"
		"next reload (SIGHUP) or restart returns to its log_level. Goes through\n"
		"famlinkd's socket in the state directory, so run it as the service user.\n",
		"",
		"famlinkd is not running on the state directory, or this user\n"
		"            may not reach its socket",
		"famlinkctl --config /etc/famlink/famlinkd.conf log-level debug",
		0, 1, 1, true, false, run_log_level, CHECK_NONE,
	},
	{
		"retry", "ID | --all-dead [--peer P]", "send a stuck or dead message again",
		"Sends a message of the outbox again, once its cause is fixed. One never\n"
		"answered (queued or sent, no Receipt) keeps its id and sequence: famlinkd\n"
		"resends it now, its backoff reset, and the receiver applies it once\n"
		"whatever it already had. A dead letter (its receiver rejected it, and\n"
		"would answer the same id with the same rejection) is queued again under\n"
		"a new id at the end of its channel; the new one names the old (famlinkctl\n"
		"show of either id names the other), and the old one no longer counts in\n"
		"status. --all-dead does so for every dead letter not yet sent again (of\n"
		"peer P with --peer), with progress on stderr when that is a terminal.\n"
		"One line per message says what was done. A message for a peer that is no\n"
		"longer configured is refused: see famlinkctl readdress.\n" ACTION_AUDIT,
		"  --all-dead           every dead letter instead of one ID\n"
		"  --peer P             with --all-dead: only those to peer P\n",
		"no such message, or one that cannot be retried (delivered, held,\n"
		"            sent again already, emptied by retention, for a peer not\n"
		"            configured: with --all-dead the others are retried), or the\n"
		"            store failed",
		"famlinkctl --config /etc/famlink/famlinkd.conf retry --all-dead --peer pool:nordvast",
		OPT_ALL_DEAD | OPT_PEER, 0, 1, true, true, run_retry, CHECK_READ,
	},
	{
		"readdress", "ID --peer P", "move a message queued for a peer that is gone",
		"Sends a queued message to peer P instead of the peer it was queued for,\n"
		"which is no longer in the config (a [hub] id with a typo, a municipality\n"
		"removed): under a new id at the end of P's channel, its recipient\n"
		"rewritten; the new one names the old (famlinkctl show of either names\n"
		"the other), and the old one becomes a dead letter, acknowledged. The old\n"
		"peer's channel is never sent to again, so it sees no gap. Refused when\n"
		"the old peer is still configured (famlinkd sends to it: it may have the\n"
		"message by now), when the old peer answered a later message on that\n"
		"channel (it has this one: messages are applied in order), and for a P\n"
		"that is not a configured peer.\n" ACTION_AUDIT,
		"  --peer P             the configured peer to send it to (required)\n",
		"no such message, not queued, P not configured, or refused as\n"
		"            above, or the store failed",
		"famlinkctl --config /etc/famlink/famlinkd.conf readdress 01JNZJ08ED6ZW1FZ39B83T1JKE"
		" --peer pool:nordvast",
		OPT_PEER, 1, 1, true, true, run_readdress, CHECK_READ,
	},
	{
		"discard", "[--yes] ID", "put away a queued message or a dead letter",
		"Puts away a message for good. A queued one becomes a dead letter (reason\n"
		"\"discarded by USER\"), already acknowledged, and is never sent again:\n"
		"famlinkd tells its peer with a Hello to skip its sequence, which the\n"
		"peer's log and status show as a sequence skip (set aside). A dead letter\n"
		"is only acknowledged: it no longer counts in status. Asks for\n"
		"confirmation on a terminal; without one, it needs --yes.\n" ACTION_AUDIT,
		"  --yes                do not ask\n",
		"no such message, it was delivered, or the answer was not yes,\n"
		"            or the store failed; 2 also without a terminal and without --yes",
		"famlinkctl --config /etc/famlink/famlinkd.conf discard --yes 01JNZJ08ED6ZW1FZ39B83T1JKE",
		OPT_YES, 1, 1, true, true, run_discard, CHECK_READ,
	},
	{
		"hold", "ID", "stop a queued message (and its channel) until released",
		"Keeps famlinkd from sending a queued message until famlinkctl release.\n"
		"It keeps its sequence, so the messages queued behind it for the same\n"
		"peer wait too (the receiver applies a channel in order and would drop\n"
		"them past the gap anyway); other peers are not held up. One already\n"
		"sent may still be answered, and is then delivered. queue and show list\n"
		"it as held.\n" ACTION_AUDIT,
		"",
		"no such message, or it is not queued, or the store failed",
		"famlinkctl --config /etc/famlink/famlinkd.conf hold 01JNZJ08ED6ZW1FZ39B83T1JKE",
		0, 1, 1, true, true, run_hold, CHECK_READ,
	},
	{
		"release", "ID", "let a held message go",
		"Lets famlinkd send a message famlinkctl hold stopped, and the messages\n"
		"behind it, at once.\n" ACTION_AUDIT,
		"",
		"no such message, or it is not queued, or the store failed",
		"famlinkctl --config /etc/famlink/famlinkd.conf release 01JNZJ08ED6ZW1FZ39B83T1JKE",
		0, 1, 1, true, true, run_release, CHECK_READ,
	},
	{
		"ack-alarm", "[--peer P]", "acknowledge dead letters and sequence skips",
		"Acknowledges the dead letters and sequence skips known so far (of peer\n"
		"P with --peer): status and status --check count only those not yet\n"
		"acknowledged (status --json keeps the totals too). A retry or discard of\n"
		"a dead letter acknowledges it as well. Says how many it acknowledged.\n"
		ACTION_AUDIT,
		"  --peer P             only peer P's\n",
		"the store failed",
		"famlinkctl --config /etc/famlink/famlinkd.conf ack-alarm --peer municipality:0180",
		OPT_PEER, 0, 0, true, true, run_ack_alarm, CHECK_READ,
	},
	{
		"peers", "forget P", "drop a peer that is no longer configured",
		"famlinkctl peers forget P: status no longer lists peer P, which the\n"
		"config no longer names and which has nothing queued (refused otherwise,\n"
		"saying what it holds: readdress or discard that first). Its sent and\n"
		"received messages and its sequences stay in the store: a peer configured\n"
		"again goes on from where its channel was.\n" ACTION_AUDIT,
		"",
		"P is still configured, holds queued messages, is not known to\n"
		"            this store, or the store failed",
		"famlinkctl --config /etc/famlink/famlinkd.conf peers forget hubb",
		0, 2, 2, true, true, run_peers, CHECK_READ,
	},
	{
		"close-local", "REFERRAL", "(municipality) close a referral this store lost",
		"Records referral REFERRAL as closed at this municipality when its store\n"
		"does not know it: an open referral from before famlinkctl reset-store,\n"
		"whose deadlines and reminders would otherwise be lost track of. Nothing\n"
		"is sent: the pool is not told (tell its contact; fetching a referral's\n"
		"state back from the hub is not available yet). A referral the store\n"
		"knows is refused: close it with a ReferralClosed (famlinkctl send),\n"
		"which tells the pool. The audit row (famlinkctl audit --referral\n"
		"REFERRAL) names the Unix user. Run it as the service user.\n",
		"",
		"the node is the hub, the store knows the referral, or the store\n"
		"            failed",
		"famlinkctl --config /etc/famlink/famlinkd.conf close-local 0180-2026-0042",
		0, 1, 1, true, true, run_close_local, CHECK_READ,
	},
};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

static const verb_t *
find_verb(const char *name)
{
	for (size_t i = 0; i < NVERBS; i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

static void
usage(FILE *out)
{
	fprintf(out, "usage: famlinkctl [-c FILE] VERB [OPTIONS] [ARGS]\n"
	    "       famlinkctl VERB --help | famlinkctl help VERB | famlinkctl --version\n\n"
	    "verbs:\n");
	for (size_t i = 0; i < NVERBS; i++)
		fprintf(out, "  %-14s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\n  -c, --config FILE   the node's famlinkd config (default %s)\n\n"
	    "Run `famlinkctl VERB --help` for what a verb does, its options, exit\n"
	    "statuses and an example.\n"
	    "exit status: 0 ok, 1 error, 2 usage, 3 no store (famlinkd has not run yet),\n"
	    "4 store lost, 5 store damaged, 6 store of another node (famlinkd refuses it\n"
	    "too; see famlinkctl reset-store --help)\n",
	    DEFAULT_CONFIG);
}

static void
verb_synopsis(FILE *out, const verb_t *v)
{
	fprintf(out, "usage: famlinkctl %s%s %s\n", v->needs_config ? "[-c FILE] " : "",
	    v->name, v->synopsis);
}

static void
verb_help(FILE *out, const verb_t *v)
{
	verb_synopsis(out, v);
	fprintf(out, "\n%s\noptions:\n", v->text);
	if (v->needs_config)
		fprintf(out, "  -c, --config FILE    the node's famlinkd config\n"
		    "                       (default %s)\n", DEFAULT_CONFIG);
	fprintf(out, "%s  -h, --help           print this and exit\n\n"
	    "exit status:\n  0  ok\n  1  error: %s\n  2  usage: unknown option, wrong arguments\n",
	    v->options, v->errors);
	if (v->needs_store)
		fprintf(out, "  3  no store: famlinkd has not run on this node yet\n");
	if (v->check != CHECK_NONE)
		fprintf(out, "  4  store lost: famlink.id says this node made a store, but it is\n"
		    "     missing, empty or not the one made\n"
		    "  5  store damaged: PRAGMA quick_check failed, or not a database\n"
		    "  6  store of another node, or not the store famlink.id names\n");
	fprintf(out, "\nexample:\n  %s\n", v->example);
}

/* Refuses an option the verb does not take; 0 if all are its own. */
static int
check_opts(const verb_t *v, const ctl_opts_t *o)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{OPT_JSON, "--json"}, {OPT_ALL, "--all"}, {OPT_FORCE, "--force"},
		{OPT_YES, "--yes"}, {OPT_OVERRIDE, "--override-ledger"},
		{OPT_PASSED_ON, "--passed-on"}, {OPT_OVERDUE, "--overdue"}, {OPT_STATE, "--state"},
		{OPT_MUNICIPALITY, "--municipality"}, {OPT_FROM, "--from"}, {OPT_TO, "--to"},
		{OPT_FORMAT, "--format"}, {OPT_WAITING, "--waiting"}, {OPT_LANG, "--lang"},
		{OPT_DRY_RUN, "--dry-run"}, {OPT_REFERRAL, "--referral"}, {OPT_SINCE, "--since"},
		{OPT_CONTENT, "--content"}, {OPT_ATTACH, "--attach"}, {OPT_CHECK, "--check"},
		{OPT_MESSAGE, "--message"}, {OPT_ALL_DEAD, "--all-dead"}, {OPT_PEER, "--peer"},
	};
	unsigned given = (o->json ? OPT_JSON : 0) | (o->all ? OPT_ALL : 0) |
	    (o->force ? OPT_FORCE : 0) | (o->yes ? OPT_YES : 0) |
	    (o->override_ledger ? OPT_OVERRIDE : 0) | (o->passed_on ? OPT_PASSED_ON : 0) |
	    (o->overdue ? OPT_OVERDUE : 0) | (o->state ? OPT_STATE : 0) |
	    (o->municipality ? OPT_MUNICIPALITY : 0) | (o->from ? OPT_FROM : 0) |
	    (o->to ? OPT_TO : 0) | (o->format ? OPT_FORMAT : 0) | (o->waiting ? OPT_WAITING : 0) |
	    (o->lang ? OPT_LANG : 0) | (o->dry_run ? OPT_DRY_RUN : 0) |
	    (o->referral ? OPT_REFERRAL : 0) | (o->since ? OPT_SINCE : 0) |
	    (o->content ? OPT_CONTENT : 0) | (o->nattach > 0 ? OPT_ATTACH : 0) |
	    (o->check ? OPT_CHECK : 0) | (o->message ? OPT_MESSAGE : 0) |
	    (o->all_dead ? OPT_ALL_DEAD : 0) | (o->peer ? OPT_PEER : 0);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((given & names[i].bit) && !(v->opts & names[i].bit)) {
			fprintf(stderr, "famlinkctl %s: no option %s; see famlinkctl %s --help\n",
			    v->name, names[i].name, v->name);
			return -1;
		}
	return 0;
}

static int
check_args(const verb_t *v, int argc)
{
	if (argc >= v->min_args && (v->max_args < 0 || argc <= v->max_args))
		return 0;
	verb_synopsis(stderr, v);
	fprintf(stderr, "see famlinkctl %s --help\n", v->name);
	return -1;
}

static int
run_keygen(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	char pub[KEY_Z85_LEN + 1], sec[KEY_Z85_LEN + 1];
	err_t err;

	(void)cfg;
	(void)argc;
	if (keys_generate(pub, sec, &err) != 0 || keys_write_pair(argv[0], pub, sec, o->force, &err) != 0) {
		fprintf(stderr, "famlinkctl keygen: %s\n", err.msg);
		return CTL_ERROR;
	}
	if (o->json) {
		char k[4200], p[4200], *text;
		json_t *j;
		snprintf(k, sizeof(k), "%s.key", argv[0]);
		snprintf(p, sizeof(p), "%s.pub", argv[0]);
		j = json_pack("{s:s, s:s, s:s}", "secretKeyFile", k, "publicKeyFile", p, "publicKey", pub);
		text = json_dumps(j, JSON_PRESERVE_ORDER);
		printf("%s\n", text ? text : "{}");
		free(text);
		json_decref(j);
	}
	else
		printf("%s.key (secret, mode 0600) and %s.pub written\npublic key: %s\n",
		    argv[0], argv[0], pub);
	return CTL_OK;
}

static int
run_send(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	return ctl_send(cfg, o, argc, argv);
}

static int
run_status(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_status(cfg, o);
}

static int
run_queue(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_queue(cfg, o);
}

static int
run_reset_store(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_reset_store(cfg, o);
}

static int
run_backup(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	return ctl_backup(cfg, o, argv[0]);
}

static int
run_log_level(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	return ctl_log_level(cfg, argv[0]);
}

static int
run_referrals(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_referrals(cfg, o);
}

static int
run_families(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_families(cfg, o);
}

static int
run_proposals(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_proposals(cfg, o);
}

static int
run_deadlines(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_deadlines(cfg, o);
}

static int
run_notifications(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_notifications(cfg, o);
}

static int
run_inbox(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_inbox(cfg, o);
}

static int
run_show(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	return ctl_show(cfg, o, argv[0]);
}

static int
run_retry(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	if ((argc == 1) == o->all_dead || (o->peer != NULL && !o->all_dead)) {
		fprintf(stderr, "famlinkctl retry: give one message ID, or --all-dead (with --peer P"
		    " if you like); see famlinkctl retry --help\n");
		return CTL_USAGE;
	}
	return ctl_retry(cfg, o, argc == 1 ? argv[0] : NULL);
}

static int
run_readdress(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	if (o->peer == NULL) {
		fprintf(stderr, "famlinkctl readdress: give --peer P, the peer to send it to\n");
		return CTL_USAGE;
	}
	return ctl_readdress(cfg, o, argv[0]);
}

static int
run_discard(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	return ctl_discard(cfg, o, argv[0]);
}

static int
run_hold(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	return ctl_hold(cfg, argv[0]);
}

static int
run_release(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	return ctl_release(cfg, argv[0]);
}

static int
run_ack_alarm(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_ack_alarm(cfg, o);
}

static int
run_peers(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	if (strcmp(argv[0], "forget") != 0) {
		fprintf(stderr, "famlinkctl peers: %s: the only operation is forget\n", argv[0]);
		return CTL_USAGE;
	}
	return ctl_peers_forget(cfg, argv[1]);
}

static int
run_close_local(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	return ctl_close_local(cfg, argv[0]);
}

/* Its operand, "verify" if any, is checked by ctl_check_values(). */
static int
run_audit(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	return ctl_audit(cfg, o, argc > 0 ? argv[0] : NULL);
}

/* Its one operand, "meeting", is checked by ctl_check_values(). */
static int
run_report(const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return ctl_report_meeting(cfg, o);
}

/* status --check reads what it can of a config with problems (they count
 * as one: degraded), so that a file half-way through an edit does not
 * blind the monitor while famlinkd runs on what it loaded. */
static config_t *
load_config(const char *path, ctl_opts_t *o)
{
	problems_t problems = {0};
	config_t *cfg = o->check ? config_load_partial(path, &problems)
	    : config_load(path, &problems);

	for (size_t i = 0; i < problems.n; i++)
		fprintf(stderr, "%s\n", problems.lines[i]);
	o->config_problems = problems.n;
	problems_free(&problems);
	return cfg;
}

static int
run_verb(const verb_t *v, const char *config_path, ctl_opts_t *o, int argc, char **argv)
{
	config_t *cfg = NULL;
	int rc;

	if (check_opts(v, o) != 0 || check_args(v, argc) != 0 ||
	    ctl_check_values(v->name, o, argc, argv) != 0)
		return CTL_USAGE;
	if (v->needs_config && (cfg = load_config(config_path, o)) == NULL)
		return o->check ? 2 : CTL_ERROR;
	/* Opening a missing store read-only fails with SQLite's "unable to
	 * open database file", which tells a new operator nothing, and the
	 * reports must not create it: the check says "no store" instead (exit
	 * 3), and refuses a store famlinkd would refuse (4 to 6). A dry run
	 * writes nothing, so it checks as the reports do, and goes on without
	 * a store (ctl_send.c checks against an empty one). */
	rc = v->check == CHECK_NONE ? CTL_OK :
	    ctl_check_store(cfg, v->check == CHECK_WRITE && !o->dry_run, o->dry_run);
	if (rc == CTL_NO_STORE && o->dry_run) {
		o->no_store = true;
		rc = CTL_OK;
	}
	if (rc == CTL_OK)
		rc = v->run(cfg, o, argc, argv);
	else if (o->check)   /* a verdict: the store cannot be read, so failing */
		rc = (printf("FAILING: %s, the store cannot be read (see above)\n", cfg->node_id), 2);
	config_free(&cfg);
	return rc;
}

/* `famlinkctl --help`, `famlinkctl help [VERB]`, `famlinkctl VERB --help`. */
static int
help(int argc, char **argv)
{
	const verb_t *v;

	if (argc > 0 && strcmp(argv[0], "help") == 0) {
		argc--;
		argv++;
	}
	if (argc == 0) {
		usage(stdout);
		return CTL_OK;
	}
	if ((v = find_verb(argv[0])) == NULL) {
		fprintf(stderr, "famlinkctl: unknown verb %s\n", argv[0]);
		usage(stderr);
		return CTL_USAGE;
	}
	verb_help(stdout, v);
	return CTL_OK;
}

/* The options, before or after the verb (getopt_long permutes, so
 * `famlinkctl status --help` sets want_help like `famlinkctl --help`):
 * -1 to go on, or the exit status (--version, an unknown option). */
static int
parse_opts(int argc, char **argv, ctl_opts_t *o, const char **path, bool *want_help)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"json", no_argument, NULL, 'j'},
		{"all", no_argument, NULL, 'a'}, {"force", no_argument, NULL, 'f'},
		{"yes", no_argument, NULL, 'y'},
		{"override-ledger", no_argument, NULL, LO_OVERRIDE},
		{"passed-on", no_argument, NULL, LO_PASSED_ON},
		{"overdue", no_argument, NULL, LO_OVERDUE},
		{"state", required_argument, NULL, LO_STATE},
		{"municipality", required_argument, NULL, LO_MUNICIPALITY},
		{"from", required_argument, NULL, LO_FROM}, {"to", required_argument, NULL, LO_TO},
		{"format", required_argument, NULL, LO_FORMAT},
		{"waiting", no_argument, NULL, LO_WAITING},
		{"lang", required_argument, NULL, LO_LANG},
		{"dry-run", no_argument, NULL, LO_DRY_RUN},
		{"referral", required_argument, NULL, LO_REFERRAL},
		{"since", required_argument, NULL, LO_SINCE},
		{"content", no_argument, NULL, LO_CONTENT},
		{"attach", required_argument, NULL, LO_ATTACH},
		{"check", no_argument, NULL, LO_CHECK},
		{"message", required_argument, NULL, LO_MESSAGE},
		{"all-dead", no_argument, NULL, LO_ALL_DEAD},
		{"peer", required_argument, NULL, LO_PEER},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:jafh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': *path = optarg; break;
		case 'j': o->json = true; break;
		case 'a': o->all = true; break;
		case 'f': o->force = true; break;
		case 'y': o->yes = true; break;
		case LO_OVERRIDE: o->override_ledger = true; break;
		case LO_PASSED_ON: o->passed_on = true; break;
		case LO_OVERDUE: o->overdue = true; break;
		case LO_STATE: o->state = optarg; break;
		case LO_MUNICIPALITY: o->municipality = optarg; break;
		case LO_FROM: o->from = optarg; break;
		case LO_TO: o->to = optarg; break;
		case LO_FORMAT: o->format = optarg; break;
		case LO_WAITING: o->waiting = true; break;
		case LO_LANG: o->lang = optarg; break;
		case LO_DRY_RUN: o->dry_run = true; break;
		case LO_REFERRAL: o->referral = optarg; break;
		case LO_SINCE: o->since = optarg; break;
		case LO_CONTENT: o->content = true; break;
		case LO_CHECK: o->check = true; break;
		case LO_MESSAGE: o->message = optarg; break;
		case LO_ALL_DEAD: o->all_dead = true; break;
		case LO_PEER: o->peer = optarg; break;
		case LO_ATTACH:
			if (o->nattach == (int)(sizeof(o->attach) / sizeof(o->attach[0]))) {
				fprintf(stderr, "famlinkctl: at most %d --attach\n", o->nattach);
				return CTL_USAGE;
			}
			o->attach[o->nattach++] = optarg;
			break;
		case 'h': *want_help = true; break;
		case 'V': printf("famlinkctl %s\n", FAMLINK_VERSION); return CTL_OK;
		default: usage(stderr); return CTL_USAGE;
		}
	}
	return -1;
}

int
main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG;
	const verb_t *v;
	ctl_opts_t o = {0};
	bool want_help = false;
	int rc;
	size_t ntypes;
	const backend_type_t *const *types = adapter_backends(&ntypes);

	/* The adapters' own config keys, for every config this process loads. */
	config_set_backends(types, ntypes);

	/* What famlinkctl creates (send may make the store, reset-store a new
	 * one) is the service user's alone, as famlinkd's files are. keygen
	 * sets its own modes (the .pub file is 0644 on purpose). */
	umask(077);
	store_global_init();
	if ((rc = parse_opts(argc, argv, &o, &path, &want_help)) >= 0)
		return rc;
	argc -= optind;
	argv += optind;
	const char *bad_offset;
	(void)clock_offset_ms(&bad_offset);
	if (bad_offset != NULL) {
		fprintf(stderr, "famlinkctl: FAMLINK_CLOCK_OFFSET: not a whole number of seconds"
		    " (at most 100 years)\n");
		return CTL_USAGE;
	}
	if (want_help || (argc > 0 && strcmp(argv[0], "help") == 0))
		return help(argc, argv);
	if (argc == 0) {
		usage(stderr);
		return CTL_USAGE;
	}
	if ((v = find_verb(argv[0])) == NULL) {
		fprintf(stderr, "famlinkctl: unknown verb %s\n", argv[0]);
		usage(stderr);
		return CTL_USAGE;
	}
	return run_verb(v, path, &o, argc - 1, argv + 1);
}
