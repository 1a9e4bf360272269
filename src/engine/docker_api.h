/* The few Docker Engine API calls on the hot path, straight over the
 * engine's Unix socket: a `docker image inspect` costs a process start of
 * the CLI (tens of milliseconds), the API call about one. */
#pragma once

#include "../util/error.h"
#include "../util/vec.h"

/* The socket the docker CLI would use, or NULL when that is not a local Unix
 * socket we can be sure of (DOCKER_HOST over TCP or SSH, a docker context, a
 * socket we may not open). */
char *sc_docker_api_socket(void);

/* The context the text of a docker config.json makes current, newly
 * allocated; NULL when it names none ("currentContext" absent, not a string,
 * empty or "default") or the text is not JSON, where the docker CLI, too,
 * warns and uses the default. */
char *sc_docker_config_context(const char *json);

/* 1: the image exists, 0: it does not, <0: ask the CLI instead. */
int sc_docker_api_image_exists(const char *socket_path, const char *image);

/* 1: the volume exists, 0: it does not, <0: ask the CLI instead. */
int sc_docker_api_volume_exists(const char *socket_path, const char *name);

/* The image's entrypoint appended to `out`: 0, or <0: ask the CLI instead. */
int sc_docker_api_image_entrypoint(const char *socket_path, const char *image, struct strv *out);

/* The entrypoint of an image from the JSON of an inspect (the API's object
 * or the CLI's array of one) appended to `out`; none appends nothing. -1:
 * not such JSON. */
int sc_docker_image_entrypoint_json(const char *json, struct strv *out);
