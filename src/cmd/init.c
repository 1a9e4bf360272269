/* sandcage init: a commented .sandcage.yml with the toolchains and packages
 * the project's files call for. */
#include "../config/config.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "../workspace/workspace.h"
#include "cmd.h"
#include "commands.h"
#include "init_render.h"
#include "launch_ui.h"

#include <fcntl.h>
#include <sys/stat.h>

#define LOCAL_FILE ".sandcage.local.yml"

enum gitignore_choice {
	GITIGNORE_ASK, /* on a terminal; otherwise only a hint */
	GITIGNORE_YES,
	GITIGNORE_NO,
};

static mode_t file_mode(void)
{
	mode_t um = umask(0);
	umask(um);
	return 0666 & ~um;
}

/* Loads `text` as a project file on its own: what `init` writes must never be
 * a configuration that stops sandcage. */
static int check_loads(const char *text, struct sc_config **out, struct sc_error **err)
{
	const char *tmpdir = getenv("TMPDIR");
	_cleanup_free_ char *dir =
	    xasprintf("%s/sandcage-init-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir))
		return sc_error_set(err, errno, "create a temporary directory");
	_cleanup_free_ char *file = path_join(dir, ".sandcage.yml");
	int r = fs_write_atomic(file, text, strlen(text), 0600, err);
	if (r == 0) {
		struct sc_config_paths paths = {NULL, file, NULL};
		r = sc_config_load_paths(&paths, NULL, out, err);
		if (r < 0)
			sc_error_prefix(err, "the configuration `sandcage init` made does not load "
			                     "(a bug in sandcage; `--print` shows it)");
	}
	fs_remove_tree(dir, NULL);
	return r;
}

/* Writes `path` only when it does not exist: a hard link of a complete
 * temporary file fails with EEXIST instead of replacing anything. */
static int write_new(const char *path, const char *text, struct sc_error **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.init-%ld", path, (long)getpid());
	if (fs_write_atomic(tmp, text, strlen(text), file_mode(), err) < 0)
		return -1;
	int r = link(tmp, path) < 0 ? -errno : 0;
	if (r == -EPERM || r == -EOPNOTSUPP || r == -ENOSYS) {
		/* A file system without hard links. */
		struct stat st;
		if (lstat(path, &st) == 0)
			r = -EEXIST;
		else
			r = rename(tmp, path) < 0 ? -errno : 0;
	}
	unlink(tmp);
	if (r == -EEXIST)
		return sc_error_setx(err, 0, "`%s` exists; `sandcage init --force` replaces it",
		                     path);
	if (r < 0)
		return sc_error_set(err, -r, "write `%s`", path);
	return 0;
}

static bool ignores_local(const char *text)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		line += strspn(line, " \t");
		size_t n = strlen(line);
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (streq(line, LOCAL_FILE) || streq(line, "/" LOCAL_FILE))
			return true;
	}
	return false;
}

static int offer_gitignore(const char *root, enum gitignore_choice choice, struct sc_error **err)
{
	_cleanup_free_ char *path = path_join(root, ".gitignore");
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	struct stat st;
	bool exists = lstat(path, &st) == 0;
	if (exists) {
		if (S_ISLNK(st.st_mode)) {
			/* The project is the agent's: a link there is never followed,
			 * nor replaced (it may be a shared ignore file of the user's). */
			sc_log_notice(
			    "%s is a symbolic link, which sandcage does not follow: add %s "
			    "to the file it points to yourself",
			    path, LOCAL_FILE);
			return 0;
		}
		if (fs_read_file_safe(AT_FDCWD, path, FS_MAX_CONFIG, &text, &len, err) < 0)
			return -1;
		if (ignores_local(text)) {
			sc_log_debug("%s already ignores %s", path, LOCAL_FILE);
			return 0;
		}
	}
	if (choice == GITIGNORE_NO)
		return 0;
	if (choice == GITIGNORE_ASK) {
		if (!isatty(STDIN_FILENO)) {
			sc_log_notice(
			    "hint: %s is for your own settings: add it to .gitignore (or run "
			    "init with --gitignore next time)",
			    LOCAL_FILE);
			return 0;
		}
		if (!sc_cmd_ask_yes("Add " LOCAL_FILE
		                    " (your own settings, not to be committed) to "
		                    ".gitignore?"))
			return 0;
	}
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	if (text) {
		strbuf_add(&sb, text, len);
		if (len > 0 && text[len - 1] != '\n')
			strbuf_addc(&sb, '\n');
	}
	strbuf_adds(&sb, LOCAL_FILE "\n");
	mode_t mode = exists ? (st.st_mode & 07777) : file_mode();
	if (fs_write_atomic(path, sb.buf, sb.len, mode, err) < 0)
		return -1;
	printf("added %s to %s\n", LOCAL_FILE, path);
	return 0;
}

static void summary(const struct sc_ecosystems *eco, const struct sc_config *cfg)
{
	_cleanup_strbuf_ struct strbuf found = STRBUF_INIT;
	for (size_t i = 0; i < eco->len && i < 12; i++) {
		const struct sc_eco_project *p = &eco->items[i];
		strbuf_addf(&found, "%s%s in %s%s", i ? ", " : "", sc_eco_name(p->kind),
		            *p->dir ? p->dir : "the root", *p->dir ? "/" : "");
	}
	if (eco->len > 12)
		strbuf_addf(&found, " and %zu more", eco->len - 12);
	if (eco->len == 0) {
		sc_log_notice(
		    "found no Rust, Node, Python or Go project: the file explains what to "
		    "fill in");
		return;
	}
	sc_log_notice("found %s", strbuf_str(&found));
	_cleanup_strbuf_ struct strbuf sugg = STRBUF_INIT;
	for (size_t i = 0; i < cfg->toolchains.len; i++)
		strbuf_addf(&sugg, "%s%s %s", i ? ", " : "toolchains ",
		            cfg->toolchains.items[i].key, cfg->toolchains.items[i].value.value);
	for (size_t i = 0; i < cfg->packages.len; i++)
		strbuf_addf(&sugg, "%s%s", i ? ", " : "; packages ", cfg->packages.items[i].value);
	sc_log_notice("suggested %s; the comments in the file say why", strbuf_str(&sugg));
}

const struct sc_option sc_init_options[] = {
    SC_OPTION_PROJECT(struct init_options, project),
    SC_OPTION_FLAG("force", 'f', struct init_options, force, "replace an existing .sandcage.yml"),
    SC_OPTION_FLAG("print", 0, struct init_options, print,
                   "print the file instead of writing it (also --dry-run)"),
    SC_OPTION_FLAG("dry-run", 0, struct init_options, print, NULL),
    SC_OPTION_SET("gitignore", 0, struct init_options, gitignore, GITIGNORE_YES,
                  "add .sandcage.local.yml to .gitignore without asking"),
    SC_OPTION_SET("no-gitignore", 0, struct init_options, gitignore, GITIGNORE_NO,
                  "do not offer it"),
    {0},
};

const struct init_options sc_init_defaults = {.gitignore = GITIGNORE_ASK};

int sc_init_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct init_options *o = opts;
	const char *project = o->project;
	bool force = o->force, print = o->print;
	enum gitignore_choice gitignore = (enum gitignore_choice)o->gitignore;

	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	if (sc_workspace_resolve(project, &ws, &err) < 0)
		return sc_cmd_report(err);
	if (!ws->in_git)
		sc_log_notice(
		    "`%s` is not in a git repository: using that directory as the project",
		    ws->root);
	_cleanup_free_ char *target = path_join(ws->root, ".sandcage.yml");
	struct stat st;
	if (!print && !force && lstat(target, &st) == 0) {
		sc_log_error("`%s` exists; `sandcage init --force` replaces it, `sandcage init "
		             "--print` shows what it would write",
		             target);
		return SC_EXIT_FAILURE;
	}

	_cleanup_ecosystems_ struct sc_ecosystems *eco = NULL;
	if (sc_ecosystem_detect(ws->root, &eco, &err) < 0)
		return sc_cmd_report(err);
	_cleanup_free_ char *text = sc_init_render_yaml(eco);
	_cleanup_config_ struct sc_config *cfg = NULL;
	if (check_loads(text, &cfg, &err) < 0)
		return sc_cmd_report(err);
	if (print) {
		fputs(text, stdout);
		return SC_EXIT_OK;
	}

	int r = force ? fs_write_atomic(target, text, strlen(text), file_mode(), &err)
	              : write_new(target, text, &err);
	if (r < 0)
		return sc_cmd_report(err);
	printf("wrote %s\n", target);
	summary(eco, cfg);
	if (ws->in_git && offer_gitignore(ws->root, gitignore, &err) < 0)
		return sc_cmd_report(err);
	return SC_EXIT_OK;
}
