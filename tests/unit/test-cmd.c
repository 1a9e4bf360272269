/* Unit tests for src/cmd/cmd.c: the one option parser, the help it
 * generates, and the command table; and doctor's credentials report
 * (src/cmd/doctor_creds.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cmd/cmd.h"
#include "cmd/doctor.h"
#include "config/schema.h"
#include "support.h"
#include "util/log.h"
#include "util/strbuf.h"

#include <fcntl.h>
#include <unistd.h>

struct opts {
	const char *project;
	const char *image;
	bool force;
	bool json;
	int mode;
	struct strv hosts;
};

static const struct sc_option test_options[] = {
    SC_OPTION_VALUE("project", 'p', struct opts, project, "PATH", "the project"),
    SC_OPTION_VALUE("image", 0, struct opts, image, "IMAGE", "an image\nover two lines"),
    SC_OPTION_FLAG("force", 'f', struct opts, force, "force it"),
    SC_OPTION_FLAG("print", 0, struct opts, json, NULL),
    SC_OPTION_FLAG("json", 0, struct opts, json, "JSON"),
    SC_OPTION_SET("yes", 0, struct opts, mode, 1, "yes"),
    SC_OPTION_SET("no", 0, struct opts, mode, 2, "no"),
    SC_OPTION_LIST("add-host", 0, struct opts, hosts, "LINE", "a host; may be repeated"),
    {0},
};

static const struct sc_command test_command = {
    .name = "test",
    .summary = "A command for the tests.",
    .usage = "sandcage test [-p PATH] [ARGS...]",
    .options = test_options,
    .help = "Details.\n",
    .operands = true,
};

static const struct sc_option sub_options[] = {
    SC_OPTION_FLAG("json", 0, struct opts, json, NULL),
    {0},
};

static const struct sc_command test_sub = {
    .name = "test sub",
    .parent = &test_command,
    .options = sub_options,
};

/* What sc_cmd_parse returned, printed to stdout and stderr, and left. */
struct parsed {
	int r;
	struct opts o;
	struct sc_cmd_operands rest;
	char out[4096];
	char err[4096];
};

static void read_back(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static char **argv_of(const char *const *args)
{
	static char *argv[32];
	size_t i = 0;
	for (; args[i]; i++)
		argv[i] = (char *)args[i];
	argv[i] = NULL;
	return argv;
}

#define PARSE(p, cmd, ...) parse_args((p), (cmd), (const char *const[]){__VA_ARGS__, NULL})

static void parse_args(struct parsed *p, const struct sc_command *cmd, const char *const *args)
{
	memset(p, 0, sizeof(*p));
	char **argv = argv_of(args);
	int argc = 0;
	while (argv[argc])
		argc++;
	char out_name[] = "/tmp/sc-test-cmd-out-XXXXXX", err_name[] = "/tmp/sc-test-cmd-err-XXXXXX";
	int out = mkstemp(out_name), err = mkstemp(err_name);
	assert_true(out >= 0 && err >= 0);
	unlink(out_name);
	unlink(err_name);
	fflush(stdout);
	fflush(stderr);
	int saved_out = dup(1), saved_err = dup(2);
	dup2(out, 1);
	dup2(err, 2);
	p->r = sc_cmd_parse(cmd, argc, argv, &p->o, &p->rest);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	read_back(out, p->out, sizeof(p->out));
	read_back(err, p->err, sizeof(p->err));
}

static void release(struct parsed *p)
{
	strv_release(&p->o.hosts);
}

static void test_values_and_flags(void **state)
{
	struct parsed p;
	PARSE(&p, &test_command, "test", "--project", "/a", "--image=img", "-f", "--json");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_string_equal(p.o.project, "/a");
	assert_string_equal(p.o.image, "img");
	assert_true(p.o.force);
	assert_true(p.o.json);
	assert_int_equal(p.rest.n, 0);
	assert_null(p.rest.v[0]);
	assert_false(p.rest.dashdash);
	assert_string_equal(p.err, "");

	/* -pVALUE, -p VALUE; the last one wins; an empty value is a value. */
	PARSE(&p, &test_command, "test", "-p/b", "-p", "/c", "--image=");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_string_equal(p.o.project, "/c");
	assert_string_equal(p.o.image, "");

	/* A value may start with a dash: it is the option's. */
	PARSE(&p, &test_command, "test", "--project", "-f");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_string_equal(p.o.project, "-f");
	assert_false(p.o.force);
}

static void test_grouped_short_options(void **state)
{
	struct parsed p;
	int verbosity = sc_log_verbosity;
	PARSE(&p, &test_command, "test", "-fp", "/a", "x");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_true(p.o.force);
	assert_string_equal(p.o.project, "/a");
	assert_int_equal(p.rest.n, 1);
	assert_string_equal(p.rest.v[0], "x");

	PARSE(&p, &test_command, "test", "-fpq");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_string_equal(p.o.project, "q");

	sc_log_verbosity = 0;
	PARSE(&p, &test_command, "test", "-vfv");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_int_equal(sc_log_verbosity, 2);
	PARSE(&p, &test_command, "test", "--quiet");
	assert_int_equal(sc_log_verbosity, -1);
	PARSE(&p, &test_command, "test", "--verbose");
	assert_int_equal(sc_log_verbosity, 1);
	sc_log_verbosity = verbosity;
}

static void test_set_and_list(void **state)
{
	struct parsed p;
	PARSE(&p, &test_command, "test", "--yes", "--no");
	assert_int_equal(p.o.mode, 2);
	PARSE(&p, &test_command, "test", "--no", "--yes");
	assert_int_equal(p.o.mode, 1);
	PARSE(&p, &test_command, "test", "--add-host", "a b c", "--add-host=d e f");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_int_equal(p.o.hosts.len, 2);
	assert_string_equal(p.o.hosts.v[0], "a b c");
	assert_string_equal(p.o.hosts.v[1], "d e f");
	release(&p);
}

static void test_operands_and_dashdash(void **state)
{
	struct parsed p;
	/* Options end at the first operand. */
	PARSE(&p, &test_command, "test", "-f", "a", "--json", "-p");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_false(p.o.json);
	assert_int_equal(p.rest.n, 3);
	assert_string_equal(p.rest.v[0], "a");
	assert_string_equal(p.rest.v[1], "--json");
	assert_false(p.rest.dashdash);

	/* ... and at `--`, which is not an operand itself. */
	PARSE(&p, &test_command, "test", "--json", "--", "-f", "--");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_true(p.o.json);
	assert_false(p.o.force);
	assert_true(p.rest.dashdash);
	assert_int_equal(p.rest.n, 2);
	assert_string_equal(p.rest.v[0], "-f");
	assert_string_equal(p.rest.v[1], "--");

	PARSE(&p, &test_command, "test", "--");
	assert_true(p.rest.dashdash);
	assert_int_equal(p.rest.n, 0);

	/* A lone dash is an operand (stdin, by convention). */
	PARSE(&p, &test_command, "test", "-");
	assert_int_equal(p.rest.n, 1);
	assert_string_equal(p.rest.v[0], "-");
}

static const char test_usage_tail[] = "usage: sandcage test [-p PATH] [ARGS...]\n"
                                      "Try `sandcage test --help` for more.\n";

static void assert_usage_error(const struct parsed *p, const char *msg)
{
	assert_int_equal(p->r, SC_EXIT_USAGE);
	char want[1024];
	snprintf(want, sizeof(want), "sandcage: error: %s\n%s", msg, test_usage_tail);
	assert_string_equal(p->err, want);
	assert_string_equal(p->out, "");
}

static void test_unknown_options(void **state)
{
	struct parsed p;
	PARSE(&p, &test_command, "test", "--frobnicate");
	assert_usage_error(&p, "unknown option `--frobnicate`");
	PARSE(&p, &test_command, "test", "--frobnicate=1");
	assert_usage_error(&p, "unknown option `--frobnicate=1`");
	PARSE(&p, &test_command, "test", "-x");
	assert_usage_error(&p, "unknown option `-x`");
	PARSE(&p, &test_command, "test", "-fz");
	assert_usage_error(&p, "unknown option `-z`");
	/* -V is sandcage's, not a command's. */
	PARSE(&p, &test_command, "test", "-V");
	assert_usage_error(&p, "unknown option `-V`");
	PARSE(&p, &test_command, "test", "--json=1");
	assert_usage_error(&p, "option `--json` takes no value");
}

static void test_abbreviations(void **state)
{
	struct parsed p;
	PARSE(&p, &test_command, "test", "--proj", "/a", "--js");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_string_equal(p.o.project, "/a");
	assert_true(p.o.json);
	/* --p: --project or --print. */
	PARSE(&p, &test_command, "test", "--p", "/a");
	assert_usage_error(&p, "unknown option `--p`");
	/* --ye is --yes alone, --n is --no alone. */
	PARSE(&p, &test_command, "test", "--ye");
	assert_int_equal(p.o.mode, 1);
	PARSE(&p, &test_command, "test", "--n");
	assert_int_equal(p.o.mode, 2);
}

static void test_missing_value(void **state)
{
	struct parsed p;
	PARSE(&p, &test_command, "test", "-p");
	assert_usage_error(&p, "option `-p` needs a value");
	PARSE(&p, &test_command, "test", "--project");
	assert_usage_error(&p, "option `--project` needs a value");
	PARSE(&p, &test_command, "test", "-fp");
	assert_usage_error(&p, "option `-fp` needs a value");
	PARSE(&p, &test_command, "test", "--add-host");
	assert_usage_error(&p, "option `--add-host` needs a value");
}

static const char test_help[] = "usage: sandcage test [-p PATH] [ARGS...]\n"
                                "\n"
                                "A command for the tests.\n"
                                "\n"
                                "options:\n"
                                "  -p, --project PATH   the project\n"
                                "      --image IMAGE    an image\n"
                                "                       over two lines\n"
                                "  -f, --force          force it\n"
                                "      --json           JSON\n"
                                "      --yes            yes\n"
                                "      --no             no\n"
                                "      --add-host LINE  a host; may be repeated\n"
                                "\n"
                                "Details.\n"
                                "\n"
                                "global options (before or after the command):\n"
                                "  -v, --verbose        more output (repeat for more)\n"
                                "  -q, --quiet          only errors\n"
                                "  -h, --help           this help\n";

static void test_help_option(void **state)
{
	struct parsed p;
	PARSE(&p, &test_command, "test", "-f", "--help", "--frobnicate");
	assert_int_equal(p.r, SC_EXIT_OK);
	assert_string_equal(p.out, test_help);
	assert_string_equal(p.err, "");
	PARSE(&p, &test_command, "test", "-fh");
	assert_int_equal(p.r, SC_EXIT_OK);
	assert_string_equal(p.out, test_help);
	/* An error before the help wins. */
	PARSE(&p, &test_command, "test", "--frobnicate", "-h");
	assert_int_equal(p.r, SC_EXIT_USAGE);
	assert_string_equal(p.out, "");
}

static void test_no_operands(void **state)
{
	struct parsed p;
	static const struct sc_command cmd = {.name = "test", .usage = test_command.usage};
	PARSE(&p, &cmd, "test", "extra");
	assert_usage_error(&p, "unexpected argument `extra`");
	PARSE(&p, &cmd, "test", "--", "extra");
	assert_usage_error(&p, "unexpected argument `extra`");
	PARSE(&p, &cmd, "test", "--");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	char *argv[] = {"test", "--", NULL};
	assert_int_equal(sc_cmd_parse(&cmd, 2, argv, NULL, NULL), SC_CMD_GO_ON);
}

static void test_subcommand(void **state)
{
	struct parsed p;
	PARSE(&p, &test_sub, "sub", "--json");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_true(p.o.json);
	/* The parent's options the subcommand does not take are named. */
	PARSE(&p, &test_sub, "sub", "--project", "/a");
	assert_usage_error(&p, "test sub: unknown option `--project`");
	PARSE(&p, &test_sub, "sub", "-p", "/a");
	assert_usage_error(&p, "test sub: unknown option `--project`");
	/* Abbreviated: the parent's --json is the subcommand's. */
	PARSE(&p, &test_sub, "sub", "--js");
	assert_int_equal(p.r, SC_CMD_GO_ON);
	assert_true(p.o.json);
	PARSE(&p, &test_sub, "sub", "--proj", "/a");
	assert_usage_error(&p, "test sub: unknown option `--project`");
	PARSE(&p, &test_sub, "sub", "--frobnicate");
	assert_usage_error(&p, "unknown option `--frobnicate`");
	PARSE(&p, &test_sub, "sub", "extra");
	assert_usage_error(&p, "test sub: unexpected argument `extra`");
	/* Its help is the parent's. */
	PARSE(&p, &test_sub, "sub", "--help");
	assert_int_equal(p.r, SC_EXIT_OK);
	assert_string_equal(p.out, test_help);
}

static bool reserved(const char *name)
{
	for (size_t i = 0; sc_reserved_names[i]; i++)
		if (streq(sc_reserved_names[i], name))
			return true;
	return false;
}

/* The names a service may not take are the table's commands, not its
 * built-in agents (they are services). */
static void test_reserved_names_from_the_table(void **state)
{
	size_t n = 0;
	for (size_t i = 0; sc_commands[i]; i++) {
		const struct sc_command *cmd = sc_commands[i];
		assert_ptr_equal(sc_command_find(cmd->name), cmd);
		bool agent = cmd->run == sc_cmd_run_agent;
		assert_true(reserved(cmd->name) == !agent);
		n += !agent;
	}
	assert_true(reserved("shell"));
	assert_true(reserved("version"));
	assert_false(reserved("claude"));
	/* Not a command yet, reserved for one. */
	assert_true(reserved("compose"));
	assert_null(sc_command_find("compose"));
	size_t n_reserved = 0;
	while (sc_reserved_names[n_reserved])
		n_reserved++;
	assert_int_equal(n_reserved, n + 1);
	assert_null(sc_command_find("frobnicate"));
}

/* Every option list of the table is well formed: names unique, a help line
 * or an alias of a listed option. */
static void test_table_options(void **state)
{
	for (size_t i = 0; sc_commands[i]; i++) {
		const struct sc_command *cmd = sc_commands[i];
		assert_non_null(cmd->usage);
		assert_non_null(cmd->summary);
		for (const struct sc_option *o = cmd->options; o && o->name; o++) {
			assert_false(streq(o->name, "help") || streq(o->name, "verbose") ||
			             streq(o->name, "quiet"));
			assert_true(o->letter != 'h' && o->letter != 'v' && o->letter != 'q');
			for (const struct sc_option *q = o + 1; q->name; q++) {
				assert_false(streq(o->name, q->name));
				assert_true(!o->letter || o->letter != q->letter);
			}
		}
	}
}

/* ---- doctor's credentials report ---- */

static void test_doctor_secret_name(void **state)
{
	(void)state;
	static const char *const secret[] = {"ANTHROPIC_API_KEY",
	                                     "ANTHROPIC_AUTH_TOKEN",
	                                     "CLAUDE_CODE_OAUTH_TOKEN",
	                                     "OPENAI_API_KEY",
	                                     "CODEX_API_KEY",
	                                     "GEMINI_API_KEY",
	                                     "GOOGLE_API_KEY",
	                                     "GITHUB_TOKEN",
	                                     "github_token",
	                                     "CLIENT_SECRET",
	                                     "DB_PASSWORD",
	                                     "MYSQL_PASSWD",
	                                     "PGPASSWORD",
	                                     "TOKEN",
	                                     NULL};
	static const char *const plain[] = {
	    "EDITOR",         "LANG",        "KEYBOARD",    "MONKEY", "ANTHROPIC_BASE_URL",
	    "TOKENIZER_PATH", "SECRETS_DIR", "KEY_ID_FILE", NULL};
	for (const char *const *n = secret; *n; n++)
		if (!doctor_secret_name(*n))
			fail_msg("%s should look like a secret", *n);
	for (const char *const *n = plain; *n; n++)
		if (doctor_secret_name(*n))
			fail_msg("%s should not look like a secret", *n);
}

static void test_doctor_login_args(void **state)
{
	(void)state;
	_cleanup_strvec_ struct strv a = STRV_INIT;
	doctor_login_args(&a);
	assert_true(a.len >= 2);
	assert_string_equal(a.v[0], "--logins");
	assert_true(strv_contains(a.v, ".claude/.credentials.json"));
	assert_true(strv_contains(a.v, ".claude.json:oauthAccount"));
	assert_true(strv_contains(a.v, ".codex/auth.json"));
	assert_true(strv_contains(a.v, ".gemini/oauth_creds.json"));
	assert_true(strv_contains(a.v, ".gemini/google_accounts.json"));
}

/* The findings as "warn|info NAME: REASON" lines. */
static char *creds_text(const struct sc_config *cfg, char *const *env, const char *probe_out)
{
	struct vec findings = VEC_INIT(doctor_finding_free);
	doctor_credentials(&findings, cfg, env, probe_out, "/g/logins");
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < findings.len; i++) {
		const struct doctor_finding *f = findings.items[i];
		strbuf_addf(&sb, "%s %s: %s\n", f->level == DOCTOR_WARN ? "warn" : "info", f->name,
		            f->reason);
	}
	vec_release(&findings);
	return xstrdup(strbuf_str(&sb));
}

#define PLAIN                                                                                      \
	"reaches the container as a plain variable (the agent, and anything it runs, can read "    \
	"it; `docker inspect` shows it)"

/* What doctor says of a key the credential proxy keeps (the default mode). */
#define KEPT                                                                                       \
	"stays on the host: the credential proxy puts it in requests to "                          \
	"https://api.anthropic.com (the container gets a placeholder)"

static void test_doctor_credentials(void **state)
{
	(void)state;
	_cleanup_config_ struct sc_config *cfg =
	    unit_load_project_yaml("env_passthrough: [GITHUB_TOKEN, EDITOR, ANTHROPIC_API_KEY]\n"
	                           "services:\n  gemini:\n    enabled: false\n"
	                           "home:\n  volume: vol-a\n  scope: shared\n");
	char *env[] = {"ANTHROPIC_API_KEY=sk-test-canary-123",
	               "GITHUB_TOKEN=ghp-canary-456",
	               "EDITOR=vi",
	               "OPENAI_API_KEY=",
	               "GEMINI_API_KEY=gem-canary",
	               NULL};
	/* .claude.json counts only with its key: the probe would have said
	 * ".claude.json:oauthAccount". */
	_cleanup_free_ char *text =
	    creds_text(cfg, env,
	               "user\tpass\trunning as 1:1\nlogin\tfound\t.claude.json\n"
	               "login\tfound\t.codex/auth.json\n");
	assert_string_equal(text, "info claude: ANTHROPIC_API_KEY " KEPT "\n"
	                          "info codex: logged in, credentials in the home volume `vol-a` "
	                          "(shared by every project that uses it): ~/.codex/auth.json\n"
	                          "warn env_passthrough: GITHUB_TOKEN " PLAIN "\n");
	assert_null(strstr(text, "canary"));
}

static void test_doctor_credentials_logins(void **state)
{
	(void)state;
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("packages: [jq]\n");
	char *env[] = {"CLAUDE_CODE_OAUTH_TOKEN=tok-canary", NULL};
	_cleanup_free_ char *text = creds_text(cfg, env,
	                                       "login\tfound\t.claude/.credentials.json\n"
	                                       "login\tfound\t.claude.json:oauthAccount\n"
	                                       "login\tfound\t.gemini/google_accounts.json");
	assert_string_equal(text, "info claude: CLAUDE_CODE_OAUTH_TOKEN " KEPT "\n"
	                          "info claude: logged in, credentials in the login store "
	                          "`/g/logins` (shared by every project; copied into each "
	                          "project's home): "
	                          "~/.claude/.credentials.json, ~/.claude.json\n"
	                          "info codex: no credential found (set OPENAI_API_KEY or log in "
	                          "with `sandcage codex`)\n"
	                          "info gemini: logged in, credentials in the login store "
	                          "`/g/logins` (shared by every project; copied into each "
	                          "project's home): "
	                          "~/.gemini/google_accounts.json\n");
}

static void test_doctor_credentials_none(void **state)
{
	(void)state;
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "services:\n  claude:\n    enabled: false\n  codex:\n    enabled: false\n"
	    "  aider:\n    command: aider\n    env: [AIDER_MODEL, OPENROUTER_API_KEY]\n");
	char *env[] = {"AIDER_MODEL=gpt", NULL};
	_cleanup_free_ char *ran = creds_text(cfg, env, "");
	assert_string_equal(ran, "info gemini: no credential found (set GEMINI_API_KEY or log in "
	                         "with `sandcage gemini`)\n"
	                         "info aider: no credential variable set (OPENROUTER_API_KEY is "
	                         "not set); doctor does not know where aider keeps a login\n");
	/* Without the probe the login store is unknown. */
	_cleanup_free_ char *not_run = creds_text(cfg, env, NULL);
	assert_string_equal(not_run,
	                    "info gemini: no credential variable set; the login store "
	                    "`/g/logins` (shared by every project; copied into each project's "
	                    "home) was not looked at (the probes did not run)\n"
	                    "info aider: no credential variable set (OPENROUTER_API_KEY is "
	                    "not set); doctor does not know where aider keeps a login\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values_and_flags),
	    cmocka_unit_test(test_grouped_short_options),
	    cmocka_unit_test(test_set_and_list),
	    cmocka_unit_test(test_operands_and_dashdash),
	    cmocka_unit_test(test_unknown_options),
	    cmocka_unit_test(test_abbreviations),
	    cmocka_unit_test(test_missing_value),
	    cmocka_unit_test(test_help_option),
	    cmocka_unit_test(test_no_operands),
	    cmocka_unit_test(test_subcommand),
	    cmocka_unit_test(test_reserved_names_from_the_table),
	    cmocka_unit_test(test_table_options),
	    cmocka_unit_test(test_doctor_secret_name),
	    cmocka_unit_test(test_doctor_login_args),
	    cmocka_unit_test(test_doctor_credentials),
	    cmocka_unit_test(test_doctor_credentials_logins),
	    cmocka_unit_test(test_doctor_credentials_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
