#include "fd.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int os_pipe(int fds[2])
{
	return pipe2(fds, O_CLOEXEC);
}

void os_pipe_grow(int fd, int bytes)
{
	fcntl(fd, F_SETPIPE_SZ, bytes);
}

void os_close_from(int first)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0)
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = first; fd < (max > 0 ? max : 1024); fd++)
		close((int)fd);
}
