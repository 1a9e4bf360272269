/* The configuration schema: one struct for the whole configuration, filled
 * from a merged value tree and validated. Every setting keeps the origin
 * (layer, file, line, column) it came from. docs/configuration.md describes
 * every key. */
#pragma once

#include "../util/error.h"
#include "merge.h"
#include "value.h"

#include <stdint.h>

struct sc_cfg_str {
	char *value; /* never NULL after decoding */
	struct sc_origin origin;
};

struct sc_cfg_bool {
	bool value;
	struct sc_origin origin;
};

struct sc_cfg_int {
	int64_t value;
	struct sc_origin origin;
};

struct sc_cfg_num {
	double value;
	struct sc_origin origin;
};

/* A list of strings. `origin` is where the list was last set (replaced);
 * items appended by higher layers (`key+`) have their own origins. */
struct sc_cfg_list {
	struct sc_cfg_str *items;
	size_t len;
	struct sc_origin origin;
};

struct sc_cfg_map_entry {
	char *key;
	struct sc_cfg_str value;
};

/* A table of name -> string, in the order the keys were first defined. */
struct sc_cfg_map {
	struct sc_cfg_map_entry *items;
	size_t len;
	struct sc_origin origin;
};

/* A list of tables (mounts, a service's credentials): `items` points to
 * `len` structs of the kind the key's `sub` describes. */
struct sc_cfg_items {
	void *items;
	size_t len;
	struct sc_origin origin; /* where the list was set */
};

/* A key the credential proxy puts in requests for the agent
 * (`services.NAME.credentials`): the agent gets a placeholder. */
struct sc_cfg_credential {
	struct sc_cfg_str env;      /* the host variable with the key */
	struct sc_cfg_str header;   /* "x-api-key", or "authorization: Bearer" */
	struct sc_cfg_str upstream; /* "https://HOST" or "https://HOST:PORT" */
	struct sc_cfg_str url_env;  /* the variable that gets the proxy's URL, or "" */
	struct sc_origin origin;    /* the list item */
};

struct sc_service {
	char *name;
	bool builtin; /* claude, codex, gemini */
	struct sc_cfg_bool enabled;
	struct sc_cfg_list command;      /* never empty */
	struct sc_cfg_list install;      /* shell commands run at image build */
	struct sc_cfg_list env;          /* host variable names passed through */
	struct sc_cfg_list args;         /* appended to the command */
	struct sc_cfg_list domains;      /* for the network allowlist */
	struct sc_cfg_items credentials; /* struct sc_cfg_credential */
};

static inline const struct sc_cfg_credential *sc_service_credential(const struct sc_service *s,
                                                                    size_t i)
{
	return &((const struct sc_cfg_credential *)s->credentials.items)[i];
}

struct sc_cfg_mount {
	struct sc_cfg_str source; /* absolute */
	struct sc_cfg_str target; /* absolute */
	struct sc_cfg_bool readonly;
	struct sc_origin origin; /* the list item */
};

enum sc_network_mode {
	SC_NETWORK_OPEN,
	SC_NETWORK_NONE,
	SC_NETWORK_ALLOWLIST,
};

enum sc_credentials_mode {
	SC_CREDENTIALS_PROXY, /* keys stay on the host; the proxy puts them in requests */
	SC_CREDENTIALS_ENV,   /* keys are passed as variables (by name) */
};

enum sc_engine_kind {
	SC_ENGINE_AUTO,
	SC_ENGINE_DOCKER,
	SC_ENGINE_PODMAN,
};

/* Whose home a session mounts (docs/security.md, "What projects share"). */
enum sc_home_scope {
	SC_HOME_PROJECT, /* a volume per project; logins shared through a store */
	SC_HOME_SHARED,  /* one volume for every project (what earlier versions did) */
};

struct sc_config {
	struct {
		struct sc_cfg_str base;
		struct sc_cfg_str dockerfile;       /* absolute, or "" for the generated one */
		struct sc_cfg_list ca_certificates; /* absolute */
		struct sc_cfg_str build_network;
	} image;
	struct sc_cfg_map toolchains; /* node, python, rust, go -> version */
	struct sc_cfg_list packages;
	struct {
		struct sc_service *items; /* built-ins first, then custom ones */
		size_t len;
	} services;
	struct sc_cfg_map env;
	struct sc_cfg_list env_passthrough;
	struct sc_cfg_items mounts; /* struct sc_cfg_mount */
	struct {
		struct {
			enum sc_network_mode value;
			struct sc_origin origin;
		} mode;
		struct sc_cfg_list allow;
	} network;
	struct {
		struct sc_cfg_str memory; /* as written, e.g. "8g" */
		int64_t memory_bytes;
		struct sc_cfg_num cpus; /* 0: no limit */
		struct sc_cfg_int pids;
	} resources;
	struct {
		struct sc_cfg_bool enabled;
	} ssh;
	struct {
		struct sc_cfg_str volume;
		/* Global layer and flags only (src/plan/security.c). */
		struct {
			enum sc_home_scope value;
			struct sc_origin origin;
		} scope;
	} home;
	/* Read from the global layer only (src/plan/security.c rejects them elsewhere). */
	struct {
		struct {
			enum sc_credentials_mode value;
			struct sc_origin origin;
		} mode;
		struct sc_cfg_str ca_file; /* extra CA certificates for the upstreams, or "" */
	} credentials;
	struct {
		enum sc_engine_kind value;
		struct sc_origin origin;
	} engine;
	struct {
		struct sc_cfg_str registry_url;
		struct sc_cfg_bool strip_terminal;
	} acp;
	/* Read from the global layer only (src/plan/security.c rejects them elsewhere). */
	struct {
		/* Relative to the project; a `/` at the end means a directory. */
		struct sc_cfg_list protected_paths;
		struct sc_cfg_list masked_files; /* file name patterns; `!PATTERN` excepts */
	} security;
};

static inline const struct sc_cfg_mount *sc_cfg_mount_at(const struct sc_config *cfg, size_t i)
{
	return &((const struct sc_cfg_mount *)cfg->mounts.items)[i];
}

void sc_config_free(struct sc_config *cfg);
static inline void cleanup_configp(struct sc_config **cfg)
{
	sc_config_free(*cfg);
}
#define _cleanup_config_ _cleanup_(cleanup_configp)

/* The built-in defaults as a value tree (positions empty): the bottom layer
 * of every merge. */
struct sc_value *sc_config_defaults(void);

/* Decodes a merged tree (see merge.h: the layer of each node in `flags`) into
 * a validated configuration. Errors start with "FILE:LINE:COL: `key.path`: ";
 * several are joined by newlines. */
int sc_config_decode(const struct sc_value *merged, struct sc_config **out, struct sc_error **err);

/* Checks one layer's tree on its own, before merging, so that a bad value is
 * reported even when a higher layer overrides it. Settings that may come
 * from another layer (a custom harness's `command`) are not required. */
int sc_config_check_layer(const struct sc_value *tree, enum sc_layer layer, struct sc_error **err);

/* NULL when there is no such service. */
const struct sc_service *sc_config_service(const struct sc_config *cfg, const char *name);

/* A NULL-terminated copy of a list's values (free with strv_free). */
char **sc_cfg_list_strv(const struct sc_cfg_list *list);

/* The shortest text that reads back as `x` ("1.5", "0.1", "4"). */
char *sc_cfg_format_number(double x);

const char *sc_network_mode_name(enum sc_network_mode mode);
const char *sc_credentials_mode_name(enum sc_credentials_mode mode);
/* "" for auto. */
const char *sc_engine_name(enum sc_engine_kind engine);
const char *sc_home_scope_name(enum sc_home_scope scope);

/* Command names a service may not take (they would shadow `sandcage NAME`). */
extern const char *const sc_reserved_names[];
