/* The records of installed ACP agents: what is installed in which home
 * volume, kept in GLOBAL/acp-installed.json. The installer (install.h)
 * writes them. */
#pragma once

#include "../util/error.h"
#include "../util/vec.h"
#include "registry.h"

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
