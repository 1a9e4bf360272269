#include "fs.h"
#include "path.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>

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

int fs_read_file(const char *path, char **out, size_t *len, struct sc_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sc_error_set(err, errno, "open `%s`", path);
	size_t cap = 4096, n = 0;
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
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = steal_pointer(&buf);
	return 0;
}

int fs_read_file_optional(const char *path, char **out, size_t *len, struct sc_error **err)
{
	struct sc_error *e = NULL;
	int r = fs_read_file(path, out, len, &e);
	if (r == -ENOENT) {
		sc_error_free(e);
		*out = NULL;
		if (len)
			*len = 0;
		return 0;
	}
	if (r < 0) {
		if (err && !*err)
			*err = e;
		else
			sc_error_free(e);
	}
	return r;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
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
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return sc_error_set(err, -r, "write `%s`", path);
	}
	return 0;
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
