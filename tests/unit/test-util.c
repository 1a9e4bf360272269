/* Unit tests for src/util: strbuf, strv, path, fs, proc, error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/strbuf.h"
#include "util/tar.h"
#include "util/vec.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

static void test_strbuf(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	assert_string_equal(strbuf_str(&sb), "");
	strbuf_adds(&sb, "ab");
	strbuf_addc(&sb, 'c');
	strbuf_addf(&sb, "-%d-%s", 42, "x");
	assert_string_equal(strbuf_str(&sb), "abc-42-x");
	assert_int_equal(sb.len, 8);
	strbuf_add_utf8(&sb, 0xe9);
	strbuf_add_utf8(&sb, 0x1F600);
	assert_string_equal(strbuf_str(&sb), "abc-42-x\xc3\xa9\xf0\x9f\x98\x80");
	strbuf_truncate(&sb, 3);
	assert_string_equal(strbuf_str(&sb), "abc");
	for (int i = 0; i < 1000; i++)
		strbuf_adds(&sb, "0123456789");
	assert_int_equal(sb.len, 10003);
	_cleanup_free_ char *s = strbuf_steal(&sb);
	assert_int_equal(strlen(s), 10003);
	assert_null(sb.buf);
}

static void test_strv(void **state)
{
	_cleanup_strvec_ struct strv sv = STRV_INIT;
	assert_non_null(strv_array(&sv));
	assert_null(strv_array(&sv)[0]);
	strv_push(&sv, "docker");
	strv_pushf(&sv, "--name=%s", "x y");
	for (int i = 0; i < 100; i++)
		strv_push(&sv, "a");
	assert_int_equal(strv_length(sv.v), 102);
	assert_string_equal(sv.v[1], "--name=x y");
	assert_null(sv.v[102]);
	assert_true(strv_contains(sv.v, "docker"));
	assert_false(strv_contains(sv.v, "podman"));
}

static void test_path(void **state)
{
	_cleanup_free_ char *a = path_join("/a/", "/b");
	assert_string_equal(a, "/a/b");
	_cleanup_free_ char *b = path_join("/", "b");
	assert_string_equal(b, "/b");
	_cleanup_free_ char *n = path_normalize("/a/./b//../c/");
	assert_string_equal(n, "/a/c");
	_cleanup_free_ char *r = path_normalize("/../..");
	assert_string_equal(r, "/");
	_cleanup_free_ char *d = path_dirname("/a/b");
	assert_string_equal(d, "/a");
	_cleanup_free_ char *d2 = path_dirname("/a");
	assert_string_equal(d2, "/");
	assert_string_equal(path_basename("/x/y.txt"), "y.txt");
	assert_true(path_is_within("/a/b", "/a"));
	assert_true(path_is_within("/a", "/a"));
	assert_false(path_is_within("/ab", "/a"));
	assert_true(path_is_within("/x", "/"));
}

static void test_atomic_write(void **state)
{
	char dir[] = "/tmp/sc-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *file = path_join(dir, "f.txt");
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_write_atomic(file, "one", 3, 0600, &err), 0);
	assert_int_equal(fs_write_atomic(file, "second", 6, 0644, &err), 0);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	assert_int_equal(fs_read_file(file, &data, &len, &err), 0);
	assert_int_equal(len, 6);
	assert_string_equal(data, "second");
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* A write into a missing directory fails and leaves nothing. */
	_cleanup_free_ char *bad = path_join(dir, "missing/f.txt");
	assert_true(fs_write_atomic(bad, "x", 1, 0600, &err) < 0);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "missing"));
	unlink(file);
	assert_int_equal(rmdir(dir), 0); /* no temp file left behind */
}

static void test_read_optional(void **state)
{
	char dir[] = "/tmp/sc-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *file = path_join(dir, "f");
	_cleanup_error_ struct sc_error *err = NULL;
	char *data = (char *)"untouched";
	size_t len = 99;
	/* Absent: no error, no data. */
	assert_int_equal(fs_read_file_optional(file, &data, &len, &err), 0);
	assert_null(data);
	assert_int_equal(len, 0);
	assert_null(err);
	assert_int_equal(fs_write_atomic(file, "abc", 3, 0644, &err), 0);
	assert_int_equal(fs_read_file_optional(file, &data, &len, &err), 0);
	assert_string_equal(data, "abc");
	free(data);
	/* Any other failure is an error: a directory cannot be read. */
	data = NULL;
	assert_true(fs_read_file_optional(dir, &data, &len, &err) < 0);
	assert_non_null(err);
	assert_null(data);
	unlink(file);
	rmdir(dir);
}

static void test_mkdir_p(void **state)
{
	char dir[] = "/tmp/sc-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *deep = xasprintf("%s/a/b/c", dir);
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_mkdir_p(deep, 0700, &err), 0);
	assert_true(fs_is_dir(deep));
	assert_int_equal(fs_mkdir_p(deep, 0700, &err), 0);
	_cleanup_free_ char *cmd = xasprintf("%s/a", dir);
	char *const argv[] = {"rm", "-r", cmd, NULL};
	int status = -1;
	assert_int_equal(proc_run_capture(argv, NULL, NULL, &status, &err), 0);
	assert_int_equal(status, 0);
	rmdir(dir);
}

static void test_proc(void **state)
{
	_cleanup_error_ struct sc_error *err = NULL;
	char *const argv[] = {"sh", "-c", "printf out; printf err >&2; exit 3", NULL};
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status = 0;
	assert_int_equal(proc_run_capture(argv, &out, &errout, &status, &err), 0);
	assert_string_equal(out, "out");
	assert_string_equal(errout, "err");
	assert_int_equal(status, 3);

	char *const missing[] = {"sandcage-no-such-program", NULL};
	assert_true(proc_run_capture(missing, NULL, NULL, &status, &err) < 0);
	assert_non_null(strstr(err->msg, "sandcage-no-such-program"));

	_cleanup_free_ char *sh = proc_find_program("sh");
	assert_non_null(sh);
	assert_int_equal(sh[0], '/');
	assert_null(proc_find_program("sandcage-no-such-program"));
}

/* proc_run_input: the input is written while the output is read (1 MiB
 * through `cat` would fill both pipes otherwise); a program that exits
 * without reading is its status, not a SIGPIPE that ends the caller. */
static void test_proc_input(void **state)
{
	_cleanup_error_ struct sc_error *err = NULL;
	size_t n = 1 << 20;
	_cleanup_free_ char *in = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	char *const cat[] = {"cat", NULL};
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status = -1;
	assert_int_equal(proc_run_input(cat, in, n, &out, &errout, &status, &err), 0);
	assert_int_equal(status, 0);
	assert_int_equal(strlen(out), n);
	assert_memory_equal(out, in, n);
	assert_string_equal(errout, "");

	/* Nothing to write: stdin is empty, not the test's own. */
	_cleanup_free_ char *empty = NULL;
	assert_int_equal(proc_run_input(cat, NULL, 0, &empty, NULL, &status, &err), 0);
	assert_string_equal(empty, "");
	assert_int_equal(status, 0);

	char *const quiet[] = {"true", NULL};
	size_t big = 8 << 20;
	_cleanup_free_ char *lots = xcalloc(1, big);
	status = -1;
	assert_int_equal(proc_run_input(quiet, lots, big, NULL, NULL, &status, &err), 0);
	assert_int_equal(status, 0);
	/* And SIGPIPE is the caller's again afterwards. */
	struct sigaction now;
	assert_int_equal(sigaction(SIGPIPE, NULL, &now), 0);
	assert_true(now.sa_handler == SIG_DFL);

	char *const fails[] = {"sh", "-c", "head -c 10 >/dev/null; exit 7", NULL};
	assert_int_equal(proc_run_input(fails, lots, big, NULL, NULL, &status, &err), 0);
	assert_int_equal(status, 7);
}

static char *tar_listing(const char *file, const char *option, const char *member)
{
	_cleanup_error_ struct sc_error *err = NULL;
	char *const argv[] = {"tar", (char *)option, (char *)file, (char *)member, NULL};
	char *out = NULL;
	int status = -1;
	if (proc_run_capture(argv, &out, NULL, &status, &err) < 0)
		fail_msg("tar: %s", err->msg);
	assert_int_equal(status, 0);
	return out;
}

/* tar_build, read back by the real tar. */
static void test_tar(void **state)
{
	char big[700];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('A' + i % 26);
	const struct tar_entry entries[] = {
	    {"keys.conf", "secret\n", 7, 0600, 101, 102},
	    {"nginx.conf", big, sizeof(big), 0644, 0, 0},
	};
	size_t len = 0;
	_cleanup_free_ char *tar = tar_build(entries, N_ELEMENTS(entries), &len);
	assert_non_null(tar);
	/* Header, one block; header, two blocks; the two zero blocks. */
	assert_int_equal(len, 512 * (1 + 1 + 1 + 2 + 2));
	for (size_t i = len - 1024; i < len; i++)
		assert_int_equal(tar[i], 0);

	char dir[] = "/tmp/sc-tar-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *file = path_join(dir, "a.tar");
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_write_atomic(file, tar, len, 0600, &err), 0);

	/* GNU tar: "-rw------- 101/102 7 1970-01-01 00:00 keys.conf". */
	_cleanup_free_ char *verbose = NULL;
	{
		char *const argv[] = {"tar", "--numeric-owner", "-tvf", file, NULL};
		int status = -1;
		assert_int_equal(proc_run_capture(argv, &verbose, NULL, &status, &err), 0);
		assert_int_equal(status, 0);
	}
	char *line2 = strchr(verbose, '\n');
	assert_non_null(line2);
	*line2++ = '\0';
	if (!strstr(verbose, "-rw------- 101/102") ||
	    !strstr(verbose, " 7 1970-01-01 00:00 keys.conf"))
		fail_msg("first entry: %s", verbose);
	if (!strstr(line2, "-rw-r--r-- 0/0") ||
	    !strstr(line2, " 700 1970-01-01 00:00 nginx.conf\n"))
		fail_msg("second entry: %s", line2);
	assert_null(strchr(strchr(line2, '\n') + 1, '\n'));

	_cleanup_free_ char *keys = tar_listing(file, "-xOf", "keys.conf");
	assert_string_equal(keys, "secret\n");
	_cleanup_free_ char *conf = tar_listing(file, "-xOf", "nginx.conf");
	assert_int_equal(strlen(conf), sizeof(big));
	assert_memory_equal(conf, big, sizeof(big));
	fs_remove_tree(dir, NULL);

	/* ustar's name field: 99 bytes and the NUL. */
	char name[101];
	memset(name, 'n', sizeof(name) - 1);
	name[100] = '\0';
	struct tar_entry one = {name, "x", 1, 0600, 0, 0};
	assert_null(tar_build(&one, 1, &len));
	name[99] = '\0';
	_cleanup_free_ char *fits = tar_build(&one, 1, &len);
	assert_non_null(fits);
	assert_int_equal(len, 512 * 4);
	one.name = "";
	assert_null(tar_build(&one, 1, &len));
	/* No entry: only the end. */
	_cleanup_free_ char *none = tar_build(NULL, 0, &len);
	assert_non_null(none);
	assert_int_equal(len, 1024);
}

/* strv_pushf out of memory: the message of the x-allocators, then abort(),
 * not a bare abort() that says nothing. In a child whose address space is
 * too small for the string. */
/* Not built under the sanitizers, which reserve more address space than
 * the limit (a skipped test would count as a failure). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1 /* clang says so this way */
#endif
#endif
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) && !defined(UNDER_SANITIZER)
#define HAVE_OOM_TEST 1
static void test_strv_pushf_oom(void **state)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		const struct rlimit as = {256 << 20, 256 << 20}, core = {0, 0};
		setrlimit(RLIMIT_CORE, &core);
		if (setrlimit(RLIMIT_AS, &as) < 0)
			_exit(3);
		struct strv sv = STRV_INIT;
		strv_pushf(&sv, "%*s", 1 << 30, "");
		_exit(sv.len == 1 ? 4 : 5);
	}
	close(fds[1]);
	char buf[256] = "";
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(buf) - 1 && (r = read(fds[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(buf, "sandcage: out of memory\n");
}
#endif

static void test_error(void **state)
{
	struct sc_error *err = NULL;
	assert_int_equal(sc_error_set(&err, ENOENT, "open `%s`", "x"), -ENOENT);
	assert_string_equal(err->msg, "open `x`: No such file or directory");
	/* The first error wins; later ones do not overwrite it. */
	sc_error_setx(&err, 0, "second");
	sc_error_prefix(&err, "config");
	assert_string_equal(err->msg, "config: open `x`: No such file or directory");
	assert_int_equal(err->code, ENOENT);
	sc_error_free(err);
	/* A NULL error pointer is allowed: the caller does not want details. */
	assert_int_equal(sc_error_setx(NULL, 0, "ignored"), -1);
}

static void test_sha256(void **state)
{
	struct sha256 s;
	char hex[65];
	sha256_init(&s);
	sha256_hex(&s, hex);
	assert_string_equal(hex,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_hex(&s, hex);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* More than one block, fed in odd pieces. */
	sha256_init(&s);
	const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	for (size_t off = 0, n = strlen(msg); off < n; off += 3)
		sha256_update(&s, msg + off, n - off < 3 ? n - off : 3);
	sha256_hex(&s, hex);
	assert_string_equal(hex,
	                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* Fields are length-prefixed: the split matters. */
	char a[65], b[65];
	sha256_init(&s);
	sha256_update_field(&s, "ab");
	sha256_update_field(&s, "c");
	sha256_hex(&s, a);
	sha256_init(&s);
	sha256_update_field(&s, "a");
	sha256_update_field(&s, "bc");
	sha256_hex(&s, b);
	assert_string_not_equal(a, b);
}

static void test_escaped(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"plain `text` /a/b c", "plain `text` /a/b c"},
	    {"caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93"}, /* UTF-8 stays */
	    {"a\nb\rc\td", "a\\nb\\rc\\td"},
	    {"\x1b[2K\x1b[1A", "\\x1b[2K\\x1b[1A"},
	    {"\x07\x08\x7f\x01", "\\x07\\x08\\x7f\\x01"},
	    /* C1 controls: U+009B is a CSI on some terminals. */
	    {"x\xc2\x9b"
	     "31m",
	     "x<U+009B>31m"},
	    /* Bidirectional overrides, isolates and marks. */
	    {"\xe2\x80\xae"
	     "evil",
	     "<U+202E>evil"},
	    {"\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	     "<U+202A><U+202B><U+202C><U+202D>"},
	    {"\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	     "<U+2066><U+2067><U+2068><U+2069>"},
	    {"\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "<U+200E><U+200F><U+061C>"},
	    {"line\xe2\x80\xa8sep", "line<U+2028>sep"},
	    /* Bytes that are not UTF-8: stray, truncated, overlong, surrogate. */
	    {"\xff\x80", "\\xff\\x80"},
	    {"\xe2\x80", "\\xe2\\x80"},
	    {"\xc0\xaf", "\\xc0\\xaf"},
	    {"\xed\xa0\x80", "\\xed\\xa0\\x80"},
	    {"", ""},
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		_cleanup_free_ char *got = str_escaped(cases[i].in);
		assert_string_equal(got, cases[i].out);
	}
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "- ");
	strbuf_add_escaped(&sb, "x\ny");
	assert_string_equal(strbuf_str(&sb), "- x\\ny");
}

/* A directory with the files each case of the safe-open helper needs. */
static char *safe_dir(void)
{
	char *dir = xstrdup("/tmp/sc-safe-XXXXXX");
	assert_non_null(mkdtemp(dir));
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *outside = path_join(dir, "outside");
	_cleanup_free_ char *project = path_join(dir, "project");
	_cleanup_free_ char *sub = path_join(project, "sub");
	assert_int_equal(fs_mkdir_p(sub, 0755, &err), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	_cleanup_free_ char *secret = path_join(outside, "secret");
	assert_int_equal(fs_write_atomic(secret, "host secret", 11, 0600, &err), 0);
	_cleanup_free_ char *good = path_join(project, "good.yml");
	assert_int_equal(fs_write_atomic(good, "a: 1\n", 5, 0644, &err), 0);
	_cleanup_free_ char *deep = path_join(sub, "deep.yml");
	assert_int_equal(fs_write_atomic(deep, "b: 2\n", 5, 0644, &err), 0);
	_cleanup_free_ char *fifo = path_join(project, "fifo");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	_cleanup_free_ char *link = path_join(project, "link");
	assert_int_equal(symlink(secret, link), 0);
	_cleanup_free_ char *devnull = path_join(project, "null");
	assert_int_equal(symlink("/dev/null", devnull), 0);
	_cleanup_free_ char *linkdir = path_join(project, "linkdir");
	assert_int_equal(symlink(outside, linkdir), 0);
	_cleanup_free_ char *linksub = path_join(project, "linksub");
	assert_int_equal(symlink("sub", linksub), 0);
	return dir;
}

/* The error of a read that must fail, with the errno it returned. */
static char *safe_fails(int dirfd, const char *path, size_t max, int *code)
{
	_cleanup_error_ struct sc_error *err = NULL;
	char *data = NULL;
	size_t len = 7;
	int r = fs_read_file_safe(dirfd, path, max, &data, &len, &err);
	assert_true(r < 0);
	assert_null(data);
	assert_int_equal(len, 7); /* nothing through the outputs on failure */
	assert_non_null(err);
	assert_null(strstr(err->msg, "host secret"));
	*code = -r;
	return xstrdup(err->msg);
}

static void test_read_safe(void **state)
{
	_cleanup_free_ char *dir = safe_dir();
	_cleanup_free_ char *project = path_join(dir, "project");
	_cleanup_close_ int pfd = open(project, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(pfd >= 0);
	_cleanup_error_ struct sc_error *err = NULL;
	char *data = NULL;
	size_t len = 0;

	/* A regular file, by a descriptor and by its name, also below a real directory. */
	assert_int_equal(fs_read_file_safe(pfd, "good.yml", FS_MAX_CONFIG, &data, &len, &err), 0);
	assert_string_equal(data, "a: 1\n");
	assert_int_equal(len, 5);
	free(data);
	assert_int_equal(fs_read_file_safe(pfd, "./sub/deep.yml", 5, &data, NULL, &err), 0);
	assert_string_equal(data, "b: 2\n");
	free(data);
	_cleanup_free_ char *good = path_join(project, "good.yml");
	assert_int_equal(fs_read_file_safe(AT_FDCWD, good, 100, &data, NULL, &err), 0);
	assert_string_equal(data, "a: 1\n");
	free(data);
	assert_null(err);

	int code = 0;
	/* A FIFO is refused at once, not waited on. */
	alarm(10);
	_cleanup_free_ char *m1 = safe_fails(pfd, "fifo", FS_MAX_CONFIG, &code);
	alarm(0);
	assert_non_null(strstr(m1, "`fifo` is a FIFO (named pipe), not a regular file"));
	/* A link is not followed, to a host file or to a device. */
	_cleanup_free_ char *m2 = safe_fails(pfd, "link", FS_MAX_CONFIG, &code);
	assert_int_equal(code, ELOOP);
	assert_non_null(strstr(m2, "`link` is a symbolic link"));
	_cleanup_free_ char *m3 = safe_fails(pfd, "null", FS_MAX_CONFIG, &code);
	assert_int_equal(code, ELOOP);
	_cleanup_free_ char *abs_link = path_join(project, "link");
	_cleanup_free_ char *m4 = safe_fails(AT_FDCWD, abs_link, FS_MAX_CONFIG, &code);
	assert_int_equal(code, ELOOP);
	assert_non_null(strstr(m4, "/project/link` is a symbolic link"));
	/* Nor a link among the parents: out of the project or within it. */
	_cleanup_free_ char *m5 = safe_fails(pfd, "linkdir/secret", FS_MAX_CONFIG, &code);
	assert_int_equal(code, ELOOP);
	_cleanup_free_ char *m6 = safe_fails(pfd, "linksub/deep.yml", FS_MAX_CONFIG, &code);
	assert_int_equal(code, ELOOP);
	/* Nor `..` or an absolute path beneath a descriptor. */
	_cleanup_free_ char *m7 = safe_fails(pfd, "../outside/secret", FS_MAX_CONFIG, &code);
	assert_int_equal(code, EXDEV);
	_cleanup_free_ char *m8 = safe_fails(pfd, "/etc/hostname", FS_MAX_CONFIG, &code);
	assert_int_equal(code, EXDEV);
	/* A directory. */
	_cleanup_free_ char *m9 = safe_fails(pfd, "sub", FS_MAX_CONFIG, &code);
	assert_non_null(strstr(m9, "`sub` is a directory, not a regular file"));
	/* A device, named directly. */
	_cleanup_free_ char *m10 = safe_fails(AT_FDCWD, "/dev/null", FS_MAX_CONFIG, &code);
	assert_non_null(strstr(m10, "`/dev/null` is a device, not a regular file"));
	/* Larger than the limit: the message names the file and the limit. */
	_cleanup_free_ char *m11 = safe_fails(pfd, "good.yml", 4, &code);
	assert_int_equal(code, EFBIG);
	assert_non_null(strstr(m11, "`good.yml` is larger than 4 bytes"));
	_cleanup_free_ char *big = path_join(project, "big.yml");
	_cleanup_free_ char *text = xmalloc(FS_MAX_CONFIG + 1);
	memset(text, 'x', FS_MAX_CONFIG + 1);
	assert_int_equal(fs_write_atomic(big, text, FS_MAX_CONFIG + 1, 0644, &err), 0);
	_cleanup_free_ char *m12 = safe_fails(pfd, "big.yml", FS_MAX_CONFIG, &code);
	assert_non_null(strstr(m12, "`big.yml` is larger than 1 MiB"));
	/* A socket. */
	_cleanup_free_ char *sock = path_join(project, "sock");
	int sfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	assert_int_equal(bind(sfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	_cleanup_free_ char *m13 = safe_fails(pfd, "sock", FS_MAX_CONFIG, &code);
	assert_non_null(strstr(m13, "`sock` is not a regular file"));
	close(sfd);

	/* Absent: an error for the plain read, nothing for the optional one. */
	_cleanup_free_ char *m14 = safe_fails(pfd, "absent.yml", FS_MAX_CONFIG, &code);
	assert_int_equal(code, ENOENT);
	data = (char *)"untouched";
	len = 9;
	assert_int_equal(
	    fs_read_file_safe_optional(pfd, "absent.yml", FS_MAX_CONFIG, &data, &len, &err), 0);
	assert_null(data);
	assert_int_equal(len, 0);
	assert_null(err);
	/* ...but every other failure is one. */
	assert_true(fs_read_file_safe_optional(pfd, "fifo", FS_MAX_CONFIG, &data, &len, &err) < 0);
	assert_null(data);
	assert_non_null(err);
	sc_error_free(err);
	err = NULL;

	/* The user's own file may be a link, but not to a FIFO or a device. */
	_cleanup_free_ char *link = path_join(project, "link");
	assert_int_equal(fs_read_file_user_optional(link, 100, &data, &len, &err), 0);
	assert_string_equal(data, "host secret");
	free(data);
	_cleanup_free_ char *null = path_join(project, "null");
	assert_true(fs_read_file_user_optional(null, 100, &data, &len, &err) < 0);
	assert_non_null(strstr(err->msg, "is a device"));
	sc_error_free(err);
	err = NULL;
	_cleanup_free_ char *absent = path_join(project, "absent");
	assert_int_equal(fs_read_file_user_optional(absent, 100, &data, &len, &err), 0);
	assert_null(data);
	assert_int_equal(fs_remove_tree(dir, &err), 0);
}

/* A file written once keeps its inode: a second writer (a concurrent
 * sandcage) leaves the first one's file, which a session may have pinned. */
static void test_write_once(void **state)
{
	(void)state;
	char dir[] = "/tmp/sandcage-test-once-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *path = path_join(dir, "f");
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_write_once(path, "one", 3, 0444, &err), 0);
	struct stat a, b;
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(a.st_mode & 0777, 0444);
	assert_int_equal(fs_write_once(path, "two", 3, 0444, &err), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_true(a.st_ino == b.st_ino);
	_cleanup_free_ char *text = NULL;
	assert_int_equal(fs_read_file(path, &text, NULL, &err), 0);
	assert_string_equal(text, "one");
	/* No temporary file is left beside it. */
	_cleanup_free_ char *cmd = xasprintf("test $(ls -A %s | wc -l) -eq 1", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(fs_remove_tree(dir, &err), 0);
}

static void test_append_safe(void **state)
{
	_cleanup_free_ char *dir = safe_dir();
	_cleanup_free_ char *project = path_join(dir, "project");
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *trace = path_join(project, "trace");
	/* Created when absent, appended to, never truncated. */
	for (int i = 0; i < 2; i++) {
		_cleanup_close_ int fd = -1;
		assert_int_equal(fs_open_append_safe(AT_FDCWD, trace, 0600, &fd, &err), 0);
		assert_int_equal(fs_write_all(fd, "x\n", 2), 0);
	}
	_cleanup_free_ char *data = NULL;
	assert_int_equal(fs_read_file(trace, &data, NULL, &err), 0);
	assert_string_equal(data, "x\nx\n");
	struct stat st;
	assert_int_equal(stat(trace, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A planted link: neither followed nor its target touched. */
	_cleanup_free_ char *link = path_join(project, "link");
	int fd = -1;
	assert_int_equal(fs_open_append_safe(AT_FDCWD, link, 0600, &fd, &err), -ELOOP);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err->msg, "is a symbolic link"));
	sc_error_free(err);
	err = NULL;
	_cleanup_free_ char *secret = path_join(dir, "outside/secret");
	_cleanup_free_ char *kept = NULL;
	assert_int_equal(fs_read_file(secret, &kept, NULL, &err), 0);
	assert_string_equal(kept, "host secret");
	/* A dangling link is not created through either. */
	_cleanup_free_ char *dangling = path_join(project, "dangling");
	_cleanup_free_ char *made = path_join(dir, "outside/made");
	assert_int_equal(symlink(made, dangling), 0);
	assert_true(fs_open_append_safe(AT_FDCWD, dangling, 0600, &fd, &err) < 0);
	assert_false(fs_exists(made));
	sc_error_free(err);
	err = NULL;
	/* A FIFO, with or without a reader: refused, never blocking. */
	_cleanup_free_ char *fifo = path_join(project, "fifo");
	alarm(10);
	assert_true(fs_open_append_safe(AT_FDCWD, fifo, 0600, &fd, &err) < 0);
	assert_non_null(strstr(err->msg, "not a regular file"));
	sc_error_free(err);
	err = NULL;
	_cleanup_close_ int reader = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(reader >= 0);
	assert_true(fs_open_append_safe(AT_FDCWD, fifo, 0600, &fd, &err) < 0);
	assert_non_null(strstr(err->msg, "is a FIFO (named pipe), not a regular file"));
	alarm(0);
	sc_error_free(err);
	err = NULL;
	/* Beneath a descriptor, a link among the parents is refused too. */
	_cleanup_close_ int pfd = open(project, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fs_open_append_safe(pfd, "linkdir/new", 0600, &fd, &err) < 0);
	_cleanup_free_ char *through = path_join(dir, "outside/new");
	assert_false(fs_exists(through));
	assert_int_equal(fs_remove_tree(dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strbuf),         cmocka_unit_test(test_strv),
	    cmocka_unit_test(test_path),           cmocka_unit_test(test_atomic_write),
	    cmocka_unit_test(test_mkdir_p),        cmocka_unit_test(test_read_optional),
	    cmocka_unit_test(test_proc),           cmocka_unit_test(test_error),
	    cmocka_unit_test(test_proc_input),     cmocka_unit_test(test_tar),
	    cmocka_unit_test(test_sha256),         cmocka_unit_test(test_escaped),
	    cmocka_unit_test(test_read_safe),      cmocka_unit_test(test_append_safe),
	    cmocka_unit_test(test_write_once),
#ifdef HAVE_OOM_TEST
	    cmocka_unit_test(test_strv_pushf_oom),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
