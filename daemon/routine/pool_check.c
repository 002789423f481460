/* pool_check — see pool_check.h. */
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "pool_check.h"

#define REASON(x) FAMLINK__V1__REJECTION_REASON__REJECTION_REASON_##x
#define KIND(x) FAMLINK__V1__REFERRAL_KIND__REFERRAL_KIND_##x

static const char *
kind_words(Famlink__V1__ReferralKind kind)
{
	switch (kind) {
	case KIND(FOSTER_HOME):    return "familjehem (foster home)";
	case KIND(CONTACT_FAMILY): return "kontaktfamilj (contact family)";
	case KIND(CONTACT_PERSON): return "kontaktperson (contact person)";
	case KIND(EMERGENCY_HOME): return "jourhem (emergency home)";
	default:                   return "okänt slag (unknown kind)";
	}
}

/* The Swedish year: on New Year's Eve after 23:00 UTC it is already the
 * next one in Stockholm. */
static int
year_of(int64_t ms)
{
	return calendar_local_date(ms).year;
}

static bool
is_member(const config_t *cfg, const char *node_id)
{
	const peer_conf_t *p = config_find_peer(cfg, node_id);

	return p != NULL && p->member;
}

static Famlink__V1__RejectionReason
check_remit(const config_t *cfg, const Famlink__V1__Referral *r, int64_t now, char *why,
    size_t len)
{
	int age;

	if ((cfg->remit_kinds & (1u << r->kind)) == 0) {
		snprintf(why, len, "Familjepoolen tar inte emot remisser om %s. (The pool does not"
		    " take on referrals of this kind.)", kind_words(r->kind));
		return REASON(OUT_OF_REMIT);
	}
	if (cfg->remit_age_max == 0 || r->child == NULL)
		return 0;
	age = year_of(now) - (int)r->child->birth_year;
	if (age >= (int)cfg->remit_age_min && age <= (int)cfg->remit_age_max)
		return 0;
	snprintf(why, len, "Barnet, fött %u, fyller %d i år; Familjepoolen tar emot barn som"
	    " fyller %u till %u år. (The child's age is outside the pool's remit.)",
	    r->child->birth_year, age, cfg->remit_age_min, cfg->remit_age_max);
	return REASON(OUT_OF_REMIT);
}

/* Seed 000's fourth risk: a child referred before the decision to place is
 * clear. A decision counts when it is taken and dated no later than the
 * pool's own date today: one dated ahead is a plan, not a decision. */
static Famlink__V1__RejectionReason
check_decision(const Famlink__V1__Decision *d, int64_t now, char *why, size_t len)
{
	char today[11];

	if (d == NULL || !d->taken) {
		snprintf(why, len, "Beslut om placering är inte fattat. Skicka remissen igen när"
		    " beslutet är taget. (The decision to place is not taken: send the referral again"
		    " with decision.taken once it is.)");
		return REASON(NO_DECISION);
	}
	if (d->decided_on == NULL || d->decided_on[0] == '\0') {
		snprintf(why, len, "Beslutet saknar datum (decision.decidedOn). Skicka remissen igen"
		    " med beslutsdatum. (The decision has no date: send the referral again with"
		    " decision.decidedOn.)");
		return REASON(NO_DECISION);
	}
	calendar_format_date(calendar_local_date(now), today);
	if (strcmp(d->decided_on, today) > 0) {
		snprintf(why, len, "Beslutet är daterat %s, efter dagens datum %s: ett beslut kan inte"
		    " vara fattat i framtiden. Skicka remissen igen när beslutet är fattat. (The"
		    " decision is dated %s, after today, %s.)", d->decided_on, today, d->decided_on,
		    today);
		return REASON(NO_DECISION);
	}
	return 0;
}

Famlink__V1__RejectionReason
pool_check_referral(const config_t *cfg, const Famlink__V1__Envelope *env, int64_t now,
    char *why, size_t len)
{
	const Famlink__V1__Referral *r = env->referral;
	Famlink__V1__RejectionReason reason;

	if (!is_member(cfg, env->sender)) {
		snprintf(why, len, "Kommunen ingår inte längre i Familjepoolens samverkan; remissen"
		    " tas inte emot. (The municipality is no longer a member of the pool.)");
		return REASON(NOT_MEMBER);
	}
	if ((reason = check_remit(cfg, r, now, why, len)) != 0)
		return reason;
	return check_decision(r->decision, now, why, len);
}

Famlink__V1__Contact *
pool_contact_for(const config_t *cfg, const char *municipality, Famlink__V1__Contact *c)
{
	const peer_conf_t *p = config_find_peer(cfg, municipality);

	if (p == NULL || p->contact_name[0] == '\0')
		return NULL;
	c->name = (char *)p->contact_name;
	c->phone = (char *)p->contact_phone;
	c->email = (char *)p->contact_email;
	return c;
}
