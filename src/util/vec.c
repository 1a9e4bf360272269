#include "vec.h"

#include <stdarg.h>

void vec_push(struct vec *v, void *item)
{
	if (v->len == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->items = xreallocarray(v->items, v->cap, sizeof(*v->items));
	}
	v->items[v->len++] = item;
}

void vec_release(struct vec *v)
{
	if (v->free_item)
		for (size_t i = 0; i < v->len; i++)
			v->free_item(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->len = v->cap = 0;
}

void strv_push_take(struct strv *sv, char *s)
{
	if (sv->len + 2 > sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 16;
		sv->v = xreallocarray(sv->v, sv->cap, sizeof(*sv->v));
	}
	sv->v[sv->len++] = s;
	sv->v[sv->len] = NULL;
}

void strv_push(struct strv *sv, const char *s)
{
	strv_push_take(sv, xstrdup(s));
}

void strv_pushf(struct strv *sv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	strv_push_take(sv, s);
}

void strv_extend(struct strv *sv, char *const *items)
{
	for (; items && *items; items++)
		strv_push(sv, *items);
}

char **strv_array(struct strv *sv)
{
	if (!sv->v) {
		sv->cap = 16;
		sv->v = xcalloc(sv->cap, sizeof(*sv->v));
	}
	return sv->v;
}

char **strv_steal(struct strv *sv)
{
	char **v = strv_array(sv);
	sv->v = NULL;
	strv_release(sv);
	return v;
}

void strv_release(struct strv *sv)
{
	strv_free(sv->v);
	sv->v = NULL;
	sv->len = sv->cap = 0;
}

size_t strv_length(char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

bool strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

void strv_setenv(struct strv *sv, const char *name, const char *value)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < sv->len; i++) {
		if (strncmp(sv->v[i], name, n) == 0 && sv->v[i][n] == '=') {
			free(sv->v[i]);
			sv->v[i] = xasprintf("%s=%s", name, value);
			return;
		}
	}
	strv_pushf(sv, "%s=%s", name, value);
}
