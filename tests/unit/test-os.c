/* Unit tests for src/os/: the Linux-specific calls behind small functions.
 * A port replaces those files and must pass these tests unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "os/fd.h"
#include "os/random.h"
#include "os/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_signal_fd(void **state)
{
	(void)state;
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int fd = os_signal_fd(&mask);
	assert_true(fd > 2);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);

	int sig = 0;
	bool tty = true;
	/* Nothing pending: no signal, and no waiting. */
	assert_int_equal(os_signal_read(fd, &sig, &tty), 0);

	/* kill(2) from a process is not the terminal. */
	kill(getpid(), SIGUSR2);
	assert_int_equal(os_signal_read(fd, &sig, &tty), 1);
	assert_int_equal(sig, SIGUSR2);
	assert_false(tty);
	assert_int_equal(os_signal_read(fd, &sig, &tty), 0);

	/* Another signal of the mask. */
	kill(getpid(), SIGUSR1);
	assert_int_equal(os_signal_read(fd, &sig, &tty), 1);
	assert_int_equal(sig, SIGUSR1);

	close(fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_pipe(void **state)
{
	(void)state;
	int p[2] = {-1, -1};
	assert_int_equal(os_pipe(p), 0);
	for (int i = 0; i < 2; i++)
		assert_true(fcntl(p[i], F_GETFD) & FD_CLOEXEC);
	os_pipe_grow(p[1], 1 << 20); /* a hint: never an error */
	assert_int_equal(write(p[1], "abc", 3), 3);
	char buf[4] = {0};
	assert_int_equal(read(p[0], buf, sizeof(buf)), 3);
	assert_string_equal(buf, "abc");
	close(p[0]);
	close(p[1]);
}

static void test_close_from(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(os_pipe(p), 0);
	int high = fcntl(p[0], F_DUPFD, 40);
	assert_true(high >= 40);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Everything from 3 on goes; stdio stays. */
		os_close_from(3);
		bool ok = fcntl(high, F_GETFD) < 0 && errno == EBADF && fcntl(p[1], F_GETFD) < 0 &&
		          fcntl(STDERR_FILENO, F_GETFD) >= 0;
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's descriptors are untouched. */
	assert_true(fcntl(high, F_GETFD) >= 0);
	close(high);
	close(p[0]);
	close(p[1]);
}

static void test_random(void **state)
{
	(void)state;
	unsigned char a[16] = {0}, b[16] = {0}, zero[16] = {0};
	assert_int_equal(os_random(a, sizeof(a)), 0);
	assert_int_equal(os_random(b, sizeof(b)), 0);
	/* 2^-128 odds of a false failure. */
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signal_fd),
	    cmocka_unit_test(test_pipe),
	    cmocka_unit_test(test_close_from),
	    cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
