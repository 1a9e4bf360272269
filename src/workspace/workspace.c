#include "workspace.h"
#include "../util/fs.h"
#include "../util/path.h"
#include "../util/strbuf.h"

#include <ctype.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* A `.git` file, `commondir`, `gitdir` and HEAD hold one line; a git
 * directory's config a few kilobytes. */
#define POINTER_MAX ((size_t)8192)
#define CONFIG_MAX  ((size_t)1 << 20)

void sc_workspace_free(struct sc_workspace *ws)
{
	if (!ws)
		return;
	free_many(ws->root, ws->git_dir, ws->common_dir, ws->name, ws);
}

/* Everything below the project and in its git directories is the agent's
 * data: read without following a symbolic link, only a regular file (a FIFO
 * is not waited on, a device not opened), at most `max` bytes (the safe
 * read of util/fs.c), and no NUL. */
static int read_untrusted(const char *path, size_t max, char **out, struct sc_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (fs_read_file_safe(AT_FDCWD, path, max, &buf, &len, err) < 0)
		return -1;
	if (strlen(buf) != len)
		return sc_error_setx(err, 0, "`%s` holds a NUL byte: not one of git's files", path);
	*out = steal_pointer(&buf);
	return 0;
}

/* The path on the first line of a pointer file (after `prefix`), joined to
 * `base` when relative; not resolved. */
static int read_pointer(const char *file, const char *prefix, const char *base, char **out,
                        struct sc_error **err)
{
	_cleanup_free_ char *data = NULL;
	if (read_untrusted(file, POINTER_MAX, &data, err) < 0)
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
	*out = p[0] == '/' ? xstrdup(p) : path_join(base, p);
	return 0;
}

static bool lstat_is(const char *dir, const char *name, mode_t type)
{
	_cleanup_free_ char *path = path_join(dir, name);
	struct stat st;
	return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/* HEAD as git accepts it (validate_headref): a symbolic ref into refs/ or an
 * object name. */
static bool valid_head(const char *dir)
{
	_cleanup_free_ char *head = path_join(dir, "HEAD");
	_cleanup_free_ char *data = NULL;
	_cleanup_error_ struct sc_error *ignored = NULL;
	if (read_untrusted(head, POINTER_MAX, &data, &ignored) < 0)
		return false;
	if (str_has_prefix(data, "ref:")) {
		const char *r = data + 4 + strspn(data + 4, " \t");
		return str_has_prefix(r, "refs/");
	}
	size_t hex = 0;
	while (isxdigit((unsigned char)data[hex]))
		hex++;
	return hex == 40 || hex == 64;
}

/* A git directory as git's is_git_directory() wants it, without links: a
 * valid HEAD, `objects/` and `refs/` directories. */
static bool real_git_dir(const char *dir)
{
	return valid_head(dir) && lstat_is(dir, "objects", S_IFDIR) &&
	       lstat_is(dir, "refs", S_IFDIR);
}

/* A value in git-config's syntax: quotes, backslash escapes and
 * continuations, comments, surrounding blanks dropped. NULL when malformed. */
static char *config_value(const char **pp)
{
	const char *p = *pp + strspn(*pp, " \t");
	char *out = xmalloc(strlen(p) + 1);
	size_t n = 0, keep = 0;
	bool quoted = false;
	for (; *p && *p != '\n'; p++) {
		char c = *p;
		if (!quoted && (c == '#' || c == ';')) {
			p += strcspn(p, "\n");
			break;
		}
		if (c == '"') {
			quoted = !quoted;
			keep = n;
			continue;
		}
		if (c == '\\') {
			char e = p[1];
			if (e == '\n') {
				p++;
				continue;
			}
			c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'b' ? '\b' : e;
			if (e != 'n' && e != 't' && e != 'b' && e != '\\' && e != '"') {
				free(out);
				*pp = p + strcspn(p, "\n");
				return NULL;
			}
			p++;
			out[n++] = c;
			keep = n;
			continue;
		}
		out[n++] = c;
		if (quoted || !isspace((unsigned char)c))
			keep = n;
	}
	*pp = p;
	out[keep] = '\0';
	return out;
}

/* The last `core.worktree` of a git config file's text (its includes are not
 * followed), or NULL. With `without`, that text without its `core.worktree`
 * entries goes there too. */
static char *config_core_worktree_spans(const char *text, struct strbuf *without);

static char *config_core_worktree(const char *text)
{
	return config_core_worktree_spans(text, NULL);
}

char *sc_workspace_config_without_worktree(const char *text)
{
	struct strbuf out = STRBUF_INIT;
	char *found = config_core_worktree_spans(text, &out);
	if (!found) {
		strbuf_release(&out);
		return NULL;
	}
	free(found);
	return strbuf_steal(&out);
}

static char *config_core_worktree_spans(const char *text, struct strbuf *without)
{
	const char *copied = text; /* what is in `without` ends here */
	char *found = NULL;
	bool in_core = false;
	const char *p = text;
	for (;;) {
		p += strspn(p, " \t\r\n");
		if (!*p)
			break;
		if (*p == '#' || *p == ';') {
			p += strcspn(p, "\n");
			continue;
		}
		if (*p == '[') {
			const char *end = strchr(p, ']');
			if (!end)
				break;
			in_core = end - p - 1 == 4 && strncasecmp(p + 1, "core", 4) == 0;
			p = end + 1;
			continue;
		}
		const char *key = p;
		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
		size_t klen = (size_t)(p - key);
		p += strspn(p, " \t");
		char *value = NULL;
		if (klen && *p == '=') {
			p++;
			value = config_value(&p);
		} else {
			p += strcspn(p, "\n");
		}
		if (in_core && klen == 8 && strncasecmp(key, "worktree", 8) == 0) {
			free(found);
			found = value;
			if (without) {
				strbuf_add(without, copied, (size_t)(key - copied));
				copied = p;
			}
		} else {
			free(value);
		}
	}
	if (without)
		strbuf_adds(without, copied);
	return found;
}

/* The realpath of `path`, or NULL. */
static char *resolve(const char *path)
{
	return realpath(path, NULL);
}

#define REFUSED                                                                                    \
	"sandcage mounts a git directory outside the project only when git's own link back to "    \
	"the project confirms it (docs/security.md)"

/* A worktree's git directory `gitdir` (resolved), named by `dotgit`: git's
 * layout is `<common>/worktrees/<name>`, whose `commondir` is `../..` and
 * whose `gitdir` names the worktree's `.git` file. */
static int verify_worktree(const char *root, const char *dotgit, const char *gitdir,
                           struct sc_workspace *ws, struct sc_error **err)
{
	const char *fix = "if this is a git worktree, run `git worktree repair` in it (or in the "
	                  "main worktree); otherwise remove";
	_cleanup_free_ char *parent = path_dirname(gitdir);
	_cleanup_free_ char *common = path_dirname(parent);
	_cleanup_free_ char *cfile = path_join(gitdir, "commondir");
	_cleanup_free_ char *named = NULL;
	if (read_pointer(cfile, NULL, gitdir, &named, err) < 0)
		return sc_error_prefix(err,
		                       "`%s` points to `%s`, a worktree's git directory whose "
		                       "`commondir` cannot be used",
		                       dotgit, gitdir);
	_cleanup_free_ char *named_real = resolve(named);
	if (!streq(path_basename(parent), "worktrees") || !named_real || !streq(named_real, common))
		return sc_error_setx(err, 0,
		                     "`%s` points to `%s`, whose `commondir` names `%s`: git's "
		                     "layout is `<git directory>/worktrees/NAME` with `commondir` "
		                     "`../..`; " REFUSED ". %s `%s`",
		                     dotgit, gitdir, named, fix, dotgit);
	if (!valid_head(gitdir) || !real_git_dir(common))
		return sc_error_setx(
		    err, 0,
		    "`%s` points to `%s`, which is not a worktree of a git "
		    "repository (HEAD, objects/ and refs/ missing or links); " REFUSED ". %s `%s`",
		    dotgit, gitdir, fix, dotgit);
	/* The back-link: git writes the worktree's `.git` file's path there,
	 * absolute or (worktree.useRelativePaths) relative to the entry. */
	_cleanup_free_ char *bfile = path_join(gitdir, "gitdir");
	_cleanup_free_ char *back = NULL;
	if (read_pointer(bfile, NULL, gitdir, &back, err) < 0)
		return sc_error_prefix(err, "`%s` points to `%s`, whose link back cannot be used",
		                       dotgit, gitdir);
	_cleanup_free_ char *back_dir = path_dirname(back);
	_cleanup_free_ char *back_real = resolve(back_dir);
	if (!streq(path_basename(back), ".git") || !back_real || !streq(back_real, root))
		return sc_error_setx(
		    err, 0,
		    "`%s` points to `%s`, whose link back `%s` names `%s`, not this "
		    "worktree; " REFUSED ". %s `%s`",
		    dotgit, gitdir, bfile, back, fix, dotgit);
	ws->git_dir = xstrdup(gitdir);
	ws->common_dir = steal_pointer(&common);
	return 0;
}

/* A git directory of its own named by `dotgit` (a submodule's in the
 * superproject's `.git/modules/`, a `git init --separate-git-dir`): git
 * writes the work tree into its config as `core.worktree`, and uses that
 * when it finds the git directory through a `.git` file. */
static int verify_separate(const char *root, const char *dotgit, const char *gitdir,
                           struct sc_workspace *ws, struct sc_error **err)
{
	if (!real_git_dir(gitdir))
		return sc_error_setx(err, 0,
		                     "`%s` points to `%s`, which is not a git directory (HEAD, "
		                     "objects/ and refs/ missing or links); " REFUSED
		                     ". Remove `%s`, or make it name the git directory",
		                     dotgit, gitdir, dotgit);
	_cleanup_free_ char *cfile = path_join(gitdir, "config");
	_cleanup_free_ char *text = NULL;
	struct stat st;
	if (lstat(cfile, &st) < 0 && errno == ENOENT)
		text = xstrdup(""); /* git reads no file as an empty one */
	else if (read_untrusted(cfile, CONFIG_MAX, &text, err) < 0)
		return sc_error_prefix(err, "`%s` points to `%s`, whose config cannot be used",
		                       dotgit, gitdir);
	_cleanup_free_ char *wt = config_core_worktree(text);
	_cleanup_free_ char *wt_path = NULL;
	_cleanup_free_ char *wt_real = NULL;
	if (wt && *wt) {
		wt_path = wt[0] == '/' ? xstrdup(wt) : path_join(gitdir, wt);
		wt_real = resolve(wt_path);
	}
	if (!wt)
		return sc_error_setx(
		    err, 0,
		    "`%s` points to `%s`, whose config sets no `core.worktree` naming this "
		    "directory; " REFUSED ". If you made this directory with `git init "
		    "--separate-git-dir` and that is its git directory, run "
		    "`git --git-dir=%s config core.worktree %s`; otherwise remove `%s`",
		    dotgit, gitdir, gitdir, root, dotgit);
	if (!wt_real || !streq(wt_real, root))
		return sc_error_setx(
		    err, 0,
		    "`%s` points to `%s`, whose `core.worktree` names `%s`, not this "
		    "directory; " REFUSED ". Remove `%s`, or if you moved this "
		    "submodule or work tree, set `core.worktree` in `%s/config` again",
		    dotgit, gitdir, wt, dotgit, gitdir);
	ws->git_dir = xstrdup(gitdir);
	ws->common_dir = xstrdup(gitdir);
	return 0;
}

/* `.git` a file in `dir`: the git directory it names is used only when it is
 * one and git's own link back names `dir`. */
static int follow_dotgit(const char *dir, const char *dotgit, struct sc_workspace *ws,
                         struct sc_error **err)
{
	_cleanup_free_ char *named = NULL;
	if (read_pointer(dotgit, "gitdir:", dir, &named, err) < 0)
		return -1;
	struct stat st;
	bool exists = lstat(named, &st) == 0;
	if (!exists || !S_ISDIR(st.st_mode))
		return sc_error_setx(err, 0,
		                     "`%s` points to `%s`, which is %s; " REFUSED ". Remove `%s`",
		                     dotgit, named,
		                     !exists               ? "missing"
		                     : S_ISLNK(st.st_mode) ? "a symbolic link"
		                                           : "not a directory",
		                     dotgit);
	_cleanup_free_ char *gitdir = resolve(named);
	if (!gitdir)
		return sc_error_set(err, errno, "`%s` points to `%s`", dotgit, named);
	_cleanup_free_ char *cfile = path_join(gitdir, "commondir");
	if (lstat(cfile, &st) == 0)
		return verify_worktree(dir, dotgit, gitdir, ws, err);
	return verify_separate(dir, dotgit, gitdir, ws, err);
}

static int find_git(const char *start, struct sc_workspace *ws, struct sc_error **err)
{
	_cleanup_free_ char *dir = xstrdup(start);
	for (;;) {
		_cleanup_free_ char *dotgit = path_join(dir, ".git");
		struct stat st;
		if (lstat(dotgit, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				if (path_realpath(dotgit, &ws->git_dir, err) < 0)
					return -1;
				ws->common_dir = xstrdup(ws->git_dir);
			} else if (S_ISREG(st.st_mode)) {
				/* A worktree or a submodule: `.git` names the real git
				 * directory, verified before it is used. */
				if (follow_dotgit(dir, dotgit, ws, err) < 0)
					return -1;
				ws->is_worktree = true;
			} else {
				_cleanup_free_ char *target =
				    S_ISLNK(st.st_mode) ? resolve(dotgit) : NULL;
				return sc_error_setx(
				    err, 0,
				    "`%s` is %s%s%s%s: sandcage does not follow it "
				    "to a git directory; "
				    "put the git directory itself there, or a "
				    "`.git` file (`gitdir: "
				    "PATH`) whose git directory links back to "
				    "this one, or remove it",
				    dotgit,
				    S_ISLNK(st.st_mode) ? "a symbolic link"
				                        : "not a regular file or directory",
				    target ? " to `" : "", target ? target : "", target ? "`" : "");
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
