/* Trust for the project's configuration files. `.sandcage.yml` comes with the
 * repository and `.sandcage.local.yml` lies in it: an agent can write both.
 * Settings that widen what a container may reach (mounts, host variables,
 * network, SSH, resources above the defaults, a custom Dockerfile, harness
 * commands...) are taken from them only after the user approved the file's
 * exact content. The approval is a record in GLOBAL/trust.json: the file's
 * path, the SHA-256 of its content, and the wording of what it granted, so
 * that a changed file can be shown as a difference. */
#pragma once

#include "../util/error.h"
#include "../util/vec.h"
#include "merge.h"
#include "schema.h"

/* One thing a file grants. */
struct sc_grant {
	char *text;              /* stable wording: recorded and compared */
	struct sc_origin origin; /* where the file says it */
};
void sc_grant_free(void *grant);

/* What the values `layer` set in `cfg` grant beyond the defaults, in the
 * order of docs/security.md. Fills `out` with struct sc_grant *. Pure. */
void sc_trust_grants(const struct sc_config *cfg, enum sc_layer layer, struct vec *out);

/* The SHA-256 of a file's content, as 64 hex digits; *exists false (and 0
 * returned) when the file does not exist. */
int sc_trust_hash_file(const char *path, bool *exists, char sha256[65], struct sc_error **err);

/* A file (or a build context, its path ending in "/") that an approved
 * configuration points to: part of what is approved. */
struct sc_trust_ref {
	char *path;
	char sha256[65];
};
void sc_trust_ref_free(void *ref);
/* Adds a struct sc_trust_ref to `refs`. */
void sc_trust_ref_add(struct vec *refs, const char *path, const char *sha256);

struct sc_trust_record {
	char *path;       /* the configuration file, absolute */
	char *sha256;     /* of its content when approved */
	char *trusted_at; /* "2024-05-01T12:00:00Z" */
	struct strv grants;
	/* "files" in trust.json: what it pointed to, by content hash (a record
	 * written before sandcage hashed them has none: a configuration that
	 * points to files asks again once). */
	struct vec refs; /* struct sc_trust_ref * */
};

struct sc_trust_store {
	struct vec records; /* struct sc_trust_record * */
};

/* GLOBAL/trust.json */
char *sc_trust_store_path(const char *global_dir);
/* A missing file is an empty store; one that does not parse is an error. */
int sc_trust_store_load(const char *path, struct sc_trust_store **out, struct sc_error **err);
/* Writes atomically, readable by the user only; creates the directory. */
int sc_trust_store_save(const struct sc_trust_store *store, const char *path,
                        struct sc_error **err);
void sc_trust_store_free(struct sc_trust_store *store);
static inline void cleanup_trust_storep(struct sc_trust_store **s)
{
	sc_trust_store_free(*s);
}
#define _cleanup_trust_store_ _cleanup_(cleanup_trust_storep)

/* NULL when there is no record for `path`. */
const struct sc_trust_record *sc_trust_store_find(const struct sc_trust_store *store,
                                                  const char *path);
/* Records (or replaces) the approval of `path` with this content and grants
 * (struct sc_grant *). */
void sc_trust_store_put(struct sc_trust_store *store, const char *path, const char *sha256,
                        const struct vec *grants, const char *now);
/* The same with the files it points to (struct sc_trust_ref *; NULL: none). */
void sc_trust_store_put_refs(struct sc_trust_store *store, const char *path, const char *sha256,
                             const struct vec *grants, const struct vec *refs, const char *now);
/* False when there was no record. */
bool sc_trust_store_remove(struct sc_trust_store *store, const char *path);

enum sc_trust_state {
	SC_TRUST_NOT_NEEDED, /* the file grants nothing beyond the defaults */
	SC_TRUST_TRUSTED,    /* approved with this very content, and grants nothing more */
	SC_TRUST_NEW,        /* never approved */
	SC_TRUST_CHANGED,    /* approved with another content */
};

/* `rec` may be NULL. A record of this content whose grants do not cover
 * `grants` (the file changed between reading it for the configuration and
 * hashing it) is CHANGED. */
enum sc_trust_state sc_trust_state(const struct sc_trust_record *rec, const char *sha256,
                                   const struct vec *grants);
/* The same, and every file in `refs` (struct sc_trust_ref *; NULL: none) must
 * have been approved with this content: else CHANGED. */
enum sc_trust_state sc_trust_state_refs(const struct sc_trust_record *rec, const char *sha256,
                                        const struct vec *grants, const struct vec *refs);
/* Whether `rec` (may be NULL) approved `ref` with this content. */
bool sc_trust_ref_approved(const struct sc_trust_record *rec, const struct sc_trust_ref *ref);

/* What changed, one line per grant: "+ TEXT" granted now and not before,
 * "- TEXT" granted before and not now, "  TEXT" both; `rec` may be NULL
 * (every grant is new). Lines end with "\n". */
char *sc_trust_diff(const struct sc_trust_record *rec, const struct vec *grants);
