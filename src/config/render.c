/* Rendering the configuration, every value with its origin, as text and as
 * JSON: both walk the schema's tables (schema_table.c). */
#include "../util/strbuf.h"
#include "config.h"
#include "schema_table.h"

/* ---- rendering as text ---- */

static void add_quoted(struct strbuf *sb, const char *s)
{
	strbuf_addc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			strbuf_adds(sb, "\\\"");
			break;
		case '\\':
			strbuf_adds(sb, "\\\\");
			break;
		case '\n':
			strbuf_adds(sb, "\\n");
			break;
		case '\t':
			strbuf_adds(sb, "\\t");
			break;
		case '\r':
			strbuf_adds(sb, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				strbuf_addf(sb, "\\u%04x", *p);
			else
				strbuf_addc(sb, (char)*p);
		}
	}
	strbuf_addc(sb, '"');
}

static void add_origin(struct strbuf *sb, struct sc_origin o)
{
	strbuf_addf(sb, "    # %s", sc_layer_name(o.layer));
	if (o.pos.file) {
		strbuf_addf(sb, " %s", o.pos.file);
		if (o.pos.line)
			strbuf_addf(sb, ":%u", o.pos.line);
	}
	strbuf_addc(sb, '\n');
}

static void line_str(struct strbuf *sb, const char *key, const struct sc_cfg_str *s)
{
	strbuf_addf(sb, "%s = ", key);
	add_quoted(sb, s->value);
	add_origin(sb, s->origin);
}

static void line_bool(struct strbuf *sb, const char *key, const struct sc_cfg_bool *b)
{
	strbuf_addf(sb, "%s = %s", key, b->value ? "true" : "false");
	add_origin(sb, b->origin);
}

static void add_items(struct strbuf *sb, const struct sc_cfg_list *l, size_t from, size_t to)
{
	strbuf_addc(sb, '[');
	for (size_t i = from; i < to; i++) {
		if (i > from)
			strbuf_adds(sb, ", ");
		add_quoted(sb, l->items[i].value);
	}
	strbuf_addc(sb, ']');
}

/* The list as set, then each higher layer's appended part on its own line. */
static void line_list(struct strbuf *sb, const char *key, const struct sc_cfg_list *l)
{
	size_t i = 0;
	while (i < l->len && l->items[i].origin.layer == l->origin.layer)
		i++;
	strbuf_addf(sb, "%s = ", key);
	add_items(sb, l, 0, i);
	add_origin(sb, l->origin);
	while (i < l->len) {
		size_t j = i;
		while (j < l->len && l->items[j].origin.layer == l->items[i].origin.layer)
			j++;
		strbuf_addf(sb, "%s += ", key);
		add_items(sb, l, i, j);
		add_origin(sb, l->items[i].origin);
		i = j;
	}
}

static void lines_map(struct strbuf *sb, const char *key, const struct sc_cfg_map *m)
{
	if (m->len == 0) {
		strbuf_addf(sb, "%s = {}", key);
		add_origin(sb, m->origin);
		return;
	}
	for (size_t i = 0; i < m->len; i++) {
		_cleanup_free_ char *k = xasprintf("%s.%s", key, m->items[i].key);
		line_str(sb, k, &m->items[i].value);
	}
}

static void text_keys(struct strbuf *sb, const char *prefix, const struct sc_key *keys,
                      const void *base)
{
	for (const struct sc_key *k = keys; k->name; k++) {
		const void *f = sc_key_cfield(base, k);
		_cleanup_free_ char *key = xasprintf("%s%s", prefix, k->name);
		switch (sc_key_store(k)) {
		case SC_STORE_TABLE: {
			_cleanup_free_ char *sub = xasprintf("%s.", key);
			text_keys(sb, sub, k->sub, base);
			break;
		}
		case SC_STORE_STR:
			line_str(sb, key, f);
			break;
		case SC_STORE_BOOL:
			line_bool(sb, key, f);
			break;
		case SC_STORE_INT: {
			const struct sc_cfg_int *n = f;
			strbuf_addf(sb, "%s = %lld", key, (long long)n->value);
			add_origin(sb, n->origin);
			break;
		}
		case SC_STORE_NUM: {
			const struct sc_cfg_num *n = f;
			_cleanup_free_ char *num = sc_cfg_format_number(n->value);
			strbuf_addf(sb, "%s = %s", key, num);
			add_origin(sb, n->origin);
			break;
		}
		case SC_STORE_ENUM: {
			struct sc_origin o;
			int v = sc_key_enum_get(base, k, &o);
			strbuf_addf(sb, "%s = \"%s\"", key, k->names[v]);
			add_origin(sb, o);
			break;
		}
		case SC_STORE_LIST:
			line_list(sb, key, f);
			break;
		case SC_STORE_MAP:
			lines_map(sb, key, f);
			break;
		case SC_STORE_SERVICES: {
			const struct sc_config *cfg = base;
			for (size_t i = 0; i < cfg->services.len; i++) {
				const struct sc_service *s = &cfg->services.items[i];
				_cleanup_free_ char *sub = xasprintf("%s.%s.", key, s->name);
				text_keys(sb, sub, k->sub, s);
			}
			break;
		}
		case SC_STORE_ITEMS: {
			const struct sc_cfg_items *items = f;
			if (items->len == 0) {
				strbuf_addf(sb, "%s = []", key);
				add_origin(sb, items->origin);
			}
			for (size_t i = 0; i < items->len; i++) {
				_cleanup_free_ char *sub = xasprintf("%s[%zu].", key, i);
				text_keys(sb, sub, k->sub,
				          (const char *)items->items + i * k->item_size);
			}
			break;
		}
		}
	}
}

char *sc_config_render_text(const struct sc_config *cfg)
{
	struct strbuf sb = STRBUF_INIT;
	text_keys(&sb, "", sc_schema_root, cfg);
	return strbuf_steal(&sb);
}

/* ---- rendering as JSON ---- */

static json_t *json_origin(struct sc_origin o)
{
	json_t *j = json_object();
	json_object_set_new(j, "layer", json_string(sc_layer_name(o.layer)));
	json_object_set_new(j, "file", o.pos.file ? json_string(o.pos.file) : json_null());
	json_object_set_new(j, "line", o.pos.line ? json_integer(o.pos.line) : json_null());
	json_object_set_new(j, "column", o.pos.col ? json_integer(o.pos.col) : json_null());
	return j;
}

static json_t *leaf(json_t *value, struct sc_origin o)
{
	json_t *j = json_object();
	json_object_set_new(j, "value", value);
	json_object_set_new(j, "origin", json_origin(o));
	return j;
}

static json_t *json_str(const struct sc_cfg_str *s)
{
	return leaf(json_string(s->value), s->origin);
}

static json_t *json_bool(const struct sc_cfg_bool *b)
{
	return leaf(json_boolean(b->value), b->origin);
}

static json_t *json_list(const struct sc_cfg_list *l)
{
	json_t *values = json_array();
	json_t *items = json_array();
	for (size_t i = 0; i < l->len; i++) {
		json_array_append_new(values, json_string(l->items[i].value));
		json_array_append_new(items, json_str(&l->items[i]));
	}
	json_t *j = leaf(values, l->origin);
	json_object_set_new(j, "items", items);
	return j;
}

static json_t *json_map(const struct sc_cfg_map *m)
{
	json_t *j = json_object();
	for (size_t i = 0; i < m->len; i++)
		json_object_set_new(j, m->items[i].key, json_str(&m->items[i].value));
	return j;
}

static void json_keys(json_t *obj, const struct sc_key *keys, const void *base)
{
	for (const struct sc_key *k = keys; k->name; k++) {
		const void *f = sc_key_cfield(base, k);
		json_t *j = NULL;
		switch (sc_key_store(k)) {
		case SC_STORE_TABLE:
			j = json_object();
			json_keys(j, k->sub, base);
			break;
		case SC_STORE_STR:
			j = json_str(f);
			break;
		case SC_STORE_BOOL:
			j = json_bool(f);
			break;
		case SC_STORE_INT: {
			const struct sc_cfg_int *n = f;
			j = leaf(json_integer(n->value), n->origin);
			break;
		}
		case SC_STORE_NUM: {
			const struct sc_cfg_num *n = f;
			j = leaf(json_real(n->value), n->origin);
			break;
		}
		case SC_STORE_ENUM: {
			struct sc_origin o;
			int v = sc_key_enum_get(base, k, &o);
			j = leaf(json_string(k->names[v]), o);
			break;
		}
		case SC_STORE_LIST:
			j = json_list(f);
			break;
		case SC_STORE_MAP:
			j = json_map(f);
			break;
		case SC_STORE_SERVICES: {
			const struct sc_config *cfg = base;
			j = json_object();
			for (size_t i = 0; i < cfg->services.len; i++) {
				const struct sc_service *s = &cfg->services.items[i];
				json_t *js = json_object();
				json_keys(js, k->sub, s);
				json_object_set_new(j, s->name, js);
			}
			break;
		}
		case SC_STORE_ITEMS: {
			const struct sc_cfg_items *items = f;
			j = json_array();
			for (size_t i = 0; i < items->len; i++) {
				json_t *jm = json_object();
				json_keys(jm, k->sub,
				          (const char *)items->items + i * k->item_size);
				json_array_append_new(j, jm);
			}
			break;
		}
		}
		json_object_set_new(obj, k->name, j);
	}
}

json_t *sc_config_render_json(const struct sc_config *cfg)
{
	json_t *root = json_object();
	json_keys(root, sc_schema_root, cfg);
	return root;
}
