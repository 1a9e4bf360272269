#include "merge.h"
#include "../util/strbuf.h"

const char *sc_layer_name(enum sc_layer layer)
{
	switch (layer) {
	case SC_LAYER_DEFAULT:
		return "default";
	case SC_LAYER_GLOBAL:
		return "global";
	case SC_LAYER_PROJECT:
		return "project";
	case SC_LAYER_LOCAL:
		return "local";
	case SC_LAYER_FLAG:
		return "flag";
	}
	return "unknown";
}

char *sc_pos_format(struct sc_pos pos)
{
	if (!pos.file)
		return xstrdup("");
	if (!pos.line)
		return xstrdup(pos.file);
	if (!pos.col)
		return xasprintf("%s:%u", pos.file, pos.line);
	return xasprintf("%s:%u:%u", pos.file, pos.line, pos.col);
}

static bool plain_key(const char *key)
{
	if (!*key)
		return false;
	for (const char *p = key; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '+'))
			return false;
	}
	return true;
}

void sc_key_path_push(struct strbuf *path, const char *key)
{
	if (path->len)
		strbuf_addc(path, '.');
	if (plain_key(key)) {
		strbuf_adds(path, key);
		return;
	}
	strbuf_addc(path, '"');
	for (const char *p = key; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addc(path, '\\');
		strbuf_addc(path, *p);
	}
	strbuf_addc(path, '"');
}

static void mark(struct sc_value *v, enum sc_layer layer)
{
	v->flags = (unsigned)layer;
	if (v->kind == SC_VALUE_ARRAY) {
		for (size_t i = 0; i < v->u.array.len; i++)
			mark(v->u.array.items[i], layer);
	} else if (v->kind == SC_VALUE_TABLE) {
		for (size_t i = 0; i < v->u.table.len; i++)
			mark(v->u.table.items[i].value, layer);
	}
}

struct sc_value *sc_merge_new(const struct sc_value *tree, enum sc_layer layer)
{
	struct sc_value *copy = sc_value_copy(tree);
	mark(copy, layer);
	return copy;
}

/* The position to name for a member: its value's, else its key's. */
static struct sc_pos member_pos(const struct sc_member *m)
{
	return m->value->pos.line ? m->value->pos : m->key_pos;
}

/* "global /path/config.toml:3:1", or "the defaults". */
static char *describe_place(enum sc_layer layer, struct sc_pos pos)
{
	if (layer == SC_LAYER_DEFAULT)
		return xstrdup("the defaults");
	_cleanup_free_ char *where = sc_pos_format(pos);
	if (!*where)
		return xstrdup(sc_layer_name(layer));
	return xasprintf("%s %s", sc_layer_name(layer), where);
}

static const char *kind_with_article(enum sc_value_kind kind)
{
	switch (kind) {
	case SC_VALUE_NULL:
		return "null";
	case SC_VALUE_STRING:
		return "a string";
	case SC_VALUE_INTEGER:
		return "an integer";
	case SC_VALUE_FLOAT:
		return "a float";
	case SC_VALUE_BOOL:
		return "a boolean";
	case SC_VALUE_DATETIME:
		return "a date-time";
	case SC_VALUE_DATETIME_LOCAL:
		return "a local date-time";
	case SC_VALUE_DATE_LOCAL:
		return "a local date";
	case SC_VALUE_TIME_LOCAL:
		return "a local time";
	case SC_VALUE_ARRAY:
		return "a list";
	case SC_VALUE_TABLE:
		return "a table";
	}
	return "a value";
}

static int merge_table(struct sc_value *dst, const struct sc_value *src, enum sc_layer layer,
                       struct strbuf *path, struct sc_error **err);

/* Replaces or merges one member of `src` into `dst`. */
static int merge_member(struct sc_value *dst, const struct sc_value *src, const struct sc_member *m,
                        enum sc_layer layer, struct strbuf *path, struct sc_error **err)
{
	size_t keylen = strlen(m->key);
	bool append = keylen > 1 && m->key[keylen - 1] == '+';
	_cleanup_free_ char *key = append ? xstrndup(m->key, keylen - 1) : xstrdup(m->key);
	size_t mark_len = path->len;
	sc_key_path_push(path, m->key);
	int r = 0;

	struct sc_member *below = sc_table_get_member(dst, key);
	if (append) {
		_cleanup_free_ char *here = sc_pos_format(m->key_pos);
		const struct sc_member *twin = sc_table_get_member(src, key);
		if (twin) {
			_cleanup_free_ char *there = sc_pos_format(member_pos(twin));
			r = sc_error_setx(err, 0,
			                  "%s: `%s`: `%s` is set in the same table too (%s); "
			                  "use either `%s` to replace or `%s+` to append",
			                  here, strbuf_str(path), key, there, key, key);
			goto out;
		}
		if (m->value->kind != SC_VALUE_ARRAY) {
			_cleanup_free_ char *at = sc_pos_format(member_pos(m));
			r = sc_error_setx(err, 0, "%s: `%s`: expected list, found %s", at,
			                  strbuf_str(path), sc_value_kind_name(m->value->kind));
			goto out;
		}
		if (!below) {
			sc_table_add(dst, key, m->key_pos, sc_merge_new(m->value, layer));
			goto out;
		}
		if (below->value->kind != SC_VALUE_ARRAY) {
			_cleanup_free_ char *there =
			    describe_place(sc_merged_layer(below->value), member_pos(below));
			r = sc_error_setx(err, 0,
			                  "%s: `%s`: only lists can be appended to, but `%s` is %s "
			                  "(from %s)",
			                  here, strbuf_str(path), key,
			                  kind_with_article(below->value->kind), there);
			goto out;
		}
		for (size_t i = 0; i < m->value->u.array.len; i++)
			sc_array_push(below->value,
			              sc_merge_new(m->value->u.array.items[i], layer));
		goto out;
	}

	if (!below) {
		sc_table_add(dst, key, m->key_pos, sc_merge_new(m->value, layer));
		goto out;
	}
	enum sc_value_kind old = below->value->kind, new = m->value->kind;
	if (old == SC_VALUE_TABLE && new == SC_VALUE_TABLE) {
		r = merge_table(below->value, m->value, layer, path, err);
		/* The table now stands for the highest layer that wrote it, the
		 * place to name when a layer above disagrees about its type. */
		below->value->flags = (unsigned)layer;
		below->value->pos = m->value->pos;
		below->key_pos = m->key_pos;
		goto out;
	}
	/* A table replaced by a scalar or a list (or the reverse) is almost always
	 * a mistake in one of the files, so both places are named. Against the
	 * defaults the schema's "expected table, found list" is clearer. */
	if ((old == SC_VALUE_TABLE) != (new == SC_VALUE_TABLE) && old != SC_VALUE_NULL &&
	    new != SC_VALUE_NULL && sc_merged_layer(below->value) != SC_LAYER_DEFAULT) {
		_cleanup_free_ char *here = sc_pos_format(member_pos(m));
		_cleanup_free_ char *there =
		    describe_place(sc_merged_layer(below->value), member_pos(below));
		r = sc_error_setx(err, 0,
		                  "%s: `%s`: found %s, but %s sets it to %s; "
		                  "a key must keep its type across layers",
		                  here, strbuf_str(path), kind_with_article(new), there,
		                  kind_with_article(old));
		goto out;
	}
	sc_value_free(below->value);
	below->value = sc_merge_new(m->value, layer);
	below->key_pos = m->key_pos;
out:
	strbuf_truncate(path, mark_len);
	return r;
}

static int merge_table(struct sc_value *dst, const struct sc_value *src, enum sc_layer layer,
                       struct strbuf *path, struct sc_error **err)
{
	for (size_t i = 0; i < src->u.table.len; i++) {
		int r = merge_member(dst, src, &src->u.table.items[i], layer, path, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int sc_merge_layer(struct sc_value *merged, const struct sc_value *layer_tree, enum sc_layer layer,
                   struct sc_error **err)
{
	if (merged->kind != SC_VALUE_TABLE || layer_tree->kind != SC_VALUE_TABLE) {
		_cleanup_free_ char *here = sc_pos_format(layer_tree->pos);
		return sc_error_setx(err, 0, "%s%sexpected a table at the top level, found %s",
		                     here, *here ? ": " : "", sc_value_kind_name(layer_tree->kind));
	}
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	return merge_table(merged, layer_tree, layer, &path, err);
}
