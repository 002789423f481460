/*
 * ctl_render_json — the listings' JSON (ctl_render.h): one object per row,
 * camelCase keys in a fixed order, instants as ISO-8601 UTC with the
 * Swedish local dates beside them, ids that were never given as null.
 */
#include <string.h>

#include "ctl_render.h"
#include "ctl_report_fmt.h"
#include "deadline.h"

const char *
render_deadline_state(const deadline_view_t *d, int64_t now)
{
	if ((d->fired & DEADLINE_FIRED_ESCALATION) || d->escalated_at != 0)
		return "escalated";
	if ((d->fired & DEADLINE_FIRED_OVERDUE) || d->due_at <= now)
		return "overdue";
	return d->reminded_at != 0 ? "reminded" : "open";
}

/* Space-separated ids (ids hold no spaces) as a JSON array. */
static json_t *
id_list(const char *v)
{
	json_t *a = json_array();

	while (*v != '\0') {
		size_t n = strcspn(v, " ");
		json_array_append_new(a, json_stringn(v, n));
		v += n + (v[n] == ' ');
	}
	return a;
}

json_t *
render_json_referral(const referral_view_t *r, int64_t now)
{
	json_t *next = json_null();
	char d[11];

	if (r->deadline_id != 0)
		next = json_pack("{s:I, s:o, s:o, s:o, s:s}", "id", (json_int_t)r->deadline_id,
		    "kind", report_json_str(r->deadline_kind),
		    "proposalId", report_json_str(r->deadline_proposal),
		    "dueAt", report_json_time(r->due_at), "dueDate", report_due_date(r->due_at, d));
	return json_pack("{s:o, s:o, s:s, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:i, s:i}",
	    "owner", report_json_str(r->owner), "referralId", report_json_str(r->referral_id),
	    "kind", report_kind_name(r->kind), "state", report_json_str(r->state),
	    "createdAt", report_json_time(r->created_at), "ageMs", (json_int_t)(now - r->created_at),
	    "nextDeadline", next, "openQuestions", id_list(r->open_questions),
	    "adsWaiting", id_list(r->ads_waiting),
	    "heldForHandOverSince", report_json_time(r->held_since),
	    "sent", r->sent, "sentHandedOver", r->sent_handed_over);
}

json_t *
render_json_deadline(const deadline_view_t *v, int64_t now)
{
	int64_t remind = deadline_reminder_at(v->started_at, v->remind_at, v->due_at,
	    v->reminded_at != 0, now);
	char d[11];

	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:s, s:i,"
	    " s:{s:o, s:o, s:o}}",
	    "id", (json_int_t)v->id, "kind", report_json_str(v->kind),
	    "municipality", report_json_str(v->municipality),
	    "referralId", report_json_str(v->referral_id),
	    "proposalId", report_json_str(v->proposal_id), "itemId", report_json_str(v->item_id),
	    "actor", report_json_str(v->actor), "startedAt", report_json_time(v->started_at),
	    "remindAt", report_json_time(remind), "dueAt", report_json_time(v->due_at),
	    "dueDate", report_due_date(v->due_at, d),
	    "escalateAt", report_json_time(v->escalate_at),
	    "state", render_deadline_state(v, now),
	    "overdueWorkingDays", deadline_overdue_working_days(v->due_at, now),
	    "notified", "reminder", report_json_time(v->reminded_at),
	    "overdue", report_json_time(v->overdue_at),
	    "escalation", report_json_time(v->escalated_at));
}

json_t *
render_json_queue_entry(const queue_report_t *q, int64_t now)
{
	/* int64/uint64 are strings in protobuf's JSON mapping; so here too. */
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:i, s:s}",
	    "messageId", q->message_id, "peer", q->peer, "body", q->body_type,
	    "referralId", q->referral_id, "state", q->state,
	    "sequence", json_sprintf("%llu", (unsigned long long)q->sequence),
	    "ageMs", (json_int_t)(now - q->created_at), "code", q->code, "reason", q->reason);
}

json_t *
render_json_family(const family_view_t *f, bool held)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "familyReference", report_json_str(f->family_ref),
	    "municipality", report_json_str(f->municipality),
	    "referralId", report_json_str(f->referral_id),
	    "proposalId", report_json_str(f->proposal_id), "state", report_json_str(f->state),
	    "held", held, "passedOnAt", report_json_time(f->passed_on_at),
	    "passedOnDate", report_json_date(f->passed_on_at),
	    "lastStatus", f->last_status ? json_string(report_status_name(f->last_status))
	    : json_null(), "lastStatusAt", report_json_time(f->last_status_at),
	    "lastStatusDate", report_json_date(f->last_status_at),
	    "ended", f->ended_at ? report_json_str(f->state) : json_null(),
	    "endedAt", report_json_time(f->ended_at), "endedDate", report_json_date(f->ended_at));
}

static json_t *
id_or_null(int64_t id)
{
	return id == 0 ? json_null() : json_integer((json_int_t)id);
}

json_t *
render_json_notification(const notification_view_t *n)
{
	char d[11];

	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
	    " s:o, s:I, s:o}",
	    "id", (json_int_t)n->id, "queuedAt", report_json_time(n->queued_at),
	    "event", report_json_str(n->event), "deadlineId", id_or_null(n->deadline_id),
	    "kind", report_json_str(n->kind), "municipality", report_json_str(n->municipality),
	    "referralId", report_json_str(n->referral_id),
	    "proposalId", report_json_str(n->proposal_id), "actor", report_json_str(n->actor),
	    "recipient", report_json_str(n->recipient), "dueAt", report_json_time(n->due_at),
	    "dueDate", n->due_at ? json_string(report_due_date(n->due_at, d)) : json_null(),
	    "messageId", report_json_str(n->message_id), "adapter", report_json_str(n->adapter),
	    "state", report_json_str(n->state), "attempts", (json_int_t)n->attempts,
	    "sentAt", report_json_time(n->sent_at));
}
