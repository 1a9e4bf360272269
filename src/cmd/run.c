/* sandcage shell, sandcage AGENT: a container for the project, with a shell,
 * a command, or an agent in it. */
#include "../session/session.h"
#include "cmd.h"
#include "launch_ui.h"

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

static int run_session(const struct run_options *o, const char *agent_name, bool agent)
{
	struct sc_cmd_launch_ui ui;
	sc_cmd_launch_ui_init(&ui);
	struct sc_launch_request req = {
	    .project = o->project,
	    .agent = agent ? agent_name : NULL,
	    .shell = o->shell,
	    .command = agent ? NULL : o->rest,
	    .args = agent ? o->rest : NULL,
	    .image = o->image,
	    .tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO),
	    .ui = &ui.ui,
	};
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	if (sc_launch_prepare(&req, &l, &err) < 0)
		return sc_cmd_launch_failed(err);
	int code = 0;
	struct sc_session_opts so = {
	    .engine = l->engine, .spec = &l->spec, .mode = SC_SESSION_FOREGROUND};
	int r = sc_session_run(&so, &code, &err);
	sc_cmd_launch_end(l);
	if (r < 0)
		return sc_cmd_report(err);
	return code;
}

/* The shell's and every agent's: `name` is the agent's. */
static int run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct sc_command *cmd = sc_command_find(name);
	bool agent = cmd != &sc_cmd_shell;
	if (args->n > 0 && !args->dashdash)
		return sc_cmd_usage_error(cmd ? cmd : &sc_cmd_agent,
		                          "unexpected argument `%s`: put %s after `--`", args->v[0],
		                          agent ? "the agent's arguments" : "the command");
	struct run_options *o = opts;
	if (!o->image)
		o->image = getenv("SANDCAGE_IMAGE");
	o->rest = args->v;
	return run_session(o, name, agent);
}

static int cmd_shell(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	return run(name, opts, args);
}

int sc_cmd_run_agent(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	return run(name, opts, args);
}

const struct sc_command sc_cmd_shell = {
    .name = "shell",
    .summary = "Open a shell (or run a command) in a sandbox with the project mounted.",
    .usage = "sandcage shell [-p PATH] [--image IMAGE] [-- CMD [ARGS...]]",
    .options = shell_options,
    .help = "The project is mounted read-write at its own absolute path and is the working\n"
            "directory; the command runs as your user ID and group ID. With `-- CMD` the\n"
            "command runs instead of a login shell, and its exit code is sandcage's.\n",
    .opts_size = sizeof(struct run_options),
    .operands = true,
    .run = cmd_shell,
};

const struct sc_command sc_cmd_agent = {
    .name = "AGENT",
    .summary = "Run an agent (claude, codex, gemini, or a service from the configuration).",
    .usage = "sandcage AGENT [-p PATH] [--shell] [--image IMAGE] [-- ARGS...]",
    .options = agent_options,
    .help = "Arguments after `--` go to the agent.\n",
    .opts_size = sizeof(struct run_options),
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
    .opts_size = sizeof(struct run_options),
    .operands = true,
    .run = sc_cmd_run_agent,
};

const struct sc_command sc_cmd_codex = {
    .name = "codex",
    .summary = "Run Codex in a sandbox.",
    .usage = "sandcage codex [-p PATH] [--shell] [-- ARGS...]",
    .options = agent_options,
    .help = AGENT_HELP,
    .opts_size = sizeof(struct run_options),
    .operands = true,
    .run = sc_cmd_run_agent,
};

const struct sc_command sc_cmd_gemini = {
    .name = "gemini",
    .summary = "Run Gemini CLI in a sandbox.",
    .usage = "sandcage gemini [-p PATH] [--shell] [-- ARGS...]",
    .options = agent_options,
    .help = AGENT_HELP,
    .opts_size = sizeof(struct run_options),
    .operands = true,
    .run = sc_cmd_run_agent,
};
