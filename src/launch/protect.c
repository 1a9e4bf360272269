/* The protection mounts of a session: the pure rules of plan/security.c with
 * what the host scans of workspace/scan.c found. */
#include "../plan/security.h"
#include "../util/fs.h"
#include "../util/hash.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../workspace/guard.h"
#include "../workspace/scan.h"
#include "internal.h"

#include <fcntl.h>
#include <sys/stat.h>

/* The submodules' git directories get the protection of `.git/hooks/` and
 * `.git/config`: each has hooks and config the host's git runs. */
static void add_module_candidates(const struct sc_workspace *ws, struct vec *cands)
{
	_cleanup_strvec_ struct strv mods = STRV_INIT;
	sc_workspace_module_git_dirs(ws, &mods);
	size_t n = cands->len;
	for (size_t i = 0; i < n; i++) {
		const struct sc_protect_candidate *c = cands->items[i];
		if (!c->create || !path_is_within(c->path, ws->common_dir) ||
		    streq(c->path, ws->common_dir))
			continue;
		const char *rel = c->path + strlen(ws->common_dir) + 1;
		for (size_t m = 0; m < mods.len; m++) {
			struct sc_protect_candidate *mc = xcalloc(1, sizeof(*mc));
			mc->path = path_join(mods.v[m], rel);
			mc->dir = c->dir;
			mc->create = true;
			vec_push(cands, mc);
		}
	}
}

/* The files of every git directory of the workspace that make git run code
 * or redirect it: the repositories' (the common one, each submodule's) and
 * their linked worktrees' entries. `watched` gets what cannot be made
 * read-only but is compared after the session. */
static void add_git_candidates(const struct sc_workspace *ws, struct vec *cands,
                               struct strv *watched, struct strv *aside)
{
	_cleanup_strvec_ struct strv repos = STRV_INIT;
	strv_push(&repos, ws->common_dir);
	sc_workspace_module_git_dirs(ws, &repos);
	for (size_t i = 0; i < repos.len; i++) {
		sc_security_git_dir_paths(repos.v[i], SC_GIT_DIR_REPO, cands);
		sc_security_git_dir_watched(repos.v[i], SC_GIT_DIR_REPO, watched, aside);
		_cleanup_strvec_ struct strv entries = STRV_INIT;
		sc_workspace_worktree_entries(repos.v[i], &entries);
		for (size_t k = 0; k < entries.len; k++) {
			sc_security_git_dir_paths(entries.v[k], SC_GIT_DIR_WORKTREE_ENTRY, cands);
			sc_security_git_dir_watched(entries.v[k], SC_GIT_DIR_WORKTREE_ENTRY,
			                            watched, aside);
		}
	}
}

/* What is compared after the session: the read-only git paths (the `.git`
 * file of a worktree too) and the watched ones. */
static void guard_git(struct sc_launch *l, const struct strv *readonly, const struct strv *watched,
                      const struct strv *aside)
{
	const struct sc_workspace *ws = l->ws;
	_cleanup_strvec_ struct strv roots = STRV_INIT;
	for (size_t i = 0; ws->in_git && i < readonly->len; i++) {
		const char *p = readonly->v[i];
		if (path_is_within(p, ws->common_dir) || path_is_within(p, ws->git_dir) ||
		    streq(path_basename(p), ".git"))
			strv_push(&roots, p);
	}
	strv_extend(&roots, watched->v);
	if (l->git_guard) {
		sc_guard_release(l->git_guard);
		free(l->git_guard);
	}
	l->git_guard = xcalloc(1, sizeof(*l->git_guard));
	*l->git_guard = (struct sc_guard)SC_GUARD_INIT;
	/* The writable mounts inside read-only ones are git's working data. */
	_cleanup_strvec_ struct strv skip = STRV_INIT;
	for (size_t i = 0; i < l->spec.mounts.len; i++) {
		const struct sc_spec_mount *m = l->spec.mounts.items[i];
		if (!m->volume && !m->readonly)
			strv_push(&skip, m->target);
	}
	sc_guard_snapshot(l->git_guard, ws, roots.v, aside->v, skip.v);
}

void sc_launch_git_changes(const struct sc_launch *l, struct strv *changed)
{
	if (l && l->git_guard)
		sc_guard_changes(l->git_guard, l->ws, changed);
}

/* `git submodule update` sets each submodule's `core.worktree` again, by a
 * lock file renamed over its config, which fails (EBUSY) on a read-only
 * mount. Inside, a submodule's git directory is found through its `.git`
 * file, which gives the work tree: the container sees a read-only copy of
 * its config (as it was at the start) without `core.worktree`, which git
 * then has no reason to write. The host's file is not changed. */
static void submodule_configs(struct sc_launch *l, char *const *modules)
{
	for (size_t i = 0; modules && modules[i]; i++) {
		_cleanup_free_ char *cfg = path_join(modules[i], "config");
		struct sc_spec_mount *m = NULL;
		for (size_t k = 0; k < l->spec.mounts.len && !m; k++) {
			struct sc_spec_mount *x = l->spec.mounts.items[k];
			if (x->readonly && !x->volume && streq(x->target, cfg) &&
			    streq(x->source, cfg))
				m = x;
		}
		_cleanup_free_ char *text = NULL;
		_cleanup_error_ struct sc_error *err = NULL;
		if (!m || fs_read_file_safe(AT_FDCWD, cfg, FS_MAX_CONFIG, &text, NULL, &err) < 0)
			continue;
		_cleanup_free_ char *without = sc_workspace_config_without_worktree(text);
		if (!without)
			continue;
		struct sha256 h;
		sha256_init(&h);
		sha256_update_field(&h, cfg);
		/* Named by its content too: written once, never replaced under a
		 * concurrent session that took it. */
		sha256_update_field(&h, without);
		char hex[65];
		sha256_hex(&h, hex);
		_cleanup_free_ char *dir = path_join(l->global_dir, "git-config");
		_cleanup_free_ char *copy = path_join(dir, hex);
		if (fs_mkdir_p(dir, 0700, &err) < 0 ||
		    fs_write_once(copy, without, strlen(without), 0444, &err) < 0) {
			sc_log_debug("keeping %s as it is inside: %s", cfg, err->msg);
			continue;
		}
		free(m->source);
		m->source = steal_pointer(&copy);
	}
}

static bool masked_name(void *ctx, const char *name)
{
	return sc_security_masked_name(ctx, name);
}

/* The empty read-only file mounted over secret files: in the global
 * directory, so that no project can reach it; /dev/null when it cannot be
 * made there (writes to it then vanish instead of failing). */
static char *empty_file(const char *gdir)
{
	_cleanup_free_ char *path = path_join(gdir, "empty");
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		return steal_pointer(&path);
	_cleanup_error_ struct sc_error *err = NULL;
	bool damaged = lstat(path, &st) == 0;
	if (fs_mkdir_p(gdir, 0700, &err) < 0 ||
	    (damaged ? fs_write_atomic : fs_write_once)(path, "", 0, 0444, &err) < 0) {
		sc_log_debug("masking with /dev/null: %s", err->msg);
		return xstrdup("/dev/null");
	}
	return steal_pointer(&path);
}

static int debug_overrides(struct sc_launch *l, const struct sc_launch_request *req,
                           struct sc_error **err)
{
	const char *caps = sc_launch_getenv(l, "SANDCAGE_DEBUG_CAP_ADD");
	if (!caps || !*caps)
		return 0;
	_cleanup_free_ char *copy = xstrdup(caps);
	char *save = NULL;
	for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		if (strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen(c))
			return sc_error_setx(
			    err, 0,
			    "SANDCAGE_DEBUG_CAP_ADD: `%s` is not a capability name "
			    "(such as NET_RAW)",
			    c);
		strv_push(&l->spec.cap_add, c);
	}
	sc_launch_say(req, SC_LAUNCH_WARN,
	              "SANDCAGE_DEBUG_CAP_ADD is set: the container gets %s; this weakens the "
	              "sandbox and is meant for testing `sandcage doctor` only",
	              caps);
	return 0;
}

int sc_launch_protect(struct sc_launch *l, const struct sc_launch_request *req,
                      struct sc_error **err)
{
	const struct sc_workspace *ws = l->ws;
	struct vec cands = VEC_INIT(sc_protect_candidate_free);
	sc_security_protected_paths(l->cfg, ws, &cands);
	_cleanup_strvec_ struct strv watched = STRV_INIT;
	_cleanup_strvec_ struct strv aside = STRV_INIT;
	_cleanup_strvec_ struct strv modules = STRV_INIT;
	if (ws->in_git) {
		add_module_candidates(ws, &cands);
		add_git_candidates(ws, &cands, &watched, &aside);
		sc_workspace_module_git_dirs(ws, &modules);
	}
	struct sc_protect_set set = {STRV_INIT, STRV_INIT, NULL};
	int r = 0;
	for (size_t i = 0; i < cands.len && r == 0; i++) {
		const struct sc_protect_candidate *c = cands.items[i];
		r = sc_workspace_protect_path(ws, c->path, c->dir, c->create, &set.readonly, err);
	}
	vec_release(&cands);
	_cleanup_free_ char *empty = NULL;
	if (r == 0 && l->cfg->security.masked_files.len) {
		bool truncated =
		    sc_workspace_scan_files(ws, masked_name, (void *)l->cfg, &set.masked);
		if (truncated)
			sc_launch_say(
			    req, SC_LAUNCH_NOTICE,
			    "looked for secret files (%s) only %d directories deep and in the "
			    "first %d entries of the project; files beyond are not masked",
			    "security.masked_files", SC_MASK_SCAN_DEPTH, SC_MASK_SCAN_ENTRIES);
		if (set.masked.len)
			set.empty = empty = empty_file(l->global_dir);
	}
	if (r == 0) {
		sc_security_protect(&set, &l->spec);
		guard_git(l, &set.readonly, &watched, &aside);
		submodule_configs(l, modules.v);
		r = debug_overrides(l, req, err);
	}
	strv_extend(&l->protected_paths, set.readonly.v);
	strv_extend(&l->masked_files, set.masked.v);
	strv_release(&set.readonly);
	strv_release(&set.masked);
	return r;
}
