/* Unit tests for src/config: merge.c, schema.c, config.c; and the golden
 * cases under tests/golden/config/ (see tests/golden/config/README.md).
 * SC_UPDATE_GOLDEN=1 rewrites the expected files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

#include "config/config.h"
#include "config/edit.h"
#include "config/merge.h"
#include "config/schema.h"
#include "config/toml.h"
#include "config/yaml.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strbuf.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>

#ifndef SC_SOURCE_DIR
#error "SC_SOURCE_DIR must be defined by the build"
#endif

/* ---- helpers ---- */

static struct sc_value *yaml(const char *file, const char *text)
{
	struct sc_value *v = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_yaml_parse(text, strlen(text), sc_intern(file), &v, &err) < 0)
		fail_msg("yaml: %s", err->msg);
	return v;
}

static struct sc_value *toml(const char *file, const char *text)
{
	struct sc_value *v = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_toml_parse(text, strlen(text), sc_intern(file), &v, &err) < 0)
		fail_msg("toml: %s", err->msg);
	return v;
}

/* Merges the given layer trees (NULL: absent) over the defaults and decodes;
 * returns the error message (to free) or NULL with *out set. */
static char *build(struct sc_value *global, struct sc_value *project, struct sc_value *local,
                   struct sc_config **out)
{
	struct sc_value *layers[] = {global, project, local};
	_cleanup_value_ struct sc_value *defaults = sc_config_defaults();
	_cleanup_value_ struct sc_value *merged = sc_merge_new(defaults, SC_LAYER_DEFAULT);
	_cleanup_error_ struct sc_error *err = NULL;
	int r = 0;
	for (size_t i = 0; i < N_ELEMENTS(layers) && r == 0; i++)
		if (layers[i])
			r = sc_merge_layer(merged, layers[i], (enum sc_layer)(SC_LAYER_GLOBAL + i),
			                   &err);
	for (size_t i = 0; i < N_ELEMENTS(layers) && r == 0; i++)
		if (layers[i])
			r = sc_config_check_layer(layers[i], (enum sc_layer)(SC_LAYER_GLOBAL + i),
			                          &err);
	if (r == 0)
		r = sc_config_decode(merged, out, &err);
	for (size_t i = 0; i < N_ELEMENTS(layers); i++)
		sc_value_free(layers[i]);
	if (r < 0)
		return xstrdup(err->msg);
	return NULL;
}

static struct sc_config *build_ok(struct sc_value *g, struct sc_value *p, struct sc_value *l)
{
	struct sc_config *cfg = NULL;
	_cleanup_free_ char *msg = build(g, p, l, &cfg);
	if (msg)
		fail_msg("unexpected error: %s", msg);
	return cfg;
}

static char *build_err(struct sc_value *g, struct sc_value *p, struct sc_value *l)
{
	struct sc_config *cfg = NULL;
	char *msg = build(g, p, l, &cfg);
	if (!msg) {
		sc_config_free(cfg);
		fail_msg("expected an error");
	}
	return msg;
}

/* ---- defaults ---- */

static void test_defaults(void **state)
{
	_cleanup_config_ struct sc_config *cfg = build_ok(NULL, NULL, NULL);
	assert_string_equal(cfg->image.base.value, "debian:bookworm-slim");
	assert_int_equal(cfg->image.base.origin.layer, SC_LAYER_DEFAULT);
	assert_string_equal(cfg->image.dockerfile.value, "");
	assert_string_equal(cfg->image.build_network.value, "default");
	assert_int_equal(cfg->packages.len, 0);
	assert_int_equal(cfg->services.len, 3);
	const struct sc_service *claude = sc_config_service(cfg, "claude");
	assert_non_null(claude);
	assert_true(claude->builtin);
	assert_true(claude->enabled.value);
	assert_string_equal(claude->command.items[0].value, "claude");
	assert_string_equal(claude->env.items[1].value, "CLAUDE_CODE_OAUTH_TOKEN");
	assert_true(sc_config_service(cfg, "codex")->enabled.value);
	assert_string_equal(sc_config_service(cfg, "gemini")->install.items[0].value,
	                    "npm install -g @google/gemini-cli");
	assert_null(sc_config_service(cfg, "aider"));
	assert_int_equal(cfg->network.mode.value, SC_NETWORK_OPEN);
	assert_string_equal(cfg->resources.memory.value, "8g");
	assert_int_equal(cfg->resources.memory_bytes, 8LL << 30);
	assert_true(cfg->resources.cpus.value == 0);
	assert_int_equal(cfg->resources.pids.value, 1024);
	assert_false(cfg->ssh.enabled.value);
	assert_string_equal(cfg->home.volume.value, "sandcage-home");
	assert_int_equal(cfg->engine.value, SC_ENGINE_AUTO);
	assert_true(cfg->acp.strip_terminal.value);
	assert_true(str_has_prefix(cfg->acp.registry_url.value, "https://"));
}

/* ---- merge rules ---- */

static void test_scalar_override(void **state)
{
	_cleanup_config_ struct sc_config *cfg =
	    build_ok(toml("/g.toml", "[resources]\nmemory = \"4g\"\ncpus = 2\n"),
	             yaml("/p.yml", "resources:\n  memory: 2g\n"),
	             yaml("/l.yml", "resources: {memory: 1g}\n"));
	assert_string_equal(cfg->resources.memory.value, "1g");
	assert_int_equal(cfg->resources.memory.origin.layer, SC_LAYER_LOCAL);
	assert_string_equal(cfg->resources.memory.origin.pos.file, "/l.yml");
	assert_int_equal(cfg->resources.memory.origin.pos.line, 1);
	assert_true(cfg->resources.cpus.value == 2);
	assert_int_equal(cfg->resources.cpus.origin.layer, SC_LAYER_GLOBAL);
	assert_int_equal(cfg->resources.cpus.origin.pos.line, 3);
	assert_int_equal(cfg->resources.pids.origin.layer, SC_LAYER_DEFAULT);
}

static void test_table_merge(void **state)
{
	_cleanup_config_ struct sc_config *cfg =
	    build_ok(toml("/g.toml", "[toolchains]\nnode = \"20\"\ngo = \"1.22\"\n"),
	             yaml("/p.yml", "toolchains:\n  python: \"3.12\"\n"),
	             yaml("/l.yml", "toolchains:\n  node: 22\n"));
	assert_int_equal(cfg->toolchains.len, 3);
	assert_string_equal(cfg->toolchains.items[0].key, "node");
	assert_string_equal(cfg->toolchains.items[0].value.value, "22");
	assert_int_equal(cfg->toolchains.items[0].value.origin.layer, SC_LAYER_LOCAL);
	assert_string_equal(cfg->toolchains.items[1].key, "go");
	assert_int_equal(cfg->toolchains.items[1].value.origin.layer, SC_LAYER_GLOBAL);
	assert_string_equal(cfg->toolchains.items[2].value.value, "3.12");
}

static void test_list_replace(void **state)
{
	_cleanup_config_ struct sc_config *cfg =
	    build_ok(toml("/g.toml", "packages = [\"git\", \"curl\"]\n"),
	             yaml("/p.yml", "packages: [ripgrep]\n"), NULL);
	assert_int_equal(cfg->packages.len, 1);
	assert_string_equal(cfg->packages.items[0].value, "ripgrep");
	assert_int_equal(cfg->packages.origin.layer, SC_LAYER_PROJECT);
}

static void test_list_append(void **state)
{
	_cleanup_config_ struct sc_config *cfg = build_ok(
	    toml("/g.toml", "packages = [\"git\"]\n"), yaml("/p.yml", "packages+: [ripgrep]\n"),
	    yaml("/l.yml", "packages+:\n  - jq\n  - fd-find\n"));
	assert_int_equal(cfg->packages.len, 4);
	assert_string_equal(cfg->packages.items[0].value, "git");
	assert_string_equal(cfg->packages.items[1].value, "ripgrep");
	assert_string_equal(cfg->packages.items[3].value, "fd-find");
	assert_int_equal(cfg->packages.origin.layer, SC_LAYER_GLOBAL);
	assert_int_equal(cfg->packages.items[1].origin.layer, SC_LAYER_PROJECT);
	assert_int_equal(cfg->packages.items[3].origin.layer, SC_LAYER_LOCAL);
	assert_int_equal(cfg->packages.items[3].origin.pos.line, 3);
	_cleanup_free_ char *text = sc_config_render_text(cfg);
	assert_non_null(strstr(text, "packages = [\"git\"]    # global /g.toml:1\n"
	                             "packages += [\"ripgrep\"]    # project /p.yml:1\n"
	                             "packages += [\"jq\", \"fd-find\"]    # local /l.yml:2\n"));
}

static void test_append_to_default_and_toml_quoted_key(void **state)
{
	_cleanup_config_ struct sc_config *cfg = build_ok(
	    toml("/g.toml", "[services.claude]\n\"env+\" = [\"HTTPS_PROXY\"]\n"), NULL, NULL);
	const struct sc_service *claude = sc_config_service(cfg, "claude");
	assert_int_equal(claude->env.len, 3);
	assert_string_equal(claude->env.items[2].value, "HTTPS_PROXY");
	assert_int_equal(claude->env.origin.layer, SC_LAYER_DEFAULT);
}

static void test_append_creates_list(void **state)
{
	_cleanup_config_ struct sc_config *cfg = build_ok(
	    NULL, yaml("/p.yml", "services:\n  aider:\n    command: aider\n    args+: [--yes]\n"),
	    NULL);
	const struct sc_service *aider = sc_config_service(cfg, "aider");
	assert_non_null(aider);
	assert_int_equal(aider->args.len, 1);
	assert_int_equal(aider->args.origin.layer, SC_LAYER_PROJECT);
}

static void test_disable_service(void **state)
{
	_cleanup_config_ struct sc_config *cfg =
	    build_ok(NULL, yaml("/p.yml", "services:\n  codex:\n    enabled: true\n"),
	             yaml("/l.yml", "services:\n  claude:\n    enabled: false\n"));
	const struct sc_service *claude = sc_config_service(cfg, "claude");
	assert_false(claude->enabled.value);
	assert_int_equal(claude->enabled.origin.layer, SC_LAYER_LOCAL);
	assert_int_equal(claude->enabled.origin.pos.line, 3);
	assert_true(sc_config_service(cfg, "codex")->enabled.value);
	/* The rest of the built-in definition stays. */
	assert_string_equal(claude->command.items[0].value, "claude");
	_cleanup_free_ char *text = sc_config_render_text(cfg);
	assert_non_null(strstr(text, "services.claude.enabled = false    # local /l.yml:3\n"));
}

static void test_type_change_names_both_places(void **state)
{
	_cleanup_free_ char *msg = build_err(toml("/g.toml", "[network]\nmode = \"none\"\n"),
	                                     yaml("/p.yml", "network: [a]\n"), NULL);
	assert_string_equal(msg, "/p.yml:1:10: `network`: found a list, but global /g.toml:1:1 "
	                         "sets it to a table; a key must keep its type across layers");
}

static void test_append_errors(void **state)
{
	_cleanup_free_ char *m1 = build_err(NULL, yaml("/p.yml", "image:\n  base+: [x]\n"), NULL);
	assert_string_equal(m1, "/p.yml:2:3: `image.base+`: only lists can be appended to, but "
	                        "`base` is a string (from the defaults)");
	_cleanup_free_ char *m2 = build_err(NULL, yaml("/p.yml", "packages+: git\n"), NULL);
	assert_string_equal(m2, "/p.yml:1:12: `packages+`: expected list, found string");
	_cleanup_free_ char *m3 =
	    build_err(NULL, yaml("/p.yml", "packages: [a1]\npackages+: [b1]\n"), NULL);
	assert_non_null(strstr(m3, "`packages` is set in the same table too (/p.yml:1:11)"));
	_cleanup_free_ char *m4 = build_err(NULL, yaml("/p.yml", "toolchains+: [x]\n"), NULL);
	assert_non_null(strstr(m4, "only lists can be appended to"));
}

/* ---- errors ---- */

static void test_unknown_key(void **state)
{
	_cleanup_free_ char *m1 =
	    build_err(NULL, yaml("/p.yml", "toolchain:\n  node: \"20\"\n"), NULL);
	assert_string_equal(m1, "/p.yml:1:1: unknown key `toolchain` (did you mean `toolchains`?)");
	_cleanup_free_ char *m2 = build_err(NULL, yaml("/p.yml", "image:\n  bsae: x\n"), NULL);
	assert_string_equal(m2,
	                    "/p.yml:2:3: unknown key `image.bsae` (did you mean `image.base`?)");
	/* a prefix is near too */
	_cleanup_free_ char *m3 = build_err(NULL, yaml("/p.yml", "res: {}\n"), NULL);
	assert_string_equal(m3, "/p.yml:1:1: unknown key `res` (did you mean `resources`?)");
	_cleanup_free_ char *m4 = build_err(NULL, yaml("/p.yml", "zzzzzz: 1\n"), NULL);
	assert_string_equal(m4, "/p.yml:1:1: unknown key `zzzzzz`");
	_cleanup_free_ char *m5 = build_err(NULL, yaml("/p.yml", "pakages+: [git]\n"), NULL);
	assert_string_equal(m5, "/p.yml:1:1: unknown key `pakages+` (did you mean `packages+`?)");
}

static void test_type_errors_are_all_reported(void **state)
{
	_cleanup_free_ char *msg = build_err(
	    NULL,
	    yaml("/p.yml", "packages: ripgrep\nssh:\n  enabled: yes\nresources:\n  pids: 0\n"),
	    NULL);
	assert_string_equal(msg, "/p.yml:1:11: `packages`: expected list, found string\n"
	                         "/p.yml:3:12: `ssh.enabled`: expected boolean, found string\n"
	                         "/p.yml:5:9: `resources.pids`: expected an integer greater than "
	                         "0, found 0");
}

static void test_overridden_error_still_reported(void **state)
{
	_cleanup_free_ char *msg = build_err(toml("/g.toml", "[network]\nmode = \"opne\"\n"),
	                                     yaml("/p.yml", "network: {mode: none}\n"), NULL);
	assert_string_equal(msg, "/g.toml:2:8: `network.mode`: expected one of open, none, "
	                         "allowlist, found \"opne\" (did you mean \"open\"?)");
}

static void test_toolchain_versions(void **state)
{
	_cleanup_free_ char *m1 =
	    build_err(NULL, yaml("/p.yml", "toolchains:\n  python: 3.10\n"), NULL);
	assert_non_null(strstr(m1, "/p.yml:2:11: `toolchains.python`: expected a version string, "
	                           "found the float 3.1; quote the version"));
	_cleanup_free_ char *m2 =
	    build_err(NULL, yaml("/p.yml", "toolchains:\n  nodejs: 20\n"), NULL);
	assert_string_equal(m2, "/p.yml:2:3: unknown toolchain `toolchains.nodejs` (did you mean "
	                        "`toolchains.node`?)");
	_cleanup_free_ char *m3 =
	    build_err(NULL, yaml("/p.yml", "toolchains: {go: \"1.2; rm\"}\n"), NULL);
	assert_non_null(strstr(m3, "invalid version"));
}

static void test_services_names(void **state)
{
	_cleanup_free_ char *m1 = build_err(NULL,
	                                    yaml("/p.yml", "services:\n  shell:\n"
	                                                   "    command: [sh]\n"),
	                                    NULL);
	assert_string_equal(m1, "/p.yml:2:3: `services.shell`: `shell` is a sandcage command and "
	                        "cannot name a service; choose another name");
	_cleanup_free_ char *m2 =
	    build_err(NULL, yaml("/p.yml", "services:\n  My_Agent: {command: x}\n"), NULL);
	assert_non_null(strstr(m2, "invalid service name (expected [a-z][a-z0-9_-]*)"));
	_cleanup_free_ char *m3 = build_err(NULL,
	                                    yaml("/p.yml", "services:\n  claud:\n"
	                                                   "    enabled: true\n"),
	                                    NULL);
	assert_string_equal(m3, "/p.yml:2:3: `services.claud`: a custom harness needs `command` "
	                        "(the program to run); did you mean the built-in `claude`?");
}

static void test_custom_harness_over_layers(void **state)
{
	/* The command may come from another layer than the rest. */
	_cleanup_config_ struct sc_config *cfg =
	    build_ok(toml("/g.toml", "[services.aider]\ncommand = \"aider\"\n"),
	             yaml("/p.yml", "services:\n  aider:\n    env: [OPENAI_API_KEY]\n"), NULL);
	const struct sc_service *a = sc_config_service(cfg, "aider");
	assert_non_null(a);
	assert_false(a->builtin);
	assert_true(a->enabled.value);
	assert_int_equal(a->enabled.origin.layer, SC_LAYER_DEFAULT);
	assert_int_equal(a->command.len, 1);
	assert_int_equal(a->command.origin.layer, SC_LAYER_GLOBAL);
	assert_string_equal(a->env.items[0].value, "OPENAI_API_KEY");
}

static void test_value_checks(void **state)
{
	static const struct {
		const char *yaml;
		const char *want;
	} cases[] = {
	    {"packages: [Ripgrep]\n", "invalid package name \"Ripgrep\""},
	    {"packages: [\"ripgrep=\"]\n", "invalid package name"},
	    {"resources: {memory: 4x}\n", "invalid memory size \"4x\""},
	    {"resources: {memory: 1k}\n", "too little memory"},
	    {"resources: {cpus: -1}\n", "greater than 0"},
	    {"resources: {cpus: \"2\"}\n", "expected number, found string"},
	    {"home: {volume: \"a b\"}\n", "invalid name \"a b\""},
	    {"engine: lxc\n", "expected one of docker, podman, \"\" (auto), found \"lxc\""},
	    {"env_passthrough: [\"1X\"]\n", "invalid environment variable name \"1X\""},
	    {"env: {\"A-B\": 1}\n", "invalid environment variable name \"A-B\""},
	    {"env: {A: [1]}\n", "`env.A`: expected string, found list"},
	    {"network: {allow: [\"exa mple.com\"]}\n", "invalid domain"},
	    {"mounts: [{source: /, target: relative}]\n", "expected an absolute path"},
	    {"mounts: [{target: /x}]\n", "a mount needs `source`"},
	    {"mounts: [{source: /nonexistent-sc-test, target: /x}]\n", "does not exist"},
	    {"image: {dockerfile: /}\n", "is not a regular file"},
	    {"image: {base: \"debian bookworm\"}\n", "invalid image reference"},
	    {"acp: {registry_url: \"ftp://x\"}\n", "invalid URL"},
	    {"services: {claude: {command: []}}\n", "must not be empty"},
	    {"services: {claude: {install: [1]}}\n", "`services.claude.install[0]`: expected "
	                                             "string, found integer"},
	    {"services: {claude: {domains: [\"-x.com\"]}}\n", "invalid domain"},
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		_cleanup_free_ char *msg = build_err(NULL, yaml("/p.yml", cases[i].yaml), NULL);
		if (!strstr(msg, cases[i].want))
			fail_msg("%s: got `%s`, want `%s`", cases[i].yaml, msg, cases[i].want);
	}
}

static void test_conversions(void **state)
{
	_cleanup_config_ struct sc_config *cfg = build_ok(
	    NULL,
	    yaml("/p.yml",
	         "toolchains: {node: 20}\nenv: {A: 1, B: true, C: 1.5, D: x}\n"
	         "resources: {cpus: 1.5, memory: 536870912}\n"
	         "services: {claude: {command: \"claude\"}}\n"
	         "engine: podman\nnetwork: {mode: allowlist, allow: [\"*.example.com\"]}\n"),
	    NULL);
	assert_string_equal(cfg->toolchains.items[0].value.value, "20");
	assert_string_equal(cfg->env.items[0].value.value, "1");
	assert_string_equal(cfg->env.items[1].value.value, "true");
	assert_string_equal(cfg->env.items[2].value.value, "1.5");
	assert_true(cfg->resources.cpus.value == 1.5);
	assert_int_equal(cfg->resources.memory_bytes, 512LL << 20);
	assert_int_equal(sc_config_service(cfg, "claude")->command.len, 1);
	assert_int_equal(cfg->engine.value, SC_ENGINE_PODMAN);
	assert_int_equal(cfg->network.mode.value, SC_NETWORK_ALLOWLIST);
}

/* ---- config.c: files, flags, rendering ---- */

struct tmpdir {
	char path[64];
};

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = path_join(dir, name);
	_cleanup_free_ char *parent = path_dirname(p);
	_cleanup_error_ struct sc_error *err = NULL;
	if (fs_mkdir_p(parent, 0755, &err) < 0 ||
	    fs_write_atomic(p, text, strlen(text), 0644, &err) < 0)
		fail_msg("%s", err->msg);
}

static void test_load_files(void **state)
{
	char tmp[] = "/tmp/sc-config-test-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	_cleanup_free_ char *home = path_join(tmp, "sandcage");
	setenv("SANDCAGE_HOME", home, 1);
	write_file(tmp, "sandcage/config.toml", "[image]\nca_certificates = [\"certs/ca.pem\"]\n");
	write_file(tmp, "sandcage/certs/ca.pem", "x");
	write_file(tmp, "proj/.sandcage.yml", "image:\n  dockerfile: docker/Dockerfile\n");
	write_file(tmp, "proj/docker/Dockerfile", "FROM scratch\n");
	_cleanup_free_ char *root = path_join(tmp, "proj");

	struct sc_value *flags = NULL;
	sc_config_flag_set_string(&flags, "image.base", "alpine:3", "--image");
	_cleanup_config_ struct sc_config *cfg = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	int r = sc_config_load(root, flags, &cfg, &err);
	sc_value_free(flags);
	if (r < 0)
		fail_msg("%s", err->msg);
	_cleanup_free_ char *ca = path_join(home, "certs/ca.pem");
	_cleanup_free_ char *df = path_join(root, "docker/Dockerfile");
	assert_string_equal(cfg->image.ca_certificates.items[0].value, ca);
	assert_string_equal(cfg->image.dockerfile.value, df);
	assert_string_equal(cfg->image.base.value, "alpine:3");
	assert_int_equal(cfg->image.base.origin.layer, SC_LAYER_FLAG);
	_cleanup_free_ char *text = sc_config_render_text(cfg);
	assert_non_null(strstr(text, "image.base = \"alpine:3\"    # flag --image\n"));

	/* --path */
	struct sc_config_paths paths;
	sc_config_paths_init(&paths, root);
	_cleanup_free_ char *global = path_join(home, "config.toml");
	assert_string_equal(paths.global, global);
	_cleanup_free_ char *ptext = sc_config_paths_render_text(&paths);
	assert_non_null(strstr(ptext, "# exists\n"));
	assert_non_null(strstr(ptext, ".sandcage.local.yml    # missing\n"));
	json_t *pj = sc_config_paths_render_json(&paths);
	assert_true(json_is_true(json_object_get(json_object_get(pj, "project"), "exists")));
	assert_true(json_is_false(json_object_get(json_object_get(pj, "local"), "exists")));
	json_decref(pj);
	sc_config_paths_release(&paths);

	/* A file that cannot be read is an error, a missing one is not. */
	_cleanup_free_ char *local = path_join(root, ".sandcage.local.yml");
	assert_int_equal(mkdir(local, 0755), 0);
	struct sc_config *cfg2 = NULL;
	_cleanup_error_ struct sc_error *err2 = NULL;
	assert_true(sc_config_load(root, NULL, &cfg2, &err2) < 0);
	assert_null(cfg2);
	assert_non_null(strstr(err2->msg, ".sandcage.local.yml`"));

	/* A bad flag names the option. */
	rmdir(local);
	struct sc_value *bad = NULL;
	sc_config_flag_set_string(&bad, "engine", "lxc", "--engine");
	_cleanup_error_ struct sc_error *err3 = NULL;
	assert_true(sc_config_load(root, bad, &cfg2, &err3) < 0);
	sc_value_free(bad);
	assert_string_equal(err3->msg, "--engine: `engine`: expected one of docker, podman, \"\" "
	                               "(auto), found \"lxc\"");

	unsetenv("SANDCAGE_HOME");
	_cleanup_free_ char *dflt = sc_config_global_dir();
	_cleanup_free_ char *want = path_join(path_home(), ".sandcage");
	assert_string_equal(dflt, want);
	rm_rf(tmp);
}

static void test_render_json(void **state)
{
	_cleanup_config_ struct sc_config *cfg =
	    build_ok(NULL,
	             yaml("/p.yml", "toolchains:\n  node: \"20\"\npackages: [git]\n"
	                            "mounts:\n  - {source: /, target: /host, readonly: true}\n"),
	             yaml("/l.yml", "packages+: [jq]\n"));
	json_t *j = sc_config_render_json(cfg);
	json_t *node = json_object_get(json_object_get(j, "toolchains"), "node");
	assert_string_equal(json_string_value(json_object_get(node, "value")), "20");
	json_t *o = json_object_get(node, "origin");
	assert_string_equal(json_string_value(json_object_get(o, "layer")), "project");
	assert_string_equal(json_string_value(json_object_get(o, "file")), "/p.yml");
	assert_int_equal(json_integer_value(json_object_get(o, "line")), 2);
	assert_int_equal(json_integer_value(json_object_get(o, "column")), 9);
	json_t *pk = json_object_get(j, "packages");
	assert_int_equal(json_array_size(json_object_get(pk, "value")), 2);
	json_t *item1 = json_array_get(json_object_get(pk, "items"), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(item1, "origin"), "layer")), "local");
	json_t *base_origin =
	    json_object_get(json_object_get(json_object_get(j, "image"), "base"), "origin");
	assert_string_equal(json_string_value(json_object_get(base_origin, "layer")), "default");
	assert_true(json_is_null(json_object_get(base_origin, "file")));
	json_t *m0 = json_array_get(json_object_get(j, "mounts"), 0);
	assert_true(json_is_true(json_object_get(json_object_get(m0, "readonly"), "value")));
	json_decref(j);
}

/* ---- golden cases ---- */

static const char *golden_root(void)
{
	return SC_SOURCE_DIR "/tests/golden/config";
}

static char *slurp(const char *path)
{
	char *data = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	if (fs_read_file(path, &data, NULL, &err) < 0)
		return NULL;
	return data;
}

static char *replace_all(const char *s, const char *from, const char *to)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = strlen(from);
	const char *p;
	while ((p = strstr(s, from))) {
		strbuf_add(&sb, s, (size_t)(p - s));
		strbuf_adds(&sb, to);
		s = p + n;
	}
	strbuf_adds(&sb, s);
	return strbuf_steal(&sb);
}

/* Copies the directory `src` into `dst`, recursively. */
static void copy_tree(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		_cleanup_free_ char *s = path_join(src, e->d_name);
		_cleanup_free_ char *t = path_join(dst, e->d_name);
		if (fs_is_dir(s)) {
			mkdir(t, 0755);
			copy_tree(s, t);
		} else {
			_cleanup_free_ char *data = slurp(s);
			write_file(dst, e->d_name, data ? data : "");
		}
	}
	closedir(d);
}

static void copy_if_exists(const char *case_dir, const char *name, const char *dst)
{
	_cleanup_free_ char *src = path_join(case_dir, name);
	_cleanup_free_ char *data = slurp(src);
	if (!data)
		return;
	_cleanup_free_ char *dir = path_dirname(dst);
	write_file(dir, path_basename(dst), data);
}

static void check_golden(const char *case_dir, const char *name, const char *got, const char *other)
{
	_cleanup_free_ char *want_path = path_join(case_dir, name);
	_cleanup_free_ char *other_path = path_join(case_dir, other);
	const char *update = getenv("SC_UPDATE_GOLDEN");
	if (update && streq(update, "1")) {
		_cleanup_error_ struct sc_error *err = NULL;
		if (fs_write_atomic(want_path, got, strlen(got), 0644, &err) < 0)
			fail_msg("%s", err->msg);
		unlink(other_path);
		return;
	}
	_cleanup_free_ char *want = slurp(want_path);
	if (!want) {
		_cleanup_free_ char *other_want = slurp(other_path);
		fail_msg("%s: no %s; got:\n%s%s%s", case_dir, name, got,
		         other_want ? "\nexpected " : "", other_want ? other : "");
	}
	if (!streq(want, got))
		fail_msg("%s/%s differs; got:\n%s\nwant:\n%s", case_dir, name, got, want);
}

static void run_golden_case(void **state)
{
	const char *case_dir = *state;
	char tmp[] = "/tmp/sc-golden-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	_cleanup_free_ char *files = path_join(case_dir, "files");
	copy_tree(files, tmp);
	struct sc_config_paths paths = {
	    path_join(tmp, "global/config.toml"),
	    path_join(tmp, "project/.sandcage.yml"),
	    path_join(tmp, "project/.sandcage.local.yml"),
	};
	copy_if_exists(case_dir, "global.toml", paths.global);
	copy_if_exists(case_dir, "project.yml", paths.project);
	copy_if_exists(case_dir, "local.yml", paths.local);
	_cleanup_free_ char *home = path_join(tmp, "home");
	_cleanup_free_ char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	setenv("HOME", home, 1);

	/* flags.yml stands for the flag layer a command would build. */
	_cleanup_value_ struct sc_value *flags = NULL;
	_cleanup_free_ char *flags_src = path_join(case_dir, "flags.yml");
	_cleanup_free_ char *flags_text = slurp(flags_src);
	if (flags_text)
		flags = yaml("--flag", flags_text);

	_cleanup_config_ struct sc_config *cfg = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	int r = sc_config_load_paths(&paths, flags, &cfg, &err);
	_cleanup_free_ char *raw = r < 0 ? xasprintf("%s\n", err->msg) : sc_config_render_text(cfg);
	_cleanup_free_ char *got = replace_all(raw, tmp, "@TMP@");

	if (old_home)
		setenv("HOME", old_home, 1);
	else
		unsetenv("HOME");
	sc_config_paths_release(&paths);
	rm_rf(tmp);

	if (r < 0)
		check_golden(case_dir, "expected-error.txt", got, "expected.txt");
	else
		check_golden(case_dir, "expected.txt", got, "expected-error.txt");
}

/* ---- edit.c: ssh.enabled in config.toml ---- */

static void test_edit_enable_ssh(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"", "[ssh]\nenabled = true\n"},
	    {"a = 1", "a = 1\n\n[ssh]\nenabled = true\n"},
	    {"a = 1\n", "a = 1\n\n[ssh]\nenabled = true\n"},
	    {"[ssh]\nenabled = false # x\n", "[ssh]\nenabled = true # x\n"},
	    {"[ssh] # c\nx = 1\n", "[ssh] # c\nenabled = true\nx = 1\n"},
	    {"[ssh]", "[ssh]\nenabled = true\n"},
	    {"[ssh]\r\nx = 1\r\n", "[ssh]\r\nenabled = true\r\nx = 1\r\n"},
	    {"[env]\nA = \"b\"\n", "[env]\nA = \"b\"\n\n[ssh]\nenabled = true\n"},
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		bool already = true;
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_free_ char *out =
		    sc_config_edit_enable_ssh(cases[i].in, "/g/config.toml", &already, &err);
		if (!out)
			fail_msg("case %zu: %s", i, err ? err->msg : "already");
		assert_false(already);
		assert_string_equal(out, cases[i].out);
	}
	static const struct {
		const char *in, *msg;
	} errors[] = {
	    {"ssh = 3\n", "/g/config.toml:1:7: `ssh` is a integer, not a table"},
	    {"[ssh]\nenabled = \"no\"\n", "`ssh.enabled` is not `false` where sandcage can change"},
	    {"x = [", "cannot set ssh.enabled in the global configuration; fix it first"},
	    {"ssh = { other = 1 }\n", "without rewriting it"},
	};
	for (size_t i = 0; i < N_ELEMENTS(errors); i++) {
		bool already = true;
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_free_ char *out =
		    sc_config_edit_enable_ssh(errors[i].in, "/g/config.toml", &already, &err);
		assert_null(out);
		assert_non_null(err);
		if (!strstr(err->msg, errors[i].msg))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err->msg,
			         errors[i].msg);
	}
	bool already = false;
	_cleanup_error_ struct sc_error *err = NULL;
	assert_null(sc_config_edit_enable_ssh("[ssh]\nenabled = true\n", "f", &already, &err));
	assert_true(already);
	assert_null(err);
}

static void test_enable_ssh_file(void **state)
{
	char tmp[] = "/tmp/sc-config-edit-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	_cleanup_free_ char *file = path_join(tmp, "config.toml");
	_cleanup_error_ struct sc_error *err = NULL;
	bool changed = false;
	/* A missing file is created, readable by the user only. */
	assert_int_equal(sc_config_enable_ssh(file, &changed, &err), 0);
	assert_true(changed);
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	_cleanup_free_ char *text = NULL;
	assert_int_equal(fs_read_file(file, &text, NULL, &err), 0);
	assert_string_equal(text, "[ssh]\nenabled = true\n");
	/* Then nothing to change. */
	assert_int_equal(sc_config_enable_ssh(file, &changed, &err), 0);
	assert_false(changed);
	/* A link is followed: the file it names is edited, keeping its mode. */
	write_file(tmp, "real.toml", "[ssh]\nenabled = false\n");
	_cleanup_free_ char *real = path_join(tmp, "real.toml");
	assert_int_equal(chmod(real, 0640), 0);
	assert_int_equal(unlink(file), 0);
	assert_int_equal(symlink(real, file), 0);
	assert_int_equal(sc_config_enable_ssh(file, &changed, &err), 0);
	assert_true(changed);
	struct stat lst;
	assert_int_equal(lstat(file, &lst), 0);
	assert_true(S_ISLNK(lst.st_mode));
	free(text);
	text = NULL;
	assert_int_equal(fs_read_file(real, &text, NULL, &err), 0);
	assert_string_equal(text, "[ssh]\nenabled = true\n");
	assert_int_equal(stat(real, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	rm_rf(tmp);
}

/* The project's files are the agent's: never followed, never waited on, and
 * bounded; the global file is the user's and may be a link. */
static void test_hostile_files(void **state)
{
	char tmp[] = "/tmp/sc-config-test-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	_cleanup_free_ char *home = path_join(tmp, "sandcage");
	setenv("SANDCAGE_HOME", home, 1);
	write_file(tmp, "outside.yml", "network:\n  mode: open\n");
	write_file(tmp, "proj/keep", "");
	_cleanup_free_ char *root = path_join(tmp, "proj");
	_cleanup_free_ char *project = path_join(root, ".sandcage.yml");
	_cleanup_free_ char *outside = path_join(tmp, "outside.yml");
	struct sc_config *cfg = NULL;

	/* A link to a file outside. */
	assert_int_equal(symlink(outside, project), 0);
	_cleanup_error_ struct sc_error *e1 = NULL;
	assert_true(sc_config_load(root, NULL, &cfg, &e1) < 0);
	assert_null(cfg);
	assert_non_null(strstr(e1->msg, "/proj/.sandcage.yml` is a symbolic link"));
	assert_null(strstr(e1->msg, "open"));
	unlink(project);

	/* A FIFO: refused at once (the alarm would end a test that waits). */
	assert_int_equal(mkfifo(project, 0644), 0);
	_cleanup_error_ struct sc_error *e2 = NULL;
	alarm(10);
	assert_true(sc_config_load(root, NULL, &cfg, &e2) < 0);
	alarm(0);
	assert_non_null(strstr(e2->msg, "is a FIFO (named pipe), not a regular file"));
	unlink(project);

	/* Over the limit: the message names the file and the limit. */
	_cleanup_free_ char *big = xmalloc(FS_MAX_CONFIG + 64);
	memset(big, '#', FS_MAX_CONFIG + 63);
	big[FS_MAX_CONFIG + 63] = '\0';
	write_file(tmp, "proj/.sandcage.local.yml", big);
	_cleanup_error_ struct sc_error *e3 = NULL;
	assert_true(sc_config_load(root, NULL, &cfg, &e3) < 0);
	assert_non_null(strstr(e3->msg, "/proj/.sandcage.local.yml` is larger than 1 MiB"));

	/* Deeply nested: an error, not a stack overflow. */
	size_t depth = 100000;
	_cleanup_free_ char *deep = xmalloc(depth + 8);
	memcpy(deep, "a: ", 3);
	memset(deep + 3, '[', depth);
	deep[depth + 3] = '\0';
	write_file(tmp, "proj/.sandcage.local.yml", deep);
	_cleanup_error_ struct sc_error *e4 = NULL;
	assert_true(sc_config_load(root, NULL, &cfg, &e4) < 0);
	assert_non_null(strstr(e4->msg, "nested deeper than 256 levels"));
	_cleanup_free_ char *local = path_join(root, ".sandcage.local.yml");
	unlink(local);

	/* The global file may be a link (to the user's dotfiles). */
	write_file(tmp, "dotfiles/config.toml", "[network]\nmode = \"open\"\n");
	assert_int_equal(mkdir(home, 0755), 0);
	_cleanup_free_ char *gfile = path_join(home, "config.toml");
	_cleanup_free_ char *dot = path_join(tmp, "dotfiles/config.toml");
	assert_int_equal(symlink(dot, gfile), 0);
	_cleanup_error_ struct sc_error *e5 = NULL;
	if (sc_config_load(root, NULL, &cfg, &e5) < 0)
		fail_msg("%s", e5->msg);
	assert_int_equal(cfg->network.mode.value, SC_NETWORK_OPEN);
	sc_config_free(cfg);
	unsetenv("SANDCAGE_HOME");
	rm_rf(tmp);
}

int main(void)
{
	const struct CMUnitTest unit[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_scalar_override),
	    cmocka_unit_test(test_table_merge),
	    cmocka_unit_test(test_list_replace),
	    cmocka_unit_test(test_list_append),
	    cmocka_unit_test(test_append_to_default_and_toml_quoted_key),
	    cmocka_unit_test(test_append_creates_list),
	    cmocka_unit_test(test_disable_service),
	    cmocka_unit_test(test_type_change_names_both_places),
	    cmocka_unit_test(test_append_errors),
	    cmocka_unit_test(test_unknown_key),
	    cmocka_unit_test(test_type_errors_are_all_reported),
	    cmocka_unit_test(test_overridden_error_still_reported),
	    cmocka_unit_test(test_toolchain_versions),
	    cmocka_unit_test(test_services_names),
	    cmocka_unit_test(test_custom_harness_over_layers),
	    cmocka_unit_test(test_value_checks),
	    cmocka_unit_test(test_conversions),
	    cmocka_unit_test(test_load_files),
	    cmocka_unit_test(test_render_json),
	    cmocka_unit_test(test_edit_enable_ssh),
	    cmocka_unit_test(test_enable_ssh_file),
	    cmocka_unit_test(test_hostile_files),
	};

	return unit_run_with_cases("config", unit, N_ELEMENTS(unit), golden_root(),
	                           run_golden_case);
}
