/* The decoder: a merged value tree (or one layer's) into struct sc_config,
 * driven by the tables of schema_table.c. */
#include "schema.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "schema_table.h"
#include "validate.h"

#include <math.h>
#include <stdarg.h>
#include <sys/stat.h>

#define MAX_ERRORS 10

static const struct sc_pos no_pos = {NULL, 0, 0};

static bool strv_has(const char *const *v, const char *s)
{
	for (; *v; v++)
		if (streq(*v, s))
			return true;
	return false;
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

/* Finds the member's key among `keys`; the `+` suffix is allowed on
 * appendable keys. Reports unknown keys, with the nearest known key. */
static const struct sc_key *key_find(struct dec *d, const struct sc_member *m,
                                     const struct sc_key *keys)
{
	size_t len = strlen(m->key);
	bool append = len > 1 && m->key[len - 1] == '+';
	_cleanup_free_ char *name = append ? xstrndup(m->key, len - 1) : xstrdup(m->key);
	size_t n = 0;
	for (; keys[n].name; n++) {
		if (!streq(keys[n].name, name))
			continue;
		if (append && !keys[n].appendable) {
			size_t mark = push_key(d, m->key);
			fail(d, m->key_pos,
			     "only lists can be appended to (`+`), and `%s` is not a list", name);
			pop(d, mark);
			return NULL;
		}
		return &keys[n];
	}
	const char **names = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		names[i] = keys[i].name;
	const char *near = sc_nearest(name, names);
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
	return NULL;
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

static bool check(struct dec *d, const struct sc_value *v, sc_check_fn fn, const char *s)
{
	_cleanup_free_ char *msg = fn ? fn(s) : NULL;
	if (msg)
		fail(d, v->pos, "%s", msg);
	return !msg;
}

static void set_str(struct dec *d, struct sc_cfg_str *out, const struct sc_value *v, char *s)
{
	free(out->value);
	out->value = s;
	out->origin = origin_of(d, v);
}

static bool get_str(struct dec *d, const struct sc_value *v, struct sc_cfg_str *out, sc_check_fn fn)
{
	if (!string_ok(d, v) || !check(d, v, fn, v->u.str.ptr))
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

/* A version: a string, or an integer ("20"); a float is refused, as YAML
 * and TOML read 3.10 as 3.1. */
static bool get_version(struct dec *d, const struct sc_value *v, struct sc_cfg_str *out,
                        sc_check_fn fn)
{
	if (v->kind == SC_VALUE_INTEGER) {
		set_str(d, out, v, xasprintf("%lld", (long long)v->u.integer));
		return true;
	}
	if (v->kind == SC_VALUE_FLOAT) {
		_cleanup_free_ char *num = sc_cfg_format_number(v->u.real);
		fail(d, v->pos,
		     "expected a version string, found the float %s; quote the version "
		     "(\"3.10\"), or YAML and TOML read 3.10 as the number 3.1",
		     num);
		return false;
	}
	return get_str(d, v, out, fn);
}

static void get_bool(struct dec *d, const struct sc_value *v, struct sc_cfg_bool *out)
{
	if (!expect(d, v, SC_VALUE_BOOL))
		return;
	out->value = v->u.boolean;
	out->origin = origin_of(d, v);
}

static void get_enum(struct dec *d, const struct sc_value *v, void *base, const struct sc_key *k)
{
	if (!string_ok(d, v))
		return;
	for (int i = 0; k->names[i]; i++) {
		if (streq(k->names[i], v->u.str.ptr)) {
			sc_key_enum_set(base, k, i, origin_of(d, v));
			return;
		}
	}
	const char *near = sc_nearest(v->u.str.ptr, k->names);
	if (near && *near)
		fail(d, v->pos, "expected one of %s, found \"%s\" (did you mean \"%s\"?)",
		     k->allowed, v->u.str.ptr, near);
	else
		fail(d, v->pos, "expected one of %s, found \"%s\"", k->allowed, v->u.str.ptr);
}

static void get_memory(struct dec *d, const struct sc_value *v, void *base, const struct sc_key *k)
{
	_cleanup_free_ char *text = NULL;
	if (v->kind == SC_VALUE_INTEGER)
		text = xasprintf("%lld", (long long)v->u.integer);
	else if (string_ok(d, v))
		text = xstrdup(v->u.str.ptr);
	int64_t bytes = 0;
	if (!text)
		return; /* reported */
	if (!sc_parse_memory(text, &bytes)) {
		fail(d, v->pos,
		     "invalid memory size \"%s\" (expected a number with "
		     "an optional unit b, k, m, g or t, such as \"512m\" or \"8g\")",
		     text);
	} else if (bytes < 6 * 1024 * 1024) {
		fail(d, v->pos, "\"%s\" is too little memory: Docker needs at least 6m", text);
	} else {
		set_str(d, sc_key_field(base, k), v, steal_pointer(&text));
		memcpy((char *)base + k->aux, &bytes, sizeof(bytes));
	}
}

static void get_cpus(struct dec *d, const struct sc_value *v, struct sc_cfg_num *out)
{
	double x = 0;
	if (v->kind == SC_VALUE_INTEGER)
		x = (double)v->u.integer;
	else if (v->kind == SC_VALUE_FLOAT)
		x = v->u.real;
	if (v->kind != SC_VALUE_INTEGER && v->kind != SC_VALUE_FLOAT) {
		fail(d, v->pos, "expected number, found %s", sc_value_kind_name(v->kind));
	} else if (!isfinite(x) || x < 0) {
		fail(d, v->pos, "expected a number of CPUs greater than 0 (or 0 for no limit)");
	} else {
		out->value = x;
		out->origin = origin_of(d, v);
	}
}

static void get_int(struct dec *d, const struct sc_value *v, struct sc_cfg_int *out)
{
	if (!expect(d, v, SC_VALUE_INTEGER))
		return;
	if (v->u.integer <= 0) {
		fail(d, v->pos, "expected an integer greater than 0, found %lld",
		     (long long)v->u.integer);
		return;
	}
	out->value = v->u.integer;
	out->origin = origin_of(d, v);
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

static bool get_path(struct dec *d, const struct sc_value *v, struct sc_cfg_str *out,
                     bool need_file)
{
	if (!string_ok(d, v))
		return false;
	if (!*v->u.str.ptr) {
		fail(d, v->pos, "must not be empty");
		return false;
	}
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
	if (need_file && !S_ISREG(st.st_mode)) {
		fail(d, v->pos, "`%s` is not a regular file", abs);
		return false;
	}
	set_str(d, out, v, steal_pointer(&abs));
	return true;
}

/* ---- lists and maps ---- */

static void list_push(struct sc_cfg_list *l, char *value, struct sc_origin origin)
{
	l->items = xreallocarray(l->items, l->len + 1, sizeof(*l->items));
	l->items[l->len].value = value;
	l->items[l->len].origin = origin;
	l->len++;
}

/* One list item by the key's kind. */
static bool get_item(struct dec *d, const struct sc_value *item, const struct sc_key *k,
                     struct sc_cfg_list *out)
{
	struct sc_cfg_str s = {NULL, {SC_LAYER_DEFAULT, no_pos}};
	bool ok =
	    k->kind == SC_KEY_FILES ? get_path(d, item, &s, true) : get_str(d, item, &s, k->check);
	if (ok)
		list_push(out, s.value, s.origin);
	return ok;
}

/* A list of strings; for a command, a single string is a one-item list. */
static bool get_list(struct dec *d, const struct sc_value *v, const struct sc_key *k,
                     struct sc_cfg_list *out)
{
	bool string_is_list = k->kind == SC_KEY_COMMAND;
	sc_cfg_list_release(out);
	out->origin = origin_of(d, v);
	if (string_is_list && v->kind == SC_VALUE_STRING)
		return get_item(d, v, k, out);
	if (k->kind == SC_KEY_FILES ? !expect(d, v, SC_VALUE_ARRAY) : v->kind != SC_VALUE_ARRAY) {
		if (k->kind != SC_KEY_FILES)
			fail(d, v->pos, "expected %s, found %s",
			     string_is_list ? "list or string" : "list",
			     sc_value_kind_name(v->kind));
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < v->u.array.len; i++) {
		size_t mark = push_index(d, i);
		ok &= get_item(d, v->u.array.items[i], k, out);
		pop(d, mark);
	}
	return ok;
}

static void get_command(struct dec *d, const struct sc_value *v, const struct sc_key *k,
                        struct sc_cfg_list *out)
{
	if (get_list(d, v, k, out) && out->len == 0)
		fail(d, v->pos, "must not be empty: give the program to run");
	else if (out->len && !out->items[0].value[0])
		fail(d, v->pos, "the program name must not be empty");
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

/* A map's key: one of `known`, or one `key_check` accepts. */
static bool map_key_ok(struct dec *d, const struct sc_member *m, const struct sc_key *k)
{
	if (!k->known) {
		struct sc_value keyv = {.kind = SC_VALUE_STRING, .pos = m->key_pos};
		return check(d, &keyv, k->key_check, m->key);
	}
	if (strv_has(k->known, m->key))
		return true;
	const char *near = sc_nearest(m->key, k->known);
	if (near) {
		fail_plain(d, m->key_pos, "unknown %s `%s` (did you mean `%s.%s`?)", k->what,
		           strbuf_str(&d->path), k->name, near);
		return false;
	}
	struct strbuf known = STRBUF_INIT;
	for (const char *const *p = k->known; *p; p++)
		strbuf_addf(&known, "%s%s", p == k->known ? "" : ", ", *p);
	fail_plain(d, m->key_pos, "unknown %s `%s` (known: %s)", k->what, strbuf_str(&d->path),
	           strbuf_str(&known));
	strbuf_release(&known);
	return false;
}

/* An empty table's items may be NULL, and NULL + 0 is undefined in C. */
#define FOREACH_MEMBER(m, t)                                                                       \
	for (const struct sc_member *m = (t)->u.table.items;                                       \
	     m && m < (t)->u.table.items + (t)->u.table.len; m++)

static void get_map(struct dec *d, const struct sc_value *t, const struct sc_key *k,
                    struct sc_cfg_map *map)
{
	map->origin = origin_of(d, t);
	if (!expect(d, t, SC_VALUE_TABLE))
		return;
	FOREACH_MEMBER(m, t)
	{
		size_t mark = push_key(d, m->key);
		struct sc_cfg_str s = {NULL, {SC_LAYER_DEFAULT, no_pos}};
		if (map_key_ok(d, m, k) && (k->scalars ? get_scalar_as_str(d, m->value, &s)
		                                       : get_version(d, m->value, &s, k->check)))
			map_set(map, m->key, &s);
		free(s.value);
		pop(d, mark);
	}
}

/* ---- tables ---- */

static void decode_value(struct dec *d, const struct sc_value *v, const struct sc_key *k,
                         void *base);

/* Decodes the members of `t` by `keys` into `base`; sets seen[i] for each
 * key found (a key index in `keys`). */
static bool decode_table(struct dec *d, const struct sc_value *t, const struct sc_key *keys,
                         void *base, bool *seen)
{
	if (!expect(d, t, SC_VALUE_TABLE))
		return false;
	FOREACH_MEMBER(m, t)
	{
		const struct sc_key *k = key_find(d, m, keys);
		if (!k)
			continue;
		if (seen)
			seen[k - keys] = true;
		size_t mark = push_key(d, k->name);
		decode_value(d, m->value, k, base);
		pop(d, mark);
	}
	return true;
}

static void service_defaults(const struct sc_key *keys, struct sc_service *s)
{
	struct sc_origin def = {SC_LAYER_DEFAULT, no_pos};
	for (const struct sc_key *k = keys; k->name; k++) {
		if (k->kind == SC_KEY_BOOL) {
			struct sc_cfg_bool *b = sc_key_field(s, k);
			/* A custom harness is wanted by being written down. */
			b->value = s->builtin ? false : k->def.boolean;
			b->origin = def;
		} else {
			struct sc_cfg_list *l = sc_key_field(s, k);
			sc_cfg_list_release(l);
			l->origin = def;
		}
	}
}

static struct sc_service *service_get(struct sc_config *cfg, const char *name,
                                      const struct sc_key *keys)
{
	for (size_t i = 0; i < cfg->services.len; i++)
		if (streq(cfg->services.items[i].name, name))
			return &cfg->services.items[i];
	cfg->services.items =
	    xreallocarray(cfg->services.items, cfg->services.len + 1, sizeof(*cfg->services.items));
	struct sc_service *s = &cfg->services.items[cfg->services.len++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->builtin = strv_has(sc_builtin_services, name);
	service_defaults(keys, s);
	return s;
}

static bool service_name_ok(struct dec *d, const struct sc_member *m)
{
	if (!sc_valid_service_name(m->key)) {
		fail(d, m->key_pos, "invalid service name (expected [a-z][a-z0-9_-]*)");
		return false;
	}
	if (strv_has(sc_reserved_names, m->key)) {
		fail(d, m->key_pos,
		     "`%s` is a sandcage command and cannot name a service; choose another name",
		     m->key);
		return false;
	}
	return true;
}

static void decode_service(struct dec *d, const struct sc_member *sm, const struct sc_key *keys,
                           struct sc_config *cfg)
{
	if (!service_name_ok(d, sm) || !expect(d, sm->value, SC_VALUE_TABLE))
		return;
	struct sc_service *s = service_get(cfg, sm->key, keys);
	bool seen[16] = {false};
	decode_table(d, sm->value, keys, s, seen);
	bool has_command = false;
	for (size_t i = 0; keys[i].name; i++)
		if (keys[i].kind == SC_KEY_COMMAND)
			has_command |= seen[i] || s->command.len;
	if (has_command || s->builtin || d->partial)
		return;
	const char *near = sc_nearest(sm->key, sc_builtin_services);
	if (near)
		fail(d, sm->key_pos,
		     "a custom harness needs `command` (the program to run); did you mean the "
		     "built-in `%s`?",
		     near);
	else
		fail(d, sm->key_pos, "a custom harness needs `command` (the program to run)");
}

/* One table of a list of tables, written whole in one layer. */
static void decode_item(struct dec *d, const struct sc_value *t, const struct sc_key *list,
                        void *item)
{
	const struct sc_key *keys = list->sub;
	struct sc_origin o = origin_of(d, t);
	memcpy((char *)item + list->aux, &o, sizeof(o));
	for (const struct sc_key *k = keys; k->name; k++)
		if (k->kind == SC_KEY_BOOL)
			((struct sc_cfg_bool *)sc_key_field(item, k))->origin =
			    (struct sc_origin){SC_LAYER_DEFAULT, no_pos};
	bool seen[16] = {false};
	bool ok = decode_table(d, t, keys, item, seen);
	/* An optional string not written is its default. */
	for (const struct sc_key *k = keys; k->name; k++) {
		struct sc_cfg_str *str = sc_key_field(item, k);
		if (sc_key_store(k) == SC_STORE_STR && !str->value)
			str->value = xstrdup(k->def.str ? k->def.str : "");
	}
	if (!ok)
		return;
	for (size_t i = 0; keys[i].name; i++)
		if (keys[i].required && !seen[i])
			fail(d, t->pos, "%s needs `%s`", list->item, keys[i].name);
}

static void decode_items(struct dec *d, const struct sc_value *v, const struct sc_key *k,
                         struct sc_cfg_items *items)
{
	for (size_t i = 0; i < items->len; i++)
		sc_schema_release(k->sub, (char *)items->items + i * k->item_size);
	items->len = 0;
	items->origin = origin_of(d, v);
	if (!expect(d, v, SC_VALUE_ARRAY))
		return;
	items->items =
	    xreallocarray(items->items, v->u.array.len ? v->u.array.len : 1, k->item_size);
	for (size_t i = 0; i < v->u.array.len; i++) {
		size_t mark = push_index(d, i);
		void *item = (char *)items->items + items->len++ * k->item_size;
		memset(item, 0, k->item_size);
		decode_item(d, v->u.array.items[i], k, item);
		pop(d, mark);
	}
}

static void decode_value(struct dec *d, const struct sc_value *v, const struct sc_key *k,
                         void *base)
{
	void *f = sc_key_field(base, k);
	switch (k->kind) {
	case SC_KEY_TABLE:
		decode_table(d, v, k->sub, base, NULL);
		break;
	case SC_KEY_STR:
		get_str(d, v, f, k->check);
		break;
	case SC_KEY_FILE:
		if (v->kind == SC_VALUE_STRING && v->u.str.len == 0)
			set_str(d, f, v, xstrdup(""));
		else
			get_path(d, v, f, true);
		break;
	case SC_KEY_SOURCE:
		get_path(d, v, f, false);
		break;
	case SC_KEY_TARGET:
		if (get_str(d, v, f, k->check)) {
			struct sc_cfg_str *s = f;
			char *norm = path_normalize(s->value);
			free(s->value);
			s->value = norm;
		}
		break;
	case SC_KEY_MEMORY:
		get_memory(d, v, base, k);
		break;
	case SC_KEY_BOOL:
		get_bool(d, v, f);
		break;
	case SC_KEY_INT:
		get_int(d, v, f);
		break;
	case SC_KEY_CPUS:
		get_cpus(d, v, f);
		break;
	case SC_KEY_ENUM:
		get_enum(d, v, base, k);
		break;
	case SC_KEY_LIST:
	case SC_KEY_FILES:
		get_list(d, v, k, f);
		break;
	case SC_KEY_COMMAND:
		get_command(d, v, k, f);
		break;
	case SC_KEY_MAP:
		get_map(d, v, k, f);
		break;
	case SC_KEY_SERVICES:
		if (!expect(d, v, SC_VALUE_TABLE))
			break;
		FOREACH_MEMBER(m, v)
		{
			size_t mark = push_key(d, m->key);
			decode_service(d, m, k->sub, base);
			pop(d, mark);
		}
		break;
	case SC_KEY_ITEMS:
		decode_items(d, v, k, f);
		break;
	}
}

/* Strings the tree did not set (only possible when the defaults are wrong)
 * are "" rather than NULL, so that users of the struct need no checks. */
static void fill_strings(const struct sc_key *keys, void *base)
{
	for (const struct sc_key *k = keys; k->name; k++) {
		if (k->kind == SC_KEY_TABLE) {
			fill_strings(k->sub, base);
		} else if (sc_key_store(k) == SC_STORE_STR) {
			struct sc_cfg_str *s = sc_key_field(base, k);
			if (!s->value)
				s->value = xstrdup("");
		}
	}
}

static int run(struct dec *d, const struct sc_value *tree, struct sc_config **out,
               struct sc_error **err)
{
	struct sc_config *cfg = xcalloc(1, sizeof(*cfg));
	decode_table(d, tree, sc_schema_root, cfg, NULL);
	fill_strings(sc_schema_root, cfg);
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
