/*
 * harness — real famlinkd processes on loopback for integration tests:
 * a throwaway directory per cluster with keys and configs, start/stop/kill
 * by pid, famlinkctl runs, a raw CURVE client that speaks the wire protocol
 * by hand (for malformed and spoofed frames), and waiting on conditions in a
 * node's store with a time-out instead of sleeping.
 */
#ifndef FAMLINK_HARNESS_H
#define FAMLINK_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "famlink.pb-c.h"

#define MAX_MUNIS 16

typedef struct node_proc {
	char id[65];           /* "pool:test" or "municipality:0180" */
	char dir[512];         /* state dir, key files, config, log */
	char conf[600];
	char pub[41], sec[41];
	pid_t pid;             /* 0 when not running */
	bool allowed;          /* municipality: listed in the hub's allowlist */
	const char *peer_extra;   /* municipality: more lines for its [peer] section
	                           * in the hub's config ("member = no\n") */
	const char *conf_extra;   /* municipality: sections at the end of its own
	                           * config ("[adapter spool]…"); see
	                           * cluster_write_muni_conf() */
} node_proc_t;

typedef struct cluster {
	char root[256];
	int port;
	node_proc_t hub;
	node_proc_t muni[MAX_MUNIS];
	int nmuni;
	const char *extra_delivery;   /* extra lines for every [delivery] section */
	const char *hub_extra;        /* sections at the end of the hub's config ("[pool]…") */
	bool keep;                    /* leave root for a post-mortem */
} cluster_t;

/* Makes keys and configs for a hub and nmuni municipalities (kommunkod
 * 0101, 0102, …), all allowed. Nothing is started. */
cluster_t *cluster_new(int nmuni, const char *extra_delivery);
/* Stops every process (SIGKILL if SIGTERM takes > 5 s) and removes root.
 * -1 (and root kept) if a daemon's log holds a sanitizer report. */
int cluster_free(cluster_t **c);
/* A cmocka teardown for a test whose state is its cluster (or NULL):
 * cluster_free(), and the clock back (FAMLINK_CLOCK_OFFSET unset). */
int cluster_teardown(void **state);
/* Rewrites the hub's config from the allowed flags, each municipality's
 * peer_extra and hub_extra. */
void cluster_write_hub_conf(cluster_t *c);
/* Rewrites municipality n's config, with its conf_extra at the end. */
void cluster_write_muni_conf(cluster_t *c, node_proc_t *n);

/* Runs argv (its stdout to out_path, its stderr away) in a process group
 * of its own, and waits for it at most timeout_ms; then, and in any case
 * once it is done, the group is killed and reaped (this process adopts
 * what it leaves behind) so that no helper of a browser outlives the
 * test. Its exit status, or -1 (killed, or it timed out). */
int run_captured(const char *const *argv, const char *out_path, int timeout_ms);

/* A TCP port nobody listens on now on 127.0.0.1 (the kernel picks it). */
int free_port(void);

int node_start(node_proc_t *n);
/* famlinkd --check-config on n's config: its exit status, its output
 * (stdout and stderr) in out. */
int node_check_config(node_proc_t *n, char *out, size_t len);
/* Starts the hub and every municipality; 0, or -1 if one could not start. */
int cluster_start(cluster_t *c);
/* The same, then waits until each has started (node_started_text() in its
 * log): 0, or -1 if one could not start or did not within timeout_ms. */
int cluster_start_waited(cluster_t *c, int timeout_ms);
/* SIGTERM and wait: returns the exit status (or -1 if it had to be killed). */
int node_stop(node_proc_t *n);
void node_kill9(node_proc_t *n);
/* Waits for n to exit by itself: its exit status, -1 if killed by a
 * signal, -2 if still running after timeout_ms. */
int node_wait(node_proc_t *n, int timeout_ms);
void node_signal(node_proc_t *n, int sig);

/* Runs famlinkctl --config n->conf ARGS…; returns its exit status and its
 * stdout+stderr in out (if not NULL). */
int ctl_run(node_proc_t *n, char *out, size_t outlen, const char *const *args);
/* The same, failing the test (with the output) unless it exits want. */
void ctl_run_want(node_proc_t *n, int want, char *out, size_t outlen, const char *const *args);
/* Writes json to a new file in n's directory (ctl-send-N.json) and runs
 * famlinkctl send [extra_arg] FILE on n: its exit status, its output in out
 * (if not NULL). extra_arg: NULL, or one option such as "--override-ledger". */
int ctl_send_json(node_proc_t *n, const char *extra_arg, const char *json, char *out,
    size_t outlen);

/* famlinkctl ARGS… on n, which must exit 0 and print JSON: parsed (the
 * caller frees it with json_decref()). Fails the test otherwise. */
struct json_t;
struct json_t *ctl_json(node_proc_t *n, const char *const *args);
/* The integer at key in obj (a JSON object); fails the test if there is
 * none. */
long json_int_at(struct json_t *obj, const char *key);
/* The string at key in obj; fails the test if there is none. */
const char *json_str_at(struct json_t *obj, const char *key);

/* Moves the clock of every daemon and famlinkctl started from now on
 * (FAMLINK_CLOCK_OFFSET, whole seconds) so that it reads `at` (Unix ms)
 * now; it runs on from there. unsetenv("FAMLINK_CLOCK_OFFSET") restores it. */
void clock_move_to(int64_t at);
/* hour:00 Stockholm time on y-m-d, in Unix ms (calendar.h's rule, no TZ). */
int64_t local_time_ms(int y, int m, int d, int hour);

/* Writes a Referral JSON for referral_id to path. */
void write_referral_json(const char *path, const char *referral_id);
/* Enqueues count referrals id PREFIX-000001… through famlinkctl send, in
 * calls of at most per_call files; 0 on success. */
int enqueue_referrals(node_proc_t *n, const char *prefix, int first, int count, int per_call);

/* famlinkctl send of json on n, which must take it (else the test fails
 * with its output). */
void ctl_send_ok(node_proc_t *n, const char *json);

/* A number from n's store (first column of the first row), -1 on error. */
long db_long(node_proc_t *n, const char *sql);
/* The same as text into buf ("" if no row or NULL); returns buf. */
const char *db_text(node_proc_t *n, const char *sql, char *buf, size_t len);
/* Runs sql (which writes) on n's store, running or not; fails the test
 * if it fails. */
void db_exec(node_proc_t *n, const char *sql);
/* How many rows n's store holds in each table famlinkctl send writes
 * (outbox, referrals, proposals, dialogue, deadlines, transitions), as
 * "outbox 3, referrals 1, …" (valid until the next call): equal before and
 * after a send that queued nothing. Not inbox or audit, which the exchange
 * writes while it runs. */
const char *send_rows(node_proc_t *n);
/* Polls db_long until it equals want; false after timeout_ms. */
bool wait_db(node_proc_t *n, const char *sql, long want, int timeout_ms);
/* The same, failing the test after 15 s. */
void wait_sql(node_proc_t *n, const char *sql, long want);
/* What famlinkd logs once its loop, its first deadline check and its first
 * retention pass are done: " listening on " (the hub, "pool:…") or
 * " connecting to " (a municipality). Once per start. */
const char *node_started_text(const node_proc_t *n);
/* Between two runs of n: 0 and its log removed (the next start writes a
 * new one), or -1 and the log kept if it holds a sanitizer report
 * (cluster_free() sees only the last log: a test that restarts a node
 * with a fresh log checks each one this way). */
int node_log_rotate(node_proc_t *n);
/* The content of the file at path (at most 1 MiB), NUL-terminated; the
 * caller frees it. Fails the test if it cannot be read. */
char *file_text(const char *path);

/* line past the UTC time famlinkd puts in front of each line outside the
 * journal ("2026-12-07T22:30:01.123Z "), or NULL if it does not start
 * with one. */
const char *log_line_after_time(const char *line);
/* How many whole lines of n's log (a last one still being written is left
 * out) do not start with such a time; -1 if there is no log, or it is
 * empty. */
int log_lines_untimed(node_proc_t *n);

/* True when the log file of n contains text. */
bool log_has(node_proc_t *n, const char *text);
bool wait_log(node_proc_t *n, const char *text, int timeout_ms);

/* A raw DEALER with the municipality's keys, connected to the hub. */
typedef struct raw_client raw_client_t;
raw_client_t *raw_connect(cluster_t *c, node_proc_t *as);
/* The same, with a routing id of the client's choosing (the hub must refuse it). */
raw_client_t *raw_connect_with_id(cluster_t *c, node_proc_t *as, const char *routing_id);
void raw_close(raw_client_t **r);
int raw_send(raw_client_t *r, const void *data, size_t len, bool more);
/* Packs and sends env. */
int raw_send_envelope(raw_client_t *r, const Famlink__V1__Envelope *env);
/* Waits for a Receipt (skipping Hellos); caller frees with
 * famlink__v1__envelope__free_unpacked(). NULL on time-out. */
Famlink__V1__Envelope *raw_recv_receipt(raw_client_t *r, int timeout_ms);
/* The next frame, whatever its body (Hello, Receipt, a sequenced message);
 * the caller frees it. NULL on time-out or if the frame does not unpack. */
Famlink__V1__Envelope *raw_recv_any(raw_client_t *r, int timeout_ms);

/* A valid Referral envelope from `from` to the hub (strings borrowed from
 * static storage: valid until the next call). */
Famlink__V1__Envelope *sample_referral(const char *from, const char *to,
    const char *referral_id, uint64_t sequence);

/* How many lines of n's log contain text (to tell "logged once" from
 * "logged per attempt"). */
int log_count(node_proc_t *n, const char *text);

#endif
