#include "config.h"
#include "../util/fs.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "merge.h"
#include "toml.h"
#include "yaml.h"

#include <fcntl.h>

/* ---- where the files are ---- */

char *sc_config_global_dir(void)
{
	const char *env = getenv("SANDCAGE_HOME");
	if (env && *env)
		return path_absolute(env);
	return path_join(path_home(), ".sandcage");
}

void sc_config_paths_init(struct sc_config_paths *paths, const char *root)
{
	_cleanup_free_ char *dir = sc_config_global_dir();
	paths->global = path_join(dir, "config.toml");
	paths->project = path_join(root, ".sandcage.yml");
	paths->local = path_join(root, ".sandcage.local.yml");
}

void sc_config_paths_release(struct sc_config_paths *paths)
{
	free(paths->global);
	free(paths->project);
	free(paths->local);
	paths->global = paths->project = paths->local = NULL;
}

/* ---- loading ---- */

/* *out stays NULL when the file does not exist. The project's files are the
 * agent's to write: opened without following a link, regular files only. The
 * global file is the user's own and may be a link. */
static int read_layer(const char *path, bool toml, struct sc_value **out, struct sc_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = toml ? fs_read_file_user_optional(path, FS_MAX_CONFIG, &data, &len, err)
	             : fs_read_file_safe_optional(AT_FDCWD, path, FS_MAX_CONFIG, &data, &len, err);
	if (r < 0 || !data)
		return r;
	const char *file = sc_intern(path);
	return toml ? sc_toml_parse(data, len, file, out, err)
	            : sc_yaml_parse(data, len, file, out, err);
}

int sc_config_load_paths(const struct sc_config_paths *paths, const struct sc_value *flags,
                         struct sc_config **out, struct sc_error **err)
{
	struct {
		const char *path;
		bool toml;
		enum sc_layer layer;
	} files[] = {
	    {paths->global, true, SC_LAYER_GLOBAL},
	    {paths->project, false, SC_LAYER_PROJECT},
	    {paths->local, false, SC_LAYER_LOCAL},
	};
	struct sc_value *trees[SC_LAYER_COUNT] = {NULL};
	int r = 0;
	for (size_t i = 0; i < N_ELEMENTS(files) && r == 0; i++)
		if (files[i].path)
			r = read_layer(files[i].path, files[i].toml, &trees[files[i].layer], err);
	_cleanup_value_ struct sc_value *merged = NULL;
	if (r == 0) {
		_cleanup_value_ struct sc_value *defaults = sc_config_defaults();
		merged = sc_merge_new(defaults, SC_LAYER_DEFAULT);
	}
	for (int l = SC_LAYER_GLOBAL; l < SC_LAYER_COUNT && r == 0; l++) {
		const struct sc_value *tree = l == SC_LAYER_FLAG ? flags : trees[l];
		if (tree)
			r = sc_merge_layer(merged, tree, (enum sc_layer)l, err);
	}
	/* Each layer is checked on its own too, so that a mistake hidden by a
	 * higher layer still shows; every layer's errors are reported at once. */
	if (r == 0) {
		_cleanup_strbuf_ struct strbuf msgs = STRBUF_INIT;
		for (int l = SC_LAYER_GLOBAL; l < SC_LAYER_COUNT; l++) {
			const struct sc_value *tree = l == SC_LAYER_FLAG ? flags : trees[l];
			_cleanup_error_ struct sc_error *e = NULL;
			if (tree && sc_config_check_layer(tree, (enum sc_layer)l, &e) < 0) {
				if (msgs.len)
					strbuf_addc(&msgs, '\n');
				strbuf_adds(&msgs, e->msg);
			}
		}
		if (msgs.len)
			r = sc_error_setx(err, 0, "%s", strbuf_str(&msgs));
	}
	for (size_t i = 0; i < N_ELEMENTS(trees); i++)
		sc_value_free(trees[i]);
	if (r < 0)
		return r;
	return sc_config_decode(merged, out, err);
}

int sc_config_load(const char *root, const struct sc_value *flags, struct sc_config **out,
                   struct sc_error **err)
{
	struct sc_config_paths paths;
	sc_config_paths_init(&paths, root);
	int r = sc_config_load_paths(&paths, flags, out, err);
	sc_config_paths_release(&paths);
	return r;
}

/* ---- the flag layer ---- */

void sc_config_flag_set(struct sc_value **tree, const char *key, struct sc_value *value)
{
	struct sc_pos pos = value->pos;
	if (!*tree)
		*tree = sc_value_new(SC_VALUE_TABLE, pos);
	struct sc_value *t = *tree;
	const char *p = key;
	for (;;) {
		const char *dot = strchr(p, '.');
		_cleanup_free_ char *part = dot ? xstrndup(p, (size_t)(dot - p)) : xstrdup(p);
		struct sc_member *m = sc_table_get_member(t, part);
		if (!dot) {
			if (m) {
				sc_value_free(m->value);
				m->value = value;
			} else {
				sc_table_add(t, part, pos, value);
			}
			return;
		}
		if (!m || m->value->kind != SC_VALUE_TABLE) {
			struct sc_value *sub = sc_value_new(SC_VALUE_TABLE, pos);
			if (m) {
				sc_value_free(m->value);
				m->value = sub;
			} else {
				sc_table_add(t, part, pos, sub);
			}
			t = sub;
		} else {
			t = m->value;
		}
		p = dot + 1;
	}
}

void sc_config_flag_set_string(struct sc_value **tree, const char *key, const char *value,
                               const char *option)
{
	struct sc_pos pos = {sc_intern(option), 0, 0};
	sc_config_flag_set(tree, key, sc_value_new_string(value, strlen(value), pos));
}

/* ---- the files considered ---- */

char *sc_config_paths_render_text(const struct sc_config_paths *paths)
{
	const char *names[] = {"global", "project", "local"};
	const char *files[] = {paths->global, paths->project, paths->local};
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < N_ELEMENTS(files); i++)
		strbuf_addf(&sb, "%-8s %s    # %s\n", names[i], files[i],
		            fs_exists(files[i]) ? "exists" : "missing");
	return strbuf_steal(&sb);
}

json_t *sc_config_paths_render_json(const struct sc_config_paths *paths)
{
	const char *names[] = {"global", "project", "local"};
	const char *files[] = {paths->global, paths->project, paths->local};
	json_t *root = json_object();
	for (size_t i = 0; i < N_ELEMENTS(files); i++) {
		json_t *j = json_object();
		json_object_set_new(j, "path", json_string(files[i]));
		json_object_set_new(j, "exists", json_boolean(fs_exists(files[i])));
		json_object_set_new(root, names[i], j);
	}
	return root;
}
