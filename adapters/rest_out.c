/*
 * rest_out — items to send, asked for at outbound_url (rest.h). A poll is
 * one GET, its answer a JSON array of {"id", "message"}; at most
 * ITEMS_PER_POLL items are taken from it. Each is judged as famlinkctl
 * send judges a file and queued in one transaction that also records its
 * id (store_collected.h). Only after the commit is each confirmed at
 * ack_url, one POST at a time; then the next poll is due. A kill -9 after
 * the commit, or an ack that did not arrive, leaves the item in the list:
 * offered again, it is found by its id and confirmed again with the
 * message id it became, never queued twice. A refused item is not
 * recorded: offered again, it is judged again. Item ids are the case
 * system's to choose (they may name a person): the log gives message ids
 * and counts, the ack the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "collect.h"
#include "confval.h"
#include "log.h"
#include "rest.h"
#include "store_collected.h"

#define ITEMS_PER_POLL 64
#define ANSWER_MAX_BYTES (64u << 20)   /* attachments in base64, and the rest */
#define ITEM_ID_MAX 200
#define WARN_EVERY_MS 60000   /* what keeps happening is said this often */

typedef enum {
	ITEM_PASSED,     /* no usable id, an id twice in one answer, or the store failed */
	ITEM_NEW,
	ITEM_KNOWN,      /* queued before: confirmed again */
	ITEM_REFUSED,
	ITEM_QUEUED,
} item_state_t;

typedef struct item {
	char id[ITEM_ID_MAX + 1];
	char message_id[33];
	item_state_t state;
	outgoing_t msg;
	char why[512];               /* refused: what is wrong and where */
} item_t;

/* What keeps happening (a poll or an ack failing, items refused or passed
 * over at every poll) is said once a minute while it lasts. */
typedef struct trouble {
	bool on;
	int64_t said_ms;             /* monotonic; 0: not said yet */
} trouble_t;

struct rest_out {
	bool busy;                   /* a poll or its acks are under way */
	int64_t next_poll_ms;        /* monotonic */
	CURL *easy;                  /* the poll or the ack in flight */
	rest_body_t answer;
	struct curl_slist *get_headers, *ack_headers;
	char *ack_body;
	item_t items[ITEMS_PER_POLL];
	int n;                       /* items of this poll */
	int acking;                  /* the one whose ack is in flight */
	bool more;                   /* the answer held more, and this poll got on */
	trouble_t poll_trouble, ack_trouble, known, refused, passed;
};

/* Whether a line about t is due now (then it is taken as said). */
static bool
trouble_due(trouble_t *t)
{
	int64_t now = clock_mono_ms();

	t->on = true;
	if (t->said_ms != 0 && now - t->said_ms < WARN_EVERY_MS)
		return false;
	t->said_ms = now;
	return true;
}

static void
trouble_say(rest_t *r, trouble_t *t, const char *what, const char *message_id,
    const err_t *err)
{
	if (!trouble_due(t))
		return;
	log_warning("adapter %s: %s%s%s failed: %s", r->name, what, message_id ? " of " : "",
	    message_id ? message_id : "", err->msg);
}

static void
trouble_over(rest_t *r, trouble_t *t, const char *what)
{
	if (t->on)
		log_notice("adapter %s: %s works again", r->name, what);
	*t = (trouble_t){0};
}

static void
release_items(rest_out_t *o)
{
	for (int i = 0; i < o->n; i++)
		outgoing_release(&o->items[i].msg);
	o->n = 0;
}

/* The poll is over (acks and all): the next one is due after poll_ms, at
 * once when the answer held more than was taken and this one got on. */
static void
finish(rest_t *r)
{
	rest_out_t *o = r->out;

	release_items(o);
	o->busy = false;
	o->next_poll_ms = clock_mono_ms() + (o->more ? 0 : r->poll_ms);
	o->more = false;
}

/* ---- judging -------------------------------------------------------------- */

static void
refuse(item_t *it, const char *why)
{
	char safe[sizeof(it->why)];

	it->state = ITEM_REFUSED;
	snprintf(it->why, sizeof(it->why), "%s", log_escape(why, safe, sizeof(safe)));
}

static bool
taken_before(const rest_out_t *o, const item_t *it)
{
	for (const item_t *p = o->items; p < it; p++)
		if (p->state != ITEM_PASSED && strcmp(p->id, it->id) == 0)
			return true;
	return false;
}

/* One item of the answer: its state says what comes next. */
static void
judge(rest_t *r, item_t *it, json_t *v)
{
	const char *id = json_string_value(json_object_get(v, "id"));
	json_t *message = json_object_get(v, "message");
	err_t err = {0};
	char *text;
	int rc;

	memset(it, 0, sizeof(*it));
	it->state = ITEM_PASSED;
	if (id == NULL || id[0] == '\0' || strlen(id) > ITEM_ID_MAX || !confval_text(id))
		return;
	snprintf(it->id, sizeof(it->id), "%s", id);
	if (taken_before(r->out, it))
		return;
	if ((rc = store_collected_get(job_store(r->self), r->name, it->id, it->message_id,
	    &err)) != 0) {
		it->state = rc > 0 ? ITEM_KNOWN : ITEM_PASSED;   /* the store failed: not now */
		return;
	}
	it->state = ITEM_NEW;
	if (!json_is_object(message))
		return refuse(it, "message: missing, or not an object");
	if ((text = json_dumps(message, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		return refuse(it, "message: cannot be read (out of memory)");
	if (outgoing_parse(job_config(r->self), text, strlen(text), NULL, NULL, 0, &it->msg,
	    &err) != 0)
		refuse(it, err.msg);
	free(text);
}

/* The answer into items: 0, or -1 with err (it is not a JSON array). */
static int
take_items(rest_t *r, err_t *err)
{
	rest_out_t *o = r->out;
	json_error_t jerr;
	json_t *list, *v;
	size_t i;

	list = json_loadb(o->answer.data ? o->answer.data : "", o->answer.len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (list == NULL)
		return err_set(err, 0, "the answer is not JSON (line %d column %d)", jerr.line,
		    jerr.column);
	if (!json_is_array(list)) {
		json_decref(list);
		return err_set(err, 0, "the answer is not a JSON array");
	}
	o->more = json_array_size(list) > ITEMS_PER_POLL;
	json_array_foreach(list, i, v) {
		if (o->n == ITEMS_PER_POLL)
			break;
		judge(r, &o->items[o->n++], v);
	}
	json_decref(list);
	return 0;
}

/* One transaction: every new item queued and recorded, or refused back to
 * its savepoint. -1 only when the store fails (all is rolled back). */
static int
enqueue_round(void *ctx, err_t *err)
{
	rest_t *r = ctx;
	rest_out_t *o = r->out;
	int64_t now = clock_now_ms();

	for (int i = 0; i < o->n; i++) {
		item_t *it = &o->items[i];
		err_t why = {0};
		int rc;
		if (it->state != ITEM_NEW)
			continue;
		if ((rc = collect_enqueue(r->self, it->id, &it->msg, now, &why, err)) < 0)
			return -1;
		if (rc == 0) {
			refuse(it, why.msg);
			continue;
		}
		it->state = ITEM_QUEUED;
		snprintf(it->message_id, sizeof(it->message_id), "%s", it->msg.env->message_id);
	}
	return 0;
}

/* After the commit: what came of this poll, by message id and count (the
 * counts once a minute while the same keeps coming). */
static void
settle(rest_t *r)
{
	rest_out_t *o = r->out;
	int count[ITEM_QUEUED + 1] = {0};

	for (int i = 0; i < o->n; i++) {
		count[o->items[i].state]++;
		if (o->items[i].state == ITEM_QUEUED)
			log_info("adapter %s: queued %s from an item", r->name, o->items[i].message_id);
	}
	if (count[ITEM_KNOWN] == 0)
		o->known = (trouble_t){0};
	else if (trouble_due(&o->known))
		log_notice("adapter %s: %d item(s) queued before offered again: confirmed again,"
		    " not queued", r->name, count[ITEM_KNOWN]);
	if (count[ITEM_REFUSED] == 0)
		o->refused = (trouble_t){0};
	else if (trouble_due(&o->refused))
		log_warning("adapter %s: %d item(s) refused: each one's confirmation says why",
		    r->name, count[ITEM_REFUSED]);
	if (count[ITEM_PASSED] == 0)
		o->passed = (trouble_t){0};
	else if (trouble_due(&o->passed))
		log_warning("adapter %s: %d item(s) passed over: no usable id (a string of 1 to %d"
		    " characters), an id twice in one answer, or the store failed", r->name,
		    count[ITEM_PASSED], ITEM_ID_MAX);
	o->more = o->more && count[ITEM_QUEUED] + count[ITEM_REFUSED] > 0;
	if (count[ITEM_QUEUED] > 0)
		job_queued(r->self);
}

/* ---- confirming ----------------------------------------------------------- */

static void ack_next(rest_t *r);

static void
on_acked(void *ctx, CURL *easy, CURLcode result)
{
	rest_t *r = ctx;
	rest_out_t *o = r->out;
	item_t *it = &o->items[o->acking];
	err_t err = {0};
	long status;
	int rc = rest_outcome(r, easy, result, &status, &err);

	rest_drop(r, &o->easy);
	free(o->ack_body);
	o->ack_body = NULL;
	if (rc == 0) {
		trouble_over(r, &o->ack_trouble, "confirming");
		log_debug("adapter %s: confirmed %s", r->name, it->state == ITEM_REFUSED ?
		    "a refused item" : it->message_id);
	} else {
		trouble_say(r, &o->ack_trouble, "the confirmation", it->state == ITEM_REFUSED ?
		    NULL : it->message_id, &err);
		if (status == 0) {   /* no answer at all: the rest wait for the next poll */
			finish(r);
			return;
		}
	}
	ack_next(r);
}

/* {"id", "messageId", "status": "queued"} or {"id", "status": "refused",
 * "error"}: 0 and the request started, or -1 with err. */
static int
send_ack(rest_t *r, const item_t *it, err_t *err)
{
	rest_out_t *o = r->out;
	json_t *j = it->state == ITEM_REFUSED ?
	    json_pack("{s:s, s:s, s:s}", "id", it->id, "status", "refused", "error", it->why) :
	    json_pack("{s:s, s:s, s:s}", "id", it->id, "messageId", it->message_id, "status",
	    "queued");
	CURLcode rc;

	o->ack_body = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (o->ack_body == NULL)
		return err_set(err, 0, "out of memory");
	o->answer = (rest_body_t){ .max = 0 };
	if ((o->easy = rest_easy(r, r->ack_url, &o->answer, err)) == NULL)
		return -1;
	if ((rc = curl_easy_setopt(o->easy, CURLOPT_HTTPHEADER, o->ack_headers)) != CURLE_OK ||
	    (rc = curl_easy_setopt(o->easy, CURLOPT_POSTFIELDS, o->ack_body)) != CURLE_OK)
		return err_set(err, (int)rc, "curl %d: %s", (int)rc, curl_easy_strerror(rc));
	return curl_loop_add(r->cl, o->easy, on_acked, r, err);
}

/* The next item to confirm, or the poll is over. */
static void
ack_next(rest_t *r)
{
	rest_out_t *o = r->out;
	err_t err = {0};

	while (++o->acking < o->n) {
		item_t *it = &o->items[o->acking];
		if (it->state != ITEM_QUEUED && it->state != ITEM_KNOWN && it->state != ITEM_REFUSED)
			continue;
		if (send_ack(r, it, &err) == 0)
			return;
		rest_drop(r, &o->easy);
		free(o->ack_body);
		o->ack_body = NULL;
		trouble_say(r, &o->ack_trouble, "the confirmation", NULL, &err);
		break;
	}
	finish(r);
}

/* ---- polling -------------------------------------------------------------- */

static void
on_polled(void *ctx, CURL *easy, CURLcode result)
{
	rest_t *r = ctx;
	rest_out_t *o = r->out;
	err_t err = {0};
	long status;
	int rc = o->answer.over ? err_set(&err, 0, "the answer is over %u MiB",
	    ANSWER_MAX_BYTES >> 20) : rest_outcome(r, easy, result, &status, &err);

	rest_drop(r, &o->easy);
	rc = rc != 0 ? rc : take_items(r, &err);
	free(o->answer.data);   /* taken: the acks reuse answer */
	o->answer = (rest_body_t){0};
	if (rc != 0) {
		trouble_say(r, &o->poll_trouble, "a poll", NULL, &err);
		finish(r);
		return;
	}
	trouble_over(r, &o->poll_trouble, "polling");
	if (job_store_rounds(r->self, enqueue_round, r) != 0) {
		o->more = false;
		finish(r);   /* logged by the node; all of it again at the next poll */
		return;
	}
	settle(r);
	o->acking = -1;
	ack_next(r);
}

void
rest_collect(job_run_t *self)
{
	rest_t *r = self->state;
	rest_out_t *o = r->out;
	err_t err = {0};

	if (o == NULL || o->busy || clock_mono_ms() < o->next_poll_ms)
		return;
	o->answer = (rest_body_t){ .max = ANSWER_MAX_BYTES };
	if ((o->easy = rest_easy(r, r->out_url, &o->answer, &err)) == NULL ||
	    (curl_easy_setopt(o->easy, CURLOPT_HTTPHEADER, o->get_headers) != CURLE_OK &&
	    err_set(&err, 0, "libcurl: cannot set the headers") != 0) ||
	    curl_loop_add(r->cl, o->easy, on_polled, r, &err) != 0) {
		rest_drop(r, &o->easy);
		trouble_say(r, &o->poll_trouble, "a poll", NULL, &err);
		finish(r);
		return;
	}
	o->busy = true;
}

/* ---- start and stop ------------------------------------------------------- */

int
rest_out_new(rest_t *r, err_t *err)
{
	rest_out_t *o = calloc(1, sizeof(*o));

	if ((r->out = o) == NULL)
		return err_set(err, 0, "out of memory");
	if (rest_header(&o->get_headers, "Accept", "application/json", err) != 0 ||
	    rest_header(&o->ack_headers, "Content-Type", "application/json", err) != 0)
		return -1;
	return 0;
}

void
rest_out_free(rest_t *r)
{
	rest_out_t *o = r->out;

	if (o == NULL)
		return;
	rest_drop(r, &o->easy);
	release_items(o);
	free(o->answer.data);
	free(o->ack_body);
	curl_slist_free_all(o->get_headers);
	curl_slist_free_all(o->ack_headers);
	free(o);
	r->out = NULL;
}
