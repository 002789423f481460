/*
 * libFuzzer target: a config file, the way famlinkd --check-config and a
 * SIGHUP reload read it. Written to a temporary file, then loaded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char path[] = "/tmp/famlink-fuzz-config.XXXXXX";
	problems_t problems = {0};
	config_t *cfg;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, len) == (ssize_t)len) {
		cfg = config_load(path, &problems);
		config_free(&cfg);
		problems_free(&problems);
	}
	close(fd);
	unlink(path);
	return 0;
}
