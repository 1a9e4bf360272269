/* Path strings. */
#pragma once

#include "error.h"

/* "a" + "b" -> "a/b", without doubling or missing slashes. */
char *path_join(const char *a, const char *b);
/* Lexical: removes "." and empty components and resolves "..". Absolute input only. */
char *path_normalize(const char *path);
/* Resolves symlinks; fails when the path does not exist. */
int path_realpath(const char *path, char **out, struct sc_error **err);
/* Makes `path` absolute against the current directory (lexically). */
char *path_absolute(const char *path);
/* The parent directory ("/" for "/"); the result is newly allocated. */
char *path_dirname(const char *path);
const char *path_basename(const char *path);
/* True when `path` is `dir` or below it (both normalised, absolute). */
bool path_is_within(const char *path, const char *dir);
/* $HOME, else the passwd entry; never NULL (falls back to "/"). */
const char *path_home(void);
