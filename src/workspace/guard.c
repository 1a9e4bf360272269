/* The state of the files a session must not change, and its comparison. */
#include "guard.h"
#include "../util/hash.h"
#include "../util/path.h"
#include "scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file larger than this is compared by size and time, not read. */
#define HASH_MAX ((off_t)16 << 20)

static char *file_hash(const char *path, const struct stat *st)
{
	if (st->st_size > HASH_MAX)
		return xasprintf("%lld@%lld.%09ld", (long long)st->st_size,
		                 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return xasprintf("unreadable:%d", errno);
	struct sha256 s;
	sha256_init(&s);
	char buf[8192];
	ssize_t n;
	off_t total = 0;
	while (total <= HASH_MAX && (n = read(fd, buf, sizeof(buf))) > 0) {
		sha256_update(&s, buf, (size_t)n);
		total += n;
	}
	close(fd);
	char hex[65];
	sha256_hex(&s, hex);
	return xstrdup(hex);
}

static void record(struct strv *paths, struct strv *states, const char *path, char *state)
{
	if (strv_contains(paths->v, path)) {
		free(state);
		return;
	}
	strv_push(paths, path);
	strv_push(states, state);
	free(state);
}

/* The state of `path`; below a directory, when `depth` allows, the state of
 * each entry too. */
static void look(const struct sc_guard *g, struct strv *paths, struct strv *states,
                 const char *path, int depth, size_t *budget)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		record(paths, states, path, xstrdup(errno == ENOENT ? "absent" : "unreadable"));
		return;
	}
	unsigned mode = (unsigned)(st.st_mode & 07777);
	if (S_ISREG(st.st_mode)) {
		_cleanup_free_ char *h = file_hash(path, &st);
		record(paths, states, path, xasprintf("file %o %s", mode, h));
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		record(paths, states, path, xasprintf("link %s", target));
	} else if (S_ISDIR(st.st_mode)) {
		record(paths, states, path, xasprintf("directory %o", mode));
		if (depth <= 0 || strv_contains(g->skip.v, path))
			return;
		_cleanup_close_ int fd =
		    open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d = fd < 0 ? NULL : fdopendir(fd);
		if (!d)
			return;
		fd = -1;
		struct dirent *e;
		while (*budget > 0 && (e = readdir(d))) {
			if (streq(e->d_name, ".") || streq(e->d_name, ".."))
				continue;
			(*budget)--;
			_cleanup_free_ char *sub = path_join(path, e->d_name);
			look(g, paths, states, sub, depth - 1, budget);
		}
		closedir(d);
	} else {
		record(paths, states, path, xasprintf("special %o", (unsigned)st.st_mode));
	}
}

/* `.git` entries below the root (not the root's own), within the limits of
 * the secret-file scan. */
static void find_nested(const char *dir, int depth, size_t *budget, struct strv *out)
{
	if (depth > SC_MASK_SCAN_DEPTH)
		return;
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d)
		return;
	fd = -1;
	_cleanup_strvec_ struct strv subdirs = STRV_INIT;
	struct dirent *e;
	while (*budget > 0 && (e = readdir(d))) {
		const char *name = e->d_name;
		(*budget)--;
		if (streq(name, ".") || streq(name, ".."))
			continue;
		_cleanup_free_ char *sub = path_join(dir, name);
		if (streq(name, ".git")) {
			if (depth > 1)
				strv_push(out, sub);
			continue;
		}
		struct stat st;
		if (!streq(name, "node_modules") && lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			strv_push(&subdirs, sub);
	}
	closedir(d);
	for (size_t i = 0; i < subdirs.len; i++)
		find_nested(subdirs.v[i], depth + 1, budget, out);
}

static void look_all(const struct sc_guard *g, const struct sc_workspace *ws, struct strv *paths,
                     struct strv *states, struct strv *shallow)
{
	for (size_t i = 0; i < g->deep.len; i++) {
		size_t budget = SC_GUARD_ENTRIES;
		look(g, paths, states, g->deep.v[i], SC_GUARD_DEPTH, &budget);
	}
	size_t budget = 10000;
	_cleanup_strvec_ struct strv nested = STRV_INIT;
	find_nested(ws->root, 1, &budget, &nested);
	for (size_t i = 0; i < nested.len; i++)
		if (!strv_contains(shallow->v, nested.v[i]))
			strv_push(shallow, nested.v[i]);
	/* A nested repository: host git in the project runs its config and
	 * hooks when its directory is a submodule (a gitlink in the index). */
	static const char *const inside[] = {"config", "config.worktree", "commondir", "hooks"};
	for (size_t i = 0; i < shallow->len; i++) {
		size_t b = SC_GUARD_ENTRIES;
		look(g, paths, states, shallow->v[i], 0, &b);
		for (size_t k = 0; k < N_ELEMENTS(inside); k++) {
			_cleanup_free_ char *p = path_join(shallow->v[i], inside[k]);
			b = SC_GUARD_ENTRIES;
			look(g, paths, states, p, SC_GUARD_DEPTH, &b);
		}
	}
}

void sc_guard_snapshot(struct sc_guard *g, const struct sc_workspace *ws, char *const *deep,
                       char *const *aside, char *const *skip)
{
	strv_extend(&g->skip, skip);
	strv_extend(&g->deep, deep);
	strv_extend(&g->deep, aside);
	for (size_t i = 0; aside && aside[i]; i++) {
		struct stat st;
		if (lstat(aside[i], &st) < 0 && errno == ENOENT)
			strv_push(&g->aside, aside[i]);
	}
	look_all(g, ws, &g->paths, &g->states, &g->shallow);
}

/* Renames `path` (that appeared during the session, where git never writes
 * it) to a name git does not read, in the same directory. */
static char *move_aside(const char *path)
{
	_cleanup_free_ char *to = xasprintf("%s.sandcage-moved-aside", path);
	for (int i = 1; i < 100; i++) {
		struct stat st;
		if (lstat(to, &st) < 0 && errno == ENOENT)
			break;
		free(to);
		to = xasprintf("%s.sandcage-moved-aside.%d", path, i);
	}
	if (rename(path, to) < 0)
		return xasprintf("%s (moving it aside failed: %s)", path, strerror(errno));
	return xasprintf("%s (moved aside to %s)", path, to);
}

void sc_guard_changes(const struct sc_guard *g, const struct sc_workspace *ws, struct strv *changed)
{
	_cleanup_strvec_ struct strv paths = STRV_INIT;
	_cleanup_strvec_ struct strv states = STRV_INIT;
	_cleanup_strvec_ struct strv shallow = STRV_INIT;
	strv_extend(&shallow, g->shallow.v);
	look_all(g, ws, &paths, &states, &shallow);
	for (size_t i = 0; i < paths.len; i++) {
		const char *was = "absent";
		for (size_t k = 0; k < g->paths.len; k++)
			if (streq(g->paths.v[k], paths.v[i]))
				was = g->states.v[k];
		/* Changed or appeared; what went runs nothing. */
		if (streq(was, states.v[i]) || streq(states.v[i], "absent"))
			continue;
		if (strv_contains(g->aside.v, paths.v[i])) {
			char *note = move_aside(paths.v[i]);
			strv_push(changed, note);
			free(note);
		} else {
			strv_push(changed, paths.v[i]);
		}
	}
}

void sc_guard_release(struct sc_guard *g)
{
	strv_release(&g->deep);
	strv_release(&g->shallow);
	strv_release(&g->aside);
	strv_release(&g->skip);
	strv_release(&g->paths);
	strv_release(&g->states);
}
