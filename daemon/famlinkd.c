/*
 * famlinkd — the famlink daemon, in the hub or municipality role its config
 * names. Runs in the foreground (systemd Type=notify); logs to stderr with
 * syslog priority prefixes. Signal handlers only set flags; the loop acts.
 */
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapter.h"
#include "clock.h"
#include "config.h"
#include "job.h"
#include "log.h"
#include "monitor.h"
#include "node.h"
#include "paths.h"
#include "store.h"
#include "store_identity.h"
#include "version.h"

/* famlinkd's exit statuses. systemd units and scripts branch on them (the
 * unit stops restarting on 4 to 7): change them never, add at the end. 4 to
 * 6 are famlinkctl's numbers for the same faults; famlinkctl's 3 (no store
 * yet) never ends famlinkd, which makes the store. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,
	EXIT_USAGE = 2,
	EXIT_STORE_LOST = 4,
	EXIT_STORE_DAMAGED = 5,
	EXIT_STORE_FOREIGN = 6,
	EXIT_STATE_DIR = 7,
};

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_stop(int sig) { (void)sig; stop_flag = 1; }
static void on_reload(int sig) { (void)sig; reload_flag = 1; }

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: famlinkd --config FILE                  run in the foreground\n"
	    "       famlinkd --check-config --config FILE   check FILE and exit\n"
	    "       famlinkd --version | --help\n"
	    "\n"
	    "  -c, --config FILE    the node's config (famlink.conf(5)); annotated examples\n"
	    "                       of every key: hub.conf.example and\n"
	    "                       municipality.conf.example in\n"
	    "                       " FAMLINK_DOCDIR "\n"
	    "  -n, --check-config   print each problem as FILE:LINE: message, then exit\n"
	    "  --version            print \"famlinkd " FAMLINK_VERSION "\" and exit\n"
	    "  -h, --help           print this and exit\n"
	    "\n"
	    "Logs go to stderr with syslog priority prefixes (<6>), each line after\n"
	    "its UTC time (2026-12-07T22:30:01.123Z <6>...) unless stderr is the\n"
	    "journal (JOURNAL_STREAM), which stamps its own. SIGTERM or SIGINT stops\n"
	    "it after the transaction in flight; SIGHUP re-reads FILE, log_level too.\n"
	    "Files it creates are the service user's alone (umask 077).\n"
	    "With a [monitor] section it also answers HTTP: / (a dashboard), /healthz, /readyz,\n"
	    "/metrics (Prometheus) and /api/queue, /api/deadlines, /api/referrals\n"
	    "(the JSON of famlinkctl's --json); see the example configs.\n"
	    "\n"
	    "exit status:\n"
	    "  0  stopped cleanly (or FILE has no problems)\n"
	    "  1  error (config, keys, sockets, the store could not be opened)\n"
	    "  2  usage\n"
	    "  4  store lost: state_dir/famlink.id says this node made a store, but\n"
	    "     famlink.db is missing, empty, or has no identity (not the one made)\n"
	    "  5  store damaged: PRAGMA quick_check failed, not a database, or SQLite\n"
	    "     found damage while running\n"
	    "  6  store of another node, or another store than famlink.id names\n"
	    "  7  group or others may write the state directory\n"
	    "On 4 to 6 nothing was changed: restore the store from a backup, or start\n"
	    "with an empty one with `famlinkctl reset-store --yes` (README.md, \"When\n"
	    "the store is lost or damaged\").\n");
}

/* The exit status for node_new()'s error. */
static int
start_failure(const err_t *err)
{
	switch (err->code) {
	case STORE_FAULT_LOST: return EXIT_STORE_LOST;
	case STORE_FAULT_DAMAGED: return EXIT_STORE_DAMAGED;
	case STORE_FAULT_FOREIGN: return EXIT_STORE_FOREIGN;
	case STORE_FAULT_STATE_DIR: return EXIT_STATE_DIR;
	default: return EXIT_ERROR;
	}
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Loads the config; prints each problem as FILE:LINE: message, to out or
 * (out NULL) as an error in the log. */
static config_t *
load(const char *path, FILE *out)
{
	problems_t problems = {0};
	config_t *cfg = config_load(path, &problems);

	for (size_t i = 0; i < problems.n; i++)
		if (out != NULL)
			fprintf(out, "%s\n", problems.lines[i]);
		else
			log_err("%s", problems.lines[i]);
	problems_free(&problems);
	return cfg;
}

/* The name of uid, or its number when it has none. */
static const char *
user_name(uid_t uid, char *buf, size_t len)
{
	const struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, "%s", pw->pw_name);
	else
		snprintf(buf, len, "%u", (unsigned)uid);
	return buf;
}

/*
 * --check-config: the state directory as node_new() will find it. Its mode
 * by store_check_state_dir(), the rule the daemon refuses to start by (exit
 * 7); its owner against this process's effective user, the user famlinkd
 * would run as if started the same way (mode 0700 lets no one else in).
 * Run as root, which may enter anything, it says whose directory it is.
 * Prints "FILE:LINE: ..." lines; returns the number of problems.
 */
static int
check_state_dir(const config_t *cfg, FILE *out)
{
	char warning[PATH_MAX + 256], dir[PATH_MAX], owner[64], me[64];
	size_t n = strlen(cfg->state_dir);
	err_t err = {0};
	struct stat st;
	uid_t euid = geteuid();
	int problems = 0;

	if (store_check_state_dir(cfg->state_dir, warning, sizeof(warning), &err) < 0) {
		fprintf(out, "%s:%d: %s; famlinkd refuses to start (exit %d)\n", cfg->path,
		    cfg->state_dir_line, err.msg, err.code == STORE_FAULT_STATE_DIR ?
		    EXIT_STATE_DIR : EXIT_ERROR);
		problems++;
	} else if (warning[0] != '\0') {
		fprintf(out, "%s:%d: warning: %s\n", cfg->path, cfg->state_dir_line, warning);
	}
	if (stat(cfg->state_dir, &st) != 0 || st.st_uid == euid)
		return problems;
	if (n > 2 && strcmp(cfg->state_dir + n - 2, "/.") == 0)
		n -= 2;   /* "state_dir = .": name the directory, as the store does */
	snprintf(dir, sizeof(dir), "%.*s", (int)n, cfg->state_dir);
	user_name(st.st_uid, owner, sizeof(owner));
	if (euid == 0) {
		fprintf(out, "%s:%d: note: state directory %s is owned by %s: famlinkd must run "
		    "as %s (User=%s in its unit), not as root\n", cfg->path, cfg->state_dir_line,
		    dir, owner, owner, owner);
		return problems;
	}
	fprintf(out, "%s:%d: state directory %s is owned by %s, but this runs as %s: famlinkd "
	    "must run as %s, or the directory be %s's: chown %s %s\n", cfg->path,
	    cfg->state_dir_line, dir, owner, user_name(euid, me, sizeof(me)), owner, me, me,
	    dir);
	return problems + 1;
}

/* A moved clock is for tests: say so, and refuse one that is not a number
 * rather than run on the real time while the test believes otherwise. */
static bool
clock_offset_usable(void)
{
	const char *bad;
	int64_t off = clock_offset_ms(&bad);

	if (bad != NULL) {
		log_err("FAMLINK_CLOCK_OFFSET: not a whole number of seconds (at most 100 years)");
		return false;
	}
	if (off != 0)
		log_warning("clock moved by FAMLINK_CLOCK_OFFSET: %lld s (for tests only)",
		    (long long)(off / 1000));
	return true;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	bool check = false, version = false;
	config_t *cfg;
	node_t *node;
	err_t err = {0};
	int c, rc;
	size_t ntypes;
	const backend_type_t *const *types = adapter_backends(&ntypes);

	/* The adapters' own config keys, for every config this process loads,
	 * and how each runs. */
	config_set_backends(types, ntypes);
	jobs_set_adapters(adapter_job);
	jobs_set_extra(&monitor_job);

	/* The store, its WAL and shm, the marker, the lock and the wake socket
	 * hold or lead to personal data: the service user's alone. */
	umask(077);
	log_init();
	store_global_init();
	while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n': check = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': version = true; break;
		default: usage(stderr); return 2;
		}
	}
	/* Asked for the version, answer whatever else was given: packagers and
	 * bug reports run it without a config. */
	if (version) {
		printf("famlinkd %s\n", FAMLINK_VERSION);
		return 0;
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (check) {
		cfg = load(path, stdout);
		rc = cfg != NULL && check_state_dir(cfg, stdout) == 0 ? 0 : 1;
		if (rc == 0)
			printf("%s: ok\n", path);
		config_free(&cfg);
		return rc;
	}
	if ((cfg = load(path, NULL)) == NULL) {
		log_err("%s: configuration has problems; not starting", path);
		return 1;
	}
	log_set_level(cfg->log_level);
	if (!clock_offset_usable()) {
		config_free(&cfg);
		return 1;
	}
	install_signals();
	if ((node = node_new(cfg, &err)) == NULL) {
		const char *advice = store_fault_advice(err.code);
		log_err("cannot start: %s", err.msg);
		if (advice != NULL)
			log_err("%s", advice);
		return start_failure(&err);
	}
	rc = node_run(node, &stop_flag, &reload_flag);
	node_free(&node);
	if (rc == NODE_STORE_DAMAGED)
		return EXIT_STORE_DAMAGED;
	return rc == 0 ? 0 : 1;
}
