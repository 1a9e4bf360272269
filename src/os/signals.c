#include "signals.h"

#include <errno.h>
#include <sys/signalfd.h>
#include <unistd.h>

int os_signal_fd(const sigset_t *mask)
{
	int fd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int os_signal_read(int fd, int *signo, bool *from_terminal)
{
	struct signalfd_siginfo si;
	ssize_t n;
	do
		n = read(fd, &si, sizeof(si));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(si))
		return 0;
	*signo = (int)si.ssi_signo;
	*from_terminal = si.ssi_code == SI_KERNEL;
	return 1;
}
