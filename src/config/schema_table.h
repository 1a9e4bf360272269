/* The schema as data: one table per configuration table (the root, a
 * service, a mount), one row per key. The defaults (sc_config_defaults), the
 * decoder (schema.c), freeing, both renderers (render.c) and the trust
 * classification (trust.c, grants.c) walk these tables; adding a key is
 * adding a row. Internal to src/config/. */
#pragma once

#include "../util/vec.h"
#include "schema.h"

#include <stddef.h>

enum sc_key_kind {
	SC_KEY_TABLE,    /* `sub` keys, fields in the same struct */
	SC_KEY_STR,      /* struct sc_cfg_str */
	SC_KEY_FILE,     /* struct sc_cfg_str: an existing regular file, or "" */
	SC_KEY_SOURCE,   /* struct sc_cfg_str: an existing path (a mount's source) */
	SC_KEY_TARGET,   /* struct sc_cfg_str: an absolute path, normalised */
	SC_KEY_MEMORY,   /* struct sc_cfg_str, and the bytes (int64_t) at `aux` */
	SC_KEY_BOOL,     /* struct sc_cfg_bool */
	SC_KEY_INT,      /* struct sc_cfg_int, greater than 0 */
	SC_KEY_CPUS,     /* struct sc_cfg_num, 0 or more */
	SC_KEY_ENUM,     /* an int-sized enum, its struct sc_origin at `aux` */
	SC_KEY_LIST,     /* struct sc_cfg_list */
	SC_KEY_COMMAND,  /* struct sc_cfg_list: a string is a one-item list; not empty */
	SC_KEY_FILES,    /* struct sc_cfg_list of existing regular files */
	SC_KEY_MAP,      /* struct sc_cfg_map */
	SC_KEY_SERVICES, /* sc_config.services: name -> a table of `sub` keys */
	SC_KEY_ITEMS,    /* struct sc_cfg_items: a list of tables of `sub` keys */
};

/* How a kind's field is stored (what defaults, freeing and rendering see). */
enum sc_key_store {
	SC_STORE_TABLE,    /* SC_KEY_TABLE */
	SC_STORE_STR,      /* struct sc_cfg_str */
	SC_STORE_BOOL,     /* struct sc_cfg_bool */
	SC_STORE_INT,      /* struct sc_cfg_int */
	SC_STORE_NUM,      /* struct sc_cfg_num */
	SC_STORE_ENUM,     /* an int-sized enum and an origin */
	SC_STORE_LIST,     /* struct sc_cfg_list */
	SC_STORE_MAP,      /* struct sc_cfg_map */
	SC_STORE_SERVICES, /* sc_config.services */
	SC_STORE_ITEMS,    /* struct sc_cfg_items */
};

/* NULL when `s` is fine, else the message (to free). */
typedef char *(*sc_check_fn)(const char *s);

struct sc_key;

/* How trust sees a key set by a project or local file. Every row says which
 * (tests/unit/test-validate.c fails on a row that does not); a row left
 * unclassified is treated as a grant. */
enum sc_key_trust {
	SC_KEY_UNCLASSIFIED = 0,
	SC_KEY_HARMLESS, /* cannot widen what a session reaches, whatever the value */
	SC_KEY_GRANT,    /* needs trust: `grant` says for which values, else any value */
};

/* What a trust-needing key's value grants, for sc_trust_grants. */
struct sc_grant_ctx {
	const struct sc_config *cfg;
	enum sc_layer layer;
	const struct sc_service *svc; /* for a service's keys */
	const char *table;            /* the key's table, "image." ("" at the root) */
	struct vec *out;              /* struct sc_grant * */
};
typedef void (*sc_grant_fn)(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                            const void *field);

struct sc_key {
	const char *name;
	enum sc_key_kind kind;
	size_t offset; /* of the field in the table's struct */
	size_t aux;    /* SC_KEY_MEMORY: the bytes; SC_KEY_ENUM: the origin; SC_KEY_ITEMS: an
	                  item's origin, in the item */
	struct {
		const char *str; /* strings, enums, memory */
		const char *const *list;
		bool boolean;
		int64_t integer;
	} def;
	sc_check_fn check;        /* each string (list item, map value) */
	bool appendable;          /* `key+` adds to the list */
	const struct sc_key *sub; /* SC_KEY_TABLE, SC_KEY_SERVICES, SC_KEY_ITEMS */
	/* SC_KEY_ITEMS: the size of one item's struct, and the item in
	 * messages ("a mount needs `source`"). */
	size_t item_size;
	const char *item;
	/* SC_KEY_ENUM: the names by value, and how an error lists them. */
	const char *const *names;
	const char *allowed;
	/* SC_KEY_MAP: the keys allowed, or a check of each key; and whether
	 * values may be any scalar (else version strings). */
	const char *const *known;
	const char *what; /* a known key, in messages: "toolchain" */
	sc_check_fn key_check;
	bool scalars;
	/* Trust: harmless, or a grant; a project or local file setting a grant
	 * key needs approval for what `grant` reports (NULL: sc_grant_setting,
	 * any value set); `grant_rank` orders the grants (docs/security.md). */
	enum sc_key_trust trust;
	sc_grant_fn grant;
	unsigned grant_rank;
	bool required; /* a table of this kind is incomplete without it */
};

/* Terminated by a row with a NULL name. */
extern const struct sc_key sc_schema_root[];
extern const struct sc_key sc_schema_service[];
extern const struct sc_key sc_schema_mount[];
extern const struct sc_key sc_schema_credential[];

/* Built-in services. */
extern const char *const sc_builtin_services[];

static inline void *sc_key_field(void *base, const struct sc_key *key)
{
	return (char *)base + key->offset;
}

static inline const void *sc_key_cfield(const void *base, const struct sc_key *key)
{
	return (const char *)base + key->offset;
}

enum sc_key_store sc_key_store(const struct sc_key *key);

/* An enum key's value and origin. */
int sc_key_enum_get(const void *base, const struct sc_key *key, struct sc_origin *origin);
void sc_key_enum_set(void *base, const struct sc_key *key, int value, struct sc_origin origin);

/* Frees the items of a list and empties it. */
void sc_cfg_list_release(struct sc_cfg_list *l);
/* Frees the fields of `keys` in `base`. */
void sc_schema_release(const struct sc_key *keys, void *base);

/* The grant functions (grants.c). */
/* Any value the layer set: "set `image.base` to `x`", one per list item or
 * map entry. */
void sc_grant_setting(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field);
/* A boolean set to true (services.NAME.enabled). */
void sc_grant_enabled(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field);
void sc_grant_strip_terminal(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                             const void *field);
void sc_grant_mounts(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field);
/* Each credential entry: "send the host variable's value to HOST". */
void sc_grant_credentials(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                          const void *field);
void sc_grant_passthrough(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                          const void *field);
void sc_grant_env(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field);
void sc_grant_service_env(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                          const void *field);
void sc_grant_service_command(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                              const void *field);
void sc_grant_service_args(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                           const void *field);
void sc_grant_service_install(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                              const void *field);
void sc_grant_service_domains(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                              const void *field);
void sc_grant_network_mode(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                           const void *field);
void sc_grant_network_allow(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                            const void *field);
void sc_grant_ssh(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field);
void sc_grant_memory(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field);
void sc_grant_cpus(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field);
void sc_grant_pids(const struct sc_grant_ctx *ctx, const struct sc_key *key, const void *field);
void sc_grant_dockerfile(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                         const void *field);
void sc_grant_ca_certificates(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                              const void *field);
void sc_grant_build_network(const struct sc_grant_ctx *ctx, const struct sc_key *key,
                            const void *field);
