/*
 * config_check — the second half of config_load(): once every line is
 * parsed, the problems no single line shows. A missing key is reported at its
 * section's header (line 0 when the section is missing too); a conflict
 * between two lines at the later one, naming the earlier.
 */
#include <stdbool.h>
#include <string.h>

#include "config_int.h"
#include "confval.h"
#include "validate.h"

static int
later(int a, int b)
{
	return a > b ? a : b;
}

static void
require(load_t *L, sect_kind_t kind, const char *section, const char *key)
{
	const sect_t *s = cfg_find_sect(L, kind);

	/* Seen, not set: a key present with a bad value is reported once, as bad. */
	if (cfg_seen_line(s, key) == 0)
		cfg_problem(L, s != NULL ? s->line : 0, "[%s] %s is required", section, key);
}

/* The line of s's public key (public_key or public_key_file). */
static int
key_line(const sect_t *s)
{
	int line = later(cfg_seen_line(s, "public_key"), cfg_seen_line(s, "public_key_file"));

	return line != 0 ? line : s->line;
}

/* Exactly one of public_key and public_key_file. s may be NULL (no section). */
static void
require_one_key(load_t *L, const sect_t *s, const char *section)
{
	int a = cfg_seen_line(s, "public_key"), b = cfg_seen_line(s, "public_key_file");

	if (a == 0 && b == 0)
		cfg_problem(L, s != NULL ? s->line : 0,
		    "[%s] public_key or public_key_file is required", section);
	else if (a != 0 && b != 0)
		cfg_problem(L, later(a, b), "give public_key or public_key_file, not both "
		    "(the other at line %d)", a < b ? a : b);
}

/* The id's form must fit the role: a hub is a pool, a member a municipality. */
static void
check_node_id(load_t *L)
{
	const config_t *c = L->cfg;
	const sect_t *s = cfg_find_sect(L, SECT_NODE);
	int id_line = cfg_seen_line(s, "id"), role_line = cfg_seen_line(s, "role");

	if (c->node_id[0] == '\0')
		return;   /* missing or bad: reported already */
	if (c->role == ROLE_HUB && !confval_pool_id(c->node_id))
		cfg_problem(L, id_line, "id = %s: a hub's id is pool:NAME (role = hub at line %d)",
		    c->node_id, role_line);
	else if (c->role == ROLE_MUNICIPALITY && !confval_municipality_id(c->node_id))
		cfg_problem(L, id_line, "id = %s: a municipality's id is municipality:NNNN "
		    "(role = municipality at line %d)", c->node_id, role_line);
}

/* [listen], [peer] and [pool] belong to a hub, [hub] to a municipality;
 * [delivery], [deadlines] and [retention] to both. */
static void
check_sections_for_role(load_t *L)
{
	const config_t *c = L->cfg;
	int role_line = cfg_seen_line(cfg_find_sect(L, SECT_NODE), "role");

	for (size_t i = 0; i < L->nsects; i++) {
		const sect_t *s = &L->sects[i];
		if (c->role == ROLE_MUNICIPALITY &&
		    (s->kind == SECT_LISTEN || s->kind == SECT_PEER || s->kind == SECT_POOL))
			cfg_problem(L, s->line, "[%s] is for a hub, but role = municipality "
			    "(line %d)", s->name, role_line);
		else if (c->role == ROLE_HUB && s->kind == SECT_HUB)
			cfg_problem(L, s->line, "[hub] is for a municipality, but role = hub "
			    "(line %d)", role_line);
	}
}

static bool line_has_problem(const load_t *L, int line);

/* The contact person goes out in every ReferralAck: hold it to the rules
 * the municipality will check it by (validate.c), here, where someone can
 * fix it, rather than have each acknowledgement refused there. */
static void
check_contact(load_t *L, const sect_t *s, const peer_conf_t *p)
{
	Famlink__V1__Contact c = FAMLINK__V1__CONTACT__INIT;
	int line = cfg_seen_line(s, "contact_name");
	err_t err;

	if (p->contact_name[0] == '\0' || line_has_problem(L, line) ||
	    line_has_problem(L, cfg_seen_line(s, "contact_phone")) ||
	    line_has_problem(L, cfg_seen_line(s, "contact_email")))
		return;
	c.name = (char *)p->contact_name;
	c.phone = (char *)p->contact_phone;
	c.email = (char *)p->contact_email;
	if (validate_message(&c.base, "contact", &err) != 0)
		cfg_problem(L, line, "[%s]: the contact person would be refused in a ReferralAck:"
		    " %s", s->name, err.msg);
}

/* The allowlist: one key per peer, no key twice (the key is what identifies
 * a connection, so a shared key would let one member speak as the other). */
static void
check_peers(load_t *L)
{
	const config_t *c = L->cfg;

	for (size_t i = 0; i < L->nsects; i++) {
		const sect_t *s = &L->sects[i];
		const peer_conf_t *p;
		if (s->kind != SECT_PEER)
			continue;
		p = &c->peers[s->peer];
		require_one_key(L, s, s->name);
		check_contact(L, s, p);
		if (p->public_key[0] == '\0')
			continue;
		if (strcmp(p->public_key, c->public_key) == 0)
			cfg_problem(L, key_line(s), "[%s]: that public key is this hub's own "
			    "(key_file)", s->name);
		for (size_t j = 0; j < i; j++) {
			const sect_t *t = &L->sects[j];
			if (t->kind == SECT_PEER &&
			    strcmp(c->peers[t->peer].public_key, p->public_key) == 0)
				cfg_problem(L, key_line(s), "[%s]: public key already belongs to "
				    "[%s] (line %d)", s->name, t->name, key_line(t));
		}
	}
}

static void
check_municipality(load_t *L)
{
	const config_t *c = L->cfg;
	const sect_t *s = cfg_find_sect(L, SECT_HUB);

	require(L, SECT_HUB, "hub", "id");
	require(L, SECT_HUB, "hub", "endpoint");
	require_one_key(L, s, "hub");
	if (s != NULL && c->hub_public_key[0] != '\0' &&
	    strcmp(c->hub_public_key, c->public_key) == 0)
		cfg_problem(L, key_line(s), "[hub]: that public key is this node's own "
		    "(key_file); use the hub's .pub file");
}

/* True if a problem was already reported at line (a bad value there). */
static bool
line_has_problem(const load_t *L, int line)
{
	for (size_t i = 0; line != 0 && i < L->nprobs; i++)
		if (L->probs[i].line == line)
			return true;
	return false;
}

/*
 * The later line of keys a and b in s, or 0 when comparing them would mean
 * nothing: one of them had a bad value and still holds its default.
 */
static int
pair_line(const load_t *L, const sect_t *s, const char *a, const char *b)
{
	int la = cfg_seen_line(s, a), lb = cfg_seen_line(s, b);

	if (line_has_problem(L, la) || line_has_problem(L, lb))
		return 0;
	return later(la, lb) != 0 ? later(la, lb) : (s != NULL ? s->line : 0);
}

/* Relations between delivery settings, reported at the later of the two. */
static void
check_delivery(load_t *L)
{
	const config_t *c = L->cfg;
	const sect_t *s = cfg_find_sect(L, SECT_DELIVERY);
	int line;

	if (c->resend_initial_ms > c->resend_max_ms &&
	    (line = pair_line(L, s, "resend_initial", "resend_max")) != 0)
		cfg_problem(L, line, "resend_initial (%ums) is longer than resend_max (%ums)",
		    c->resend_initial_ms, c->resend_max_ms);
	if (c->heartbeat_timeout_ms <= c->heartbeat_ivl_ms &&
	    (line = pair_line(L, s, "heartbeat_interval", "heartbeat_timeout")) != 0)
		cfg_problem(L, line, "heartbeat_timeout (%ums) must be longer than "
		    "heartbeat_interval (%ums)", c->heartbeat_timeout_ms, c->heartbeat_ivl_ms);
}

void
cfg_validate(load_t *L)
{
	static const char *const node_keys[] = {"id", "role", "state_dir", "key_file"};

	for (size_t i = 0; i < sizeof(node_keys) / sizeof(node_keys[0]); i++)
		require(L, SECT_NODE, "node", node_keys[i]);
	check_node_id(L);
	check_sections_for_role(L);
	if (L->cfg->role == ROLE_HUB) {
		require(L, SECT_LISTEN, "listen", "bind");
		check_peers(L);
	} else if (L->cfg->role == ROLE_MUNICIPALITY) {
		check_municipality(L);
	}
	check_delivery(L);
	cfg_adapters_check(L);
	cfg_check_monitor(L);
}
