/*
 * curl_loop — libcurl's multi interface driven by famlinkd's loop (loop.h),
 * for the adapters that talk to the network (email over SMTP, rest over
 * HTTP). A transfer is an easy handle the caller has set up; curl_loop runs
 * it beside everything else the loop does and calls the caller back once it
 * is over. No thread per request, and the loop never waits on the network:
 * libcurl tells curl_loop which sockets to watch and when to wake it
 * (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION), the loop wakes it.
 *
 * Ownership: the easy handle stays the caller's. curl_loop never frees it;
 * after done() has been called, or after curl_loop_remove(), it holds it no
 * longer, so the caller may curl_easy_cleanup() it (also inside done()).
 * Nothing here logs: a transfer's outcome is its CURLcode (and whatever
 * the caller reads with curl_easy_getinfo() in done()).
 *
 * Use:
 *     curl_loop_t *cl = curl_loop_new(loop, &err);
 *     CURL *e = curl_easy_init();  // set URL and options
 *     curl_loop_add(cl, e, on_done, ctx, &err);
 *     ... loop_run_once() ... on_done(ctx, e, CURLE_OK) ...
 *     curl_loop_free(&cl);
 */
#ifndef FAMLINK_CURL_LOOP_H
#define FAMLINK_CURL_LOOP_H

#include <curl/curl.h>
#include <stddef.h>

#include "err.h"
#include "loop.h"

typedef struct curl_loop curl_loop_t;

/* A transfer is over: result is libcurl's code for it (CURLE_OK: done,
 * which for HTTP says nothing of the status code: read
 * CURLINFO_RESPONSE_CODE). easy is no longer in the multi handle. */
typedef void curl_loop_done_fn(void *ctx, CURL *easy, CURLcode result);

/* A multi handle on loop, which must outlive it. NULL with err (out of
 * memory, or libcurl could not start). Free with curl_loop_free(). */
curl_loop_t *curl_loop_new(loop_t *loop, err_t *err);

/* Ends every transfer still running (their done() is not called), removes
 * what it registered with the loop and frees it; *cl is NULL after. Not
 * from inside a done() callback. */
void curl_loop_free(curl_loop_t **cl);

/* Starts easy; done(ctx, easy, result) is called once, from the loop,
 * when it is over. 0, or -1 with err (then done is never called). easy
 * must not be in a multi handle already. */
int curl_loop_add(curl_loop_t *cl, CURL *easy, curl_loop_done_fn *done, void *ctx,
    err_t *err);

/* Stops easy before it is over: done() is not called. 0, or -1 if it is
 * not one of cl's running transfers (already done, or never added). Safe
 * from inside any done() callback. */
int curl_loop_remove(curl_loop_t *cl, CURL *easy);

/* How many transfers are running. */
size_t curl_loop_running(const curl_loop_t *cl);

#endif
