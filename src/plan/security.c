/* The security rules of docs/security.md: what a configuration may not ask
 * for, and the mounts that protect the host's git and sandcage files and hide
 * secret files from the agent. */
#include "security.h"
#include "../config/validate.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "image.h"

#include <fnmatch.h>
#include <stdarg.h>

#define MAX_ERRORS 20

/* ---- the environment ---- */

bool sc_security_env_denied(const char *name)
{
	return sc_env_name_denied(name);
}

/* The layers the user writes on this machine: the project and local files
 * come with the repository (and the agent can write them). */
static bool user_layer(enum sc_layer layer)
{
	return layer == SC_LAYER_DEFAULT || layer == SC_LAYER_GLOBAL || layer == SC_LAYER_FLAG;
}

/* ---- errors ---- */

struct check {
	const struct sc_config *cfg;
	const struct sc_security_host *host;
	const struct sc_workspace *ws;
	const char *global_file; /* for messages */
	struct strbuf errs;
	unsigned n;
};

static void report(struct check *c, struct sc_origin o, const char *key, const char *fmt, ...)
    _printf_(4, 5);
static void report(struct check *c, struct sc_origin o, const char *key, const char *fmt, ...)
{
	c->n++;
	if (c->n > MAX_ERRORS) {
		if (c->n == MAX_ERRORS + 1)
			strbuf_adds(&c->errs, "\n(more errors not shown)");
		return;
	}
	if (c->errs.len)
		strbuf_addc(&c->errs, '\n');
	_cleanup_free_ char *where = sc_pos_format(o.pos);
	if (*where)
		strbuf_addf(&c->errs, "%s: ", where);
	else
		strbuf_addf(&c->errs, "%s: ",
		            o.layer == SC_LAYER_FLAG ? "command line" : sc_layer_name(o.layer));
	strbuf_addf(&c->errs, "`%s`: ", key);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&c->errs, fmt, ap);
	va_end(ap);
}

/* ---- names ---- */

static void check_name(struct check *c, struct sc_origin o, const char *key, const char *value,
                       bool slash_ok)
{
	const char *why = sc_name_unsafe(value, slash_ok);
	if (why)
		report(c, o, key, "\"%s\" %s; choose a name of letters, digits, `.`, `_` and `-`",
		       value, why);
}

static void check_names(struct check *c)
{
	const struct sc_config *cfg = c->cfg;
	check_name(c, cfg->image.base.origin, "image.base", cfg->image.base.value, true);
	check_name(c, cfg->image.build_network.origin, "image.build_network",
	           cfg->image.build_network.value, false);
	check_name(c, cfg->home.volume.origin, "home.volume", cfg->home.volume.value, false);
	for (size_t i = 0; i < cfg->toolchains.len; i++) {
		const struct sc_cfg_map_entry *e = &cfg->toolchains.items[i];
		_cleanup_free_ char *key = xasprintf("toolchains.%s", e->key);
		check_name(c, e->value.origin, key, e->key, false);
		check_name(c, e->value.origin, key, e->value.value, false);
	}
	for (size_t i = 0; i < cfg->packages.len; i++)
		check_name(c, cfg->packages.items[i].origin, "packages",
		           cfg->packages.items[i].value, false);
	for (size_t i = 0; i < cfg->network.allow.len; i++)
		check_name(c, cfg->network.allow.items[i].origin, "network.allow",
		           cfg->network.allow.items[i].value, false);
	for (size_t s = 0; s < cfg->services.len; s++) {
		const struct sc_service *svc = &cfg->services.items[s];
		/* A service has no position of its own; its command's is the
		 * nearest. */
		_cleanup_free_ char *key = xasprintf("services.%s", svc->name);
		check_name(c, svc->command.origin, key, svc->name, false);
		if (svc->command.len && svc->command.items[0].value[0] == '-')
			report(c, svc->command.items[0].origin, key,
			       "the program \"%s\" starts with `-`; give the program's name or "
			       "path first",
			       svc->command.items[0].value);
		for (size_t i = 0; i < svc->domains.len; i++) {
			_cleanup_free_ char *dkey = xasprintf("services.%s.domains", svc->name);
			check_name(c, svc->domains.items[i].origin, dkey,
			           svc->domains.items[i].value, false);
		}
	}
}

/* ---- the environment ---- */

static void check_env_name(struct check *c, struct sc_origin o, const char *key, const char *name,
                           bool passthrough)
{
	if (!sc_valid_env_name(name)) {
		report(c, o, key,
		       "invalid environment variable name \"%s\"; use letters, digits and `_`, not "
		       "starting with a digit",
		       name);
		return;
	}
	if (sc_security_env_denied(name) && !user_layer(o.layer))
		report(
		    c, o, key,
		    "%s `%s` changes how programs run, where traffic goes, or reaches the host, "
		    "so a %s file may not %s it; set it in your global configuration (%s) if you "
		    "mean it",
		    passthrough ? "passing" : "setting", name, sc_layer_name(o.layer),
		    passthrough ? "pass" : "set", c->global_file);
}

static void check_env(struct check *c)
{
	const struct sc_config *cfg = c->cfg;
	for (size_t i = 0; i < cfg->env.len; i++) {
		const struct sc_cfg_map_entry *e = &cfg->env.items[i];
		_cleanup_free_ char *key = xasprintf("env.%s", e->key);
		check_env_name(c, e->value.origin, key, e->key, false);
		const char *v = e->value.value;
		if (strpbrk(v, "\n\r"))
			report(c, e->value.origin, key,
			       "the value contains a line break; environment values are one line");
	}
	for (size_t i = 0; i < cfg->env_passthrough.len; i++)
		check_env_name(c, cfg->env_passthrough.items[i].origin, "env_passthrough",
		               cfg->env_passthrough.items[i].value, true);
	for (size_t s = 0; s < cfg->services.len; s++) {
		const struct sc_service *svc = &cfg->services.items[s];
		_cleanup_free_ char *key = xasprintf("services.%s.env", svc->name);
		for (size_t i = 0; i < svc->env.len; i++)
			check_env_name(c, svc->env.items[i].origin, key, svc->env.items[i].value,
			               true);
	}
}

/* ---- mounts ---- */

/* Never mounted, nor anything in them, nor a directory above them. */
static const char *const system_dirs[] = {
    "/etc",
    "/usr",
    "/boot",
    "/dev",
    "/proc",
    "/sys",
    "/run",
    "/var/run",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/root",
    "/var/lib/docker",
    "/var/lib/containers",
    "/var/lib/containerd",
    NULL,
};

/* In the home directory: credentials, and settings the host runs. */
static const char *const home_secrets[] = {
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".config/gh",
    ".config/gcloud",
    ".config/hub",
    ".config/git",
    ".config/containers",
    ".local/share/containers",
    ".local/share/keyrings",
    ".password-store",
    ".netrc",
    ".git-credentials",
    ".gitconfig",
    ".npmrc",
    ".pypirc",
    ".vault-token",
    ".terraform.d",
    ".bashrc",
    ".bash_profile",
    ".profile",
    ".zshrc",
    ".zprofile",
    NULL,
};

/* The container engines' API sockets. */
static const char *const runtime_sockets[] = {
    "docker.sock",    "podman.sock", "containerd.sock", "crio.sock", "dockershim.sock",
    "buildkitd.sock", NULL,
};

static bool overlaps(const char *a, const char *b)
{
	return path_is_within(a, b) || path_is_within(b, a);
}

static char *host_resolve(const struct sc_security_host *host, const char *path, bool *socket)
{
	*socket = false;
	if (!host->resolve)
		return xstrdup(path);
	return host->resolve(host->ctx, path, socket);
}

static char *resolve(const struct check *c, const char *path, bool *socket)
{
	return host_resolve(c->host, path, socket);
}

char *sc_security_host_path_problem(const struct sc_security_host *host, const char *src,
                                    bool socket)
{
	const char *home = host->home;
	if (streq(src, "/"))
		return xstrdup("it is the root of the host's file system");
	if (home && *home && streq(home, src))
		return xasprintf("it is your home directory `%s`", home);
	if (home && *home && path_is_within(home, src))
		return xasprintf("it holds your home directory `%s`", home);
	for (const char *const *s = runtime_sockets; *s; s++)
		if (streq(path_basename(src), *s))
			return xasprintf(
			    "it is a container engine's socket (`%s`): whoever holds it "
			    "controls the host",
			    *s);
	if (socket)
		return xstrdup(
		    "it is a socket: a way out of the container to a program on the host");
	for (const char *const *s = home_secrets; home && *home && *s; s++) {
		_cleanup_free_ char *p = path_join(home, *s);
		bool sock = false;
		_cleanup_free_ char *real = host->resolve ? host_resolve(host, p, &sock) : NULL;
		if (overlaps(src, p) || (real && overlaps(src, real)))
			return xasprintf(
			    "it is, holds or is inside `~/%s`: credentials, or settings "
			    "the host runs",
			    *s);
	}
	if (host->global_dir && *host->global_dir && overlaps(src, host->global_dir))
		return xasprintf("it is, holds or is inside sandcage's own directory `%s` (trust "
		                 "records)",
		                 host->global_dir);
	for (const char *const *d = system_dirs; *d; d++)
		/* Root's home is /root: below it is the home rule's business. */
		if (overlaps(src, *d) && !(home && path_is_within(home, *d)))
			return xasprintf("it is, holds or is inside the system directory `%s`", *d);
	return NULL;
}

/* Why the host path `src` (resolved) may not be mounted, or NULL. */
static char *source_problem(const struct check *c, const char *src, bool socket)
{
	const struct sc_workspace *ws = c->ws;
	char *why = sc_security_host_path_problem(c->host, src, socket);
	if (why)
		return why;
	if (overlaps(src, ws->root))
		return xasprintf("it is, holds or is inside the project `%s`, which is mounted at "
		                 "its own path; "
		                 "its read-only paths and masked files are protected only there",
		                 ws->root);
	if (ws->in_git && ws->common_dir && overlaps(src, ws->common_dir))
		return xasprintf("it is, holds or is inside the git directory `%s`",
		                 ws->common_dir);
	if (ws->in_git && ws->git_dir && overlaps(src, ws->git_dir))
		return xasprintf("it is, holds or is inside the git directory `%s`", ws->git_dir);
	return NULL;
}

/* Directories every program and user of the host shares (other programs'
 * files, their sockets): a project below them is fine, not the directory
 * itself. */
static const char *const shared_dirs[] = {"/tmp", "/var/tmp", "/dev/shm", NULL};

static char *project_problem(const struct sc_security_host *host, const char *root)
{
	char *why = sc_security_host_path_problem(host, root, false);
	if (why)
		return why;
	for (const char *const *d = shared_dirs; *d; d++) {
		bool socket = false;
		_cleanup_free_ char *real = host->resolve ? host_resolve(host, *d, &socket) : NULL;
		if (streq(root, *d) || (real && streq(root, real)))
			return xasprintf("it is `%s`, which every program and user of this machine "
			                 "shares",
			                 *d);
	}
	return NULL;
}

int sc_security_project_check(const struct sc_security_host *host, const struct sc_workspace *ws,
                              struct sc_error **err)
{
	_cleanup_free_ char *why = project_problem(host, ws->root);
	if (!why)
		return 0;
	const char *home = host->home;
	bool home_rule = home && *home && path_is_within(home, ws->root);
	_cleanup_free_ char *what = xasprintf(
	    "`%s` cannot be the project: %s; sandcage mounts the project read-write into the "
	    "container, so the agent would get all of it%s",
	    ws->root, why, home_rule ? " (~/.ssh, ~/.aws ...)" : "");
	if (!ws->in_git)
		return sc_error_setx(
		    err, 0,
		    "%s. Nothing was started: run sandcage in a project directory, "
		    "or name one with `-p PATH` (e.g. `-p ~/code/project`)",
		    what);
	return sc_error_setx(
	    err, 0,
	    "%s. `%s` is the top level of a git repository (`%s`), and sandcage takes the top "
	    "level of the repository as the project, with `-p PATH` too. Nothing was started: "
	    "run sandcage in a project that is its own git repository, or make the project "
	    "directory one (`git init` there)%s",
	    what, ws->root, ws->common_dir ? ws->common_dir : ws->root,
	    home_rule ? "; a dotfiles repository at your home directory cannot be a project" : "");
}

/* Why `target` may not be a mount target in the container, or NULL. */
static char *target_problem(const struct check *c, const char *target)
{
	const struct sc_workspace *ws = c->ws;
	const char *gits[3] = {NULL, NULL, NULL};
	_cleanup_free_ char *dotgit = path_join(ws->root, ".git");
	gits[0] = dotgit;
	if (ws->in_git) {
		gits[1] = ws->git_dir;
		gits[2] = ws->common_dir;
	}
	for (size_t i = 0; i < N_ELEMENTS(gits); i++)
		if (gits[i] && overlaps(target, gits[i]))
			return xasprintf("it is, holds or is inside the git directory `%s`",
			                 gits[i]);
	if (path_is_within(ws->root, target))
		return xasprintf("it would cover the project `%s`", ws->root);
	if (path_is_within(SC_IMAGE_HOME, target))
		return xasprintf("it would cover the home volume at `%s`", SC_IMAGE_HOME);
	static const char *const kernel[] = {"/proc", "/sys", "/dev", NULL};
	for (const char *const *k = kernel; *k; k++)
		if (overlaps(target, *k))
			return xasprintf("it is, holds or is inside `%s`, which the engine sets up",
			                 *k);
	const struct sc_cfg_list *prot = &c->cfg->security.protected_paths;
	for (size_t i = 0; i < prot->len; i++) {
		_cleanup_free_ char *joined = path_join(ws->root, prot->items[i].value);
		_cleanup_free_ char *p = path_normalize(joined);
		if (overlaps(target, p))
			return xasprintf("it is, holds or is inside the protected path `%s`", p);
	}
	return NULL;
}

static void check_mounts(struct check *c)
{
	const struct sc_config *cfg = c->cfg;
	for (size_t i = 0; i < cfg->mounts.len; i++) {
		const struct sc_cfg_mount *m = sc_cfg_mount_at(cfg, i);
		_cleanup_free_ char *skey = xasprintf("mounts[%zu].source", i);
		_cleanup_free_ char *tkey = xasprintf("mounts[%zu].target", i);
		const char *lexical = m->source.value;
		bool socket = false;
		_cleanup_free_ char *real = resolve(c, lexical, &socket);
		if (!real) {
			report(c, m->source.origin, skey,
			       "`%s` cannot be resolved; check that it exists and is readable",
			       lexical);
		} else {
			/* Both: a link's name may say more than where it leads. */
			_cleanup_free_ char *why = source_problem(c, real, socket);
			if (!why && !streq(real, lexical))
				why = source_problem(c, lexical, false);
			if (why && !streq(real, lexical))
				report(c, m->source.origin, skey,
				       "`%s` (which leads to `%s`) may not be mounted: %s; remove "
				       "this "
				       "mount",
				       lexical, real, why);
			else if (why)
				report(c, m->source.origin, skey,
				       "`%s` may not be mounted: %s; remove this mount", lexical,
				       why);
		}
		const char *t = m->target.value;
		_cleanup_free_ char *twhy = target_problem(c, t);
		if (twhy)
			report(c, m->target.origin, tkey,
			       "`%s` may not be a mount target: %s; choose another target", t,
			       twhy);
		else if (strstr(t, "/../") || str_has_prefix(t, "../") || strchr(t, '\n'))
			report(c, m->target.origin, tkey, "`%s` is not a plain absolute path", t);
	}
}

/* ---- security.* ---- */

static void check_global_only(struct check *c, const struct sc_cfg_list *l, const char *key)
{
	bool reported = false;
	if (!user_layer(l->origin.layer)) {
		report(c, l->origin, key,
		       "only your global configuration (%s) may set this: a %s file cannot change "
		       "what is protected; move the setting there",
		       c->global_file, sc_layer_name(l->origin.layer));
		reported = true;
	}
	for (size_t i = 0; i < l->len && !reported; i++) {
		if (user_layer(l->items[i].origin.layer))
			continue;
		report(c, l->items[i].origin, key,
		       "only your global configuration (%s) may set this: a %s file cannot change "
		       "what is protected; move the setting there",
		       c->global_file, sc_layer_name(l->items[i].origin.layer));
		reported = true;
	}
}

/* One setting of the global layer only; `why` ends the message. */
static void check_global_origin(struct check *c, struct sc_origin o, const char *key,
                                const char *why)
{
	if (!user_layer(o.layer))
		report(c, o, key,
		       "only your global configuration (%s) may set this: a %s file cannot %s; "
		       "move the setting there",
		       c->global_file, sc_layer_name(o.layer), why);
}

int sc_security_check(const struct sc_config *cfg, const struct sc_security_host *host,
                      const struct sc_workspace *ws, struct sc_error **err)
{
	_cleanup_free_ char *global_file =
	    host->global_dir ? path_join(host->global_dir, "config.toml") : xstrdup("config.toml");
	struct check c = {cfg, host, ws, global_file, STRBUF_INIT, 0};
	check_global_only(&c, &cfg->security.protected_paths, "security.protected_paths");
	check_global_only(&c, &cfg->security.masked_files, "security.masked_files");
	check_global_origin(&c, cfg->credentials.mode.origin, "credentials.mode",
	                    "choose to hand your keys to the agent");
	check_global_origin(&c, cfg->credentials.ca_file.origin, "credentials.ca_file",
	                    "choose who may vouch for the servers that get your keys");
	check_mounts(&c);
	check_env(&c);
	check_names(&c);
	check_global_origin(&c, cfg->home.scope.origin, "home.scope",
	                    "give every project one home, and what an agent plants in it");
	if (!c.n) {
		strbuf_release(&c.errs);
		return 0;
	}
	int r = sc_error_setx(err, 0, "%s", strbuf_str(&c.errs));
	strbuf_release(&c.errs);
	return r;
}

/* ---- protected paths and masks ---- */

void sc_protect_candidate_free(void *p)
{
	struct sc_protect_candidate *c = p;
	if (!c)
		return;
	free(c->path);
	free(c);
}

static void add_candidate(struct vec *out, const char *path, bool dir, bool create)
{
	for (size_t i = 0; i < out->len; i++) {
		struct sc_protect_candidate *c = out->items[i];
		if (streq(c->path, path)) {
			/* The git rules create what protected_paths may not. */
			c->create |= create;
			return;
		}
	}
	struct sc_protect_candidate *c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	c->dir = dir;
	c->create = create;
	vec_push(out, c);
}

void sc_security_protected_paths(const struct sc_config *cfg, const struct sc_workspace *ws,
                                 struct vec *out)
{
	const struct sc_cfg_list *l = &cfg->security.protected_paths;
	for (size_t i = 0; i < l->len; i++) {
		const char *rel = l->items[i].value;
		while (str_has_prefix(rel, "./"))
			rel += 2;
		size_t len = strlen(rel);
		bool dir = len > 0 && rel[len - 1] == '/';
		const char *in_git = NULL;
		if (str_has_prefix(rel, ".git/"))
			in_git = rel + 5;
		if (in_git && !ws->in_git)
			continue;
		_cleanup_free_ char *joined = NULL;
		if (in_git) {
			/* The repository's own git directory: for a worktree the
			 * common one holds hooks and config. */
			joined = path_join(ws->common_dir, in_git);
		} else {
			joined = path_join(ws->root, rel);
		}
		_cleanup_free_ char *path = path_normalize(joined);
		add_candidate(out, path, dir, in_git != NULL);
		if (in_git && streq(in_git, "config") && ws->git_dir &&
		    !streq(ws->git_dir, ws->common_dir)) {
			/* A worktree's own settings (extensions.worktreeConfig). */
			_cleanup_free_ char *wt = path_join(ws->git_dir, "config.worktree");
			add_candidate(out, wt, false, false);
		}
	}
	if (ws->in_git && ws->is_worktree) {
		/* `.git` is a file naming the git directory: repointed, it would
		 * hand the host's git a directory of the agent's choosing. */
		_cleanup_free_ char *dotgit = path_join(ws->root, ".git");
		add_candidate(out, dotgit, false, false);
	}
}

/* What git reads from a git directory to decide what to run or where its
 * configuration is (docs/security.md, "Host git never runs what the agent
 * wrote"). Everything else in the directory is git's working data (objects,
 * refs, logs, index, HEAD and the *_HEAD files, packed-refs, the messages,
 * rebase-merge/, sequencer/...), which git replaces by lock file and rename
 * in the directory itself, so the directory stays writable. */
void sc_security_git_dir_paths(const char *dir, enum sc_git_dir_kind kind, struct vec *out)
{
	static const struct {
		const char *name;
		bool dir, create;
	} repo[] =
	    {
	        {"config", false, true}, /* every setting: fsmonitor, hooksPath, aliases... */
	        {"config.worktree", false, true}, /* extensions.worktreeConfig */
	        {"hooks", true, true},
	        {"modules", true, true},   /* submodules: each a repo */
	        {"worktrees", true, true}, /* linked worktrees' entries */
	        {"remotes", true, false},
	        {"branches", true, false}, /* old remote definitions */
	    },
	  entry[] = {
	      {"gitdir", false, false},    /* the link back to the worktree */
	      {"commondir", false, false}, /* where its config and hooks are */
	      {"config.worktree", false, true},
	  };
	const bool is_repo = kind == SC_GIT_DIR_REPO;
	size_t n = is_repo ? N_ELEMENTS(repo) : N_ELEMENTS(entry);
	for (size_t i = 0; i < n; i++) {
		const char *name = is_repo ? repo[i].name : entry[i].name;
		_cleanup_free_ char *path = path_join(dir, name);
		add_candidate(out, path, is_repo ? repo[i].dir : entry[i].dir,
		              is_repo ? repo[i].create : entry[i].create);
	}
}

void sc_security_git_dir_watched(const char *dir, enum sc_git_dir_kind kind, struct strv *watched,
                                 struct strv *aside)
{
	/* A rebase left in progress: continued on the host, its todo list
	 * runs, `exec` lines included. */
	strv_pushf(watched, "%s/rebase-merge/git-rebase-todo", dir);
	/* A repository's own directory has no `commondir`; one written there
	 * sends git to another directory's config. It cannot be made read-only
	 * without existing, and an existing one is used. */
	if (kind == SC_GIT_DIR_REPO)
		strv_pushf(aside, "%s/commondir", dir);
}

bool sc_security_masked_name(const struct sc_config *cfg, const char *name)
{
	bool masked = false;
	const struct sc_cfg_list *l = &cfg->security.masked_files;
	for (size_t i = 0; i < l->len; i++) {
		const char *p = l->items[i].value;
		bool except = *p == '!';
		if (fnmatch(except ? p + 1 : p, name, FNM_PERIOD) == 0)
			masked = !except;
	}
	return masked;
}

static bool has_target(const struct sc_container_spec *spec, const char *target)
{
	for (size_t i = 0; i < spec->mounts.len; i++) {
		const struct sc_spec_mount *m = spec->mounts.items[i];
		if (streq(m->target, target))
			return true;
	}
	return false;
}

/* The deepest bind mount of the spec that holds `path`, or NULL. */
static const char *mount_root(const struct sc_container_spec *spec, const char *path)
{
	const char *best = NULL;
	for (size_t i = 0; i < spec->mounts.len; i++) {
		const struct sc_spec_mount *m = spec->mounts.items[i];
		if (m->volume || streq(m->target, path) || !path_is_within(path, m->target))
			continue;
		if (!best || strlen(m->target) > strlen(best))
			best = m->target;
	}
	return best;
}

static size_t depth(const char *path)
{
	size_t d = 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

static int by_depth(const void *a, const void *b)
{
	size_t da = depth(*(char *const *)a), db = depth(*(char *const *)b);
	return da < db ? -1 : da > db;
}

void sc_security_protect(const struct sc_protect_set *set, struct sc_container_spec *spec)
{
	/* The directories between a mount and a read-only path become mounts
	 * themselves: a mount point cannot be renamed, so `.git` cannot be
	 * moved aside and replaced by a copy with other hooks. Such a
	 * directory is read-write (git's working data is in it) unless it is a
	 * read-only path itself (`.git/modules` holding a submodule's git
	 * directory, writable again inside). */
	_cleanup_strvec_ struct strv all = STRV_INIT;
	for (size_t i = 0; i < set->readonly.len; i++) {
		const char *p = set->readonly.v[i];
		if (!strv_contains(all.v, p))
			strv_push(&all, p);
		const char *root = mount_root(spec, p);
		if (!root)
			continue;
		_cleanup_free_ char *dir = path_dirname(p);
		while (!streq(dir, root) && path_is_within(dir, root)) {
			if (!strv_contains(all.v, dir))
				strv_push(&all, dir);
			char *up = path_dirname(dir);
			free(dir);
			dir = up;
		}
	}
	/* Parents first, the order the engine mounts them in anyway. */
	if (all.len)
		qsort(all.v, all.len, sizeof(char *), by_depth);
	for (size_t i = 0; i < all.len; i++)
		if (!has_target(spec, all.v[i]))
			sc_container_spec_add_mount(spec, all.v[i], all.v[i],
			                            strv_contains(set->readonly.v, all.v[i]),
			                            false);
	for (size_t i = 0; set->empty && i < set->masked.len; i++)
		if (!has_target(spec, set->masked.v[i]))
			sc_container_spec_add_mount(spec, set->empty, set->masked.v[i], true,
			                            false);
}
