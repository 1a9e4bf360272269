/* Signals as a descriptor to poll, so that a session waits for its child,
 * its pipes and its signals in one place. Linux: signalfd. A port replaces
 * signals.c (a self-pipe written by handlers, or kqueue's EVFILT_SIGNAL). */
#pragma once

#include <signal.h>
#include <stdbool.h>

/* A nonblocking, close-on-exec descriptor that becomes readable when one of
 * the signals in `mask` is pending. The caller blocks those signals first.
 * Returns the descriptor, or -errno. */
int os_signal_fd(const sigset_t *mask);

/* Takes one pending signal from `fd`: 1 with *signo set, 0 when none is
 * pending. *from_terminal tells whether the kernel sent it (the terminal's
 * Ctrl-C, which went to the whole foreground process group) rather than a
 * process with kill(2). */
int os_signal_read(int fd, int *signo, bool *from_terminal);
