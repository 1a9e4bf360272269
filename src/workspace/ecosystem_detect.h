/* What the detector of each ecosystem (ecosystem_rust.c, ecosystem_node.c,
 * ecosystem_python.c, ecosystem_go.c) shares with the scan in ecosystem.c.
 * Only those files include it: the other layers call sc_ecosystem_detect().
 * A detector looks at one directory's listing and, when the ecosystem is
 * there, adds a project with its markers, pins, tool and notes. */
#pragma once

#include "../config/value.h"
#include "ecosystem.h"

struct sc_eco_scan {
	const char *root;
	struct sc_ecosystems *eco;
	size_t dirs;
	int root_fd; /* manifests are read beneath it, never through a link */
};

/* What one directory holds: its regular files, sorted. */
struct sc_eco_listing {
	char **files;
	size_t n;
	const char *rel; /* relative to the root, "" for it */
	const char *abs;
	int root_fd;
};

void sc_eco_detect_rust(struct sc_eco_scan *s, const struct sc_eco_listing *l);
void sc_eco_detect_node(struct sc_eco_scan *s, const struct sc_eco_listing *l);
void sc_eco_detect_python(struct sc_eco_scan *s, const struct sc_eco_listing *l);
void sc_eco_detect_go(struct sc_eco_scan *s, const struct sc_eco_listing *l);

/* ---- reading versions ---- */

static inline bool sc_eco_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool sc_eco_is_alnum(char c)
{
	return sc_eco_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The rule the configuration applies to toolchain versions (config/schema.c). */
bool sc_eco_version_ok(const char *s);
/* The first line that is neither empty nor a comment, trimmed; NULL when none. */
char *sc_eco_first_line(const char *text);
/* Length of "N(.N)*" at p (a dot counts only when a digit follows it). */
size_t sc_eco_numeric_len(const char *p);
/* The first `parts` dot-separated parts of a numeric version. */
char *sc_eco_version_parts(const char *v, size_t len, unsigned parts);
/* The value at a dotted key ("toolchain.channel") of a parsed TOML file;
 * the string only when it is one (and holds no NUL byte). */
const struct sc_value *sc_eco_tree_get(const struct sc_value *t, const char *dotted);
const char *sc_eco_tree_string(const struct sc_value *t, const char *dotted);

/* ---- the listing and the project a detector fills ---- */

bool sc_eco_has(const struct sc_eco_listing *l, const char *name);
/* "web/.nvmrc", or ".nvmrc" at the root. */
char *sc_eco_rel_file(const struct sc_eco_listing *l, const char *name);
/* A new project of `kind` in the directory `rel`. */
struct sc_eco_project *sc_eco_project_add(struct sc_eco_scan *s, enum sc_eco_kind kind,
                                          const char *rel);
/* Adds the files of `names` (NULL-terminated) the listing has as markers. */
void sc_eco_push_markers(struct sc_eco_project *p, const struct sc_eco_listing *l,
                         const char *const *names);
/* What could not be read, for the comments. */
void sc_eco_note(struct sc_eco_project *p, const char *fmt, ...) _printf_(2, 3);
/* Takes `version` and `source`; copies `raw`. */
void sc_eco_pin_add(struct sc_eco_project *p, char *version, const char *raw, char *source,
                    bool minimum);
/* The package manager, unless one is set already. */
void sc_eco_set_tool(struct sc_eco_project *p, const char *tool, const char *source);
/* Reads a manifest; NULL when the directory has none, and when it cannot
 * be read (a problem becomes a note of the project). */
char *sc_eco_read_small(const struct sc_eco_listing *l, const char *name, struct sc_eco_project *p);
/* Parses a TOML manifest; NULL (and a note) when it does not parse. */
struct sc_value *sc_eco_read_toml(const struct sc_eco_listing *l, const char *name,
                                  struct sc_eco_project *p);
