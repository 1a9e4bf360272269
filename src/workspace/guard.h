/* What must not change during a session, compared after it: the state of
 * the git files that make git run code or redirect it (docs/security.md,
 * "Host git never runs what the agent wrote"), and the git repositories
 * nested in the project, which the host's git enters as submodules. */
#pragma once

#include "../util/vec.h"
#include "workspace.h"

struct sc_guard {
	struct strv deep;    /* files, and directories with everything below them */
	struct strv shallow; /* only whether each exists and what it is */
	struct strv aside;   /* missing at the start: moved aside when they appear */
	struct strv skip;    /* directories below `deep` not looked into */
	/* The recorded states, one per path looked at. */
	struct strv paths;
	struct strv states;
};
#define SC_GUARD_INIT                                                                              \
	{                                                                                          \
		STRV_INIT, STRV_INIT, STRV_INIT, STRV_INIT                                         \
	}

/* Limits of what is looked at below one directory. */
#define SC_GUARD_DEPTH   4
#define SC_GUARD_ENTRIES 2000

/* Records the state of `deep` and `aside` (regular files by content hash,
 * directories with what they hold, links by target, absence) and of the
 * `.git` entries nested in the project (within SC_MASK_SCAN_DEPTH): for
 * each, its kind and, for a `.git` directory, its config, hooks and
 * commondir. `aside` are paths git never writes that redirect it when they
 * exist (a repository's `commondir`). Below `deep`, the directories of
 * `skip` (git's working data: a submodule's git directory writable inside
 * a read-only `modules/`) are not looked into. */
void sc_guard_snapshot(struct sc_guard *g, const struct sc_workspace *ws, char *const *deep,
                       char *const *aside, char *const *skip);
/* Appends to `changed` every path whose state differs now: changed or
 * appeared (a nested `.git` too); a path of `aside` missing at the start
 * that appeared is renamed to `PATH.sandcage-moved-aside` (git does not read
 * it there), which the entry says. Never follows a link. */
void sc_guard_changes(const struct sc_guard *g, const struct sc_workspace *ws,
                      struct strv *changed);
void sc_guard_release(struct sc_guard *g);
