/*
 * test_email_template — the email adapter's templates: the built-in ones
 * load in both languages and fill with ids; a folder's file replaces its
 * built-in one; an unknown placeholder, one that would insert personal
 * data, a missing Subject line and a lone "{" are refused with the file
 * and line; a value with a CR or LF is refused, never put in.
 */
#define _GNU_SOURCE   /* nftw, for scratch.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "email_template.h"
#include "scratch.h"

static void
values_for(const char *v[EMAIL_FIELDS])
{
	memset(v, 0, sizeof(*v) * EMAIL_FIELDS);
	v[EMAIL_F_NOTIFICATION_ID] = "42";
	v[EMAIL_F_EVENT] = "reminder";
	v[EMAIL_F_KIND] = "first_contact";
	v[EMAIL_F_KIND_TEXT] = email_kind_text(REPORT_SV, "first_contact");
	v[EMAIL_F_REFERRAL_ID] = "0101-2026-0007";
	v[EMAIL_F_DUE] = "2026-12-28";
	v[EMAIL_F_NODE] = "municipality:0101";
	v[EMAIL_F_OWNER] = "municipality:0101";
	v[EMAIL_F_DEADLINE_ID] = "3";
}

static void
test_builtin_both_languages(void **state)
{
	const char *v[EMAIL_FIELDS];
	email_templates_t *t;
	char *subject, *body;
	err_t err = {0};

	(void)state;
	values_for(v);
	assert_non_null(t = email_templates_load(NULL, REPORT_SV, &err));
	assert_int_equal(email_template_render(t, EMAIL_T_REMINDER, v, &subject, &body, &err), 0);
	assert_string_equal(subject, "Påminnelse: första kontakt med familjen i remiss"
	    " 0101-2026-0007, sista dag 2026-12-28");
	assert_non_null(strstr(body, "  Förslag:    -\n"));   /* none: "-" */
	assert_non_null(strstr(body, "famlinkctl deadlines --municipality municipality:0101"));
	free(subject);
	free(body);
	/* Every template of the set renders; the footer has no subject. */
	for (int id = 0; id < EMAIL_T_COUNT; id++) {
		assert_int_equal(email_template_render(t, id, v, &subject, &body, &err), 0);
		assert_true(id == EMAIL_T_FOOTER ? subject == NULL : subject[0] != '\0');
		assert_null(strchr(body, '{'));
		free(subject);
		free(body);
	}
	email_templates_free(&t);
	assert_null(t);
	assert_non_null(t = email_templates_load(NULL, REPORT_EN, &err));
	v[EMAIL_F_KIND_TEXT] = email_kind_text(REPORT_EN, "first_contact");
	assert_int_equal(email_template_render(t, EMAIL_T_OVERDUE, v, &subject, &body, &err), 0);
	assert_string_equal(subject, "Overdue: first contact with the family for referral"
	    " 0101-2026-0007, last day was 2026-12-28");
	free(subject);
	free(body);
	email_templates_free(&t);
}


static void
write_template(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sv", dir);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sv/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void
load_fails(const char *dir, const char *want)
{
	err_t err = {0};
	email_templates_t *t = email_templates_load(dir, REPORT_SV, &err);

	assert_null(t);
	if (strstr(err.msg, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err.msg, want);
}

static void
test_folder_replaces_one(void **state)
{
	const char *v[EMAIL_FIELDS];
	email_templates_t *t;
	char dir[64], *subject, *body;
	err_t err = {0};

	(void)state;
	values_for(v);
	assert_int_equal(scratch_make(dir, sizeof(dir), "test_email_template"), 0);
	/* A file saved with CRLF line ends reads the same. */
	write_template(dir, "message.txt", "Subject: Nytt {{ärende}: {kind}\r\n\r\n"
	    "Se {message_id}.\r\n");
	assert_non_null(t = email_templates_load(dir, REPORT_SV, &err));
	v[EMAIL_F_KIND] = "family_proposal";
	v[EMAIL_F_MESSAGE_ID] = "01KE4B2C3D4E5F6G7H8J9K0M1S";
	assert_int_equal(email_template_render(t, EMAIL_T_MESSAGE, v, &subject, &body, &err), 0);
	assert_string_equal(subject, "Nytt {ärende}: family_proposal");
	assert_string_equal(body, "Se 01KE4B2C3D4E5F6G7H8J9K0M1S.\n");
	free(subject);
	free(body);
	/* The rest are the built-in ones. */
	assert_int_equal(email_template_render(t, EMAIL_T_REMINDER, v, &subject, &body, &err), 0);
	assert_non_null(strstr(subject, "Påminnelse"));
	free(subject);
	free(body);
	email_templates_free(&t);
	assert_int_equal(scratch_remove(dir), 0);
}

static void
test_refused_templates(void **state)
{
	/* Each file as written, and what loading it says. */
	static const struct { const char *file, *text, *want; } cases[] = {
		{"reminder.txt", "Subject: Hej\n\nRemiss {referral_id}\n{foo_bar}\n",
		    "sv/reminder.txt:4: {foo_bar}: no such placeholder"},
		{"reminder.txt", "Subject: Hej {child_alias}\n\nRemiss\n",
		    "sv/reminder.txt:1: {child_alias}: would insert personal data"},
		{"reminder.txt", "Subject: Hej\n\nRing {secretary_phone}\n",
		    "sv/reminder.txt:3: {secretary_phone}: would insert personal data"},
		{"reminder.txt", "Subject: Hej\n\n{familyContactName}\n",
		    "{familyContactName}: would insert personal data"},
		{"reminder.txt", "Hej\n\nRemiss\n", "sv/reminder.txt:1: the first line is \"Subject: ...\""},
		{"reminder.txt", "Subject: Hej\nRemiss\n", "sv/reminder.txt:1: the first line is"},
		{"reminder.txt", "Subject: Hej\n\nRemiss {referral_id\n",
		    "sv/reminder.txt:3: a \"{\" without its \"}\""},
		{"reminder.txt", "Subject: Hej\n\nRemiss \x1b[31m\n", "sv/reminder.txt:3: a control character"},
		{"reminder.txt", "Subject: Hej\n\nRemiss \xc3\n", "sv/reminder.txt: not UTF-8"},
		{"footer.txt", "-- \n{phone}\n", "sv/footer.txt:2: {phone}: would insert personal data"},
	};
	char dir[64];

	(void)state;
	assert_int_equal(scratch_make(dir, sizeof(dir), "test_email_template"), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_template(dir, "reminder.txt", "Subject: Hej\n\nOK\n");
		write_template(dir, cases[i].file, cases[i].text);
		load_fails(dir, cases[i].want);
	}
	assert_int_equal(scratch_remove(dir), 0);
}

static void
test_crlf_in_value_refused(void **state)
{
	const char *v[EMAIL_FIELDS];
	email_templates_t *t;
	char *subject = (char *)"x", *body = (char *)"x";
	err_t err = {0};

	(void)state;
	values_for(v);
	v[EMAIL_F_REFERRAL_ID] = "0101-2026-0007\r\nBcc: all@example.se";
	assert_non_null(t = email_templates_load(NULL, REPORT_SV, &err));
	assert_int_equal(email_template_render(t, EMAIL_T_REMINDER, v, &subject, &body, &err), -1);
	assert_null(subject);
	assert_null(body);
	assert_non_null(strstr(err.msg, "{referral_id}: a control character (CR or LF)"));
	email_templates_free(&t);
}

static void
test_events_and_words(void **state)
{
	(void)state;
	assert_int_equal(email_template_of_event("reminder"), EMAIL_T_REMINDER);
	assert_int_equal(email_template_of_event("dead_letter"), EMAIL_T_DEAD_LETTER);
	assert_int_equal(email_template_of_event("adapter_cleared"), EMAIL_T_ADAPTER_CLEARED);
	assert_int_equal(email_template_of_event("digest"), -1);   /* not an event */
	assert_int_equal(email_template_of_event("party"), -1);
	assert_string_equal(email_kind_text(REPORT_SV, "family_proposal"), "familjeförslag");
	assert_string_equal(email_kind_text(REPORT_EN, "family_proposal"), "family proposal");
	assert_string_equal(email_kind_text(REPORT_SV, "something_new"), "something_new");
	assert_string_equal(email_field_name(EMAIL_F_MESSAGE_ID), "message_id");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_both_languages),
		cmocka_unit_test(test_folder_replaces_one),
		cmocka_unit_test(test_refused_templates),
		cmocka_unit_test(test_crlf_in_value_refused),
		cmocka_unit_test(test_events_and_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
