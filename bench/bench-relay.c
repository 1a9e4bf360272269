/* Measures the ACP relay against a plain pipe, in one run:
 *   throughput: 256 MiB in 1 MiB messages sent to `cat` and read back at
 *   the same time, directly and through the relay;
 *   latency: the round trip of one small message (10,000 times, one at a
 *   time), directly and through the relay.
 * The relay runs as it does in `sandcage acp run`: in its own process, with
 * the initialize filter on. The stream starts with the initialize request
 * (the relay refuses any other first message), which `cat` echoes. The
 * agent's side is taken apart line by line all along: either its lines are
 * parsed, as they are until the agent's answer to initialize ("lines"), or
 * an answer comes first and each line is only scanned for a terminal/ or
 * fs/ method ("guarded"); both are measured.
 *
 *   build/bench-relay */
#include "session/relay.h"
#include "util/strbuf.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

struct peer {
	pid_t agent, relay;
	int wr, rd;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 MiB pipes, as `sandcage acp run` makes for the agent's side. */
static void xpipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("pipe");
		exit(1);
	}
	fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
}

/* `cat` as the agent; with `relay`, a relay process between it and us. */
static struct peer start(bool relay)
{
	struct peer pr = {0};
	int ain[2], aout[2];
	xpipe(ain);
	xpipe(aout);
	char *argv[] = {"cat", NULL};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ain[0], 0);
	posix_spawn_file_actions_adddup2(&fa, aout[1], 1);
	if (posix_spawnp(&pr.agent, "cat", &fa, NULL, argv, environ) != 0)
		exit(1);
	posix_spawn_file_actions_destroy(&fa);
	close(ain[0]);
	close(aout[1]);
	if (!relay) {
		pr.wr = ain[1];
		pr.rd = aout[0];
		return pr;
	}
	int cin[2], cout[2];
	xpipe(cin);
	xpipe(cout);
	pr.relay = fork();
	if (pr.relay == 0) {
		close(cin[1]);
		close(cout[0]);
		struct sc_relay_config rc = {cin[0], cout[1], ain[1], aout[0], true, -1};
		_exit(sc_relay_run(&rc, NULL, NULL) < 0 ? 1 : 0);
	}
	close(cin[0]);
	close(cout[1]);
	close(ain[1]);
	close(aout[0]);
	pr.wr = cin[1];
	pr.rd = cout[0];
	return pr;
}

static void stop(struct peer *pr)
{
	if (pr->wr >= 0)
		close(pr->wr);
	close(pr->rd);
	waitpid(pr->agent, NULL, 0);
	if (pr->relay)
		waitpid(pr->relay, NULL, 0);
}

/* Sends `total` bytes of messages while reading them back; MB/s. */
static const char init_only[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                                "\"params\":{\"protocolVersion\":1}}\n";
static const char init_answered[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                                    "\"params\":{\"protocolVersion\":1}}\n"
                                    "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}\n";

static double throughput(bool relay, bool after_init, size_t total)
{
	const char *init = after_init ? init_answered : init_only;
	size_t init_len = strlen(init);
	size_t msg = 1 << 20;
	char *m = xmalloc(msg);
	memset(m, 'x', msg - 1);
	memcpy(m, "{\"x\":\"", 6);
	memcpy(m + msg - 3, "\"}\n", 3);
	struct peer pr = start(relay);
	fcntl(pr.wr, F_SETFL, O_NONBLOCK);
	char *buf = xmalloc(1 << 20);
	size_t init_off = relay ? 0 : init_len;
	size_t sent = 0, got = 0, want = total + (init_len - init_off);
	double t0 = now();
	while (got < want) {
		struct pollfd p[2] = {{sent < total ? pr.wr : -1, POLLOUT, 0}, {pr.rd, POLLIN, 0}};
		poll(p, 2, -1);
		if (p[0].revents & POLLOUT) {
			ssize_t w;
			if (init_off < init_len) {
				w = write(pr.wr, init + init_off, init_len - init_off);
				if (w > 0)
					init_off += (size_t)w;
			} else {
				size_t off = sent % msg;
				w = write(pr.wr, m + off, msg - off);
				if (w > 0)
					sent += (size_t)w;
			}
		}
		if (p[1].revents) {
			ssize_t r = read(pr.rd, buf, 1 << 20);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
	}
	double t = now() - t0;
	stop(&pr);
	free(m);
	free(buf);
	return (double)total / t / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Round trips of one small message, one at a time; median in µs. */
static double latency(bool relay, int n)
{
	static const char msg[] = "{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":"
	                          "{\"sessionId\":\"s\",\"update\":{}}}\n";
	struct peer pr = start(relay);
	double *times = xcalloc((size_t)n, sizeof(double));
	char buf[256];
	if (relay) {
		size_t len = strlen(init_answered), got = 0;
		if (write(pr.wr, init_answered, len) != (ssize_t)len)
			exit(1);
		while (got < len) {
			ssize_t r = read(pr.rd, buf, sizeof(buf));
			if (r <= 0)
				exit(1);
			got += (size_t)r;
		}
	}
	for (int i = 0; i < n; i++) {
		double t0 = now();
		if (write(pr.wr, msg, sizeof(msg) - 1) != (ssize_t)(sizeof(msg) - 1))
			exit(1);
		size_t got = 0;
		while (got < sizeof(msg) - 1) {
			ssize_t r = read(pr.rd, buf, sizeof(buf));
			if (r <= 0)
				exit(1);
			got += (size_t)r;
		}
		times[i] = (now() - t0) * 1e6;
	}
	stop(&pr);
	qsort(times, (size_t)n, sizeof(double), cmp_double);
	double median = times[n / 2];
	free(times);
	return median;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	size_t total = (size_t)256 << 20;
	double pipe_mbs = throughput(false, false, total);
	double relay_lines = throughput(true, false, total);
	double relay_raw = throughput(true, true, total);
	printf("throughput, 256 MiB in 1 MiB messages to `cat` and back at once:\n");
	printf("  plain pipe                          %8.0f MB/s\n", pipe_mbs);
	printf("  relay, agent's lines parsed         %8.0f MB/s\n", relay_lines);
	printf("  relay, after the answer (guarded)   %8.0f MB/s\n", relay_raw);
	int n = 10000;
	double lp = latency(false, n), lr = latency(true, n);
	printf("round trip of one small message (median of %d):\n", n);
	printf("  plain pipe  %7.1f us\n", lp);
	printf("  relay       %7.1f us  (%.1f us added: one hop each way)\n", lr, lr - lp);
	return 0;
}
