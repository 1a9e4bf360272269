/* The network policy of a session, for the commands that run one: the proxy
 * image, setting up and tearing down (src/session/network.c), and what the
 * user is told. */
#pragma once

#include "../session/network.h"

/* For `network.mode: allowlist`: builds the proxy sidecar's image when it is
 * missing, sets up the project's network and sidecar, and points `spec` at
 * them; warns about allowed names that do not resolve. The test and debug
 * aid SANDCAGE_PROXY_NETWORK names a network the sidecar joins too. On
 * failure *out may be set: free it, which tears down. */
int sc_cmd_network_up(const struct sc_engine *engine, const struct sc_config *cfg,
                      const struct sc_workspace *ws, struct sc_container_spec *spec,
                      struct sc_network_session **out, struct sc_error **err);

/* After the session: tears down (unless other sessions of the project still
 * run), says which connections the proxy refused meanwhile, and frees. */
void sc_cmd_network_down(struct sc_network_session *s);
