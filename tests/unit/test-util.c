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
#include "util/vec.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

/* strv_pushf out of memory: the message of the x-allocators, then abort(),
 * not a bare abort() that says nothing. In a child whose address space is
 * too small for the string. */
/* Not built under the sanitizers, which reserve more address space than
 * the limit (a skipped test would count as a failure). */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strbuf),  cmocka_unit_test(test_strv),
	    cmocka_unit_test(test_path),    cmocka_unit_test(test_atomic_write),
	    cmocka_unit_test(test_mkdir_p), cmocka_unit_test(test_read_optional),
	    cmocka_unit_test(test_proc),    cmocka_unit_test(test_error),
	    cmocka_unit_test(test_sha256),
#ifdef HAVE_OOM_TEST
	    cmocka_unit_test(test_strv_pushf_oom),
#endif
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
