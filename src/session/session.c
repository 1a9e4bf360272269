#include "session.h"
#include "../os/fd.h"
#include "../os/signals.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/proc.h"
#include "../util/strbuf.h"
#include "reaper.h"
#include "relay.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

/* Once sandcage removed the container, the removal is repeated this often
 * while the engine CLI runs (the engine may have created the container
 * after the first one), and the CLI is killed after KILL_AFTER_MS. */
#define REMOVE_AGAIN_MS 2000
#define KILL_AFTER_MS   10000
/* Once the session ends (a signal, the editor's EOF and its grace, the
 * editor gone), how long the relay still passes the agent's last words to
 * the editor. Meanwhile the agent's output is read whether or not the
 * editor takes it (sc_relay_drain()), and after it the agent's output is
 * closed: an agent that writes without end, to an editor that does not
 * read, cannot hold the engine CLI, and so the session, any longer. */
#define RELAY_DRAIN_MS      1000
#define RELAY_LAST_WORDS_MS 250
/* The grace after the editor's EOF counts from when the container runs: on
 * a loaded machine a container can take longer to start than the grace, and
 * its agent would be removed before it read its input. At most this long
 * after the EOF, though, whatever the engine says. */
#define EOF_START_LIMIT_MS 30000
#define EOF_POLL_MS        500
/* How long a busy session sleeps between looks at its child. */
#define TICK_MS 200

struct session {
	const struct sc_session_opts *o;
	sigset_t old; /* the signal mask before the session */
	int sfd;
	int reaper_fd;
	pid_t child;
	bool exited;
	int status;
	int terminating;    /* the signal that ends the session, or 0 */
	bool removed;       /* sandcage removed the container */
	double escalate_at; /* when the engine CLI was first asked to end; 0: not yet */
	unsigned removals;  /* removals since escalate_at */
	bool relaying;      /* the relay runs: removals in a child */
	pid_t remover;      /* that child, or 0 */
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* While the relay runs, the removal runs in a child and the relay goes on
 * reading the agent's output: the engine does not finish removing a
 * container while its CLI is stuck writing output nobody reads, so a
 * removal that waited would wait for ever. */
static void remove_container(struct session *s, const char *why)
{
	sc_log_debug("%s: removing container %s", why, s->o->spec->name);
	if (s->relaying && s->remover > 0 && waitpid(s->remover, NULL, WNOHANG) == 0) {
		/* the last one is still at it */
	} else if (s->relaying && (s->remover = fork()) == 0) {
		sigprocmask(SIG_SETMASK, &s->old, NULL);
		s->o->engine->ops->remove(s->o->engine, s->o->spec->name, NULL);
		_exit(0);
	} else if (!s->relaying || s->remover < 0) {
		s->o->engine->ops->remove(s->o->engine, s->o->spec->name, NULL);
	}
	s->removed = true;
	if (s->escalate_at == 0)
		s->escalate_at = now_ms();
}

/* Whether the container runs now; false while the engine is still
 * creating it, and once it has ended. */
static bool container_running(const struct session *s)
{
	const struct sc_engine *e = s->o->engine;
	if (!e->ops->container_state)
		return true;
	_cleanup_free_ char *state = NULL;
	if (e->ops->container_state(e, s->o->spec->name, &state, NULL) < 0)
		return true;
	return streq(state, "running") || streq(state, "paused") || streq(state, "restarting");
}

static void reap(struct session *s)
{
	if (!s->exited && waitpid(s->child, &s->status, WNOHANG) == s->child)
		s->exited = true;
}

static void handle_signals(struct session *s)
{
	int sig;
	bool from_terminal;
	while (os_signal_read(s->sfd, &sig, &from_terminal) > 0) {
		if (sig == SIGCHLD)
			continue;
		if (sig == SIGINT && s->o->mode == SC_SESSION_FOREGROUND) {
			/* From the terminal, the engine CLI got it too. */
			if (!from_terminal)
				kill(s->child, SIGINT);
			continue;
		}
		if (!s->terminating) {
			s->terminating = sig;
			char why[32];
			snprintf(why, sizeof(why), "signal %d", sig);
			remove_container(s, why);
		}
	}
	reap(s);
}

/* Once the container should be gone: remove it again now and then, and
 * kill the engine CLI when it does not end. */
static void escalate(struct session *s)
{
	if (s->exited || s->escalate_at == 0)
		return;
	double waited = now_ms() - s->escalate_at;
	if (waited >= KILL_AFTER_MS) {
		sc_log_debug("the engine did not end: killing it");
		kill(s->child, SIGKILL);
		while (waitpid(s->child, &s->status, 0) < 0 && errno == EINTR)
			;
		s->exited = true;
		return;
	}
	unsigned due = (unsigned)(waited / REMOVE_AGAIN_MS);
	if (due > s->removals) {
		s->removals = due;
		remove_container(s, "the engine did not end");
	}
}

/* Waits for the engine CLI, escalating once the container should go. */
static void wait_child(struct session *s)
{
	reap(s);
	while (!s->exited) {
		struct pollfd p = {s->sfd, POLLIN, 0};
		if (poll(&p, 1, s->escalate_at > 0 ? TICK_MS : -1) < 0 && errno != EINTR) {
			while (waitpid(s->child, &s->status, 0) < 0 && errno == EINTR)
				;
			s->exited = true;
		}
		handle_signals(s);
		escalate(s);
	}
}

/* ---- start and end, the same for every mode ---- */

static void cleanup_actions(posix_spawn_file_actions_t *fa)
{
	posix_spawn_file_actions_destroy(fa);
}

static void cleanup_attr(posix_spawnattr_t *a)
{
	posix_spawnattr_destroy(a);
}

/* The signals that stop a session. */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

/* Blocks the signals the session handles and starts the reaper, before
 * any pipe exists, so that the reaper holds none of them. */
static int begin(struct session *s, struct sc_error **err)
{
	sigset_t mask;
	stop_signals(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &s->old);
	s->sfd = os_signal_fd(&mask);
	if (s->sfd < 0) {
		sigprocmask(SIG_SETMASK, &s->old, NULL);
		return sc_error_set(err, -s->sfd, "signalfd");
	}
	s->reaper_fd = -1;
	if (sc_reaper_start(s->o->engine, s->o->spec->name, &s->reaper_fd) < 0)
		sc_log_warn("could not start the cleanup process; a killed sandcage may leave "
		            "container %s behind",
		            s->o->spec->name);
	return 0;
}

static void end(struct session *s)
{
	if (s->terminating || s->removed)
		s->o->engine->ops->remove(s->o->engine, s->o->spec->name, NULL);
	sc_reaper_done(s->reaper_fd);
	s->reaper_fd = -1;
	close(s->sfd);
	s->sfd = -1;
	sigprocmask(SIG_SETMASK, &s->old, NULL);
}

/* The engine CLI gets the signal mask from before the session and the
 * default action for the signals the session handles. */
static int spawn(struct session *s, char *const argv[], const posix_spawn_file_actions_t *fa,
                 struct sc_error **err)
{
	_cleanup_(cleanup_attr) posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	sigset_t deflt;
	stop_signals(&deflt);
	sigaddset(&deflt, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &s->old);
	posix_spawnattr_setsigdefault(&attr, &deflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	int r = posix_spawnp(&s->child, argv[0], fa, &attr, argv, environ);
	if (r != 0)
		return sc_error_set(err, r, "run `%s`", argv[0]);
	return 0;
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	p[0] = p[1] = -1;
}

/* ---- foreground ---- */

static int run_foreground(struct session *s, char *const argv[], struct sc_error **err)
{
	if (spawn(s, argv, NULL, err) < 0)
		return -1;
	wait_child(s);
	return 0;
}

/* ---- relay ---- */

static int run_relay(struct session *s, char *const argv[], struct sc_error **err)
{
	const struct sc_session_relay *ro = &s->o->relay;
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	if (os_pipe(in) < 0 || os_pipe(out) < 0) {
		int e = errno;
		close_pair(in);
		close_pair(out);
		return sc_error_set(err, e, "pipe");
	}
	os_pipe_grow(in[1], 1 << 20);
	os_pipe_grow(out[0], 1 << 20);

	_cleanup_(cleanup_actions) posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	int r = spawn(s, argv, &fa, err);
	close(in[0]);
	close(out[1]);
	_cleanup_close_ int agent_out = out[0];
	if (r < 0) {
		close(in[1]);
		return -1;
	}

	struct sc_relay_config rc = {
	    .client_in = STDIN_FILENO,
	    .client_out = STDOUT_FILENO,
	    .agent_in = in[1],
	    .agent_out = agent_out,
	    .strip_terminal = ro->strip_terminal,
	    .trace_fd = ro->trace_fd,
	};
	_cleanup_error_ struct sc_error *relay_err = NULL;
	{
		_cleanup_relay_ struct sc_relay *relay = sc_relay_new(&rc);
		double eof_at = 0, running_since = 0, polled_at = 0, stop_at = 0, exited_at = 0;
		s->relaying = true;
		while (!sc_relay_done(relay)) {
			bool busy = s->terminating || eof_at > 0 || s->exited || s->escalate_at > 0;
			bool sig = false;
			if (sc_relay_step(relay, s->sfd, busy ? 100 : -1, &sig, &relay_err) < 0) {
				remove_container(s, "relay error");
				break;
			}
			if (sig || busy)
				handle_signals(s);
			escalate(s);
			double now = now_ms();
			if (sc_relay_client_closed(relay) && eof_at == 0)
				eof_at = now;
			/* The grace counts from when the container runs (a poll
			 * of its state every EOF_POLL_MS until then). */
			if (eof_at > 0 && running_since == 0 && now - polled_at >= EOF_POLL_MS) {
				polled_at = now;
				if (container_running(s))
					running_since = now;
			}
			reap(s);
			if (eof_at > 0 && !s->removed && !s->exited &&
			    ((running_since > 0 && now - running_since > ro->eof_grace_ms) ||
			     now - eof_at > EOF_START_LIMIT_MS))
				remove_container(s, "the editor's input ended");
			if (sc_relay_client_gone(relay) && !s->removed)
				remove_container(s, "the editor went away");
			if ((s->terminating || s->removed) && stop_at == 0) {
				stop_at = now_ms();
				sc_relay_drain(relay);
			}
			/* The engine is gone and so is its output: nothing more
			 * can come, whether or not the editor reads the rest. */
			if (s->exited && (s->terminating || sc_relay_client_gone(relay)))
				break;
			/* Removed by sandcage: a moment for what is left in the
			 * pipes to reach an editor that reads. */
			if (s->exited && s->removed && exited_at == 0)
				exited_at = now_ms();
			if (exited_at > 0 && now_ms() - exited_at > RELAY_LAST_WORDS_MS)
				break;
			if (stop_at > 0 && now_ms() - stop_at > RELAY_DRAIN_MS)
				break;
		}
		s->relaying = false;
		if (relay_err)
			sc_log_debug("relay: %s", relay_err->msg);
	}
	/* The engine CLI ends soon after its output did; one still writing
	 * gets EPIPE now instead of waiting for a reader. */
	close(agent_out);
	agent_out = -1;
	if (s->escalate_at == 0 && !s->exited)
		s->escalate_at = now_ms();
	wait_child(s);
	if (s->remover > 0)
		while (waitpid(s->remover, NULL, 0) < 0 && errno == EINTR)
			;
	s->remover = 0;
	if (relay_err) {
		*err = steal_pointer(&relay_err);
		return -1;
	}
	return 0;
}

/* ---- capture ---- */

struct stream {
	int fd;            /* -1: at its end */
	struct strbuf buf; /* all of it, or the current line with on_line */
};

static void stream_add(const struct sc_session_capture *c, struct stream *st, const char *p,
                       size_t n)
{
	if (!c->on_line) {
		strbuf_add(&st->buf, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n') {
			c->on_line(c->ctx, strbuf_str(&st->buf));
			strbuf_reset(&st->buf);
		} else if (p[i] != '\r') {
			strbuf_addc(&st->buf, p[i]);
		}
	}
}

/* Reads what is there now (a bounded amount unless `all`); closes the
 * stream at its end. */
static void stream_read(const struct sc_session_capture *c, struct stream *st, bool all)
{
	char buf[8192];
	for (int round = 0; st->fd >= 0 && (all || round < 16); round++) {
		ssize_t n = read(st->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !all)
			return;
		if (n <= 0) {
			close(st->fd);
			st->fd = -1;
			if (c->on_line && st->buf.len)
				c->on_line(c->ctx, strbuf_str(&st->buf));
			return;
		}
		stream_add(c, st, buf, (size_t)n);
	}
}

static int run_capture(struct session *s, char *const argv[], struct sc_error **err)
{
	const struct sc_session_capture *c = &s->o->capture;
	enum { OUT, ERR, N };
	bool want[N] = {c->on_line || c->out, !c->on_line && c->err_out};
	int p[N][2] = {{-1, -1}, {-1, -1}};
	for (int i = 0; i < N; i++) {
		if (want[i] && os_pipe(p[i]) < 0) {
			int e = errno;
			close_pair(p[OUT]);
			close_pair(p[ERR]);
			return sc_error_set(err, e, "pipe");
		}
	}
	_cleanup_(cleanup_actions) posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (want[OUT])
		posix_spawn_file_actions_adddup2(&fa, p[OUT][1], STDOUT_FILENO);
	if (c->on_line)
		posix_spawn_file_actions_adddup2(&fa, p[OUT][1], STDERR_FILENO);
	else if (want[ERR])
		posix_spawn_file_actions_adddup2(&fa, p[ERR][1], STDERR_FILENO);
	int r = spawn(s, argv, &fa, err);
	struct stream st[N];
	for (int i = 0; i < N; i++) {
		if (p[i][1] >= 0)
			close(p[i][1]);
		st[i] = (struct stream){p[i][0], STRBUF_INIT};
		if (st[i].fd >= 0)
			fcntl(st[i].fd, F_SETFL, fcntl(st[i].fd, F_GETFL) | O_NONBLOCK);
	}
	if (r < 0) {
		for (int i = 0; i < N; i++) {
			if (st[i].fd >= 0)
				close(st[i].fd);
			strbuf_release(&st[i].buf);
		}
		return -1;
	}

	while (st[OUT].fd >= 0 || st[ERR].fd >= 0) {
		struct pollfd pf[1 + N] = {{s->sfd, POLLIN, 0}};
		for (int i = 0; i < N; i++)
			pf[1 + i] = (struct pollfd){st[i].fd, POLLIN, 0};
		if (poll(pf, 1 + N, s->escalate_at > 0 ? TICK_MS : -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < N; i++)
			if (pf[1 + i].revents)
				stream_read(c, &st[i], false);
		handle_signals(s);
		escalate(s);
		/* Once the engine CLI is gone, what it wrote is in the pipes;
		 * anything still holding them open is not the container. */
		if (s->exited)
			for (int i = 0; i < N; i++)
				stream_read(c, &st[i], true);
	}
	for (int i = 0; i < N; i++)
		if (st[i].fd >= 0)
			close(st[i].fd);
	wait_child(s);
	if (c->on_line) {
		strbuf_release(&st[OUT].buf);
	} else {
		if (c->out)
			*c->out = strbuf_steal(&st[OUT].buf);
		if (c->err_out)
			*c->err_out = strbuf_steal(&st[ERR].buf);
	}
	return 0;
}

/* ---- the runner ---- */

int sc_session_run(const struct sc_session_opts *opts, int *exit_code, struct sc_error **err)
{
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	opts->engine->ops->run_argv(opts->engine, opts->spec, &argv);
	if (sc_log_verbosity > 0) {
		for (size_t i = 0; i < argv.len; i++)
			fprintf(stderr, "%s%s", i ? " " : "sandcage: debug: exec: ", argv.v[i]);
		fputc('\n', stderr);
	}

	struct session s = {.o = opts, .sfd = -1, .reaper_fd = -1};
	if (begin(&s, err) < 0)
		return -1;
	int r;
	switch (opts->mode) {
	case SC_SESSION_RELAY:
		r = run_relay(&s, argv.v, err);
		break;
	case SC_SESSION_CAPTURE:
		r = run_capture(&s, argv.v, err);
		break;
	default:
		r = run_foreground(&s, argv.v, err);
		break;
	}
	end(&s);
	if (r < 0)
		return -1;

	if (s.terminating)
		*exit_code = 128 + s.terminating;
	else if (opts->mode == SC_SESSION_RELAY && s.removed)
		*exit_code = 0; /* the editor ended the session */
	else
		*exit_code = proc_exit_status(s.status);
	if (opts->stopped_by)
		*opts->stopped_by = s.terminating;
	return 0;
}
