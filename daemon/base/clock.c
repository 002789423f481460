/* clock — see clock.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

/* About 100 years: more is a typo, not a test. */
#define OFFSET_MAX_S (100LL * 366 * 86400)

static pthread_once_t offset_once = PTHREAD_ONCE_INIT;
static int64_t offset_ms;
static const char *offset_bad;

static void
read_offset(void)
{
	const char *v = getenv("FAMLINK_CLOCK_OFFSET");
	char *end;
	long long s;

	if (v == NULL || *v == '\0')
		return;
	errno = 0;
	s = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || s > OFFSET_MAX_S || s < -OFFSET_MAX_S) {
		offset_bad = v;
		return;
	}
	offset_ms = s * 1000;
}

int64_t
clock_offset_ms(const char **bad)
{
	pthread_once(&offset_once, read_offset);
	if (bad != NULL)
		*bad = offset_bad;
	return offset_ms;
}

static int64_t
read_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_now_ms(void)
{
	pthread_once(&offset_once, read_offset);
	return read_ms(CLOCK_REALTIME) + offset_ms;
}

int64_t clock_mono_ms(void) { return read_ms(CLOCK_MONOTONIC); }
