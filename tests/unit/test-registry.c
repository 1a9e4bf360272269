/* Unit tests for src/acp/registry.c: parsing fixtures (good, odd and
 * malformed), the cache and its offline fallback, file downloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "acp/registry.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"

#include <fcntl.h>
#include <sys/stat.h>

#define FIXTURES SC_SOURCE_DIR "/tests/unit/registry/"

static struct sc_acp_registry *parse_file(const char *name, struct sc_error **err)
{
	_cleanup_free_ char *path = xasprintf(FIXTURES "%s", name);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	assert_int_equal(fs_read_file(path, &data, &len, NULL), 0);
	struct sc_acp_registry *reg = NULL;
	if (sc_acp_registry_parse(data, len, name, &reg, err) < 0)
		return NULL;
	return reg;
}

static void test_good(void **state)
{
	struct sc_error *err = NULL;
	_cleanup_acp_registry_ struct sc_acp_registry *reg = parse_file("good.json", &err);
	assert_non_null(reg);
	assert_string_equal(reg->version, "1.0.0");
	/* alpha, beta, gamma, only-unknown; the rest are left out. */
	assert_int_equal(reg->n_agents, 4);

	const struct sc_acp_agent *a = sc_acp_registry_find(reg, "alpha");
	assert_non_null(a);
	assert_string_equal(a->name, "Alpha Agent");
	assert_string_equal(a->version, "1.2.3");
	assert_non_null(a->npx);
	assert_null(a->uvx);
	assert_int_equal(a->n_binaries, 0);
	assert_string_equal(a->npx->package, "@example/alpha");
	assert_null(a->npx->cmd);
	assert_int_equal(a->npx->args.len, 1);
	assert_string_equal(a->npx->args.v[0], "--acp");
	assert_int_equal(a->npx->env.len, 1);
	assert_string_equal(a->npx->env.v[0], "ALPHA_MODE=strict");
	_cleanup_free_ char *spec = sc_acp_npm_spec(a);
	assert_string_equal(spec, "@example/alpha@1.2.3");
	_cleanup_free_ char *kinds = sc_acp_agent_kinds(a);
	assert_string_equal(kinds, "npx");

	const struct sc_acp_agent *b = sc_acp_registry_find(reg, "beta");
	assert_non_null(b);
	assert_int_equal(b->n_binaries, 3);
	const struct sc_acp_binary *bx = sc_acp_agent_binary(b, "linux-x86_64");
	assert_non_null(bx);
	assert_string_equal(bx->archive, "https://example.invalid/beta-x86_64.tar.gz");
	/* Checksums are kept in lowercase. */
	assert_string_equal(bx->sha256,
	                    "ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd");
	assert_string_equal(bx->cmd, "./bin/beta");
	assert_int_equal(bx->args.len, 2);
	const struct sc_acp_binary *ba = sc_acp_agent_binary(b, "linux-aarch64");
	assert_non_null(ba);
	assert_null(ba->sha256);
	assert_null(sc_acp_agent_binary(b, "windows-x86_64"));
	assert_non_null(b->uvx);
	assert_string_equal(b->uvx->cmd, "beta-acp");
	_cleanup_free_ char *bkinds = sc_acp_agent_kinds(b);
	assert_string_equal(bkinds, "uvx, binary");

	/* No name: the id stands in; a package with its own version keeps it. */
	const struct sc_acp_agent *g = sc_acp_registry_find(reg, "gamma");
	assert_non_null(g);
	assert_string_equal(g->name, "gamma");
	assert_string_equal(g->description, "");
	_cleanup_free_ char *gspec = sc_acp_npm_spec(g);
	assert_string_equal(gspec, "gamma-cli@2.0.1");

	const struct sc_acp_agent *u = sc_acp_registry_find(reg, "only-unknown");
	assert_non_null(u);
	_cleanup_free_ char *ukinds = sc_acp_agent_kinds(u);
	assert_string_equal(ukinds, "-");

	/* The entries left out say why, by index and id. */
	assert_int_equal(reg->skipped.len, 11);
	assert_null(sc_acp_registry_find(reg, "Bad-Id"));
	assert_null(sc_acp_registry_find(reg, "escape"));
	const char *why = sc_acp_registry_skipped(reg, "escape");
	assert_non_null(why);
	assert_non_null(strstr(why, "not a path inside the archive"));
	why = sc_acp_registry_skipped(reg, "opt-pkg");
	assert_non_null(why);
	assert_non_null(strstr(why, "not a package name"));
	why = sc_acp_registry_skipped(reg, "bad-sha");
	assert_non_null(strstr(why, "64 hexadecimal digits"));
	why = sc_acp_registry_skipped(reg, "bad-args");
	assert_non_null(strstr(why, "`distribution.npx.args`: expected a list of strings"));
	why = sc_acp_registry_skipped(reg, "no-version");
	assert_non_null(strstr(why, "`version` is missing"));
	why = sc_acp_registry_skipped(reg, "ftp");
	assert_non_null(strstr(why, "expected an http(s) URL"));
	why = sc_acp_registry_skipped(reg, "bad-env");
	assert_non_null(strstr(why, "not a variable name"));
	/* The first of two entries with one id wins. */
	assert_string_equal(sc_acp_registry_find(reg, "alpha")->version, "1.2.3");
	assert_non_null(strstr(sc_acp_registry_skipped(reg, "alpha"), "a second entry"));
	bool found_index = false;
	for (size_t i = 0; i < reg->skipped.len; i++)
		found_index |= streq(reg->skipped.v[i], "agents[12]: expected a table");
	assert_true(found_index);
}

static void expect_error(const char *name, const char *needle)
{
	struct sc_error *err = NULL;
	struct sc_acp_registry *reg = parse_file(name, &err);
	assert_null(reg);
	assert_non_null(err);
	if (!strstr(err->msg, needle))
		fail_msg("%s: `%s` does not contain `%s`", name, err->msg, needle);
	/* Errors name the source first. */
	assert_true(str_has_prefix(err->msg, name));
	sc_error_free(err);
}

static void test_malformed(void **state)
{
	expect_error("truncated.json", "invalid JSON");
	expect_error("truncated.json", ":1:");
	expect_error("empty.json", "invalid JSON");
	expect_error("array.json", "not an ACP registry index");
	expect_error("no-agents.json", "expected a JSON object with an `agents` list");
	expect_error("agents-not-list.json", "not an ACP registry index");
	expect_error("bad-utf8.json", "invalid JSON");
	expect_error("deep.json", "invalid JSON");
	expect_error("trailing.json", "invalid JSON");

	/* Bytes no fixture has: NUL inside, garbage. */
	static const char nul[] = "{\"agents\": [\"a\0b\"]}";
	struct sc_error *err = NULL;
	struct sc_acp_registry *reg = NULL;
	assert_true(sc_acp_registry_parse(nul, sizeof(nul) - 1, "nul", &reg, &err) < 0);
	sc_error_free(err);
	err = NULL;
	assert_true(sc_acp_registry_parse("\x01\x02\x03", 3, "garbage", &reg, &err) < 0);
	sc_error_free(err);
}

static void test_names(void **state)
{
	assert_true(sc_acp_valid_id("a"));
	assert_true(sc_acp_valid_id("claude-acp"));
	assert_true(sc_acp_valid_id("a1-2"));
	assert_false(sc_acp_valid_id(""));
	assert_false(sc_acp_valid_id("1a"));
	assert_false(sc_acp_valid_id("-a"));
	assert_false(sc_acp_valid_id("a_b"));
	assert_false(sc_acp_valid_id("a/b"));
	assert_false(sc_acp_valid_id("../x"));
	assert_false(sc_acp_valid_id("A"));
	char long_id[80];
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_false(sc_acp_valid_id(long_id));

	static const char *const names[][2] = {
	    {"@scope/name@1.2.3", "@scope/name"},
	    {"@scope/name", "@scope/name"},
	    {"name@^1", "name"},
	    {"name", "name"},
	};
	for (size_t i = 0; i < N_ELEMENTS(names); i++) {
		_cleanup_free_ char *n = sc_acp_npm_name(names[i][0]);
		assert_string_equal(n, names[i][1]);
	}
	const char *p = sc_acp_container_platform();
	assert_non_null(p);
	assert_true(str_has_prefix(p, "linux-"));
}

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/sandcage-test-registry-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void test_load_file_url(void **state)
{
	struct sc_acp_fetch f = {.url = "file://" FIXTURES "good.json", .max_age = 3600};
	struct sc_acp_fetch_info info;
	struct sc_error *err = NULL;
	_cleanup_acp_registry_ struct sc_acp_registry *reg = NULL;
	assert_int_equal(sc_acp_registry_load(&f, &reg, &info, &err), 0);
	assert_int_equal(reg->n_agents, 4);
	assert_false(info.from_cache);
	sc_acp_fetch_info_release(&info);

	/* %-escapes and localhost. */
	f.url = "file://localhost" FIXTURES "go%6fd.json";
	_cleanup_acp_registry_ struct sc_acp_registry *reg2 = NULL;
	assert_int_equal(sc_acp_registry_load(&f, &reg2, &info, &err), 0);
	sc_acp_fetch_info_release(&info);

	f.url = "file://" FIXTURES "missing.json";
	struct sc_acp_registry *none = NULL;
	assert_true(sc_acp_registry_load(&f, &none, &info, &err) < 0);
	assert_non_null(strstr(err->msg, "missing.json"));
	sc_error_free(err);
	err = NULL;

	f.url = "file://" FIXTURES "truncated.json";
	assert_true(sc_acp_registry_load(&f, &none, &info, &err) < 0);
	assert_non_null(strstr(err->msg, "invalid JSON"));
	sc_error_free(err);
}

static void test_cache_and_offline(void **state)
{
	/* Nothing listens on port 1 of the loopback: every fetch fails fast. */
	static const char url[] = "http://127.0.0.1:1/registry.json";
	_cleanup_free_ char *dir = tmpdir();
	struct sc_acp_fetch f = {.url = url, .cache_dir = dir, .max_age = 3600};
	struct sc_acp_fetch_info info;
	struct sc_error *err = NULL;
	struct sc_acp_registry *reg = NULL;

	/* No cache, no network: an error that says what failed. */
	assert_true(sc_acp_registry_load(&f, &reg, &info, &err) < 0);
	assert_non_null(strstr(err->msg, "fetch the ACP registry"));
	assert_non_null(strstr(err->msg, url));
	sc_error_free(err);
	err = NULL;

	/* A cached copy, where the loader keeps it. */
	struct sha256 h;
	sha256_init(&h);
	sha256_update_field(&h, url);
	char hex[65];
	sha256_hex(&h, hex);
	_cleanup_free_ char *cached = xasprintf("%s/acp-registry-%.16s.json", dir, hex);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	assert_int_equal(fs_read_file(FIXTURES "good.json", &data, &len, NULL), 0);
	assert_int_equal(fs_write_atomic(cached, data, len, 0600, NULL), 0);

	/* Fresh: used without a fetch. */
	assert_int_equal(sc_acp_registry_load(&f, &reg, &info, &err), 0);
	assert_true(info.from_cache);
	assert_false(info.offline);
	sc_acp_registry_free(reg);
	sc_acp_fetch_info_release(&info);

	/* Asked to refresh, offline: the cache, with the reason. */
	f.refresh = true;
	assert_int_equal(sc_acp_registry_load(&f, &reg, &info, &err), 0);
	assert_true(info.from_cache);
	assert_true(info.offline);
	assert_non_null(info.fetch_error);
	assert_int_equal(reg->n_agents, 4);
	sc_acp_registry_free(reg);
	sc_acp_fetch_info_release(&info);

	/* Stale, offline: the same. */
	f.refresh = false;
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	assert_int_equal(utimensat(AT_FDCWD, cached, old, 0), 0);
	assert_int_equal(sc_acp_registry_load(&f, &reg, &info, &err), 0);
	assert_true(info.offline);
	assert_int_equal(info.cached_at, 1000000000);
	sc_acp_registry_free(reg);
	sc_acp_fetch_info_release(&info);

	/* A damaged cache is no fallback. */
	assert_int_equal(fs_write_atomic(cached, "{", 1, 0600, NULL), 0);
	assert_true(sc_acp_registry_load(&f, &reg, &info, &err) < 0);
	sc_error_free(err);
	assert_int_equal(fs_remove_tree(dir, NULL), 0);
}

static void test_download_file(void **state)
{
	_cleanup_free_ char *dir = tmpdir();
	_cleanup_free_ char *src = xasprintf("%s/src.bin", dir);
	_cleanup_free_ char *dst = xasprintf("%s/dst.bin", dir);
	assert_int_equal(fs_write_atomic(src, "abc", 3, 0644, NULL), 0);
	_cleanup_free_ char *url = xasprintf("file://%s", src);
	char hex[65];
	struct sc_error *err = NULL;
	assert_int_equal(sc_acp_download(url, dst, 1 << 20, true, hex, &err), 0);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	_cleanup_free_ char *got = NULL;
	assert_int_equal(fs_read_file(dst, &got, NULL, NULL), 0);
	assert_string_equal(got, "abc");

	/* Not from a registry that came over the network. */
	assert_true(sc_acp_download(url, dst, 1 << 20, false, hex, &err) < 0);
	assert_non_null(strstr(err->msg, "may not name local files"));
	sc_error_free(err);
	err = NULL;
	/* Size limit. */
	assert_true(sc_acp_download(url, dst, 2, true, hex, &err) < 0);
	sc_error_free(err);
	err = NULL;
	/* Unreachable: an error naming the URL, no file left. */
	unlink(dst);
	assert_true(sc_acp_download("http://127.0.0.1:1/x", dst, 1 << 20, false, hex, &err) < 0);
	assert_non_null(strstr(err->msg, "http://127.0.0.1:1/x"));
	assert_false(fs_exists(dst));
	sc_error_free(err);
	err = NULL;
	assert_true(sc_acp_download("ftp://x/y", dst, 1 << 20, false, hex, &err) < 0);
	sc_error_free(err);
	assert_int_equal(fs_remove_tree(dir, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_load_file_url),
	    cmocka_unit_test(test_cache_and_offline),
	    cmocka_unit_test(test_download_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
