/* A tar archive (ustar) of a few small files, built in memory: how files
 * reach a container without a command line or a file on the host (the
 * engine's `cp -` reads one on its stdin). */
#pragma once

#include <stddef.h>

struct tar_entry {
	const char *name; /* relative, at most 99 bytes */
	const void *data;
	size_t len;
	unsigned mode; /* 0600, ... */
	unsigned uid, gid;
};

/* The archive of `n` entries (mtime 0): *len bytes, to free.
 * NULL when a name does not fit. */
char *tar_build(const struct tar_entry *entries, size_t n, size_t *len);
