/* The login store, kept in step by the container's first program: with
 * `home.scope: project` every project has a home of its own, and only the
 * agents' credential files travel between them, through a directory of the
 * host (~/.sandcage/logins) mounted in every session. Before the agent runs
 * the store's newer copies go into HOME; after it ended what the agent
 * changed (a login, a refreshed token) goes back. Nothing else of a home
 * reaches another project: no shell rc, no agent settings, no hooks.
 *
 * Everything read here, in HOME and in the store, is written by agents that
 * run as the same user: files are opened relative to directory descriptors
 * with no link followed in any component, must be regular files of at most
 * MC_LOGIN_MAX bytes, and are replaced by rename (a planted link is
 * replaced, never written through). A bad file is skipped with one line on
 * the report, never a crash or a wait.
 *
 * Only libc and jansson (linked statically into sandcage-mountcheck). */
#pragma once

#include "check.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* The largest credential file copied. */
#define MC_LOGIN_MAX (1u << 20)

/* The marker the migration leaves in the store (the host looks for it). */
#define MC_LOGINS_MARKER ".migrated"

struct mc_login {
	const char *home;  /* relative to HOME: ".codex/auth.json" */
	const char *store; /* a name in the store: "codex-auth.json" */
	/* NULL: the whole file. Else the keys ("a,b,c") of the JSON object in
	 * `home` that are shared; the store holds an object of them. */
	const char *keys;
};

/* What mc_logins_in() left in HOME, for mc_logins_out() to skip a file the
 * session did not touch without reading it (~/.claude.json can be large). */
struct mc_login_state {
	bool in_step; /* HOME's copy had the store's content when the agent started */
	struct stat st;
};

struct mc_logins {
	const char *home;    /* the container user's HOME */
	const char *store;   /* where the login store is mounted */
	const char *migrate; /* the old shared home volume (read-only), or NULL */
	const struct mc_login *items;
	size_t n;
	struct mc_login_state *state; /* n entries (zeroed), or NULL */
};

/* Parses the value of --login=HOME:STORE or (json) --login-json=HOME:STORE:KEYS
 * in place (it is modified; `out` points into it). False when malformed:
 * HOME not a relative path without "." or ".." components, STORE not a
 * plain name, KEYS empty. */
bool mc_login_parse(char *spec, bool json, struct mc_login *out);

/* Before the agent: the migration (when `migrate` is set: each login the
 * store lacks, from the old home; then the marker), then store -> HOME for
 * each login HOME lacks or whose store copy is newer. */
void mc_logins_in(const struct mc_logins *l, mc_report_fn report, void *data);

/* After the agent: HOME -> store for each login the session changed. */
void mc_logins_out(const struct mc_logins *l, mc_report_fn report, void *data);
