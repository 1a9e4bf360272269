#include "value.h"

#include <pthread.h>

/* File names are shared by every node of a tree and outlive it (errors and
 * origins refer to them after the tree is gone), so they are interned once
 * for the life of the process. */
static struct {
	char **items;
	size_t len, cap;
} interned;
static pthread_mutex_t intern_lock = PTHREAD_MUTEX_INITIALIZER;

const char *sc_intern(const char *s)
{
	if (!s)
		return NULL;
	pthread_mutex_lock(&intern_lock);
	for (size_t i = 0; i < interned.len; i++) {
		if (streq(interned.items[i], s)) {
			pthread_mutex_unlock(&intern_lock);
			return interned.items[i];
		}
	}
	if (interned.len == interned.cap) {
		interned.cap = interned.cap ? interned.cap * 2 : 16;
		interned.items = xreallocarray(interned.items, interned.cap, sizeof(char *));
	}
	char *copy = xstrdup(s);
	interned.items[interned.len++] = copy;
	pthread_mutex_unlock(&intern_lock);
	return copy;
}

struct sc_value *sc_value_new(enum sc_value_kind kind, struct sc_pos pos)
{
	struct sc_value *v = xcalloc(1, sizeof(*v));
	v->kind = kind;
	v->pos = pos;
	return v;
}

struct sc_value *sc_value_new_string(const char *s, size_t len, struct sc_pos pos)
{
	struct sc_value *v = sc_value_new(SC_VALUE_STRING, pos);
	v->u.str.ptr = xmalloc(len + 1);
	memcpy(v->u.str.ptr, s, len);
	v->u.str.ptr[len] = '\0';
	v->u.str.len = len;
	return v;
}

struct sc_value *sc_value_new_integer(int64_t i, struct sc_pos pos)
{
	struct sc_value *v = sc_value_new(SC_VALUE_INTEGER, pos);
	v->u.integer = i;
	return v;
}

struct sc_value *sc_value_new_bool(bool b, struct sc_pos pos)
{
	struct sc_value *v = sc_value_new(SC_VALUE_BOOL, pos);
	v->u.boolean = b;
	return v;
}

static bool has_str(enum sc_value_kind k)
{
	return k == SC_VALUE_STRING || k == SC_VALUE_DATETIME || k == SC_VALUE_DATETIME_LOCAL ||
	       k == SC_VALUE_DATE_LOCAL || k == SC_VALUE_TIME_LOCAL;
}

void sc_value_free(struct sc_value *v)
{
	if (!v)
		return;
	if (has_str(v->kind)) {
		free(v->u.str.ptr);
	} else if (v->kind == SC_VALUE_ARRAY) {
		for (size_t i = 0; i < v->u.array.len; i++)
			sc_value_free(v->u.array.items[i]);
		free(v->u.array.items);
	} else if (v->kind == SC_VALUE_TABLE) {
		for (size_t i = 0; i < v->u.table.len; i++) {
			free(v->u.table.items[i].key);
			sc_value_free(v->u.table.items[i].value);
		}
		free(v->u.table.items);
	}
	free(v);
}

struct sc_value *sc_value_copy(const struct sc_value *v)
{
	if (!v)
		return NULL;
	struct sc_value *c = sc_value_new(v->kind, v->pos);
	c->flags = v->flags;
	if (has_str(v->kind)) {
		c->u.str.ptr = xmalloc(v->u.str.len + 1);
		memcpy(c->u.str.ptr, v->u.str.ptr, v->u.str.len + 1);
		c->u.str.len = v->u.str.len;
	} else if (v->kind == SC_VALUE_ARRAY) {
		for (size_t i = 0; i < v->u.array.len; i++)
			sc_array_push(c, sc_value_copy(v->u.array.items[i]));
	} else if (v->kind == SC_VALUE_TABLE) {
		for (size_t i = 0; i < v->u.table.len; i++) {
			const struct sc_member *m = &v->u.table.items[i];
			sc_table_add(c, m->key, m->key_pos, sc_value_copy(m->value));
		}
	} else {
		c->u = v->u;
	}
	return c;
}

struct sc_member *sc_table_get_member(const struct sc_value *table, const char *key)
{
	if (!table || table->kind != SC_VALUE_TABLE)
		return NULL;
	for (size_t i = 0; i < table->u.table.len; i++)
		if (streq(table->u.table.items[i].key, key))
			return &table->u.table.items[i];
	return NULL;
}

struct sc_value *sc_table_get(const struct sc_value *table, const char *key)
{
	struct sc_member *m = sc_table_get_member(table, key);
	return m ? m->value : NULL;
}

struct sc_member *sc_table_add(struct sc_value *table, const char *key, struct sc_pos key_pos,
                               struct sc_value *value)
{
	if (table->u.table.len == table->u.table.cap) {
		table->u.table.cap = table->u.table.cap ? table->u.table.cap * 2 : 8;
		table->u.table.items = xreallocarray(table->u.table.items, table->u.table.cap,
		                                     sizeof(struct sc_member));
	}
	struct sc_member *m = &table->u.table.items[table->u.table.len++];
	m->key = xstrdup(key);
	m->key_pos = key_pos;
	m->value = value;
	return m;
}

void sc_array_push(struct sc_value *array, struct sc_value *item)
{
	if (array->u.array.len == array->u.array.cap) {
		array->u.array.cap = array->u.array.cap ? array->u.array.cap * 2 : 8;
		array->u.array.items = xreallocarray(array->u.array.items, array->u.array.cap,
		                                     sizeof(struct sc_value *));
	}
	array->u.array.items[array->u.array.len++] = item;
}

const char *sc_value_kind_name(enum sc_value_kind kind)
{
	switch (kind) {
	case SC_VALUE_NULL:
		return "null";
	case SC_VALUE_STRING:
		return "string";
	case SC_VALUE_INTEGER:
		return "integer";
	case SC_VALUE_FLOAT:
		return "float";
	case SC_VALUE_BOOL:
		return "boolean";
	case SC_VALUE_DATETIME:
		return "date-time";
	case SC_VALUE_DATETIME_LOCAL:
		return "local date-time";
	case SC_VALUE_DATE_LOCAL:
		return "local date";
	case SC_VALUE_TIME_LOCAL:
		return "local time";
	case SC_VALUE_ARRAY:
		return "list";
	case SC_VALUE_TABLE:
		return "table";
	}
	return "value";
}
