/* What the files of src/launch/ share; not for the rest of sandcage. */
#pragma once

#include "launch.h"

/* Says `fmt` to the user through the request's ui, if it has one. */
void sc_launch_say(const struct sc_launch_request *req, enum sc_launch_level level, const char *fmt,
                   ...) _printf_(3, 4);

/* A variable of the host's environment, or NULL. */
const char *sc_launch_getenv(const struct sc_launch *l, const char *name);

/* Finds the protected paths and the secret files on the host (refusing a
 * protected path that is a symbolic link), adds the protection mounts to
 * l->spec and records them in l->protected_paths and l->masked_files; then
 * SANDCAGE_DEBUG_CAP_ADD (a debug aid that weakens the container, for
 * testing `sandcage doctor`). */
int sc_launch_protect(struct sc_launch *l, const struct sc_launch_request *req,
                      struct sc_error **err);

/* `sandcage acp run NAME`: an installed registry agent (its command and
 * variables into l->acp_command and l->acp_env, running as the built-in
 * agent it stands for, if any), else a configured service that speaks ACP. */
int sc_launch_resolve_acp(struct sc_launch *l, const char *name, struct sc_error **err);

/* Takes the identity of every bind mount's source (no link in its path in
 * the project or its git directories) and makes the container's first
 * program sandcage-mountcheck, which compares the mounts with them before
 * it runs the command (pin.c). */
int sc_launch_pin(struct sc_launch *l, const struct sc_launch_request *req, struct sc_error **err);

/* With `home.scope: project`: makes the login store (GLOBAL/logins, 0700)
 * and, until it holds the migration's marker, sets *migrate to the old
 * shared home volume when it exists (src/plan/home.h). */
int sc_launch_logins(struct sc_launch *l, const struct sc_launch_request *req, char **migrate,
                     struct sc_error **err);
