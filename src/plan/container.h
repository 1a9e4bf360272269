/* The container plan: from the configuration, the workspace and what the
 * user asked for to a container spec. Pure: the environment of the host and
 * the random part of the name come in as arguments. */
#pragma once

#include "../config/schema.h"
#include "../engine/engine.h"
#include "../workspace/workspace.h"

struct sc_container_input {
	const struct sc_config *cfg;
	const struct sc_workspace *ws;
	const char *image;
	/* The agent (a service) to run, or NULL for a shell. */
	const struct sc_service *service;
	/* With a service: a shell in its environment instead of the agent. */
	bool shell;
	/* No service: what runs, for the container's name and label
	 * ("doctor"), and it gets no agent's variables; NULL: a shell, which
	 * gets every enabled agent's. */
	const char *role;
	/* A command to run instead of the default one, or NULL. */
	char *const *command;
	/* Arguments after `--` for the agent. */
	char *const *args;
	bool tty;
	bool no_stdin;  /* the container's standard input is not kept open */
	bool home_only; /* the ACP installer: the ACP agents' volume and nothing
	                   else: no home, no project, no git directory, no
	                   configured mount, no SSH key (home.h) */
	/* The old shared home volume whose logins go into the login store
	 * (home.h), or NULL. */
	const char *migrate_volume;
	char *const *extra_env; /* "NAME=value", set after the planned ones */
	char *const *host_env;  /* "NAME=value", NULL-terminated (environ) */
	const char *global_dir; /* sandcage's global directory on the host (GLOBAL/ssh) */
	unsigned uid;
	unsigned gid;
	const char *suffix; /* random hex for the container name */
};

/* Host variables passed for the terminal, whatever the configuration says. */
extern const char *const sc_terminal_env[];

void sc_container_plan(const struct sc_container_input *in, struct sc_container_spec *spec);

/* "sandcage-PROJECT-AGENT-SUFFIX" with the characters a name may have. */
char *sc_container_name(const char *project, const char *agent, const char *suffix);
/* `s` as part of a Docker name: lowercase letters, digits, `_`, `.` and `-`
 * (anything else becomes `-`), starting with a letter or digit, at most 32
 * characters; may be empty. */
char *sc_docker_name_part(const char *s);
