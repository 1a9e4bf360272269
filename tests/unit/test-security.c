/* Unit tests for src/plan/security.c (the configuration check, protected
 * paths, masks) and src/config/trust.c (what a file grants, the trust
 * records). No daemon: the rules are pure; a fake resolver stands for the
 * host's symlinks and sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/trust.h"
#include "plan/security.h"
#include "support.h"
#include "util/fs.h"
#include "util/path.h"
#include "workspace/workspace.h"

#include <sys/stat.h>

#define HOME   "/home/u"
#define ROOT   "/work/proj"
#define GLOBAL HOME "/.sandcage"

static char tmpdir[] = "/tmp/sc-security-XXXXXX";

static int setup(void **state)
{
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	fs_remove_tree(tmpdir, NULL);
	return 0;
}

/* Loads a project file (and optionally a global one). */
static struct sc_config *load(const char *global_toml, const char *project_yaml)
{
	_cleanup_free_ char *g = path_join(tmpdir, "config.toml");
	_cleanup_free_ char *p = path_join(tmpdir, ".sandcage.yml");
	_cleanup_error_ struct sc_error *err = NULL;
	unlink(g);
	unlink(p);
	if (global_toml)
		assert_int_equal(fs_write_atomic(g, global_toml, strlen(global_toml), 0644, &err),
		                 0);
	if (project_yaml)
		assert_int_equal(fs_write_atomic(p, project_yaml, strlen(project_yaml), 0644, &err),
		                 0);
	struct sc_config_paths paths = {global_toml ? g : NULL, project_yaml ? p : NULL, NULL};
	struct sc_config *cfg = NULL;
	if (sc_config_load_paths(&paths, NULL, &cfg, &err) < 0)
		fail_msg("config: %s", err->msg);
	return cfg;
}

static struct sc_workspace ws = {
    .root = ROOT,
    .git_dir = ROOT "/.git",
    .common_dir = ROOT "/.git",
    .in_git = true,
    .name = "proj",
};

/* The fake host: a link to ~/.ssh, the Docker socket behind /var/run. */
static char *fake_resolve(void *ctx, const char *path, bool *socket)
{
	*socket = false;
	if (streq(path, "/data/innocent"))
		return xstrdup(HOME "/.ssh");
	if (streq(path, "/var/run/docker.sock") || streq(path, "/run/docker.sock")) {
		*socket = true;
		return xstrdup("/run/docker.sock");
	}
	if (streq(path, "/tmp/agent.socket")) {
		*socket = true;
		return xstrdup(path);
	}
	if (streq(path, "/missing"))
		return NULL;
	return xstrdup(path);
}

static const struct sc_security_host host = {HOME, GLOBAL, fake_resolve, NULL};

/* The check's message for cfg, or NULL when it passes. */
static char *check(const struct sc_config *cfg)
{
	struct sc_error *err = NULL;
	if (sc_security_check(cfg, &host, &ws, &err) == 0)
		return NULL;
	char *msg = xstrdup(err->msg);
	sc_error_free(err);
	return msg;
}

static void expect_rejected(const struct sc_config *cfg, const char *part)
{
	_cleanup_free_ char *msg = check(cfg);
	if (!msg)
		fail_msg("expected an error with \"%s\", the check passed", part);
	if (!strstr(msg, part))
		fail_msg("expected \"%s\" in:\n%s", part, msg);
}

/* A project file with one mount; its source and target replaced afterwards
 * (the loader checks that a source exists, the rule must not depend on it). */
static void check_mount(const char *source, const char *target, const char *part)
{
	_cleanup_config_ struct sc_config *cfg =
	    load(NULL, "mounts:\n  - source: /tmp\n    target: /data\n");
	struct sc_cfg_mount *m = (struct sc_cfg_mount *)cfg->mounts.items;
	free(m->source.value);
	m->source.value = xstrdup(source);
	free(m->target.value);
	m->target.value = xstrdup(target);
	if (!part) {
		_cleanup_free_ char *msg = check(cfg);
		if (msg)
			fail_msg("mount %s -> %s: unexpected error:\n%s", source, target, msg);
		return;
	}
	expect_rejected(cfg, part);
	/* Every error names the file, line and column of the value. */
	_cleanup_free_ char *msg = check(cfg);
	assert_non_null(strstr(msg, ".sandcage.yml:"));
}

static void test_mount_sources(void **state)
{
	check_mount("/", "/data", "root of the host");
	static const char *const system[] = {"/etc",  "/usr", "/boot",    "/dev",
	                                     "/proc", "/sys", "/etc/ssh", "/usr/lib",
	                                     "/run",  "/var", "/var/lib"};
	for (size_t i = 0; i < N_ELEMENTS(system); i++)
		check_mount(system[i], "/data", "system directory");
	check_mount(HOME, "/data", "your home directory");
	check_mount("/home", "/data", "your home directory");
	static const char *const creds[] = {".ssh",  ".aws",       ".gnupg",          ".docker",
	                                    ".kube", ".config/gh", ".ssh/id_ed25519", ".config"};
	for (size_t i = 0; i < N_ELEMENTS(creds); i++) {
		_cleanup_free_ char *p = path_join(HOME, creds[i]);
		check_mount(p, "/data", "credentials");
	}
	/* Checked after resolving symlinks. */
	check_mount("/data/innocent", "/data", "leads to `" HOME "/.ssh`");
	check_mount("/var/run/docker.sock", "/var/run/docker.sock", "container engine's socket");
	check_mount("/run/containerd/containerd.sock", "/c.sock", "container engine's socket");
	check_mount("/tmp/x/docker.sock", "/sock", "container engine's socket");
	check_mount("/tmp/agent.socket", "/sock", "is a socket");
	check_mount(GLOBAL, "/data", "sandcage's own directory");
	check_mount(ROOT, "/data", "the project");
	check_mount(ROOT "/sub", "/data", "the project");
	check_mount("/work", "/data", "the project");
	check_mount("/missing", "/data", "cannot be resolved");
	/* What is fine. */
	check_mount(HOME "/data", "/data", NULL);
	check_mount("/srv/cache", HOME "/cache", NULL);
	check_mount("/tmp", "/home/sandcage/.cache/pip", NULL);
}

/* The project root's check for `root` (outside git unless `git`): the
 * message, or NULL when it passes. */
static char *project_check(const char *root, bool git)
{
	_cleanup_free_ char *gitdir = path_join(root, ".git");
	struct sc_workspace w = {
	    .root = (char *)root,
	    .git_dir = git ? gitdir : NULL,
	    .common_dir = git ? gitdir : NULL,
	    .in_git = git,
	    .name = (char *)"p",
	};
	struct sc_error *err = NULL;
	if (sc_security_project_check(&host, &w, &err) == 0)
		return NULL;
	char *msg = xstrdup(err->msg);
	sc_error_free(err);
	return msg;
}

static void expect_project_refused(const char *root, bool git, const char *part)
{
	_cleanup_free_ char *msg = project_check(root, git);
	if (!msg)
		fail_msg("project %s: expected an error with \"%s\", the check passed", root, part);
	if (!strstr(msg, part))
		fail_msg("project %s: expected \"%s\" in:\n%s", root, part, msg);
	/* It names the directory and says nothing started. */
	_cleanup_free_ char *named = xasprintf("`%s` cannot be the project: ", root);
	assert_true(str_has_prefix(msg, named));
	assert_non_null(strstr(msg, "Nothing was started"));
}

static void test_project_root(void **state)
{
	/* The home directory: what the agent would get, and what to do. */
	expect_project_refused(HOME, false, "it is your home directory `" HOME "`");
	expect_project_refused(HOME, false, "(~/.ssh, ~/.aws ...)");
	expect_project_refused(HOME, false, "`-p PATH`");
	expect_project_refused("/home", false, "it holds your home directory `" HOME "`");
	expect_project_refused("/", false, "root of the host's file system");
	/* The mount sources' rules, the same function. */
	static const char *const creds[] = {".ssh",  ".aws",       ".gnupg",   ".docker",
	                                    ".kube", ".config/gh", ".ssh/keys"};
	for (size_t i = 0; i < N_ELEMENTS(creds); i++) {
		_cleanup_free_ char *p = path_join(HOME, creds[i]);
		expect_project_refused(p, false, "credentials");
	}
	expect_project_refused(GLOBAL, false, "sandcage's own directory");
	expect_project_refused("/etc", false, "system directory `/etc`");
	expect_project_refused("/usr/src/proj", false, "system directory `/usr`");
	/* Shared directories themselves, not what is below them. */
	static const char *const shared[] = {"/tmp", "/var/tmp", "/dev/shm"};
	for (size_t i = 0; i < N_ELEMENTS(shared); i++)
		expect_project_refused(shared[i], false, "`");
	expect_project_refused("/tmp", false, "every program and user of this machine shares");
	expect_project_refused("/var/tmp", false, "every program and user of this machine shares");
	/* A git repository whose top level is the home directory: -p does not
	 * help, the way out is said. */
	expect_project_refused(HOME, true, "top level of a git repository (`" HOME "/.git`)");
	expect_project_refused(HOME, true, "with `-p PATH` too");
	expect_project_refused(HOME, true, "`git init` there");
	expect_project_refused(HOME, true, "dotfiles repository");
	expect_project_refused("/", true, "root of the host's file system");
	/* What is fine. */
	static const char *const fine[] = {
	    ROOT, HOME "/code/proj", "/tmp/x", "/var/tmp/build", HOME "/.sshx", "/srv/proj"};
	for (size_t i = 0; i < N_ELEMENTS(fine); i++) {
		_cleanup_free_ char *msg = project_check(fine[i], false);
		if (msg)
			fail_msg("project %s: unexpected error:\n%s", fine[i], msg);
		_cleanup_free_ char *gmsg = project_check(fine[i], true);
		if (gmsg)
			fail_msg("project %s (git): unexpected error:\n%s", fine[i], gmsg);
	}
}

static void test_mount_targets(void **state)
{
	check_mount("/tmp", ROOT "/.git", "git directory");
	check_mount("/tmp", ROOT "/.git/hooks", "git directory");
	check_mount("/tmp", "/", "git directory");
	check_mount("/tmp", ROOT, "git directory");
	check_mount("/tmp", "/home/sandcage", "home volume");
	check_mount("/tmp", "/home", "home volume");
	check_mount("/tmp", "/proc/sys", "`/proc`");
	check_mount("/tmp", "/dev", "`/dev`");
	check_mount("/tmp", ROOT "/.sandcage.yml", "protected path");
	check_mount("/tmp", ROOT "/vendor", NULL);
}

static void test_env(void **state)
{
	static const char *const denied[] = {
	    "LD_PRELOAD",
	    "BASH_ENV",
	    "NODE_OPTIONS",
	    "GIT_SSH_COMMAND",
	    "GIT_CONFIG_COUNT",
	    "GIT_CONFIG_KEY_0",
	    "DOCKER_HOST",
	    "SSH_AUTH_SOCK",
	    "HTTPS_PROXY",
	    "http_proxy",
	    "ANTHROPIC_BASE_URL",
	    "OPENAI_BASE_URL",
	    "PATH",
	    "PYTHONPATH",
	    "npm_config_registry",
	};
	for (size_t i = 0; i < N_ELEMENTS(denied); i++) {
		assert_true(sc_security_env_denied(denied[i]));
		_cleanup_free_ char *yaml = xasprintf("env:\n  %s: x\n", denied[i]);
		_cleanup_config_ struct sc_config *cfg = load(NULL, yaml);
		expect_rejected(cfg, "set it in your global configuration");
		expect_rejected(cfg, ".sandcage.yml:2:");
		_cleanup_free_ char *pass = xasprintf("env_passthrough: [%s]\n", denied[i]);
		_cleanup_config_ struct sc_config *p = load(NULL, pass);
		expect_rejected(p, "may not pass it");
		_cleanup_free_ char *svc =
		    xasprintf("services:\n  claude:\n    env+: [%s]\n", denied[i]);
		_cleanup_config_ struct sc_config *s = load(NULL, svc);
		expect_rejected(s, "services.claude.env");
		/* The user's own global file may. */
		_cleanup_free_ char *toml = xasprintf("env_passthrough = [\"%s\"]\n", denied[i]);
		_cleanup_config_ struct sc_config *g = load(toml, NULL);
		assert_null(check(g));
	}
	static const char *const fine[] = {"RUST_LOG", "GITHUB_TOKEN", "ANTHROPIC_API_KEY", "DEBUG",
	                                   "GIT_AUTHOR_NAME"};
	for (size_t i = 0; i < N_ELEMENTS(fine); i++)
		assert_false(sc_security_env_denied(fine[i]));

	_cleanup_config_ struct sc_config *nl = load(NULL, "env:\n  MSG: \"a\\nb\"\n");
	expect_rejected(nl, "line break");
	_cleanup_config_ struct sc_config *cr = load(NULL, "env:\n  MSG: \"a\\rb\"\n");
	expect_rejected(cr, "line break");
	/* Names the loader would refuse too, put in by hand. */
	_cleanup_config_ struct sc_config *bad = load(NULL, "env:\n  OK: x\n");
	free(bad->env.items[0].key);
	bad->env.items[0].key = xstrdup("1BAD");
	expect_rejected(bad, "invalid environment variable name");
	free(bad->env.items[0].key);
	bad->env.items[0].key = xstrdup("A-B");
	expect_rejected(bad, "invalid environment variable name");
}

static void replace(struct sc_cfg_str *s, const char *v)
{
	free(s->value);
	s->value = xstrdup(v);
}

static void test_names(void **state)
{
	_cleanup_config_ struct sc_config *cfg = load(NULL, "home:\n  volume: a..b\n");
	expect_rejected(cfg, "contains `..`");
	replace(&cfg->home.volume, "-v");
	expect_rejected(cfg, "starts with `-`");
	replace(&cfg->home.volume, "a/b");
	expect_rejected(cfg, "contains `/`");
	replace(&cfg->home.volume, "ok-name");
	assert_null(check(cfg));

	_cleanup_config_ struct sc_config *pk = load(NULL, "packages: [a..b]\n");
	expect_rejected(pk, "`packages`: \"a..b\" contains `..`");
	_cleanup_config_ struct sc_config *bn = load(NULL, "image:\n  build_network: x..y\n");
	expect_rejected(bn, "image.build_network");
	_cleanup_config_ struct sc_config *base = load(NULL, "image:\n  base: a/../b\n");
	expect_rejected(base, "image.base");

	_cleanup_config_ struct sc_config *svc =
	    load(NULL, "services:\n  tool:\n    command: [tool]\n");
	struct sc_service *s = (struct sc_service *)sc_config_service(svc, "tool");
	free(s->name);
	s->name = xstrdup("-tool");
	expect_rejected(svc, "starts with `-`");
	free(s->name);
	s->name = xstrdup("../tool");
	expect_rejected(svc, "contains `..`");
	free(s->name);
	s->name = xstrdup("tool");
	replace(&s->command.items[0], "-e");
	expect_rejected(svc, "the program \"-e\" starts with `-`");
}

static void test_security_keys_global_only(void **state)
{
	_cleanup_config_ struct sc_config *p =
	    load(NULL, "security:\n  protected_paths: [.sandcage.yml]\n");
	expect_rejected(p, "only your global configuration");
	_cleanup_config_ struct sc_config *a = load(NULL, "security:\n  masked_files+: [x]\n");
	expect_rejected(a, "security.masked_files");
	_cleanup_config_ struct sc_config *g =
	    load("[security]\nprotected_paths = [\".sandcage.yml\", \"Makefile\"]\n", NULL);
	assert_null(check(g));
	assert_int_equal(g->security.protected_paths.len, 2);
	/* Where keys go, and who vouches for their servers: the global
	 * configuration's choice alone, whatever the project file says. */
	static const struct {
		const char *yaml, *key, *at;
	} cred[] = {
	    {"credentials: {mode: env}\n", "credentials.mode", ".sandcage.yml:1:"},
	    {"credentials:\n  mode: proxy\n", "credentials.mode", ".sandcage.yml:2:"},
	    {"credentials: {ca_file: /etc/hostname}\n", "credentials.ca_file", ".sandcage.yml:1:"},
	};
	for (size_t i = 0; i < N_ELEMENTS(cred); i++) {
		_cleanup_config_ struct sc_config *pc = load(NULL, cred[i].yaml);
		_cleanup_free_ char *msg = check(pc);
		if (!msg || !strstr(msg, cred[i].key) || !strstr(msg, cred[i].at) ||
		    !strstr(msg, "only your global configuration (" GLOBAL))
			fail_msg("case %zu: %s", i, msg ? msg : "passed");
	}
	_cleanup_config_ struct sc_config *gc = load("[credentials]\nmode = \"env\"\n", NULL);
	assert_null(check(gc));
	assert_int_equal(gc->credentials.mode.value, SC_CREDENTIALS_ENV);
	/* The loader's own rules for the values. */
	_cleanup_free_ char *gf = path_join(tmpdir, "config.toml");
	static const char *const bad[] = {"[security]\nprotected_paths = [\"/etc\"]\n",
	                                  "[security]\nprotected_paths = [\"../x\"]\n",
	                                  "[security]\nprotected_paths = [\"a/../../x\"]\n",
	                                  "[security]\nmasked_files = [\"a/b\"]\n",
	                                  "[security]\nmasked_files = [\"!\"]\n"};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		_cleanup_error_ struct sc_error *err = NULL;
		assert_int_equal(fs_write_atomic(gf, bad[i], strlen(bad[i]), 0644, &err), 0);
		struct sc_config_paths paths = {gf, NULL, NULL};
		struct sc_config *cfg = NULL;
		assert_true(sc_config_load_paths(&paths, NULL, &cfg, &err) < 0);
		assert_non_null(strstr(err->msg, "config.toml:2:"));
	}
}

static void test_defaults_pass(void **state)
{
	_cleanup_config_ struct sc_config *cfg = load(NULL, "packages: [jq]\n");
	assert_null(check(cfg));
	assert_int_equal(cfg->security.protected_paths.len, 4);
	assert_int_equal(cfg->security.masked_files.len, 3);
}

static void test_masked_names(void **state)
{
	_cleanup_config_ struct sc_config *cfg = load(NULL, NULL);
	assert_true(sc_security_masked_name(cfg, ".env"));
	assert_true(sc_security_masked_name(cfg, ".env.local"));
	assert_true(sc_security_masked_name(cfg, ".env.production"));
	assert_false(sc_security_masked_name(cfg, ".env.example"));
	assert_false(sc_security_masked_name(cfg, "env"));
	assert_false(sc_security_masked_name(cfg, "x.env"));
	assert_false(sc_security_masked_name(cfg, ".envrc"));
}

static bool has_candidate(const struct vec *v, const char *path, bool dir, bool create)
{
	for (size_t i = 0; i < v->len; i++) {
		const struct sc_protect_candidate *c = v->items[i];
		if (streq(c->path, path))
			return c->dir == dir && c->create == create;
	}
	return false;
}

static void test_protected_paths(void **state)
{
	_cleanup_config_ struct sc_config *cfg = load(NULL, NULL);
	struct vec v = VEC_INIT(sc_protect_candidate_free);
	sc_security_protected_paths(cfg, &ws, &v);
	assert_int_equal(v.len, 4);
	assert_true(has_candidate(&v, ROOT "/.sandcage.yml", false, false));
	assert_true(has_candidate(&v, ROOT "/.sandcage.local.yml", false, false));
	assert_true(has_candidate(&v, ROOT "/.git/hooks", true, true));
	assert_true(has_candidate(&v, ROOT "/.git/config", false, true));
	vec_release(&v);

	/* A worktree: git's files are in the common directory; the `.git`
	 * file and the worktree's own config too. */
	struct sc_workspace wt = {.root = "/work/wt",
	                          .git_dir = ROOT "/.git/worktrees/wt",
	                          .common_dir = ROOT "/.git",
	                          .in_git = true,
	                          .is_worktree = true,
	                          .name = "wt"};
	sc_security_protected_paths(cfg, &wt, &v);
	assert_true(has_candidate(&v, "/work/wt/.sandcage.yml", false, false));
	assert_true(has_candidate(&v, ROOT "/.git/hooks", true, true));
	assert_true(has_candidate(&v, ROOT "/.git/config", false, true));
	assert_true(has_candidate(&v, ROOT "/.git/worktrees/wt/config.worktree", false, false));
	assert_true(has_candidate(&v, "/work/wt/.git", false, false));
	vec_release(&v);

	/* Outside git: only the project's files. */
	struct sc_workspace plain = {.root = "/work/plain", .name = "plain"};
	sc_security_protected_paths(cfg, &plain, &v);
	assert_int_equal(v.len, 2);
	vec_release(&v);
}

static void test_protect_mounts(void **state)
{
	struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	sc_container_spec_add_mount(&spec, ROOT, ROOT, false, false);
	sc_container_spec_add_mount(&spec, "sandcage-home", "/home/sandcage", false, true);
	struct sc_protect_set set = {STRV_INIT, STRV_INIT, "/g/empty"};
	strv_push(&set.readonly, ROOT "/.sandcage.yml");
	strv_push(&set.readonly, ROOT "/.git/hooks");
	strv_push(&set.readonly, ROOT "/.git/config");
	strv_push(&set.readonly, ROOT "/.git/modules/lib/hooks");
	strv_push(&set.masked, ROOT "/.env");
	strv_push(&set.masked, ROOT "/a/.env.local");
	sc_security_protect(&set, &spec);

	const struct sc_spec_mount *m = unit_mount_at(&spec, ROOT "/.sandcage.yml");
	assert_true(m && m->readonly && streq(m->source, ROOT "/.sandcage.yml"));
	m = unit_mount_at(&spec, ROOT "/.git/hooks");
	assert_true(m && m->readonly);
	/* `.git` (and the directories down to a submodule's hooks) are mounts
	 * of their own, read-write, so that they cannot be renamed. */
	m = unit_mount_at(&spec, ROOT "/.git");
	assert_true(m && !m->readonly && streq(m->source, ROOT "/.git"));
	assert_non_null(unit_mount_at(&spec, ROOT "/.git/modules"));
	assert_non_null(unit_mount_at(&spec, ROOT "/.git/modules/lib"));
	m = unit_mount_at(&spec, ROOT "/.env");
	assert_true(m && m->readonly && streq(m->source, "/g/empty"));
	m = unit_mount_at(&spec, ROOT "/a/.env.local");
	assert_true(m && m->readonly && streq(m->source, "/g/empty"));
	/* Nothing twice, parents before children. */
	size_t n = spec.mounts.len;
	sc_security_protect(&set, &spec);
	assert_int_equal(spec.mounts.len, n);
	size_t git = 0, hooks = 0;
	for (size_t i = 0; i < spec.mounts.len; i++) {
		const struct sc_spec_mount *x = spec.mounts.items[i];
		if (streq(x->target, ROOT "/.git"))
			git = i;
		if (streq(x->target, ROOT "/.git/hooks"))
			hooks = i;
	}
	assert_true(git < hooks);
	strv_release(&set.readonly);
	strv_release(&set.masked);
	sc_container_spec_release(&spec);
}

/* Host git never runs what the agent wrote: the files of a git directory
 * that make git run code or redirect it. */
static void test_git_dir_paths(void **state)
{
	struct vec v = VEC_INIT(sc_protect_candidate_free);
	sc_security_git_dir_paths(ROOT "/.git", SC_GIT_DIR_REPO, &v);
	assert_true(has_candidate(&v, ROOT "/.git/config", false, true));
	assert_true(has_candidate(&v, ROOT "/.git/config.worktree", false, true));
	assert_true(has_candidate(&v, ROOT "/.git/hooks", true, true));
	assert_true(has_candidate(&v, ROOT "/.git/modules", true, true));
	assert_true(has_candidate(&v, ROOT "/.git/worktrees", true, true));
	assert_true(has_candidate(&v, ROOT "/.git/remotes", true, false));
	assert_true(has_candidate(&v, ROOT "/.git/branches", true, false));
	/* Git's working data stays writable. */
	static const char *const working[] = {"index",     "HEAD", "objects",
	                                      "refs",      "logs", "packed-refs",
	                                      "ORIG_HEAD", "info", "commondir"};
	for (size_t i = 0; i < N_ELEMENTS(working); i++) {
		_cleanup_free_ char *p = path_join(ROOT "/.git", working[i]);
		for (size_t k = 0; k < v.len; k++)
			assert_string_not_equal(((struct sc_protect_candidate *)v.items[k])->path,
			                        p);
	}
	size_t n = v.len;
	sc_security_git_dir_paths(ROOT "/.git", SC_GIT_DIR_REPO, &v);
	assert_int_equal(v.len, n); /* nothing twice */
	vec_release(&v);

	sc_security_git_dir_paths(ROOT "/.git/worktrees/wt", SC_GIT_DIR_WORKTREE_ENTRY, &v);
	assert_int_equal(v.len, 3);
	assert_true(has_candidate(&v, ROOT "/.git/worktrees/wt/gitdir", false, false));
	assert_true(has_candidate(&v, ROOT "/.git/worktrees/wt/commondir", false, false));
	assert_true(has_candidate(&v, ROOT "/.git/worktrees/wt/config.worktree", false, true));
	vec_release(&v);

	/* The worktree's config.worktree of protected_paths is created too. */
	_cleanup_config_ struct sc_config *cfg = load(NULL, NULL);
	struct sc_workspace wt = {.root = "/work/wt",
	                          .git_dir = ROOT "/.git/worktrees/wt",
	                          .common_dir = ROOT "/.git",
	                          .in_git = true,
	                          .is_worktree = true,
	                          .name = "wt"};
	sc_security_protected_paths(cfg, &wt, &v);
	sc_security_git_dir_paths(ROOT "/.git/worktrees/wt", SC_GIT_DIR_WORKTREE_ENTRY, &v);
	assert_true(has_candidate(&v, ROOT "/.git/worktrees/wt/config.worktree", false, true));
	vec_release(&v);

	struct strv watched = STRV_INIT, aside = STRV_INIT;
	sc_security_git_dir_watched(ROOT "/.git", SC_GIT_DIR_REPO, &watched, &aside);
	sc_security_git_dir_watched(ROOT "/.git/worktrees/wt", SC_GIT_DIR_WORKTREE_ENTRY, &watched,
	                            &aside);
	assert_true(strv_contains(aside.v, ROOT "/.git/commondir"));
	assert_int_equal(aside.len, 1);
	assert_true(strv_contains(watched.v, ROOT "/.git/rebase-merge/git-rebase-todo"));
	assert_true(
	    strv_contains(watched.v, ROOT "/.git/worktrees/wt/rebase-merge/git-rebase-todo"));
	strv_release(&watched);
	strv_release(&aside);
}

/* A read-only directory between the mount and a read-only path stays
 * read-only; the directories below it that are not read-only paths are
 * writable mounts of their own (a submodule's git directory in `modules/`). */
static void test_protect_readonly_parent(void **state)
{
	struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	sc_container_spec_add_mount(&spec, ROOT, ROOT, false, false);
	struct sc_protect_set set = {STRV_INIT, STRV_INIT, NULL};
	strv_push(&set.readonly, ROOT "/.git/modules/lib/config");
	strv_push(&set.readonly, ROOT "/.git/modules");
	strv_push(&set.readonly, ROOT "/.git/worktrees/wt/gitdir");
	strv_push(&set.readonly, ROOT "/.git/worktrees");
	sc_security_protect(&set, &spec);
	const struct sc_spec_mount *m = unit_mount_at(&spec, ROOT "/.git");
	assert_true(m && !m->readonly);
	m = unit_mount_at(&spec, ROOT "/.git/modules");
	assert_true(m && m->readonly);
	m = unit_mount_at(&spec, ROOT "/.git/modules/lib");
	assert_true(m && !m->readonly);
	m = unit_mount_at(&spec, ROOT "/.git/modules/lib/config");
	assert_true(m && m->readonly);
	m = unit_mount_at(&spec, ROOT "/.git/worktrees");
	assert_true(m && m->readonly);
	m = unit_mount_at(&spec, ROOT "/.git/worktrees/wt");
	assert_true(m && !m->readonly);
	m = unit_mount_at(&spec, ROOT "/.git/worktrees/wt/gitdir");
	assert_true(m && m->readonly);
	/* Parents before children. */
	size_t pos[4] = {0};
	const char *order[] = {ROOT "/.git", ROOT "/.git/modules", ROOT "/.git/modules/lib",
	                       ROOT "/.git/modules/lib/config"};
	for (size_t i = 0; i < spec.mounts.len; i++)
		for (size_t k = 0; k < 4; k++)
			if (streq(((struct sc_spec_mount *)spec.mounts.items[i])->target, order[k]))
				pos[k] = i;
	assert_true(pos[0] < pos[1] && pos[1] < pos[2] && pos[2] < pos[3]);
	strv_release(&set.readonly);
	sc_container_spec_release(&spec);
}

/* ---- trust ---- */

static bool has_grant(const struct vec *v, const char *part)
{
	for (size_t i = 0; i < v->len; i++) {
		const struct sc_grant *g = v->items[i];
		if (strstr(g->text, part))
			return true;
	}
	return false;
}

static void test_grants(void **state)
{
	/* The common case grants nothing (packages are a grant: issue 14). */
	_cleanup_config_ struct sc_config *plain =
	    load(NULL, "toolchains:\n  node: 22\nenv:\n  RUST_LOG: info\n"
	               "network:\n  mode: none\nresources:\n  memory: 4g\n  cpus: 2\n"
	               "services:\n  claude:\n    enabled: false\n");
	struct vec v = VEC_INIT(sc_grant_free);
	sc_trust_grants(plain, SC_LAYER_PROJECT, &v);
	assert_int_equal(v.len, 0);

	_cleanup_free_ char *yaml = xasprintf(
	    "mounts:\n  - source: /tmp\n    target: /data\n    readonly: true\n"
	    "env_passthrough: [GITHUB_TOKEN]\n"
	    "packages: [jq]\n"
	    "network:\n  mode: open\n  allow: [example.com]\n"
	    "ssh:\n  enabled: true\n"
	    "resources:\n  memory: 16g\n  cpus: 0\n  pids: 4096\n"
	    "image:\n  dockerfile: %s/.sandcage.yml\n  ca_certificates: [/etc/hostname]\n"
	    "  build_network: host\n"
	    "services:\n  tool:\n    command: [tool, --x]\n    install: [\"pip install tool\"]\n"
	    "    env: [TOOL_KEY]\n    args: [--fast]\n",
	    tmpdir);
	_cleanup_config_ struct sc_config *wide = load(NULL, yaml);
	sc_trust_grants(wide, SC_LAYER_PROJECT, &v);
	static const char *const parts[] = {
	    "mount the host path `/tmp` at `/data` (read-only)",
	    "pass the host variable `GITHUB_TOKEN` to every agent",
	    "open network access",
	    "allow network access to `example.com`",
	    "SSH for git",
	    "a memory limit of 16g",
	    "no CPU limit",
	    "a process limit of 4096",
	    "build the image from the Dockerfile",
	    "copy the host file `/etc/hostname`",
	    "build the image on the network `host`",
	    "run `tool` as the command `tool --x`",
	    "run `pip install tool` while building the image",
	    "pass the host variable `TOOL_KEY` to `tool`",
	    "give `tool` the argument `--fast`",
	    "add `jq` to `packages`",
	};
	for (size_t i = 0; i < N_ELEMENTS(parts); i++)
		if (!has_grant(&v, parts[i]))
			fail_msg("no grant \"%s\"", parts[i]);
	assert_int_equal(v.len, N_ELEMENTS(parts));
	const struct sc_grant *g = v.items[0];
	assert_int_equal(g->origin.layer, SC_LAYER_PROJECT);
	assert_int_equal(g->origin.pos.line, 2);
	vec_release(&v);
	/* The global layer's settings are the user's own: nothing to grant. */
	sc_trust_grants(wide, SC_LAYER_GLOBAL, &v);
	assert_int_equal(v.len, 0);
	vec_release(&v);
}

static void test_trust_store(void **state)
{
	_cleanup_config_ struct sc_config *cfg =
	    load(NULL, "mounts:\n  - source: /tmp\n    target: /data\n");
	struct vec grants = VEC_INIT(sc_grant_free);
	sc_trust_grants(cfg, SC_LAYER_PROJECT, &grants);
	assert_int_equal(grants.len, 1);

	_cleanup_free_ char *file = path_join(tmpdir, ".sandcage.yml");
	bool exists = false;
	char sha[65];
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_trust_hash_file(file, &exists, sha, &err), 0);
	assert_true(exists);
	assert_int_equal(strlen(sha), 64);

	_cleanup_free_ char *store_path = path_join(tmpdir, "g/trust.json");
	_cleanup_trust_store_ struct sc_trust_store *store = NULL;
	assert_int_equal(sc_trust_store_load(store_path, &store, &err), 0);
	assert_int_equal(store->records.len, 0);
	assert_int_equal(sc_trust_state(NULL, sha, &grants), SC_TRUST_NEW);
	_cleanup_free_ char *diff = sc_trust_diff(NULL, &grants);
	assert_string_equal(diff,
	                    "+ mount the host path `/tmp` at `/data` (read-write)    (line 2)\n");

	sc_trust_store_put(store, file, sha, &grants, "2024-01-01T00:00:00Z");
	assert_int_equal(sc_trust_store_save(store, store_path, &err), 0);
	struct stat st;
	assert_int_equal(stat(store_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	_cleanup_trust_store_ struct sc_trust_store *again = NULL;
	assert_int_equal(sc_trust_store_load(store_path, &again, &err), 0);
	const struct sc_trust_record *rec = sc_trust_store_find(again, file);
	assert_non_null(rec);
	assert_string_equal(rec->sha256, sha);
	assert_string_equal(rec->trusted_at, "2024-01-01T00:00:00Z");
	assert_int_equal(sc_trust_state(rec, sha, &grants), SC_TRUST_TRUSTED);

	/* One byte changed: another hash, asked again. */
	_cleanup_config_ struct sc_config *cfg2 =
	    load(NULL, "mounts:\n  - source: /tmp\n    target: /date\n");
	struct vec grants2 = VEC_INIT(sc_grant_free);
	sc_trust_grants(cfg2, SC_LAYER_PROJECT, &grants2);
	char sha2[65];
	assert_int_equal(sc_trust_hash_file(file, &exists, sha2, &err), 0);
	assert_string_not_equal(sha, sha2);
	assert_int_equal(sc_trust_state(rec, sha2, &grants2), SC_TRUST_CHANGED);
	_cleanup_free_ char *diff2 = sc_trust_diff(rec, &grants2);
	assert_non_null(strstr(diff2, "+ mount the host path `/tmp` at `/date`"));
	assert_non_null(strstr(diff2, "- mount the host path `/tmp` at `/data`"));
	/* The same content with more grants than recorded (the file changed
	 * between reading and hashing) is not trusted either. */
	assert_int_equal(sc_trust_state(rec, sha, &grants2), SC_TRUST_CHANGED);
	/* A file that grants nothing needs no trust. */
	struct vec none = VEC_INIT(sc_grant_free);
	assert_int_equal(sc_trust_state(NULL, sha2, &none), SC_TRUST_NOT_NEEDED);

	/* The files it points to are part of the approval ("files" in the
	 * record). A record without them (written before: no "files") approves
	 * no file: a configuration that points to one is asked about again. */
	static const char hexa[] =
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	static const char hexb[] =
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	struct vec refs = VEC_INIT(sc_trust_ref_free);
	sc_trust_ref_add(&refs, "/p/docker/", hexa);
	assert_int_equal(sc_trust_state_refs(rec, sha, &grants, &refs), SC_TRUST_CHANGED);
	sc_trust_store_put_refs(again, file, sha, &grants, &refs, "2024-01-02T00:00:00Z");
	assert_int_equal(sc_trust_store_save(again, store_path, &err), 0);
	{
		_cleanup_trust_store_ struct sc_trust_store *third = NULL;
		assert_int_equal(sc_trust_store_load(store_path, &third, &err), 0);
		const struct sc_trust_record *r3 = sc_trust_store_find(third, file);
		assert_non_null(r3);
		assert_int_equal(r3->refs.len, 1);
		assert_int_equal(sc_trust_state_refs(r3, sha, &grants, &refs), SC_TRUST_TRUSTED);
		/* Without refs now (the file no longer points anywhere): trusted. */
		assert_int_equal(sc_trust_state(r3, sha, &grants), SC_TRUST_TRUSTED);
		struct vec refs2 = VEC_INIT(sc_trust_ref_free);
		sc_trust_ref_add(&refs2, "/p/docker/", hexb);
		assert_int_equal(sc_trust_state_refs(r3, sha, &grants, &refs2), SC_TRUST_CHANGED);
		assert_false(sc_trust_ref_approved(r3, refs2.items[0]));
		vec_release(&refs2);
	}
	vec_release(&refs);
	rec = sc_trust_store_find(again, file);

	assert_true(sc_trust_store_remove(again, file));
	assert_false(sc_trust_store_remove(again, file));
	assert_null(sc_trust_store_find(again, file));
	vec_release(&grants);
	vec_release(&grants2);

	/* What the prompt shows is escaped: a value of the file can neither add
	 * a line nor rewrite the terminal. */
	_cleanup_config_ struct sc_config *cfg3 = load(
	    NULL, "services:\n  claude:\n    args: [\"x\\n+ nothing else\\r\\e[2K\\u202e\"]\n");
	struct vec grants3 = VEC_INIT(sc_grant_free);
	sc_trust_grants(cfg3, SC_LAYER_PROJECT, &grants3);
	assert_int_equal(grants3.len, 1);
	_cleanup_free_ char *diff3 = sc_trust_diff(NULL, &grants3);
	assert_string_equal(diff3,
	                    "+ give `claude` the argument `x\\n+ nothing else\\r\\x1b[2K<U+202E>`"
	                    "    (line 3)\n");
	vec_release(&grants3);

	/* A damaged store is an error that says what to do. */
	static const char junk[] = "{not json";
	assert_int_equal(fs_write_atomic(store_path, junk, strlen(junk), 0600, &err), 0);
	_cleanup_trust_store_ struct sc_trust_store *bad = NULL;
	assert_true(sc_trust_store_load(store_path, &bad, &err) < 0);
	assert_non_null(strstr(err->msg, "remove it"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mount_sources),
	    cmocka_unit_test(test_mount_targets),
	    cmocka_unit_test(test_project_root),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_security_keys_global_only),
	    cmocka_unit_test(test_defaults_pass),
	    cmocka_unit_test(test_masked_names),
	    cmocka_unit_test(test_protected_paths),
	    cmocka_unit_test(test_protect_mounts),
	    cmocka_unit_test(test_git_dir_paths),
	    cmocka_unit_test(test_protect_readonly_parent),
	    cmocka_unit_test(test_grants),
	    cmocka_unit_test(test_trust_store),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
