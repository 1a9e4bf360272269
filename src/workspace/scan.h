/* Looking at the host's side of a workspace for what the sandbox must keep
 * read-only or hide: protected paths checked for symlinks, the submodules'
 * git directories, and files whose names mark them as secrets. The rules
 * (which paths, which names) come from the caller; this file only reads the
 * file system, never following a symlink out of the project. */
#pragma once

#include "../util/error.h"
#include "../util/vec.h"
#include "workspace.h"

/* Limits of the secret-file scan, so that a session in a large tree starts
 * fast: directories deeper than this are not looked into... */
#define SC_MASK_SCAN_DEPTH 6
/* ...and the scan stops after this many directory entries. */
#define SC_MASK_SCAN_ENTRIES 10000

/* Adds `path` (absolute, lexical) to `out` when it exists inside what the
 * container mounts (the root, the git directories) and has no symlink in it;
 * with `create`, a missing path whose parent is real and inside the verified
 * git directories (never elsewhere) is made first (empty,
 * a directory when `dir`), so that the agent cannot make it. A path that is
 * a symlink, or lies below one, is an error: the agent could replace it. A
 * path this user cannot reach is left out (the agent, the same user, cannot
 * reach it either). */
int sc_workspace_protect_path(const struct sc_workspace *ws, const char *path, bool dir,
                              bool create, struct strv *out, struct sc_error **err);

/* The git directories of the submodules under the common git directory's
 * `modules/` (nested ones included), at most 1000 entries looked at. */
void sc_workspace_module_git_dirs(const struct sc_workspace *ws, struct strv *out);

/* The entries (directories, not links) of `<git_dir>/worktrees/`: the git
 * directories of its linked worktrees; at most 1000 entries looked at. */
void sc_workspace_worktree_entries(const char *git_dir, struct strv *out);

/* Appends to `out` the regular files under the root whose name `match`
 * accepts (symlinks to regular files inside the root: their target), not
 * looking into `.git`, `node_modules` or symlinked directories, within
 * SC_MASK_SCAN_DEPTH and SC_MASK_SCAN_ENTRIES. Returns true when the limits
 * cut the scan short. */
bool sc_workspace_scan_files(const struct sc_workspace *ws,
                             bool (*match)(void *ctx, const char *name), void *ctx,
                             struct strv *out);
