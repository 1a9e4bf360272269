/* Unit tests for workspace resolution, on real git repositories made with
 * the git command in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/fs.h"
#include "util/path.h"
#include "util/proc.h"
#include "workspace/workspace.h"

#include <sys/stat.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root_from_subdir), cmocka_unit_test(test_symlink),
	    cmocka_unit_test(test_worktree),         cmocka_unit_test(test_outside_git),
	    cmocka_unit_test(test_errors),           cmocka_unit_test(test_control_characters),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
