/*
 * report_words — the words people read in the meeting report's text and
 * html, in Swedish (the default: the samverkansmöte speaks it) and in
 * English: section titles, column headings, the words in cells (referral
 * kinds, states, deadline kinds, statuses, who must act, yes/no, the
 * counts' measures) and the report's sentences. Every translation lives
 * here, in one table. csv and json never use it: their names are for
 * machines, English and stable, and they are the keys this module looks
 * words up by ("open_referrals", "referral_id", "foster_home").
 *
 * All strings returned are static (or the caller's buf).
 */
#ifndef FAMLINK_REPORT_WORDS_H
#define FAMLINK_REPORT_WORDS_H

#include <stddef.h>

#include "lang.h"

/* A section's title, by its csv name: "Öppna remisser", "Open referrals";
 * the name itself for one without a title. */
const char *report_title(report_lang_t lang, const char *section);

/* A column's heading, by its csv name: "Remiss"; in English the name made
 * readable in buf ("referral_id": "Referral id"). */
const char *report_heading(report_lang_t lang, const char *column, char *buf, size_t len);

/* What a person reads for value in column (csv names): in Swedish the word
 * for a kind, state, status, who must act, held or a measure
 * ("foster_home": "familjehem", "pool": "familjepoolen", any
 * "municipality:NNNN": "kommunen"). Ids, dates, numbers, English, and
 * values without a word come back as they are. */
const char *report_cell(report_lang_t lang, const char *column, const char *value);

/* The report's sentences; the printf arguments each takes are listed. */
typedef struct report_phrases {
	const char *text_intro;   /* municipality, from, to, node id, time made */
	const char *none;         /* in an empty table */
	const char *date_to;      /* between the two dates of the html title */
	const char *html_period;  /* from, to */
	const char *html_made;    /* time made; the node id follows */
	const char *html_scope;   /* after the node id */
} report_phrases_t;
const report_phrases_t *report_phrases(report_lang_t lang);

#endif
