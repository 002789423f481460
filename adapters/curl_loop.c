/*
 * curl_loop — see curl_loop.h.
 *
 * The loop's readers watch for "readable" only (zmq_poll with POLLIN),
 * while libcurl also needs to know when a socket is writable (a connect in
 * progress, a request that did not fit the send buffer). So the sockets
 * libcurl names go into an epoll set of curl_loop's own, and that one
 * descriptor is the loop's reader: it is readable whenever any of them is
 * ready for what libcurl asked. The loop's API stays as small as it is, and
 * the shape works the same for one transfer or hundreds.
 *
 * libcurl's timer becomes a loop timer that deletes itself when it fires
 * (loop timers repeat). Neither callback calls back into libcurl: curl
 * forbids curl_multi_socket_action() from inside its own callbacks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "curl_loop.h"

#define EVENTS_MAX 32   /* epoll events read per wake-up; the rest stay ready */

typedef struct transfer {
	CURL *easy;
	curl_loop_done_fn *done;
	void *ctx;
} transfer_t;

struct curl_loop {
	loop_t *loop;
	CURLM *multi;
	int epfd;
	loop_handle_t reader;      /* epfd on the loop */
	loop_handle_t timer;       /* libcurl's timeout; -1 when none */
	transfer_t *xfers;         /* running, in the order they were added */
	size_t n, cap;
};

/* libcurl's global set-up (TLS libraries among it), once per process and
 * before its first transfer. curl_loop lives on the main thread only. */
static int
global_init(err_t *err)
{
	static bool done;
	CURLcode rc;

	if (done)
		return 0;
	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		return err_set(err, (int)rc, "libcurl: %s", curl_easy_strerror(rc));
	done = true;
	return 0;
}

/* What libcurl wants to hear of socket s: into the epoll set. */
static int
on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	curl_loop_t *cl = userp;
	struct epoll_event ev = { .data.fd = s };

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		/* Already gone if libcurl closed it first: nothing to undo. */
		(void)epoll_ctl(cl->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
	if (epoll_ctl(cl->epfd, EPOLL_CTL_MOD, s, &ev) == 0)
		return 0;
	if (errno == ENOENT && epoll_ctl(cl->epfd, EPOLL_CTL_ADD, s, &ev) == 0)
		return 0;
	return -1;   /* libcurl fails the transfer with CURLE_ABORTED_BY_CALLBACK */
}

static transfer_t *
find(curl_loop_t *cl, CURL *easy)
{
	for (size_t i = 0; i < cl->n; i++)
		if (cl->xfers[i].easy == easy)
			return &cl->xfers[i];
	return NULL;
}

/* Forgets the transfer (order kept: a done() may add or remove others). */
static void
forget(curl_loop_t *cl, transfer_t *t)
{
	size_t i = (size_t)(t - cl->xfers);

	memmove(t, t + 1, (cl->n - i - 1) * sizeof(*t));
	cl->n--;
}

/* The transfers libcurl reports over: each leaves the multi handle first,
 * so that done() may free its easy handle or start a new transfer. */
static void
finish(curl_loop_t *cl)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(cl->multi, &left)) != NULL) {
		CURL *easy = msg->easy_handle;
		CURLcode result = msg->data.result;
		transfer_t *t, copy;
		if (msg->msg != CURLMSG_DONE || (t = find(cl, easy)) == NULL)
			continue;
		copy = *t;
		forget(cl, t);
		(void)curl_multi_remove_handle(cl->multi, easy);
		copy.done(copy.ctx, easy, result);
	}
}

static void
act(curl_loop_t *cl, curl_socket_t s, int flags)
{
	int running;

	(void)curl_multi_socket_action(cl->multi, s, flags, &running);
	finish(cl);
}

static void
on_timer_due(void *ctx)
{
	curl_loop_t *cl = ctx;

	(void)loop_del_timer(cl->loop, cl->timer);
	cl->timer = -1;
	act(cl, CURL_SOCKET_TIMEOUT, 0);
}

/* libcurl's next time-out: -1 none, 0 at once (the next turn). */
static int
on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	curl_loop_t *cl = userp;

	(void)multi;
	if (cl->timer >= 0)
		(void)loop_del_timer(cl->loop, cl->timer);
	cl->timer = -1;
	if (timeout_ms < 0)
		return 0;
	cl->timer = loop_add_timer(cl->loop, timeout_ms, on_timer_due, cl, NULL);
	return cl->timer >= 0 ? 0 : -1;
}

static void
on_ready(void *ctx)
{
	curl_loop_t *cl = ctx;
	struct epoll_event ev[EVENTS_MAX];
	int n = epoll_wait(cl->epfd, ev, EVENTS_MAX, 0);

	for (int i = 0; i < n; i++) {
		int flags = ((ev[i].events & (EPOLLIN | EPOLLHUP)) ? CURL_CSELECT_IN : 0) |
		    ((ev[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
		    ((ev[i].events & EPOLLERR) ? CURL_CSELECT_ERR : 0);
		act(cl, ev[i].data.fd, flags);
	}
}

static int
set_callbacks(curl_loop_t *cl)
{
	return curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
	    curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl) != CURLM_OK ||
	    curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, on_timer) != CURLM_OK ||
	    curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl) != CURLM_OK ? -1 : 0;
}

curl_loop_t *
curl_loop_new(loop_t *loop, err_t *err)
{
	curl_loop_t *cl;

	if (global_init(err) != 0)
		return NULL;
	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	*cl = (curl_loop_t){ .loop = loop, .epfd = -1, .reader = -1, .timer = -1 };
	if ((cl->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		err_set(err, errno, "epoll_create1: %s", strerror(errno));
		goto fail;
	}
	if ((cl->multi = curl_multi_init()) == NULL || set_callbacks(cl) != 0) {
		err_set(err, ENOMEM, "libcurl: cannot make a multi handle");
		goto fail;
	}
	if ((cl->reader = loop_add_reader(loop, NULL, cl->epfd, on_ready, cl, err)) < 0)
		goto fail;
	return cl;
fail:
	curl_loop_free(&cl);
	return NULL;
}

void
curl_loop_free(curl_loop_t **pcl)
{
	curl_loop_t *cl = *pcl;

	if (cl == NULL)
		return;
	for (size_t i = 0; i < cl->n; i++)
		(void)curl_multi_remove_handle(cl->multi, cl->xfers[i].easy);
	cl->n = 0;
	if (cl->multi != NULL)
		(void)curl_multi_cleanup(cl->multi);   /* may still call on_socket, on_timer */
	if (cl->timer >= 0)
		(void)loop_del_timer(cl->loop, cl->timer);
	if (cl->reader >= 0)
		(void)loop_del_reader(cl->loop, cl->reader);
	if (cl->epfd >= 0)
		close(cl->epfd);
	free(cl->xfers);
	free(cl);
	*pcl = NULL;
}

int
curl_loop_add(curl_loop_t *cl, CURL *easy, curl_loop_done_fn *done, void *ctx, err_t *err)
{
	CURLMcode rc;

	if (cl->n == cl->cap) {
		size_t cap = cl->cap ? cl->cap * 2 : 4;
		transfer_t *grown = realloc(cl->xfers, cap * sizeof(*grown));
		if (grown == NULL)
			return err_set(err, ENOMEM, "out of memory");
		cl->xfers = grown;
		cl->cap = cap;
	}
	if ((rc = curl_multi_add_handle(cl->multi, easy)) != CURLM_OK)
		return err_set(err, (int)rc, "libcurl: %s", curl_multi_strerror(rc));
	cl->xfers[cl->n++] = (transfer_t){ easy, done, ctx };
	return 0;
}

int
curl_loop_remove(curl_loop_t *cl, CURL *easy)
{
	transfer_t *t = find(cl, easy);

	if (t == NULL)
		return -1;
	forget(cl, t);
	(void)curl_multi_remove_handle(cl->multi, easy);
	return 0;
}

size_t
curl_loop_running(const curl_loop_t *cl)
{
	return cl->n;
}
