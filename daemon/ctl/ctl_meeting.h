/*
 * ctl_meeting — the samverkansmöte report for one municipality: its open
 * referrals, what waits for an answer (proposals, questions, ads), the
 * families passed on to it, its overdue deadlines and the period's counts.
 * meeting_collect() reads the store into a struct and one renderer per
 * format writes it (text, csv, json, html), so that famlinkctl and an
 * HTTP endpoint serve the same document.
 *
 * Ids, state names, kinds, codes, times and counts only: never names,
 * contact details, free text or compensation (none of it is in the tables
 * read here, and nothing here adds it).
 *
 * Times: instants are Unix ms, printed as ISO-8601 UTC
 * ("2026-11-30T10:15:00Z"); the dates a person reads are Swedish local
 * dates ("2026-11-30", calendar.h). A deadline is due at an instant; its
 * "due date" is the last local day to act (the day the instant ends).
 *
 * The report's types and renderers are in ctl_meeting_render.h; the small
 * helpers the listings share (names, times, JSON values) in
 * ctl_report_fmt.h; the rows are read by store_meeting.h.
 */
#ifndef FAMLINK_CTL_MEETING_H
#define FAMLINK_CTL_MEETING_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "calendar.h"
#include "config.h"
#include "ctl_meeting_render.h"
#include "err.h"
#include "store.h"

/* Reads the report of municipality for [from, to] (local dates) at now
 * from store (read-only; schema 6 or later), as node cfg (its id, and its
 * [deadlines] for "acknowledged in time"). 0, or -1 with err set; free
 * with meeting_free() either way. */
int meeting_collect(store_t *store, const config_t *cfg, const char *municipality,
    cal_date_t from, cal_date_t to, int64_t now, meeting_report_t *r, err_t *err);
void meeting_free(meeting_report_t *r);

#endif
