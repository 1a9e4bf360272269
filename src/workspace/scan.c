/* The host scans of a workspace: protected paths, submodule git
 * directories, secret files. */
#include "scan.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/path.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static bool inside_mounts(const struct sc_workspace *ws, const char *path)
{
	return path_is_within(path, ws->root) ||
	       (ws->in_git &&
	        (path_is_within(path, ws->common_dir) || path_is_within(path, ws->git_dir)));
}

int sc_workspace_protect_path(const struct sc_workspace *ws, const char *path, bool dir,
                              bool create, struct strv *out, struct sc_error **err)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		/* What this user cannot reach, the agent (the same user) cannot
		 * either. */
		if (errno != ENOENT) {
			sc_log_debug("not protecting %s: %s", path, strerror(errno));
			return 0;
		}
		if (!create)
			return 0; /* a file the agent creates is checked by trust */
		/* In a git directory: made now, empty as git would have it, so
		 * that the agent cannot make it. */
		_cleanup_free_ char *parent = path_dirname(path);
		/* Only in the git directories sc_workspace_resolve() verified,
		 * never in a directory some pointer names, and made through the
		 * directory itself: a link swapped into the path meanwhile is
		 * not followed. */
		if (!ws->in_git || !(path_is_within(parent, ws->common_dir) ||
		                     path_is_within(parent, ws->git_dir)))
			return 0;
		_cleanup_close_ int pfd = -1;
		_cleanup_error_ struct sc_error *perr = NULL;
		if (fs_open_no_links(parent, O_PATH | O_DIRECTORY, &pfd, &perr) < 0) {
			sc_log_debug("not creating %s: %s", path, perr->msg);
			return 0;
		}
		const char *base = path_basename(path);
		int fd = -1;
		int r =
		    dir ? mkdirat(pfd, base, 0755)
		        : (fd = openat(pfd, base,
		                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
		if (fd >= 0)
			close(fd);
		if (r < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
			sc_log_debug("not protecting %s: %s", path, strerror(errno));
			return 0;
		}
		if (r < 0 && errno != EEXIST)
			return sc_error_set(err, errno, "create `%s`", path);
		sc_log_debug("created %s so that it can be protected", path);
	}
	_cleanup_free_ char *real = realpath(path, NULL);
	if (!real)
		return sc_error_set(err, errno, "protect `%s`", path);
	if (!streq(real, path))
		return sc_error_setx(
		    err, 0,
		    "`%s` is a symbolic link (to `%s`), or lies below one: sandcage "
		    "keeps it read-only in the container and cannot protect a link, "
		    "which the agent could replace; put the real file or directory "
		    "there, or leave it out of `security.protected_paths` in your "
		    "global configuration",
		    path, real);
	if (!inside_mounts(ws, real))
		return 0;
	if (!strv_contains(out->v, real))
		strv_push(out, real);
	return 0;
}

/* A directory to list, not followed when it is a symbolic link; NULL when
 * it cannot be opened. */
static DIR *open_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* Submodules keep their git directories in the common git directory's
 * `modules/` (nested for names with `/` and submodules of submodules); each
 * has hooks and config the host's git runs. */
static void find_module_git_dirs(const char *dir, int depth, size_t *budget, struct strv *out)
{
	if (depth > 4 || *budget == 0)
		return;
	DIR *d = open_dir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && *budget > 0) {
		(*budget)--;
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		_cleanup_free_ char *sub = path_join(dir, e->d_name);
		struct stat st;
		if (lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		_cleanup_free_ char *head = path_join(sub, "HEAD");
		if (fs_exists(head)) {
			strv_push(out, sub);
			_cleanup_free_ char *nested = path_join(sub, "modules");
			find_module_git_dirs(nested, depth + 1, budget, out);
		} else {
			find_module_git_dirs(sub, depth + 1, budget, out);
		}
	}
	closedir(d);
}

void sc_workspace_module_git_dirs(const struct sc_workspace *ws, struct strv *out)
{
	if (!ws->in_git)
		return;
	_cleanup_free_ char *modules = path_join(ws->common_dir, "modules");
	size_t budget = 1000;
	find_module_git_dirs(modules, 0, &budget, out);
}

void sc_workspace_worktree_entries(const char *git_dir, struct strv *out)
{
	_cleanup_free_ char *wts = path_join(git_dir, "worktrees");
	DIR *d = open_dir(wts);
	if (!d)
		return;
	struct dirent *e;
	for (size_t budget = 1000; budget > 0 && (e = readdir(d)); budget--) {
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		_cleanup_free_ char *sub = path_join(wts, e->d_name);
		struct stat st;
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			strv_push(out, sub);
	}
	closedir(d);
}

struct scan {
	const struct sc_workspace *ws;
	bool (*match)(void *ctx, const char *name);
	void *ctx;
	size_t entries;
	bool truncated;
	struct strv *found;
};

static void add_link_target(struct scan *s, const char *path)
{
	_cleanup_free_ char *real = realpath(path, NULL);
	struct stat st;
	/* A link out of the project leads nowhere inside the container. */
	if (!real || !path_is_within(real, s->ws->root) || stat(real, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	if (!strv_contains(s->found->v, real))
		strv_push(s->found, real);
}

/* Without following symlinked directories (which could loop or lead out of
 * the project), skipping .git and node_modules; a directory's own files
 * before its subdirectories, so that the files near the top are looked at
 * whatever the limits cut. */
static void scan_dir(struct scan *s, int dirfd, const char *path, int depth)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	_cleanup_strvec_ struct strv subdirs = STRV_INIT;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		if (streq(name, ".") || streq(name, ".."))
			continue;
		if (++s->entries > SC_MASK_SCAN_ENTRIES) {
			s->truncated = true;
			break;
		}
		unsigned char type = e->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode)   ? DT_DIR
			       : S_ISREG(st.st_mode) ? DT_REG
			       : S_ISLNK(st.st_mode) ? DT_LNK
			                             : DT_UNKNOWN;
		}
		if (type == DT_DIR) {
			if (!streq(name, ".git") && !streq(name, "node_modules") &&
			    depth < SC_MASK_SCAN_DEPTH)
				strv_push(&subdirs, name);
			continue;
		}
		if ((type != DT_REG && type != DT_LNK) || !s->match(s->ctx, name))
			continue;
		_cleanup_free_ char *file = path_join(path, name);
		if (type == DT_LNK)
			add_link_target(s, file);
		else if (!strv_contains(s->found->v, file))
			strv_push(s->found, file);
	}
	for (size_t i = 0; i < subdirs.len && !s->truncated; i++) {
		int sub =
		    openat(dirfd, subdirs.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		_cleanup_free_ char *subpath = path_join(path, subdirs.v[i]);
		scan_dir(s, sub, subpath, depth + 1);
	}
	closedir(d);
}

bool sc_workspace_scan_files(const struct sc_workspace *ws,
                             bool (*match)(void *ctx, const char *name), void *ctx,
                             struct strv *out)
{
	struct scan s = {.ws = ws, .match = match, .ctx = ctx, .found = out};
	int fd = open(ws->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		scan_dir(&s, fd, ws->root, 1);
	return s.truncated;
}
