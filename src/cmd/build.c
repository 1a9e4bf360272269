/* sandcage build: builds (or rebuilds) the image agents run in. */
#include "../launch/launch.h"
#include "cmd.h"
#include "launch_ui.h"

extern const struct sc_command sc_cmd_build;

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"project", required_argument, NULL, 'p'},
	    {"force", no_argument, NULL, 'f'},
	    {"no-cache", no_argument, NULL, 'n'},
	    {"print", no_argument, NULL, 'P'},
	    SC_CMD_COMMON_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	const char *project = NULL;
	bool force = false, no_cache = false, print = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:p:f" SC_CMD_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			project = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'n':
			no_cache = true;
			force = true;
			break;
		case 'P':
			print = true;
			break;
		default: {
			int r = sc_cmd_option_default(&sc_cmd_build, c, argv);
			if (r >= 0)
				return r;
		}
		}
	}
	if (optind < argc)
		return sc_cmd_usage_error(&sc_cmd_build, "unexpected argument `%s`", argv[optind]);

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

const struct sc_command sc_cmd_build = {
    .name = "build",
    .summary = "Build (or rebuild) the image agents run in.",
    .usage = "sandcage build [-p PATH] [--force] [--no-cache] [--print]",
    .help = "options:\n"
            "  -p, --project PATH   the project whose configuration to use\n"
            "  -f, --force          build even when the image is up to date\n"
            "      --no-cache       build every step again (implies --force)\n"
            "      --print          print the Dockerfile instead of building\n"
            "\n"
            "The image is tagged sandcage:HASH, where HASH covers everything that goes into\n"
            "it; when an image with that tag exists nothing is built. It prints the tag.\n",
    .run = cmd_build,
};
