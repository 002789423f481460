/*
 * famlinkctl — the operator's tool: make keys, enqueue messages, and see
 * what waits for whom. Works on the node's store directly (the daemon may
 * run or not); every listing also prints JSON with --json.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "keys.h"
#include "store.h"

#define DEFAULT_CONFIG "/etc/famlink/famlinkd.conf"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: famlinkctl keygen [--force] [--json] BASE\n"
	    "                                               write BASE.key (secret, 0600) and BASE.pub\n"
	    "       famlinkctl [-c FILE] send [--json] FILE.json…\n"
	    "                                               enqueue messages (all or none)\n"
	    "       famlinkctl [-c FILE] status [--json]   peers, queues, dead letters\n"
	    "       famlinkctl [-c FILE] queue [--json] [--all]\n"
	    "                                               undelivered messages and dead letters\n"
	    "  -c, --config FILE   the node's famlinkd config (default " DEFAULT_CONFIG ")\n");
}

static int
keygen(int argc, char **argv, bool force, bool json)
{
	char pub[KEY_Z85_LEN + 1], sec[KEY_Z85_LEN + 1];
	err_t err;

	if (argc != 1) {
		usage(stderr);
		return 2;
	}
	if (keys_generate(pub, sec, &err) != 0 || keys_write_pair(argv[0], pub, sec, force, &err) != 0) {
		fprintf(stderr, "famlinkctl keygen: %s\n", err.msg);
		return 1;
	}
	if (json) {
		char k[4200], p[4200], *text;
		json_t *j;
		snprintf(k, sizeof(k), "%s.key", argv[0]);
		snprintf(p, sizeof(p), "%s.pub", argv[0]);
		j = json_pack("{s:s, s:s, s:s}", "secretKeyFile", k, "publicKeyFile", p, "publicKey", pub);
		text = json_dumps(j, JSON_PRESERVE_ORDER);
		printf("%s\n", text ? text : "{}");
		free(text);
		json_decref(j);
	}
	else
		printf("%s.key (secret, mode 0600) and %s.pub written\npublic key: %s\n",
		    argv[0], argv[0], pub);
	return 0;
}

static config_t *
load_config(const char *path)
{
	problems_t problems = {0};
	config_t *cfg = config_load(path, &problems);

	for (size_t i = 0; i < problems.n; i++)
		fprintf(stderr, "%s\n", problems.lines[i]);
	problems_free(&problems);
	return cfg;
}

static int
dispatch(const char *verb, const config_t *cfg, const ctl_opts_t *o, int argc, char **argv)
{
	if (strcmp(verb, "send") == 0)
		return ctl_send(cfg, o, argc, argv);
	if (argc != 0) {
		usage(stderr);
		return 2;
	}
	if (strcmp(verb, "status") == 0)
		return ctl_status(cfg, o);
	if (strcmp(verb, "queue") == 0)
		return ctl_queue(cfg, o);
	fprintf(stderr, "famlinkctl: unknown command %s\n", verb);
	usage(stderr);
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"all", no_argument, NULL, 'a'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = DEFAULT_CONFIG, *verb;
	ctl_opts_t o = {0};
	bool force = false;
	config_t *cfg;
	int c, rc;

	store_global_init();
	while ((c = getopt_long(argc, argv, "c:jafh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'j': o.json = true; break;
		case 'a': o.all = true; break;
		case 'f': force = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	verb = argv[optind++];
	if (strcmp(verb, "keygen") == 0)
		return keygen(argc - optind, argv + optind, force, o.json);
	if ((cfg = load_config(path)) == NULL)
		return 1;
	rc = dispatch(verb, cfg, &o, argc - optind, argv + optind);
	config_free(&cfg);
	return rc;
}
