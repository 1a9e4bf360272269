/* The security steps every command that starts a container takes, shared by
 * run.c, doctor.c and trust.c: checking the configuration (with the host
 * facts it needs: resolved paths, sockets), the trust gate for the project's
 * files, and the protection mounts (with the scan for secret files). */
#pragma once

#include "../config/merge.h"
#include "../config/schema.h"
#include "../config/trust.h"
#include "../engine/engine.h"
#include "../workspace/workspace.h"

/* sc_security_check with this host's facts: home, global directory,
 * realpath. */
int sc_cmd_security_check(const struct sc_config *cfg, const struct sc_workspace *ws,
                          struct sc_error **err);

/* One of the project's configuration files as trust sees it. */
struct sc_cmd_trust_file {
	const char *label; /* "project" or "local" */
	char *path;
	enum sc_layer layer;
	bool exists;
	char sha256[65];
	struct vec grants; /* struct sc_grant * */
	enum sc_trust_state state;
	const struct sc_trust_record *record; /* in the store given; may be NULL */
};
void sc_cmd_trust_file_release(struct sc_cmd_trust_file *f);

/* Fills files[0] (.sandcage.yml) and files[1] (.sandcage.local.yml). */
int sc_cmd_trust_inspect(const struct sc_workspace *ws, const struct sc_config *cfg,
                         const struct sc_trust_store *store, struct sc_cmd_trust_file files[2],
                         struct sc_error **err);

/* Prints what a file grants (the difference to what was approved before) to
 * stderr. */
void sc_cmd_trust_print(const struct sc_cmd_trust_file *f, FILE *out);

/* Records the approval of `f` in `store` and saves it to `store_path`. */
int sc_cmd_trust_record(struct sc_trust_store *store, const char *store_path,
                        const struct sc_cmd_trust_file *f, struct sc_error **err);

/* Asks a yes/no question on the terminal; false without one. */
bool sc_cmd_ask(const char *question);

/* Before a container starts: the configuration check, then the trust gate
 * (asks on a terminal; refuses with what the file grants without one).
 * Prints; returns SC_EXIT_OK or the exit code to end with. */
int sc_cmd_security_gate(const struct sc_workspace *ws, const struct sc_config *cfg);

/* After sc_container_plan(): finds the protected paths and the secret files
 * on the host (refusing a protected path that is a symbolic link), adds the
 * protection mounts, and applies SANDCAGE_DEBUG_CAP_ADD (a debug aid that
 * weakens the container, for testing `sandcage doctor`). */
int sc_cmd_security_protect(const struct sc_config *cfg, const struct sc_workspace *ws,
                            struct sc_container_spec *spec, struct sc_error **err);

/* Limits of the secret-file scan, so that a session in a large tree starts
 * fast: directories deeper than this are not looked into... */
#define SC_MASK_SCAN_DEPTH 6
/* ...and the scan stops after this many directory entries. */
#define SC_MASK_SCAN_ENTRIES 10000
