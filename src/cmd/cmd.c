/* Helpers the commands share: usage errors, help, error reports. */
#include "cmd.h"
#include "../os/random.h"
#include "../util/log.h"

#include <stdarg.h>
#include <time.h>

int sc_cmd_usage_error(const struct sc_command *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "sandcage: error: %s\n", msg);
	if (cmd)
		fprintf(stderr, "usage: %s\nTry `sandcage %s --help` for more.\n", cmd->usage,
		        cmd->name);
	else
		fprintf(stderr, "usage: sandcage [-v|-q] COMMAND [ARGS...]\n"
		                "Try `sandcage --help` for more.\n");
	return SC_EXIT_USAGE;
}

void sc_cmd_print_help(const struct sc_command *cmd, FILE *out)
{
	fprintf(out, "usage: %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->help && *cmd->help)
		fprintf(out, "\n%s", cmd->help);
	fprintf(out, "\nglobal options (before or after the command):\n"
	             "  -v, --verbose        more output (repeat for more)\n"
	             "  -q, --quiet          only errors\n"
	             "  -h, --help           this help\n");
}

int sc_cmd_report(struct sc_error *err)
{
	if (!err) {
		sc_log_error("failed (no details)");
		return SC_EXIT_FAILURE;
	}
	sc_log_error("%s", err->msg);
	return err->exit ? err->exit : SC_EXIT_FAILURE;
}

bool sc_cmd_common_option(int opt)
{
	switch (opt) {
	case 'v':
		if (sc_log_verbosity < 0)
			sc_log_verbosity = 0;
		sc_log_verbosity++;
		return true;
	case 'q':
		sc_log_verbosity = -1;
		return true;
	}
	return false;
}

int sc_cmd_option_default(const struct sc_command *cmd, int c, char **argv)
{
	switch (c) {
	case 'h':
		sc_cmd_print_help(cmd, stdout);
		return SC_EXIT_OK;
	case ':':
		return sc_cmd_usage_error(cmd, "option `%s` needs a value", argv[optind - 1]);
	case '?':
		if (optopt)
			return sc_cmd_usage_error(cmd, "unknown option `-%c`", optopt);
		return sc_cmd_usage_error(cmd, "unknown option `%s`", argv[optind - 1]);
	}
	if (!sc_cmd_common_option(c))
		return sc_cmd_usage_error(cmd, "unknown option");
	return -1;
}

void sc_cmd_random_suffix(char out[7])
{
	unsigned char rnd[3] = {0};
	if (os_random(rnd, sizeof(rnd)) < 0) {
		unsigned v = (unsigned)getpid() ^ (unsigned)time(NULL);
		memcpy(rnd, &v, sizeof(rnd));
	}
	snprintf(out, 7, "%02x%02x%02x", rnd[0], rnd[1], rnd[2]);
}
