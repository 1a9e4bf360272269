#include "../util/fs.h"
#include "../util/log.h"
#include "reaper.h"
#include "session.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

extern char **environ;

void sc_session_child_attr(posix_spawnattr_t *attr, const sigset_t *old)
{
	posix_spawnattr_init(attr);
	sigset_t deflt;
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGINT);
	sigaddset(&deflt, SIGTERM);
	sigaddset(&deflt, SIGHUP);
	sigaddset(&deflt, SIGQUIT);
	sigaddset(&deflt, SIGPIPE);
	posix_spawnattr_setsigmask(attr, old);
	posix_spawnattr_setsigdefault(attr, &deflt);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

int sc_session_run(const struct sc_engine *engine, const struct sc_container_spec *spec,
                   int *exit_code, struct sc_error **err)
{
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	engine->ops->run_argv(engine, spec, &argv);
	if (sc_log_verbosity > 0) {
		for (size_t i = 0; i < argv.len; i++)
			fprintf(stderr, "%s%s", i ? " " : "sandcage: debug: exec: ", argv.v[i]);
		fputc('\n', stderr);
	}

	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return sc_error_set(err, e, "signalfd");
	}

	int reaper_fd = -1;
	if (sc_reaper_start(engine, spec->name, &reaper_fd) < 0)
		sc_log_warn("could not start the cleanup process; a killed sandcage may leave "
		            "container %s behind",
		            spec->name);

	posix_spawnattr_t attr;
	sc_session_child_attr(&attr, &old);
	pid_t child;
	int r = posix_spawn(&child, argv.v[0], NULL, &attr, argv.v, environ);
	posix_spawnattr_destroy(&attr);
	if (r != 0) {
		sc_reaper_done(reaper_fd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return sc_error_set(err, r, "run `%s`", argv.v[0]);
	}

	int terminating = 0;
	int status = 0;
	bool exited = false;
	unsigned ticks = 0;
	while (!exited) {
		struct pollfd pfd = {sfd, POLLIN, 0};
		int pr = poll(&pfd, 1, terminating ? 200 : -1);
		if (pr < 0 && errno != EINTR)
			break;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			int sig = (int)si.ssi_signo;
			if (sig == SIGCHLD)
				continue;
			if (sig == SIGINT && si.ssi_code == SI_KERNEL)
				continue; /* from the terminal: the engine CLI got it too */
			if (sig == SIGINT) {
				kill(child, SIGINT);
				continue;
			}
			if (!terminating) {
				terminating = sig;
				sc_log_debug("signal %d: removing container %s", sig, spec->name);
				engine->ops->remove(engine, spec->name, NULL);
			}
		}
		pid_t w = waitpid(child, &status, WNOHANG);
		if (w == child) {
			exited = true;
			break;
		}
		if (terminating && ++ticks % 10 == 0) {
			/* The container may have been created after the first removal. */
			engine->ops->remove(engine, spec->name, NULL);
			if (ticks >= 50)
				kill(child, SIGKILL);
		}
	}
	if (terminating)
		engine->ops->remove(engine, spec->name, NULL);
	sc_reaper_done(reaper_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);

	if (terminating)
		*exit_code = 128 + terminating;
	else if (WIFEXITED(status))
		*exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*exit_code = 128 + WTERMSIG(status);
	else
		*exit_code = 1;
	return 0;
}
