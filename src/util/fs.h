/* Files. */
#pragma once

#include "error.h"

/* Reads a whole file. *len may be NULL. The buffer is NUL-terminated. */
int fs_read_file(const char *path, char **out, size_t *len, struct sc_error **err);
/* The same, for a file that may be absent: then 0 with *out NULL. */
int fs_read_file_optional(const char *path, char **out, size_t *len, struct sc_error **err);
/* Writes through a temporary file in the same directory, fsync and rename,
 * so that readers see either the old or the new content, never a part. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
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
