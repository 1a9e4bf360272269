/* The logic of sandcage-mountcheck, the container's first program: is every
 * mount of the started container what the host checked, and nothing else
 * there but the engine's own? Pure: it reads only the text and the
 * identities it is given (main.c reads /proc/self/mountinfo and calls
 * statx), so that unit tests can feed it. Only libc: it is linked statically
 * into a tiny program, without libsandcage. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest /proc/self/mountinfo read; a larger one is refused. */
#define MC_MOUNTINFO_MAX (4u << 20)

/* One line of /proc/self/mountinfo. The strings point into the parsed text
 * (unescaped in place). */
struct mc_mount {
	uint64_t id;
	uint64_t parent;
	unsigned int major, minor;
	const char *root;
	const char *point;
	const char *fstype;
	const char *source;
};

/* What statx says of a path: the device and inode of the object, and the
 * mount it is on when the kernel tells (has_mnt_id). */
struct mc_identity {
	unsigned int major, minor;
	uint64_t ino;
	bool has_mnt_id;
	uint64_t mnt_id;
};

enum mc_kind {
	MC_BIND,   /* a host object: its device and inode are checked */
	MC_VOLUME, /* an engine volume: only that it is mounted there once */
};

struct mc_expect {
	enum mc_kind kind;
	struct mc_identity host; /* MC_BIND: what the host checked */
	const char *target;
};

/* Parses the value of --bind=MAJOR:MINOR:INODE:TARGET (TARGET is the rest
 * after the third colon) into `out`, whose target points into `spec`.
 * Returns false when malformed (numbers, or a target mc_target_ok refuses). */
bool mc_parse_bind(const char *spec, struct mc_expect *out);

/* Whether `target` is a path as mountinfo shows one: absolute, no empty,
 * "." or ".." component, no trailing slash (but "/"). */
bool mc_target_ok(const char *target);

/* Parses the text of /proc/self/mountinfo in place (NUL-terminated; it is
 * modified and must outlive the result). On success returns 0 and sets
 * *mounts (malloc'd, free it) and *n. On a malformed line returns -1 with
 * *bad_line its number (from 1); out of memory: -1 with *bad_line 0. */
int mc_parse_mountinfo(char *text, struct mc_mount **mounts, size_t *n, size_t *bad_line);

/* Fills `out` with the identity of `target`; returns 0 or an errno. */
typedef int (*mc_lookup_fn)(const char *target, struct mc_identity *out, void *data);

/* Receives one problem: a whole line ("sandcage: refusing to start: ..."),
 * without the newline. */
typedef void (*mc_report_fn)(const char *line, void *data);

/* Checks `mounts` against the expectations: each target mounted exactly
 * once, each bind the object the host checked (by `lookup`); every other
 * mount the engine's own; no mount point twice. Reports each problem and
 * returns their number (0: the container is acceptable). */
size_t mc_check(const struct mc_mount *mounts, size_t n, const struct mc_expect *expect,
                size_t n_expect, mc_lookup_fn lookup, void *lookup_data, mc_report_fn report,
                void *report_data);

/* Copies `s` into `buf` (of `size` > 0, always NUL-terminated, truncated if
 * need be) with control characters and backslashes as \ooo, so that a path
 * stays on one line of a message. */
void mc_escape(char *buf, size_t size, const char *s);
