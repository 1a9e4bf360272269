/* The checks a configuration passes before anything starts: the security
 * rules with this host's facts (resolved paths, sockets, the home and the
 * global directory), and trust for the project's own files (.sandcage.yml
 * and .sandcage.local.yml), whose content is approved by hash. */
#pragma once

#include "../config/merge.h"
#include "../config/schema.h"
#include "../config/trust.h"
#include "../workspace/workspace.h"

/* sc_security_check with this host's facts: the home, the global directory
 * `global_dir`, realpath. */
int sc_launch_security_check(const struct sc_config *cfg, const struct sc_workspace *ws,
                             const char *global_dir, struct sc_error **err);

/* sc_security_project_check with this host's facts: the project root may
 * be given to a container (not the home directory, `/`, a credential,
 * system or shared directory). */
int sc_launch_project_check(const struct sc_workspace *ws, const char *global_dir,
                            struct sc_error **err);

/* One of the project's configuration files as trust sees it. */
struct sc_trust_file {
	const char *label; /* "project" or "local" */
	char *path;
	enum sc_layer layer;
	bool exists;
	char sha256[65];
	struct vec grants; /* struct sc_grant * */
	/* The files its grants point to, by content: the custom Dockerfile, its
	 * build context (path ending in "/"), the CA certificate files. */
	struct vec refs; /* struct sc_trust_ref * */
	enum sc_trust_state state;
	const struct sc_trust_record *record; /* in the store given; may be NULL */
};

/* Both files of a project: [0] .sandcage.yml, [1] .sandcage.local.yml. */
struct sc_trust_files {
	struct sc_trust_file f[2];
};
void sc_trust_files_release(struct sc_trust_files *files);

/* Fills both files (hashed, their grants and state against `store`, which may
 * be NULL). On failure nothing is left to release. */
int sc_trust_inspect(const struct sc_workspace *ws, const struct sc_config *cfg,
                     const struct sc_trust_store *store, struct sc_trust_files *out,
                     struct sc_error **err);

/* What a file grants, for a person: a first line with its state, then one
 * indented line per grant (+ new, - no longer) against what was approved
 * before. Lines end with "\n". */
char *sc_trust_describe(const struct sc_trust_file *f);

/* Records the approval of `f` in `store` (now) and saves it to `store_path`. */
int sc_trust_approve(struct sc_trust_store *store, const char *store_path,
                     const struct sc_trust_file *f, struct sc_error **err);
