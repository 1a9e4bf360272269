/* Child processes, started from an argv (never through a shell). */
#pragma once

#include "error.h"
#include <sys/types.h>

/* Searches PATH for an executable; NULL when not found. */
char *proc_find_program(const char *name);

/* Runs argv to completion with stdin from /dev/null; stdout captured into
 * *out (when out is not NULL; trailing newline kept), stderr captured into
 * *errout (when not NULL) else inherited. *status gets the exit status
 * (128+signal for a signal). Returns <0 only when the program could not be
 * started. */
int proc_run_capture(char *const argv[], char **out, char **errout, int *status,
                     struct sc_error **err);

/* As proc_run_capture, with `in` (in_len bytes) written to the program's
 * stdin: for data that must not be on a command line (a secret). */
int proc_run_input(char *const argv[], const void *in, size_t in_len, char **out, char **errout,
                   int *status, struct sc_error **err);

/* The exit status of a waitpid() status as a shell reports it: the code,
 * or 128+N for signal N. */
int proc_exit_status(int status);

/* Starts argv inheriting stdio; *pid on success. */
int proc_spawn(char *const argv[], pid_t *pid, struct sc_error **err);
/* Waits for pid, retrying on EINTR; returns the exit status as a shell
 * reports it (code, or 128+signal). */
int proc_wait(pid_t pid);

/* Runs argv with stdin from /dev/null, stdout and stderr together through a
 * pipe, calling on_line for every line (also a last one without newline).
 * `env_add` ("NAME=value", NULL-terminated, may be NULL) is added to the
 * environment. *status as for proc_run_capture. */
int proc_run_lines(char *const argv[], char *const env_add[],
                   void (*on_line)(void *ctx, const char *line), void *ctx, int *status,
                   struct sc_error **err);
