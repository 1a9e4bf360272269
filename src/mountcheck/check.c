/* The logic of sandcage-mountcheck: see check.h. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REFUSE "sandcage: refusing to start: "
#define RETRY                                                                                      \
	"the project changed while the session started (another session may be changing "          \
	"it), try again"

/* Where a mount is allowed, relative to a directory. */
enum place {
	AT_OR_UNDER,
	UNDER,
};

/* What the mount's root (the part of its filesystem it shows) may be. */
enum root_rule {
	ROOT_SLASH,    /* "/": the whole filesystem */
	ROOT_RELATIVE, /* the mount point minus the directory (/proc/sys shows /sys) */
	ROOT_NULL,     /* "/null": Docker masks files with binds of its /dev/null */
	ROOT_ANY,
};

/* The engine's own pseudo filesystems, as Docker 20.10 and Podman make them. */
static const struct engine_rule {
	const char *fstype;
	const char *dir;
	enum place place;
	enum root_rule root;
} engine_rules[] = {
    {"proc", "/proc", AT_OR_UNDER, ROOT_RELATIVE},
    {"sysfs", "/sys", AT_OR_UNDER, ROOT_RELATIVE},
    {"cgroup", "/sys/fs/cgroup", AT_OR_UNDER, ROOT_ANY}, /* v1: /docker/ID */
    {"cgroup2", "/sys/fs/cgroup", AT_OR_UNDER, ROOT_ANY},
    {"tmpfs", "/dev", AT_OR_UNDER, ROOT_SLASH},
    {"tmpfs", "/proc", UNDER, ROOT_SLASH},
    {"tmpfs", "/proc", UNDER, ROOT_NULL},
    {"tmpfs", "/sys", UNDER, ROOT_SLASH},
    {"tmpfs", "/sys", UNDER, ROOT_NULL},
    {"devpts", "/dev", UNDER, ROOT_ANY}, /* /dev/console of a tty: /0 */
    {"mqueue", "/dev", UNDER, ROOT_SLASH},
    {"devtmpfs", "/dev", UNDER, ROOT_ANY}, /* the host's device nodes (user namespaces) */
    {"devtmpfs", "/proc", UNDER, ROOT_ANY},
    {"devtmpfs", "/sys", UNDER, ROOT_ANY},
};

/* The engine's own files, by exact mount point (any filesystem). */
static const char *const engine_files[] = {
    "/etc/hosts",
    "/etc/hostname",
    "/etc/resolv.conf",
    "/sbin/docker-init",     /* Docker --init */
    "/usr/sbin/docker-init", /* the same where /sbin is a link to usr/sbin */
    "/run/.containerenv",    /* Podman */
    "/run/podman-init",      /* Podman --init */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- parsing ---- */

/* A decimal number, the whole of [s, end). */
static bool parse_u64(const char *s, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool parse_uint(const char *s, const char *end, unsigned int *out)
{
	uint64_t v;
	if (!parse_u64(s, end, &v) || v > 0xffffffffu)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* "MAJOR:MINOR" */
static bool parse_devno(const char *s, unsigned int *major, unsigned int *minor)
{
	const char *colon = strchr(s, ':');
	return colon && parse_uint(s, colon, major) &&
	       parse_uint(colon + 1, colon + strlen(colon), minor);
}

/* Undoes the kernel's octal escapes (\040 space, \011 tab, \012 newline,
 * \134 backslash) in place. False on any other backslash, or a NUL. */
static bool unescape(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (*r != '\\') {
			*w++ = *r;
			continue;
		}
		unsigned v = 0;
		for (int i = 1; i <= 3; i++) {
			if (r[i] < '0' || r[i] > '7')
				return false;
			v = v * 8 + (unsigned)(r[i] - '0');
		}
		if (v == 0 || v > 0xff)
			return false;
		*w++ = (char)v;
		r += 3;
	}
	*w = '\0';
	return true;
}

/* The next space-separated field of *p, NUL-terminated in place; NULL at
 * the end of the line or on an empty field. */
static char *next_field(char **p)
{
	char *start = *p;
	if (!start || !*start || *start == ' ')
		return NULL;
	char *space = strchr(start, ' ');
	if (space) {
		*space = '\0';
		*p = space + 1;
	} else {
		*p = NULL;
	}
	return start;
}

/* ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
static bool parse_line(char *line, struct mc_mount *m)
{
	char *p = line;
	char *id = next_field(&p), *parent = next_field(&p), *dev = next_field(&p);
	char *root = next_field(&p), *point = next_field(&p), *opts = next_field(&p);
	if (!opts || !parse_u64(id, id + strlen(id), &m->id) ||
	    !parse_u64(parent, parent + strlen(parent), &m->parent) ||
	    !parse_devno(dev, &m->major, &m->minor) || !unescape(root) || !unescape(point) ||
	    point[0] != '/')
		return false;
	char *f;
	while ((f = next_field(&p)) && strcmp(f, "-") != 0)
		;
	if (!f)
		return false;
	char *fstype = next_field(&p), *source = next_field(&p), *super = next_field(&p);
	if (!super || p || !unescape(fstype) || !unescape(source))
		return false;
	m->root = root;
	m->point = point;
	m->fstype = fstype;
	m->source = source;
	return true;
}

int mc_parse_mountinfo(char *text, struct mc_mount **mounts, size_t *n, size_t *bad_line)
{
	size_t lines = 0;
	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	struct mc_mount *v = calloc(lines + 1, sizeof(*v));
	*bad_line = 0;
	if (!v)
		return -1;
	size_t count = 0;
	char *line = text;
	while (*line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!parse_line(line, &v[count])) {
			*bad_line = count + 1;
			free(v);
			return -1;
		}
		count++;
		if (!nl)
			break;
		line = nl + 1;
	}
	*mounts = v;
	*n = count;
	return 0;
}

bool mc_target_ok(const char *t)
{
	if (t[0] != '/')
		return false;
	if (t[1] == '\0')
		return true;
	for (const char *c = t; *c; c++) {
		if (*c != '/')
			continue;
		const char *comp = c + 1;
		size_t len = strcspn(comp, "/");
		if (len == 0 || (len == 1 && comp[0] == '.') ||
		    (len == 2 && comp[0] == '.' && comp[1] == '.'))
			return false;
	}
	return true;
}

bool mc_parse_bind(const char *spec, struct mc_expect *out)
{
	const char *c1 = strchr(spec, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *c3 = c2 ? strchr(c2 + 1, ':') : NULL;
	if (!c3)
		return false;
	memset(out, 0, sizeof(*out));
	out->kind = MC_BIND;
	out->target = c3 + 1;
	return parse_uint(spec, c1, &out->host.major) && parse_uint(c1 + 1, c2, &out->host.minor) &&
	       parse_u64(c2 + 1, c3, &out->host.ino) && mc_target_ok(out->target);
}

/* ---- checking ---- */

void mc_escape(char *buf, size_t size, const char *s)
{
	size_t w = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char tmp[5];
		int len;
		if (c < 0x20 || c == 0x7f || c == '\\')
			len = snprintf(tmp, sizeof(tmp), "\\%03o", c);
		else
			len = snprintf(tmp, sizeof(tmp), "%c", c);
		if (w + (size_t)len >= size)
			break;
		memcpy(buf + w, tmp, (size_t)len);
		w += (size_t)len;
	}
	buf[w] = '\0';
}

struct reporter {
	mc_report_fn fn;
	void *data;
	size_t problems;
};

/* Reports one problem: REFUSE, then printf of the arguments (paths in them
 * escaped by the caller with mc_escape). */
#define PROBLEM(r, ...)                                                                            \
	do {                                                                                       \
		char line_[10240];                                                                 \
		snprintf(line_, sizeof(line_), REFUSE __VA_ARGS__);                                \
		(r)->fn(line_, (r)->data);                                                         \
		(r)->problems++;                                                                   \
	} while (0)

static bool at_or_under(const char *point, const char *dir, enum place place, const char **rest)
{
	size_t len = strlen(dir);
	if (strncmp(point, dir, len) != 0)
		return false;
	*rest = point + len;
	if (**rest == '\0')
		return place == AT_OR_UNDER;
	return **rest == '/';
}

static bool root_allowed(const char *root, const char *rest, enum root_rule rule)
{
	switch (rule) {
	case ROOT_SLASH:
		return strcmp(root, "/") == 0;
	case ROOT_RELATIVE:
		return strcmp(root, *rest ? rest : "/") == 0;
	case ROOT_NULL:
		return strcmp(root, "/null") == 0;
	case ROOT_ANY:
		return true;
	}
	return false;
}

/* Whether `m`, which sandcage did not ask for, is the engine's own. */
static bool engine_mount(const struct mc_mount *m)
{
	if (strcmp(m->point, "/") == 0)
		return true;
	for (size_t i = 0; i < COUNT(engine_files); i++)
		if (strcmp(m->point, engine_files[i]) == 0)
			return true;
	for (size_t i = 0; i < COUNT(engine_rules); i++) {
		const struct engine_rule *r = &engine_rules[i];
		const char *rest;
		if (strcmp(m->fstype, r->fstype) == 0 &&
		    at_or_under(m->point, r->dir, r->place, &rest) &&
		    root_allowed(m->root, rest, r->root))
			return true;
	}
	return false;
}

static int by_point(const void *a, const void *b)
{
	const struct mc_mount *const *x = a, *const *y = b;
	return strcmp((*x)->point, (*y)->point);
}

/* Reports each mount point that is there more than once (one mount hides
 * another). Returns false when out of memory. */
static bool check_duplicates(const struct mc_mount *mounts, size_t n, struct reporter *r)
{
	if (n < 2)
		return true;
	const struct mc_mount **sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return false;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &mounts[i];
	qsort(sorted, n, sizeof(*sorted), by_point);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(sorted[i]->point, sorted[i - 1]->point) != 0 ||
		    (i >= 2 && strcmp(sorted[i]->point, sorted[i - 2]->point) == 0))
			continue;
		char p[4096];
		mc_escape(p, sizeof(p), sorted[i]->point);
		PROBLEM(r, "more than one mount at %s (one hides another)", p);
	}
	free(sorted);
	return true;
}

static void check_expected(const struct mc_mount *mounts, size_t n, const struct mc_expect *e,
                           mc_lookup_fn lookup, void *lookup_data, struct reporter *r)
{
	char t[4096];
	mc_escape(t, sizeof(t), e->target);
	const struct mc_mount *found = NULL;
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(mounts[i].point, e->target) == 0) {
			found = &mounts[i];
			count++;
		}
	}
	if (count == 0) {
		PROBLEM(r, "nothing is mounted at %s, where sandcage asked for a mount; %s", t,
		        RETRY);
		return;
	}
	if (count > 1 || e->kind != MC_BIND)
		return; /* more than one: check_duplicates says so */
	struct mc_identity id = {0};
	int err = lookup(e->target, &id, lookup_data);
	if (err) {
		PROBLEM(r, "cannot check %s: %s", t, strerror(err));
		return;
	}
	const struct mc_identity *h = &e->host;
	if (id.major != h->major || id.minor != h->minor || id.ino != h->ino) {
		PROBLEM(r,
		        "%s is not what sandcage checked (device %u:%u inode %llu expected, found "
		        "%u:%u inode %llu); %s",
		        t, h->major, h->minor, (unsigned long long)h->ino, id.major, id.minor,
		        (unsigned long long)id.ino, RETRY);
		return;
	}
	if (id.has_mnt_id && id.mnt_id != found->id)
		PROBLEM(r,
		        "%s is not on the mount sandcage asked for (mount %llu expected, found "
		        "mount %llu); %s",
		        t, (unsigned long long)found->id, (unsigned long long)id.mnt_id, RETRY);
}

static bool expected_at(const struct mc_expect *expect, size_t n_expect, const char *point)
{
	for (size_t i = 0; i < n_expect; i++)
		if (strcmp(expect[i].target, point) == 0)
			return true;
	return false;
}

size_t mc_check(const struct mc_mount *mounts, size_t n, const struct mc_expect *expect,
                size_t n_expect, mc_lookup_fn lookup, void *lookup_data, mc_report_fn report,
                void *report_data)
{
	struct reporter r = {report, report_data, 0};
	if (!check_duplicates(mounts, n, &r)) {
		PROBLEM(&r, "out of memory");
		return r.problems;
	}
	for (size_t i = 0; i < n_expect; i++) {
		if (expected_at(expect, i, expect[i].target)) {
			char t[4096];
			mc_escape(t, sizeof(t), expect[i].target);
			PROBLEM(&r, "%s is expected twice", t);
			continue;
		}
		check_expected(mounts, n, &expect[i], lookup, lookup_data, &r);
	}
	bool root = false;
	for (size_t i = 0; i < n; i++) {
		const struct mc_mount *m = &mounts[i];
		root |= strcmp(m->point, "/") == 0;
		if (expected_at(expect, n_expect, m->point) || engine_mount(m))
			continue;
		char p[4096], fs[256], rt[4096];
		mc_escape(p, sizeof(p), m->point);
		mc_escape(fs, sizeof(fs), m->fstype);
		mc_escape(rt, sizeof(rt), m->root);
		if (strcmp(m->root, "/") == 0)
			PROBLEM(&r, "unexpected mount at %s (%s)", p, fs);
		else
			PROBLEM(&r, "unexpected mount at %s (%s, root %s)", p, fs, rt);
	}
	if (!root)
		PROBLEM(&r, "no root mount in /proc/self/mountinfo");
	return r.problems;
}
