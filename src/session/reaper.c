#include "reaper.h"
#include "../os/fd.h"
#include "../util/fs.h"

#include <fcntl.h>
#include <signal.h>
#include <time.h>

/* The reaper sits in its own session, away from the terminal's and the
 * caller's signals, and waits for the end of a pipe only sandcage holds. A
 * byte means "done, the container is gone"; end-of-file without it means
 * sandcage died, so the reaper removes the container. Its stdio is
 * /dev/null so that nobody waiting for sandcage's output waits for it. */
int sc_reaper_start(const struct sc_engine *engine, const char *name, int *notify_fd)
{
	return sc_reaper_start_with(engine, name, NULL, NULL, notify_fd);
}

int sc_reaper_start_with(const struct sc_engine *engine, const char *name, void (*fn)(void *ctx),
                         void *ctx, int *notify_fd)
{
	int p[2];
	if (os_pipe(p) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[1]);
		setsid();
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		int rd = fcntl(p[0], F_DUPFD_CLOEXEC, 3);
		if (rd != 3) {
			if (rd < 0 || dup2(rd, 3) < 0)
				_exit(1);
			rd = 3;
		}
		/* The reaper may live on after sandcage: it must hold no end of
		 * any pipe of sandcage's (an editor waiting for EOF on sandcage's
		 * stdout would otherwise wait for it too). */
		os_close_from(4);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		char c;
		ssize_t n;
		do
			n = read(rd, &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 1 && c == 'f' && fn)
			fn(ctx);
		if (n == 1)
			_exit(0);
		/* The engine may create the container just after sandcage died:
		 * look again a little later. */
		for (int i = 0; name && i < 3; i++) {
			engine->ops->remove(engine, name, NULL);
			nanosleep(&(struct timespec){1, 0}, NULL);
		}
		if (name)
			engine->ops->remove(engine, name, NULL);
		if (fn)
			fn(ctx);
		_exit(0);
	}
	close(p[0]);
	*notify_fd = p[1];
	return 0;
}

/* Writes `c` to the reaper and closes its pipe. */
static void tell(int fd, char c)
{
	if (fd < 0)
		return;
	fs_write_all(fd, &c, 1);
	close(fd);
}

void sc_reaper_finish(int fd)
{
	tell(fd, 'f');
}

void sc_reaper_done(int fd)
{
	tell(fd, 'd');
}
