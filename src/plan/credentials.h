/* The credential proxy, planned: which keys of the host a session's agent
 * uses, what the agent gets instead (a placeholder, and its client's
 * base-URL setting pointing at the proxy), and the proxy's configuration.
 * The keys stay on the host and in the proxy sidecar: the agent's
 * environment, the engine's command lines and the container's inspect data
 * never hold them. Pure: src/session/network.c runs the sidecar. */
#pragma once

#include "../config/schema.h"
#include "../engine/engine.h"

/* The first of the proxy's ports; one port per upstream. */
#define SC_CRED_PORT 8081
/* Where the sidecar finds what is not in its environment (sent before it
 * starts; see src/session/network.c). */
#define SC_CRED_DIR          "/run/sandcage"
#define SC_CRED_KEYS_FILE    "keys.conf"    /* the maps with the keys */
#define SC_CRED_CLIENTS_FILE "clients.conf" /* who may connect */
#define SC_CRED_CA_FILE      "extra-ca.pem" /* credentials.ca_file, when set */
/* The value the agent gets for a variable the proxy fills in. */
#define SC_CRED_PLACEHOLDER "sandcage-placeholder-"

/* One upstream, one port of the proxy. */
struct sc_cred_route {
	char *host;
	unsigned port;   /* the upstream's */
	unsigned listen; /* the proxy's */
};

/* One key the session uses. */
struct sc_cred_use {
	char *env;     /* the variable */
	char *header;  /* the header's name, lower case */
	char *scheme;  /* "Bearer", or NULL: the header is the key */
	char *url_env; /* a variable that gets the route's URL, or NULL */
	size_t route;
};

struct sc_cred_plan {
	struct sc_cred_route *routes;
	size_t n_routes;
	struct sc_cred_use *uses;
	size_t n_uses;
	char *conf;     /* nginx.conf, without secrets */
	char *secret;   /* keys.conf: the keys; never logged, never in an argv */
	char *extra_ca; /* the content of credentials.ca_file, or NULL */
	char hash[17];  /* over all of it, the keys included (by their hash) */
};

struct sc_cred_input {
	const struct sc_config *cfg;
	/* The session's agent; NULL for a shell, which gets every enabled
	 * agent's keys. */
	const struct sc_service *service;
	char *const *host_env;
	/* credentials.ca_file's content, or NULL (the caller reads the file). */
	const char *extra_ca;
};

/* Plans the proxy for the session: plan->n_uses is 0 when no key applies
 * (credentials.mode: env, or no key set on the host). A credential written
 * in a configuration file whose variable the host does not set, and a key
 * the proxy cannot carry, are errors naming the place. */
int sc_cred_plan(const struct sc_cred_input *in, struct sc_cred_plan *plan, struct sc_error **err);
void sc_cred_plan_release(struct sc_cred_plan *plan);

/* Whether `name` is a credential variable of an agent `in` concerns (a
 * shell: any enabled agent), so that it never reaches the container with
 * its value in proxy mode. */
bool sc_cred_is_variable(const struct sc_config *cfg, const struct sc_service *service,
                         const char *name);

/* The route of the first of `svc`'s keys the proxy has, or NULL. */
const struct sc_cred_route *sc_cred_route_of(const struct sc_cred_plan *plan,
                                             const struct sc_service *svc);

/* Gives the agent's container the placeholders and the routes' URLs (at
 * `proxy_host`), and takes the keys' variables out of what is passed from
 * the host. */
void sc_cred_apply(const struct sc_cred_plan *plan, const struct sc_config *cfg,
                   const struct sc_service *service, const char *proxy_host,
                   struct sc_container_spec *spec);

/* The proxy's clients.conf: only the given subnets (the project network's)
 * may connect. */
char *sc_cred_clients_conf(char *const *subnets);
