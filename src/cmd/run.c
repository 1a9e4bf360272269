/* sandcage shell, sandcage AGENT: a container for the project, with a shell,
 * a command, or an agent in it. */
#include "../session/session.h"
#include "cmd.h"
#include "commands.h"
#include "launch_ui.h"

#define IMAGE_OPTION(more)                                                                         \
	SC_OPTION_VALUE("image", 0, struct run_options, image, "IMAGE",                            \
	                "run this image as it is instead of the configured one" more)

const struct sc_option sc_shell_options[] = {
    SC_OPTION_PROJECT(struct run_options, project),
    IMAGE_OPTION("\n(default: $SANDCAGE_IMAGE, else the image `sandcage build`\n"
                 "makes, built first when missing or stale)"),
    {0},
};

const struct sc_option sc_agent_options[] = {
    SC_OPTION_PROJECT(struct run_options, project),
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

/* The shell's (`agent` false) and every agent's (`name`). */
static int run(bool agent, const char *name, struct run_options *o,
               const struct sc_cmd_operands *args)
{
	if (args->n > 0 && !args->dashdash) {
		const struct sc_command *cmd = sc_command_find(name);
		return sc_cmd_usage_error(cmd ? cmd : &sc_cmd_agent,
		                          "unexpected argument `%s`: put %s after `--`", args->v[0],
		                          agent ? "the agent's arguments" : "the command");
	}
	if (!o->image)
		o->image = getenv("SANDCAGE_IMAGE");
	o->rest = args->v;
	return run_session(o, name, agent);
}

int sc_shell_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	return run(false, name, opts, args);
}

int sc_cmd_run_agent(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	return run(true, name, opts, args);
}
