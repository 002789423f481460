/* email_template — see email_template.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email_template.h"
#include "utf8.h"

#define TEMPLATE_MAX (64u << 10)   /* bytes in one file: far more than a mail needs */

/* By email_template_id_t: the file's name without ".txt". */
static const char *const events[EMAIL_T_COUNT] = {
	"reminder", "overdue", "escalation", "message", "dead_letter", "adapter_stuck",
	"adapter_cleared", "peer_silent", "peer_silent_cleared", "undelivered",
	"undelivered_cleared", "disk_low", "disk_low_cleared", "digest", "footer",
};

/* By email_field_t. */
static const char *const fields[EMAIL_FIELDS] = {
	"notification_id", "event", "kind", "kind_text", "referral_id", "proposal_id",
	"message_id", "deadline_id", "owner", "actor", "due", "node", "adapter", "count",
};

/* Parts of a name that mean a person's data: such a placeholder is
 * refused as personal, not merely as unknown. */
static const char *const personal[] = {
	"name", "alias", "phone", "tel", "mail", "address", "adress", "note", "text", "needs",
	"child", "family", "secretary", "contact", "explanation", "summary", "case", "person",
	"pnr", "birth", "born", "reference", "draft", "wish", "reason", "body", "content",
	NULL,
};

struct email_templates {
	char *subject[EMAIL_T_COUNT];   /* NULL for the footer */
	char *body[EMAIL_T_COUNT];
};

const char *email_field_name(email_field_t f) { return fields[f]; }

int
email_template_of_event(const char *event)
{
	for (int i = 0; i < EMAIL_T_DIGEST; i++)
		if (strcmp(events[i], event) == 0)
			return i;
	return -1;
}

static int
field_of(const char *name, size_t len)
{
	for (int i = 0; i < EMAIL_FIELDS; i++)
		if (strlen(fields[i]) == len && memcmp(fields[i], name, len) == 0)
			return i;
	return -1;
}

static bool
sounds_personal(const char *name, size_t len)
{
	char low[64];

	if (len >= sizeof(low))
		len = sizeof(low) - 1;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	low[len] = '\0';
	for (int i = 0; personal[i] != NULL; i++)
		if (strstr(low, personal[i]) != NULL)
			return true;
	return false;
}

/* The placeholders of text (starting at line `line` of file) are all
 * known: 0, or -1 with err at the first that is not. */
static int
check_placeholders(const char *file, const char *text, int line, err_t *err)
{
	for (const char *p = text; *p != '\0'; p++) {
		const char *end;
		if (*p == '\n')
			line++;
		if (*p != '{')
			continue;
		if (p[1] == '{') {
			p++;
			continue;
		}
		end = p + 1 + strcspn(p + 1, "{}\n");
		if (*end != '}')
			return err_set(err, 0, "%s:%d: a \"{\" without its \"}\" (write \"{{\" for a"
			    " \"{\" of its own)", file, line);
		if (field_of(p + 1, (size_t)(end - p - 1)) < 0)
			return err_set(err, 0, "%s:%d: {%.*s}: %s", file, line, (int)(end - p - 1) > 40
			    ? 40 : (int)(end - p - 1), p + 1, sounds_personal(p + 1, (size_t)(end - p - 1))
			    ? "would insert personal data: a mail carries ids, codes and dates only"
			    : "no such placeholder (see README.md, \"The email adapter\")");
		p = end;
	}
	return 0;
}

/* UTF-8 text of lines: tabs and line ends the only control characters
 * (a CR before a line end is dropped, so a file saved with CRLF reads
 * the same). */
static int
clean_text(const char *file, char *text, err_t *err)
{
	size_t len = strlen(text), out = 0;
	int line = 1;

	if (!utf8_valid(text, len))
		return err_set(err, 0, "%s: not UTF-8 text", file);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\r' && text[i + 1] == '\n')
			continue;
		if (c == '\n')
			line++;
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return err_set(err, 0, "%s:%d: a control character (0x%02x)", file, line, c);
		text[out++] = (char)c;
	}
	text[out] = '\0';
	return 0;
}

/* Splits "Subject: S\n\nBODY" into its two parts (footer: all body),
 * and checks both. Takes text. */
static int
split(email_templates_t *t, int id, const char *file, char *text, err_t *err)
{
	char *nl;

	if (clean_text(file, text, err) != 0)
		goto fail;
	if (id == EMAIL_T_FOOTER) {
		t->body[id] = text;
		return check_placeholders(file, text, 1, err);
	}
	nl = strchr(text, '\n');
	if (strncmp(text, "Subject: ", 9) != 0 || nl == NULL || nl == text + 9 || nl[1] != '\n') {
		err_set(err, 0, "%s:1: the first line is \"Subject: ...\", the second empty", file);
		goto fail;
	}
	*nl = '\0';
	if ((t->subject[id] = strdup(text + 9)) == NULL || (t->body[id] = strdup(nl + 2)) == NULL) {
		err_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	free(text);
	return check_placeholders(file, t->subject[id], 1, err) != 0 ||
	    check_placeholders(file, t->body[id], 3, err) != 0 ? -1 : 0;
fail:
	free(text);
	return -1;
}

/* folder/LANG/EVENT.txt into *text: 1, 0 if there is no such file, -1. */
static int
read_file(const char *path, const char *file, char **text, err_t *err)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return errno == ENOENT ? 0 : err_set(err, errno, "%s: %s", file, strerror(errno));
	if ((*text = malloc(TEMPLATE_MAX + 1)) == NULL) {
		fclose(f);
		return err_set(err, ENOMEM, "out of memory");
	}
	n = fread(*text, 1, TEMPLATE_MAX + 1, f);
	if (ferror(f) || n > TEMPLATE_MAX || memchr(*text, '\0', n) != NULL) {
		err_set(err, 0, "%s: %s", file, ferror(f) ? "cannot read it" : n > TEMPLATE_MAX
		    ? "larger than 64 KiB" : "holds a NUL byte");
		fclose(f);
		free(*text);
		return -1;
	}
	fclose(f);
	(*text)[n] = '\0';
	return 1;
}

static const char *
builtin_text(const char *lang, const char *event)
{
	for (const email_builtin_t *b = email_builtin; b->lang != NULL; b++)
		if (strcmp(b->lang, lang) == 0 && strcmp(b->event, event) == 0)
			return b->text;
	return NULL;
}

static int
load_one(email_templates_t *t, int id, const char *folder, const char *lang, err_t *err)
{
	char file[64], path[4200];
	char *text = NULL;
	const char *builtin;
	int rc = 0;

	snprintf(file, sizeof(file), "%s/%s.txt", lang, events[id]);
	if (folder != NULL) {
		snprintf(path, sizeof(path), "%s/%s", folder, file);
		if ((rc = read_file(path, file, &text, err)) < 0)
			return -1;
	}
	if (rc == 0) {
		if ((builtin = builtin_text(lang, events[id])) == NULL)
			return err_set(err, 0, "%s: none built in", file);
		if ((text = strdup(builtin)) == NULL)
			return err_set(err, ENOMEM, "out of memory");
		snprintf(file, sizeof(file), "%s/%s.txt (built in)", lang, events[id]);
	}
	return split(t, id, file, text, err);
}

email_templates_t *
email_templates_load(const char *folder, report_lang_t lang, err_t *err)
{
	email_templates_t *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		err_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	for (int id = 0; id < EMAIL_T_COUNT; id++)
		if (load_one(t, id, folder, report_lang_name(lang), err) != 0) {
			email_templates_free(&t);
			return NULL;
		}
	return t;
}

void
email_templates_free(email_templates_t **pt)
{
	email_templates_t *t = *pt;

	if (t == NULL)
		return;
	for (int i = 0; i < EMAIL_T_COUNT; i++) {
		free(t->subject[i]);
		free(t->body[i]);
	}
	free(t);
	*pt = NULL;
}

static bool
value_ok(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* text with its placeholders filled, into a new string. */
static char *
fill(const char *text, const char *const values[EMAIL_FIELDS])
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return NULL;
	for (const char *p = text; *p != '\0'; p++) {
		const char *end;
		if (*p != '{') {
			fputc(*p, f);
		} else if (p[1] == '{') {
			fputc('{', f);
			p++;
		} else {
			const char *v;
			end = strchr(p, '}');   /* checked at load */
			v = values[field_of(p + 1, (size_t)(end - p - 1))];
			fputs(v != NULL && v[0] != '\0' ? v : "-", f);
			p = end;
		}
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int
email_template_render(const email_templates_t *t, email_template_id_t id,
    const char *const values[EMAIL_FIELDS], char **subject, char **body, err_t *err)
{
	*subject = *body = NULL;
	for (int i = 0; i < EMAIL_FIELDS; i++)
		if (values[i] != NULL && !value_ok(values[i]))
			return err_set(err, 0, "{%s}: a control character (CR or LF) in its value:"
			    " refused, not put in a mail", fields[i]);
	if ((t->subject[id] != NULL && (*subject = fill(t->subject[id], values)) == NULL) ||
	    (*body = fill(t->body[id], values)) == NULL) {
		free(*subject);
		*subject = NULL;
		return err_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* ---- kinds in words --------------------------------------------------------- */

typedef struct kind_word {
	const char *kind, *sv, *en;
} kind_word_t;

/* Deadline kinds (deadline.c) and body types (envelope_body_name()); a
 * name that is both reads the same either way. */
static const kind_word_t kind_words[] = {
	{"acknowledge", "bekräftelse av remissen", "acknowledging the referral"},
	{"first_contact", "första kontakt med familjen", "first contact with the family"},
	{"status_report", "lägesrapport", "status report"},
	{"family_consent", "familjens samtycke", "the family's consent"},
	{"info_reply", "svar på fråga", "answer to a question"},
	{"ad_decision", "beslut om annons", "decision on an ad"},
	{"referral", "remiss", "referral"},
	{"referral_ack", "bekräftelse av remiss", "referral acknowledged"},
	{"referral_rejected", "avvisad remiss", "referral rejected"},
	{"info_request", "fråga", "question"},
	{"ad_proposal", "annonsförslag", "ad proposal"},
	{"family_proposal", "familjeförslag", "family proposal"},
	{"proposal_decision", "beslut om familjeförslag", "decision on a proposal"},
	{"contact_made", "kontakt tagen", "contact made"},
	{"family_returned", "återlämnad familj", "family returned"},
	{"referral_closed", "avslutad remiss", "referral closed"},
};

const char *
email_kind_text(report_lang_t lang, const char *kind)
{
	for (size_t i = 0; i < sizeof(kind_words) / sizeof(kind_words[0]); i++)
		if (strcmp(kind_words[i].kind, kind) == 0)
			return lang == REPORT_EN ? kind_words[i].en : kind_words[i].sv;
	return kind;
}
