/* Making sure the image a session needs exists: shared by `sandcage build`
 * and every command that runs a container. */
#pragma once

#include "../config/schema.h"
#include "../engine/engine.h"

struct sc_build_request {
	bool force;    /* build even when an image with the hash exists */
	bool no_cache; /* passed to the engine */
};

/* Plans the image for `cfg`, builds it unless an image with the same content
 * hash exists, and returns its tag in *tag. Prints progress (this is a
 * command-layer helper). */
int sc_build_ensure(const struct sc_engine *engine, const struct sc_config *cfg,
                    const struct sc_build_request *req, char **tag, struct sc_error **err);

/* The image plan for `cfg` as this user, with the CA certificate files read
 * (an unreadable one is an error naming its configuration line).
 * `custom_base`: the image built from image.dockerfile, or NULL. */
struct sc_image_plan;
int sc_build_plan(const struct sc_config *cfg, const char *custom_base, struct sc_image_plan **plan,
                  struct sc_error **err);

/* Builds the image of `plan` (its Dockerfile and context files) unless an
 * image with its tag exists; the build network and progress as above. */
struct sc_image_plan;
int sc_build_ensure_plan(const struct sc_engine *engine, const struct sc_config *cfg,
                         const struct sc_image_plan *plan, const struct sc_build_request *req,
                         struct sc_error **err);

/* Loads the configuration of `project` (NULL: the current directory) and
 * opens the engine it names. Prints the "not in a git repository" notice. */
struct sc_workspace;
int sc_cmd_open_project(const char *project, const struct sc_value *flags, struct sc_workspace **ws,
                        struct sc_config **cfg, struct sc_engine **engine, struct sc_error **err);
