/* sandcage trust: shows what the project's configuration files grant and
 * records the user's approval of their exact content. */
#include "../config/config.h"
#include "../launch/image.h"
#include "../launch/launch.h"
#include "../util/hash.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "cmd.h"
#include "commands.h"
#include "launch_ui.h"

/* Whether a file the record approved still has that content (for --list:
 * read as your own file; the next session reads it as the project's). */
static bool ref_current(const struct sc_trust_ref *ref)
{
	_cleanup_error_ struct sc_error *err = NULL;
	char hex[65];
	size_t n = strlen(ref->path);
	if (n > 1 && ref->path[n - 1] == '/') {
		_cleanup_free_ char *dir = xstrndup(ref->path, n - 1);
		if (sc_image_context_content_hash(dir, hex, &err) < 0)
			return false;
	} else {
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		if (sc_image_read_file(NULL, ref->path, &data, &len, &err) < 0)
			return false;
		struct sha256 h;
		sha256_init(&h);
		sha256_update(&h, data, len);
		sha256_hex(&h, hex);
	}
	return streq(hex, ref->sha256);
}

static int list_records(const struct sc_trust_store *store)
{
	if (store->records.len == 0) {
		printf("no configuration file is trusted\n");
		return SC_EXIT_OK;
	}
	for (size_t i = 0; i < store->records.len; i++) {
		const struct sc_trust_record *rec = store->records.items[i];
		_cleanup_error_ struct sc_error *err = NULL;
		bool exists = false;
		char sha[65];
		const char *state = "current";
		if (sc_trust_hash_file(rec->path, &exists, sha, &err) < 0)
			state = "unreadable";
		else if (!exists)
			state = "missing";
		else if (!streq(sha, rec->sha256))
			state = "changed";
		for (size_t r = 0; streq(state, "current") && r < rec->refs.len; r++)
			if (!ref_current(rec->refs.items[r]))
				state = "changed (a file it points to)";
		_cleanup_free_ char *shown = str_escaped(rec->path);
		printf("%s\n  sha256 %.16s...  trusted %s  %zu grant%s  %s\n", shown, rec->sha256,
		       *rec->trusted_at ? rec->trusted_at : "(unknown)", rec->grants.len,
		       rec->grants.len == 1 ? "" : "s", state);
	}
	return SC_EXIT_OK;
}

const struct sc_option sc_trust_options[] = {
    SC_OPTION_PROJECT(struct trust_options, project),
    SC_OPTION_FLAG("yes", 'y', struct trust_options, yes,
                   "approve without asking (after reading what it grants)"),
    SC_OPTION_FLAG("list", 0, struct trust_options, list,
                   "list every approved file and whether it changed since"),
    SC_OPTION_FLAG("revoke", 0, struct trust_options, revoke,
                   "forget the approval of this project's files"),
    {0},
};

int sc_trust_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct trust_options *o = opts;
	const char *project = o->project;
	bool list = o->list, revoke = o->revoke, yes = o->yes;
	if (list + revoke + yes > 1)
		return sc_cmd_usage_error(&sc_cmd_trust, "--list, --revoke and --yes exclude "
		                                         "each other");

	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *gdir = sc_config_global_dir();
	_cleanup_free_ char *store_path = sc_trust_store_path(gdir);
	_cleanup_trust_store_ struct sc_trust_store *store = NULL;
	if (sc_trust_store_load(store_path, &store, &err) < 0)
		return sc_cmd_report(err);
	if (list)
		return list_records(store);

	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	if (revoke) {
		if (sc_workspace_resolve(project, &ws, &err) < 0)
			return sc_cmd_report(err);
		static const char *const names[] = {".sandcage.yml", ".sandcage.local.yml"};
		bool any = false;
		for (size_t i = 0; i < N_ELEMENTS(names); i++) {
			_cleanup_free_ char *path = path_join(ws->root, names[i]);
			if (sc_trust_store_remove(store, path)) {
				printf("revoked the trust in %s\n", path);
				any = true;
			}
		}
		if (!any) {
			printf("nothing to revoke: no file of %s is trusted\n", ws->root);
			return SC_EXIT_OK;
		}
		if (sc_trust_store_save(store, store_path, &err) < 0)
			return sc_cmd_report(err);
		return SC_EXIT_OK;
	}

	struct sc_cmd_launch_ui ui;
	sc_cmd_launch_ui_init(&ui);
	struct sc_launch_request req = {.project = project, .ui = &ui.ui, .no_engine = true};
	_cleanup_launch_ struct sc_launch *l = NULL;
	if (sc_launch_open(&req, &l, &err) < 0)
		return sc_cmd_launch_failed(err);
	if (sc_launch_security_check(l->cfg, l->ws, l->global_dir, &err) < 0) {
		fflush(stdout);
		fprintf(stderr,
		        "sandcage: error: the configuration asks for what sandcage does not allow, "
		        "whatever the trust:\n%s\n",
		        err->msg);
		return SC_EXIT_FAILURE;
	}
	_cleanup_(sc_trust_files_release) struct sc_trust_files files = {0};
	if (sc_trust_inspect(l->ws, l->cfg, store, &files, &err) < 0)
		return sc_cmd_report(err);
	int code = SC_EXIT_OK;
	bool any_file = false;
	for (size_t i = 0; i < N_ELEMENTS(files.f) && code == SC_EXIT_OK; i++) {
		const struct sc_trust_file *f = &files.f[i];
		if (!f->exists)
			continue;
		any_file = true;
		_cleanup_free_ char *what = sc_trust_describe(f);
		fputs(what, stdout);
		if (f->state == SC_TRUST_NOT_NEEDED || f->state == SC_TRUST_TRUSTED)
			continue;
		fflush(stdout);
		if (!yes && !(isatty(STDIN_FILENO) && isatty(STDERR_FILENO))) {
			sc_log_error("no terminal to ask on: run `sandcage trust --yes` to approve "
			             "this content after reading it");
			code = SC_EXIT_FAILURE;
		} else if (!yes && !sc_cmd_ask("Trust this content?")) {
			printf("not trusted\n");
			code = SC_EXIT_FAILURE;
		} else if (sc_trust_approve(store, store_path, f, &err) < 0) {
			code = sc_cmd_report(err);
		} else {
			_cleanup_free_ char *shown = str_escaped(f->path);
			printf("trusted %s (sha256 %.16s...)\n", shown, f->sha256);
		}
	}
	if (!any_file)
		printf("%s has no .sandcage.yml or .sandcage.local.yml: nothing to trust\n",
		       l->ws->root);
	return code;
}
