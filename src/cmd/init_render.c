/* The text of the .sandcage.yml `sandcage init` writes: the toolchains and
 * packages the ecosystems found call for, each with a comment that says why.
 * Pure: it turns what workspace/ecosystem.c found into text. */
#include "init_render.h"
#include "../plan/image.h"
#include "../util/strbuf.h"

#include <stdarg.h>

/* The python toolchain installs Debian bookworm's python (see plan/image.c). */
#define PYTHON_TOOLCHAIN "3.11"

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
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
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
			all_numeric = all_numeric && sc_eco_version_is_numeric(pin->version);
			if (sc_eco_version_is_numeric(pin->version) &&
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

char *sc_init_render_yaml(const struct sc_ecosystems *eco)
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
