/*
 * report_words — see report_words.h. One table of words, looked up by the
 * stable (csv) name of what they stand for. The Swedish is the pool's own:
 * remiss, bekräftad, avvisad, förmedlad, återlämnad, samverkansmöte,
 * arbetsdagar, and the kinds familjehem, kontaktfamilj, kontaktperson,
 * jourhem. In English a cell shows the stable name itself, as csv and json
 * do.
 */
#include <stdio.h>
#include <string.h>

#include "report_words.h"

typedef enum {
	W_TITLE,     /* a section, by its csv name */
	W_HEAD,      /* a column, by its csv name */
	W_VALUE,     /* kinds (of referrals and deadlines), states, statuses */
	W_HELD,      /* a family passed on: held or ended */
	W_WHO,       /* who must act or answer: pool, or the municipality */
	W_MEASURE,   /* the counts */
} word_group_t;

typedef struct word {
	word_group_t group;
	const char *key;
	const char *sv;
	const char *en;     /* NULL: the key (W_HEAD: made readable) */
} word_t;

static const word_t words[] = {
	{W_TITLE, "open_referrals", "Öppna remisser", "Open referrals"},
	{W_TITLE, "proposals_waiting", "Familjeförslag som väntar på kommunens svar",
	    "Proposals waiting for the secretary's answer"},
	{W_TITLE, "questions_waiting", "Obesvarade frågor", "Open questions"},
	{W_TITLE, "ads_waiting", "Annonser som väntar på godkännande", "Ads waiting for approval"},
	{W_TITLE, "families_passed_on", "Förmedlade familjer", "Families passed on"},
	{W_TITLE, "overdue_deadlines", "Överskridna tidsfrister", "Overdue deadlines"},
	{W_TITLE, "counts", "Antal under perioden", "Counts for the period"},

	{W_HEAD, "referral_id", "Remiss", NULL},
	{W_HEAD, "kind", "Typ", NULL},
	{W_HEAD, "state", "Status", NULL},
	{W_HEAD, "age_days", "Ålder (dagar)", NULL},
	{W_HEAD, "submitted_date", "Skickad", NULL},
	{W_HEAD, "proposal_id", "Förslag", NULL},
	{W_HEAD, "question_id", "Fråga", NULL},
	{W_HEAD, "ad_id", "Annons", NULL},
	{W_HEAD, "family_reference", "Familjereferens", NULL},
	{W_HEAD, "opened_date", "Sedan", NULL},
	{W_HEAD, "age_working_days", "Väntat (arbetsdagar)", NULL},
	{W_HEAD, "waiting_for", "Väntar på", NULL},
	{W_HEAD, "passed_on_date", "Förmedlad", NULL},
	{W_HEAD, "last_status", "Senaste lägesrapport", NULL},
	{W_HEAD, "last_status_date", "Rapporterad", NULL},
	{W_HEAD, "held", "Hos kommunen", NULL},
	{W_HEAD, "ended_date", "Avslutad", NULL},
	{W_HEAD, "deadline_id", "Nr", NULL},
	{W_HEAD, "actor", "Ska agera", NULL},
	{W_HEAD, "due_date", "Sista dag", NULL},
	{W_HEAD, "working_days_overdue", "Försenad (arbetsdagar)", NULL},
	{W_HEAD, "measure", "Uppgift", NULL},
	{W_HEAD, "value", "Antal", NULL},

	/* ReferralKind */
	{W_VALUE, "foster_home", "familjehem", NULL},
	{W_VALUE, "contact_family", "kontaktfamilj", NULL},
	{W_VALUE, "contact_person", "kontaktperson", NULL},
	{W_VALUE, "emergency_home", "jourhem", NULL},
	{W_VALUE, "unspecified", "ej angiven", NULL},
	{W_VALUE, "unknown", "okänd", NULL},
	/* a referral's states */
	{W_VALUE, "submitted", "skickad", NULL},
	{W_VALUE, "acknowledged", "bekräftad", NULL},
	{W_VALUE, "rejected", "avvisad", NULL},
	{W_VALUE, "matching", "matchning pågår", NULL},
	{W_VALUE, "closed", "avslutad", NULL},
	/* a family proposal's (and an ad's: proposed, declined) */
	{W_VALUE, "proposed", "föreslagen", NULL},
	{W_VALUE, "declined", "avböjd", NULL},
	{W_VALUE, "accepted", "accepterad", NULL},
	{W_VALUE, "family_declined", "avböjd av familjen", NULL},
	{W_VALUE, "contact_details_sent", "förmedlad", NULL},
	{W_VALUE, "contacted", "kontakt tagen", NULL},
	{W_VALUE, "status_reported", "lägesrapport lämnad", NULL},
	{W_VALUE, "placed", "placerad", NULL},
	{W_VALUE, "returned", "återlämnad", NULL},
	{W_VALUE, "withdrawn", "återkallad", NULL},
	/* a question's and an ad's */
	{W_VALUE, "asked_by_pool", "ställd av familjepoolen", NULL},
	{W_VALUE, "asked_by_municipality", "ställd av kommunen", NULL},
	{W_VALUE, "answered", "besvarad", NULL},
	{W_VALUE, "approved", "godkänd", NULL},
	{W_VALUE, "revised", "omarbetad", NULL},
	/* a deadline's kind */
	{W_VALUE, "acknowledge", "bekräftelse", NULL},
	{W_VALUE, "first_contact", "första kontakt", NULL},
	{W_VALUE, "status_report", "lägesrapport", NULL},
	{W_VALUE, "family_consent", "familjens samtycke", NULL},
	{W_VALUE, "info_reply", "svar på fråga", NULL},
	{W_VALUE, "ad_decision", "beslut om annons", NULL},
	/* PlacementStatus (contacted: above) */
	{W_VALUE, "investigating", "utredning pågår", NULL},
	{W_VALUE, "meeting_planned", "möte planerat", NULL},
	{W_VALUE, "placement_decided", "placering beslutad", NULL},
	{W_VALUE, "not_going_ahead", "blir inte av", NULL},

	{W_HELD, "held", "ja", NULL},
	{W_HELD, "ended", "nej", NULL},

	{W_WHO, "pool", "familjepoolen", NULL},
	{W_WHO, "municipality", "kommunen", NULL},

	{W_MEASURE, "referrals_received", "mottagna remisser", NULL},
	{W_MEASURE, "acknowledged", "bekräftade remisser", NULL},
	{W_MEASURE, "acknowledged_in_time", "bekräftade inom tidsfristen", NULL},
	{W_MEASURE, "rejected_not_member", "avvisade: inte medlem", NULL},
	{W_MEASURE, "rejected_out_of_remit", "avvisade: utanför poolens uppdrag", NULL},
	{W_MEASURE, "rejected_no_decision", "avvisade: beslut saknas", NULL},
	{W_MEASURE, "rejected_invalid", "avvisade: felaktig remiss", NULL},
	{W_MEASURE, "rejected_unspecified", "avvisade: ingen orsak angiven", NULL},
	{W_MEASURE, "proposals_made", "familjeförslag", NULL},
	{W_MEASURE, "families_placed", "placerade familjer", NULL},
	{W_MEASURE, "families_returned", "återlämnade familjer", NULL},
};

/* Which columns hold words (every other one holds ids, dates or numbers,
 * shown as they are even when one looks like a word). */
static const struct { const char *column; word_group_t group; } columns[] = {
	{"kind", W_VALUE}, {"state", W_VALUE}, {"last_status", W_VALUE}, {"held", W_HELD},
	{"actor", W_WHO}, {"waiting_for", W_WHO}, {"measure", W_MEASURE},
};

static const report_phrases_t phrases[] = {
	[REPORT_SV] = {
		"Samverkansmöte: rapport för %s, %s till %s (svenska datum)\n"
		"gjord av %s %s: remisser, det som väntar på svar, familjer och\n"
		"tidsfrister som de stod då, antal för perioden\n",
		"inga", "till",
		"<p>Period %s till %s (svenska datum, båda medräknade).</p>\n",
		"<p>Gjord %s av ",
		". Öppna remisser, det som väntar på svar, familjer och överskridna tidsfrister"
		" som de stod då; antal för perioden.</p>\n",
	},
	[REPORT_EN] = {
		"Samverkansmöte report for %s, %s to %s (Swedish local dates)\n"
		"made by %s at %s: referrals, families and deadlines as they stood then,\n"
		"counts for the period\n",
		"none", "to",
		"<p>Period %s to %s (Swedish local dates, both included).</p>\n",
		"<p>Generated %s by ",
		". Open referrals, families and overdue deadlines as of then;"
		" counts for the period.</p>\n",
	},
};

static const word_t *
find(word_group_t group, const char *key)
{
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].group == group && strcmp(words[i].key, key) == 0)
			return &words[i];
	return NULL;
}

/* The word for key in group in lang, or NULL where there is none. */
static const char *
word(report_lang_t lang, word_group_t group, const char *key)
{
	const word_t *w = find(group, key);

	if (w == NULL)
		return NULL;
	return lang == REPORT_EN ? w->en : w->sv;
}

const char *
report_title(report_lang_t lang, const char *section)
{
	const char *w = word(lang, W_TITLE, section);

	return w != NULL ? w : section;
}

const char *
report_heading(report_lang_t lang, const char *column, char *buf, size_t len)
{
	const char *w = word(lang, W_HEAD, column);
	size_t i;

	if (w != NULL || len == 0)
		return w != NULL ? w : "";
	for (i = 0; column[i] != '\0' && i + 1 < len; i++)
		buf[i] = column[i] == '_' ? ' ' : column[i];
	buf[i] = '\0';
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return buf;
}

const char *
report_cell(report_lang_t lang, const char *column, const char *value)
{
	const char *w;

	if (lang == REPORT_EN)
		return value;
	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++) {
		if (strcmp(columns[i].column, column) != 0)
			continue;
		if (columns[i].group == W_WHO && strncmp(value, "municipality:", 13) == 0)
			value = "municipality";
		w = word(lang, columns[i].group, value);
		return w != NULL ? w : value;
	}
	return value;
}

const report_phrases_t *
report_phrases(report_lang_t lang)
{
	return &phrases[lang == REPORT_EN ? REPORT_EN : REPORT_SV];
}
