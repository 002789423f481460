/*
 * rest_in — received messages POSTed to inbound_url (rest.h). The
 * hand-over engine offers messages in inbox order; this takes the first,
 * answers JOB_PENDING and, once the request is over, tells the engine
 * (job_delivered): a 2xx hands the message over, anything else is a
 * failure in codes only (the answer's body is never read). The body is
 * handover_json_line(), the message id goes as Idempotency-Key: a message
 * handed over again after a crash carries the same key.
 */
#include <stdio.h>
#include <stdlib.h>

#include "handover_json.h"
#include "log.h"
#include "rest.h"

/* Forgets the request (the easy handle out of the loop if still there). */
static void
in_clear(rest_t *r)
{
	rest_drop(r, &r->in.easy);
	curl_slist_free_all(r->in.headers);
	r->in.headers = NULL;
	free(r->in.body);
	r->in.body = NULL;
}

void
rest_in_stop(rest_t *r)
{
	in_clear(r);
}

static void
on_posted(void *ctx, CURL *easy, CURLcode result)
{
	rest_t *r = ctx;
	err_t err = {0};
	long status;
	int rc = rest_outcome(r, easy, result, &status, &err);

	if (rc == 0)
		log_debug("adapter %s: %s handed over (HTTP %ld)", r->name, r->in.message_id,
		    status);
	in_clear(r);
	job_delivered(r->self, rc == 0 ? 1 : 0, rc == 0 ? NULL : &err);
}

static int
headers(rest_t *r, const job_message_t *m, err_t *err)
{
	struct curl_slist *h;

	if (rest_header(&r->in.headers, "Content-Type", "application/json", err) != 0 ||
	    rest_header(&r->in.headers, "Idempotency-Key", m->message_id, err) != 0 ||
	    rest_header(&r->in.headers, "X-Famlink-Message-Id", m->message_id, err) != 0 ||
	    rest_header(&r->in.headers, "X-Famlink-Sender", m->sender, err) != 0 ||
	    rest_header(&r->in.headers, "X-Famlink-Body-Type", m->body_type, err) != 0)
		return -1;
	/* No "Expect: 100-continue" round trip before a large body. */
	if ((h = curl_slist_append(r->in.headers, "Expect:")) == NULL)
		return err_set(err, 0, "out of memory");
	r->in.headers = h;
	return 0;
}

int
rest_deliver(job_run_t *self, const job_message_t *msgs, size_t n, err_t *err)
{
	rest_t *r = self->state;
	const job_message_t *m = &msgs[0];
	CURLcode rc = CURLE_OK;
	size_t len;

	(void)n;
	if (r->in.easy != NULL)   /* the engine waits for the answer: not so */
		return err_set(err, 0, "a hand-over is in flight already"), 0;
	snprintf(r->in.message_id, sizeof(r->in.message_id), "%s", m->message_id);
	if ((r->in.body = handover_json_line(m, &len, err)) == NULL || headers(r, m, err) != 0 ||
	    (r->in.easy = rest_easy(r, r->in_url, &r->in.answer, err)) == NULL)
		goto fail;
	r->in.answer = (rest_body_t){ .max = 0 };
	if ((rc = curl_easy_setopt(r->in.easy, CURLOPT_HTTPHEADER, r->in.headers)) != CURLE_OK ||
	    (rc = curl_easy_setopt(r->in.easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len)) !=
	    CURLE_OK ||
	    (rc = curl_easy_setopt(r->in.easy, CURLOPT_POSTFIELDS, r->in.body)) != CURLE_OK) {
		err_set(err, (int)rc, "curl %d: %s", (int)rc, curl_easy_strerror(rc));
		goto fail;
	}
	if (curl_loop_add(r->cl, r->in.easy, on_posted, r, err) != 0)
		goto fail;
	return JOB_PENDING;
fail:
	in_clear(r);
	return 0;
}
