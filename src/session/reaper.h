/* A cleanup process that removes a container even when sandcage is killed
 * (SIGKILL included). Used by every command that runs a container in the
 * foreground: sessions, the ACP relay, the ACP installs. */
#pragma once

#include "../engine/engine.h"

/* Starts the reaper for container `name`. *notify_fd is the end of a pipe
 * only sandcage holds: pass it to sc_reaper_done() once the container is
 * gone. Returns <0 (-errno) when the process could not be started. */
int sc_reaper_start(const struct sc_engine *engine, const char *name, int *notify_fd);
/* Tells the reaper that the container is gone and closes `fd` (-1: nothing). */
void sc_reaper_done(int fd);
