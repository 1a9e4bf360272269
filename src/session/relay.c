#include "relay.h"
#include "../util/fs.h"
#include "../util/log.h"

#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

/* Reading stops while this much waits to be written, so a side that does
 * not read cannot make sandcage buffer without bound. */
#define HIGH_WATER (1u << 20)
#define READ_CHUNK (256u << 10)

/* Bytes waiting in one direction: data[start, start+len). */
struct buf {
	char *data;
	size_t start;
	size_t len;
	size_t cap;
};

static void buf_release(struct buf *b)
{
	free(b->data);
	*b = (struct buf){0};
}

/* Room for `n` more bytes after the data. */
static char *buf_space(struct buf *b, size_t n)
{
	if (b->start > 0 && (b->len == 0 || b->start + b->len + n > b->cap)) {
		memmove(b->data, b->data + b->start, b->len);
		b->start = 0;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64 << 10;
		while (cap < b->len + n)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	return b->data + b->start + b->len;
}

static void buf_add(struct buf *b, const void *p, size_t n)
{
	memcpy(buf_space(b, n), p, n);
	b->len += n;
}

static void buf_consume(struct buf *b, size_t n)
{
	b->start += n;
	b->len -= n;
	if (b->len == 0)
		b->start = 0;
}

/* The trace: each complete line with a timestamp and its direction. */
struct tracer {
	int fd;
	const char *label;
	struct buf line;
};

static void trace_emit(struct tracer *t, const char *data, size_t len, const char *suffix)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char stamp[64];
	size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%06ldZ %s ", ts.tv_nsec / 1000, t->label);
	/* Trace errors are not the session's problem: the trace is for
	 * debugging and must never stop the relay. */
	fs_write_all(t->fd, stamp, strlen(stamp));
	fs_write_all(t->fd, data, len);
	fs_write_all(t->fd, suffix, strlen(suffix));
}

static void trace_bytes(struct tracer *t, const char *p, size_t n)
{
	if (t->fd < 0)
		return;
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t part = nl ? (size_t)(nl - p) : n;
		if (!nl) {
			buf_add(&t->line, p, part);
			return;
		}
		const char *data = p;
		size_t len = part;
		if (t->line.len) {
			buf_add(&t->line, p, part);
			data = t->line.data + t->line.start;
			len = t->line.len;
		}
		if (len > 0 && data[len - 1] == '\r')
			len--;
		trace_emit(t, data, len, "\n");
		t->line.start = t->line.len = 0;
		p += part + 1;
		n -= part + 1;
	}
}

static void trace_flush(struct tracer *t)
{
	if (t->fd >= 0 && t->line.len)
		trace_emit(t, t->line.data + t->line.start, t->line.len, " [no newline]\n");
	buf_release(&t->line);
}

struct sc_relay {
	struct sc_relay_config cfg;
	int client_in_flags;
	int client_out_flags;
	struct sigaction old_pipe;

	struct buf to_agent;
	struct buf to_client;
	/* Before the editor's initialize request, its input is taken apart in
	 * lines here. */
	bool filtering;
	struct buf line;
	size_t scanned;

	bool client_eof;
	bool client_gone;
	bool agent_eof;
	bool agent_in_closed;
	struct tracer trace_in;
	struct tracer trace_out;
	struct sc_relay_stats stats;
};

static int set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && !(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	return flags;
}

struct sc_relay *sc_relay_new(const struct sc_relay_config *config)
{
	struct sc_relay *r = xcalloc(1, sizeof(*r));
	r->cfg = *config;
	r->client_in_flags = set_nonblock(config->client_in);
	r->client_out_flags = set_nonblock(config->client_out);
	set_nonblock(config->agent_in);
	set_nonblock(config->agent_out);
	/* A write to a closed pipe must be an EPIPE to handle, not a signal. */
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &r->old_pipe);
	r->filtering = config->strip_terminal;
	r->trace_in = (struct tracer){config->trace_fd, "editor->agent", {0}};
	r->trace_out = (struct tracer){config->trace_fd, "agent->editor", {0}};
	return r;
}

static void close_agent_in(struct sc_relay *r)
{
	if (r->agent_in_closed)
		return;
	close(r->cfg.agent_in);
	r->agent_in_closed = true;
}

void sc_relay_free(struct sc_relay *r)
{
	if (!r)
		return;
	close_agent_in(r);
	if (r->client_in_flags >= 0)
		fcntl(r->cfg.client_in, F_SETFL, r->client_in_flags);
	if (r->client_out_flags >= 0)
		fcntl(r->cfg.client_out, F_SETFL, r->client_out_flags);
	sigaction(SIGPIPE, &r->old_pipe, NULL);
	trace_flush(&r->trace_in);
	trace_flush(&r->trace_out);
	buf_release(&r->to_agent);
	buf_release(&r->to_client);
	buf_release(&r->line);
	free(r);
}

/* ---- the initialize filter ---- */

static bool remove_key(json_t *obj, const char *key)
{
	return json_is_object(obj) && json_object_get(obj, key) && json_object_del(obj, key) == 0;
}

void sc_relay_filter_initialize(const char *line, size_t len, bool *is_initialize, char **out)
{
	*is_initialize = false;
	*out = NULL;
	/* Cheap test first: most lines are not the initialize request. */
	if (len < 12 || !memmem(line, len, "\"initialize\"", 12))
		return;
	json_t *msg = json_loadb(line, len, 0, NULL);
	if (!msg)
		return;
	json_t *method = json_object_get(msg, "method");
	if (json_is_string(method) && streq(json_string_value(method), "initialize")) {
		*is_initialize = true;
		json_t *caps =
		    json_object_get(json_object_get(msg, "params"), "clientCapabilities");
		/* `terminal` lets the agent run commands through the editor, on
		 * the host; the `terminal-auth` extension makes the editor run
		 * a command the agent names, on the host too. Both would go
		 * around the sandbox. */
		bool changed = remove_key(caps, "terminal");
		changed |= remove_key(json_object_get(caps, "_meta"), "terminal-auth");
		if (changed)
			*out = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	}
	json_decref(msg);
}

/* Moves complete lines from r->line to r->to_agent, filtered, until the
 * initialize request has passed. */
static int filter_lines(struct sc_relay *r, struct sc_error **err)
{
	while (r->filtering) {
		const char *base = r->line.data + r->line.start;
		const char *nl = memchr(base + r->scanned, '\n', r->line.len - r->scanned);
		if (!nl) {
			r->scanned = r->line.len;
			if (r->line.len > SC_RELAY_MAX_LINE)
				return sc_error_setx(
				    err, 0,
				    "a message from the editor is longer than %u MiB "
				    "before its initialize request",
				    SC_RELAY_MAX_LINE >> 20);
			return 0;
		}
		size_t full = (size_t)(nl - base) + 1; /* with the newline */
		size_t body = full - 1;
		if (body > 0 && base[body - 1] == '\r')
			body--;
		bool is_init;
		_cleanup_free_ char *filtered = NULL;
		sc_relay_filter_initialize(base, body, &is_init, &filtered);
		size_t before = r->to_agent.len;
		if (filtered) {
			buf_add(&r->to_agent, filtered, strlen(filtered));
			buf_add(&r->to_agent, base + body, full - body);
			r->stats.initialize_filtered = true;
		} else {
			buf_add(&r->to_agent, base, full);
		}
		trace_bytes(&r->trace_in, r->to_agent.data + r->to_agent.start + before,
		            r->to_agent.len - before);
		buf_consume(&r->line, full);
		r->scanned = 0;
		if (is_init)
			r->filtering = false;
	}
	/* From here on the editor's bytes pass as they come. */
	if (r->line.len) {
		trace_bytes(&r->trace_in, r->line.data + r->line.start, r->line.len);
		buf_add(&r->to_agent, r->line.data + r->line.start, r->line.len);
	}
	buf_release(&r->line);
	r->scanned = 0;
	return 0;
}

/* ---- moving bytes ---- */

static bool can_read_client(const struct sc_relay *r)
{
	return !r->client_eof && !r->agent_in_closed && r->to_agent.len < HIGH_WATER;
}

static bool can_read_agent(const struct sc_relay *r)
{
	return !r->agent_eof && r->to_client.len < HIGH_WATER;
}

/* Returns bytes read, 0 at EOF, -1 when nothing is there now. */
static ssize_t read_into(int fd, struct buf *b, size_t n, int *error)
{
	*error = 0;
	for (;;) {
		ssize_t got = read(fd, buf_space(b, n), n);
		if (got >= 0) {
			b->len += (size_t)got;
			return got;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return -1;
		*error = errno;
		return 0; /* a read error ends that input like EOF */
	}
}

static int read_client(struct sc_relay *r, struct sc_error **err)
{
	int e;
	if (r->filtering) {
		ssize_t n = read_into(r->cfg.client_in, &r->line, READ_CHUNK, &e);
		if (n == 0) {
			r->client_eof = true;
			/* A last line without newline passes as it is. */
			r->filtering = false;
		}
		if (n != -1 && filter_lines(r, err) < 0)
			return -1;
	} else {
		size_t before = r->to_agent.len;
		ssize_t n = read_into(r->cfg.client_in, &r->to_agent, READ_CHUNK, &e);
		if (n == 0)
			r->client_eof = true;
		else if (n > 0)
			trace_bytes(&r->trace_in, r->to_agent.data + r->to_agent.start + before,
			            (size_t)n);
	}
	if (r->client_eof)
		sc_log_debug("relay: the editor's input ended%s%s", e ? ": " : "",
		             e ? strerror(e) : "");
	return 0;
}

static void read_agent(struct sc_relay *r)
{
	int e;
	size_t before = r->to_client.len;
	ssize_t n = read_into(r->cfg.agent_out, &r->to_client, READ_CHUNK, &e);
	if (n == 0) {
		r->agent_eof = true;
		sc_log_debug("relay: the agent's output ended");
	} else if (n > 0) {
		trace_bytes(&r->trace_out, r->to_client.data + r->to_client.start + before,
		            (size_t)n);
	}
}

/* Returns false when the descriptor cannot be written any more. */
static bool write_from(int fd, struct buf *b, unsigned long long *count)
{
	while (b->len > 0) {
		ssize_t w = write(fd, b->data + b->start, b->len);
		if (w > 0) {
			buf_consume(b, (size_t)w);
			*count += (unsigned long long)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		return false;
	}
	return true;
}

static void after_writes(struct sc_relay *r)
{
	/* The editor's EOF reaches the agent once everything before it has. */
	if (r->client_eof && !r->filtering && r->to_agent.len == 0 && r->line.len == 0)
		close_agent_in(r);
}

int sc_relay_step(struct sc_relay *r, int extra_fd, int timeout_ms, bool *extra_ready,
                  struct sc_error **err)
{
	enum { CIN, COUT, AIN, AOUT, EXTRA, N };
	struct pollfd p[N];
	for (int i = 0; i < N; i++)
		p[i] = (struct pollfd){-1, 0, 0};
	if (can_read_client(r))
		p[CIN] = (struct pollfd){r->cfg.client_in, POLLIN, 0};
	if (r->to_client.len > 0 && !r->client_gone)
		p[COUT] = (struct pollfd){r->cfg.client_out, POLLOUT, 0};
	if (r->to_agent.len > 0 && !r->agent_in_closed)
		p[AIN] = (struct pollfd){r->cfg.agent_in, POLLOUT, 0};
	if (can_read_agent(r))
		p[AOUT] = (struct pollfd){r->cfg.agent_out, POLLIN, 0};
	if (extra_fd >= 0)
		p[EXTRA] = (struct pollfd){extra_fd, POLLIN, 0};
	if (extra_ready)
		*extra_ready = false;

	int n = poll(p, N, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return sc_error_set(err, errno, "poll");
	}
	if (p[CIN].revents && can_read_client(r) && read_client(r, err) < 0)
		return -1;
	if (p[AOUT].revents && can_read_agent(r))
		read_agent(r);
	/* Write what is there right away, whether or not poll said so: most of
	 * the time the other side has room, and this saves a round. */
	if (r->to_agent.len > 0 && !r->agent_in_closed &&
	    !write_from(r->cfg.agent_in, &r->to_agent, &r->stats.to_agent)) {
		sc_log_debug("relay: the agent's input is closed: %s", strerror(errno));
		close_agent_in(r);
		r->to_agent.len = 0;
		r->client_eof = true;
	}
	if (r->to_client.len > 0 && !r->client_gone &&
	    !write_from(r->cfg.client_out, &r->to_client, &r->stats.to_client)) {
		sc_log_debug("relay: the editor's output is closed: %s", strerror(errno));
		r->client_gone = true;
		r->to_client.len = 0;
	}
	after_writes(r);
	if (extra_ready && p[EXTRA].revents)
		*extra_ready = true;
	return 0;
}

bool sc_relay_done(const struct sc_relay *r)
{
	return r->client_gone || (r->agent_eof && r->to_client.len == 0);
}

bool sc_relay_client_closed(const struct sc_relay *r)
{
	return r->client_eof && r->agent_in_closed;
}

bool sc_relay_client_gone(const struct sc_relay *r)
{
	return r->client_gone;
}

const struct sc_relay_stats *sc_relay_stats(const struct sc_relay *r)
{
	return &r->stats;
}

int sc_relay_run(const struct sc_relay_config *config, struct sc_relay_stats *stats,
                 struct sc_error **err)
{
	_cleanup_relay_ struct sc_relay *r = sc_relay_new(config);
	while (!sc_relay_done(r))
		if (sc_relay_step(r, -1, -1, NULL, err) < 0)
			return -1;
	if (stats)
		*stats = r->stats;
	return 0;
}
