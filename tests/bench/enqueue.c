/*
 * enqueue — the e2e half of `make bench`: what `famlinkctl send` does
 * (daemon/ctl/ctl_send.c), without JSON, for many Referrals at once. Each
 * message gets a new id and created_at = now, goes through routine_send()
 * and validate_envelope(), and store_enqueue() writes it to the outbox; a
 * transaction (one fsync) holds BATCH messages. The running famlinkd notices
 * each commit (PRAGMA data_version) and sends.
 *
 *   enqueue -c CONFIG [-n K] [-s SIZE] [-r RATE] [-b BATCH]
 *
 * RATE = messages per second from this sender (0 = as fast as the store
 * takes them); paced in ticks of BATCH messages, by default RATE/100 (one
 * transaction every 10 ms), 500 when unpaced.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "config.h"
#include "routine.h"
#include "store.h"
#include "store_identity.h"
#include "wake.h"
#include "store_queue.h"
#include "validate.h"

static void
sleep_until_ns(int64_t when)
{
	struct timespec ts = { (time_t)(when / 1000000000LL), (long)(when % 1000000000LL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int
enqueue_one(store_t *store, const config_t *cfg, bench_ref_t *r, unsigned long n)
{
	char rid[65], recipient[65];
	Famlink__V1__Envelope *env;
	err_t err = {0};
	int rc;

	snprintf(rid, sizeof(rid), "bench-%s-%06lu", cfg->node_id + 13, n);
	env = bench_ref_next(r, rid, 1);   /* validated as sequenced; the store gives the real one */
	rc = routine_send(store, cfg, env, recipient, 0, env->created_at_ms, &err);
	if (rc == ROUTINE_OK && validate_envelope(env, &err) != 0)
		rc = ROUTINE_REFUSED;
	if (rc == ROUTINE_OK && store_enqueue(store, env, &err) != 0)
		rc = ROUTINE_STORE;
	if (rc != ROUTINE_OK) {
		fprintf(stderr, "enqueue: %s: referral %s: %s\n", cfg->node_id, rid, err.msg);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long k = 5000, rate = 0, batch = 0, done = 0;
	size_t size = 2048;
	const char *conf = NULL;
	problems_t problems = {0};
	char path[4200];
	config_t *cfg;
	store_t *store;
	bench_ref_t ref;
	int64_t t0, t1;
	err_t err;
	int opt;

	while ((opt = getopt(argc, argv, "c:n:s:r:b:")) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'n': k = strtoul(optarg, NULL, 10); break;
		case 's': size = strtoul(optarg, NULL, 10); break;
		case 'r': rate = strtoul(optarg, NULL, 10); break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: enqueue -c CONFIG [-n K] [-s SIZE] [-r RATE] [-b BATCH]\n");
			return 2;
		}
	}
	if (conf == NULL || (cfg = config_load(conf, &problems)) == NULL) {
		for (size_t i = 0; i < problems.n; i++)
			fprintf(stderr, "%s\n", problems.lines[i]);
		fprintf(stderr, "enqueue: give a valid municipality config with -c\n");
		return 2;
	}
	problems_free(&problems);
	if (cfg->role != ROLE_MUNICIPALITY) {
		fprintf(stderr, "enqueue: %s is not a municipality\n", cfg->node_id);
		return 2;
	}
	if (batch == 0)
		batch = rate ? (rate / 100 ? rate / 100 : 1) : 500;
	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, STORE_FILE);
	store_global_init();
	if ((store = store_open(path, false, &err)) == NULL) {
		fprintf(stderr, "enqueue: %s\n", err.msg);
		return 1;
	}
	if (bench_ref_init(&ref, cfg->node_id, cfg->hub_id, size) != 0)
		return 1;

	t0 = bench_now_ns();
	while (done < k) {
		unsigned long n = k - done < batch ? k - done : batch;
		if (rate)
			sleep_until_ns(t0 + (int64_t)((double)done * 1e9 / (double)rate));
		if (store_begin(store, &err) != 0) {
			fprintf(stderr, "enqueue: begin: %s\n", err.msg);
			return 1;
		}
		for (unsigned long i = 0; i < n; i++)
			if (enqueue_one(store, cfg, &ref, done + i + 1) != 0) {
				store_rollback(store);
				return 1;
			}
		if (store_commit(store, &err) != 0) {
			fprintf(stderr, "enqueue: commit: %s\n", err.msg);
			store_rollback(store);
			return 1;
		}
		wake_notify(cfg->state_dir);
		done += n;
	}
	t1 = bench_now_ns();
	fprintf(stderr, "enqueue: %s: %lu referrals in %.3f s (%.0f/s, %lu per transaction)\n",
	    cfg->node_id, k, (double)(t1 - t0) / 1e9, (double)k * 1e9 / (double)(t1 - t0), batch);
	bench_ref_free(&ref);
	store_close(&store);
	config_free(&cfg);
	return 0;
}
