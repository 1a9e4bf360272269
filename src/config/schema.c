#include "schema.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "../util/vec.h"

#include <math.h>
#include <stdarg.h>
#include <sys/stat.h>

#define MAX_ERRORS 10

/* The command table's names (not the built-in agents: they are services). */
const char *const sc_reserved_names[] = {
#define SC_AGENT(name)
#define SC_COMMAND(name)  #name,
#define SC_RESERVED(name) #name,
#include "../commands.def"
#undef SC_AGENT
#undef SC_COMMAND
#undef SC_RESERVED
    NULL,
};

static const char *const builtin_services[] = {"claude", "codex", "gemini", NULL};
static const char *const known_toolchains[] = {"node", "python", "rust", "go", NULL};

/* ---- the defaults ---- */

static const struct sc_pos no_pos = {NULL, 0, 0};

static struct sc_value *put(struct sc_value *t, const char *key, struct sc_value *v)
{
	sc_table_add(t, key, no_pos, v);
	return v;
}

static struct sc_value *put_table(struct sc_value *t, const char *key)
{
	return put(t, key, sc_value_new(SC_VALUE_TABLE, no_pos));
}

static void put_str(struct sc_value *t, const char *key, const char *s)
{
	put(t, key, sc_value_new_string(s, strlen(s), no_pos));
}

static void put_list(struct sc_value *t, const char *key, const char *const *items)
{
	struct sc_value *a = put(t, key, sc_value_new(SC_VALUE_ARRAY, no_pos));
	for (; items && *items; items++)
		sc_array_push(a, sc_value_new_string(*items, strlen(*items), no_pos));
}

static void put_service(struct sc_value *services, const char *name, bool enabled,
                        const char *const *command, const char *const *install,
                        const char *const *env, const char *const *domains)
{
	struct sc_value *s = put_table(services, name);
	put(s, "enabled", sc_value_new_bool(enabled, no_pos));
	put_list(s, "command", command);
	put_list(s, "install", install);
	put_list(s, "env", env);
	put_list(s, "args", NULL);
	put_list(s, "domains", domains);
}

struct sc_value *sc_config_defaults(void)
{
	struct sc_value *root = sc_value_new(SC_VALUE_TABLE, no_pos);

	struct sc_value *image = put_table(root, "image");
	put_str(image, "base", "debian:bookworm-slim");
	put_str(image, "dockerfile", "");
	put_list(image, "ca_certificates", NULL);
	put_str(image, "build_network", "default");

	put_table(root, "toolchains");
	put_list(root, "packages", NULL);

	struct sc_value *services = put_table(root, "services");
	/* `domains`: what each agent reaches under `network.mode: allowlist`,
	 * its model's API and its login (and Claude Code's telemetry, without
	 * which it logs errors). */
	put_service(services, "claude", true, (const char *const[]){"claude", NULL},
	            (const char *const[]){"npm install -g @anthropic-ai/claude-code", NULL},
	            (const char *const[]){"ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", NULL},
	            (const char *const[]){"api.anthropic.com", "statsig.anthropic.com", "sentry.io",
	                                  "claude.ai", "console.anthropic.com", NULL});
	put_service(
	    services, "codex", true, (const char *const[]){"codex", NULL},
	    (const char *const[]){"npm install -g @openai/codex", NULL},
	    (const char *const[]){"OPENAI_API_KEY", NULL},
	    (const char *const[]){"api.openai.com", "auth.openai.com", "chatgpt.com", NULL});
	put_service(services, "gemini", true, (const char *const[]){"gemini", NULL},
	            (const char *const[]){"npm install -g @google/gemini-cli", NULL},
	            (const char *const[]){"GEMINI_API_KEY", "GOOGLE_API_KEY", NULL},
	            (const char *const[]){"generativelanguage.googleapis.com",
	                                  "oauth2.googleapis.com", "accounts.google.com",
	                                  "cloudcode-pa.googleapis.com", NULL});

	put_table(root, "env");
	put_list(root, "env_passthrough", NULL);
	put_list(root, "mounts", NULL);

	struct sc_value *network = put_table(root, "network");
	put_str(network, "mode", "open");
	put_list(network, "allow", NULL);

	struct sc_value *resources = put_table(root, "resources");
	put_str(resources, "memory", "8g");
	put(resources, "cpus", sc_value_new_integer(0, no_pos));
	put(resources, "pids", sc_value_new_integer(1024, no_pos));

	struct sc_value *ssh = put_table(root, "ssh");
	put(ssh, "enabled", sc_value_new_bool(false, no_pos));

	struct sc_value *home = put_table(root, "home");
	put_str(home, "volume", "sandcage-home");

	put_str(root, "engine", "");

	struct sc_value *acp = put_table(root, "acp");
	put_str(acp, "registry_url",
	        "https://cdn.agentclientprotocol.com/registry/v1/latest/registry.json");
	put(acp, "strip_terminal", sc_value_new_bool(true, no_pos));

	struct sc_value *security = put_table(root, "security");
	put_list(security, "protected_paths",
	         (const char *const[]){".sandcage.yml", ".sandcage.local.yml", ".git/hooks/",
	                               ".git/config", NULL});
	put_list(security, "masked_files",
	         (const char *const[]){".env", ".env.*", "!.env.example", NULL});
	return root;
}

/* ---- freeing and small accessors ---- */

static void str_release(struct sc_cfg_str *s)
{
	free(s->value);
	s->value = NULL;
}

static void list_release(struct sc_cfg_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i].value);
	free(l->items);
	l->items = NULL;
	l->len = 0;
}

static void map_release(struct sc_cfg_map *m)
{
	for (size_t i = 0; i < m->len; i++) {
		free(m->items[i].key);
		free(m->items[i].value.value);
	}
	free(m->items);
	m->items = NULL;
	m->len = 0;
}

static void service_release(struct sc_service *s)
{
	free(s->name);
	list_release(&s->command);
	list_release(&s->install);
	list_release(&s->env);
	list_release(&s->args);
	list_release(&s->domains);
}

static void mount_release(struct sc_cfg_mount *m)
{
	str_release(&m->source);
	str_release(&m->target);
}

void sc_config_free(struct sc_config *cfg)
{
	if (!cfg)
		return;
	str_release(&cfg->image.base);
	str_release(&cfg->image.dockerfile);
	list_release(&cfg->image.ca_certificates);
	str_release(&cfg->image.build_network);
	map_release(&cfg->toolchains);
	list_release(&cfg->packages);
	for (size_t i = 0; i < cfg->services.len; i++)
		service_release(&cfg->services.items[i]);
	free(cfg->services.items);
	map_release(&cfg->env);
	list_release(&cfg->env_passthrough);
	for (size_t i = 0; i < cfg->mounts.len; i++)
		mount_release(&cfg->mounts.items[i]);
	free(cfg->mounts.items);
	list_release(&cfg->network.allow);
	str_release(&cfg->resources.memory);
	str_release(&cfg->home.volume);
	str_release(&cfg->acp.registry_url);
	list_release(&cfg->security.protected_paths);
	list_release(&cfg->security.masked_files);
	free(cfg);
}

const struct sc_service *sc_config_service(const struct sc_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->services.len; i++)
		if (streq(cfg->services.items[i].name, name))
			return &cfg->services.items[i];
	return NULL;
}

char **sc_cfg_list_strv(const struct sc_cfg_list *list)
{
	char **v = xcalloc(list->len + 1, sizeof(char *));
	for (size_t i = 0; i < list->len; i++)
		v[i] = xstrdup(list->items[i].value);
	return v;
}

const char *sc_network_mode_name(enum sc_network_mode mode)
{
	switch (mode) {
	case SC_NETWORK_OPEN:
		return "open";
	case SC_NETWORK_NONE:
		return "none";
	case SC_NETWORK_ALLOWLIST:
		return "allowlist";
	}
	return "open";
}

const char *sc_engine_name(enum sc_engine_kind engine)
{
	switch (engine) {
	case SC_ENGINE_AUTO:
		return "";
	case SC_ENGINE_DOCKER:
		return "docker";
	case SC_ENGINE_PODMAN:
		return "podman";
	}
	return "";
}

static bool strv_has(const char *const *v, const char *s)
{
	for (; *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

/* ---- did you mean ---- */

static size_t levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The nearest candidate: edit distance at most 2, or one a prefix of the
 * other; NULL when nothing is near. */
static const char *nearest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_dist = SIZE_MAX;
	size_t wl = strlen(word);
	for (const char *const *c = candidates; *c; c++) {
		size_t d = levenshtein(word, *c);
		size_t cl = strlen(*c);
		bool prefix = wl >= 2 && cl >= 2 && (strncmp(word, *c, cl < wl ? cl : wl) == 0);
		if (d > 2 && !prefix)
			continue;
		if (d < best_dist) {
			best = *c;
			best_dist = d;
		}
	}
	return best;
}

/* ---- the decoder ---- */

struct dec {
	bool merged;         /* a merged tree: each node's layer in `flags` */
	bool partial;        /* one layer on its own: nothing is required */
	enum sc_layer layer; /* when !merged */
	struct strbuf path;  /* the key path of the value being decoded */
	struct strbuf errs;
	unsigned nerrs;
};

static struct sc_origin origin_of(const struct dec *d, const struct sc_value *v)
{
	struct sc_origin o = {d->merged ? sc_merged_layer(v) : d->layer, v->pos};
	return o;
}

static void fail_v(struct dec *d, struct sc_pos pos, bool with_path, const char *fmt, va_list ap)
    _printf_(4, 0);
static void fail_v(struct dec *d, struct sc_pos pos, bool with_path, const char *fmt, va_list ap)
{
	d->nerrs++;
	if (d->nerrs > MAX_ERRORS) {
		if (d->nerrs == MAX_ERRORS + 1)
			strbuf_adds(&d->errs, "\n(more errors not shown)");
		return;
	}
	if (d->errs.len)
		strbuf_addc(&d->errs, '\n');
	_cleanup_free_ char *where = sc_pos_format(pos);
	if (*where)
		strbuf_addf(&d->errs, "%s: ", where);
	else if (!d->merged && d->layer == SC_LAYER_FLAG)
		strbuf_adds(&d->errs, "command line: ");
	if (with_path && d->path.len)
		strbuf_addf(&d->errs, "`%s`: ", strbuf_str(&d->path));
	strbuf_vaddf(&d->errs, fmt, ap);
}

/* "FILE:LINE:COL: `key.path`: MESSAGE" */
static void fail(struct dec *d, struct sc_pos pos, const char *fmt, ...) _printf_(3, 4);
static void fail(struct dec *d, struct sc_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(d, pos, true, fmt, ap);
	va_end(ap);
}

/* "FILE:LINE:COL: MESSAGE" */
static void fail_plain(struct dec *d, struct sc_pos pos, const char *fmt, ...) _printf_(3, 4);
static void fail_plain(struct dec *d, struct sc_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(d, pos, false, fmt, ap);
	va_end(ap);
}

static size_t push_key(struct dec *d, const char *key)
{
	size_t mark = d->path.len;
	sc_key_path_push(&d->path, key);
	return mark;
}

static size_t push_index(struct dec *d, size_t i)
{
	size_t mark = d->path.len;
	strbuf_addf(&d->path, "[%zu]", i);
	return mark;
}

static void pop(struct dec *d, size_t mark)
{
	strbuf_truncate(&d->path, mark);
}

static bool expect(struct dec *d, const struct sc_value *v, enum sc_value_kind kind)
{
	if (v->kind == kind)
		return true;
	fail(d, v->pos, "expected %s, found %s", sc_value_kind_name(kind),
	     sc_value_kind_name(v->kind));
	return false;
}

struct keydef {
	const char *name;
	bool list; /* may be appended to with `name+` */
};

/* Finds the member's key among `keys` (NULL-name terminated); the `+`
 * suffix is allowed on list keys. Reports unknown keys, with the nearest
 * known key. Returns the index, or -1. */
static int key_index(struct dec *d, const struct sc_member *m, const struct keydef *keys)
{
	size_t len = strlen(m->key);
	bool append = len > 1 && m->key[len - 1] == '+';
	_cleanup_free_ char *name = append ? xstrndup(m->key, len - 1) : xstrdup(m->key);
	size_t n = 0;
	for (; keys[n].name; n++) {
		if (!streq(keys[n].name, name))
			continue;
		if (append && !keys[n].list) {
			size_t mark = push_key(d, m->key);
			fail(d, m->key_pos,
			     "only lists can be appended to (`+`), and `%s` is not a list", name);
			pop(d, mark);
			return -1;
		}
		return (int)n;
	}
	const char **names = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		names[i] = keys[i].name;
	const char *near = nearest(name, names);
	free(names);
	size_t mark = push_key(d, m->key);
	_cleanup_free_ char *full = xstrdup(strbuf_str(&d->path));
	pop(d, mark);
	if (near) {
		size_t mark2 = push_key(d, near);
		fail_plain(d, m->key_pos, "unknown key `%s` (did you mean `%s%s`?)", full,
		           strbuf_str(&d->path), append ? "+" : "");
		pop(d, mark2);
	} else {
		fail_plain(d, m->key_pos, "unknown key `%s`", full);
	}
	return -1;
}

/* ---- scalars ---- */

static bool string_ok(struct dec *d, const struct sc_value *v)
{
	if (!expect(d, v, SC_VALUE_STRING))
		return false;
	if (strlen(v->u.str.ptr) != v->u.str.len) {
		fail(d, v->pos, "the string contains a NUL character");
		return false;
	}
	return true;
}

static void set_str(struct dec *d, struct sc_cfg_str *out, const struct sc_value *v, char *s)
{
	free(out->value);
	out->value = s;
	out->origin = origin_of(d, v);
}

char *sc_cfg_format_number(double x)
{
	char buf[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return xstrdup(buf);
}

typedef bool (*check_fn)(struct dec *d, const struct sc_value *v, const char *s);

static bool get_str(struct dec *d, const struct sc_value *v, struct sc_cfg_str *out, check_fn check)
{
	if (!string_ok(d, v))
		return false;
	if (check && !check(d, v, v->u.str.ptr))
		return false;
	set_str(d, out, v, xstrdup(v->u.str.ptr));
	return true;
}

/* Strings, and numbers and booleans written as such (env values). */
static bool get_scalar_as_str(struct dec *d, const struct sc_value *v, struct sc_cfg_str *out)
{
	switch (v->kind) {
	case SC_VALUE_STRING:
		return get_str(d, v, out, NULL);
	case SC_VALUE_INTEGER:
		set_str(d, out, v, xasprintf("%lld", (long long)v->u.integer));
		return true;
	case SC_VALUE_FLOAT:
		set_str(d, out, v, sc_cfg_format_number(v->u.real));
		return true;
	case SC_VALUE_BOOL:
		set_str(d, out, v, xstrdup(v->u.boolean ? "true" : "false"));
		return true;
	default:
		fail(d, v->pos, "expected string, found %s", sc_value_kind_name(v->kind));
		return false;
	}
}

static bool get_bool(struct dec *d, const struct sc_value *v, struct sc_cfg_bool *out)
{
	if (!expect(d, v, SC_VALUE_BOOL))
		return false;
	out->value = v->u.boolean;
	out->origin = origin_of(d, v);
	return true;
}

/* `one_of` is a NULL-terminated list; returns the index or -1. */
static int get_enum(struct dec *d, const struct sc_value *v, const char *const *one_of,
                    const char *allowed)
{
	if (!string_ok(d, v))
		return -1;
	for (int i = 0; one_of[i]; i++)
		if (streq(one_of[i], v->u.str.ptr))
			return i;
	const char *near = nearest(v->u.str.ptr, one_of);
	if (near && *near)
		fail(d, v->pos, "expected one of %s, found \"%s\" (did you mean \"%s\"?)", allowed,
		     v->u.str.ptr, near);
	else
		fail(d, v->pos, "expected one of %s, found \"%s\"", allowed, v->u.str.ptr);
	return -1;
}

/* ---- lists ---- */

static void list_push(struct sc_cfg_list *l, char *value, struct sc_origin origin)
{
	l->items = xreallocarray(l->items, l->len + 1, sizeof(*l->items));
	l->items[l->len].value = value;
	l->items[l->len].origin = origin;
	l->len++;
}

/* A list of strings, each passing `check`. With `string_is_list`, a single
 * string means a one-element list. */
static bool get_list(struct dec *d, const struct sc_value *v, struct sc_cfg_list *out,
                     check_fn check, bool string_is_list)
{
	list_release(out);
	out->origin = origin_of(d, v);
	if (string_is_list && v->kind == SC_VALUE_STRING) {
		if (!string_ok(d, v) || (check && !check(d, v, v->u.str.ptr)))
			return false;
		list_push(out, xstrdup(v->u.str.ptr), origin_of(d, v));
		return true;
	}
	if (v->kind != SC_VALUE_ARRAY) {
		fail(d, v->pos, "expected %s, found %s", string_is_list ? "list or string" : "list",
		     sc_value_kind_name(v->kind));
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < v->u.array.len; i++) {
		const struct sc_value *item = v->u.array.items[i];
		size_t mark = push_index(d, i);
		if (string_ok(d, item) && (!check || check(d, item, item->u.str.ptr)))
			list_push(out, xstrdup(item->u.str.ptr), origin_of(d, item));
		else
			ok = false;
		pop(d, mark);
	}
	return ok;
}

/* ---- value checks ---- */

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alpha(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

/* Every character is alphanumeric (lowercase letters and digits with
 * `lower_only`) or one of `punct`. */
static bool all_in(const char *s, bool lower_only, const char *punct)
{
	for (; *s; s++) {
		if (lower_only ? (is_lower(*s) || is_digit(*s)) : is_alnum(*s))
			continue;
		if (!strchr(punct, *s))
			return false;
	}
	return true;
}

static bool check_not_empty(struct dec *d, const struct sc_value *v, const char *s)
{
	if (*s)
		return true;
	fail(d, v->pos, "must not be empty");
	return false;
}

static bool check_env_name(struct dec *d, const struct sc_value *v, const char *s)
{
	if ((is_alpha(*s) || *s == '_') && all_in(s + 1, false, "_"))
		return true;
	fail(d, v->pos,
	     "invalid environment variable name \"%s\" (expected letters, digits and "
	     "`_`, not starting with a digit)",
	     s);
	return false;
}

static bool check_package(struct dec *d, const struct sc_value *v, const char *s)
{
	const char *eq = strchr(s, '=');
	size_t n = eq ? (size_t)(eq - s) : strlen(s);
	bool ok = n >= 2 && (is_lower(s[0]) || is_digit(s[0]));
	for (size_t i = 1; ok && i < n; i++)
		ok = is_lower(s[i]) || is_digit(s[i]) || strchr("+.-", s[i]);
	if (ok && eq)
		ok = eq[1] && is_alnum(eq[1]) && all_in(eq + 1, false, ".+~:-");
	if (ok)
		return true;
	fail(d, v->pos,
	     "invalid package name \"%s\" (expected a Debian package name such as "
	     "\"ripgrep\" or \"ripgrep=13.0.0-4\": [a-z0-9][a-z0-9+.-]+ and an optional "
	     "=VERSION)",
	     s);
	return false;
}

static bool check_image_ref(struct dec *d, const struct sc_value *v, const char *s)
{
	if (is_alnum(*s) && all_in(s, false, "._/:@-"))
		return true;
	fail(d, v->pos,
	     "invalid image reference \"%s\" (expected something like "
	     "\"debian:bookworm-slim\" or \"registry.example.com/team/image:tag\")",
	     s);
	return false;
}

static bool check_docker_name(struct dec *d, const struct sc_value *v, const char *s)
{
	/* Docker's own rule for volume and network names: at least two characters. */
	if (is_alnum(s[0]) && s[1] && all_in(s + 1, false, "_.-"))
		return true;
	fail(d, v->pos,
	     "invalid name \"%s\" (expected [a-zA-Z0-9][a-zA-Z0-9_.-]+, as Docker "
	     "requires)",
	     s);
	return false;
}

static bool check_domain(struct dec *d, const struct sc_value *v, const char *s)
{
	/* An optional `:PORT` (443 when none). */
	const char *colon = strchr(s, ':');
	_cleanup_free_ char *host = colon ? xstrndup(s, (size_t)(colon - s)) : xstrdup(s);
	if (colon) {
		const char *port = colon + 1;
		size_t n = strlen(port);
		if (n == 0 || n > 5 || strspn(port, "0123456789") != n || atol(port) < 1 ||
		    atol(port) > 65535) {
			fail(
			    d, v->pos,
			    "invalid port in \"%s\" (expected HOST or HOST:PORT with a port from 1 "
			    "to 65535)",
			    s);
			return false;
		}
	}
	const char *p = str_has_prefix(host, "*.") ? host + 2 : host;
	bool ok = *p && strlen(host) <= 253;
	while (ok && *p) {
		const char *end = strchrnul(p, '.');
		size_t n = (size_t)(end - p);
		ok = n >= 1 && n <= 63 && is_alnum(p[0]) && is_alnum(p[n - 1]);
		for (size_t i = 0; ok && i < n; i++)
			ok = is_alnum(p[i]) || p[i] == '-';
		p = *end ? end + 1 : end;
		if (ok && *end && !*p)
			ok = false; /* trailing dot */
	}
	if (ok)
		return true;
	fail(d, v->pos,
	     "invalid domain \"%s\" (expected a host name such as \"example.com\", "
	     "\"*.example.com\" or \"example.com:8443\")",
	     s);
	return false;
}

static bool check_version(struct dec *d, const struct sc_value *v, const char *s)
{
	if (is_alnum(*s) && strlen(s) <= 64 && all_in(s, false, "._+~-"))
		return true;
	fail(d, v->pos,
	     "invalid version \"%s\" (expected something like \"20\", \"3.12\" or "
	     "\"1.79.0\")",
	     s);
	return false;
}

static bool check_url(struct dec *d, const struct sc_value *v, const char *s)
{
	bool ok = str_has_prefix(s, "https://") || str_has_prefix(s, "http://") ||
	          str_has_prefix(s, "file://");
	for (const char *p = s; ok && *p; p++)
		ok = (unsigned char)*p > ' ' && *p != 0x7f;
	if (ok)
		return true;
	fail(d, v->pos,
	     "invalid URL \"%s\" (expected an https://, http:// or file:// URL "
	     "without spaces)",
	     s);
	return false;
}

static bool check_absolute(struct dec *d, const struct sc_value *v, const char *s)
{
	if (s[0] == '/')
		return true;
	fail(d, v->pos, "expected an absolute path, found \"%s\"", s);
	return false;
}

/* Docker's units, with binary multiples: 512m, 4g, 4gb, 1.5g, 1073741824. */
static bool parse_memory(const char *s, int64_t *bytes)
{
	char *end = NULL;
	if (!is_digit(*s))
		return false;
	errno = 0;
	double n = strtod(s, &end);
	if (errno || end == s)
		return false;
	while (*end == ' ')
		end++;
	double mult = 1;
	switch (*end | 0x20) {
	case 'b':
		end++;
		break;
	case 'k':
		mult = 1024.0;
		break;
	case 'm':
		mult = 1024.0 * 1024;
		break;
	case 'g':
		mult = 1024.0 * 1024 * 1024;
		break;
	case 't':
		mult = 1024.0 * 1024 * 1024 * 1024;
		break;
	default:
		if (*end)
			return false;
	}
	if (mult > 1) {
		end++;
		if ((*end | 0x20) == 'i' && (end[1] | 0x20) == 'b')
			end += 2;
		else if ((*end | 0x20) == 'b')
			end++;
	}
	if (*end)
		return false;
	double total = n * mult;
	if (!isfinite(total) || total >= 9.2e18)
		return false;
	*bytes = (int64_t)total;
	return true;
}

/* ---- paths ---- */

/* `~/` is the home directory; a relative path is relative to the directory
 * of the file that set it (the current directory for flags). */
static char *resolve_path(const struct dec *d, const struct sc_value *v, const char *s)
{
	if (streq(s, "~") || str_has_prefix(s, "~/")) {
		_cleanup_free_ char *joined = path_join(path_home(), s + 1);
		return path_normalize(joined);
	}
	if (s[0] == '/')
		return path_normalize(s);
	struct sc_origin o = origin_of(d, v);
	if (o.layer != SC_LAYER_FLAG && o.pos.file && o.pos.file[0] == '/') {
		_cleanup_free_ char *dir = path_dirname(o.pos.file);
		_cleanup_free_ char *joined = path_join(dir, s);
		return path_normalize(joined);
	}
	return path_absolute(s);
}

enum path_need { NEED_FILE, NEED_ANY };

static bool get_path(struct dec *d, const struct sc_value *v, struct sc_cfg_str *out,
                     enum path_need need)
{
	if (!string_ok(d, v) || !check_not_empty(d, v, v->u.str.ptr))
		return false;
	_cleanup_free_ char *abs = resolve_path(d, v, v->u.str.ptr);
	struct stat st;
	if (stat(abs, &st) < 0) {
		const char *s = v->u.str.ptr;
		bool relative = s[0] != '/' && s[0] != '~';
		if (errno == ENOENT && relative)
			fail(d, v->pos,
			     "`%s` does not exist (a relative path is relative to the "
			     "directory of the file that sets it)",
			     abs);
		else if (errno == ENOENT)
			fail(d, v->pos, "`%s` does not exist", abs);
		else
			fail(d, v->pos, "`%s`: %s", abs, strerror(errno));
		return false;
	}
	if (need == NEED_FILE && !S_ISREG(st.st_mode)) {
		fail(d, v->pos, "`%s` is not a regular file", abs);
		return false;
	}
	set_str(d, out, v, steal_pointer(&abs));
	return true;
}

/* A list of existing files. */
static bool get_file_list(struct dec *d, const struct sc_value *v, struct sc_cfg_list *out)
{
	list_release(out);
	out->origin = origin_of(d, v);
	if (!expect(d, v, SC_VALUE_ARRAY))
		return false;
	bool ok = true;
	for (size_t i = 0; i < v->u.array.len; i++) {
		const struct sc_value *item = v->u.array.items[i];
		size_t mark = push_index(d, i);
		struct sc_cfg_str s = {NULL, {SC_LAYER_DEFAULT, no_pos}};
		if (get_path(d, item, &s, NEED_FILE))
			list_push(out, s.value, s.origin);
		else
			ok = false;
		pop(d, mark);
	}
	return ok;
}

/* ---- sections ---- */

static bool table_ok(struct dec *d, const struct sc_value *v)
{
	return expect(d, v, SC_VALUE_TABLE);
}

/* An empty table's items may be NULL, and NULL + 0 is undefined in C. */
#define FOREACH_MEMBER(m, t)                                                                       \
	for (const struct sc_member *m = (t)->u.table.items;                                       \
	     m && m < (t)->u.table.items + (t)->u.table.len; m++)

static void decode_image(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	static const struct keydef keys[] = {
	    {"base", false},          {"dockerfile", false}, {"ca_certificates", true},
	    {"build_network", false}, {NULL, false},
	};
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		int k = key_index(d, m, keys);
		if (k < 0)
			continue;
		size_t mark = push_key(d, keys[k].name);
		const struct sc_value *v = m->value;
		switch (k) {
		case 0:
			get_str(d, v, &cfg->image.base, check_image_ref);
			break;
		case 1:
			if (v->kind == SC_VALUE_STRING && v->u.str.len == 0)
				set_str(d, &cfg->image.dockerfile, v, xstrdup(""));
			else
				get_path(d, v, &cfg->image.dockerfile, NEED_FILE);
			break;
		case 2:
			get_file_list(d, v, &cfg->image.ca_certificates);
			break;
		case 3:
			get_str(d, v, &cfg->image.build_network, check_docker_name);
			break;
		}
		pop(d, mark);
	}
}

static void map_set(struct sc_cfg_map *map, const char *key, struct sc_cfg_str *value)
{
	for (size_t i = 0; i < map->len; i++) {
		if (streq(map->items[i].key, key)) {
			free(map->items[i].value.value);
			map->items[i].value = *value;
			value->value = NULL;
			return;
		}
	}
	map->items = xreallocarray(map->items, map->len + 1, sizeof(*map->items));
	map->items[map->len].key = xstrdup(key);
	map->items[map->len].value = *value;
	value->value = NULL;
	map->len++;
}

static void decode_toolchains(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	cfg->toolchains.origin = origin_of(d, t);
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		if (!strv_has(known_toolchains, m->key)) {
			size_t mark = push_key(d, m->key);
			const char *near = nearest(m->key, known_toolchains);
			if (near)
				fail_plain(d, m->key_pos,
				           "unknown toolchain `%s` (did you mean `toolchains.%s`?)",
				           strbuf_str(&d->path), near);
			else
				fail_plain(d, m->key_pos,
				           "unknown toolchain `%s` (known: node, python, rust, go)",
				           strbuf_str(&d->path));
			pop(d, mark);
			continue;
		}
		size_t mark = push_key(d, m->key);
		const struct sc_value *v = m->value;
		struct sc_cfg_str s = {NULL, {SC_LAYER_DEFAULT, no_pos}};
		if (v->kind == SC_VALUE_INTEGER) {
			set_str(d, &s, v, xasprintf("%lld", (long long)v->u.integer));
		} else if (v->kind == SC_VALUE_FLOAT) {
			_cleanup_free_ char *num = sc_cfg_format_number(v->u.real);
			fail(d, v->pos,
			     "expected a version string, found the float %s; quote the version "
			     "(\"3.10\"), or YAML and TOML read 3.10 as the number 3.1",
			     num);
		} else {
			get_str(d, v, &s, check_version);
		}
		if (s.value)
			map_set(&cfg->toolchains, m->key, &s);
		pop(d, mark);
	}
}

static void decode_env(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	cfg->env.origin = origin_of(d, t);
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		size_t mark = push_key(d, m->key);
		struct sc_cfg_str s = {NULL, {SC_LAYER_DEFAULT, no_pos}};
		struct sc_value keyv = {.kind = SC_VALUE_STRING, .pos = m->key_pos};
		if (check_env_name(d, &keyv, m->key) && get_scalar_as_str(d, m->value, &s))
			map_set(&cfg->env, m->key, &s);
		free(s.value);
		pop(d, mark);
	}
}

static void list_default(struct sc_cfg_list *l)
{
	list_release(l);
	l->origin = (struct sc_origin){SC_LAYER_DEFAULT, no_pos};
}

static bool check_service_name(struct dec *d, const struct sc_member *m)
{
	const char *s = m->key;
	if (!(is_lower(*s) && all_in(s + 1, true, "_-"))) {
		fail(d, m->key_pos, "invalid service name (expected [a-z][a-z0-9_-]*)");
		return false;
	}
	if (strv_has(sc_reserved_names, s)) {
		fail(d, m->key_pos,
		     "`%s` is a sandcage command and cannot name a service; choose "
		     "another name",
		     s);
		return false;
	}
	return true;
}

static struct sc_service *service_get(struct sc_config *cfg, const char *name, bool *created)
{
	for (size_t i = 0; i < cfg->services.len; i++) {
		if (streq(cfg->services.items[i].name, name)) {
			*created = false;
			return &cfg->services.items[i];
		}
	}
	cfg->services.items =
	    xreallocarray(cfg->services.items, cfg->services.len + 1, sizeof(*cfg->services.items));
	struct sc_service *s = &cfg->services.items[cfg->services.len++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->builtin = strv_has(builtin_services, name);
	*created = true;
	return s;
}

static void decode_service(struct dec *d, const struct sc_member *sm, struct sc_config *cfg)
{
	static const struct keydef keys[] = {
	    {"enabled", false}, {"command", true}, {"install", true}, {"env", true},
	    {"args", true},     {"domains", true}, {NULL, false},
	};
	const struct sc_value *t = sm->value;
	if (!check_service_name(d, sm) || !table_ok(d, t))
		return;
	bool created = false;
	struct sc_service *s = service_get(cfg, sm->key, &created);
	if (created) {
		/* A custom harness is wanted by being written down. */
		s->enabled.value = !s->builtin;
		s->enabled.origin = (struct sc_origin){SC_LAYER_DEFAULT, no_pos};
		list_default(&s->command);
		list_default(&s->install);
		list_default(&s->env);
		list_default(&s->args);
		list_default(&s->domains);
	}
	bool has_command = false;
	FOREACH_MEMBER(m, t)
	{
		int k = key_index(d, m, keys);
		if (k < 0)
			continue;
		size_t mark = push_key(d, keys[k].name);
		const struct sc_value *v = m->value;
		switch (k) {
		case 0:
			get_bool(d, v, &s->enabled);
			break;
		case 1:
			has_command = true;
			if (get_list(d, v, &s->command, NULL, true) && s->command.len == 0)
				fail(d, v->pos, "must not be empty: give the program to run");
			else if (s->command.len && !s->command.items[0].value[0])
				fail(d, v->pos, "the program name must not be empty");
			break;
		case 2:
			get_list(d, v, &s->install, check_not_empty, false);
			break;
		case 3:
			get_list(d, v, &s->env, check_env_name, false);
			break;
		case 4:
			get_list(d, v, &s->args, NULL, false);
			break;
		case 5:
			get_list(d, v, &s->domains, check_domain, false);
			break;
		}
		pop(d, mark);
	}
	if (!has_command && !s->builtin && !d->partial && s->command.len == 0) {
		const char *near = nearest(sm->key, builtin_services);
		if (near)
			fail(d, sm->key_pos,
			     "a custom harness needs `command` (the program to run); "
			     "did you mean the built-in `%s`?",
			     near);
		else
			fail(d, sm->key_pos,
			     "a custom harness needs `command` (the program to run)");
	}
}

static void decode_services(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		size_t mark = push_key(d, m->key);
		decode_service(d, m, cfg);
		pop(d, mark);
	}
}

static void decode_mount(struct dec *d, const struct sc_value *t, struct sc_cfg_mount *mnt)
{
	static const struct keydef keys[] = {
	    {"source", false},
	    {"target", false},
	    {"readonly", false},
	    {NULL, false},
	};
	mnt->origin = origin_of(d, t);
	mnt->readonly.origin = (struct sc_origin){SC_LAYER_DEFAULT, no_pos};
	if (!table_ok(d, t))
		return;
	bool have_source = false, have_target = false;
	FOREACH_MEMBER(m, t)
	{
		int k = key_index(d, m, keys);
		if (k < 0)
			continue;
		size_t mark = push_key(d, keys[k].name);
		const struct sc_value *v = m->value;
		switch (k) {
		case 0:
			have_source = true;
			get_path(d, v, &mnt->source, NEED_ANY);
			break;
		case 1:
			have_target = true;
			if (get_str(d, v, &mnt->target, check_absolute)) {
				char *norm = path_normalize(mnt->target.value);
				free(mnt->target.value);
				mnt->target.value = norm;
			}
			break;
		case 2:
			get_bool(d, v, &mnt->readonly);
			break;
		}
		pop(d, mark);
	}
	/* A mount is one list item, written whole in one layer. */
	if (!have_source)
		fail(d, t->pos, "a mount needs `source`");
	if (!have_target)
		fail(d, t->pos, "a mount needs `target`");
}

static void decode_mounts(struct dec *d, const struct sc_value *v, struct sc_config *cfg)
{
	for (size_t i = 0; i < cfg->mounts.len; i++)
		mount_release(&cfg->mounts.items[i]);
	cfg->mounts.len = 0;
	cfg->mounts.origin = origin_of(d, v);
	if (!expect(d, v, SC_VALUE_ARRAY))
		return;
	cfg->mounts.items =
	    xreallocarray(cfg->mounts.items, v->u.array.len, sizeof(*cfg->mounts.items));
	for (size_t i = 0; i < v->u.array.len; i++) {
		size_t mark = push_index(d, i);
		struct sc_cfg_mount *mnt = &cfg->mounts.items[cfg->mounts.len++];
		memset(mnt, 0, sizeof(*mnt));
		decode_mount(d, v->u.array.items[i], mnt);
		pop(d, mark);
	}
}

static void decode_network(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	static const struct keydef keys[] = {{"mode", false}, {"allow", true}, {NULL, false}};
	static const char *const modes[] = {"open", "none", "allowlist", NULL};
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		int k = key_index(d, m, keys);
		if (k < 0)
			continue;
		size_t mark = push_key(d, keys[k].name);
		if (k == 0) {
			int i = get_enum(d, m->value, modes, "open, none, allowlist");
			if (i >= 0) {
				cfg->network.mode.value = (enum sc_network_mode)i;
				cfg->network.mode.origin = origin_of(d, m->value);
			}
		} else {
			get_list(d, m->value, &cfg->network.allow, check_domain, false);
		}
		pop(d, mark);
	}
}

static void decode_resources(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	static const struct keydef keys[] = {
	    {"memory", false},
	    {"cpus", false},
	    {"pids", false},
	    {NULL, false},
	};
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		int k = key_index(d, m, keys);
		if (k < 0)
			continue;
		size_t mark = push_key(d, keys[k].name);
		const struct sc_value *v = m->value;
		if (k == 0) {
			_cleanup_free_ char *text = NULL;
			if (v->kind == SC_VALUE_INTEGER)
				text = xasprintf("%lld", (long long)v->u.integer);
			else if (string_ok(d, v))
				text = xstrdup(v->u.str.ptr);
			int64_t bytes = 0;
			if (!text) {
				/* reported */
			} else if (!parse_memory(text, &bytes)) {
				fail(
				    d, v->pos,
				    "invalid memory size \"%s\" (expected a number with "
				    "an optional unit b, k, m, g or t, such as \"512m\" or \"8g\")",
				    text);
			} else if (bytes < 6 * 1024 * 1024) {
				fail(d, v->pos,
				     "\"%s\" is too little memory: Docker needs at least "
				     "6m",
				     text);
			} else {
				set_str(d, &cfg->resources.memory, v, steal_pointer(&text));
				cfg->resources.memory_bytes = bytes;
			}
		} else if (k == 1) {
			double x = 0;
			if (v->kind == SC_VALUE_INTEGER)
				x = (double)v->u.integer;
			else if (v->kind == SC_VALUE_FLOAT)
				x = v->u.real;
			if (v->kind != SC_VALUE_INTEGER && v->kind != SC_VALUE_FLOAT) {
				fail(d, v->pos, "expected number, found %s",
				     sc_value_kind_name(v->kind));
			} else if (!isfinite(x) || x < 0) {
				fail(d, v->pos,
				     "expected a number of CPUs greater than 0 (or 0 for "
				     "no limit)");
			} else {
				cfg->resources.cpus.value = x;
				cfg->resources.cpus.origin = origin_of(d, v);
			}
		} else {
			if (!expect(d, v, SC_VALUE_INTEGER)) {
				/* reported */
			} else if (v->u.integer <= 0) {
				fail(d, v->pos, "expected an integer greater than 0, found %lld",
				     (long long)v->u.integer);
			} else {
				cfg->resources.pids.value = v->u.integer;
				cfg->resources.pids.origin = origin_of(d, v);
			}
		}
		pop(d, mark);
	}
}

static void decode_ssh(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	static const struct keydef keys[] = {{"enabled", false}, {NULL, false}};
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		if (key_index(d, m, keys) < 0)
			continue;
		size_t mark = push_key(d, m->key);
		get_bool(d, m->value, &cfg->ssh.enabled);
		pop(d, mark);
	}
}

static void decode_home(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	static const struct keydef keys[] = {{"volume", false}, {NULL, false}};
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		if (key_index(d, m, keys) < 0)
			continue;
		size_t mark = push_key(d, m->key);
		get_str(d, m->value, &cfg->home.volume, check_docker_name);
		pop(d, mark);
	}
}

static void decode_acp(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	static const struct keydef keys[] = {
	    {"registry_url", false},
	    {"strip_terminal", false},
	    {NULL, false},
	};
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		int k = key_index(d, m, keys);
		if (k < 0)
			continue;
		size_t mark = push_key(d, m->key);
		if (k == 0)
			get_str(d, m->value, &cfg->acp.registry_url, check_url);
		else
			get_bool(d, m->value, &cfg->acp.strip_terminal);
		pop(d, mark);
	}
}

/* A path inside the project, as written: relative, without `..`. */
static bool check_project_path(struct dec *d, const struct sc_value *v, const char *s)
{
	bool ok = *s && *s != '/' && !strchr(s, '\n') && !streq(s, ".") && !streq(s, "./");
	for (const char *p = s; ok && *p; p = strchrnul(p, '/'), p += *p == '/')
		ok = !(p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]));
	if (ok)
		return true;
	fail(d, v->pos,
	     "invalid path \"%s\" (expected a path relative to the project root, without "
	     "`..`, such as \".git/hooks/\")",
	     s);
	return false;
}

/* A file name pattern (`*` and `?`), optionally `!` in front. */
static bool check_name_pattern(struct dec *d, const struct sc_value *v, const char *s)
{
	const char *p = *s == '!' ? s + 1 : s;
	if (*p && !strchr(p, '/') && !strchr(p, '\n') && !streq(p, ".") && !streq(p, ".."))
		return true;
	fail(d, v->pos,
	     "invalid file name pattern \"%s\" (expected a name such as \".env\" or "
	     "\".env.*\", or `!NAME` for an exception; no `/`)",
	     s);
	return false;
}

static void decode_security(struct dec *d, const struct sc_value *t, struct sc_config *cfg)
{
	static const struct keydef keys[] = {
	    {"protected_paths", true},
	    {"masked_files", true},
	    {NULL, false},
	};
	if (!table_ok(d, t))
		return;
	FOREACH_MEMBER(m, t)
	{
		int k = key_index(d, m, keys);
		if (k < 0)
			continue;
		size_t mark = push_key(d, keys[k].name);
		if (k == 0)
			get_list(d, m->value, &cfg->security.protected_paths, check_project_path,
			         false);
		else
			get_list(d, m->value, &cfg->security.masked_files, check_name_pattern,
			         false);
		pop(d, mark);
	}
}

static void decode_root(struct dec *d, const struct sc_value *root, struct sc_config *cfg)
{
	static const struct keydef keys[] = {
	    {"image", false},    {"toolchains", false}, {"packages", true},
	    {"services", false}, {"env", false},        {"env_passthrough", true},
	    {"mounts", true},    {"network", false},    {"resources", false},
	    {"ssh", false},      {"home", false},       {"engine", false},
	    {"acp", false},      {"security", false},   {NULL, false},
	};
	static const char *const engines[] = {"", "docker", "podman", NULL};
	if (!table_ok(d, root))
		return;
	FOREACH_MEMBER(m, root)
	{
		int k = key_index(d, m, keys);
		if (k < 0)
			continue;
		size_t mark = push_key(d, keys[k].name);
		const struct sc_value *v = m->value;
		switch (k) {
		case 0:
			decode_image(d, v, cfg);
			break;
		case 1:
			decode_toolchains(d, v, cfg);
			break;
		case 2:
			get_list(d, v, &cfg->packages, check_package, false);
			break;
		case 3:
			decode_services(d, v, cfg);
			break;
		case 4:
			decode_env(d, v, cfg);
			break;
		case 5:
			get_list(d, v, &cfg->env_passthrough, check_env_name, false);
			break;
		case 6:
			decode_mounts(d, v, cfg);
			break;
		case 7:
			decode_network(d, v, cfg);
			break;
		case 8:
			decode_resources(d, v, cfg);
			break;
		case 9:
			decode_ssh(d, v, cfg);
			break;
		case 10:
			decode_home(d, v, cfg);
			break;
		case 11: {
			int i = get_enum(d, v, engines, "docker, podman, \"\" (auto)");
			if (i >= 0) {
				cfg->engine.value = (enum sc_engine_kind)i;
				cfg->engine.origin = origin_of(d, v);
			}
			break;
		}
		case 12:
			decode_acp(d, v, cfg);
			break;
		case 13:
			decode_security(d, v, cfg);
			break;
		}
		pop(d, mark);
	}
}

/* Strings the tree did not set (only possible when the defaults are wrong)
 * are "" rather than NULL, so that users of the struct need no checks. */
static void fill_str(struct sc_cfg_str *s)
{
	if (!s->value)
		s->value = xstrdup("");
}

static int run(struct dec *d, const struct sc_value *tree, struct sc_config **out,
               struct sc_error **err)
{
	struct sc_config *cfg = xcalloc(1, sizeof(*cfg));
	decode_root(d, tree, cfg);
	fill_str(&cfg->image.base);
	fill_str(&cfg->image.dockerfile);
	fill_str(&cfg->image.build_network);
	fill_str(&cfg->resources.memory);
	fill_str(&cfg->home.volume);
	fill_str(&cfg->acp.registry_url);
	strbuf_release(&d->path);
	if (d->nerrs) {
		sc_config_free(cfg);
		int r = sc_error_setx(err, 0, "%s", strbuf_str(&d->errs));
		strbuf_release(&d->errs);
		return r;
	}
	strbuf_release(&d->errs);
	if (out)
		*out = cfg;
	else
		sc_config_free(cfg);
	return 0;
}

int sc_config_decode(const struct sc_value *merged, struct sc_config **out, struct sc_error **err)
{
	struct dec d = {.merged = true, .partial = false, .path = STRBUF_INIT, .errs = STRBUF_INIT};
	return run(&d, merged, out, err);
}

int sc_config_check_layer(const struct sc_value *tree, enum sc_layer layer, struct sc_error **err)
{
	struct dec d = {.merged = false,
	                .partial = true,
	                .layer = layer,
	                .path = STRBUF_INIT,
	                .errs = STRBUF_INIT};
	return run(&d, tree, NULL, err);
}
