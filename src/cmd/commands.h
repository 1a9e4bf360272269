/* What the command files export for the command table (table.c): each
 * command's options struct, option list and entry points. */
#pragma once

#include "cmd.h"

#define SC_AGENT(name)   extern const struct sc_command sc_cmd_##name;
#define SC_COMMAND(name) extern const struct sc_command sc_cmd_##name;
#define SC_RESERVED(name)
#include "../commands.def"
#undef SC_AGENT
#undef SC_COMMAND
#undef SC_RESERVED
/* Runs a service of the configuration (not in the table). */
extern const struct sc_command sc_cmd_agent;

/* build.c */
struct build_options {
	const char *project;
	bool force;
	bool no_cache;
	bool print;
};
extern const struct sc_option sc_build_options[];
int sc_build_run(const char *name, void *opts, const struct sc_cmd_operands *args);

/* logs.c */
struct logs_options {
	const char *project;
	bool denied;
};
extern const struct sc_option sc_logs_options[];
int sc_logs_run(const char *name, void *opts, const struct sc_cmd_operands *args);

/* trust.c */
struct trust_options {
	const char *project;
	bool yes;
	bool list;
	bool revoke;
};
extern const struct sc_option sc_trust_options[];
int sc_trust_run(const char *name, void *opts, const struct sc_cmd_operands *args);

/* config.c */
struct config_options {
	const char *project;
	bool json;
	bool paths_only;
};
extern const struct sc_option sc_config_options[];
int sc_config_run(const char *name, void *opts, const struct sc_cmd_operands *args);

/* ps.c */
struct ps_options {
	const char *project;
	bool json;
	bool all; /* stop */
};
extern const struct sc_option sc_ps_options[];
extern const struct sc_option sc_stop_options[];
int sc_ps_run(const char *name, void *opts, const struct sc_cmd_operands *args);
int sc_stop_run(const char *name, void *opts, const struct sc_cmd_operands *args);

/* init.c */
struct init_options {
	const char *project;
	bool force;
	bool print;
	int gitignore; /* enum gitignore_choice */
};
extern const struct init_options sc_init_defaults;
extern const struct sc_option sc_init_options[];
int sc_init_run(const char *name, void *opts, const struct sc_cmd_operands *args);

/* doctor.c */
struct doctor_options {
	const char *project;
	const char *image;
	bool json;
};
extern const struct sc_option sc_doctor_options[];
int sc_doctor_run(const char *name, void *opts, const struct sc_cmd_operands *args);

/* run.c */
struct run_options {
	const char *project;
	const char *image; /* run this image as it is, no build */
	bool shell;        /* agents: a shell in the agent's environment */
	char **rest;       /* after `--` */
};
extern const struct sc_option sc_shell_options[];
extern const struct sc_option sc_agent_options[];
/* sc_cmd_run_agent() (cmd.h) runs the agents. */
int sc_shell_run(const char *name, void *opts, const struct sc_cmd_operands *args);

/* setup_ssh.c */
struct setup_args {
	bool status;
	bool rotate;
	struct strv hosts; /* --add-host, as given */
};
extern const struct sc_option sc_setup_options[];
int sc_setup_run(const char *name, void *opts, const struct sc_cmd_operands *args);
int sc_setup_dispatch(int argc, char **argv);

/* acp.c */
extern const struct sc_option sc_acp_options[];
int sc_acp_dispatch(int argc, char **argv);

/* cmd.c */
int sc_help_run(const char *name, void *opts, const struct sc_cmd_operands *args);
int sc_version_run(const char *name, void *opts, const struct sc_cmd_operands *args);
