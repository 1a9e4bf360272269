/* Finding a project's ecosystems from its files, and the .sandcage.yml text
 * `sandcage init` suggests for them. */
#include "ecosystem.h"
#include "../config/toml.h"
#include "../plan/image.h"
#include "../util/fs.h"
#include "../util/path.h"
#include "../util/strbuf.h"

#include <dirent.h>
#include <jansson.h>
#include <sys/stat.h>

/* A scan that meets more directories than this stops (and says so). */
#define MAX_DIRS 4000
/* Files larger than this are not read: a real manifest is far smaller. */
#define MAX_FILE (1024 * 1024)
/* The python toolchain installs Debian bookworm's python (see plan/image.c). */
#define PYTHON_TOOLCHAIN "3.11"

static const char *const eco_names[SC_ECO_KINDS] = {"Rust", "Node", "Python", "Go"};
static const char *const eco_keys[SC_ECO_KINDS] = {"rust", "node", "python", "go"};

const char *sc_eco_name(enum sc_eco_kind kind)
{
	return eco_names[kind];
}

const char *sc_eco_toolchain(enum sc_eco_kind kind)
{
	return eco_keys[kind];
}

/* ---- versions ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The rule the configuration applies to toolchain versions (config/schema.c). */
static bool version_ok(const char *s)
{
	if (!is_alnum(*s) || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!is_alnum(*s) && !strchr("._+~-", *s))
			return false;
	return true;
}

/* The first line that is neither empty nor a comment, trimmed; NULL when none. */
static char *first_line(const char *text)
{
	const char *p = text;
	while (*p) {
		const char *end = p + strcspn(p, "\r\n");
		const char *a = p, *b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (a < b && *a != '#')
			return xstrndup(a, (size_t)(b - a));
		p = end + strspn(end, "\r\n");
	}
	return NULL;
}

/* Length of "N(.N)*" at p (a dot counts only when a digit follows it). */
static size_t numeric_len(const char *p)
{
	size_t n = 0;
	if (!is_digit(p[0]))
		return 0;
	for (;;) {
		while (is_digit(p[n]))
			n++;
		if (p[n] == '.' && is_digit(p[n + 1]))
			n++;
		else
			return n;
	}
}

/* The first `parts` dot-separated parts of a numeric version. */
static char *version_parts(const char *v, size_t len, unsigned parts)
{
	size_t n = 0;
	unsigned seen = 1;
	while (n < len && !(v[n] == '.' && seen++ == parts))
		n++;
	return xstrndup(v, n);
}

int sc_eco_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long x = strtoul(a, NULL, 10), y = strtoul(b, NULL, 10);
		if (x != y)
			return x < y ? -1 : 1;
		a += strcspn(a, ".");
		b += strcspn(b, ".");
		if (*a)
			a++;
		if (*b)
			b++;
		if (!*a && *b)
			return -1;
		if (*a && !*b)
			return 1;
	}
	return 0;
}

static bool is_numeric_version(const char *s)
{
	return *s && numeric_len(s) == strlen(s);
}

static const struct {
	const char *name;
	const char *major;
} node_lts[] = {
    {"argon", "4"},   {"boron", "6"},    {"carbon", "8"},   {"dubnium", "10"},
    {"erbium", "12"}, {"fermium", "14"}, {"gallium", "16"}, {"hydrogen", "18"},
    {"iron", "20"},   {"jod", "22"},     {"krypton", "24"},
};

char *sc_eco_node_version(const char *spec, bool *minimum)
{
	*minimum = false;
	_cleanup_free_ char *s = first_line(spec);
	if (!s)
		return NULL;
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (str_has_prefix(s, "lts/")) {
		for (size_t i = 0; i < N_ELEMENTS(node_lts); i++)
			if (streq(s + 4, node_lts[i].name))
				return xstrdup(node_lts[i].major);
		return NULL;
	}

	/* A semver range: alternatives joined by "||", each a list of
	 * comparators. The lower bound of an alternative is what counts, reduced
	 * to its major version; the highest alternative wins. */
	char *best = NULL;
	bool best_min = false;
	char *save = NULL;
	for (char *alt = strtok_r(s, "|", &save); alt; alt = strtok_r(NULL, "|", &save)) {
		char *ver = NULL;
		bool range = false, lower = false;
		size_t comparators = 0;
		char *tsave = NULL;
		for (char *tok = strtok_r(alt, " \t", &tsave); tok;
		     tok = strtok_r(NULL, " \t", &tsave)) {
			if (streq(tok, "-")) {
				range = true;
				continue;
			}
			comparators++;
			size_t op = strspn(tok, "<>=^~");
			const char *rest = tok + op;
			if (*rest == 'v')
				rest++;
			if (memchr(tok, '<', op)) {
				range = true;
				continue;
			}
			if (op > 0 && !(op == 1 && tok[0] == '='))
				range = true;
			if (memchr(tok, '>', op))
				lower = true;
			if (streq(rest, "*") || streq(rest, "x")) {
				range = true;
				continue;
			}
			size_t n = numeric_len(rest);
			if (n == 0 || ver)
				continue;
			if (rest[n] == '.' && (rest[n + 1] == 'x' || rest[n + 1] == '*'))
				range = true;
			else if (rest[n] != '\0')
				continue; /* a prerelease or something else: not a plain version */
			ver = xstrndup(rest, n);
		}
		if (!ver)
			continue;
		if (comparators > 1)
			range = true;
		if (range) {
			char *major = version_parts(ver, strlen(ver), 1);
			free(ver);
			ver = major;
		}
		if (!best || sc_eco_version_cmp(ver, best) > 0) {
			free(best);
			best = ver;
			best_min = lower;
		} else {
			free(ver);
		}
	}
	*minimum = best_min;
	return best;
}

char *sc_eco_python_version(const char *spec, bool *minimum)
{
	*minimum = false;
	_cleanup_free_ char *s = first_line(spec);
	if (!s)
		return NULL;
	char *save = NULL;
	for (char *c = strtok_r(s, ",|", &save); c; c = strtok_r(NULL, ",|", &save)) {
		c += strspn(c, " \t");
		size_t op = strspn(c, "<>=!~^");
		if (c[0] == '<' || c[0] == '!')
			continue;
		const char *rest = c + op;
		rest += strspn(rest, " \t");
		if (op == 0) {
			/* .python-version: "3.12.1", "pypy3.10-7.3", "cpython-3.12". */
			while (*rest && !is_digit(*rest) && *rest != '/')
				rest++;
		}
		size_t n = numeric_len(rest);
		if (n == 0)
			continue;
		*minimum = op > 0 && !(c[0] == '=' && c[1] == '=');
		return version_parts(rest, n, 2);
	}
	return NULL;
}

char *sc_eco_go_version(const char *spec)
{
	_cleanup_free_ char *s = first_line(spec);
	if (!s)
		return NULL;
	const char *p = s;
	if (str_has_prefix(p, "go"))
		p += 2;
	size_t n = numeric_len(p);
	if (n == 0)
		return NULL;
	size_t suffix = n;
	while (is_alnum(p[suffix]))
		suffix++;
	_cleanup_free_ char *v = xstrndup(p, suffix);
	if (!version_ok(v))
		return NULL;
	/* Since Go 1.21 the first release of 1.N is named 1.N.0, and that is the
	 * name of its download. */
	unsigned parts = 1;
	for (size_t i = 0; i < n; i++)
		parts += p[i] == '.';
	if (suffix == n && parts == 2 && strtoul(p, NULL, 10) == 1 &&
	    strtoul(strchr(p, '.') + 1, NULL, 10) >= 21)
		return xasprintf("%s.0", v);
	return steal_pointer(&v);
}

static const struct sc_value *tree_get(const struct sc_value *t, const char *dotted)
{
	_cleanup_free_ char *copy = xstrdup(dotted);
	char *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); k && t; k = strtok_r(NULL, ".", &save)) {
		if (t->kind != SC_VALUE_TABLE)
			return NULL;
		t = sc_table_get(t, k);
	}
	return t;
}

static const char *tree_string(const struct sc_value *t, const char *dotted)
{
	const struct sc_value *v = tree_get(t, dotted);
	return v && v->kind == SC_VALUE_STRING && strlen(v->u.str.ptr) == v->u.str.len
	           ? v->u.str.ptr
	           : NULL;
}

static char *rust_channel_checked(const char *channel)
{
	if (!channel)
		return NULL;
	_cleanup_free_ char *c = first_line(channel);
	if (!c || !version_ok(c))
		return NULL;
	return steal_pointer(&c);
}

char *sc_eco_rust_channel(const char *text, bool toml)
{
	if (!toml)
		return rust_channel_checked(text);
	_cleanup_value_ struct sc_value *tree = NULL;
	if (sc_toml_parse(text, strlen(text), "rust-toolchain.toml", &tree, NULL) < 0)
		return NULL;
	return rust_channel_checked(tree_string(tree, "toolchain.channel"));
}

/* ---- detection ---- */

static void project_release(struct sc_eco_project *p)
{
	free(p->dir);
	strv_release(&p->markers);
	free(p->tool);
	free(p->tool_source);
	for (size_t i = 0; i < p->n_pins; i++) {
		free(p->pins[i].version);
		free(p->pins[i].raw);
		free(p->pins[i].source);
	}
	free(p->pins);
	strv_release(&p->notes);
}

void sc_ecosystems_free(struct sc_ecosystems *eco)
{
	if (!eco)
		return;
	for (size_t i = 0; i < eco->len; i++)
		project_release(&eco->items[i]);
	free(eco->items);
	free(eco);
}

struct scan {
	const char *root;
	struct sc_ecosystems *eco;
	size_t dirs;
};

/* What one directory holds: its regular files, sorted. */
struct listing {
	char **files;
	size_t n;
	const char *rel; /* relative to the root, "" for it */
	const char *abs;
};

static bool has(const struct listing *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->files[i], name))
			return true;
	return false;
}

static bool is_requirements(const char *name)
{
	size_t n = strlen(name);
	return str_has_prefix(name, "requirements") && n > 4 && streq(name + n - 4, ".txt");
}

/* "web/.nvmrc", or ".nvmrc" at the root. */
static char *rel_file(const struct listing *l, const char *name)
{
	return *l->rel ? xasprintf("%s/%s", l->rel, name) : xstrdup(name);
}

static struct sc_eco_project *project_add(struct scan *s, enum sc_eco_kind kind, const char *rel)
{
	struct sc_ecosystems *e = s->eco;
	e->items = xreallocarray(e->items, e->len + 1, sizeof(*e->items));
	struct sc_eco_project *p = &e->items[e->len++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->dir = xstrdup(rel);
	return p;
}

static void note(struct sc_eco_project *p, const char *fmt, ...) _printf_(2, 3);
static void note(struct sc_eco_project *p, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	strv_push_take(&p->notes, s);
}

static void pin_add(struct sc_eco_project *p, char *version, const char *raw, char *source,
                    bool minimum)
{
	p->pins = xreallocarray(p->pins, p->n_pins + 1, sizeof(*p->pins));
	struct sc_eco_pin *pin = &p->pins[p->n_pins++];
	pin->version = version;
	pin->raw = xstrdup(raw);
	pin->source = source;
	pin->minimum = minimum;
}

static void set_tool(struct sc_eco_project *p, const char *tool, const char *source)
{
	if (p->tool)
		return;
	p->tool = xstrdup(tool);
	p->tool_source = xstrdup(source);
}

/* Reads a manifest; a problem becomes a note of the project. */
static char *read_small(const struct listing *l, const char *name, struct sc_eco_project *p)
{
	_cleanup_free_ char *path = path_join(l->abs, name);
	_cleanup_free_ char *rel = rel_file(l, name);
	struct stat st;
	if (stat(path, &st) < 0) {
		note(p, "%s: %s", rel, strerror(errno));
		return NULL;
	}
	if (st.st_size > MAX_FILE) {
		note(p, "%s: larger than 1 MiB, not read", rel);
		return NULL;
	}
	char *text = NULL;
	size_t len = 0;
	_cleanup_error_ struct sc_error *err = NULL;
	if (fs_read_file(path, &text, &len, &err) < 0) {
		note(p, "%s", err->msg);
		return NULL;
	}
	if (strlen(text) != len) {
		note(p, "%s: holds NUL bytes, not read", rel);
		free(text);
		return NULL;
	}
	return text;
}

/* Parses a TOML manifest; NULL (and a note) when it does not parse. */
static struct sc_value *read_toml(const struct listing *l, const char *name,
                                  struct sc_eco_project *p)
{
	_cleanup_free_ char *text = read_small(l, name, p);
	if (!text)
		return NULL;
	_cleanup_free_ char *rel = rel_file(l, name);
	_cleanup_error_ struct sc_error *err = NULL;
	struct sc_value *tree = NULL;
	if (sc_toml_parse(text, strlen(text), rel, &tree, &err) < 0) {
		note(p, "%s", err->msg);
		return NULL;
	}
	return tree;
}

static void push_markers(struct sc_eco_project *p, const struct listing *l,
                         const char *const *names)
{
	for (; *names; names++)
		if (has(l, *names))
			strv_push(&p->markers, *names);
}

static void detect_rust(struct scan *s, const struct listing *l)
{
	static const char *const markers[] = {"Cargo.toml", "rust-toolchain.toml", "rust-toolchain",
	                                      NULL};
	if (!has(l, "Cargo.toml") && !has(l, "rust-toolchain.toml") && !has(l, "rust-toolchain"))
		return;
	struct sc_eco_project *p = project_add(s, SC_ECO_RUST, l->rel);
	push_markers(p, l, markers);
	static const char *const files[] = {"rust-toolchain.toml", "rust-toolchain", NULL};
	for (const char *const *f = files; *f; f++) {
		if (!has(l, *f))
			continue;
		_cleanup_free_ char *text = read_small(l, *f, p);
		if (!text)
			continue;
		bool toml = streq(*f, "rust-toolchain.toml") || strchr(text, '[');
		_cleanup_value_ struct sc_value *tree = NULL;
		const char *raw = NULL;
		_cleanup_free_ char *line = NULL;
		if (toml) {
			_cleanup_free_ char *rel = rel_file(l, *f);
			_cleanup_error_ struct sc_error *err = NULL;
			if (sc_toml_parse(text, strlen(text), rel, &tree, &err) < 0) {
				note(p, "%s", err->msg);
				continue;
			}
			raw = tree_string(tree, "toolchain.channel");
		} else {
			raw = line = first_line(text);
		}
		if (!raw)
			continue;
		char *channel = rust_channel_checked(raw);
		if (!channel) {
			_cleanup_free_ char *rel = rel_file(l, *f);
			note(p, "%s: channel `%.40s` is not a version sandcage can use", rel, raw);
			continue;
		}
		pin_add(p, channel, raw, rel_file(l, *f), false);
	}
	if (has(l, "Cargo.toml")) {
		_cleanup_value_ struct sc_value *tree = read_toml(l, "Cargo.toml", p);
		_cleanup_free_ char *rel = rel_file(l, "Cargo.toml");
		const char *msrv = tree ? tree_string(tree, "package.rust-version") : NULL;
		if (tree && !msrv)
			msrv = tree_string(tree, "workspace.package.rust-version");
		size_t n = msrv ? numeric_len(msrv) : 0;
		if (n > 0 && msrv[n] == '\0')
			pin_add(p, xstrdup(msrv), msrv, xasprintf("%s rust-version", rel), true);
	}
}

static void node_pin_file(struct sc_eco_project *p, const struct listing *l, const char *name)
{
	if (!has(l, name))
		return;
	_cleanup_free_ char *text = read_small(l, name, p);
	_cleanup_free_ char *raw = text ? first_line(text) : NULL;
	if (!raw)
		return;
	bool minimum = false;
	char *v = sc_eco_node_version(raw, &minimum);
	_cleanup_free_ char *rel = rel_file(l, name);
	if (!v) {
		note(p, "%s: `%.40s` names no fixed version", rel, raw);
		return;
	}
	pin_add(p, v, raw, steal_pointer(&rel), minimum);
}

static void detect_node(struct scan *s, const struct listing *l)
{
	static const char *const markers[] = {
	    "package.json",      ".nvmrc",         ".node-version",
	    "package-lock.json", "pnpm-lock.yaml", "yarn.lock",
	    "bun.lock",          "bun.lockb",      NULL};
	if (!has(l, "package.json") && !has(l, ".nvmrc") && !has(l, ".node-version"))
		return;
	struct sc_eco_project *p = project_add(s, SC_ECO_NODE, l->rel);
	push_markers(p, l, markers);
	node_pin_file(p, l, ".nvmrc");
	node_pin_file(p, l, ".node-version");
	if (has(l, "package.json")) {
		_cleanup_free_ char *text = read_small(l, "package.json", p);
		json_error_t jerr;
		json_t *pkg = text ? json_loads(text, JSON_REJECT_DUPLICATES, &jerr) : NULL;
		_cleanup_free_ char *rel = rel_file(l, "package.json");
		if (text && !pkg)
			note(p, "%s:%d: invalid JSON: %s", rel, jerr.line, jerr.text);
		const char *engine =
		    json_string_value(json_object_get(json_object_get(pkg, "engines"), "node"));
		if (engine) {
			bool minimum = false;
			char *v = sc_eco_node_version(engine, &minimum);
			if (v)
				pin_add(p, v, engine, xasprintf("%s engines.node", rel), minimum);
			else
				note(p, "%s: engines.node `%.40s` names no version", rel, engine);
		}
		const char *pm = json_string_value(json_object_get(pkg, "packageManager"));
		if (pm && *pm) {
			_cleanup_free_ char *name = xstrndup(pm, strcspn(pm, "@"));
			_cleanup_free_ char *src = xasprintf("packageManager \"%.60s\"", pm);
			if (*name)
				set_tool(p, name, src);
		}
		json_decref(pkg);
	}
	static const char *const locks[][2] = {
	    {"pnpm-lock.yaml", "pnpm"}, {"yarn.lock", "yarn"},        {"bun.lock", "bun"},
	    {"bun.lockb", "bun"},       {"package-lock.json", "npm"},
	};
	for (size_t i = 0; i < N_ELEMENTS(locks); i++)
		if (has(l, locks[i][0]))
			set_tool(p, locks[i][1], locks[i][0]);
}

static void python_pin(struct sc_eco_project *p, const struct listing *l, const char *file,
                       const char *what, const char *raw)
{
	bool minimum = false;
	char *v = sc_eco_python_version(raw, &minimum);
	_cleanup_free_ char *rel = rel_file(l, file);
	if (!v) {
		note(p, "%s%s%s: `%.40s` names no version", rel, *what ? " " : "", what, raw);
		return;
	}
	pin_add(p, v, raw, *what ? xasprintf("%s %s", rel, what) : steal_pointer(&rel), minimum);
}

static void detect_python(struct scan *s, const struct listing *l)
{
	static const char *const markers[] = {
	    "pyproject.toml", "setup.py",    "Pipfile", ".python-version",
	    "uv.lock",        "poetry.lock", NULL};
	bool requirements = false;
	for (size_t i = 0; i < l->n; i++)
		requirements = requirements || is_requirements(l->files[i]);
	bool found = requirements;
	for (const char *const *m = markers; *m && !found; m++)
		found = has(l, *m);
	if (!found)
		return;
	struct sc_eco_project *p = project_add(s, SC_ECO_PYTHON, l->rel);
	push_markers(p, l, markers);
	for (size_t i = 0; i < l->n; i++)
		if (is_requirements(l->files[i]))
			strv_push(&p->markers, l->files[i]);

	if (has(l, ".python-version")) {
		_cleanup_free_ char *text = read_small(l, ".python-version", p);
		_cleanup_free_ char *raw = text ? first_line(text) : NULL;
		if (raw)
			python_pin(p, l, ".python-version", "", raw);
	}
	if (has(l, "pyproject.toml")) {
		_cleanup_value_ struct sc_value *tree = read_toml(l, "pyproject.toml", p);
		const char *req = tree ? tree_string(tree, "project.requires-python") : NULL;
		if (req)
			python_pin(p, l, "pyproject.toml", "requires-python", req);
		const char *poetry =
		    tree ? tree_string(tree, "tool.poetry.dependencies.python") : NULL;
		if (poetry)
			python_pin(p, l, "pyproject.toml", "tool.poetry python", poetry);
		if (tree && tree_get(tree, "tool.uv"))
			set_tool(p, "uv", "pyproject.toml [tool.uv]");
		if (tree && tree_get(tree, "tool.poetry"))
			set_tool(p, "poetry", "pyproject.toml [tool.poetry]");
	}
	if (has(l, "Pipfile")) {
		_cleanup_value_ struct sc_value *tree = read_toml(l, "Pipfile", p);
		const char *v = tree ? tree_string(tree, "requires.python_version") : NULL;
		if (v)
			python_pin(p, l, "Pipfile", "python_version", v);
	}
	static const char *const locks[][2] = {
	    {"uv.lock", "uv"},     {"poetry.lock", "poetry"}, {"Pipfile.lock", "pipenv"},
	    {"Pipfile", "pipenv"}, {"pdm.lock", "pdm"},
	};
	/* A lock file says more than a [tool] table: it is what was used last. */
	char *tool = steal_pointer(&p->tool), *tool_source = steal_pointer(&p->tool_source);
	for (size_t i = 0; i < N_ELEMENTS(locks); i++)
		if (has(l, locks[i][0]))
			set_tool(p, locks[i][1], locks[i][0]);
	if (!p->tool) {
		p->tool = tool;
		p->tool_source = tool_source;
	} else {
		free(tool);
		free(tool_source);
	}
}

static void detect_go(struct scan *s, const struct listing *l)
{
	static const char *const markers[] = {"go.mod", "go.work", NULL};
	if (!has(l, "go.mod") && !has(l, "go.work"))
		return;
	struct sc_eco_project *p = project_add(s, SC_ECO_GO, l->rel);
	push_markers(p, l, markers);
	for (const char *const *f = markers; *f; f++) {
		if (!has(l, *f))
			continue;
		_cleanup_free_ char *text = read_small(l, *f, p);
		if (!text)
			continue;
		char *save = NULL;
		for (char *line = strtok_r(text, "\r\n", &save); line;
		     line = strtok_r(NULL, "\r\n", &save)) {
			line[strcspn(line, "/")] =
			    '\0'; /* comments; no directive we read has a slash */
			line += strspn(line, " \t");
			size_t end = strlen(line);
			while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
				line[--end] = '\0';
			bool go = str_has_prefix(line, "go ") || str_has_prefix(line, "go\t");
			bool tc = str_has_prefix(line, "toolchain ") ||
			          str_has_prefix(line, "toolchain\t");
			if (!go && !tc)
				continue;
			const char *arg = line + (go ? 2 : 9);
			arg += strspn(arg, " \t");
			char *v = sc_eco_go_version(arg);
			_cleanup_free_ char *rel = rel_file(l, *f);
			if (!v) {
				note(p, "%s: `%.40s` names no version", rel, line);
				continue;
			}
			_cleanup_free_ char *raw = xasprintf("%s %s", go ? "go" : "toolchain", arg);
			pin_add(p, v, raw, steal_pointer(&rel), go);
		}
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool skipped_dir(const char *name)
{
	static const char *const skip[] = {"node_modules", "target",      "vendor", "dist",
	                                   "build",        "__pycache__", NULL};
	if (name[0] == '.')
		return true; /* .git, .venv, caches of tools */
	for (const char *const *s = skip; *s; s++)
		if (streq(name, *s))
			return true;
	return false;
}

static int scan_dir(struct scan *s, const char *rel, unsigned depth, struct sc_error **err)
{
	_cleanup_free_ char *abs = *rel ? path_join(s->root, rel) : xstrdup(s->root);
	DIR *d = opendir(abs);
	if (!d) {
		if (depth == 0)
			return sc_error_set(err, errno, "read the directory `%s`", abs);
		return 0; /* an unreadable subdirectory is not the project's */
	}
	struct strv files = STRV_INIT, dirs = STRV_INIT;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		unsigned char type = e->d_type;
		if (type == DT_UNKNOWN || type == DT_LNK) {
			_cleanup_free_ char *p = path_join(abs, e->d_name);
			struct stat st;
			/* Files may be links; directories are followed only when real,
			 * so that a link cannot lead the scan in circles. */
			if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
				type = DT_DIR;
			else if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
				type = DT_REG;
			else
				continue;
		}
		if (type == DT_REG)
			strv_push(&files, e->d_name);
		else if (type == DT_DIR && !skipped_dir(e->d_name))
			strv_push(&dirs, e->d_name);
	}
	closedir(d);
	if (files.len)
		qsort(files.v, files.len, sizeof(char *), cmp_str);
	if (dirs.len)
		qsort(dirs.v, dirs.len, sizeof(char *), cmp_str);

	struct listing l = {files.v, files.len, rel, abs};
	detect_rust(s, &l);
	detect_node(s, &l);
	detect_python(s, &l);
	detect_go(s, &l);
	strv_release(&files);

	for (size_t i = 0; i < dirs.len && depth < SC_ECO_MAX_DEPTH; i++) {
		if (s->dirs >= MAX_DIRS) {
			s->eco->truncated = true;
			break;
		}
		s->dirs++;
		_cleanup_free_ char *child =
		    *rel ? xasprintf("%s/%s", rel, dirs.v[i]) : xstrdup(dirs.v[i]);
		scan_dir(s, child, depth + 1, NULL);
	}
	strv_release(&dirs);
	return 0;
}

int sc_ecosystem_detect(const char *root, struct sc_ecosystems **out, struct sc_error **err)
{
	struct sc_ecosystems *eco = xcalloc(1, sizeof(*eco));
	struct scan s = {root, eco, 0};
	if (scan_dir(&s, "", 0, err) < 0) {
		sc_ecosystems_free(eco);
		return -1;
	}
	*out = eco;
	return 0;
}

/* ---- the YAML text ---- */

#define WRAP 88

/* Text from files goes into comments: control characters and bytes that
 * are not UTF-8 would break the YAML, so they become '?'. */
static void add_clean(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = *p < 0x80             ? 1
		           : (*p & 0xe0) == 0xc0 ? 2
		           : (*p & 0xf0) == 0xe0 ? 3
		           : (*p & 0xf8) == 0xf0 ? 4
		                                 : 0;
		bool ok = n > 0 && !(n == 1 && (*p < 0x20 || *p == 0x7f)) && !(n == 2 && *p < 0xc2);
		for (size_t i = 1; ok && i < n; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (!ok) {
			strbuf_addc(sb, '?');
			p++;
			continue;
		}
		strbuf_add(sb, p, n);
		p += n;
	}
}

/* A comment, wrapped at WRAP columns, each line starting with `indent# `. */
static void comment(struct strbuf *sb, const char *indent, const char *text)
{
	_cleanup_strbuf_ struct strbuf clean = STRBUF_INIT;
	add_clean(&clean, text);
	const char *p = strbuf_str(&clean);
	size_t width = WRAP - strlen(indent) - 2;
	while (*p) {
		size_t len = strlen(p);
		size_t cut = len;
		if (len > width) {
			cut = width;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = strcspn(p, " ");
		}
		strbuf_addf(sb, "%s# %.*s\n", indent, (int)cut, p);
		p += cut;
		p += strspn(p, " ");
	}
}

static void commentf(struct strbuf *sb, const char *indent, const char *fmt, ...) _printf_(3, 4);
static void commentf(struct strbuf *sb, const char *indent, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	comment(sb, indent, s);
	free(s);
}

/* "web" -> "web/", the root -> "the root". */
static const char *where(const struct sc_eco_project *p, char buf[], size_t size)
{
	if (!*p->dir)
		return "The root";
	snprintf(buf, size, "%s/", p->dir);
	return buf;
}

struct choice {
	bool present;
	const char *version;          /* the suggestion */
	const struct sc_eco_pin *pin; /* what chose it; NULL: a default */
	const char *default_why;
};

static struct choice choose(const struct sc_ecosystems *eco, enum sc_eco_kind kind)
{
	struct choice c = {0};
	bool all_numeric = true;
	const struct sc_eco_pin *first = NULL, *best = NULL;
	for (size_t i = 0; i < eco->len; i++) {
		const struct sc_eco_project *p = &eco->items[i];
		if (p->kind != kind)
			continue;
		c.present = true;
		for (size_t j = 0; j < p->n_pins; j++) {
			const struct sc_eco_pin *pin = &p->pins[j];
			/* Rust: a rust-version is the oldest compiler a crate
			 * supports; stable is newer. */
			if (kind == SC_ECO_RUST && pin->minimum)
				continue;
			if (!first)
				first = pin;
			all_numeric = all_numeric && is_numeric_version(pin->version);
			if (is_numeric_version(pin->version) &&
			    (!best || sc_eco_version_cmp(pin->version, best->version) > 0))
				best = pin;
		}
	}
	/* The highest of the versions pinned, so that every part of a
	 * monorepo gets one at least as new as it asks for; when a pin is a
	 * name (a channel such as "nightly"), the first one. */
	c.pin = all_numeric ? best : first;
	switch (kind) {
	case SC_ECO_RUST:
		c.default_why = "no rust-toolchain file pins a version: the stable channel";
		if (!c.pin)
			c.version = "stable";
		break;
	case SC_ECO_NODE:
		c.default_why = "no version is pinned (.nvmrc, .node-version or engines.node in "
		                "package.json): " SC_DEFAULT_NODE ", sandcage's default";
		if (!c.pin)
			c.version = SC_DEFAULT_NODE;
		break;
	case SC_ECO_PYTHON:
		/* The toolchain has one version; the comment says how it relates
		 * to what the project asks for. */
		c.pin = NULL;
		c.version = PYTHON_TOOLCHAIN;
		c.default_why = "the python toolchain installs Debian's python " PYTHON_TOOLCHAIN
		                " (the only version it offers)";
		break;
	case SC_ECO_GO:
		c.default_why =
		    "go.mod names no go version: Debian's Go (\"system\"); pin a release "
		    "such as \"1.23.0\" instead";
		if (!c.pin)
			c.version = "system";
		break;
	}
	if (c.pin)
		c.version = c.pin->version;
	return c;
}

/* Whether the python toolchain's version is what `pin` asks for. */
static bool python_fits(const struct sc_eco_pin *pin)
{
	if (pin->minimum)
		return sc_eco_version_cmp(pin->version, PYTHON_TOOLCHAIN) <= 0;
	return streq(pin->version, PYTHON_TOOLCHAIN) || streq(pin->version, "3");
}

/* What a pin that did not choose the version adds to the comment. */
static const char *pin_remark(enum sc_eco_kind kind, const struct sc_eco_pin *pin)
{
	if (kind == SC_ECO_RUST && pin->minimum)
		return " (the oldest Rust it supports)";
	if (kind == SC_ECO_GO && pin->minimum)
		return " (the oldest Go it builds with)";
	return "";
}

static void toolchain_comment(struct strbuf *sb, const struct sc_ecosystems *eco,
                              enum sc_eco_kind kind, const struct choice *c)
{
	_cleanup_strbuf_ struct strbuf t = STRBUF_INIT;
	strbuf_addf(&t, "%s:", sc_eco_name(kind));
	if (c->pin) {
		strbuf_addf(&t, " %s says \"%s\"", c->pin->source, c->pin->raw);
		if (!streq(c->pin->raw, c->version))
			strbuf_addf(&t, ", so \"%s\"", c->version);
		strbuf_adds(&t, ".");
	} else {
		strbuf_addf(&t, " %s.", c->default_why);
	}

	/* The other versions the project names. */
	size_t others = 0;
	bool misfit = false;
	for (size_t i = 0; i < eco->len; i++) {
		const struct sc_eco_project *p = &eco->items[i];
		if (p->kind != kind)
			continue;
		for (size_t j = 0; j < p->n_pins; j++) {
			const struct sc_eco_pin *pin = &p->pins[j];
			if (pin == c->pin)
				continue;
			misfit = misfit || (kind == SC_ECO_PYTHON && !python_fits(pin));
			if (others++ >= 6)
				continue;
			strbuf_addf(&t, "%s %s says \"%s\"%s", others == 1 ? "" : ";", pin->source,
			            pin->raw, pin_remark(kind, pin));
		}
	}
	if (others > 6)
		strbuf_addf(&t, "; and %zu more", others - 6);
	if (others)
		strbuf_adds(&t, ".");
	if (kind == SC_ECO_PYTHON && misfit)
		strbuf_addf(&t,
		            " %s does not satisfy all of that: use a tool that brings its own "
		            "python inside (`uv python install`, pyenv), or your own "
		            "image.dockerfile.",
		            PYTHON_TOOLCHAIN);
	else if (kind == SC_ECO_PYTHON && others)
		strbuf_addf(&t, " %s fits.", PYTHON_TOOLCHAIN);

	for (size_t i = 0; i < eco->len; i++) {
		const struct sc_eco_project *p = &eco->items[i];
		if (p->kind != kind || !p->tool)
			continue;
		char buf[300];
		const char *w = where(p, buf, sizeof(buf));
		if (streq(p->tool, "pnpm") || streq(p->tool, "yarn") || streq(p->tool, "bun"))
			strbuf_addf(&t,
			            " %s uses %s (%s): the node toolchain brings npm only; `npx "
			            "%s` runs it.",
			            w, p->tool, p->tool_source, p->tool);
		else if (streq(p->tool, "uv") || streq(p->tool, "poetry") ||
		         streq(p->tool, "pdm") || streq(p->tool, "pipenv"))
			strbuf_addf(&t,
			            " %s uses %s (%s), which the toolchain does not install: `pip "
			            "install --user --break-system-packages %s` inside puts it in "
			            "the home volume.",
			            w, p->tool, p->tool_source, p->tool);
	}
	comment(sb, "  ", strbuf_str(&t));
}

struct pkg_reason {
	const char *pkg;
	enum sc_eco_kind kind;
	const char *why;
};

static const struct pkg_reason pkg_reasons[] = {
    {"build-essential", SC_ECO_RUST, "crates that compile C code"},
    {"pkg-config", SC_ECO_RUST, "-sys crates that look for system libraries"},
    {"libssl-dev", SC_ECO_RUST, "openssl-sys, which reqwest and native-tls use"},
    {"build-essential", SC_ECO_NODE, "native addons built by node-gyp"},
    {"python3", SC_ECO_NODE, "node-gyp"},
    {"build-essential", SC_ECO_PYTHON, "C extensions built from source"},
    {"python3-dev", SC_ECO_PYTHON, "C extensions built from source"},
    {"build-essential", SC_ECO_GO, "cgo and `go test -race`"},
};

static const char *const pkg_what[][2] = {
    {"build-essential", "C/C++ compiler and make"},
    {"pkg-config", "finds system libraries"},
    {"libssl-dev", "OpenSSL headers"},
    {"python3", "Python 3"},
    {"python3-dev", "Python headers"},
};

static void render_found(struct strbuf *sb, const struct sc_ecosystems *eco)
{
	strbuf_adds(sb, "#\n# What `sandcage init` found:\n");
	size_t shown = 0;
	for (size_t i = 0; i < eco->len; i++) {
		const struct sc_eco_project *p = &eco->items[i];
		if (shown++ >= 20)
			continue;
		_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "  %-7s", sc_eco_name(p->kind));
		if (*p->dir)
			strbuf_addf(&line, "%s/: ", p->dir);
		for (size_t j = 0; j < p->markers.len; j++)
			strbuf_addf(&line, "%s%s", j ? ", " : "", p->markers.v[j]);
		comment(sb, "", strbuf_str(&line));
	}
	if (shown > 20)
		commentf(sb, "", "  and %zu more", shown - 20);
	if (eco->truncated)
		comment(sb, "",
		        "  (the scan stopped after "
		        "4000 directories)");
	for (size_t i = 0; i < eco->len; i++)
		for (size_t j = 0; j < eco->items[i].notes.len; j++)
			commentf(sb, "", "  not read: %s", eco->items[i].notes.v[j]);
}

char *sc_ecosystem_render_yaml(const struct sc_ecosystems *eco)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "# sandcage: what this project needs in the containers agents run in.\n"
	                 "# Written by `sandcage init`: edit it and commit it. Your own settings\n"
	                 "# for this project go in .sandcage.local.yml (not committed).\n"
	                 "# Every key is described in sandcage's docs/configuration.md;\n"
	                 "# `sandcage config` shows the result of all layers.\n");

	if (eco->len == 0) {
		strbuf_adds(&sb,
		            "#\n"
		            "# `sandcage init` found no Rust, Node, Python or Go project here (it "
		            "looks for\n"
		            "# Cargo.toml, package.json, pyproject.toml, requirements*.txt, go.mod "
		            "and more,\n"
		            "# up to 3 directories deep). Uncomment what the project needs:\n"
		            "#\n"
		            "# toolchains:\n"
		            "#   node: \"" SC_DEFAULT_NODE "\"\n"
		            "#   python: \"" PYTHON_TOOLCHAIN "\"\n"
		            "#   rust: \"stable\"\n"
		            "#   go: \"1.23.0\"\n"
		            "# packages+: [build-essential]\n");
		if (eco->truncated)
			comment(&sb, "", "(the scan stopped after 4000 directories)");
		return strbuf_steal(&sb);
	}

	render_found(&sb, eco);

	strbuf_adds(&sb, "\n# Toolchains installed in the image, with the version each part of "
	                 "the project asks for.\ntoolchains:\n");
	bool present[SC_ECO_KINDS] = {false};
	for (int k = 0; k < SC_ECO_KINDS; k++) {
		struct choice c = choose(eco, (enum sc_eco_kind)k);
		if (!c.present)
			continue;
		present[k] = true;
		toolchain_comment(&sb, eco, (enum sc_eco_kind)k, &c);
		strbuf_addf(&sb, "  %s: \"%s\"\n", sc_eco_toolchain((enum sc_eco_kind)k),
		            c.version);
	}

	strbuf_adds(&sb, "\n# Debian packages these ecosystems usually need. `packages+` adds them "
	                 "to the\n# packages of your global configuration (`packages:` would "
	                 "replace those).\npackages+:\n");
	for (size_t w = 0; w < N_ELEMENTS(pkg_what); w++) {
		const char *pkg = pkg_what[w][0];
		_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
		for (size_t i = 0; i < N_ELEMENTS(pkg_reasons); i++) {
			const struct pkg_reason *r = &pkg_reasons[i];
			if (!streq(r->pkg, pkg) || !present[r->kind])
				continue;
			strbuf_addf(&why, "%s%s (%s)", why.len ? ", " : "", sc_eco_name(r->kind),
			            r->why);
		}
		if (!why.len)
			continue;
		commentf(&sb, "  ", "%s, for %s", pkg_what[w][1], strbuf_str(&why));
		strbuf_addf(&sb, "  - %s\n", pkg);
	}
	return strbuf_steal(&sb);
}
