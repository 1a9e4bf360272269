/* The one option parser, the help, and the program's entry: global options,
 * then a command of the table (table.c). */
#include "cmd.h"
#include "../util/log.h"
#include "commands.h"
#include "sc-config.h"

#include <stdarg.h>

const struct sc_command *sc_command_find(const char *name)
{
	for (size_t i = 0; sc_commands[i]; i++)
		if (streq(sc_commands[i]->name, name))
			return sc_commands[i];
	return NULL;
}

/* ---- the program's own options ---- */

struct main_options {
	bool version;
};

static const struct sc_option main_options[] = {
    SC_OPTION_FLAG("version", 'V', struct main_options, version, NULL),
    {0},
};

/* Not in the table: it stands for `sandcage` itself in the parser. */
static const struct sc_command main_command = {
    .name = "sandcage",
    .options = main_options,
    .operands = true,
};

static bool is_main(const struct sc_command *cmd)
{
	return !cmd || cmd == &main_command;
}

/* ---- messages and help ---- */

int sc_cmd_usage_error(const struct sc_command *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "sandcage: error: %s\n", msg);
	while (cmd && cmd->parent)
		cmd = cmd->parent;
	if (!is_main(cmd))
		fprintf(stderr, "usage: %s\nTry `sandcage %s --help` for more.\n", cmd->usage,
		        cmd->name);
	else
		fprintf(stderr, "usage: sandcage [-v|-q] COMMAND [ARGS...]\n"
		                "Try `sandcage --help` for more.\n");
	return SC_EXIT_USAGE;
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

/* The help column starts here; longer names push it to the next line's. */
#define HELP_COLUMN 23

static void print_option(const struct sc_option *o, FILE *out)
{
	char left[64];
	bool value = o->kind == SC_OPT_VALUE || o->kind == SC_OPT_LIST;
	snprintf(left, sizeof(left), "%c%c%c --%s%s%s", o->letter ? '-' : ' ',
	         o->letter ? o->letter : ' ', o->letter ? ',' : ' ', o->name, value ? " " : "",
	         value && o->arg ? o->arg : "");
	fprintf(out, "  %-*s  ", HELP_COLUMN - 4, left);
	/* Lines after the first start at the help column too. */
	for (const char *p = o->help; *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(out, "%.*s\n", (int)n, p);
		p += n;
		if (*p == '\n' && *++p)
			fprintf(out, "%*s", HELP_COLUMN, "");
	}
}

void sc_cmd_print_help(const struct sc_command *cmd, FILE *out)
{
	while (cmd && cmd->parent)
		cmd = cmd->parent;
	if (is_main(cmd)) {
		print_main_help(out);
		return;
	}
	fprintf(out, "usage: %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->preamble)
		fprintf(out, "\n%s", cmd->preamble);
	bool any = false;
	for (const struct sc_option *o = cmd->options; o && o->name; o++) {
		if (!o->help)
			continue;
		if (!any)
			fprintf(out, "\noptions:\n");
		any = true;
		print_option(o, out);
	}
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

/* ---- the parser ---- */

enum common_option { COMMON_VERBOSE = 1, COMMON_QUIET, COMMON_HELP };

/* -v, -q and -h: every command's, handled here. */
static const struct sc_option common_options[] = {
    {.name = "verbose", .letter = 'v', .kind = SC_OPT_FLAG, .set = COMMON_VERBOSE},
    {.name = "quiet", .letter = 'q', .kind = SC_OPT_FLAG, .set = COMMON_QUIET},
    {.name = "help", .letter = 'h', .kind = SC_OPT_FLAG, .set = COMMON_HELP},
    {0},
};

/* Where an option was found: the command's own, its parent's (which the
 * command does not take), or the common ones. */
enum option_owner { OWN, PARENT, COMMON };

struct found {
	const struct sc_option *opt;
	enum option_owner owner;
};

static void option_lists(const struct sc_command *cmd, const struct sc_option *lists[3])
{
	lists[OWN] = cmd->options;
	lists[PARENT] = cmd->parent ? cmd->parent->options : NULL;
	lists[COMMON] = common_options;
}

/* The parent's options the command takes are its own. */
static bool shadowed(const struct sc_command *cmd, int list, const struct sc_option *o)
{
	if (list != PARENT)
		return false;
	for (const struct sc_option *own = cmd->options; own && own->name; own++)
		if (streq(own->name, o->name))
			return true;
	return false;
}

static bool find_letter(const struct sc_command *cmd, char c, struct found *f)
{
	const struct sc_option *lists[3];
	option_lists(cmd, lists);
	for (int l = OWN; l <= COMMON; l++)
		for (const struct sc_option *o = lists[l]; o && o->name; o++)
			if (o->letter && o->letter == c && !shadowed(cmd, l, o)) {
				*f = (struct found){o, (enum option_owner)l};
				return true;
			}
	return false;
}

/* An exact name, else the one option the name abbreviates; two options
 * that differ only in their name (aliases) count as one. */
static bool find_name(const struct sc_command *cmd, const char *name, size_t len, struct found *f)
{
	const struct sc_option *lists[3];
	option_lists(cmd, lists);
	struct found prefix = {0};
	bool ambiguous = false;
	for (int l = OWN; l <= COMMON; l++)
		for (const struct sc_option *o = lists[l]; o && o->name; o++) {
			if (strncmp(o->name, name, len) != 0 || shadowed(cmd, l, o))
				continue;
			if (o->name[len] == '\0') {
				*f = (struct found){o, (enum option_owner)l};
				return true;
			}
			if (!prefix.opt)
				prefix = (struct found){o, (enum option_owner)l};
			else if (prefix.opt->kind != o->kind || prefix.opt->offset != o->offset ||
			         prefix.opt->set != o->set || prefix.owner != (enum option_owner)l)
				ambiguous = true;
		}
	if (!prefix.opt || ambiguous)
		return false;
	*f = prefix;
	return true;
}

/* Applies an option found; SC_CMD_GO_ON or an exit code. */
static int apply(const struct sc_command *cmd, const struct found *f, const char *value, void *opts)
{
	const struct sc_option *o = f->opt;
	if (f->owner == PARENT)
		return sc_cmd_usage_error(cmd, "%s: unknown option `--%s`", cmd->name, o->name);
	if (f->owner == COMMON) {
		switch (o->set) {
		case COMMON_VERBOSE:
			if (sc_log_verbosity < 0)
				sc_log_verbosity = 0;
			sc_log_verbosity++;
			break;
		case COMMON_QUIET:
			sc_log_verbosity = -1;
			break;
		case COMMON_HELP:
			sc_cmd_print_help(cmd, stdout);
			return SC_EXIT_OK;
		}
		return SC_CMD_GO_ON;
	}
	char *field = (char *)opts + o->offset;
	switch (o->kind) {
	case SC_OPT_FLAG:
		*(bool *)(void *)field = true;
		break;
	case SC_OPT_SET:
		*(int *)(void *)field = o->set;
		break;
	case SC_OPT_VALUE:
		*(const char **)(void *)field = value;
		break;
	case SC_OPT_LIST:
		strv_push((struct strv *)(void *)field, value);
		break;
	}
	return SC_CMD_GO_ON;
}

static bool takes_value(const struct sc_option *o)
{
	return o->kind == SC_OPT_VALUE || o->kind == SC_OPT_LIST;
}

/* "--name", "--name=VALUE", "--name VALUE" at argv[*i]. */
static int parse_long(const struct sc_command *cmd, int argc, char **argv, int *i, void *opts)
{
	const char *arg = argv[*i];
	const char *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	struct found f;
	if (!find_name(cmd, name, len, &f))
		return sc_cmd_usage_error(cmd, "unknown option `%s`", arg);
	const char *value = NULL;
	if (f.owner != PARENT && takes_value(f.opt)) {
		if (eq)
			value = eq + 1;
		else if (*i + 1 < argc)
			value = argv[++*i];
		else
			return sc_cmd_usage_error(cmd, "option `%s` needs a value", arg);
	} else if (eq && f.owner != PARENT) {
		return sc_cmd_usage_error(cmd, "option `--%s` takes no value", f.opt->name);
	}
	return apply(cmd, &f, value, opts);
}

/* "-abc", "-pVALUE", "-p VALUE" at argv[*i]. */
static int parse_short(const struct sc_command *cmd, int argc, char **argv, int *i, void *opts)
{
	const char *arg = argv[*i];
	for (const char *p = arg + 1; *p; p++) {
		struct found f;
		if (!find_letter(cmd, *p, &f))
			return sc_cmd_usage_error(cmd, "unknown option `-%c`", *p);
		const char *value = NULL;
		if (f.owner != PARENT && takes_value(f.opt)) {
			if (p[1])
				value = p + 1;
			else if (*i + 1 < argc)
				value = argv[++*i];
			else
				return sc_cmd_usage_error(cmd, "option `%s` needs a value", arg);
		}
		int r = apply(cmd, &f, value, opts);
		if (r != SC_CMD_GO_ON || value)
			return r;
	}
	return SC_CMD_GO_ON;
}

int sc_cmd_parse(const struct sc_command *cmd, int argc, char **argv, void *opts,
                 struct sc_cmd_operands *rest)
{
	int i = 1;
	bool dashdash = false;
	for (; i < argc; i++) {
		const char *arg = argv[i];
		if (streq(arg, "--")) {
			dashdash = true;
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		int r = arg[1] == '-' ? parse_long(cmd, argc, argv, &i, opts)
		                      : parse_short(cmd, argc, argv, &i, opts);
		if (r != SC_CMD_GO_ON)
			return r;
	}
	if (i < argc && !cmd->operands) {
		if (cmd->parent)
			return sc_cmd_usage_error(cmd, "%s: unexpected argument `%s`", cmd->name,
			                          argv[i]);
		return sc_cmd_usage_error(cmd, "unexpected argument `%s`", argv[i]);
	}
	if (rest)
		*rest =
		    (struct sc_cmd_operands){.v = argv + i, .n = argc - i, .dashdash = dashdash};
	return SC_CMD_GO_ON;
}

/* ---- help, version ---- */

int sc_cmd_call(const struct sc_command *cmd, int argc, char **argv)
{
	_cleanup_free_ void *opts = NULL;
	if (cmd->opts_size) {
		opts = xmalloc(cmd->opts_size);
		if (cmd->opts_defaults)
			memcpy(opts, cmd->opts_defaults, cmd->opts_size);
		else
			memset(opts, 0, cmd->opts_size);
	}
	struct sc_cmd_operands args;
	int r = sc_cmd_parse(cmd, argc, argv, opts, &args);
	if (r == SC_CMD_GO_ON)
		r = cmd->run(argv[0], opts, &args);
	for (const struct sc_option *o = cmd->options; opts && o && o->name; o++)
		if (o->kind == SC_OPT_LIST)
			strv_release((struct strv *)(void *)((char *)opts + o->offset));
	return r;
}

/* ---- help, version ---- */

int sc_help_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	if (args->n == 0) {
		print_main_help(stdout);
		return SC_EXIT_OK;
	}
	if (args->n > 1)
		return sc_cmd_usage_error(&sc_cmd_help, "too many arguments");
	const struct sc_command *cmd = sc_command_find(args->v[0]);
	if (!cmd)
		return sc_cmd_usage_error(&sc_cmd_help, "unknown command `%s`", args->v[0]);
	sc_cmd_print_help(cmd, stdout);
	return SC_EXIT_OK;
}

int sc_version_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	printf("sandcage %s\n", SC_VERSION);
	return SC_EXIT_OK;
}

/* ---- the program ---- */

/* Services of the configuration (custom harnesses) are commands too. */
static bool service_like(const char *n)
{
	return *n >= 'a' && *n <= 'z' && !n[strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_-")];
}

int sc_cmd_main(int argc, char **argv)
{
	struct main_options o = {0};
	struct sc_cmd_operands args;
	int r = sc_cmd_parse(&main_command, argc, argv, &o, &args);
	if (r != SC_CMD_GO_ON)
		return r;
	if (o.version) {
		printf("sandcage %s\n", SC_VERSION);
		return SC_EXIT_OK;
	}
	if (args.n == 0) {
		print_main_help(stderr);
		return SC_EXIT_USAGE;
	}
	const struct sc_command *cmd = sc_command_find(args.v[0]);
	if (!cmd && !service_like(args.v[0]))
		return sc_cmd_usage_error(NULL, "unknown command `%s`", args.v[0]);
	fflush(stdout);
	if (cmd && cmd->dispatch)
		r = cmd->dispatch(args.n, args.v);
	else
		r = sc_cmd_call(cmd ? cmd : &sc_cmd_agent, args.n, args.v);
	if (fflush(stdout) != 0 && r == SC_EXIT_OK) {
		sc_log_error("write to stdout: %s", strerror(errno));
		r = SC_EXIT_FAILURE;
	}
	return r;
}
