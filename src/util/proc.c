#include "proc.h"
#include "../os/fd.h"
#include "fs.h"
#include "path.h"
#include "strbuf.h"
#include "vec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

char *proc_find_program(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *full = path_join(*dir ? dir : ".", name);
		struct stat st;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
			return steal_pointer(&full);
	}
	return NULL;
}

int proc_exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int proc_wait(pid_t pid)
{
	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return 127;
	}
	return proc_exit_status(status);
}

static void cleanup_actions(posix_spawn_file_actions_t *fa)
{
	posix_spawn_file_actions_destroy(fa);
}

/* The child's stdin is /dev/null, its stdout and stderr go to `out` and
 * `errout` (-1: stay). */
/* stdin from `in`, or /dev/null when it is -1; stdout and stderr to `out`
 * and `errout` when they are not -1. */
static void actions_init(posix_spawn_file_actions_t *fa, int in, int out, int errout)
{
	posix_spawn_file_actions_init(fa);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(fa, in, STDIN_FILENO);
	else
		posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (out >= 0)
		posix_spawn_file_actions_adddup2(fa, out, STDOUT_FILENO);
	if (errout >= 0)
		posix_spawn_file_actions_adddup2(fa, errout, STDERR_FILENO);
}

int proc_spawn(char *const argv[], pid_t *pid, struct sc_error **err)
{
	int r = posix_spawnp(pid, argv[0], NULL, NULL, argv, environ);
	if (r != 0)
		return sc_error_set(err, r, "run `%s`", argv[0]);
	return 0;
}

static void drain(int fd, struct strbuf *sb, bool *open_)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n > 0)
		strbuf_add(sb, buf, (size_t)n);
	else if (n == 0 || (errno != EINTR && errno != EAGAIN))
		*open_ = false;
}

/* Runs argv; `in` (when not NULL) is written to its stdin, else stdin is
 * /dev/null. Output is read while the input is written: neither side waits
 * on a full pipe. */
static int run_capture(char *const argv[], const void *in, size_t in_len, char **out, char **errout,
                       int *status, struct sc_error **err)
{
	int ipipe[2] = {-1, -1}, opipe[2] = {-1, -1}, epipe[2] = {-1, -1};
	if (in && os_pipe(ipipe) < 0)
		return sc_error_set(err, errno, "pipe");
	_cleanup_close_ int iread = ipipe[0];
	_cleanup_close_ int iwrite = ipipe[1];
	if (out && os_pipe(opipe) < 0)
		return sc_error_set(err, errno, "pipe");
	_cleanup_close_ int oread = opipe[0];
	_cleanup_close_ int owrite = opipe[1];
	if (errout && os_pipe(epipe) < 0)
		return sc_error_set(err, errno, "pipe");
	_cleanup_close_ int eread = epipe[0];
	_cleanup_close_ int ewrite = epipe[1];

	_cleanup_(cleanup_actions) posix_spawn_file_actions_t fa;
	actions_init(&fa, iread, owrite, ewrite);

	pid_t pid;
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (r != 0)
		return sc_error_set(err, r, "run `%s`", argv[0]);
	if (iread >= 0)
		close(steal_fd(&iread));
	if (owrite >= 0)
		close(steal_fd(&owrite));
	if (ewrite >= 0)
		close(steal_fd(&ewrite));
	if (iwrite >= 0)
		fcntl(iwrite, F_SETFL, fcntl(iwrite, F_GETFL) | O_NONBLOCK);

	struct strbuf osb = STRBUF_INIT, esb = STRBUF_INIT;
	bool oopen = oread >= 0, eopen = eread >= 0;
	size_t done = 0;
	while (oopen || eopen || iwrite >= 0) {
		struct pollfd p[3] = {{oopen ? oread : -1, POLLIN, 0},
		                      {eopen ? eread : -1, POLLIN, 0},
		                      {iwrite, POLLOUT, 0}};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			drain(oread, &osb, &oopen);
		if (p[1].revents)
			drain(eread, &esb, &eopen);
		if (p[2].revents) {
			ssize_t n = write(iwrite, (const char *)in + done, in_len - done);
			if (n > 0)
				done += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) || done == in_len)
				close(steal_fd(&iwrite)); /* all of it, or the reader is gone */
		}
	}
	int code = proc_wait(pid);
	if (status)
		*status = code;
	if (out)
		*out = strbuf_steal(&osb);
	else
		strbuf_release(&osb);
	if (errout)
		*errout = strbuf_steal(&esb);
	else
		strbuf_release(&esb);
	return 0;
}

int proc_run_capture(char *const argv[], char **out, char **errout, int *status,
                     struct sc_error **err)
{
	return run_capture(argv, NULL, 0, out, errout, status, err);
}

int proc_run_input(char *const argv[], const void *in, size_t in_len, char **out, char **errout,
                   int *status, struct sc_error **err)
{
	/* A program that exits before reading all is an error it reports, not
	 * a signal that ends sandcage. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	int r = run_capture(argv, in ? in : "", in_len, out, errout, status, err);
	sigaction(SIGPIPE, &old, NULL);
	return r;
}

static char **env_with(char *const add[])
{
	struct strv sv = STRV_INIT;
	for (char **e = environ; *e; e++) {
		bool replaced = false;
		for (char *const *a = add; a && *a; a++) {
			size_t n = strcspn(*a, "=");
			if (strncmp(*e, *a, n + 1) == 0)
				replaced = true;
		}
		if (!replaced)
			strv_push(&sv, *e);
	}
	strv_extend(&sv, add);
	return strv_steal(&sv);
}

int proc_run_lines(char *const argv[], char *const env_add[],
                   void (*on_line)(void *ctx, const char *line), void *ctx, int *status,
                   struct sc_error **err)
{
	int p[2];
	if (os_pipe(p) < 0)
		return sc_error_set(err, errno, "pipe");
	_cleanup_close_ int rd = p[0];
	_cleanup_close_ int wr = p[1];
	_cleanup_(cleanup_actions) posix_spawn_file_actions_t fa;
	actions_init(&fa, -1, wr, wr);
	_cleanup_strv_ char **env = env_with(env_add);
	pid_t pid;
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env);
	if (r != 0)
		return sc_error_set(err, r, "run `%s`", argv[0]);
	close(steal_fd(&wr));

	struct strbuf line = STRBUF_INIT;
	char buf[8192];
	for (;;) {
		ssize_t n = read(rd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (on_line)
					on_line(ctx, strbuf_str(&line));
				strbuf_reset(&line);
			} else if (buf[i] != '\r') {
				strbuf_addc(&line, buf[i]);
			}
		}
	}
	if (line.len && on_line)
		on_line(ctx, strbuf_str(&line));
	strbuf_release(&line);
	int code = proc_wait(pid);
	if (status)
		*status = code;
	return 0;
}
