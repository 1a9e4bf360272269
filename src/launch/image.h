/* The image service: makes sure the image a session needs exists, building
 * it (and a custom Dockerfile's base first) when no image has its content
 * hash, and reporting the build's progress to an observer. */
#pragma once

#include "../config/schema.h"
#include "../engine/engine.h"
#include "../plan/image.h"

/* The lines of the build output kept for a failure report. */
#define SC_BUILD_TAIL_LINES 30

/* What the observer sees of a build. */
struct sc_build_state {
	const char *tag;
	size_t n_steps;       /* the `# step:` titles of the Dockerfile */
	const char *current;  /* the running step's title, or NULL */
	size_t current_index; /* 1-based */
	bool current_cached;  /* the builder took it from its cache */
	double start;         /* CLOCK_MONOTONIC seconds */
	double step_start;
	const char *last_from; /* the image of the last FROM the builder started */
	/* The last lines of the output, oldest first; NULL where there are
	 * fewer. */
	const char *tail[SC_BUILD_TAIL_LINES];
};

enum sc_build_event {
	SC_BUILD_BEGIN,      /* a build of st->tag starts */
	SC_BUILD_LINE,       /* `line` came from the builder (before it is looked at) */
	SC_BUILD_STEP_END,   /* st->current is done (a new step starts, or the build ends) */
	SC_BUILD_STEP_BEGIN, /* st->current starts */
	SC_BUILD_TICK,       /* after each line: a live display may update */
	SC_BUILD_FAILED,     /* the builder failed; the error follows as the result */
	SC_BUILD_DONE,       /* built */
};

struct sc_build_observer {
	void (*event)(void *ctx, enum sc_build_event ev, const struct sc_build_state *st,
	              const char *line);
	void *ctx;
};

struct sc_image_request {
	bool force;    /* build even when an image with the hash exists */
	bool no_cache; /* passed to the engine */
	const struct sc_build_observer *observer; /* NULL: none */
	bool verbose;                             /* the observer shows every line of the build */
	/* The host user the image is made for. */
	unsigned uid;
	unsigned gid;
	const char *user_name;
	const char *tmp_dir; /* where the build context is written; NULL: /tmp */
	/* The project's root: a custom Dockerfile or a CA file in it is read
	 * safely (sc_image_read_file); NULL: none. */
	const char *project_root;
};

/* The image plan for `cfg` with the CA certificate files read (an unreadable
 * one is an error naming its configuration line). `custom_base`: the image
 * built from image.dockerfile, or NULL. */
int sc_image_service_plan(const struct sc_config *cfg, const struct sc_image_request *req,
                          const char *custom_base, struct sc_image_plan **plan,
                          struct sc_error **err);

/* Builds the image of `plan` unless an image with its tag exists (or
 * req->force). */
int sc_image_ensure_plan(const struct sc_engine *engine, const struct sc_config *cfg,
                         const struct sc_image_plan *plan, const struct sc_image_request *req,
                         struct sc_error **err);

/* The configured image: the custom Dockerfile's image first when there is
 * one, then the plan on top; its tag in *tag. */
int sc_image_ensure(const struct sc_engine *engine, const struct sc_config *cfg,
                    const struct sc_image_request *req, char **tag, struct sc_error **err);

/* The content hash of a custom Dockerfile's build: its text, and the name,
 * type, size and modification time of every file in its context directory
 * that `docker build` sends (what `.dockerignore` and `.containerignore`
 * leave out is not looked at, see dockerignore.h; the ignore files always
 * count). A directory or file that cannot be read is an error, not a
 * skipped entry: it could change unseen. 64 hex digits into `hex`. */
int sc_image_context_hash(const char *dir, const char *dockerfile_text, char hex[65],
                          struct sc_error **err);

/* What trust approves of a build context: the names, the bytes of every
 * regular file and the target of every link under `dir` that the builder
 * is sent (all but what the ignore files leave out, as above), no link
 * followed; a FIFO, device or socket there is refused, and so is a context
 * over 512 MiB or 200000 entries. The Dockerfile is approved on its own.
 * 64 hex digits into `hex`. */
int sc_image_context_content_hash(const char *dir, char hex[65], struct sc_error **err);

/* Reads a file the configuration names (image.dockerfile,
 * image.ca_certificates): inside `project_root` with fs_read_file_safe
 * relative to it (no link, a regular file, FS_MAX_CONFIG bytes), elsewhere
 * the user's own file (links followed, regular, bounded). Absent is an
 * error. */
int sc_image_read_file(const char *project_root, const char *path, char **out, size_t *len,
                       struct sc_error **err);
