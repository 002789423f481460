/*
 * validate — see validate.h. Walks a message by its descriptor, looks each
 * field's rule up in famlink_field_rules[] (generated from the .proto) and
 * stops at the first broken rule, naming its path. Error texts hold paths,
 * sizes, codes and at most the code point of a control character: the
 * content is personal data about a child.
 *
 * Every message the hub takes passes here (thousands a second): a string is
 * read once for UTF-8 and control characters, once more by its kind's
 * grammar, and by the personnummer scan only if it holds ten digits. Nothing is
 * allocated and nothing formatted unless a rule is broken.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "envelope.h"
#include "field_rules.h"
#include "fieldpath.h"
#include "utf8.h"
#include "validate.h"

#define V_INVALID      FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_INVALID
#define V_PERSONAL_ID  FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_PERSONAL_ID
#define V_VERSION      FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_UNSUPPORTED_VERSION
#define V_BODY         FAMLINK__V1__RECEIPT_CODE__RECEIPT_CODE_UNSUPPORTED_BODY

#define CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

/* ---- the rule table, sorted once for binary search ---------------------- */

static const field_rule_t **rule_index;
static size_t rule_count;
static pthread_once_t rule_once = PTHREAD_ONCE_INIT;

static int
rule_cmp(const void *a, const void *b)
{
	const field_rule_t *x = *(const field_rule_t *const *)a;
	const field_rule_t *y = *(const field_rule_t *const *)b;
	int c = strcmp(x->message, y->message);

	return c != 0 ? c : strcmp(x->field, y->field);
}

/* Runs once; the index lives as long as the process. If malloc fails,
 * rule_for() scans the table instead. */
static void
build_index(void)
{
	size_t i, n = 0;

	while (famlink_field_rules[n].message != NULL)
		n++;
	if ((rule_index = malloc((n + 1) * sizeof(*rule_index))) == NULL)
		return;
	for (i = 0; i < n; i++)
		rule_index[i] = &famlink_field_rules[i];
	qsort(rule_index, n, sizeof(*rule_index), rule_cmp);
	rule_count = n;
}

static const field_rule_t *
rule_for(const char *message, const char *field)
{
	field_rule_t key = { .message = message, .field = field };
	const field_rule_t *kp = &key, **hit;
	const field_rule_t *r;

	pthread_once(&rule_once, build_index);
	if (rule_index == NULL) {
		for (r = famlink_field_rules; r->message != NULL; r++)
			if (strcmp(r->message, message) == 0 && strcmp(r->field, field) == 0)
				return r;
		return NULL;
	}
	hit = bsearch(&kp, rule_index, rule_count, sizeof(*rule_index), rule_cmp);
	return hit != NULL ? *hit : NULL;
}

/* ---- field checks -------------------------------------------------------- */

static int check_message(const ProtobufCMessage *m, fieldpath_t *p, err_t *err);

enum { TEXT_OK, TEXT_BAD_UTF8, TEXT_CONTROL };
static int scan_text(const char *s, size_t len, bool multiline, uint32_t *cp, size_t *digits);
static bool pnr_scan(const char *text, bool skip_bare_ten);

/* Whether a field holds something other than its proto3 default. */
static bool
has_value(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *v = CMEMBER(m, f->offset);

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)CMEMBER(m, f->quantifier_offset) > 0;
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return *(const char *const *)v != NULL && **(const char *const *)v != '\0';
	case PROTOBUF_C_TYPE_BYTES:   return ((const ProtobufCBinaryData *)v)->len > 0;
	case PROTOBUF_C_TYPE_MESSAGE: return *(const void *const *)v != NULL;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return *(const uint64_t *)v != 0;
	case PROTOBUF_C_TYPE_FLOAT:   return *(const float *)v != 0;
	case PROTOBUF_C_TYPE_DOUBLE:  return *(const double *)v != 0;
	case PROTOBUF_C_TYPE_BOOL:    return *(const protobuf_c_boolean *)v;
	default:                      return *(const uint32_t *)v != 0;
	}
}

/* What a refused character is, for the reason text. */
static const char *
control_name(uint32_t cp)
{
	if (cp == 0x2028 || cp == 0x2029)
		return "a line or paragraph separator";
	if (cp >= 0x202A)
		return "a bidirectional control";
	return "a control character";
}

static int
check_string(const char *s, const field_rule_t *r, fieldpath_t *p, err_t *err)
{
	size_t len = s != NULL ? strlen(s) : 0;
	unsigned kind = r->flags & FIELD_KIND_MASK;
	size_t digits = 0;
	uint32_t cp = 0;

	/* Length first: cheap, and it bounds the scans below. */
	if (len > r->max_len)
		return fieldpath_fail(err, V_INVALID, p, "longer than %zu bytes (%zu)", r->max_len, len);
	if (len == 0)
		return 0;
	switch (scan_text(s, len, kind == FIELD_FREETEXT, &cp, &digits)) {
	case TEXT_BAD_UTF8:
		return fieldpath_fail(err, V_INVALID, p, "not valid UTF-8");
	case TEXT_CONTROL:
		return fieldpath_fail(err, V_INVALID, p, "contains %s (U+%04X)",
		    control_name(cp), (unsigned)cp);
	}
	switch (kind) {
	case FIELD_DATE:
		if (!validate_date(s))
			return fieldpath_fail(err, V_INVALID, p, "not a date (YYYY-MM-DD)");
		return 0;
	case FIELD_NODEID:
		if (!validate_node_id(s))
			return fieldpath_fail(err, V_INVALID, p,
			    "not a node id (municipality:NNNN or pool:name)");
		return 0;
	case FIELD_MSGID:
		if (!envelope_id_ok(s))
			return fieldpath_fail(err, V_INVALID, p,
			    "not a message id (letters, digits, _ and -)");
		return 0;
	case FIELD_ID:
		if (!validate_id(s))
			return fieldpath_fail(err, V_INVALID, p, "not an id (letters, digits and "
			    ". _ : -, not starting with . or -)");
		break;
	case FIELD_EMAIL:
		if (!validate_email(s))
			return fieldpath_fail(err, V_INVALID, p,
			    "not an email address (one address, name@example.se)");
		break;
	case FIELD_PHONE:
		if (!validate_phone(s))
			return fieldpath_fail(err, V_INVALID, p,
			    "not a phone number (digits, spaces and + - ( ))");
		break;
	}
	/* Everything a person writes. A phone number is often written as ten
	 * digits in a row, which is also a personnummer's form one time in
	 * about fifteen: in a phone field only the other forms count. */
	if (digits >= 10 && !(r->flags & FIELD_MACHINE) && pnr_scan(s, kind == FIELD_PHONE)) {
		if (r->flags & FIELD_CASEREF)
			return fieldpath_fail(err, V_PERSONAL_ID, p, "a case reference must not be "
			    "or hold a personal identity number");
		return fieldpath_fail(err, V_PERSONAL_ID, p, "looks like a personal identity number");
	}
	return 0;
}

/* One value: a singular field or one element of a repeated one. */
static int
check_value(const ProtobufCFieldDescriptor *f, const void *v,
    const field_rule_t *r, fieldpath_t *p, err_t *err)
{
	const ProtobufCBinaryData *bd = v;
	const ProtobufCMessage *sub;

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return check_string(*(const char *const *)v, r, p, err);
	case PROTOBUF_C_TYPE_BYTES:
		if (bd->len > r->max_len)
			return fieldpath_fail(err, V_INVALID, p, "longer than %zu bytes (%zu)",
			    r->max_len, bd->len);
		return 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		sub = *(const ProtobufCMessage *const *)v;
		return sub != NULL ? check_message(sub, p, err) : 0;
	case PROTOBUF_C_TYPE_ENUM:
		/* A value this schema does not name is not understood, and what
		 * is not understood about a child is not passed on. */
		if (protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)v) == NULL)
			return fieldpath_fail(err, V_INVALID, p, "unknown value %d", *(const int *)v);
		return 0;
	default:
		return 0;   /* numbers, bools: only "required" applies */
	}
}

static int
check_repeated(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
    const field_rule_t *r, fieldpath_t *p, err_t *err)
{
	size_t i, n = *(const size_t *)CMEMBER(m, f->quantifier_offset);
	const char *arr = *(const char *const *)CMEMBER(m, f->offset);
	size_t sz;

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:  sz = sizeof(char *); break;
	case PROTOBUF_C_TYPE_BYTES:   sz = sizeof(ProtobufCBinaryData); break;
	case PROTOBUF_C_TYPE_MESSAGE: sz = sizeof(ProtobufCMessage *); break;
	default:                      return 0;
	}
	for (i = 0; i < n; i++) {
		size_t old = fieldpath_push_index(p, i);
		if (check_value(f, arr + i * sz, r, p, err) < 0)
			return -1;
		fieldpath_pop(p, old);
	}
	return 0;
}

static int
check_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
    fieldpath_t *p, err_t *err)
{
	const field_rule_t *r = rule_for(m->descriptor->name, f->name);
	bool text = f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_BYTES;

	/* Every string and bytes field has a max; a field without one means the
	 * rule table and the schema are out of step: refuse, don't guess. */
	if (text && (r == NULL || r->max_len == 0))
		return fieldpath_fail(err, V_INVALID, p, "no length rule for this field");
	if (r != NULL && (r->flags & FIELD_REQUIRED) && !has_value(m, f))
		return fieldpath_fail(err, V_INVALID, p, "required but missing");
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return check_repeated(m, f, r, p, err);
	return check_value(f, CMEMBER(m, f->offset), r, p, err);
}

/* An attachment's hash must be the SHA-256 of its content: the basic
 * investigation must arrive as the pool sent it, or not at all. */
static int
check_attachment(const ProtobufCMessage *m, fieldpath_t *p, err_t *err)
{
	const Famlink__V1__Attachment *a = (const Famlink__V1__Attachment *)m;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t old;
	int rc = 0;

	if (a->sha256.len == 0)
		return 0;   /* reported as "required" */
	old = fieldpath_push(p, "sha256");
	if (a->sha256.len != 32)
		rc = fieldpath_fail(err, V_INVALID, p, "must be 32 bytes (%zu)", a->sha256.len);
	else if (EVP_Digest(a->content.data, a->content.len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		rc = fieldpath_fail(err, V_INVALID, p, "cannot compute SHA-256");
	else if (memcmp(md, a->sha256.data, 32) != 0)
		rc = fieldpath_fail(err, V_INVALID, p, "does not match the content");
	fieldpath_pop(p, old);
	return rc;
}

/* Rules the .proto annotations cannot express, by message. */
static const struct {
	const ProtobufCMessageDescriptor *desc;
	int (*check)(const ProtobufCMessage *, fieldpath_t *, err_t *);
} message_rules[] = {
	{ &famlink__v1__attachment__descriptor, check_attachment },
};

static int
check_message(const ProtobufCMessage *m, fieldpath_t *p, err_t *err)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	unsigned i;

	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t old;

		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(const uint32_t *)CMEMBER(m, f->quantifier_offset) != f->id)
			continue;   /* not the selected member */
		old = fieldpath_push(p, f->name);
		if (check_field(m, f, p, err) < 0)
			return -1;
		fieldpath_pop(p, old);
	}
	for (i = 0; i < sizeof(message_rules) / sizeof(message_rules[0]); i++)
		if (message_rules[i].desc == d && message_rules[i].check(m, p, err) < 0)
			return -1;
	return 0;
}

int
validate_message(const ProtobufCMessage *msg, const char *path, err_t *err)
{
	fieldpath_t p = { .len = 0 };

	if (path != NULL)
		fieldpath_add(&p, "%s", path);
	if (msg == NULL || msg->descriptor == NULL)
		return fieldpath_fail(err, V_INVALID, &p, "missing");
	return check_message(msg, &p, err);
}

/* ---- envelope ------------------------------------------------------------ */

/* Sequence and referral id against the body: Hello and Receipt travel
 * outside the acknowledged sequence and outside any referral; every other
 * body is numbered and belongs to the referral the envelope names. */
static int
check_envelope_body(const Famlink__V1__Envelope *env, err_t *err)
{
	const ProtobufCFieldDescriptor *bf, *rf;
	const ProtobufCMessage *body;
	const char *rid = env->referral_id != NULL ? env->referral_id : "";
	const char *body_rid;
	char name[64];

	bf = protobuf_c_message_descriptor_get_field(&famlink__v1__envelope__descriptor,
	    env->body_case);
	if (bf == NULL)
		return err_set(err, V_BODY, "no body known to this receiver");
	fieldpath_json_name(bf->name, name, sizeof(name));
	if ((body = *(const ProtobufCMessage *const *)CMEMBER(env, bf->offset)) == NULL)
		return err_set(err, V_INVALID, "%s: missing", name);
	if (env->body_case == FAMLINK__V1__ENVELOPE__BODY_HELLO ||
	    env->body_case == FAMLINK__V1__ENVELOPE__BODY_RECEIPT) {
		if (env->sequence != 0)
			return err_set(err, V_INVALID, "sequence: must be 0 with %s", name);
		if (rid[0] != '\0')
			return err_set(err, V_INVALID, "referralId: must be empty with %s", name);
		return 0;
	}
	if (env->sequence < 1)
		return err_set(err, V_INVALID, "sequence: must be 1 or more with %s", name);
	rf = protobuf_c_message_descriptor_get_field_by_name(body->descriptor, "referral_id");
	if (rf == NULL)
		return 0;
	body_rid = *(const char *const *)CMEMBER(body, rf->offset);
	if (rid[0] == '\0')
		return err_set(err, V_INVALID, "referralId: required with %s", name);
	if (strcmp(rid, body_rid != NULL ? body_rid : "") != 0)
		return err_set(err, V_INVALID, "referralId: differs from %s.referralId", name);
	return 0;
}

int
validate_envelope(const Famlink__V1__Envelope *env, err_t *err)
{
	fieldpath_t p = { .len = 0 };

	if (env == NULL || env->base.descriptor != &famlink__v1__envelope__descriptor)
		return err_set(err, V_INVALID, "not an envelope");
	/* Version first: a newer major version may mean anything below. */
	if (env->schema_version != FAMLINK__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT)
		return err_set(err, V_VERSION, "schemaVersion: %u is not supported (this "
		    "receiver speaks %d)", env->schema_version,
		    FAMLINK__V1__SCHEMA_VERSION__SCHEMA_VERSION_CURRENT);
	if (env->body_case == FAMLINK__V1__ENVELOPE__BODY__NOT_SET)
		return err_set(err, V_BODY, "no body known to this receiver");
	if (check_message(&env->base, &p, err) < 0)
		return -1;
	return check_envelope_body(env, err);
}

/* ---- single values --------------------------------------------------------- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool
validate_node_id(const char *s)
{
	size_t i, n;

	if (s == NULL)
		return false;
	if (strncmp(s, "municipality:", 13) == 0)
		return strlen(s + 13) == 4 && all_digits(s + 13, 4);
	if (strncmp(s, "pool:", 5) != 0)
		return false;
	s += 5;
	if ((n = strlen(s)) < 1 || n > 48)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) || s[i] == '-'))
			return false;
	return true;
}

bool
validate_id(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		    c == '.' || c == '_' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

bool
validate_phone(const char *s)
{
	bool digit = false;

	if (s == NULL)
		return false;
	for (; *s != '\0'; s++) {
		if (is_digit(*s))
			digit = true;
		else if (strchr("+ -()", *s) == NULL)
			return false;
	}
	return digit;
}

/* RFC 5322 atext: what a dot-atom local part holds besides dots. */
static bool
is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL) || c >= 0x80;
}

static bool
email_local_ok(const unsigned char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 64 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext(s[i]))
			return false;
	return true;
}

static bool
email_domain_ok(const unsigned char *s, size_t n)
{
	size_t i, start = 0, labels = 0;
	bool numeric = true;

	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			size_t len = i - start;
			if (len < 1 || len > 63 || s[start] == '-' || s[i - 1] == '-')
				return false;
			labels++;
			if (i == n)
				break;
			start = i + 1;
			numeric = true;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    is_digit((char)s[i]) || s[i] == '-' || s[i] >= 0x80))
			return false;
		if (!is_digit((char)s[i]))
			numeric = false;
	}
	return labels >= 2 && !numeric;   /* no address literals, no bare IPv4 */
}

bool
validate_email(const char *s)
{
	const char *at;
	size_t n;
	uint32_t cp;
	size_t digits;

	if (s == NULL || (n = strlen(s)) == 0 || n > 254 ||
	    scan_text(s, n, false, &cp, &digits) != TEXT_OK)
		return false;
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return false;
	return email_local_ok((const unsigned char *)s, (size_t)(at - s)) &&
	    email_domain_ok((const unsigned char *)at + 1, n - (size_t)(at - s) - 1);
}

static int
days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Value of n decimal digits (the caller checked they are digits). */
static int
digits_value(const char *s, size_t n)
{
	int v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

bool
validate_date(const char *s)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    !all_digits(s, 4) || !all_digits(s + 5, 2) || !all_digits(s + 8, 2))
		return false;
	y = digits_value(s, 4);
	m = digits_value(s + 5, 2);
	d = digits_value(s + 8, 2);
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}


/* One pass over a string: strict UTF-8, and no character that could break a
 * line, a log or a mail header, or reorder what a reader sees: C0 controls,
 * DEL, C1 controls (U+0080–U+009F); unless multiline also U+2028/U+2029 and
 * the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069). multiline (free text) allows LF, CR LF and tab as well.
 * *digits is how many digits the string may hold (ASCII ones, and lead
 * bytes of full-width or Arabic-Indic ones): a personnummer has ten or
 * more, so the scan for one is skipped for the many strings with fewer. */
static int
scan_text(const char *s, size_t len, bool multiline, uint32_t *cp, size_t *digits)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n, d = 0;

	while (i < len) {
		unsigned char c = u[i];
		if (c >= 0x20 && c < 0x7f) {   /* printable ASCII: most of any text */
			d += (unsigned)(c - '0') < 10u;
			i++;
			continue;
		}
		if (c < 0x80) {
			if (multiline && (c == '\n' || c == '\t' ||
			    (c == '\r' && i + 1 < len && u[i + 1] == '\n'))) {
				i++;
				continue;
			}
			if (c == 0)
				return TEXT_BAD_UTF8;
			*cp = c;
			return TEXT_CONTROL;
		}
		if ((n = utf8_seq(u + i, len - i)) == 0)
			return TEXT_BAD_UTF8;
		if (c == 0xC2 && u[i + 1] < 0xA0) {
			*cp = u[i + 1];   /* C1: U+0080–U+009F */
			return TEXT_CONTROL;
		}
		if (!multiline && c == 0xE2 &&
		    ((u[i + 1] == 0x80 && u[i + 2] >= 0xA8 && u[i + 2] <= 0xAE) ||
		    (u[i + 1] == 0x81 && u[i + 2] >= 0xA6 && u[i + 2] <= 0xA9))) {
			*cp = 0x2000u + ((u[i + 1] & 0x3Fu) << 6) + (u[i + 2] & 0x3Fu);
			return TEXT_CONTROL;
		}
		d += c == 0xEF || c == 0xD9 || c == 0xDB;
		i += n;
	}
	*digits = d;
	return TEXT_OK;
}

/* ---- personnummer --------------------------------------------------------- */

/* The value of the digit at s (ASCII, full-width U+FF10–FF19, Arabic-Indic
 * U+0660–0669 or extended Arabic-Indic U+06F0–06F9) with its length in *n;
 * -1 if s holds no digit (*n = 1). Safe on any NUL-terminated bytes: a
 * mismatch stops before reading past a NUL. */
static int
digit_at(const unsigned char *s, size_t *n)
{
	if ((unsigned)(s[0] - '0') < 10u) {
		*n = 1;
		return s[0] - '0';
	}
	if (s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99) {
		*n = 3;
		return s[2] - 0x90;
	}
	if ((s[0] == 0xD9 && s[1] >= 0xA0 && s[1] <= 0xA9) ||
	    (s[0] == 0xDB && s[1] >= 0xB0 && s[1] <= 0xB9)) {
		*n = 2;
		return s[1] & 0x0F;
	}
	*n = 1;
	return -1;
}

/* Reads a digit run at s into d as ASCII (at most cap digits kept); returns
 * the run's length in digits and sets *end past it. */
static size_t
digit_run(const unsigned char *s, char *d, size_t cap, const unsigned char **end)
{
	size_t run = 0, n;
	int v;

	while ((v = digit_at(s, &n)) >= 0) {
		if (run < cap)
			d[run] = (char)('0' + v);
		run++;
		s += n;
	}
	*end = s;
	return run;
}

/* Length of the separator between date and number at s, or 0: a hyphen,
 * any dash, a minus sign, or a space of any width; "+" (the form of someone
 * over 100) only if plus_ok. */
static size_t
separator_at(const unsigned char *s, bool plus_ok)
{
	if (s[0] == '-' || s[0] == ' ')
		return 1;
	if (s[0] == '+')
		return plus_ok ? 1 : 0;
	if (s[0] == 0xC2 && s[1] == 0xA0)                              /* no-break space */
		return 2;
	if (s[0] == 0xE2 && s[1] == 0x80 &&
	    ((s[2] >= 0x90 && s[2] <= 0x95) || s[2] == 0x89 || s[2] == 0xAF))
		return 3;   /* U+2010–2015 hyphens and dashes, thin and narrow no-break space */
	if (s[0] == 0xE2 && s[1] == 0x88 && s[2] == 0x92)              /* minus sign */
		return 3;
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)              /* ideographic space */
		return 3;
	if ((s[0] == 0xEF && s[1] == 0xB9 && s[2] == 0xA3) ||          /* small hyphen-minus */
	    (s[0] == 0xEF && s[1] == 0xBC && s[2] == 0x8D))            /* full-width hyphen-minus */
		return 3;
	if (s[0] == 0xEF && s[1] == 0xBC && s[2] == 0x8B)              /* full-width plus */
		return plus_ok ? 3 : 0;
	return 0;
}

/* Luhn over the ten digits YYMMDDNNNN (the century never counts). */
static bool
luhn_ok(const char *yymmdd, const char *nnnn)
{
	char d[10];
	int i, x, sum = 0;

	memcpy(d, yymmdd, 6);
	memcpy(d + 6, nnnn, 4);
	for (i = 0; i < 9; i++) {
		x = (d[i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += x > 9 ? x - 9 : x;
	}
	return (10 - sum % 10) % 10 == d[9] - '0';
}

/* century: NULL or two digits; yymmdd: six digits; nnnn: four digits. */
static bool
pnr_plausible(const char *century, const char *yymmdd, const char *nnnn)
{
	int yy = digits_value(yymmdd, 2), mm = digits_value(yymmdd + 2, 2);
	int dd = digits_value(yymmdd + 4, 2), cc;

	if (dd > 60)
		dd -= 60;   /* samordningsnummer: day + 60 */
	if (mm < 1 || mm > 12 || dd < 1)
		return false;
	if (century != NULL) {
		cc = digits_value(century, 2);
		if (cc < 18 || cc > 20 || dd > days_in_month(cc * 100 + yy, mm))
			return false;
	} else if (dd > days_in_month(yy % 4 == 0 ? 2000 : 2001, mm)) {
		return false;   /* without the century, 29 Feb is possible iff yy % 4 == 0 */
	}
	return luhn_ok(yymmdd, nnnn);
}

/* A digit run (d: its first digits as ASCII, run: its length, after: what
 * follows it) that no digit precedes: is it, with what follows, a
 * personnummer? */
static bool
pnr_at(const char *d, size_t run, const unsigned char *after, bool skip_bare_ten)
{
	const unsigned char *end;
	char tail[4];
	size_t sep;

	switch (run) {
	case 10:
		return !skip_bare_ten && pnr_plausible(NULL, d, d + 6);
	case 12:
		return pnr_plausible(d, d + 2, d + 8);
	case 6:
	case 8:
		if ((sep = separator_at(after, run == 6)) == 0 ||
		    digit_run(after + sep, tail, sizeof(tail), &end) != 4)
			return false;
		return run == 6 ? pnr_plausible(NULL, d, tail) : pnr_plausible(d, d + 2, tail);
	default:
		return false;
	}
}

static bool
pnr_scan(const char *text, bool skip_bare_ten)
{
	const unsigned char *s = (const unsigned char *)text, *end;
	char d[12];
	size_t n, run;

	while (*s != '\0') {
		if (digit_at(s, &n) < 0) {
			s += n;
			continue;
		}
		run = digit_run(s, d, sizeof(d), &end);
		if (pnr_at(d, run, end, skip_bare_ten))
			return true;
		s = end;
	}
	return false;
}

bool
validate_has_personnummer(const char *text)
{
	return text != NULL && pnr_scan(text, false);
}
