/* Unit tests for workspace resolution, on real git repositories made with
 * the git command in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

#include "config/config.h"
#include "engine/engine.h"
#include "plan/container.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/proc.h"
#include "workspace/scan.h"
#include "workspace/workspace.h"

#include <sys/stat.h>
#include <unistd.h>

static char *tmp;

static void run(const char *dir, const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *const argv[] = {"git",      "-C",       (char *)dir, (char *)a1,
	                      (char *)a2, (char *)a3, (char *)a4,  NULL};
	_cleanup_error_ struct sc_error *err = NULL;
	int status = -1;
	_cleanup_free_ char *errout = NULL;
	_cleanup_free_ char *out = NULL;
	assert_int_equal(proc_run_capture(argv, &out, &errout, &status, &err), 0);
	if (status != 0)
		fail_msg("git %s failed: %s", a1, errout);
}

static int setup(void **state)
{
	char t[] = "/tmp/sc-ws-XXXXXX";
	if (!mkdtemp(t))
		return -1;
	_cleanup_error_ struct sc_error *err = NULL;
	if (path_realpath(t, &tmp, &err) < 0)
		return -1;
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@example.invalid", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@example.invalid", 1);
	_cleanup_free_ char *repo = path_join(tmp, "repo");
	_cleanup_free_ char *sub = path_join(tmp, "repo/src/deep");
	if (fs_mkdir_p(sub, 0755, &err) < 0)
		return -1;
	run(repo, "init", "-q", "-b", "main");
	run(repo, "commit", "--allow-empty", "-m", "init");
	return 0;
}

static int teardown(void **state)
{
	char *const argv[] = {"rm", "-rf", tmp, NULL};
	int status;
	proc_run_capture(argv, NULL, NULL, &status, NULL);
	free(tmp);
	return 0;
}

static void test_root_from_subdir(void **state)
{
	_cleanup_free_ char *sub = path_join(tmp, "repo/src/deep");
	_cleanup_free_ char *root = path_join(tmp, "repo");
	_cleanup_free_ char *gitdir = path_join(tmp, "repo/.git");
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(sub, &ws, &err), 0);
	assert_string_equal(ws->root, root);
	assert_true(ws->in_git);
	assert_false(ws->is_worktree);
	assert_string_equal(ws->git_dir, gitdir);
	assert_string_equal(ws->common_dir, gitdir);
	assert_string_equal(ws->name, "repo");
}

static void test_symlink(void **state)
{
	_cleanup_free_ char *link = path_join(tmp, "link");
	_cleanup_free_ char *target = path_join(tmp, "repo/src");
	_cleanup_free_ char *root = path_join(tmp, "repo");
	assert_int_equal(symlink(target, link), 0);
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(link, &ws, &err), 0);
	assert_string_equal(ws->root, root);
	unlink(link);
}

static void test_worktree(void **state)
{
	_cleanup_free_ char *repo = path_join(tmp, "repo");
	_cleanup_free_ char *wt = path_join(tmp, "wt");
	run(repo, "worktree", "add", "-q", wt);
	_cleanup_free_ char *sub = path_join(wt, "src");
	mkdir(sub, 0755);
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(sub, &ws, &err), 0);
	_cleanup_free_ char *common = path_join(tmp, "repo/.git");
	_cleanup_free_ char *gitdir = path_join(tmp, "repo/.git/worktrees/wt");
	assert_string_equal(ws->root, wt);
	assert_true(ws->is_worktree);
	assert_string_equal(ws->common_dir, common);
	assert_string_equal(ws->git_dir, gitdir);
}

static void test_outside_git(void **state)
{
	_cleanup_free_ char *plain = path_join(tmp, "plain");
	assert_int_equal(mkdir(plain, 0755), 0);
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	/* /tmp itself must not be inside a repository for this test to mean
	 * anything; the temporary directory is made fresh. */
	assert_int_equal(sc_workspace_resolve(plain, &ws, &err), 0);
	assert_false(ws->in_git);
	assert_string_equal(ws->root, plain);
	assert_null(ws->git_dir);
}

static void test_errors(void **state)
{
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_true(sc_workspace_resolve("/nonexistent/sandcage", &ws, &err) < 0);
	assert_null(ws);
	assert_non_null(strstr(err->msg, "/nonexistent/sandcage"));

	_cleanup_error_ struct sc_error *err2 = NULL;
	_cleanup_free_ char *file = path_join(tmp, "file");
	assert_int_equal(fs_write_atomic(file, "x", 1, 0644, &err2), 0);
	assert_true(sc_workspace_resolve(file, &ws, &err2) < 0);
	assert_non_null(strstr(err2->msg, "not a directory"));

	/* A broken `.git` file is reported, not followed. */
	_cleanup_error_ struct sc_error *err3 = NULL;
	_cleanup_free_ char *broken = path_join(tmp, "broken");
	_cleanup_free_ char *dotgit = path_join(broken, ".git");
	mkdir(broken, 0755);
	assert_int_equal(fs_write_atomic(dotgit, "garbage\n", 8, 0644, &err3), 0);
	assert_true(sc_workspace_resolve(broken, &ws, &err3) < 0);
	assert_non_null(strstr(err3->msg, "gitdir:"));
}

/* git -C DIR ARGS... (NULL-terminated), which must succeed. */
static void git(const char *dir, ...)
{
	const char *argv[16] = {"git", "-C", dir};
	size_t n = 3;
	va_list ap;
	va_start(ap, dir);
	const char *a;
	while ((a = va_arg(ap, const char *)) && n < 15)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	int status = -1;
	_cleanup_free_ char *errout = NULL;
	_cleanup_free_ char *out = NULL;
	assert_int_equal(proc_run_capture((char *const *)argv, &out, &errout, &status, &err), 0);
	if (status != 0)
		fail_msg("git %s failed: %s", argv[3], errout);
}

static char *tpath(const char *rel)
{
	return path_join(tmp, rel);
}

static void write_text(const char *path, const char *text)
{
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0644, &err), 0);
}

/* A directory that passes for a git directory: HEAD, objects/, refs/. */
static void fake_git_dir(const char *dir)
{
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *objects = path_join(dir, "objects");
	_cleanup_free_ char *refs = path_join(dir, "refs/heads");
	_cleanup_free_ char *head = path_join(dir, "HEAD");
	assert_int_equal(fs_mkdir_p(objects, 0755, &err), 0);
	assert_int_equal(fs_mkdir_p(refs, 0755, &err), 0);
	write_text(head, "ref: refs/heads/main\n");
}

/* sc_workspace_resolve(dir) fails with a message holding each of the
 * NULL-terminated strings. */
static void refused(const char *dir, ...)
{
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	if (sc_workspace_resolve(dir, &ws, &err) == 0)
		fail_msg("%s resolved (git directory %s, common %s)", dir, ws->git_dir,
		         ws->common_dir);
	assert_null(ws);
	va_list ap;
	va_start(ap, dir);
	const char *want;
	while ((want = va_arg(ap, const char *)))
		if (!strstr(err->msg, want))
			fail_msg("`%s` not in the error: %s", want, err->msg);
	va_end(ap);
}

/* A fresh directory (not a git repository) with a `.git` file. */
static char *project_with_dotgit(const char *name, const char *content)
{
	char *dir = tpath(name);
	assert_int_equal(mkdir(dir, 0755), 0);
	_cleanup_free_ char *dotgit = path_join(dir, ".git");
	write_text(dotgit, content);
	return dir;
}

static bool has_mount(const struct sc_container_spec *spec, const char *path)
{
	for (size_t i = 0; i < spec->mounts.len; i++) {
		const struct sc_spec_mount *m = spec->mounts.items[i];
		if (streq(m->source, path) && streq(m->target, path))
			return true;
	}
	return false;
}

/* A worktree made by git resolves, and its common directory is mounted. */
static void test_worktree_mounts_common(void **state)
{
	_cleanup_free_ char *repo = tpath("repo");
	_cleanup_free_ char *wt = tpath("wt-mount");
	git(repo, "worktree", "add", "-q", wt, NULL);
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(wt, &ws, &err), 0);
	_cleanup_free_ char *common = tpath("repo/.git");
	assert_string_equal(ws->common_dir, common);

	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	char *host_env[] = {NULL};
	struct sc_container_input in = {.cfg = cfg,
	                                .ws = ws,
	                                .image = "img",
	                                .host_env = host_env,
	                                .uid = 1000,
	                                .gid = 100,
	                                .suffix = "abcdef"};
	_cleanup_(sc_container_spec_release) struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	sc_container_plan(&in, &spec);
	assert_true(has_mount(&spec, wt));
	assert_true(has_mount(&spec, common));
}

/* worktree.useRelativePaths (git 2.48): both links relative, the link back
 * relative to the worktree entry. */
static void test_worktree_relative_links(void **state)
{
	_cleanup_free_ char *repo = tpath("repo");
	_cleanup_free_ char *wt = tpath("wt-rel");
	git(repo, "worktree", "add", "-q", wt, NULL);
	_cleanup_free_ char *dotgit = path_join(wt, ".git");
	_cleanup_free_ char *back = tpath("repo/.git/worktrees/wt-rel/gitdir");
	write_text(dotgit, "gitdir: ../repo/.git/worktrees/wt-rel\n");
	write_text(back, "../../../../wt-rel/.git\n");
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(wt, &ws, &err), 0);
	_cleanup_free_ char *common = tpath("repo/.git");
	assert_string_equal(ws->common_dir, common);
	/* Relative to the entry, naming another directory. */
	write_text(back, "../../../../wt-mount/.git\n");
	refused(wt, "not this worktree", NULL);
	write_text(back, "../../../../wt-rel/.git\n");
}

/* A submodule: its git directory in the superproject's .git/modules/, whose
 * core.worktree names it. */
static void test_submodule(void **state)
{
	_cleanup_free_ char *lib = tpath("lib");
	_cleanup_free_ char *super = tpath("super");
	assert_int_equal(mkdir(lib, 0755), 0);
	assert_int_equal(mkdir(super, 0755), 0);
	git(lib, "init", "-q", "-b", "main", NULL);
	git(lib, "commit", "-q", "--allow-empty", "-m", "lib", NULL);
	git(super, "init", "-q", "-b", "main", NULL);
	git(super, "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "mod/lib",
	    NULL);
	_cleanup_free_ char *sub = tpath("super/mod/lib");
	_cleanup_free_ char *gitdir = tpath("super/.git/modules/mod/lib");
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(sub, &ws, &err), 0);
	assert_string_equal(ws->root, sub);
	assert_true(ws->is_worktree);
	assert_string_equal(ws->git_dir, gitdir);
	assert_string_equal(ws->common_dir, gitdir);

	/* Moved elsewhere, its core.worktree no longer names it. */
	_cleanup_free_ char *moved = tpath("moved-lib");
	assert_int_equal(rename(sub, moved), 0);
	_cleanup_free_ char *dotgit = path_join(moved, ".git");
	_cleanup_free_ char *abs = xasprintf("gitdir: %s\n", gitdir);
	write_text(dotgit, abs);
	refused(moved, dotgit, gitdir, "core.worktree", NULL);
	assert_int_equal(rename(moved, sub), 0);
}

/* `git init --separate-git-dir` writes no core.worktree: the git directory
 * is used once it has one naming the project. */
static void test_separate_git_dir(void **state)
{
	_cleanup_free_ char *sep = tpath("sep");
	_cleanup_free_ char *store = tpath("store.git");
	assert_int_equal(mkdir(sep, 0755), 0);
	git(sep, "init", "-q", "--separate-git-dir", store, NULL);
	_cleanup_free_ char *dotgit = path_join(sep, ".git");
	refused(sep, dotgit, store, "no `core.worktree`", "git --git-dir=", NULL);

	/* A core.worktree in a subsection, or commented out, is no link. */
	_cleanup_free_ char *config = path_join(store, "config");
	_cleanup_free_ char *text = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_read_file(config, &text, NULL, &err), 0);
	_cleanup_free_ char *decoy = xasprintf(
	    "%s[core \"x\"]\n\tworktree = %s\n[core]\n#\tworktree = %s\n", text, sep, sep);
	write_text(config, decoy);
	refused(sep, "no `core.worktree`", NULL);

	/* Quoted, with a comment after it, in a [CORE] section. */
	_cleanup_free_ char *linked =
	    xasprintf("%s[CORE]\n\tWorkTree = \"%s\" ; the work tree\n", decoy, sep);
	write_text(config, linked);
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(sep, &ws, &err), 0);
	assert_string_equal(ws->git_dir, store);
	assert_string_equal(ws->common_dir, store);

	/* Naming another directory. */
	_cleanup_free_ char *other = xasprintf("%s[core]\n\tworktree = %s\n", linked, tmp);
	write_text(config, other);
	refused(sep, "whose `core.worktree` names", NULL);
}

/* `gitdir:` to a host directory, and to a repository's own git directory:
 * neither links back. */
static void test_forged_gitdir(void **state)
{
	_cleanup_free_ char *host = tpath("host-home");
	assert_int_equal(mkdir(host, 0755), 0);
	_cleanup_free_ char *content = xasprintf("gitdir: %s\n", host);
	_cleanup_free_ char *p = project_with_dotgit("forged-home", content);
	_cleanup_free_ char *dotgit = path_join(p, ".git");
	refused(p, dotgit, host, "not a git directory", NULL);

	/* Relative, to a directory that looks like a git directory. */
	_cleanup_free_ char *fake = tpath("host-fake");
	fake_git_dir(fake);
	_cleanup_free_ char *p2 = project_with_dotgit("forged-fake", "gitdir: ../host-fake\n");
	refused(p2, fake, "core.worktree", NULL);

	/* The repository's real git directory. */
	_cleanup_free_ char *repo_git = tpath("repo/.git");
	_cleanup_free_ char *c3 = xasprintf("gitdir: %s", repo_git);
	_cleanup_free_ char *p3 = project_with_dotgit("forged-repo", c3);
	refused(p3, repo_git, "core.worktree", NULL);

	/* Missing. */
	_cleanup_free_ char *p4 = project_with_dotgit("forged-missing", "gitdir: /nonexistent/x\n");
	refused(p4, "/nonexistent/x", "missing", NULL);
}

/* A worktree entry whose link back names another worktree, and a look-alike
 * entry outside any repository. */
static void test_forged_worktree_entry(void **state)
{
	_cleanup_free_ char *repo = tpath("repo");
	_cleanup_free_ char *wt = tpath("wt-other");
	git(repo, "worktree", "add", "-q", wt, NULL);
	_cleanup_free_ char *entry = tpath("repo/.git/worktrees/wt-other");
	_cleanup_free_ char *content = xasprintf("gitdir: %s\n", entry);
	_cleanup_free_ char *p = project_with_dotgit("forged-entry", content);
	_cleanup_free_ char *dotgit = path_join(p, ".git");
	_cleanup_free_ char *backlink = path_join(entry, "gitdir");
	refused(p, dotgit, entry, backlink, "not this worktree", "git worktree repair", NULL);

	/* A whole fake: <fake>/worktrees/x with commondir ../.. and a link back
	 * that names another directory. */
	_cleanup_free_ char *fake = tpath("fake-common");
	fake_git_dir(fake);
	_cleanup_free_ char *fentry = tpath("fake-common/worktrees/x");
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_mkdir_p(fentry, 0755, &err), 0);
	_cleanup_free_ char *fhead = path_join(fentry, "HEAD");
	_cleanup_free_ char *fcommon = path_join(fentry, "commondir");
	_cleanup_free_ char *fback = path_join(fentry, "gitdir");
	write_text(fhead, "ref: refs/heads/main\n");
	write_text(fcommon, "../..\n");
	write_text(fback, "/elsewhere/.git\n");
	_cleanup_free_ char *c2 = xasprintf("gitdir: %s\n", fentry);
	_cleanup_free_ char *p2 = project_with_dotgit("forged-fake-entry", c2);
	refused(p2, fentry, "/elsewhere/.git", NULL);
	/* ...and once it names this project, the look-alike is one. */
	_cleanup_free_ char *back2 = xasprintf("%s/.git\n", p2);
	write_text(fback, back2);
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(p2, &ws, &err), 0);
	assert_string_equal(ws->common_dir, fake);
}

/* A real worktree whose commondir is redirected (to a directory that looks
 * like git, or off git's layout) is refused. */
static void test_commondir_redirected(void **state)
{
	_cleanup_free_ char *repo = tpath("repo");
	_cleanup_free_ char *wt = tpath("wt-common");
	git(repo, "worktree", "add", "-q", wt, NULL);
	_cleanup_free_ char *cfile = tpath("repo/.git/worktrees/wt-common/commondir");
	_cleanup_free_ char *target = tpath("host-ssh");
	fake_git_dir(target);
	_cleanup_free_ char *content = xasprintf("%s\n", target);
	write_text(cfile, content);
	_cleanup_free_ char *dotgit = path_join(wt, ".git");
	refused(wt, dotgit, target, "commondir", "git worktree repair", NULL);

	/* `..` is the worktrees/ directory, not a repository. */
	write_text(cfile, "..\n");
	refused(wt, "commondir", NULL);

	/* A link instead of the file. */
	unlink(cfile);
	_cleanup_free_ char *real_git = tpath("repo/.git");
	assert_int_equal(symlink("../..", cfile), 0);
	refused(wt, "symbolic link", NULL);

	/* Back to git's own: it works again. */
	unlink(cfile);
	write_text(cfile, "../..\n");
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(wt, &ws, &err), 0);
	assert_string_equal(ws->common_dir, real_git);
}

/* The pointer files are read as data: not through a link, not from a FIFO
 * (without blocking), not beyond a size. */
static void test_pointer_files(void **state)
{
	alarm(10); /* a FIFO that blocks fails the test instead of hanging it */
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *entry = tpath("repo/.git/worktrees/wt-mount");

	/* A `.git` symlink, to a valid `.git` file and to a git directory. */
	_cleanup_free_ char *valid = tpath("valid-dotgit");
	_cleanup_free_ char *vcontent = xasprintf("gitdir: %s\n", entry);
	write_text(valid, vcontent);
	_cleanup_free_ char *p = tpath("link-file");
	assert_int_equal(mkdir(p, 0755), 0);
	_cleanup_free_ char *dotgit = path_join(p, ".git");
	assert_int_equal(symlink(valid, dotgit), 0);
	refused(p, dotgit, "symbolic link", valid, NULL);
	_cleanup_free_ char *p2 = tpath("link-dir");
	assert_int_equal(mkdir(p2, 0755), 0);
	_cleanup_free_ char *dotgit2 = path_join(p2, ".git");
	_cleanup_free_ char *repo_git = tpath("repo/.git");
	assert_int_equal(symlink(repo_git, dotgit2), 0);
	refused(p2, dotgit2, "symbolic link", NULL);

	/* A FIFO `.git`, and a FIFO link back. */
	_cleanup_free_ char *p3 = tpath("fifo");
	assert_int_equal(mkdir(p3, 0755), 0);
	_cleanup_free_ char *dotgit3 = path_join(p3, ".git");
	assert_int_equal(mkfifo(dotgit3, 0644), 0);
	refused(p3, dotgit3, "not a regular file", NULL);
	_cleanup_free_ char *wt = tpath("wt-fifo");
	_cleanup_free_ char *repo = tpath("repo");
	git(repo, "worktree", "add", "-q", wt, NULL);
	_cleanup_free_ char *back = tpath("repo/.git/worktrees/wt-fifo/gitdir");
	unlink(back);
	assert_int_equal(mkfifo(back, 0644), 0);
	refused(wt, back, "not a regular file", NULL);
	unlink(back);

	/* A huge `.git` file. */
	size_t n = 1 << 20;
	_cleanup_free_ char *huge = xmalloc(n + 1);
	memcpy(huge, "gitdir: ", 8);
	memset(huge + 8, 'a', n - 8);
	huge[n] = '\0';
	_cleanup_free_ char *p4 = project_with_dotgit("huge", huge);
	refused(p4, "larger than", NULL);

	/* A NUL byte that would cut the path short. */
	_cleanup_free_ char *p5 = tpath("nul");
	assert_int_equal(mkdir(p5, 0755), 0);
	_cleanup_free_ char *dotgit5 = path_join(p5, ".git");
	_cleanup_free_ char *nul = xasprintf("gitdir: %s", entry);
	size_t len = strlen(nul);
	nul = xrealloc(nul, len + 6);
	memcpy(nul + len, "\0/x\n", 5);
	assert_int_equal(fs_write_atomic(dotgit5, nul, len + 4, 0644, &err), 0);
	refused(p5, "NUL", NULL);
	alarm(0);
}

/* Protection never creates a file in a directory that is not a verified git
 * directory. */
static void test_protect_creates_only_in_git(void **state)
{
	_cleanup_free_ char *repo = tpath("repo");
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	assert_int_equal(sc_workspace_resolve(repo, &ws, &err), 0);
	_cleanup_strvec_ struct strv out = STRV_INIT;
	_cleanup_free_ char *elsewhere = tpath("protect-elsewhere");
	assert_int_equal(mkdir(elsewhere, 0755), 0);
	_cleanup_free_ char *hooks = path_join(elsewhere, "hooks");
	assert_int_equal(sc_workspace_protect_path(ws, hooks, true, true, &out, &err), 0);
	assert_false(fs_exists(hooks));
	assert_int_equal(out.len, 0);
	_cleanup_free_ char *inproject = tpath("repo/src/hooks");
	assert_int_equal(sc_workspace_protect_path(ws, inproject, true, true, &out, &err), 0);
	assert_false(fs_exists(inproject));
	_cleanup_free_ char *ingit = tpath("repo/.git/info-protected");
	assert_int_equal(sc_workspace_protect_path(ws, ingit, false, true, &out, &err), 0);
	assert_true(fs_exists(ingit));
	assert_true(strv_contains(out.v, ingit));
}

/* A control character in the project's path could forge a line or an
 * option wherever the path is shown or passed: refused, shown escaped. */
static void test_control_characters(void **state)
{
	static const char *const names[] = {"new\nline", "esc\x1b[2Jape", "cr\rx", "tab\tx"};
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		_cleanup_free_ char *dir = path_join(tmp, names[i]);
		_cleanup_free_ char *sub = path_join(dir, "sub");
		_cleanup_error_ struct sc_error *err = NULL;
		assert_int_equal(fs_mkdir_p(sub, 0755, &err), 0);
		_cleanup_workspace_ struct sc_workspace *ws = NULL;
		assert_true(sc_workspace_resolve(sub, &ws, &err) < 0);
		assert_null(ws);
		assert_non_null(strstr(err->msg, "holds a control character"));
		assert_null(strpbrk(err->msg, "\n\r\t\x1b"));
	}
}

/* A submodule's config as the container sees it: without core.worktree
 * (every one, in any spelling), everything else kept. */
static void test_config_without_worktree(void **state)
{
	char *out = sc_workspace_config_without_worktree(
	    "[core]\n\tbare = false\n\tworktree = ../../../lib\n[remote \"origin\"]\n"
	    "\turl = /x\n[CORE] WorkTree=\"a b\" ; c\n[core \"x\"]\n\tworktree = keep\n");
	assert_non_null(out);
	assert_string_equal(out, "[core]\n\tbare = false\n\t\n[remote \"origin\"]\n"
	                         "\turl = /x\n[CORE] \n[core \"x\"]\n\tworktree = keep\n");
	free(out);
	assert_null(sc_workspace_config_without_worktree("[core]\n\tbare = false\n"));
	out = sc_workspace_config_without_worktree("[core] worktree = x\\\n y\n");
	assert_non_null(out);
	assert_string_equal(out, "[core] \n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root_from_subdir),
	    cmocka_unit_test(test_symlink),
	    cmocka_unit_test(test_worktree),
	    cmocka_unit_test(test_outside_git),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_worktree_mounts_common),
	    cmocka_unit_test(test_worktree_relative_links),
	    cmocka_unit_test(test_submodule),
	    cmocka_unit_test(test_separate_git_dir),
	    cmocka_unit_test(test_forged_gitdir),
	    cmocka_unit_test(test_forged_worktree_entry),
	    cmocka_unit_test(test_commondir_redirected),
	    cmocka_unit_test(test_pointer_files),
	    cmocka_unit_test(test_protect_creates_only_in_git),
	    cmocka_unit_test(test_control_characters),
	    cmocka_unit_test(test_config_without_worktree),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
