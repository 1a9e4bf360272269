/* The login store kept in step (logins.h). */
#include "logins.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ~/.claude.json also holds Claude Code's per-project state, and grows
 * with it: a larger limit than a credential file's. */
#define MC_LOGIN_JSON_MAX (8u << 20)

struct ctx {
	const struct mc_logins *l;
	mc_report_fn report;
	void *data;
	int home, store, migrate; /* directory descriptors, or -1 */
};

struct blob {
	char *data;
	size_t len;
	struct timespec mtime;
};

static void say(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct ctx *c, const char *fmt, ...)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "sandcage: logins: ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line, whatever a path held. */
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	c->report(line, c->data);
}

static bool rel_ok(const char *rel)
{
	if (!*rel || *rel == '/' || strlen(rel) >= PATH_MAX)
		return false;
	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
		    n > NAME_MAX)
			return false;
		p += n;
		if (*p == '/' && !*++p)
			return false;
	}
	return true;
}

bool mc_login_parse(char *spec, bool json, struct mc_login *out)
{
	char *colon = strchr(spec, ':');
	if (!colon)
		return false;
	*colon = '\0';
	char *store = colon + 1;
	char *keys = NULL;
	if (json) {
		keys = strchr(store, ':');
		if (!keys || !keys[1])
			return false;
		*keys++ = '\0';
	}
	if (!rel_ok(spec) || !*store || strchr(store, '/') || store[0] == '.' ||
	    strlen(store) > NAME_MAX - 40)
		return false;
	*out = (struct mc_login){spec, store, keys};
	return true;
}

static const char *why(int e)
{
	switch (e) {
	case ELOOP:
		return "it is a symbolic link, or lies below one";
	case ENOTDIR:
		return "a directory on its path is not one (or is a symbolic link)";
	default:
		return strerror(e);
	}
}

/* The directory of `rel` below `root`, no link followed on the way (made,
 * 0700, when `create`); *name is the last component. -1 with errno. */
static int open_parent(int root, const char *rel, bool create, const char **name)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", rel);
	int cur = fcntl(root, F_DUPFD_CLOEXEC, 0);
	if (cur < 0)
		return -1;
	char *p = buf, *slash;
	while ((slash = strchr(p, '/'))) {
		*slash = '\0';
		if (create && mkdirat(cur, p, 0700) < 0 && errno != EEXIST) {
			int e = errno;
			close(cur);
			errno = e;
			return -1;
		}
		int next =
		    openat(cur, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		int e = errno;
		close(cur);
		if (next < 0) {
			errno = e;
			return -1;
		}
		cur = next;
		p = slash + 1;
	}
	*name = rel + (p - buf);
	return cur;
}

/* The identity of `rel` below `root`, no link followed; false when there
 * is no regular file. */
static bool stat_at(int root, const char *rel, struct stat *st)
{
	const char *name;
	int dir = open_parent(root, rel, false, &name);
	if (dir < 0)
		return false;
	int r = fstatat(dir, name, st, AT_SYMLINK_NOFOLLOW);
	close(dir);
	return r == 0 && S_ISREG(st->st_mode);
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* 1: read into `b`; 0: there is none; -1: bad, *err is why (an errno, or
 * EFTYPE-like values below). */
enum { BAD_TYPE = -1, BAD_SIZE = -2 };

static int read_at(int root, const char *rel, size_t max, struct blob *b, int *err)
{
	*b = (struct blob){0};
	const char *name;
	int dir = open_parent(root, rel, false, &name);
	if (dir < 0) {
		*err = errno;
		return errno == ENOENT ? 0 : -1;
	}
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	*err = errno;
	close(dir);
	if (fd < 0)
		return *err == ENOENT ? 0 : -1;
	struct stat st;
	int r = -1;
	if (fstat(fd, &st) < 0) {
		*err = errno;
	} else if (!S_ISREG(st.st_mode)) {
		*err = BAD_TYPE;
	} else if ((uintmax_t)st.st_size > max) {
		*err = BAD_SIZE;
	} else if (!(b->data = malloc((size_t)st.st_size + 1))) {
		*err = ENOMEM;
	} else {
		/* The file may grow while it is read: never past the limit. */
		size_t cap = (size_t)st.st_size + 1;
		for (;;) {
			ssize_t n = read(fd, b->data + b->len, cap - b->len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				*err = errno;
				break;
			}
			if (n == 0) {
				r = 1;
				break;
			}
			b->len += (size_t)n;
			if (b->len == cap) {
				if (cap > max) {
					*err = BAD_SIZE;
					break;
				}
				char *bigger =
				    realloc(b->data, cap * 2 > max + 1 ? max + 1 : cap * 2);
				if (!bigger) {
					*err = ENOMEM;
					break;
				}
				b->data = bigger;
				cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			}
		}
		b->mtime = st.st_mtim;
	}
	close(fd);
	if (r < 0) {
		free(b->data);
		*b = (struct blob){0};
	}
	return r;
}

static const char *bad_why(int err)
{
	if (err == BAD_TYPE)
		return "it is not a regular file";
	if (err == BAD_SIZE)
		return "it is too large";
	return why(err);
}

/* Replaces `rel` below `root` by a new file (0600) of `len` bytes, with
 * modification time `mtime` (NULL: now): a temporary file in the same
 * directory, renamed over it (a link there is replaced, not followed). */
static int write_at(const struct ctx *c, int root, const char *rootname, const char *rel,
                    const char *data, size_t len, const struct timespec *mtime)
{
	static unsigned counter;
	const char *name;
	int dir = open_parent(root, rel, true, &name);
	if (dir < 0) {
		say(c, "cannot write %s/%s: %s", rootname, rel, why(errno));
		return -1;
	}
	char tmp[NAME_MAX + 1];
	snprintf(tmp, sizeof(tmp), ".%.200s.sandcage-%ld-%u", name, (long)getpid(), counter++);
	int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int e = 0;
	if (fd < 0) {
		e = errno;
	} else {
		for (size_t off = 0; off < len && !e;) {
			ssize_t n = write(fd, data + off, len - off);
			if (n < 0 && errno != EINTR)
				e = errno;
			else if (n > 0)
				off += (size_t)n;
		}
		if (!e && fchmod(fd, 0600) < 0)
			e = errno;
		if (!e && mtime) {
			struct timespec ts[2] = {*mtime, *mtime};
			if (futimens(fd, ts) < 0)
				e = errno;
		}
		if (close(fd) < 0 && !e)
			e = errno;
		if (!e && renameat(dir, tmp, dir, name) < 0)
			e = errno;
		if (e)
			unlinkat(dir, tmp, 0);
	}
	close(dir);
	if (e) {
		say(c, "cannot write %s/%s: %s", rootname, rel, why(e));
		return -1;
	}
	return 0;
}

static bool newer(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static bool same(const struct blob *a, const struct blob *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* ---- whole files ---- */

/* True when `to` has `from`'s content afterwards. */
static bool file_copy(const struct ctx *c, int from, const char *fromname, const char *from_rel,
                      int to, const char *toname, const char *to_rel, bool only_if_missing)
{
	struct blob src, dst = {0};
	int err;
	int rs = read_at(from, from_rel, MC_LOGIN_MAX, &src, &err);
	if (rs < 0)
		say(c, "skipped %s/%s: %s", fromname, from_rel, bad_why(err));
	if (rs <= 0)
		return false;
	int rd = read_at(to, to_rel, MC_LOGIN_MAX, &dst, &err);
	/* A bad copy at the destination (a link, a FIFO) is replaced. */
	bool write = rd < 0 || rd == 0 ||
	             (!only_if_missing && newer(src.mtime, dst.mtime) && !same(&src, &dst));
	bool in_step = rd == 1 && same(&src, &dst);
	if (write)
		in_step = write_at(c, to, toname, to_rel, src.data, src.len, &src.mtime) == 0;
	free(src.data);
	free(dst.data);
	return in_step;
}

/* ---- the shared keys of a JSON object ---- */

static json_t *load_object(const struct ctx *c, const struct blob *b, const char *rootname,
                           const char *rel)
{
	json_error_t jerr;
	json_t *j = json_loadb(b->data, b->len, 0, &jerr);
	if (!j || !json_is_object(j)) {
		say(c, "skipped %s/%s: %s", rootname, rel,
		    j ? "it is not a JSON object" : "it is not valid JSON");
		json_decref(j);
		return NULL;
	}
	return j;
}

/* A new object with the keys of `keys` ("a,b") that `obj` has. */
static json_t *pick(json_t *obj, const char *keys)
{
	json_t *out = json_object();
	for (const char *p = keys; *p;) {
		size_t n = strcspn(p, ",");
		char key[128];
		if (n > 0 && n < sizeof(key)) {
			memcpy(key, p, n);
			key[n] = '\0';
			json_t *v = json_object_get(obj, key);
			if (v)
				json_object_set(out, key, v);
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return out;
}

static int write_json(const struct ctx *c, int root, const char *rootname, const char *rel,
                      json_t *obj)
{
	char *text = json_dumps(obj, JSON_INDENT(2));
	if (!text)
		return -1;
	size_t len = strlen(text);
	char *nl = realloc(text, len + 2);
	if (!nl) {
		free(text);
		return -1;
	}
	nl[len] = '\n';
	int r = write_at(c, root, rootname, rel, nl, len + 1, NULL);
	free(nl);
	return r;
}

/* The shared keys of HOME's file (or the old home's) as an object, or NULL
 * (none there, or the file is bad). */
static json_t *home_keys(const struct ctx *c, int root, const char *rootname,
                         const struct mc_login *it)
{
	struct blob b;
	int err;
	int r = read_at(root, it->home, MC_LOGIN_JSON_MAX, &b, &err);
	if (r < 0)
		say(c, "skipped %s/%s: %s", rootname, it->home, bad_why(err));
	if (r <= 0)
		return NULL;
	json_t *obj = load_object(c, &b, rootname, it->home);
	free(b.data);
	if (!obj)
		return NULL;
	json_t *p = pick(obj, it->keys);
	json_decref(obj);
	if (json_object_size(p) == 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

/* The store's object, or NULL; *bad when the store has a bad one. */
static json_t *store_keys(const struct ctx *c, const struct mc_login *it, bool *bad)
{
	struct blob b;
	int err;
	*bad = false;
	int r = read_at(c->store, it->store, MC_LOGIN_MAX, &b, &err);
	if (r < 0) {
		say(c, "skipped %s/%s: %s", c->l->store, it->store, bad_why(err));
		*bad = true;
	}
	if (r <= 0)
		return NULL;
	json_t *obj = load_object(c, &b, c->l->store, it->store);
	free(b.data);
	*bad = obj == NULL;
	return obj;
}

/* True when HOME's keys are the store's afterwards. */
static bool json_in(const struct ctx *c, const struct mc_login *it)
{
	bool bad, in_step = false;
	json_t *s = store_keys(c, it, &bad);
	if (!s)
		return false;
	json_t *shared = pick(s, it->keys);
	json_decref(s);
	struct blob b;
	int err;
	json_t *home = NULL;
	int r = read_at(c->home, it->home, MC_LOGIN_JSON_MAX, &b, &err);
	if (r < 0)
		say(c, "skipped %s/%s: %s", c->l->home, it->home, bad_why(err));
	else if (r == 0)
		home = json_object();
	else
		home = load_object(c, &b, c->l->home, it->home);
	free(b.data);
	if (home) {
		bool changed = false;
		const char *key;
		json_t *v;
		json_object_foreach(shared, key, v)
		{
			if (!json_equal(json_object_get(home, key), v)) {
				json_object_set(home, key, v);
				changed = true;
			}
		}
		json_t *now = pick(home, it->keys);
		in_step = json_equal(now, shared);
		json_decref(now);
		if (changed && write_json(c, c->home, c->l->home, it->home, home) < 0)
			in_step = false;
	}
	json_decref(home);
	json_decref(shared);
	return in_step;
}

/* Only keys HOME has are written back: a file that lost them all (removed,
 * rewritten without them) does not wipe the login of every project. */
static void json_out(const struct ctx *c, const struct mc_login *it)
{
	json_t *h = home_keys(c, c->home, c->l->home, it);
	if (!h)
		return;
	bool bad;
	json_t *s = store_keys(c, it, &bad);
	if (!s || !json_equal(s, h))
		write_json(c, c->store, c->l->store, it->store, h);
	json_decref(s);
	json_decref(h);
}

static void json_migrate(const struct ctx *c, const struct mc_login *it)
{
	struct blob b;
	int err;
	int r = read_at(c->store, it->store, MC_LOGIN_MAX, &b, &err);
	free(b.data);
	if (r != 0)
		return;
	json_t *h = home_keys(c, c->migrate, c->l->migrate, it);
	if (h)
		write_json(c, c->store, c->l->store, it->store, h);
	json_decref(h);
}

/* ---- in and out ---- */

static int open_root(const struct ctx *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		say(c, "cannot open %s: %s (logins are not kept in step)", path, strerror(errno));
	return fd;
}

static bool open_ctx(struct ctx *c, const struct mc_logins *l, mc_report_fn report, void *data,
                     bool migrate)
{
	*c = (struct ctx){l, report, data, -1, -1, -1};
	c->home = open_root(c, l->home);
	c->store = open_root(c, l->store);
	if (migrate && l->migrate)
		c->migrate = open_root(c, l->migrate);
	return c->home >= 0 && c->store >= 0;
}

static void close_ctx(struct ctx *c)
{
	if (c->home >= 0)
		close(c->home);
	if (c->store >= 0)
		close(c->store);
	if (c->migrate >= 0)
		close(c->migrate);
}

void mc_logins_in(const struct mc_logins *l, mc_report_fn report, void *data)
{
	struct ctx c;
	if (open_ctx(&c, l, report, data, true)) {
		if (c.migrate >= 0) {
			/* Only the credential files: the old home may hold what an
			 * agent planted (a .bashrc, hooks). */
			for (size_t i = 0; i < l->n; i++) {
				const struct mc_login *it = &l->items[i];
				if (it->keys)
					json_migrate(&c, it);
				else
					file_copy(&c, c.migrate, l->migrate, it->home, c.store,
					          l->store, it->store, true);
			}
			int fd =
			    openat(c.store, MC_LOGINS_MARKER,
			           O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
			if (fd >= 0)
				close(fd);
		}
		for (size_t i = 0; i < l->n; i++) {
			const struct mc_login *it = &l->items[i];
			bool in_step = it->keys ? json_in(&c, it)
			                        : file_copy(&c, c.store, l->store, it->store,
			                                    c.home, l->home, it->home, false);
			if (l->state)
				l->state[i].in_step =
				    in_step && stat_at(c.home, it->home, &l->state[i].st);
		}
	}
	close_ctx(&c);
}

void mc_logins_out(const struct mc_logins *l, mc_report_fn report, void *data)
{
	struct ctx c;
	if (open_ctx(&c, l, report, data, false)) {
		for (size_t i = 0; i < l->n; i++) {
			const struct mc_login *it = &l->items[i];
			/* In step at the start and untouched since: nothing to
			 * read. */
			struct stat st;
			if (l->state && l->state[i].in_step && stat_at(c.home, it->home, &st) &&
			    same_stat(&st, &l->state[i].st))
				continue;
			if (it->keys)
				json_out(&c, it);
			else
				file_copy(&c, c.home, l->home, it->home, c.store, l->store,
				          it->store, false);
		}
	}
	close_ctx(&c);
}
