/*
 * config_int — what config.c (reading lines and keys), config_value.c
 * (converting values), config_check.c (whole-file validation) and
 * config_seen.c (the problems and the sections seen) share while one file
 * loads. Not for other modules: they see config.h only.
 */
#ifndef FAMLINK_CONFIG_INT_H
#define FAMLINK_CONFIG_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"

typedef enum {
	SECT_NONE, SECT_NODE, SECT_LISTEN, SECT_PEER, SECT_HUB, SECT_DELIVERY,
	SECT_POOL, SECT_DEADLINES, SECT_RETENTION, SECT_ALERTS, SECT_ADAPTER, SECT_MONITOR,
} sect_kind_t;

/* How a value is checked and stored (config_value.c). */
typedef enum {
	V_NODE_ID, V_POOL_ID, V_ROLE, V_DIR, V_RUNTIME_DIR, V_SECRET_FILE, V_LOG_LEVEL, V_ENDPOINT,
	V_Z85, V_PUBLIC_FILE, V_DURATION, V_COUNT, V_SIZE, V_TEXT, V_PHONE, V_EMAIL,
	V_YES_NO,       /* bool: yes or no */
	V_REMIT,        /* unsigned: "foster_home, ..." as bits 1u << ReferralKind */
	V_AGE_RANGE,    /* "MIN-MAX" years (max = k->max) into remit_age_min (the
	                 * keydef's field) and remit_age_max */
	V_SPAN,         /* span_t: h, d or wd; k->min..k->max days or working
	                 * days, k->min..24 * k->max hours */
	V_SPAN_DAYS,    /* span_t in d only, k->min..k->max */
	V_REPORT_LANG,  /* int: a report_lang_t by its name, sv or en */
	V_LISTEN,       /* char[]: HOST:PORT or unix:/PATH (monitor_listen.h) */
	V_TOKEN_FILE,   /* char[] path; its content into cfg->monitor_token (config_monitor.c) */
} vtype_t;

/* One key of one section kind, stored at off in config_t (or in peer_conf_t
 * for SECT_PEER); size is the field's size; min and max bound numbers.
 * Every key is re-read on SIGHUP; the few that change only on restart are
 * listed in node.c (keep_restart_only), not here. */
typedef struct keydef {
	sect_kind_t sect;
	const char *name;
	vtype_t type;
	size_t off, size;
	unsigned long long min, max;
} keydef_t;

#define SECT_MAX_KEYS 16   /* more than any section has keys */

typedef struct seen_key {
	const char *name;      /* a keydef's name (static) */
	int line;
} seen_key_t;

/* One section of the file as it appeared; every name at most once. */
typedef struct sect {
	sect_kind_t kind;
	char name[80];
	int line;
	size_t peer;           /* SECT_PEER: index into cfg->peers */
	size_t adapter;        /* SECT_ADAPTER: index into cfg->adapters */
	seen_key_t keys[SECT_MAX_KEYS];
	size_t nkeys;
} sect_t;

typedef struct problem {
	int line;
	size_t seq;            /* order of discovery, to keep the sort stable */
	char *msg;
} problem_t;

#define CUR_NONE (-1L)     /* before the first section header */
#define CUR_SKIP (-2L)     /* after a bad section header: ignore its keys */

typedef struct load {
	const char *path;      /* as the caller gave it: the FILE of FILE:LINE */
	char dir[PATH_MAX];    /* absolute directory of path */
	FILE *fp;
	char *buf;             /* getline() */
	size_t bufsize;
	int lineno;            /* line the reader handed to inih last */
	int read_errno;
	config_t *cfg;
	sect_t *sects;
	size_t nsects;
	long cur;              /* index into sects, or CUR_NONE / CUR_SKIP */
	problem_t *probs;
	size_t nprobs;
	bool oom;
} load_t;

/* config_seen.c: the problems and the sections seen; calls none of the
 * other three, which all use it. */
void cfg_problem(load_t *L, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sorts L's problems by line and formats "FILE:LINE: message" into out. */
void cfg_hand_over_problems(load_t *L, problems_t *out);
const sect_t *cfg_find_sect(const load_t *L, sect_kind_t kind);   /* the first */
int cfg_seen_line(const sect_t *s, const char *key);   /* 0: not in s (or s NULL) */

/* config_value.c: checks value and stores it in field (at k->off). */
void cfg_set_value(load_t *L, const keydef_t *k, void *field, const char *value);
/* value as a path, absolute or from the file's directory, into out: 0, or
 * -1 with the problem reported at the current line. */
int cfg_resolve_path(load_t *L, const char *key, const char *value, char *out, size_t size);

/* config_backend.c: [adapter NAME] sections, their keys kept as read and
 * checked against their type once the file is in (cfg_adapters_check). */
int cfg_adapter_section(load_t *L, const char *name, size_t *index);
void cfg_adapter_key(load_t *L, size_t index, const char *key, const char *value);
void cfg_adapters_check(load_t *L);

/* config_check.c: problems that only the whole file shows. */
void cfg_validate(load_t *L);
/* config_monitor.c: [monitor]'s two values, and what they need together
 * (a token when bound beyond this host). */
void cfg_set_monitor_value(load_t *L, const keydef_t *k, char *field, const char *value);
void cfg_check_monitor(load_t *L);

#endif
