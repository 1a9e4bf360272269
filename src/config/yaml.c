/* YAML into the value tree, through libyaml's event API: the events carry the
 * marks of every key and value, and building the tree ourselves lets us count
 * what aliases expand to before copying it. */
#include "yaml.h"

#include "../util/strbuf.h"

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <yaml.h>

/* Deeper nesting is surely an attack or a mistake, and the tree is freed and
 * copied recursively. */
#define MAX_DEPTH 256
/* Nodes that aliases and merge keys may produce in all, so that a "billion
 * laughs" document fails fast instead of eating the memory. */
#define MAX_ALIAS_NODES 100000

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

struct anchor {
	char *name;
	/* Borrowed: owned by the tree or by the graveyard, alive until the end. */
	const struct sc_value *node;
	char *text; /* the scalar as written, for an alias used as a key; NULL for collections */
	size_t text_len;
	size_t nodes;
	unsigned height;
};

struct frame {
	struct sc_value *coll; /* ARRAY or TABLE under construction */
	char *anchor;
	size_t nodes;    /* nodes in this collection so far, itself included */
	unsigned height; /* 1 + the height of its highest child */
	/* Mappings: the key waiting for its value. */
	bool have_key;
	bool key_is_merge;
	char *key;
	struct sc_pos key_pos;
	/* Member index + 1 by key hash (0: empty), so that duplicate checks
	 * stay linear on big mappings. */
	size_t *slots;
	size_t n_slots; /* a power of two, at least twice the members */
	/* The value of the `<<` key (borrowed from the graveyard), merged when the mapping ends. */
	const struct sc_value *merge;
	struct sc_pos merge_key_pos;
	size_t merge_at; /* explicit keys before `<<`: merged keys are inserted there */
};

struct loader {
	const char *file;
	const unsigned char *data;
	size_t len;
	struct sc_error **err;

	/* libyaml marks count characters; our columns count bytes. The cursor
	 * remembers the last mark converted, as marks mostly go forward. */
	bool utf16;
	size_t base; /* after a UTF-8 byte order mark */
	size_t cur_chr, cur_byte, cur_line, cur_line_start;

	struct frame *stack;
	size_t depth, stack_cap;
	struct anchor *anchors;
	size_t n_anchors, anchors_cap;
	size_t *anchor_slots; /* latest anchor index + 1 by name hash (0: empty) */
	size_t n_anchor_slots;
	/* Nodes that anchors may point into but that are not in the tree. */
	struct sc_value **grave;
	size_t n_grave, grave_cap;

	struct sc_value *root;
	size_t alias_nodes;
	unsigned documents;
};

static void loader_release(struct loader *l)
{
	for (size_t i = 0; i < l->depth; i++) {
		sc_value_free(l->stack[i].coll);
		free(l->stack[i].anchor);
		free(l->stack[i].key);
		free(l->stack[i].slots);
	}
	free(l->stack);
	for (size_t i = 0; i < l->n_anchors; i++) {
		free(l->anchors[i].name);
		free(l->anchors[i].text);
	}
	free(l->anchors);
	free(l->anchor_slots);
	for (size_t i = 0; i < l->n_grave; i++)
		sc_value_free(l->grave[i]);
	free(l->grave);
	sc_value_free(l->root);
}

static void cleanup_yaml_parserp(yaml_parser_t *p)
{
	yaml_parser_delete(p);
}

static void cleanup_yaml_eventp(yaml_event_t *e)
{
	yaml_event_delete(e);
}

/* Steps the cursor over one character, with libyaml's idea of a line break
 * (CR LF, CR, LF, NEL, LS, PS). */
static void cursor_step(struct loader *l)
{
	const unsigned char *d = l->data;
	size_t b = l->cur_byte;
	unsigned char c = d[b];
	size_t w = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (w > l->len - b)
		w = l->len - b;
	bool brk =
	    c == '\n' || (c == '\r' && !(b + 1 < l->len && d[b + 1] == '\n')) ||
	    (w == 2 && c == 0xC2 && d[b + 1] == 0x85) ||
	    (w == 3 && c == 0xE2 && d[b + 1] == 0x80 && (d[b + 2] == 0xA8 || d[b + 2] == 0xA9));
	l->cur_byte += w;
	l->cur_chr++;
	if (brk) {
		l->cur_line++;
		l->cur_line_start = l->cur_byte;
	}
}

static struct sc_pos mark_pos_byte(struct loader *l, yaml_mark_t m, size_t *byte)
{
	struct sc_pos pos = {l->file, (unsigned)m.line + 1, (unsigned)m.column + 1};
	if (byte)
		*byte = SIZE_MAX;
	if (l->utf16)
		return pos;
	if (m.index < l->cur_chr) {
		l->cur_chr = 0;
		l->cur_byte = l->base;
		l->cur_line = 0;
		l->cur_line_start = l->base;
	}
	while (l->cur_chr < m.index && l->cur_byte < l->len)
		cursor_step(l);
	/* Trust our count only when it agrees with libyaml's (it may not past
	 * the end, where libyaml adds a line break of its own). */
	if (l->cur_chr == m.index && l->cur_line == m.line) {
		pos.col = (unsigned)(l->cur_byte - l->cur_line_start + 1);
		if (byte)
			*byte = l->cur_byte;
	}
	return pos;
}

static struct sc_pos mark_pos(struct loader *l, yaml_mark_t m)
{
	return mark_pos_byte(l, m, NULL);
}

static int fail(struct loader *l, struct sc_pos pos, const char *fmt, ...) _printf_(3, 4);
static int fail(struct loader *l, struct sc_pos pos, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s:%u:%u: ", l->file, pos.line, pos.col);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sc_error_setx(l->err, 0, "%s", strbuf_str(&sb));
}

/* libyaml's messages, with our positions and a lowercase start. */
static int parser_error(struct loader *l, const yaml_parser_t *p)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	struct sc_pos pos = {l->file, 1, 1};
	size_t byte = SIZE_MAX;
	const char *problem = p->problem ? p->problem : "invalid YAML";

	if (p->error == YAML_MEMORY_ERROR) {
		problem = "out of memory";
	} else if (p->error == YAML_READER_ERROR) {
		/* Reader errors come with a byte offset rather than a mark. */
		size_t off = p->problem_offset < l->len ? p->problem_offset : l->len;
		size_t line_start = 0;
		for (size_t i = 0; i < off; i++) {
			if (l->data[i] == '\n' ||
			    (l->data[i] == '\r' && !(i + 1 < l->len && l->data[i + 1] == '\n'))) {
				pos.line++;
				line_start = i + 1;
			}
		}
		pos.col = (unsigned)(off - line_start + 1);
	} else {
		pos = mark_pos_byte(l, p->problem_mark, &byte);
	}

	if (problem[0] >= 'A' && problem[0] <= 'Z' && problem[1] >= 'a' && problem[1] <= 'z') {
		strbuf_addc(&sb, (char)(problem[0] - 'A' + 'a'));
		strbuf_adds(&sb, problem + 1);
	} else {
		strbuf_adds(&sb, problem);
	}
	if (p->error == YAML_READER_ERROR && p->problem_value >= 0)
		strbuf_addf(&sb, " (0x%02X)", (unsigned)p->problem_value);
	if (p->error != YAML_READER_ERROR && p->error != YAML_MEMORY_ERROR && p->context) {
		strbuf_addf(&sb, ", %s", p->context);
		struct sc_pos cpos = mark_pos(l, p->context_mark);
		if (cpos.line != pos.line || cpos.col != pos.col)
			strbuf_addf(&sb, " at line %u column %u", cpos.line, cpos.col);
	}
	if (p->error == YAML_READER_ERROR && strstr(problem, "UTF-8"))
		strbuf_adds(&sb, " (the file must be UTF-8)");
	if ((byte < l->len && l->data[byte] == '\t') || strstr(problem, "tab"))
		strbuf_adds(&sb, " (indent with spaces, not tabs)");
	return fail(l, pos, "%s", strbuf_str(&sb));
}

/* "!!int" rather than "tag:yaml.org,2002:int", as the user wrote it. */
static char *tag_display(const char *tag)
{
	if (str_has_prefix(tag, YAML_TAG_PREFIX))
		return xasprintf("!!%s", tag + strlen(YAML_TAG_PREFIX));
	return xstrdup(tag);
}

enum scalar_type {
	SCALAR_AUTO, /* plain and untagged: the core schema decides */
	SCALAR_STR,
	SCALAR_INT,
	SCALAR_FLOAT,
	SCALAR_BOOL,
	SCALAR_NULL,
	SCALAR_UNKNOWN,
};

static enum scalar_type scalar_type(const yaml_event_t *ev)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	if (!tag)
		return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? SCALAR_AUTO : SCALAR_STR;
	/* The non-specific tag "!" makes a scalar a string. */
	if (streq(tag, "!") || streq(tag, YAML_TAG_PREFIX "str"))
		return SCALAR_STR;
	if (streq(tag, YAML_TAG_PREFIX "int"))
		return SCALAR_INT;
	if (streq(tag, YAML_TAG_PREFIX "float"))
		return SCALAR_FLOAT;
	if (streq(tag, YAML_TAG_PREFIX "bool"))
		return SCALAR_BOOL;
	if (streq(tag, YAML_TAG_PREFIX "null"))
		return SCALAR_NULL;
	return SCALAR_UNKNOWN;
}

static bool text_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

static bool parse_null(const char *s, size_t n)
{
	return n == 0 || text_is(s, n, "~") || text_is(s, n, "null") || text_is(s, n, "Null") ||
	       text_is(s, n, "NULL");
}

static bool parse_bool(const char *s, size_t n, bool *out)
{
	if (text_is(s, n, "true") || text_is(s, n, "True") || text_is(s, n, "TRUE")) {
		*out = true;
		return true;
	}
	if (text_is(s, n, "false") || text_is(s, n, "False") || text_is(s, n, "FALSE")) {
		*out = false;
		return true;
	}
	return false;
}

/* 1: an integer; 0: not the syntax of one; -1: one, but out of range. */
static int parse_int(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	unsigned base = 10;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
		base = s[1] == 'x' ? 16 : 8;
		i = 2;
	} else if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return 0;
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	bool overflow = false;
	for (; i < n; i++) {
		int d = hex_digit(s[i]);
		if (d < 0 || (unsigned)d >= base)
			return 0;
		if (overflow || v > (limit - (unsigned)d) / base)
			overflow = true;
		else
			v = v * base + (unsigned)d;
	}
	if (overflow)
		return -1;
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 1;
}

static size_t count_digits(const char *s, size_t n, size_t i)
{
	size_t start = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i - start;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, [-+]?\.inf, \.nan */
static bool parse_float(const char *s, size_t n, double *out)
{
	size_t i = 0;
	bool neg = false;
	if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	const char *r = s + i;
	size_t m = n - i;
	if (text_is(r, m, ".inf") || text_is(r, m, ".Inf") || text_is(r, m, ".INF")) {
		*out = neg ? -INFINITY : INFINITY;
		return true;
	}
	if (text_is(s, n, ".nan") || text_is(s, n, ".NaN") || text_is(s, n, ".NAN")) {
		*out = NAN;
		return true;
	}
	size_t int_digits = count_digits(s, n, i);
	i += int_digits;
	size_t frac_digits = 0;
	if (i < n && s[i] == '.') {
		i++;
		frac_digits = count_digits(s, n, i);
		i += frac_digits;
	}
	if (int_digits == 0 && frac_digits == 0)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		size_t exp_digits = count_digits(s, n, i);
		if (exp_digits == 0)
			return false;
		i += exp_digits;
	}
	if (i != n)
		return false;

	/* strtod follows LC_NUMERIC: give it the decimal point it expects. */
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *dp = localeconv()->decimal_point;
	for (size_t j = 0; j < n; j++) {
		if (s[j] == '.' && dp && *dp)
			strbuf_adds(&sb, dp);
		else
			strbuf_addc(&sb, s[j]);
	}
	*out = strtod(strbuf_str(&sb), NULL);
	return true;
}

/* The typed value of a scalar event. With `lenient`, a scalar that cannot be
 * what it claims becomes a string instead of an error (anchored keys). */
static int resolve_scalar(struct loader *l, const yaml_event_t *ev, struct sc_pos pos, bool lenient,
                          struct sc_value **out)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	enum scalar_type type = scalar_type(ev);
	struct sc_value *v = NULL;
	int64_t i = 0;
	double d = 0;
	bool b = false;
	int r;

	switch (type) {
	case SCALAR_AUTO:
		if (parse_null(s, n)) {
			v = sc_value_new(SC_VALUE_NULL, pos);
		} else if (parse_bool(s, n, &b)) {
			v = sc_value_new_bool(b, pos);
		} else if ((r = parse_int(s, n, &i)) != 0) {
			if (r < 0 && !lenient)
				return fail(l, pos, "integer out of range: %s", s);
			if (r > 0)
				v = sc_value_new_integer(i, pos);
		} else if (parse_float(s, n, &d)) {
			v = sc_value_new(SC_VALUE_FLOAT, pos);
			v->u.real = d;
		}
		break;
	case SCALAR_STR:
		break;
	case SCALAR_INT:
		r = parse_int(s, n, &i);
		if (r > 0)
			v = sc_value_new_integer(i, pos);
		else if (!lenient)
			return fail(l, pos,
			            r < 0 ? "integer out of range: %s" : "`%s` is not an integer",
			            s);
		break;
	case SCALAR_FLOAT:
		if (parse_float(s, n, &d) || (parse_int(s, n, &i) > 0 && ((d = (double)i), true))) {
			v = sc_value_new(SC_VALUE_FLOAT, pos);
			v->u.real = d;
		} else if (!lenient) {
			return fail(l, pos, "`%s` is not a float", s);
		}
		break;
	case SCALAR_BOOL:
		if (parse_bool(s, n, &b))
			v = sc_value_new_bool(b, pos);
		else if (!lenient)
			return fail(l, pos, "`%s` is not a boolean (true or false)", s);
		break;
	case SCALAR_NULL:
		if (parse_null(s, n))
			v = sc_value_new(SC_VALUE_NULL, pos);
		else if (!lenient)
			return fail(l, pos, "`%s` is not null", s);
		break;
	case SCALAR_UNKNOWN: {
		_cleanup_free_ char *tag = tag_display((const char *)ev->data.scalar.tag);
		return fail(l, pos,
		            "unsupported tag `%s` (only !!str, !!int, !!float, !!bool, !!null)",
		            tag);
	}
	}
	if (!v)
		v = sc_value_new_string(s, n, pos);
	*out = v;
	return 0;
}

/* "a mapping", "an integer": what YAML users call the kinds. */
static const char *kind_phrase(enum sc_value_kind kind)
{
	switch (kind) {
	case SC_VALUE_ARRAY:
		return "a sequence";
	case SC_VALUE_TABLE:
		return "a mapping";
	case SC_VALUE_INTEGER:
		return "an integer";
	case SC_VALUE_NULL:
		return "null";
	case SC_VALUE_FLOAT:
		return "a float";
	case SC_VALUE_BOOL:
		return "a boolean";
	default:
		return "a string";
	}
}

static size_t hash_key(const char *s)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

static void grave_add(struct loader *l, struct sc_value *v)
{
	if (l->n_grave == l->grave_cap) {
		l->grave_cap = l->grave_cap ? l->grave_cap * 2 : 8;
		l->grave = xreallocarray(l->grave, l->grave_cap, sizeof(*l->grave));
	}
	l->grave[l->n_grave++] = v;
}

/* The slot of `name`: where it is, or the empty one where it would go. */
static size_t *anchor_slot(const struct loader *l, const char *name)
{
	size_t mask = l->n_anchor_slots - 1;
	for (size_t h = hash_key(name) & mask;; h = (h + 1) & mask) {
		size_t *slot = &l->anchor_slots[h];
		if (!*slot || streq(l->anchors[*slot - 1].name, name))
			return slot;
	}
}

/* The latest definition wins: YAML allows an anchor to be redefined. */
static const struct anchor *anchor_find(const struct loader *l, const char *name)
{
	if (!l->n_anchor_slots)
		return NULL;
	size_t *slot = anchor_slot(l, name);
	return *slot ? &l->anchors[*slot - 1] : NULL;
}

static void anchor_index(struct loader *l)
{
	size_t n = l->n_anchors;
	if (2 * n > l->n_anchor_slots) {
		free(l->anchor_slots);
		l->n_anchor_slots = l->n_anchor_slots ? l->n_anchor_slots * 2 : 16;
		l->anchor_slots = xcalloc(l->n_anchor_slots, sizeof(*l->anchor_slots));
		for (size_t i = 0; i + 1 < n; i++)
			*anchor_slot(l, l->anchors[i].name) = i + 1;
	}
	*anchor_slot(l, l->anchors[n - 1].name) = n;
}

/* Takes `name`; `node` must stay alive until the end of the parse. */
static void anchor_add(struct loader *l, char *name, const struct sc_value *node, const char *text,
                       size_t text_len, size_t nodes, unsigned height)
{
	if (l->n_anchors == l->anchors_cap) {
		l->anchors_cap = l->anchors_cap ? l->anchors_cap * 2 : 8;
		l->anchors = xreallocarray(l->anchors, l->anchors_cap, sizeof(*l->anchors));
	}
	struct anchor *a = &l->anchors[l->n_anchors++];
	a->name = name;
	a->node = node;
	a->text = NULL;
	a->text_len = text_len;
	if (text) {
		a->text = xmalloc(text_len + 1);
		memcpy(a->text, text, text_len);
		a->text[text_len] = '\0';
	}
	a->nodes = nodes;
	a->height = height;
	anchor_index(l);
}

static int charge_alias_nodes(struct loader *l, size_t nodes, struct sc_pos pos)
{
	if (nodes > MAX_ALIAS_NODES - l->alias_nodes)
		return fail(l, pos,
		            "aliases expand to more than %d nodes; the document is too large or "
		            "a \"billion laughs\" attack",
		            MAX_ALIAS_NODES);
	l->alias_nodes += nodes;
	return 0;
}

static const struct sc_member *key_find(const struct frame *f, const char *key)
{
	if (!f->n_slots)
		return NULL;
	const struct sc_member *items = f->coll->u.table.items;
	for (size_t h = hash_key(key) & (f->n_slots - 1);; h = (h + 1) & (f->n_slots - 1)) {
		if (!f->slots[h])
			return NULL;
		if (streq(items[f->slots[h] - 1].key, key))
			return &items[f->slots[h] - 1];
	}
}

static void slot_insert(struct frame *f, size_t idx)
{
	size_t h = hash_key(f->coll->u.table.items[idx].key) & (f->n_slots - 1);
	while (f->slots[h])
		h = (h + 1) & (f->n_slots - 1);
	f->slots[h] = idx + 1;
}

/* Adds to the mapping of `f`, which has no member `key` yet. Takes `v`. */
static void key_add(struct frame *f, const char *key, struct sc_pos pos, struct sc_value *v)
{
	sc_table_add(f->coll, key, pos, v);
	size_t n = f->coll->u.table.len;
	if (2 * n <= f->n_slots) {
		slot_insert(f, n - 1);
		return;
	}
	free(f->slots);
	f->n_slots = f->n_slots ? f->n_slots * 2 : 16;
	f->slots = xcalloc(f->n_slots, sizeof(*f->slots));
	for (size_t i = 0; i < n; i++)
		slot_insert(f, i);
}

static struct frame *top(struct loader *l)
{
	return l->depth ? &l->stack[l->depth - 1] : NULL;
}

static bool at_key(struct loader *l)
{
	struct frame *f = top(l);
	return f && f->coll->kind == SC_VALUE_TABLE && !f->have_key;
}

/* Takes `key`. Checks it before its value is parsed, so that the error
 * points at the key. */
static int set_key(struct loader *l, char *key, size_t len, struct sc_pos pos, bool is_merge)
{
	_cleanup_free_ char *k = key;
	struct frame *f = top(l);
	if (memchr(k, '\0', len))
		return fail(l, pos, "a key cannot contain a NUL character");
	if (is_merge) {
		if (f->merge)
			return fail(l, pos, "duplicate key `<<` (first at line %u)",
			            f->merge_key_pos.line);
	} else {
		const struct sc_member *m = key_find(f, k);
		if (m)
			return fail(l, pos, "duplicate key `%s` (first at line %u)", k,
			            m->key_pos.line);
	}
	f->have_key = true;
	f->key_is_merge = is_merge;
	f->key = steal_pointer(&k);
	f->key_pos = pos;
	return 0;
}

/* Puts a finished node into its parent (or makes it the root). Takes `v`. */
static void place(struct loader *l, struct sc_value *v, size_t nodes, unsigned height)
{
	struct frame *f = top(l);
	if (!f) {
		sc_value_free(l->root);
		l->root = v;
		return;
	}
	f->nodes += nodes;
	if (f->height < height + 1)
		f->height = height + 1;
	if (f->coll->kind == SC_VALUE_ARRAY) {
		sc_array_push(f->coll, v);
		return;
	}
	_cleanup_free_ char *key = steal_pointer(&f->key);
	f->have_key = false;
	if (f->key_is_merge) {
		/* Anchors may point into it: it lives in the graveyard. */
		grave_add(l, v);
		f->merge = v;
		f->merge_key_pos = f->key_pos;
		f->merge_at = f->coll->u.table.len;
	} else {
		key_add(f, key, f->key_pos, v);
	}
}

static size_t count_nodes(const struct sc_value *v)
{
	size_t n = 1;
	if (v->kind == SC_VALUE_ARRAY) {
		for (size_t i = 0; i < v->u.array.len; i++)
			n += count_nodes(v->u.array.items[i]);
	} else if (v->kind == SC_VALUE_TABLE) {
		for (size_t i = 0; i < v->u.table.len; i++)
			n += count_nodes(v->u.table.items[i].value);
	}
	return n;
}

static int merge_one(struct loader *l, struct frame *f, const struct sc_value *src)
{
	for (size_t i = 0; i < src->u.table.len; i++) {
		const struct sc_member *m = &src->u.table.items[i];
		/* Explicit keys win, then the earlier of the merged mappings. */
		if (key_find(f, m->key))
			continue;
		size_t nodes = count_nodes(m->value);
		if (charge_alias_nodes(l, nodes, f->merge_key_pos) < 0)
			return -1;
		key_add(f, m->key, m->key_pos, sc_value_copy(m->value));
		f->nodes += nodes;
	}
	return 0;
}

/* `<<: *base` or `<<: [*a, *b]`, as in compose files. */
static int apply_merge(struct loader *l, struct frame *f)
{
	const struct sc_value *mv = f->merge;
	size_t before = f->coll->u.table.len;

	if (mv->kind == SC_VALUE_TABLE) {
		if (merge_one(l, f, mv) < 0)
			return -1;
	} else if (mv->kind == SC_VALUE_ARRAY) {
		for (size_t i = 0; i < mv->u.array.len; i++) {
			const struct sc_value *item = mv->u.array.items[i];
			if (item->kind != SC_VALUE_TABLE)
				return fail(l, item->pos,
				            "the merge key `<<` takes a mapping or a sequence of "
				            "mappings, found %s",
				            kind_phrase(item->kind));
			if (merge_one(l, f, item) < 0)
				return -1;
		}
	} else {
		return fail(
		    l, mv->pos,
		    "the merge key `<<` takes a mapping or a sequence of mappings, found %s",
		    kind_phrase(mv->kind));
	}

	/* Move the merged keys to where `<<` was written. */
	size_t added = f->coll->u.table.len - before;
	if (added == 0 || f->merge_at == before)
		return 0;
	struct sc_member *items = f->coll->u.table.items;
	_cleanup_free_ struct sc_member *tmp = xreallocarray(NULL, added, sizeof(*tmp));
	memcpy(tmp, items + before, added * sizeof(*tmp));
	memmove(items + f->merge_at + added, items + f->merge_at,
	        (before - f->merge_at) * sizeof(*tmp));
	memcpy(items + f->merge_at, tmp, added * sizeof(*tmp));
	return 0;
}

static int on_scalar(struct loader *l, const yaml_event_t *ev)
{
	struct sc_pos pos = mark_pos(l, ev->start_mark);
	const char *anchor = (const char *)ev->data.scalar.anchor;
	const char *text = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct sc_value *v = NULL;

	if (at_key(l)) {
		/* Keys are strings as written: `1: x` has the key "1". */
		if (scalar_type(ev) == SCALAR_UNKNOWN)
			return resolve_scalar(l, ev, pos, true, &v);
		if (anchor) {
			if (resolve_scalar(l, ev, pos, true, &v) < 0)
				return -1;
			grave_add(l, v);
			anchor_add(l, xstrdup(anchor), v, text, len, 1, 0);
		}
		bool is_merge = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		                !ev->data.scalar.tag && text_is(text, len, "<<");
		return set_key(l, xstrndup(text, len), len, pos, is_merge);
	}

	if (resolve_scalar(l, ev, pos, false, &v) < 0)
		return -1;
	if (anchor)
		anchor_add(l, xstrdup(anchor), v, text, len, 1, 0);
	place(l, v, 1, 0);
	return 0;
}

static int on_alias(struct loader *l, const yaml_event_t *ev)
{
	struct sc_pos pos = mark_pos(l, ev->start_mark);
	const char *name = (const char *)ev->data.alias.anchor;
	const struct anchor *a = anchor_find(l, name);
	if (!a)
		return fail(l, pos, "undefined alias `*%s` (define it first with `&%s`)", name,
		            name);

	if (at_key(l)) {
		if (!a->text)
			return fail(l, pos, "a key must be a scalar, but alias `*%s` is %s", name,
			            kind_phrase(a->node->kind));
		if (charge_alias_nodes(l, 1, pos) < 0)
			return -1;
		char *key = xmalloc(a->text_len + 1);
		memcpy(key, a->text, a->text_len + 1);
		return set_key(l, key, a->text_len, pos, false);
	}

	if (l->depth + a->height > MAX_DEPTH)
		return fail(l, pos, "alias `*%s` nests collections deeper than %d levels", name,
		            MAX_DEPTH);
	if (charge_alias_nodes(l, a->nodes, pos) < 0)
		return -1;
	struct sc_value *v = sc_value_copy(a->node);
	v->pos = pos;
	place(l, v, a->nodes, a->height);
	return 0;
}

static int on_collection_start(struct loader *l, const yaml_event_t *ev, bool mapping)
{
	struct sc_pos pos = mark_pos(l, ev->start_mark);
	const char *tag = mapping ? (const char *)ev->data.mapping_start.tag
	                          : (const char *)ev->data.sequence_start.tag;
	const char *anchor = mapping ? (const char *)ev->data.mapping_start.anchor
	                             : (const char *)ev->data.sequence_start.anchor;

	if (at_key(l))
		return fail(l, pos, "a key must be a scalar, found %s",
		            mapping ? "a mapping" : "a sequence");
	if (tag && !streq(tag, "!") &&
	    !streq(tag, mapping ? YAML_TAG_PREFIX "map" : YAML_TAG_PREFIX "seq")) {
		_cleanup_free_ char *t = tag_display(tag);
		return fail(l, pos, "unsupported tag `%s` on %s", t,
		            mapping ? "a mapping" : "a sequence");
	}
	if (l->depth >= MAX_DEPTH)
		return fail(l, pos, "collections nested deeper than %d levels", MAX_DEPTH);

	if (l->depth == l->stack_cap) {
		l->stack_cap = l->stack_cap ? l->stack_cap * 2 : 16;
		l->stack = xreallocarray(l->stack, l->stack_cap, sizeof(*l->stack));
	}
	struct frame *f = &l->stack[l->depth++];
	*f = (struct frame){
	    .coll = sc_value_new(mapping ? SC_VALUE_TABLE : SC_VALUE_ARRAY, pos),
	    .anchor = anchor ? xstrdup(anchor) : NULL,
	    .nodes = 1,
	    .height = 1,
	};
	return 0;
}

static int on_collection_end(struct loader *l)
{
	struct frame *f = top(l);
	if (f->coll->kind == SC_VALUE_TABLE && f->merge && apply_merge(l, f) < 0)
		return -1;
	l->depth--;
	struct sc_value *v = steal_pointer(&f->coll);
	_cleanup_free_ char *anchor = steal_pointer(&f->anchor);
	free(steal_pointer(&f->key));
	free(steal_pointer(&f->slots));
	size_t nodes = f->nodes;
	unsigned height = f->height;
	if (anchor)
		anchor_add(l, steal_pointer(&anchor), v, NULL, 0, nodes, height);
	place(l, v, nodes, height);
	return 0;
}

static int on_event(struct loader *l, const yaml_event_t *ev, bool *done)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		*done = true;
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (++l->documents > 1)
			return fail(l, mark_pos(l, ev->start_mark),
			            "a second YAML document; a configuration file holds only one "
			            "(remove the `---` or split the file)");
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(l, ev);
	case YAML_ALIAS_EVENT:
		return on_alias(l, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_collection_start(l, ev, false);
	case YAML_MAPPING_START_EVENT:
		return on_collection_start(l, ev, true);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (!l->depth)
			return fail(l, mark_pos(l, ev->start_mark), "unbalanced YAML events");
		return on_collection_end(l);
	default:
		return 0;
	}
}

int sc_yaml_parse(const char *data, size_t len, const char *file, struct sc_value **out,
                  struct sc_error **err)
{
	_cleanup_(loader_release) struct loader l = {
	    .file = sc_intern(file ? file : "<yaml>"),
	    .data = (const unsigned char *)(data ? data : ""),
	    .len = data ? len : 0,
	    .err = err,
	};
	if (l.len >= 2 &&
	    ((l.data[0] == 0xFF && l.data[1] == 0xFE) || (l.data[0] == 0xFE && l.data[1] == 0xFF)))
		l.utf16 = true;
	if (l.len >= 3 && l.data[0] == 0xEF && l.data[1] == 0xBB && l.data[2] == 0xBF)
		l.base = 3;
	l.cur_byte = l.cur_line_start = l.base;

	_cleanup_(cleanup_yaml_parserp) yaml_parser_t parser;
	memset(&parser, 0, sizeof(parser));
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, l.data, l.len);

	for (bool done = false; !done;) {
		_cleanup_(cleanup_yaml_eventp) yaml_event_t ev;
		memset(&ev, 0, sizeof(ev));
		if (!yaml_parser_parse(&parser, &ev))
			return parser_error(&l, &parser);
		if (on_event(&l, &ev, &done) < 0)
			return -1;
	}

	/* Nothing, only comments, or a bare `---`: an empty configuration. */
	struct sc_pos start = {l.file, 1, 1};
	if (!l.root || l.root->kind == SC_VALUE_NULL) {
		if (l.root)
			start = l.root->pos;
		sc_value_free(l.root);
		l.root = sc_value_new(SC_VALUE_TABLE, start);
	}
	if (l.root->kind != SC_VALUE_TABLE)
		return fail(&l, l.root->pos, "expected a mapping at the top level, found %s",
		            kind_phrase(l.root->kind));
	*out = steal_pointer(&l.root);
	return 0;
}
