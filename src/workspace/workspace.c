#include "workspace.h"
#include "../util/fs.h"
#include "../util/path.h"
#include "../util/strbuf.h"

#include <sys/stat.h>

void sc_workspace_free(struct sc_workspace *ws)
{
	if (!ws)
		return;
	free(ws->root);
	free(ws->git_dir);
	free(ws->common_dir);
	free(ws->name);
	free(ws);
}

/* Reads a one-line file such as `.git` ("gitdir: PATH") or `commondir`
 * ("PATH") and resolves PATH against `base` when relative. */
static int read_pointer_file(const char *file, const char *prefix, const char *base, char **out,
                             struct sc_error **err)
{
	_cleanup_free_ char *data = NULL;
	/* Never blocks (a FIFO is refused) and bounded. */
	if (fs_read_file_user_optional(file, 64 * 1024, &data, NULL, err) < 0)
		return -1;
	if (!data)
		return sc_error_setx(err, ENOENT, "`%s` disappeared while it was read", file);
	char *p = data;
	if (prefix) {
		if (!str_has_prefix(p, prefix))
			return sc_error_setx(err, 0,
			                     "`%s` does not start with `%s`: not a git link file",
			                     file, prefix);
		p += strlen(prefix);
		while (*p == ' ' || *p == '\t')
			p++;
	}
	p[strcspn(p, "\r\n")] = '\0';
	if (!*p)
		return sc_error_setx(err, 0, "`%s` is empty", file);
	_cleanup_free_ char *joined = p[0] == '/' ? xstrdup(p) : path_join(base, p);
	if (path_realpath(joined, out, err) < 0)
		return sc_error_prefix(err, "`%s` points to a missing directory", file);
	return 0;
}

static int find_git(const char *start, struct sc_workspace *ws, struct sc_error **err)
{
	_cleanup_free_ char *dir = xstrdup(start);
	for (;;) {
		_cleanup_free_ char *dotgit = path_join(dir, ".git");
		struct stat st;
		if (lstat(dotgit, &st) == 0 &&
		    (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
			if (stat(dotgit, &st) < 0)
				return sc_error_set(err, errno, "`%s`", dotgit);
			if (S_ISDIR(st.st_mode)) {
				if (path_realpath(dotgit, &ws->git_dir, err) < 0)
					return -1;
				ws->common_dir = xstrdup(ws->git_dir);
			} else {
				/* A worktree or a submodule: `.git` names the real git
				 * directory, whose `commondir` (worktrees only) names the
				 * repository's shared one. */
				if (read_pointer_file(dotgit, "gitdir:", dir, &ws->git_dir, err) <
				    0)
					return -1;
				_cleanup_free_ char *cfile = path_join(ws->git_dir, "commondir");
				if (fs_exists(cfile)) {
					if (read_pointer_file(cfile, NULL, ws->git_dir,
					                      &ws->common_dir, err) < 0)
						return -1;
				} else {
					ws->common_dir = xstrdup(ws->git_dir);
				}
				ws->is_worktree = true;
			}
			ws->in_git = true;
			ws->root = steal_pointer(&dir);
			return 0;
		}
		if (streq(dir, "/"))
			return 0;
		char *parent = path_dirname(dir);
		free(dir);
		dir = parent;
	}
}

int sc_workspace_resolve(const char *path, struct sc_workspace **out, struct sc_error **err)
{
	_cleanup_free_ char *abs = path_absolute(path ? path : ".");
	_cleanup_free_ char *real = NULL;
	if (path_realpath(abs, &real, err) < 0)
		return sc_error_prefix(err, "project directory");
	if (!fs_is_dir(real))
		return sc_error_setx(err, 0, "project path `%s` is not a directory",
		                     path ? path : real);

	struct sc_workspace *ws = xcalloc(1, sizeof(*ws));
	if (find_git(real, ws, err) < 0) {
		sc_workspace_free(ws);
		return -1;
	}
	if (!ws->root)
		ws->root = steal_pointer(&real);
	/* These paths reach the engine's arguments, labels, the trust prompt
	 * and messages: a control character or a newline in them could forge a
	 * line or an option, so such a project is refused. */
	const char *named[] = {ws->root, ws->git_dir, ws->common_dir};
	for (size_t i = 0; i < N_ELEMENTS(named); i++) {
		const char *bad = named[i];
		while (bad && *bad && (unsigned char)*bad >= 0x20 && *bad != 0x7f)
			bad++;
		if (bad && *bad) {
			_cleanup_free_ char *shown = str_escaped(named[i]);
			sc_workspace_free(ws);
			return sc_error_setx(
			    err, 0,
			    "the path `%s` holds a control character (shown escaped): "
			    "sandcage does not run in such a directory; rename it",
			    shown);
		}
	}
	ws->name = xstrdup(streq(ws->root, "/") ? "root" : path_basename(ws->root));
	*out = ws;
	return 0;
}
