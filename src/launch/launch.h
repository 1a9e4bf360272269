/* The launch layer: from a request (which agent, which project, a terminal
 * or a relay, the image) to everything a session needs: the workspace, the
 * configuration (loaded, checked and trusted), the engine, the image (built
 * when needed), the container spec with its protection mounts, and the
 * network of `network.mode: allowlist`. Every command that starts a
 * container goes through here, so that each check is written once.
 *
 * The steps are public for the commands that need them one at a time (doctor
 * reports each; `acp install` reads the configuration before it knows it
 * needs a container); sc_launch_prepare() takes them all in order. Nothing
 * here prints: questions, notices and build progress go to the caller's
 * struct sc_launch_ui. */
#pragma once

#include "../config/schema.h"
#include "../engine/engine.h"
#include "../session/network.h"
#include "../workspace/workspace.h"
#include "image.h"
#include "trust.h"

struct sc_launch;
struct sc_guard;

enum sc_launch_level {
	SC_LAUNCH_NOTICE,
	SC_LAUNCH_WARN,
};

/* How the launch talks to the user; every member may be NULL. */
struct sc_launch_ui {
	/* A project file whose content is not trusted (st->state NEW or
	 * CHANGED), on a terminal: true trusts it now. NULL, or no terminal
	 * (`interactive` false): refused, with what it grants in the error. */
	bool (*approve)(void *ctx, const struct sc_trust_file *file);
	bool interactive;
	/* A notice or warning, without "sandcage: " or a newline. */
	void (*say)(void *ctx, enum sc_launch_level level, const char *msg);
	const struct sc_build_observer *build;
	bool verbose_build; /* the observer shows every line of a build */
	void *ctx;
};

/* What the launch needs to know of the host; sc_launch_host_current() fills
 * it from this process. */
struct sc_launch_host {
	char *const *env; /* "NAME=value", NULL-terminated */
	unsigned uid;
	unsigned gid;
	const char *user_name;  /* NULL: unknown */
	const char *global_dir; /* $SANDCAGE_HOME, else ~/.sandcage */
	const char *suffix;     /* 6 hex digits for the container name; NULL: random */
};

struct sc_launch_request {
	/* The project (NULL: the current directory) and the command-line layer
	 * of the configuration (NULL: none). */
	const char *project;
	const struct sc_value *flags;

	/* What runs: at most one of `agent` (a service of the configuration,
	 * `sandcage AGENT`) and `acp_agent` (`sandcage acp run NAME`: an
	 * installed registry agent, or a service that speaks ACP); neither: a
	 * shell, or `command`, named `role` ("doctor"; NULL: "shell"). */
	const char *agent;
	const char *acp_agent;
	const char *role;
	bool shell;           /* with `agent`: a shell in its environment */
	char *const *command; /* instead of the default command */
	char *const *args;    /* after `--`: the agent's arguments */
	/* Called once the protection mounts are known, to append to the
	 * command what depends on them (doctor's probe). */
	void (*append_command)(void *ctx, const struct sc_launch *l, struct strv *command);
	void *append_ctx;
	char *const *extra_env; /* "NAME=value", after the planned variables */

	/* How it runs. */
	const char *image; /* run this image as it is; NULL/"": the configured one,
	                      built when missing or stale */
	bool tty;
	bool no_stdin;  /* standard input is not kept open */
	bool home_only; /* the home volume only: no project, no protection, no
	                   network sidecar, no trust gate (nothing of the project
	                   is read into the container) */

	const struct sc_launch_ui *ui;     /* NULL: no questions, nothing said */
	const struct sc_launch_host *host; /* NULL: this process's */
	struct sc_engine *engine;          /* borrowed; NULL: the configured engine */
	bool no_engine;                    /* plans only: no engine is opened */
};

struct sc_launch {
	struct sc_workspace *ws;
	struct sc_config *cfg;
	struct sc_engine *engine;
	char *global_dir;
	/* The service that runs, or NULL (a shell, a role). */
	const struct sc_service *service;
	/* For an installed ACP agent: its command and variables. */
	struct strv acp_command;
	struct strv acp_env;
	char *image;
	struct sc_container_spec spec;
	/* What the protection mounted: read-only paths, masked files. */
	struct strv protected_paths;
	struct strv masked_files;
	struct sc_network_session *net;
	/* The credential proxy's plan: the keys, for the sidecar (no uses: none). */
	struct sc_cred_plan cred;
	/* The git files that must not change, as they were at the start. */
	struct sc_guard *git_guard;

	/* private */
	struct sc_launch_host host;
	struct strv host_strings; /* what `host` points to when it was filled here */
	bool own_engine;
	struct sc_service own_service;
	char *own_service_name;
};

void sc_launch_host_current(struct sc_launch_host *host, struct strv *storage);

/* All steps: open, check (unless home_only), image, plan. On failure *out is
 * not set and everything made is undone. Errors carry the exit code to use
 * (err->exit: 2 for an unknown agent name). */
int sc_launch_prepare(const struct sc_launch_request *req, struct sc_launch **out,
                      struct sc_error **err);

/* The steps after open: check (unless home_only), image, plan. */
int sc_launch_complete(struct sc_launch *l, const struct sc_launch_request *req,
                       struct sc_error **err);

/* The steps one by one, each on the launch the one before made. */
/* The workspace (with a notice outside git), the configuration, the engine,
 * and which service runs (an unknown or disabled one is an error). */
int sc_launch_open(const struct sc_launch_request *req, struct sc_launch **out,
                   struct sc_error **err);
/* The project root (sc_launch_project_check: not the home directory, `/`,
 * a credential, system or shared directory), the security rules and the
 * trust gate; the SSH key when ssh.enabled. sc_launch_plan() checks the root
 * again unless home_only. */
int sc_launch_check(struct sc_launch *l, const struct sc_launch_request *req,
                    struct sc_error **err);
/* req->image, else the configured image, built when needed. */
int sc_launch_image(struct sc_launch *l, const struct sc_launch_request *req,
                    struct sc_error **err);
/* The container spec, the protection mounts and, with allowlist, the network
 * and its sidecar (which sc_launch_end() or sc_launch_release() removes).
 * Called again, it plans a new container (a new name) in place of the last,
 * unless that one has a network. */
int sc_launch_plan(struct sc_launch *l, const struct sc_launch_request *req, struct sc_error **err);

/* After the container ended: the network's teardown; appends to `denied`
 * (may be NULL) what its proxy refused ("host:port"). */
int sc_launch_end(struct sc_launch *l, struct strv *denied, struct sc_error **err);
/* After the container ended: appends to `changed` the git files that make
 * host git run code or redirect it (config, hooks, commondir, a worktree's
 * or submodule's metadata, a rebase's todo list, a repository nested in the
 * project) that changed or appeared during the session; a `commondir` that
 * appeared in a repository's git directory is moved aside (the entry says
 * where). */
void sc_launch_git_changes(const struct sc_launch *l, struct strv *changed);
/* Undoes what is left (the network, when sc_launch_end() was not called)
 * and frees. */
void sc_launch_release(struct sc_launch *l);
static inline void cleanup_launchp(struct sc_launch **l)
{
	sc_launch_release(*l);
}
#define _cleanup_launch_ _cleanup_(cleanup_launchp)

/* The image request of a build for this host, reporting to `ui` (may be
 * NULL); force and no_cache are the caller's to set. */
void sc_launch_image_request(const struct sc_launch_host *host, const struct sc_launch_ui *ui,
                             struct sc_image_request *ir);

/* The registry agent a built-in agent speaks ACP through ("claude" ->
 * "claude-acp"), or NULL. */
const char *sc_launch_acp_alias(const char *name);
