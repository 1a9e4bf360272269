/* What the engine mounts is what sandcage checked.
 *
 * The engine resolves each bind mount's source path itself, later, and
 * follows symbolic links on the way: a concurrent writer of the project (an
 * agent in another session) that swaps a checked directory for a link
 * between the check and the mount would get any host path mounted. The
 * engine cannot be handed the checked object itself (runc refuses a
 * /proc/PID/fd source from another mount namespace), so the check moves to
 * where the mounts are: the identity (device and inode) of every source is
 * taken here, with no link in its path when it lies in the project or a git
 * directory the agent can write, and the container's first program,
 * sandcage-mountcheck (a static binary mounted read-only from the global
 * directory), compares each mount with it and looks for mounts nobody
 * asked for before it runs the command. A difference stops the container
 * before anything of the session runs (exit 125). */
#include "../plan/home.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/path.h"
#include "internal.h"
#include "mountcheck-blob.h"

#include <sys/stat.h>

/* The program's own target path in the container. */
#define MOUNTCHECK_TARGET "/.sandcage-mountcheck"

/* The program in the global directory, named by its content hash (taken at
 * build time) so that a sandcage of another version writes its own. */
static int mountcheck_file(const char *gdir, char **out, struct sc_error **err)
{
	_cleanup_free_ char *name = xasprintf("lib/mountcheck-%.16s", sc_mountcheck_sha256);
	_cleanup_free_ char *path = path_join(gdir, name);
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == sc_mountcheck_size && (st.st_mode & 0111)) {
		*out = steal_pointer(&path);
		return 0;
	}
	/* Made once: a concurrent start keeps the file (and inode) the other
	 * one pinned; only a damaged one is replaced. */
	bool damaged = lstat(path, &st) == 0;
	_cleanup_free_ char *dir = path_dirname(path);
	if (fs_mkdir_p(dir, 0700, err) < 0 ||
	    (damaged ? fs_write_atomic : fs_write_once)(path, sc_mountcheck_blob,
	                                                sc_mountcheck_size, 0555, err) < 0)
		return sc_error_prefix(err, "the container's mount check (%s)", path);
	*out = steal_pointer(&path);
	return 0;
}

/* In the project, or a git directory of it: what the agent can write. */
static bool agent_writable(const struct sc_workspace *ws, const char *path)
{
	if (!ws)
		return false;
	if (ws->root && path_is_within(path, ws->root))
		return true;
	return ws->in_git && ((ws->common_dir && path_is_within(path, ws->common_dir)) ||
	                      (ws->git_dir && path_is_within(path, ws->git_dir)));
}

static int identity(const struct sc_workspace *ws, const char *source, struct stat *st,
                    struct sc_error **err)
{
	if (agent_writable(ws, source)) {
		_cleanup_error_ struct sc_error *e = NULL;
		if (fs_stat_no_links(source, st, &e) == 0)
			return 0;
		if (e->code == ELOOP)
			return sc_error_setx(
			    err, ELOOP,
			    "`%s` is a symbolic link, or lies below one: sandcage mounts nothing "
			    "through a link in the project (the agent could change where it "
			    "leads); "
			    "if it was none a moment ago, another session is changing the project: "
			    "start again",
			    source);
		if (e->code == ENOENT)
			return sc_error_setx(err, ENOENT,
			                     "`%s` disappeared while the session started (another "
			                     "session may be changing the project): start again",
			                     source);
		*err = steal_pointer(&e);
		return -1;
	}
	/* The user's own paths (the global directory, the configuration's
	 * mounts outside the project): links there are the user's. */
	if (stat(source, st) < 0)
		return sc_error_set(err, errno, "mount source `%s`", source);
	return 0;
}

int sc_launch_pin(struct sc_launch *l, const struct sc_launch_request *req, struct sc_error **err)
{
#ifdef __linux__
	struct sc_container_spec *spec = &l->spec;
	_cleanup_free_ char *program = NULL;
	if (mountcheck_file(l->global_dir, &program, err) < 0)
		return -1;
	sc_container_spec_add_mount(spec, program, MOUNTCHECK_TARGET, true, false);
	_cleanup_strvec_ struct strv args = STRV_INIT;
	for (size_t i = 0; i < spec->mounts.len; i++) {
		const struct sc_spec_mount *m = spec->mounts.items[i];
		if (m->volume) {
			strv_pushf(&args, "--volume=%s", m->target);
			continue;
		}
		struct stat st;
		if (identity(l->ws, m->source, &st, err) < 0)
			return -1;
		strv_push_take(&args, sc_mountcheck_bind_arg(&st, m->target));
	}
	sc_home_entry_args(spec, &args);
	strv_push(&args, "--");
	/* The image's own entrypoint still runs, after the check. */
	if (l->engine && l->engine->ops->image_entrypoint &&
	    l->engine->ops->image_entrypoint(l->engine, spec->image, &args, err) < 0)
		return -1;
	free(spec->entrypoint);
	spec->entrypoint = xstrdup(MOUNTCHECK_TARGET);
	strv_release(&spec->entry_args);
	spec->entry_args = args;
	args = (struct strv)STRV_INIT;
#else
	(void)l;
	(void)err;
#endif
	(void)req;
	return 0;
}
