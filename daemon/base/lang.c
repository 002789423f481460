/* lang — see lang.h. */
#include <string.h>

#include "lang.h"

int
report_lang_from_name(const char *name)
{
	if (strcmp(name, "sv") == 0)
		return REPORT_SV;
	if (strcmp(name, "en") == 0)
		return REPORT_EN;
	return -1;
}

const char *
report_lang_name(report_lang_t lang)
{
	return lang == REPORT_EN ? "en" : "sv";
}
