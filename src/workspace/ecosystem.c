/* Finding a project's ecosystems from its files: the scan of its
 * directories and what the detectors of each ecosystem share
 * (ecosystem_rust.c, ecosystem_node.c, ecosystem_python.c, ecosystem_go.c). */
#include "../config/toml.h"
#include "../util/fs.h"
#include "../util/path.h"
#include "ecosystem_detect.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

/* A scan that meets more directories than this stops (and says so). */
#define MAX_DIRS 4000
/* Files larger than this are not read: a real manifest is far smaller. */
#define MAX_FILE (1024 * 1024)

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

/* ---- reading versions ---- */

/* The rule the configuration applies to toolchain versions (config/schema.c). */
bool sc_eco_version_ok(const char *s)
{
	if (!sc_eco_is_alnum(*s) || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!sc_eco_is_alnum(*s) && !strchr("._+~-", *s))
			return false;
	return true;
}

/* The first line that is neither empty nor a comment, trimmed; NULL when none. */
char *sc_eco_first_line(const char *text)
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
size_t sc_eco_numeric_len(const char *p)
{
	size_t n = 0;
	if (!sc_eco_is_digit(p[0]))
		return 0;
	for (;;) {
		while (sc_eco_is_digit(p[n]))
			n++;
		if (p[n] == '.' && sc_eco_is_digit(p[n + 1]))
			n++;
		else
			return n;
	}
}

/* The first `parts` dot-separated parts of a numeric version. */
char *sc_eco_version_parts(const char *v, size_t len, unsigned parts)
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

bool sc_eco_version_is_numeric(const char *s)
{
	return *s && sc_eco_numeric_len(s) == strlen(s);
}

const struct sc_value *sc_eco_tree_get(const struct sc_value *t, const char *dotted)
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

const char *sc_eco_tree_string(const struct sc_value *t, const char *dotted)
{
	const struct sc_value *v = sc_eco_tree_get(t, dotted);
	return v && v->kind == SC_VALUE_STRING && strlen(v->u.str.ptr) == v->u.str.len
	           ? v->u.str.ptr
	           : NULL;
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

bool sc_eco_has(const struct sc_eco_listing *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->files[i], name))
			return true;
	return false;
}

/* "web/.nvmrc", or ".nvmrc" at the root. */
char *sc_eco_rel_file(const struct sc_eco_listing *l, const char *name)
{
	return *l->rel ? xasprintf("%s/%s", l->rel, name) : xstrdup(name);
}

struct sc_eco_project *sc_eco_project_add(struct sc_eco_scan *s, enum sc_eco_kind kind,
                                          const char *rel)
{
	struct sc_ecosystems *e = s->eco;
	e->items = xreallocarray(e->items, e->len + 1, sizeof(*e->items));
	struct sc_eco_project *p = &e->items[e->len++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->dir = xstrdup(rel);
	return p;
}

void sc_eco_note(struct sc_eco_project *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strv_push_take(&p->notes, xvasprintf(fmt, ap));
	va_end(ap);
}

void sc_eco_pin_add(struct sc_eco_project *p, char *version, const char *raw, char *source,
                    bool minimum)
{
	p->pins = xreallocarray(p->pins, p->n_pins + 1, sizeof(*p->pins));
	struct sc_eco_pin *pin = &p->pins[p->n_pins++];
	pin->version = version;
	pin->raw = xstrdup(raw);
	pin->source = source;
	pin->minimum = minimum;
}

void sc_eco_set_tool(struct sc_eco_project *p, const char *tool, const char *source)
{
	if (p->tool)
		return;
	p->tool = xstrdup(tool);
	p->tool_source = xstrdup(source);
}

/* Reads a manifest; NULL when the directory has none, and when it cannot
 * be read (a problem becomes a note of the project). */
char *sc_eco_read_small(const struct sc_eco_listing *l, const char *name, struct sc_eco_project *p)
{
	if (!sc_eco_has(l, name))
		return NULL;
	_cleanup_free_ char *rel = sc_eco_rel_file(l, name);
	char *text = NULL;
	size_t len = 0;
	_cleanup_error_ struct sc_error *err = NULL;
	/* The project's files are the agent's: beneath the root, no link, a
	 * regular file (never a FIFO to block on), at most MAX_FILE. */
	if (fs_read_file_safe(l->root_fd, rel, MAX_FILE, &text, &len, &err) < 0) {
		sc_eco_note(p, "%s", err->msg);
		return NULL;
	}
	if (strlen(text) != len) {
		sc_eco_note(p, "%s: holds NUL bytes, not read", rel);
		free(text);
		return NULL;
	}
	return text;
}

/* Parses a TOML manifest; NULL (and a note) when it does not parse. */
struct sc_value *sc_eco_read_toml(const struct sc_eco_listing *l, const char *name,
                                  struct sc_eco_project *p)
{
	_cleanup_free_ char *text = sc_eco_read_small(l, name, p);
	if (!text)
		return NULL;
	_cleanup_free_ char *rel = sc_eco_rel_file(l, name);
	_cleanup_error_ struct sc_error *err = NULL;
	struct sc_value *tree = NULL;
	if (sc_toml_parse(text, strlen(text), rel, &tree, &err) < 0) {
		sc_eco_note(p, "%s", err->msg);
		return NULL;
	}
	return tree;
}

void sc_eco_push_markers(struct sc_eco_project *p, const struct sc_eco_listing *l,
                         const char *const *names)
{
	for (; *names; names++)
		if (sc_eco_has(l, *names))
			strv_push(&p->markers, *names);
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

static int scan_dir(struct sc_eco_scan *s, const char *rel, unsigned depth, struct sc_error **err)
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

	struct sc_eco_listing l = {files.v, files.len, rel, abs, s->root_fd};
	sc_eco_detect_rust(s, &l);
	sc_eco_detect_node(s, &l);
	sc_eco_detect_python(s, &l);
	sc_eco_detect_go(s, &l);
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
	_cleanup_close_ int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		sc_ecosystems_free(eco);
		return sc_error_set(err, errno, "read the directory `%s`", root);
	}
	struct sc_eco_scan s = {root, eco, 0, root_fd};
	if (scan_dir(&s, "", 0, err) < 0) {
		sc_ecosystems_free(eco);
		return -1;
	}
	*out = eco;
	return 0;
}
