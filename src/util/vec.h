/* A growable array of owned pointers, and NULL-terminated string vectors
 * (argv) built on it. */
#pragma once

#include "util.h"

struct vec {
	void **items;
	size_t len;
	size_t cap;
	void (*free_item)(void *); /* NULL: items are not owned */
};

#define VEC_INIT(free_fn)                                                                          \
	{                                                                                          \
		NULL, 0, 0, (free_fn)                                                              \
	}

void vec_push(struct vec *v, void *item);
void vec_release(struct vec *v);
static inline void cleanup_vecp(struct vec *v)
{
	vec_release(v);
}
#define _cleanup_vec_ _cleanup_(cleanup_vecp)

/* An argv under construction: always NULL-terminated, strings owned. */
struct strv {
	char **v;
	size_t len;
	size_t cap;
};

#define STRV_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void strv_push(struct strv *sv, const char *s);
void strv_pushf(struct strv *sv, const char *fmt, ...) _printf_(2, 3);
void strv_push_take(struct strv *sv, char *s);
void strv_extend(struct strv *sv, char *const *items);
/* Never NULL once anything was pushed; an empty vector gives {NULL}. */
char **strv_array(struct strv *sv);
/* Sets "NAME=value" in an environment under construction, replacing an
 * entry for NAME. */
void strv_setenv(struct strv *sv, const char *name, const char *value);
/* The value of `name` in an environment ("NAME=value" entries,
 * NULL-terminated; NULL is empty), or NULL. */
const char *env_get(char *const *env, const char *name);
char **strv_steal(struct strv *sv);
void strv_release(struct strv *sv);
size_t strv_length(char *const *v);
bool strv_contains(char *const *v, const char *s);
static inline void cleanup_strvecp(struct strv *sv)
{
	strv_release(sv);
}
#define _cleanup_strvec_ _cleanup_(cleanup_strvecp)
