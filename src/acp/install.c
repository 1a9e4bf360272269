#include "install.h"
#include "../session/session.h"
#include "../util/fs.h"
#include "../util/path.h"

#include <time.h>

#define MAX_DOWNLOAD  ((size_t)2 << 30)
#define ARCHIVE_MOUNT "/tmp/sandcage-download"

/* ---- running the install containers ---- */

/* Lines starting with these are the scripts' answers to sandcage, not
 * output for the user. */
#define RESULT_MARK "sandcage-result: "
#define ERROR_MARK  "sandcage-error: "

struct script_output {
	const struct sc_acp_runner *run;
	char *result;
	char *error;
};

static void on_script_line(void *ctx, const char *line)
{
	struct script_output *o = ctx;
	if (str_has_prefix(line, RESULT_MARK)) {
		free(o->result);
		o->result = xstrdup(line + strlen(RESULT_MARK));
	} else if (str_has_prefix(line, ERROR_MARK)) {
		free(o->error);
		o->error = xstrdup(line + strlen(ERROR_MARK));
	} else if (o->run->on_line) {
		o->run->on_line(o->run->ctx, line);
	}
}

/* Runs `script` with sh in a container of the runner's spec, with `args`
 * as $1..., and gives its result line. */
static int run_script(const struct sc_acp_runner *run, const char *what, const char *script,
                      char *const args[], char **result, struct sc_error **err)
{
	struct sc_container_spec *spec = run->spec;
	strv_release(&spec->command);
	strv_push(&spec->command, "/bin/sh");
	strv_push(&spec->command, "-c");
	strv_push(&spec->command, script);
	strv_push(&spec->command, "sh");
	strv_extend(&spec->command, args);
	free(spec->workdir);
	spec->workdir = xstrdup(run->home);
	spec->interactive = false;
	spec->tty = false;
	spec->remove = true;

	struct script_output o = {run, NULL, NULL};
	struct sc_session_opts so = {
	    .engine = run->engine,
	    .spec = spec,
	    .mode = SC_SESSION_CAPTURE,
	    .capture = {.on_line = on_script_line, .ctx = &o},
	};
	int status = 0, stopped_by = 0;
	so.stopped_by = &stopped_by;
	int r = sc_session_run(&so, &status, err);
	_cleanup_free_ char *res = o.result;
	_cleanup_free_ char *msg = o.error;
	if (r < 0)
		return -1;
	if (stopped_by) {
		sc_error_setx(err, 0, "%s: stopped by signal %d", what, stopped_by);
		if (err && *err)
			(*err)->exit = 128 + stopped_by;
		return -1;
	}
	if (status != 0) {
		if (msg)
			return sc_error_setx(err, 0, "%s: %s", what, msg);
		return sc_error_setx(err, 0, "%s failed (exit status %d; its output is above)",
		                     what, status);
	}
	if (result)
		*result = steal_pointer(&res);
	return 0;
}

/* The install scripts move a previous installation aside and put it back
 * when the new one fails, so that a failure leaves things as they were. */
#define SCRIPT_PROLOGUE                                                                            \
	"set -eu\n"                                                                                \
	"prefix=$1\n"                                                                              \
	"mkdir -p \"${prefix%/*}\"\n"                                                              \
	"rm -rf \"$prefix.new\" \"$prefix.old\"\n"                                                 \
	"restore() {\n"                                                                            \
	"  rm -rf \"$prefix.new\"\n"                                                               \
	"  if [ -e \"$prefix.old\" ] && [ ! -e \"$prefix\" ]; then mv \"$prefix.old\" "            \
	"\"$prefix\"; fi\n"                                                                        \
	"}\n"                                                                                      \
	"trap restore EXIT\n"

#define SCRIPT_COMMIT                                                                              \
	"if [ -e \"$prefix\" ]; then mv \"$prefix\" \"$prefix.old\"; fi\n"                         \
	"mv \"$prefix.new\" \"$prefix\"\n"                                                         \
	"rm -rf \"$prefix.old\"\n"                                                                 \
	"trap - EXIT\n"

/* $2 the package spec, $3 the package name, $4 the command ("" for the
 * package's own). npm writes absolute paths nowhere in a global prefix
 * (bin/ holds relative links), so the directory may be renamed after. */
static const char npx_script[] = SCRIPT_PROLOGUE
    "spec=$2 name=$3 cmd=$4\n"
    "if ! command -v npm >/dev/null 2>&1; then\n"
    "  echo '" ERROR_MARK "the image has no npm: set `toolchains.node` (for example \"22\") in "
    "the configuration' >&2\n"
    "  exit 3\n"
    "fi\n"
    "npm install --global --prefix \"$prefix.new\" --no-fund --no-audit --no-update-notifier "
    "\"$spec\" >&2\n"
    "if [ -z \"$cmd\" ]; then\n"
    "  cmd=$(node -e '\n"
    "    const p = require(process.argv[1]);\n"
    "    const base = process.argv[2].replace(/^@[^/]*\\//, \"\");\n"
    "    let b = p.bin;\n"
    "    if (typeof b === \"string\") { console.log(p.name.replace(/^@[^/]*\\//, \"\")); "
    "process.exit(0); }\n"
    "    const names = Object.keys(b || {});\n"
    "    if (names.length === 1) console.log(names[0]);\n"
    "    else if (names.includes(base)) console.log(base);\n"
    "    else process.exit(1);\n"
    "  ' \"$prefix.new/lib/node_modules/$name/package.json\" \"$name\") || {\n"
    "    echo '" ERROR_MARK "the package has no single command to run; the registry entry "
    "must name one (`cmd`)' >&2\n"
    "    exit 4\n"
    "  }\n"
    "fi\n"
    "case $cmd in */*) ;; *) if [ -x \"$prefix.new/bin/$cmd\" ]; then cmd=$prefix/bin/$cmd; fi ;; "
    "esac\n" SCRIPT_COMMIT "echo \"" RESULT_MARK "$cmd\"\n";

/* $2 the archive (mounted read-only), $3 tar, zip or raw, $4 the command
 * (a path inside the archive). Unpacking happens in the container, so a
 * hostile archive can do no more than the agent itself could. */
static const char binary_script[] =
    SCRIPT_PROLOGUE "archive=$2 format=$3 cmd=$4\n"
                    "mkdir -p \"$prefix.new\"\n"
                    "cd \"$prefix.new\"\n"
                    "need() {\n"
                    "  command -v \"$1\" >/dev/null 2>&1 || {\n"
                    "    echo \"" ERROR_MARK "the image has no $1 to unpack the archive: add it to "
                    "\\`packages\\` in the configuration\" >&2\n"
                    "    exit 3\n"
                    "  }\n"
                    "}\n"
                    "case $format in\n"
                    "  tar) need tar; tar -xf \"$archive\" --no-same-owner >&2 ;;\n"
                    "  zip) need unzip; unzip -q \"$archive\" >&2 ;;\n"
                    "  raw) mkdir -p \"$(dirname \"./$cmd\")\"; cp \"$archive\" \"./$cmd\" ;;\n"
                    "esac\n"
                    "if [ ! -f \"./$cmd\" ]; then\n"
                    "  echo \"" ERROR_MARK "\\`$cmd\\` is not in the archive\" >&2\n"
                    "  exit 4\n"
                    "fi\n"
                    "chmod a+x \"./$cmd\"\n"
                    "cd /\n" SCRIPT_COMMIT "echo \"" RESULT_MARK "ok\"\n";

/* $2 the package spec, $3 the command. */
static const char uvx_script[] = SCRIPT_PROLOGUE
    "spec=$2 cmd=$3\n"
    "if ! command -v uv >/dev/null 2>&1; then\n"
    "  echo '" ERROR_MARK "the image has no uv: install it (for example with `packages` or a "
    "custom Dockerfile) to use uvx agents' >&2\n"
    "  exit 3\n"
    "fi\n"
    "UV_TOOL_DIR=$prefix.new/tools UV_TOOL_BIN_DIR=$prefix.new/bin uv tool install \"$spec\" "
    ">&2\n" SCRIPT_COMMIT "echo \"" RESULT_MARK "ok\"\n";

static const char uninstall_script[] = "set -eu\n"
                                       "rm -rf \"$1\" \"$1.new\" \"$1.old\"\n"
                                       "echo \"" RESULT_MARK "ok\"\n";

static char *now_iso8601(void)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char buf[32];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

static struct sc_acp_installed *new_record(const struct sc_acp_runner *run,
                                           const struct sc_acp_agent *agent, const char *kind)
{
	struct sc_acp_installed *r = xcalloc(1, sizeof(*r));
	r->id = xstrdup(agent->id);
	r->name = xstrdup(agent->name);
	r->version = xstrdup(agent->version);
	r->kind = xstrdup(kind);
	r->volume = xstrdup(run->volume);
	r->source = xstrdup(run->registry_url ? run->registry_url : "");
	r->installed_at = now_iso8601();
	return r;
}

static int install_npx(const struct sc_acp_runner *run, const struct sc_acp_agent *agent,
                       const char *prefix, struct sc_acp_installed *rec, struct sc_error **err)
{
	_cleanup_free_ char *spec = sc_acp_npm_spec(agent);
	_cleanup_free_ char *name = sc_acp_npm_name(spec);
	char *const args[] = {(char *)prefix, spec, name, agent->npx->cmd ? agent->npx->cmd : "",
	                      NULL};
	_cleanup_free_ char *what = xasprintf("npm install %s", spec);
	_cleanup_free_ char *cmd = NULL;
	if (run_script(run, what, npx_script, args, &cmd, err) < 0)
		return -1;
	if (!cmd || !*cmd)
		return sc_error_setx(err, 0, "%s: the install gave no command", what);
	strv_push(&rec->command, cmd);
	strv_extend(&rec->command, agent->npx->args.v);
	strv_extend(&rec->env, agent->npx->env.v);
	return 0;
}

static int install_uvx(const struct sc_acp_runner *run, const struct sc_acp_agent *agent,
                       const char *prefix, struct sc_acp_installed *rec, struct sc_error **err)
{
	const char *spec = agent->uvx->package;
	/* The command uv installs is the package's name unless told. */
	_cleanup_free_ char *name = xstrndup(spec, strcspn(spec, "=<>!~[ ;@"));
	const char *cmd = agent->uvx->cmd ? agent->uvx->cmd : name;
	char *const args[] = {(char *)prefix, (char *)spec, (char *)cmd, NULL};
	_cleanup_free_ char *what = xasprintf("uv tool install %s", spec);
	if (run_script(run, what, uvx_script, args, NULL, err) < 0)
		return -1;
	strv_pushf(&rec->command, "%s/bin/%s", prefix, cmd);
	strv_extend(&rec->command, agent->uvx->args.v);
	strv_extend(&rec->env, agent->uvx->env.v);
	return 0;
}

static const char *archive_format(const char *url)
{
	_cleanup_free_ char *path = xstrndup(url, strcspn(url, "?#"));
	static const char *const tars[] = {".tar.gz", ".tgz", ".tar.bz2", ".tbz2",
	                                   ".tar.xz", ".txz", ".tar",     NULL};
	size_t n = strlen(path);
	for (const char *const *t = tars; *t; t++)
		if (n >= strlen(*t) && strcasecmp(path + n - strlen(*t), *t) == 0)
			return "tar";
	if (n >= 4 && strcasecmp(path + n - 4, ".zip") == 0)
		return "zip";
	return "raw";
}

static int install_binary(const struct sc_acp_runner *run, const struct sc_acp_agent *agent,
                          const struct sc_acp_binary *bin, const char *prefix,
                          struct sc_acp_installed *rec, struct sc_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/cache/downloads", run->global_dir);
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return -1;
	_cleanup_free_ char *file = xasprintf("%s/%s-%s-%s-%ld", dir, agent->id, bin->platform,
	                                      agent->version, (long)getpid());
	char digest[65];
	bool local_registry = run->registry_url && str_has_prefix(run->registry_url, "file://");
	if (sc_acp_download(bin->archive, file, MAX_DOWNLOAD, local_registry, digest, err) < 0)
		return sc_error_prefix(err, "download %s %s", agent->id, agent->version);
	if (bin->sha256 && !streq(bin->sha256, digest)) {
		unlink(file);
		return sc_error_setx(
		    err, 0,
		    "%s: checksum mismatch: the registry says sha256 %s, the download "
		    "has %s; nothing was installed",
		    bin->archive, bin->sha256, digest);
	}
	const char *cmd = bin->cmd;
	while (str_has_prefix(cmd, "./"))
		cmd += 2;
	_cleanup_free_ char *target = xasprintf("%s/archive", ARCHIVE_MOUNT);
	if (sc_container_spec_add_checked_mount(run->spec, file, target, true, err) < 0) {
		unlink(file);
		return -1;
	}
	char *const args[] = {(char *)prefix, target, (char *)archive_format(bin->archive),
	                      (char *)cmd, NULL};
	_cleanup_free_ char *what = xasprintf("unpack %s", bin->archive);
	int r = run_script(run, what, binary_script, args, NULL, err);
	unlink(file);
	if (r < 0)
		return -1;
	strv_pushf(&rec->command, "%s/%s", prefix, cmd);
	strv_extend(&rec->command, bin->args.v);
	strv_extend(&rec->env, bin->env.v);
	return 0;
}

int sc_acp_install(const struct sc_acp_runner *run, const struct sc_acp_agent *agent,
                   const char *kind, struct sc_acp_installed **out, struct sc_error **err)
{
	const struct sc_acp_binary *bin = sc_acp_agent_binary(agent, run->platform);
	if (!kind)
		kind = bin ? "binary" : agent->npx ? "npx" : agent->uvx ? "uvx" : NULL;
	if (!kind) {
		if (agent->n_binaries)
			return sc_error_setx(
			    err, 0,
			    "agent `%s` has no distribution for %s (only binaries for "
			    "other platforms)",
			    agent->id, run->platform ? run->platform : "this platform");
		return sc_error_setx(err, 0, "agent `%s` has no distribution sandcage can install",
		                     agent->id);
	}
	if ((streq(kind, "binary") && !bin) || (streq(kind, "npx") && !agent->npx) ||
	    (streq(kind, "uvx") && !agent->uvx))
		return sc_error_setx(err, 0, "agent `%s` has no %s distribution%s%s", agent->id,
		                     kind, streq(kind, "binary") ? " for " : "",
		                     streq(kind, "binary") && run->platform ? run->platform : "");
	_cleanup_free_ char *prefix = xasprintf("%s/%s/%s", run->home, SC_ACP_DIR, agent->id);
	_cleanup_acp_installed_ struct sc_acp_installed *rec = new_record(run, agent, kind);
	int r;
	if (streq(kind, "npx"))
		r = install_npx(run, agent, prefix, rec, err);
	else if (streq(kind, "uvx"))
		r = install_uvx(run, agent, prefix, rec, err);
	else if (streq(kind, "binary"))
		r = install_binary(run, agent, bin, prefix, rec, err);
	else
		r = sc_error_setx(err, 0, "unknown kind of distribution `%s`", kind);
	if (r < 0)
		return -1;
	if (sc_acp_store_put(run->global_dir, rec, err) < 0)
		return -1;
	if (out)
		*out = steal_pointer(&rec);
	return 0;
}

int sc_acp_uninstall(const struct sc_acp_runner *run, const char *id, struct sc_error **err)
{
	if (!sc_acp_valid_id(id))
		return sc_error_setx(err, 0, "`%s` is not an agent id", id);
	_cleanup_free_ char *prefix = xasprintf("%s/%s/%s", run->home, SC_ACP_DIR, id);
	char *const args[] = {prefix, NULL};
	_cleanup_free_ char *what = xasprintf("remove %s", prefix);
	if (run_script(run, what, uninstall_script, args, NULL, err) < 0)
		return -1;
	bool removed;
	return sc_acp_store_remove(run->global_dir, id, run->volume, &removed, err);
}
