/* sandcage config: the effective configuration, and where each value came
 * from. */
#include "../config/config.h"
#include "../workspace/workspace.h"
#include "cmd.h"

extern const struct sc_command sc_cmd_config;

enum {
	OPT_JSON = 0x100,
	OPT_PATH,
};

static int print_json(json_t *j)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!text) {
		fprintf(stderr, "sandcage: error: cannot format JSON\n");
		return SC_EXIT_FAILURE;
	}
	puts(text);
	return SC_EXIT_OK;
}

static int cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"project", required_argument, NULL, 'p'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"path", no_argument, NULL, OPT_PATH},
	    SC_CMD_COMMON_LONGOPTS,
	    {NULL, 0, NULL, 0},
	};
	const char *project = NULL;
	bool json = false, paths_only = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:" SC_CMD_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			project = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_PATH:
			paths_only = true;
			break;
		default: {
			int r = sc_cmd_option_default(&sc_cmd_config, c, argv);
			if (r >= 0)
				return r;
		}
		}
	}
	if (optind < argc)
		return sc_cmd_usage_error(&sc_cmd_config, "unexpected argument `%s`", argv[optind]);

	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	if (sc_workspace_resolve(project, &ws, &err) < 0)
		return sc_cmd_report(err);

	if (paths_only) {
		struct sc_config_paths paths;
		sc_config_paths_init(&paths, ws->root);
		int code = SC_EXIT_OK;
		if (json) {
			code = print_json(sc_config_paths_render_json(&paths));
		} else {
			_cleanup_free_ char *text = sc_config_paths_render_text(&paths);
			fputs(text, stdout);
		}
		sc_config_paths_release(&paths);
		return code;
	}

	_cleanup_config_ struct sc_config *cfg = NULL;
	if (sc_config_load(ws->root, NULL, &cfg, &err) < 0)
		return sc_cmd_report(err);
	if (json)
		return print_json(sc_config_render_json(cfg));
	_cleanup_free_ char *text = sc_config_render_text(cfg);
	fputs(text, stdout);
	return SC_EXIT_OK;
}

const struct sc_command sc_cmd_config = {
    .name = "config",
    .summary = "Show the effective configuration and where each value comes from.",
    .usage = "sandcage config [-p PATH] [--json] [--path]",
    .help = "options:\n"
            "  -p, --project PATH   the project (default: the git root of the current directory)\n"
            "      --json           print JSON: every value with its origin\n"
            "                       (layer, file, line, column)\n"
            "      --path           list the configuration files considered and whether\n"
            "                       each exists\n"
            "\n"
            "Layers, lowest first: built-in defaults, global $SANDCAGE_HOME/config.toml\n"
            "(default ~/.sandcage/config.toml), project .sandcage.yml, local\n"
            ".sandcage.local.yml (both in the project root), command-line flags.\n"
            "See docs/configuration.md for every key and the merge rules.\n",
    .run = cmd_config,
};
