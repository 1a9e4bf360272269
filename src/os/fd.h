/* Descriptor calls that differ between kernels. Linux: pipe2, F_SETPIPE_SZ,
 * close_range. A port replaces fd.c. */
#pragma once

/* pipe(2) with both ends close-on-exec, atomically where the kernel can.
 * Returns 0, or -1 with errno set. */
int os_pipe(int fds[2]);

/* Asks for a pipe buffer of `bytes`: fewer rounds for big messages. A hint
 * only; nothing happens where pipes cannot grow. */
void os_pipe_grow(int fd, int bytes);

/* Closes every descriptor from `first` on. */
void os_close_from(int first);
