/*
 * rest — the HTTP adapter, both directions, for case systems with a web
 * service; every request runs through curl_loop on famlinkd's loop (no
 * thread per request, the loop never waits on the network):
 *   inbound:  each received message (handover_json_line()) is POSTed to
 *             inbound_url with Idempotency-Key: MESSAGE_ID; a 2xx answer
 *             hands it over, anything else (another status, no connection,
 *             a time-out) is a failure the hand-over engine retries with
 *             backoff. One request at a time, in inbox order.
 *   outbound: every poll_interval a GET of outbound_url answers a JSON
 *             array of {"id": "...", "message": {Envelope JSON, as
 *             famlinkctl send takes it}}; each item is judged as a spool
 *             file is, queued in one transaction that records its id
 *             (store_collected.h), and only after the commit confirmed
 *             with a POST to ack_url: {"id", "messageId", "status":
 *             "queued"} or {"id", "status": "refused", "error"}. An item
 *             offered again (a restart on either side, a lost ack) is
 *             confirmed again, never queued twice.
 * HTTPS verifies the server (ca_file, else the system's CAs); a bearer
 * token (token_file) and a client certificate (client_cert, client_key)
 * may be given. Logs name the adapter, message ids and codes: never a
 * URL, a token, an item id (the case system's to choose) or content.
 * rest.c is the type (keys, start, stop); rest_in.c and rest_out.c the
 * two directions; rest_request.c what every request of both shares.
 */
#ifndef FAMLINK_REST_H
#define FAMLINK_REST_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "adapter.h"
#include "curl_loop.h"

extern const adapter_type_t rest_adapter;

/* An answer's body as it arrives: kept up to max bytes, NUL-terminated
 * (max 0: counted and dropped); over max the transfer fails and over is
 * set. */
typedef struct rest_body {
	char *data;
	size_t len, cap, max;
	bool over;
} rest_body_t;

typedef struct rest_out rest_out_t;

typedef struct rest {
	const char *name;            /* its [adapter NAME] */
	job_run_t *self;
	curl_loop_t *cl;
	/* Borrowed from the job's own copy of its section (lives as long as
	 * the job): NULL when not given. */
	const char *in_url, *out_url, *ack_url;
	const char *ca_file, *client_cert, *client_key;
	char *token;                 /* token_file's content, wiped at stop; NULL if none */
	long timeout_ms;             /* [10s] a whole request */
	long connect_timeout_ms;     /* [5s] its connection */
	int64_t poll_ms;             /* [5s] how often outbound_url is asked */
	/* inbound: the one request in flight, or easy NULL */
	struct {
		CURL *easy;
		char *body;
		struct curl_slist *headers;
		rest_body_t answer;
		char message_id[33];
	} in;
	rest_out_t *out;             /* NULL without outbound_url */
} rest_t;

/* rest_request.c: what every request shares. An easy handle for url
 * with the common set-up (time-outs, TLS, the token, http(s) only, no
 * redirects), its answer's body into *answer: NULL with err. */
CURL *rest_easy(const rest_t *r, const char *url, rest_body_t *answer, err_t *err);
/* How a finished request went: 0 for a 2xx, else -1 with err in codes
 * only ("HTTP 500", "curl 7: Couldn't connect to server", "time-out after
 * 10 s"). *status gets the HTTP status (0 if none came). */
int rest_outcome(const rest_t *r, CURL *easy, CURLcode result, long *status, err_t *err);
/* Adds "NAME: VALUE" to *list; -1 with err (out of memory, or a value
 * that would not stay one header line). */
int rest_header(struct curl_slist **list, const char *name, const char *value, err_t *err);
/* Ends a request: out of the loop if still running, cleaned up; *easy is
 * NULL after. */
void rest_drop(const rest_t *r, CURL **easy);

/* rest_in.c: job_ops_t.deliver, and its part of stop. */
int rest_deliver(job_run_t *self, const job_message_t *msgs, size_t n, err_t *err);
void rest_in_stop(rest_t *r);

/* rest_out.c: job_ops_t.collect, and the outbound side's state. */
int rest_out_new(rest_t *r, err_t *err);
void rest_collect(job_run_t *self);
void rest_out_free(rest_t *r);

#endif
