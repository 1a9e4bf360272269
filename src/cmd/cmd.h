/* The commands. table.c holds the command table (one `const struct
 * sc_command` per command: name, usage, help); each command's code lives in
 * its own file under src/cmd/ and exports its options and its run (see
 * commands.h); cmd.c holds the one option parser, the help and sc_cmd_call().
 * Only main.c and src/cmd/ print to the user and choose exit codes. */
#pragma once

#include "../util/error.h"
#include "../util/vec.h"

#include <stddef.h>

enum {
	SC_EXIT_OK = 0,
	SC_EXIT_FAILURE = 1,
	SC_EXIT_USAGE = 2,
};

/* What an option does to the command's options struct when it is given. */
enum sc_option_kind {
	SC_OPT_FLAG,  /* the `bool` at .offset becomes true */
	SC_OPT_SET,   /* the `int` at .offset becomes .set (the last one given wins) */
	SC_OPT_VALUE, /* the `const char *` at .offset points to the value (last wins) */
	SC_OPT_LIST,  /* the value is appended to the `struct strv` at .offset */
};

/* One option of a command. A list of them ends with an entry without .name. */
struct sc_option {
	const char *name; /* the long name, without "--" */
	char letter;      /* the short name (-p), 0 for none */
	enum sc_option_kind kind;
	size_t offset;    /* offsetof() in the command's options struct */
	int set;          /* SC_OPT_SET: the value stored */
	const char *arg;  /* the value's name in the help ("PATH"); VALUE and LIST */
	const char *help; /* the help line(s); NULL: an alias, not listed */
};

/* An option list's entries, e.g.
 *   SC_OPTION_VALUE("project", 'p', struct opts, project, "PATH", "the project"),
 *   SC_OPTION_FLAG("json", 0, struct opts, json, "print JSON"),
 *   {0},
 */
#define SC_OPTION_FLAG(name_, letter_, type, field, help_)                                         \
	{                                                                                          \
		.name = (name_), .letter = (letter_), .kind = SC_OPT_FLAG,                         \
		.offset = offsetof(type, field), .help = (help_)                                   \
	}
#define SC_OPTION_SET(name_, letter_, type, field, value, help_)                                   \
	{                                                                                          \
		.name = (name_), .letter = (letter_), .kind = SC_OPT_SET,                          \
		.offset = offsetof(type, field), .set = (value), .help = (help_)                   \
	}
#define SC_OPTION_VALUE(name_, letter_, type, field, arg_, help_)                                  \
	{                                                                                          \
		.name = (name_), .letter = (letter_), .kind = SC_OPT_VALUE,                        \
		.offset = offsetof(type, field), .arg = (arg_), .help = (help_)                    \
	}
#define SC_OPTION_LIST(name_, letter_, type, field, arg_, help_)                                   \
	{                                                                                          \
		.name = (name_), .letter = (letter_), .kind = SC_OPT_LIST,                         \
		.offset = offsetof(type, field), .arg = (arg_), .help = (help_)                    \
	}

/* -p/--project PATH as most commands take it. */
#define SC_OPTION_PROJECT(type, field)                                                             \
	SC_OPTION_VALUE("project", 'p', type, field, "PATH",                                       \
	                "the project (default: the git root of the current directory)")

/* What is left of argv once the options are parsed. */
struct sc_cmd_operands {
	char **v; /* NULL-terminated (a part of argv) */
	int n;
	bool dashdash; /* the options ended with `--` */
};

struct sc_command {
	const char *name;
	const char *summary;  /* one line, for `sandcage --help` */
	const char *usage;    /* "sandcage shell [-p PATH] [--image IMAGE] [-- CMD [ARGS...]]" */
	const char *preamble; /* help text before the options (subcommands) */
	const struct sc_option *options; /* listed under "options:" in the help */
	const char *help;                /* help text after the options (details) */
	/* The struct the options are parsed into: its size (0: none) and its
	 * values before the options (NULL: all zero). */
	size_t opts_size;
	const void *opts_defaults;
	bool operands; /* false: an operand is a usage error */
	/* A subcommand (`acp list`): its usage, help and error messages are the
	 * parent's; an option of the parent it does not take is named in the
	 * error ("acp list: unknown option `--project`"). */
	const struct sc_command *parent;
	/* The command, called by sc_cmd_call() with argv parsed: `name` is
	 * argv[0] (a service's name for sc_cmd_agent), `opts` the options
	 * struct, `args` the operands. Returns the exit code. */
	int (*run)(const char *name, void *opts, const struct sc_cmd_operands *args);
	/* A command with subcommands (acp, setup) has this: the program calls it
	 * with argv as it is (argv[0] its name) instead of sc_cmd_call(); it
	 * picks the subcommand and passes the rest to sc_cmd_call() (setup: to
	 * itself, with its run). */
	int (*dispatch)(int argc, char **argv);
	bool hidden;
};

/* sc_cmd_parse() returns this when the command goes on. */
#define SC_CMD_GO_ON (-1)

/* The one option parser. Parses argv[1..argc-1] (argv[0] names the command)
 * by cmd->options into the struct `opts` points to; -v/--verbose,
 * -q/--quiet and -h/--help are every command's. Long options take their
 * value as `--name VALUE` or `--name=VALUE` and may be abbreviated while
 * unambiguous; short options may be grouped (`-fp PATH`, `-pPATH`). Options
 * end at the first operand or at `--`; the operands go to *rest (`rest` may
 * be NULL when cmd->operands is false: there are none then).
 * Returns SC_CMD_GO_ON, or the exit code the command ends with: SC_EXIT_OK
 * after the help was printed, SC_EXIT_USAGE after a usage error (printed). */
int sc_cmd_parse(const struct sc_command *cmd, int argc, char **argv, void *opts,
                 struct sc_cmd_operands *rest);

/* Parses argv by `cmd` (sc_cmd_parse) into a new options struct, then calls
 * cmd->run; frees the lists the options collected. Returns the exit code
 * (after --help or a usage error, sc_cmd_parse's). */
int sc_cmd_call(const struct sc_command *cmd, int argc, char **argv);

/* Prints "sandcage: error: MESSAGE" and the usage line of `cmd` (NULL: of
 * sandcage) to stderr, returns SC_EXIT_USAGE. */
int sc_cmd_usage_error(const struct sc_command *cmd, const char *fmt, ...) _printf_(2, 3);
/* Prints the full help of `cmd` (NULL: of sandcage) to `out`. */
void sc_cmd_print_help(const struct sc_command *cmd, FILE *out);
/* Prints an error (and its context) to stderr; returns the exit code to use. */
int sc_cmd_report(struct sc_error *err);

/* Runs the agent `name` (a built-in or a service of the configuration): the
 * run of the agents' commands. */
int sc_cmd_run_agent(const char *name, void *opts, const struct sc_cmd_operands *args);

/* All commands, NULL-terminated, in the order `--help` lists them. */
extern const struct sc_command *const sc_commands[];
const struct sc_command *sc_command_find(const char *name);

/* The program: global options, then a command of the table, or a service of
 * the configuration. Returns the exit code. */
int sc_cmd_main(int argc, char **argv);
