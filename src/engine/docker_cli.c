/* The docker CLI backend (also podman, whose CLI takes the same arguments). */
#include "../util/log.h"
#include "../util/proc.h"
#include "../util/strbuf.h"
#include "docker_api.h"
#include "engine.h"

/* The value of --mount is CSV: a field with a comma or a quote is quoted,
 * quotes doubled. */
static char *mount_field(const char *key, const char *value)
{
	if (!strpbrk(value, ",\""))
		return xasprintf("%s=%s", key, value);
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "\"%s=", key);
	for (const char *p = value; *p; p++) {
		if (*p == '"')
			strbuf_addc(&sb, '"');
		strbuf_addc(&sb, *p);
	}
	strbuf_addc(&sb, '"');
	return strbuf_steal(&sb);
}

/* The argv `PROGRAM ARGS... -- OPERANDS...`. Names, image references, volume
 * names and paths are operands, always after `--`: one that starts with `-`
 * is then a name the engine refuses or looks up, never an option. `args` is
 * the subcommand and its options; both lists are NULL-terminated (`operands`
 * may be NULL). */
static void cli_argv(const struct sc_engine *e, char *const *args, char *const *operands,
                     struct strv *argv)
{
	strv_push(argv, e->program);
	strv_extend(argv, args);
	if (operands && *operands) {
		strv_push(argv, "--");
		strv_extend(argv, operands);
	}
}

/* How the output of the CLI is taken: by default stdout into *out and stderr
 * into *errout; with `on_line`, both together line by line, `env_add` added
 * to the environment. */
struct cli_lines {
	char *const *env_add;
	void (*on_line)(void *ctx, const char *line);
	void *ctx;
};

/* Runs the engine's CLI: `PROGRAM ARGS... -- OPERANDS...` (see cli_argv),
 * stdin from /dev/null. Every command sandcage gives the CLI goes through
 * here. *status is its exit status; <0 only when it could not be started. */
static int cli_run(const struct sc_engine *e, char *const *args, char *const *operands,
                   const struct cli_lines *lines, char **out, char **errout, int *status,
                   struct sc_error **err)
{
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	cli_argv(e, args, operands, &argv);
	if (lines)
		return proc_run_lines(argv.v, lines->env_add, lines->on_line, lines->ctx, status,
		                      err);
	return proc_run_capture(argv.v, out, errout, status, err);
}

static const char *first_line(char *errout)
{
	if (!errout)
		return "";
	errout[strcspn(errout, "\n")] = '\0';
	return errout;
}

/* Runs a command whose output is not needed: 0 when it exits 0 or its
 * stderr says one of `fine` (NULL-terminated; NULL: none), else the error
 * "WHAT: the first line of its stderr". */
static int cli_do(const struct sc_engine *e, char *const *args, char *const *operands,
                  const char *const *fine, struct sc_error **err, const char *what, ...)
    _printf_(6, 7);
static int cli_do(const struct sc_engine *e, char *const *args, char *const *operands,
                  const char *const *fine, struct sc_error **err, const char *what, ...)
{
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status;
	if (cli_run(e, args, operands, NULL, &out, &errout, &status, err) < 0)
		return -1;
	if (status == 0)
		return 0;
	for (; fine && *fine; fine++)
		if (strstr(errout, *fine))
			return 0;
	va_list ap;
	va_start(ap, what);
	_cleanup_free_ char *msg = xvasprintf(what, ap);
	va_end(ap);
	return sc_error_setx(err, 0, "%s: %s", msg, first_line(errout));
}

/* `--env=NAME=value`, or `--env=NAME` for a host variable that the CLI's own
 * environment holds with the same value: the engine's CLI then reads it
 * there, and `ps` on the host shows no value (an API key). */
static char *env_arg(const struct sc_container_spec *spec, const char *entry)
{
	size_t n = strcspn(entry, "=");
	_cleanup_free_ char *name = xstrndup(entry, n);
	const char *own = getenv(name);
	if (entry[n] == '=' && strv_contains(spec->env_from_host.v, name) && own &&
	    streq(own, entry + n + 1))
		return xasprintf("--env=%s", name);
	return xasprintf("--env=%s", entry);
}

/* The arguments of `run` or `create` (`verb`): the options into `args`, the
 * image and the command into `operands`. */
static void run_args(const struct sc_container_spec *spec, const char *verb, struct strv *args,
                     struct strv *operands)
{
	strv_push(args, verb);
	/* A missing image is an error to report, not something to fetch from a
	 * registry behind the user's back. */
	strv_push(args, "--pull=never");
	if (spec->remove)
		strv_push(args, "--rm");
	if (spec->init)
		strv_push(args, "--init");
	if (spec->interactive)
		strv_push(args, "--interactive");
	if (spec->tty)
		strv_push(args, "--tty");
	if (spec->name)
		strv_pushf(args, "--name=%s", spec->name);
	if (spec->entrypoint)
		strv_pushf(args, "--entrypoint=%s", spec->entrypoint);
	for (size_t i = 0; i < spec->labels.len; i++)
		strv_pushf(args, "--label=%s", spec->labels.v[i]);
	if (spec->user)
		strv_pushf(args, "--user=%s", spec->user);
	if (spec->cap_drop_all)
		strv_push(args, "--cap-drop=ALL");
	for (size_t i = 0; i < spec->cap_add.len; i++)
		strv_pushf(args, "--cap-add=%s", spec->cap_add.v[i]);
	if (spec->no_new_privileges)
		strv_push(args, "--security-opt=no-new-privileges");
	if (spec->pids_limit > 0)
		strv_pushf(args, "--pids-limit=%lld", spec->pids_limit);
	if (spec->memory_bytes > 0)
		strv_pushf(args, "--memory=%lld", spec->memory_bytes);
	if (spec->cpus > 0)
		strv_pushf(args, "--cpus=%g", spec->cpus);
	if (spec->network)
		strv_pushf(args, "--network=%s", spec->network);
	for (size_t i = 0; i < spec->mounts.len; i++) {
		const struct sc_spec_mount *m = spec->mounts.items[i];
		/* --mount rather than -v: it never creates a missing host path
		 * and takes paths with colons. */
		_cleanup_free_ char *src = mount_field("source", m->source);
		_cleanup_free_ char *dst = mount_field("target", m->target);
		strv_pushf(args, "--mount=type=%s,%s,%s%s", m->volume ? "volume" : "bind", src, dst,
		           m->readonly ? ",readonly" : "");
	}
	if (spec->workdir)
		strv_pushf(args, "--workdir=%s", spec->workdir);
	for (size_t i = 0; i < spec->env.len; i++)
		strv_push_take(args, env_arg(spec, spec->env.v[i]));
	strv_push(operands, spec->image);
	if (spec->entrypoint)
		strv_extend(operands, spec->entry_args.v);
	for (size_t i = 0; i < spec->command.len; i++)
		strv_push(operands, spec->command.v[i]);
}

static void docker_run_argv(const struct sc_engine *e, const struct sc_container_spec *spec,
                            struct strv *argv)
{
	_cleanup_strvec_ struct strv args = STRV_INIT, operands = STRV_INIT;
	run_args(spec, "run", &args, &operands);
	cli_argv(e, args.v, operands.v, argv);
}

static int docker_image_exists(const struct sc_engine *e, const char *image, bool *exists,
                               struct sc_error **err)
{
	if (streq(e->kind, "docker")) {
		_cleanup_free_ char *sock = sc_docker_api_socket();
		int r = sc_docker_api_image_exists(sock, image);
		if (r >= 0) {
			*exists = r == 1;
			return 0;
		}
	}
	char *const args[] = {"image", "inspect", "--format={{.Id}}", NULL};
	char *const operands[] = {(char *)image, NULL};
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status;
	if (cli_run(e, args, operands, NULL, &out, &errout, &status, err) < 0)
		return -1;
	if (status == 0) {
		*exists = true;
		return 0;
	}
	if (strstr(errout, "No such image") || strstr(errout, "no such image") ||
	    strstr(errout, "image not known")) {
		*exists = false;
		return 0;
	}
	errout[strcspn(errout, "\n")] = '\0';
	return sc_error_setx(err, 0, "%s image inspect %s: %s", e->kind, image, errout);
}

static int docker_volume_exists(const struct sc_engine *e, const char *name, bool *exists,
                                struct sc_error **err)
{
	if (streq(e->kind, "docker")) {
		_cleanup_free_ char *sock = sc_docker_api_socket();
		int r = sc_docker_api_volume_exists(sock, name);
		if (r >= 0) {
			*exists = r == 1;
			return 0;
		}
	}
	char *const args[] = {"volume", "inspect", "--format={{.Name}}", NULL};
	char *const operands[] = {(char *)name, NULL};
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status;
	if (cli_run(e, args, operands, NULL, &out, &errout, &status, err) < 0)
		return -1;
	*exists = status == 0;
	if (status == 0 || strcasestr(errout, "no such volume"))
		return 0;
	return sc_error_setx(err, 0, "%s volume inspect %s: %s", e->kind, name, first_line(errout));
}

static int docker_image_entrypoint(const struct sc_engine *e, const char *image, struct strv *out,
                                   struct sc_error **err)
{
	if (streq(e->kind, "docker")) {
		_cleanup_free_ char *sock = sc_docker_api_socket();
		if (sc_docker_api_image_entrypoint(sock, image, out) == 0)
			return 0;
	}
	char *const args[] = {"image", "inspect", NULL};
	char *const operands[] = {(char *)image, NULL};
	_cleanup_free_ char *json = NULL, *errout = NULL;
	int status;
	if (cli_run(e, args, operands, NULL, &json, &errout, &status, err) < 0)
		return -1;
	if (status != 0)
		return sc_error_setx(err, 0, "%s image inspect %s: %s", e->kind, image,
		                     first_line(errout));
	if (sc_docker_image_entrypoint_json(json, out) < 0)
		return sc_error_setx(err, 0, "%s image inspect %s: not the JSON expected", e->kind,
		                     image);
	return 0;
}

static int docker_remove(const struct sc_engine *e, const char *name, struct sc_error **err)
{
	char *const args[] = {"rm", "--force", "--volumes", NULL};
	char *const operands[] = {(char *)name, NULL};
	/* Absent, or already being removed (by --rm): both mean it is going. */
	if (cli_do(e, args, operands,
	           (const char *const[]){"No such container", "no such container",
	                                 "already in progress", NULL},
	           err, "remove container %s", name) < 0)
		return -1;
	sc_log_debug("removed container %s", name);
	return 0;
}

static int docker_build(const struct sc_engine *e, const struct sc_build_options *opts, int *status,
                        struct sc_error **err)
{
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	strv_push(&argv, "build");
	/* A failed step leaves its container behind unless told otherwise. */
	strv_push(&argv, "--force-rm");
	strv_pushf(&argv, "--tag=%s", opts->tag);
	if (opts->dockerfile)
		strv_pushf(&argv, "--file=%s", opts->dockerfile);
	if (opts->network && *opts->network && !streq(opts->network, "default"))
		strv_pushf(&argv, "--network=%s", opts->network);
	if (opts->no_cache)
		strv_push(&argv, "--no-cache");
	for (size_t i = 0; i < opts->labels.len; i++)
		strv_pushf(&argv, "--label=%s", opts->labels.v[i]);
	char *const operands[] = {(char *)opts->context_dir, NULL};

	/* The classic builder prints one "Step N/M" line per instruction, which
	 * the progress display follows; Debian's docker has no buildx anyway. */
	char *const env[] = {"DOCKER_BUILDKIT=0", NULL};
	const struct cli_lines lines = {.env_add = env, .on_line = opts->on_line, .ctx = opts->ctx};
	return cli_run(e, argv.v, operands, &lines, NULL, NULL, status, err);
}

static int docker_list(const struct sc_engine *e, const char *project, struct vec *out,
                       struct sc_error **err)
{
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	strv_push(&argv, "ps");
	strv_push(&argv, "--no-trunc");
	strv_pushf(&argv, "--filter=label=%s=true", SC_LABEL_MANAGED);
	if (project)
		strv_pushf(&argv, "--filter=label=%s=%s", SC_LABEL_PROJECT, project);
	/* One field per line, a record separator between containers: names
	 * and paths cannot contain newlines here (the project path could,
	 * in theory; such a container is listed with a truncated path). */
	strv_pushf(&argv,
	           "--format={{.ID}}\n{{.Names}}\n{{.Label \"%s\"}}\n{{.Label \"%s\"}}"
	           "\n{{.Status}}\n{{.RunningFor}}\n{{.Image}}\n--",
	           SC_LABEL_PROJECT, SC_LABEL_AGENT);
	_cleanup_free_ char *stdout_ = NULL, *errout = NULL;
	int status;
	if (cli_run(e, argv.v, NULL, NULL, &stdout_, &errout, &status, err) < 0)
		return -1;
	if (status != 0) {
		errout[strcspn(errout, "\n")] = '\0';
		return sc_error_setx(err, 0, "%s ps: %s", e->kind, errout);
	}
	char *fields[7];
	size_t nf = 0;
	for (char *line = stdout_, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (streq(line, "--")) {
			if (nf == 7) {
				struct sc_container_info *c = xcalloc(1, sizeof(*c));
				c->id = xstrndup(fields[0], 12);
				c->name = xstrdup(fields[1]);
				c->project = xstrdup(fields[2]);
				c->agent = xstrdup(fields[3]);
				c->status = xstrdup(fields[4]);
				c->created = xstrdup(fields[5]);
				c->image = xstrdup(fields[6]);
				vec_push(out, c);
			}
			nf = 0;
			continue;
		}
		if (nf < 7)
			fields[nf++] = line;
	}
	return 0;
}

/* The first line of a command's error output, for messages. */
static int docker_network_create(const struct sc_engine *e, const char *name, bool internal,
                                 const struct strv *labels, struct sc_error **err)
{
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	strv_push(&argv, "network");
	strv_push(&argv, "create");
	if (internal) {
		strv_push(&argv, "--internal");
		/* docker gives the host an address on every bridge, and from an
		 * internal network the host's services answer on it: none. */
		if (streq(e->kind, "docker"))
			strv_push(&argv, "--opt=com.docker.network.bridge.inhibit_ipv4=true");
	}
	for (size_t i = 0; labels && i < labels->len; i++)
		strv_pushf(&argv, "--label=%s", labels->v[i]);
	char *const operands[] = {(char *)name, NULL};
	return cli_do(e, argv.v, operands, (const char *const[]){"already exists", NULL}, err,
	              "create network %s", name);
}

static int docker_network_remove(const struct sc_engine *e, const char *name, struct sc_error **err)
{
	char *const args[] = {"network", "rm", NULL};
	char *const operands[] = {(char *)name, NULL};
	return cli_do(
	    e, args, operands,
	    (const char *const[]){"not found", "No such network", "no such network", NULL}, err,
	    "remove network %s", name);
}

static int docker_network_connect(const struct sc_engine *e, const char *network,
                                  const char *container, struct sc_error **err)
{
	char *const args[] = {"network", "connect", NULL};
	char *const operands[] = {(char *)network, (char *)container, NULL};
	return cli_do(e, args, operands,
	              (const char *const[]){"already exists", "already connected", NULL}, err,
	              "connect %s to network %s", container, network);
}

static int docker_network_subnets(const struct sc_engine *e, const char *name, struct strv *out,
                                  struct sc_error **err)
{
	const char *format = streq(e->kind, "podman")
	                         ? "--format={{range .Subnets}}{{.Subnet}}\n{{end}}"
	                         : "--format={{range .IPAM.Config}}{{.Subnet}}\n{{end}}";
	char *const args[] = {"network", "inspect", (char *)format, NULL};
	char *const operands[] = {(char *)name, NULL};
	_cleanup_free_ char *text = NULL, *errout = NULL;
	int status;
	if (cli_run(e, args, operands, NULL, &text, &errout, &status, err) < 0)
		return -1;
	if (status != 0)
		return sc_error_setx(err, 0, "inspect network %s: %s", name, first_line(errout));
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (*l)
			strv_push(out, l);
	return 0;
}

static int docker_network_members(const struct sc_engine *e, const char *network,
                                  struct strv *agents, struct strv *proxies, struct sc_error **err)
{
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	strv_push(&argv, "ps");
	strv_push(&argv, "--all");
	strv_pushf(&argv, "--filter=network=%s", network);
	strv_pushf(&argv, "--filter=label=%s=true", SC_LABEL_MANAGED);
	strv_push(&argv, "--format={{.Names}}\t{{.Label \"io.sandcage.role\"}}\t{{.State}}");
	_cleanup_free_ char *text = NULL, *errout = NULL;
	int status;
	if (cli_run(e, argv.v, NULL, NULL, &text, &errout, &status, err) < 0)
		return -1;
	if (status != 0)
		return sc_error_setx(err, 0, "%s ps: %s", e->kind, first_line(errout));
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *role = strchr(l, '\t');
		if (!role)
			continue;
		*role++ = '\0';
		char *state = strchr(role, '\t');
		if (!state)
			continue;
		*state++ = '\0';
		if (streq(role, "proxy"))
			strv_push(proxies, l);
		else if (streq(state, "running") || streq(state, "created") ||
		         streq(state, "restarting") || streq(state, "paused"))
			strv_push(agents, l);
	}
	return 0;
}

static int docker_create(const struct sc_engine *e, const struct sc_container_spec *spec,
                         struct sc_error **err)
{
	struct sc_container_spec copy = *spec;
	copy.interactive = false;
	copy.tty = false;
	_cleanup_strvec_ struct strv args = STRV_INIT, operands = STRV_INIT;
	run_args(&copy, "create", &args, &operands);
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status;
	if (cli_run(e, args.v, operands.v, NULL, &out, &errout, &status, err) < 0)
		return -1;
	if (status == 0)
		return 0;
	if (strstr(errout, "already in use"))
		return sc_error_setx(err, EEXIST, "container name %s is in use", spec->name);
	return sc_error_setx(err, 0, "create container %s: %s", spec->name, first_line(errout));
}

static int docker_start(const struct sc_engine *e, const char *name, struct sc_error **err)
{
	char *const args[] = {"start", NULL};
	char *const operands[] = {(char *)name, NULL};
	return cli_do(e, args, operands, NULL, err, "start container %s", name);
}

static int docker_copy_in(const struct sc_engine *e, const char *name, const char *dir,
                          const void *tar, size_t len, struct sc_error **err)
{
	/* --archive: the owners the archive names. */
	char *const args[] = {"cp", "--archive", NULL};
	_cleanup_free_ char *dest = xasprintf("%s:%s", name, dir);
	char *const operands[] = {"-", dest, NULL};
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	cli_argv(e, args, operands, &argv);
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status = 0;
	if (proc_run_input(argv.v, tar, len, &out, &errout, &status, err) < 0)
		return -1;
	if (status != 0)
		return sc_error_setx(err, 0, "copy files into container %s: %s", name,
		                     first_line(errout));
	return 0;
}

static int docker_container_state(const struct sc_engine *e, const char *name, char **state,
                                  struct sc_error **err)
{
	char *const args[] = {"container", "inspect", "--format={{.State.Status}}", NULL};
	char *const operands[] = {(char *)name, NULL};
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status;
	if (cli_run(e, args, operands, NULL, &out, &errout, &status, err) < 0)
		return -1;
	if (status != 0) {
		if (strstr(errout, "No such container") || strstr(errout, "no such container")) {
			*state = xstrdup("");
			return 0;
		}
		return sc_error_setx(err, 0, "inspect container %s: %s", name, first_line(errout));
	}
	out[strcspn(out, "\n")] = '\0';
	*state = steal_pointer(&out);
	return 0;
}

static int docker_exec_capture(const struct sc_engine *e, const char *name, char *const *cmd,
                               char **out, char **errout, int *status, struct sc_error **err)
{
	/* The container, then the command and its arguments. */
	char *const args[] = {"exec", NULL};
	_cleanup_strvec_ struct strv operands = STRV_INIT;
	strv_push(&operands, name);
	strv_extend(&operands, cmd);
	return cli_run(e, args, operands.v, NULL, out, errout, status, err);
}

static int docker_logs(const struct sc_engine *e, const char *name, char **out, char **errout,
                       struct sc_error **err)
{
	char *const args[] = {"logs", NULL};
	char *const operands[] = {(char *)name, NULL};
	_cleanup_free_ char *text = NULL, *errtext = NULL;
	int status;
	if (cli_run(e, args, operands, NULL, &text, &errtext, &status, err) < 0)
		return -1;
	if (status != 0) {
		/* Absent, or being removed: it has no more to say. */
		if (strstr(errtext, "No such container") || strstr(errtext, "no such container") ||
		    strstr(errtext, "marked for removal")) {
			*out = xstrdup("");
			if (errout)
				*errout = xstrdup("");
			return 0;
		}
		return sc_error_setx(err, 0, "logs of container %s: %s", name, first_line(errtext));
	}
	*out = steal_pointer(&text);
	if (errout)
		*errout = steal_pointer(&errtext);
	return 0;
}

const struct sc_engine_ops sc_docker_cli_ops = {
    .list = docker_list,
    .build = docker_build,
    .run_argv = docker_run_argv,
    .image_exists = docker_image_exists,
    .image_entrypoint = docker_image_entrypoint,
    .volume_exists = docker_volume_exists,
    .remove = docker_remove,
    .network_create = docker_network_create,
    .network_remove = docker_network_remove,
    .network_connect = docker_network_connect,
    .network_subnets = docker_network_subnets,
    .network_members = docker_network_members,
    .create = docker_create,
    .start = docker_start,
    .copy_in = docker_copy_in,
    .container_state = docker_container_state,
    .exec_capture = docker_exec_capture,
    .logs = docker_logs,
};
