/* Go: go.mod and go.work, their go and toolchain directives. */
#include "ecosystem_detect.h"

char *sc_eco_go_version(const char *spec)
{
	_cleanup_free_ char *s = sc_eco_first_line(spec);
	if (!s)
		return NULL;
	const char *p = s;
	if (str_has_prefix(p, "go"))
		p += 2;
	size_t n = sc_eco_numeric_len(p);
	if (n == 0)
		return NULL;
	size_t suffix = n;
	while (sc_eco_is_alnum(p[suffix]))
		suffix++;
	_cleanup_free_ char *v = xstrndup(p, suffix);
	if (!sc_eco_version_ok(v))
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

void sc_eco_detect_go(struct sc_eco_scan *s, const struct sc_eco_listing *l)
{
	static const char *const markers[] = {"go.mod", "go.work", NULL};
	if (!sc_eco_has(l, "go.mod") && !sc_eco_has(l, "go.work"))
		return;
	struct sc_eco_project *p = sc_eco_project_add(s, SC_ECO_GO, l->rel);
	sc_eco_push_markers(p, l, markers);
	for (const char *const *f = markers; *f; f++) {
		_cleanup_free_ char *text = sc_eco_read_small(l, *f, p);
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
			_cleanup_free_ char *rel = sc_eco_rel_file(l, *f);
			if (!v) {
				sc_eco_note(p, "%s: `%.40s` names no version", rel, line);
				continue;
			}
			_cleanup_free_ char *raw = xasprintf("%s %s", go ? "go" : "toolchain", arg);
			sc_eco_pin_add(p, v, raw, steal_pointer(&rel), go);
		}
	}
}
