#include "http_unix.h"

#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

/* The longest line of a chunk's size (its extensions included). */
#define MAX_CHUNK_LINE 4096

/* One connection: what it received and was not consumed yet is
 * in.buf[pos..in.len). */
struct conn {
	int fd;
	int64_t deadline_ms;
	struct strbuf in;
	size_t pos;
};

static void conn_release(struct conn *c)
{
	cleanup_closep(&c->fd);
	strbuf_release(&c->in);
}

/* The body as it is taken: counted against the bound, kept when wanted. */
struct body {
	struct strbuf *out;
	size_t len;
};

struct head {
	int status;
	bool chunked;
	bool has_length;
	uint64_t length;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_unreserved(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' ||
	       c == '.' || c == '_' || c == '~';
}

/* A character of a header's name (RFC 9110's tchar). */
static bool is_tchar(char c)
{
	return is_unreserved(c) || (c && strchr("!#$%&'*+^`|", c));
}

char *sc_http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct strbuf sb = STRBUF_INIT;
	for (; *s; s++) {
		if (is_unreserved(*s)) {
			strbuf_addc(&sb, *s);
		} else {
			unsigned char b = (unsigned char)*s;
			char e[3] = {'%', hex[b >> 4], hex[b & 15]};
			strbuf_add(&sb, e, sizeof(e));
		}
	}
	return strbuf_steal(&sb);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on the socket until the deadline: 0, -ETIMEDOUT or
 * -errno. An error or a hang-up counts as ready: the next call tells. */
static int wait_fd(struct conn *c, short events)
{
	for (;;) {
		int64_t left = c->deadline_ms - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {.fd = c->fd, .events = events};
		int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		return 0;
	}
}

static int connect_unix(struct conn *c, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;
	/* EAGAIN: the engine's backlog is full; the CLI will wait for it. */
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	int r = wait_fd(c, POLLOUT);
	if (r < 0)
		return r;
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

static int send_all(struct conn *c, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = wait_fd(c, POLLOUT);
			if (r < 0)
				return r;
			continue;
		}
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receives what comes next, after dropping what was consumed: the number
 * of bytes, 0 at the end of the connection, or <0. */
static ssize_t fill(struct conn *c)
{
	if (c->pos > 0) {
		size_t rest = c->in.len - c->pos;
		memmove(c->in.buf, c->in.buf + c->pos, rest);
		strbuf_truncate(&c->in, rest);
		c->pos = 0;
	}
	strbuf_grow(&c->in, 16384);
	for (;;) {
		ssize_t n = recv(c->fd, c->in.buf + c->in.len, c->in.cap - c->in.len - 1, 0);
		if (n >= 0) {
			c->in.len += (size_t)n;
			c->in.buf[c->in.len] = '\0';
			return n;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		int r = wait_fd(c, POLLIN);
		if (r < 0)
			return r;
	}
}

/* The next line, at most `max` bytes with its CRLF, consumed: *line points
 * into the buffer (NUL-terminated instead of its CRLF) until the next read,
 * *len is its length without the CRLF. A line ending in a bare LF, holding a
 * NUL or cut by the end of the connection is not HTTP. */
static int read_line(struct conn *c, size_t max, char **line, size_t *len)
{
	size_t scanned = 0;
	for (;;) {
		char *start = c->in.buf ? c->in.buf + c->pos : NULL;
		size_t avail = c->in.len - c->pos;
		char *lf = avail > scanned ? memchr(start + scanned, '\n', avail - scanned) : NULL;
		if (lf) {
			size_t n = (size_t)(lf - start) + 1;
			if (n > max)
				return -EMSGSIZE;
			if (n < 2 || lf[-1] != '\r' || memchr(start, '\0', n))
				return -EBADMSG;
			lf[-1] = '\0';
			c->pos += n;
			*line = start;
			*len = n - 2;
			return 0;
		}
		if (avail >= max)
			return -EMSGSIZE;
		scanned = avail;
		ssize_t r = fill(c);
		if (r < 0)
			return (int)r;
		if (r == 0)
			return -EBADMSG;
	}
}

/* "HTTP/1.x NNN reason": NNN, or <0. An interim answer (1xx) is not
 * expected of the engine, and not followed. */
static int parse_status(const char *line)
{
	if (strncmp(line, "HTTP/1.", 7) != 0 || !is_digit(line[7]) || line[8] != ' ')
		return -EBADMSG;
	const char *s = line + 9;
	if (!is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || (s[3] != ' ' && s[3] != '\0'))
		return -EBADMSG;
	int status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	return status >= 200 && status <= 599 ? status : -EBADMSG;
}

static bool value_is(const char *v, size_t len, const char *want)
{
	return len == strlen(want) && strncasecmp(v, want, len) == 0;
}

/* One header line; only the framing ones matter here. */
static int parse_header(const char *line, struct head *h)
{
	const char *colon = strchr(line, ':');
	if (!colon || colon == line)
		return -EBADMSG;
	/* Also refuses a folded line (one that starts with a space). */
	for (const char *p = line; p < colon; p++)
		if (!is_tchar(*p))
			return -EBADMSG;
	size_t nlen = (size_t)(colon - line);
	const char *v = colon + 1 + strspn(colon + 1, " \t");
	size_t vlen = strlen(v);
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (value_is(line, nlen, "Content-Length")) {
		/* 18 digits cannot overflow; anything that long is refused anyway. */
		if (vlen == 0 || vlen > 18)
			return -EBADMSG;
		uint64_t n = 0;
		for (size_t i = 0; i < vlen; i++) {
			if (!is_digit(v[i]))
				return -EBADMSG;
			n = n * 10 + (uint64_t)(v[i] - '0');
		}
		if (h->has_length && h->length != n)
			return -EBADMSG;
		h->has_length = true;
		h->length = n;
	} else if (value_is(line, nlen, "Transfer-Encoding")) {
		/* The engine compresses nothing it was not asked to. */
		if (!value_is(v, vlen, "chunked") || h->chunked)
			return -EBADMSG;
		h->chunked = true;
	}
	return 0;
}

/* The status line and the headers, within SC_HTTP_MAX_HEADER bytes. */
static int read_head(struct conn *c, struct head *h)
{
	size_t left = SC_HTTP_MAX_HEADER;
	char *line;
	size_t len;
	int r = read_line(c, left, &line, &len);
	if (r < 0)
		return r;
	left -= len + 2;
	h->status = parse_status(line);
	if (h->status < 0)
		return h->status;
	for (;;) {
		r = read_line(c, left, &line, &len);
		if (r < 0)
			return r;
		left -= len + 2;
		if (len == 0)
			break;
		r = parse_header(line, h);
		if (r < 0)
			return r;
	}
	/* Both would let the two ends disagree on where the body ends. */
	if (h->chunked && h->has_length)
		return -EBADMSG;
	if (h->has_length && h->length > SC_HTTP_MAX_BODY)
		return -EFBIG;
	return 0;
}

static int body_add(struct body *b, const char *data, size_t len)
{
	if (len > SC_HTTP_MAX_BODY - b->len)
		return -EFBIG;
	b->len += len;
	if (b->out)
		strbuf_add(b->out, data, len);
	return 0;
}

/* The next `n` bytes of the body, which must come. */
static int read_body_n(struct conn *c, uint64_t n, struct body *b)
{
	while (n > 0) {
		size_t avail = c->in.len - c->pos;
		if (avail == 0) {
			ssize_t r = fill(c);
			if (r < 0)
				return (int)r;
			if (r == 0)
				return -EBADMSG;
			continue;
		}
		size_t take = avail < n ? avail : (size_t)n;
		int r = body_add(b, c->in.buf + c->pos, take);
		if (r < 0)
			return r;
		c->pos += take;
		n -= take;
	}
	return 0;
}

/* "1a2b[ ;extension...]": the size, or <0. */
static int64_t parse_chunk_size(const char *line)
{
	int64_t n = 0;
	const char *p = line;
	for (; hex_digit(*p) >= 0; p++) {
		/* More than SC_HTTP_MAX_BODY is refused: no overflow either. */
		if (n > SC_HTTP_MAX_BODY)
			return -EFBIG;
		n = n * 16 + hex_digit(*p);
	}
	if (p == line)
		return -EBADMSG;
	p += strspn(p, " \t");
	if (*p != '\0' && *p != ';')
		return -EBADMSG;
	return n;
}

static int read_chunked(struct conn *c, struct body *b)
{
	char *line;
	size_t len;
	for (;;) {
		int r = read_line(c, MAX_CHUNK_LINE, &line, &len);
		if (r < 0)
			return r;
		int64_t size = parse_chunk_size(line);
		if (size < 0)
			return (int)size;
		if (size == 0)
			break;
		r = read_body_n(c, (uint64_t)size, b);
		if (r < 0)
			return r;
		/* The CRLF after the chunk's data, nothing else. */
		r = read_line(c, 2, &line, &len);
		if (r < 0)
			return r;
	}
	/* Trailers, ignored, up to the empty line. */
	size_t left = SC_HTTP_MAX_HEADER;
	do {
		int r = read_line(c, left, &line, &len);
		if (r < 0)
			return r;
		left -= len + 2;
	} while (len > 0);
	return 0;
}

static int read_to_end(struct conn *c, struct body *b)
{
	for (;;) {
		size_t avail = c->in.len - c->pos;
		int r = body_add(b, c->in.buf ? c->in.buf + c->pos : "", avail);
		if (r < 0)
			return r;
		c->pos += avail;
		ssize_t n = fill(c);
		if (n <= 0)
			return (int)n;
	}
}

static int read_body(struct conn *c, const struct head *h, struct body *b)
{
	if (h->status == 204 || h->status == 304)
		return 0;
	if (h->chunked)
		return read_chunked(c, b);
	if (h->has_length)
		return read_body_n(c, h->length, b);
	/* Neither: the body ends with the connection. */
	return read_to_end(c, b);
}

int sc_http_unix_get(const char *socket_path, const char *target, int timeout_ms,
                     struct strbuf *body)
{
	if (!socket_path || !target || target[0] != '/')
		return -EINVAL;
	for (const char *p = target; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return -EINVAL;
	_cleanup_(conn_release) struct conn c = {
	    .fd = -1,
	    .deadline_ms = now_ms() + (timeout_ms > 0 ? timeout_ms : 0),
	    .in = STRBUF_INIT,
	};
	int r = connect_unix(&c, socket_path);
	if (r < 0)
		return r;
	_cleanup_free_ char *request =
	    xasprintf("GET %s HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", target);
	r = send_all(&c, request, strlen(request));
	if (r < 0)
		return r;
	struct head h = {0};
	r = read_head(&c, &h);
	if (r < 0)
		return r;
	struct body b = {.out = body};
	r = read_body(&c, &h, &b);
	return r < 0 ? r : h.status;
}
