/* The command table. Each command lives in its own file under src/cmd/ and
 * exports one `const struct sc_command`. Only main.c and src/cmd/ print to the
 * user and choose exit codes. */
#pragma once

#include "../util/error.h"

#include <getopt.h>

enum {
	SC_EXIT_OK = 0,
	SC_EXIT_FAILURE = 1,
	SC_EXIT_USAGE = 2,
};

struct sc_command {
	const char *name;
	const char *summary; /* one line, for `sandcage --help` */
	const char *usage;   /* "sandcage shell [-p PATH] [-- CMD [ARGS...]]" */
	const char *help;    /* option list and details for `sandcage help CMD` */
	/* argv[0] is the command name; options follow. Returns the exit code. */
	int (*run)(int argc, char **argv);
	bool hidden;
};

/* Prints "sandcage: error: MESSAGE" and the usage line of `cmd` to stderr,
 * returns SC_EXIT_USAGE. */
int sc_cmd_usage_error(const struct sc_command *cmd, const char *fmt, ...) _printf_(2, 3);
/* Prints the full help of `cmd` to stdout. */
void sc_cmd_print_help(const struct sc_command *cmd, FILE *out);
/* Prints an error (and its context) to stderr; returns the exit code to use. */
int sc_cmd_report(struct sc_error *err);

/* The getopt_long results every command treats alike: -h/--help, -v, -q, an
 * unknown option, a missing value (the option string starts with ":").
 * Returns -1 when parsing goes on; otherwise the command ends with the value
 * returned: SC_EXIT_OK after the help, SC_EXIT_USAGE after an error. */
int sc_cmd_option_default(const struct sc_command *cmd, int c, char **argv);

/* Handles the options every command accepts (-v, -q); true when handled. */
bool sc_cmd_common_option(int opt);
#define SC_CMD_COMMON_SHORTOPTS "vqh"
#define SC_CMD_COMMON_LONGOPTS                                                                     \
	{"verbose", no_argument, NULL, 'v'}, {"quiet", no_argument, NULL, 'q'},                    \
	{                                                                                          \
		"help", no_argument, NULL, 'h'                                                     \
	}

/* Runs the agent named argv[0] (a service of the configuration). */
int sc_cmd_run_agent(int argc, char **argv);

/* All commands, NULL-terminated, in the order `--help` lists them. */
extern const struct sc_command *const sc_commands[];
const struct sc_command *sc_command_find(const char *name);
