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
#include <sys/stat.h>
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

/* With the filter on, an editor's stream starts with its initialize
 * request; `cat` echoes it and then the "answer" the editor sent next,
 * after which neither direction is parsed. Neither has anything to remove:
 * both pass byte for byte. */
static const char stream_start[] =
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":1}}\n"
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":1}}\n";

static void echo_check(const char *data, size_t len, size_t chunk, bool strip)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	if (strip)
		strbuf_adds(&in, stream_start);
	strbuf_add(&in, data, len);
	struct harness h;
	start(&h, cat_argv, strip, -1);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	assert_int_equal(exchange(&h, in.buf, in.len, chunk, &got), 0);
	assert_int_equal(got.len, in.len);
	assert_memory_equal(got.buf, in.buf, in.len);
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
/* No terminal, no fs, no terminal-auth: the agent reads and writes the
 * project itself, in its container. */
static const char init_filtered[] =
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":1,"
    "\"clientCapabilities\":{"
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

	/* `terminal` false is removed too: absent means the same; so is `fs`
	 * of any form. */
	const char *f = "{\"id\":1,\"method\":\"initialize\",\"params\":{\"clientCapabilities\":"
	                "{\"terminal\":false,\"fs\":{\"readTextFile\":false}}}}";
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
	/* Valid JSON the filter does not fully understand (capabilities that
	 * are not an object) is not an initialize it could check: refused. */
	const char *odd =
	    "{\"id\":0,\"method\":\"initialize\",\"params\":{\"clientCapabilities\":[1]}}";
	sc_relay_filter_initialize(odd, strlen(odd), &init, &out);
	assert_false(init);
	assert_null(out);
	/* A CR inside the line (a reader splitting at CR would see two
	 * messages): the line passes re-encoded, as one. */
	const char *cr = "{\"id\":0,\r\"method\":\"initialize\"}";
	sc_relay_filter_initialize(cr, strlen(cr), &init, &out);
	assert_true(init);
	assert_null(out); /* nothing removed */
	struct sc_relay_verdict v;
	sc_relay_check_initialize(cr, strlen(cr), &v);
	assert_true(v.ok);
	assert_string_equal(v.out, "{\"id\":0,\"method\":\"initialize\"}");
	assert_string_equal(v.id, "0");
	sc_relay_verdict_release(&v);
}

/* One bad first message: the relay ends with an error (the child's exit
 * 3), the editor gets one JSON-RPC error answer with the request's id
 * (`want_id`, JSON) and the agent gets nothing at all. */
static void refused_check(const char *data, size_t len, const char *want_id)
{
	char path[] = "/tmp/sandcage-test-agent-in-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	char *const argv[] = {"sh", "-c", "cat >\"$0\"", path, NULL};
	struct harness h;
	start(&h, argv, true, -1);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	assert_int_equal(exchange(&h, data, len, 1 << 16, &got), 3);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	unlink(path);
	assert_int_equal(st.st_size, 0);
	assert_true(got.len > 0 && got.buf[got.len - 1] == '\n');
	assert_null(memchr(got.buf, '\n', got.len - 1)); /* one line */
	json_error_t jerr;
	json_t *ans = json_loadb(got.buf, got.len, 0, &jerr);
	assert_non_null(ans);
	assert_string_equal(json_string_value(json_object_get(ans, "jsonrpc")), "2.0");
	_cleanup_free_ char *id =
	    json_dumps(json_object_get(ans, "id"), JSON_COMPACT | JSON_ENCODE_ANY);
	assert_string_equal(id, want_id);
	json_t *e = json_object_get(ans, "error");
	assert_int_equal(json_integer_value(json_object_get(e, "code")), -32600);
	assert_non_null(strstr(json_string_value(json_object_get(e, "message")), "initialize"));
	json_decref(ans);
}

static void test_first_message_refused(void **state)
{
	static const struct {
		const char *line;
		const char *id;
	} cases[] = {
	    {"garbage\n", "null"},
	    {"not json \"initialize\" {\n", "null"},
	    /* two objects on one line */
	    {"{\"id\":0,\"method\":\"initialize\"}{\"id\":1,\"method\":\"x\"}\n", "null"},
	    {"{\"id\":0,\"method\":\"initialize\"} {\"id\":1}\n", "null"},
	    {"[{\"id\":0,\"method\":\"initialize\"}]\n", "null"},
	    {"\"initialize\"\n", "null"},
	    {"{\"id\":4}\n", "4"},
	    {"{\"id\":\"a\",\"result\":\"initialize\"}\n", "\"a\""},
	    {"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"session/new\",\"params\":{}}\n", "3"},
	    {"{\"jsonrpc\":\"2.0\",\"method\":\"_zed/hello\",\"params\":{\"terminal\":true}}\n",
	     "null"},
	    {"{\"id\":5,\"method\":\"Initialize\"}\n", "5"},
	    {"{\"id\":6,\"method\":[\"initialize\"]}\n", "6"},
	    /* a notification, an id the answer cannot carry */
	    {"{\"method\":\"initialize\",\"params\":{}}\n", "null"},
	    {"{\"id\":1.5,\"method\":\"initialize\"}\n", "null"},
	    {"{\"id\":{\"x\":1},\"method\":\"initialize\"}\n", "null"},
	    /* invalid UTF-8, an escaped NUL */
	    {"{\"id\":7,\"method\":\"initialize\",\"params\":{\"x\":\"\xff\xfe\"}}\n", "null"},
	    {"{\"id\":7,\"method\":\"initialize\",\"params\":{\"x\":\"\xc3\"}}\n", "null"},
	    {"{\"id\":8,\"method\":\"initialize\",\"params\":{\"x\":\"\\u0000\"}}\n", "null"},
	    /* a key twice: another parser could take the other one */
	    {"{\"id\":9,\"method\":\"initialize\",\"params\":{\"clientCapabilities\":"
	     "{\"terminal\":false,\"terminal\":true}}}\n",
	     "null"},
	    {"{\"id\":9,\"method\":\"initialize\",\"method\":\"initialize\"}\n", "null"},
	    /* structures the filter cannot look into */
	    {"{\"id\":10,\"method\":\"initialize\",\"params\":[1]}\n", "10"},
	    {"{\"id\":11,\"method\":\"initialize\",\"params\":{\"clientCapabilities\":true}}\n",
	     "11"},
	    {"{\"id\":12,\"method\":\"initialize\",\"params\":{\"clientCapabilities\":"
	     "{\"_meta\":[\"terminal-auth\"]}}}\n",
	     "12"},
	    /* a last line without newline is a message too */
	    {"{\"id\":13,\"method\":\"session/new\"}", "13"},
	    /* blank lines first change nothing */
	    {"\n  \r\n{\"id\":14,\"method\":\"session/new\"}\n", "14"},
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++)
		refused_check(cases[i].line, strlen(cases[i].line), cases[i].id);
	/* A raw NUL byte in the line. */
	static const char nul[] = "{\"id\":15,\"method\":\"initialize\"\0}\n";
	refused_check(nul, sizeof(nul) - 1, "null");
	/* A first line over the limit: refused without waiting for its end. */
	size_t n = SC_RELAY_MAX_LINE + 1024;
	char *data = xmalloc(n);
	static const char head[] = "{\"id\":16,\"method\":\"initialize\",\"params\":{\"x\":\"";
	memcpy(data, head, strlen(head));
	memset(data + strlen(head), 'x', n - strlen(head));
	refused_check(data, n, "null");
	free(data);
}

static void test_first_message_accepted(void **state)
{
	/* No message at all: the agent sees the EOF. */
	echo_check("", 0, 1, true);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	struct harness h;
	start(&h, cat_argv, true, -1);
	assert_int_equal(exchange(&h, "\n\n", 2, 1, &got), 0);
	assert_string_equal(strbuf_str(&got), "\n\n");
	/* An initialize request without newline at the end of the input. */
	strbuf_reset(&got);
	start(&h, cat_argv, true, -1);
	assert_int_equal(exchange(&h, init_line, strlen(init_line), 7, &got), 0);
	assert_string_equal(strbuf_str(&got), init_filtered);
	/* A string id. */
	const char *s = "{\"id\":\"x-1\",\"method\":\"initialize\"}\n";
	strbuf_reset(&got);
	start(&h, cat_argv, true, -1);
	assert_int_equal(exchange(&h, s, strlen(s), 4096, &got), 0);
	assert_string_equal(strbuf_str(&got), s);
}

static void test_agent_line_filter(void **state)
{
	struct sc_relay_agent_verdict v;
	/* A terminal method keeps its args (for the agent, after `sandcage acp
	 * run AGENT`), loses its env; the legacy terminal-auth command goes. */
	const char *ans =
	    "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":1,\"authMethods\":["
	    "{\"id\":\"t\",\"name\":\"Login\",\"type\":\"terminal\",\"args\":[\"--login\"],"
	    "\"env\":{\"LD_PRELOAD\":\"/home/sandcage/x.so\"}},"
	    "{\"id\":\"z\",\"name\":\"Zed\",\"_meta\":{\"terminal-auth\":{\"command\":"
	    "\"/home/sandcage/evil\",\"args\":[],\"label\":\"x\"},\"other\":1}},"
	    "7,"
	    "{\"id\":\"a\",\"name\":\"API key\",\"_meta\":\"x\"}]}}";
	sc_relay_filter_agent_line(ans, strlen(ans), "0", &v);
	assert_false(v.drop);
	assert_true(v.is_answer);
	assert_string_equal(
	    v.out,
	    "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":1,\"authMethods\":["
	    "{\"id\":\"t\",\"name\":\"Login\",\"type\":\"terminal\",\"args\":[\"--login\"]},"
	    "{\"id\":\"z\",\"name\":\"Zed\",\"_meta\":{\"other\":1}},"
	    "{\"id\":\"a\",\"name\":\"API key\"}]}}");
	free(v.out);
	/* Another id (0.0 is not 0 to the filter, maybe to the editor): still
	 * filtered, but not the answer. */
	const char *fake = "{\"id\":0.0,\"result\":{\"authMethods\":{\"x\":1}}}";
	sc_relay_filter_agent_line(fake, strlen(fake), "0", &v);
	assert_false(v.is_answer);
	assert_string_equal(v.out, "{\"id\":0.0,\"result\":{}}");
	free(v.out);
	/* Before the initialize request passed, nothing is the answer. */
	const char *err = "{\"id\":0,\"error\":{\"code\":1,\"message\":\"no\"}}";
	sc_relay_filter_agent_line(err, strlen(err), NULL, &v);
	assert_false(v.is_answer);
	assert_null(v.out);
	sc_relay_filter_agent_line(err, strlen(err), "0", &v);
	assert_true(v.is_answer);
	assert_null(v.out);
	/* A request from the agent with the same id is not the answer; this
	 * one is refused, even before the answer. */
	const char *req = "{\"id\":0,\"method\":\"fs/read_text_file\",\"result\":{}}";
	sc_relay_filter_agent_line(req, strlen(req), "0", &v);
	assert_false(v.is_answer);
	assert_true(v.drop);
	assert_int_equal(v.refused, 1);
	assert_string_equal(v.method, "fs/read_text_file");
	assert_non_null(strstr(v.reply, "\"id\":0,\"error\":{\"code\":-32601,"));
	sc_relay_agent_verdict_release(&v);
	/* What another parser could read otherwise, or a batch: left out. */
	static const char *const drop[] = {
	    "[1]",
	    "{\"id\":0,\"result\":{},\"result\":{\"authMethods\":[]}}",
	    "{\"id\":0,\"result\":\"\xff\"}",
	    "{} {}",
	    " \t{\"id\":0,\"result\":{\"authMethods\":[],\"x\":\"\\u0000\"}}",
	    "\xef\xbb\xbf{\"id\":0,\"result\":{\"authMethods\":[{\"env\":{}}]}}",
	    "{\"id\":0,\"result\":{}",
	};
	for (size_t i = 0; i < N_ELEMENTS(drop); i++) {
		sc_relay_filter_agent_line(drop[i], strlen(drop[i]), "0", &v);
		assert_true(v.drop);
		assert_false(v.is_answer);
		assert_null(v.out);
	}
	/* No message to any parser: a stray log line passes as it is. */
	static const char *const pass[] = {"  ", "y", "npm WARN {\"id\":0}", "\"string\"", "42"};
	for (size_t i = 0; i < N_ELEMENTS(pass); i++) {
		sc_relay_filter_agent_line(pass[i], strlen(pass[i]), "0", &v);
		assert_false(v.drop);
		assert_false(v.is_answer);
		assert_null(v.out);
	}
}

static void test_agent_filtered_in_stream(void **state)
{
	/* An agent that writes a log line, a line that is no strict JSON, an
	 * answer with a terminal method, then anything: the log line passes,
	 * the other is left out, the answer filtered, the rest passes byte for
	 * byte. */
	char *const argv[] = {
	    "sh", "-c",
	    "read -r line; echo 'not json'; echo '{\"id\":0,\"id\":1}'; "
	    "printf '%s\\n' '{\"id\":0,\"result\":{\"authMethods\":[{\"id\":\"t\",\"type\":"
	    "\"terminal\",\"env\":{\"PATH\":\"/tmp\"}}]}}'; echo 'after: not json'",
	    NULL};
	struct harness h;
	start(&h, argv, true, -1);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	const char *in = "{\"id\":0,\"method\":\"initialize\"}\n";
	assert_int_equal(exchange(&h, in, strlen(in), 4096, &got), 0);
	assert_string_equal(
	    strbuf_str(&got),
	    "not json\n{\"id\":0,\"result\":{\"authMethods\":[{\"id\":\"t\",\"type\":"
	    "\"terminal\"}]}}\nafter: not json\n");
	/* With the filter off (--keep-terminal) everything passes. */
	strbuf_reset(&got);
	start(&h, argv, false, -1);
	assert_int_equal(exchange(&h, in, strlen(in), 4096, &got), 0);
	assert_non_null(strstr(got.buf, "not json\n{\"id\":0,\"id\":1}\n{"));
	assert_non_null(strstr(got.buf, "\"PATH\""));
}

static void test_initialize_filtered_in_stream(void **state)
{
	_cleanup_strbuf_ struct strbuf in = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf want = STRBUF_INIT;
	/* (A message before initialize is refused: test_first_message_refused.) */
	strbuf_addf(&in, "%s\r\n", init_line);
	strbuf_addf(&want, "%s\r\n", init_filtered);
	/* `cat` echoes this "answer" to the agent filter, which removes its
	 * env and stops parsing. */
	strbuf_adds(&in, "{\"id\":0,\"result\":{\"authMethods\":[{\"id\":\"t\",\"env\":{}}]}}\n");
	strbuf_adds(&want, "{\"id\":0,\"result\":{\"authMethods\":[{\"id\":\"t\"}]}}\n");
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
	struct harness h;
	start(&h, cat_argv, false, -1);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	assert_int_equal(exchange(&h, in.buf, in.len, 4096, &got), 0);
	assert_string_equal(strbuf_str(&got), in.buf);
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

/* ---- the agent's terminal/ and fs/ requests ---- */

/* One line through the guard (after the answer to initialize): whether it
 * is left out, the ids of the error answers (JSON, one line of them: a
 * JSON array for a batch), the line passed instead. */
static void guard_check(const char *line, bool drop, const char *reply_ids, const char *out)
{
	struct sc_relay_agent_verdict v;
	sc_relay_guard_agent_line(line, strlen(line), &v);
	print_message("%s\n", line);
	assert_int_equal(v.drop, drop);
	if (out)
		assert_string_equal(v.out, out);
	else
		assert_null(v.out);
	if (!reply_ids) {
		assert_null(v.reply);
	} else {
		json_t *r = json_loads(v.reply, 0, NULL);
		assert_non_null(r);
		_cleanup_strbuf_ struct strbuf ids = STRBUF_INIT;
		bool batch = json_is_array(r);
		json_t *one = batch ? json_incref(r) : json_pack("[O]", r);
		size_t i;
		json_t *e;
		json_array_foreach(one, i, e)
		{
			assert_string_equal(json_string_value(json_object_get(e, "jsonrpc")),
			                    "2.0");
			json_t *err = json_object_get(e, "error");
			assert_int_equal(json_integer_value(json_object_get(err, "code")), -32601);
			assert_non_null(strstr(json_string_value(json_object_get(err, "message")),
			                       "refused by sandcage"));
			_cleanup_free_ char *id =
			    json_dumps(json_object_get(e, "id"), JSON_COMPACT | JSON_ENCODE_ANY);
			strbuf_addf(&ids, "%s%s", i ? "," : "", id);
		}
		assert_string_equal(strbuf_str(&ids), reply_ids);
		json_decref(one);
		json_decref(r);
	}
	sc_relay_agent_verdict_release(&v);
}

static void test_agent_guard_function(void **state)
{
	/* Every terminal/ and fs/ method: requests answered, left out. */
	guard_check("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"terminal/create\",\"params\":"
	            "{\"sessionId\":\"s\",\"command\":\"sh\",\"args\":[\"-c\",\"id\"]}}",
	            true, "7", NULL);
	guard_check(
	    "{\"jsonrpc\":\"2.0\",\"id\":\"r8\",\"method\":\"fs/read_text_file\",\"params\":"
	    "{\"sessionId\":\"s\",\"path\":\"/home/u/.ssh/id_ed25519\"}}",
	    true, "\"r8\"", NULL);
	static const char *const methods[] = {"terminal/output", "terminal/wait_for_exit",
	                                      "terminal/kill", "terminal/release",
	                                      "fs/write_text_file"};
	for (size_t i = 0; i < N_ELEMENTS(methods); i++) {
		_cleanup_free_ char *req =
		    xasprintf("{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"%s\"}", i, methods[i]);
		_cleanup_free_ char *id = xasprintf("%zu", i);
		guard_check(req, true, id, NULL);
		/* A notification: left out, nothing to answer. */
		_cleanup_free_ char *note =
		    xasprintf("{\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":{}}", methods[i]);
		guard_check(note, true, NULL, NULL);
	}
	/* Blanks, another key order, escapes, another case, a CR between
	 * tokens, a byte order mark, an id of null. */
	guard_check(" { \"params\" : { } ,\t\"id\" : 11 , \"method\" : \"terminal/kill\" } ", true,
	            "11", NULL);
	guard_check("{\"id\":12,\"method\":\"\\u0074erminal\\/release\"}", true, "12", NULL);
	guard_check("{\"id\":13,\"method\":\"Terminal/Create\"}", true, "13", NULL);
	guard_check("{\"id\":14,\r\"method\":\"fs/read_text_file\"}", true, "14", NULL);
	guard_check("\xef\xbb\xbf{\"id\":15,\"method\":\"fs/read_text_file\"}", true, "15", NULL);
	guard_check("{\"id\":null,\"method\":\"fs/read_text_file\"}", true, "null", NULL);
	/* Another key "method" but for case (a decoder ignoring case takes
	 * either): refused, whichever comes first; an "ID" is the id then. */
	guard_check("{\"ID\":16,\"Method\":\"terminal/create\",\"method\":\"session/update\"}",
	            true, "16", NULL);
	guard_check("{\"method\":\"session/update\",\"METHOD\":\"fs/read_text_file\"}", true, NULL,
	            NULL);
	/* What another parser could read otherwise: a key twice, a lone
	 * surrogate, two values, invalid UTF-8, a NUL, JSON5; left out, with
	 * no id to answer. */
	static const char *const ambiguous[] = {
	    "{\"id\":20,\"method\":\"session/update\",\"method\":\"terminal/create\"}",
	    "{\"id\":21,\"method\":\"terminal/create\",\"x\":\"\\ud800\"}",
	    "{\"id\":22,\"method\":\"session/update\"}{\"id\":23,\"method\":\"fs/read_text_file\"}",
	    "{\"jsonrpc\":\"2.0\",\"method\":\"_x\"}\r{\"id\":24,\"method\":\"terminal/create\"}",
	    "{\"id\":25,\"method\":\"terminal/create\",\"x\":\"\xff\"}",
	    "{\"id\":26,\"method\":\"fs/read_text_file\",\"x\":\"\\u0000\"}",
	    "{id:27,method:'terminal\\x2fcreate'}",
	    "{\"id\":28,\"method\":\"terminal\\u002Fcreate\",}",
	    "{\"id\":29,\"method\":\"fs/read_text_file\"",
	    "\"method\":\"terminal/create\"}",
	    /* a value alone that names one: the end of a request to a decoder
	     * that reads across lines */
	    "\"terminal/create\"",
	    /* a log line that names one: no parser reads a message in it, but
	     * the line has no business there */
	    "npm WARN fs/read_text_file",
	};
	for (size_t i = 0; i < N_ELEMENTS(ambiguous); i++)
		guard_check(ambiguous[i], true, NULL, NULL);
	/* A batch: the forbidden members go (answered as a batch), the
	 * others pass; all of them forbidden: nothing passes. */
	guard_check(
	    "[{\"jsonrpc\":\"2.0\",\"id\":30,\"method\":\"fs/write_text_file\",\"params\":"
	    "{\"path\":\"/home/u/.bashrc\",\"content\":\"x\"}},"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{}},"
	    "{\"method\":\"terminal/output\"},{\"id\":\"b\",\"method\":\"terminal/create\"},3]",
	    false, "30,\"b\"",
	    "[{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{}},3]");
	guard_check("[{\"id\":31,\"method\":\"terminal/create\"}]", true, "31", NULL);
	guard_check("[{\"method\":\"terminal/create\"}]", true, NULL, NULL);
	/* What ACP agents send pass byte for byte, naming fs/ or not; so do
	 * answers, log lines, lines no parser reads a message in. */
	static const char *const pass[] = {
	    "{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{\"sessionId\":\"s\","
	    "\"update\":{\"sessionUpdate\":\"agent_message_chunk\",\"content\":{\"type\":\"text\","
	    "\"text\":\"see src/fs/ and the terminal/ folder\"}}}}",
	    "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"session/request_permission\",\"params\":"
	    "{\"sessionId\":\"s\",\"toolCall\":{\"toolCallId\":\"c\",\"title\":\"edit fs/x\"},"
	    "\"options\":[{\"optionId\":\"a\",\"name\":\"Allow\",\"kind\":\"allow_once\"}]}}",
	    "{ \"jsonrpc\" : \"2.0\", \"id\" : 2, \"result\" : { \"stopReason\" : \"end_turn\" } }",
	    "{\"id\":3,\"result\":{\"method\":\"terminal/create\"}}",
	    "{\"id\":4,\"method\":[\"terminal/create\"]}",
	    "{\"id\":5,\"method\":\"_zed/terminal\"}",
	    "not json",
	    "{\"id\":6,",
	    "{\"id\":6,\"x\":\"\\ud800\"}",
	    "",
	    "  ",
	};
	for (size_t i = 0; i < N_ELEMENTS(pass); i++)
		guard_check(pass[i], false, NULL, NULL);
	/* A CR in a line that names one is not passed as it is, behind a byte
	 * order mark neither. */
	guard_check("{\"id\":8,\r\"result\":\"fs/\"}", false, NULL,
	            "{\"id\":8,\"result\":\"fs/\"}");
	guard_check("\xef\xbb\xbf{\"method\":\"_x\",\"params\":\r{\"id\":1,\"method\":\"fs/x\"}}",
	            false, NULL, "{\"method\":\"_x\",\"params\":{\"id\":1,\"method\":\"fs/x\"}}");
	guard_check("\xef\xbb\xbf{\"id\":8,\"result\":\"fs/\"}", false, NULL, NULL);
}

/* Like exchange(), for an agent that talks back: writes `first`, reads
 * until `marker` came back, then writes `second` and ends the input. */
static int converse(struct harness *h, const char *first, const char *marker, const char *second,
                    struct strbuf *got)
{
	fcntl(h->to_relay, F_SETFL, 0);
	assert_int_equal(fs_write_all(h->to_relay, first, strlen(first)), 0);
	bool sent = false;
	for (;;) {
		if (!sent && strstr(strbuf_str(got), marker)) {
			assert_int_equal(fs_write_all(h->to_relay, second, strlen(second)), 0);
			close(h->to_relay);
			sent = true;
		}
		struct pollfd p = {h->from_relay, POLLIN, 0};
		assert_true(poll(&p, 1, 30000) > 0); /* no progress for 30 s */
		char buf[65536];
		ssize_t r = read(h->from_relay, buf, sizeof(buf));
		if (r == 0)
			break;
		if (r > 0)
			strbuf_add(got, buf, (size_t)r);
	}
	if (!sent)
		close(h->to_relay);
	close(h->from_relay);
	int status;
	assert_int_equal(waitpid(h->relay, &status, 0), h->relay);
	waitpid(h->agent, NULL, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* An agent (sh) that reads the initialize request, writes `script`'s
 * output, then everything it reads into a file; returns that file's path. */
static char *start_talker(struct harness *h, const char *script, bool strip, int trace_fd)
{
	char *path = xstrdup("/tmp/sandcage-test-agent-in-XXXXXX");
	int fd = mkostemp(path, O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	_cleanup_free_ char *sh = xasprintf("read -r l; %s; cat >\"$0\"", script);
	char *const argv[] = {"sh", "-c", sh, path, NULL};
	start(h, argv, strip, trace_fd);
	return path;
}

__attribute__((noinline)) static char *slurp(char *path)
{
	char *text = NULL;
	assert_int_equal(fs_read_file(path, &text, NULL, NULL), 0);
	unlink(path);
	free(path);
	return text;
}

static const char refused_script[] =
    "printf '%s\\n' '{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":1}}' "
    "'{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"terminal/create\",\"params\":{\"sessionId\":"
    "\"s\",\"command\":\"touch\",\"args\":[\"/tmp/pwned\"]}}' "
    "'{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"fs/read_text_file\",\"params\":{\"sessionId\":"
    "\"s\",\"path\":\"/etc/passwd\"}}' "
    "'{\"jsonrpc\":\"2.0\",\"method\":\"terminal/output\",\"params\":{}}' "
    "'{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{\"text\":\"fs/ x\"}}' "
    "'{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"session/request_permission\",\"params\":{}}' "
    "'[{\"id\":10,\"method\":\"fs/write_text_file\"},{\"method\":\"_y\"}]'; "
    /* a request cut in two writes */
    "printf '{\"jsonrpc\":\"2.0\",\"id\":11,\"meth'; sleep 0.3; "
    "printf 'od\":\"terminal/create\"}\\n{\"jsonrpc\":\"2.0\",\"method\":\"_done\"}\\n'";

static const char refused_editor_sees[] =
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":1}}\n"
    "{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{\"text\":\"fs/ x\"}}\n"
    "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"session/request_permission\",\"params\":{}}\n"
    "[{\"method\":\"_y\"}]\n"
    "{\"jsonrpc\":\"2.0\",\"method\":\"_done\"}\n";

/* The id and code of each answer line of `text`, "ID:CODE ...". */
static char *answers(const char *text)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		json_t *m = json_loadb(p, (size_t)(nl - p), 0, NULL);
		assert_non_null(m);
		json_t *one = json_is_array(m) ? json_array_get(m, 0) : m;
		_cleanup_free_ char *id =
		    json_dumps(json_object_get(one, "id"), JSON_COMPACT | JSON_ENCODE_ANY);
		json_t *code = json_object_get(json_object_get(one, "error"), "code");
		strbuf_addf(&sb, "%s%s%s:%lld", sb.len ? " " : "", json_is_array(m) ? "[" : "", id,
		            code ? (long long)json_integer_value(code) : 0);
		json_decref(m);
		p = nl + 1;
	}
	return xstrdup(strbuf_str(&sb));
}

static void test_agent_refused_in_stream(void **state)
{
	struct harness h;
	char trace_path[] = "/tmp/sandcage-test-trace-XXXXXX";
	int fd = mkostemp(trace_path, O_CLOEXEC | O_APPEND);
	assert_true(fd >= 0);
	char *path = start_talker(&h, refused_script, true, fd);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf first = STRBUF_INIT;
	strbuf_addf(&first, "%s\n", init_line);
	const char *next = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session/new\"}\n";
	assert_int_equal(converse(&h, first.buf, "_done", next, &got), 0);
	/* The editor got none of the requests; the agent got an error answer
	 * for each, then the editor's next message. */
	assert_string_equal(strbuf_str(&got), refused_editor_sees);
	_cleanup_free_ char *agent_got = slurp(path);
	const char *tail = strstr(agent_got, next);
	assert_non_null(tail);
	assert_string_equal(tail, next);
	_cleanup_free_ char *head = xstrndup(agent_got, (size_t)(tail - agent_got));
	_cleanup_free_ char *ids = answers(head);
	assert_string_equal(ids, "7:-32601 8:-32601 [10:-32601 11:-32601");
	/* The trace has the answers, as sandcage's, and none of the requests
	 * as passed to the editor. */
	close(fd);
	_cleanup_free_ char *trace = NULL;
	assert_int_equal(fs_read_file(trace_path, &trace, NULL, NULL), 0);
	unlink(trace_path);
	assert_non_null(strstr(trace, "Z sandcage->agent {\"jsonrpc\":\"2.0\",\"id\":7,\"error\""));
	assert_null(strstr(trace, "agent->editor {\"jsonrpc\":\"2.0\",\"id\":7"));
	assert_null(strstr(trace, "terminal/create\"}"));

	/* With the filter off, all of it reaches the editor and the agent gets
	 * nothing but the editor's messages. */
	strbuf_reset(&got);
	path = start_talker(&h, refused_script, false, -1);
	assert_int_equal(converse(&h, first.buf, "_done", next, &got), 0);
	assert_non_null(strstr(strbuf_str(&got), "\"id\":7,\"method\":\"terminal/create\""));
	assert_non_null(strstr(strbuf_str(&got), "\"method\":\"fs/read_text_file\""));
	assert_non_null(strstr(strbuf_str(&got), "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":"));
	_cleanup_free_ char *plain = slurp(path);
	assert_string_equal(plain, next);
}

static void test_agent_answer_waits_for_line_end(void **state)
{
	/* The editor's stream is in the middle of a line when the agent's
	 * request comes: the answer goes in after that line's end, whole. */
	struct harness h;
	char *path = start_talker(
	    &h,
	    "printf '%s\\n' '{\"id\":0,\"result\":{}}' '{\"id\":7,\"method\":\"terminal/create\"}' "
	    "'{\"method\":\"_done\"}'",
	    true, -1);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf first = STRBUF_INIT;
	strbuf_addf(&first, "%s\n{\"jsonrpc\":\"2.0\",\"method\":\"_x\",\"params\":", init_line);
	assert_int_equal(converse(&h, first.buf, "_done", "1}\n", &got), 0);
	assert_string_equal(strbuf_str(&got), "{\"id\":0,\"result\":{}}\n{\"method\":\"_done\"}\n");
	_cleanup_free_ char *agent_got = slurp(path);
	const char *want = "{\"jsonrpc\":\"2.0\",\"method\":\"_x\",\"params\":1}\n";
	assert_memory_equal(agent_got, want, strlen(want));
	_cleanup_free_ char *ids = answers(agent_got + strlen(want));
	assert_string_equal(ids, "7:-32601");
}

static void test_agent_line_limit(void **state)
{
	/* With the filter on, each of the agent's lines is read whole: one
	 * over the limit ends the relay (none of it passed), after the answer
	 * to initialize too. */
	char *const argv[] = {"sh", "-c",
	                      "read -r l; echo '{\"id\":0,\"result\":{}}'; "
	                      "head -c 70000000 /dev/zero | tr '\\0' a; cat >/dev/null",
	                      NULL};
	struct harness h;
	start(&h, argv, true, -1);
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf first = STRBUF_INIT;
	strbuf_addf(&first, "%s\n", init_line);
	assert_int_equal(converse(&h, first.buf, "\n", "", &got), 3);
	assert_string_equal(strbuf_str(&got), "{\"id\":0,\"result\":{}}\n");
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
	    cmocka_unit_test(test_first_message_refused),
	    cmocka_unit_test(test_first_message_accepted),
	    cmocka_unit_test(test_agent_line_filter),
	    cmocka_unit_test(test_agent_filtered_in_stream),
	    cmocka_unit_test(test_agent_guard_function),
	    cmocka_unit_test(test_agent_refused_in_stream),
	    cmocka_unit_test(test_agent_answer_waits_for_line_end),
	    cmocka_unit_test(test_agent_line_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
