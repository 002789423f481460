/*
 * lang — the languages famlink speaks to people (the meeting report now,
 * mails later): Swedish, the default, and English. Their names, as
 * famlinkctl --lang and the config's report_language take them.
 */
#ifndef FAMLINK_LANG_H
#define FAMLINK_LANG_H

typedef enum { REPORT_SV = 0, REPORT_EN = 1 } report_lang_t;

/* The names famlinkctl's --lang and the config's report_language take. */
#define REPORT_LANGS "sv, en"
/* The language of a name ("sv", "en"), or -1. */
int report_lang_from_name(const char *name);
/* "sv" or "en": also what html's lang attribute says. */
const char *report_lang_name(report_lang_t lang);

#endif
