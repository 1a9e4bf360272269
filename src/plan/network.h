/* The network policy `network.mode: allowlist`, planned: the names of a
 * project's internal network and proxy sidecar, the proxy's configuration
 * from the allowlist, the sidecar's image and container spec, and what the
 * agent's container gets. Pure: the caller creates and removes things. */
#pragma once

#include "../config/schema.h"
#include "../engine/engine.h"
#include "../workspace/workspace.h"
#include "credentials.h"
#include "image.h"

#define SC_PROXY_PORT 3128
/* "proxy" on the sidecar; agents have none. */
#define SC_LABEL_ROLE "io.sandcage.role"
#define SC_ROLE_PROXY "proxy"
/* The hash of the sidecar's configuration, which is in its name too. */
#define SC_LABEL_PROXY_CONF "io.sandcage.proxy-conf"

/* One allowlist entry. */
struct sc_allow_rule {
	char *host; /* "example.com", or "*.example.com": its subdomains */
	unsigned port;
};

/* Splits "HOST" or "HOST:PORT" (the port defaults to 443) and checks both: a
 * host name of letters, digits, `-` and `.`, optionally `*.` first; a port
 * from 1 to 65535. False when the entry is not valid. */
bool sc_allow_parse(const char *entry, char **host, unsigned *port);

/* The entries of `network.allow` and of every enabled service's `domains`,
 * in that order, without duplicates. */
void sc_allow_rules(const struct sc_config *cfg, struct sc_allow_rule **rules, size_t *n);
void sc_allow_rules_free(struct sc_allow_rule *rules, size_t n);

/* The proxy's squid.conf: HTTPS `CONNECT` to the allowed names and ports;
 * every other method, IP literals, and names that resolve to loopback,
 * link-local, private or otherwise special addresses are refused. Addresses
 * in `exempt` (CIDR subnets, a test and debug aid) are not refused for
 * allowed names. */
char *sc_proxy_conf(const struct sc_allow_rule *rules, size_t n, char *const *exempt);

/* The sidecar image: image.base with squid and a small entry script.
 * Tagged "sandcage-proxy:HASH[0..16]". */
int sc_proxy_image_plan(const struct sc_config *cfg, struct sc_image_plan **out,
                        struct sc_error **err);

struct sc_network_input {
	const struct sc_config *cfg;
	const struct sc_workspace *ws;
	const char *proxy_image; /* the sidecar image's tag */
	/* A test and debug aid: subnets the proxy may reach for allowed names
	 * (those of a network the sidecar also joins). NULL: none. */
	char *const *exempt;
	/* The credential proxy's plan, or NULL (none). */
	const struct sc_cred_plan *cred;
};

struct sc_network_plan {
	/* The network of the project and this allowlist and credential proxy,
	 * shared by the sessions that have all of them:
	 * "sandcage-NAME-net-KEY-HASH". An agent sees only its own proxy. */
	char *network;
	/* Without a way out (network.mode allowlist and none): the sidecar is
	 * the only thing reachable. `open` keeps the engine's way out. */
	bool internal;
	bool allowlist;    /* the sidecar runs squid */
	bool cred;         /* the sidecar runs the credential proxy */
	char *proxy;       /* the sidecar's container name: "sandcage-proxy-KEY-HASH" */
	char *proxy_url;   /* "http://NAME:3128" */
	char *conf;        /* squid.conf, or "" without an allowlist */
	char *conf_hash;   /* 16 hex digits over the image and the configuration */
	struct strv check; /* allowed names without wildcards, to resolve */
	struct strv network_labels;
	struct sc_container_spec sidecar;
};

/* 8 hex digits from the project's path: in the names of its networks,
 * sidecars and files. */
char *sc_network_project_key(const char *root);

void sc_network_plan(const struct sc_network_input *in, struct sc_network_plan *plan);
void sc_network_plan_release(struct sc_network_plan *plan);

/* Puts the agent's container on the project's network only and, with an
 * allowlist, points the proxy variables (both cases: programs read one or
 * the other) at the sidecar; with credentials, gives the agent the
 * placeholders and the proxy's URLs (sc_cred_apply). */
void sc_network_apply(const struct sc_network_plan *plan, const struct sc_cred_plan *cred,
                      const struct sc_config *cfg, const struct sc_service *service,
                      struct sc_container_spec *spec);

/* One line of the proxy's access log:
 * "2024-05-01T12:00:00Z 172.18.0.3 TCP_DENIED/403 CONNECT example.com:443". */
struct sc_proxy_log_entry {
	char time[32];
	char client[64];
	char result[64];
	int status;
	char method[32];
	char target[512];
	bool denied; /* refused by the rules (not a failure upstream) */
};

bool sc_proxy_log_parse(const char *line, struct sc_proxy_log_entry *e);
