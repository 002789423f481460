/* deadline — see deadline.h. */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "deadline.h"

#define HOUR_MS 3600000LL

int64_t
deadline_due(int64_t start, span_t span)
{
	switch (span.unit) {
	case SPAN_HOURS:         return start + (int64_t)span.amount * HOUR_MS;
	case SPAN_WORKING_DAYS:  return calendar_add_working_days(start, (int)span.amount);
	default:                 return calendar_due_after_days(start, (int)span.amount);
	}
}

int64_t
deadline_lead(int64_t due, span_t span)
{
	switch (span.unit) {
	case SPAN_HOURS:         return due - (int64_t)span.amount * HOUR_MS;
	case SPAN_WORKING_DAYS:  return calendar_add_working_days(due, -(int)span.amount);
	default:                 return calendar_add_days(due, -(int)span.amount);
	}
}

int64_t
deadline_escalate(int64_t due, span_t span)
{
	if (span.unit == SPAN_DAYS)
		return calendar_due_after_days(calendar_local_midnight(calendar_due_day(due)),
		    (int)span.amount);
	return deadline_due(due, span);
}

const char *
deadline_item_word(const char *kind)
{
	return strcmp(kind, "ad_decision") == 0 ? "ad" : "question";
}

span_t
deadline_acknowledge_span(const config_t *cfg, int referral_kind)
{
	if (referral_kind == FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_EMERGENCY_HOME)
		return cfg->dl_acknowledge_emergency;
	return cfg->dl_acknowledge;
}

int
deadline_overdue_working_days(int64_t due_at, int64_t now)
{
	if (now < due_at)
		return 0;
	return calendar_working_days_between(calendar_local_midnight(calendar_due_day(due_at)), now);
}

bool
deadline_reminds(int64_t started_at, int64_t remind_at)
{
	return remind_at > started_at;
}

int64_t
deadline_reminder_at(int64_t started_at, int64_t remind_at, int64_t due_at, bool reminded,
    int64_t now)
{
	if (reminded || (deadline_reminds(started_at, remind_at) && now < due_at))
		return remind_at;
	return 0;
}

int64_t
deadline_next_stage(int fired, int64_t remind_at, int64_t due_at, int64_t escalate_at)
{
	if (!(fired & DEADLINE_FIRED_REMINDER))
		return remind_at;
	if (!(fired & DEADLINE_FIRED_OVERDUE))
		return due_at;
	if (!(fired & DEADLINE_FIRED_ESCALATION))
		return escalate_at;
	return 0;
}

/* ---- opening and closing ------------------------------------------------ */

typedef struct opening {
	const char *kind, *actor;
	span_t length;
} opening_t;

/* The id a deadline row keeps for the item it chases ("" for none). */
static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static int
open_one(store_t *store, const config_t *cfg, const deadline_event_t *e, const opening_t *o,
    err_t *err)
{
	static const char sql[] =
	    "INSERT INTO deadlines (owner, referral_id, proposal_id, kind, actor, started_at,"
	    " remind_at, due_at, escalate_at, state, fired, next_at, item_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open', ?10, ?11, ?12)";
	sqlite3_stmt *st = store_stmt(store, sql, err);
	int64_t due = deadline_due(e->now, o->length);
	int64_t remind = deadline_lead(due, cfg->dl_reminder_lead);
	int64_t escalate = deadline_escalate(due, cfg->dl_escalation);
	/* A lead longer than the deadline would remind at once: no reminder. */
	int fired = deadline_reminds(e->now, remind) ? 0 : DEADLINE_FIRED_REMINDER;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, e->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->referral_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, or_empty(e->proposal_id), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, o->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, o->actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, e->now);
	sqlite3_bind_int64(st, 7, remind);
	sqlite3_bind_int64(st, 8, due);
	sqlite3_bind_int64(st, 9, escalate);
	sqlite3_bind_int(st, 10, fired);
	sqlite3_bind_int64(st, 11, deadline_next_stage(fired, remind, due, escalate));
	sqlite3_bind_text(st, 12, or_empty(e->item_id), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

/* Closes the open deadlines of a referral (kind NULL: every kind; the
 * proposal's only when proposal_id is given, the question's or ad's only
 * when item_id is) as met or cancelled. */
static int
close_open(store_t *store, const deadline_event_t *e, const char *kind, const char *how,
    err_t *err)
{
	static const char sql[] =
	    "UPDATE deadlines SET state = ?5, closed_at = ?6, next_at = NULL"
	    " WHERE state = 'open' AND owner = ?1 AND referral_id = ?2"
	    " AND (?3 IS NULL OR proposal_id = ?3) AND (?4 IS NULL OR kind = ?4)"
	    " AND (?7 IS NULL OR item_id = ?7)";
	sqlite3_stmt *st = store_stmt(store, sql, err);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, e->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->referral_id, -1, SQLITE_STATIC);
	if (e->proposal_id != NULL)
		sqlite3_bind_text(st, 3, e->proposal_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	if (kind != NULL)
		sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, how, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, e->now);
	if (e->item_id != NULL)
		sqlite3_bind_text(st, 7, e->item_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(store, err);
	return 0;
}

static int
on_referral(store_t *store, const config_t *cfg, const deadline_event_t *e, err_t *err)
{
	opening_t o = { "acknowledge", "pool", deadline_acknowledge_span(cfg, e->referral_kind) };

	/* The pool answers in the transaction that receives the referral:
	 * only the municipality can wait for the answer. */
	if (cfg->role != ROLE_MUNICIPALITY)
		return 0;
	return open_one(store, cfg, e, &o, err);
}

/* The pool's answer to the family's consent or refusal has come; with
 * contact details passed on: first contact within 14 days, status within 21. */
static int
on_consent(store_t *store, const config_t *cfg, const deadline_event_t *e, err_t *err)
{
	opening_t contact = { "first_contact", e->owner, cfg->dl_first_contact };
	opening_t status = { "status_report", e->owner, cfg->dl_status_report };

	if (close_open(store, e, "family_consent", "met", err) != 0)
		return -1;
	if (e->ev == EV_CONSENT_REFUSED)
		return 0;
	if (open_one(store, cfg, e, &contact, err) != 0)
		return -1;
	return open_one(store, cfg, e, &status, err);
}

/* A question waits for the side it was put to; an ad for the municipality;
 * a proposal the municipality goes on with, for the pool to ask the family. */
static int
on_opening(store_t *store, const config_t *cfg, const deadline_event_t *e, err_t *err)
{
	opening_t o;

	switch (e->ev) {
	case EV_POOL_ASKS:
		o = (opening_t){ "info_reply", e->owner, cfg->dl_info_reply };
		break;
	case EV_MUNICIPALITY_ASKS:
		o = (opening_t){ "info_reply", "pool", cfg->dl_info_reply };
		break;
	case EV_AD_PROPOSAL:
		o = (opening_t){ "ad_decision", e->owner, cfg->dl_ad_decision };
		break;
	default:   /* EV_PROCEED */
		o = (opening_t){ "family_consent", "pool", cfg->dl_family_consent };
		break;
	}
	return open_one(store, cfg, e, &o, err);
}

/* A status report meets first contact (it says the family was contacted)
 * and this report, and opens the next one. */
static int
on_status(store_t *store, const config_t *cfg, const deadline_event_t *e, err_t *err)
{
	opening_t next = { "status_report", e->owner, cfg->dl_status_report };

	if (close_open(store, e, NULL, "met", err) != 0)
		return -1;
	return open_one(store, cfg, e, &next, err);
}

int
deadline_apply(store_t *store, const config_t *cfg, const deadline_event_t *e, err_t *err)
{
	switch (e->ev) {
	case EV_REFERRAL:
		return on_referral(store, cfg, e, err);
	case EV_ACK:
	case EV_REJECTED:
		/* Only a municipality keeps acknowledge deadlines (on_referral). */
		if (cfg->role != ROLE_MUNICIPALITY)
			return 0;
		return close_open(store, e, "acknowledge", "met", err);
	case EV_CONSENT_GIVEN:
	case EV_CONSENT_REFUSED:
		return on_consent(store, cfg, e, err);
	case EV_POOL_ASKS:
	case EV_MUNICIPALITY_ASKS:
	case EV_AD_PROPOSAL:
	case EV_PROCEED:
		return on_opening(store, cfg, e, err);
	case EV_POOL_ANSWERS:
	case EV_MUNICIPALITY_ANSWERS:
		return close_open(store, e, "info_reply", "met", err);
	case EV_AD_APPROVED:
	case EV_AD_REVISED:
	case EV_AD_DECLINED:
		return close_open(store, e, "ad_decision", "met", err);
	case EV_CONTACT_MADE:
		return close_open(store, e, "first_contact", "met", err);
	case EV_STATUS:
		return on_status(store, cfg, e, err);
	case EV_STATUS_PLACED:
	case EV_STATUS_NOT_GOING_AHEAD:
	case EV_FAMILY_RETURNED:
		return close_open(store, e, NULL, "met", err);
	case EV_CLOSED:
		return close_open(store, e, NULL, "cancelled", err);
	default:
		return 0;
	}
}
