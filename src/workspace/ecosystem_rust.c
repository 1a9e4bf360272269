/* Rust: Cargo.toml, rust-toolchain(.toml) and the channel they pin. */
#include "../config/toml.h"
#include "ecosystem_detect.h"

static char *rust_channel_checked(const char *channel)
{
	if (!channel)
		return NULL;
	_cleanup_free_ char *c = sc_eco_first_line(channel);
	if (!c || !sc_eco_version_ok(c))
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
	return rust_channel_checked(sc_eco_tree_string(tree, "toolchain.channel"));
}

void sc_eco_detect_rust(struct sc_eco_scan *s, const struct sc_eco_listing *l)
{
	static const char *const markers[] = {"Cargo.toml", "rust-toolchain.toml", "rust-toolchain",
	                                      NULL};
	if (!sc_eco_has(l, "Cargo.toml") && !sc_eco_has(l, "rust-toolchain.toml") &&
	    !sc_eco_has(l, "rust-toolchain"))
		return;
	struct sc_eco_project *p = sc_eco_project_add(s, SC_ECO_RUST, l->rel);
	sc_eco_push_markers(p, l, markers);
	static const char *const files[] = {"rust-toolchain.toml", "rust-toolchain", NULL};
	for (const char *const *f = files; *f; f++) {
		_cleanup_free_ char *text = sc_eco_read_small(l, *f, p);
		if (!text)
			continue;
		bool toml = streq(*f, "rust-toolchain.toml") || strchr(text, '[');
		_cleanup_value_ struct sc_value *tree = NULL;
		const char *raw = NULL;
		_cleanup_free_ char *line = NULL;
		if (toml) {
			_cleanup_free_ char *rel = sc_eco_rel_file(l, *f);
			_cleanup_error_ struct sc_error *err = NULL;
			if (sc_toml_parse(text, strlen(text), rel, &tree, &err) < 0) {
				sc_eco_note(p, "%s", err->msg);
				continue;
			}
			raw = sc_eco_tree_string(tree, "toolchain.channel");
		} else {
			raw = line = sc_eco_first_line(text);
		}
		if (!raw)
			continue;
		char *channel = rust_channel_checked(raw);
		if (!channel) {
			_cleanup_free_ char *rel = sc_eco_rel_file(l, *f);
			sc_eco_note(p, "%s: channel `%.40s` is not a version sandcage can use", rel,
			            raw);
			continue;
		}
		sc_eco_pin_add(p, channel, raw, sc_eco_rel_file(l, *f), false);
	}
	if (sc_eco_has(l, "Cargo.toml")) {
		_cleanup_value_ struct sc_value *tree = sc_eco_read_toml(l, "Cargo.toml", p);
		_cleanup_free_ char *rel = sc_eco_rel_file(l, "Cargo.toml");
		const char *msrv = tree ? sc_eco_tree_string(tree, "package.rust-version") : NULL;
		if (tree && !msrv)
			msrv = sc_eco_tree_string(tree, "workspace.package.rust-version");
		size_t n = msrv ? sc_eco_numeric_len(msrv) : 0;
		if (n > 0 && msrv[n] == '\0')
			sc_eco_pin_add(p, xstrdup(msrv), msrv, xasprintf("%s rust-version", rel),
			               true);
	}
}
