/*
 * routine_flow — the vocabulary of the routine's unit tests (test_routine*):
 * messages with plausible bodies (make), applying them at the pool or at a
 * municipality in either direction, reading the store back (states,
 * deadlines, a dump of every table), refusals that must change nothing,
 * and the pool's steps of seed 000. Against a real store in a mkdtemp()
 * directory (routine_fixture.h). Times move a minute per message, so each
 * row's times say which message wrote them.
 */
#ifndef FAMLINK_TEST_ROUTINE_FLOW_H
#define FAMLINK_TEST_ROUTINE_FLOW_H

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


/* A message with a plausible body; pid for the bodies about a proposal,
 * and with REFERRAL_CLOSED, a pid closes PLACED_WITH_PROPOSAL it. */
static inline void
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
static inline int
hub_recv(fixture_t *f, msg_t *m, unsigned flags, err_t *err)
{
	(void)flags;
	m->at = f->now += MINUTE;
	return routine_receive(f->ss.s, &f->hub, &m->env, m->env.sender, m->at, err);
}

static inline int
hub_send(fixture_t *f, msg_t *m, unsigned flags, err_t *err)
{
	m->at = f->now += MINUTE;
	return routine_send(f->ss.s, &f->hub, &m->env, m->rbuf, flags, m->at, err);
}

static inline int
muni_send(fixture_t *f, msg_t *m, unsigned flags, err_t *err)
{
	m->at = f->now += MINUTE;
	return routine_send(f->ss.s, &f->muni, &m->env, m->rbuf, flags, m->at, err);
}

static inline int
muni_recv(fixture_t *f, msg_t *m, unsigned flags, err_t *err)
{
	(void)flags;
	m->at = f->now += MINUTE;
	return routine_receive(f->ss.s, &f->muni, &m->env, HUB, m->at, err);
}

/* Applies m and insists it is taken. */
static inline void
apply_ok(fixture_t *f, apply_fn *fn, msg_t *m, unsigned flags)
{
	err_t err = {0};
	int rc = fn(f, m, flags, &err);

	if (rc != ROUTINE_OK)
		fail_msg("%s refused (%d): code %d, %s", envelope_body_name(&m->env), rc, err.code,
		    err.msg);
}

/* ---- reading the store ------------------------------------------------ */

static inline sqlite3_stmt *
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
static inline const char *
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

static inline long long
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
static inline long long
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
static inline void
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
static inline void
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
static inline int64_t
midnight(int y, int m, int d)
{
	return calendar_local_midnight((cal_date_t){ y, m, d });
}

/* Every deadline here starts on Monday 5 January 2026 (T0 is 10:30 there,
 * CET, UTC+1: the day starts at 23:00 UTC the day before), a few minutes
 * apart: `at` moved to the same local time of day on y-m-d. */
static inline int64_t
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
static inline const char *
transitions(fixture_t *f, const char *owner)
{
	return q(f, "SELECT group_concat(t, ' ') FROM (SELECT proposal_id || ':' || event || ':'"
	    " || from_state || '>' || to_state || ':' || code AS t FROM transitions"
	    " WHERE owner = %Q ORDER BY id)", owner);
}

/* Every row of every table the routine may write, as text: what a refusal
 * must leave exactly as it was. The caller free()s it. */
static inline char *
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
static const char NAMED[] __attribute__((unused)) = "<body> not allowed: ";

static inline bool
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
static inline void
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

static inline void
hub_referral(fixture_t *f, const char *owner, const char *rid)
{
	msg_t m;

	make(&m, BODY(REFERRAL), owner, HUB, rid, NULL);
	apply_ok(f, hub_recv, &m, 0);
	assert_string_equal(RSTATE(f, owner, rid), "acknowledged");
}

static inline void
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

static inline void
hub_decide(fixture_t *f, const char *owner, const char *rid, const char *pid, bool proceed)
{
	msg_t m;

	make(&m, BODY(PROPOSAL_DECISION), owner, HUB, rid, pid);
	m.b.decision.verdict = proceed ? VERDICT(PROCEED) : VERDICT(DECLINE);
	apply_ok(f, hub_recv, &m, 0);
	assert_string_equal(PSTATE(f, owner, rid, pid), proceed ? "accepted" : "declined");
}

/* FamilyConsent with consent given, sent by the pool: passed on. */
static inline void
hub_consent(fixture_t *f, const char *owner, const char *rid, const char *pid)
{
	msg_t m;

	make(&m, BODY(FAMILY_CONSENT), HUB, "", rid, pid);
	apply_ok(f, hub_send, &m, 0);
	assert_string_equal(PSTATE(f, owner, rid, pid), "contact_details_sent");
}

static inline void
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
static inline void
hub_passed_on(fixture_t *f, const char *owner, const char *rid, const char *pid,
    const char *family)
{
	hub_referral(f, owner, rid);
	hub_propose(f, owner, rid, pid, family);
	hub_decide(f, owner, rid, pid, true);
	hub_consent(f, owner, rid, pid);
}

#endif
