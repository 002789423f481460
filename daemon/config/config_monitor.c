/*
 * config_monitor — the [monitor] section: where famlinkd's HTTP endpoint
 * listens and the bearer token it asks for. Bound beyond this host (not
 * 127.0.0.1, ::1 or a unix socket), every route but /healthz needs the
 * token, so the file must name one.
 */
#include <string.h>

#include "config_int.h"
#include "keys.h"
#include "monitor_listen.h"

/* The token file's content, its surrounding whitespace trimmed: printable
 * ASCII without spaces, as an HTTP header carries it. */
static void
read_token(load_t *L, const keydef_t *k, const char *path)
{
	char buf[sizeof(L->cfg->monitor_token) + 2], *s = buf;
	size_t n;
	err_t err = {0};

	if (keys_read_private_text(path, buf, sizeof(buf), &err) != 0) {
		cfg_problem(L, L->lineno, "%s: %s", k->name, err.msg);
		goto out;
	}
	s += strspn(s, " \t\r\n");
	n = strcspn(s, " \t\r\n");
	if (n == 0 || s[n + strspn(s + n, " \t\r\n")] != '\0') {
		cfg_problem(L, L->lineno, "%s: %s: expected one token (a line of printable"
		    " ASCII, no spaces)", k->name, path);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e) {
			cfg_problem(L, L->lineno, "%s: %s: the token holds a byte that is not"
			    " printable ASCII", k->name, path);
			goto out;
		}
	memcpy(L->cfg->monitor_token, s, n);
	L->cfg->monitor_token[n] = '\0';
out:
	explicit_bzero(buf, sizeof(buf));
}

void
cfg_set_monitor_value(load_t *L, const keydef_t *k, char *field, const char *value)
{
	monitor_listen_t where;
	const char *why;

	if (k->type == V_TOKEN_FILE) {
		if (cfg_resolve_path(L, k->name, value, field, k->size) == 0)
			read_token(L, k, field);
		return;
	}
	L->cfg->monitor_listen_line = L->lineno;
	if (strlen(value) >= k->size || !monitor_listen_parse(value, &where, &why))
		cfg_problem(L, L->lineno, "%s = %.80s: expected %s", k->name, value, why);
	else
		memcpy(field, value, strlen(value) + 1);
}

void
cfg_check_monitor(load_t *L)
{
	const config_t *c = L->cfg;
	monitor_listen_t where;
	const char *why;

	if (c->monitor_listen[0] == '\0' || !monitor_listen_parse(c->monitor_listen, &where, &why))
		return;
	if (!where.local && c->monitor_token_file[0] == '\0')
		cfg_problem(L, c->monitor_listen_line, "listen = %s is reachable from other hosts:"
		    " set token_file (a file only famlinkd's user may read) so that every route"
		    " but /healthz asks for \"Authorization: Bearer TOKEN\"", c->monitor_listen);
}
