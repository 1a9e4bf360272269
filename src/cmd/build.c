/* sandcage build: builds (or rebuilds) the image agents run in. */
#include "../launch/launch.h"
#include "cmd.h"
#include "commands.h"
#include "launch_ui.h"

const struct sc_option sc_build_options[] = {
    SC_OPTION_VALUE("project", 'p', struct build_options, project, "PATH",
                    "the project whose configuration to use"),
    SC_OPTION_FLAG("force", 'f', struct build_options, force,
                   "build even when the image is up to date"),
    SC_OPTION_FLAG("no-cache", 0, struct build_options, no_cache,
                   "build every step again (implies --force)"),
    SC_OPTION_FLAG("print", 0, struct build_options, print,
                   "print the Dockerfile instead of building"),
    {0},
};

int sc_build_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct build_options *o = opts;
	const char *project = o->project;
	bool force = o->force || o->no_cache, no_cache = o->no_cache, print = o->print;

	struct sc_cmd_launch_ui ui;
	sc_cmd_launch_ui_init(&ui);
	struct sc_launch_request lreq = {.project = project, .ui = &ui.ui, .no_engine = print};
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *l = NULL;
	if (sc_launch_open(&lreq, &l, &err) < 0)
		return sc_cmd_launch_failed(err);
	struct sc_image_request ireq;
	sc_launch_image_request(&l->host, &ui.ui, &ireq);
	ireq.force = force;
	ireq.no_cache = no_cache;
	ireq.project_root = l->ws->root;
	if (print) {
		const char *df = l->cfg->image.dockerfile.value;
		if (*df)
			printf("# image.dockerfile: %s, built first, then:\n", df);
		_cleanup_image_plan_ struct sc_image_plan *plan = NULL;
		if (sc_image_service_plan(l->cfg, &ireq, *df ? "sandcage-custom:HASH" : NULL, &plan,
		                          &err) < 0)
			return sc_cmd_report(err);
		fputs(plan->dockerfile, stdout);
		return SC_EXIT_OK;
	}
	/* A build reads host files (a custom Dockerfile, CA certificates) and
	 * runs install commands: the same gate as a session. */
	if (sc_launch_check(l, &lreq, &err) < 0)
		return sc_cmd_launch_failed(err);
	_cleanup_free_ char *tag = NULL;
	if (sc_image_ensure(l->engine, l->cfg, &ireq, &tag, &err) < 0)
		return sc_cmd_report(err);
	printf("%s\n", tag);
	return SC_EXIT_OK;
}
