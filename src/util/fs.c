#include "fs.h"
#include "path.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>
#if defined(__linux__) && __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

int fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_limited(int fd, const char *path, size_t max, char **out, size_t *len,
                        struct sc_error **err);

int fs_read_file(const char *path, char **out, size_t *len, struct sc_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sc_error_set(err, errno, "open `%s`", path);
	return read_limited(fd, path, SIZE_MAX, out, len, err);
}

/* What an _optional read returns: a missing file (-ENOENT) is no error (0);
 * another error `e` goes to *err (unless it holds one already). */
static int absent_is_empty(int r, struct sc_error *e, struct sc_error **err)
{
	if (r < 0 && r != -ENOENT && err && !*err)
		*err = e;
	else
		sc_error_free(e);
	return r == -ENOENT ? 0 : r;
}

int fs_read_file_optional(const char *path, char **out, size_t *len, struct sc_error **err)
{
	*out = NULL;
	if (len)
		*len = 0;
	struct sc_error *e = NULL;
	int r = fs_read_file(path, out, len, &e);
	return absent_is_empty(r, e, err);
}

/* ---- files of the project ---- */

/* -ELOOP when `name` in `dirfd` is a symbolic link, else `e`: O_NOFOLLOW
 * reports a link as ELOOP on Linux, EMLINK on FreeBSD, and O_DIRECTORY on a
 * link may say ENOTDIR. */
static int link_or(int dirfd, const char *name, int e)
{
	struct stat st;
	if (e == ELOOP || e == EMLINK || e == ENOTDIR)
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			return -ELOOP;
	return -e;
}

/* Every component of the relative `path` beneath `dirfd`, none a link. */
static int open_walk(int dirfd, const char *path, int flags, mode_t mode)
{
	_cleanup_free_ char *copy = xstrdup(path);
	_cleanup_close_ int cur = -1;
	char *save = NULL;
	char *comp = strtok_r(copy, "/", &save);
	if (!comp)
		return -EISDIR;
	for (;;) {
		char *next = strtok_r(NULL, "/", &save);
		int at = cur >= 0 ? cur : dirfd;
		if (!next) {
			int fd = openat(at, comp, flags | O_NOFOLLOW, mode);
			return fd >= 0 ? fd : link_or(at, comp, errno);
		}
		if (!streq(comp, ".")) {
			int fd = openat(at, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return link_or(at, comp, errno);
			if (cur >= 0)
				close(cur);
			cur = fd;
		}
		comp = next;
	}
}

static int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	if (!*path)
		return -ENOENT;
	if (dirfd == AT_FDCWD) {
		/* The directory is the caller's; only the name is the project's. */
		const char *base = path_basename(path);
		_cleanup_free_ char *dir = base == path ? xstrdup(".") : path_dirname(path);
		if (!*base || streq(base, ".") || streq(base, ".."))
			return -EISDIR;
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return -errno;
		int fd = openat(dfd, base, flags | O_NOFOLLOW, mode);
		return fd >= 0 ? fd : link_or(dfd, base, errno);
	}
	if (path[0] == '/')
		return -EXDEV;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EXDEV;
		p += n + (p[n] == '/');
	}
#if defined(__linux__) && defined(SYS_openat2) && defined(RESOLVE_BENEATH)
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_NOFOLLOW),
	    .mode = (flags & O_CREAT) ? mode : 0,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (fd >= 0)
		return (int)fd;
	/* Older kernels, and seccomp profiles that do not know the call. */
	if (errno != ENOSYS && errno != EPERM && errno != EINVAL && errno != E2BIG)
		return errno == EXDEV ? -ELOOP : -errno;
#endif
	return open_walk(dirfd, path, flags, mode);
}

static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO (named pipe)";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a regular file";
}

static int open_failed(struct sc_error **err, int e, const char *path)
{
	if (e == ELOOP)
		return sc_error_setx(
		    err, ELOOP,
		    "`%s` is a symbolic link, or lies below one: sandcage does not "
		    "follow links in the project (they could point anywhere on the "
		    "host); replace it with the file itself",
		    path);
	if (e == EXDEV)
		return sc_error_setx(err, EXDEV, "`%s` lies outside the project", path);
	if (e == ENXIO)
		return sc_error_setx(err, ENXIO,
		                     "`%s` is not a regular file (a FIFO or a socket): sandcage "
		                     "opens nothing else there; remove it or replace it with a "
		                     "regular file",
		                     path);
	return sc_error_set(err, e, "open `%s`", path);
}

static int check_regular(int fd, const char *path, struct sc_error **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sc_error_set(err, errno, "stat `%s`", path);
	if (!S_ISREG(st.st_mode))
		return sc_error_setx(err, EINVAL,
		                     "`%s` is %s, not a regular file: sandcage opens nothing else "
		                     "there (it could block or read a device); remove it or "
		                     "replace it with a regular file",
		                     path, kind_of(st.st_mode));
	return 0;
}

static void limit_text(char buf[32], size_t max)
{
	if (max >= 1024 * 1024 && max % (1024 * 1024) == 0)
		snprintf(buf, 32, "%zu MiB", max / (1024 * 1024));
	else if (max >= 1024 && max % 1024 == 0)
		snprintf(buf, 32, "%zu KiB", max / 1024);
	else
		snprintf(buf, 32, "%zu bytes", max);
}

static int too_large(struct sc_error **err, const char *path, size_t max)
{
	char limit[32];
	limit_text(limit, max);
	return sc_error_setx(err, EFBIG,
	                     "`%s` is larger than %s, the most sandcage reads of such a file: "
	                     "make it smaller",
	                     path, limit);
}

/* At most `max` bytes of a file (SIZE_MAX: all of it), checked by its size
 * first and by what it holds (a file may grow while it is read). */
static int read_limited(int fd, const char *path, size_t max, char **out, size_t *len,
                        struct sc_error **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sc_error_set(err, errno, "stat `%s`", path);
	if (st.st_size < 0 || (uint64_t)st.st_size > max)
		return too_large(err, path, max);
	size_t cap = (size_t)st.st_size + 1 < 4096 ? 4096 : (size_t)st.st_size + 1, n = 0;
	_cleanup_free_ char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sc_error_set(err, errno, "read `%s`", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return too_large(err, path, max);
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = steal_pointer(&buf);
	return 0;
}

int fs_open_safe(int dirfd, const char *path, int *out, struct sc_error **err)
{
	int fd = open_beneath(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
	if (fd < 0)
		return open_failed(err, -fd, path);
	_cleanup_close_ int owned = fd;
	if (check_regular(owned, path, err) < 0)
		return -EINVAL;
	*out = steal_fd(&owned);
	return 0;
}

int fs_open_no_links(const char *path, int flags, int *out, struct sc_error **err)
{
	if (path[0] != '/')
		return sc_error_setx(err, EINVAL, "`%s` is not an absolute path", path);
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sc_error_set(err, errno, "open /");
	int fd = path[strspn(path, "/")]
	             ? open_beneath(root, path + strspn(path, "/"), flags | O_CLOEXEC, 0)
	             : open("/", flags | O_CLOEXEC);
	if (fd < 0)
		return -fd == ELOOP
		           ? sc_error_setx(err, ELOOP, "`%s` is a symbolic link, or lies below one",
		                           path)
		           : sc_error_set(err, -fd, "open `%s`", path);
	_cleanup_close_ int owned = fd;
	struct stat st;
	if (fstat(owned, &st) < 0)
		return sc_error_set(err, errno, "stat `%s`", path);
	if (S_ISLNK(st.st_mode))
		return sc_error_setx(err, ELOOP, "`%s` is a symbolic link", path);
	*out = steal_fd(&owned);
	return 0;
}

int fs_stat_no_links(const char *path, struct stat *st, struct sc_error **err)
{
	_cleanup_close_ int fd = -1;
	if (fs_open_no_links(path, O_PATH, &fd, err) < 0)
		return -1;
	if (fstat(fd, st) < 0)
		return sc_error_set(err, errno, "stat `%s`", path);
	return 0;
}

int fs_read_file_safe(int dirfd, const char *path, size_t max, char **out, size_t *len,
                      struct sc_error **err)
{
	_cleanup_close_ int fd = -1;
	int r = fs_open_safe(dirfd, path, &fd, err);
	if (r < 0)
		return r;
	return read_limited(fd, path, max, out, len, err);
}

int fs_read_file_safe_optional(int dirfd, const char *path, size_t max, char **out, size_t *len,
                               struct sc_error **err)
{
	*out = NULL;
	if (len)
		*len = 0;
	struct sc_error *e = NULL;
	int r = fs_read_file_safe(dirfd, path, max, out, len, &e);
	return absent_is_empty(r, e, err);
}

int fs_read_file_user_optional(const char *path, size_t max, char **out, size_t *len,
                               struct sc_error **err)
{
	*out = NULL;
	if (len)
		*len = 0;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : sc_error_set(err, errno, "open `%s`", path);
	if (check_regular(fd, path, err) < 0)
		return -EINVAL;
	return read_limited(fd, path, max, out, len, err);
}

int fs_open_append_safe(int dirfd, const char *path, mode_t mode, int *out, struct sc_error **err)
{
	int fd = open_beneath(
	    dirfd, path, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, mode);
	if (fd < 0)
		return open_failed(err, -fd, path);
	_cleanup_close_ int owned = fd;
	if (check_regular(owned, path, err) < 0)
		return -EINVAL;
	int fl = fcntl(owned, F_GETFL);
	if (fl >= 0)
		(void)fcntl(owned, F_SETFL, fl & ~O_NONBLOCK);
	*out = steal_fd(&owned);
	return 0;
}

/* The temporary file's last step: rename over `path`, or link to it (a
 * file already there stays). */
static int write_new(const char *path, const void *data, size_t len, mode_t mode, bool replace,
                     struct sc_error **err)
{
	_cleanup_free_ char *dir = path_dirname(path);
	_cleanup_free_ char *tmp = xasprintf("%s/.%s.XXXXXX", dir, path_basename(path));
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return sc_error_set(err, errno, "create a temporary file in `%s`", dir);
	int r = fs_write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && close(steal_fd(&fd)) < 0)
		r = -errno;
	if (r == 0 && replace && rename(tmp, path) < 0)
		r = -errno;
	if (r == 0 && !replace && link(tmp, path) < 0 && errno != EEXIST)
		r = -errno;
	if (r < 0 || !replace)
		unlink(tmp);
	if (r < 0)
		return sc_error_set(err, -r, "write `%s`", path);
	return 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                    struct sc_error **err)
{
	return write_new(path, data, len, mode, true, err);
}

int fs_write_once(const char *path, const void *data, size_t len, mode_t mode,
                  struct sc_error **err)
{
	return write_new(path, data, len, mode, false, err);
}

int fs_mkdir_p(const char *path, mode_t mode, struct sc_error **err)
{
	if (fs_is_dir(path))
		return 0;
	_cleanup_free_ char *parent = path_dirname(path);
	if (!streq(parent, path) && !streq(parent, ".")) {
		int r = fs_mkdir_p(parent, mode, err);
		if (r < 0)
			return r;
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return sc_error_set(err, errno, "create directory `%s`", path);
	return 0;
}

bool fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

bool fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	int r = type == FTW_DP ? rmdir(path) : unlink(path);
	return r < 0 && errno != ENOENT ? -1 : 0;
}

int fs_remove_tree(const char *path, struct sc_error **err)
{
	if (!fs_exists(path))
		return 0;
	if (nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS) < 0)
		return sc_error_set(err, errno, "remove `%s`", path);
	return 0;
}
