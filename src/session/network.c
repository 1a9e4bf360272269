/* Setting up and tearing down the network of `network.mode: allowlist`;
 * the protocol is in network.h. */
#include "network.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "../util/tar.h"
#include "reaper.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

/* The saved log keeps about this much of its end. */
#define LOG_KEEP (512 * 1024)

struct sc_network_session {
	const struct sc_engine *engine;
	struct sc_network_plan plan;
	const struct sc_cred_plan *cred;
	char *agent;     /* the session's container */
	char *lock_path; /* STATE/network/KEY-HASH.lock: the sessions of this network */
	char *log_path;  /* STATE/network/KEY.log: the project's saved proxy log */
	int lock_fd;     /* holds a shared lock while the session uses the network */
	int reaper_fd;
	char since[32]; /* when the session started, as the log writes times */
	bool down;
};

static void format_time(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int lock_file(const char *path, int op, int *fd_out, struct sc_error **err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return sc_error_set(err, errno, "open `%s`", path);
	int r;
	do
		r = flock(fd, op);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return -EWOULDBLOCK;
		return sc_error_set(err, e, "lock `%s`", path);
	}
	*fd_out = fd;
	return 0;
}

/* Appends a removed sidecar's log to the project's saved log, keeping its
 * end when it grows large. */
static void save_log(const char *path, const char *text)
{
	if (!text || !*text)
		return;
	_cleanup_free_ char *old = NULL;
	size_t len = 0;
	if (fs_exists(path) && fs_read_file(path, &old, &len, NULL) < 0)
		return;
	const char *keep = old ? old : "";
	if (len > 2 * LOG_KEEP) {
		keep = old + len - LOG_KEEP;
		const char *nl = strchr(keep, '\n');
		keep = nl ? nl + 1 : keep;
	}
	_cleanup_free_ char *all =
	    xasprintf("%s%s%s", keep, text, text[strlen(text) - 1] == '\n' ? "" : "\n");
	fs_write_atomic(path, all, strlen(all), 0600, NULL);
}

/* Moves a sidecar's log to the project's saved log and removes the sidecar,
 * holding the log's lock, so that `sandcage logs` sees each line once. */
static int retire_proxy(const struct sc_engine *e, const char *log_path, const char *name,
                        struct sc_error **err)
{
	_cleanup_free_ char *lock = xasprintf("%s.lock", log_path);
	_cleanup_close_ int fd = -1;
	lock_file(lock, LOCK_EX, &fd, NULL); /* without it, a line may show twice */
	_cleanup_free_ char *log = NULL;
	if (e->ops->logs(e, name, &log, NULL, NULL) == 0)
		save_log(log_path, log);
	return e->ops->remove(e, name, err);
}

/* Removes the sidecars and the network when no session of the project uses
 * them: this one has given up its shared lock, so getting the lock
 * exclusively means no other sandcage of this machine is between setting up
 * and tearing down; an agent container still on the network (of another
 * user, or one whose reaper is not done) keeps them too. */
static int teardown(struct sc_network_session *s, struct sc_error **err)
{
	const struct sc_engine *e = s->engine;
	if (s->lock_fd >= 0) {
		close(s->lock_fd);
		s->lock_fd = -1;
	}
	_cleanup_close_ int fd = -1;
	int r = lock_file(s->lock_path, LOCK_EX | LOCK_NB, &fd, err);
	if (r == -EWOULDBLOCK) {
		sc_log_debug("network %s: another session of the project uses it", s->plan.network);
		return 0;
	}
	if (r < 0)
		return -1;
	_cleanup_strvec_ struct strv agents = STRV_INIT;
	_cleanup_strvec_ struct strv proxies = STRV_INIT;
	if (e->ops->network_members(e, s->plan.network, &agents, &proxies, err) < 0)
		return -1;
	for (size_t i = 0; i < agents.len; i++) {
		if (!streq(agents.v[i], s->agent)) {
			sc_log_debug("network %s: container %s still uses it", s->plan.network,
			             agents.v[i]);
			return 0;
		}
	}
	/* Ours may still be going (`--rm` of a killed session). */
	if (agents.len > 0 && e->ops->remove(e, s->agent, err) < 0)
		return -1;
	for (size_t i = 0; i < proxies.len; i++)
		if (retire_proxy(e, s->log_path, proxies.v[i], err) < 0)
			return -1;
	if (e->ops->network_remove(e, s->plan.network, err) < 0)
		return -1;
	sc_log_debug("removed network %s and its proxy", s->plan.network);
	return 0;
}

/* In the reaper, when sandcage died: its container is gone by now. */
static void reaper_teardown(void *ctx)
{
	struct sc_network_session *s = ctx;
	s->lock_fd = -1; /* the reaper closed its copy; sandcage's went with it */
	teardown(s, NULL);
}

/* Waits until squid listens; appends the allowed names it cannot resolve. */
static int check_ready(const struct sc_engine *e, const struct sc_network_plan *plan,
                       struct strv *unresolved, struct sc_error **err)
{
	char *const argv[] = {"/bin/sh", "/usr/local/lib/sandcage-proxy", "ready", NULL};
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status = 0;
	if (e->ops->exec_capture(e, plan->proxy, argv, &out, &errout, &status, err) < 0)
		return -1;
	if (status != 0) {
		/* squid says why on its standard error: its first FATAL line,
		 * or its last line. */
		_cleanup_free_ char *log = NULL, *squid = NULL;
		const char *why = NULL;
		if (e->ops->logs(e, plan->proxy, &log, &squid, NULL) == 0) {
			char *save = NULL;
			for (char *l = strtok_r(squid, "\n", &save); l;
			     l = strtok_r(NULL, "\n", &save))
				if (!why || !strstr(why, "FATAL"))
					why = l;
		}
		if (!why || !*why) {
			char *msg = errout && *errout ? errout : out;
			msg[strcspn(msg, "\n")] = '\0';
			why = *msg ? msg : "it stopped";
		}
		return sc_error_setx(err, 0, "the network proxy %s did not start: %s", plan->proxy,
		                     why);
	}
	char *save = NULL;
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (str_has_prefix(l, "unresolvable "))
			strv_push(unresolved, l + strlen("unresolvable "));
	return 0;
}

/* Puts the credential proxy's keys, who may connect (the project network's
 * subnets), and the extra CA into the created sidecar: through the engine's
 * stdin, so that no command line and no inspect shows them. */
static int send_secrets(struct sc_network_session *s, struct sc_error **err)
{
	const struct sc_engine *e = s->engine;
	const struct sc_cred_plan *cred = s->cred;
	_cleanup_strvec_ struct strv subnets = STRV_INIT;
	if (e->ops->network_subnets(e, s->plan.network, &subnets, err) < 0)
		return -1;
	if (!subnets.len)
		return sc_error_setx(err, 0, "network %s has no subnet for the credential proxy",
		                     s->plan.network);
	_cleanup_free_ char *clients = sc_cred_clients_conf(strv_array(&subnets));
	/* Readable by the sidecar's user only (Debian's `proxy`, 13:13). */
	struct tar_entry files[3] = {
	    {SC_CRED_KEYS_FILE, cred->secret, strlen(cred->secret), 0400, 13, 13},
	    {SC_CRED_CLIENTS_FILE, clients, strlen(clients), 0400, 13, 13},
	    {SC_CRED_CA_FILE, cred->extra_ca ? cred->extra_ca : "",
	     cred->extra_ca ? strlen(cred->extra_ca) : 0, 0400, 13, 13},
	};
	size_t len = 0;
	char *tar = tar_build(files, N_ELEMENTS(files), &len);
	int r = e->ops->copy_in(e, s->plan.proxy, SC_CRED_DIR, tar, len, err);
	explicit_bzero(tar, len);
	free(tar);
	return r;
}

/* Creates the sidecar, connects it to its networks while it is not running
 * (which costs the engine little, and squid starts with all of them), and
 * starts it. When another session of the project runs it, or is starting it,
 * this one shares it; one that stopped is replaced, its log kept. */
static int start_proxy(struct sc_network_session *s, const char *extra_network,
                       struct strv *unresolved, struct sc_error **err)
{
	const struct sc_engine *e = s->engine;
	const struct sc_network_plan *plan = &s->plan;
	bool created = false;
	for (int attempt = 0; attempt < 3 && !created; attempt++) {
		struct sc_error *e_create = NULL;
		int r = e->ops->create(e, &plan->sidecar, &e_create);
		if (r == 0) {
			created = true;
			break;
		}
		if (r != -EEXIST) {
			if (err && !*err)
				*err = steal_pointer(&e_create);
			sc_error_free(e_create);
			return -1;
		}
		sc_error_free(e_create);
		_cleanup_free_ char *state = NULL;
		for (int i = 0; i < 50; i++) {
			free(state);
			state = NULL;
			if (e->ops->container_state(e, plan->proxy, &state, err) < 0)
				return -1;
			if (!streq(state, "created"))
				break;
			sleep_ms(100); /* being connected by the session that made it */
		}
		if (streq(state, "running") || streq(state, "restarting"))
			break;
		if (*state && retire_proxy(e, s->log_path, plan->proxy, err) < 0)
			return -1;
	}
	if (created) {
		if (s->cred && s->cred->n_uses && send_secrets(s, err) < 0)
			return -1;
		/* Created on the project's network, so that its resolver is the
		 * engine's (which knows the names on its other networks); then
		 * the way out, which an open network has already. */
		const char *egress = streq(e->kind, "podman") ? "podman" : "bridge";
		if (plan->internal && e->ops->network_connect(e, egress, plan->proxy, err) < 0)
			return -1;
		if (extra_network &&
		    e->ops->network_connect(e, extra_network, plan->proxy, err) < 0)
			return -1;
		if (e->ops->start(e, plan->proxy, err) < 0)
			return -1;
	}
	return check_ready(e, plan, unresolved, err);
}

int sc_network_up(const struct sc_engine *engine, const struct sc_network_request *req,
                  struct sc_container_spec *spec, struct strv *unresolved,
                  struct sc_network_session **out, struct sc_error **err)
{
	_cleanup_free_ char *dir = path_join(req->state_dir, "network");
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	_cleanup_strvec_ struct strv exempt = STRV_INIT;
	if (req->extra_network &&
	    engine->ops->network_subnets(engine, req->extra_network, &exempt, err) < 0)
		return sc_error_prefix(err, "SANDCAGE_PROXY_NETWORK");

	struct sc_network_session *s = xcalloc(1, sizeof(*s));
	s->engine = engine;
	s->agent = xstrdup(spec->name);
	s->lock_fd = -1;
	s->reaper_fd = -1;
	format_time(time(NULL), s->since);
	struct sc_network_input in = {
	    .cfg = req->cfg,
	    .ws = req->ws,
	    .proxy_image = req->proxy_image,
	    .exempt = strv_array(&exempt),
	    .cred = req->cred,
	};
	s->cred = req->cred;
	sc_network_plan(&in, &s->plan);
	_cleanup_free_ char *key = sc_network_project_key(req->ws->root);
	_cleanup_free_ char *lock_name = xasprintf("%s-%.8s.lock", key, s->plan.conf_hash);
	_cleanup_free_ char *log_name = xasprintf("%s.log", key);
	s->lock_path = path_join(dir, lock_name);
	s->log_path = path_join(dir, log_name);

	/* Waits while another sandcage tears the network down. */
	if (lock_file(s->lock_path, LOCK_SH, &s->lock_fd, err) < 0) {
		s->down = true;
		sc_network_session_free(s);
		return -1;
	}

	/* From here on there is something to remove, also if sandcage dies. */
	*out = s;
	if (sc_reaper_start_with(engine, spec->name, reaper_teardown, s, &s->reaper_fd) < 0)
		sc_log_warn("could not start the cleanup process; a killed sandcage may leave "
		            "network %s and its proxy behind",
		            s->plan.network);
	if (engine->ops->network_create(engine, s->plan.network, s->plan.internal,
	                                &s->plan.network_labels, err) < 0)
		return -1;
	if (start_proxy(s, req->extra_network, unresolved, err) < 0)
		return -1;
	sc_network_apply(&s->plan, req->cred, req->cfg, req->service, spec);
	return 0;
}

int sc_network_down(struct sc_network_session *s, struct strv *denied, struct sc_error **err)
{
	if (!s || s->down)
		return 0;
	s->down = true;
	const struct sc_engine *e = s->engine;
	_cleanup_free_ char *log = NULL;
	if (denied && e->ops->logs(e, s->plan.proxy, &log, NULL, NULL) == 0) {
		char *save = NULL;
		for (char *l = strtok_r(log, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			struct sc_proxy_log_entry entry;
			if (sc_proxy_log_parse(l, &entry) && entry.denied &&
			    strcmp(entry.time, s->since) >= 0 &&
			    !strv_contains(denied->v, entry.target))
				strv_push(denied, entry.target);
		}
	}
	if (s->reaper_fd < 0)
		return teardown(s, err);
	/* Removing the sidecar takes the engine most of a second: the reaper
	 * does it in the background, once this session's lock is given up. A
	 * session that starts meanwhile waits for it (the lock). */
	if (s->lock_fd >= 0) {
		close(s->lock_fd);
		s->lock_fd = -1;
	}
	sc_reaper_finish(s->reaper_fd);
	s->reaper_fd = -1;
	return 0;
}

void sc_network_session_free(struct sc_network_session *s)
{
	if (!s)
		return;
	if (!s->down)
		sc_network_down(s, NULL, NULL);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->reaper_fd >= 0)
		sc_reaper_done(s->reaper_fd);
	sc_network_plan_release(&s->plan);
	free_many(s->agent, s->lock_path, s->log_path, s);
}

int sc_network_log(const struct sc_engine *engine, const struct sc_workspace *ws,
                   const char *state_dir, char **out, struct sc_error **err)
{
	_cleanup_free_ char *key = sc_network_project_key(ws->root);
	_cleanup_free_ char *name = xasprintf("network/%s.log", key);
	_cleanup_free_ char *path = path_join(state_dir, name);
	_cleanup_free_ char *lock_path = xasprintf("%s.lock", path);
	/* Not while a sidecar's log moves to the file. */
	_cleanup_close_ int lock_fd = -1;
	_cleanup_free_ char *dir = path_dirname(path);
	if (fs_is_dir(dir) && lock_file(lock_path, LOCK_SH, &lock_fd, err) < 0)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	if (fs_exists(path)) {
		_cleanup_free_ char *saved = NULL;
		if (fs_read_file(path, &saved, NULL, err) < 0) {
			strbuf_release(&sb);
			return -1;
		}
		strbuf_adds(&sb, saved);
	}
	/* The running sidecars of the project, whatever their allowlist. */
	_cleanup_vec_ struct vec running = VEC_INIT(sc_container_info_free);
	if (engine->ops->list(engine, ws->root, &running, err) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	for (size_t i = 0; i < running.len; i++) {
		const struct sc_container_info *c = running.items[i];
		if (!streq(c->agent, SC_ROLE_PROXY) || !str_has_prefix(c->name, "sandcage-proxy-"))
			continue;
		_cleanup_free_ char *log = NULL;
		if (engine->ops->logs(engine, c->name, &log, NULL, err) < 0) {
			strbuf_release(&sb);
			return -1;
		}
		strbuf_adds(&sb, log);
	}
	*out = strbuf_steal(&sb);
	return 0;
}
