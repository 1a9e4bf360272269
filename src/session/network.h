/* The project's network and the proxy sidecar of `network.mode: allowlist`
 * and of the credential proxy:
 * created on demand, shared by the sessions of a project, and removed when
 * the last one ends, also when sandcage is killed (by its reaper).
 *
 * A project gets one network and sidecar per allowlist. The sessions that use
 * them hold a shared lock on a file in the state directory; the one that ends
 * takes the lock exclusively, without waiting, and removes the sidecar and
 * the network only when it gets it and no agent container is on the network
 * any more. */
#pragma once

#include "../engine/engine.h"
#include "../plan/network.h"

struct sc_network_request {
	const struct sc_config *cfg;
	const struct sc_workspace *ws;
	const char *proxy_image;   /* the sidecar image's tag (built by the caller) */
	const char *extra_network; /* a test and debug aid: a network the sidecar also
	                              joins, whose addresses it may reach; or NULL */
	const char *state_dir;     /* holds the lock and the saved log of each project */
	/* The credential proxy's plan (NULL: none), and the session's agent
	 * (NULL: a shell) for what the container gets. */
	const struct sc_cred_plan *cred;
	const struct sc_service *service;
};

struct sc_network_session;

/* Sets up (or joins) the project's network and sidecar, starts a reaper that
 * tears them down if sandcage dies, and puts `spec` (which must have its
 * name) on the network with the proxy variables. Appends to `unresolved` the
 * allowed names the proxy cannot resolve. On failure *out is still set when
 * there is something to tear down. */
int sc_network_up(const struct sc_engine *engine, const struct sc_network_request *req,
                  struct sc_container_spec *spec, struct strv *unresolved,
                  struct sc_network_session **out, struct sc_error **err);

/* After the session: appends to `denied` the targets ("host:port") the proxy
 * refused since sc_network_up(), then removes the sidecar and the network
 * unless another session of the project still uses them. */
int sc_network_down(struct sc_network_session *s, struct strv *denied, struct sc_error **err);
/* Tears down (when sc_network_down() was not called) and frees. */
void sc_network_session_free(struct sc_network_session *s);
static inline void cleanup_network_sessionp(struct sc_network_session **s)
{
	sc_network_session_free(*s);
}
#define _cleanup_network_session_ _cleanup_(cleanup_network_sessionp)

/* The project's proxy log: what removed sidecars left (saved at their
 * removal), then what the running ones logged so far. */
int sc_network_log(const struct sc_engine *engine, const struct sc_workspace *ws,
                   const char *state_dir, char **out, struct sc_error **err);
