/* The launch sequence: open, check, image, plan; and its undoing. */
#include "../config/config.h"
#include "../os/random.h"
#include "../plan/container.h"
#include "../plan/credentials.h"
#include "../plan/network.h"
#include "../plan/ssh.h"
#include "../util/fs.h"
#include "../util/path.h"
#include "../workspace/guard.h"
#include "internal.h"

#include <pwd.h>
#include <stdarg.h>
#include <time.h>

extern char **environ;

void sc_launch_say(const struct sc_launch_request *req, enum sc_launch_level level, const char *fmt,
                   ...)
{
	if (!req->ui || !req->ui->say)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		req->ui->say(req->ui->ctx, level, msg);
}

const char *sc_launch_getenv(const struct sc_launch *l, const char *name)
{
	return env_get(l->host.env, name);
}

void sc_launch_host_current(struct sc_launch_host *host, struct strv *storage)
{
	struct passwd *pw = getpwuid(getuid());
	*host = (struct sc_launch_host){
	    .env = environ,
	    .uid = (unsigned)getuid(),
	    .gid = (unsigned)getgid(),
	};
	if (pw && pw->pw_name) {
		strv_push(storage, pw->pw_name);
		host->user_name = storage->v[storage->len - 1];
	}
	_cleanup_free_ char *gdir = sc_config_global_dir();
	strv_push(storage, gdir);
	host->global_dir = storage->v[storage->len - 1];
}

static void random_suffix(char out[7])
{
	unsigned char rnd[3] = {0};
	if (os_random(rnd, sizeof(rnd)) < 0) {
		unsigned v = (unsigned)getpid() ^ (unsigned)time(NULL);
		memcpy(rnd, &v, sizeof(rnd));
	}
	snprintf(out, 7, "%02x%02x%02x", rnd[0], rnd[1], rnd[2]);
}

/* ---- open ---- */

static int resolve_agent(struct sc_launch *l, const char *name, struct sc_error **err)
{
	const struct sc_service *svc = sc_config_service(l->cfg, name);
	if (!svc) {
		sc_error_setx(err, 0,
		              "unknown command `%s`: not a sandcage command, nor a service in the "
		              "configuration",
		              name);
		(*err)->exit = 2;
		return -1;
	}
	if (!svc->enabled.value) {
		_cleanup_free_ char *where = sc_pos_format(svc->enabled.origin.pos);
		if (*where)
			return sc_error_setx(err, 0,
			                     "agent `%s` is disabled by %s (services.%s.enabled: "
			                     "false); enable it there or in .sandcage.local.yml",
			                     name, where, name);
		return sc_error_setx(err, 0,
		                     "agent `%s` is disabled by default; enable it with "
		                     "`services.%s.enabled: true` in .sandcage.yml",
		                     name, name);
	}
	l->service = svc;
	return 0;
}

int sc_launch_open(const struct sc_launch_request *req, struct sc_launch **out,
                   struct sc_error **err)
{
	_cleanup_launch_ struct sc_launch *l = xcalloc(1, sizeof(*l));
	sc_container_spec_init(&l->spec);
	l->protected_paths = (struct strv)STRV_INIT;
	l->masked_files = (struct strv)STRV_INIT;
	l->acp_command = (struct strv)STRV_INIT;
	l->acp_env = (struct strv)STRV_INIT;
	l->host_strings = (struct strv)STRV_INIT;
	if (req->host)
		l->host = *req->host;
	else
		sc_launch_host_current(&l->host, &l->host_strings);
	l->global_dir = xstrdup(l->host.global_dir);

	if (sc_workspace_resolve(req->project, &l->ws, err) < 0)
		return -1;
	if (!l->ws->in_git)
		sc_launch_say(
		    req, SC_LAUNCH_NOTICE,
		    "`%s` is not in a git repository: using that directory as the project",
		    l->ws->root);
	/* The global layer from this launch's global directory, not from the
	 * environment again. */
	_cleanup_(sc_config_paths_release) struct sc_config_paths paths = {
	    .global = path_join(l->global_dir, "config.toml"),
	    .project = path_join(l->ws->root, ".sandcage.yml"),
	    .local = path_join(l->ws->root, ".sandcage.local.yml"),
	};
	if (sc_config_load_paths(&paths, req->flags, &l->cfg, err) < 0)
		return -1;
	if (req->engine || req->no_engine) {
		l->engine = req->engine;
	} else {
		if (sc_engine_open(sc_engine_name(l->cfg->engine.value), &l->engine, err) < 0)
			return -1;
		l->own_engine = true;
	}
	if (req->agent && resolve_agent(l, req->agent, err) < 0)
		return -1;
	if (req->acp_agent && sc_launch_resolve_acp(l, req->acp_agent, err) < 0)
		return -1;
	*out = steal_pointer(&l);
	return 0;
}

/* ---- check ---- */

static int trust_gate(struct sc_launch *l, const struct sc_launch_request *req,
                      struct sc_error **err)
{
	_cleanup_free_ char *store_path = sc_trust_store_path(l->global_dir);
	_cleanup_trust_store_ struct sc_trust_store *store = NULL;
	if (sc_trust_store_load(store_path, &store, err) < 0)
		return -1;
	_cleanup_(sc_trust_files_release) struct sc_trust_files files = {0};
	if (sc_trust_inspect(l->ws, l->cfg, store, &files, err) < 0)
		return -1;
	const struct sc_launch_ui *ui = req->ui;
	for (size_t i = 0; i < N_ELEMENTS(files.f); i++) {
		const struct sc_trust_file *f = &files.f[i];
		if (f->state == SC_TRUST_NOT_NEEDED || f->state == SC_TRUST_TRUSTED)
			continue;
		if (!ui || !ui->interactive || !ui->approve) {
			_cleanup_free_ char *what = sc_trust_describe(f);
			return sc_error_setx(err, 0,
			                     "%sread it, then approve this content with `sandcage "
			                     "trust -p %s` (nothing was started)",
			                     what, l->ws->root);
		}
		if (!ui->approve(ui->ctx, f))
			return sc_error_setx(err, 0, "%s is not trusted: nothing was started",
			                     f->path);
		if (sc_trust_approve(store, store_path, f, err) < 0)
			return -1;
		sc_launch_say(req, SC_LAUNCH_NOTICE, "trusted %s", f->path);
	}
	return 0;
}

static bool project_layer(enum sc_layer layer)
{
	return layer == SC_LAYER_PROJECT || layer == SC_LAYER_LOCAL;
}

static bool home_from_project(const struct sc_config *cfg)
{
	return project_layer(cfg->home.volume.origin.layer) ||
	       project_layer(cfg->acp.registry_url.origin.layer);
}

int sc_launch_check(struct sc_launch *l, const struct sc_launch_request *req, struct sc_error **err)
{
	/* First: the trust question would be about the files of a directory
	 * that is refused anyway. */
	if (sc_launch_project_check(l->ws, l->global_dir, err) < 0)
		return -1;
	if (sc_launch_security_check(l->cfg, l->ws, l->global_dir, err) < 0) {
		char *msg = xasprintf("the configuration asks for what sandcage does not allow "
		                      "(nothing was started):\n%s",
		                      (*err)->msg);
		free((*err)->msg);
		(*err)->msg = msg;
		return -1;
	}
	if (trust_gate(l, req, err) < 0)
		return -1;
	if (l->cfg->ssh.enabled.value && !req->home_only) {
		_cleanup_free_ char *sdir = sc_ssh_host_dir(l->global_dir);
		_cleanup_free_ char *key = path_join(sdir, SC_SSH_KEY_NAME);
		if (!fs_exists(key)) {
			_cleanup_free_ char *where = sc_pos_format(l->cfg->ssh.enabled.origin.pos);
			return sc_error_setx(
			    err, 0,
			    "%s%s`ssh.enabled` is true, but there is no key for containers "
			    "(`%s`): run `sandcage setup ssh`",
			    where, *where ? ": " : "", key);
		}
	}
	return 0;
}

/* ---- image ---- */

void sc_launch_image_request(const struct sc_launch_host *host, const struct sc_launch_ui *ui,
                             struct sc_image_request *ir)
{
	*ir = (struct sc_image_request){
	    .observer = ui ? ui->build : NULL,
	    .verbose = ui && ui->verbose_build,
	    .uid = host->uid,
	    .gid = host->gid,
	    .user_name = host->user_name,
	    .tmp_dir = env_get(host->env, "TMPDIR"),
	};
}

int sc_launch_image(struct sc_launch *l, const struct sc_launch_request *req, struct sc_error **err)
{
	free(l->image);
	l->image = NULL;
	if (req->image && *req->image) {
		l->image = xstrdup(req->image);
		return 0;
	}
	struct sc_image_request ir;
	sc_launch_image_request(&l->host, req->ui, &ir);
	ir.project_root = l->ws->root;
	return sc_image_ensure(l->engine, l->cfg, &ir, &l->image, err);
}

/* ---- plan ---- */

static int network_up(struct sc_launch *l, const struct sc_launch_request *req,
                      struct sc_error **err)
{
	_cleanup_image_plan_ struct sc_image_plan *plan = NULL;
	if (sc_proxy_image_plan(l->cfg, &plan, err) < 0)
		return -1;
	struct sc_image_request ir;
	sc_launch_image_request(&l->host, req->ui, &ir);
	if (sc_image_ensure_plan(l->engine, l->cfg, plan, &ir, err) < 0)
		return sc_error_prefix(err, "the network proxy's image");
	const char *extra = sc_launch_getenv(l, "SANDCAGE_PROXY_NETWORK");
	struct sc_network_request nreq = {
	    .cfg = l->cfg,
	    .ws = l->ws,
	    .proxy_image = plan->tag,
	    .extra_network = extra && *extra ? extra : NULL,
	    .state_dir = l->global_dir,
	    .cred = l->cred.n_uses ? &l->cred : NULL,
	    .service = l->service,
	};
	_cleanup_strvec_ struct strv unresolved = STRV_INIT;
	int r = sc_network_up(l->engine, &nreq, &l->spec, &unresolved, &l->net, err);
	for (size_t i = 0; i < unresolved.len; i++)
		sc_launch_say(req, SC_LAUNCH_WARN,
		              "the allowed domain `%s` does not resolve: connections to it will "
		              "fail (is it spelled right in `network.allow` or a service's "
		              "`domains`?)",
		              unresolved.v[i]);
	return r;
}

/* Gemini CLI takes a base URL (GOOGLE_GEMINI_BASE_URL) for an auth type of
 * its own that its one-shot mode refuses; its API-key auth must be chosen in
 * its settings. A defaults file does it, below the user's own settings (a
 * Google login there stays the choice); mounted read-only, written once. */
#define GEMINI_DEFAULTS_TARGET "/etc/sandcage/gemini-system-defaults.json"
static int gemini_auth_default(struct sc_launch *l, struct sc_error **err)
{
	const struct sc_service *gemini = sc_config_service(l->cfg, "gemini");
	if (!gemini || !gemini->builtin || (l->service && l->service != gemini) ||
	    !gemini->enabled.value || !sc_cred_route_of(&l->cred, gemini))
		return 0;
	static const char text[] = "{\"security\": {\"auth\": {\"selectedType\": "
	                           "\"gemini-api-key\"}}}\n";
	_cleanup_free_ char *dir = path_join(l->global_dir, "lib");
	_cleanup_free_ char *path = path_join(dir, "gemini-system-defaults-v1.json");
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	if (!fs_exists(path) && fs_write_once(path, text, strlen(text), 0444, err) < 0)
		return -1;
	sc_container_spec_add_mount(&l->spec, path, GEMINI_DEFAULTS_TARGET, true, false);
	strv_setenv(&l->spec.env, "GEMINI_CLI_SYSTEM_DEFAULTS_PATH", GEMINI_DEFAULTS_TARGET);
	return 0;
}

/* The credential proxy's plan for the session's agent: none for a role (an
 * install, a probe), which gets no keys at all. */
static int plan_credentials(struct sc_launch *l, const struct sc_launch_request *req,
                            struct sc_error **err)
{
	sc_cred_plan_release(&l->cred);
	if (req->home_only || req->role)
		return 0;
	_cleanup_free_ char *extra_ca = NULL;
	const char *ca = l->cfg->credentials.ca_file.value;
	if (*ca && fs_read_file(ca, &extra_ca, NULL, err) < 0)
		return sc_error_prefix(err, "credentials.ca_file");
	struct sc_cred_input in = {
	    .cfg = l->cfg,
	    .service = l->service,
	    .host_env = l->host.env,
	    .extra_ca = extra_ca,
	};
	if (sc_cred_plan(&in, &l->cred, err) < 0)
		return -1;
	return gemini_auth_default(l, err);
}

int sc_launch_plan(struct sc_launch *l, const struct sc_launch_request *req, struct sc_error **err)
{
	/* A launch plans one container at a time: `acp install` plans one per
	 * agent, each with a name of its own. */
	if (l->net)
		return sc_error_setx(err, EINVAL, "the container of this launch is running");
	/* Checked again where the project's mount is planned: no container
	 * gets a refused directory, whatever the caller skipped. */
	if (!req->home_only && sc_launch_project_check(l->ws, l->global_dir, err) < 0)
		return -1;
	sc_container_spec_release(&l->spec);
	sc_container_spec_init(&l->spec);
	strv_release(&l->protected_paths);
	strv_release(&l->masked_files);
	char suffix[7];
	if (l->host.suffix)
		snprintf(suffix, sizeof(suffix), "%s", l->host.suffix);
	else
		random_suffix(suffix);
	_cleanup_strvec_ struct strv command = STRV_INIT;
	char *const *args = req->args;
	if (l->acp_command.len) {
		strv_extend(&command, l->acp_command.v);
		strv_extend(&command, req->args);
		args = NULL;
	} else {
		strv_extend(&command, req->command);
	}
	_cleanup_free_ char *migrate = NULL;
	if (!req->home_only && sc_launch_logins(l, req, &migrate, err) < 0)
		return -1;
	_cleanup_strvec_ struct strv env = STRV_INIT;
	strv_extend(&env, l->acp_env.v);
	strv_extend(&env, req->extra_env);
	struct sc_container_input in = {
	    .cfg = l->cfg,
	    .ws = l->ws,
	    .image = l->image,
	    .service = l->service,
	    .role = req->role,
	    .shell = req->shell,
	    .command = command.len ? strv_array(&command) : NULL,
	    .args = args,
	    .tty = req->tty,
	    .no_stdin = req->no_stdin,
	    .home_only = req->home_only,
	    .migrate_volume = migrate,
	    .extra_env = strv_array(&env),
	    .host_env = l->host.env,
	    .global_dir = l->global_dir,
	    .uid = l->host.uid,
	    .gid = l->host.gid,
	    .suffix = suffix,
	};
	sc_container_plan(&in, &l->spec);
	if (!req->home_only && sc_launch_protect(l, req, err) < 0)
		return -1;
	if (req->append_command)
		req->append_command(req->append_ctx, l, &l->spec.command);
	if (plan_credentials(l, req, err) < 0)
		return -1;
	if (!req->no_engine && sc_launch_pin(l, req, err) < 0)
		return -1;
	bool sidecar = l->cfg->network.mode.value == SC_NETWORK_ALLOWLIST || l->cred.n_uses;
	if (!req->home_only && sidecar && network_up(l, req, err) < 0)
		return -1;
	/* With no key to proxy, none of the agents' keys goes in either. */
	if (!l->cred.n_uses)
		sc_cred_apply(&l->cred, l->cfg, l->service, "", &l->spec);
	return 0;
}

/* ---- all of it ---- */

int sc_launch_complete(struct sc_launch *l, const struct sc_launch_request *req,
                       struct sc_error **err)
{
	/* A home-only container reads nothing of the project, but the home
	 * volume and the registry it installs from a project file may name. */
	if (req->home_only && home_from_project(l->cfg) && trust_gate(l, req, err) < 0)
		return -1;
	if (!req->home_only && sc_launch_check(l, req, err) < 0)
		return -1;
	if (sc_launch_image(l, req, err) < 0)
		return -1;
	return sc_launch_plan(l, req, err);
}

int sc_launch_prepare(const struct sc_launch_request *req, struct sc_launch **out,
                      struct sc_error **err)
{
	_cleanup_launch_ struct sc_launch *l = NULL;
	if (sc_launch_open(req, &l, err) < 0 || sc_launch_complete(l, req, err) < 0)
		return -1;
	*out = steal_pointer(&l);
	return 0;
}

int sc_launch_end(struct sc_launch *l, struct strv *denied, struct sc_error **err)
{
	if (!l || !l->net)
		return 0;
	_cleanup_strvec_ struct strv own = STRV_INIT;
	int r = sc_network_down(l->net, denied ? denied : &own, err);
	sc_network_session_free(l->net);
	l->net = NULL;
	return r;
}

void sc_launch_release(struct sc_launch *l)
{
	if (!l)
		return;
	sc_network_session_free(l->net);
	sc_cred_plan_release(&l->cred);
	if (l->git_guard)
		sc_guard_release(l->git_guard);
	free(l->git_guard);
	sc_container_spec_release(&l->spec);
	strv_release(&l->protected_paths);
	strv_release(&l->masked_files);
	strv_release(&l->acp_command);
	strv_release(&l->acp_env);
	free(l->image);
	free(l->own_service_name);
	if (l->own_engine)
		sc_engine_free(l->engine);
	sc_config_free(l->cfg);
	sc_workspace_free(l->ws);
	free(l->global_dir);
	strv_release(&l->host_strings);
	free(l);
}
