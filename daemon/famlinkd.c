/*
 * famlinkd — the famlink daemon, in the hub or municipality role its config
 * names. Runs in the foreground (systemd Type=notify); logs to stderr with
 * syslog priority prefixes. Signal handlers only set flags; the loop acts.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "node.h"
#include "store.h"
#include "version.h"

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
	    "  -c, --config FILE    the node's config; see config/hub.conf.example and\n"
	    "                       config/municipality.conf.example\n"
	    "  -n, --check-config   print each problem as FILE:LINE: message, then exit\n"
	    "  --version            print \"famlinkd " FAMLINK_VERSION "\" and exit\n"
	    "  -h, --help           print this and exit\n"
	    "\n"
	    "Logs go to stderr with syslog priority prefixes (<6>). SIGTERM or SIGINT\n"
	    "stops it after the transaction in flight; SIGHUP re-reads FILE.\n"
	    "exit status: 0 stopped cleanly (or FILE has no problems), 1 error,\n"
	    "2 usage.\n");
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

/* Loads the config; prints each problem as FILE:LINE: message. */
static config_t *
load(const char *path, FILE *out)
{
	problems_t problems = {0};
	config_t *cfg = config_load(path, &problems);

	for (size_t i = 0; i < problems.n; i++)
		fprintf(out, "%s\n", problems.lines[i]);
	problems_free(&problems);
	return cfg;
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
		if (cfg != NULL)
			printf("%s: ok\n", path);
		rc = cfg != NULL ? 0 : 1;
		config_free(&cfg);
		return rc;
	}
	if ((cfg = load(path, stderr)) == NULL) {
		log_err("%s: configuration has problems; not starting", path);
		return 1;
	}
	log_set_level(cfg->log_level);
	install_signals();
	if ((node = node_new(cfg, &err)) == NULL) {
		log_err("cannot start: %s", err.msg);
		return 1;
	}
	rc = node_run(node, &stop_flag, &reload_flag);
	node_free(&node);
	return rc == 0 ? 0 : 1;
}
