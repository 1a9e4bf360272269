/* sandcage config: the effective configuration, and where each value came
 * from. */
#include "../config/config.h"
#include "../workspace/workspace.h"
#include "cmd.h"
#include "commands.h"

const struct sc_option sc_config_options[] = {
    SC_OPTION_PROJECT(struct config_options, project),
    SC_OPTION_FLAG("json", 0, struct config_options, json,
                   "print JSON: every value with its origin\n(layer, file, line, column)"),
    SC_OPTION_FLAG("path", 0, struct config_options, paths_only,
                   "list the configuration files considered and whether\neach exists"),
    {0},
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

int sc_config_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct config_options *o = opts;
	const char *project = o->project;
	bool json = o->json, paths_only = o->paths_only;

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
