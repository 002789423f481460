/*
 * test_routine_flow — seed 000's routine end to end, against a real store in
 * a mkdtemp() directory and configs built by hand: the whole path at the
 * pool and at a municipality, both directions; every transition the table
 * refuses (refused before anything is written: each refusal compares a dump
 * of the store before and after); the pool's ledger of families passed on;
 * another municipality's referral, which reads exactly like an unknown one;
 * the pool's checks of a Referral, in order; answers crossing a close.
 * test_routine.c has the pool's ReferralAck and who may send what. Times
 * move a minute per message, so each row's times say which message wrote
 * them.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "routine_fixture.h"
#include "scratch_store.h"
#include <sqlite3.h>

#include "calendar.h"
#include "envelope.h"
#include "routine.h"
#include "store_proposal.h"

#define BODY(x) FAMLINK__V1__ENVELOPE__BODY_##x
#define CODE(x) FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_##x
#define STATUS(x) FAMLINK__V1__PLACEMENT_STATUS__PLACEMENT_STATUS_##x
#define OUTCOME(x) FAMLINK__V1__CLOSING_OUTCOME__CLOSING_OUTCOME_##x
#define VERDICT(x) FAMLINK__V1__PROPOSAL_VERDICT__PROPOSAL_VERDICT_##x
#define REF   "0180-2026-0042"
#define REF_B "0181-2026-0007"
#define T0    1767605400000LL   /* Monday 5 January 2026, 09:30 UTC */
#define MINUTE 60000LL

/* An envelope and its body; self-referencing, so never copied. */
typedef struct msg {
	Famlink__V1__Envelope env;
	union {
		Famlink__V1__Referral ref;
		Famlink__V1__ReferralAck ack;
		Famlink__V1__ReferralRejected rej;
		Famlink__V1__InfoRequest info;
		Famlink__V1__InfoReply reply;
		Famlink__V1__AdProposal ad;
		Famlink__V1__AdDecision ad_decision;
		Famlink__V1__FamilyProposal proposal;
		Famlink__V1__ProposalDecision decision;
		Famlink__V1__FamilyConsent consent;
		Famlink__V1__ContactMade contact;
		Famlink__V1__StatusReport status;
		Famlink__V1__FamilyReturned returned;
		Famlink__V1__ReferralClosed closed;
	} b;
	Famlink__V1__Decision taken;
	Famlink__V1__ChildProfile child;
	Famlink__V1__FamilyProfile family;
	Famlink__V1__Contact person;
	char id[MESSAGE_ID_LEN + 1];
	char rbuf[65];           /* the hub's recipient, filled by routine_send */
	int64_t at;              /* when it was applied */
} msg_t;

static int setup(void **state) { return routine_fixture_setup(state, "test_routine_flow", T0); }
static int teardown(void **state) { return routine_fixture_teardown(state); }

/* A message with a plausible body; pid for the bodies about a proposal,
 * and with REFERRAL_CLOSED, a pid closes PLACED_WITH_PROPOSAL it. */
static void
make(msg_t *m, int body_case, const char *sender, const char *recipient,
    const char *referral_id, const char *pid)
{
	char *rid = (char *)referral_id, *p = (char *)(pid ? pid : "");

	memset(m, 0, sizeof(*m));
	envelope_init(&m->env, m->id, sender, recipient);
	m->env.referral_id = rid;
	m->env.body_case = (Famlink__V1__Envelope__BodyCase)body_case;
	switch (body_case) {
	case BODY(REFERRAL):
		famlink__v1__referral__init(&m->b.ref);
		famlink__v1__decision__init(&m->taken);
		famlink__v1__child_profile__init(&m->child);
		m->taken.taken = true;
		m->taken.decided_on = "2025-01-15";
		m->child.alias = "Alva";
		m->child.birth_year = 2015;
		m->b.ref.referral_id = rid;
		m->b.ref.kind = FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_FOSTER_HOME;
		m->b.ref.urgency = FAMLINK__V1__URGENCY__URGENCY_NORMAL;
		m->b.ref.decision = &m->taken;
		m->b.ref.child = &m->child;
		m->env.referral = &m->b.ref;
		break;
	case BODY(REFERRAL_ACK):
		famlink__v1__referral_ack__init(&m->b.ack);
		m->b.ack.referral_id = rid;
		m->env.referral_ack = &m->b.ack;
		break;
	case BODY(REFERRAL_REJECTED):
		famlink__v1__referral_rejected__init(&m->b.rej);
		m->b.rej.referral_id = rid;
		m->b.rej.reason = FAMLINK__V1__REJECTION_REASON__REJECTION_REASON_NO_DECISION;
		m->env.referral_rejected = &m->b.rej;
		break;
	case BODY(INFO_REQUEST):
		famlink__v1__info_request__init(&m->b.info);
		m->b.info.referral_id = rid;
		m->b.info.question_id = "q-1";
		m->b.info.text = "Har barnet regelbunden kontakt med sina föräldrar?";
		m->env.info_request = &m->b.info;
		break;
	case BODY(INFO_REPLY):
		famlink__v1__info_reply__init(&m->b.reply);
		m->b.reply.referral_id = rid;
		m->b.reply.question_id = "q-1";
		m->b.reply.text = "Ja, varannan helg.";
		m->env.info_reply = &m->b.reply;
		break;
	case BODY(AD_PROPOSAL):
		famlink__v1__ad_proposal__init(&m->b.ad);
		m->b.ad.referral_id = rid;
		m->b.ad.ad_id = "ad-1";
		m->b.ad.channel = FAMLINK__V1__AD_CHANNEL__AD_CHANNEL_FACEBOOK;
		m->b.ad.draft_text = "Vill du bli familjehem?";
		m->env.ad_proposal = &m->b.ad;
		break;
	case BODY(AD_DECISION):
		famlink__v1__ad_decision__init(&m->b.ad_decision);
		m->b.ad_decision.referral_id = rid;
		m->b.ad_decision.ad_id = "ad-1";
		m->b.ad_decision.verdict = FAMLINK__V1__AD_VERDICT__AD_VERDICT_APPROVE;
		m->env.ad_decision = &m->b.ad_decision;
		break;
	case BODY(FAMILY_PROPOSAL):
		famlink__v1__family_proposal__init(&m->b.proposal);
		famlink__v1__family_profile__init(&m->family);
		m->family.summary = "Par med vuxna barn, erfarna.";
		m->b.proposal.referral_id = rid;
		m->b.proposal.proposal_id = p;
		m->b.proposal.family = &m->family;
		m->env.family_proposal = &m->b.proposal;
		break;
	case BODY(PROPOSAL_DECISION):
		famlink__v1__proposal_decision__init(&m->b.decision);
		m->b.decision.referral_id = rid;
		m->b.decision.proposal_id = p;
		m->b.decision.verdict = VERDICT(PROCEED);
		m->env.proposal_decision = &m->b.decision;
		break;
	case BODY(FAMILY_CONSENT):
		famlink__v1__family_consent__init(&m->b.consent);
		famlink__v1__contact__init(&m->person);
		m->person.name = "Eva Berg";
		m->b.consent.referral_id = rid;
		m->b.consent.proposal_id = p;
		m->b.consent.consent_given = true;
		m->b.consent.family_contact = &m->person;
		m->env.family_consent = &m->b.consent;
		break;
	case BODY(CONTACT_MADE):
		famlink__v1__contact_made__init(&m->b.contact);
		m->b.contact.referral_id = rid;
		m->b.contact.proposal_id = p;
		m->b.contact.contacted_on = "2026-01-08";
		m->env.contact_made = &m->b.contact;
		break;
	case BODY(STATUS_REPORT):
		famlink__v1__status_report__init(&m->b.status);
		m->b.status.referral_id = rid;
		m->b.status.proposal_id = p;
		m->b.status.status = STATUS(INVESTIGATING);
		m->env.status_report = &m->b.status;
		break;
	case BODY(FAMILY_RETURNED):
		famlink__v1__family_returned__init(&m->b.returned);
		m->b.returned.referral_id = rid;
		m->b.returned.proposal_id = p;
		m->env.family_returned = &m->b.returned;
		break;
	case BODY(REFERRAL_CLOSED):
		famlink__v1__referral_closed__init(&m->b.closed);
		m->b.closed.referral_id = rid;
		m->b.closed.outcome = pid ? OUTCOME(PLACED_WITH_PROPOSAL) : OUTCOME(WITHDRAWN);
		m->b.closed.proposal_id = p;
		m->env.referral_closed = &m->b.closed;
		break;
	default:
		fail_msg("make: body %d not handled", body_case);
	}
}

/* ---- applying --------------------------------------------------------- */

typedef int apply_fn(fixture_t *f, msg_t *m, unsigned flags, err_t *err);

/* The pool receives what a municipality sent (from = its sender). */
static int
hub_recv(fixture_t *f, msg_t *m, unsigned flags, err_t *err)
{
	(void)flags;
	m->at = f->now += MINUTE;
	return routine_receive(f->ss.s, &f->hub, &m->env, m->env.sender, m->at, err);
}

static int
hub_send(fixture_t *f, msg_t *m, unsigned flags, err_t *err)
{
	m->at = f->now += MINUTE;
	return routine_send(f->ss.s, &f->hub, &m->env, m->rbuf, flags, m->at, err);
}

static int
muni_send(fixture_t *f, msg_t *m, unsigned flags, err_t *err)
{
	m->at = f->now += MINUTE;
	return routine_send(f->ss.s, &f->muni, &m->env, m->rbuf, flags, m->at, err);
}

static int
muni_recv(fixture_t *f, msg_t *m, unsigned flags, err_t *err)
{
	(void)flags;
	m->at = f->now += MINUTE;
	return routine_receive(f->ss.s, &f->muni, &m->env, HUB, m->at, err);
}

/* Applies m and insists it is taken. */
static void
apply_ok(fixture_t *f, apply_fn *fn, msg_t *m, unsigned flags)
{
	err_t err = {0};
	int rc = fn(f, m, flags, &err);

	if (rc != ROUTINE_OK)
		fail_msg("%s refused (%d): code %d, %s", envelope_body_name(&m->env), rc, err.code,
		    err.msg);
}

/* ---- reading the store ------------------------------------------------ */

static sqlite3_stmt *
prepare_v(fixture_t *f, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = NULL;
	char *sql = sqlite3_vmprintf(fmt, ap);

	assert_non_null(sql);
	if (sqlite3_prepare_v2(store_db(f->ss.s), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(store_db(f->ss.s)));
	sqlite3_free(sql);
	return st;
}

/* The first column of the first row as text ("(none)": no row, "(null)":
 * NULL); sqlite3_mprintf() formats (%Q quotes). Four buffers in turn. */
static const char *
q(fixture_t *f, const char *fmt, ...)
{
	static char bufs[4][2048];
	static unsigned k;
	char *buf = bufs[k++ % 4];
	sqlite3_stmt *st;
	va_list ap;
	int step;

	va_start(ap, fmt);
	st = prepare_v(f, fmt, ap);
	va_end(ap);
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(buf, sizeof(bufs[0]), "%s", sqlite3_column_type(st, 0) == SQLITE_NULL ?
		    "(null)" : (const char *)sqlite3_column_text(st, 0));
	else {
		assert_int_equal(step, SQLITE_DONE);
		snprintf(buf, sizeof(bufs[0]), "(none)");
	}
	sqlite3_finalize(st);
	return buf;
}

static long long
qn(fixture_t *f, const char *fmt, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	long long n;

	va_start(ap, fmt);
	st = prepare_v(f, fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

#define RSTATE(f, owner, rid) \
	q(f, "SELECT state FROM referrals WHERE owner = %Q AND referral_id = %Q", owner, rid)
#define PSTATE(f, owner, rid, pid) \
	q(f, "SELECT state FROM proposals WHERE owner = %Q AND referral_id = %Q" \
	    " AND proposal_id = %Q", owner, rid, pid)
#define PCOL(f, col, owner, rid, pid) \
	q(f, "SELECT " col " FROM proposals WHERE owner = %Q AND referral_id = %Q" \
	    " AND proposal_id = %Q", owner, rid, pid)

/* Deadlines of a referral in a state; pid and kind NULL: any. */
static long long
deadlines(fixture_t *f, const char *owner, const char *rid, const char *pid, const char *kind,
    const char *dstate)
{
	return qn(f, "SELECT count(*) FROM deadlines WHERE owner = %Q AND referral_id = %Q"
	    " AND (%Q IS NULL OR proposal_id = %Q) AND (%Q IS NULL OR kind = %Q) AND state = %Q",
	    owner, rid, pid, pid, kind, kind, dstate);
}

/* Exactly one open deadline of that kind, started at `started`, for actor,
 * due, reminded and escalated at the instants given (worked out by hand:
 * see the *_AT macros). */
static void
assert_open_deadline(fixture_t *f, const char *owner, const char *rid, const char *pid,
    const char *kind, const char *actor, int64_t started, int64_t due, int64_t remind,
    int64_t escalate)
{
	long long n = qn(f, "SELECT count(*) FROM deadlines WHERE owner = %Q AND referral_id = %Q"
	    " AND proposal_id = %Q AND kind = %Q AND state = 'open' AND actor = %Q"
	    " AND started_at = %lld AND due_at = %lld AND remind_at = %lld AND escalate_at = %lld"
	    " AND closed_at IS NULL",
	    owner, rid, pid, kind, actor, (long long)started, (long long)due, (long long)remind,
	    (long long)escalate);

	if (n != 1)
		fail_msg("%s deadline of %s/%s: %lld rows open as expected (due %lld, remind %lld,"
		    " escalate %lld); there are: %s", kind, rid, pid, n, (long long)due,
		    (long long)remind, (long long)escalate,
		    q(f, "SELECT group_concat(kind || ' ' || started_at || ' ' || due_at || ' ' ||"
		    " remind_at || ' ' || escalate_at, '; ') FROM deadlines WHERE referral_id = %Q"
		    " AND state = 'open'", rid));
	assert_true(due > started);
}

/* The defaults of the deadlines in working days. */
#define FAMILY_CONSENT_WD 5
#define INFO_REPLY_WD 5
#define AD_DECISION_WD 3

/* Exactly one open deadline of kind on a proposal (pid) or a question or
 * an ad (item_id), for actor, due wd working days after started (the
 * calendar's arithmetic is tested on its own: this checks that the routine
 * opens the deadline, for whom and from when). */
static void
assert_open_wd_deadline(fixture_t *f, const char *owner, const char *rid, const char *pid,
    const char *item_id, const char *kind, const char *actor, int64_t started, int wd)
{
	long long n = qn(f, "SELECT count(*) FROM deadlines WHERE owner = %Q AND referral_id = %Q"
	    " AND proposal_id = %Q AND item_id = %Q AND kind = %Q AND state = 'open'"
	    " AND actor = %Q AND started_at = %lld AND due_at = %lld", owner, rid, pid, item_id,
	    kind, actor, (long long)started, (long long)calendar_add_working_days(started, wd));

	if (n != 1)
		fail_msg("%s deadline of %s/%s%s: %lld rows open as expected; there are: %s", kind,
		    rid, pid, item_id, n, q(f, "SELECT group_concat(kind || ' ' || actor || ' ' ||"
		    " item_id || ' ' || due_at, '; ') FROM deadlines WHERE referral_id = %Q AND"
		    " state = 'open'", rid));
}

/* A question's or an ad's state. */
#define DSTATE(f, owner, rid, item, id) \
	q(f, "SELECT state FROM dialogue WHERE owner = %Q AND referral_id = %Q" \
	    " AND item = %Q AND item_id = %Q", owner, rid, item, id)

/* 00:00 Stockholm time on y-m-d. */
static int64_t
midnight(int y, int m, int d)
{
	return calendar_local_midnight((cal_date_t){ y, m, d });
}

/* Every deadline here starts on Monday 5 January 2026 (T0 is 10:30 there,
 * CET, UTC+1: the day starts at 23:00 UTC the day before), a few minutes
 * apart: `at` moved to the same local time of day on y-m-d. */
static int64_t
same_time(int64_t at, int y, int m, int d)
{
	assert_int_equal(midnight(2026, 1, 5), T0 - 630 * MINUTE);
	assert_true(at >= T0 && at < midnight(2026, 1, 6));
	return midnight(y, m, d) + (at - midnight(2026, 1, 5));
}

/* The fixture's spans (config.c's defaults) from a start `at` on Monday 5
 * January 2026, by hand: started, due, remind, escalate. Not working days
 * near it: Wednesday 31 December (nyårsafton), Thursday 1 January
 * (nyårsdagen), Tuesday 6 January (trettondedag jul), weekends.
 *   acknowledge, 1 working day: Wednesday 7th, at the same time; the
 *     reminder 2 working days before: Monday 5th, Friday 2nd (already
 *     past: it never fires, but its time is stored); the escalation 3
 *     working days after: Thursday 8th, Friday 9th, Monday 12th. */
#define ACK_AT(at) (at), same_time(at, 2026, 1, 7), same_time(at, 2026, 1, 2), \
	same_time(at, 2026, 1, 12)
/*   acknowledge of an emergency home, 2 hours: due 2 hours on, the same
 *     Monday; the reminder 2 working days before that: Friday 2nd, then
 *     back over 1 January and 31 December to Tuesday 30 December 2025; the
 *     escalation 3 working days after: over the 6th to Wednesday 7th,
 *     Thursday 8th, Friday 9th. */
#define EMERGENCY_ACK_AT(at) (at), (at) + 120 * MINUTE, \
	same_time(at, 2025, 12, 30) + 120 * MINUTE, same_time(at, 2026, 1, 9) + 120 * MINUTE
/*   first_contact, 14 days: Monday 19th, a working day, the whole of it:
 *     due Tuesday 20th 00:00; the reminder 2 working days before that
 *     instant: Monday 19th 00:00, Friday 16th 00:00; the escalation 3
 *     after: Wednesday 21st, Thursday 22nd, Friday 23rd 00:00. */
#define FIRST_CONTACT_AT(at) (at), midnight(2026, 1, 20), midnight(2026, 1, 16), \
	midnight(2026, 1, 23)
/*   status_report, 21 days: Monday 26th, the whole of it: due Tuesday
 *     27th 00:00; the reminder Monday 26th, Friday 23rd 00:00; the
 *     escalation Wednesday 28th, Thursday 29th, Friday 30th 00:00. */
#define STATUS_REPORT_AT(at) (at), midnight(2026, 1, 27), midnight(2026, 1, 23), \
	midnight(2026, 1, 30)

/* The routine's transitions of one owner, in order:
 * "pid:event:from>to:code" each, space-separated. */
static const char *
transitions(fixture_t *f, const char *owner)
{
	return q(f, "SELECT group_concat(t, ' ') FROM (SELECT proposal_id || ':' || event || ':'"
	    " || from_state || '>' || to_state || ':' || code AS t FROM transitions"
	    " WHERE owner = %Q ORDER BY id)", owner);
}

/* Every row of every table the routine may write, as text: what a refusal
 * must leave exactly as it was. The caller free()s it. */
static char *
snapshot(fixture_t *f)
{
	static const char *const tables[] = {
		"referrals", "proposals", "transitions", "deadlines", "notifications", "outbox",
		"audit", "peers", "inbox", "rejections",
	};
	char *buf = NULL, sql[80];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		sqlite3_stmt *st;
		int rc;

		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1, 2, 3", tables[t]);
		assert_int_equal(sqlite3_prepare_v2(store_db(f->ss.s), sql, -1, &st, NULL), SQLITE_OK);
		fprintf(out, "[%s]\n", tables[t]);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++) {
				const unsigned char *p;
				switch (sqlite3_column_type(st, c)) {
				case SQLITE_NULL:
					fputs("NULL", out);
					break;
				case SQLITE_INTEGER:
					fprintf(out, "%lld", (long long)sqlite3_column_int64(st, c));
					break;
				case SQLITE_BLOB:
					p = sqlite3_column_blob(st, c);
					for (int i = 0; i < sqlite3_column_bytes(st, c); i++)
						fprintf(out, "%02x", p[i]);
					break;
				default:
					fprintf(out, "'%s'", (const char *)sqlite3_column_text(st, c));
				}
				fputc('|', out);
			}
			fputc('\n', out);
		}
		assert_int_equal(rc, SQLITE_DONE);
		sqlite3_finalize(st);
	}
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* A word for refused(): the reason starts "<body> not allowed: ", the body
 * named by its field (contact_made) or its message (ContactMade). */
static const char NAMED[] = "<body> not allowed: ";

static bool
names_body(const char *reason, const Famlink__V1__Envelope *env)
{
	const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field(
	    &famlink__v1__envelope__descriptor, (unsigned)env->body_case);
	char field[80], type[80];

	assert_non_null(fd);
	snprintf(field, sizeof(field), "%s not allowed: ", fd->name);
	snprintf(type, sizeof(type), "%s not allowed: ",
	    ((const ProtobufCMessageDescriptor *)fd->descriptor)->short_name);
	return strncmp(reason, field, strlen(field)) == 0 ||
	    strncmp(reason, type, strlen(type)) == 0;
}

/*
 * Applies m with fn and expects it refused with code, the reason holding
 * every word given (NULL ends them; NAMED: it begins with the body's name),
 * and not one row written or changed: the routine refuses before it writes
 * (no savepoint here; the daemon's would hide a write before a refusal).
 * The reason goes to reason_out when it is not NULL.
 */
static void
refused(fixture_t *f, apply_fn *fn, msg_t *m, unsigned flags, char *reason_out, int code, ...)
{
	char *before = snapshot(f), *after;
	err_t err = {0};
	const char *w;
	va_list ap;
	int rc = fn(f, m, flags, &err);

	if (rc != ROUTINE_REFUSED)
		fail_msg("%s: expected a refusal, got %d (%s)", envelope_body_name(&m->env), rc,
		    err.msg);
	if (err.code != code)
		fail_msg("%s: code %d, expected %d (%s)", envelope_body_name(&m->env), err.code,
		    code, err.msg);
	va_start(ap, code);
	while ((w = va_arg(ap, const char *)) != NULL) {
		if (w == NAMED ? !names_body(err.msg, &m->env) : strstr(err.msg, w) == NULL)
			fail_msg("reason \"%s\" lacks \"%s\"", err.msg,
			    w == NAMED ? envelope_body_name(&m->env) : w);
	}
	va_end(ap);
	after = snapshot(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
	if (reason_out != NULL)
		snprintf(reason_out, sizeof(err.msg), "%s", err.msg);
}

/* ---- steps at the pool ------------------------------------------------ */

static void
hub_referral(fixture_t *f, const char *owner, const char *rid)
{
	msg_t m;

	make(&m, BODY(REFERRAL), owner, HUB, rid, NULL);
	apply_ok(f, hub_recv, &m, 0);
	assert_string_equal(RSTATE(f, owner, rid), "acknowledged");
}

static void
hub_propose(fixture_t *f, const char *owner, const char *rid, const char *pid, const char *family)
{
	msg_t m;

	make(&m, BODY(FAMILY_PROPOSAL), HUB, "", rid, pid);
	m.b.proposal.family_reference = (char *)family;
	apply_ok(f, hub_send, &m, 0);
	assert_string_equal(m.env.recipient, owner);
	assert_string_equal(PSTATE(f, owner, rid, pid), "proposed");
	assert_string_equal(RSTATE(f, owner, rid), "matching");
}

static void
hub_decide(fixture_t *f, const char *owner, const char *rid, const char *pid, bool proceed)
{
	msg_t m;

	make(&m, BODY(PROPOSAL_DECISION), owner, HUB, rid, pid);
	m.b.decision.verdict = proceed ? VERDICT(PROCEED) : VERDICT(DECLINE);
	apply_ok(f, hub_recv, &m, 0);
	assert_string_equal(PSTATE(f, owner, rid, pid), proceed ? "accepted" : "declined");
}

/* FamilyConsent with consent given, sent by the pool: passed on. */
static void
hub_consent(fixture_t *f, const char *owner, const char *rid, const char *pid)
{
	msg_t m;

	make(&m, BODY(FAMILY_CONSENT), HUB, "", rid, pid);
	apply_ok(f, hub_send, &m, 0);
	assert_string_equal(PSTATE(f, owner, rid, pid), "contact_details_sent");
}

static void
hub_status(fixture_t *f, const char *owner, const char *rid, const char *pid, int status,
    const char *expect)
{
	msg_t m;

	make(&m, BODY(STATUS_REPORT), owner, HUB, rid, pid);
	m.b.status.status = (Famlink__V1__PlacementStatus)status;
	apply_ok(f, hub_recv, &m, 0);
	assert_string_equal(PSTATE(f, owner, rid, pid), expect);
}

/* A referral of owner with proposal pid of family passed on to it. */
static void
hub_passed_on(fixture_t *f, const char *owner, const char *rid, const char *pid,
    const char *family)
{
	hub_referral(f, owner, rid);
	hub_propose(f, owner, rid, pid, family);
	hub_decide(f, owner, rid, pid, true);
	hub_consent(f, owner, rid, pid);
}

/* ---- 1: the whole routine at the pool ---------------------------------- */

static void
test_hub_whole_routine(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ask, reply, ad, add, fp, pd, fc, cm, sr, sr2, fr, cl;
	family_holder_t h;
	err_t err = {0};

	/* [1-2] The Referral, and the ReferralAck queued with it. */
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &ref, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox WHERE peer = %Q AND referral_id = %Q"
	    " AND body_type = 'referral_ack'", M180, REF), 1);
	assert_int_equal(qn(f, "SELECT submitted_at = %lld AND answered_at = %lld FROM referrals"
	    " WHERE owner = %Q AND referral_id = %Q", ref.at, ref.at, M180, REF), 1);
	/* The pool answers at once: no acknowledge deadline at the pool. */
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines"), 0);

	/* InfoRequest out (the recipient found from the owner), InfoReply in:
	 * the question is the municipality's to answer, by its id. */
	make(&ask, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ask, 0);
	assert_string_equal(ask.env.recipient, M180);
	assert_string_equal(DSTATE(f, M180, REF, "question", "q-1"), "asked_by_pool");
	assert_open_wd_deadline(f, M180, REF, "", "q-1", "info_reply", M180, ask.at, INFO_REPLY_WD);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &reply, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_string_equal(DSTATE(f, M180, REF, "question", "q-1"), "answered");
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'info_reply' AND"
	    " item_id = 'q-1' AND state = 'met' AND closed_at = %lld", reply.at), 1);

	/* [3-4] An ad: matching, and the municipality's to decide. */
	make(&ad, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ad, 0);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "proposed");
	assert_open_wd_deadline(f, M180, REF, "", "ad-1", "ad_decision", M180, ad.at, AD_DECISION_WD);
	make(&add, BODY(AD_DECISION), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &add, 0);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "approved");
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'ad_decision' AND"
	    " item_id = 'ad-1' AND state = 'met' AND closed_at = %lld", add.at), 1);

	/* [6] A family, by its register number. */
	make(&fp, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P1");
	fp.b.proposal.family_reference = "FH-0042";
	apply_ok(f, hub_send, &fp, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "proposed");
	assert_string_equal(PCOL(f, "family_ref", M180, REF, "P1"), "FH-0042");
	assert_string_equal(PCOL(f, "passed_on_at", M180, REF, "P1"), "(null)");

	/* [7] The municipality goes on: the pool's to ask the family. The
	 * family consents. */
	make(&pd, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	apply_ok(f, hub_recv, &pd, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "accepted");
	assert_string_equal(PCOL(f, "passed_on_at", M180, REF, "P1"), "(null)");
	assert_open_wd_deadline(f, M180, REF, "P1", "", "family_consent", "pool", pd.at,
	    FAMILY_CONSENT_WD);

	make(&fc, BODY(FAMILY_CONSENT), HUB, "", REF, "P1");
	apply_ok(f, hub_send, &fc, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contact_details_sent");
	assert_int_equal(qn(f, "SELECT passed_on_at FROM proposals WHERE owner = %Q AND"
	    " referral_id = %Q AND proposal_id = 'P1'", M180, REF), fc.at);
	assert_string_equal(PCOL(f, "ended_at", M180, REF, "P1"), "(null)");
	assert_int_equal(store_family_holder(f->ss.s, "FH-0042", &h, &err), 1);
	assert_string_equal(h.owner, M180);
	assert_string_equal(h.referral_id, REF);
	assert_string_equal(h.proposal_id, "P1");
	assert_int_equal(h.since, fc.at);
	assert_open_deadline(f, M180, REF, "P1", "first_contact", M180, FIRST_CONTACT_AT(fc.at));
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(fc.at));
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 2);
	assert_int_equal(deadlines(f, M180, REF, "P1", "family_consent", "met"), 1);

	/* [8] First contact: its deadline met, the status report's still open. */
	make(&cm, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	apply_ok(f, hub_recv, &cm, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contacted");
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'first_contact'"
	    " AND proposal_id = 'P1' AND state = 'met' AND closed_at = %lld", cm.at), 1);
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(fc.at));

	/* [9] A status report meets its deadline and opens the next; a second
	 * one keeps the state and does the same again. */
	make(&sr, BODY(STATUS_REPORT), M180, HUB, REF, "P1");
	apply_ok(f, hub_recv, &sr, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "status_reported");
	assert_int_equal(qn(f, "SELECT last_status FROM proposals WHERE proposal_id = 'P1'"),
	    STATUS(INVESTIGATING));
	assert_int_equal(qn(f, "SELECT last_status_at FROM proposals WHERE proposal_id = 'P1'"),
	    sr.at);
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'status_report'"
	    " AND started_at = %lld AND state = 'met' AND closed_at = %lld", fc.at, sr.at), 1);
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(sr.at));
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 1);

	make(&sr2, BODY(STATUS_REPORT), M180, HUB, REF, "P1");
	sr2.b.status.status = STATUS(MEETING_PLANNED);
	apply_ok(f, hub_recv, &sr2, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "status_reported");
	assert_int_equal(qn(f, "SELECT last_status FROM proposals WHERE proposal_id = 'P1'"),
	    STATUS(MEETING_PLANNED));
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(sr2.at));
	assert_int_equal(deadlines(f, M180, REF, "P1", "status_report", "met"), 2);
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 1);

	/* [10] The family comes back: every deadline of P1 met, the family free. */
	make(&fr, BODY(FAMILY_RETURNED), M180, HUB, REF, "P1");
	apply_ok(f, hub_recv, &fr, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "returned");
	assert_int_equal(qn(f, "SELECT ended_at FROM proposals WHERE proposal_id = 'P1'"), fr.at);
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 0);
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE proposal_id = 'P1'"
	    " AND state = 'met' AND closed_at = %lld", fr.at), 1);
	assert_int_equal(store_family_holder(f->ss.s, "FH-0042", &h, &err), 0);
	assert_string_equal(RSTATE(f, M180, REF), "matching");

	/* A second family, to placement; a third only proposed; a fourth
	 * passed on, its deadlines open when the referral closes. */
	hub_propose(f, M180, REF, "P2", "FH-0043");
	hub_decide(f, M180, REF, "P2", true);
	hub_consent(f, M180, REF, "P2");
	hub_status(f, M180, REF, "P2", STATUS(PLACEMENT_DECIDED), "placed");
	assert_int_equal(deadlines(f, M180, REF, "P2", NULL, "open"), 0);
	assert_int_equal(deadlines(f, M180, REF, "P2", NULL, "met"), 3);
	assert_string_not_equal(PCOL(f, "ended_at", M180, REF, "P2"), "(null)");
	hub_propose(f, M180, REF, "P3", "FH-0044");
	hub_propose(f, M180, REF, "P4", "FH-0045");
	hub_decide(f, M180, REF, "P4", true);
	hub_consent(f, M180, REF, "P4");
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 2);
	assert_int_equal(store_family_holder(f->ss.s, "FH-0045", &h, &err), 1);

	/* [11] Closed, placed with P2: the rest withdrawn, open deadlines
	 * cancelled, no family held by the closed referral. */
	make(&cl, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P2");
	apply_ok(f, hub_recv, &cl, 0);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_int_equal(qn(f, "SELECT outcome FROM referrals WHERE referral_id = %Q", REF),
	    OUTCOME(PLACED_WITH_PROPOSAL));
	assert_int_equal(qn(f, "SELECT closed_at FROM referrals WHERE referral_id = %Q", REF),
	    cl.at);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "returned");
	assert_string_equal(PSTATE(f, M180, REF, "P2"), "placed");
	assert_string_equal(PSTATE(f, M180, REF, "P3"), "withdrawn");
	assert_string_equal(PSTATE(f, M180, REF, "P4"), "withdrawn");
	assert_int_equal(qn(f, "SELECT count(*) FROM proposals WHERE proposal_id IN ('P3', 'P4')"
	    " AND ended_at = %lld", cl.at), 2);
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 0);
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE proposal_id = 'P4'"
	    " AND state = 'cancelled' AND closed_at = %lld", cl.at), 2);
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "cancelled"), 2);
	assert_int_equal(store_family_holder(f->ss.s, "FH-0045", &h, &err), 0);

	/* Every step, in order; the answers to it were the caller's to queue. */
	assert_string_equal(transitions(f, M180),
	    ":referral:none>submitted:0 :ack:submitted>acknowledged:0"
	    " :ad_proposal:acknowledged>matching:0"
	    " P1:family_proposal:none>proposed:0 P1:proceed:proposed>accepted:0"
	    " P1:consent_given:accepted>contact_details_sent:0"
	    " P1:contact_made:contact_details_sent>contacted:0"
	    " P1:status:contacted>status_reported:2 P1:status:status_reported>status_reported:3"
	    " P1:family_returned:status_reported>returned:0"
	    " P2:family_proposal:none>proposed:0 P2:proceed:proposed>accepted:0"
	    " P2:consent_given:accepted>contact_details_sent:0"
	    " P2:status_placed:contact_details_sent>placed:4"
	    " P3:family_proposal:none>proposed:0"
	    " P4:family_proposal:none>proposed:0 P4:proceed:proposed>accepted:0"
	    " P4:consent_given:accepted>contact_details_sent:0"
	    " P3:closed:proposed>withdrawn:0 P4:closed:contact_details_sent>withdrawn:0"
	    " :closed:matching>closed:1");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(qn(f, "SELECT count(*) FROM referrals"), 1);
}

/* ---- 2: the same at a municipality ------------------------------------- */

static void
test_municipality_whole_routine(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ack, ask, reply, ad, add, fp, pd, fc, cm, sr, cl, em;

	/* [1] Sent: submitted, the pool's acknowledge deadline open. */
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &ref, 0);
	assert_string_equal(RSTATE(f, M180, REF), "submitted");
	assert_open_deadline(f, M180, REF, "", "acknowledge", "pool", ACK_AT(ref.at));
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines"), 1);

	/* [2] Acknowledged: the deadline met then. */
	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ack, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_int_equal(qn(f, "SELECT count(*) FROM deadlines WHERE kind = 'acknowledge'"
	    " AND state = 'met' AND closed_at = %lld", ack.at), 1);
	assert_int_equal(qn(f, "SELECT answered_at FROM referrals WHERE referral_id = %Q", REF),
	    ack.at);

	make(&ask, BODY(INFO_REQUEST), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ask, 0);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &reply, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");

	make(&ad, BODY(AD_PROPOSAL), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ad, 0);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	make(&add, BODY(AD_DECISION), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &add, 0);

	/* [6-7] A family proposed, taken, consenting: deadlines open. */
	make(&fp, BODY(FAMILY_PROPOSAL), HUB, M180, REF, "P1");
	fp.b.proposal.family_reference = "FH-0042";
	apply_ok(f, muni_recv, &fp, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "proposed");
	assert_string_equal(PCOL(f, "family_ref", M180, REF, "P1"), "FH-0042");
	make(&pd, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	apply_ok(f, muni_send, &pd, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "accepted");
	make(&fc, BODY(FAMILY_CONSENT), HUB, M180, REF, "P1");
	apply_ok(f, muni_recv, &fc, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contact_details_sent");
	assert_int_equal(qn(f, "SELECT passed_on_at FROM proposals WHERE proposal_id = 'P1'"),
	    fc.at);
	assert_open_deadline(f, M180, REF, "P1", "first_contact", M180, FIRST_CONTACT_AT(fc.at));
	assert_open_deadline(f, M180, REF, "P1", "status_report", M180, STATUS_REPORT_AT(fc.at));

	/* [8-9, 11] */
	make(&cm, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	apply_ok(f, muni_send, &cm, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contacted");
	assert_int_equal(deadlines(f, M180, REF, "P1", "first_contact", "met"), 1);
	make(&sr, BODY(STATUS_REPORT), M180, HUB, REF, "P1");
	sr.b.status.status = STATUS(PLACEMENT_DECIDED);
	apply_ok(f, muni_send, &sr, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "placed");
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 0);
	make(&cl, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P1");
	apply_ok(f, muni_send, &cl, 0);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "placed");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox"), 0);   /* the caller enqueues */

	/* An emergency home: the pool has two hours. */
	make(&em, BODY(REFERRAL), M180, HUB, "0180-2026-0043", NULL);
	em.b.ref.kind = FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_EMERGENCY_HOME;
	apply_ok(f, muni_send, &em, 0);
	assert_open_deadline(f, M180, "0180-2026-0043", "", "acknowledge", "pool",
	    EMERGENCY_ACK_AT(em.at));
	assert_int_equal(qn(f, "SELECT due_at - started_at FROM deadlines WHERE referral_id ="
	    " '0180-2026-0043'"), 2 * 3600000LL);
}

/* ---- 3: refused, and nothing changed ----------------------------------- */

static void
test_refused_proposal_steps(void **state)
{
	fixture_t *f = *state;
	msg_t m;

	hub_referral(f, M180, REF);
	hub_propose(f, M180, REF, "P1", "FH-0042");

	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF, "P1");
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is proposed", NULL);
	make(&m, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P1");
	m.b.proposal.family_reference = "FH-0099";
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "P1", REF, "proposed", NULL);

	hub_decide(f, M180, REF, "P1", true);
	make(&m, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);
	make(&m, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	m.b.decision.verdict = VERDICT(DECLINE);
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);
	make(&m, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);
	make(&m, BODY(FAMILY_RETURNED), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);

	/* A proposal never made. */
	make(&m, BODY(STATUS_REPORT), M180, HUB, REF, "P9");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "referral " REF,
	    "no proposal P9", NULL);
	make(&m, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P9");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "no proposal P9", NULL);

	/* Placed with a proposal whose contact details never went out. */
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is accepted", NULL);
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P404");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "no proposal P404", NULL);

	/* The pool proposes no family without its register number. */
	make(&m, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P2");
	refused(f, hub_send, &m, 0, NULL, CODE(INVALID), "familyReference", NULL);

	/* A referral nobody has. */
	make(&m, BODY(CONTACT_MADE), M180, HUB, "0180-2026-0404", "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(UNKNOWN_REFERRAL), "no referral 0180-2026-0404",
	    NULL);

	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "accepted");
	assert_int_equal(qn(f, "SELECT count(*) FROM proposals"), 1);
}

static void
test_refused_after_close(void **state)
{
	fixture_t *f = *state;
	msg_t m;

	hub_passed_on(f, M180, REF, "P1", "FH-0042");
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &m, 0);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "withdrawn");
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "cancelled"), 2);

	make(&m, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(INFO_REQUEST), M180, HUB, REF, NULL);
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P2");
	m.b.proposal.family_reference = "FH-0050";
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(STATUS_REPORT), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
	/* Nor, once closed, a Referral by the same id. */
	make(&m, BODY(REFERRAL), M180, HUB, REF, NULL);
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
}

static void
test_refused_rejected_and_declined(void **state)
{
	fixture_t *f = *state;
	msg_t ref, m;

	/* Rejected (no decision): no work on it. */
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, hub_recv, &ref, 0);
	assert_string_equal(RSTATE(f, M180, REF), "rejected");
	make(&m, BODY(FAMILY_PROPOSAL), HUB, "", REF, "P1");
	m.b.proposal.family_reference = "FH-0042";
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is rejected", NULL);
	make(&m, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is rejected", NULL);
	make(&m, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is rejected", NULL);

	/* Declined: decided once, for good; no consent for it. */
	hub_referral(f, M180, "0180-2026-0050");
	hub_propose(f, M180, "0180-2026-0050", "P1", "FH-0042");
	hub_decide(f, M180, "0180-2026-0050", "P1", false);
	make(&m, BODY(PROPOSAL_DECISION), M180, HUB, "0180-2026-0050", "P1");
	refused(f, hub_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral 0180-2026-0050 is declined", NULL);
	make(&m, BODY(FAMILY_CONSENT), HUB, "", "0180-2026-0050", "P1");
	refused(f, hub_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral 0180-2026-0050 is declined", NULL);
}

/* The municipality's own sends are refused in the same words. */
static void
test_municipality_refused(void **state)
{
	fixture_t *f = *state;
	msg_t m;

	make(&m, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	refused(f, muni_send, &m, 0, NULL, CODE(UNKNOWN_REFERRAL), "no referral " REF, NULL);
	make(&m, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &m, 0);
	make(&m, BODY(FAMILY_PROPOSAL), HUB, M180, REF, "P1");
	refused(f, muni_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is submitted", NULL);
	make(&m, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &m, 0);
	make(&m, BODY(FAMILY_PROPOSAL), HUB, M180, REF, "P1");
	apply_ok(f, muni_recv, &m, 0);

	make(&m, BODY(FAMILY_CONSENT), HUB, M180, REF, "P1");
	refused(f, muni_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is proposed", NULL);
	make(&m, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	refused(f, muni_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is proposed", NULL);
	make(&m, BODY(STATUS_REPORT), M180, HUB, REF, "P2");
	refused(f, muni_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED, "no proposal P2", NULL);
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, "P1");
	refused(f, muni_send, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "proposal P1 of referral " REF " is proposed", NULL);
	make(&m, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	refused(f, muni_recv, &m, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is matching", NULL);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "proposed");
}

/* ---- 5: the ledger of families passed on ------------------------------- */

enum freeing { HELD, FREED_RETURNED, FREED_NOT_GOING_AHEAD, FREED_CLOSED, FREED_PLACED,
    NEVER_PASSED_ON };

/*
 * Family FH-7: passed on to referral A (REF, 0180) as PA, unless
 * NEVER_PASSED_ON (0180 declines it first), then freed as `how` says;
 * proposed to referral B (REF_B, 0181) as PB and accepted there.
 */
static void
ledger_setup(fixture_t *f, enum freeing how)
{
	msg_t m;

	hub_referral(f, M180, REF);
	hub_propose(f, M180, REF, "PA", "FH-7");
	hub_decide(f, M180, REF, "PA", how != NEVER_PASSED_ON);
	if (how != NEVER_PASSED_ON)
		hub_consent(f, M180, REF, "PA");
	switch (how) {
	case FREED_RETURNED:
		make(&m, BODY(FAMILY_RETURNED), M180, HUB, REF, "PA");
		apply_ok(f, hub_recv, &m, 0);
		assert_string_equal(PSTATE(f, M180, REF, "PA"), "returned");
		break;
	case FREED_NOT_GOING_AHEAD:
		hub_status(f, M180, REF, "PA", STATUS(NOT_GOING_AHEAD), "returned");
		break;
	case FREED_PLACED:
		hub_status(f, M180, REF, "PA", STATUS(PLACEMENT_DECIDED), "placed");
		break;
	case FREED_CLOSED:
		make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
		m.b.closed.outcome = OUTCOME(PLACED_ELSEWHERE);
		apply_ok(f, hub_recv, &m, 0);
		assert_string_equal(PSTATE(f, M180, REF, "PA"), "withdrawn");
		break;
	default:
		break;
	}
	hub_referral(f, M181, REF_B);
	hub_propose(f, M181, REF_B, "PB", "FH-7");
	hub_decide(f, M181, REF_B, "PB", true);
}

static void
test_ledger_refuses_family_held(void **state)
{
	fixture_t *f = *state;
	char why[sizeof(((err_t *)0)->msg)];
	msg_t m;

	ledger_setup(f, HELD);
	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF_B, "PB");
	refused(f, hub_send, &m, 0, why, CODE(NOT_ALLOWED), "FH-7", "referral " REF, "PA",
	    NULL);
	assert_null(strstr(why, REF_B));   /* it names the holder, not the one asking */
	assert_string_equal(PSTATE(f, M181, REF_B, "PB"), "accepted");
	assert_string_equal(PSTATE(f, M180, REF, "PA"), "contact_details_sent");

	/* The family declining is no passing on: not held against it. */
	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF_B, "PB");
	m.b.consent.consent_given = false;
	apply_ok(f, hub_send, &m, 0);
	assert_string_equal(PSTATE(f, M181, REF_B, "PB"), "family_declined");
}

static void
test_ledger_override_audited(void **state)
{
	fixture_t *f = *state;
	family_holder_t h;
	err_t err = {0};
	msg_t m;

	ledger_setup(f, HELD);
	assert_int_equal(qn(f, "SELECT count(*) FROM audit WHERE event = 'op'"), 0);
	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF_B, "PB");
	apply_ok(f, hub_send, &m, ROUTINE_OVERRIDE_LEDGER);
	assert_string_equal(PSTATE(f, M181, REF_B, "PB"), "contact_details_sent");
	assert_int_equal(qn(f, "SELECT count(*) FROM audit WHERE event = 'op'"), 1);
	assert_int_equal(qn(f, "SELECT count(*) FROM audit WHERE event = 'op' AND message_id = %Q"
	    " AND peer = %Q AND body_type = 'family_consent' AND at = %lld"
	    " AND detail LIKE '%%ledger override%%'", m.id, M181, m.at), 1);
	assert_int_equal(deadlines(f, M181, REF_B, "PB", NULL, "open"), 2);
	/* A still holds it first. */
	assert_int_equal(store_family_holder(f->ss.s, "FH-7", &h, &err), 1);
	assert_string_equal(h.referral_id, REF);
}

static void
ledger_freed(void **state, enum freeing how)
{
	fixture_t *f = *state;
	family_holder_t h;
	err_t err = {0};
	msg_t m;

	ledger_setup(f, how);
	assert_int_equal(store_family_holder(f->ss.s, "FH-7", &h, &err), 0);
	make(&m, BODY(FAMILY_CONSENT), HUB, "", REF_B, "PB");
	apply_ok(f, hub_send, &m, 0);
	assert_string_equal(PSTATE(f, M181, REF_B, "PB"), "contact_details_sent");
	assert_int_equal(qn(f, "SELECT count(*) FROM audit WHERE event = 'op'"), 0);
	assert_int_equal(store_family_holder(f->ss.s, "FH-7", &h, &err), 1);
	assert_string_equal(h.owner, M181);
	assert_string_equal(h.referral_id, REF_B);
	assert_string_equal(h.proposal_id, "PB");
}

static void test_ledger_free_after_returned(void **s) { ledger_freed(s, FREED_RETURNED); }
static void test_ledger_free_after_not_going_ahead(void **s)
{ ledger_freed(s, FREED_NOT_GOING_AHEAD); }
static void test_ledger_free_after_closed(void **s) { ledger_freed(s, FREED_CLOSED); }
static void test_ledger_free_after_placed(void **s) { ledger_freed(s, FREED_PLACED); }
static void test_ledger_free_after_declined(void **s) { ledger_freed(s, NEVER_PASSED_ON); }

/* ---- 6: another municipality's referral -------------------------------- */

static void
test_other_municipality_reads_as_unknown(void **state)
{
	fixture_t *f = *state;
	static const char never[] = "0181-2026-0404";
	static const int bodies[] = { BODY(CONTACT_MADE), BODY(STATUS_REPORT),
	    BODY(FAMILY_RETURNED), BODY(REFERRAL_CLOSED) };
	char theirs[sizeof(((err_t *)0)->msg)], unknown[sizeof(theirs)];
	char a[sizeof(theirs)], b[sizeof(theirs)];
	msg_t m;

	hub_passed_on(f, M180, REF, "P1", "FH-0042");
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		make(&m, bodies[i], M181, HUB, REF, "P1");
		refused(f, hub_recv, &m, 0, theirs, CODE(UNKNOWN_REFERRAL), NULL);
		make(&m, bodies[i], M181, HUB, never, "P1");
		refused(f, hub_recv, &m, 0, unknown, CODE(UNKNOWN_REFERRAL), NULL);
		msg_without(theirs, REF, a, sizeof(a));
		msg_without(unknown, never, b, sizeof(b));
		assert_string_equal(a, b);
		assert_null(strstr(theirs, M180));
		assert_null(strstr(theirs, "P1"));
		assert_null(strstr(theirs, "contact_details_sent"));
	}
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contact_details_sent");
	assert_string_equal(RSTATE(f, M181, REF), "(none)");
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 2);
}

/* ---- 4: the pool's checks of a Referral, in order ---------------------- */

#define REASON(x) FAMLINK__V1__REJECTION_REASON__REJECTION_REASON_##x
#define KIND(x) FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_##x

/* The last message queued to peer, decoded from its stored blob; the
 * caller frees it with famlink__v1__envelope__free_unpacked(). */
static Famlink__V1__Envelope *
last_queued(fixture_t *f, const char *peer)
{
	Famlink__V1__Envelope *env;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(store_db(f->ss.s), "SELECT envelope FROM outbox"
	    " WHERE peer = ?1 ORDER BY sequence DESC LIMIT 1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	env = famlink__v1__envelope__unpack(NULL, (size_t)sqlite3_column_bytes(st, 0),
	    sqlite3_column_blob(st, 0));
	sqlite3_finalize(st);
	assert_non_null(env);
	return env;
}

/* The Referral ref, received at the pool: rejected for `reason`, the
 * ReferralRejected queued to its sender, answering it, its explanation
 * holding `words`. */
static void
assert_rejected(fixture_t *f, const msg_t *ref, int reason, const char *words)
{
	Famlink__V1__Envelope *env = last_queued(f, ref->env.sender);
	const Famlink__V1__ReferralRejected *rej = env->referral_rejected;

	assert_string_equal(RSTATE(f, ref->env.sender, ref->env.referral_id), "rejected");
	assert_int_equal(env->body_case, BODY(REFERRAL_REJECTED));
	assert_string_equal(env->sender, HUB);
	assert_string_equal(env->recipient, ref->env.sender);
	assert_string_equal(env->referral_id, ref->env.referral_id);
	assert_string_equal(env->answers_message_id, ref->id);
	assert_string_equal(rej->referral_id, ref->env.referral_id);
	assert_int_equal(rej->reason, reason);
	assert_non_null(rej->explanation);
	assert_true(strlen(rej->explanation) > 20);
	if (strstr(rej->explanation, words) == NULL)
		fail_msg("explanation \"%s\" lacks \"%s\"", rej->explanation, words);
	famlink__v1__envelope__free_unpacked(env, NULL);
	assert_int_equal(qn(f, "SELECT count(*) FROM transitions WHERE owner = %Q AND"
	    " referral_id = %Q AND event = 'rejected' AND to_state = 'rejected' AND code = %d"
	    " AND at = %lld", ref->env.sender, ref->env.referral_id, reason, (long long)ref->at), 1);
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox WHERE referral_id = %Q"
	    " AND body_type = 'referral_ack' AND created_at >= %lld", ref->env.referral_id,
	    (long long)ref->at), 0);
}

static void
test_hub_not_member(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ask, reply;

	/* 0181 had a referral, with a family passed on and a question put to
	 * it, before it left. */
	hub_passed_on(f, M181, REF_B, "P1", "FH-0042");
	make(&ask, BODY(INFO_REQUEST), HUB, "", REF_B, NULL);
	apply_ok(f, hub_send, &ask, 0);
	f->peers[1].member = false;

	make(&ref, BODY(REFERRAL), M181, HUB, "0181-2026-0002", NULL);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NOT_MEMBER), "member");
	assert_int_equal(qn(f, "SELECT count(*) FROM outbox WHERE peer = %Q", M181), 2);

	/* What it had goes on. */
	make(&reply, BODY(INFO_REPLY), M181, HUB, REF_B, NULL);
	apply_ok(f, hub_recv, &reply, 0);
	hub_status(f, M181, REF_B, "P1", STATUS(INVESTIGATING), "status_reported");
	assert_string_equal(RSTATE(f, M181, REF_B), "matching");
	/* And a member's referral is taken as ever. */
	hub_referral(f, M180, REF);
}

static void
test_hub_out_of_remit_kind(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	f->hub.remit_kinds = 1u << KIND(FOSTER_HOME) | 1u << KIND(EMERGENCY_HOME);
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.b.ref.kind = KIND(CONTACT_FAMILY);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "kontaktfamilj");
	assert_int_equal(qn(f, "SELECT kind FROM referrals WHERE referral_id = %Q", REF),
	    KIND(CONTACT_FAMILY));
	make(&ref, BODY(REFERRAL), M180, HUB, "0180-2026-0043", NULL);
	ref.b.ref.kind = KIND(CONTACT_PERSON);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "kontaktperson");
	hub_referral(f, M180, "0180-2026-0044");   /* a foster home: in the remit */
}

/* By birth year: in 2026 a child born 2009 turns 17, one born 2023 turns 3. */
static void
test_hub_out_of_remit_age(void **state)
{
	fixture_t *f = *state;
	static const struct { const char *id; unsigned born; const char *state; } cases[] = {
		{"0180-2026-0101", 2009, "acknowledged"},   /* 17: the oldest taken */
		{"0180-2026-0102", 2008, "rejected"},       /* 18 */
		{"0180-2026-0103", 1990, "rejected"},
		{"0180-2026-0104", 2023, "acknowledged"},   /* 3: the youngest taken */
		{"0180-2026-0105", 2024, "rejected"},       /* 2 */
	};

	f->hub.remit_age_min = 3;
	f->hub.remit_age_max = 17;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg_t ref;

		make(&ref, BODY(REFERRAL), M180, HUB, cases[i].id, NULL);
		ref.child.birth_year = cases[i].born;
		apply_ok(f, hub_recv, &ref, 0);
		assert_string_equal(RSTATE(f, M180, cases[i].id), cases[i].state);
		if (strcmp(cases[i].state, "rejected") == 0)
			assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "3 till 17");
	}
}

/*
 * "Turns N this year" is the Swedish year: at 00:30 on 1 January 2027 in
 * Stockholm (23:30 UTC on 31 December 2026) a child born 2009 turns 18 this
 * year, outside a 0-17 remit.
 */
static void
test_hub_remit_age_by_swedish_year(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	f->hub.remit_age_max = 17;
	f->now = 1798759800000LL - MINUTE;   /* the Referral arrives 2026-12-31T23:30Z */
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.child.birth_year = 2009;
	apply_ok(f, hub_recv, &ref, 0);
	assert_int_equal(ref.at, 1798759800000LL);
	assert_string_equal(RSTATE(f, M180, REF), "rejected");
	assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "fyller 18");
}

static void
test_hub_no_decision(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "decision");
	make(&ref, BODY(REFERRAL), M180, HUB, "0180-2026-0043", NULL);
	ref.b.ref.decision = NULL;
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "decision");
}

/* A decision is taken on a date, and not after the pool's own today
 * (T0 is Monday 5 January 2026 in Stockholm). */
static void
test_hub_decision_dated(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.decided_on = "";
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "decidedOn");

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.decided_on = "2026-03-06";
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "2026-03-06");
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.decided_on = "2026-01-06";
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "daterat 2026-01-06, efter dagens datum"
	    " 2026-01-05");

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.decided_on = "2026-01-05";
	apply_ok(f, hub_recv, &ref, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
}

/* A contact is reported once made: not dated after the day the message was
 * made, refused so at both ends. */
static void
test_contact_not_in_future(void **state)
{
	fixture_t *f = *state;
	msg_t cm;

	hub_passed_on(f, M180, REF, "P1", "FH-0042");
	make(&cm, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	cm.env.created_at_ms = T0;   /* Monday 5 January, 10:30 in Stockholm */
	cm.b.contact.contacted_on = "2026-01-06";
	refused(f, hub_recv, &cm, 0, NULL, CODE(INVALID), "contactMade.contactedOn", "2026-01-06",
	    "2026-01-05", NULL);
	cm.b.contact.contacted_on = "2026-01-05";
	apply_ok(f, hub_recv, &cm, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contacted");
}

/* The sending side refuses it too, in the same words. */
static void
test_municipality_contact_not_in_future(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ack, fp, pd, fc, cm;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &ref, 0);
	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ack, 0);
	make(&fp, BODY(FAMILY_PROPOSAL), HUB, M180, REF, "P1");
	apply_ok(f, muni_recv, &fp, 0);
	make(&pd, BODY(PROPOSAL_DECISION), M180, HUB, REF, "P1");
	apply_ok(f, muni_send, &pd, 0);
	assert_open_wd_deadline(f, M180, REF, "P1", "", "family_consent", "pool", pd.at,
	    FAMILY_CONSENT_WD);
	make(&fc, BODY(FAMILY_CONSENT), HUB, M180, REF, "P1");
	apply_ok(f, muni_recv, &fc, 0);
	assert_int_equal(deadlines(f, M180, REF, "P1", "family_consent", "met"), 1);

	make(&cm, BODY(CONTACT_MADE), M180, HUB, REF, "P1");
	cm.env.created_at_ms = T0 + 13 * 3600000LL;   /* 23:30 in Stockholm, still the 5th */
	cm.b.contact.contacted_on = "2026-01-06";
	refused(f, muni_send, &cm, 0, NULL, CODE(INVALID), "contactMade.contactedOn", "2026-01-06",
	    "2026-01-05", NULL);
}

/* A family that declines ends the pool's consent deadline too. */
static void
test_family_declines_meets_consent_deadline(void **state)
{
	fixture_t *f = *state;
	msg_t fc;

	hub_referral(f, M180, REF);
	hub_propose(f, M180, REF, "P1", "FH-0042");
	hub_decide(f, M180, REF, "P1", true);
	assert_int_equal(deadlines(f, M180, REF, "P1", "family_consent", "open"), 1);
	make(&fc, BODY(FAMILY_CONSENT), HUB, "", REF, "P1");
	fc.b.consent.consent_given = false;
	fc.b.consent.family_contact = NULL;
	apply_ok(f, hub_send, &fc, 0);
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "family_declined");
	assert_int_equal(deadlines(f, M180, REF, "P1", NULL, "open"), 0);
	assert_int_equal(deadlines(f, M180, REF, "P1", "family_consent", "met"), 1);
}

/* Questions and ads are answered by their ids, once, by the side they were
 * put to; anything else is refused at both ends and changes nothing. */
static void
test_dialogue_by_ids(void **state)
{
	fixture_t *f = *state;
	msg_t ask, mask, reply, ad, dec;

	hub_referral(f, M180, REF);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	refused(f, hub_recv, &reply, 0, NULL, CODE(NOT_ALLOWED), NAMED, "has no question q-1",
	    NULL);
	make(&ask, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ask, 0);
	/* The pool cannot answer its own question, nor ask it twice. */
	make(&reply, BODY(INFO_REPLY), HUB, "", REF, NULL);
	refused(f, hub_send, &reply, 0, NULL, CODE(NOT_ALLOWED), NAMED, "question q-1",
	    "asked_by_pool", NULL);
	make(&ask, BODY(INFO_REQUEST), HUB, "", REF, NULL);
	refused(f, hub_send, &ask, 0, NULL, CODE(NOT_ALLOWED), NAMED, "question q-1",
	    "asked_by_pool", NULL);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &reply, 0);
	refused(f, hub_recv, &reply, 0, NULL, CODE(NOT_ALLOWED), NAMED, "question q-1",
	    "answered", NULL);

	/* The municipality asks too, under its own id; the pool answers it. */
	make(&mask, BODY(INFO_REQUEST), M180, HUB, REF, NULL);
	mask.b.info.question_id = "m-1";
	apply_ok(f, hub_recv, &mask, 0);
	assert_string_equal(DSTATE(f, M180, REF, "question", "m-1"), "asked_by_municipality");
	assert_open_wd_deadline(f, M180, REF, "", "m-1", "info_reply", "pool", mask.at,
	    INFO_REPLY_WD);
	make(&reply, BODY(INFO_REPLY), HUB, "", REF, NULL);
	reply.b.reply.question_id = "m-1";
	apply_ok(f, hub_send, &reply, 0);
	assert_string_equal(DSTATE(f, M180, REF, "question", "m-1"), "answered");

	/* An ad: decided once; a revised one may be proposed again. */
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	refused(f, hub_recv, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "acknowledged", NULL);
	make(&ad, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ad, 0);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	dec.b.ad_decision.ad_id = "ad-2";
	refused(f, hub_recv, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "has no ad ad-2", NULL);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	dec.b.ad_decision.verdict = FAMLINK__V1__AD_VERDICT__AD_VERDICT_REVISE;
	dec.b.ad_decision.revised_text = "Vill du bli kontaktfamilj?";
	apply_ok(f, hub_recv, &dec, 0);
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "revised");
	refused(f, hub_recv, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "ad ad-1", "revised", NULL);
	make(&ad, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	apply_ok(f, hub_send, &ad, 0);
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "proposed");
	assert_int_equal(deadlines(f, M180, REF, NULL, "ad_decision", "open"), 1);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	dec.b.ad_decision.verdict = FAMLINK__V1__AD_VERDICT__AD_VERDICT_DECLINE;
	apply_ok(f, hub_recv, &dec, 0);
	assert_string_equal(DSTATE(f, M180, REF, "ad", "ad-1"), "declined");
	make(&ad, BODY(AD_PROPOSAL), HUB, "", REF, NULL);
	refused(f, hub_send, &ad, 0, NULL, CODE(NOT_ALLOWED), NAMED, "ad ad-1", "declined", NULL);
	assert_int_equal(deadlines(f, M180, REF, NULL, "ad_decision", "open"), 0);
	assert_int_equal(deadlines(f, M180, REF, NULL, "ad_decision", "met"), 2);
}

/* The municipality's side refuses the same before anything is sent. */
static void
test_municipality_dialogue_by_ids(void **state)
{
	fixture_t *f = *state;
	msg_t ref, ack, reply, dec, ad;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &ref, 0);
	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ack, 0);
	make(&reply, BODY(INFO_REPLY), M180, HUB, REF, NULL);
	refused(f, muni_send, &reply, 0, NULL, CODE(NOT_ALLOWED), NAMED, "has no question q-1",
	    NULL);
	make(&ad, BODY(AD_PROPOSAL), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ad, 0);
	assert_open_wd_deadline(f, M180, REF, "", "ad-1", "ad_decision", M180, ad.at,
	    AD_DECISION_WD);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	dec.b.ad_decision.ad_id = "ad-9";
	refused(f, muni_send, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "has no ad ad-9", NULL);
	make(&dec, BODY(AD_DECISION), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &dec, 0);
	refused(f, muni_send, &dec, 0, NULL, CODE(NOT_ALLOWED), NAMED, "ad ad-1", "approved", NULL);
}

/* Member, remit, decision: the first that fails is the reason. */
static void
test_hub_check_order(void **state)
{
	fixture_t *f = *state;
	msg_t ref;

	f->peers[0].member = false;
	f->hub.remit_kinds = 1u << KIND(FOSTER_HOME);
	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NOT_MEMBER), "member");
	make(&ref, BODY(REFERRAL), M180, HUB, "0180-2026-0043", NULL);
	ref.taken.taken = false;
	ref.b.ref.kind = KIND(CONTACT_PERSON);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NOT_MEMBER), "member");

	f->peers[0].member = true;
	make(&ref, BODY(REFERRAL), M180, HUB, "0180-2026-0044", NULL);
	ref.taken.taken = false;
	ref.b.ref.kind = KIND(CONTACT_PERSON);
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(OUT_OF_REMIT), "kontaktperson");
}

/* Sent again with the cause fixed: taken and acknowledged. */
static void
test_hub_resubmit_after_rejection(void **state)
{
	fixture_t *f = *state;
	Famlink__V1__Envelope *ack;
	msg_t ref, again;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, hub_recv, &ref, 0);
	assert_rejected(f, &ref, REASON(NO_DECISION), "decision");

	make(&again, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, hub_recv, &again, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_int_equal(qn(f, "SELECT submitted_at = %lld AND answered_at = %lld FROM referrals",
	    (long long)again.at, (long long)again.at), 1);
	ack = last_queued(f, M180);
	assert_int_equal(ack->body_case, BODY(REFERRAL_ACK));
	assert_string_equal(ack->answers_message_id, again.id);
	assert_int_equal(ack->sequence, 2);
	famlink__v1__envelope__free_unpacked(ack, NULL);
	assert_string_equal(transitions(f, M180),
	    ":referral:none>submitted:0 :rejected:submitted>rejected:3"
	    " :referral:rejected>submitted:0 :ack:submitted>acknowledged:0");
	assert_int_equal(qn(f, "SELECT count(*) FROM referrals"), 1);
}

static void
test_municipality_resend_after_rejection(void **state)
{
	fixture_t *f = *state;
	msg_t ref, rej, again, ack;

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	ref.taken.taken = false;
	apply_ok(f, muni_send, &ref, 0);
	make(&rej, BODY(REFERRAL_REJECTED), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &rej, 0);
	assert_string_equal(RSTATE(f, M180, REF), "rejected");
	assert_int_equal(deadlines(f, M180, REF, NULL, "acknowledge", "met"), 1);
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 0);

	make(&again, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &again, 0);
	assert_string_equal(RSTATE(f, M180, REF), "submitted");
	assert_open_deadline(f, M180, REF, "", "acknowledge", "pool", ACK_AT(again.at));

	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	apply_ok(f, muni_recv, &ack, 0);
	assert_string_equal(RSTATE(f, M180, REF), "acknowledged");
	assert_int_equal(deadlines(f, M180, REF, NULL, "acknowledge", "met"), 2);
	assert_int_equal(deadlines(f, M180, REF, NULL, NULL, "open"), 0);
}

/* ---- 7: answers crossing the municipality's closing on the wire -------- */

static void
test_municipality_answer_crosses_close(void **state)
{
	fixture_t *f = *state;
	char *before, *after;
	msg_t ref, closing, ack, rej;
	err_t err = {0};

	make(&ref, BODY(REFERRAL), M180, HUB, REF, NULL);
	apply_ok(f, muni_send, &ref, 0);
	make(&closing, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
	closing.b.closed.outcome = OUTCOME(DECISION_CHANGED);
	apply_ok(f, muni_send, &closing, 0);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_int_equal(deadlines(f, M180, REF, NULL, "acknowledge", "cancelled"), 1);

	/* Taken (neither side did wrong), and nothing changes. */
	before = snapshot(f);
	make(&ack, BODY(REFERRAL_ACK), HUB, M180, REF, NULL);
	assert_int_equal(muni_recv(f, &ack, 0, &err), ROUTINE_OK);
	make(&rej, BODY(REFERRAL_REJECTED), HUB, M180, REF, NULL);
	assert_int_equal(muni_recv(f, &rej, 0, &err), ROUTINE_OK);
	after = snapshot(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_string_equal(RSTATE(f, M180, REF), "closed");
	assert_string_equal(q(f, "SELECT answered_at FROM referrals"), "(null)");

	/* Anything else after the close is refused. */
	make(&ack, BODY(INFO_REQUEST), HUB, M180, REF, NULL);
	refused(f, muni_recv, &ack, 0, NULL, CODE(NOT_ALLOWED), NAMED,
	    "referral " REF " is closed", NULL);
}

/* ---- what the routine lets through that it should not ----------------- */

/*
 * ReferralClosed PLACED_WITH_PROPOSAL names the family placed
 * (famlink.proto: proposal_id "with PLACED_WITH_PROPOSAL"). Without the
 * id, the routine closes "placed with a proposal" and withdraws the very
 * family passed on: the ledger and the meeting report lose the placement.
 */
static void
test_closed_placed_with_proposal_needs_its_id(void **state)
{
	fixture_t *f = *state;
	msg_t m;

	hub_passed_on(f, M180, REF, "P1", "FH-0042");
	make(&m, BODY(REFERRAL_CLOSED), M180, HUB, REF, NULL);
	m.b.closed.outcome = OUTCOME(PLACED_WITH_PROPOSAL);
	assert_int_equal(hub_recv(f, &m, 0, &(err_t){0}), ROUTINE_REFUSED);
	assert_string_equal(RSTATE(f, M180, REF), "matching");
	assert_string_equal(PSTATE(f, M180, REF, "P1"), "contact_details_sent");
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hub_whole_routine),
		T(test_municipality_whole_routine),
		T(test_refused_proposal_steps),
		T(test_refused_after_close),
		T(test_refused_rejected_and_declined),
		T(test_municipality_refused),
		T(test_ledger_refuses_family_held),
		T(test_ledger_override_audited),
		T(test_ledger_free_after_returned),
		T(test_ledger_free_after_not_going_ahead),
		T(test_ledger_free_after_closed),
		T(test_ledger_free_after_placed),
		T(test_ledger_free_after_declined),
		T(test_other_municipality_reads_as_unknown),
		T(test_hub_not_member),
		T(test_hub_out_of_remit_kind),
		T(test_hub_out_of_remit_age),
		T(test_hub_remit_age_by_swedish_year),
		T(test_hub_no_decision),
		T(test_hub_check_order),
		T(test_hub_decision_dated),
		T(test_contact_not_in_future),
		T(test_municipality_contact_not_in_future),
		T(test_family_declines_meets_consent_deadline),
		T(test_dialogue_by_ids),
		T(test_municipality_dialogue_by_ids),
		T(test_hub_resubmit_after_rejection),
		T(test_municipality_resend_after_rejection),
		T(test_municipality_answer_crosses_close),
		T(test_closed_placed_with_proposal_needs_its_id),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
