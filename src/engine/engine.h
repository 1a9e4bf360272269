/* The container engine interface. The first backend drives the `docker` (or
 * `podman`) command line with an argv built from a container spec, never a
 * shell string. */
#pragma once

#include "../util/error.h"
#include "../util/vec.h"

#define SC_LABEL_MANAGED "io.sandcage.managed"
#define SC_LABEL_PROJECT "io.sandcage.project"
#define SC_LABEL_AGENT   "io.sandcage.agent"
#define SC_LABEL_VERSION "io.sandcage.version"

struct sc_spec_mount {
	char *source; /* host path, or a volume name when `volume` */
	char *target;
	bool readonly;
	bool volume;
};

/* Everything that defines a container: a plain struct the plan builds. */
struct sc_container_spec {
	char *image;
	char *name;
	char *user; /* "UID:GID" */
	char *workdir;
	struct vec mounts; /* struct sc_spec_mount * */
	struct strv env;   /* "NAME=value" */
	/* Names in `env` whose value is the host's own (a secret such as an API
	 * key, often): the engine's CLI gets them by name from its environment
	 * when that holds the same value, so that no command line shows them. */
	struct strv env_from_host;
	struct strv labels;  /* "key=value" */
	struct strv command; /* empty: the image's default */
	/* NULL: the image's. Otherwise the container runs `entrypoint`
	 * `entry_args`... `command`... (the launch's mount check). */
	char *entrypoint;
	struct strv entry_args;
	/* Hardening and limits. */
	bool cap_drop_all;
	struct strv cap_add;
	bool no_new_privileges;
	long long pids_limit;   /* 0: none */
	long long memory_bytes; /* 0: none */
	double cpus;            /* 0: none */
	char *network;          /* NULL: the engine's default; "none" */
	bool interactive;       /* keep stdin open */
	bool tty;
	bool init;
	bool remove;
};

void sc_container_spec_init(struct sc_container_spec *spec);
void sc_container_spec_release(struct sc_container_spec *spec);
void sc_container_spec_add_mount(struct sc_container_spec *spec, const char *source,
                                 const char *target, bool readonly, bool volume);
/* A bind mount added after the launch planned the container (a file of the
 * user's own, such as a download in the global directory): its identity
 * joins the mount check's expectations when the spec has one. */
/* The mount check's expectation of a bind mount at `target` whose source
 * is `st`: --bind=MAJOR:MINOR:INODE:TARGET (src/mountcheck/). */
struct stat;
char *sc_mountcheck_bind_arg(const struct stat *st, const char *target);
int sc_container_spec_add_checked_mount(struct sc_container_spec *spec, const char *source,
                                        const char *target, bool readonly, struct sc_error **err);

struct sc_engine;

struct sc_build_options {
	const char *context_dir; /* holds the Dockerfile */
	const char *dockerfile;  /* path; NULL: context_dir/Dockerfile */
	const char *tag;
	const char *network; /* NULL or "default": the engine's default */
	bool no_cache;
	struct strv labels; /* "key=value" */
	/* Called with each line of the build output (without newline). */
	void (*on_line)(void *ctx, const char *line);
	void *ctx;
};

/* A container sandcage made, as the engine lists it. */
struct sc_container_info {
	char *id;
	char *name;
	char *project;
	char *agent;
	char *status;  /* "Up 3 minutes" */
	char *created; /* as the engine prints it */
	char *image;
};

void sc_container_info_free(void *info);

struct sc_engine_ops {
	/* The argv that runs the container in the foreground. */
	void (*run_argv)(const struct sc_engine *e, const struct sc_container_spec *spec,
	                 struct strv *argv);
	int (*image_exists)(const struct sc_engine *e, const char *image, bool *exists,
	                    struct sc_error **err);
	/* The image's entrypoint (empty when it has none) appended to `out`. */
	int (*image_entrypoint)(const struct sc_engine *e, const char *image, struct strv *out,
	                        struct sc_error **err);
	/* Whether a volume of that name exists (the old shared home, whose
	 * logins move to the login store: src/plan/home.h). */
	int (*volume_exists)(const struct sc_engine *e, const char *name, bool *exists,
	                     struct sc_error **err);
	/* Builds an image; *status is the build's exit status (0 on success). */
	int (*build)(const struct sc_engine *e, const struct sc_build_options *opts, int *status,
	             struct sc_error **err);
	/* The running containers with label io.sandcage.managed=true, and, when
	 * `project` is not NULL, io.sandcage.project=project. Fills `out` with
	 * struct sc_container_info *. */
	int (*list)(const struct sc_engine *e, const char *project, struct vec *out,
	            struct sc_error **err);
	/* Stops and removes a container; absent is not an error. */
	int (*remove)(const struct sc_engine *e, const char *name, struct sc_error **err);

	/* Networks and containers in the background, for the proxy sidecar of
	 * `network.mode: allowlist`. */
	/* Creates a network; one of that name that exists is fine. `internal`:
	 * no route out, and no address of the host on it. */
	int (*network_create)(const struct sc_engine *e, const char *name, bool internal,
	                      const struct strv *labels, struct sc_error **err);
	/* Removes a network; absent is not an error. */
	int (*network_remove)(const struct sc_engine *e, const char *name, struct sc_error **err);
	/* Connects a container to a network; already connected is fine. */
	int (*network_connect)(const struct sc_engine *e, const char *network,
	                       const char *container, struct sc_error **err);
	/* Appends the network's subnets ("172.18.0.0/16") to `out`. */
	int (*network_subnets)(const struct sc_engine *e, const char *name, struct strv *out,
	                       struct sc_error **err);
	/* The containers with label io.sandcage.managed=true on `network`: those
	 * with io.sandcage.role=proxy (in any state) go to `proxies`, the others
	 * that run or are about to go to `agents`. */
	int (*network_members)(const struct sc_engine *e, const char *network, struct strv *agents,
	                       struct strv *proxies, struct sc_error **err);
	/* Creates the container without starting it (the spec's interactive and
	 * tty are ignored). A name in use fails with -EEXIST (err->code EEXIST). */
	int (*create)(const struct sc_engine *e, const struct sc_container_spec *spec,
	              struct sc_error **err);
	/* Starts a created container in the background. */
	int (*start)(const struct sc_engine *e, const char *name, struct sc_error **err);
	/* Unpacks a tar archive into `dir` of a created container (before it
	 * starts), with the owners it names: the data goes through a pipe,
	 * never a command line. */
	int (*copy_in)(const struct sc_engine *e, const char *name, const char *dir,
	               const void *tar, size_t len, struct sc_error **err);
	/* The container's state as the engine says it ("created", "running",
	 * "exited" ...), or "" when there is no such container. */
	int (*container_state)(const struct sc_engine *e, const char *name, char **state,
	                       struct sc_error **err);
	/* Runs argv in the running container, capturing its stdout and stderr;
	 * *status is its exit status. */
	int (*exec_capture)(const struct sc_engine *e, const char *name, char *const *argv,
	                    char **out, char **errout, int *status, struct sc_error **err);
	/* The container's standard output so far, and its standard error into
	 * *errout when that is not NULL; an absent container has none. */
	int (*logs)(const struct sc_engine *e, const char *name, char **out, char **errout,
	            struct sc_error **err);
};

struct sc_engine {
	const struct sc_engine_ops *ops;
	char *kind;    /* "docker" or "podman" */
	char *program; /* absolute path of the CLI */
};

/* `preference`: "docker", "podman", a path to either, or NULL/"" for
 * $SANDCAGE_ENGINE, else docker, else podman (the first found in PATH). */
int sc_engine_open(const char *preference, struct sc_engine **out, struct sc_error **err);
void sc_engine_free(struct sc_engine *e);
static inline void cleanup_enginep(struct sc_engine **e)
{
	sc_engine_free(*e);
}
#define _cleanup_engine_ _cleanup_(cleanup_enginep)

extern const struct sc_engine_ops sc_docker_cli_ops;
