/*
 * email — see email.h. Once a second (and at once after each mail) the
 * adapter looks for the oldest pending notification that is due, finds
 * its recipient's address, makes the mail (email_compose.h) and hands it
 * to libcurl; one mail is in flight at a time, so the queue drains in
 * order. When the transfer ends the outcome is recorded in a transaction
 * of its own: sent, or failed with the next try's time.
 *
 * Crash safety: a notification is marked sent only after the server said
 * 250 to its mail. A kill -9 between the two sends it again at the next
 * start, with the same Message-ID (email_mime_message_id()), so the
 * recipient's mail client can tell it is the same mail.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "curl_loop.h"
#include "email.h"
#include "email_compose.h"
#include "email_conf.h"
#include "log.h"
#include "store_notify.h"
#include "validate.h"

#define TICK_MS 1000
#define BATCH 64            /* pending notifications read at a time, for a digest */
#define DIGEST_MAX 20       /* notifications in one digest mail */
#define CONNECT_MS 10000
#define ADDRESS_MAX 255

typedef struct email {
	job_run_t *run;
	const char *name;                 /* its [adapter NAME] */
	email_conf_t conf;
	char password[256];
	email_templates_t *templates;
	curl_loop_t *cl;
	loop_handle_t timer;
	/* the mail in flight */
	CURL *easy;
	struct curl_slist *rcpt;
	char *mail;
	size_t len, off;
	int64_t ids[DIGEST_MAX];
	size_t nids;
	char msgid[256];                  /* its Message-ID, for the log */
	unsigned attempts;                /* failures before, of its oldest */
	/* sent, but the store would not record it yet: recorded before
	 * anything more is sent, so a broken store never has the same mail
	 * sent again and again */
	int64_t unrecorded[DIGEST_MAX];
	size_t nunrecorded;
	/* how it fares */
	unsigned failing;                 /* mails failed in a row */
	char last_error[160];
	bool read_failing;
} email_t;

/* ---- recording ---------------------------------------------------------- */

typedef struct outcome {
	email_t *e;
	const int64_t *ids;
	size_t n;
	const char *why;                  /* NULL: sent */
	int64_t now, next_at;
} outcome_t;

static int
record(void *ctx, err_t *err)
{
	outcome_t *o = ctx;
	store_t *store = job_store(o->e->run);

	for (size_t i = 0; i < o->n; i++)
		if ((o->why == NULL ? store_notify_sent(store, o->ids[i], o->now, err)
		    : store_notify_failed(store, o->ids[i], o->next_at, o->why, err)) < 0)
			return -1;
	return 0;
}

/* What was sent but not recorded, recorded now: 0, or -1 (still not). */
static int
record_unrecorded(email_t *e)
{
	outcome_t o = { e, e->unrecorded, e->nunrecorded, NULL, clock_now_ms(), 0 };

	if (e->nunrecorded == 0)
		return 0;
	if (job_store_rounds(e->run, record, &o) != 0)
		return -1;
	log_notice("email %s: notification %lld recorded sent at last", e->name,
	    (long long)e->unrecorded[0]);
	e->nunrecorded = 0;
	return 0;
}

/* Capped exponential backoff with jitter, so that nodes that failed
 * together do not retry together. */
static int64_t
retry_delay(const email_conf_t *c, unsigned attempts, bool permanent)
{
	int64_t d = c->retry_initial_ms;

	if (permanent)
		d = c->retry_max_ms;
	for (unsigned i = 0; i < attempts && d < c->retry_max_ms; i++)
		d *= 2;
	if (d > c->retry_max_ms)
		d = c->retry_max_ms;
	return d / 2 + (int64_t)(random() % (d / 2 + 1));
}

static void
log_failure(email_t *e, const char *why, int64_t delay)
{
	unsigned a = e->failing;

	if ((a & (a - 1)) == 0)   /* the 1st, 2nd, 4th, 8th … failure in a row */
		log_warning("email %s: notification %lld%s not sent (%u failed in a row): %s;"
		    " tried again in %lld s", e->name, (long long)e->ids[0], e->nids > 1 ? " and"
		    " the others of its digest" : "", a, why, (long long)((delay + 999) / 1000));
}

static void
failed(email_t *e, const char *why, bool permanent)
{
	int64_t delay = retry_delay(&e->conf, e->attempts, permanent);
	outcome_t o = { e, e->ids, e->nids, why, clock_now_ms(), 0 };

	o.next_at = o.now + delay;
	e->failing++;
	snprintf(e->last_error, sizeof(e->last_error), "%s", why);
	log_failure(e, why, delay);
	(void)job_store_rounds(e->run, record, &o);
}

/* A notification no mail can carry (no address for its role, a template
 * refused a value) waits at the longest retry: a config or template fixed
 * by then takes it on. */
static void
set_aside(email_t *e, int64_t id, const char *why)
{
	outcome_t o = { e, &id, 1, why, clock_now_ms(), 0 };

	o.next_at = o.now + e->conf.retry_max_ms;
	log_err("email %s: notification %lld cannot be mailed: %s; tried again in %u s",
	    e->name, (long long)id, why, e->conf.retry_max_ms / 1000);
	(void)job_store_rounds(e->run, record, &o);
}

static void
sent(email_t *e)
{
	outcome_t o = { e, e->ids, e->nids, NULL, clock_now_ms(), 0 };

	if (e->failing > 0)
		log_notice("email %s: sending again after %u failed mails", e->name, e->failing);
	e->failing = 0;
	e->last_error[0] = '\0';
	/* Not recorded (the store failed): kept here and recorded before
	 * anything more goes; only a restart meanwhile sends it again, with
	 * the same Message-ID (the window email.h speaks of). */
	if (job_store_rounds(e->run, record, &o) != 0) {
		memcpy(e->unrecorded, e->ids, e->nids * sizeof(e->ids[0]));
		e->nunrecorded = e->nids;
		return;
	}
	log_info("email %s: notification %lld sent (%zu in the mail, Message-ID <%s>)", e->name,
	    (long long)e->ids[0], e->nids, e->msgid);
}

/* ---- one transfer ------------------------------------------------------- */

static void
transfer_free(email_t *e)
{
	if (e->easy != NULL) {
		(void)curl_loop_remove(e->cl, e->easy);
		curl_easy_cleanup(e->easy);
	}
	curl_slist_free_all(e->rcpt);
	free(e->mail);
	e->easy = NULL;
	e->rcpt = NULL;
	e->mail = NULL;
	e->nids = 0;
}

static size_t
read_mail(char *buf, size_t size, size_t n, void *ctx)
{
	email_t *e = ctx;
	size_t take = e->len - e->off < size * n ? e->len - e->off : size * n;

	memcpy(buf, e->mail + e->off, take);
	e->off += take;
	return take;
}

static void pump_due(email_t *e);

/* libcurl 7.88 reports a 4xx after DATA as CURLE_WEIRD_SERVER_REPLY, like
 * a 5xx: the server's code tells a temporary failure from a permanent one.
 * The words are libcurl's and the code's, never the server's text (which
 * may quote an address). */
static void
on_sent(void *ctx, CURL *easy, CURLcode result)
{
	email_t *e = ctx;
	long code = 0;
	char why[160];

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (result == CURLE_OK) {
		sent(e);
	} else {
		if (code >= 400)
			snprintf(why, sizeof(why), "SMTP %ld (%s)", code, curl_easy_strerror(result));
		else
			snprintf(why, sizeof(why), "curl %d (%s)", (int)result,
			    curl_easy_strerror(result));
		failed(e, why, code >= 500 && code < 600);
	}
	curl_easy_cleanup(easy);
	e->easy = NULL;
	transfer_free(e);
	pump_due(e);
}

static CURL *
easy_for(email_t *e)
{
	const email_conf_t *c = &e->conf;
	static const long tls[] = { CURLUSESSL_ALL, CURLUSESSL_TRY, CURLUSESSL_NONE };
	CURL *easy = curl_easy_init();
	char from[ADDRESS_MAX + 3];

	if (easy == NULL)
		return NULL;
	snprintf(from, sizeof(from), "<%s>", c->from);
	if (curl_easy_setopt(easy, CURLOPT_URL, c->url) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, e->rcpt) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_mail) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_READDATA, e) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)e->len) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_USE_SSL, tls[c->starttls]) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->timeout_ms < CONNECT_MS
	    ? c->timeout_ms : CONNECT_MS)) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    (c->username != NULL && (curl_easy_setopt(easy, CURLOPT_USERNAME, c->username)
	    != CURLE_OK || curl_easy_setopt(easy, CURLOPT_PASSWORD, e->password) != CURLE_OK)) ||
	    (c->ca_file != NULL && curl_easy_setopt(easy, CURLOPT_CAINFO, c->ca_file) != CURLE_OK)) {
		curl_easy_cleanup(easy);
		return NULL;
	}
	return easy;
}

static int
start_transfer(email_t *e, const char *to, err_t *err)
{
	char rcpt[ADDRESS_MAX + 3];

	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	if ((e->rcpt = curl_slist_append(NULL, rcpt)) == NULL || (e->easy = easy_for(e)) == NULL)
		return err_set(err, ENOMEM, "libcurl: cannot set up a transfer");
	e->off = 0;
	if (curl_loop_add(e->cl, e->easy, on_sent, e, err) != 0) {
		curl_easy_cleanup(e->easy);
		e->easy = NULL;
		return -1;
	}
	return 0;
}

/* ---- what to send next -------------------------------------------------- */

/* The address a row's role stands for: the secretary's own from her
 * Referral, the pool's contact for the municipality from its [peer], or
 * the one configured. 1 with buf, 0 if there is none, -1 store error. */
static int
address_of(email_t *e, const notify_row_t *r, char *buf, size_t len, err_t *err)
{
	int role = email_role_of(r->recipient), rc;
	const peer_conf_t *peer;

	if (role == EMAIL_ROLE_SECRETARY && r->referral_id[0] != '\0') {
		if ((rc = store_notify_secretary(job_store(e->run), r->owner, r->referral_id, buf, len,
		    err)) < 0)
			return -1;
		if (rc == 1 && validate_email(buf))
			return 1;
	}
	if (role == EMAIL_ROLE_POOL_CONTACT && (peer = config_find_peer(job_config(e->run),
	    r->owner)) != NULL && peer->contact_email[0] != '\0') {
		snprintf(buf, len, "%s", peer->contact_email);
		return 1;
	}
	if (role < 0 || e->conf.address[role] == NULL)
		return 0;
	snprintf(buf, len, "%s", e->conf.address[role]);
	return 1;
}

typedef struct batch {
	notify_row_t rows[BATCH];
	char to[BATCH][ADDRESS_MAX + 1];
	int n;
} batch_t;

/* The oldest row and those of the batch for the same address (digest on),
 * in order, into e->ids and out. */
static size_t
group(email_t *e, const batch_t *b, notify_row_t *out)
{
	size_t n = 0;

	for (int i = 0; i < b->n && n < (e->conf.digest_ms > 0 ? DIGEST_MAX : 1); i++)
		if (strcmp(b->to[i], b->to[0]) == 0) {
			out[n] = b->rows[i];
			e->ids[n++] = b->rows[i].id;
		}
	e->nids = n;
	e->attempts = b->rows[0].attempts;
	return n;
}

/* Reads the due rows and their addresses: how many, 0 for none, -1. */
static int
read_due(email_t *e, batch_t *b, int64_t now)
{
	store_t *store = job_store(e->run);
	int64_t at;
	err_t err;
	int rc;

	/* Only a digest needs the rows after the oldest (and their addresses). */
	if ((rc = store_notify_next(store, &at, &err)) == 1 && at <= now)
		rc = b->n = store_notify_due(store, now, e->conf.digest_ms > 0 ? BATCH : 1, b->rows,
		    &err);
	else if (rc == 1)
		rc = 0;
	for (int i = 0; rc > 0 && i < b->n; i++)
		if (address_of(e, &b->rows[i], b->to[i], sizeof(b->to[i]), &err) < 0)
			rc = -1;
		else if (b->to[i][0] == '\0' && i == 0)
			rc = 0, set_aside(e, b->rows[0].id, "no address for its recipient's role");
	if (rc < 0 && !e->read_failing)
		log_warning("email %s: cannot read the notifications: %s", e->name, err.msg);
	e->read_failing = rc < 0;
	return rc;
}

/* One mail started, if one is due: true when a notification was set aside
 * instead (no mail can carry it), so that the next may go at once. */
static bool
pump(email_t *e)
{
	email_compose_t c = { e->templates, e->conf.lang, job_config(e->run)->node_id,
	    e->conf.from };
	notify_row_t rows[DIGEST_MAX];
	int64_t now = clock_now_ms();
	batch_t *b;
	size_t n;
	err_t err;

	if (e->easy != NULL || record_unrecorded(e) != 0 || (b = calloc(1, sizeof(*b))) == NULL)
		return false;
	if (read_due(e, b, now) <= 0 ||
	    (e->conf.digest_ms > 0 && b->rows[0].at > now - (int64_t)e->conf.digest_ms)) {
		free(b);   /* nothing due; or a digest still gathering */
		return false;
	}
	n = group(e, b, rows);
	e->mail = email_compose(&c, rows, n, now, &e->len, e->msgid, &err);
	if (e->mail == NULL && n > 1) {   /* one of the digest is refused: the oldest alone */
		e->nids = 1;
		e->mail = email_compose(&c, rows, 1, now, &e->len, e->msgid, &err);
	}
	if (e->mail == NULL) {
		free(b);
		set_aside(e, rows[0].id, err.msg);
		return true;
	}
	if (start_transfer(e, b->to[0], &err) != 0) {
		log_warning("email %s: %s", e->name, err.msg);
		transfer_free(e);
	}
	free(b);
	return false;
}

/* A notification set aside does not hold up the next one until the next
 * tick: when its retry comes at every tick, it would hold it up for good. */
#define SET_ASIDE_AT_ONCE 16

static void
pump_due(email_t *e)
{
	for (int i = 0; i < SET_ASIDE_AT_ONCE && pump(e); i++)
		;
}

static void
on_tick(void *ctx)
{
	pump_due(ctx);
}

/* ---- the job ------------------------------------------------------------- */

/* The SMTP password: the first line of a file only the service user may
 * read (as its keys are). */
static int
read_password(email_t *e, err_t *err)
{
	const char *path = e->conf.password_file;
	struct stat st;
	FILE *f;

	if (path == NULL)
		return 0;
	if ((f = fopen(path, "r")) == NULL)
		return err_set(err, errno, "password_file %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
		fclose(f);
		return err_set(err, EACCES, "password_file %s: group or others may read it (chmod"
		    " 600 it)", path);
	}
	if (fgets(e->password, sizeof(e->password), f) == NULL)
		e->password[0] = '\0';
	fclose(f);
	e->password[strcspn(e->password, "\r\n")] = '\0';
	return 0;
}

static void
email_stop(job_run_t *self)
{
	email_t *e = self->state;

	if (e == NULL)
		return;
	transfer_free(e);
	curl_loop_free(&e->cl);
	if (e->timer >= 0)
		(void)loop_del_timer(job_loop(self), e->timer);
	email_templates_free(&e->templates);
	explicit_bzero(e->password, sizeof(e->password));
	free(e);
	self->state = NULL;
}

static int
email_start(job_run_t *self, err_t *err)
{
	email_t *e = calloc(1, sizeof(*e));

	if ((self->state = e) == NULL)
		return err_set(err, ENOMEM, "out of memory");
	e->run = self;
	e->name = self->conf->name;
	e->timer = -1;
	email_conf_read(self->conf, &e->conf);
	if (read_password(e, err) != 0 ||
	    (e->templates = email_templates_load(e->conf.templates, e->conf.lang, err)) == NULL ||
	    (e->cl = curl_loop_new(job_loop(self), err)) == NULL ||
	    (e->timer = loop_add_timer(job_loop(self), TICK_MS, on_tick, e, err)) < 0) {
		err_prefix(err, "[adapter %s]", e->name);
		email_stop(self);
		return -1;
	}
	log_info("email %s: mailing notifications (language %s, %s)", e->name,
	    report_lang_name(e->conf.lang), e->conf.digest_ms ? "digests" : "one mail each");
	pump_due(e);
	return 0;
}

static int
email_health(const job_run_t *self, char *why, size_t len)
{
	const email_t *e = self->state;

	if (e != NULL && e->nunrecorded > 0) {
		snprintf(why, len, "notification %lld was mailed but the store has not recorded it",
		    (long long)e->unrecorded[0]);
		return -1;
	}
	if (e == NULL || e->failing == 0)
		return 0;
	snprintf(why, len, "%u mails failed in a row; the last: %s", e->failing, e->last_error);
	return -1;
}

static const job_ops_t email_job = {
	.name = "email", .start = email_start, .stop = email_stop, .health = email_health,
};

const adapter_type_t email_adapter = {
	{ "email", email_keys, email_check }, &email_job,
};
