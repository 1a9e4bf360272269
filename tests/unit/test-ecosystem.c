/* Unit tests for src/workspace/ecosystem and the text src/cmd/init_render.c
 * makes of it: version normalisation, detection on the fixture projects of
 * tests/golden/init/CASE/project against CASE/expected.yml (rewritten with
 * SC_UPDATE_GOLDEN=1), and that every text it renders loads through the
 * configuration code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

#include "cmd/init_render.h"
#include "config/config.h"
#include "util/fs.h"
#include "util/path.h"
#include "workspace/ecosystem.h"

#include <dirent.h>
#include <sys/stat.h>

static const char *golden_root(void)
{
	return SC_SOURCE_DIR "/tests/golden/init";
}

/* Loads `yaml` as the project layer alone; fails the test on an error. */
static const char *toolchain(const struct sc_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->toolchains.len; i++)
		if (streq(cfg->toolchains.items[i].key, name))
			return cfg->toolchains.items[i].value.value;
	return NULL;
}

static void check_node(const char *spec, const char *want, bool want_min)
{
	bool minimum = !want_min;
	_cleanup_free_ char *got = sc_eco_node_version(spec, &minimum);
	if (!want) {
		if (got)
			fail_msg("node `%s`: want none, got `%s`", spec, got);
		return;
	}
	if (!got || !streq(got, want))
		fail_msg("node `%s`: want `%s`, got `%s`", spec, want, got ? got : "(none)");
	if (minimum != want_min)
		fail_msg("node `%s`: minimum should be %d", spec, want_min);
}

static void test_node_versions(void **state)
{
	check_node("20", "20", false);
	check_node("v20.11.1\n", "20.11.1", false);
	check_node("  22.3.0  ", "22.3.0", false);
	check_node("# pinned\n18\n", "18", false);
	check_node(">=20", "20", true);
	check_node(">= 20.3.0", "20", true);
	check_node("^20.1", "20", false);
	check_node("~20.11.1", "20", false);
	check_node("20.x", "20", false);
	check_node("20.*", "20", false);
	check_node(">=18 <21", "18", true);
	check_node("^18.17 || >=20.1", "20", true);
	check_node("^16 || ^18 || ^20", "20", false);
	check_node("18 - 20", "18", false);
	check_node("=20.1.0", "20.1.0", false);
	check_node("lts/iron", "20", false);
	check_node("lts/Jod", "22", false);
	check_node("lts/*", NULL, false);
	check_node("node", NULL, false);
	check_node("latest", NULL, false);
	check_node("*", NULL, false);
	check_node("<21", NULL, false);
	check_node("", NULL, false);
	check_node("20.0.0-rc.1", NULL, false);
}

static void check_python(const char *spec, const char *want, bool want_min)
{
	bool minimum = !want_min;
	_cleanup_free_ char *got = sc_eco_python_version(spec, &minimum);
	if (!want) {
		if (got)
			fail_msg("python `%s`: want none, got `%s`", spec, got);
		return;
	}
	if (!got || !streq(got, want))
		fail_msg("python `%s`: want `%s`, got `%s`", spec, want, got ? got : "(none)");
	if (minimum != want_min)
		fail_msg("python `%s`: minimum should be %d", spec, want_min);
}

static void test_python_versions(void **state)
{
	check_python(">=3.11", "3.11", true);
	check_python(">=3.9,<4", "3.9", true);
	check_python("<4, >=3.10", "3.10", true);
	check_python("~=3.10", "3.10", true);
	check_python("^3.11", "3.11", true);
	check_python("==3.12.*", "3.12", false);
	check_python("3.12.1", "3.12", false);
	check_python("3.11\n3.10\n", "3.11", false);
	check_python("pypy3.10-7.3.12", "3.10", false);
	check_python("3", "3", false);
	check_python("system", NULL, false);
	check_python("<3.13", NULL, false);
}

static void check_go(const char *spec, const char *want)
{
	_cleanup_free_ char *got = sc_eco_go_version(spec);
	if (!want) {
		if (got)
			fail_msg("go `%s`: want none, got `%s`", spec, got);
		return;
	}
	if (!got || !streq(got, want))
		fail_msg("go `%s`: want `%s`, got `%s`", spec, want, got ? got : "(none)");
}

static void test_go_versions(void **state)
{
	check_go("1.22", "1.22.0");
	check_go("1.21", "1.21.0");
	check_go("1.20", "1.20");
	check_go("1.19", "1.19");
	check_go("1.22.4", "1.22.4");
	check_go("go1.22.3", "1.22.3");
	check_go("1.21rc2", "1.21rc2");
	check_go("local", NULL);
	check_go("", NULL);
}

static void test_rust_channel(void **state)
{
	_cleanup_free_ char *a = sc_eco_rust_channel("[toolchain]\nchannel = \"1.79.0\"\n", true);
	assert_non_null(a);
	assert_string_equal(a, "1.79.0");
	_cleanup_free_ char *b = sc_eco_rust_channel("nightly-2024-05-01\n", false);
	assert_non_null(b);
	assert_string_equal(b, "nightly-2024-05-01");
	assert_null(sc_eco_rust_channel("[toolchain]\ncomponents = [\"clippy\"]\n", true));
	assert_null(sc_eco_rust_channel("[toolchain\n", true));
	/* A path to a custom toolchain is no version the image can install. */
	assert_null(sc_eco_rust_channel("/opt/rust/my toolchain\n", false));
}

static void test_version_cmp(void **state)
{
	assert_true(sc_eco_version_cmp("1.10", "1.9") > 0);
	assert_true(sc_eco_version_cmp("20", "20.11.1") < 0);
	assert_true(sc_eco_version_cmp("22", "20.11.1") > 0);
	assert_int_equal(sc_eco_version_cmp("3.11", "3.11"), 0);
	assert_true(sc_eco_version_cmp("3.9", "3.11") < 0);
}

/* Whatever the files hold, the text loads: names and values from files end
 * up in comments, cleaned of what would break the YAML. */
static void test_render_hostile_input(void **state)
{
	struct sc_eco_pin pin = {xstrdup("20"), xstrdup(">=20\n  evil: [\x01\xff\xfe"),
	                         xstrdup("we\nird/\xc3\x28.nvmrc"), true};
	struct sc_eco_project p = {0};
	p.kind = SC_ECO_NODE;
	p.dir = xstrdup("we\nird\r/dir: [x]\xe2\x82");
	strv_push(&p.markers, "package.json\n- x");
	p.tool = xstrdup("pnpm\n");
	p.tool_source = xstrdup("\"quote\" # hash");
	p.pins = &pin;
	p.n_pins = 1;
	strv_push(&p.notes, "package.json:1: invalid JSON: '\xff'\nbroken: [");
	struct sc_ecosystems eco = {&p, 1, true};
	_cleanup_free_ char *text = sc_init_render_yaml(&eco);
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(text);
	assert_string_equal(toolchain(cfg, "node"), "20");
	assert_int_equal(cfg->packages.len, 2);

	free(pin.version);
	free(pin.raw);
	free(pin.source);
	free(p.dir);
	strv_release(&p.markers);
	free(p.tool);
	free(p.tool_source);
	strv_release(&p.notes);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *path = path_join(dir, name);
	_cleanup_free_ char *parent = path_dirname(path);
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_mkdir_p(parent, 0755, &err), 0);
	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0644, &err), 0);
}

/* Broken manifests are notes, links do not lead the scan in circles, and a
 * missing root is an error. */
static void test_detect_robust(void **state)
{
	char dir[] = "/tmp/sc-eco-XXXXXX";
	assert_non_null(mkdtemp(dir));
	write_file(dir, "package.json", "{\"engines\": {\"node\": \">=20\",}");
	write_file(dir, "pyproject.toml", "[project\nrequires-python = \">=3.11\"\n");
	write_file(dir, "a/go.mod", "module x\n\ngo banana\n");
	_cleanup_free_ char *loop = path_join(dir, "a/loop");
	assert_int_equal(symlink(dir, loop), 0);

	_cleanup_ecosystems_ struct sc_ecosystems *eco = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_ecosystem_detect(dir, &eco, &err), 0);
	assert_int_equal(eco->len, 3); /* node and python at the root, go in a/ (once) */
	assert_int_equal(eco->items[0].kind, SC_ECO_NODE);
	assert_int_equal(eco->items[0].n_pins, 0);
	assert_int_equal(eco->items[0].notes.len, 1);
	assert_non_null(strstr(eco->items[0].notes.v[0], "invalid JSON"));
	assert_int_equal(eco->items[1].kind, SC_ECO_PYTHON);
	assert_int_equal(eco->items[1].notes.len, 1);
	assert_int_equal(eco->items[2].kind, SC_ECO_GO);
	assert_string_equal(eco->items[2].dir, "a");
	_cleanup_free_ char *text = sc_init_render_yaml(eco);
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(text);
	assert_string_equal(toolchain(cfg, "go"), "system");
	assert_non_null(strstr(text, "not read: package.json"));

	fs_remove_tree(dir, NULL);
	sc_ecosystems_free(steal_pointer(&eco));
	assert_true(sc_ecosystem_detect(dir, &eco, &err) < 0);
	assert_non_null(strstr(err->msg, dir));
}

static void run_golden_case(void **state)
{
	const char *case_dir = *state;
	_cleanup_free_ char *project = path_join(case_dir, "project");
	_cleanup_ecosystems_ struct sc_ecosystems *eco = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_ecosystem_detect(project, &eco, &err) < 0)
		fail_msg("%s", err->msg);
	_cleanup_free_ char *got = sc_init_render_yaml(eco);
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(got);
	/* Every ecosystem found has its toolchain, and nothing else does. */
	for (int k = 0; k < SC_ECO_KINDS; k++) {
		bool found = false;
		for (size_t i = 0; i < eco->len; i++)
			found = found || eco->items[i].kind == (enum sc_eco_kind)k;
		const char *v = toolchain(cfg, sc_eco_toolchain((enum sc_eco_kind)k));
		if (found != (v != NULL))
			fail_msg("%s: toolchain %s: found %d, suggested %s", case_dir,
			         sc_eco_toolchain((enum sc_eco_kind)k), found, v ? v : "nothing");
	}

	_cleanup_free_ char *want_path = path_join(case_dir, "expected.yml");
	const char *update = getenv("SC_UPDATE_GOLDEN");
	if (update && streq(update, "1")) {
		if (fs_write_atomic(want_path, got, strlen(got), 0644, &err) < 0)
			fail_msg("%s", err->msg);
		return;
	}
	_cleanup_free_ char *want = NULL;
	if (fs_read_file(want_path, &want, NULL, &err) < 0)
		fail_msg("%s (run with SC_UPDATE_GOLDEN=1 to create it); got:\n%s", err->msg, got);
	if (!streq(want, got))
		fail_msg("%s differs; got:\n%s\nwant:\n%s", want_path, got, want);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
	    cmocka_unit_test(test_node_versions), cmocka_unit_test(test_python_versions),
	    cmocka_unit_test(test_go_versions),   cmocka_unit_test(test_rust_channel),
	    cmocka_unit_test(test_version_cmp),   cmocka_unit_test(test_render_hostile_input),
	    cmocka_unit_test(test_detect_robust),
	};

	return unit_run_with_cases("ecosystem", unit, N_ELEMENTS(unit), golden_root(),
	                           run_golden_case);
}
