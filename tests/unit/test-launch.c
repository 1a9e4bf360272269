/* The launch layer without a daemon: each kind of request against real
 * project directories and a real global directory, with an engine whose
 * image look-ups and builds are recorded instead of run. */
#include "support.h"

#include "acp/store.h"
#include "config/config.h"
#include "launch/launch.h"
#include "plan/image.h"
#include "util/fs.h"
#include "util/path.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- an engine that records ---- */

struct fake_engine {
	struct sc_engine e; /* first: the ops get a pointer to it */
	bool have_images;
	struct strv asked; /* image_exists */
	struct strv built; /* build tags */
};

static int fake_image_exists(const struct sc_engine *e, const char *image, bool *exists,
                             struct sc_error **err)
{
	struct fake_engine *f = (struct fake_engine *)e;
	strv_push(&f->asked, image);
	*exists = f->have_images;
	return 0;
}

static int fake_build(const struct sc_engine *e, const struct sc_build_options *opts, int *status,
                      struct sc_error **err)
{
	struct fake_engine *f = (struct fake_engine *)e;
	strv_push(&f->built, opts->tag);
	opts->on_line(opts->ctx, "Step 1/2 : FROM base");
	opts->on_line(opts->ctx, "Step 2/2 : RUN true");
	*status = 0;
	return 0;
}

static int fake_image_entrypoint(const struct sc_engine *e, const char *image, struct strv *out,
                                 struct sc_error **err)
{
	strv_push(out, "/docker-entrypoint.sh");
	return 0;
}

static const struct sc_engine_ops fake_ops = {
    .image_exists = fake_image_exists,
    .image_entrypoint = fake_image_entrypoint,
    .build = fake_build,
};

/* ---- a host of the test's own ---- */

struct fixture {
	char *dir;     /* everything below is in here */
	char *project; /* the project (not a git repository unless made one) */
	char *global;  /* the global directory */
	char *home;    /* $HOME when the test began, put back after it */
	struct fake_engine engine;
	struct sc_launch_host host;
	struct strv said;
	int begins, dones;
	bool approve_answer;
	int approvals;
	struct sc_build_observer observer;
	struct sc_launch_ui ui;
};

static void write_file(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *path = path_join(dir, name);
	_cleanup_free_ char *parent = path_dirname(path);
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_mkdir_p(parent, 0755, &err), 0);
	assert_int_equal(fs_write_atomic(path, text, strlen(text), 0644, &err), 0);
}

/* The global configuration: `text`, and the keys passed as they are
 * (credentials.mode env). The proxy mode's default would start a proxy
 * sidecar for the host's ANTHROPIC_API_KEY, which the fake engine cannot;
 * tests/unit/test-credentials.c and tests/integration/credentials.bats
 * cover that mode. */
static void write_global(const char *dir, const char *text)
{
	_cleanup_free_ char *all = xasprintf("%s\n[credentials]\nmode = \"env\"\n", text);
	write_file(dir, "config.toml", all);
}

static void on_say(void *ctx, enum sc_launch_level level, const char *msg)
{
	struct fixture *fx = ctx;
	strv_push(&fx->said, msg);
}

static bool on_approve(void *ctx, const struct sc_trust_file *f)
{
	struct fixture *fx = ctx;
	fx->approvals++;
	return fx->approve_answer;
}

static void on_build(void *ctx, enum sc_build_event ev, const struct sc_build_state *st,
                     const char *line)
{
	struct fixture *fx = ctx;
	fx->begins += ev == SC_BUILD_BEGIN;
	fx->dones += ev == SC_BUILD_DONE;
}

static char *const host_env[] = {"ANTHROPIC_API_KEY=sk-test", "LANG=C.UTF-8", NULL};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	fx->dir = xstrdup("/tmp/sandcage-test-launch-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->project = path_join(fx->dir, "proj");
	fx->global = path_join(fx->dir, "global");
	assert_int_equal(mkdir(fx->project, 0755), 0);
	assert_int_equal(mkdir(fx->global, 0700), 0);
	write_global(fx->global, "");
	fx->home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
	fx->engine.e = (struct sc_engine){.ops = &fake_ops, .kind = "docker", .program = "/x"};
	fx->engine.have_images = true;
	fx->host = (struct sc_launch_host){
	    .env = host_env,
	    .uid = 1234,
	    .gid = 2345,
	    .user_name = "dev",
	    .global_dir = fx->global,
	    .suffix = "abcdef",
	};
	fx->observer = (struct sc_build_observer){.event = on_build, .ctx = fx};
	fx->ui = (struct sc_launch_ui){
	    .approve = on_approve,
	    .say = on_say,
	    .build = &fx->observer,
	    .ctx = fx,
	};
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	fs_remove_tree(fx->dir, NULL);
	free(fx->dir);
	free(fx->project);
	free(fx->global);
	if (fx->home)
		setenv("HOME", fx->home, 1);
	else
		unsetenv("HOME");
	free(fx->home);
	strv_release(&fx->engine.asked);
	strv_release(&fx->engine.built);
	strv_release(&fx->said);
	free(fx);
	return 0;
}

static struct sc_launch_request request(struct fixture *fx)
{
	return (struct sc_launch_request){
	    .project = fx->project,
	    .ui = &fx->ui,
	    .host = &fx->host,
	    .engine = &fx->engine.e,
	};
}

static bool has_env(const struct sc_container_spec *spec, const char *entry)
{
	return strv_contains(spec->env.v, entry);
}

static bool has_label(const struct sc_container_spec *spec, const char *entry)
{
	return strv_contains(spec->labels.v, entry);
}

/* ---- the kinds of request ---- */

static void test_shell(void **state)
{
	struct fixture *fx = *state;
	struct sc_launch_request req = request(fx);
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
	/* Not a git repository: said so, and the directory is the project. */
	assert_int_equal(fx->said.len, 1);
	assert_non_null(strstr(fx->said.v[0], "is not in a git repository"));
	assert_string_equal(l->ws->root, fx->project);
	assert_null(l->service);
	assert_string_equal(l->spec.name, "sandcage-proj-shell-abcdef");
	assert_string_equal(l->spec.user, "1234:2345");
	assert_string_equal(l->spec.command.v[0], "/bin/sh");
	assert_true(l->spec.interactive);
	assert_false(l->spec.tty);
	const struct sc_spec_mount *m = unit_mount_at(&l->spec, fx->project);
	assert_non_null(m);
	if (!m)
		return;
	assert_false(m->readonly);
	assert_non_null(unit_mount_at(&l->spec, SC_IMAGE_HOME));
	/* The configured image, found: asked once, not built. */
	assert_non_null(l->image);
	assert_true(str_has_prefix(l->image, "sandcage:"));
	assert_int_equal(fx->engine.asked.len, 1);
	assert_string_equal(fx->engine.asked.v[0], l->image);
	assert_int_equal(fx->engine.built.len, 0);
	/* A shell sees the enabled agents' variables. */
	assert_true(has_env(&l->spec, "ANTHROPIC_API_KEY=sk-test"));
	assert_null(l->net);
}

static void test_agent_builds_missing_image(void **state)
{
	struct fixture *fx = *state;
	fx->engine.have_images = false;
	struct sc_launch_request req = request(fx);
	req.agent = "claude";
	char *const args[] = {"--resume", NULL};
	req.args = args;
	req.tty = true;
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
	assert_non_null(l->service);
	assert_string_equal(l->service->name, "claude");
	assert_string_equal(l->spec.name, "sandcage-proj-claude-abcdef");
	assert_true(has_label(&l->spec, "io.sandcage.agent=claude"));
	assert_string_equal(l->spec.command.v[l->spec.command.len - 1], "--resume");
	assert_true(l->spec.tty);
	assert_int_equal(fx->engine.built.len, 1);
	assert_string_equal(fx->engine.built.v[0], l->image);
	assert_int_equal(fx->begins, 1);
	assert_int_equal(fx->dones, 1);
}

static void test_unknown_agent_is_a_usage_error(void **state)
{
	struct fixture *fx = *state;
	struct sc_launch_request req = request(fx);
	req.agent = "nope";
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), -1);
	assert_null(l);
	assert_int_equal(err->exit, 2);
	assert_non_null(strstr(err->msg, "unknown command `nope`"));
	/* Nothing was looked up or built for it. */
	assert_int_equal(fx->engine.asked.len, 0);
}

static void test_disabled_agent_names_its_line(void **state)
{
	struct fixture *fx = *state;
	write_file(fx->project, ".sandcage.yml", "services:\n  gemini:\n    enabled: false\n");
	struct sc_launch_request req = request(fx);
	req.agent = "gemini";
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), -1);
	assert_non_null(strstr(err->msg, "agent `gemini` is disabled by "));
	assert_non_null(strstr(err->msg, ".sandcage.yml:3:"));
}

static void test_given_image_is_not_looked_up(void **state)
{
	struct fixture *fx = *state;
	struct sc_launch_request req = request(fx);
	req.image = "my/image:1";
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
	assert_string_equal(l->spec.image, "my/image:1");
	assert_int_equal(fx->engine.asked.len, 0);
}

static void test_untrusted_file_refused_then_approved(void **state)
{
	struct fixture *fx = *state;
	write_file(fx->project, ".sandcage.yml", "resources:\n  pids: 4096\n");
	struct sc_launch_request req = request(fx);
	/* No terminal: refused, with what the file grants and the fix. */
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l, &err), -1);
		assert_non_null(strstr(err->msg, "is not trusted; it grants:"));
		assert_non_null(strstr(err->msg, "sandcage trust -p"));
		assert_int_equal(fx->approvals, 0);
	}
	/* On a terminal, declined. */
	fx->ui.interactive = true;
	fx->approve_answer = false;
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l, &err), -1);
		assert_non_null(strstr(err->msg, "is not trusted: nothing was started"));
		assert_int_equal(fx->approvals, 1);
	}
	/* Approved: recorded in the global directory... */
	fx->approve_answer = true;
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
		assert_int_equal(l->spec.pids_limit, 4096);
		assert_int_equal(fx->approvals, 2);
	}
	_cleanup_free_ char *store = path_join(fx->global, "trust.json");
	assert_true(fs_exists(store));
	/* ...so that the next launch, without a terminal, goes on. */
	fx->ui.interactive = false;
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
		assert_int_equal(fx->approvals, 2);
	}
}

static void test_refused_configuration(void **state)
{
	struct fixture *fx = *state;
	write_global(fx->global, "[[mounts]]\nsource = \"/\"\ntarget = \"/host\"\n");
	struct sc_launch_request req = request(fx);
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), -1);
	assert_true(str_has_prefix(err->msg, "the configuration asks for what sandcage does not "
	                                     "allow (nothing was started):\n"));
	assert_non_null(strstr(err->msg, "config.toml:"));
	assert_int_equal(fx->engine.asked.len, 0);
}

static void test_ssh_without_key(void **state)
{
	struct fixture *fx = *state;
	write_global(fx->global, "[ssh]\nenabled = true\n");
	struct sc_launch_request req = request(fx);
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l, &err), -1);
		assert_non_null(strstr(err->msg, "run `sandcage setup ssh`"));
	}
	write_file(fx->global, "ssh/id_ed25519", "key");
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
	_cleanup_free_ char *ssh = path_join(fx->global, "ssh");
	const struct sc_spec_mount *m = unit_mount_at(&l->spec, "/etc/sandcage/ssh");
	assert_non_null(m);
	if (!m)
		return;
	assert_string_equal(m->source, ssh);
	assert_true(m->readonly);
}

static void test_acp_service_and_installed_agent(void **state)
{
	struct fixture *fx = *state;
	write_global(fx->global, "[services.echoacp]\ncommand = [\"echo-acp\", \"--stdio\"]\n");
	struct sc_launch_request req = request(fx);
	req.acp_agent = "echoacp";
	char *const args[] = {"--x", NULL};
	req.args = args;
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
		assert_string_equal(l->spec.command.v[0], "echo-acp");
		assert_string_equal(l->spec.command.v[2], "--x");
		assert_true(has_label(&l->spec, "io.sandcage.agent=echoacp"));
	}
	/* A built-in speaks ACP only through its registry agent. */
	req.acp_agent = "claude";
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l, &err), -1);
		assert_non_null(strstr(err->msg, "sandcage acp install claude-acp"));
	}
	/* Installed: its command and variables, as the built-in it stands for. */
	struct sc_acp_installed rec = {
	    .id = "claude-acp",
	    .name = "Claude Code",
	    .version = "1.0.0",
	    .kind = "npx",
	    .volume = "sandcage-home-acp", /* the ACP agents' volume */
	    .source = "https://registry.invalid/",
	    .installed_at = "2026-01-01T00:00:00Z",
	};
	strv_push(&rec.command, "/home/sandcage/.sandcage/acp/claude-acp/run");
	strv_push(&rec.env, "ACP_MODE=1");
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_acp_store_put(fx->global, &rec, &err), 0);
	strv_release(&rec.command);
	strv_release(&rec.env);
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
	assert_string_equal(l->spec.command.v[0], "/home/sandcage/.sandcage/acp/claude-acp/run");
	assert_string_equal(l->spec.command.v[1], "--x");
	assert_true(has_env(&l->spec, "ACP_MODE=1"));
	assert_true(has_label(&l->spec, "io.sandcage.agent=claude"));
	assert_true(has_env(&l->spec, "ANTHROPIC_API_KEY=sk-test"));
}

struct probe_ctx {
	size_t protected_seen;
};

static void append_probe(void *ctx, const struct sc_launch *l, struct strv *command)
{
	struct probe_ctx *p = ctx;
	p->protected_seen = l->protected_paths.len;
	strv_push(command, "--done");
}

static void test_role_with_command_and_protection(void **state)
{
	struct fixture *fx = *state;
	/* A git repository with a secret file. */
	write_file(fx->project, ".git/HEAD", "ref: refs/heads/main\n");
	write_file(fx->project, ".git/config", "[core]\n");
	write_file(fx->project, ".env", "TOKEN=1\n");
	struct probe_ctx pc = {0};
	char *const command[] = {"/bin/sh", "-c", "true", NULL};
	struct sc_launch_request req = request(fx);
	req.role = "doctor";
	req.command = command;
	req.append_command = append_probe;
	req.append_ctx = &pc;
	req.no_stdin = true;
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
	assert_string_equal(l->spec.name, "sandcage-proj-doctor-abcdef");
	assert_true(has_label(&l->spec, "io.sandcage.agent=doctor"));
	assert_false(l->spec.interactive);
	assert_string_equal(l->spec.command.v[2], "true");
	assert_string_equal(l->spec.command.v[3], "--done");
	/* The command was completed once the protection was known. */
	assert_true(pc.protected_seen > 0);
	assert_int_equal(pc.protected_seen, l->protected_paths.len);
	_cleanup_free_ char *hooks = path_join(fx->project, ".git/hooks");
	assert_true(strv_contains(l->protected_paths.v, hooks));
	const struct sc_spec_mount *m = unit_mount_at(&l->spec, hooks);
	assert_non_null(m);
	if (!m)
		return;
	assert_true(m->readonly);
	_cleanup_free_ char *env = path_join(fx->project, ".env");
	assert_true(strv_contains(l->masked_files.v, env));
	m = unit_mount_at(&l->spec, env);
	assert_non_null(m);
	if (!m)
		return;
	assert_true(m->readonly);
	_cleanup_free_ char *empty = path_join(fx->global, "empty");
	assert_string_equal(m->source, empty);
	/* A role gets no agent's variables. */
	assert_false(has_env(&l->spec, "ANTHROPIC_API_KEY=sk-test"));
}

/* A git directory as git makes it (HEAD, objects/, refs/, config). */
static void make_git_dir(const char *dir, const char *config)
{
	write_file(dir, "HEAD", "ref: refs/heads/main\n");
	write_file(dir, "objects/.keep", "");
	write_file(dir, "refs/heads/.keep", "");
	write_file(dir, "config", config);
}

static bool mounted(const struct sc_launch *l, const char *dir, const char *rel, bool readonly)
{
	_cleanup_free_ char *p = path_join(dir, rel);
	const struct sc_spec_mount *m = unit_mount_at(&l->spec, p);
	if (!m || m->readonly != readonly || !streq(m->source, p))
		printf("# %s: %s\n", p, m ? "other mode" : "not mounted");
	return m && m->readonly == readonly && streq(m->source, p);
}

static void test_git_protection(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *git = path_join(fx->project, ".git");
	make_git_dir(git, "[core]\n");
	_cleanup_free_ char *lib = path_join(git, "modules/lib");
	make_git_dir(lib, "[core]\n\tworktree = ../../../lib\n");
	_cleanup_free_ char *wt = path_join(git, "worktrees/wt");
	write_file(wt, "HEAD", "ref: refs/heads/wt\n");
	write_file(wt, "commondir", "../..\n");
	write_file(wt, "gitdir", "/elsewhere/wt/.git\n");
	struct sc_launch_request req = request(fx);
	req.no_stdin = true;
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
	/* The git directory writable for git's working data... */
	const struct sc_spec_mount *m = unit_mount_at(&l->spec, git);
	assert_true(m && !m->readonly);
	/* ...what makes git run code or redirects it read-only, made when
	 * missing... */
	assert_true(mounted(l, git, "config", true));
	assert_true(mounted(l, git, "config.worktree", true));
	assert_true(mounted(l, git, "hooks", true));
	assert_true(mounted(l, git, "modules", true));
	assert_true(mounted(l, git, "worktrees", true));
	_cleanup_free_ char *cw = path_join(git, "config.worktree");
	assert_true(fs_exists(cw));
	/* ...a submodule's git directory and a worktree's entry writable
	 * inside, their own metadata read-only. */
	assert_true(mounted(l, git, "modules/lib", false));
	/* The submodule's config is a copy without core.worktree, which
	 * `git submodule update` would write again. */
	_cleanup_free_ char *libcfg0 = path_join(lib, "config");
	m = unit_mount_at(&l->spec, libcfg0);
	assert_true(m && m->readonly && !streq(m->source, libcfg0));
	if (m) {
		_cleanup_free_ char *copy = NULL;
		assert_int_equal(fs_read_file(m->source, &copy, NULL, &err), 0);
		assert_string_equal(copy, "[core]\n\t\n");
	}
	assert_true(mounted(l, git, "modules/lib/hooks", true));
	assert_true(mounted(l, git, "modules/lib/modules", true));
	assert_true(mounted(l, git, "worktrees/wt", false));
	assert_true(mounted(l, git, "worktrees/wt/gitdir", true));
	assert_true(mounted(l, git, "worktrees/wt/commondir", true));
	assert_true(mounted(l, git, "worktrees/wt/config.worktree", true));
	/* Git's working files are not mounts of their own. */
	static const char *const working[] = {"HEAD", "objects", "refs", "index", "commondir"};
	for (size_t i = 0; i < N_ELEMENTS(working); i++) {
		_cleanup_free_ char *p = path_join(git, working[i]);
		assert_null(unit_mount_at(&l->spec, p));
	}

	/* Nothing changed: nothing to say. */
	struct strv changed = STRV_INIT;
	sc_launch_git_changes(l, &changed);
	assert_int_equal(changed.len, 0);
	/* The agent's turn, as if a protection failed: a hook, a planted
	 * commondir, a submodule's config, a nested repository. */
	write_file(git, "hooks/pre-commit", "#!/bin/sh\n");
	write_file(git, "commondir", "../evil\n");
	write_file(lib, "config", "[core]\n\tfsmonitor = x\n");
	write_file(fx->project, "sub/.git/config", "[core]\n");
	write_file(wt, "rebase-merge/git-rebase-todo", "exec x\n");
	sc_launch_git_changes(l, &changed);
	for (size_t i = 0; i < changed.len; i++)
		printf("# changed: %s\n", changed.v[i]);
	_cleanup_free_ char *hook = path_join(git, "hooks/pre-commit");
	_cleanup_free_ char *libcfg = path_join(lib, "config");
	_cleanup_free_ char *sub = path_join(fx->project, "sub/.git");
	_cleanup_free_ char *subcfg = path_join(fx->project, "sub/.git/config");
	_cleanup_free_ char *todo = path_join(wt, "rebase-merge/git-rebase-todo");
	_cleanup_free_ char *common = path_join(git, "commondir");
	_cleanup_free_ char *moved =
	    xasprintf("%s (moved aside to %s.sandcage-moved-aside)", common, common);
	assert_true(strv_contains(changed.v, hook));
	assert_true(strv_contains(changed.v, libcfg));
	assert_true(strv_contains(changed.v, sub));
	assert_true(strv_contains(changed.v, subcfg));
	assert_true(strv_contains(changed.v, todo));
	assert_true(strv_contains(changed.v, moved));
	assert_false(fs_exists(common));
	strv_release(&changed);
}

/* Every mount's source is pinned by its identity, and the container's first
 * program compares: the project with no link in the way. */
static void test_mounts_pinned(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *git = path_join(fx->project, ".git");
	make_git_dir(git, "[core]\n");
	struct sc_launch_request req = request(fx);
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
	assert_string_equal(l->spec.entrypoint, "/.sandcage-mountcheck");
	const struct sc_spec_mount *m = unit_mount_at(&l->spec, "/.sandcage-mountcheck");
	assert_non_null(m);
	if (!m)
		return;
	assert_true(m->readonly);
	assert_true(path_is_within(m->source, fx->global));
	struct stat st;
	assert_int_equal(stat(m->source, &st), 0);
	assert_true(S_ISREG(st.st_mode) && st.st_size > 10000 && (st.st_mode & 0777) == 0555);
	/* The identities: each bind once, the volume by its target. */
	const struct strv *a = &l->spec.entry_args;
	assert_int_equal(stat(fx->project, &st), 0);
	_cleanup_free_ char *root =
	    xasprintf("--bind=%u:%u:%llu:%s", major(st.st_dev), minor(st.st_dev),
	              (unsigned long long)st.st_ino, fx->project);
	assert_true(strv_contains(a->v, root));
	_cleanup_free_ char *cfg = path_join(git, "config");
	assert_int_equal(stat(cfg, &st), 0);
	_cleanup_free_ char *pin = xasprintf("--bind=%u:%u:%llu:%s", major(st.st_dev),
	                                     minor(st.st_dev), (unsigned long long)st.st_ino, cfg);
	assert_true(strv_contains(a->v, pin));
	_cleanup_free_ char *home = xasprintf("--volume=%s", SC_IMAGE_HOME);
	assert_true(strv_contains(a->v, home));
	_cleanup_free_ char *acp = xasprintf("--volume=%s/.sandcage-acp", SC_IMAGE_HOME);
	assert_true(strv_contains(a->v, acp));
	/* The login store (home.scope: project): a directory of the global
	 * one, nobody else's, and the login options of the mount check. */
	const struct sc_spec_mount *store = unit_mount_at(&l->spec, "/.sandcage-logins");
	assert_non_null(store);
	assert_false(store->volume || store->readonly);
	_cleanup_free_ char *store_dir = path_join(fx->global, "logins");
	assert_string_equal(store->source, store_dir);
	assert_int_equal(stat(store_dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_true(strv_contains(a->v, "--logins=/.sandcage-logins"));
	assert_true(strv_contains(a->v, "--home=/home/sandcage"));
	assert_true(strv_contains(a->v, "--login=.codex/auth.json:codex-auth.json"));
	assert_null(unit_mount_at(&l->spec, "/.sandcage-migrate"));
	size_t binds = 0;
	for (size_t i = 0; i < l->spec.mounts.len; i++)
		binds += !((const struct sc_spec_mount *)l->spec.mounts.items[i])->volume;
	/* binds, two volumes (home, ACP agents), --home, --logins, five
	 * logins, `--`, the image's entrypoint. */
	assert_int_equal(a->len, binds + 11);
	assert_string_equal(a->v[a->len - 2], "--");
	assert_string_equal(a->v[a->len - 1], "/docker-entrypoint.sh");
	/* The command stays the command. */
	assert_string_equal(l->spec.command.v[0], "/bin/sh");

	/* A protected directory that is a link by the time it is pinned: the
	 * launch stops (here the link is made before; a race makes it after
	 * the check). */
	_cleanup_free_ char *hooks = path_join(git, "hooks");
	_cleanup_free_ char *aside = path_join(fx->dir, "hooks-aside");
	assert_int_equal(rename(hooks, aside), 0);
	assert_int_equal(symlink(fx->dir, hooks), 0);
	_cleanup_error_ struct sc_error *e2 = NULL;
	_cleanup_launch_ struct sc_launch *l2 = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l2, &e2), -1);
	assert_non_null(strstr(e2->msg, "hooks"));
	assert_non_null(strstr(e2->msg, "symbolic link"));
}

static void test_home_only(void **state)
{
	struct fixture *fx = *state;
	/* Not trusted, and not asked for: nothing of the project is used. */
	write_file(fx->project, ".sandcage.yml", "resources:\n  pids: 4096\n");
	fx->host.suffix = NULL; /* random, as for a real launch */
	struct sc_launch_request req = request(fx);
	req.role = "acp-install";
	req.home_only = true;
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
	/* The ACP agents' volume (writable), and the mount check's program:
	 * no home, no login store. */
	assert_int_equal(l->spec.mounts.len, 2);
	const struct sc_spec_mount *acp = unit_mount_at(&l->spec, SC_IMAGE_HOME "/.sandcage-acp");
	assert_non_null(acp);
	assert_true(acp->volume && !acp->readonly);
	assert_string_equal(acp->source, "sandcage-home-acp");
	assert_null(unit_mount_at(&l->spec, SC_IMAGE_HOME));
	assert_false(has_env(&l->spec, "ANTHROPIC_API_KEY=sk-test"));
	assert_true(str_has_prefix(l->spec.name, "sandcage-proj-acp-install-"));
	/* But another home volume or registry from the project needs trust. */
	{
		write_file(fx->project, ".sandcage.local.yml", "home:\n  volume: other\n");
		_cleanup_error_ struct sc_error *e2 = NULL;
		_cleanup_launch_ struct sc_launch *l2 = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l2, &e2), -1);
		assert_non_null(strstr(e2->msg, "is not trusted"));
		_cleanup_free_ char *local = path_join(fx->project, ".sandcage.local.yml");
		assert_int_equal(unlink(local), 0);
	}
	/* Planned again: a container of another name in place of the last. */
	_cleanup_free_ char *first = xstrdup(l->spec.name);
	assert_int_equal(sc_launch_plan(l, &req, &err), 0);
	assert_true(str_has_prefix(l->spec.name, "sandcage-proj-acp-install-"));
	assert_string_not_equal(first, l->spec.name);
	assert_int_equal(l->spec.mounts.len, 2);
}

/* The home directory as the project: refused before any question, image or
 * plan, for a shell, an agent's build and a plan asked for directly; an
 * install container (home only: no project) still runs from there. */
static void test_home_as_project_refused(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(setenv("HOME", fx->project, 1), 0);
	/* An untrusted file there: refused before the trust question. */
	write_file(fx->project, ".sandcage.yml", "resources:\n  pids: 4096\n");
	struct sc_launch_request req = request(fx);
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l, &err), -1);
		_cleanup_free_ char *named =
		    xasprintf("`%s` cannot be the project: it is your home directory", fx->project);
		assert_true(str_has_prefix(err->msg, named));
		assert_non_null(strstr(err->msg, "Nothing was started"));
		assert_int_equal(fx->approvals, 0);
		assert_int_equal(fx->engine.asked.len, 0);
		assert_int_equal(fx->engine.built.len, 0);
	}
	/* The steps one by one: open works (read-only commands use it), the
	 * plan refuses even without the check before it. */
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_open(&req, &l, &err), 0);
		assert_int_equal(sc_launch_plan(l, &req, &err), -1);
		assert_non_null(strstr(err->msg, "cannot be the project"));
		assert_int_equal(l->spec.mounts.len, 0);
	}
	/* A git repository there (dotfiles): refused from a subdirectory too,
	 * which resolves to the repository's top level. */
	{
		_cleanup_free_ char *git = path_join(fx->project, ".git");
		assert_int_equal(mkdir(git, 0755), 0);
		write_file(git, "HEAD", "ref: refs/heads/main\n");
		_cleanup_free_ char *sub = path_join(fx->project, "sub");
		assert_int_equal(mkdir(sub, 0755), 0);
		struct sc_launch_request sreq = req;
		sreq.project = sub;
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&sreq, &l, &err), -1);
		assert_non_null(strstr(err->msg, "is the top level of a git repository"));
		assert_non_null(strstr(err->msg, "`git init` there"));
		assert_int_equal(fx->engine.asked.len, 0);
		/* Made its own repository, the subdirectory is a project. */
		_cleanup_free_ char *subgit = path_join(sub, ".git");
		assert_int_equal(mkdir(subgit, 0755), 0);
		write_file(subgit, "HEAD", "ref: refs/heads/main\n");
		_cleanup_error_ struct sc_error *e2 = NULL;
		_cleanup_launch_ struct sc_launch *l2 = NULL;
		assert_int_equal(sc_launch_prepare(&sreq, &l2, &e2), 0);
		assert_string_equal(l2->ws->root, sub);
		assert_int_equal(fs_remove_tree(git, NULL), 0);
	}
	/* An install container gets the home volume only: it runs. */
	req.role = "acp-install";
	req.home_only = true;
	{
		_cleanup_error_ struct sc_error *err = NULL;
		_cleanup_launch_ struct sc_launch *l = NULL;
		assert_int_equal(sc_launch_prepare(&req, &l, &err), 0);
		assert_null(unit_mount_at(&l->spec, fx->project));
	}
}

/* The first file failing leaves nothing half-made: the second was never
 * looked at, and releasing is safe (a regression: it freed an
 * uninitialised second file). */
static void test_trust_inspect_failure(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *dir = path_join(fx->project, ".sandcage.yml");
	assert_int_equal(mkdir(dir, 0755), 0);
	write_file(fx->project, ".sandcage.local.yml", "resources:\n  pids: 10\n");
	struct sc_workspace ws = {.root = fx->project, .name = "proj"};
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	struct sc_trust_files files;
	memset(&files, 0xa5, sizeof(files));
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_trust_inspect(&ws, cfg, NULL, &files, &err), -1);
	assert_non_null(strstr(err->msg, ".sandcage.yml"));
	assert_null(files.f[0].path);
	assert_null(files.f[1].path);
	sc_trust_files_release(&files);
}

/* The files a trusted configuration points to are part of the approval: a
 * changed file of the custom Dockerfile's context, or a changed CA file,
 * makes the trusted project untrusted again (issue 14, item 3). */
static void prepare_expect(struct fixture *fx, int want, const char *msg_part)
{
	struct sc_launch_request req = request(fx);
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	int r = sc_launch_prepare(&req, &l, &err);
	if (r != want)
		fail_msg("sc_launch_prepare: %d, expected %d (%s)", r, want,
		         err ? err->msg : "no error");
	if (msg_part && (!err || !strstr(err->msg, msg_part)))
		fail_msg("\"%s\" not in \"%s\"", msg_part, err ? err->msg : "");
}

static void test_trust_covers_pointed_files(void **state)
{
	struct fixture *fx = *state;
	write_file(fx->project, "docker/Dockerfile", "FROM x\n");
	write_file(fx->project, "docker/ctx/script.sh", "echo one\n");
	write_file(fx->project, "ca/corp.crt", "cert one\n");
	write_file(fx->project, ".sandcage.yml",
	           "image:\n  dockerfile: docker/Dockerfile\n  ca_certificates: [ca/corp.crt]\n");
	/* Trusted on a terminal. */
	fx->ui.interactive = true;
	fx->approve_answer = true;
	prepare_expect(fx, 0, NULL);
	assert_int_equal(fx->approvals, 1);
	_cleanup_free_ char *store_path = path_join(fx->global, "trust.json");
	_cleanup_free_ char *json = NULL;
	assert_int_equal(fs_read_file(store_path, &json, NULL, NULL), 0);
	assert_non_null(strstr(json, "\"files\""));
	assert_non_null(strstr(json, "docker/\""));
	assert_non_null(strstr(json, "ca/corp.crt\""));
	fx->ui.interactive = false;
	prepare_expect(fx, 0, NULL);

	/* A file of the build context changes (same size): asked again. */
	write_file(fx->project, "docker/ctx/script.sh", "echo two\n");
	prepare_expect(fx, -1, "changed since you trusted it");
	fx->ui.interactive = true;
	prepare_expect(fx, 0, NULL);
	assert_int_equal(fx->approvals, 2);
	fx->ui.interactive = false;
	prepare_expect(fx, 0, NULL);
	/* A new file in the context, too. */
	write_file(fx->project, "docker/new", "x");
	prepare_expect(fx, -1, "(every file in it): changed since you trusted it");
	fx->ui.interactive = true;
	prepare_expect(fx, 0, NULL);
	fx->ui.interactive = false;

	/* The CA file changes: asked again, naming it. */
	write_file(fx->project, "ca/corp.crt", "cert two\n");
	prepare_expect(fx, -1, "corp.crt: changed since you trusted it");

	/* A FIFO in the context is refused before anything reads it. */
	fx->ui.interactive = true;
	prepare_expect(fx, 0, NULL);
	_cleanup_free_ char *fifo = path_join(fx->project, "docker/fifo");
	assert_int_equal(mkfifo(fifo, 0644), 0);
	prepare_expect(fx, -1, "is a FIFO");
	unlink(fifo);

	/* A link for the Dockerfile inside the project is not followed. */
	_cleanup_free_ char *df = path_join(fx->project, "docker/Dockerfile");
	assert_int_equal(unlink(df), 0);
	assert_int_equal(symlink("/etc/hostname", df), 0);
	prepare_expect(fx, -1, NULL);
}

/* ---- the custom Dockerfile's context ---- */

static void test_context_hash(void **state)
{
	struct fixture *fx = *state;
	write_file(fx->project, "ctx/Dockerfile", "FROM x\n");
	write_file(fx->project, "ctx/sub/file", "a");
	_cleanup_free_ char *ctx = path_join(fx->project, "ctx");
	char a[65], b[65];
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_image_context_hash(ctx, "FROM x\n", a, &err), 0);
	assert_int_equal(sc_image_context_hash(ctx, "FROM x\n", b, &err), 0);
	assert_string_equal(a, b);
	/* A new file changes it; so does the Dockerfile's text. */
	write_file(fx->project, "ctx/sub/new", "b");
	assert_int_equal(sc_image_context_hash(ctx, "FROM x\n", b, &err), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(sc_image_context_hash(ctx, "FROM y\n", a, &err), 0);
	assert_string_not_equal(a, b);

	/* An unreadable directory is an error, not an unchanged hash. Root
	 * reads everything: the check runs as another user in a child. */
	_cleanup_free_ char *sub = path_join(ctx, "sub");
	assert_int_equal(chmod(sub, 0), 0);
	assert_int_equal(chmod(fx->dir, 0755), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(3);
		struct sc_error *e = NULL;
		char h[65];
		int r = sc_image_context_hash(ctx, "FROM x\n", h, &e);
		_exit(r < 0 && e && strstr(e->msg, "read the build context") &&
		              strstr(e->msg, "/sub")
		          ? 0
		          : 1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	chmod(sub, 0755);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_shell, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_agent_builds_missing_image, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_agent_is_a_usage_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disabled_agent_names_its_line, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_given_image_is_not_looked_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_untrusted_file_refused_then_approved, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_refused_configuration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ssh_without_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_acp_service_and_installed_agent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_role_with_command_and_protection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_git_protection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_home_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_home_as_project_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mounts_pinned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trust_inspect_failure, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_context_hash, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_trust_covers_pointed_files, setup, teardown),
	};
	return cmocka_run_group_tests_name("launch", tests, NULL, NULL);
}
