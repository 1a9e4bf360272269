#include "docker_api.h"
#include "../util/fs.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "http_unix.h"

#include <jansson.h>
#include <sys/stat.h>

char *sc_docker_config_context(const char *json)
{
	json_t *root = json_loads(json, 0, NULL);
	if (!root)
		return NULL;
	const char *name = json_string_value(json_object_get(root, "currentContext"));
	char *context = name && *name && !streq(name, "default") ? xstrdup(name) : NULL;
	json_decref(root);
	return context;
}

int sc_docker_image_entrypoint_json(const char *json, struct strv *out)
{
	json_t *root = json_loads(json, 0, NULL);
	if (!root)
		return -1;
	/* An inspect's answer is one object, or (the CLI) an array of them. */
	json_t *img = json_is_array(root) ? json_array_get(root, 0) : root;
	json_t *config = json_object_get(img, "Config");
	json_t *ep = json_object_get(config, "Entrypoint");
	int r = json_is_object(img) ? 0 : -1;
	size_t i;
	json_t *v;
	if (r == 0 && json_is_array(ep)) {
		json_array_foreach(ep, i, v) if (!json_is_string(v)) r = -1;
		json_array_foreach(ep, i, v) if (r == 0) strv_push(out, json_string_value(v));
	} else if (r == 0 && json_is_string(ep) && *json_string_value(ep)) {
		/* The shell form, as the engine stores an old image's. */
		strv_push(out, "/bin/sh");
		strv_push(out, "-c");
		strv_push(out, json_string_value(ep));
	} else if (r == 0 && ep && !json_is_null(ep) && !json_is_string(ep)) {
		r = -1;
	}
	json_decref(root);
	return r;
}

char *sc_docker_api_socket(void)
{
	const char *host = getenv("DOCKER_HOST");
	const char *context = getenv("DOCKER_CONTEXT");
	if (context && *context && !streq(context, "default"))
		return NULL;
	/* A current context other than the default names another endpoint. */
	const char *cfgdir = getenv("DOCKER_CONFIG");
	_cleanup_free_ char *cfg = cfgdir && *cfgdir
	                               ? path_join(cfgdir, "config.json")
	                               : path_join(path_home(), ".docker/config.json");
	_cleanup_free_ char *json = NULL;
	if (fs_read_file(cfg, &json, NULL, NULL) == 0) {
		_cleanup_free_ char *current = sc_docker_config_context(json);
		if (current)
			return NULL;
	}
	const char *path = "/var/run/docker.sock";
	if (host && *host) {
		if (!str_has_prefix(host, "unix://"))
			return NULL;
		path = host + strlen("unix://");
	}
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode) || access(path, R_OK | W_OK) < 0)
		return NULL;
	return xstrdup(path);
}

/* GET /images/IMAGE/json over the socket: the HTTP status, or <0 when the
 * call failed. The body goes to `body` when not NULL. */
static int image_json(const char *socket_path, const char *image, struct strbuf *body)
{
	if (!socket_path)
		return -1;
	_cleanup_free_ char *escaped = sc_http_escape(image);
	/* No API version in the path: the engine answers with its own. */
	_cleanup_free_ char *target = xasprintf("/images/%s/json", escaped);
	return sc_http_unix_get(socket_path, target, SC_HTTP_TIMEOUT_MS, body);
}

int sc_docker_api_image_exists(const char *socket_path, const char *image)
{
	int code = image_json(socket_path, image, NULL);
	if (code == 200)
		return 1;
	if (code == 404)
		return 0;
	return -1;
}

int sc_docker_api_volume_exists(const char *socket_path, const char *name)
{
	if (!socket_path)
		return -1;
	_cleanup_free_ char *escaped = sc_http_escape(name);
	_cleanup_free_ char *target = xasprintf("/volumes/%s", escaped);
	int code = sc_http_unix_get(socket_path, target, SC_HTTP_TIMEOUT_MS, NULL);
	if (code == 200)
		return 1;
	if (code == 404)
		return 0;
	return -1;
}

int sc_docker_api_image_entrypoint(const char *socket_path, const char *image, struct strv *out)
{
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	if (image_json(socket_path, image, &body) != 200)
		return -1;
	return sc_docker_image_entrypoint_json(strbuf_str(&body), out);
}
