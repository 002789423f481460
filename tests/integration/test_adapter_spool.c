/*
 * Integration: the spool adapter on real daemons. A municipality's case
 * system drops files into its outbound folder and reads what arrives from
 * its inbound folder; the hub hands what it receives to a folder of its
 * own. Checked: a referral dropped as a file is queued, moved to done/,
 * handed over at the hub as MESSAGE_ID.json (its sender then sees
 * HANDED_OVER), and the hub's ReferralAck lands in the municipality's
 * inbound folder; every kind of bad file lands in failed/ with a one-line
 * .error saying what and where; links, fifos, odd names, hidden and
 * half-written files are never read; attachments travel as files both
 * ways with their checksum filled in; a file committed but not yet moved
 * when famlinkd is killed -9 is recognised at the next start, never queued
 * twice; and a run of kill -9s while files are dropped loses and doubles
 * none.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define WAIT_MS 15000
#define MUNI (&c->muni[0])
#define HUB (&c->hub)

static char muni_extra[2048], hub_extra[1024];

/* DIR/NAME of node n into buf. */
static const char *
in_dir(const node_proc_t *n, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", n->dir, name);
	return buf;
}

static void
make_dir(const char *path)
{
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

/* A hub and one municipality, each with a spool adapter: the
 * municipality's both ways (case/in, case/out), the hub's inbound only. */
static cluster_t *
spool_cluster(void)
{
	cluster_t *c = cluster_new(1, NULL);
	char path[700];

	make_dir(in_dir(MUNI, "case", path, sizeof(path)));
	make_dir(in_dir(MUNI, "case/in", path, sizeof(path)));
	make_dir(in_dir(MUNI, "case/out", path, sizeof(path)));
	make_dir(in_dir(HUB, "pool-in", path, sizeof(path)));
	snprintf(muni_extra, sizeof(muni_extra), "\n[adapter casefiles]\ntype = spool\n"
	    "inbound = case/in\noutbound = case/out\npoll_interval = 100ms\nstuck_after = 1h\n");
	snprintf(hub_extra, sizeof(hub_extra), "\n[adapter poolfiles]\ntype = spool\n"
	    "inbound = pool-in\n");
	MUNI->conf_extra = muni_extra;
	c->hub_extra = hub_extra;
	cluster_write_muni_conf(c, MUNI);
	cluster_write_hub_conf(c);
	return c;
}

static void
start(cluster_t *c)
{
	/* After the referrals' decision dates, whatever day the test runs. */
	clock_move_to(local_time_ms(2026, 12, 7, 10));
	assert_int_equal(cluster_start_waited(c, WAIT_MS), 0);
}

/* Writes text as the case system should: under a hidden name, then
 * renamed into place in the outbound folder. */
static void
drop(cluster_t *c, const char *name, const char *text)
{
	char tmp[800], path[800];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/case/out/.%s.tmp", MUNI->dir, name);
	snprintf(path, sizeof(path), "%s/case/out/%s", MUNI->dir, name);
	if ((f = fopen(tmp, "w")) == NULL)
		fail_msg("%s: %s", tmp, strerror(errno));
	fputs(text, f);
	fclose(f);
	if (rename(tmp, path) != 0)
		fail_msg("rename %s: %s", path, strerror(errno));
}

static const char *
referral_with_alias(const char *rid, const char *alias, char *buf, size_t len)
{
	snprintf(buf, len, "{\"referral\": {\"referralId\": \"%s\", \"kind\":"
	    " \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\", \"decision\":"
	    " {\"taken\": true, \"decidedOn\": \"2025-01-15\", \"legalBasis\": \"LEGAL_BASIS_SOL\"},"
	    " \"child\": {\"alias\": \"%s\", \"birthYear\": 2016},"
	    " \"secretary\": {\"name\": \"Test Secretary\"}}}\n", rid, alias);
	return buf;
}

static const char *
referral_text(const char *rid, char *buf, size_t len)
{
	return referral_with_alias(rid, "Test", buf, len);
}

static bool
exists(const node_proc_t *n, const char *rel)
{
	char path[1200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", n->dir, rel);
	return lstat(path, &st) == 0;
}

static bool
wait_file(const node_proc_t *n, const char *rel, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 20) {
		if (exists(n, rel))
			return true;
		usleep(20 * 1000);
	}
	return exists(n, rel);
}

static char *
slurp(const node_proc_t *n, const char *rel)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/%s", n->dir, rel);
	return file_text(path);
}

/* The first outbox message id of body type body at n, into id. */
static void
outbox_id(node_proc_t *n, const char *body, char id[64])
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) > 0 FROM outbox WHERE body_type = '%s'", body);
	assert_true(wait_db(n, sql, 1, WAIT_MS));
	snprintf(sql, sizeof(sql), "SELECT message_id FROM outbox WHERE body_type = '%s'"
	    " ORDER BY id LIMIT 1", body);
	db_text(n, sql, id, 64);
}

static void
test_spool_both_ways(void **state)
{
	cluster_t *c = *state = spool_cluster();
	char text[1024], id[64], rel[256], ack[64], *file;
	json_t *j;

	start(c);
	drop(c, "remiss-1.json", referral_text("0101-2026-000001", text, sizeof(text)));
	assert_true(wait_file(MUNI, "case/out/done/remiss-1.json", WAIT_MS));
	assert_false(exists(MUNI, "case/out/remiss-1.json"));
	outbox_id(MUNI, "referral", id);

	/* At the hub: MESSAGE_ID.json, the body as famlinkctl show gives it. */
	snprintf(rel, sizeof(rel), "pool-in/%s.json", id);
	assert_true(wait_file(HUB, rel, WAIT_MS));
	j = json_loads(file = slurp(HUB, rel), 0, NULL);
	free(file);
	assert_non_null(j);
	assert_string_equal(json_str_at(j, "messageId"), id);
	assert_string_equal(json_str_at(j, "bodyType"), "referral");
	assert_string_equal(json_str_at(json_object_get(json_object_get(j, "body"), "referral"),
	    "referralId"), "0101-2026-000001");
	json_decref(j);

	/* The sender sees HANDED_OVER once the hub's adapter has it. */
	snprintf(rel, sizeof(rel), "SELECT count(*) FROM outbox WHERE message_id = '%s' AND"
	    " handed_over_at IS NOT NULL", id);
	assert_true(wait_db(MUNI, rel, 1, WAIT_MS));

	/* The hub's ReferralAck reaches the municipality's case system. */
	outbox_id(HUB, "referral_ack", ack);
	snprintf(rel, sizeof(rel), "case/in/%s.json", ack);
	assert_true(wait_file(MUNI, rel, WAIT_MS));
	snprintf(rel, sizeof(rel), "SELECT count(*) FROM outbox WHERE message_id = '%s' AND"
	    " handed_over_at IS NOT NULL", ack);
	assert_true(wait_db(HUB, rel, 1, WAIT_MS));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM inbox WHERE id NOT IN (SELECT inbox_id FROM inbox_handover)"), 0);

	/* Both senders see it in famlinkctl referrals --json. */
	for (node_proc_t *n = MUNI; n != NULL; n = n == MUNI ? HUB : NULL) {
		const char *args[] = { "referrals", "--json", NULL };
		json_t *list = ctl_json(n, args), *r = json_array_get(list, 0);
		assert_int_equal(json_int_at(r, "sent"), 1);
		assert_int_equal(json_int_at(r, "sentHandedOver"), 1);
		json_decref(list);
	}
}

/* A file in failed/ with NAME.error beside it that says what. */
static void
assert_failed(cluster_t *c, const char *name, const char *says)
{
	char rel[400], *err;

	snprintf(rel, sizeof(rel), "case/out/failed/%s.error", name);
	if (!wait_file(MUNI, rel, WAIT_MS))
		fail_msg("%s: no .error in failed/", name);
	snprintf(rel, sizeof(rel), "case/out/failed/%s", name);
	assert_true(exists(MUNI, rel));
	snprintf(rel, sizeof(rel), "case/out/failed/%s.error", name);
	err = slurp(MUNI, rel);
	if (strstr(err, says) == NULL || strchr(err, '\n') != err + strlen(err) - 1)
		fail_msg("%s.error: want one line with \"%s\": %s", name, says, err);
	free(err);
}

static void
test_spool_refuses_bad_files(void **state)
{
	cluster_t *c = *state = spool_cluster();
	char text[1024], path[800], alias[128];

	start(c);
	drop(c, "bad-json.json", "{\"referral\": {\"referralId\": \"0101-2026-000001\",\n  \"kind\": }\n");
	drop(c, "unknown.json", "{\"referral\": {\"referralId\": \"0101-2026-000002\", \"colour\": 1}}");
	memset(alias, 'x', 100);
	alias[100] = '\0';
	referral_with_alias("0101-2026-000003", alias, text, sizeof(text));
	drop(c, "too-long.json", text);
	drop(c, "utf8.json", "{\"referral\": {\"referralId\": \"0101-2026-000004\", \"child\":"
	    " {\"alias\": \"Kalle \xff\"}}}");
	drop(c, "pnr.json", referral_with_alias("0101-2026-000005", "121212-1212", text,
	    sizeof(text)));
	drop(c, "not-allowed.json", "{\"contactMade\": {\"referralId\": \"0101-2026-000099\","
	    " \"proposalId\": \"f-1\", \"contactedOn\": \"2026-12-01\"}}");
	drop(c, "bad name.json", referral_text("0101-2026-000006", text, sizeof(text)));
	snprintf(path, sizeof(path), "%s/case/out/link.json", MUNI->dir);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	snprintf(path, sizeof(path), "%s/case/out/pipe.json", MUNI->dir);
	assert_int_equal(mkfifo(path, 0600), 0);

	assert_failed(c, "bad-json.json", "line 2 column");
	assert_failed(c, "unknown.json", "colour");
	assert_failed(c, "too-long.json", "referral.child.alias");
	assert_failed(c, "utf8.json", "UTF-8");
	assert_failed(c, "pnr.json", "personal identity number");
	assert_failed(c, "not-allowed.json", "0101-2026-000099");
	assert_failed(c, "bad name.json", "file name");
	assert_failed(c, "link.json", "symbolic link");
	assert_failed(c, "pipe.json", "not a regular file");
	/* Nothing of them was queued; no .error quotes the file's content. */
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), 0);
	{
		char *e = slurp(MUNI, "case/out/failed/pnr.json.error");
		assert_null(strstr(e, "1212"));
		free(e);
	}
}

/* Files being written are never read: hidden ones and those without the
 * suffix stay untouched until renamed into place. */
static void
test_spool_reads_only_whole_files(void **state)
{
	cluster_t *c = *state = spool_cluster();
	char text[1024], path[800], to[800];
	FILE *f;

	start(c);
	snprintf(path, sizeof(path), "%s/case/out/.half.json", MUNI->dir);
	f = fopen(path, "w");
	fputs("{\"referral\": {\"referralId\": \"0101-2026-0000", f);   /* half */
	fclose(f);
	snprintf(to, sizeof(to), "%s/case/out/half.json.part", MUNI->dir);
	f = fopen(to, "w");
	fputs("{\"referral\": {", f);
	fclose(f);
	/* A whole file dropped after them is taken: the look has passed them. */
	drop(c, "whole.json", referral_text("0101-2026-000001", text, sizeof(text)));
	assert_true(wait_file(MUNI, "case/out/done/whole.json", WAIT_MS));
	assert_true(exists(MUNI, "case/out/.half.json"));
	assert_true(exists(MUNI, "case/out/half.json.part"));
	assert_false(exists(MUNI, "case/out/failed/half.json.part"));
	/* Finished and renamed into place, it is taken. */
	f = fopen(path, "w");
	fputs(referral_text("0101-2026-000002", text, sizeof(text)), f);
	fclose(f);
	snprintf(to, sizeof(to), "%s/case/out/half.json", MUNI->dir);
	assert_int_equal(rename(path, to), 0);
	assert_true(wait_file(MUNI, "case/out/done/half.json", WAIT_MS));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), 2);
}

/* Committed but not moved when famlinkd died: at the next start the file
 * is recognised by its name and checksum and moved, not queued again. The
 * window is made to last: done/ is a plain file while the file is taken,
 * so the move after the commit fails and the file stays, as after a
 * kill -9; it is not queued again at the next looks either. */
static void
test_spool_kill9_between_queue_and_move(void **state)
{
	cluster_t *c = *state = spool_cluster();
	char text[1024], path[800];

	start(c);
	snprintf(path, sizeof(path), "%s/case/out/done", MUNI->dir);
	assert_int_equal(rmdir(path), 0);
	fclose(fopen(path, "w"));
	drop(c, "remiss.json", referral_text("0101-2026-000001", text, sizeof(text)));
	assert_true(wait_db(MUNI, "SELECT count(*) FROM collected", 1, WAIT_MS));
	assert_true(wait_log(MUNI, "cannot be moved out of the outbound folder", WAIT_MS));
	node_kill9(MUNI);
	assert_true(exists(MUNI, "case/out/remiss.json"));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(node_start(MUNI), 0);   /* makes done/ again */
	assert_true(wait_file(MUNI, "case/out/done/remiss.json", WAIT_MS));
	assert_true(wait_log(MUNI, "queued before a restart moved to done/", WAIT_MS));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox"), 1);
	assert_true(wait_db(HUB, "SELECT count(*) FROM inbox WHERE body_type = 'referral'", 1,
	    WAIT_MS));
}

/* kill -9 at whatever instant while files without a messageId are taken:
 * each becomes exactly one queued referral. */
static void
test_spool_kill9_loses_and_doubles_nothing(void **state)
{
	cluster_t *c = *state = spool_cluster();
	char text[1024], name[64], rid[64];
	int files = 0;

	start(c);
	srand((unsigned)time(NULL));
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 20; i++, files++) {
			snprintf(name, sizeof(name), "r-%03d.json", files);
			snprintf(rid, sizeof(rid), "0101-2026-%06d", files + 1);
			drop(c, name, referral_text(rid, text, sizeof(text)));
		}
		usleep((useconds_t)(rand() % 300) * 1000);
		node_kill9(MUNI);
		assert_int_equal(node_log_rotate(MUNI), 0);
		assert_int_equal(node_start(MUNI), 0);
	}
	snprintf(text, sizeof(text), "SELECT count(*) FROM collected");
	assert_true(wait_db(MUNI, text, files, 30000));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM outbox WHERE body_type = 'referral'"),
	    files);
	assert_int_equal(db_long(MUNI, "SELECT count(DISTINCT referral_id) FROM outbox"), files);
	for (int i = 0; i < files; i++) {
		snprintf(name, sizeof(name), "case/out/done/r-%03d.json", i);
		assert_true(wait_file(MUNI, name, WAIT_MS));
	}
}

/* The inbound folder cannot be written (it is not there yet, as a share
 * not mounted): the hand-over fails, is retried and shows in status; the
 * stuck notification goes out once; retention holds the referral back
 * (said once, also across a restart) until the message is handed over,
 * then purges it. */
static void
test_spool_failure_holds_retention(void **state)
{
	cluster_t *c = *state = spool_cluster();
	char path[800], out[65536], rel[256], rejected[64];
	const char *args[] = { "status", "--json", NULL }, *text_args[] = { "status", NULL };
	const char *refs[] = { "referrals", "--json", NULL };
	json_t *j, *a;

	snprintf(path, sizeof(path), "%s/case/in", MUNI->dir);
	assert_int_equal(rmdir(path), 0);
	start(c);
	drop(c, "utan-beslut.json", "{\"referral\": {\"referralId\": \"0101-2026-000001\", \"kind\":"
	    " \"REFERRAL_KIND_FOSTER_HOME\", \"urgency\": \"URGENCY_NORMAL\", \"decision\":"
	    " {\"taken\": false}, \"child\": {\"alias\": \"Test\", \"birthYear\": 2016},"
	    " \"secretary\": {\"name\": \"Test Secretary\"}}}");
	assert_true(wait_db(MUNI, "SELECT count(*) FROM referrals WHERE state = 'rejected'", 1,
	    WAIT_MS));
	assert_true(wait_db(MUNI, "SELECT count(*) FROM handovers WHERE attempts >= 1 AND"
	    " last_error LIKE '%No such file%'", 1, WAIT_MS));
	outbox_id(HUB, "referral_rejected", rejected);

	j = ctl_json(MUNI, args);
	a = json_array_get(json_object_get(j, "adapters"), 0);
	assert_non_null(a);
	assert_string_equal(json_str_at(a, "name"), "casefiles");
	assert_true(json_int_at(a, "waiting") >= 1);
	assert_true(json_int_at(a, "failures") >= 1);
	assert_non_null(strstr(json_str_at(a, "lastError"), "No such file"));
	json_decref(j);
	assert_int_equal(ctl_run(MUNI, out, sizeof(out), text_args), 0);
	assert_non_null(strstr(out, "adapter casefiles (spool): 1 received message(s) waiting;"
	    " failing since"));

	/* Past [retention] purge_after (90 days), the adapter still failing. */
	assert_int_equal(node_stop(MUNI), 0);
	clock_move_to(local_time_ms(2027, 4, 7, 10));
	assert_int_equal(node_log_rotate(MUNI), 0);
	assert_int_equal(node_start(MUNI), 0);
	assert_true(wait_log(MUNI, "held back: a received message of it is not handed over",
	    WAIT_MS));
	assert_true(wait_db(MUNI, "SELECT count(*) FROM notifications WHERE event ="
	    " 'adapter_stuck' AND adapter = 'casefiles'", 1, WAIT_MS));
	j = ctl_json(MUNI, refs);
	assert_true(json_is_string(json_object_get(json_array_get(j, 0), "heldForHandOverSince")));
	json_decref(j);
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM inbox WHERE length(envelope) = 0"), 0);

	/* Said once: not again at the next start. */
	assert_int_equal(node_stop(MUNI), 0);
	assert_int_equal(node_log_rotate(MUNI), 0);
	assert_int_equal(node_start(MUNI), 0);
	assert_true(wait_log(MUNI, node_started_text(MUNI), WAIT_MS));
	assert_int_equal(log_count(MUNI, "held back"), 0);

	/* The folder comes (and famlinkd starts again, so that the retry is
	 * not left to the backoff): handed over, the sender told, the stuck
	 * notice cleared. */
	assert_int_equal(node_stop(MUNI), 0);
	assert_int_equal(mkdir(path, 0750), 0);
	assert_int_equal(node_log_rotate(MUNI), 0);
	assert_int_equal(node_start(MUNI), 0);
	snprintf(rel, sizeof(rel), "case/in/%s.json", rejected);
	assert_true(wait_file(MUNI, rel, WAIT_MS));
	snprintf(path, sizeof(path), "SELECT count(*) FROM outbox WHERE message_id = '%s' AND"
	    " handed_over_at IS NOT NULL", rejected);
	assert_true(wait_db(HUB, path, 1, WAIT_MS));
	assert_true(wait_db(MUNI, "SELECT count(*) FROM notifications WHERE event ="
	    " 'adapter_cleared'", 1, WAIT_MS));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM notifications WHERE event ="
	    " 'adapter_stuck'"), 1);

	/* The next retention round purges it. */
	assert_int_equal(node_stop(MUNI), 0);
	assert_int_equal(node_log_rotate(MUNI), 0);
	assert_int_equal(node_start(MUNI), 0);
	assert_true(wait_log(MUNI, "retention: referral 0101-2026-000001", WAIT_MS));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM inbox WHERE length(envelope) > 0"), 0);
}

/* How many files in n's folder rel (not . and ..). */
static int
count_files(const node_proc_t *n, const char *rel)
{
	char path[800];
	DIR *d;
	struct dirent *e;
	int k = 0;

	snprintf(path, sizeof(path), "%s/%s", n->dir, rel);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		k += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return k;
}

/* A kill -9 after the file was in place but before famlinkd recorded the
 * hand-over leaves the store as if it had not happened: the message is
 * handed over again under the same name (the idempotency key), replacing
 * the file, and no second file appears. The store is put in that state
 * by hand while famlinkd is stopped. */
static void
test_spool_redelivery_same_name(void **state)
{
	cluster_t *c = *state = spool_cluster();
	char text[1024], ack[64], rel[256], cmd[1200], *before, *after;
	struct stat st;
	ino_t ino;

	start(c);
	drop(c, "remiss.json", referral_text("0101-2026-000001", text, sizeof(text)));
	outbox_id(HUB, "referral_ack", ack);
	snprintf(rel, sizeof(rel), "case/in/%s.json", ack);
	assert_true(wait_file(MUNI, rel, WAIT_MS));
	assert_true(wait_db(MUNI, "SELECT count(*) FROM inbox_handover", 1,
	    WAIT_MS));
	before = slurp(MUNI, rel);
	snprintf(cmd, sizeof(cmd), "%s/%s", MUNI->dir, rel);
	assert_int_equal(stat(cmd, &st), 0);
	ino = st.st_ino;
	node_kill9(MUNI);
	snprintf(cmd, sizeof(cmd), "sqlite3 %s/famlink.db \"UPDATE handovers SET done_up_to = 0;"
	    " DELETE FROM inbox_handover\"", MUNI->dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(node_start(MUNI), 0);
	assert_true(wait_db(MUNI, "SELECT count(*) FROM inbox_handover", 1,
	    WAIT_MS));
	after = slurp(MUNI, rel);
	assert_string_equal(before, after);
	snprintf(cmd, sizeof(cmd), "%s/%s", MUNI->dir, rel);
	assert_int_equal(stat(cmd, &st), 0);
	assert_true(st.st_ino != ino);   /* written again, renamed over the first */
	assert_int_equal(count_files(MUNI, "case/in"), 1);
	free(before);
	free(after);
}

/* A spool section with neither folder, or a group that does not exist, is
 * refused by --check-config at its line. */
static void
test_spool_config_checked(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char out[8192];

	MUNI->conf_extra = "\n[adapter nowhere]\ntype = spool\n\n[adapter grouped]\ntype = spool\n"
	    "inbound = .\ngroup = no-such-group-famlink\n";
	cluster_write_muni_conf(c, MUNI);
	assert_int_equal(node_check_config(MUNI, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "[adapter nowhere]: give inbound, outbound or both"));
	assert_non_null(strstr(out, "group = no-such-group-famlink: no such group"));
	assert_non_null(strstr(out, ".conf:"));   /* FILE:LINE */
}

/* The inbound folder replaced while famlinkd runs (moved away and made
 * again, as a share mounted over it would): the next message goes to the
 * folder the path leads to now, not to the one held open. */
static void
test_spool_follows_a_replaced_folder(void **state)
{
	cluster_t *c = *state = spool_cluster();
	char text[1024], ack[64], rel[256], from[800], to[800];

	start(c);
	snprintf(from, sizeof(from), "%s/case/in", MUNI->dir);
	snprintf(to, sizeof(to), "%s/case/in-old", MUNI->dir);
	assert_int_equal(rename(from, to), 0);
	make_dir(from);
	drop(c, "remiss.json", referral_text("0101-2026-000001", text, sizeof(text)));
	outbox_id(HUB, "referral_ack", ack);
	snprintf(rel, sizeof(rel), "case/in/%s.json", ack);
	assert_true(wait_file(MUNI, rel, WAIT_MS));
	assert_int_equal(count_files(MUNI, "case/in-old"), 0);
}

/* An adapter that failed and was then removed from the config holds
 * nothing back: at the next start what the others had is handed over, and
 * its sender told. */
static void
test_spool_removed_adapter_lets_go(void **state)
{
	cluster_t *c = *state = spool_cluster();
	char text[1024], ack[64], sql[256];

	snprintf(muni_extra, sizeof(muni_extra), "\n[adapter casefiles]\ntype = spool\n"
	    "inbound = case/in\noutbound = case/out\npoll_interval = 100ms\n"
	    "\n[adapter missing]\ntype = spool\ninbound = not-there\n");
	cluster_write_muni_conf(c, MUNI);
	start(c);
	drop(c, "remiss.json", referral_text("0101-2026-000001", text, sizeof(text)));
	outbox_id(HUB, "referral_ack", ack);
	assert_true(wait_db(MUNI, "SELECT count(*) FROM handovers WHERE adapter = 'missing' AND"
	    " attempts >= 1", 1, WAIT_MS));
	snprintf(sql, sizeof(sql), "case/in/%s.json", ack);
	assert_true(wait_file(MUNI, sql, WAIT_MS));   /* the other one has it */
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM inbox_handover"), 0);

	assert_int_equal(node_stop(MUNI), 0);
	snprintf(muni_extra, sizeof(muni_extra), "\n[adapter casefiles]\ntype = spool\n"
	    "inbound = case/in\noutbound = case/out\npoll_interval = 100ms\n");
	cluster_write_muni_conf(c, MUNI);
	assert_int_equal(node_log_rotate(MUNI), 0);
	assert_int_equal(node_start(MUNI), 0);
	assert_true(wait_db(MUNI, "SELECT count(*) FROM inbox_handover", 1, WAIT_MS));
	assert_int_equal(db_long(MUNI, "SELECT count(*) FROM handovers WHERE adapter = 'missing'"),
	    0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE message_id = '%s' AND"
	    " handed_over_at IS NOT NULL", ack);
	assert_true(wait_db(HUB, sql, 1, WAIT_MS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_spool_both_ways, cluster_teardown),
		cmocka_unit_test_teardown(test_spool_refuses_bad_files, cluster_teardown),
		cmocka_unit_test_teardown(test_spool_reads_only_whole_files, cluster_teardown),
		cmocka_unit_test_teardown(test_spool_kill9_between_queue_and_move, cluster_teardown),
		cmocka_unit_test_teardown(test_spool_kill9_loses_and_doubles_nothing, cluster_teardown),
		cmocka_unit_test_teardown(test_spool_failure_holds_retention, cluster_teardown),
		cmocka_unit_test_teardown(test_spool_redelivery_same_name, cluster_teardown),
		cmocka_unit_test_teardown(test_spool_config_checked, cluster_teardown),
		cmocka_unit_test_teardown(test_spool_follows_a_replaced_folder, cluster_teardown),
		cmocka_unit_test_teardown(test_spool_removed_adapter_lets_go, cluster_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
