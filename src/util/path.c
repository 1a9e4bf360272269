#include "path.h"
#include "strbuf.h"

#include <limits.h>
#include <pwd.h>

char *path_join(const char *a, const char *b)
{
	if (!*a)
		return xstrdup(b);
	if (*b == '/' && streq(a, "/"))
		return xstrdup(b);
	size_t la = strlen(a);
	while (*b == '/')
		b++;
	bool slash = la > 0 && a[la - 1] == '/';
	return xasprintf("%s%s%s", a, slash ? "" : "/", b);
}

char *path_normalize(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *last = sb.buf ? strrchr(sb.buf, '/') : NULL;
			strbuf_truncate(&sb, last ? (size_t)(last - sb.buf) : 0);
		} else {
			strbuf_addc(&sb, '/');
			strbuf_add(&sb, p, n);
		}
		p = end;
	}
	if (sb.len == 0)
		strbuf_addc(&sb, '/');
	return strbuf_steal(&sb);
}

int path_realpath(const char *path, char **out, struct sc_error **err)
{
	char *r = realpath(path, NULL);
	if (!r)
		return sc_error_set(err, errno, "resolve `%s`", path);
	*out = r;
	return 0;
}

char *path_absolute(const char *path)
{
	if (path[0] == '/')
		return path_normalize(path);
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	if (!cwd)
		cwd = xstrdup(getenv("PWD") ? getenv("PWD") : "/");
	_cleanup_free_ char *joined = path_join(cwd, path);
	return path_normalize(joined);
}

char *path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	while (slash > path && slash[-1] == '/')
		slash--;
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

bool path_is_within(const char *path, const char *dir)
{
	if (streq(dir, "/"))
		return path[0] == '/';
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

const char *path_home(void)
{
	const char *h = getenv("HOME");
	if (h && h[0] == '/')
		return h;
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_dir)
		return pw->pw_dir;
	return "/";
}
