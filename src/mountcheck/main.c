/* sandcage-mountcheck: the container's first program. It checks that every
 * mount of the container is what the host checked (device and inode of
 * each bind), that nothing else is mounted but the engine's own, and only
 * then runs the command. With a login store (`home.scope: project`) it also
 * keeps the agents' logins in step (logins.h): it runs the command as its
 * child and copies what changed back once it ended. A static program: libc
 * and jansson.
 *
 *   sandcage-mountcheck [--bind=MAJOR:MINOR:INODE:TARGET]... [--volume=TARGET]...
 *                       [--home=DIR --logins=DIR [--migrate=DIR]
 *                        [--login=HOME:STORE]... [--login-json=HOME:STORE:KEYS]...]
 *                       -- COMMAND [ARG]...
 *
 * Exit 125 (and one line per problem on stderr) when it refuses or its
 * arguments are wrong; 127 when COMMAND is not found, 126 when it cannot
 * run; otherwise it is COMMAND's (128+N when a signal N ended it). */
#include "check.h"
#include "logins.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_REFUSED  125
#define EXIT_CANNOT   126
#define EXIT_NOTFOUND 127

static void usage_error(const char *arg)
{
	char a[512];
	mc_escape(a, sizeof(a), arg);
	fprintf(
	    stderr,
	    "sandcage: mountcheck: bad argument '%s' (expected --bind=MAJOR:MINOR:INODE:TARGET, "
	    "--volume=TARGET, --home=DIR, --logins=DIR, --migrate=DIR, --login=HOME:STORE, "
	    "--login-json=HOME:STORE:KEYS, then -- COMMAND [ARG]...)\n",
	    a);
}

/* Fills `expect` (argc entries) from argv; returns the index of COMMAND,
 * or 0 after a message. */
static int parse_args(int argc, char **argv, struct mc_expect *expect, size_t *n_expect,
                      struct mc_logins *logins, struct mc_login *items)
{
	*n_expect = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		struct mc_expect *e = &expect[*n_expect];
		if (strcmp(a, "--") == 0) {
			if (i + 1 >= argc) {
				usage_error(a);
				return 0;
			}
			return i + 1;
		}
		if (strncmp(a, "--bind=", 7) == 0 && mc_parse_bind(a + 7, e)) {
			(*n_expect)++;
			continue;
		}
		if (strncmp(a, "--volume=", 9) == 0 && mc_target_ok(a + 9)) {
			memset(e, 0, sizeof(*e));
			e->kind = MC_VOLUME;
			e->target = a + 9;
			(*n_expect)++;
			continue;
		}
		if (strncmp(a, "--home=", 7) == 0 && mc_target_ok(a + 7)) {
			logins->home = a + 7;
		} else if (strncmp(a, "--logins=", 9) == 0 && mc_target_ok(a + 9)) {
			logins->store = a + 9;
		} else if (strncmp(a, "--migrate=", 10) == 0 && mc_target_ok(a + 10)) {
			logins->migrate = a + 10;
		} else if (strncmp(a, "--login=", 8) == 0 &&
		           mc_login_parse(argv[i] + 8, false, &items[logins->n])) {
			logins->n++;
		} else if (strncmp(a, "--login-json=", 13) == 0 &&
		           mc_login_parse(argv[i] + 13, true, &items[logins->n])) {
			logins->n++;
		} else {
			usage_error(a);
			return 0;
		}
	}
	usage_error("(no --)");
	return 0;
}

/* The whole of /proc/self/mountinfo, NUL-terminated, or NULL after a
 * message. It reads at most MC_MOUNTINFO_MAX + 1 bytes. */
static char *read_mountinfo(void)
{
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr,
		        "sandcage: refusing to start: cannot open /proc/self/mountinfo: %s\n",
		        strerror(errno));
		return NULL;
	}
	char *buf = NULL;
	size_t cap = 0, len = 0;
	const char *problem = NULL;
	while (!problem) {
		if (len > MC_MOUNTINFO_MAX) {
			problem = "it is larger than 4 MiB";
			break;
		}
		if (len == cap) {
			size_t bigger = cap ? cap * 2 : 64 * 1024;
			if (bigger > MC_MOUNTINFO_MAX + 1)
				bigger = MC_MOUNTINFO_MAX + 1;
			char *b = realloc(buf, bigger + 1);
			if (!b) {
				problem = "out of memory";
				break;
			}
			buf = b;
			cap = bigger;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno != EINTR)
			problem = strerror(errno);
		else if (r == 0)
			break;
		else if (r > 0)
			len += (size_t)r;
	}
	close(fd);
	if (!problem && memchr(buf, '\0', len))
		problem = "it holds a NUL byte";
	if (problem) {
		fprintf(stderr,
		        "sandcage: refusing to start: cannot read /proc/self/mountinfo: %s\n",
		        problem);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static int lookup(const char *target, struct mc_identity *out, void *data)
{
	(void)data;
	struct statx st;
	if (statx(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID, &st) != 0)
		return errno;
	if (!(st.stx_mask & STATX_INO))
		return ENOTSUP;
	out->major = st.stx_dev_major;
	out->minor = st.stx_dev_minor;
	out->ino = st.stx_ino;
	out->has_mnt_id = (st.stx_mask & STATX_MNT_ID) != 0;
	out->mnt_id = st.stx_mnt_id;
	return 0;
}

static void report(const char *line, void *data)
{
	(void)data;
	fprintf(stderr, "%s\n", line);
}

/* The child the signals go to once it runs; 0 before. */
static volatile sig_atomic_t child_pid;

/* A signal another process sent (docker stop through docker-init, or the
 * engine CLI's proxy without a terminal) goes on to the child. One the
 * terminal or the kernel sent (Ctrl-C, a hang-up) reached the child's
 * process group already: sending it again would deliver it twice. */
static void forward(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	if (child_pid > 0 && info->si_code <= 0)
		kill((pid_t)child_pid, sig);
}

static const int forwarded[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2};
/* Job control from the terminal: the child is in the foreground process
 * group and gets these itself; this process must not stop, nor be stopped
 * for writing to the terminal after a shell took the foreground. */
static const int ignored[] = {SIGTSTP, SIGTTIN, SIGTTOU,
                              /* a line on a closed stderr must not lose the
                                 command's exit status */
                              SIGPIPE};

static void exec_command(char **argv)
{
	execvp(argv[0], argv);
	int err = errno;
	char c[512];
	mc_escape(c, sizeof(c), argv[0]);
	fprintf(stderr, "sandcage: cannot run %s: %s\n", c, strerror(err));
	_exit(err == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT);
}

/* Runs argv as a child, the logins copied in before and out after; returns
 * the exit status to end with. */
static int run_with_logins(const struct mc_logins *logins, char **argv)
{
	mc_logins_in(logins, report, NULL);

	sigset_t all, old;
	sigemptyset(&all);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&all, forwarded[i]);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "sandcage: cannot start the command: %s\n", strerror(errno));
		return EXIT_CANNOT;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		exec_command(argv);
	}
	child_pid = pid;
	struct sigaction sa = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	sigprocmask(SIG_SETMASK, &old, NULL);

	int status = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "sandcage: waitpid: %s\n", strerror(errno));
			return EXIT_CANNOT;
		}
	}
	child_pid = 0;
	mc_logins_out(logins, report, NULL);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	struct mc_expect *expect = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*expect));
	struct mc_login *items = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*items));
	if (!expect || !items) {
		fprintf(stderr, "sandcage: refusing to start: out of memory\n");
		return EXIT_REFUSED;
	}
	size_t n_expect;
	struct mc_logins logins = {.items = items};
	int cmd = parse_args(argc, argv, expect, &n_expect, &logins, items);
	if (!cmd)
		return EXIT_REFUSED;
	if (!logins.home != !logins.store || (logins.n && !logins.store) ||
	    (logins.migrate && !logins.store)) {
		usage_error("(--home, --logins, --login and --migrate go together)");
		return EXIT_REFUSED;
	}

	char *text = read_mountinfo();
	if (!text)
		return EXIT_REFUSED;
	struct mc_mount *mounts;
	size_t n, bad_line;
	if (mc_parse_mountinfo(text, &mounts, &n, &bad_line) != 0) {
		if (bad_line)
			fprintf(stderr,
			        "sandcage: refusing to start: line %zu of /proc/self/mountinfo "
			        "is malformed\n",
			        bad_line);
		else
			fprintf(stderr, "sandcage: refusing to start: out of memory\n");
		return EXIT_REFUSED;
	}
	if (mc_check(mounts, n, expect, n_expect, lookup, NULL, report, NULL) != 0)
		return EXIT_REFUSED;
	free(mounts);
	free(text);
	free(expect);

	if (logins.store) {
		logins.state = calloc(logins.n ? logins.n : 1, sizeof(*logins.state));
		return run_with_logins(&logins, &argv[cmd]);
	}
	free(items);
	/* Nothing to do after the command: it replaces this program. */
	exec_command(&argv[cmd]);
	return EXIT_CANNOT;
}
