/* Python: pyproject.toml, requirements*.txt, .python-version, Pipfile and
 * lock files, and the version specifiers they name. */
#include "ecosystem_detect.h"

char *sc_eco_python_version(const char *spec, bool *minimum)
{
	*minimum = false;
	_cleanup_free_ char *s = sc_eco_first_line(spec);
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
			while (*rest && !sc_eco_is_digit(*rest) && *rest != '/')
				rest++;
		}
		size_t n = sc_eco_numeric_len(rest);
		if (n == 0)
			continue;
		*minimum = op > 0 && !(c[0] == '=' && c[1] == '=');
		return sc_eco_version_parts(rest, n, 2);
	}
	return NULL;
}

static bool is_requirements(const char *name)
{
	size_t n = strlen(name);
	return str_has_prefix(name, "requirements") && n > 4 && streq(name + n - 4, ".txt");
}

static void python_pin(struct sc_eco_project *p, const struct sc_eco_listing *l, const char *file,
                       const char *what, const char *raw)
{
	bool minimum = false;
	char *v = sc_eco_python_version(raw, &minimum);
	_cleanup_free_ char *rel = sc_eco_rel_file(l, file);
	if (!v) {
		sc_eco_note(p, "%s%s%s: `%.40s` names no version", rel, *what ? " " : "", what,
		            raw);
		return;
	}
	sc_eco_pin_add(p, v, raw, *what ? xasprintf("%s %s", rel, what) : steal_pointer(&rel),
	               minimum);
}

void sc_eco_detect_python(struct sc_eco_scan *s, const struct sc_eco_listing *l)
{
	static const char *const markers[] = {
	    "pyproject.toml", "setup.py",    "Pipfile", ".python-version",
	    "uv.lock",        "poetry.lock", NULL};
	bool requirements = false;
	for (size_t i = 0; i < l->n; i++)
		requirements = requirements || is_requirements(l->files[i]);
	bool found = requirements;
	for (const char *const *m = markers; *m && !found; m++)
		found = sc_eco_has(l, *m);
	if (!found)
		return;
	struct sc_eco_project *p = sc_eco_project_add(s, SC_ECO_PYTHON, l->rel);
	sc_eco_push_markers(p, l, markers);
	for (size_t i = 0; i < l->n; i++)
		if (is_requirements(l->files[i]))
			strv_push(&p->markers, l->files[i]);

	if (sc_eco_has(l, ".python-version")) {
		_cleanup_free_ char *text = sc_eco_read_small(l, ".python-version", p);
		_cleanup_free_ char *raw = text ? sc_eco_first_line(text) : NULL;
		if (raw)
			python_pin(p, l, ".python-version", "", raw);
	}
	if (sc_eco_has(l, "pyproject.toml")) {
		_cleanup_value_ struct sc_value *tree = sc_eco_read_toml(l, "pyproject.toml", p);
		const char *req = tree ? sc_eco_tree_string(tree, "project.requires-python") : NULL;
		if (req)
			python_pin(p, l, "pyproject.toml", "requires-python", req);
		const char *poetry =
		    tree ? sc_eco_tree_string(tree, "tool.poetry.dependencies.python") : NULL;
		if (poetry)
			python_pin(p, l, "pyproject.toml", "tool.poetry python", poetry);
		if (tree && sc_eco_tree_get(tree, "tool.uv"))
			sc_eco_set_tool(p, "uv", "pyproject.toml [tool.uv]");
		if (tree && sc_eco_tree_get(tree, "tool.poetry"))
			sc_eco_set_tool(p, "poetry", "pyproject.toml [tool.poetry]");
	}
	if (sc_eco_has(l, "Pipfile")) {
		_cleanup_value_ struct sc_value *tree = sc_eco_read_toml(l, "Pipfile", p);
		const char *v = tree ? sc_eco_tree_string(tree, "requires.python_version") : NULL;
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
		if (sc_eco_has(l, locks[i][0]))
			sc_eco_set_tool(p, locks[i][1], locks[i][0]);
	if (!p->tool) {
		p->tool = tool;
		p->tool_source = tool_source;
	} else {
		free(tool);
		free(tool_source);
	}
}
