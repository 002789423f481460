/* zap — see zap.h. The thread owns its REP socket; the allowlist is shared
 * under a mutex and replaced whole on reload. Logs nothing: counts only
 * (refusals are logged by the main thread through zap_counts()). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "keys.h"
#include "zap.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 7   /* version, id, domain, address, routing id, mechanism, key */

typedef struct allowed {
	uint8_t key[32];
	char user_id[65 + 41];    /* "NODE_ID KEY" */
} allowed_t;

struct zap {
	void *sock;
	pthread_t thread;
	atomic_bool stop;
	pthread_mutex_t lock;
	allowed_t *list;
	size_t n;
	atomic_ulong accepted, refused;
};

/* Finds the User-Id for a 32-byte key; false if not allowed. */
static bool
lookup(zap_t *zap, const uint8_t *key, char *user_id, size_t len)
{
	bool found = false;

	pthread_mutex_lock(&zap->lock);
	for (size_t i = 0; i < zap->n && !found; i++) {
		if (memcmp(zap->list[i].key, key, 32) == 0) {
			snprintf(user_id, len, "%s", zap->list[i].user_id);
			found = true;
		}
	}
	pthread_mutex_unlock(&zap->lock);
	return found;
}

static void
send_reply(void *sock, const void *request_id, size_t id_len, const char *status,
    const char *text, const char *user_id)
{
	zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(sock, request_id, id_len, ZMQ_SNDMORE);
	zmq_send(sock, status, strlen(status), ZMQ_SNDMORE);
	zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(sock, user_id, strlen(user_id), ZMQ_SNDMORE);
	zmq_send(sock, "", 0, 0);
}

/* Reads one request (all its frames) and answers it. */
static void
handle_request(zap_t *zap)
{
	zmq_msg_t frames[ZAP_FRAMES], extra;
	char user_id[128] = "";
	int n = 0, more = 1;
	bool ok;

	/* Keep the first ZAP_FRAMES frames; read and drop any beyond. */
	while (more) {
		zmq_msg_t *f = n < ZAP_FRAMES ? &frames[n] : &extra;
		zmq_msg_init(f);
		if (zmq_msg_recv(f, zap->sock, 0) < 0) {
			zmq_msg_close(f);
			break;
		}
		more = zmq_msg_more(f);
		if (f == &extra)
			zmq_msg_close(f);
		n++;
	}
	ok = n == ZAP_FRAMES &&
	    zmq_msg_size(&frames[5]) == 5 && memcmp(zmq_msg_data(&frames[5]), "CURVE", 5) == 0 &&
	    zmq_msg_size(&frames[6]) == 32 &&
	    lookup(zap, zmq_msg_data(&frames[6]), user_id, sizeof(user_id));
	/* A REP socket must answer every request, even a broken one, or it
	 * can never receive again and every later handshake would hang. */
	send_reply(zap->sock, n >= 2 ? zmq_msg_data(&frames[1]) : "",
	    n >= 2 ? zmq_msg_size(&frames[1]) : 0, ok ? "200" : "400",
	    ok ? "OK" : "key not in allowlist", ok ? user_id : "");
	atomic_fetch_add(ok ? &zap->accepted : &zap->refused, 1);
	for (int i = 0; i < n && i < ZAP_FRAMES; i++)
		zmq_msg_close(&frames[i]);
}

static void *
run(void *arg)
{
	zap_t *zap = arg;
	zmq_pollitem_t item = { .socket = zap->sock, .events = ZMQ_POLLIN };

	while (!atomic_load(&zap->stop)) {
		int rc = zmq_poll(&item, 1, 100);
		if (rc < 0 && zmq_errno() == ETERM)
			break;
		if (rc > 0)
			handle_request(zap);
	}
	return NULL;
}

zap_t *
zap_start(void *ctx, err_t *err)
{
	zap_t *zap = calloc(1, sizeof(*zap));
	int linger = 0;

	if (zap == NULL) {
		err_set(err, 0, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&zap->lock, NULL);
	if ((zap->sock = zmq_socket(ctx, ZMQ_REP)) == NULL ||
	    zmq_setsockopt(zap->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_bind(zap->sock, ZAP_ENDPOINT) != 0) {
		err_set(err, zmq_errno(), "ZAP handler: cannot bind %s: %s", ZAP_ENDPOINT,
		    zmq_strerror(zmq_errno()));
		goto fail;
	}
	if (pthread_create(&zap->thread, NULL, run, zap) != 0) {
		err_set(err, 0, "ZAP handler: cannot start its thread");
		goto fail;
	}
	return zap;
fail:
	if (zap->sock)
		zmq_close(zap->sock);
	pthread_mutex_destroy(&zap->lock);
	free(zap);
	return NULL;
}

int
zap_set_allowlist(zap_t *zap, const zap_entry_t *entries, size_t n, err_t *err)
{
	allowed_t *list = calloc(n ? n : 1, sizeof(*list)), *old;

	if (list == NULL)
		return err_set(err, 0, "out of memory");
	for (size_t i = 0; i < n; i++) {
		/* zmq_z85_decode() takes any multiple of 5 characters: a longer key
		 * would overrun list[i].key. */
		if (!keys_valid_z85(entries[i].public_key) ||
		    zmq_z85_decode(list[i].key, entries[i].public_key) == NULL) {
			free(list);
			return err_set(err, 0, "%s: public key is not Z85", entries[i].node_id);
		}
		snprintf(list[i].user_id, sizeof(list[i].user_id), "%s %s",
		    entries[i].node_id, entries[i].public_key);
	}
	pthread_mutex_lock(&zap->lock);
	old = zap->list;
	zap->list = list;
	zap->n = n;
	pthread_mutex_unlock(&zap->lock);
	free(old);
	return 0;
}

void
zap_counts(zap_t *zap, unsigned long *accepted, unsigned long *refused)
{
	*accepted = atomic_load(&zap->accepted);
	*refused = atomic_load(&zap->refused);
}

void
zap_stop(zap_t **pzap)
{
	zap_t *zap = *pzap;

	if (zap == NULL)
		return;
	atomic_store(&zap->stop, true);
	pthread_join(zap->thread, NULL);
	zmq_close(zap->sock);
	pthread_mutex_destroy(&zap->lock);
	free(zap->list);
	free(zap);
	*pzap = NULL;
}
