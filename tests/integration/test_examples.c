/*
 * Integration: every file in examples/ is a message `famlinkctl send
 * --dry-run` takes, on the node of its side (municipality/ at a
 * municipality, pool/ at the hub), at a point of the routine that allows
 * it. Between those points the walk sends the examples themselves for real,
 * so each step also passes the peer's checks. Every dry run leaves the
 * rows send writes as they were; a file the routine refuses is refused by
 * the dry run exactly as send refuses it. The folder is read, not listed
 * here: a file added to it fails this test until the table below says when
 * to try it.
 */
#define _XOPEN_SOURCE 700   /* nftw() */
#include <ftw.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attach_file.h"
#include "base64.h"
#include "harness.h"

#define EXAMPLES "examples"
#define RID "0180-2026-0042"
#define OUT 65536
#define WAIT_MS 15000
#define MAX_FILES 256

/* The points of the routine the walk passes, in order. */
enum stage {
	NEW,            /* no referral yet */
	ACKNOWLEDGED,   /* the hub took the referral on */
	ASKED,          /* a question each way */
	AD_PROPOSED,    /* the pool proposed an ad: matching */
	PROPOSED,       /* the pool proposed family forslag-1 */
	ACCEPTED,       /* the municipality goes on with it */
	PASSED_ON,      /* the family's contact details passed on */
	CLOSED,         /* contact made, reported on, placed and closed */
	NSTAGES
};

/* Where each example is tried. Its file name is its body's (referral.json
 * is a Referral), which the dry run's "would queue" line must name. */
static const struct example {
	const char *file;
	enum stage stage;
} examples[] = {
	{ "municipality/referral.json", NEW },
	{ "pool/referral_rejected.json", ACKNOWLEDGED },
	{ "pool/info_request.json", ACKNOWLEDGED },
	{ "pool/ad_proposal.json", ACKNOWLEDGED },
	{ "pool/family_proposal.json", ACKNOWLEDGED },
	{ "municipality/info_request.json", ACKNOWLEDGED },
	{ "municipality/info_reply.json", ASKED },
	{ "pool/info_reply.json", ASKED },
	{ "municipality/ad_decision.json", AD_PROPOSED },
	{ "municipality/proposal_decision.json", PROPOSED },
	{ "pool/family_consent.json", ACCEPTED },
	{ "municipality/contact_made.json", PASSED_ON },
	{ "municipality/status_report.json", PASSED_ON },
	{ "municipality/family_returned.json", PASSED_ON },
	{ "municipality/referral_closed.json", PASSED_ON },
};
#define NEXAMPLES (sizeof(examples) / sizeof(examples[0]))

#define DIALOGUE(item, id, state) "SELECT count(*) FROM dialogue WHERE referral_id = '" RID \
	"' AND item = '" item "' AND item_id = '" id "' AND state = '" state "'"
#define PROPOSAL(state) "SELECT count(*) FROM proposals WHERE referral_id = '" RID \
	"' AND proposal_id = 'forslag-1' AND state = '" state "'"
#define REFERRAL(state) "SELECT count(*) FROM referrals WHERE referral_id = '" RID \
	"' AND state = '" state "'"

/* The real sends that lead from a stage to the next, each with what both
 * ends show (count 1) once it is applied there. */
static const struct move {
	enum stage stage;
	const char *file;
	const char *sql;
} moves[] = {
	{ NEW, "municipality/referral.json", REFERRAL("acknowledged") },
	{ ACKNOWLEDGED, "pool/info_request.json", DIALOGUE("question", "pool-1", "asked_by_pool") },
	{ ACKNOWLEDGED, "municipality/info_request.json",
	    DIALOGUE("question", "kommun-1", "asked_by_municipality") },
	{ ASKED, "pool/ad_proposal.json", DIALOGUE("ad", "annons-1", "proposed") },
	{ AD_PROPOSED, "pool/family_proposal.json", PROPOSAL("proposed") },
	{ PROPOSED, "municipality/proposal_decision.json", PROPOSAL("accepted") },
	{ ACCEPTED, "pool/family_consent.json", PROPOSAL("contact_details_sent") },
	{ PASSED_ON, "municipality/contact_made.json", PROPOSAL("contacted") },
	{ PASSED_ON, "municipality/status_report.json", PROPOSAL("status_reported") },
	{ PASSED_ON, "municipality/referral_closed.json", REFERRAL("closed") },
};

/* Files the routine refuses at a stage, and the words it uses. */
static const struct refusal {
	enum stage stage;
	const char *file;
	const char *says;
} refusals[] = {
	{ ACKNOWLEDGED, "municipality/contact_made.json",
	    "contact_made not allowed: referral " RID " is acknowledged" },
	{ PROPOSED, "pool/family_consent.json",
	    "family_consent not allowed: proposal forslag-1 of referral " RID " is proposed" },
	{ CLOSED, "municipality/referral_closed.json",
	    "referral_closed not allowed: referral " RID " is closed" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the folder ------------------------------------------------------------ */

static char found[MAX_FILES][256];   /* relative to EXAMPLES */
static size_t nfound;

static int
collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)st;
	(void)ftw;
	if (type == FTW_F && n > 5 && strcmp(path + n - 5, ".json") == 0 && nfound < MAX_FILES)
		snprintf(found[nfound++], sizeof(found[0]), "%s", path + strlen(EXAMPLES) + 1);
	return 0;
}

/* Every .json below examples/, at any depth. */
static void
find_examples(void)
{
	nfound = 0;
	if (nftw(EXAMPLES, collect, 16, FTW_PHYS) != 0)
		fail_msg("%s: cannot read the folder (run from the source tree)", EXAMPLES);
	if (nfound == MAX_FILES)
		fail_msg("%s: more than %d files; raise MAX_FILES", EXAMPLES, MAX_FILES);
}

static const struct example *
example_of(const char *file)
{
	for (size_t i = 0; i < NEXAMPLES; i++)
		if (strcmp(examples[i].file, file) == 0)
			return &examples[i];
	return NULL;
}

/* Each file in the folder has a stage, and each stage's file is there. */
static void
test_every_file_has_a_stage(void **state)
{
	bool there;

	(void)state;
	find_examples();
	for (size_t i = 0; i < nfound; i++)
		if (example_of(found[i]) == NULL)
			fail_msg("%s/%s: no stage in test_examples.c tries it; add it to examples[]",
			    EXAMPLES, found[i]);
	for (size_t i = 0; i < NEXAMPLES; i++) {
		there = false;
		for (size_t j = 0; j < nfound; j++)
			there |= strcmp(found[j], examples[i].file) == 0;
		if (!there)
			fail_msg("%s/%s: in examples[] but not in the folder", EXAMPLES, examples[i].file);
	}
	assert_true(nfound >= 15);
}

/* ---- the walk -------------------------------------------------------------- */

/* The node that sends file: its folder names the side. */
static node_proc_t *
node_of(cluster_t *c, const char *file)
{
	if (strncmp(file, "municipality/", 13) == 0)
		return &c->muni[0];
	if (strncmp(file, "pool/", 5) == 0)
		return &c->hub;
	fail_msg("%s/%s: not under municipality/ or pool/", EXAMPLES, file);
	return NULL;
}

/* famlinkctl send [--dry-run] examples/FILE on the file's node: its exit
 * status, output in out (OUT bytes). */
static int
send_example(cluster_t *c, const char *file, bool dry, char *out)
{
	char path[300];
	const char *args[] = { "send", dry ? "--dry-run" : path, dry ? path : NULL, NULL };

	snprintf(path, sizeof(path), "%s/%s", EXAMPLES, file);
	return ctl_run(node_of(c, file), out, OUT, args);
}

/* The dry run takes file, names its body and recipient, changes nothing. */
static void
dry_run_takes(cluster_t *c, const char *file)
{
	static char out[OUT];
	node_proc_t *n = node_of(c, file), *peer = n == &c->hub ? &c->muni[0] : &c->hub;
	char before[256], want[300], body[64];
	const char *base = strchr(file, '/') + 1;
	int rc;

	snprintf(body, sizeof(body), "%.*s", (int)(strlen(base) - 5), base);
	snprintf(before, sizeof(before), "%s", send_rows(n));
	if ((rc = send_example(c, file, true, out)) != 0)
		fail_msg("send --dry-run %s on %s: exit %d: %s", file, n->id, rc, out);
	snprintf(want, sizeof(want), " (%s, referral " RID ") for %s, sequence ", body, peer->id);
	if (strncmp(out, "would queue ", 12) != 0 || strstr(out, want) == NULL ||
	    strstr(out, "\ndry run: nothing was queued\n") == NULL)
		fail_msg("send --dry-run %s: want \"would queue …%s…\": %s", file, want, out);
	if (strcmp(send_rows(n), before) != 0)
		fail_msg("send --dry-run %s changed %s's store: %s, then %s", file, n->id, before,
		    send_rows(n));
}

/* The dry run refuses file as send does, word for word, and so does send. */
static void
dry_run_refuses(cluster_t *c, const struct refusal *r)
{
	static char dry[OUT], real[OUT];
	node_proc_t *n = node_of(c, r->file);
	char before[256];
	int rc;

	snprintf(before, sizeof(before), "%s", send_rows(n));
	if ((rc = send_example(c, r->file, true, dry)) != 1 || strstr(dry, r->says) == NULL)
		fail_msg("send --dry-run %s: exit %d, want 1 and \"%s\": %s", r->file, rc, r->says, dry);
	assert_int_equal(send_example(c, r->file, false, real), 1);
	assert_string_equal(dry, real);
	assert_string_equal(send_rows(n), before);
}

static void
move_on(cluster_t *c, const struct move *m)
{
	static char out[OUT];
	int rc;

	if ((rc = send_example(c, m->file, false, out)) != 0)
		fail_msg("send %s: exit %d: %s", m->file, rc, out);
	if (!wait_db(&c->muni[0], m->sql, 1, WAIT_MS) || !wait_db(&c->hub, m->sql, 1, WAIT_MS))
		fail_msg("after %s, not at both ends: %s", m->file, m->sql);
}

/* ---- attachments as files -------------------------------------------------- */

#define CONSENT "{\"familyConsent\": {\"referralId\": \"" RID "\", \"proposalId\": \"forslag-1\"," \
	" \"consentGiven\": true, \"familyContact\": {\"name\": \"Familjen Test\"}%s}}"

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fail_msg("%s: cannot write", path);
	fputs(text, f);
	fclose(f);
}

/* At the point a FamilyConsent may go: its basic investigation as a file
 * beside the JSON ("contentFile") or given with --attach; nobody writes a
 * checksum. A name that is a path is refused. */
static void
attachments_as_files(cluster_t *c)
{
	char dir[700], path[800], json[1024], att[800], out[OUT];
	const char *beside[] = { "send", "--dry-run", path, NULL };
	const char *attach[] = { "send", "--dry-run", "--attach", att, path, NULL };
	int rc;

	snprintf(dir, sizeof(dir), "%s", c->hub.dir);
	snprintf(path, sizeof(path), "%s/grundutredning.txt", dir);
	write_text(path, "Grundutredning (test)\n");
	snprintf(path, sizeof(path), "%s/consent-beside.json", dir);
	snprintf(json, sizeof(json), CONSENT, ", \"basicInvestigation\": {\"mediaType\":"
	    " \"text/plain\", \"contentFile\": \"grundutredning.txt\"}");
	write_text(path, json);
	if ((rc = ctl_run(&c->hub, out, OUT, beside)) != 0 || strstr(out, "would queue") == NULL)
		fail_msg("contentFile beside the JSON: exit %d: %s", rc, out);

	snprintf(att, sizeof(att), "basicInvestigation=%s/grundutredning.txt", dir);
	snprintf(path, sizeof(path), "%s/consent-attach.json", dir);
	snprintf(json, sizeof(json), CONSENT, "");
	write_text(path, json);
	if ((rc = ctl_run(&c->hub, out, OUT, attach)) != 0 || strstr(out, "would queue") == NULL)
		fail_msg("--attach: exit %d: %s", rc, out);

	snprintf(path, sizeof(path), "%s/consent-path.json", dir);
	snprintf(json, sizeof(json), CONSENT, ", \"basicInvestigation\": {\"mediaType\":"
	    " \"text/plain\", \"contentFile\": \"../node.key\"}");
	write_text(path, json);
	if ((rc = ctl_run(&c->hub, out, OUT, beside)) != 1 || strstr(out, "contentFile") == NULL)
		fail_msg("contentFile with a path: exit %d, want 1: %s", rc, out);
}

/* The FamilyConsent the walk sent reached the municipality's spool folder
 * with its attachment as a file, whose SHA-256 is the one the JSON gives. */
static void
attachment_handed_over(cluster_t *c)
{
	char id[64], rel[256], path[900], *json, *sum;
	unsigned char md[32];
	uint8_t buf[1 << 16];
	size_t n;
	FILE *f;
	json_t *j;

	db_text(&c->muni[0], "SELECT message_id FROM inbox WHERE body_type = 'family_consent'",
	    id, sizeof(id));
	snprintf(rel, sizeof(rel), "SELECT count(*) FROM inbox WHERE message_id = '%s' AND"
	    " id IN (SELECT inbox_id FROM inbox_handover)", id);
	assert_true(wait_db(&c->muni[0], rel, 1, WAIT_MS));
	snprintf(path, sizeof(path), "%s/case-in/%s-1.bin", c->muni[0].dir, id);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("%s: not written", path);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(attach_sha256(buf, n, md), 0);
	sum = base64_encode(md, 32, NULL);
	snprintf(path, sizeof(path), "%s/case-in/%s.json", c->muni[0].dir, id);
	j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	json = json_dumps(json_object_get(json_object_get(json_object_get(j, "body"),
	    "familyConsent"), "basicInvestigation"), JSON_SORT_KEYS);
	snprintf(rel, sizeof(rel), "\"sha256\": \"%s\"", sum);
	if (strstr(json, rel) == NULL || strstr(json, "\"contentFile\": \"") == NULL ||
	    strstr(json, "\"content\"") != NULL)
		fail_msg("basicInvestigation in %s.json: %s, want %s", id, json, rel);
	free(json);
	free(sum);
	json_decref(j);
}

static void
test_every_example_dry_runs(void **state)
{
	cluster_t *c = *state = cluster_new(1, NULL);
	char path[700];
	size_t tried = 0;

	/* The municipality's case system reads a folder (the spool adapter). */
	snprintf(path, sizeof(path), "%s/case-in", c->muni[0].dir);
	assert_int_equal(mkdir(path, 0750), 0);
	c->muni[0].conf_extra = "\n[adapter case]\ntype = spool\ninbound = case-in\n";
	cluster_write_muni_conf(c, &c->muni[0]);

	/* Monday 7 December 2026: after the examples' decision and contact
	 * dates, whatever day the test runs. */
	clock_move_to(local_time_ms(2026, 12, 7, 10));
	assert_int_equal(cluster_start(c), 0);
	assert_true(wait_log(&c->hub, node_started_text(&c->hub), WAIT_MS));
	assert_true(wait_log(&c->muni[0], node_started_text(&c->muni[0]), WAIT_MS));
	for (int s = NEW; s < NSTAGES; s++) {
		for (size_t i = 0; i < NEXAMPLES; i++)
			if (examples[i].stage == (enum stage)s) {
				dry_run_takes(c, examples[i].file);
				tried++;
			}
		for (size_t i = 0; i < COUNT(refusals); i++)
			if (refusals[i].stage == (enum stage)s)
				dry_run_refuses(c, &refusals[i]);
		if (s == ACCEPTED)
			attachments_as_files(c);
		for (size_t i = 0; i < COUNT(moves); i++)
			if (moves[i].stage == (enum stage)s)
				move_on(c, &moves[i]);
		if (s == ACCEPTED)
			attachment_handed_over(c);
	}
	assert_int_equal(tried, NEXAMPLES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_file_has_a_stage),
		cmocka_unit_test_teardown(test_every_example_dry_runs, cluster_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
