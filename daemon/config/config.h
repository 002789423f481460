/*
 * config — the daemon's configuration: one INI file (config/hub.conf.example
 * and config/municipality.conf.example document every key), parsed into a
 * plain struct, validated as a whole, with this node's key pair loaded from
 * its key file. famlinkd loads it at start and on SIGHUP (swapping only a
 * valid one in), `famlinkd --check-config` prints the problems, the
 * transport and ZAP handler read the allowlist.
 *
 * Every problem is reported as "FILE:LINE: message" (LINE is 0 when nothing
 * in the file can be pointed at, e.g. a missing [node] section); all of them
 * are collected, and any one rejects the whole file. Nothing here logs.
 *
 * File syntax (libinih): "[section]", "key = value", whole-line comments
 * starting with ';' or '#', and inline comments starting with ';' after a
 * space ("window = 10 ; ten"); '#' after a value is part of the value.
 * Leading whitespace is ignored (so there are no continuation lines), key and
 * section names are case-sensitive, a line holds at most 197 characters.
 */
#ifndef FAMLINK_CONFIG_H
#define FAMLINK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { ROLE_HUB = 1, ROLE_MUNICIPALITY = 2 } node_role_t;

/* A deadline's length: hours of clock time, calendar days (a last day that
 * is not a working day moves to the next working day) or working days. */
typedef enum { SPAN_HOURS = 1, SPAN_DAYS = 2, SPAN_WORKING_DAYS = 3 } span_unit_t;
typedef struct span {
	unsigned amount;
	span_unit_t unit;
} span_t;

typedef struct peer_conf {
	char node_id[65];            /* "municipality:0180" */
	char public_key[41];         /* Z85 */
	/* The pool's contact person for this municipality, sent in ReferralAck;
	 * optional (empty strings). */
	char contact_name[201], contact_phone[41], contact_email[255];
	/* [yes] A municipality that has left the pool stays listed (its open
	 * referrals go on) with member = no: a new referral gets NOT_MEMBER. */
	bool member;
	int line;                    /* where its [peer ...] section starts */
} peer_conf_t;

/*
 * Backends (the adapters to local systems) bring their own keys, as
 * OpenSMTPD's table backends do: a section [adapter NAME] has the key
 * `type` and then the keys its type declares, each checked with FILE:LINE
 * like every other key. The types come from above (adapters/), handed to
 * config_set_backends() before config_load(); several sections may use one
 * type.
 */
typedef enum {
	BACKEND_TEXT = 1,    /* one line of text */
	BACKEND_PATH,        /* an absolute path, or one relative to the config file's folder */
	BACKEND_URL,         /* http:// or https:// */
	BACKEND_DURATION,    /* "500ms", "5s", "2m", "1h" */
	BACKEND_COUNT,       /* a whole number from 1 */
	BACKEND_YES_NO,      /* yes or no */
	BACKEND_EMAIL,       /* one email address, name@example.se */
	BACKEND_SMTP_URL,    /* smtp:// or smtps:// */
} backend_value_t;

typedef struct backend_key {
	const char *name;
	backend_value_t type;
	bool required;
} backend_key_t;

struct adapter_conf;
struct config;

/* Where a type's own check reports its problems (backend_problem()). */
typedef struct backend_problems backend_problems_t;

/* What a type checks beyond each key's own form, once the whole file is
 * in: keys that go together, what the node's role needs of it, files its
 * values name. Each problem through backend_problem(), at the line it
 * concerns (adapter_conf_line()). Runs in famlinkd --check-config, at
 * start, on reload and in famlinkctl alike. */
typedef void backend_check_fn(const struct adapter_conf *a, const struct config *cfg,
    backend_problems_t *p);

typedef struct backend_type {
	const char *name;                /* the value of `type` */
	const backend_key_t *keys;       /* ended by {NULL} */
	backend_check_fn *check;         /* NULL: the keys' own checks are all */
} backend_type_t;

/* Reports a problem of the section being checked, as FILE:LINE: message. */
void backend_problem(backend_problems_t *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define ADAPTER_VALUES_MAX 24

/* One [adapter NAME] section as loaded: its type and its keys' values (as
 * written, checked; paths made absolute). */
typedef struct adapter_conf {
	char name[65];
	const backend_type_t *type;      /* NULL until a known `type` is read */
	int line;                        /* of its [adapter NAME] */
	int type_line;                   /* of its `type`, 0 if none */
	size_t nvalues;
	struct adapter_value {
		char key[64];
		char value[4096];
		int line;
	} values[ADAPTER_VALUES_MAX];
} adapter_conf_t;

typedef struct config {
	char path[4096];                     /* as given to config_load() */
	node_role_t role;
	char node_id[65];
	char state_dir[4096];                /* absolute; an existing directory */
	int state_dir_line;                  /* its line in path, for --check-config */
	/* [state_dir] where famlinkd keeps what status shows while the store's
	 * disk is read-only or full (link_view.h, store_health.h) and the wake
	 * socket: a tmpfs such as systemd's RuntimeDirectory=, /run/famlink.
	 * Absolute; need not exist before famlinkd makes it. */
	char runtime_dir[4096];
	char key_file[4096];                 /* absolute; this node's .key file */
	char public_key[41], secret_key[41]; /* loaded from key_file (secret wiped by config_free) */
	int log_level;                       /* LOG_* from syslog.h, default LOG_INFO */
	/* [sv] the language of the meeting report's text and html, a
	 * report_lang_t (lang.h); famlinkctl report --lang overrides */
	int report_language;
	/* [0 = the larger of 32 MiB and a quarter of the store] below this much
	 * free space on the state directory's filesystem the node takes no new
	 * work (store_disk.h) */
	size_t disk_free_limit;
	/* hub */
	char bind[256];                      /* e.g. tcp://127.0.0.1:7400 */
	peer_conf_t *peers;                  /* the allowlist, in file order */
	size_t npeers;
	/* [pool] (hub): the pool's remit, checked before a referral is acked */
	unsigned remit_kinds;                /* [all] bit (1u << REFERRAL_KIND_*) per kind */
	unsigned remit_age_min, remit_age_max; /* [none] age by birth year; both 0 = any age */
	/* [deadlines] (both roles; defaults in brackets) */
	span_t dl_acknowledge;               /* [1 working day] the pool acks a referral */
	span_t dl_acknowledge_emergency;     /* [2 hours] the same for emergency homes */
	span_t dl_first_contact;             /* [14 days] first contact after contact details */
	span_t dl_status_report;             /* [21 days] each status report, repeating */
	span_t dl_family_consent;            /* [5 working days] the pool's FamilyConsent after PROCEED */
	span_t dl_info_reply;                /* [5 working days] an InfoReply to an InfoRequest */
	span_t dl_ad_decision;               /* [3 working days] the AdDecision on an AdProposal */
	span_t dl_reminder_lead;             /* [2 working days] reminder before due */
	span_t dl_escalation;                /* [3 working days] escalation after due */
	/* [retention] */
	span_t purge_after;                  /* [90 days] personal data of closed referrals */
	/* [alerts]: how long before an alert is raised (node_alert.c) */
	unsigned alert_peer_silent_ms;       /* [1h] a configured peer not connected */
	unsigned alert_undelivered_ms;       /* [4h] a message to a peer not acknowledged */
	/* municipality */
	char hub_id[65], hub_endpoint[256], hub_public_key[41];
	/* delivery (defaults in brackets) */
	unsigned resend_initial_ms;          /* [1000] first resend delay, doubling after */
	unsigned resend_max_ms;              /* [300000] cap of the resend delay */
	unsigned window;                     /* [1000] unacknowledged messages in flight per peer */
	unsigned batch_max;                  /* [1000] messages per store transaction */
	unsigned heartbeat_ivl_ms;           /* [5000] */
	unsigned heartbeat_timeout_ms;       /* [15000] */
	unsigned keepalive_ms;               /* [30000] Hello interval from a municipality */
	size_t max_message_size;             /* [33554432] bytes, ZMQ_MAXMSGSIZE */
	adapter_conf_t *adapters;            /* [adapter NAME] sections, in file order */
	size_t nadapters;
	/* [monitor] famlinkd's HTTP endpoint (off while listen is "") */
	char monitor_listen[256];            /* HOST:PORT or unix:/PATH (monitor_listen.h) */
	int monitor_listen_line;
	char monitor_token_file[4096];       /* absolute; "" = no token */
	char monitor_token[256];             /* its content, trimmed (wiped by config_free) */
} config_t;

/* Each line is "FILE:LINE: message", sorted by LINE (stable). */
typedef struct problems {
	char **lines;
	size_t n;
} problems_t;

/* Frees the lines and leaves {NULL, 0}. */
void problems_free(problems_t *p);

/*
 * Parses path, validates it as a whole, loads the key files it names.
 * Returns a config (caller frees with config_free()) or NULL; either way
 * *problems is overwritten (not appended to) and the caller frees it with
 * problems_free(). NULL with no problem lines means out of memory.
 * Relative paths in the file are taken from the file's own directory.
 */
config_t *config_load(const char *path, problems_t *problems);
/* The same, but a file that has problems still gives what could be read
 * (problems->n > 0 then): for a monitor that must not go blind because
 * someone is half-way through editing the file. Not for running a node. */
config_t *config_load_partial(const char *path, problems_t *problems);

/* Every setting's default (what a file that leaves it out gets); for
 * configs built by hand, as tests do. Touches nothing else. */
void config_set_defaults(config_t *c);

/* Wipes the secret key, frees, sets *cfg = NULL; no-op on NULL or *cfg NULL. */
void config_free(config_t **cfg);

/* The adapter types [adapter NAME] sections may name (borrowed for as
 * long as configs are loaded). Until it is called, none. */
void config_set_backends(const backend_type_t *const *types, size_t n);

/* An adapter's value of key, or NULL when the file does not set it.
 * Borrowed: valid until config_free(). */
const char *adapter_conf_value(const adapter_conf_t *a, const char *key);
/* The line of key in the section, or the section's own line when the
 * file does not set it. */
int adapter_conf_line(const adapter_conf_t *a, const char *key);

/* The allowlist entry, or NULL. Borrowed: valid until config_free(). */
const peer_conf_t *config_find_peer(const config_t *cfg, const char *node_id);
const peer_conf_t *config_find_peer_by_key(const config_t *cfg, const char *public_z85);

#endif
