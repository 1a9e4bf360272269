/* TOML 1.0.0 parser into the value tree; TOML 1.1.0 on request (the versions
 * disagree on a few documents).
 *
 * The whole document is checked for UTF-8 and bare carriage returns first, so
 * the parser proper can copy any byte >= 0x80 without looking at it. Values
 * are parsed by recursive descent, bounded by MAX_DEPTH so that hostile input
 * cannot exhaust the stack (here, in sc_value_free or in any walker).
 *
 * Keys may contain U+0000 in TOML, but sc_member.key is a C string: a NUL in
 * a key is stored as the two bytes C0 80 ("modified UTF-8"), which valid
 * UTF-8 input can never produce, so no two keys collide. */
#include "toml.h"

#include "../util/strbuf.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>

#define MAX_DEPTH 256

/* Marks kept in sc_value.flags: they decide which tables a later [header],
 * [[header]] or dotted key may still open or extend. A table with none of
 * the table marks was created implicitly, by a longer header. */
enum {
	TOML_HEADER = 1u << 0, /* table defined by [header] or an element of [[header]] */
	TOML_DOTTED = 1u << 1, /* table defined by a dotted key */
	TOML_INLINE = 1u << 2, /* inline table: complete, frozen */
	TOML_AOT = 1u << 3,    /* array made by [[header]]: open to more elements */
	TOML_STATIC = 1u << 4, /* array literal: frozen */
};

/* Open-addressing index from (table, key) to the member's position, so that
 * documents with many keys do not cost quadratic time. */
struct slot {
	const struct sc_value *table;
	size_t idx;
};

struct parser {
	const char *s;
	size_t len;
	size_t i; /* next byte */
	unsigned line;
	size_t bol; /* offset of the first byte of the current line */
	const char *file;
	bool v11;
	unsigned depth; /* nesting of the value being parsed */
	struct sc_value *root;
	struct sc_value *cur; /* table that key/value pairs go into */
	unsigned cur_depth;
	struct strbuf path; /* dotted name of what is being parsed, for messages */
	struct slot *slots;
	size_t nslots;
	size_t used;
	struct sc_error **err;
};

struct keyseg {
	char *name;
	struct sc_pos pos;
};

struct key {
	struct keyseg *segs;
	size_t len;
	size_t cap;
};

static void key_release(struct key *k)
{
	for (size_t i = 0; i < k->len; i++)
		free(k->segs[i].name);
	free(k->segs);
	k->segs = NULL;
	k->len = k->cap = 0;
}
#define _cleanup_key_ _cleanup_(key_release)

static int parse_value(struct parser *ps, struct sc_value **out);

/* ---- positions and errors ---- */

static struct sc_pos pos_at(const struct parser *ps, size_t off)
{
	return (struct sc_pos){ps->file, ps->line, (unsigned)(off - ps->bol + 1)};
}

static struct sc_pos here(const struct parser *ps)
{
	return pos_at(ps, ps->i);
}

static int fail_at(struct parser *ps, struct sc_pos pos, const char *fmt, ...) _printf_(3, 4);
static int fail_at(struct parser *ps, struct sc_pos pos, const char *fmt, ...)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sc_error_setx(ps->err, 0, "%s:%u:%u: %s", pos.file, pos.line, pos.col,
	                     strbuf_str(&sb));
}

static size_t utf8_len(unsigned char c)
{
	if (c >= 0xF0)
		return 4;
	if (c >= 0xE0)
		return 3;
	if (c >= 0xC0)
		return 2;
	return 1;
}

/* What stands at `off`, for "found ..." in messages. */
static const char *describe(const struct parser *ps, size_t off, char *buf, size_t size)
{
	if (off >= ps->len)
		return "end of input";
	unsigned char c = (unsigned char)ps->s[off];
	if (c == '\n' || c == '\r')
		return "end of line";
	if (c < 0x20 || c == 0x7F)
		snprintf(buf, size, "control character U+%04X", c);
	else if (c == '`')
		return "'`'";
	else if (c < 0x80)
		snprintf(buf, size, "`%c`", c);
	else {
		size_t n = utf8_len(c);
		if (n > ps->len - off)
			n = ps->len - off;
		snprintf(buf, size, "`%.*s`", (int)n, ps->s + off);
	}
	return buf;
}

/* "FILE:LINE:COL: expected WHAT, found X" at the current position. */
static int expected(struct parser *ps, const char *what)
{
	char buf[48];
	return fail_at(ps, here(ps), "expected %s, found %s", what,
	               describe(ps, ps->i, buf, sizeof(buf)));
}

static bool is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Appends a key as it would be written in TOML: bare when possible. */
static void add_key_name(struct strbuf *sb, const char *key)
{
	bool bare = *key != '\0';
	for (const char *p = key; *p; p++)
		if (!is_bare((unsigned char)*p))
			bare = false;
	if (bare) {
		strbuf_adds(sb, key);
		return;
	}
	strbuf_addc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		if (*p == '"' || *p == '\\')
			strbuf_addf(sb, "\\%c", *p);
		else if (*p == 0xC0 && p[1] == 0x80) {
			strbuf_adds(sb, "\\u0000");
			p++;
		} else if (*p < 0x20 || *p == 0x7F)
			strbuf_addf(sb, "\\u%04X", *p);
		else
			strbuf_addc(sb, (char)*p);
	}
	strbuf_addc(sb, '"');
}

static void path_push(struct strbuf *path, const char *key)
{
	if (path->len)
		strbuf_addc(path, '.');
	add_key_name(path, key);
}

/* ---- the (table, key) index ---- */

static size_t slot_hash(const struct sc_value *table, const char *key)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)table;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ull;
	}
	h ^= h >> 29;
	return (size_t)h;
}

static void index_put(struct parser *ps, const struct sc_value *table, size_t idx);

static void index_grow(struct parser *ps)
{
	struct slot *old = ps->slots;
	size_t n = ps->nslots;
	ps->nslots = n ? n * 2 : 64;
	ps->slots = xcalloc(ps->nslots, sizeof(*ps->slots));
	ps->used = 0;
	for (size_t i = 0; i < n; i++)
		if (old[i].table)
			index_put(ps, old[i].table, old[i].idx);
	free(old);
}

static void index_put(struct parser *ps, const struct sc_value *table, size_t idx)
{
	if ((ps->used + 1) * 2 > ps->nslots)
		index_grow(ps);
	size_t mask = ps->nslots - 1;
	size_t h = slot_hash(table, table->u.table.items[idx].key) & mask;
	while (ps->slots[h].table)
		h = (h + 1) & mask;
	ps->slots[h].table = table;
	ps->slots[h].idx = idx;
	ps->used++;
}

static struct sc_member *lookup(const struct parser *ps, const struct sc_value *table,
                                const char *key)
{
	if (!ps->nslots)
		return NULL;
	size_t mask = ps->nslots - 1;
	for (size_t h = slot_hash(table, key) & mask; ps->slots[h].table; h = (h + 1) & mask) {
		if (ps->slots[h].table != table)
			continue;
		struct sc_member *m = &table->u.table.items[ps->slots[h].idx];
		if (streq(m->key, key))
			return m;
	}
	return NULL;
}

/* Takes ownership of value; returns it. */
static struct sc_value *table_add(struct parser *ps, struct sc_value *table, const char *key,
                                  struct sc_pos key_pos, struct sc_value *value)
{
	sc_table_add(table, key, key_pos, value);
	index_put(ps, table, table->u.table.len - 1);
	return value;
}

/* ---- the input as a whole ---- */

static int check_encoding(struct parser *ps)
{
	const unsigned char *s = (const unsigned char *)ps->s;
	unsigned line = 1;
	size_t bol = 0;
	for (size_t i = 0; i < ps->len;) {
		unsigned char c = s[i];
		if (c < 0x80) {
			if (c == '\n') {
				line++;
				bol = i + 1;
			} else if (c == '\r' && (i + 1 >= ps->len || s[i + 1] != '\n')) {
				char buf[48];
				const char *found = i + 1 >= ps->len ? "end of input"
				                    : s[i + 1] == '\r'
				                        ? "another carriage return"
				                        : describe(ps, i + 1, buf, sizeof(buf));
				return sc_error_setx(
				    ps->err, 0,
				    "%s:%u:%zu: expected a newline after a carriage "
				    "return, found %s",
				    ps->file, line, i - bol + 2, found);
			}
			i++;
			continue;
		}
		size_t n = 0;
		uint32_t cp = 0, min = 0;
		if (c >= 0xC2 && c <= 0xDF) {
			n = 2;
			cp = c & 0x1F;
			min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 3;
			cp = c & 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 4;
			cp = c & 0x07;
			min = 0x10000;
		}
		bool ok = n != 0 && n <= ps->len - i;
		for (size_t k = 1; ok && k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				ok = false;
			cp = cp << 6 | (s[i + k] & 0x3Fu);
		}
		if (ok && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)))
			ok = false;
		if (!ok)
			return sc_error_setx(
			    ps->err, 0,
			    "%s:%u:%zu: expected UTF-8 text, found the invalid byte "
			    "sequence starting with 0x%02X",
			    ps->file, line, i - bol + 1, c);
		i += n;
	}
	return 0;
}

static int peek(const struct parser *ps)
{
	return ps->i < ps->len ? (unsigned char)ps->s[ps->i] : -1;
}

static int peek_at(const struct parser *ps, size_t k)
{
	return ps->len - ps->i > k ? (unsigned char)ps->s[ps->i + k] : -1;
}

static bool at_newline(const struct parser *ps)
{
	/* A '\r' is always followed by '\n' (check_encoding). */
	int c = peek(ps);
	return c == '\n' || c == '\r';
}

static void eat_newline(struct parser *ps)
{
	ps->i += ps->s[ps->i] == '\r' ? 2 : 1;
	ps->line++;
	ps->bol = ps->i;
}

static void skip_ws(struct parser *ps)
{
	while (ps->i < ps->len && (ps->s[ps->i] == ' ' || ps->s[ps->i] == '\t'))
		ps->i++;
}

static bool is_control(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7F;
}

/* At '#': skips to the end of the line, which it leaves in place. */
static int skip_comment(struct parser *ps)
{
	ps->i++;
	while (ps->i < ps->len && !at_newline(ps)) {
		int c = peek(ps);
		if (is_control(c))
			return fail_at(ps, here(ps),
			               "control character U+%04X is not allowed in a comment", c);
		ps->i++;
	}
	return 0;
}

/* Whitespace, comments and newlines, as allowed between array elements. */
static int skip_blank(struct parser *ps)
{
	for (;;) {
		skip_ws(ps);
		int c = peek(ps);
		if (c == '#') {
			if (skip_comment(ps) < 0)
				return -1;
		} else if (c == '\n' || c == '\r') {
			eat_newline(ps);
		} else {
			return 0;
		}
	}
}

/* After a key/value pair or a header: blanks, a comment, then a newline. */
static int end_of_line(struct parser *ps, const char *after)
{
	skip_ws(ps);
	if (peek(ps) == '#' && skip_comment(ps) < 0)
		return -1;
	if (ps->i >= ps->len)
		return 0;
	if (at_newline(ps)) {
		eat_newline(ps);
		return 0;
	}
	char buf[48];
	return fail_at(ps, here(ps), "expected a newline after %s, found %s", after,
	               describe(ps, ps->i, buf, sizeof(buf)));
}

/* ---- strings ---- */

/* The escapes of one character for another. */
static const struct {
	char name, value;
} single_escapes[] = {
    {'b', '\b'}, {'t', '\t'}, {'n', '\n'}, {'f', '\f'}, {'r', '\r'}, {'"', '"'}, {'\\', '\\'},
};

/* At a backslash in a basic string. */
static int parse_escape(struct parser *ps, struct strbuf *sb)
{
	struct sc_pos pos = here(ps);
	ps->i++;
	int c = peek(ps);
	for (size_t k = 0; k < N_ELEMENTS(single_escapes); k++)
		if (c == single_escapes[k].name) {
			strbuf_addc(sb, single_escapes[k].value);
			ps->i++;
			return 0;
		}
	int digits = 0;
	switch (c) {
	case 'e':
		if (!ps->v11)
			goto bad;
		strbuf_addc(sb, 0x1B);
		break;
	case 'x':
		if (!ps->v11)
			goto bad;
		digits = 2;
		break;
	case 'u':
		digits = 4;
		break;
	case 'U':
		digits = 8;
		break;
	default:
		goto bad;
	}
	ps->i++;
	if (!digits)
		return 0;
	uint32_t cp = 0;
	for (int k = 0; k < digits; k++) {
		int v = hex_digit(peek(ps));
		if (v < 0) {
			char buf[48];
			return fail_at(ps, here(ps),
			               "expected %d hex digits after `\\%c`, found %s", digits, c,
			               describe(ps, ps->i, buf, sizeof(buf)));
		}
		cp = cp << 4 | (uint32_t)v;
		ps->i++;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return fail_at(ps, pos,
		               "expected a unicode scalar value in `\\%c%.*s`, found U+%04X "
		               "(%s)",
		               c, digits, ps->s + ps->i - digits, (unsigned)cp,
		               cp > 0x10FFFF ? "above U+10FFFF" : "a surrogate");
	strbuf_add_utf8(sb, cp);
	return 0;
bad:;
	char buf[48];
	return fail_at(ps, pos,
	               "expected an escape sequence (\\b \\t \\n \\f \\r \\\" \\\\ %s\\uXXXX "
	               "\\UXXXXXXXX) after `\\`, found %s",
	               ps->v11 ? "\\e \\xHH " : "", describe(ps, ps->i, buf, sizeof(buf)));
}

static int string_control(struct parser *ps, int c)
{
	return fail_at(ps, here(ps),
	               "control character U+%04X is not allowed in a string (write it as an "
	               "escape)",
	               c);
}

static int unterminated(struct parser *ps, struct sc_pos start, const char *close)
{
	char buf[48];
	return fail_at(ps, start, "unterminated string: expected %s before %s at line %u", close,
	               describe(ps, ps->i, buf, sizeof(buf)), ps->line);
}

/* At the opening quote of "basic" or 'literal'. */
static int parse_line_string(struct parser *ps, struct strbuf *sb)
{
	struct sc_pos start = here(ps);
	char quote = ps->s[ps->i++];
	for (;;) {
		int c = peek(ps);
		if (c < 0 || c == '\n' || c == '\r')
			return unterminated(ps, start, quote == '"' ? "`\"`" : "`'`");
		if (c == quote) {
			ps->i++;
			return 0;
		}
		if (c == '\\' && quote == '"') {
			if (parse_escape(ps, sb) < 0)
				return -1;
			continue;
		}
		if (is_control(c))
			return string_control(ps, c);
		strbuf_addc(sb, (char)c);
		ps->i++;
	}
}

/* At the opening """ or '''. */
static int parse_multiline_string(struct parser *ps, struct strbuf *sb)
{
	struct sc_pos start = here(ps);
	char quote = ps->s[ps->i];
	ps->i += 3;
	if (at_newline(ps))
		eat_newline(ps);
	for (;;) {
		int c = peek(ps);
		if (c < 0)
			return unterminated(ps, start, quote == '"' ? "`\"\"\"`" : "`'''`");
		if (c == quote) {
			size_t n = 0;
			while (peek_at(ps, n) == quote)
				n++;
			if (n < 3) {
				strbuf_add(sb, ps->s + ps->i, n);
				ps->i += n;
				continue;
			}
			/* Up to two quotes may stand right before the closing three;
			 * more are left for the caller to reject. */
			size_t extra = n - 3 > 2 ? 2 : n - 3;
			strbuf_add(sb, ps->s + ps->i, extra);
			ps->i += 3 + extra;
			return 0;
		}
		if (c == '\n' || c == '\r') {
			strbuf_addc(sb, '\n');
			eat_newline(ps);
			continue;
		}
		if (c == '\\' && quote == '"') {
			/* A backslash ending a line trims the newline and all the
			 * whitespace that follows. */
			size_t j = ps->i + 1;
			while (j < ps->len && (ps->s[j] == ' ' || ps->s[j] == '\t'))
				j++;
			if (j < ps->len && (ps->s[j] == '\n' || ps->s[j] == '\r')) {
				ps->i = j;
				for (;;) {
					int d = peek(ps);
					if (d == ' ' || d == '\t')
						ps->i++;
					else if (d == '\n' || d == '\r')
						eat_newline(ps);
					else
						break;
				}
				continue;
			}
			if (parse_escape(ps, sb) < 0)
				return -1;
			continue;
		}
		if (is_control(c))
			return string_control(ps, c);
		strbuf_addc(sb, (char)c);
		ps->i++;
	}
}

static bool at_triple(const struct parser *ps)
{
	int c = peek(ps);
	return peek_at(ps, 1) == c && peek_at(ps, 2) == c;
}

static int parse_string_value(struct parser *ps, struct sc_value **out)
{
	struct sc_pos pos = here(ps);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	int r = at_triple(ps) ? parse_multiline_string(ps, &sb) : parse_line_string(ps, &sb);
	if (r < 0)
		return r;
	struct sc_value *v = sc_value_new(SC_VALUE_STRING, pos);
	v->u.str.len = sb.len;
	v->u.str.ptr = strbuf_steal(&sb);
	*out = v;
	return 0;
}

/* ---- keys ---- */

static int parse_simple_key(struct parser *ps, struct keyseg *seg)
{
	seg->pos = here(ps);
	int c = peek(ps);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	if (c == '"' || c == '\'') {
		if (at_triple(ps))
			return fail_at(ps, seg->pos,
			               "expected a key, found a multi-line string (keys must be "
			               "bare, \"basic\" or 'literal')");
		if (parse_line_string(ps, &sb) < 0)
			return -1;
	} else if (is_bare(c)) {
		size_t start = ps->i;
		while (is_bare(peek(ps)))
			ps->i++;
		strbuf_add(&sb, ps->s + start, ps->i - start);
	} else {
		return expected(ps, "a key");
	}
	if (memchr(sb.buf ? sb.buf : "", '\0', sb.len)) {
		_cleanup_strbuf_ struct strbuf enc = STRBUF_INIT;
		for (size_t k = 0; k < sb.len; k++) {
			if (sb.buf[k] == '\0')
				strbuf_add(&enc, "\xC0\x80", 2);
			else
				strbuf_addc(&enc, sb.buf[k]);
		}
		seg->name = strbuf_steal(&enc);
	} else {
		seg->name = strbuf_steal(&sb);
	}
	return 0;
}

/* key ( ws '.' ws key )*, leaving the blanks after the last key. */
static int parse_key(struct parser *ps, struct key *key)
{
	for (;;) {
		skip_ws(ps);
		if (key->len == key->cap) {
			key->cap = key->cap ? key->cap * 2 : 4;
			key->segs = xreallocarray(key->segs, key->cap, sizeof(*key->segs));
		}
		struct keyseg *seg = &key->segs[key->len];
		seg->name = NULL;
		if (parse_simple_key(ps, seg) < 0)
			return -1;
		key->len++;
		if (key->len > MAX_DEPTH)
			return fail_at(ps, seg->pos, "key has more than %d parts", MAX_DEPTH);
		skip_ws(ps);
		if (peek(ps) != '.')
			return 0;
		ps->i++;
	}
}

/* ---- numbers, booleans, dates and times ---- */

static int digit_value(int c)
{
	return hex_digit(c);
}

/* Reads digits of `base`, `_` allowed only between two digits. Returns how
 * many digits, or -1 for a misplaced `_`. */
static long digit_run(const char *t, size_t n, size_t *k, int base)
{
	long count = 0;
	while (*k < n) {
		if (t[*k] == '_') {
			if (count == 0 || *k + 1 >= n)
				return -1;
			int d = digit_value(t[*k + 1]);
			if (d < 0 || d >= base)
				return -1;
			(*k)++;
			continue;
		}
		int d = digit_value(t[*k]);
		if (d < 0 || d >= base)
			break;
		count++;
		(*k)++;
	}
	return count;
}

static int parse_number(struct parser *ps, struct sc_value **out)
{
	struct sc_pos pos = here(ps);
	size_t start = ps->i;
	while (ps->i < ps->len &&
	       (is_bare(ps->s[ps->i]) || ps->s[ps->i] == '.' || ps->s[ps->i] == '+'))
		ps->i++;
	const char *t = ps->s + start;
	size_t n = ps->i - start, k = 0;
	int shown = n > 64 ? 64 : (int)n;
	const char *dots = n > 64 ? "..." : "";
	bool neg = false, sign = false;
	if (n && (t[0] == '+' || t[0] == '-')) {
		sign = true;
		neg = t[0] == '-';
		k++;
	}
	if (n - k == 3 && (memcmp(t + k, "inf", 3) == 0 || memcmp(t + k, "nan", 3) == 0)) {
		struct sc_value *v = sc_value_new(SC_VALUE_FLOAT, pos);
		if (t[k] == 'i')
			v->u.real = neg ? -INFINITY : INFINITY;
		else
			v->u.real = neg ? -NAN : NAN;
		*out = v;
		return 0;
	}
	int base = 10;
	if (n - k >= 2 && t[k] == '0' && (t[k + 1] == 'x' || t[k + 1] == 'o' || t[k + 1] == 'b')) {
		base = t[k + 1] == 'x' ? 16 : t[k + 1] == 'o' ? 8 : 2;
		if (sign)
			return fail_at(
			    ps, pos,
			    "expected an integer without sign before `0%c`, found `%.*s%s`",
			    t[k + 1], shown, t, dots);
		k += 2;
	}
	size_t int_start = k;
	long r = digit_run(t, n, &k, base);
	if (r < 0)
		return fail_at(ps, pos, "expected `_` only between digits, found `%.*s%s`", shown,
		               t, dots);
	if (r == 0) {
		if (n == k && base == 10)
			return expected(ps, "a value");
		return fail_at(ps, pos, "expected a number, found `%.*s%s`", shown, t, dots);
	}
	bool is_float = false;
	if (base == 10) {
		if (t[int_start] == '0' && r > 1)
			return fail_at(ps, pos,
			               "expected a number without leading zeros, found `%.*s%s`",
			               shown, t, dots);
		if (k < n && t[k] == '.') {
			k++;
			r = digit_run(t, n, &k, 10);
			if (r <= 0)
				return fail_at(
				    ps, pos,
				    "expected digits after the decimal point, found `%.*s%s`",
				    shown, t, dots);
			is_float = true;
		}
		if (k < n && (t[k] == 'e' || t[k] == 'E')) {
			k++;
			if (k < n && (t[k] == '+' || t[k] == '-'))
				k++;
			r = digit_run(t, n, &k, 10);
			if (r <= 0)
				return fail_at(ps, pos,
				               "expected digits in the exponent, found `%.*s%s`",
				               shown, t, dots);
			is_float = true;
		}
	}
	if (k != n)
		return fail_at(ps, pos, "expected a number, found `%.*s%s`", shown, t, dots);

	if (is_float) {
		/* strtod follows LC_NUMERIC: give it that decimal point. */
		const char *dp = localeconv()->decimal_point;
		_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
		for (size_t j = 0; j < n; j++) {
			if (t[j] == '_')
				continue;
			if (t[j] == '.')
				strbuf_adds(&sb, dp && *dp ? dp : ".");
			else
				strbuf_addc(&sb, t[j]);
		}
		char *end = NULL;
		double d = strtod(strbuf_str(&sb), &end);
		if (!end || *end != '\0')
			return fail_at(ps, pos, "expected a number, found `%.*s%s`", shown, t,
			               dots);
		if (isinf(d))
			return fail_at(ps, pos,
			               "expected a float within the 64-bit range, found `%.*s%s`",
			               shown, t, dots);
		struct sc_value *v = sc_value_new(SC_VALUE_FLOAT, pos);
		v->u.real = d;
		*out = v;
		return 0;
	}

	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t mag = 0;
	for (size_t j = int_start; j < n; j++) {
		if (t[j] == '_')
			continue;
		uint64_t d = (uint64_t)digit_value(t[j]);
		if (mag > (limit - d) / (uint64_t)base)
			return fail_at(ps, pos,
			               "expected an integer within the 64-bit signed range, found "
			               "`%.*s%s`",
			               shown, t, dots);
		mag = mag * (uint64_t)base + d;
	}
	int64_t value;
	if (neg)
		value = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	else
		value = (int64_t)mag;
	*out = sc_value_new_integer(value, pos);
	return 0;
}

static bool digits_at(const struct parser *ps, size_t k, size_t n)
{
	for (size_t j = 0; j < n; j++) {
		int c = peek_at(ps, k + j);
		if (c < '0' || c > '9')
			return false;
	}
	return true;
}

/* Reads exactly `n` digits as a number in [lo, hi]. */
static int read_field(struct parser *ps, size_t n, int lo, int hi, const char *what, int *out)
{
	struct sc_pos pos = here(ps);
	char buf[64];
	snprintf(buf, sizeof(buf), "%s of %zu digits", what, n);
	if (!digits_at(ps, 0, n))
		return expected(ps, buf);
	int v = 0;
	for (size_t j = 0; j < n; j++)
		v = v * 10 + (ps->s[ps->i + j] - '0');
	if (digits_at(ps, n, 1)) {
		ps->i += n;
		return expected(ps, buf);
	}
	if (v < lo || v > hi)
		return fail_at(ps, pos, "expected %s between %0*d and %0*d, found %.*s", what,
		               (int)n, lo, (int)n, hi, (int)n, ps->s + ps->i);
	ps->i += n;
	*out = v;
	return 0;
}

static int expect_char(struct parser *ps, char c, const char *what)
{
	if (peek(ps) != c)
		return expected(ps, what);
	ps->i++;
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[month - 1];
}

/* HH:MM[:SS[.frac]]; seconds are optional in TOML 1.1 only. */
static int parse_time(struct parser *ps, struct strbuf *sb)
{
	int h, m, s = 0;
	if (read_field(ps, 2, 0, 23, "an hour", &h) < 0 ||
	    expect_char(ps, ':', "`:` after the hour") < 0 ||
	    read_field(ps, 2, 0, 59, "a minute", &m) < 0)
		return -1;
	bool has_sec = peek(ps) == ':';
	if (!has_sec && !ps->v11)
		return expected(ps, "`:` and seconds after the minute");
	if (has_sec) {
		ps->i++;
		if (read_field(ps, 2, 0, 60, "a second", &s) < 0)
			return -1;
	}
	strbuf_addf(sb, "%02d:%02d:%02d", h, m, s);
	if (has_sec && peek(ps) == '.') {
		ps->i++;
		if (!digits_at(ps, 0, 1))
			return expected(ps, "digits after the decimal point of the seconds");
		strbuf_addc(sb, '.');
		while (digits_at(ps, 0, 1))
			strbuf_addc(sb, ps->s[ps->i++]);
	}
	return 0;
}

static int parse_datetime(struct parser *ps, struct sc_value **out)
{
	struct sc_pos pos = here(ps);
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	enum sc_value_kind kind;
	if (digits_at(ps, 0, 2) && peek_at(ps, 2) == ':') {
		if (parse_time(ps, &sb) < 0)
			return -1;
		kind = SC_VALUE_TIME_LOCAL;
	} else {
		int y, mo, d;
		if (read_field(ps, 4, 0, 9999, "a year", &y) < 0 ||
		    expect_char(ps, '-', "`-` after the year") < 0 ||
		    read_field(ps, 2, 1, 12, "a month", &mo) < 0 ||
		    expect_char(ps, '-', "`-` after the month") < 0)
			return -1;
		struct sc_pos dpos = here(ps);
		if (read_field(ps, 2, 1, 31, "a day", &d) < 0)
			return -1;
		if (d > days_in_month(y, mo))
			return fail_at(ps, dpos,
			               "expected a day between 01 and %02d for %04d-%02d, "
			               "found %02d",
			               days_in_month(y, mo), y, mo, d);
		strbuf_addf(&sb, "%04d-%02d-%02d", y, mo, d);
		kind = SC_VALUE_DATE_LOCAL;
		int c = peek(ps);
		if (c == 'T' || c == 't' ||
		    (c == ' ' && digits_at(ps, 1, 2) && peek_at(ps, 3) == ':')) {
			ps->i++;
			strbuf_addc(&sb, 'T');
			if (parse_time(ps, &sb) < 0)
				return -1;
			kind = SC_VALUE_DATETIME_LOCAL;
			c = peek(ps);
			if (c == 'Z' || c == 'z') {
				ps->i++;
				strbuf_addc(&sb, 'Z');
				kind = SC_VALUE_DATETIME;
			} else if (c == '+' || c == '-') {
				ps->i++;
				int oh, om;
				if (read_field(ps, 2, 0, 23, "an offset hour", &oh) < 0 ||
				    expect_char(ps, ':', "`:` in the offset") < 0 ||
				    read_field(ps, 2, 0, 59, "an offset minute", &om) < 0)
					return -1;
				strbuf_addf(&sb, "%c%02d:%02d", c, oh, om);
				kind = SC_VALUE_DATETIME;
			}
		}
	}
	if (is_bare(peek(ps)) || peek(ps) == '.' || peek(ps) == ':' || peek(ps) == '+')
		return expected(ps, "the end of the date/time");
	struct sc_value *v = sc_value_new(kind, pos);
	v->u.str.len = sb.len;
	v->u.str.ptr = strbuf_steal(&sb);
	*out = v;
	return 0;
}

static int bad_value(struct parser *ps)
{
	size_t j = ps->i;
	while (j < ps->len && (is_bare(ps->s[j]) || ps->s[j] == '.' || ps->s[j] == '+'))
		j++;
	if (j > ps->i && j - ps->i <= 64)
		return fail_at(ps, here(ps),
		               "expected a value (string, number, true, false, date/time, array "
		               "or inline table), found `%.*s`",
		               (int)(j - ps->i), ps->s + ps->i);
	return expected(ps, "a value");
}

static int parse_bool(struct parser *ps, struct sc_value **out)
{
	bool b = peek(ps) == 't';
	size_t n = b ? 4 : 5;
	if (ps->len - ps->i < n || memcmp(ps->s + ps->i, b ? "true" : "false", n) != 0 ||
	    is_bare(peek_at(ps, n)))
		return bad_value(ps);
	*out = sc_value_new_bool(b, here(ps));
	ps->i += n;
	return 0;
}

/* ---- arrays, inline tables, key/value pairs ---- */

static int enter(struct parser *ps)
{
	if (++ps->depth > MAX_DEPTH)
		return fail_at(ps, here(ps), "nesting deeper than %d levels", MAX_DEPTH);
	return 0;
}

static int parse_array(struct parser *ps, struct sc_value **out)
{
	struct sc_pos pos = here(ps);
	if (enter(ps) < 0)
		return -1;
	ps->i++;
	_cleanup_value_ struct sc_value *arr = sc_value_new(SC_VALUE_ARRAY, pos);
	arr->flags = TOML_STATIC;
	for (;;) {
		if (skip_blank(ps) < 0)
			return -1;
		if (peek(ps) == ']')
			break;
		struct sc_value *item = NULL;
		if (parse_value(ps, &item) < 0)
			return -1;
		sc_array_push(arr, item);
		if (skip_blank(ps) < 0)
			return -1;
		if (peek(ps) == ',') {
			ps->i++;
			continue;
		}
		if (peek(ps) == ']')
			break;
		char buf[48];
		return fail_at(ps, here(ps),
		               "expected `,` or `]` after an array element, found %s (array opened "
		               "at line %u)",
		               describe(ps, ps->i, buf, sizeof(buf)), pos.line);
	}
	ps->i++;
	ps->depth--;
	*out = steal_pointer(&arr);
	return 0;
}

static int parse_keyval(struct parser *ps, struct sc_value *table);

static int inline_blank(struct parser *ps)
{
	if (ps->v11)
		return skip_blank(ps);
	skip_ws(ps);
	return 0;
}

static int parse_inline_table(struct parser *ps, struct sc_value **out)
{
	struct sc_pos pos = here(ps);
	if (enter(ps) < 0)
		return -1;
	ps->i++;
	_cleanup_value_ struct sc_value *t = sc_value_new(SC_VALUE_TABLE, pos);
	t->flags = TOML_INLINE;
	if (inline_blank(ps) < 0)
		return -1;
	if (peek(ps) != '}') {
		for (;;) {
			if (!ps->v11 && at_newline(ps))
				return fail_at(
				    ps, here(ps),
				    "expected a key, found end of line (TOML 1.0 inline tables "
				    "must fit on one line)");
			if (parse_keyval(ps, t) < 0)
				return -1;
			if (inline_blank(ps) < 0)
				return -1;
			int c = peek(ps);
			if (c == '}')
				break;
			if (c == ',') {
				ps->i++;
				if (inline_blank(ps) < 0)
					return -1;
				if (peek(ps) == '}') {
					if (ps->v11)
						break;
					return fail_at(
					    ps, here(ps),
					    "expected a key after `,`, found `}` (TOML 1.0 "
					    "does not allow a trailing comma in an inline "
					    "table)");
				}
				continue;
			}
			if (!ps->v11 && at_newline(ps))
				return fail_at(
				    ps, here(ps),
				    "expected `,` or `}` in inline table, found end of line "
				    "(TOML 1.0 inline tables must fit on one line)");
			char buf[48];
			return fail_at(
			    ps, here(ps),
			    "expected `,` or `}` in inline table, found %s (table opened "
			    "at line %u)",
			    describe(ps, ps->i, buf, sizeof(buf)), pos.line);
		}
	}
	ps->i++;
	ps->depth--;
	*out = steal_pointer(&t);
	return 0;
}

static int parse_value(struct parser *ps, struct sc_value **out)
{
	int c = peek(ps);
	switch (c) {
	case '"':
	case '\'':
		return parse_string_value(ps, out);
	case '[':
		return parse_array(ps, out);
	case '{':
		return parse_inline_table(ps, out);
	case 't':
	case 'f':
		return parse_bool(ps, out);
	case '+':
	case '-':
	case 'i':
	case 'n':
		return parse_number(ps, out);
	default:
		break;
	}
	if (c >= '0' && c <= '9') {
		if ((digits_at(ps, 0, 4) && peek_at(ps, 4) == '-') ||
		    (digits_at(ps, 0, 2) && peek_at(ps, 2) == ':'))
			return parse_datetime(ps, out);
		return parse_number(ps, out);
	}
	return bad_value(ps);
}

/* The dotted name of key parts [0, n) below the current path, for messages. */
static char *key_name(const struct parser *ps, const struct key *key, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, strbuf_str(&ps->path), ps->path.len);
	for (size_t i = 0; i < n; i++)
		path_push(&sb, key->segs[i].name);
	return strbuf_steal(&sb);
}

static const char *kind_name(const struct sc_value *v)
{
	if (v->kind == SC_VALUE_TABLE && (v->flags & TOML_INLINE))
		return "inline table";
	if (v->kind == SC_VALUE_ARRAY && (v->flags & TOML_AOT))
		return "array of tables";
	if (v->kind == SC_VALUE_ARRAY)
		return "array";
	return sc_value_kind_name(v->kind);
}

/* key = value, into `table` (the current section or an inline table). */
static int parse_keyval(struct parser *ps, struct sc_value *table)
{
	_cleanup_key_ struct key key = {0};
	if (parse_key(ps, &key) < 0)
		return -1;
	if (peek(ps) != '=') {
		_cleanup_free_ char *name = key_name(ps, &key, key.len);
		char buf[48];
		return fail_at(ps, here(ps), "expected `=` after key `%s`, found %s", name,
		               describe(ps, ps->i, buf, sizeof(buf)));
	}
	ps->i++;
	skip_ws(ps);

	struct sc_value *t = table;
	for (size_t k = 0; k + 1 < key.len; k++) {
		struct keyseg *seg = &key.segs[k];
		struct sc_member *m = lookup(ps, t, seg->name);
		if (!m) {
			struct sc_value *sub = sc_value_new(SC_VALUE_TABLE, seg->pos);
			sub->flags = TOML_DOTTED;
			t = table_add(ps, t, seg->name, seg->pos, sub);
			continue;
		}
		struct sc_value *v = m->value;
		if (v->kind != SC_VALUE_TABLE || (v->flags & (TOML_HEADER | TOML_INLINE))) {
			_cleanup_free_ char *name = key_name(ps, &key, k + 1);
			if (v->kind == SC_VALUE_TABLE && !(v->flags & TOML_INLINE))
				return fail_at(
				    ps, seg->pos,
				    "duplicate key `%s` (first defined at line %u as table "
				    "[%s], which dotted keys cannot extend)",
				    name, v->pos.line, name);
			return fail_at(ps, seg->pos,
			               "duplicate key `%s` (first defined at line %u as %s, which "
			               "cannot be %s)",
			               name, m->key_pos.line, kind_name(v),
			               v->kind == SC_VALUE_TABLE ? "extended" : "used as a table");
		}
		v->flags |= TOML_DOTTED;
		t = v;
	}
	struct keyseg *last = &key.segs[key.len - 1];
	struct sc_member *m = lookup(ps, t, last->name);
	if (m) {
		_cleanup_free_ char *name = key_name(ps, &key, key.len);
		return fail_at(ps, last->pos, "duplicate key `%s` (first defined at line %u)", name,
		               m->key_pos.line);
	}

	unsigned saved_depth = ps->depth;
	size_t saved_path = ps->path.len;
	ps->depth += (unsigned)key.len;
	if (ps->depth > MAX_DEPTH)
		return fail_at(ps, key.segs[0].pos, "nesting deeper than %d levels", MAX_DEPTH);
	for (size_t k = 0; k < key.len; k++)
		path_push(&ps->path, key.segs[k].name);
	if (ps->i >= ps->len || at_newline(ps) || peek(ps) == '#') {
		_cleanup_free_ char *name = key_name(ps, &key, 0);
		char buf[48];
		return fail_at(ps, here(ps), "expected a value for key `%s`, found %s", name,
		               describe(ps, ps->i, buf, sizeof(buf)));
	}
	struct sc_value *value = NULL;
	if (parse_value(ps, &value) < 0)
		return -1;
	ps->depth = saved_depth;
	strbuf_truncate(&ps->path, saved_path);
	table_add(ps, t, last->name, last->pos, value);
	return 0;
}

/* ---- [table] and [[array of tables]] ---- */

static int parse_header(struct parser *ps)
{
	struct sc_pos pos = here(ps);
	ps->i++;
	bool aot = peek(ps) == '[';
	if (aot)
		ps->i++;
	_cleanup_key_ struct key key = {0};
	if (parse_key(ps, &key) < 0)
		return -1;
	if (peek(ps) != ']' || (aot && peek_at(ps, 1) != ']'))
		return expected(ps, aot ? "`]]` to close the array of tables header"
		                        : "`]` to close the table header");
	ps->i += aot ? 2 : 1;
	if (end_of_line(ps, "the table header") < 0)
		return -1;

	strbuf_reset(&ps->path);
	struct sc_value *t = ps->root;
	unsigned depth = 0;
	for (size_t k = 0; k + 1 < key.len; k++) {
		struct keyseg *seg = &key.segs[k];
		struct sc_member *m = lookup(ps, t, seg->name);
		depth++;
		if (!m) {
			t = table_add(ps, t, seg->name, seg->pos,
			              sc_value_new(SC_VALUE_TABLE, seg->pos));
			continue;
		}
		struct sc_value *v = m->value;
		if (v->kind == SC_VALUE_ARRAY && (v->flags & TOML_AOT)) {
			/* [[a]] then [a.b]: b goes into the last element of a. */
			depth++;
			t = v->u.array.items[v->u.array.len - 1];
			continue;
		}
		if (v->kind != SC_VALUE_TABLE || (v->flags & TOML_INLINE)) {
			_cleanup_free_ char *name = key_name(ps, &key, k + 1);
			return fail_at(ps, seg->pos,
			               "duplicate key `%s` (first defined at line %u as %s, which "
			               "cannot be %s)",
			               name, m->key_pos.line, kind_name(v),
			               v->kind == SC_VALUE_TABLE ? "extended" : "used as a table");
		}
		t = v;
	}
	if (depth + 1 > MAX_DEPTH)
		return fail_at(ps, pos, "nesting deeper than %d levels", MAX_DEPTH);

	struct keyseg *last = &key.segs[key.len - 1];
	struct sc_member *m = lookup(ps, t, last->name);
	_cleanup_free_ char *name = key_name(ps, &key, key.len);
	if (aot) {
		struct sc_value *arr;
		if (!m) {
			arr = sc_value_new(SC_VALUE_ARRAY, last->pos);
			arr->flags = TOML_AOT;
			table_add(ps, t, last->name, last->pos, arr);
		} else if (m->value->kind == SC_VALUE_ARRAY && (m->value->flags & TOML_AOT)) {
			arr = m->value;
		} else {
			return fail_at(
			    ps, last->pos,
			    "duplicate key `%s` (first defined at line %u as %s, which is "
			    "not an array of tables)",
			    name, m->key_pos.line, kind_name(m->value));
		}
		struct sc_value *elem = sc_value_new(SC_VALUE_TABLE, pos);
		elem->flags = TOML_HEADER;
		sc_array_push(arr, elem);
		ps->cur = elem;
		ps->cur_depth = depth + 2;
	} else {
		if (!m) {
			struct sc_value *nt = sc_value_new(SC_VALUE_TABLE, pos);
			nt->flags = TOML_HEADER;
			ps->cur = table_add(ps, t, last->name, last->pos, nt);
		} else {
			struct sc_value *v = m->value;
			if (v->kind != SC_VALUE_TABLE)
				return fail_at(
				    ps, last->pos,
				    "duplicate key `%s` (first defined at line %u as %s)", name,
				    m->key_pos.line, kind_name(v));
			if (v->flags & TOML_HEADER)
				return fail_at(ps, last->pos,
				               "duplicate table `[%s]` (first defined at line %u)",
				               name, v->pos.line);
			if (v->flags & (TOML_DOTTED | TOML_INLINE))
				return fail_at(
				    ps, last->pos,
				    "duplicate table `[%s]` (first defined at line %u by %s)", name,
				    m->key_pos.line,
				    (v->flags & TOML_INLINE) ? "an inline table" : "dotted keys");
			/* Made implicitly by a longer header: now it is defined. */
			v->flags |= TOML_HEADER;
			v->pos = pos;
			ps->cur = v;
		}
		ps->cur_depth = depth + 1;
	}
	strbuf_reset(&ps->path);
	strbuf_adds(&ps->path, name);
	return 0;
}

static int parse_document(struct parser *ps)
{
	if (ps->len >= 3 && memcmp(ps->s, "\xEF\xBB\xBF", 3) == 0) {
		ps->i = 3;
		ps->bol = 3;
	}
	for (;;) {
		skip_ws(ps);
		int c = peek(ps);
		if (c < 0)
			return 0;
		if (c == '#') {
			if (skip_comment(ps) < 0)
				return -1;
			continue;
		}
		if (c == '\n' || c == '\r') {
			eat_newline(ps);
			continue;
		}
		if (c == '[') {
			if (parse_header(ps) < 0)
				return -1;
			continue;
		}
		ps->depth = ps->cur_depth;
		if (parse_keyval(ps, ps->cur) < 0 || end_of_line(ps, "a key/value pair") < 0)
			return -1;
	}
}

int sc_toml_parse(const char *data, size_t len, const char *file, struct sc_value **out,
                  struct sc_error **err)
{
	return sc_toml_parse_version(data, len, file, SC_TOML_1_0, out, err);
}

int sc_toml_parse_version(const char *data, size_t len, const char *file,
                          enum sc_toml_version version, struct sc_value **out,
                          struct sc_error **err)
{
	struct parser ps = {
	    .s = data ? data : "",
	    .len = data ? len : 0,
	    .line = 1,
	    .file = sc_intern(file ? file : "<input>"),
	    .v11 = version == SC_TOML_1_1,
	    .err = err,
	};
	_cleanup_value_ struct sc_value *root =
	    sc_value_new(SC_VALUE_TABLE, (struct sc_pos){ps.file, 1, 1});
	ps.root = ps.cur = root;
	int r = check_encoding(&ps);
	if (r >= 0)
		r = parse_document(&ps);
	strbuf_release(&ps.path);
	free(ps.slots);
	if (r < 0)
		return r;
	*out = steal_pointer(&root);
	return 0;
}
