/*
 * store_meeting — the rows of the samverkansmöte report of one
 * municipality, read from a node's store: its open referrals, the
 * families passed on to it, its overdue deadlines, what waits for an
 * answer, and the period's counts. What the routine and the calendar make
 * of the rows (a family still held, working days) is the report's
 * (ctl_meeting.c); the renderers are ctl_meeting_render.h's. Ids, state
 * names, kinds, codes, times and counts only. Read-only.
 */
#ifndef FAMLINK_STORE_MEETING_H
#define FAMLINK_STORE_MEETING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define MEETING_REASONS 5         /* RejectionReason 0..4; 0 also counts unknown codes */

typedef struct meeting_referral {
	char referral_id[65];
	int kind;                     /* ReferralKind */
	char state[24];
	int64_t created_at;           /* Unix ms */
	int64_t submitted_at;         /* 0 = none */
} meeting_referral_t;

typedef struct meeting_family {
	char family_ref[65], referral_id[65], proposal_id[65], state[24];
	int64_t passed_on_at;
	int last_status;              /* PlacementStatus; 0 = none reported */
	int64_t last_status_at;       /* 0 = none */
	int64_t ended_at;             /* 0 = not ended */
	bool held;                    /* its contact details are still with the municipality */
} meeting_family_t;

typedef struct meeting_overdue {
	int64_t id;
	char kind[24], referral_id[65], proposal_id[65], actor[65];
	int64_t due_at;
	int working_days;             /* deadline_overdue_working_days(due_at, now) */
} meeting_overdue_t;

/* Something waiting for an answer (seed 000 steps 5 and 11): a family
 * proposal for the secretary's decision, a question for its answer, an ad
 * for the municipality's approval. */
typedef struct meeting_waiting {
	char referral_id[65];
	char item_id[65];             /* the proposal, question or ad id */
	char family_ref[65];          /* a proposal's family (the pool's register number) */
	char state[24];               /* proposed; asked_by_pool, asked_by_municipality */
	char waiting_for[65];         /* who must answer: "pool" or the municipality's id */
	int64_t opened_at;            /* since when it waits (Unix ms) */
	int working_days;             /* calendar_working_days_between(opened_at, generated_at) */
} meeting_waiting_t;

typedef struct meeting_waiting_list {
	meeting_waiting_t *rows;      /* oldest first */
	size_t n;
} meeting_waiting_list_t;

typedef struct meeting_counts {
	long received;                /* referrals received (each sending, also again) */
	long acknowledged;            /* ReferralAcks (a ReferralRejected is none) */
	long acknowledged_in_time;    /* of those, by the acknowledge deadline from the
	                               * sending they answer (ctl_meeting.c count_acks) */
	long rejected[MEETING_REASONS];
	long proposals;               /* family proposals made */
	long placed, returned;        /* proposals that ended so */
} meeting_counts_t;

/* Each fills *rows (of *n; the caller frees *rows, also after a failure)
 * in the report's order: 0, or -1 with err. */

/* Open referrals (not closed or rejected), oldest first. */
int store_meeting_referrals(store_t *store, const char *owner, meeting_referral_t **rows,
    size_t *n, err_t *err);
/* Families passed on: held now (not ended), or passed on or ended in
 * [from_ms, to_ms). held is left false. */
int store_meeting_families(store_t *store, const char *owner, int64_t from_ms, int64_t to_ms,
    meeting_family_t **rows, size_t *n, err_t *err);
/* Open deadlines due by now. working_days is left 0. */
int store_meeting_overdue(store_t *store, const char *owner, int64_t now,
    meeting_overdue_t **rows, size_t *n, err_t *err);

/* What waits for an answer in open referrals. working_days is left 0. */
typedef enum meeting_wait {
	MEETING_WAIT_PROPOSALS,   /* family proposals for the secretary's decision */
	MEETING_WAIT_QUESTIONS,   /* questions not answered (by either side) */
	MEETING_WAIT_ADS,         /* ads the municipality has not decided */
} meeting_wait_t;
int store_meeting_waiting(store_t *store, const char *owner, meeting_wait_t what,
    meeting_waiting_list_t *list, err_t *err);

/* The period's counts but the acknowledgements (added to c). */
int store_meeting_counts(store_t *store, const char *owner, int64_t from_ms, int64_t to_ms,
    meeting_counts_t *c, err_t *err);

/* Every sending of each of owner's referrals and every acknowledgement,
 * by referral in the order applied, each at the instant its message was
 * made, with the referral's kind: fn once per row (referral_id borrowed). */
typedef void meeting_sending_fn(void *ctx, const char *referral_id, bool ack, int64_t at,
    int kind);
int store_meeting_sendings(store_t *store, const char *owner, meeting_sending_fn *fn,
    void *ctx, err_t *err);

#endif
