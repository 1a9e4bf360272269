/* What each trust-needing key grants, in the words recorded in trust.json
 * (the rows of schema_table.c name these functions). */
#include "../util/strbuf.h"
#include "schema_table.h"
#include "trust.h"
#include "validate.h"

#include <stdarg.h>

static void grant(const struct sc_grant_ctx *ctx, struct sc_origin origin, const char *fmt, ...)
    _printf_(3, 4);
static void grant(const struct sc_grant_ctx *ctx, struct sc_origin origin, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	struct sc_grant *g = xcalloc(1, sizeof(*g));
	g->text = strbuf_steal(&sb);
	g->origin = origin;
	vec_push(ctx->out, g);
}

/* Whether `o` is the layer asked about. */
static bool here(const struct sc_grant_ctx *ctx, struct sc_origin o)
{
	return o.layer == ctx->layer;
}

/* A list as one line: `a b "c d"`. */
static char *join_list(const struct sc_cfg_list *l)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < l->len; i++) {
		const char *v = l->items[i].value;
		if (i)
			strbuf_addc(&sb, ' ');
		if (*v && !strpbrk(v, " \t\"'\\"))
			strbuf_adds(&sb, v);
		else
			strbuf_addf(&sb, "\"%s\"", v);
	}
	return strbuf_steal(&sb);
}

/* "BEFORE`ITEM`AFTER" for each item of the list `field` the layer set. */
static void grant_items(const struct sc_grant_ctx *ctx, const void *field, const char *before,
                        const char *after)
{
	const struct sc_cfg_list *l = field;
	for (size_t i = 0; i < l->len; i++)
		if (here(ctx, l->items[i].origin))
			grant(ctx, l->items[i].origin, "%s`%s`%s", before, l->items[i].value,
			      after);
}

void sc_grant_setting(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field)
{
	const char *table = ctx->table ? ctx->table : "";
	switch (sc_key_store(key)) {
	case SC_STORE_STR: {
		const struct sc_cfg_str *s = field;
		if (here(ctx, s->origin))
			grant(ctx, s->origin, "set `%s%s` to `%s`", table, key->name, s->value);
		break;
	}
	case SC_STORE_BOOL: {
		const struct sc_cfg_bool *b = field;
		if (here(ctx, b->origin))
			grant(ctx, b->origin, "set `%s%s` to %s", table, key->name,
			      b->value ? "true" : "false");
		break;
	}
	case SC_STORE_INT: {
		const struct sc_cfg_int *n = field;
		if (here(ctx, n->origin))
			grant(ctx, n->origin, "set `%s%s` to %lld", table, key->name,
			      (long long)n->value);
		break;
	}
	case SC_STORE_NUM: {
		const struct sc_cfg_num *n = field;
		if (here(ctx, n->origin)) {
			_cleanup_free_ char *v = sc_cfg_format_number(n->value);
			grant(ctx, n->origin, "set `%s%s` to %s", table, key->name, v);
		}
		break;
	}
	case SC_STORE_ENUM: {
		struct sc_origin o;
		int v = sc_key_enum_get(ctx->cfg, key, &o);
		if (here(ctx, o))
			grant(ctx, o, "set `%s%s` to `%s`", table, key->name,
			      key->names && v >= 0 ? key->names[v] : "?");
		break;
	}
	case SC_STORE_LIST: {
		_cleanup_free_ char *after = xasprintf(" to `%s%s`", table, key->name);
		grant_items(ctx, field, "add ", after);
		break;
	}
	case SC_STORE_MAP: {
		const struct sc_cfg_map *m = field;
		for (size_t i = 0; i < m->len; i++)
			if (here(ctx, m->items[i].value.origin))
				grant(ctx, m->items[i].value.origin, "set `%s%s.%s` to `%s`", table,
				      key->name, m->items[i].key, m->items[i].value.value);
		break;
	}
	case SC_STORE_TABLE:
	case SC_STORE_SERVICES:
	case SC_STORE_ITEMS:
		break; /* their own rows and functions */
	}
}

void sc_grant_enabled(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field)
{
	const struct sc_cfg_bool *b = field;
	if (here(ctx, b->origin) && b->value) {
		if (ctx->svc)
			grant(ctx, b->origin, "enable the agent `%s` (services.%s.%s)",
			      ctx->svc->name, ctx->svc->name, key->name);
		else
			grant(ctx, b->origin, "set `%s%s` to true", ctx->table, key->name);
	}
}

void sc_grant_strip_terminal(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                             const void *field)
{
	(void)key;
	const struct sc_cfg_bool *b = field;
	if (here(ctx, b->origin) && !b->value)
		grant(ctx, b->origin,
		      "pass the agent's terminal requests to the editor unfiltered "
		      "(acp.strip_terminal: false)");
}

void sc_grant_mounts(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field)
{
	(void)key;
	(void)field;
	for (size_t i = 0; i < ctx->cfg->mounts.len; i++) {
		const struct sc_cfg_mount *m = sc_cfg_mount_at(ctx->cfg, i);
		if (here(ctx, m->origin))
			grant(ctx, m->origin, "mount the host path `%s` at `%s` (%s)",
			      m->source.value, m->target.value,
			      m->readonly.value ? "read-only" : "read-write");
	}
}

void sc_grant_credentials(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                          const void *field)
{
	(void)key;
	(void)field;
	for (size_t i = 0; i < ctx->svc->credentials.len; i++) {
		const struct sc_cfg_credential *c = sc_service_credential(ctx->svc, i);
		if (here(ctx, c->origin))
			grant(
			    ctx, c->origin,
			    "send the value of the host variable `%s` to `%s` in the header `%s`, "
			    "for `%s` (services.%s.credentials)",
			    c->env.value, c->upstream.value, c->header.value, ctx->svc->name,
			    ctx->svc->name);
	}
}

void sc_grant_passthrough(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                          const void *field)
{
	(void)key;
	grant_items(ctx, field, "pass the host variable ", " to every agent (env_passthrough)");
}

void sc_grant_env(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field)
{
	(void)key;
	const struct sc_cfg_map *m = field;
	for (size_t i = 0; i < m->len; i++) {
		const struct sc_cfg_map_entry *e = &m->items[i];
		if (here(ctx, e->value.origin) && !sc_env_name_harmless(e->key))
			grant(ctx, e->value.origin,
			      "set `%s=%s` (a variable that changes how programs "
			      "run or where traffic goes)",
			      e->key, e->value.value);
	}
}

void sc_grant_service_env(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                          const void *field)
{
	(void)key;
	_cleanup_free_ char *after =
	    xasprintf(" to `%s` (services.%s.env)", ctx->svc->name, ctx->svc->name);
	grant_items(ctx, field, "pass the host variable ", after);
}

void sc_grant_service_command(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                              const void *field)
{
	(void)key;
	const struct sc_cfg_list *l = field;
	if (!l->len || !here(ctx, l->origin))
		return;
	_cleanup_free_ char *cmd = join_list(l);
	grant(ctx, l->origin, "run `%s` as the command `%s`", ctx->svc->name, cmd);
}

void sc_grant_service_args(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                           const void *field)
{
	(void)key;
	_cleanup_free_ char *before = xasprintf("give `%s` the argument ", ctx->svc->name);
	grant_items(ctx, field, before, "");
}

void sc_grant_service_install(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                              const void *field)
{
	(void)key;
	_cleanup_free_ char *after =
	    xasprintf(" while building the image (services.%s.install)", ctx->svc->name);
	grant_items(ctx, field, "run ", after);
}

void sc_grant_service_domains(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                              const void *field)
{
	(void)key;
	_cleanup_free_ char *before = xasprintf("let `%s` reach ", ctx->svc->name);
	_cleanup_free_ char *after = xasprintf(" (services.%s.domains)", ctx->svc->name);
	grant_items(ctx, field, before, after);
}

void sc_grant_network_mode(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                           const void *field)
{
	(void)field;
	struct sc_origin o;
	int mode = sc_key_enum_get(ctx->cfg, key, &o);
	if (here(ctx, o) && mode == SC_NETWORK_OPEN)
		grant(ctx, o, "open network access (network.mode: open)");
}

void sc_grant_network_allow(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                            const void *field)
{
	(void)key;
	grant_items(ctx, field, "allow network access to ", "");
}

void sc_grant_ssh(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field)
{
	(void)key;
	const struct sc_cfg_bool *b = field;
	if (here(ctx, b->origin) && b->value)
		grant(ctx, b->origin, "SSH for git with sandcage's container key (ssh.enabled)");
}

/* Above the default. */
void sc_grant_memory(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field)
{
	const struct sc_cfg_str *s = field;
	int64_t bytes = 0, def = 0;
	memcpy(&bytes, (const char *)ctx->cfg + key->aux, sizeof(bytes));
	if (here(ctx, s->origin) && sc_parse_memory(key->def.str, &def) && bytes > def)
		grant(ctx, s->origin, "a memory limit of %s, above the default %s", s->value,
		      key->def.str);
}

void sc_grant_cpus(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field)
{
	(void)key;
	const struct sc_cfg_num *n = field;
	if (here(ctx, n->origin) && n->value == 0)
		grant(ctx, n->origin, "no CPU limit (resources.cpus: 0)");
}

void sc_grant_pids(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field)
{
	const struct sc_cfg_int *n = field;
	if (here(ctx, n->origin) && n->value > key->def.integer)
		grant(ctx, n->origin, "a process limit of %lld, above the default %lld",
		      (long long)n->value, (long long)key->def.integer);
}

void sc_grant_dockerfile(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                         const void *field)
{
	(void)key;
	const struct sc_cfg_str *s = field;
	if (here(ctx, s->origin) && *s->value)
		grant(
		    ctx, s->origin,
		    "build the image from the Dockerfile `%s` (its directory is the build context)",
		    s->value);
}

void sc_grant_ca_certificates(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                              const void *field)
{
	(void)key;
	grant_items(ctx, field, "copy the host file ", " into the image as a CA certificate");
}

/* Other than the engine's default network, or none. */
void sc_grant_build_network(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                            const void *field)
{
	const struct sc_cfg_str *s = field;
	if (here(ctx, s->origin) && !streq(s->value, key->def.str) && !streq(s->value, "none"))
		grant(ctx, s->origin, "build the image on the network `%s`", s->value);
}
