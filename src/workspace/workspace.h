/* The project an agent works on: the git root of a path (or the path itself
 * outside git), and for git worktrees the common git directory that must be
 * mounted too for git to work inside the container. */
#pragma once

#include "../util/error.h"

struct sc_workspace {
	char *root;       /* absolute, symlinks resolved: the git top level, or the directory */
	char *git_dir;    /* the repository's .git directory (for a worktree: .git/worktrees/NAME);
	                     NULL outside git */
	char *common_dir; /* the common git directory; NULL outside git */
	bool in_git;
	bool is_worktree; /* `.git` in root is a file */
	char *name;       /* basename of root, for container names */
};

/* `path` NULL means the current directory. Does not run git: it reads `.git`
 * directories and files the way git does (gitdir: and commondir), as the
 * agent's data. A git directory a `.git` file names is used only when it is
 * a git directory and git's own link back names this project: for a
 * worktree, `<common>/worktrees/NAME` with `commondir` `../..` and `gitdir`
 * naming `<root>/.git`; otherwise (a submodule, a separate git directory)
 * its `core.worktree`. Anything else, and a `.git` that is a symbolic link,
 * FIFO or device, is an error naming the file, where it points and the fix.
 * git_dir and common_dir are therefore verified. */
int sc_workspace_resolve(const char *path, struct sc_workspace **out, struct sc_error **err);
void sc_workspace_free(struct sc_workspace *ws);
/* A git config file's text without its `core.worktree` entries, read as
 * sc_workspace_resolve() reads it; NULL when it has none (or is not one). */
char *sc_workspace_config_without_worktree(const char *text);
static inline void cleanup_workspacep(struct sc_workspace **ws)
{
	sc_workspace_free(*ws);
}
#define _cleanup_workspace_ _cleanup_(cleanup_workspacep)
