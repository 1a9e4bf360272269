/* Running a container in the foreground: the engine's CLI as a child, the
 * signals that must end the container, and a reaper that removes it even when
 * sandcage itself is killed. */
#pragma once

#include "../engine/engine.h"

#include <signal.h>
#include <spawn.h>

/* Initialises `attr` for the engine process of a session: the signal mask
 * from before the session blocked its signals (`old`), and the default
 * action for the signals the session handles. */
void sc_session_child_attr(posix_spawnattr_t *attr, const sigset_t *old);

/* Runs the container described by `spec` (which must have a name) and waits
 * for it. *exit_code is the container command's exit status, or 128+N when
 * sandcage was ended by signal N. SIGTERM, SIGHUP and SIGQUIT remove the
 * container; a SIGINT sent to sandcage alone (not from the terminal) is passed
 * on. Returns <0 only when the engine could not be started. */
int sc_session_run(const struct sc_engine *engine, const struct sc_container_spec *spec,
                   int *exit_code, struct sc_error **err);
