#include "store.h"
#include "../util/fs.h"
#include "../util/path.h"

#include <fcntl.h>
#include <jansson.h>
#include <sys/file.h>

#define RECORDS_FILE "acp-installed.json"

void sc_acp_installed_free(void *p)
{
	struct sc_acp_installed *r = p;
	if (!r)
		return;
	free_many(r->id, r->name, r->version, r->kind, r->volume, r->source, r->installed_at);
	strv_release(&r->command);
	strv_release(&r->env);
	free(r);
}

/* ---- the records ---- */

static const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static struct sc_acp_installed *record_from_json(json_t *o)
{
	const char *id = jstr(o, "id"), *volume = jstr(o, "volume"), *version = jstr(o, "version");
	const char *kind = jstr(o, "kind");
	json_t *command = json_object_get(o, "command");
	if (!id || !volume || !version || !kind || !json_is_array(command) ||
	    json_array_size(command) == 0 || !sc_acp_valid_id(id))
		return NULL;
	struct sc_acp_installed *r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(id);
	r->volume = xstrdup(volume);
	r->version = xstrdup(version);
	r->kind = xstrdup(kind);
	r->name = xstrdup(jstr(o, "name") ? jstr(o, "name") : id);
	r->source = xstrdup(jstr(o, "source") ? jstr(o, "source") : "");
	r->installed_at = xstrdup(jstr(o, "installed_at") ? jstr(o, "installed_at") : "");
	size_t i;
	json_t *v;
	json_array_foreach(command, i, v)
	{
		if (!json_is_string(v)) {
			sc_acp_installed_free(r);
			return NULL;
		}
		strv_push(&r->command, json_string_value(v));
	}
	const char *k;
	json_object_foreach(json_object_get(o, "env"), k, v) if (json_is_string(v))
	    strv_pushf(&r->env, "%s=%s", k, json_string_value(v));
	return r;
}

static json_t *record_to_json(const struct sc_acp_installed *r)
{
	json_t *command = json_array();
	for (size_t i = 0; i < r->command.len; i++)
		json_array_append_new(command, json_string(r->command.v[i]));
	json_t *env = json_object();
	for (size_t i = 0; i < r->env.len; i++) {
		const char *eq = strchr(r->env.v[i], '=');
		_cleanup_free_ char *k = xstrndup(r->env.v[i], (size_t)(eq - r->env.v[i]));
		json_object_set_new(env, k, json_string(eq + 1));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", r->id, "name",
	                 r->name, "version", r->version, "kind", r->kind, "volume", r->volume,
	                 "source", r->source, "installed_at", r->installed_at, "command", command,
	                 "env", env);
}

static int cmp_records(const void *a, const void *b)
{
	const struct sc_acp_installed *x = *(struct sc_acp_installed *const *)a;
	const struct sc_acp_installed *y = *(struct sc_acp_installed *const *)b;
	int c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->volume, y->volume);
}

int sc_acp_store_list(const char *global_dir, struct vec *out, struct sc_error **err)
{
	_cleanup_free_ char *path = path_join(global_dir, RECORDS_FILE);
	if (!fs_exists(path))
		return 0;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (fs_read_file(path, &data, &len, err) < 0)
		return -1;
	json_error_t jerr;
	json_t *root = json_loadb(data, len, 0, &jerr);
	json_t *agents = json_object_get(root, "agents");
	if (!root || !json_is_array(agents)) {
		json_decref(root);
		return sc_error_setx(
		    err, 0,
		    "%s: damaged list of installed ACP agents; remove the file and "
		    "install the agents again",
		    path);
	}
	size_t i;
	json_t *v;
	json_array_foreach(agents, i, v)
	{
		struct sc_acp_installed *r = record_from_json(v);
		if (r)
			vec_push(out, r);
	}
	json_decref(root);
	qsort(out->items, out->len, sizeof(void *), cmp_records);
	return 0;
}

int sc_acp_store_find(const char *global_dir, const char *id, const char *volume,
                      struct sc_acp_installed **out, struct sc_error **err)
{
	_cleanup_vec_ struct vec all = VEC_INIT(sc_acp_installed_free);
	*out = NULL;
	if (sc_acp_store_list(global_dir, &all, err) < 0)
		return -1;
	for (size_t i = 0; i < all.len; i++) {
		struct sc_acp_installed *r = all.items[i];
		if (streq(r->id, id) && streq(r->volume, volume)) {
			*out = r;
			all.items[i] = NULL;
			return 0;
		}
	}
	return 0;
}

/* Two sandcages installing at once must not lose each other's record. */
static int lock_records(const char *global_dir, int *fd, struct sc_error **err)
{
	if (fs_mkdir_p(global_dir, 0700, err) < 0)
		return -1;
	_cleanup_free_ char *path = path_join(global_dir, RECORDS_FILE ".lock");
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return sc_error_set(err, errno, "open `%s`", path);
	while (flock(*fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return sc_error_set(err, errno, "lock `%s`", path);
	return 0;
}

static int rewrite(const char *global_dir, const char *id, const char *volume,
                   const struct sc_acp_installed *add, bool *removed, struct sc_error **err)
{
	_cleanup_close_ int lock = -1;
	if (lock_records(global_dir, &lock, err) < 0)
		return -1;
	_cleanup_vec_ struct vec all = VEC_INIT(sc_acp_installed_free);
	if (sc_acp_store_list(global_dir, &all, err) < 0)
		return -1;
	json_t *agents = json_array();
	for (size_t i = 0; i < all.len; i++) {
		struct sc_acp_installed *r = all.items[i];
		if (streq(r->id, id) && streq(r->volume, volume)) {
			if (removed)
				*removed = true;
			continue;
		}
		json_array_append_new(agents, record_to_json(r));
	}
	if (add)
		json_array_append_new(agents, record_to_json(add));
	json_t *root = json_pack("{s:i, s:o}", "version", 1, "agents", agents);
	_cleanup_free_ char *text = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	_cleanup_free_ char *path = path_join(global_dir, RECORDS_FILE);
	_cleanup_free_ char *data = xasprintf("%s\n", text);
	return fs_write_atomic(path, data, strlen(data), 0600, err);
}

int sc_acp_store_put(const char *global_dir, const struct sc_acp_installed *rec,
                     struct sc_error **err)
{
	return rewrite(global_dir, rec->id, rec->volume, rec, NULL, err);
}

int sc_acp_store_remove(const char *global_dir, const char *id, const char *volume, bool *removed,
                        struct sc_error **err)
{
	*removed = false;
	return rewrite(global_dir, id, volume, NULL, removed, err);
}
