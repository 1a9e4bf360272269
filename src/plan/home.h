/* The home of a session's container, and what it shares with other
 * projects (docs/security.md, "What projects share").
 *
 * With `home.scope: project` (the default) each project has a home volume of
 * its own, so that nothing one project's agent writes there (a shell rc, an
 * agent's hooks, tool configuration, a program early on PATH) runs in
 * another project's session. What a user wants to do once, log in, is kept
 * in the login store (GLOBAL/logins, mounted at SC_LOGINS_TARGET): the
 * agents' credential files and nothing else, copied in and out by the
 * container's first program (src/mountcheck/logins.h). `shared` is the one
 * volume of earlier versions. ACP agents live in a volume of their own,
 * read-only in sessions. Pure. */
#pragma once

#include "container.h"

/* Where the login store is mounted, and the old shared home for the
 * migration of its logins. */
#define SC_LOGINS_TARGET  "/.sandcage-logins"
#define SC_MIGRATE_TARGET "/.sandcage-migrate"
/* Under the global directory. */
#define SC_LOGINS_DIR "logins"
/* In the store once the old shared home's logins were copied (the same as
 * MC_LOGINS_MARKER of src/mountcheck/logins.h). */
#define SC_LOGINS_MARKER ".migrated"
/* Under the container user's HOME: the ACP agents' volume. */
#define SC_HOME_ACP_DIR ".sandcage-acp"

/* The volume mounted at HOME: home.volume itself when shared, else
 * "<home.volume>-<project name>-<8 hex digits of the project's path>". */
char *sc_home_volume(const struct sc_config *cfg, const struct sc_workspace *ws);
/* "<home.volume>-acp": the installed ACP agents. */
char *sc_home_acp_volume(const struct sc_config *cfg);
/* GLOBAL/logins. */
char *sc_home_logins_dir(const char *global_dir);

/* Adds the home's mounts to `spec`: the home volume, the ACP volume
 * (read-only), the login store with `home.scope: project` and, when
 * in->migrate_volume is set, that volume read-only at SC_MIGRATE_TARGET.
 * The ACP installer (in->home_only) gets the ACP volume, writable, and no
 * home: what an install script writes in HOME goes with its container. */
void sc_home_mounts(const struct sc_container_input *in, struct sc_container_spec *spec);

/* The login options of sandcage-mountcheck for a spec sc_home_mounts()
 * planned (none when it has no login store): --home, --logins, --migrate,
 * one --login or --login-json per credential file. */
void sc_home_entry_args(const struct sc_container_spec *spec, struct strv *args);
