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

/* ---- rendering as text ---- */

static void add_quoted(struct strbuf *sb, const char *s)
{
	strbuf_addc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			strbuf_adds(sb, "\\\"");
			break;
		case '\\':
			strbuf_adds(sb, "\\\\");
			break;
		case '\n':
			strbuf_adds(sb, "\\n");
			break;
		case '\t':
			strbuf_adds(sb, "\\t");
			break;
		case '\r':
			strbuf_adds(sb, "\\r");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				strbuf_addf(sb, "\\u%04x", *p);
			else
				strbuf_addc(sb, (char)*p);
		}
	}
	strbuf_addc(sb, '"');
}

static void add_origin(struct strbuf *sb, struct sc_origin o)
{
	strbuf_addf(sb, "    # %s", sc_layer_name(o.layer));
	if (o.pos.file) {
		strbuf_addf(sb, " %s", o.pos.file);
		if (o.pos.line)
			strbuf_addf(sb, ":%u", o.pos.line);
	}
	strbuf_addc(sb, '\n');
}

static void line_str(struct strbuf *sb, const char *key, const struct sc_cfg_str *s)
{
	strbuf_addf(sb, "%s = ", key);
	add_quoted(sb, s->value);
	add_origin(sb, s->origin);
}

static void line_bool(struct strbuf *sb, const char *key, const struct sc_cfg_bool *b)
{
	strbuf_addf(sb, "%s = %s", key, b->value ? "true" : "false");
	add_origin(sb, b->origin);
}

static void add_items(struct strbuf *sb, const struct sc_cfg_list *l, size_t from, size_t to)
{
	strbuf_addc(sb, '[');
	for (size_t i = from; i < to; i++) {
		if (i > from)
			strbuf_adds(sb, ", ");
		add_quoted(sb, l->items[i].value);
	}
	strbuf_addc(sb, ']');
}

/* The list as set, then each higher layer's appended part on its own line. */
static void line_list(struct strbuf *sb, const char *key, const struct sc_cfg_list *l)
{
	size_t i = 0;
	while (i < l->len && l->items[i].origin.layer == l->origin.layer)
		i++;
	strbuf_addf(sb, "%s = ", key);
	add_items(sb, l, 0, i);
	add_origin(sb, l->origin);
	while (i < l->len) {
		size_t j = i;
		while (j < l->len && l->items[j].origin.layer == l->items[i].origin.layer)
			j++;
		strbuf_addf(sb, "%s += ", key);
		add_items(sb, l, i, j);
		add_origin(sb, l->items[i].origin);
		i = j;
	}
}

static void lines_map(struct strbuf *sb, const char *key, const struct sc_cfg_map *m)
{
	if (m->len == 0) {
		strbuf_addf(sb, "%s = {}", key);
		add_origin(sb, m->origin);
		return;
	}
	for (size_t i = 0; i < m->len; i++) {
		_cleanup_free_ char *k = xasprintf("%s.%s", key, m->items[i].key);
		line_str(sb, k, &m->items[i].value);
	}
}

char *sc_config_render_text(const struct sc_config *cfg)
{
	struct strbuf sb = STRBUF_INIT;
	line_str(&sb, "image.base", &cfg->image.base);
	line_str(&sb, "image.dockerfile", &cfg->image.dockerfile);
	line_list(&sb, "image.ca_certificates", &cfg->image.ca_certificates);
	line_str(&sb, "image.build_network", &cfg->image.build_network);
	lines_map(&sb, "toolchains", &cfg->toolchains);
	line_list(&sb, "packages", &cfg->packages);
	for (size_t i = 0; i < cfg->services.len; i++) {
		const struct sc_service *s = &cfg->services.items[i];
		static const char *const names[] = {"command", "install", "env", "args", "domains"};
		const struct sc_cfg_list *lists[] = {&s->command, &s->install, &s->env, &s->args,
		                                     &s->domains};
		_cleanup_free_ char *k = xasprintf("services.%s.enabled", s->name);
		line_bool(&sb, k, &s->enabled);
		for (size_t j = 0; j < N_ELEMENTS(lists); j++) {
			_cleanup_free_ char *lk = xasprintf("services.%s.%s", s->name, names[j]);
			line_list(&sb, lk, lists[j]);
		}
	}
	lines_map(&sb, "env", &cfg->env);
	line_list(&sb, "env_passthrough", &cfg->env_passthrough);
	if (cfg->mounts.len == 0) {
		strbuf_adds(&sb, "mounts = []");
		add_origin(&sb, cfg->mounts.origin);
	}
	for (size_t i = 0; i < cfg->mounts.len; i++) {
		const struct sc_cfg_mount *m = &cfg->mounts.items[i];
		_cleanup_free_ char *src = xasprintf("mounts[%zu].source", i);
		_cleanup_free_ char *dst = xasprintf("mounts[%zu].target", i);
		_cleanup_free_ char *ro = xasprintf("mounts[%zu].readonly", i);
		line_str(&sb, src, &m->source);
		line_str(&sb, dst, &m->target);
		line_bool(&sb, ro, &m->readonly);
	}
	strbuf_addf(&sb, "network.mode = \"%s\"", sc_network_mode_name(cfg->network.mode.value));
	add_origin(&sb, cfg->network.mode.origin);
	line_list(&sb, "network.allow", &cfg->network.allow);
	line_str(&sb, "resources.memory", &cfg->resources.memory);
	_cleanup_free_ char *cpus = sc_cfg_format_number(cfg->resources.cpus.value);
	strbuf_addf(&sb, "resources.cpus = %s", cpus);
	add_origin(&sb, cfg->resources.cpus.origin);
	strbuf_addf(&sb, "resources.pids = %lld", (long long)cfg->resources.pids.value);
	add_origin(&sb, cfg->resources.pids.origin);
	line_bool(&sb, "ssh.enabled", &cfg->ssh.enabled);
	line_str(&sb, "home.volume", &cfg->home.volume);
	strbuf_addf(&sb, "engine = \"%s\"", sc_engine_name(cfg->engine.value));
	add_origin(&sb, cfg->engine.origin);
	line_str(&sb, "acp.registry_url", &cfg->acp.registry_url);
	line_bool(&sb, "acp.strip_terminal", &cfg->acp.strip_terminal);
	line_list(&sb, "security.protected_paths", &cfg->security.protected_paths);
	line_list(&sb, "security.masked_files", &cfg->security.masked_files);
	return strbuf_steal(&sb);
}

/* ---- rendering as JSON ---- */

static json_t *json_origin(struct sc_origin o)
{
	json_t *j = json_object();
	json_object_set_new(j, "layer", json_string(sc_layer_name(o.layer)));
	json_object_set_new(j, "file", o.pos.file ? json_string(o.pos.file) : json_null());
	json_object_set_new(j, "line", o.pos.line ? json_integer(o.pos.line) : json_null());
	json_object_set_new(j, "column", o.pos.col ? json_integer(o.pos.col) : json_null());
	return j;
}

static json_t *leaf(json_t *value, struct sc_origin o)
{
	json_t *j = json_object();
	json_object_set_new(j, "value", value);
	json_object_set_new(j, "origin", json_origin(o));
	return j;
}

static json_t *json_str(const struct sc_cfg_str *s)
{
	return leaf(json_string(s->value), s->origin);
}

static json_t *json_bool(const struct sc_cfg_bool *b)
{
	return leaf(json_boolean(b->value), b->origin);
}

static json_t *json_list(const struct sc_cfg_list *l)
{
	json_t *values = json_array();
	json_t *items = json_array();
	for (size_t i = 0; i < l->len; i++) {
		json_array_append_new(values, json_string(l->items[i].value));
		json_array_append_new(items, json_str(&l->items[i]));
	}
	json_t *j = leaf(values, l->origin);
	json_object_set_new(j, "items", items);
	return j;
}

static json_t *json_map(const struct sc_cfg_map *m)
{
	json_t *j = json_object();
	for (size_t i = 0; i < m->len; i++)
		json_object_set_new(j, m->items[i].key, json_str(&m->items[i].value));
	return j;
}

json_t *sc_config_render_json(const struct sc_config *cfg)
{
	json_t *root = json_object();

	json_t *image = json_object();
	json_object_set_new(image, "base", json_str(&cfg->image.base));
	json_object_set_new(image, "dockerfile", json_str(&cfg->image.dockerfile));
	json_object_set_new(image, "ca_certificates", json_list(&cfg->image.ca_certificates));
	json_object_set_new(image, "build_network", json_str(&cfg->image.build_network));
	json_object_set_new(root, "image", image);

	json_object_set_new(root, "toolchains", json_map(&cfg->toolchains));
	json_object_set_new(root, "packages", json_list(&cfg->packages));

	json_t *services = json_object();
	for (size_t i = 0; i < cfg->services.len; i++) {
		const struct sc_service *s = &cfg->services.items[i];
		json_t *js = json_object();
		json_object_set_new(js, "enabled", json_bool(&s->enabled));
		json_object_set_new(js, "command", json_list(&s->command));
		json_object_set_new(js, "install", json_list(&s->install));
		json_object_set_new(js, "env", json_list(&s->env));
		json_object_set_new(js, "args", json_list(&s->args));
		json_object_set_new(js, "domains", json_list(&s->domains));
		json_object_set_new(services, s->name, js);
	}
	json_object_set_new(root, "services", services);

	json_object_set_new(root, "env", json_map(&cfg->env));
	json_object_set_new(root, "env_passthrough", json_list(&cfg->env_passthrough));

	json_t *mounts = json_array();
	for (size_t i = 0; i < cfg->mounts.len; i++) {
		const struct sc_cfg_mount *m = &cfg->mounts.items[i];
		json_t *jm = json_object();
		json_object_set_new(jm, "source", json_str(&m->source));
		json_object_set_new(jm, "target", json_str(&m->target));
		json_object_set_new(jm, "readonly", json_bool(&m->readonly));
		json_array_append_new(mounts, jm);
	}
	json_object_set_new(root, "mounts", mounts);

	json_t *network = json_object();
	json_object_set_new(network, "mode",
	                    leaf(json_string(sc_network_mode_name(cfg->network.mode.value)),
	                         cfg->network.mode.origin));
	json_object_set_new(network, "allow", json_list(&cfg->network.allow));
	json_object_set_new(root, "network", network);

	json_t *resources = json_object();
	json_object_set_new(resources, "memory", json_str(&cfg->resources.memory));
	json_object_set_new(resources, "cpus",
	                    leaf(json_real(cfg->resources.cpus.value), cfg->resources.cpus.origin));
	json_object_set_new(
	    resources, "pids",
	    leaf(json_integer(cfg->resources.pids.value), cfg->resources.pids.origin));
	json_object_set_new(root, "resources", resources);

	json_t *ssh = json_object();
	json_object_set_new(ssh, "enabled", json_bool(&cfg->ssh.enabled));
	json_object_set_new(root, "ssh", ssh);

	json_t *home = json_object();
	json_object_set_new(home, "volume", json_str(&cfg->home.volume));
	json_object_set_new(root, "home", home);

	json_object_set_new(
	    root, "engine",
	    leaf(json_string(sc_engine_name(cfg->engine.value)), cfg->engine.origin));

	json_t *acp = json_object();
	json_object_set_new(acp, "registry_url", json_str(&cfg->acp.registry_url));
	json_object_set_new(acp, "strip_terminal", json_bool(&cfg->acp.strip_terminal));
	json_object_set_new(root, "acp", acp);
	json_t *security = json_object();
	json_object_set_new(security, "protected_paths", json_list(&cfg->security.protected_paths));
	json_object_set_new(security, "masked_files", json_list(&cfg->security.masked_files));
	json_object_set_new(root, "security", security);
	return root;
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
