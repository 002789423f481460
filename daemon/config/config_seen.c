/*
 * config_seen — what one config_load() has found so far, each at its line:
 * the problems (handed over sorted, as "FILE:LINE: message") and the
 * sections and keys seen. The line reader (config.c), the value checks
 * (config_value.c) and the whole-file validation (config_check.c) all write
 * or read it here; it calls none of them, so they depend on it one way.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* ---- problems ---------------------------------------------------------- */

void
cfg_problem(load_t *L, int line, const char *fmt, ...)
{
	char msg[1024];
	problem_t *grown;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	grown = realloc(L->probs, (L->nprobs + 1) * sizeof(*grown));
	if (grown == NULL) {
		L->oom = true;
		return;
	}
	L->probs = grown;
	grown[L->nprobs].line = line;
	grown[L->nprobs].seq = L->nprobs;
	grown[L->nprobs].msg = strdup(msg);
	if (grown[L->nprobs].msg == NULL) {
		L->oom = true;
		return;
	}
	L->nprobs++;
}

static int
problem_cmp(const void *a, const void *b)
{
	const problem_t *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
cfg_hand_over_problems(load_t *L, problems_t *out)
{
	if (L->nprobs == 0)
		return;   /* also keeps NULL away from qsort() */
	qsort(L->probs, L->nprobs, sizeof(*L->probs), problem_cmp);
	out->lines = calloc(L->nprobs + 1, sizeof(char *));
	for (size_t i = 0; out->lines != NULL && i < L->nprobs; i++) {
		size_t len = strlen(L->path) + strlen(L->probs[i].msg) + 16;
		char *line = malloc(len);
		if (line == NULL)
			break;
		snprintf(line, len, "%s:%d: %s", L->path, L->probs[i].line, L->probs[i].msg);
		out->lines[out->n++] = line;
	}
}

void
problems_free(problems_t *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->n = 0;
}

/* ---- sections and keys seen -------------------------------------------- */

const sect_t *
cfg_find_sect(const load_t *L, sect_kind_t kind)
{
	for (size_t i = 0; i < L->nsects; i++)
		if (L->sects[i].kind == kind)
			return &L->sects[i];
	return NULL;
}

int
cfg_seen_line(const sect_t *s, const char *key)
{
	for (size_t i = 0; s != NULL && i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, key) == 0)
			return s->keys[i].line;
	return 0;
}
