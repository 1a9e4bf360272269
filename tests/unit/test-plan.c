/* Unit tests for src/plan: the generated Dockerfile (against golden files in
 * tests/golden/plan/, rewritten with SC_UPDATE_GOLDEN=1), its content hash,
 * and the container spec. No daemon: the plan is pure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

#include "acp/install.h"
#include "config/config.h"
#include "plan/container.h"
#include "plan/home.h"
#include "plan/image.h"
#include "plan/network.h"
#include "util/fs.h"
#include "util/path.h"
#include "workspace/workspace.h"

static struct sc_image_plan *plan_of(const struct sc_config *cfg, unsigned uid)
{
	static const struct sc_context_file cert = {"ca.pem",
	                                            "-----BEGIN CERTIFICATE-----\nAAA\n"
	                                            "-----END CERTIFICATE-----\n"
	                                            "-----BEGIN CERTIFICATE-----\nBBB\n"
	                                            "-----END CERTIFICATE-----\n",
	                                            0};
	struct sc_context_file c = cert;
	c.len = strlen(c.data);
	struct sc_image_input in = {
	    .cfg = cfg,
	    .uid = uid,
	    .gid = uid,
	    .user_name = "dev",
	    .ca_certs = &c,
	    .n_ca_certs = cfg->image.ca_certificates.len,
	};
	struct sc_image_plan *plan = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_image_plan(&in, &plan, &err) < 0)
		fail_msg("plan: %s", err->msg);
	return plan;
}

static void test_default_dockerfile(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	_cleanup_image_plan_ struct sc_image_plan *plan = plan_of(cfg, 1000);
	unit_check_golden("plan/default.Dockerfile", plan->dockerfile);
	assert_int_equal(strlen(plan->hash), 64);
	assert_true(str_has_prefix(plan->tag, "sandcage:"));
	assert_int_equal(strlen(plan->tag), strlen("sandcage:") + 16);
	assert_string_equal(plan->home, "/home/sandcage");
	assert_string_equal(plan->user, "dev");
}

static void test_full_dockerfile(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "image:\n  base: example/base:1\n  ca_certificates: [/etc/hostname]\n"
	    "packages: [ripgrep, build-essential]\n"
	    "toolchains:\n  node: \"20\"\n  python: \"3.11\"\n"
	    "services:\n  codex:\n    enabled: false\n"
	    "  aider:\n    command: [aider]\n    install: [\"pip install aider-chat\"]\n");
	_cleanup_image_plan_ struct sc_image_plan *plan = plan_of(cfg, 1000);
	unit_check_golden("plan/full.Dockerfile", plan->dockerfile);
	/* The CA bundle is split into one file per certificate. */
	assert_int_equal(plan->n_files, 2);
	assert_string_equal(plan->files[1].data, "-----BEGIN CERTIFICATE-----\nBBB\n"
	                                         "-----END CERTIFICATE-----\n");
	assert_null(strstr(plan->dockerfile, "@openai/codex"));
}

/* Layer order: base, user, toolchains; the npm agents in stages of their own
 * FROM that runtime, so a change of packages leaves them to the cache. */
static void test_layer_order_and_cache(void **state)
{
	_cleanup_config_ struct sc_config *a = unit_load_project_yaml("packages: [ripgrep]\n");
	_cleanup_config_ struct sc_config *b = unit_load_project_yaml("packages: [ripgrep, jq]\n");
	_cleanup_image_plan_ struct sc_image_plan *pa = plan_of(a, 1000);
	_cleanup_image_plan_ struct sc_image_plan *pb = plan_of(b, 1000);
	assert_string_not_equal(pa->hash, pb->hash);
	const char *d = pa->dockerfile;
	const char *user = strstr(d, "# step: user");
	const char *node = strstr(d, "# step: toolchain node");
	const char *agent = strstr(d, "FROM runtime AS agent-claude");
	const char *pkgs = strstr(d, "# step: packages");
	assert_non_null(user);
	assert_non_null(node);
	assert_non_null(agent);
	assert_non_null(pkgs);
	assert_true(user < node && node < agent && agent < pkgs);
	/* Everything up to the package step is the same text in both: the
	 * builder reuses those layers, agent stages included. */
	size_t prefix = (size_t)(pkgs - d);
	assert_int_equal(strncmp(pa->dockerfile, pb->dockerfile, prefix), 0);
}

static void test_hash_is_stable_and_sensitive(void **state)
{
	_cleanup_config_ struct sc_config *a =
	    unit_load_project_yaml("toolchains: {node: \"20\"}\n");
	_cleanup_config_ struct sc_config *b =
	    unit_load_project_yaml("toolchains: {node: \"20\"}\n");
	_cleanup_config_ struct sc_config *c =
	    unit_load_project_yaml("toolchains: {node: \"22\"}\n");
	_cleanup_image_plan_ struct sc_image_plan *pa = plan_of(a, 1000);
	_cleanup_image_plan_ struct sc_image_plan *pb = plan_of(b, 1000);
	_cleanup_image_plan_ struct sc_image_plan *pc = plan_of(c, 1000);
	_cleanup_image_plan_ struct sc_image_plan *pd = plan_of(a, 1001);
	assert_string_equal(pa->hash, pb->hash);
	assert_string_not_equal(pa->hash, pc->hash);
	assert_string_not_equal(pa->hash, pd->hash); /* the user is in the image */
}

static void test_unavailable_python(void **state)
{
	_cleanup_config_ struct sc_config *cfg =
	    unit_load_project_yaml("toolchains:\n  python: \"3.9\"\n");
	struct sc_image_input in = {.cfg = cfg, .uid = 1, .gid = 1, .user_name = "x"};
	struct sc_image_plan *plan = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	assert_true(sc_image_plan(&in, &plan, &err) < 0);
	assert_null(plan);
	assert_non_null(strstr(err->msg, ".sandcage.yml:2:11"));
	assert_non_null(strstr(err->msg, "3.9"));
}

static void test_container_spec(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "env:\n  FOO: bar\nenv_passthrough: [KEEP]\nresources:\n  memory: 2g\n  pids: 100\n");
	struct sc_workspace ws = {.root = "/src/My Project",
	                          .git_dir = "/src/main/.git/worktrees/x",
	                          .common_dir = "/src/main/.git",
	                          .in_git = true,
	                          .is_worktree = true,
	                          .name = "My Project"};
	char *host_env[] = {"KEEP=1",           "SECRET=2",   "ANTHROPIC_API_KEY=k",
	                    "OPENAI_API_KEY=o", "TERM=xterm", NULL};
	char *args[] = {"--resume", NULL};
	const struct sc_service *claude = sc_config_service(cfg, "claude");
	assert_non_null(claude);
	struct sc_container_input in = {.cfg = cfg,
	                                .ws = &ws,
	                                .image = "img",
	                                .service = claude,
	                                .args = args,
	                                .tty = false,
	                                .host_env = host_env,
	                                .uid = 1000,
	                                .gid = 100,
	                                .suffix = "abcdef"};
	_cleanup_(sc_container_spec_release) struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	sc_container_plan(&in, &spec);
	assert_string_equal(spec.name, "sandcage-my-project-claude-abcdef");
	assert_string_equal(spec.user, "1000:100");
	assert_string_equal(spec.workdir, "/src/My Project");
	assert_true(spec.cap_drop_all);
	assert_true(spec.no_new_privileges);
	assert_int_equal(spec.pids_limit, 100);
	assert_int_equal(spec.memory_bytes, 2LL << 30);
	assert_true(strv_contains(spec.env.v, "FOO=bar"));
	assert_true(strv_contains(spec.env.v, "KEEP=1"));
	assert_true(strv_contains(spec.env.v, "ANTHROPIC_API_KEY=k"));
	assert_true(strv_contains(spec.env.v, "HOME=/home/sandcage"));
	assert_false(strv_contains(spec.env.v, "SECRET=2"));
	assert_false(strv_contains(spec.env.v, "OPENAI_API_KEY=o")); /* codex's, not claude's */
	assert_false(strv_contains(spec.env.v, "TERM=xterm"));       /* no TTY */
	assert_string_equal(spec.command.v[0], "claude");
	assert_string_equal(spec.command.v[spec.command.len - 1], "--resume");
	/* project, the worktree's common git dir, the home volume, the ACP
	 * agents' (no global directory here: no login store) */
	assert_int_equal(spec.mounts.len, 4);
	const struct sc_spec_mount *m1 = spec.mounts.items[1];
	assert_string_equal(m1->source, "/src/main/.git");
	const struct sc_spec_mount *m2 = spec.mounts.items[2];
	assert_true(m2->volume);
	/* home.scope: project, the default: the project's own volume. */
	assert_true(str_has_prefix(m2->source, "sandcage-home-"));
	assert_string_equal(m2->target, "/home/sandcage");
	const struct sc_spec_mount *m3 = spec.mounts.items[3];
	assert_true(m3->volume && m3->readonly);
	assert_string_equal(m3->source, "sandcage-home-acp");
	assert_string_equal(m3->target, "/home/sandcage/.sandcage-acp");
}

/* The agents' own sandboxes are off inside the container, unless the user
 * chose a sandbox mode. */
static void test_inner_sandboxes_off(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	struct sc_workspace ws = {.root = "/p", .name = "p"};
	char *none[] = {NULL};
	char *chosen[] = {"-s", "read-only", NULL};
	struct sc_container_input in = {.cfg = cfg,
	                                .ws = &ws,
	                                .image = "img",
	                                .service = sc_config_service(cfg, "codex"),
	                                .args = none,
	                                .host_env = none,
	                                .suffix = "x"};
	_cleanup_(sc_container_spec_release) struct sc_container_spec a;
	sc_container_spec_init(&a);
	sc_container_plan(&in, &a);
	assert_int_equal(a.command.len, 3);
	assert_string_equal(a.command.v[1], "--sandbox");
	assert_string_equal(a.command.v[2], "danger-full-access");

	in.args = chosen;
	_cleanup_(sc_container_spec_release) struct sc_container_spec b;
	sc_container_spec_init(&b);
	sc_container_plan(&in, &b);
	assert_int_equal(b.command.len, 3);
	assert_string_equal(b.command.v[1], "-s");

	in.args = none;
	in.service = sc_config_service(cfg, "gemini");
	_cleanup_(sc_container_spec_release) struct sc_container_spec c;
	sc_container_spec_init(&c);
	sc_container_plan(&in, &c);
	assert_true(strv_contains(c.env.v, "GEMINI_SANDBOX=false"));
	assert_int_equal(c.command.len, 1);
}

static void test_docker_argv(void **state)
{
	struct sc_engine e = {
	    .ops = &sc_docker_cli_ops, .kind = "docker", .program = "/usr/bin/docker"};
	_cleanup_(sc_container_spec_release) struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	spec.image = xstrdup("img");
	spec.name = xstrdup("n");
	spec.remove = spec.init = spec.interactive = true;
	spec.cap_drop_all = spec.no_new_privileges = true;
	spec.pids_limit = 10;
	sc_container_spec_add_mount(&spec, "/a,b", "/a,b", true, false);
	strv_push(&spec.command, "--not-an-option");
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	e.ops->run_argv(&e, &spec, &argv);
	assert_string_equal(argv.v[0], "/usr/bin/docker");
	assert_string_equal(argv.v[1], "run");
	assert_true(strv_contains(argv.v, "--pull=never"));
	assert_true(strv_contains(argv.v, "--cap-drop=ALL"));
	assert_true(strv_contains(argv.v, "--security-opt=no-new-privileges"));
	assert_true(strv_contains(argv.v, "--pids-limit=10"));
	assert_true(
	    strv_contains(argv.v, "--mount=type=bind,\"source=/a,b\",\"target=/a,b\",readonly"));
	assert_false(strv_contains(argv.v, "--privileged"));
	/* The image comes after `--`, so a command can never be read as an option. */
	assert_string_equal(argv.v[argv.len - 3], "--");
	assert_string_equal(argv.v[argv.len - 2], "img");
	assert_string_equal(argv.v[argv.len - 1], "--not-an-option");
}

/* home.scope: project names a volume per project (name and path key);
 * shared is home.volume itself. */
static void test_home_volume_names(void **state)
{
	(void)state;
	struct sc_workspace ws = {.root = "/src/My Proj!", .name = "My Proj!"};
	_cleanup_free_ char *key = sc_network_project_key(ws.root);
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	_cleanup_free_ char *v = sc_home_volume(cfg, &ws);
	_cleanup_free_ char *want = xasprintf("sandcage-home-my-proj--%s", key);
	assert_string_equal(v, want);
	/* Another path of the same name: another volume. */
	struct sc_workspace ws2 = {.root = "/other/My Proj!", .name = "My Proj!"};
	_cleanup_free_ char *v2 = sc_home_volume(cfg, &ws2);
	assert_string_not_equal(v, v2);
	/* A name of nothing usable: the key alone. */
	struct sc_workspace ws3 = {.root = "/src/...", .name = "..."};
	_cleanup_free_ char *key3 = sc_network_project_key(ws3.root);
	_cleanup_free_ char *v3 = sc_home_volume(cfg, &ws3);
	_cleanup_free_ char *want3 = xasprintf("sandcage-home-%s", key3);
	assert_string_equal(v3, want3);
	_cleanup_free_ char *acp = sc_home_acp_volume(cfg);
	assert_string_equal(acp, "sandcage-home-acp");
	cfg->home.scope.value = SC_HOME_SHARED;
	_cleanup_free_ char *shared = sc_home_volume(cfg, &ws);
	assert_string_equal(shared, "sandcage-home");
}

/* The mount check's login options follow the mounts planned. */
static void test_home_entry_args(void **state)
{
	(void)state;
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	struct sc_workspace ws = {.root = "/src/p", .name = "p"};
	struct sc_container_input in = {
	    .cfg = cfg, .ws = &ws, .global_dir = "/g", .migrate_volume = "sandcage-home"};
	struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	sc_home_mounts(&in, &spec);
	_cleanup_strvec_ struct strv args = STRV_INIT;
	sc_home_entry_args(&spec, &args);
	assert_true(strv_contains(args.v, "--home=/home/sandcage"));
	assert_true(strv_contains(args.v, "--logins=/.sandcage-logins"));
	assert_true(strv_contains(args.v, "--migrate=/.sandcage-migrate"));
	assert_true(
	    strv_contains(args.v, "--login=.claude/.credentials.json:claude-credentials.json"));
	assert_true(
	    strv_contains(args.v, "--login=.gemini/oauth_creds.json:gemini-oauth_creds.json"));
	assert_true(strv_contains(
	    args.v,
	    "--login-json=.claude.json:claude-account.json:oauthAccount,primaryApiKey,userID,"
	    "hasCompletedOnboarding,lastOnboardingVersion,customApiKeyResponses"));
	assert_int_equal(args.len, 8);
	/* The old volume read-only, the store a bind of GLOBAL/logins. */
	bool saw_migrate = false, saw_store = false;
	for (size_t i = 0; i < spec.mounts.len; i++) {
		const struct sc_spec_mount *m = spec.mounts.items[i];
		if (streq(m->target, "/.sandcage-migrate"))
			saw_migrate = m->volume && m->readonly && streq(m->source, "sandcage-home");
		if (streq(m->target, "/.sandcage-logins"))
			saw_store = !m->volume && !m->readonly && streq(m->source, "/g/logins");
	}
	assert_true(saw_migrate && saw_store);
	sc_container_spec_release(&spec);

	/* shared: today's mounts, no login options. */
	cfg->home.scope.value = SC_HOME_SHARED;
	sc_container_spec_init(&spec);
	sc_home_mounts(&in, &spec);
	strv_release(&args);
	sc_home_entry_args(&spec, &args);
	assert_int_equal(args.len, 0);
	assert_int_equal(spec.mounts.len, 2); /* the home, the ACP agents */
	sc_container_spec_release(&spec);
}

/* The installer writes where the plan mounts the ACP volume. */
static void test_acp_dir_agrees(void **state)
{
	(void)state;
	assert_string_equal(SC_ACP_DIR, SC_HOME_ACP_DIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_dockerfile),
	    cmocka_unit_test(test_full_dockerfile),
	    cmocka_unit_test(test_layer_order_and_cache),
	    cmocka_unit_test(test_hash_is_stable_and_sensitive),
	    cmocka_unit_test(test_unavailable_python),
	    cmocka_unit_test(test_container_spec),
	    cmocka_unit_test(test_home_volume_names),
	    cmocka_unit_test(test_home_entry_args),
	    cmocka_unit_test(test_acp_dir_agrees),
	    cmocka_unit_test(test_inner_sandboxes_off),
	    cmocka_unit_test(test_docker_argv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
