/* The image plan: from a configuration and the host user to the Dockerfile
 * text, the files of its build context and a content hash. Pure: the caller
 * reads files (CA certificates, a custom Dockerfile) and runs the build. */
#pragma once

#include "../config/schema.h"
#include "../util/error.h"

struct sc_context_file {
	char *name; /* relative path in the build context */
	char *data;
	size_t len;
};

struct sc_image_input {
	const struct sc_config *cfg;
	unsigned uid;
	unsigned gid;
	const char *user_name; /* the host user's name; sanitised for the container */
	/* Contents of cfg->image.ca_certificates, in the same order. */
	const struct sc_context_file *ca_certs;
	size_t n_ca_certs;
	/* The image the user layer goes on top of when cfg->image.dockerfile is
	 * set (built from that Dockerfile first, by the caller); NULL otherwise. */
	const char *custom_base;
};

/* One build step, for progress output: "packages", "toolchain node 22", "agent claude". */
struct sc_image_step {
	char *title;
};

struct sc_image_plan {
	char *dockerfile;
	char *hash; /* 64 hex digits over everything that goes into the image */
	char *tag;  /* "sandcage:HASH[0..16]" */
	char *home; /* the container user's HOME */
	char *user; /* the container user's name (or the name of the existing UID) */
	struct sc_context_file *files;
	size_t n_files;
	char **steps; /* titles of the RUN steps in order, NULL-terminated */
};

#define SC_IMAGE_HOME "/home/sandcage"
#define SC_AGENTS_DIR "/opt/sandcage/agents"
#define SC_LABEL_HASH "io.sandcage.hash"

/* The default node version installed when an enabled agent installs with npm
 * and no `toolchains.node` is configured. */
#define SC_DEFAULT_NODE "22"

int sc_image_plan(const struct sc_image_input *in, struct sc_image_plan **out,
                  struct sc_error **err);
void sc_image_plan_free(struct sc_image_plan *plan);
static inline void cleanup_image_planp(struct sc_image_plan **p)
{
	sc_image_plan_free(*p);
}
#define _cleanup_image_plan_ _cleanup_(cleanup_image_planp)
