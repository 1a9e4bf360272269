/* sandcage shell, sandcage AGENT: a container for the project, with a shell,
 * a command, or an agent in it. */
#include "../config/config.h"
#include "../engine/engine.h"
#include "../plan/container.h"
#include "../plan/ssh.h"
#include "../session/session.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../workspace/workspace.h"
#include "build.h"
#include "cmd.h"
#include "network.h"
#include "security.h"

extern char **environ;
extern const struct sc_command sc_cmd_shell;
extern const struct sc_command sc_cmd_agent;

struct run_options {
	const char *project;
	const char *image; /* run this image as it is, no build */
	bool shell;        /* agents: a shell in the agent's environment */
	char **rest;       /* after `--` */
};

#define PROJECT_OPTION                                                                             \
	SC_OPTION_VALUE("project", 'p', struct run_options, project, "PATH",                       \
	                "the project (default: the git root of the current directory)")
#define IMAGE_OPTION(more)                                                                         \
	SC_OPTION_VALUE("image", 0, struct run_options, image, "IMAGE",                            \
	                "run this image as it is instead of the configured one" more)

static const struct sc_option shell_options[] = {
    PROJECT_OPTION,
    IMAGE_OPTION("\n(default: $SANDCAGE_IMAGE, else the image `sandcage build`\n"
                 "makes, built first when missing or stale)"),
    {0},
};

static const struct sc_option agent_options[] = {
    PROJECT_OPTION,
    SC_OPTION_FLAG("shell", 0, struct run_options, shell,
                   "a shell in the agent's environment instead of the agent"),
    IMAGE_OPTION(""),
    {0},
};

static int parse(const struct sc_command *cmd, int argc, char **argv, bool agent,
                 struct run_options *o)
{
	struct sc_cmd_operands args;
	int r = sc_cmd_parse(cmd, argc, argv, o, &args);
	if (r != SC_CMD_GO_ON)
		return r == SC_EXIT_OK ? -1 : r;
	if (args.n > 0 && !args.dashdash)
		return sc_cmd_usage_error(cmd, "unexpected argument `%s`: put %s after `--`",
		                          args.v[0],
		                          agent ? "the agent's arguments" : "the command");
	o->rest = args.v;
	return 0;
}

static int run_session(const struct run_options *o, const char *agent_name, bool agent)
{
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	_cleanup_config_ struct sc_config *cfg = NULL;
	_cleanup_engine_ struct sc_engine *engine = NULL;
	if (sc_cmd_open_project(o->project, NULL, &ws, &cfg, &engine, &err) < 0)
		return sc_cmd_report(err);

	const struct sc_service *svc = NULL;
	if (agent) {
		svc = sc_config_service(cfg, agent_name);
		if (!svc) {
			sc_log_error(
			    "unknown command `%s`: not a sandcage command, nor a service in the "
			    "configuration",
			    agent_name);
			fprintf(stderr, "usage: sandcage [-v|-q] COMMAND [ARGS...]\n"
			                "Try `sandcage --help` for more.\n");
			return SC_EXIT_USAGE;
		}
		if (!svc->enabled.value) {
			_cleanup_free_ char *where = sc_pos_format(svc->enabled.origin.pos);
			if (*where)
				sc_log_error(
				    "agent `%s` is disabled by %s (services.%s.enabled: false); "
				    "enable it there or in .sandcage.local.yml",
				    agent_name, where, agent_name);
			else
				sc_log_error("agent `%s` is disabled by default; enable it with "
				             "`services.%s.enabled: true` in .sandcage.yml",
				             agent_name, agent_name);
			return SC_EXIT_FAILURE;
		}
	}

	/* Dangerous settings, and project files not trusted, start nothing. */
	int gate = sc_cmd_security_gate(ws, cfg);
	if (gate != SC_EXIT_OK)
		return gate;

	if (cfg->ssh.enabled.value) {
		_cleanup_free_ char *gdir = sc_config_global_dir();
		_cleanup_free_ char *sdir = sc_ssh_host_dir(gdir);
		_cleanup_free_ char *key = path_join(sdir, SC_SSH_KEY_NAME);
		if (!fs_exists(key)) {
			_cleanup_free_ char *where = sc_pos_format(cfg->ssh.enabled.origin.pos);
			sc_log_error(
			    "%s%s`ssh.enabled` is true, but there is no key for containers "
			    "(`%s`): run `sandcage setup ssh`",
			    where, *where ? ": " : "", key);
			return SC_EXIT_FAILURE;
		}
	}

	_cleanup_free_ char *image = NULL;
	if (o->image && *o->image) {
		image = xstrdup(o->image);
	} else {
		struct sc_build_request req = {0};
		if (sc_build_ensure(engine, cfg, &req, &image, &err) < 0)
			return sc_cmd_report(err);
	}

	char suffix[7];
	sc_cmd_random_suffix(suffix);
	struct sc_container_input in = {
	    .cfg = cfg,
	    .ws = ws,
	    .image = image,
	    .service = svc,
	    .shell = o->shell,
	    .command = agent ? NULL : o->rest,
	    .args = agent ? o->rest : NULL,
	    .tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO),
	    .host_env = environ,
	    .uid = (unsigned)getuid(),
	    .gid = (unsigned)getgid(),
	    .suffix = suffix,
	};
	_cleanup_(sc_container_spec_release) struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	sc_container_plan(&in, &spec);
	if (sc_cmd_security_protect(cfg, ws, &spec, &err) < 0)
		return sc_cmd_report(err);

	/* allowlist: the project's internal network and proxy sidecar. */
	struct sc_network_session *net = NULL;
	if (cfg->network.mode.value == SC_NETWORK_ALLOWLIST &&
	    sc_cmd_network_up(engine, cfg, ws, &spec, &net, &err) < 0) {
		sc_cmd_network_down(net);
		return sc_cmd_report(err);
	}

	int code = 0;
	int r = sc_session_run(engine, &spec, &code, &err);
	sc_cmd_network_down(net);
	if (r < 0)
		return sc_cmd_report(err);
	return code;
}

static int cmd_shell(int argc, char **argv)
{
	struct run_options o = {.image = getenv("SANDCAGE_IMAGE")};
	int r = parse(&sc_cmd_shell, argc, argv, false, &o);
	if (r != 0)
		return r < 0 ? SC_EXIT_OK : r;
	return run_session(&o, NULL, false);
}

int sc_cmd_run_agent(int argc, char **argv)
{
	struct run_options o = {.image = getenv("SANDCAGE_IMAGE")};
	const struct sc_command *cmd = sc_command_find(argv[0]);
	int r = parse(cmd ? cmd : &sc_cmd_agent, argc, argv, true, &o);
	if (r != 0)
		return r < 0 ? SC_EXIT_OK : r;
	return run_session(&o, argv[0], true);
}

const struct sc_command sc_cmd_shell = {
    .name = "shell",
    .summary = "Open a shell (or run a command) in a sandbox with the project mounted.",
    .usage = "sandcage shell [-p PATH] [--image IMAGE] [-- CMD [ARGS...]]",
    .options = shell_options,
    .help = "The project is mounted read-write at its own absolute path and is the working\n"
            "directory; the command runs as your user ID and group ID. With `-- CMD` the\n"
            "command runs instead of a login shell, and its exit code is sandcage's.\n",
    .operands = true,
    .run = cmd_shell,
};

const struct sc_command sc_cmd_agent = {
    .name = "AGENT",
    .summary = "Run an agent (claude, codex, gemini, or a service from the configuration).",
    .usage = "sandcage AGENT [-p PATH] [--shell] [--image IMAGE] [-- ARGS...]",
    .options = agent_options,
    .help = "Arguments after `--` go to the agent.\n",
    .operands = true,
    .run = sc_cmd_run_agent,
    .hidden = true,
};

#define AGENT_HELP                                                                                 \
	"Arguments after `--` go to the agent. Any service in the configuration is a\n"            \
	"command too (`sandcage NAME`).\n"

const struct sc_command sc_cmd_claude = {
    .name = "claude",
    .summary = "Run Claude Code in a sandbox.",
    .usage = "sandcage claude [-p PATH] [--shell] [-- ARGS...]",
    .options = agent_options,
    .help = AGENT_HELP,
    .operands = true,
    .run = sc_cmd_run_agent,
};

const struct sc_command sc_cmd_codex = {
    .name = "codex",
    .summary = "Run Codex in a sandbox.",
    .usage = "sandcage codex [-p PATH] [--shell] [-- ARGS...]",
    .options = agent_options,
    .help = AGENT_HELP,
    .operands = true,
    .run = sc_cmd_run_agent,
};

const struct sc_command sc_cmd_gemini = {
    .name = "gemini",
    .summary = "Run Gemini CLI in a sandbox.",
    .usage = "sandcage gemini [-p PATH] [--shell] [-- ARGS...]",
    .options = agent_options,
    .help = AGENT_HELP,
    .operands = true,
    .run = sc_cmd_run_agent,
};
