/* Installing ACP agents. An agent is installed into the persistent home
 * volume, under ~/.sandcage-acp/ID, by a container that sees that volume
 * and nothing of the project: npx distributions with npm, binary ones
 * downloaded on the host (checked against their sha256) and unpacked inside
 * the container, uvx ones with uv when the image has it. The containers run
 * through the session runner (capture mode), so a signal or a killed
 * sandcage removes them. What is installed where is recorded by store.h. */
#pragma once

#include "../engine/engine.h"
#include "../util/error.h"
#include "registry.h"
#include "store.h"

/* Under the container user's HOME: the ACP volume. The plan mounts it there
 * (SC_HOME_ACP_DIR, plan/home.h, a layer acp may not use); test-plan.c
 * checks that the two agree. */
#define SC_ACP_DIR ".sandcage-acp"

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
