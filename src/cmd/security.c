/* The security steps of every command that starts a container: the
 * configuration check, the trust gate and the protection mounts, with the
 * file system look-ups the pure rules of src/plan/security.c need. */
#include "security.h"
#include "../config/config.h"
#include "../plan/security.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "cmd.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

/* ---- the check ---- */

static char *host_resolve(void *ctx, const char *path, bool *socket)
{
	(void)ctx;
	char *real = realpath(path, NULL);
	struct stat st;
	*socket = real && stat(real, &st) == 0 && S_ISSOCK(st.st_mode);
	return real;
}

/* Symlinks resolved when the path exists, else as written. */
static char *resolved_or_normal(const char *path)
{
	char *real = realpath(path, NULL);
	return real ? real : path_normalize(path);
}

int sc_cmd_security_check(const struct sc_config *cfg, const struct sc_workspace *ws,
                          struct sc_error **err)
{
	_cleanup_free_ char *home = resolved_or_normal(path_home());
	_cleanup_free_ char *gdir = sc_config_global_dir();
	_cleanup_free_ char *global = resolved_or_normal(gdir);
	struct sc_security_host host = {
	    .home = home,
	    .global_dir = global,
	    .resolve = host_resolve,
	};
	return sc_security_check(cfg, &host, ws, err);
}

/* ---- trust ---- */

void sc_cmd_trust_file_release(struct sc_cmd_trust_file *f)
{
	free(f->path);
	f->path = NULL;
	vec_release(&f->grants);
}

int sc_cmd_trust_inspect(const struct sc_workspace *ws, const struct sc_config *cfg,
                         const struct sc_trust_store *store, struct sc_cmd_trust_file files[2],
                         struct sc_error **err)
{
	static const struct {
		const char *label;
		const char *name;
		enum sc_layer layer;
	} which[2] = {
	    {"project", ".sandcage.yml", SC_LAYER_PROJECT},
	    {"local", ".sandcage.local.yml", SC_LAYER_LOCAL},
	};
	for (size_t i = 0; i < 2; i++) {
		struct sc_cmd_trust_file *f = &files[i];
		*f = (struct sc_cmd_trust_file){0};
		f->grants.free_item = sc_grant_free;
		f->label = which[i].label;
		f->layer = which[i].layer;
		f->path = path_join(ws->root, which[i].name);
		if (sc_trust_hash_file(f->path, &f->exists, f->sha256, err) < 0)
			return -1;
		if (f->exists)
			sc_trust_grants(cfg, f->layer, &f->grants);
		f->record = store ? sc_trust_store_find(store, f->path) : NULL;
		f->state = sc_trust_state(f->record, f->sha256, &f->grants);
	}
	return 0;
}

void sc_cmd_trust_print(const struct sc_cmd_trust_file *f, FILE *out)
{
	_cleanup_free_ char *diff = sc_trust_diff(f->record, &f->grants);
	switch (f->state) {
	case SC_TRUST_NOT_NEEDED:
		fprintf(out, "%s grants nothing beyond the defaults: no trust needed\n", f->path);
		return;
	case SC_TRUST_TRUSTED:
		fprintf(out, "%s is trusted (since %s); it grants:\n", f->path,
		        f->record->trusted_at);
		break;
	case SC_TRUST_NEW:
		fprintf(out, "%s (the %s configuration) is not trusted; it grants:\n", f->path,
		        f->label);
		break;
	case SC_TRUST_CHANGED:
		fprintf(out,
		        "%s (the %s configuration) changed since you trusted it (%s); what it "
		        "grants now (+ new, - no longer):\n",
		        f->path, f->label, f->record->trusted_at);
		break;
	}
	for (const char *line = diff; *line;) {
		size_t n = strcspn(line, "\n");
		fprintf(out, "  %.*s\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
}

static void now_utc(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int sc_cmd_trust_record(struct sc_trust_store *store, const char *store_path,
                        const struct sc_cmd_trust_file *f, struct sc_error **err)
{
	char now[32];
	now_utc(now);
	sc_trust_store_put(store, f->path, f->sha256, &f->grants, now);
	return sc_trust_store_save(store, store_path, err);
}

bool sc_cmd_ask(const char *question)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return false;
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

int sc_cmd_security_gate(const struct sc_workspace *ws, const struct sc_config *cfg)
{
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_cmd_security_check(cfg, ws, &err) < 0) {
		fflush(stdout);
		fprintf(stderr,
		        "sandcage: error: the configuration asks for what sandcage does not allow "
		        "(nothing was started):\n%s\n",
		        err->msg);
		return SC_EXIT_FAILURE;
	}
	_cleanup_free_ char *gdir = sc_config_global_dir();
	_cleanup_free_ char *store_path = sc_trust_store_path(gdir);
	_cleanup_trust_store_ struct sc_trust_store *store = NULL;
	if (sc_trust_store_load(store_path, &store, &err) < 0)
		return sc_cmd_report(err);
	struct sc_cmd_trust_file files[2];
	int r = sc_cmd_trust_inspect(ws, cfg, store, files, &err);
	int code = r < 0 ? sc_cmd_report(err) : SC_EXIT_OK;
	for (size_t i = 0; r == 0 && code == SC_EXIT_OK && i < 2; i++) {
		const struct sc_cmd_trust_file *f = &files[i];
		if (f->state == SC_TRUST_NOT_NEEDED || f->state == SC_TRUST_TRUSTED)
			continue;
		fflush(stdout);
		bool tty = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
		if (!tty)
			fputs("sandcage: error: ", stderr);
		sc_cmd_trust_print(f, stderr);
		if (!tty) {
			fprintf(stderr,
			        "read it, then approve this content with `sandcage trust -p %s` "
			        "(nothing was started)\n",
			        ws->root);
			code = SC_EXIT_FAILURE;
		} else if (!sc_cmd_ask("Trust this content and go on?")) {
			sc_log_error("%s is not trusted: nothing was started", f->path);
			code = SC_EXIT_FAILURE;
		} else if (sc_cmd_trust_record(store, store_path, f, &err) < 0) {
			code = sc_cmd_report(err);
		} else {
			sc_log_notice("trusted %s", f->path);
		}
	}
	sc_cmd_trust_file_release(&files[0]);
	sc_cmd_trust_file_release(&files[1]);
	return code;
}

/* ---- protection ---- */

static bool inside_mounts(const struct sc_workspace *ws, const char *path)
{
	return path_is_within(path, ws->root) ||
	       (ws->in_git &&
	        (path_is_within(path, ws->common_dir) || path_is_within(path, ws->git_dir)));
}

/* Adds a protected path that exists (or is made to exist) and has no
 * symlink in it; refuses a link, which the agent could replace. */
static int protect_path(const struct sc_workspace *ws, const char *path, bool dir, bool create,
                        struct strv *out, struct sc_error **err)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		/* What this user cannot reach, the agent (the same user) cannot
		 * either. */
		if (errno != ENOENT) {
			sc_log_debug("not protecting %s: %s", path, strerror(errno));
			return 0;
		}
		if (!create)
			return 0; /* a file the agent creates is checked by trust */
		/* In a git directory: made now, empty as git would have it, so
		 * that the agent cannot make it. */
		_cleanup_free_ char *parent = path_dirname(path);
		_cleanup_free_ char *real_parent = realpath(parent, NULL);
		if (!real_parent || !streq(real_parent, parent))
			return 0;
		int fd = -1;
		int r = dir ? mkdir(path, 0755)
		            : (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		                         0644));
		if (fd >= 0)
			close(fd);
		if (r < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
			sc_log_debug("not protecting %s: %s", path, strerror(errno));
			return 0;
		}
		if (r < 0 && errno != EEXIST)
			return sc_error_set(err, errno, "create `%s`", path);
		sc_log_debug("created %s so that it can be protected", path);
	}
	_cleanup_free_ char *real = realpath(path, NULL);
	if (!real)
		return sc_error_set(err, errno, "protect `%s`", path);
	if (!streq(real, path))
		return sc_error_setx(
		    err, 0,
		    "`%s` is a symbolic link (to `%s`), or lies below one: sandcage "
		    "keeps it read-only in the container and cannot protect a link, "
		    "which the agent could replace; put the real file or directory "
		    "there, or leave it out of `security.protected_paths` in your "
		    "global configuration",
		    path, real);
	if (!inside_mounts(ws, real))
		return 0;
	if (!strv_contains(out->v, real))
		strv_push(out, real);
	return 0;
}

/* Submodules keep their git directories in the common git directory's
 * `modules/` (nested for names with `/` and submodules of submodules); each
 * has hooks and config the host's git runs. */
static void find_module_git_dirs(const char *dir, int depth, size_t *budget, struct strv *out)
{
	if (depth > 4 || *budget == 0)
		return;
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d)
		return;
	fd = -1;
	struct dirent *e;
	while ((e = readdir(d)) && *budget > 0) {
		(*budget)--;
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		_cleanup_free_ char *sub = path_join(dir, e->d_name);
		struct stat st;
		if (lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		_cleanup_free_ char *head = path_join(sub, "HEAD");
		if (fs_exists(head)) {
			strv_push(out, sub);
			_cleanup_free_ char *nested = path_join(sub, "modules");
			find_module_git_dirs(nested, depth + 1, budget, out);
		} else {
			find_module_git_dirs(sub, depth + 1, budget, out);
		}
	}
	closedir(d);
}

struct scan {
	const struct sc_config *cfg;
	const struct sc_workspace *ws;
	size_t entries;
	bool truncated;
	struct strv *masked;
};

static void mask_link(struct scan *s, const char *path)
{
	_cleanup_free_ char *real = realpath(path, NULL);
	struct stat st;
	/* A link out of the project leads nowhere inside the container. */
	if (!real || !path_is_within(real, s->ws->root) || stat(real, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	if (!strv_contains(s->masked->v, real))
		strv_push(s->masked, real);
}

/* Looks for secret files without following symlinked directories (which
 * could loop or lead out of the project), skipping .git and node_modules; a
 * directory's own files before its subdirectories, so that the files near
 * the top are looked at whatever the limits cut. */
static void scan_dir(struct scan *s, int dirfd, const char *path, int depth)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	_cleanup_strvec_ struct strv subdirs = STRV_INIT;
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		if (streq(name, ".") || streq(name, ".."))
			continue;
		if (++s->entries > SC_MASK_SCAN_ENTRIES) {
			s->truncated = true;
			break;
		}
		unsigned char type = e->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode)   ? DT_DIR
			       : S_ISREG(st.st_mode) ? DT_REG
			       : S_ISLNK(st.st_mode) ? DT_LNK
			                             : DT_UNKNOWN;
		}
		if (type == DT_DIR) {
			if (!streq(name, ".git") && !streq(name, "node_modules") &&
			    depth < SC_MASK_SCAN_DEPTH)
				strv_push(&subdirs, name);
			continue;
		}
		if ((type != DT_REG && type != DT_LNK) || !sc_security_masked_name(s->cfg, name))
			continue;
		_cleanup_free_ char *file = path_join(path, name);
		if (type == DT_LNK)
			mask_link(s, file);
		else if (!strv_contains(s->masked->v, file))
			strv_push(s->masked, file);
	}
	for (size_t i = 0; i < subdirs.len && !s->truncated; i++) {
		int sub =
		    openat(dirfd, subdirs.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		_cleanup_free_ char *subpath = path_join(path, subdirs.v[i]);
		scan_dir(s, sub, subpath, depth + 1);
	}
	closedir(d);
}

/* The empty read-only file mounted over secret files: in the global
 * directory, so that no project can reach it; /dev/null when it cannot be
 * made there (writes to it then vanish instead of failing). */
static char *empty_file(void)
{
	_cleanup_free_ char *gdir = sc_config_global_dir();
	_cleanup_free_ char *path = path_join(gdir, "empty");
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		return steal_pointer(&path);
	_cleanup_error_ struct sc_error *err = NULL;
	if (fs_mkdir_p(gdir, 0700, &err) < 0 || fs_write_atomic(path, "", 0, 0444, &err) < 0) {
		sc_log_debug("masking with /dev/null: %s", err->msg);
		return xstrdup("/dev/null");
	}
	return steal_pointer(&path);
}

static int debug_overrides(struct sc_container_spec *spec, struct sc_error **err)
{
	const char *caps = getenv("SANDCAGE_DEBUG_CAP_ADD");
	if (!caps || !*caps)
		return 0;
	_cleanup_free_ char *copy = xstrdup(caps);
	char *save = NULL;
	for (char *c = strtok_r(copy, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
		if (strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen(c))
			return sc_error_setx(
			    err, 0,
			    "SANDCAGE_DEBUG_CAP_ADD: `%s` is not a capability name "
			    "(such as NET_RAW)",
			    c);
		strv_push(&spec->cap_add, c);
	}
	sc_log_warn("SANDCAGE_DEBUG_CAP_ADD is set: the container gets %s; this weakens the "
	            "sandbox and is meant for testing `sandcage doctor` only",
	            caps);
	return 0;
}

int sc_cmd_security_protect(const struct sc_config *cfg, const struct sc_workspace *ws,
                            struct sc_container_spec *spec, struct sc_error **err)
{
	struct vec cands = VEC_INIT(sc_protect_candidate_free);
	sc_security_protected_paths(cfg, ws, &cands);
	if (ws->in_git) {
		/* The submodules' git directories, when `.git/hooks/` and
		 * `.git/config` are protected. */
		_cleanup_strvec_ struct strv mods = STRV_INIT;
		_cleanup_free_ char *modules = path_join(ws->common_dir, "modules");
		size_t budget = 1000;
		find_module_git_dirs(modules, 0, &budget, &mods);
		size_t n = cands.len;
		for (size_t i = 0; i < n; i++) {
			const struct sc_protect_candidate *c = cands.items[i];
			if (!c->create || !path_is_within(c->path, ws->common_dir) ||
			    streq(c->path, ws->common_dir))
				continue;
			const char *rel = c->path + strlen(ws->common_dir) + 1;
			for (size_t m = 0; m < mods.len; m++) {
				struct sc_protect_candidate *mc = xcalloc(1, sizeof(*mc));
				mc->path = path_join(mods.v[m], rel);
				mc->dir = c->dir;
				mc->create = true;
				vec_push(&cands, mc);
			}
		}
	}
	struct sc_protect_set set = {STRV_INIT, STRV_INIT, NULL};
	int r = 0;
	for (size_t i = 0; i < cands.len && r == 0; i++) {
		const struct sc_protect_candidate *c = cands.items[i];
		r = protect_path(ws, c->path, c->dir, c->create, &set.readonly, err);
	}
	vec_release(&cands);
	_cleanup_free_ char *empty = NULL;
	if (r == 0 && cfg->security.masked_files.len) {
		struct scan s = {cfg, ws, 0, false, &set.masked};
		int fd = open(ws->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			scan_dir(&s, fd, ws->root, 1);
		if (s.truncated)
			sc_log_notice(
			    "looked for secret files (%s) only %d directories deep and in the "
			    "first %d entries of the project; files beyond are not masked",
			    "security.masked_files", SC_MASK_SCAN_DEPTH, SC_MASK_SCAN_ENTRIES);
		if (set.masked.len)
			set.empty = empty = empty_file();
	}
	if (r == 0) {
		sc_security_protect(&set, spec);
		r = debug_overrides(spec, err);
	}
	strv_release(&set.readonly);
	strv_release(&set.masked);
	return r;
}
