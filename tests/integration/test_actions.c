/*
 * Integration: the operator's actions on stuck messages against a live hub
 * and municipality.
 * - retry of a message never answered (the hub stopped with SIGSTOP) keeps
 *   its id: famlinkd resends it at once, and the hub stores it once.
 * - a municipality's [hub] id with a typo: its Referral stays queued for
 *   "pool:tset". Once the config is fixed (restart), its ReferralClosed
 *   reaches the hub first and is rejected (UNKNOWN_REFERRAL: a dead
 *   letter); peers forget of the misspelt peer is refused while it holds
 *   the Referral; readdress to the hub delivers the Referral under a new id;
 *   then retry --all-dead sends the dead letter again under a new id that
 *   names the old one, and the hub takes it (the referral closed there).
 *   show of each id names the other, the audit has both with the Unix
 *   user, status counts no dead letter (its total stays in --json), the hub
 *   shows no sequence skip, and after ack-alarm and peers forget status
 *   --check is 0 and the misspelt peer is gone.
 * - discard without a terminal and without --yes is refused, with --yes it
 *   puts the message away, and on a terminal (script(1)) it asks: "n"
 *   keeps the message, "y" discards it; neither is offered to retry again.
 *   hold keeps a message and those behind it from the hub until release;
 *   the hub's skip of the discarded sequences shows in its status and
 *   status --check until ack-alarm clears it.
 * - close-local after reset-store: a referral the new store does not know
 *   is recorded closed and audited; one it knows, one closed already and
 *   the hub are refused.
 */
#include <jansson.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define OUT 65536
#define WAIT_MS 15000
#define MUNI (&c->muni[0])
#define HUB (&c->hub)
#define RID "0101-2026-000001"

/* famlinkctl ARGS… on n, expecting exit status want; its output in out. */
#define run(n, want, out, ...) ctl_run_want(n, want, out, OUT, __VA_ARGS__)

/* Sends a Referral of rid from n: its message id into id. */
static void
send_referral(node_proc_t *n, const char *rid, char id[64])
{
	char json[1024], out[OUT];
	const char *at;

	snprintf(json, sizeof(json), "{\"referral\": {\"referralId\": \"%s\", \"kind\":"
	    " \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\", \"decision\":"
	    " {\"taken\": true, \"decidedOn\": \"2025-01-15\", \"legalBasis\": \"LEGAL_BASIS_SOL\"},"
	    " \"child\": {\"alias\": \"Alias-4711\", \"birthYear\": 2016},"
	    " \"secretary\": {\"name\": \"Test Secretary\"}}}", rid);
	if (ctl_send_json(n, "--json", json, out, sizeof(out)) != 0)
		fail_msg("send %s on %s refused: %s", rid, n->id, out);
	if ((at = strstr(out, "\"messageId\":\"")) == NULL)
		fail_msg("send --json printed no messageId: %s", out);
	snprintf(id, 64, "%.26s", at + 13);
}

/* The 26-character id after text in out, into id. */
static void
id_after(const char *out, const char *text, char id[64])
{
	const char *at = strstr(out, text);

	if (at == NULL)
		fail_msg("no \"%s\" in: %s", text, out);
	snprintf(id, 64, "%.26s", at + strlen(text));
}

/* The count of rows sql (with one %s: id) finds on n. */
static long
count_id(node_proc_t *n, const char *sql, const char *id)
{
	char q[512];

	snprintf(q, sizeof(q), sql, id);
	return db_long(n, q);
}

/* Waits until sql (with one %s: id) counts want rows on n. */
static void
wait_id(node_proc_t *n, const char *sql, const char *id, long want)
{
	char q[512];

	snprintf(q, sizeof(q), sql, id);
	wait_sql(n, q, want);
}

/* How many operator audit rows of message id on n name this process's
 * Unix user and hold text. */
static long
op_rows(node_proc_t *n, const char *id, const char *text)
{
	struct passwd *pw = getpwuid(getuid());
	char sql[768];

	assert_non_null(pw);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit WHERE event = 'op' AND"
	    " message_id = '%s' AND detail LIKE '%% by %s (uid %lu): %%%s%%'", id, pw->pw_name,
	    (unsigned long)getuid(), text);
	return db_long(n, sql);
}

/* The status --json peer object of peer on n (the caller frees all). */
static json_t *
status_peer(node_proc_t *n, const char *peer, json_t **status)
{
	const char *args[] = {"status", "--json", NULL};
	json_t *p;
	size_t i;

	*status = ctl_json(n, args);
	json_array_foreach(json_object_get(*status, "peers"), i, p)
		if (strcmp(json_str_at(p, "nodeId"), peer) == 0)
			return p;
	return NULL;
}

/* Whether n's process is stopped (state T in /proc/PID/stat), waiting up
 * to timeout_ms for it. */
static bool
wait_stopped(node_proc_t *n, int timeout_ms)
{
	char path[64], buf[512], *close_paren;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)n->pid);
	for (int waited = 0; waited <= timeout_ms; waited += 10) {
		FILE *f = fopen(path, "r");
		size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		if (f)
			fclose(f);
		buf[len] = '\0';
		/* "PID (comm) S …": the state after the last ')' */
		if ((close_paren = strrchr(buf, ')')) != NULL && close_paren[1] == ' ' &&
		    (close_paren[2] == 'T' || close_paren[2] == 't'))
			return true;
		usleep(10 * 1000);
	}
	return false;
}

static void
test_retry_unanswered_keeps_id(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char out[OUT], first[64], id[64], q[256];

	assert_int_equal(cluster_start_waited(c, WAIT_MS), 0);
	send_referral(MUNI, "0101-2026-000001", first);
	wait_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s' AND state ="
	    " 'delivered'", first, 1);

	/* The hub stops answering (not for long: heartbeats end a session
	 * after 3 s): the message is sent and left unanswered. SIGSTOP takes
	 * effect when the kernel next looks at the process: wait for it, or
	 * the hub may still take the message. */
	node_signal(HUB, SIGSTOP);
	if (!wait_stopped(HUB, WAIT_MS))
		fail_msg("the hub did not stop on SIGSTOP");
	send_referral(MUNI, "0101-2026-000002", id);
	snprintf(q, sizeof(q), "SELECT sent_up_to FROM peers WHERE node_id = '%s'", HUB->id);
	if (!wait_db(MUNI, q, 2, WAIT_MS)) {
		node_signal(HUB, SIGCONT);
		fail_msg("the municipality never sent the second referral");
	}
	run(MUNI, 0, out, (const char *[]){"retry", id, NULL});
	node_signal(HUB, SIGCONT);
	assert_non_null(strstr(out, "never answered: sent again with its id and sequence 2"));
	assert_true(wait_log(MUNI, "famlinkctl asked for a resend", WAIT_MS));
	wait_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s' AND state ="
	    " 'delivered'", id, 1);
	assert_int_equal(count_id(HUB, "SELECT count(*) FROM inbox WHERE message_id = '%s'", id),
	    1);
	assert_int_equal(count_id(HUB, "SELECT count(*) FROM audit WHERE event = 'in' AND"
	    " message_id = '%s'", id), 1);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), 2);   /* no new id */
	assert_int_equal(op_rows(MUNI, id, "never answered"), 1);
}

/* famlinkctl send of a ReferralClosed (withdrawn) of rid from n: its id. */
static void
send_closed(node_proc_t *n, const char *rid, char id[64])
{
	char json[512], out[OUT];

	snprintf(json, sizeof(json), "{\"referralClosed\": {\"referralId\": \"%s\","
	    " \"outcome\": \"CLOSING_OUTCOME_WITHDRAWN\"}}", rid);
	if (ctl_send_json(n, "--json", json, out, sizeof(out)) != 0)
		fail_msg("send of referralClosed %s on %s refused: %s", rid, n->id, out);
	id_after(out, "\"messageId\":\"", id);
}

/* The dead letter: once the municipality's [hub] id is fixed, its
 * ReferralClosed reaches the hub before the Referral, still queued for the
 * misspelt id: the hub rejects it (UNKNOWN_REFERRAL). */
static void
dead_closed(cluster_t *c, char closed[64])
{
	char out[OUT];

	send_closed(MUNI, RID, closed);
	wait_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s' AND state = 'dead'",
	    closed, 1);
	run(MUNI, 1, out, (const char *[]){"status", "--check", NULL});
	assert_non_null(strstr(out, "1 dead letter(s)"));
}

/* retry of the dead letter once the Referral is there: a new id naming
 * the old, both in show and in the audit, and no longer counted. */
static void
retry_closed(cluster_t *c, const char *old)
{
	char out[OUT], new_id[64];
	json_t *j, *st, *p;

	run(MUNI, 0, out, (const char *[]){"retry", "--all-dead", NULL});
	id_after(out, "dead letter, resent as ", new_id);
	assert_non_null(strstr(out, "1 dead letter(s) sent again, 0 refused"));
	wait_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s' AND state ="
	    " 'delivered'", new_id, 1);
	assert_int_equal(count_id(HUB, "SELECT count(*) FROM inbox WHERE message_id = '%s'",
	    new_id), 1);
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM referrals WHERE referral_id = '" RID
	    "' AND state = 'closed'"), 1);
	j = ctl_json(MUNI, (const char *[]){"show", "--json", old, NULL});
	assert_string_equal(json_str_at(j, "resentAs"), new_id);
	assert_string_equal(json_str_at(j, "state"), "dead");
	json_decref(j);
	j = ctl_json(MUNI, (const char *[]){"show", "--json", new_id, NULL});
	assert_string_equal(json_str_at(j, "resendOf"), old);
	json_decref(j);
	assert_int_equal(op_rows(MUNI, old, new_id), 1);
	assert_int_equal(op_rows(MUNI, new_id, old), 1);
	run(MUNI, 0, out, (const char *[]){"audit", "--message", new_id, NULL});
	assert_non_null(strstr(out, "resend of dead letter"));
	p = status_peer(MUNI, HUB->id, &st);
	assert_non_null(p);
	assert_int_equal(json_int_at(p, "deadLetters"), 0);
	assert_int_equal(json_int_at(p, "deadLettersTotal"), 1);
	assert_int_equal(json_int_at(st, "deadLetters"), 0);
	/* …and the readdressed Referral, set aside for "pool:tset". */
	assert_int_equal(json_int_at(st, "deadLettersTotal"), 2);
	json_decref(st);
	run(MUNI, 1, out, (const char *[]){"retry", old, NULL});
	assert_non_null(strstr(out, "sent again already"));
	run(MUNI, 2, out, (const char *[]){"retry", NULL});
}

/* Nothing lost at the hub. The municipality may show one skip: the hub
 * counted the Referral it once got for "pool:tset" (and rejected) in its
 * channel, which the municipality's channel to the right id did not; the
 * hub's Hello moved it on. ack-alarm clears it, and status --check is 0. */
static void
nothing_lost(cluster_t *c)
{
	char out[OUT];
	json_t *st, *p;

	p = status_peer(HUB, MUNI->id, &st);
	assert_non_null(p);
	assert_int_equal(json_int_at(p, "sequenceSkips"), 0);
	json_decref(st);
	p = status_peer(MUNI, "pool:tset", &st);
	assert_non_null(p);
	assert_int_equal(json_int_at(p, "waiting"), 0);
	assert_int_equal(json_int_at(p, "deadLetters"), 0);
	json_decref(st);
	p = status_peer(MUNI, HUB->id, &st);
	assert_non_null(p);
	assert_true(json_int_at(p, "sequenceSkips") <= 1);
	json_decref(st);
	run(MUNI, 0, out, (const char *[]){"ack-alarm", NULL});
	run(MUNI, 0, out, (const char *[]){"peers", "forget", "pool:tset", NULL});
	run(MUNI, 0, out, (const char *[]){"status", "--check", NULL});
}

static void
test_misspelt_hub_readdress_and_retry(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char out[OUT], old[64], new_id[64], closed[64], right[65];
	json_t *st;

	/* [hub] id with a typo: the Referral is queued for "pool:tset". */
	snprintf(right, sizeof(right), "%s", HUB->id);
	snprintf(HUB->id, sizeof(HUB->id), "pool:tset");
	cluster_write_muni_conf(c, MUNI);
	snprintf(HUB->id, sizeof(HUB->id), "%s", right);
	assert_int_equal(cluster_start_waited(c, WAIT_MS), 0);
	send_referral(MUNI, RID, old);
	wait_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s' AND peer = 'pool:tset'",
	    old, 1);
	run(MUNI, 1, out, (const char *[]){"readdress", old, "--peer", right, NULL});
	assert_non_null(strstr(out, "is not a peer in"));

	/* The config fixed, famlinkd restarted. */
	assert_int_equal(node_stop(MUNI), 0);
	assert_int_equal(node_log_rotate(MUNI), 0);
	cluster_write_muni_conf(c, MUNI);
	assert_int_equal(node_start(MUNI), 0);
	assert_true(wait_log(MUNI, node_started_text(MUNI), WAIT_MS));
	dead_closed(c, closed);
	run(MUNI, 1, out, (const char *[]){"peers", "forget", "pool:tset", NULL});
	assert_non_null(strstr(out, "holds 1 queued message(s)"));
	run(MUNI, 2, out, (const char *[]){"readdress", old, NULL});

	run(MUNI, 0, out, (const char *[]){"readdress", old, "--peer", right, NULL});
	id_after(out, " as ", new_id);
	wait_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s' AND state ="
	    " 'delivered'", new_id, 1);
	assert_int_equal(count_id(HUB, "SELECT count(*) FROM inbox WHERE message_id = '%s'",
	    new_id), 1);
	assert_int_equal(op_rows(MUNI, old, new_id), 1);
	assert_int_equal(op_rows(MUNI, new_id, old), 1);
	run(MUNI, 1, out, (const char *[]){"readdress", old, "--peer", right, NULL});
	retry_closed(c, closed);
	nothing_lost(c);

	/* The misspelt peer is forgotten; a configured one cannot be. */
	assert_null(status_peer(MUNI, "pool:tset", &st));
	json_decref(st);
	run(MUNI, 1, out, (const char *[]){"peers", "forget", right, NULL});
	assert_int_equal(count_id(MUNI, "SELECT count(*) FROM audit WHERE event = 'op' AND"
	    " peer = '%s' AND detail LIKE 'peers forget by %%'", "pool:tset"), 1);
}

/* famlinkctl discard ID on n with a terminal (script(1) gives it one),
 * answering answer: its exit status, its output in out. */
static int
discard_on_terminal(node_proc_t *n, const char *id, const char *answer, char *out)
{
	const char *build = getenv("FAMLINK_BUILD");
	char cmd[2048];
	size_t len;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "printf '%s\\n' | script -qec '%s/famlinkctl --config %s"
	    " discard %s' /dev/null 2>&1", answer, build ? build : "build", n->conf, id);
	if ((p = popen(cmd, "r")) == NULL)
		fail_msg("popen: %s", cmd);
	len = fread(out, 1, OUT - 1, p);
	out[len] = '\0';
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_discard_hold_ack_alarm(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char out[OUT], id1[64], id2[64], id3[64], id4[64], q[256];
	json_t *j, *st, *p;

	/* Queued while the hub is down. */
	assert_int_equal(node_start(MUNI), 0);
	send_referral(MUNI, "0101-2026-000001", id1);
	send_referral(MUNI, "0101-2026-000002", id2);
	send_referral(MUNI, "0101-2026-000003", id3);
	send_referral(MUNI, "0101-2026-000004", id4);

	run(MUNI, 2, out, (const char *[]){"discard", id3, NULL});   /* stdin: /dev/null */
	assert_non_null(strstr(out, "give --yes"));
	assert_int_equal(count_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s'"
	    " AND state = 'queued'", id3), 1);
	run(MUNI, 0, out, (const char *[]){"discard", "--yes", id3, NULL});
	assert_int_equal(count_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s'"
	    " AND state = 'dead'", id3), 1);
	assert_int_equal(op_rows(MUNI, id3, "discarded at sequence 3"), 1);
	/* On a terminal it asks. */
	assert_int_equal(discard_on_terminal(MUNI, id4, "n", out), 1);
	assert_non_null(strstr(out, "not discarded"));
	assert_int_equal(count_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s'"
	    " AND state = 'queued'", id4), 1);
	assert_int_equal(discard_on_terminal(MUNI, id4, "y", out), 0);
	assert_int_equal(count_id(MUNI, "SELECT count(*) FROM outbox WHERE message_id = '%s'"
	    " AND state = 'dead'", id4), 1);
	run(MUNI, 1, out, (const char *[]){"retry", id3, NULL});
	assert_non_null(strstr(out, "was discarded"));
	run(MUNI, 0, out, (const char *[]){"retry", "--all-dead", NULL});
	assert_non_null(strstr(out, "0 dead letter(s) sent again"));

	run(MUNI, 0, out, (const char *[]){"hold", id1, NULL});
	j = ctl_json(MUNI, (const char *[]){"show", "--json", id1, NULL});
	assert_true(json_is_true(json_object_get(j, "held")));
	json_decref(j);
	run(MUNI, 0, out, (const char *[]){"queue", NULL});
	assert_non_null(strstr(out, "held"));
	assert_non_null(strstr(out, "discarded by"));

	/* The hub comes: nothing passes the held message. */
	assert_int_equal(node_start(HUB), 0);
	snprintf(q, sizeof(q), "SELECT connected FROM peers WHERE node_id = '%s'", HUB->id);
	wait_sql(MUNI, q, 1);
	assert_false(wait_db(HUB, "SELECT count(*) FROM inbox", 1, 2000));
	run(MUNI, 0, out, (const char *[]){"release", id1, NULL});
	wait_sql(MUNI, "SELECT count(*) FROM outbox WHERE state = 'delivered'", 2);
	assert_int_equal(count_id(HUB, "SELECT count(*) FROM inbox WHERE message_id = '%s'", id3),
	    0);
	assert_int_equal(op_rows(MUNI, id1, "held at sequence 1"), 1);
	assert_int_equal(op_rows(MUNI, id1, "released at sequence 1"), 1);

	/* The hub skipped the discarded sequence: a status line until acked. */
	snprintf(q, sizeof(q), "SELECT count(*) FROM audit WHERE event = 'skip' AND peer = '%s'",
	    MUNI->id);
	wait_sql(HUB, q, 1);
	run(HUB, 1, out, (const char *[]){"status", "--check", NULL});
	assert_non_null(strstr(out, "sequence skip(s)"));
	run(HUB, 0, out, (const char *[]){"status", NULL});
	assert_non_null(strstr(out, "1 sequence skip(s)"));
	run(HUB, 0, out, (const char *[]){"ack-alarm", "--peer", MUNI->id, NULL});
	assert_non_null(strstr(out, "0 dead letter(s) and 1 sequence skip(s)"));
	run(HUB, 0, out, (const char *[]){"status", "--check", NULL});
	run(HUB, 0, out, (const char *[]){"status", NULL});
	assert_null(strstr(out, "sequence skip(s)"));
	p = status_peer(HUB, MUNI->id, &st);
	assert_non_null(p);
	assert_int_equal(json_int_at(p, "sequenceSkips"), 0);
	assert_int_equal(json_int_at(p, "sequenceSkipsTotal"), 1);
	json_decref(st);
	assert_int_equal(db_long(HUB, "SELECT count(*) FROM audit WHERE event = 'op' AND"
	    " detail LIKE 'ack-alarm by %'"), 1);

	/* The discarded one was acknowledged by the discard itself. */
	run(MUNI, 0, out, (const char *[]){"status", "--check", NULL});
}

/* After reset-store a municipality closes a referral its new store does not
 * know; one its store knows is refused (a ReferralClosed tells the pool). */
static void
test_close_local_after_reset(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char out[OUT], id[64];

	send_referral(MUNI, RID, id);
	run(MUNI, 1, out, (const char *[]){"close-local", RID, NULL});
	assert_non_null(strstr(out, "is known here"));
	run(MUNI, 0, out, (const char *[]){"reset-store", "--yes", NULL});
	run(MUNI, 0, out, (const char *[]){"close-local", RID, NULL});
	assert_non_null(strstr(out, "the pool was not told"));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM referrals WHERE referral_id = '" RID
	    "' AND state = 'closed'"), 1);
	assert_int_equal(count_id(MUNI, "SELECT count(*) FROM audit WHERE event = 'op' AND"
	    " detail LIKE 'referral %s: closed locally by %%'", RID), 1);
	run(MUNI, 0, out, (const char *[]){"audit", "--referral", RID, NULL});
	assert_non_null(strstr(out, "closed locally by"));
	run(MUNI, 1, out, (const char *[]){"close-local", RID, NULL});
	assert_non_null(strstr(out, "is closed already"));
	run(MUNI, 2, out, (const char *[]){"close-local", "a b", NULL});
	assert_int_equal(cluster_start_waited(c, WAIT_MS), 0);
	run(HUB, 1, out, (const char *[]){"close-local", RID, NULL});
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_retry_unanswered_keeps_id, cluster_teardown),
		cmocka_unit_test_teardown(test_misspelt_hub_readdress_and_retry, cluster_teardown),
		cmocka_unit_test_teardown(test_discard_hold_ack_alarm, cluster_teardown),
		cmocka_unit_test_teardown(test_close_local_after_reset, cluster_teardown),
	};

	/* discard asks on a terminal: these runs have none. */
	if (freopen("/dev/null", "r", stdin) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
