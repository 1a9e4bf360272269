/* The built-in defaults: the bottom layer of every merge, made from the
 * schema's tables (schema_table.c) and the built-in agents below. */
#include "schema_table.h"

#include <stddef.h>
#include <sys/types.h>

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

/* `domains`: what each agent reaches under `network.mode: allowlist`, its
 * model's API and its login (and Claude Code's telemetry, without which it
 * logs errors). */
struct builtin_credential {
	const char *env, *header, *upstream;
};
#define CREDS(...) ((const struct builtin_credential[]){__VA_ARGS__, {NULL, NULL, NULL}})

/* `credentials`: the keys each agent's own client sends, and how (checked
 * against the clients in the default image: docs/security.md). */
static const struct {
	const char *name;
	const char *const *command, *const *install, *const *env, *const *domains;
	const struct builtin_credential *credentials;
} builtin_defaults[] = {
    {"claude", LIST("claude"), LIST("npm install -g @anthropic-ai/claude-code"),
     LIST("ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"),
     LIST("api.anthropic.com", "statsig.anthropic.com", "sentry.io", "claude.ai",
          "console.anthropic.com"),
     CREDS({"ANTHROPIC_API_KEY", "x-api-key", "https://api.anthropic.com"},
           {"ANTHROPIC_AUTH_TOKEN", "authorization: Bearer", "https://api.anthropic.com"},
           {"CLAUDE_CODE_OAUTH_TOKEN", "authorization: Bearer", "https://api.anthropic.com"})},
    {"codex", LIST("codex"), LIST("npm install -g @openai/codex"), LIST("OPENAI_API_KEY"),
     LIST("api.openai.com", "auth.openai.com", "chatgpt.com"),
     CREDS({"OPENAI_API_KEY", "authorization: Bearer", "https://api.openai.com"},
           {"CODEX_API_KEY", "authorization: Bearer", "https://api.openai.com"})},
    {"gemini", LIST("gemini"), LIST("npm install -g @google/gemini-cli"),
     LIST("GEMINI_API_KEY", "GOOGLE_API_KEY"),
     LIST("generativelanguage.googleapis.com", "oauth2.googleapis.com", "accounts.google.com",
          "cloudcode-pa.googleapis.com"),
     CREDS({"GEMINI_API_KEY", "x-goog-api-key", "https://generativelanguage.googleapis.com"},
           {"GOOGLE_API_KEY", "x-goog-api-key", "https://generativelanguage.googleapis.com"})},
};

/* ---- the defaults ---- */

static const struct sc_pos no_pos = {NULL, 0, 0};

static struct sc_value *put(struct sc_value *t, const char *key, struct sc_value *v)
{
	sc_table_add(t, key, no_pos, v);
	return v;
}

static void put_list(struct sc_value *t, const char *key, const char *const *items)
{
	struct sc_value *a = put(t, key, sc_value_new(SC_VALUE_ARRAY, no_pos));
	for (; items && *items; items++)
		sc_array_push(a, sc_value_new_string(*items, strlen(*items), no_pos));
}

/* The list a built-in service has for `key`, or NULL (empty). */
static const char *const *builtin_list(size_t i, const char *key)
{
	if (streq(key, "command"))
		return builtin_defaults[i].command;
	if (streq(key, "install"))
		return builtin_defaults[i].install;
	if (streq(key, "env"))
		return builtin_defaults[i].env;
	if (streq(key, "domains"))
		return builtin_defaults[i].domains;
	return NULL;
}

static void put_str(struct sc_value *t, const char *key, const char *v)
{
	put(t, key, sc_value_new_string(v, strlen(v), no_pos));
}

/* A built-in service's credentials, as the list of tables a file would hold. */
static void put_credentials(struct sc_value *t, const char *key, ssize_t builtin)
{
	struct sc_value *a = put(t, key, sc_value_new(SC_VALUE_ARRAY, no_pos));
	if (builtin < 0)
		return;
	for (const struct builtin_credential *c = builtin_defaults[builtin].credentials;
	     c && c->env; c++) {
		struct sc_value *item = sc_value_new(SC_VALUE_TABLE, no_pos);
		put_str(item, "env", c->env);
		put_str(item, "header", c->header);
		put_str(item, "upstream", c->upstream);
		sc_array_push(a, item);
	}
}

static void put_keys(struct sc_value *t, const struct sc_key *keys, ssize_t builtin)
{
	for (const struct sc_key *k = keys; k->name; k++) {
		switch (sc_key_store(k)) {
		case SC_STORE_TABLE:
			put_keys(put(t, k->name, sc_value_new(SC_VALUE_TABLE, no_pos)), k->sub, -1);
			break;
		case SC_STORE_STR:
		case SC_STORE_ENUM:
			put(t, k->name,
			    sc_value_new_string(k->def.str, strlen(k->def.str), no_pos));
			break;
		case SC_STORE_BOOL:
			put(t, k->name, sc_value_new_bool(k->def.boolean, no_pos));
			break;
		case SC_STORE_INT:
		case SC_STORE_NUM:
			put(t, k->name, sc_value_new_integer(k->def.integer, no_pos));
			break;
		case SC_STORE_ITEMS:
			if (k->sub == sc_schema_credential) {
				put_credentials(t, k->name, builtin);
				break;
			}
			put_list(t, k->name, k->def.list);
			break;
		case SC_STORE_LIST:
			put_list(t, k->name,
			         builtin >= 0 ? builtin_list((size_t)builtin, k->name)
			                      : k->def.list);
			break;
		case SC_STORE_MAP:
			put(t, k->name, sc_value_new(SC_VALUE_TABLE, no_pos));
			break;
		case SC_STORE_SERVICES: {
			struct sc_value *s = put(t, k->name, sc_value_new(SC_VALUE_TABLE, no_pos));
			for (size_t i = 0; i < N_ELEMENTS(builtin_defaults); i++)
				put_keys(put(s, builtin_defaults[i].name,
				             sc_value_new(SC_VALUE_TABLE, no_pos)),
				         k->sub, (ssize_t)i);
			break;
		}
		}
	}
}

struct sc_value *sc_config_defaults(void)
{
	struct sc_value *root = sc_value_new(SC_VALUE_TABLE, no_pos);
	put_keys(root, sc_schema_root, -1);
	return root;
}
