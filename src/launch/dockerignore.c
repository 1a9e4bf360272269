/* The patterns of `.dockerignore`: moby's patternmatcher in C. A pattern
 * compiles to the regular expression moby builds from it (`*` is `[^/]*`,
 * `?` is `[^/]`, `**` any directories (`.*` then `/`, or nothing; `.*` at the end), matched here by
 * a small automaton over the path's characters, without backtracking. */
#include "dockerignore.h"
#include "../util/fs.h"
#include "../util/strbuf.h"
#include "../util/vec.h"

#include <stdint.h>

enum tok_kind { T_LIT, T_ONE, T_CLASS, T_STAR, T_DSTAR_END, T_DSTAR_SLASH };

struct tok {
	enum tok_kind kind;
	uint32_t rune;   /* T_LIT */
	size_t from, to; /* T_CLASS: its runes in the pattern, without `[` `]` */
};

/* moby's match types: a literal pattern compares strings, a leading `**`
 * compares a suffix, a trailing one a prefix, the rest are expressions. */
enum match_kind { M_EXACT, M_PREFIX, M_SUFFIX, M_REGEX };

struct pattern {
	bool exception;
	enum match_kind kind;
	char *text; /* cleaned, without `!` */
	uint32_t *runes;
	size_t n_runes;
	struct tok *toks;
	size_t n_toks;
	bool *st, *in, *next_st, *next_in; /* the automaton's states, n_toks + 1 */
};

struct sc_ignore_patterns {
	struct pattern *items;
	size_t n;
	bool exceptions;
};

/* ---- characters ---- */

/* The next character of `s` as Go decodes it: a byte that starts no valid
 * UTF-8 sequence is U+FFFD and one byte long. */
static size_t next_rune(const unsigned char *s, size_t n, uint32_t *r)
{
	unsigned char c = s[0];
	size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	uint32_t v = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
	if (len == 0 || len > n) {
		*r = 0xfffd;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*r = 0xfffd;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3f);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		*r = 0xfffd;
		return 1;
	}
	*r = v;
	return len;
}

/* The characters of `s`; false when it is not valid UTF-8. */
static bool decode(const char *s, size_t n, uint32_t **out, size_t *count)
{
	uint32_t *r = xcalloc(n + 1, sizeof(*r));
	size_t k = 0;
	bool valid = true;
	for (size_t i = 0; i < n;) {
		size_t len = next_rune((const unsigned char *)s + i, n - i, &r[k]);
		if (r[k] == 0xfffd && len == 1 && (unsigned char)s[i] >= 0x80)
			valid = false;
		i += len;
		k++;
	}
	*out = r;
	*count = k;
	return valid;
}

/* ---- a pattern's syntax: Go's filepath.Match ---- */

/* One character of a class, `\` escaping the next; Go refuses `-` and `]`
 * there, and a class that ends after it. */
static const char *class_char(const uint32_t *r, size_t n, size_t *k)
{
	if (*k >= n)
		return "a `[` is not closed";
	if (r[*k] == '-' || r[*k] == ']')
		return "a `[...]` range starts or ends with `-` or `]` (escape it as `\\-` or "
		       "`\\]`)";
	if (r[*k] == '\\' && ++*k >= n)
		return "a `[` is not closed";
	if (++*k >= n)
		return "a `[` is not closed";
	return NULL;
}

/* What is wrong with the pattern, or NULL: an unclosed or malformed `[`,
 * a `\` at the end. */
static const char *check_syntax(const uint32_t *r, size_t n)
{
	for (size_t k = 0; k < n;) {
		uint32_t c = r[k++];
		if (c == '\\') {
			if (k >= n)
				return "it ends with a `\\` that escapes nothing";
			k++;
		} else if (c == '[') {
			if (k < n && r[k] == '^')
				k++;
			for (size_t nrange = 0;; nrange++) {
				if (k < n && r[k] == ']' && nrange > 0) {
					k++;
					break;
				}
				const char *bad = class_char(r, n, &k);
				if (!bad && r[k] == '-') {
					k++;
					bad = class_char(r, n, &k);
				}
				if (bad)
					return bad;
			}
		}
	}
	return NULL;
}

/* ---- compiling ---- */

static void push_tok(struct pattern *p, enum tok_kind kind, uint32_t rune)
{
	p->toks = xreallocarray(p->toks, p->n_toks + 1, sizeof(*p->toks));
	p->toks[p->n_toks++] = (struct tok){.kind = kind, .rune = rune};
}

/* moby's Pattern.compile, token by token. */
static void compile(struct pattern *p)
{
	const uint32_t *r = p->runes;
	size_t n = p->n_runes;
	p->kind = M_EXACT;
	for (size_t i = 0, k = 0; k < n; i++) {
		uint32_t c = r[k++];
		if (c == '*' && k < n && r[k] == '*') {
			k++;
			if (k < n && r[k] == '/')
				k++;
			if (k == n && p->kind == M_EXACT) {
				p->kind = M_PREFIX;
			} else {
				push_tok(p, k == n ? T_DSTAR_END : T_DSTAR_SLASH, 0);
				p->kind = M_REGEX;
			}
			if (i == 0)
				p->kind = M_SUFFIX;
		} else if (c == '*' || c == '?') {
			push_tok(p, c == '*' ? T_STAR : T_ONE, 0);
			p->kind = M_REGEX;
		} else if (c == '\\') {
			push_tok(p, T_LIT, r[k++]); /* check_syntax: never at the end */
			p->kind = M_REGEX;
		} else if (c == '[') {
			size_t from = k;
			if (k < n && r[k] == '^')
				k++;
			for (bool first = true; r[k] != ']' || first; first = false)
				k += r[k] == '\\' ? 2 : 1;
			push_tok(p, T_CLASS, 0);
			p->toks[p->n_toks - 1].from = from;
			p->toks[p->n_toks - 1].to = k++;
			p->kind = M_REGEX;
		} else {
			push_tok(p, T_LIT, c);
			if (c == ']')
				p->kind = M_REGEX;
		}
	}
	size_t states = p->n_toks + 1;
	p->st = xcalloc(4 * states, sizeof(bool));
	p->in = p->st + states;
	p->next_st = p->in + states;
	p->next_in = p->next_st + states;
}

/* Go's filepath.Clean on a slash-separated path. */
static char *clean_path(const char *s)
{
	bool rooted = *s == '/';
	_cleanup_strvec_ struct strv v = STRV_INIT;
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			if (v.len > 0 && !streq(v.v[v.len - 1], "..")) {
				free(v.v[--v.len]);
				v.v[v.len] = NULL;
				continue;
			}
			if (rooted)
				continue;
		}
		strv_push(&v, c);
	}
	struct strbuf b = STRBUF_INIT;
	if (rooted)
		strbuf_addc(&b, '/');
	for (size_t i = 0; i < v.len; i++)
		strbuf_addf(&b, "%s%s", i ? "/" : "", v.v[i]);
	if (b.len == 0)
		strbuf_addc(&b, '.');
	return strbuf_steal(&b);
}

/* ---- matching ---- */

static bool class_matches(const uint32_t *r, size_t from, size_t to, uint32_t c)
{
	bool negated = from < to && r[from] == '^';
	bool match = false;
	for (size_t k = negated ? from + 1 : from; k < to;) {
		if (r[k] == '\\')
			k++;
		uint32_t lo = r[k++], hi = lo;
		if (k < to && r[k] == '-') {
			k++;
			if (r[k] == '\\')
				k++;
			hi = r[k++];
		}
		if (lo <= c && c <= hi)
			match = true;
	}
	return match != negated;
}

/* The tokens that can match nothing are passed at once; `**` inside also
 * starts its inner `.*`. */
static void close_states(const struct pattern *p, bool *st, bool *in)
{
	for (size_t i = 0; i < p->n_toks; i++) {
		if (!st[i])
			continue;
		enum tok_kind k = p->toks[i].kind;
		if (k == T_STAR || k == T_DSTAR_END || k == T_DSTAR_SLASH)
			st[i + 1] = true;
		if (k == T_DSTAR_SLASH)
			in[i] = true;
	}
}

/* The expression of moby's regexpMatch over the characters of s[0..n). */
static bool regex_matches(const struct pattern *p, const char *s, size_t n)
{
	size_t states = p->n_toks + 1;
	bool *st = p->st, *in = p->in, *nst = p->next_st, *nin = p->next_in;
	memset(st, 0, 2 * states * sizeof(bool));
	st[0] = true;
	close_states(p, st, in);
	for (size_t off = 0; off < n;) {
		uint32_t c;
		off += next_rune((const unsigned char *)s + off, n - off, &c);
		memset(nst, 0, 2 * states * sizeof(bool));
		bool any = false;
		for (size_t i = 0; i < p->n_toks; i++) {
			const struct tok *t = &p->toks[i];
			if (in[i]) {
				if (c != '\n')
					nin[i] = true;
				if (c == '/')
					nst[i + 1] = true;
			}
			if (!st[i])
				continue;
			switch (t->kind) {
			case T_LIT:
				nst[i + 1] |= c == t->rune;
				break;
			case T_ONE:
				nst[i + 1] |= c != '/';
				break;
			case T_CLASS:
				nst[i + 1] |= class_matches(p->runes, t->from, t->to, c);
				break;
			case T_STAR:
				nst[i] |= c != '/';
				break;
			case T_DSTAR_END:
				nst[i] |= c != '\n';
				break;
			case T_DSTAR_SLASH:
				break; /* through `in` */
			}
		}
		close_states(p, nst, nin);
		for (size_t i = 0; i < 2 * states; i++)
			any |= nst[i];
		memcpy(st, nst, 2 * states * sizeof(bool));
		if (!any)
			return false;
	}
	return st[p->n_toks];
}

static bool pattern_matches(const struct pattern *p, const char *s, size_t n)
{
	size_t tl = strlen(p->text);
	switch (p->kind) {
	case M_EXACT:
		return n == tl && memcmp(s, p->text, n) == 0;
	case M_PREFIX:
		return n >= tl - 2 && memcmp(s, p->text, tl - 2) == 0;
	case M_SUFFIX: {
		const char *suffix = p->text + 2;
		size_t sl = tl - 2;
		if (n >= sl && memcmp(s + n - sl, suffix, sl) == 0)
			return true;
		return sl > 0 && suffix[0] == '/' && n == sl - 1 && memcmp(s, suffix + 1, n) == 0;
	}
	case M_REGEX:
		return regex_matches(p, s, n);
	}
	return false;
}

/* The pattern matches `path` or one of its parent directories. */
static bool pattern_matches_or_parent(const struct pattern *p, const char *path)
{
	size_t n = strlen(path);
	if (pattern_matches(p, path, n))
		return true;
	for (size_t i = 0; i < n; i++)
		if (path[i] == '/' && pattern_matches(p, path, i))
			return true;
	return false;
}

bool sc_ignore_excludes(const struct sc_ignore_patterns *ps, const char *path)
{
	bool excluded = false;
	for (size_t i = 0; i < ps->n; i++) {
		const struct pattern *p = &ps->items[i];
		/* Only a pattern that could change the verdict is tried. */
		if (p->exception != excluded)
			continue;
		if (pattern_matches_or_parent(p, path))
			excluded = !p->exception;
	}
	return excluded;
}

static void pattern_release(struct pattern *p)
{
	free(p->text);
	free(p->runes);
	free(p->toks);
	free(p->st);
}

/* Compiles `text` (cleaned, without `!`); NULL, or what is wrong with it. */
static const char *pattern_init(struct pattern *p, const char *text)
{
	*p = (struct pattern){.text = xstrdup(text)};
	if (!decode(text, strlen(text), &p->runes, &p->n_runes))
		return "it is not valid UTF-8";
	const char *bad = check_syntax(p->runes, p->n_runes);
	if (bad)
		return bad;
	compile(p);
	return NULL;
}

bool sc_ignore_may_include_below(const struct sc_ignore_patterns *ps, const char *dir)
{
	size_t depth = 1;
	for (const char *c = dir; *c; c++)
		depth += *c == '/';
	for (size_t i = 0; i < ps->n; i++) {
		const struct pattern *p = &ps->items[i];
		if (!p->exception)
			continue;
		/* `**` and a class (which may hold a `/`) can match at any depth. */
		if (strstr(p->text, "**") || strchr(p->text, '['))
			return true;
		/* Else the pattern matches paths of as many components as it has:
		 * something below `dir` when it has more and its first ones match
		 * `dir`. */
		size_t k = 0, end = 0;
		for (const char *c = p->text; *c && k < depth; c++)
			if (*c == '/' && ++k == depth)
				end = (size_t)(c - p->text);
		if (k < depth)
			continue;
		_cleanup_free_ char *head = xstrndup(p->text, end);
		struct pattern hp;
		bool below =
		    pattern_init(&hp, head) != NULL || pattern_matches(&hp, dir, strlen(dir));
		pattern_release(&hp);
		if (below)
			return true;
	}
	return false;
}

/* ---- the file ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* `s` without the whitespace around it (TrimSpace), in place. */
static char *trim(char *s)
{
	while (is_space(*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One line of the file into `ps`, as docker/cli's ReadAll and moby's New
 * take it. */
static int parse_line(struct sc_ignore_patterns *ps, const char *name, size_t lineno, char *line,
                      struct sc_error **err)
{
	if (*line == '#')
		return 0;
	line = trim(line);
	if (!*line)
		return 0;
	bool exception = *line == '!';
	if (exception)
		line = trim(line + 1);
	if (exception && !*line)
		return sc_error_setx(
		    err, 0,
		    "`%s:%zu`: a `!` alone excludes nothing and Docker refuses it; "
		    "write the path it should take back after it",
		    name, lineno);
	_cleanup_free_ char *clean = clean_path(line);
	const char *text = clean[0] == '/' && clean[1] ? clean + 1 : clean;
	ps->items = xreallocarray(ps->items, ps->n + 1, sizeof(*ps->items));
	struct pattern *p = &ps->items[ps->n];
	const char *bad = pattern_init(p, text);
	p->exception = exception;
	ps->n++;
	if (bad)
		return sc_error_setx(
		    err, 0,
		    "`%s:%zu`: the pattern `%s` is not valid: %s; Docker refuses it "
		    "too, so correct the line",
		    name, lineno, line, bad);
	ps->exceptions |= exception;
	return 0;
}

int sc_ignore_parse(const char *name, const char *text, size_t len, struct sc_ignore_patterns **out,
                    struct sc_error **err)
{
	struct sc_ignore_patterns *ps = xcalloc(1, sizeof(*ps));
	_cleanup_free_ char *copy = xstrndup(text, len);
	char *line = copy;
	/* A UTF-8 byte order mark before the first line is not part of it. */
	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	for (size_t lineno = 1; line; lineno++) {
		char *nl = memchr(line, '\n', (size_t)(copy + len - line));
		if (nl)
			*nl = '\0';
		if (strlen(line) != (size_t)((nl ? nl : copy + len) - line)) {
			sc_ignore_free(ps);
			return sc_error_setx(err, 0, "`%s:%zu` holds a NUL byte; remove it", name,
			                     lineno);
		}
		if (parse_line(ps, name, lineno, line, err) < 0) {
			sc_ignore_free(ps);
			return -1;
		}
		line = nl ? nl + 1 : NULL;
	}
	*out = ps;
	return 0;
}

void sc_ignore_free(struct sc_ignore_patterns *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++)
		pattern_release(&ps->items[i]);
	free(ps->items);
	free(ps);
}

/* ---- a build context's ignore files ---- */

static const char *const ignore_files[] = {".dockerignore", ".containerignore"};

int sc_build_ignore_load(int dirfd, struct sc_build_ignore *out, struct sc_error **err)
{
	*out = (struct sc_build_ignore){0};
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if (fs_read_file_safe_optional(dirfd, ignore_files[i], FS_MAX_CONFIG, &text, &len,
		                               err) < 0 ||
		    (text &&
		     sc_ignore_parse(ignore_files[i], text, len, &out->sets[out->n], err) < 0)) {
			sc_build_ignore_release(out);
			return -1;
		}
		if (text)
			out->n++;
	}
	return 0;
}

void sc_build_ignore_release(struct sc_build_ignore *ig)
{
	for (size_t i = 0; i < ig->n; i++)
		sc_ignore_free(ig->sets[i]);
	*ig = (struct sc_build_ignore){0};
}

enum sc_ignore_verdict sc_build_ignore_check(const struct sc_build_ignore *ig, const char *path,
                                             bool is_dir)
{
	if (ig->n == 0 || streq(path, ignore_files[0]) || streq(path, ignore_files[1]))
		return SC_IGNORE_KEEP;
	for (size_t i = 0; i < ig->n; i++)
		if (!sc_ignore_excludes(ig->sets[i], path))
			return SC_IGNORE_KEEP;
	if (is_dir)
		for (size_t i = 0; i < ig->n; i++)
			if (ig->sets[i]->exceptions &&
			    sc_ignore_may_include_below(ig->sets[i], path))
				return SC_IGNORE_DESCEND;
	return SC_IGNORE_SKIP;
}
