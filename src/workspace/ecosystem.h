/* The ecosystems of a project (Rust, Node, Python, Go), found from its files
 * the way `sandcage init` needs them: which toolchain each directory uses,
 * which version it pins and where, and its package manager. Detection only
 * reads files; cmd/init_render.c turns the result into the text of a
 * commented .sandcage.yml. */
#pragma once

#include "../util/error.h"
#include "../util/vec.h"

enum sc_eco_kind {
	SC_ECO_RUST,
	SC_ECO_NODE,
	SC_ECO_PYTHON,
	SC_ECO_GO,
};
#define SC_ECO_KINDS 4

/* Directories deeper than this below the root are not scanned. */
#define SC_ECO_MAX_DEPTH 3

/* A version the project asks for, and where. */
struct sc_eco_pin {
	char *version; /* normalised for the toolchain: "20", "3.12", "1.79.0", "stable" */
	char *raw;     /* as the file says: ">=20", "v20.11.0" */
	char *source;  /* "web/.nvmrc", "package.json engines.node" (relative to the root) */
	bool minimum;  /* a lower bound ("20 or later"), not an exact pin */
};

/* One ecosystem in one directory. */
struct sc_eco_project {
	enum sc_eco_kind kind;
	char *dir;           /* relative to the root; "" for the root itself */
	struct strv markers; /* the files that show it, relative to `dir` */
	char *tool;          /* package manager: "pnpm", "yarn", "uv", ...; or NULL */
	char *tool_source;   /* what showed it: "pnpm-lock.yaml" */
	struct sc_eco_pin *pins;
	size_t n_pins;
	struct strv notes; /* what could not be read, for the comments */
};

struct sc_ecosystems {
	struct sc_eco_project *items; /* root first, then subdirectories in name order */
	size_t len;
	bool truncated; /* the scan stopped at its limit of directories */
};

/* Scans `root` (absolute) and the directories below it up to
 * SC_ECO_MAX_DEPTH, skipping hidden directories, node_modules, target,
 * vendor, dist, build and symbolic links. A file that cannot be parsed is a
 * note, not an error; only an unreadable root is. */
int sc_ecosystem_detect(const char *root, struct sc_ecosystems **out, struct sc_error **err);
void sc_ecosystems_free(struct sc_ecosystems *eco);
static inline void cleanup_ecosystemsp(struct sc_ecosystems **e)
{
	sc_ecosystems_free(*e);
}
#define _cleanup_ecosystems_ _cleanup_(cleanup_ecosystemsp)

/* "Rust", "Node", "Python", "Go". */
const char *sc_eco_name(enum sc_eco_kind kind);
/* The toolchain key: "rust", "node", "python", "go". */
const char *sc_eco_toolchain(enum sc_eco_kind kind);

/* Version normalisation, exposed for the tests. Each returns NULL when
 * `spec` names no usable version; *minimum says whether it was a range.
 *   node:   "v20.11.0" -> "20.11.0"; ">=20", "^20.1", "20.x" -> "20" (minimum);
 *           "lts/iron" -> "20"; "node", "latest" -> NULL
 *   python: ">=3.11" -> "3.11" (minimum); "3.12.1" -> "3.12"; "==3.12.*" -> "3.12"
 *   go:     "1.22" -> "1.22.0" (the name of its first release), "1.20" -> "1.20",
 *           "go1.22.3" -> "1.22.3" */
char *sc_eco_node_version(const char *spec, bool *minimum);
char *sc_eco_python_version(const char *spec, bool *minimum);
char *sc_eco_go_version(const char *spec);
/* The channel of a rust-toolchain or rust-toolchain.toml file's text; NULL
 * when it names none. */
char *sc_eco_rust_channel(const char *text, bool toml);
/* Compares dotted versions by their numeric parts ("1.10" > "1.9"). */
int sc_eco_version_cmp(const char *a, const char *b);
/* Whether `s` is a numeric version: "N(.N)*". */
bool sc_eco_version_is_numeric(const char *s);
