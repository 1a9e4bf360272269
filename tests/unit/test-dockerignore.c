/* `.dockerignore`: the matcher against cases of moby's patternmatcher and
 * docker/cli's ignore file tests, and the build context's hashes on a real
 * directory. */
#include "support.h"

#include "launch/dockerignore.h"
#include "launch/image.h"
#include "util/fs.h"
#include "util/path.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the matcher ---- */

struct match_case {
	const char *file; /* the ignore file's text */
	const char *path;
	bool excluded;
};

static const struct match_case match_cases[] = {
    /* moby's TestMatches, through MatchesOrParentMatches */
    {"*", "fileutils.go", true},
    {"*.go", "fileutils.go", true},
    {"*.go", "dir/fileutils.go", false},
    {"!fileutils.go\n*.go", "fileutils.go", true},
    {"*.go\n!fileutils.go", "fileutils.go", false},
    {"docs\n!docs/README.md", "docs/README.md", false},
    {"docs/\n!docs/README.md", "docs/README.md", false},
    {"docs/*\n!docs/README.md", "docs/README.md", false},
    {"docs\n!docs/README.md", "docs/other.md", true},
    {"**", "file", true},
    {"**", "dir/file", true},
    {"**/", "dir/file", true},
    {"**/**", "dir/file", true},
    {"dir/**", "dir/file", true},
    {"dir/**", "dir/dir2/file", true},
    {"**/dir", "dir", true},
    {"**/dir", "dir/file", true},
    {"**/dir2/*", "dir/dir2/file", true},
    {"**/dir2/**", "dir/dir2/dir3/file", true},
    {"**file", "file", true},
    {"**file", "dir/file", true},
    {"**/file", "dir/dir/file", true},
    {"**/file*", "dir/dir/file.txt", true},
    {"**/file*txt", "dir/dir/file.txt", true},
    {"**/**/*.txt", "dir/dir/file.txt", true},
    {"**/**/*.txt2", "dir/dir/file.txt", false},
    {"**/*.txt", "file.txt", true},
    {"a**/*.txt", "a/file.txt", true},
    {"a**/*.txt", "a/dir/dir/file.txt", true},
    {"a/*.txt", "a/dir/file.txt", false},
    {"a/*.txt", "a/file.txt", true},
    {"a/*.txt**", "a/file.txt", true},
    {"a[b-d]e", "ae", false},
    {"a[b-d]e", "ace", true},
    {"a[b-d]e", "aae", false},
    {"a[^b-d]e", "aze", true},
    {".*", ".foo", true},
    {".*", "foo", false},
    {"abc.def", "abcdef", false},
    {"abc.def", "abc.def", true},
    {"abc?def", "abcZdef", true},
    {"abc?def", "abcdef", false},
    {"**/foo/bar", "foo/bar", true},
    {"**/foo/bar", "dir/dir2/foo/bar", true},
    {"abc/**", "abc", false},
    {"abc/**", "abc/def/ghi", true},
    {"**/.foo", ".foo", true},
    {"**/.foo", "bar.foo", false},
    {"a(b)c/def", "a(b)c/def", true},
    {"a.|)$(}+{bc", "a.|)$(}+{bc", true},
    {"dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true},
    {"a\\\\", "a\\", true},
    {"a\\*b", "a*b", true},
    {"a\\*b", "ab", false},
    {"**\n!util/docker/web", "util/docker/web/foo", false},
    {"**\n!util/docker/web\nutil/docker/web/foo", "util/docker/web/foo", true},
    /* moby's TestMatch (Go's filepath.Match cases) */
    {"a*", "ab/c", true}, /* through its parent `ab` */
    {"a*/b", "abc/b", true},
    {"a*/b", "a/c/b", false},
    {"a*b*c*d*e*/f", "axbxcxdxexxx/f", true},
    {"a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false},
    {"a*b?c*x", "abxbbxdbxebxczzx", true},
    {"a*b?c*x", "abxbbxdbxebxczzy", false},
    {"ab[^e-g]", "abc", true},
    {"ab[^c]", "abc", false},
    {"a?b",
     "a\xe2\x98\xba"
     "b",
     true},
    {"a???b",
     "a\xe2\x98\xba"
     "b",
     false},
    {"[a-\xce\xb6]*", "\xce\xb1", true},
    {"a?b", "a/b", false},
    {"a*b", "a/b", false},
    {"[\\]a]", "]", true},
    {"[\\-]", "-", true},
    {"[x\\-]", "z", false},
    {"*x", "xxx", true},
    /* docker/cli's reading of the file: comments, blanks, spaces, `/` */
    {"# *.go\n\n", "a.go", false},
    {"  *.go  \r\n", "a.go", true},
    {"/abs/path", "abs/path", true},
    {"/abs", "abs/below", true},
    {"./x", "x", true},
    {"x/../y", "y", true},
    {"x/../y", "x", false},
    {"dir//sub/", "dir/sub/f", true},
    {"!  /kept\n", "kept", false},
    {"\xef\xbb\xbf*.go", "a.go", true},
    /* the last match decides */
    {"*.md\n!README.md\n*.md", "README.md", true},
    {"*.md\n!README*\n", "README.md", false},
    {".git\nnode_modules", ".git/objects/ab/cdef", true},
    {".git\nnode_modules", "node_modules/x/index.js", true},
    {".git\nnode_modules", "src/node_modules", false},
    {"**/node_modules", "src/node_modules/x", true},
};

static void test_matches(void **state)
{
	for (size_t i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		struct sc_ignore_patterns *p = NULL;
		_cleanup_error_ struct sc_error *err = NULL;
		if (sc_ignore_parse(".dockerignore", c->file, strlen(c->file), &p, &err) < 0)
			fail_msg("`%s`: %s", c->file, err->msg);
		bool got = sc_ignore_excludes(p, c->path);
		sc_ignore_free(p);
		if (got != c->excluded)
			fail_msg("patterns `%s`, path `%s`: excluded %d, expected %d", c->file,
			         c->path, got, c->excluded);
	}
}

static void test_directory_with_exception(void **state)
{
	struct sc_ignore_patterns *p = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	const char *text = "vendor\n!vendor/keep\nbuild\n";
	assert_int_equal(sc_ignore_parse(".dockerignore", text, strlen(text), &p, &err), 0);
	assert_true(sc_ignore_excludes(p, "vendor"));
	assert_true(sc_ignore_may_include_below(p, "vendor"));
	assert_false(sc_ignore_may_include_below(p, "build"));
	assert_false(sc_ignore_may_include_below(p, "vendor/other"));
	/* `vendor/keep` itself is taken back: nothing below needs the walk. */
	assert_false(sc_ignore_may_include_below(p, "vendor/keep"));
	assert_false(sc_ignore_excludes(p, "vendor/keep"));
	assert_false(sc_ignore_excludes(p, "vendor/keep/deep/file"));
	assert_true(sc_ignore_excludes(p, "vendor/other"));
	assert_true(sc_ignore_excludes(p, "build/x"));
	sc_ignore_free(p);

	/* Patterns in the first components: a `*` there, a `**` anywhere. */
	text = "*\n!*/keep\n";
	assert_int_equal(sc_ignore_parse(".dockerignore", text, strlen(text), &p, &err), 0);
	assert_true(sc_ignore_may_include_below(p, "a"));
	assert_false(sc_ignore_may_include_below(p, "a/b"));
	sc_ignore_free(p);
	text = "*\n!**/keep\n";
	assert_int_equal(sc_ignore_parse(".dockerignore", text, strlen(text), &p, &err), 0);
	assert_true(sc_ignore_may_include_below(p, "a/b/c"));
	assert_false(sc_ignore_excludes(p, "a/b/keep"));
	sc_ignore_free(p);
}

static void check_refused(const char *text, const char *where, const char *what)
{
	struct sc_ignore_patterns *p = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_ignore_parse(".dockerignore", text, strlen(text), &p, &err) == 0) {
		sc_ignore_free(p);
		fail_msg("`%s` was accepted", text);
	}
	assert_null(p);
	if (!strstr(err->msg, where) || !strstr(err->msg, what))
		fail_msg("`%s`: %s", text, err->msg);
}

static void test_bad_patterns(void **state)
{
	check_refused("ok\n[", "`.dockerignore:2`", "`[` is not closed");
	check_refused("# c\n\na[b", "`.dockerignore:3`", "`[` is not closed");
	check_refused("[^bc", "`.dockerignore:1`", "not closed");
	check_refused("[]a]", "`.dockerignore:1`", "`-` or `]`");
	check_refused("[-x]", "`.dockerignore:1`", "`-` or `]`");
	check_refused("[x-]", "`.dockerignore:1`", "`-` or `]`");
	check_refused("[a-b-c]", "`.dockerignore:1`", "`-` or `]`");
	check_refused("x\\", "`.dockerignore:1`", "`\\`");
	check_refused("ok\n!\n", "`.dockerignore:2`", "`!`");
	check_refused("a\xff", "`.dockerignore:1`", "UTF-8");
}

/* ---- the build context's hashes ---- */

struct fixture {
	char *dir;
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	fx->dir = xstrdup("/tmp/sandcage-test-dockerignore-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	fs_remove_tree(fx->dir, NULL);
	free(fx->dir);
	free(fx);
	return 0;
}

static void put(const struct fixture *fx, const char *name, const char *text)
{
	_cleanup_free_ char *path = path_join(fx->dir, name);
	_cleanup_free_ char *parent = path_dirname(path);
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_mkdir_p(parent, 0755, &err), 0);
	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0644, &err), 0);
}

struct hashes {
	char meta[65], content[65];
};

/* As the launch takes them: the metadata hash with the Dockerfile's text. */
static void hash_both(const struct fixture *fx, struct hashes *h)
{
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *df = path_join(fx->dir, "Dockerfile");
	_cleanup_free_ char *text = NULL;
	if (fs_read_file(df, &text, NULL, &err) < 0 ||
	    sc_image_context_hash(fx->dir, text, h->meta, &err) < 0 ||
	    sc_image_context_content_hash(fx->dir, h->content, &err) < 0)
		fail_msg("%s", err->msg);
}

/* Both hashes change (`changes`) or neither does after the edit `name`. */
static void edit_and_check(const struct fixture *fx, struct hashes *before, const char *name,
                           const char *text, bool changes)
{
	put(fx, name, text);
	struct hashes after;
	hash_both(fx, &after);
	if (changes != !streq(before->meta, after.meta) ||
	    changes != !streq(before->content, after.content))
		fail_msg("editing `%s`: the hashes %s, expected them to %s", name,
		         streq(before->content, after.content) ? "stayed" : "changed",
		         changes ? "change" : "stay");
	*before = after;
}

static void test_hashes_leave_out_ignored(void **state)
{
	struct fixture *fx = *state;
	put(fx, "Dockerfile", "FROM x\nCOPY . /src\n");
	put(fx, "src/main.c", "int main;\n");
	put(fx, ".git/HEAD", "ref: refs/heads/main\n");
	put(fx, ".git/objects/ab/cd", "1");
	put(fx, "node_modules/x/index.js", "1");
	put(fx, "vendor/keep/a", "1");
	put(fx, "vendor/drop/a", "1");
	put(fx, ".dockerignore",
	    "# the repository\n.git\nnode_modules\nvendor\n!vendor/keep\n.dockerignore\n");
	struct hashes h;
	hash_both(fx, &h);

	/* What the builder is not sent changes nothing, */
	edit_and_check(fx, &h, ".git/objects/ef/01", "a commit", false);
	edit_and_check(fx, &h, ".git/HEAD", "ref: refs/heads/other-branch\n", false);
	edit_and_check(fx, &h, "node_modules/x/index.js", "22", false);
	edit_and_check(fx, &h, "vendor/drop/a", "22", false);
	/* what it is sent does, and so do the ignore file and the Dockerfile,
	 * which the builder always gets whatever they say. */
	edit_and_check(fx, &h, "src/main.c", "int main(void);\n", true);
	edit_and_check(fx, &h, "src/new.c", "1", true);
	edit_and_check(fx, &h, "vendor/keep/a", "22", true);
	edit_and_check(fx, &h, "Dockerfile", "FROM x\nCOPY . /srv\n", true);
	edit_and_check(fx, &h, ".dockerignore",
	               ".git\nnode_modules\nvendor\n!vendor/keep\n.dockerignore\nDockerfile\n",
	               true);
	/* The Dockerfile left out too: the build still reads its text, which
	 * the metadata hash takes (trust approves the file on its own). */
	put(fx, "Dockerfile", "FROM y\n");
	struct hashes after;
	hash_both(fx, &after);
	assert_string_not_equal(h.meta, after.meta);
	h = after;
	/* Taking `.git` out of the file brings it back. */
	edit_and_check(fx, &h, ".dockerignore", "node_modules\n", true);
	edit_and_check(fx, &h, ".git/HEAD", "ref: refs/heads/third-branch\n", true);
}

static void test_hashes_without_ignore_file(void **state)
{
	struct fixture *fx = *state;
	put(fx, "Dockerfile", "FROM x\n");
	put(fx, ".git/HEAD", "ref: refs/heads/main\n");
	put(fx, "node_modules/x/index.js", "1");
	struct hashes h;
	hash_both(fx, &h);
	/* Everything is sent, so everything counts. */
	edit_and_check(fx, &h, ".git/HEAD", "ref: refs/heads/other\n", true);
	edit_and_check(fx, &h, "node_modules/x/index.js", "22", true);
}

static void test_containerignore_too(void **state)
{
	struct fixture *fx = *state;
	put(fx, "Dockerfile", "FROM x\n");
	put(fx, ".dockerignore", ".git\nbuild\n");
	put(fx, ".containerignore", ".git\n");
	put(fx, ".git/HEAD", "1");
	put(fx, "build/out", "1");
	struct hashes h;
	hash_both(fx, &h);
	/* Left out by both; podman sends `build` (its file does not list it). */
	edit_and_check(fx, &h, ".git/HEAD", "22", false);
	edit_and_check(fx, &h, "build/out", "22", true);
	edit_and_check(fx, &h, ".containerignore", ".git\nbuild\n", true);
	edit_and_check(fx, &h, "build/out", "333", false);
}

static void test_hash_errors(void **state)
{
	struct fixture *fx = *state;
	put(fx, "Dockerfile", "FROM x\n");
	put(fx, ".dockerignore", ".git\nsrc/[abc\n");
	char hex[65];
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_image_context_content_hash(fx->dir, hex, &err), -1);
	if (!strstr(err->msg, fx->dir) || !strstr(err->msg, "`.dockerignore:2`") ||
	    !strstr(err->msg, "`[` is not closed"))
		fail_msg("%s", err->msg);
	sc_error_free(err);
	err = NULL;

	/* The file is the project's: a link is not followed. */
	_cleanup_free_ char *di = path_join(fx->dir, ".dockerignore");
	assert_int_equal(unlink(di), 0);
	assert_int_equal(symlink("/etc/hostname", di), 0);
	assert_int_equal(sc_image_context_hash(fx->dir, "FROM x\n", hex, &err), -1);
	if (!strstr(err->msg, ".dockerignore"))
		fail_msg("%s", err->msg);
	sc_error_free(err);
	err = NULL;

	/* What is left out is not looked at: a FIFO there is no error. */
	assert_int_equal(unlink(di), 0);
	put(fx, ".dockerignore", "pipe\n");
	_cleanup_free_ char *fifo = path_join(fx->dir, "pipe");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	assert_int_equal(sc_image_context_content_hash(fx->dir, hex, &err), 0);
	put(fx, ".dockerignore", "other\n");
	assert_int_equal(sc_image_context_content_hash(fx->dir, hex, &err), -1);
	if (!strstr(err->msg, "a FIFO"))
		fail_msg("%s", err->msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matches),
	    cmocka_unit_test(test_directory_with_exception),
	    cmocka_unit_test(test_bad_patterns),
	    cmocka_unit_test_setup_teardown(test_hashes_leave_out_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hashes_without_ignore_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_containerignore_too, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hash_errors, setup, teardown),
	};
	return cmocka_run_group_tests_name("dockerignore", tests, NULL, NULL);
}
