/* Installed ACP agents. An agent is installed into the persistent home
 * volume, under ~/.sandcage-acp/ID, by a container that sees that volume
 * and nothing of the project: npx distributions with npm, binary ones
 * downloaded on the host (checked against their sha256) and unpacked inside
 * the container, uvx ones with uv when the image has it. What is installed
 * where is recorded in GLOBAL/acp-installed.json. */
#pragma once

#include "../engine/engine.h"
#include "../util/error.h"
#include "../util/vec.h"
#include "registry.h"

/* Under the container user's HOME. */
#define SC_ACP_DIR ".sandcage-acp"

struct sc_acp_installed {
	char *id;
	char *name;
	char *version;
	char *kind;          /* "npx", "binary" or "uvx" */
	char *volume;        /* the home volume it is installed in */
	char *source;        /* the registry's URL */
	char *installed_at;  /* "2025-01-31T12:00:00Z" */
	struct strv command; /* what runs the agent, inside the container */
	struct strv env;     /* "NAME=value", from the registry */
};

void sc_acp_installed_free(void *rec);
static inline void cleanup_acp_installedp(struct sc_acp_installed **r)
{
	sc_acp_installed_free(*r);
}
#define _cleanup_acp_installed_ _cleanup_(cleanup_acp_installedp)

/* All records (struct sc_acp_installed *), sorted by id then volume. A
 * missing file is an empty list; a damaged one is an error that names it. */
int sc_acp_store_list(const char *global_dir, struct vec *out, struct sc_error **err);
/* *out is NULL when agent `id` is not installed in `volume`. */
int sc_acp_store_find(const char *global_dir, const char *id, const char *volume,
                      struct sc_acp_installed **out, struct sc_error **err);
/* Adds or replaces the record of (rec->id, rec->volume). */
int sc_acp_store_put(const char *global_dir, const struct sc_acp_installed *rec,
                     struct sc_error **err);
int sc_acp_store_remove(const char *global_dir, const char *id, const char *volume, bool *removed,
                        struct sc_error **err);

/* How to run the containers that install and uninstall. */
struct sc_acp_runner {
	const struct sc_engine *engine;
	/* Planned by the caller: image, user, the home volume at `home`,
	 * network, environment, a unique name. The store replaces the command
	 * and the working directory and may add mounts. */
	struct sc_container_spec *spec;
	const char *home;       /* the container user's HOME */
	const char *volume;     /* the name of the home volume, for the record */
	const char *global_dir; /* downloads are kept in GLOBAL/cache while installing */
	const char *registry_url;
	const char *platform; /* sc_acp_container_platform() */
	/* Each line the install prints (npm's output, ...). */
	void (*on_line)(void *ctx, const char *line);
	void *ctx;
};

/* Installs (or reinstalls) `agent` from its `kind` distribution (NULL: a
 * binary for the platform, else npx, else uvx) and records it. On failure
 * nothing is left installed: a previous installation stays as it was. */
int sc_acp_install(const struct sc_acp_runner *run, const struct sc_acp_agent *agent,
                   const char *kind, struct sc_acp_installed **out, struct sc_error **err);
/* Removes the agent's files from the home volume and its record. */
int sc_acp_uninstall(const struct sc_acp_runner *run, const char *id, struct sc_error **err);
