/* Node: package.json, .nvmrc, .node-version and lock files, and the semver
 * ranges they name. */
#include "ecosystem_detect.h"

#include <jansson.h>

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
	_cleanup_free_ char *s = sc_eco_first_line(spec);
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
			size_t n = sc_eco_numeric_len(rest);
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
			char *major = sc_eco_version_parts(ver, strlen(ver), 1);
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

static void node_pin_file(struct sc_eco_project *p, const struct sc_eco_listing *l,
                          const char *name)
{
	if (!sc_eco_has(l, name))
		return;
	_cleanup_free_ char *text = sc_eco_read_small(l, name, p);
	_cleanup_free_ char *raw = text ? sc_eco_first_line(text) : NULL;
	if (!raw)
		return;
	bool minimum = false;
	char *v = sc_eco_node_version(raw, &minimum);
	_cleanup_free_ char *rel = sc_eco_rel_file(l, name);
	if (!v) {
		sc_eco_note(p, "%s: `%.40s` names no fixed version", rel, raw);
		return;
	}
	sc_eco_pin_add(p, v, raw, steal_pointer(&rel), minimum);
}

void sc_eco_detect_node(struct sc_eco_scan *s, const struct sc_eco_listing *l)
{
	static const char *const markers[] = {
	    "package.json",      ".nvmrc",         ".node-version",
	    "package-lock.json", "pnpm-lock.yaml", "yarn.lock",
	    "bun.lock",          "bun.lockb",      NULL};
	if (!sc_eco_has(l, "package.json") && !sc_eco_has(l, ".nvmrc") &&
	    !sc_eco_has(l, ".node-version"))
		return;
	struct sc_eco_project *p = sc_eco_project_add(s, SC_ECO_NODE, l->rel);
	sc_eco_push_markers(p, l, markers);
	node_pin_file(p, l, ".nvmrc");
	node_pin_file(p, l, ".node-version");
	if (sc_eco_has(l, "package.json")) {
		_cleanup_free_ char *text = sc_eco_read_small(l, "package.json", p);
		json_error_t jerr;
		json_t *pkg = text ? json_loads(text, JSON_REJECT_DUPLICATES, &jerr) : NULL;
		_cleanup_free_ char *rel = sc_eco_rel_file(l, "package.json");
		if (text && !pkg)
			sc_eco_note(p, "%s:%d: invalid JSON: %s", rel, jerr.line, jerr.text);
		const char *engine =
		    json_string_value(json_object_get(json_object_get(pkg, "engines"), "node"));
		if (engine) {
			bool minimum = false;
			char *v = sc_eco_node_version(engine, &minimum);
			if (v)
				sc_eco_pin_add(p, v, engine, xasprintf("%s engines.node", rel),
				               minimum);
			else
				sc_eco_note(p, "%s: engines.node `%.40s` names no version", rel,
				            engine);
		}
		const char *pm = json_string_value(json_object_get(pkg, "packageManager"));
		if (pm && *pm) {
			_cleanup_free_ char *name = xstrndup(pm, strcspn(pm, "@"));
			_cleanup_free_ char *src = xasprintf("packageManager \"%.60s\"", pm);
			if (*name)
				sc_eco_set_tool(p, name, src);
		}
		json_decref(pkg);
	}
	static const char *const locks[][2] = {
	    {"pnpm-lock.yaml", "pnpm"}, {"yarn.lock", "yarn"},        {"bun.lock", "bun"},
	    {"bun.lockb", "bun"},       {"package-lock.json", "npm"},
	};
	for (size_t i = 0; i < N_ELEMENTS(locks); i++)
		if (sc_eco_has(l, locks[i][0]))
			sc_eco_set_tool(p, locks[i][1], locks[i][0]);
}
