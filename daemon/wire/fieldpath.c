/* fieldpath — see fieldpath.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "fieldpath.h"

void
fieldpath_json_name(const char *proto_name, char *buf, size_t size)
{
	size_t o = 0;
	bool upper = false;

	if (size == 0)
		return;
	for (; *proto_name != '\0' && o + 1 < size; proto_name++) {
		char c = *proto_name;
		if (c == '_') {
			upper = true;
			continue;
		}
		buf[o++] = upper && c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
		upper = false;
	}
	buf[o] = '\0';
}

void
fieldpath_add(fieldpath_t *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p->buf + p->len, sizeof(p->buf) - p->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		p->len += (size_t)n;
	if (p->len >= sizeof(p->buf))
		p->len = sizeof(p->buf) - 1;
}

size_t
fieldpath_push_json(fieldpath_t *p, const char *json_name)
{
	size_t old = p->len;

	fieldpath_add(p, "%s%s", old > 0 ? "." : "", json_name);
	return old;
}

size_t
fieldpath_push(fieldpath_t *p, const char *proto_name)
{
	char name[128];

	fieldpath_json_name(proto_name, name, sizeof(name));
	return fieldpath_push_json(p, name);
}

size_t
fieldpath_push_index(fieldpath_t *p, size_t i)
{
	size_t old = p->len;

	fieldpath_add(p, "[%zu]", i);
	return old;
}

void
fieldpath_pop(fieldpath_t *p, size_t old)
{
	p->len = old;
	p->buf[old] = '\0';
}

int
fieldpath_fail(err_t *err, int code, const fieldpath_t *p, const char *fmt, ...)
{
	char what[sizeof(((err_t *)0)->msg)];   /* err->msg cuts it anyway */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return err_set(err, code, "%s: %s", p->len > 0 ? p->buf : "(message)", what);
}
