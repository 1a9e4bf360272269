/* The security rules: the checks that keep a configuration from opening the
 * sandbox (dangerous mounts, environment variables that change how programs
 * run or where traffic goes, names that could become paths or options), and
 * the read-only mounts and masks that keep an agent from planting what the
 * host later runs or from reading secret files. Pure: facts about the host
 * file system (resolved paths, what a scan of the project found) come in as
 * arguments. docs/security.md explains the threat model. */
#pragma once

#include "../config/schema.h"
#include "../engine/engine.h"
#include "../util/vec.h"
#include "../workspace/workspace.h"

/* What the check needs to know about the host. */
struct sc_security_host {
	const char *home;       /* the user's home directory (absolute) */
	const char *global_dir; /* sandcage's global directory: trust records live there */
	/* Resolves the symlinks of an existing path (realpath) and says whether
	 * it is a socket; NULL when it cannot be resolved. A NULL callback takes
	 * paths as they are written. */
	char *(*resolve)(void *ctx, const char *path, bool *socket);
	void *ctx;
};

/* Checks the configuration against the rules of docs/security.md: mounts
 * (after resolving symlinks), mount targets, environment names and values,
 * variables only the global layer may set, names with `/`, `..` or a leading
 * `-`, and `security.*` outside the global layer. All errors at once, one
 * per line: "FILE:LINE:COL: `key`: what is wrong; what to do". */
int sc_security_check(const struct sc_config *cfg, const struct sc_security_host *host,
                      const struct sc_workspace *ws, struct sc_error **err);

/* Why the host path `path` (resolved; `socket`: it is one) may not be given
 * to a container, or NULL: the root, the home directory or a directory above
 * it, a container engine's socket or any socket, a credential or setting the
 * host runs in the home directory (~/.ssh, ~/.aws, ~/.bashrc...), sandcage's
 * own directory, a system directory; each "is, holds or is inside". The
 * mount sources' rules, before those about the project itself. */
char *sc_security_host_path_problem(const struct sc_security_host *host, const char *path,
                                    bool socket);

/* Whether the project root `ws->root` (resolved) may be mounted into a
 * container: the rules of a mount source (sc_security_host_path_problem),
 * and not a directory every program shares itself (/tmp, /var/tmp,
 * /dev/shm; below them is fine). The error says why, what the agent would
 * get, and what to do; inside git, that the repository's top level is the
 * project (`-p` a subdirectory does not help). */
int sc_security_project_check(const struct sc_security_host *host, const struct sc_workspace *ws,
                              struct sc_error **err);

/* Whether `name` is a variable that changes how programs run, where traffic
 * goes, or reaches the host (LD_PRELOAD, NODE_OPTIONS, GIT_SSH_COMMAND,
 * HTTPS_PROXY, ANTHROPIC_BASE_URL, DOCKER_HOST, SSH_AUTH_SOCK...); such
 * variables may only come from the global configuration. Case-insensitive. */
bool sc_security_env_denied(const char *name);

/* A path to keep read-only inside the container. */
struct sc_protect_candidate {
	char *path;  /* absolute, lexical */
	bool dir;    /* written with a `/` at the end */
	bool create; /* inside a git directory: created empty when missing, so
	                that the agent cannot create it */
};
void sc_protect_candidate_free(void *candidate);

/* The paths of security.protected_paths for this workspace: relative to the
 * project root; entries under `.git/` are taken in the common git directory
 * (worktrees: also `config.worktree` of the worktree's own git directory),
 * and for a worktree the `.git` file itself. Fills `out` with
 * struct sc_protect_candidate *. */
void sc_security_protected_paths(const struct sc_config *cfg, const struct sc_workspace *ws,
                                 struct vec *out);

/* The kinds of git directory whose files make git run code or redirect it. */
enum sc_git_dir_kind {
	SC_GIT_DIR_REPO,           /* a repository's: the common one, a submodule's */
	SC_GIT_DIR_WORKTREE_ENTRY, /* a linked worktree's `<common>/worktrees/NAME` */
};

/* Adds to `out` (struct sc_protect_candidate *) the paths of the git
 * directory `dir` that git reads to decide what to run or where its
 * configuration is, kept read-only inside whatever protected_paths says: a
 * repository's `config`, `config.worktree`, `hooks/`, `modules/`,
 * `worktrees/` (created when missing), `remotes/` and `branches/` (when
 * present); a worktree entry's `gitdir`, `commondir` and `config.worktree`.
 * The rest of the directory stays writable: git replaces its working files
 * (index, HEAD, packed-refs...) by a lock file renamed in that directory. */
void sc_security_git_dir_paths(const char *dir, enum sc_git_dir_kind kind, struct vec *out);

/* The paths of `dir` that stay writable but make host git run what is in
 * them, compared after the session: `watched`, a rebase's todo list (run,
 * `exec` lines included, by `git rebase --continue`); `aside`, a
 * repository's `commondir`, which git never writes there, and which would
 * send git to another directory's config (it cannot be made read-only: a
 * mount needs it to exist, and git would use an existing one). */
void sc_security_git_dir_watched(const char *dir, enum sc_git_dir_kind kind, struct strv *watched,
                                 struct strv *aside);

/* Whether a file name matches security.masked_files (the last matching
 * pattern decides; `!PATTERN` excepts). */
bool sc_security_masked_name(const struct sc_config *cfg, const char *name);

/* What the host's file system gave, checked by the caller: every path
 * absolute, existing, free of symlinks, inside what the container mounts. */
struct sc_protect_set {
	struct strv readonly; /* files and directories mounted read-only at their own path */
	struct strv masked;   /* regular files: an empty read-only file is mounted over each */
	const char *empty;    /* that empty file on the host */
};

/* Adds the protection mounts to a planned spec: each read-only path, each
 * directory between a mount root (the project, the git directories) and a
 * read-only path mounted at its own path so that it cannot be renamed away
 * (read-write unless it is a read-only path itself), and the masks. A target the spec already has
 * is left alone. */
void sc_security_protect(const struct sc_protect_set *set, struct sc_container_spec *spec);
