/*
 * ctl_log_level — `famlinkctl log-level LEVEL`: the running famlinkd logs at
 * LEVEL from now on, until its next reload or restart (which go back to the
 * config's log_level). The request travels over the wake socket in the
 * state directory (wake.h); the config is not touched.
 */
#include <errno.h>
#include <stdio.h>

#include "ctl.h"
#include "log.h"
#include "wake.h"

int
ctl_log_level(const config_t *cfg, const char *level)
{
	int prio = log_level_from_name(level);
	err_t err = {0};

	if (prio < 0) {
		fprintf(stderr, "famlinkctl log-level: no level \"%s\": err, warning, notice, info"
		    " or debug\n", level);
		return CTL_USAGE;
	}
	if (wake_log_level(cfg->runtime_dir, prio, &err) == 0) {
		printf("famlinkd logs at %s now, until its next reload or restart\n",
		    log_level_name(prio));
		return CTL_OK;
	}
	switch (err.code) {
	case ENOENT:
	case ECONNREFUSED:
		fprintf(stderr, "famlinkctl log-level: famlinkd is not running on %s\n",
		    cfg->state_dir);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr, "famlinkctl log-level: %s; run it as the service user\n", err.msg);
		break;
	case EAGAIN:
		fprintf(stderr, "famlinkctl log-level: famlinkd has not read its socket for a"
		    " while (%s); try again\n", err.msg);
		break;
	default:
		fprintf(stderr, "famlinkctl log-level: %s\n", err.msg);
	}
	return CTL_ERROR;
}
