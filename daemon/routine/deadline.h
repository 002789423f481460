/*
 * deadline — the routine's deadlines (seed 000 steps 2, 8 and 9): opened,
 * met and cancelled by the events routine.c applies, in the same
 * transaction, and fired by the daemon's deadline timer as notifications
 * in a persisted queue (the email adapter reads it; until then famlinkd
 * logs each by id and famlinkctl lists them).
 *
 *   acknowledge     Referral sent → ReferralAck or ReferralRejected;
 *                   kept by the municipality (the pool answers in the
 *                   transaction that receives it); the pool must act
 *   first_contact   FamilyConsent with contact details → ContactMade or a
 *                   StatusReport; the municipality must act
 *   status_report   the same consent, then each StatusReport → the next
 *                   report, repeating until placed or returned
 *   family_consent  ProposalDecision PROCEED → FamilyConsent (given or
 *                   the family declined); the pool must act
 *   info_reply      InfoRequest → the InfoReply to its question id; the
 *                   side the question was put to must act
 *   ad_decision     AdProposal → the AdDecision on its ad id; the
 *                   municipality must act
 *
 * Each deadline fires at most three notifications, each once: a reminder
 * before it is due (skipped once it is due), an overdue notice when it is
 * due, an escalation later. A deadline met or cancelled fires nothing more.
 * Times come from the caller (clock_now_ms()); days follow calendar.h.
 */
#ifndef FAMLINK_DEADLINE_H
#define FAMLINK_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "routine_table.h"
#include "store.h"

/* What one applied event means for deadlines; proposal_id (a proposal's
 * events) and item_id (a question's or an ad's) may be NULL. */
typedef struct deadline_event {
	routine_event_t ev;
	const char *owner, *referral_id, *proposal_id, *item_id;
	int referral_kind;      /* ReferralKind, with EV_REFERRAL */
	int64_t now;
} deadline_event_t;

int deadline_apply(store_t *store, const config_t *cfg, const deadline_event_t *e, err_t *err);

/* One notification just queued, for the caller to log (ids only). */
typedef struct deadline_notice {
	int64_t notification_id, deadline_id;
	const char *event;      /* reminder, overdue, escalation */
	const char *kind, *owner, *referral_id, *proposal_id, *actor, *recipient;
	const char *item_id;    /* the question's or ad's id, "" for none */
	int64_t due_at;
} deadline_notice_t;

/* The word for what a deadline of kind chases below its referral, when it
 * has an item id: "question" (info_reply) or "ad" (ad_decision). */
const char *deadline_item_word(const char *kind);
typedef void deadline_notice_fn(const deadline_notice_t *n, void *ctx);

/* Fires every stage due by now, inside the caller's transaction: queues a
 * notification per stage and marks it fired. At most max deadlines per
 * call; returns how many were handled (call again while it returns max),
 * or -1 with err. */
int deadline_fire_due(store_t *store, const config_t *cfg, int64_t now, int max,
    deadline_notice_fn *fn, void *ctx, err_t *err);

/* The instant the next stage of any open deadline is due, 0 when none:
 * an index lookup, so the timer can look every second without taking the
 * store's write lock when nothing is due. */
int deadline_next_at(store_t *store, int64_t *next_at, err_t *err);

/* How many deadlines are open and the instant of the next stage due
 * (0 when none), for the daemon's start-up line and status. */
int deadline_summary(store_t *store, int64_t *open, int64_t *next_at, err_t *err);

/* The stages of a deadline, one bit each in deadlines.fired. */
#define DEADLINE_FIRED_REMINDER   1
#define DEADLINE_FIRED_OVERDUE    2
#define DEADLINE_FIRED_ESCALATION 4

/* Whether a deadline opened at started_at reminds at remind_at: not when
 * the lead reaches back to the start (it would remind at once; the
 * deadline is opened with its reminder marked fired). */
bool deadline_reminds(int64_t started_at, int64_t remind_at);

/* When a deadline's reminder fires or fired, for listings: remind_at, or
 * 0 when none will: deadline_reminds() says no, or no reminder was queued
 * (reminded false) and the deadline is due by now, so deadline_fire_due()
 * skips it as stale. */
int64_t deadline_reminder_at(int64_t started_at, int64_t remind_at, int64_t due_at,
    bool reminded, int64_t now);

/* The instant of the first stage not yet fired, 0 when all have. */
int64_t deadline_next_stage(int fired, int64_t remind_at, int64_t due_at, int64_t escalate_at);

/* A deadline's instants on the calendar. due: span after start (days: the
 * whole last day, moved to the next working day). lead: span before due
 * (days: the same time of day, n local days earlier). escalate: span after
 * due (days: counted from the last day to act, not from the day due ends
 * on). */
int64_t deadline_due(int64_t start, span_t span);
int64_t deadline_lead(int64_t due, span_t span);
int64_t deadline_escalate(int64_t due, span_t span);

/* The acknowledge span of a referral of kind (ReferralKind): [deadlines]
 * acknowledge_emergency for an emergency home, acknowledge otherwise. */
span_t deadline_acknowledge_span(const config_t *cfg, int referral_kind);

/* Working days overdue, the one figure `famlinkctl deadlines` and the
 * meeting report show: the Swedish working days after the last day to act
 * (calendar_due_day(due_at)) up to and including the local date of now; 0
 * before due_at. Due at the end of Tuesday: 1 on Wednesday. Due at the
 * end of a Friday: 0 over the weekend, 1 on Monday. Due Tuesday 14:00: 0
 * for the rest of Tuesday, 1 on Wednesday. */
int deadline_overdue_working_days(int64_t due_at, int64_t now);

#endif
