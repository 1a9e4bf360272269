/* The ACP agent registry: its index (registry.json) fetched over HTTP(S) or
 * from a file:// URL, cached in the global directory with a freshness
 * limit, and parsed into plain structs. Unknown fields are ignored; an
 * entry sandcage cannot use is left out with the reason kept; a document
 * that is not an index is an error. Downloads of binary distributions go
 * through here too (libcurl is used only in this file). */
#pragma once

#include "../util/error.h"
#include "../util/vec.h"

#include <time.h>

/* An npx or uvx distribution. */
struct sc_acp_package {
	char *package; /* "@scope/name@1.2.3", "name==1.2.3" (uvx) */
	char *cmd;     /* NULL: the package's own command */
	struct strv args;
	struct strv env; /* "NAME=value" */
};

/* One platform of a binary distribution. */
struct sc_acp_binary {
	char *platform; /* "linux-x86_64" */
	char *archive;  /* URL of a .tar.gz, .tgz, .tar.bz2, .tbz2, .tar.xz, .zip or a raw binary */
	char *sha256;   /* lowercase hex, or NULL when the registry gives none */
	char *cmd;      /* relative to the unpacked archive: "./agent" */
	struct strv args;
	struct strv env;
};

struct sc_acp_agent {
	char *id;
	char *name;
	char *version;
	char *description;
	struct sc_acp_package *npx; /* NULL when absent */
	struct sc_acp_package *uvx;
	struct sc_acp_binary *binaries;
	size_t n_binaries;
};

struct sc_acp_registry {
	char *version; /* of the format; "" when absent */
	struct sc_acp_agent *agents;
	size_t n_agents;
	/* Entries left out, each "agents[N] (`id`): why". */
	struct strv skipped;
};

/* Parses an index. `source` names it in error messages (a URL or a path).
 * Errors: "SOURCE:LINE:COLUMN: invalid JSON: ..." or "SOURCE: not an ACP
 * registry index: ...". */
int sc_acp_registry_parse(const char *data, size_t len, const char *source,
                          struct sc_acp_registry **out, struct sc_error **err);
void sc_acp_registry_free(struct sc_acp_registry *reg);
static inline void cleanup_acp_registryp(struct sc_acp_registry **r)
{
	sc_acp_registry_free(*r);
}
#define _cleanup_acp_registry_ _cleanup_(cleanup_acp_registryp)

const struct sc_acp_agent *sc_acp_registry_find(const struct sc_acp_registry *reg, const char *id);
/* The reason an entry with this id was left out, or NULL. */
const char *sc_acp_registry_skipped(const struct sc_acp_registry *reg, const char *id);
const struct sc_acp_binary *sc_acp_agent_binary(const struct sc_acp_agent *agent,
                                                const char *platform);
/* "npx", "binary", "npx, binary", or "-": the kinds of distribution given. */
char *sc_acp_agent_kinds(const struct sc_acp_agent *agent);
/* Registry ids: a lowercase letter, then lowercase letters, digits and
 * hyphens, at most 64 characters (they name directories and containers). */
bool sc_acp_valid_id(const char *id);
/* The package pinned to the agent's version: "name@VERSION" unless the
 * registry's package names a version itself. */
char *sc_acp_npm_spec(const struct sc_acp_agent *agent);
/* The package name without a version: "@scope/name". */
char *sc_acp_npm_name(const char *spec);

/* The platform of containers on this machine: "linux-x86_64",
 * "linux-aarch64", or NULL for others. */
const char *sc_acp_container_platform(void);

struct sc_acp_fetch {
	const char *url;       /* https://, http:// or file:// */
	const char *cache_dir; /* NULL: no cache */
	long max_age;          /* seconds a cached index counts as fresh */
	bool refresh;          /* fetch even when the cache is fresh */
};

struct sc_acp_fetch_info {
	bool from_cache;   /* the index came from the cache */
	bool offline;      /* ... because fetching it failed */
	char *fetch_error; /* why, when offline */
	time_t cached_at;  /* when the cached copy was fetched */
};

void sc_acp_fetch_info_release(struct sc_acp_fetch_info *info);

/* Fetches (or takes from the cache) and parses the index. An index fetched
 * anew is cached only when it parses. When fetching fails and a cached copy
 * exists, that copy is used whatever its age, and info says so. */
int sc_acp_registry_load(const struct sc_acp_fetch *fetch, struct sc_acp_registry **out,
                         struct sc_acp_fetch_info *info, struct sc_error **err);

/* Downloads `url` into the file `path` (created, mode 0600), at most
 * `max_bytes`, and gives the SHA-256 of what was written. file:// URLs only
 * when `allow_file`. */
int sc_acp_download(const char *url, const char *path, size_t max_bytes, bool allow_file,
                    char digest_hex[65], struct sc_error **err);
