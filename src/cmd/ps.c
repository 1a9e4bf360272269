/* sandcage ps and sandcage stop: the sandcage containers that run now. */
#include "../config/config.h"
#include "../engine/engine.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../workspace/workspace.h"
#include "cmd.h"
#include "commands.h"

#include <jansson.h>

/* The engine the configuration names: the project's with -p, as `run` would
 * use for it, else the global configuration's. */
static int open_engine(const struct sc_workspace *ws, struct sc_engine **engine,
                       struct sc_error **err)
{
	_cleanup_config_ struct sc_config *cfg = NULL;
	_cleanup_free_ char *dir = sc_config_global_dir();
	struct sc_config_paths paths = {.global = path_join(dir, "config.toml")};
	int r = ws ? sc_config_load(ws->root, NULL, &cfg, err)
	           : sc_config_load_paths(&paths, NULL, &cfg, err);
	sc_config_paths_release(&paths);
	if (r < 0)
		return -1;
	return sc_engine_open(sc_engine_name(cfg->engine.value), engine, err);
}

static int list(const char *project, struct vec *out, struct sc_engine **engine,
                struct sc_error **err)
{
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	if (project && sc_workspace_resolve(project, &ws, err) < 0)
		return -1;
	if (open_engine(ws, engine, err) < 0)
		return -1;
	return (*engine)->ops->list(*engine, ws ? ws->root : NULL, out, err);
}

const struct sc_option sc_ps_options[] = {
    SC_OPTION_VALUE("project", 'p', struct ps_options, project, "PATH",
                    "only the containers of this project"),
    SC_OPTION_FLAG("json", 0, struct ps_options, json,
                   "print a JSON array (id, name, project, agent, status,\ncreated, image)"),
    {0},
};

const struct sc_option sc_stop_options[] = {
    SC_OPTION_VALUE("project", 'p', struct ps_options, project, "PATH",
                    "the containers of this project"),
    SC_OPTION_FLAG("all", 'a', struct ps_options, all, "every sandcage container"),
    {0},
};

int sc_ps_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct ps_options *o = opts;
	const char *project = o->project;
	bool json = o->json;

	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_engine_ struct sc_engine *engine = NULL;
	_cleanup_vec_ struct vec v = VEC_INIT(sc_container_info_free);
	if (list(project, &v, &engine, &err) < 0)
		return sc_cmd_report(err);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < v.len; i++) {
			const struct sc_container_info *ci = v.items[i];
			json_array_append_new(
			    arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", ci->id,
			                   "name", ci->name, "project", ci->project, "agent",
			                   ci->agent, "status", ci->status, "created", ci->created,
			                   "image", ci->image));
		}
		char *text = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", text);
		free(text);
		json_decref(arr);
		return SC_EXIT_OK;
	}
	if (v.len == 0) {
		sc_log_notice("no sandcage containers are running");
		return SC_EXIT_OK;
	}
	size_t wname = 4, wagent = 5;
	for (size_t i = 0; i < v.len; i++) {
		const struct sc_container_info *ci = v.items[i];
		wname = strlen(ci->name) > wname ? strlen(ci->name) : wname;
		wagent = strlen(ci->agent) > wagent ? strlen(ci->agent) : wagent;
	}
	printf("%-*s  %-*s  %-20s  %s\n", (int)wname, "NAME", (int)wagent, "AGENT", "STATUS",
	       "PROJECT");
	for (size_t i = 0; i < v.len; i++) {
		const struct sc_container_info *ci = v.items[i];
		printf("%-*s  %-*s  %-20s  %s\n", (int)wname, ci->name, (int)wagent, ci->agent,
		       ci->status, ci->project);
	}
	return SC_EXIT_OK;
}

int sc_stop_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct ps_options *o = opts;
	const char *project = o->project;
	bool all = o->all;
	char **names = args->v;
	int n_names = args->n;
	int modes = (n_names > 0) + all + (project != NULL);
	if (modes != 1)
		return sc_cmd_usage_error(&sc_cmd_stop,
		                          "say which containers: NAME..., --all or -p PATH");

	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_engine_ struct sc_engine *engine = NULL;
	_cleanup_vec_ struct vec v = VEC_INIT(sc_container_info_free);
	if (list(project, &v, &engine, &err) < 0)
		return sc_cmd_report(err);
	int rc = SC_EXIT_OK;
	if (n_names > 0) {
		/* Only sandcage's own containers: a name of any other container
		 * is refused, so `stop` never touches what sandcage did not make. */
		for (int i = 0; i < n_names; i++) {
			const struct sc_container_info *found = NULL;
			for (size_t j = 0; j < v.len && !found; j++) {
				const struct sc_container_info *ci = v.items[j];
				if (streq(ci->name, names[i]) || str_has_prefix(ci->id, names[i]))
					found = ci;
			}
			if (!found) {
				sc_log_error(
				    "no running sandcage container `%s` (see `sandcage ps`)",
				    names[i]);
				rc = SC_EXIT_FAILURE;
				continue;
			}
			if (engine->ops->remove(engine, found->name, &err) < 0)
				return sc_cmd_report(err);
			printf("%s\n", found->name);
		}
		return rc;
	}
	for (size_t j = 0; j < v.len; j++) {
		const struct sc_container_info *ci = v.items[j];
		if (engine->ops->remove(engine, ci->name, &err) < 0)
			return sc_cmd_report(err);
		printf("%s\n", ci->name);
	}
	if (v.len == 0)
		sc_log_notice("no sandcage containers to stop");
	return rc;
}
