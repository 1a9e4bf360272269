/* The login store of `home.scope: project` (src/plan/home.h): made on the
 * host, and, the first time, the old shared home volume mounted so that
 * the container's first program copies its logins in. */
#include "../plan/home.h"
#include "../util/fs.h"
#include "../util/path.h"
#include "internal.h"

#include <fcntl.h>
#include <sys/stat.h>

int sc_launch_logins(struct sc_launch *l, const struct sc_launch_request *req, char **migrate,
                     struct sc_error **err)
{
	*migrate = NULL;
	if (l->cfg->home.scope.value != SC_HOME_PROJECT || req->no_engine)
		return 0;
	_cleanup_free_ char *dir = sc_home_logins_dir(l->global_dir);
	if (fs_mkdir_p(dir, 0700, err) < 0)
		return sc_error_prefix(err, "the login store");
	/* Every session's agent can write in it: nobody else may read it. */
	struct stat st;
	if (lstat(dir, &st) < 0)
		return sc_error_set(err, errno, "the login store `%s`", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return sc_error_setx(err, ENOTDIR,
		                     "the login store `%s` is not a directory of yours: remove it "
		                     "(sandcage makes it again)",
		                     dir);
	if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) < 0)
		return sc_error_set(err, errno, "chmod 0700 `%s`", dir);

	/* The marker is the store's: an agent can add or remove it, which
	 * only starts or skips a copy of credential files. */
	_cleanup_free_ char *marker = path_join(dir, SC_LOGINS_MARKER);
	if (lstat(marker, &st) == 0 || errno != ENOENT)
		return 0;
	/* A role (doctor's probes) looks, and changes nothing: the next
	 * session of an agent or a shell migrates. */
	if (req->role)
		return 0;
	const char *old = l->cfg->home.volume.value;
	bool exists = false;
	if (!l->engine || !l->engine->ops->volume_exists)
		return 0;
	if (l->engine->ops->volume_exists(l->engine, old, &exists, err) < 0)
		return -1;
	if (!exists) {
		/* Nothing to copy, now or later: no need to ask again. */
		int fd =
		    open(marker, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	sc_launch_say(req, SC_LAUNCH_NOTICE,
	              "copying the logins of the shared home volume %s into the login store %s "
	              "(once; nothing else of it: its settings stay there)",
	              old, dir);
	*migrate = xstrdup(old);
	return 0;
}
