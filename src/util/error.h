/* Errors carry a message with context and the errno that caused them (0 when
 * none). Functions fill `struct sc_error **err` and return <0; callers may add
 * context in front with sc_error_prefix(). Only main.c and src/cmd/ print. */
#pragma once

#include "util.h"

struct sc_error {
	int code;  /* errno, or 0 */
	int exit;  /* exit status a command should use; 0 means the default (1) */
	char *msg; /* complete message, lowercase, without trailing newline */
};

/* Sets *err (when err is not NULL and *err is NULL) to the formatted message,
 * followed by ": strerror(code)" when code != 0. Returns -1 (or -code when
 * code > 0) so that `return sc_error_set(...)` reads naturally. */
int sc_error_set(struct sc_error **err, int code, const char *fmt, ...) _printf_(3, 4);
/* Like sc_error_set, but without the strerror suffix even when code != 0. */
int sc_error_setx(struct sc_error **err, int code, const char *fmt, ...) _printf_(3, 4);
/* Prepends "context: " to an existing error. Returns -1. */
int sc_error_prefix(struct sc_error **err, const char *fmt, ...) _printf_(2, 3);
void sc_error_free(struct sc_error *e);
static inline void cleanup_errorp(struct sc_error **e)
{
	sc_error_free(*e);
}
#define _cleanup_error_ _cleanup_(cleanup_errorp)
