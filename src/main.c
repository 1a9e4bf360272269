/* sandcage: run AI coding agents in isolated containers.
 * Global options, the command table, exit codes. */
#include "cmd/cmd.h"
#include "sc-config.h"
#include "util/log.h"

#include <locale.h>

extern const struct sc_command sc_cmd_claude;
extern const struct sc_command sc_cmd_codex;
extern const struct sc_command sc_cmd_gemini;
extern const struct sc_command sc_cmd_shell;
extern const struct sc_command sc_cmd_build;
extern const struct sc_command sc_cmd_config;
extern const struct sc_command sc_cmd_init;
extern const struct sc_command sc_cmd_setup;
extern const struct sc_command sc_cmd_acp;
extern const struct sc_command sc_cmd_ps;
extern const struct sc_command sc_cmd_stop;
extern const struct sc_command sc_cmd_logs;
extern const struct sc_command sc_cmd_trust;
extern const struct sc_command sc_cmd_doctor;
extern const struct sc_command sc_cmd_help;
extern const struct sc_command sc_cmd_version;

const struct sc_command *const sc_commands[] = {
    &sc_cmd_claude, &sc_cmd_codex,  &sc_cmd_gemini, &sc_cmd_shell,   &sc_cmd_build, &sc_cmd_config,
    &sc_cmd_init,   &sc_cmd_setup,  &sc_cmd_acp,    &sc_cmd_ps,      &sc_cmd_stop,  &sc_cmd_logs,
    &sc_cmd_trust,  &sc_cmd_doctor, &sc_cmd_help,   &sc_cmd_version, NULL,
};

const struct sc_command *sc_command_find(const char *name)
{
	for (size_t i = 0; sc_commands[i]; i++)
		if (streq(sc_commands[i]->name, name))
			return sc_commands[i];
	return NULL;
}

static void print_main_help(FILE *out)
{
	fprintf(out, "usage: sandcage [-v|-q] COMMAND [ARGS...]\n\n"
	             "Run AI coding agents in isolated containers; the project is mounted in,\n"
	             "the rest of your machine stays out.\n\ncommands:\n");
	for (size_t i = 0; sc_commands[i]; i++)
		if (!sc_commands[i]->hidden)
			fprintf(out, "  %-12s %s\n", sc_commands[i]->name, sc_commands[i]->summary);
	fprintf(out, "\noptions:\n"
	             "  -v, --verbose  more output (repeat for more)\n"
	             "  -q, --quiet    only errors\n"
	             "  -h, --help     this help\n"
	             "  -V, --version  print the version\n\n"
	             "`sandcage help COMMAND` or `sandcage COMMAND --help` tells more.\n");
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		print_main_help(stdout);
		return SC_EXIT_OK;
	}
	if (argc > 2)
		return sc_cmd_usage_error(&sc_cmd_help, "too many arguments");
	const struct sc_command *cmd = sc_command_find(argv[1]);
	if (!cmd)
		return sc_cmd_usage_error(&sc_cmd_help, "unknown command `%s`", argv[1]);
	sc_cmd_print_help(cmd, stdout);
	return SC_EXIT_OK;
}

const struct sc_command sc_cmd_help = {
    .name = "help",
    .summary = "Show help for sandcage or one command.",
    .usage = "sandcage help [COMMAND]",
    .run = cmd_help,
};

static int cmd_version(int argc, char **argv)
{
	if (argc > 1)
		return sc_cmd_usage_error(&sc_cmd_version, "unexpected argument `%s`", argv[1]);
	printf("sandcage %s\n", SC_VERSION);
	return SC_EXIT_OK;
}

const struct sc_command sc_cmd_version = {
    .name = "version",
    .summary = "Print the version.",
    .usage = "sandcage version",
    .run = cmd_version,
};

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (streq(a, "-h") || streq(a, "--help")) {
			print_main_help(stdout);
			return SC_EXIT_OK;
		} else if (streq(a, "-V") || streq(a, "--version")) {
			printf("sandcage %s\n", SC_VERSION);
			return SC_EXIT_OK;
		} else if (streq(a, "-v") || streq(a, "--verbose")) {
			sc_cmd_common_option('v');
		} else if (streq(a, "-vv")) {
			sc_cmd_common_option('v');
			sc_cmd_common_option('v');
		} else if (streq(a, "-q") || streq(a, "--quiet")) {
			sc_cmd_common_option('q');
		} else {
			return sc_cmd_usage_error(NULL, "unknown option `%s`", a);
		}
	}
	if (i >= argc) {
		print_main_help(stderr);
		return SC_EXIT_USAGE;
	}
	const struct sc_command *cmd = sc_command_find(argv[i]);
	if (!cmd) {
		/* Services of the configuration (custom harnesses) are commands
		 * too; a name that cannot be a service is a usage error now. */
		const char *n = argv[i];
		bool service_like = *n >= 'a' && *n <= 'z' &&
		                    !n[strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_-")];
		if (!service_like)
			return sc_cmd_usage_error(NULL, "unknown command `%s`", argv[i]);
		return sc_cmd_run_agent(argc - i, argv + i);
	}
	fflush(stdout);
	int r = cmd->run(argc - i, argv + i);
	if (fflush(stdout) != 0 && r == SC_EXIT_OK) {
		sc_log_error("write to stdout: %s", strerror(errno));
		r = SC_EXIT_FAILURE;
	}
	return r;
}
