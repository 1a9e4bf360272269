/* The value tree that both configuration parsers produce: typed scalars,
 * arrays and tables whose keys keep their order, every node and every key
 * with the file, line and column it came from. */
#pragma once

#include "../util/util.h"
#include <stdint.h>

/* A place in a source file. `file` is interned (sc_intern) and never freed;
 * line and column count from 1 (column in bytes); 0 means unknown. */
struct sc_pos {
	const char *file;
	unsigned line;
	unsigned col;
};

enum sc_value_kind {
	SC_VALUE_NULL, /* YAML only: `~`, `null` or an empty value */
	SC_VALUE_STRING,
	SC_VALUE_INTEGER,
	SC_VALUE_FLOAT,
	SC_VALUE_BOOL,
	SC_VALUE_DATETIME,       /* offset date-time, e.g. 1979-05-27T07:32:00Z */
	SC_VALUE_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
	SC_VALUE_DATE_LOCAL,     /* 1979-05-27 */
	SC_VALUE_TIME_LOCAL,     /* 07:32:00 */
	SC_VALUE_ARRAY,
	SC_VALUE_TABLE,
};

struct sc_value;

struct sc_member {
	char *key; /* UTF-8, may be empty; never contains NUL (rejected by the parsers) */
	struct sc_pos key_pos;
	struct sc_value *value;
};

struct sc_value {
	enum sc_value_kind kind;
	struct sc_pos pos;
	/* Free for the parser that builds the tree (TOML keeps its
	 * "defined by a header", "inline", "array of tables" marks here). */
	unsigned flags;
	union {
		struct {
			char *ptr; /* NUL-terminated; may also contain NUL bytes (TOML \u0000) */
			size_t len;
		} str;           /* STRING, and the four date/time kinds (text as written,
		                    with 't'/' ' separators normalised to 'T' and 'z' to 'Z') */
		int64_t integer; /* INTEGER */
		double real;     /* FLOAT */
		bool boolean;    /* BOOL */
		struct {
			struct sc_value **items;
			size_t len;
			size_t cap;
		} array; /* ARRAY */
		struct {
			struct sc_member *items;
			size_t len;
			size_t cap;
		} table; /* TABLE, in document order */
	} u;
};

const char *sc_intern(const char *s);

struct sc_value *sc_value_new(enum sc_value_kind kind, struct sc_pos pos);
struct sc_value *sc_value_new_string(const char *s, size_t len, struct sc_pos pos);
struct sc_value *sc_value_new_integer(int64_t v, struct sc_pos pos);
struct sc_value *sc_value_new_bool(bool v, struct sc_pos pos);
void sc_value_free(struct sc_value *v);
static inline void cleanup_valuep(struct sc_value **v)
{
	sc_value_free(*v);
}
#define _cleanup_value_ _cleanup_(cleanup_valuep)

/* Deep copy. */
struct sc_value *sc_value_copy(const struct sc_value *v);

/* NULL when absent. */
struct sc_value *sc_table_get(const struct sc_value *table, const char *key);
struct sc_member *sc_table_get_member(const struct sc_value *table, const char *key);
/* Appends (takes ownership of value); the caller has checked for duplicates. */
struct sc_member *sc_table_add(struct sc_value *table, const char *key, struct sc_pos key_pos,
                               struct sc_value *value);
/* Takes ownership of item. */
void sc_array_push(struct sc_value *array, struct sc_value *item);

/* "string", "integer", "table" ... as used in error messages. */
const char *sc_value_kind_name(enum sc_value_kind kind);
