/* rest_request — see rest.h: what every request of the rest adapter
 * shares, both directions: the easy handle's set-up, reading the answer,
 * judging how it went, headers, ending it. Below rest_in.c and
 * rest_out.c, which use it, and rest.c, which starts and stops them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest.h"
#include "version.h"

static size_t
on_answer(char *data, size_t size, size_t n, void *ctx)
{
	rest_body_t *b = ctx;
	size_t len = size * n, cap;
	char *grown;

	if (b->max == 0) {
		b->len += len;
		return len;
	}
	if (len > b->max - b->len) {
		b->over = true;
		return 0;     /* curl ends the transfer: CURLE_WRITE_ERROR */
	}
	if (b->len + len + 1 > b->cap) {
		for (cap = b->cap ? b->cap : 16384; cap < b->len + len + 1; cap *= 2)
			;
		if ((grown = realloc(b->data, cap)) == NULL)
			return 0;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

CURL *
rest_easy(const rest_t *r, const char *url, rest_body_t *answer, err_t *err)
{
	CURL *e = curl_easy_init();
	CURLcode rc = CURLE_OK;

	if (e == NULL) {
		err_set(err, ENOMEM, "libcurl: cannot make a handle");
		return NULL;
	}
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);     /* a redirect is an answer that is not 2xx */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, r->timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_USERAGENT, "famlinkd/" FAMLINK_VERSION);
	SET(CURLOPT_WRITEFUNCTION, on_answer);
	SET(CURLOPT_WRITEDATA, answer);
	if (r->ca_file != NULL)
		SET(CURLOPT_CAINFO, r->ca_file);
	if (r->client_cert != NULL)
		SET(CURLOPT_SSLCERT, r->client_cert);
	if (r->client_key != NULL)
		SET(CURLOPT_SSLKEY, r->client_key);
	if (r->token != NULL) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		SET(CURLOPT_XOAUTH2_BEARER, r->token);
	}
#undef SET
	if (rc != CURLE_OK) {
		curl_easy_cleanup(e);
		err_set(err, (int)rc, "curl %d: %s", (int)rc, curl_easy_strerror(rc));
		return NULL;
	}
	return e;
}

/* "10 s", or "1500 ms" when not whole seconds. */
static const char *
span(long ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%ld s", ms / 1000);
	else
		snprintf(buf, len, "%ld ms", ms);
	return buf;
}

int
rest_outcome(const rest_t *r, CURL *easy, CURLcode result, long *status, err_t *err)
{
	curl_off_t connected = 0;
	char t[32];

	*status = 0;
	if (result == CURLE_OPERATION_TIMEDOUT) {
		/* No connection yet: it was the connection that took too long. */
		if (curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connected) == CURLE_OK &&
		    connected == 0)
			return err_set(err, (int)result, "connection time-out after %s",
			    span(r->connect_timeout_ms, t, sizeof(t)));
		return err_set(err, (int)result, "time-out after %s", span(r->timeout_ms, t,
		    sizeof(t)));
	}
	if (result != CURLE_OK)
		return err_set(err, (int)result, "curl %d: %s", (int)result,
		    curl_easy_strerror(result));
	if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status) != CURLE_OK)
		return err_set(err, 0, "no HTTP status");
	if (*status < 200 || *status > 299)
		return err_set(err, (int)*status, "HTTP %ld", *status);
	return 0;
}

int
rest_header(struct curl_slist **list, const char *name, const char *value, err_t *err)
{
	char line[512];
	struct curl_slist *grown;

	for (const char *p = value; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(err, 0, "%s: not fit for an HTTP header", name);
	if ((size_t)snprintf(line, sizeof(line), "%s: %s", name, value) >= sizeof(line))
		return err_set(err, 0, "%s: too long for an HTTP header", name);
	if ((grown = curl_slist_append(*list, line)) == NULL)
		return err_set(err, ENOMEM, "out of memory");
	*list = grown;
	return 0;
}

void
rest_drop(const rest_t *r, CURL **easy)
{
	if (*easy == NULL)
		return;
	(void)curl_loop_remove(r->cl, *easy);   /* -1 when over already: nothing to undo */
	curl_easy_cleanup(*easy);
	*easy = NULL;
}
