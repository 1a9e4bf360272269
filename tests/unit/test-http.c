/* Unit tests for src/engine/http_unix.c, the HTTP client of the engine's
 * Unix socket: a server thread on a real socket in a temporary directory
 * answers each call as the test scripts it, and keeps the request it got. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "engine/docker_api.h"
#include "engine/http_unix.h"
#include "util/strbuf.h"
#include "util/vec.h"

#define REQUEST(target) "GET " target " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"

struct server {
	char dir[64];
	char path[96];
	int lfd;
	pthread_t thread;
	/* The answer, written piece by piece (NULL-terminated). */
	const char *const *pieces;
	/* Their lengths, when not their strlen (a piece holding a NUL). */
	const size_t *lens;
	/* A pause after each piece, or after each byte when `bytewise`. */
	unsigned pause_us;
	bool bytewise;
	/* Reads the request, then answers nothing until the client leaves. */
	bool silent;
	char request[4096];
	size_t request_len;
};

static void send_piece(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void *serve(void *arg)
{
	struct server *s = arg;
	int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return NULL;
	while (s->request_len < sizeof(s->request) - 1 && !strstr(s->request, "\r\n\r\n")) {
		ssize_t n =
		    read(fd, s->request + s->request_len, sizeof(s->request) - 1 - s->request_len);
		if (n <= 0)
			break;
		s->request_len += (size_t)n;
		s->request[s->request_len] = '\0';
	}
	if (s->silent) {
		char b[64];
		while (read(fd, b, sizeof(b)) > 0)
			;
	}
	for (size_t i = 0; !s->silent && s->pieces[i]; i++) {
		const char *p = s->pieces[i];
		size_t len = s->lens ? s->lens[i] : strlen(p);
		for (size_t off = 0; s->bytewise && off < len; off++) {
			send_piece(fd, p + off, 1);
			usleep(s->pause_us);
		}
		if (!s->bytewise)
			send_piece(fd, p, len);
		if (!s->bytewise && s->pause_us)
			usleep(s->pause_us);
	}
	close(fd);
	return NULL;
}

static void server_start(struct server *s)
{
	strcpy(s->dir, "/tmp/sc-http-XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/sock", s->dir);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, s->path);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->lfd);
	unlink(s->path);
	rmdir(s->dir);
}

/* One GET of `target` answered with `pieces`: the status (or <0), the body
 * into `body`, the request the server got into `request` (when not NULL). */
static int get(struct server s, const char *target, int timeout_ms, struct strbuf *body,
               char *request)
{
	server_start(&s);
	int r = sc_http_unix_get(s.path, target, timeout_ms, body);
	server_stop(&s);
	if (request)
		memcpy(request, s.request, sizeof(s.request));
	return r;
}

static int get_simple(const char *const *pieces, struct strbuf *body)
{
	return get((struct server){.pieces = pieces}, "/x", 2000, body, NULL);
}

static void test_content_length(void **state)
{
	(void)state;
	const char *const answer[] = {"HTTP/1.1 200 OK\r\n"
	                              "Api-Version: 1.45\r\n"
	                              "Content-Type: application/json\r\n"
	                              "content-length:  18 \r\n"
	                              "\r\n"
	                              "{\"Id\": \"sha256:1\"}and what follows is not read",
	                              NULL};
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	char request[4096];
	assert_int_equal(
	    get((struct server){.pieces = answer}, "/images/img/json", 2000, &body, request), 200);
	assert_string_equal(request, REQUEST("/images/img/json"));
	assert_string_equal(strbuf_str(&body), "{\"Id\": \"sha256:1\"}");
	/* No body wanted: the status alone. */
	assert_int_equal(get_simple(answer, NULL), 200);
	/* An empty body. */
	const char *const empty[] = {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", NULL};
	strbuf_reset(&body);
	assert_int_equal(get_simple(empty, &body), 200);
	assert_int_equal(body.len, 0);
}

static void test_chunked(void **state)
{
	(void)state;
	const char *const answer[] = {"HTTP/1.1 200 OK\r\n"
	                              "Transfer-Encoding: Chunked\r\n"
	                              "\r\n"
	                              "4;name=value\r\nWiki\r\n"
	                              "5 ; a=\"b;c\"\r\npedia\r\n"
	                              "e\r\n in\r\n\r\nchunks.\r\n"
	                              "1\r\n!\r\n"
	                              "0\r\n"
	                              "X-Trailer: 1\r\n"
	                              "\r\n",
	                              NULL};
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	assert_int_equal(get_simple(answer, &body), 200);
	assert_string_equal(strbuf_str(&body), "Wikipedia in\r\n\r\nchunks.!");
	/* Each piece apart. */
	const char *const pieces[] = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	                              "3\r\nabc\r\n", "A\r\n0123456789\r\n", "0\r\n\r\n", NULL};
	strbuf_reset(&body);
	assert_int_equal(
	    get((struct server){.pieces = pieces, .pause_us = 5000}, "/x", 2000, &body, NULL), 200);
	assert_string_equal(strbuf_str(&body), "abc0123456789");
}

static void test_not_found(void **state)
{
	(void)state;
	const char *const answer[] = {"HTTP/1.1 404 Not Found\r\n"
	                              "Content-Type: application/json\r\n"
	                              "Content-Length: 41\r\n"
	                              "\r\n"
	                              "{\"message\":\"No such image: nope:latest\"}\n",
	                              NULL};
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	assert_int_equal(get_simple(answer, &body), 404);
	/* A status without a reason. */
	const char *const bare[] = {"HTTP/1.0 500\r\n\r\nboom", NULL};
	strbuf_reset(&body);
	assert_int_equal(get_simple(bare, &body), 500);
	assert_string_equal(strbuf_str(&body), "boom");
}

static char *repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_body_bound(void **state)
{
	(void)state;
	_cleanup_free_ char *max = repeat('a', SC_HTTP_MAX_BODY);
	_cleanup_free_ char *over = repeat('a', SC_HTTP_MAX_BODY + 1);
	_cleanup_free_ char *len_max =
	    xasprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", SC_HTTP_MAX_BODY);
	_cleanup_free_ char *len_over =
	    xasprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", SC_HTTP_MAX_BODY + 1);
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	/* At the bound: taken whole. */
	assert_int_equal(get_simple((const char *const[]){len_max, max, NULL}, &body), 200);
	assert_int_equal(body.len, SC_HTTP_MAX_BODY);
	/* Over it: announced, chunked, or up to the end of the connection. */
	strbuf_reset(&body);
	assert_true(get_simple((const char *const[]){len_over, over, NULL}, &body) < 0);
	assert_true(body.len <= SC_HTTP_MAX_BODY);
	_cleanup_free_ char *chunk = xasprintf("%x\r\n", SC_HTTP_MAX_BODY / 2);
	_cleanup_free_ char *half = repeat('b', SC_HTTP_MAX_BODY / 2);
	strbuf_reset(&body);
	assert_true(get_simple((const char *const[]){"HTTP/1.1 200 OK\r\n"
	                                             "Transfer-Encoding: chunked\r\n\r\n",
	                                             chunk, half, "\r\n", chunk, half, "\r\n",
	                                             "1\r\nb\r\n0\r\n\r\n", NULL},
	                       &body) < 0);
	assert_true(body.len <= SC_HTTP_MAX_BODY);
	strbuf_reset(&body);
	assert_true(
	    get_simple((const char *const[]){"HTTP/1.1 200 OK\r\n\r\n", over, NULL}, &body) < 0);
	assert_true(body.len <= SC_HTTP_MAX_BODY);
	/* A chunk's size too large to be believed. */
	assert_true(get_simple((const char *const[]){"HTTP/1.1 200 OK\r\n"
	                                             "Transfer-Encoding: chunked\r\n\r\n"
	                                             "fffffffffffffffffffff\r\n",
	                                             NULL},
	                       NULL) < 0);
}

static void test_header_bound(void **state)
{
	(void)state;
	/* Headers of more than 64 KiB in all, each line short. */
	_cleanup_strbuf_ struct strbuf head = STRBUF_INIT;
	strbuf_adds(&head, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; head.len <= SC_HTTP_MAX_HEADER; i++)
		strbuf_addf(&head, "X-Filler-%d: %0100d\r\n", i, 0);
	strbuf_adds(&head, "Content-Length: 2\r\n\r\nok");
	assert_true(get_simple((const char *const[]){head.buf, NULL}, NULL) < 0);
	/* One line longer than that, without an end. */
	_cleanup_free_ char *line = repeat('x', SC_HTTP_MAX_HEADER + 10);
	assert_true(get_simple((const char *const[]){"HTTP/1.1 200 OK\r\nX: ", line, NULL}, NULL) <
	            0);
	/* Just under the bound is fine. */
	strbuf_reset(&head);
	strbuf_adds(&head, "HTTP/1.1 200 OK\r\nX: ");
	while (head.len < SC_HTTP_MAX_HEADER - 4)
		strbuf_addc(&head, 'y');
	strbuf_adds(&head, "\r\n\r\n");
	assert_int_equal(head.len, SC_HTTP_MAX_HEADER);
	assert_int_equal(get_simple((const char *const[]){head.buf, NULL}, NULL), 200);
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "garbage\r\n\r\n",
	    "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n",
	    "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 099 Hm\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	    /* A bare LF, a folded or nameless header. */
	    "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
	    "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\n: a\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nX a\r\nContent-Length: 0\r\n\r\n",
	    /* The framing: lengths that are not numbers or disagree, both framings,
	     * an encoding not understood. */
	    "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nab",
	    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nab",
	    "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nab",
	    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2\r\nab\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
	    /* Cut short: in the headers, in the body, in a chunk, before the last. */
	    "HTTP/1.1 200 OK\r\nContent-Len",
	    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n",
	    /* Chunks: no size, a size not hex, data longer than its size. */
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\nab\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
	};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		const char *const answer[] = {bad[i], NULL};
		_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
		int r = get_simple(answer, &body);
		if (r >= 0)
			fail_msg("answer %zu taken (%d): %s", i, r, bad[i]);
	}
}

/* A NUL in a header line, or in the status line. */
static void test_nul_in_header(void **state)
{
	(void)state;
	static const char header[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n";
	static const char status[] = "HTTP/1.1 200 O\0K\r\nContent-Length: 0\r\n\r\n";
	static const char fine[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n\0";
	const char *const pieces[][2] = {{header, NULL}, {status, NULL}, {fine, NULL}};
	const size_t lens[][1] = {{sizeof(header) - 1}, {sizeof(status) - 1}, {sizeof(fine) - 1}};
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	assert_true(get((struct server){.pieces = pieces[0], .lens = lens[0]}, "/x", 2000, &body,
	                NULL) < 0);
	assert_true(get((struct server){.pieces = pieces[1], .lens = lens[1]}, "/x", 2000, &body,
	                NULL) < 0);
	/* In the body, a NUL is data. */
	strbuf_reset(&body);
	assert_int_equal(
	    get((struct server){.pieces = pieces[2], .lens = lens[2]}, "/x", 2000, &body, NULL),
	    200);
	assert_int_equal(body.len, 1);
	assert_int_equal(body.buf[0], '\0');
}

static int64_t elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_timeout(void **state)
{
	(void)state;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char request[4096];
	assert_int_equal(get((struct server){.silent = true}, "/images/x/json", 100, NULL, request),
	                 -ETIMEDOUT);
	int64_t ms = elapsed_ms(&t0);
	assert_true(ms >= 95 && ms < 1000);
	assert_string_equal(request, REQUEST("/images/x/json"));
	/* An answer that stops in the middle, the connection left open: the
	 * whole call is bounded, not each wait. */
	const char *const slow[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: 5\r\n\r\n", "ab", "c",
	                            NULL};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(
	    get((struct server){.pieces = slow, .pause_us = 40000}, "/x", 100, NULL, NULL),
	    -ETIMEDOUT);
	ms = elapsed_ms(&t0);
	assert_true(ms >= 95 && ms < 1000);
}

static void test_split_writes(void **state)
{
	(void)state;
	/* Cut in the middle of everything: the version, a CRLF, a header's name,
	 * its value, the blank line, a chunk's size, its data and its CRLF. */
	const char *const pieces[] = {"HTT",         "P/1.1 2",   "00 OK\r", "\nTransfer-Enc",
	                              "oding: chun", "ked\r\n\r", "\n1",     "0;x=y\r\n0123456789",
	                              "abcdef\r",    "\n0\r\n",   "\r\n",    NULL};
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	assert_int_equal(
	    get((struct server){.pieces = pieces, .pause_us = 3000}, "/x", 2000, &body, NULL), 200);
	assert_string_equal(strbuf_str(&body), "0123456789abcdef");
	/* One byte at a time. */
	const char *const whole[] = {"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
	                             NULL};
	strbuf_reset(&body);
	assert_int_equal(get((struct server){.pieces = whole, .bytewise = true, .pause_us = 200},
	                     "/x", 2000, &body, NULL),
	                 200);
	assert_string_equal(strbuf_str(&body), "hello world");
}

static void test_escape(void **state)
{
	(void)state;
	_cleanup_free_ char *plain = sc_http_escape("AZaz09-._~");
	assert_string_equal(plain, "AZaz09-._~");
	_cleanup_free_ char *e = sc_http_escape("a/b:c@sha256:0f x%+?#&=\xc3\xa9");
	assert_string_equal(e, "a%2Fb%3Ac%40sha256%3A0f%20x%25%2B%3F%23%26%3D%C3%A9");
	_cleanup_free_ char *none = sc_http_escape("");
	assert_string_equal(none, "");
	/* A target that would break the request line is not sent. */
	_cleanup_strbuf_ struct strbuf body = STRBUF_INIT;
	assert_int_equal(sc_http_unix_get("/nonexistent", "/a b", 100, &body), -EINVAL);
	assert_int_equal(sc_http_unix_get("/nonexistent", "/a\r\nX: y", 100, &body), -EINVAL);
	assert_int_equal(sc_http_unix_get("/nonexistent", "a", 100, &body), -EINVAL);
}

/* The engine's calls: the request line the server got, and what the
 * answers mean to the caller. */
static void test_docker_api(void **state)
{
	(void)state;
	const char *const found[] = {
	    "HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n"
	    "{\"Id\":\"sha256:1\",\"Config\":{\"Entrypoint\":[\"/bin/tini\",\"--\"]}}",
	    NULL};
	const char *const missing[] = {"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}",
	                               NULL};
	const char *const broken[] = {"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"Id\":", NULL};
	const char *const odd[] = {"HTTP/1.1 500 Internal Server Error\r\n\r\n", NULL};
	const char *name = "a/b:c@sha256:0123abcd x y";
	const char *want = REQUEST("/images/a%2Fb%3Ac%40sha256%3A0123abcd%20x%20y/json");

	struct server s = {.pieces = found};
	server_start(&s);
	assert_int_equal(sc_docker_api_image_exists(s.path, name), 1);
	server_stop(&s);
	assert_string_equal(s.request, want);

	s = (struct server){.pieces = found};
	server_start(&s);
	_cleanup_strvec_ struct strv ep = STRV_INIT;
	assert_int_equal(sc_docker_api_image_entrypoint(s.path, name, &ep), 0);
	server_stop(&s);
	assert_string_equal(s.request, want);
	assert_int_equal(ep.len, 2);
	assert_string_equal(ep.v[0], "/bin/tini");
	assert_string_equal(ep.v[1], "--");

	s = (struct server){.pieces = missing};
	server_start(&s);
	assert_int_equal(sc_docker_api_image_exists(s.path, "nope"), 0);
	server_stop(&s);
	assert_string_equal(s.request, REQUEST("/images/nope/json"));

	/* Anything else: the caller asks the CLI. */
	const char *const *others[] = {missing, broken, odd};
	for (size_t i = 0; i < N_ELEMENTS(others); i++) {
		s = (struct server){.pieces = others[i]};
		server_start(&s);
		_cleanup_strvec_ struct strv none = STRV_INIT;
		assert_int_equal(sc_docker_api_image_entrypoint(s.path, "img", &none), -1);
		server_stop(&s);
		assert_int_equal(none.len, 0);
	}
	for (size_t i = 1; i < N_ELEMENTS(others); i++) {
		s = (struct server){.pieces = others[i]};
		server_start(&s);
		assert_int_equal(sc_docker_api_image_exists(s.path, "img"), -1);
		server_stop(&s);
	}
	assert_int_equal(sc_docker_api_image_exists(NULL, "img"), -1);
	assert_int_equal(sc_docker_api_image_exists("/nonexistent/docker.sock", "img"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_content_length), cmocka_unit_test(test_chunked),
	    cmocka_unit_test(test_not_found),      cmocka_unit_test(test_body_bound),
	    cmocka_unit_test(test_header_bound),   cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_nul_in_header),  cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_split_writes),   cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_docker_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
