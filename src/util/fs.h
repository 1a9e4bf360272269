/* Files. */
#pragma once

#include "error.h"

#include <sys/stat.h>

/* Reads a whole file. *len may be NULL. The buffer is NUL-terminated. */
int fs_read_file(const char *path, char **out, size_t *len, struct sc_error **err);
/* The same, for a file that may be absent: then 0 with *out NULL. */
int fs_read_file_optional(const char *path, char **out, size_t *len, struct sc_error **err);

/* The most sandcage reads of a configuration file or a manifest. */
#define FS_MAX_CONFIG (1024 * 1024)

/* Files of the project (attacker-controlled data, see docs/security.md) are
 * opened only through these. With a directory descriptor, `path` is relative
 * to it and no symbolic link is followed in any of its components, nor `..`
 * (openat2 with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS where the kernel has it,
 * else a walk with O_NOFOLLOW|O_DIRECTORY). With AT_FDCWD, the directory part
 * of `path` is the caller's own (a resolved project root) and only the last
 * component must not be a link. The file is opened O_NONBLOCK|O_CLOEXEC and
 * checked with fstat before anything reads it, so a FIFO, a device, a socket
 * or a directory is refused instead of blocking. Errors name the file and say
 * what to do; an absent file returns -ENOENT. */
int fs_open_safe(int dirfd, const char *path, int *out, struct sc_error **err);
/* The object at the absolute `path` when no component of it is a symbolic
 * link (any kind of file): what a check of a path in the project saw, to be
 * compared with what the engine mounted. An error names the path (ELOOP: a
 * link in it). */
int fs_stat_no_links(const char *path, struct stat *st, struct sc_error **err);
/* The same, opened with `flags` (O_PATH, O_DIRECTORY ...; O_CLOEXEC is
 * added): a directory to make something in without a link in the way. */
int fs_open_no_links(const char *path, int flags, int *out, struct sc_error **err);
/* Reads such a file whole (NUL-terminated, *len may be NULL); a file larger
 * than `max` bytes is refused. */
int fs_read_file_safe(int dirfd, const char *path, size_t max, char **out, size_t *len,
                      struct sc_error **err);
/* The same for a file that may be absent: then 0 with *out NULL. */
int fs_read_file_safe_optional(int dirfd, const char *path, size_t max, char **out, size_t *len,
                               struct sc_error **err);
/* A file of the user's own (outside the project: links are followed), read
 * with the same checks otherwise: regular files only, at most `max` bytes,
 * never blocking; absent is 0 with *out NULL. */
int fs_read_file_user_optional(const char *path, size_t max, char **out, size_t *len,
                               struct sc_error **err);
/* Opens `path` (as fs_open_safe names it) for appending, created with `mode`
 * when absent: a link in its last component is not followed, nothing is
 * truncated, and anything but a regular file is refused. */
int fs_open_append_safe(int dirfd, const char *path, mode_t mode, int *out, struct sc_error **err);
/* Writes through a temporary file in the same directory, fsync and rename,
 * so that readers see either the old or the new content, never a part. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                    struct sc_error **err);
/* The same for a file that, once there, never changes (named by its
 * content): made whole under its name by a link, and one already there
 * (another sandcage made it meanwhile) is kept, so that its inode never
 * changes under a session that took it. */
int fs_write_once(const char *path, const void *data, size_t len, mode_t mode,
                  struct sc_error **err);
/* mkdir -p with `mode` for the directories it creates. */
int fs_mkdir_p(const char *path, mode_t mode, struct sc_error **err);
/* Full write, retrying on EINTR and short writes. */
int fs_write_all(int fd, const void *data, size_t len);
bool fs_exists(const char *path);
bool fs_is_dir(const char *path);
/* rm -r: removes a file or a directory tree (symlinks are not followed).
 * Absent is not an error. */
int fs_remove_tree(const char *path, struct sc_error **err);
