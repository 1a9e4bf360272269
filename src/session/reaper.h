/* A cleanup process that removes a container even when sandcage is killed
 * (SIGKILL included). Started by the session runner (session.h) for every
 * container sandcage runs, and with a function by the network session
 * (network.h) for the proxy sidecar and the network. */
#pragma once

#include "../engine/engine.h"

/* Starts the reaper for container `name`. *notify_fd is the end of a pipe
 * only sandcage holds: pass it to sc_reaper_done() once the container is
 * gone. Returns <0 (-errno) when the process could not be started. */
int sc_reaper_start(const struct sc_engine *engine, const char *name, int *notify_fd);
/* The same, and once the container is gone (`name` NULL: no container), the
 * reaper calls fn(ctx) before it ends, with the caller's memory as it was at
 * this call: for what must go after the container (the proxy sidecar and the
 * network of `network.mode: allowlist`). Not called after sc_reaper_done(). */
int sc_reaper_start_with(const struct sc_engine *engine, const char *name, void (*fn)(void *ctx),
                         void *ctx, int *notify_fd);
/* Tells the reaper that the container is gone and closes `fd` (-1: nothing). */
void sc_reaper_done(int fd);
/* Tells a reaper started with a function that the container is gone and that
 * it should call the function now, in the background; closes `fd`. */
void sc_reaper_finish(int fd);
