/* sandcage acp: ACP agents for editors. `acp run` is what an editor starts:
 * the agent in its container, stdio relayed. `acp list`, `install`,
 * `installed` and `uninstall` manage agents from the ACP registry. */
#include "../acp/install.h"
#include "../acp/registry.h"
#include "../acp/store.h"
#include "../config/config.h"
#include "../launch/launch.h"
#include "../plan/home.h"
#include "../session/session.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "cmd.h"
#include "commands.h"
#include "launch_ui.h"

#include <fcntl.h>
#include <jansson.h>
#include <time.h>

/* A fetched index counts as fresh for an hour. */
#define REGISTRY_MAX_AGE 3600
/* How long an agent may take to end by itself after the editor closed its
 * input, before its container is removed. */
#define EOF_GRACE_MS 3000

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

#define O_PROJECT SC_OPTION_PROJECT(struct acp_options, project)
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
const struct sc_option sc_acp_options[] = {
    O_PROJECT, O_TRACE, O_KEEP_TERMINAL, O_IMAGE, O_JSON, O_REFRESH, O_KIND, O_FORCE, {0},
};

static const struct sc_option run_options[] = {O_PROJECT, O_TRACE, O_IMAGE, O_KEEP_TERMINAL, {0}};
static const struct sc_option list_options[] = {O_PROJECT, O_JSON, O_REFRESH, {0}};
static const struct sc_option install_options[] = {
    O_PROJECT, O_REFRESH, O_FORCE, O_KIND, O_IMAGE, {0},
};
static const struct sc_option installed_options[] = {O_JSON, {0}};
static const struct sc_option uninstall_options[] = {O_PROJECT, O_IMAGE, {0}};

/* --kind names one of the kinds. */
static int check_kind(const struct acp_options *o)
{
	if (o->kind && !streq(o->kind, "npx") && !streq(o->kind, "binary") &&
	    !streq(o->kind, "uvx"))
		return sc_cmd_usage_error(&sc_cmd_acp,
		                          "--kind: expected npx, binary or uvx, not `%s`", o->kind);
	return SC_EXIT_OK;
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

static int acp_list(const char *cmd_name, void *opts, const struct sc_cmd_operands *args)
{
	const struct acp_options *o = opts;
	_cleanup_error_ struct sc_error *err = NULL;
	struct sc_cmd_launch_ui ui;
	sc_cmd_launch_ui_init(&ui);
	struct sc_launch_request req = {.project = o->project, .ui = &ui.ui, .no_engine = true};
	_cleanup_launch_ struct sc_launch *l = NULL;
	if (sc_launch_open(&req, &l, &err) < 0)
		return sc_cmd_launch_failed(err);
	_cleanup_acp_registry_ struct sc_acp_registry *reg = NULL;
	if (load_registry(l->cfg, o->refresh, &reg, &err) < 0)
		return sc_cmd_report(err);

	if (o->json) {
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
		json_t *root = json_pack("{s:s, s:o}", "registry", l->cfg->acp.registry_url.value,
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

static int acp_installed(const char *cmd_name, void *opts, const struct sc_cmd_operands *args)
{
	const struct acp_options *o = opts;
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *global = sc_config_global_dir();
	_cleanup_vec_ struct vec all = VEC_INIT(sc_acp_installed_free);
	if (sc_acp_store_list(global, &all, &err) < 0)
		return sc_cmd_report(err);
	if (o->json) {
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

static void print_install_line(void *ctx, const char *line)
{
	if (sc_log_verbosity >= 0 && *line)
		fprintf(stderr, "  %s\n", line);
}

/* --image, else $SANDCAGE_IMAGE, else the configured image, built when
 * missing or stale. */
static const char *image_option(const struct acp_options *o)
{
	return o->image ? o->image : getenv("SANDCAGE_IMAGE");
}

/* What install and uninstall run: a container that sees the ACP agents'
 * volume (src/plan/home.h) and nothing of the project or of any home (an install script from the
 * registry has no business there). Opened here: the configuration read, no container yet. Returns
 * SC_EXIT_OK or the exit code to end with. */
static int installer_open(const struct acp_options *o, struct sc_cmd_launch_ui *ui,
                          struct sc_launch_request *req, struct sc_launch **l)
{
	sc_cmd_launch_ui_init(ui);
	*req = (struct sc_launch_request){
	    .project = o->project,
	    .role = "acp-install",
	    .image = image_option(o),
	    .home_only = true,
	    .ui = &ui->ui,
	};
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_launch_open(req, l, &err) < 0)
		return sc_cmd_launch_failed(err);
	return SC_EXIT_OK;
}

/* Plans the next installer container. */
static int runner_init(struct sc_launch *l, const struct sc_launch_request *req, const char *volume,
                       struct sc_acp_runner *run, struct sc_error **err)
{
	if (sc_launch_plan(l, req, err) < 0)
		return -1;
	*run = (struct sc_acp_runner){
	    .engine = l->engine,
	    .spec = &l->spec,
	    .home = SC_IMAGE_HOME,
	    .volume = volume,
	    .global_dir = l->global_dir,
	    .registry_url = l->cfg->acp.registry_url.value,
	    .platform = sc_acp_container_platform(),
	    .on_line = print_install_line,
	};
	return 0;
}

/* ---- acp install ---- */

static int acp_install(const char *cmd_name, void *opts, const struct sc_cmd_operands *args)
{
	const struct acp_options *o = opts;
	int r = check_kind(o);
	if (r != SC_EXIT_OK)
		return r;
	int argc = args->n;
	char **argv = args->v;
	if (argc == 0)
		return sc_cmd_usage_error(&sc_cmd_acp, "acp install: which agent? (an id from "
		                                       "`sandcage acp list`)");
	struct sc_cmd_launch_ui ui;
	struct sc_launch_request req;
	_cleanup_launch_ struct sc_launch *l = NULL;
	int code = installer_open(o, &ui, &req, &l);
	if (code != SC_EXIT_OK)
		return code;
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_acp_registry_ struct sc_acp_registry *reg = NULL;
	if (load_registry(l->cfg, o->refresh, &reg, &err) < 0)
		return sc_cmd_report(err);

	/* Everything asked for must exist before anything is installed. */
	_cleanup_free_ char *volume = sc_home_acp_volume(l->cfg);
	_cleanup_vec_ struct vec todo = VEC_INIT(NULL);
	for (int i = 0; i < argc; i++) {
		const char *id = argv[i];
		const struct sc_acp_agent *a = sc_acp_registry_find(reg, id);
		if (!a && sc_launch_acp_alias(id))
			a = sc_acp_registry_find(reg, sc_launch_acp_alias(id));
		if (!a) {
			const char *why = sc_acp_registry_skipped(reg, id);
			if (why)
				sc_log_error("agent `%s`: its registry entry cannot be used: %s",
				             id, why);
			else
				sc_log_error(
				    "agent `%s` is not in the ACP registry (%s); `sandcage acp "
				    "list` shows the agents there",
				    id, l->cfg->acp.registry_url.value);
			return SC_EXIT_FAILURE;
		}
		_cleanup_acp_installed_ struct sc_acp_installed *have = NULL;
		if (sc_acp_store_find(l->global_dir, a->id, volume, &have, &err) < 0)
			return sc_cmd_report(err);
		if (have && streq(have->version, a->version) && !o->force &&
		    (!o->kind || streq(o->kind, have->kind))) {
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

	if (sc_launch_image(l, &req, &err) < 0)
		return sc_cmd_report(err);

	for (size_t i = 0; i < todo.len; i++) {
		const struct sc_acp_agent *a = todo.items[i];
		struct sc_acp_runner run;
		if (runner_init(l, &req, volume, &run, &err) < 0)
			return sc_cmd_report(err);
		sc_log_notice("installing %s %s into volume %s", a->id, a->version, volume);
		_cleanup_acp_installed_ struct sc_acp_installed *rec = NULL;
		if (sc_acp_install(&run, a, o->kind, &rec, &err) < 0) {
			sc_error_prefix(&err, "install %s", a->id);
			return sc_cmd_report(err);
		}
		printf("installed %s %s (%s) in volume %s\n", rec->id, rec->version, rec->kind,
		       rec->volume);
	}
	return SC_EXIT_OK;
}

/* ---- acp uninstall ---- */

static int acp_uninstall(const char *cmd_name, void *opts, const struct sc_cmd_operands *args)
{
	const struct acp_options *o = opts;
	int argc = args->n;
	char **argv = args->v;
	if (argc == 0)
		return sc_cmd_usage_error(&sc_cmd_acp, "acp uninstall: which agent?");
	struct sc_cmd_launch_ui ui;
	struct sc_launch_request req;
	_cleanup_launch_ struct sc_launch *l = NULL;
	int code = installer_open(o, &ui, &req, &l);
	if (code != SC_EXIT_OK)
		return code;
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *volume = sc_home_acp_volume(l->cfg);
	for (int i = 0; i < argc; i++) {
		_cleanup_acp_installed_ struct sc_acp_installed *have = NULL;
		if (sc_acp_store_find(l->global_dir, argv[i], volume, &have, &err) < 0)
			return sc_cmd_report(err);
		if (!have) {
			sc_log_error("agent `%s` is not installed in volume %s (`sandcage acp "
			             "installed` lists what is)",
			             argv[i], volume);
			return SC_EXIT_FAILURE;
		}
	}
	if (sc_launch_image(l, &req, &err) < 0)
		return sc_cmd_report(err);
	for (int i = 0; i < argc; i++) {
		struct sc_acp_runner run;
		if (runner_init(l, &req, volume, &run, &err) < 0)
			return sc_cmd_report(err);
		if (sc_acp_uninstall(&run, argv[i], &err) < 0) {
			sc_error_prefix(&err, "uninstall %s", argv[i]);
			return sc_cmd_report(err);
		}
		printf("uninstalled %s from volume %s\n", argv[i], volume);
	}
	return SC_EXIT_OK;
}

/* ---- acp run ---- */

static int acp_run(const char *cmd_name, void *opts, const struct sc_cmd_operands *args)
{
	const struct acp_options *o = opts;
	int argc = args->n;
	char **argv = args->v;
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
	struct sc_cmd_launch_ui ui;
	sc_cmd_launch_ui_init(&ui);
	struct sc_launch_request req = {
	    .project = o->project,
	    .acp_agent = name,
	    .args = rest,
	    .image = image_option(o),
	    .ui = &ui.ui,
	};
	_cleanup_launch_ struct sc_launch *l = NULL;
	if (sc_launch_open(&req, &l, &err) < 0)
		return sc_cmd_launch_failed(err);
	_cleanup_close_ int trace_fd = -1;
	if (o->trace) {
		/* Appended to, never truncated; a planted link is not followed. */
		if (fs_open_append_safe(AT_FDCWD, o->trace, 0600, &trace_fd, &err) < 0) {
			sc_error_prefix(&err, "the trace file");
			return sc_cmd_report(err);
		}
	}
	if (sc_launch_complete(l, &req, &err) < 0)
		return sc_cmd_launch_failed(err);
	struct sc_session_opts s = {
	    .engine = l->engine,
	    .spec = &l->spec,
	    .mode = SC_SESSION_RELAY,
	    .relay = {.strip_terminal = l->cfg->acp.strip_terminal.value && !o->keep_terminal,
	              .trace_fd = trace_fd,
	              .eof_grace_ms = EOF_GRACE_MS},
	};
	int code = 0;
	int rr = sc_session_run(&s, &code, &err);
	sc_cmd_launch_end(l);
	if (rr < 0)
		return sc_cmd_report(err);
	return code;
}

/* ---- the command ---- */

/* A subcommand: the usage, help and error messages of `acp`, the options
 * struct every subcommand parses into. */
#define SUBCOMMAND(name_, options_, operands_, run_)                                               \
	{                                                                                          \
		.name = "acp " name_, .parent = &sc_cmd_acp, .options = (options_),                \
		.opts_size = sizeof(struct acp_options), .operands = (operands_), .run = (run_)    \
	}

static const struct sc_command subcommands[] = {
    SUBCOMMAND("run", run_options, true, acp_run),
    SUBCOMMAND("list", list_options, false, acp_list),
    SUBCOMMAND("install", install_options, true, acp_install),
    SUBCOMMAND("installed", installed_options, false, acp_installed),
    SUBCOMMAND("uninstall", uninstall_options, true, acp_uninstall),
};

int sc_acp_dispatch(int argc, char **argv)
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
		if (streq(subcommands[i].name + strlen("acp "), sub))
			return sc_cmd_call(&subcommands[i], argc - 1, argv + 1);
	return sc_cmd_usage_error(&sc_cmd_acp, "acp: unknown subcommand `%s`", sub);
}
