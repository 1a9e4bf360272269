/* Unit tests for src/session/relay.c: the relay runs in a child process
 * between this test (the editor) and a real program (the agent, usually
 * `cat`, which echoes what the relay gave it). No container needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "session/relay.h"
#include "util/fs.h"
#include "util/strbuf.h"

#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

struct harness {
	pid_t relay;
	pid_t agent;
	int to_relay;   /* the editor's writes */
	int from_relay; /* what the editor reads */
};

/* Starts `argv` as the agent and a relay process between it and us. */
static void start(struct harness *h, char *const argv[], bool strip, int trace_fd)
{
	int ain[2], aout[2], cin[2], cout[2];
	assert_int_equal(pipe2(ain, O_CLOEXEC), 0);
	assert_int_equal(pipe2(aout, O_CLOEXEC), 0);
	assert_int_equal(pipe2(cin, O_CLOEXEC), 0);
	assert_int_equal(pipe2(cout, O_CLOEXEC), 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ain[0], 0);
	posix_spawn_file_actions_adddup2(&fa, aout[1], 1);
	assert_int_equal(posix_spawnp(&h->agent, argv[0], &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(ain[0]);
	close(aout[1]);

	h->relay = fork();
	assert_true(h->relay >= 0);
	if (h->relay == 0) {
		close(cin[1]);
		close(cout[0]);
		struct sc_relay_config rc = {
		    .client_in = cin[0],
		    .client_out = cout[1],
		    .agent_in = ain[1],
		    .agent_out = aout[0],
		    .strip_terminal = strip,
		    .trace_fd = trace_fd,
		};
		struct sc_error *err = NULL;
		int r = sc_relay_run(&rc, NULL, &err);
		if (r < 0)
			fprintf(stderr, "relay: %s\n", err->msg);
		_exit(r < 0 ? 3 : 0);
	}
	close(cin[0]);
	close(cout[1]);
	close(ain[1]);
	close(aout[0]);
	h->to_relay = cin[1];
	h->from_relay = cout[0];
	fcntl(h->to_relay, F_SETFL, O_NONBLOCK);
}

/* Writes `data` in pieces of at most `chunk` bytes while reading everything
 * that comes back, both at once, then closes our output and reads to EOF.
 * Returns the relay process's exit status. */
static int exchange(struct harness *h, const char *data, size_t len, size_t chunk,
                    struct strbuf *got)
{
	size_t off = 0;
	bool in_open = true;
	for (;;) {
		struct pollfd p[2] = {{in_open ? h->to_relay : -1, POLLOUT, 0},
		                      {h->from_relay, POLLIN, 0}};
		if (in_open && off == len) {
			close(h->to_relay);
			in_open = false;
			continue;
		}
		int n = poll(p, 2, 30000);
		assert_true(n > 0); /* no progress for 30 s: a deadlock */
		if (p[0].revents & (POLLERR | POLLHUP)) {
			close(h->to_relay);
			in_open = false;
		} else if (p[0].revents & POLLOUT) {
			size_t want = len - off < chunk ? len - off : chunk;
			ssize_t w = write(h->to_relay, data + off, want);
			if (w > 0)
				off += (size_t)w;
			else if (w < 0 && errno == EPIPE) {
				close(h->to_relay);
				in_open = false;
			}
		}
		if (p[1].revents) {
			char buf[65536];
			ssize_t r = read(h->from_relay, buf, sizeof(buf));
			if (r == 0)
				break;
			if (r > 0)
				strbuf_add(got, buf, (size_t)r);
		}
	}
	if (in_open)
		close(h->to_relay);
	close(h->from_relay);
	int status;
	assert_int_equal(waitpid(h->relay, &status, 0), h->relay);
	waitpid(h->agent, NULL, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *const cat_argv[] = {"cat", NULL};

static void echo_check(const char *data, size_t len, size_t chunk, bool strip)
{
	struct harness h;
	start(&h, cat_argv, strip, -1);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	assert_int_equal(exchange(&h, data, len, chunk, &got), 0);
	assert_int_equal(got.len, len);
	assert_memory_equal(got.buf, data, len);
}

static void test_many_small_messages(void **state)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 10000; i++)
		strbuf_addf(
		    &sb,
		    "{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{\"n\":%d}}\n",
		    i);
	echo_check(sb.buf, sb.len, 1 << 16, true);
	echo_check(sb.buf, sb.len, 1 << 16, false);
	/* Pieces that cut messages anywhere. */
	echo_check(sb.buf, sb.len, 37, true);
}

/* A message of `size` bytes: a JSON string of varied bytes, no newline. */
static void add_message(struct strbuf *sb, size_t size, unsigned seed)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 {}[]:,";
	strbuf_adds(sb, "{\"jsonrpc\":\"2.0\",\"method\":\"_big\",\"params\":\"");
	size_t n = size - 50;
	strbuf_grow(sb, n + 4);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		sb->buf[sb->len + i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
	}
	sb->len += n;
	sb->buf[sb->len] = '\0';
	strbuf_adds(sb, "\"}\n");
}

static void test_big_messages_both_ways(void **state)
{
	/* `cat` writes back while the relay still reads: both directions are
	 * full at once, which a relay with blocking writes would deadlock on. */
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	add_message(&sb, 1 << 20, 1);
	add_message(&sb, 32u << 20, 2);
	add_message(&sb, 1 << 20, 3);
	for (int i = 0; i < 100; i++)
		strbuf_adds(&sb, "{\"small\":true}\n");
	echo_check(sb.buf, sb.len, 1 << 20, true);
	echo_check(sb.buf, sb.len, 1 << 20, false);
}

static const char init_line[] =
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":1,"
    "\"clientCapabilities\":{\"fs\":{\"readTextFile\":true,\"writeTextFile\":true},"
    "\"terminal\":true,\"_meta\":{\"terminal-auth\":true,\"x.other\":\"\xc3\xa9\"}},"
    "\"clientInfo\":{\"name\":\"zed\",\"version\":\"1.0\"},\"_meta\":{\"keep\":1}}}";
static const char init_filtered[] =
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":1,"
    "\"clientCapabilities\":{\"fs\":{\"readTextFile\":true,\"writeTextFile\":true},"
    "\"_meta\":{\"x.other\":\"\xc3\xa9\"}},"
    "\"clientInfo\":{\"name\":\"zed\",\"version\":\"1.0\"},\"_meta\":{\"keep\":1}}}";

static void test_filter_function(void **state)
{
	bool init;
	char *out;
	sc_relay_filter_initialize(init_line, strlen(init_line), &init, &out);
	assert_true(init);
	assert_non_null(out);
	assert_string_equal(out, init_filtered);
	free(out);

	/* Nothing to remove: unchanged, byte for byte (no rewrite). */
	const char *plain = "{ \"id\" : 1, \"method\" : \"initialize\", \"params\" : {} }";
	sc_relay_filter_initialize(plain, strlen(plain), &init, &out);
	assert_true(init);
	assert_null(out);

	/* `terminal` false is removed too: absent means the same. */
	const char *f = "{\"id\":1,\"method\":\"initialize\",\"params\":{\"clientCapabilities\":"
	                "{\"terminal\":false}}}";
	sc_relay_filter_initialize(f, strlen(f), &init, &out);
	assert_true(init);
	assert_string_equal(out, "{\"id\":1,\"method\":\"initialize\",\"params\":"
	                         "{\"clientCapabilities\":{}}}");
	free(out);

	static const char *const others[] = {
	    "{\"id\":1,\"method\":\"session/new\",\"params\":{\"terminal\":true}}",
	    "{\"id\":1,\"result\":\"initialize\"}",
	    "not json \"initialize\" {",
	    "{\"method\":\"initialize\"",
	    "[{\"method\":\"initialize\"}]",
	    "",
	    "\"initialize\"",
	};
	for (size_t i = 0; i < N_ELEMENTS(others); i++) {
		sc_relay_filter_initialize(others[i], strlen(others[i]), &init, &out);
		assert_false(init);
		assert_null(out);
	}
	/* Odd but valid: params not an object, capabilities not an object. */
	const char *odd = "{\"method\":\"initialize\",\"params\":{\"clientCapabilities\":[1]}}";
	sc_relay_filter_initialize(odd, strlen(odd), &init, &out);
	assert_true(init);
	assert_null(out);
}

static void test_initialize_filtered_in_stream(void **state)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf want = STRBUF_INIT;
	/* A message before initialize passes unchanged. */
	const char *pre =
	    "{\"jsonrpc\":\"2.0\",\"method\":\"_zed/hello\",\"params\":{\"terminal\":true}}\n";
	strbuf_adds(&in, pre);
	strbuf_adds(&want, pre);
	strbuf_addf(&in, "%s\r\n", init_line);
	strbuf_addf(&want, "%s\r\n", init_filtered);
	/* After it, nothing is parsed: a second initialize passes as it is. */
	strbuf_addf(&in, "%s\n", init_line);
	strbuf_addf(&want, "%s\n", init_line);
	const char *tail =
	    "{\"id\":2,\"method\":\"session/new\",\"params\":{\"cwd\":\"/p\",\"mcpServers\":[]}}\n"
	    "last line without newline";
	strbuf_adds(&in, tail);
	strbuf_adds(&want, tail);

	for (size_t chunk = 1; chunk <= 4096; chunk *= 64) {
		struct harness h;
		start(&h, cat_argv, true, -1);
		_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
		assert_int_equal(exchange(&h, in.buf, in.len, chunk, &got), 0);
		assert_string_equal(strbuf_str(&got), want.buf);
	}
	/* With stripping off, all of it passes unchanged. */
	echo_check(in.buf, in.len, 4096, false);
}

static void test_trace(void **state)
{
	char path[] = "/tmp/sandcage-test-trace-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC | O_APPEND);
	assert_true(fd >= 0);
	struct harness h;
	start(&h, cat_argv, true, fd);
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	strbuf_addf(&in, "%s\n{\"id\":1,\"method\":\"session/new\"}\n", init_line);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	assert_int_equal(exchange(&h, in.buf, in.len, 1 << 16, &got), 0);
	close(fd);
	_cleanup_free_ char *trace = NULL;
	assert_int_equal(fs_read_file(path, &trace, NULL, NULL), 0);
	unlink(path);
	/* Four lines: two each way, each "TIME DIRECTION MESSAGE". */
	int lines = 0;
	for (char *p = trace; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 4);
	assert_non_null(strstr(trace, "Z editor->agent {\"jsonrpc\""));
	assert_non_null(strstr(trace, "Z agent->editor {\"id\":1,\"method\":\"session/new\"}\n"));
	assert_null(strstr(trace, "\"terminal\":true"));
	assert_null(strstr(trace, "terminal-auth"));
	assert_true(trace[4] == '-' && trace[10] == 'T');
}

static void test_agent_exits_first(void **state)
{
	/* The agent reads a little and ends: the relay ends too, without
	 * waiting for the editor, and passes what the agent wrote. */
	char *const argv[] = {"head", "-c", "5", NULL};
	struct harness h;
	start(&h, argv, false, -1);
	_cleanup_strbuf_ struct strbuf big = STRBUF_INIT;
	add_message(&big, 4u << 20, 9);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	assert_int_equal(exchange(&h, big.buf, big.len, 1 << 16, &got), 0);
	assert_string_equal(strbuf_str(&got), "{\"jso");
}

static void test_editor_goes_away(void **state)
{
	/* The agent writes without end; the editor stops reading and closes
	 * its end: the relay must notice and end. */
	char *const argv[] = {"yes", NULL};
	struct harness h;
	start(&h, argv, false, -1);
	char buf[4096];
	assert_true(read(h.from_relay, buf, sizeof(buf)) > 0);
	close(h.from_relay);
	int status;
	assert_int_equal(waitpid(h.relay, &status, 0), h.relay);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	kill(h.agent, SIGKILL);
	waitpid(h.agent, NULL, 0);
	close(h.to_relay);
}

static void test_line_limit_before_initialize(void **state)
{
	/* A first message over the limit cannot be checked: the relay ends
	 * with an error rather than pass an unchecked initialize. */
	struct harness h;
	start(&h, cat_argv, true, -1);
	size_t n = SC_RELAY_MAX_LINE + 1024;
	char *data = xmalloc(n);
	memset(data, 'x', n);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	assert_int_equal(exchange(&h, data, n, 1 << 20, &got), 3);
	free(data);
	/* Without stripping there is no limit. */
	n = SC_RELAY_MAX_LINE + 1024;
	data = xmalloc(n);
	memset(data, 'y', n);
	echo_check(data, n, 1 << 20, false);
	free(data);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_filter_function),
	    cmocka_unit_test(test_many_small_messages),
	    cmocka_unit_test(test_big_messages_both_ways),
	    cmocka_unit_test(test_initialize_filtered_in_stream),
	    cmocka_unit_test(test_trace),
	    cmocka_unit_test(test_agent_exits_first),
	    cmocka_unit_test(test_editor_goes_away),
	    cmocka_unit_test(test_line_limit_before_initialize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
