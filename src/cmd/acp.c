/* sandcage acp: ACP agents for editors. `acp run` is what an editor starts:
 * the agent in its container, stdio relayed. `acp list`, `install`,
 * `installed` and `uninstall` manage agents from the ACP registry. */
#include "../acp/registry.h"
#include "../acp/store.h"
#include "../config/config.h"
#include "../plan/container.h"
#include "../plan/image.h"
#include "../session/relay.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "../workspace/workspace.h"
#include "build.h"
#include "cmd.h"
#include "network.h"
#include "security.h"

#include <fcntl.h>
#include <jansson.h>
#include <time.h>

extern char **environ;
extern const struct sc_command sc_cmd_acp;

/* A fetched index counts as fresh for an hour. */
#define REGISTRY_MAX_AGE 3600
/* How long an agent may take to end by itself after the editor closed its
 * input, before its container is removed. */
#define EOF_GRACE_MS 3000

/* The built-in agents speak ACP through these registry agents. */
static const char *const aliases[][2] = {
    {"claude", "claude-acp"},
    {"codex", "codex-acp"},
    {"gemini", "gemini"},
};

static const char *alias_of(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(aliases); i++)
		if (streq(aliases[i][0], name))
			return aliases[i][1];
	return NULL;
}

/* Registry text goes to a terminal: no control characters from it. */
static char *printable(const char *s)
{
	char *out = xstrdup(s ? s : "");
	for (unsigned char *p = (unsigned char *)out; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			*p = ' ';
	return out;
}

/* Options every subcommand parses the same way. */
struct acp_options {
	const char *project;
	const char *image;
	const char *trace;
	const char *kind;
	bool json;
	bool refresh;
	bool force;
	bool keep_terminal;
};

#define O_PROJECT                                                                                  \
	SC_OPTION_VALUE("project", 'p', struct acp_options, project, "PATH",                       \
	                "the project (default: the git root of the current directory)")
#define O_TRACE                                                                                    \
	SC_OPTION_VALUE("trace", 0, struct acp_options, trace, "FILE",                             \
	                "run: append every message to FILE with the time and its\ndirection")
#define O_KEEP_TERMINAL                                                                            \
	SC_OPTION_FLAG("keep-terminal", 0, struct acp_options, keep_terminal,                      \
	               "run: pass the editor's `terminal` capability on (by default\n"             \
	               "it is removed: it would let the agent run commands on the\n"               \
	               "host; see acp.strip_terminal)")
#define O_IMAGE                                                                                    \
	SC_OPTION_VALUE("image", 0, struct acp_options, image, "IMAGE",                            \
	                "run this image as it is instead of the configured one")
#define O_JSON SC_OPTION_FLAG("json", 0, struct acp_options, json, "list, installed: JSON output")
#define O_REFRESH                                                                                  \
	SC_OPTION_FLAG("refresh", 0, struct acp_options, refresh,                                  \
	               "list, install: fetch the registry even when the cached copy\n"             \
	               "is less than an hour old")
#define O_KIND                                                                                     \
	SC_OPTION_VALUE("kind", 0, struct acp_options, kind, "KIND",                               \
	                "install: npx, binary or uvx (default: a binary for this\n"                \
	                "platform, else npx, else uvx)")
#define O_FORCE                                                                                    \
	SC_OPTION_FLAG("force", 0, struct acp_options, force,                                      \
	               "install: install again even when the version is installed")

/* Every option of every subcommand, for the help. */
static const struct sc_option acp_options[] = {
    O_PROJECT, O_TRACE, O_KEEP_TERMINAL, O_IMAGE, O_JSON, O_REFRESH, O_KIND, O_FORCE, {0},
};

static const struct sc_option run_options[] = {O_PROJECT, O_TRACE, O_IMAGE, O_KEEP_TERMINAL, {0}};
static const struct sc_option list_options[] = {O_PROJECT, O_JSON, O_REFRESH, {0}};
static const struct sc_option install_options[] = {
    O_PROJECT, O_REFRESH, O_FORCE, O_KIND, O_IMAGE, {0},
};
static const struct sc_option installed_options[] = {O_JSON, {0}};
static const struct sc_option uninstall_options[] = {O_PROJECT, O_IMAGE, {0}};

static const struct sc_command acp_run_cmd = {
    .name = "acp run", .parent = &sc_cmd_acp, .options = run_options, .operands = true};
static const struct sc_command acp_list_cmd = {
    .name = "acp list", .parent = &sc_cmd_acp, .options = list_options};
static const struct sc_command acp_install_cmd = {
    .name = "acp install", .parent = &sc_cmd_acp, .options = install_options, .operands = true};
static const struct sc_command acp_installed_cmd = {
    .name = "acp installed", .parent = &sc_cmd_acp, .options = installed_options};
static const struct sc_command acp_uninstall_cmd = {
    .name = "acp uninstall",
    .parent = &sc_cmd_acp,
    .options = uninstall_options,
    .operands = true,
};

/* Returns 0 to go on, -1 after --help, or a usage error's exit code. */
static int parse(const struct sc_command *sub, int argc, char **argv, struct acp_options *o,
                 struct sc_cmd_operands *args)
{
	int r = sc_cmd_parse(sub, argc, argv, o, args);
	if (r != SC_CMD_GO_ON)
		return r == SC_EXIT_OK ? -1 : r;
	if (o->kind && !streq(o->kind, "npx") && !streq(o->kind, "binary") &&
	    !streq(o->kind, "uvx"))
		return sc_cmd_usage_error(&sc_cmd_acp,
		                          "--kind: expected npx, binary or uvx, not `%s`", o->kind);
	return 0;
}

static int load_registry(const struct sc_config *cfg, bool refresh, struct sc_acp_registry **reg,
                         struct sc_error **err)
{
	_cleanup_free_ char *global = sc_config_global_dir();
	_cleanup_free_ char *cache = xasprintf("%s/cache", global);
	struct sc_acp_fetch f = {
	    .url = cfg->acp.registry_url.value,
	    .cache_dir = cache,
	    .max_age = REGISTRY_MAX_AGE,
	    .refresh = refresh,
	};
	struct sc_acp_fetch_info info;
	if (sc_acp_registry_load(&f, reg, &info, err) < 0)
		return -1;
	if (info.offline) {
		char when[32];
		struct tm tm;
		localtime_r(&info.cached_at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		sc_log_notice("offline: using the ACP registry as cached on %s (%s)", when,
		              info.fetch_error);
	}
	sc_acp_fetch_info_release(&info);
	for (size_t i = 0; i < (*reg)->skipped.len; i++)
		sc_log_debug("registry entry left out: %s", (*reg)->skipped.v[i]);
	return 0;
}

/* ---- acp list ---- */

static int acp_list(int argc, char **argv)
{
	struct acp_options o = {0};
	struct sc_cmd_operands args;
	int r = parse(&acp_list_cmd, argc, argv, &o, &args);
	if (r != 0)
		return r < 0 ? SC_EXIT_OK : r;
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	_cleanup_config_ struct sc_config *cfg = NULL;
	if (sc_cmd_open_project(o.project, NULL, &ws, &cfg, NULL, &err) < 0)
		return sc_cmd_report(err);
	_cleanup_acp_registry_ struct sc_acp_registry *reg = NULL;
	if (load_registry(cfg, o.refresh, &reg, &err) < 0)
		return sc_cmd_report(err);

	if (o.json) {
		json_t *agents = json_array();
		for (size_t i = 0; i < reg->n_agents; i++) {
			const struct sc_acp_agent *a = &reg->agents[i];
			json_t *kinds = json_array();
			if (a->npx)
				json_array_append_new(kinds, json_string("npx"));
			if (a->uvx)
				json_array_append_new(kinds, json_string("uvx"));
			if (a->n_binaries)
				json_array_append_new(kinds, json_string("binary"));
			json_array_append_new(
			    agents, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", a->id, "name",
			                      a->name, "version", a->version, "description",
			                      a->description, "distributions", kinds));
		}
		json_t *root = json_pack("{s:s, s:o}", "registry", cfg->acp.registry_url.value,
		                         "agents", agents);
		_cleanup_free_ char *text = json_dumps(root, JSON_INDENT(2));
		json_decref(root);
		printf("%s\n", text);
		return SC_EXIT_OK;
	}
	size_t wid = 2, wname = 4, wver = 7;
	for (size_t i = 0; i < reg->n_agents; i++) {
		const struct sc_acp_agent *a = &reg->agents[i];
		wid = strlen(a->id) > wid ? strlen(a->id) : wid;
		wname = strlen(a->name) > wname ? strlen(a->name) : wname;
		wver = strlen(a->version) > wver ? strlen(a->version) : wver;
	}
	wname = wname > 28 ? 28 : wname;
	wver = wver > 16 ? 16 : wver;
	printf("%-*s  %-*s  %-*s  %-12s  %s\n", (int)wid, "ID", (int)wname, "NAME", (int)wver,
	       "VERSION", "KIND", "DESCRIPTION");
	for (size_t i = 0; i < reg->n_agents; i++) {
		const struct sc_acp_agent *a = &reg->agents[i];
		_cleanup_free_ char *name = printable(a->name);
		_cleanup_free_ char *version = printable(a->version);
		_cleanup_free_ char *desc = printable(a->description);
		_cleanup_free_ char *kinds = sc_acp_agent_kinds(a);
		printf("%-*s  %-*.*s  %-*.*s  %-12s  %s\n", (int)wid, a->id, (int)wname, (int)wname,
		       name, (int)wver, (int)wver, version, kinds, desc);
	}
	return SC_EXIT_OK;
}

/* ---- acp installed ---- */

static int acp_installed(int argc, char **argv)
{
	struct acp_options o = {0};
	struct sc_cmd_operands args;
	int r = parse(&acp_installed_cmd, argc, argv, &o, &args);
	if (r != 0)
		return r < 0 ? SC_EXIT_OK : r;
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *global = sc_config_global_dir();
	_cleanup_vec_ struct vec all = VEC_INIT(sc_acp_installed_free);
	if (sc_acp_store_list(global, &all, &err) < 0)
		return sc_cmd_report(err);
	if (o.json) {
		json_t *agents = json_array();
		for (size_t i = 0; i < all.len; i++) {
			const struct sc_acp_installed *a = all.items[i];
			json_t *command = json_array();
			for (size_t j = 0; j < a->command.len; j++)
				json_array_append_new(command, json_string(a->command.v[j]));
			json_array_append_new(
			    agents, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", a->id,
			                      "name", a->name, "version", a->version, "kind",
			                      a->kind, "volume", a->volume, "installed_at",
			                      a->installed_at, "command", command));
		}
		_cleanup_free_ char *text = json_dumps(agents, JSON_INDENT(2));
		json_decref(agents);
		printf("%s\n", text);
		return SC_EXIT_OK;
	}
	if (all.len == 0) {
		sc_log_notice("no ACP agents installed: `sandcage acp list` shows the registry, "
		              "`sandcage acp install ID` installs one");
		return SC_EXIT_OK;
	}
	printf("%-24s  %-16s  %-6s  %-20s  %s\n", "ID", "VERSION", "KIND", "VOLUME", "INSTALLED");
	for (size_t i = 0; i < all.len; i++) {
		const struct sc_acp_installed *a = all.items[i];
		printf("%-24s  %-16s  %-6s  %-20s  %s\n", a->id, a->version, a->kind, a->volume,
		       a->installed_at);
	}
	return SC_EXIT_OK;
}

/* ---- containers for install, uninstall and run ---- */

struct project {
	struct sc_workspace *ws;
	struct sc_config *cfg;
	struct sc_engine *engine;
	char *image;
	char *global;
};

static void project_release(struct project *p)
{
	sc_workspace_free(p->ws);
	sc_config_free(p->cfg);
	sc_engine_free(p->engine);
	free(p->image);
	free(p->global);
}

static int open_project(const struct acp_options *o, struct project *p, struct sc_error **err)
{
	if (sc_cmd_open_project(o->project, NULL, &p->ws, &p->cfg, &p->engine, err) < 0)
		return -1;
	p->global = sc_config_global_dir();
	return 0;
}

/* --image, else $SANDCAGE_IMAGE, else the configured image, built when
 * missing or stale. */
static int ensure_image(const struct acp_options *o, struct project *p, struct sc_error **err)
{
	const char *given = o->image ? o->image : getenv("SANDCAGE_IMAGE");
	if (given && *given) {
		p->image = xstrdup(given);
		return 0;
	}
	struct sc_build_request req = {0};
	return sc_build_ensure(p->engine, p->cfg, &req, &p->image, err);
}

/* A service that is not in the configuration, for a container to be named
 * and labelled for what it runs, and to get no agent's variables. */
static struct sc_service unlisted(const char *name)
{
	return (struct sc_service){.name = (char *)name, .enabled = {.value = true}};
}

static void plan(const struct project *p, const struct sc_service *svc, char *const *command,
                 char *const *args, struct sc_container_spec *spec)
{
	char suffix[7];
	sc_cmd_random_suffix(suffix);
	struct sc_container_input in = {
	    .cfg = p->cfg,
	    .ws = p->ws,
	    .image = p->image,
	    .service = svc,
	    .command = command,
	    .args = args,
	    .tty = false,
	    .host_env = environ,
	    .uid = (unsigned)getuid(),
	    .gid = (unsigned)getgid(),
	    .suffix = suffix,
	};
	sc_container_plan(&in, spec);
}

static void print_install_line(void *ctx, const char *line)
{
	if (sc_log_verbosity >= 0 && *line)
		fprintf(stderr, "  %s\n", line);
}

/* A container that sees the home volume and nothing of the project: an
 * install script from the registry has no business there. */
static void runner_init(struct project *p, struct sc_container_spec *spec,
                        struct sc_acp_runner *run)
{
	struct sc_service svc = unlisted("acp-install");
	plan(p, &svc, NULL, NULL, spec);
	size_t k = 0;
	for (size_t i = 0; i < spec->mounts.len; i++) {
		struct sc_spec_mount *m = spec->mounts.items[i];
		if (m->volume && streq(m->target, SC_IMAGE_HOME))
			spec->mounts.items[k++] = m;
		else
			spec->mounts.free_item(m);
	}
	spec->mounts.len = k;
	*run = (struct sc_acp_runner){
	    .engine = p->engine,
	    .spec = spec,
	    .home = SC_IMAGE_HOME,
	    .volume = p->cfg->home.volume.value,
	    .global_dir = p->global,
	    .registry_url = p->cfg->acp.registry_url.value,
	    .platform = sc_acp_container_platform(),
	    .on_line = print_install_line,
	};
}

/* ---- acp install ---- */

static int acp_install(int argc, char **argv)
{
	struct acp_options o = {0};
	struct sc_cmd_operands args;
	int r = parse(&acp_install_cmd, argc, argv, &o, &args);
	if (r != 0)
		return r < 0 ? SC_EXIT_OK : r;
	argc = args.n;
	argv = args.v;
	if (argc == 0)
		return sc_cmd_usage_error(&sc_cmd_acp, "acp install: which agent? (an id from "
		                                       "`sandcage acp list`)");
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_(project_release) struct project p = {0};
	if (open_project(&o, &p, &err) < 0)
		return sc_cmd_report(err);
	_cleanup_acp_registry_ struct sc_acp_registry *reg = NULL;
	if (load_registry(p.cfg, o.refresh, &reg, &err) < 0)
		return sc_cmd_report(err);

	/* Everything asked for must exist before anything is installed. */
	const char *volume = p.cfg->home.volume.value;
	_cleanup_vec_ struct vec todo = VEC_INIT(NULL);
	for (int i = 0; i < argc; i++) {
		const char *id = argv[i];
		const struct sc_acp_agent *a = sc_acp_registry_find(reg, id);
		if (!a && alias_of(id))
			a = sc_acp_registry_find(reg, alias_of(id));
		if (!a) {
			const char *why = sc_acp_registry_skipped(reg, id);
			if (why)
				sc_log_error("agent `%s`: its registry entry cannot be used: %s",
				             id, why);
			else
				sc_log_error(
				    "agent `%s` is not in the ACP registry (%s); `sandcage acp "
				    "list` shows the agents there",
				    id, p.cfg->acp.registry_url.value);
			return SC_EXIT_FAILURE;
		}
		_cleanup_acp_installed_ struct sc_acp_installed *have = NULL;
		if (sc_acp_store_find(p.global, a->id, volume, &have, &err) < 0)
			return sc_cmd_report(err);
		if (have && streq(have->version, a->version) && !o.force &&
		    (!o.kind || streq(o.kind, have->kind))) {
			sc_log_notice(
			    "%s %s is already installed in volume %s (--force installs it "
			    "again)",
			    a->id, a->version, volume);
			continue;
		}
		vec_push(&todo, (void *)a);
	}
	if (todo.len == 0)
		return SC_EXIT_OK;

	if (ensure_image(&o, &p, &err) < 0)
		return sc_cmd_report(err);

	for (size_t i = 0; i < todo.len; i++) {
		const struct sc_acp_agent *a = todo.items[i];
		_cleanup_(sc_container_spec_release) struct sc_container_spec spec;
		sc_container_spec_init(&spec);
		struct sc_acp_runner run;
		runner_init(&p, &spec, &run);
		sc_log_notice("installing %s %s into volume %s", a->id, a->version, volume);
		_cleanup_acp_installed_ struct sc_acp_installed *rec = NULL;
		if (sc_acp_install(&run, a, o.kind, &rec, &err) < 0) {
			sc_error_prefix(&err, "install %s", a->id);
			return sc_cmd_report(err);
		}
		printf("installed %s %s (%s) in volume %s\n", rec->id, rec->version, rec->kind,
		       rec->volume);
	}
	return SC_EXIT_OK;
}

/* ---- acp uninstall ---- */

static int acp_uninstall(int argc, char **argv)
{
	struct acp_options o = {0};
	struct sc_cmd_operands args;
	int r = parse(&acp_uninstall_cmd, argc, argv, &o, &args);
	if (r != 0)
		return r < 0 ? SC_EXIT_OK : r;
	argc = args.n;
	argv = args.v;
	if (argc == 0)
		return sc_cmd_usage_error(&sc_cmd_acp, "acp uninstall: which agent?");
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_(project_release) struct project p = {0};
	if (open_project(&o, &p, &err) < 0)
		return sc_cmd_report(err);
	const char *volume = p.cfg->home.volume.value;
	for (int i = 0; i < argc; i++) {
		_cleanup_acp_installed_ struct sc_acp_installed *have = NULL;
		if (sc_acp_store_find(p.global, argv[i], volume, &have, &err) < 0)
			return sc_cmd_report(err);
		if (!have) {
			sc_log_error("agent `%s` is not installed in volume %s (`sandcage acp "
			             "installed` lists what is)",
			             argv[i], volume);
			return SC_EXIT_FAILURE;
		}
	}
	if (ensure_image(&o, &p, &err) < 0)
		return sc_cmd_report(err);
	for (int i = 0; i < argc; i++) {
		_cleanup_(sc_container_spec_release) struct sc_container_spec spec;
		sc_container_spec_init(&spec);
		struct sc_acp_runner run;
		runner_init(&p, &spec, &run);
		if (sc_acp_uninstall(&run, argv[i], &err) < 0) {
			sc_error_prefix(&err, "uninstall %s", argv[i]);
			return sc_cmd_report(err);
		}
		printf("uninstalled %s from volume %s\n", argv[i], volume);
	}
	return SC_EXIT_OK;
}

/* ---- acp run ---- */

static int acp_run(int argc, char **argv)
{
	struct acp_options o = {0};
	struct sc_cmd_operands args;
	int r = parse(&acp_run_cmd, argc, argv, &o, &args);
	if (r != 0)
		return r < 0 ? SC_EXIT_OK : r;
	argc = args.n;
	argv = args.v;
	if (argc == 0)
		return sc_cmd_usage_error(&sc_cmd_acp, "acp run: which agent?");
	const char *name = argv[0];
	char **rest = argv + 1;
	if (*rest && streq(*rest, "--"))
		rest++;
	else if (*rest)
		return sc_cmd_usage_error(&sc_cmd_acp,
		                          "acp run: unexpected argument `%s`: put the agent's "
		                          "arguments after `--`",
		                          *rest);

	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_(project_release) struct project p = {0};
	if (open_project(&o, &p, &err) < 0)
		return sc_cmd_report(err);
	const char *volume = p.cfg->home.volume.value;

	/* An installed registry agent; a built-in's adapter; a service of the
	 * configuration whose command speaks ACP. */
	_cleanup_acp_installed_ struct sc_acp_installed *rec = NULL;
	if (sc_acp_valid_id(name) && sc_acp_store_find(p.global, name, volume, &rec, &err) < 0)
		return sc_cmd_report(err);
	if (!rec && alias_of(name) &&
	    sc_acp_store_find(p.global, alias_of(name), volume, &rec, &err) < 0)
		return sc_cmd_report(err);
	const struct sc_service *svc = NULL;
	if (!rec) {
		svc = sc_config_service(p.cfg, name);
		if (svc && svc->builtin) {
			sc_log_error(
			    "`%s` speaks ACP through the registry agent `%s`: install it with "
			    "`sandcage acp install %s`",
			    name, alias_of(name), alias_of(name));
			return SC_EXIT_FAILURE;
		}
		if (svc && !svc->enabled.value) {
			sc_log_error("service `%s` is disabled in the configuration", name);
			return SC_EXIT_FAILURE;
		}
		if (!svc) {
			sc_log_error(
			    "no ACP agent `%s` is installed in volume %s, and no service of "
			    "that name is configured: `sandcage acp list` shows the registry, "
			    "`sandcage acp install ID` installs an agent",
			    name, volume);
			return SC_EXIT_FAILURE;
		}
	}

	_cleanup_close_ int trace_fd = -1;
	if (o.trace) {
		trace_fd = open(o.trace, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (trace_fd < 0) {
			sc_error_set(&err, errno, "open the trace file `%s`", o.trace);
			return sc_cmd_report(err);
		}
	}

	/* Dangerous settings, and project files not trusted, start nothing. */
	int gate = sc_cmd_security_gate(p.ws, p.cfg);
	if (gate != SC_EXIT_OK)
		return gate;

	if (ensure_image(&o, &p, &err) < 0)
		return sc_cmd_report(err);

	_cleanup_(sc_container_spec_release) struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	if (rec) {
		_cleanup_strvec_ struct strv command = STRV_INIT;
		strv_extend(&command, rec->command.v);
		strv_extend(&command, rest);
		/* A built-in's adapter runs as that built-in, with its variables
		 * (its API keys); another agent gets only what env_passthrough
		 * and env name. */
		const struct sc_service *builtin = NULL;
		for (size_t i = 0; i < N_ELEMENTS(aliases); i++)
			if (streq(aliases[i][1], rec->id))
				builtin = sc_config_service(p.cfg, aliases[i][0]);
		_cleanup_free_ char *what = xasprintf("acp-%s", rec->id);
		struct sc_service own = unlisted(what);
		plan(&p, builtin ? builtin : &own, strv_array(&command), NULL, &spec);
		/* Later --env options win: the registry's variables. */
		strv_extend(&spec.env, rec->env.v);
	} else {
		plan(&p, svc, NULL, rest, &spec);
	}
	spec.tty = false;
	spec.interactive = true;
	if (sc_cmd_security_protect(p.cfg, p.ws, &spec, &err) < 0)
		return sc_cmd_report(err);

	struct sc_acp_session s = {
	    .engine = p.engine,
	    .spec = &spec,
	    .strip_terminal = p.cfg->acp.strip_terminal.value && !o.keep_terminal,
	    .trace_fd = trace_fd,
	    .eof_grace_ms = EOF_GRACE_MS,
	};
	/* allowlist: the project's internal network and proxy sidecar. */
	struct sc_network_session *net = NULL;
	if (p.cfg->network.mode.value == SC_NETWORK_ALLOWLIST &&
	    sc_cmd_network_up(p.engine, p.cfg, p.ws, &spec, &net, &err) < 0) {
		sc_cmd_network_down(net);
		return sc_cmd_report(err);
	}
	int code = 0;
	int rr = sc_acp_session_run(&s, &code, &err);
	sc_cmd_network_down(net);
	if (rr < 0)
		return sc_cmd_report(err);
	return code;
}

/* ---- the command ---- */

static const struct {
	const struct sc_command *cmd;
	int (*run)(int argc, char **argv);
} subcommands[] = {
    {&acp_run_cmd, acp_run},
    {&acp_list_cmd, acp_list},
    {&acp_install_cmd, acp_install},
    {&acp_installed_cmd, acp_installed},
    {&acp_uninstall_cmd, acp_uninstall},
};

static int cmd_acp(int argc, char **argv)
{
	if (argc < 2)
		return sc_cmd_usage_error(&sc_cmd_acp,
		                          "acp: which subcommand? (run, list, install, "
		                          "installed, uninstall)");
	const char *sub = argv[1];
	if (streq(sub, "-h") || streq(sub, "--help")) {
		sc_cmd_print_help(&sc_cmd_acp, stdout);
		return SC_EXIT_OK;
	}
	for (size_t i = 0; i < N_ELEMENTS(subcommands); i++)
		if (streq(subcommands[i].cmd->name + strlen("acp "), sub))
			return subcommands[i].run(argc - 1, argv + 1);
	return sc_cmd_usage_error(&sc_cmd_acp, "acp: unknown subcommand `%s`", sub);
}

const struct sc_command sc_cmd_acp = {
    .name = "acp",
    .summary = "Run ACP agents for editors; list and install agents from the ACP registry.",
    .usage = "sandcage acp run [-p PATH] [--trace FILE] AGENT [-- ARGS...]\n"
             "       sandcage acp list [--json] [--refresh]\n"
             "       sandcage acp install [-p PATH] [--kind KIND] [--force] ID...\n"
             "       sandcage acp installed [--json]\n"
             "       sandcage acp uninstall [-p PATH] ID...",
    .preamble =
        "subcommands:\n"
        "  run AGENT            start AGENT in a sandbox and relay the Agent Client Protocol\n"
        "                       between it and this process's stdin/stdout (what an editor\n"
        "                       runs); AGENT is an installed registry agent, `claude`,\n"
        "                       `codex` or `gemini` (their ACP adapters, once installed), or\n"
        "                       a service of the configuration whose command speaks ACP\n"
        "  list                 the agents of the ACP registry (acp.registry_url)\n"
        "  install ID...        install agents into the persistent home volume; again to\n"
        "                       upgrade to the registry's version\n"
        "  installed            the installed agents, with versions and volumes\n"
        "  uninstall ID...      remove installed agents\n",
    .options = acp_options,
    .help = "stdout carries only the agent's protocol messages; sandcage's messages and the\n"
            "agent's stderr go to stderr. See docs/acp.md.\n",
    .run = cmd_acp,
};
