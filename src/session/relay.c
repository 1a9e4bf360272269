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

/* A direction whose lines are taken apart: the editor's until its
 * initialize request has passed, the agent's all along. */
struct lines {
	bool on;
	struct buf line;
	size_t scanned;
};

struct sc_relay {
	struct sc_relay_config cfg;
	int client_in_flags;
	int client_out_flags;
	struct sigaction old_pipe;

	struct buf to_agent;
	struct buf to_client;
	struct lines in;  /* the editor's, before its initialize request */
	struct lines out; /* the agent's */
	json_t *init_id;  /* the initialize request's id, once it passed */
	bool answered;    /* the agent's answer to it passed */
	/* The relay's answers to the agent's refused requests wait here while
	 * the editor's stream to the agent is in the middle of a line. */
	struct buf replies;
	bool client_mid_line;
	bool warned_dropped;
	bool warned_refused;
	bool draining; /* the session ends: the agent's output is read, come what may */
	/* The editor's first message was refused: its error answer is in
	 * to_client, the relay ends once it is written (or after a while). */
	bool refused;
	double refused_at;
	struct sc_error *refusal;

	bool client_eof;
	bool client_gone;
	bool agent_eof;
	bool agent_in_closed;
	struct tracer trace_in;
	struct tracer trace_out;
	struct tracer trace_reply;
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
	r->in.on = config->strip_terminal;
	r->out.on = config->strip_terminal;
	r->trace_in = (struct tracer){config->trace_fd, "editor->agent", {0}};
	r->trace_out = (struct tracer){config->trace_fd, "agent->editor", {0}};
	r->trace_reply = (struct tracer){config->trace_fd, "sandcage->agent", {0}};
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
	trace_flush(&r->trace_reply);
	buf_release(&r->replies);
	buf_release(&r->to_agent);
	buf_release(&r->to_client);
	buf_release(&r->in.line);
	buf_release(&r->out.line);
	json_decref(r->init_id);
	sc_error_free(r->refusal);
	free(r);
}

/* ---- the filters (the JSON side: acp_filter.c) ---- */

/* Only space and tab: a line of nothing else carries no message. */
static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* Takes the next complete line of `l`: its start, its length with the
 * newline (*full) and without the line end (*body). False when no line is
 * complete; at `eof`, what is left counts as a line. */
static bool next_line(struct lines *l, bool eof, const char **base, size_t *full, size_t *body)
{
	*base = l->line.data + l->line.start;
	const char *nl = memchr(*base + l->scanned, '\n', l->line.len - l->scanned);
	if (!nl) {
		l->scanned = l->line.len;
		if (!eof || l->line.len == 0)
			return false;
		*full = *body = l->line.len;
	} else {
		*full = (size_t)(nl - *base) + 1;
		*body = *full - 1;
	}
	if (*body > 0 && (*base)[*body - 1] == '\r')
		(*body)--;
	return true;
}

static void take_line(struct lines *l, size_t full)
{
	buf_consume(&l->line, full);
	l->scanned = 0;
}

/* A line of one direction to its output buffer and the trace: `repl`
 * instead of its body when not NULL, with its own line end. */
static void pass_line(struct buf *to, struct tracer *t, const char *base, size_t full, size_t body,
                      const char *repl)
{
	size_t before = to->len;
	if (repl) {
		buf_add(to, repl, strlen(repl));
		buf_add(to, base + body, full - body);
	} else {
		buf_add(to, base, full);
	}
	trace_bytes(t, to->data + to->start + before, to->len - before);
}

/* After a direction's filter: the rest of its line buffer passes as it is. */
static void lines_off(struct lines *l, struct buf *to, struct tracer *t)
{
	l->on = false;
	if (l->line.len) {
		trace_bytes(t, l->line.data + l->line.start, l->line.len);
		buf_add(to, l->line.data + l->line.start, l->line.len);
	}
	buf_release(&l->line);
	l->scanned = 0;
}

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The editor's first message is refused: an error answer to it, the
 * agent's input closed before it got anything, nothing more read. */
static void refuse(struct sc_relay *r, const char *id, const char *why)
{
	_cleanup_free_ char *msg = xasprintf("sandcage refused the first message (%s): the first "
	                                     "message must be an initialize request it fully "
	                                     "understands",
	                                     why);
	json_t *idv = id ? json_loads(id, JSON_DECODE_ANY, NULL) : json_null();
	json_t *ans = json_pack("{s:s, s:o, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
	                        idv ? idv : json_null(), "error", "code", -32600, "message", msg);
	_cleanup_free_ char *text = json_dumps(ans, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ans);
	if (text) {
		size_t before = r->to_client.len;
		buf_add(&r->to_client, text, strlen(text));
		buf_add(&r->to_client, "\n", 1);
		trace_bytes(&r->trace_out, r->to_client.data + r->to_client.start + before,
		            r->to_client.len - before);
	}
	sc_error_setx(&r->refusal, 0,
	              "refused the editor's first message (%s): the first message must be an "
	              "initialize request sandcage fully understands; none of it was passed to the "
	              "agent",
	              why);
	r->refused = true;
	r->refused_at = mono_ms();
	r->in.on = false;
	buf_release(&r->in.line);
	r->client_eof = true;
	r->to_agent.len = 0;
	close_agent_in(r);
}

/* The editor's lines until its initialize request has passed. */
static void filter_client(struct sc_relay *r)
{
	const char *base;
	size_t full, body;
	while (r->in.on && next_line(&r->in, r->client_eof, &base, &full, &body)) {
		if (blank(base, body)) {
			pass_line(&r->to_agent, &r->trace_in, base, full, body, NULL);
			take_line(&r->in, full);
			continue;
		}
		struct sc_relay_verdict v;
		sc_relay_check_initialize(base, body, &v);
		if (!v.ok) {
			refuse(r, v.id, v.reason);
			sc_relay_verdict_release(&v);
			return;
		}
		pass_line(&r->to_agent, &r->trace_in, base, full, body, v.out);
		r->stats.initialize_filtered = v.changed;
		r->init_id = json_loads(v.id, JSON_DECODE_ANY, NULL);
		take_line(&r->in, full);
		sc_relay_verdict_release(&v);
		lines_off(&r->in, &r->to_agent, &r->trace_in);
	}
	if (r->in.on && r->in.line.len > SC_RELAY_MAX_LINE) {
		char why[96];
		snprintf(why, sizeof(why), "it is longer than %u MiB", SC_RELAY_MAX_LINE >> 20);
		refuse(r, NULL, why);
	}
	if (r->in.on && r->client_eof) /* nothing but blank lines */
		lines_off(&r->in, &r->to_agent, &r->trace_in);
}

/* An answer of the relay's to the agent: into the agent's input at a line
 * end of the editor's stream, or, while that is in the middle of a line,
 * after its next line end. Dropped when the agent reads nothing. */
static void reply_to_agent(struct sc_relay *r, const char *text)
{
	struct buf *b = r->client_mid_line ? &r->replies : &r->to_agent;
	if (r->agent_in_closed || r->to_agent.len + r->replies.len >= 2 * HIGH_WATER)
		return;
	size_t before = b->len;
	buf_add(b, text, strlen(text));
	buf_add(b, "\n", 1);
	if (b == &r->to_agent)
		trace_bytes(&r->trace_reply, b->data + b->start + before, b->len - before);
}

/* After the editor's bytes from offset `before` of to_agent on: the
 * waiting answers go in after the last line end among them. */
static void client_bytes_added(struct sc_relay *r, size_t before)
{
	struct buf *b = &r->to_agent;
	if (b->len <= before)
		return;
	r->client_mid_line = b->data[b->start + b->len - 1] != '\n';
	const char *nl = memrchr(b->data + b->start + before, '\n', b->len - before);
	size_t k = r->replies.len;
	if (!k || !nl)
		return;
	size_t at = (size_t)(nl - (b->data + b->start)) + 1;
	buf_space(b, k);
	char *p = b->data + b->start;
	memmove(p + at + k, p + at, b->len - at);
	memcpy(p + at, r->replies.data + r->replies.start, k);
	b->len += k;
	trace_bytes(&r->trace_reply, p + at, k);
	r->replies.start = r->replies.len = 0;
}

static void warn_refused(struct sc_relay *r, const struct sc_relay_agent_verdict *v)
{
	r->stats.agent_refused += v->refused + v->refused_unparsed;
	if (r->warned_refused)
		return;
	r->warned_refused = true;
	if (v->refused)
		sc_log_warn(
		    "refused the agent's %s%s: the agent runs in a container, where it reads "
		    "and writes the project and runs commands itself; its terminal/ and fs/ "
		    "requests never reach the editor (this is said once)",
		    v->method, v->refused > 1 ? " and more" : "");
	else
		sc_log_warn(
		    "left out a line of the agent's that is no strict JSON message and names a "
		    "terminal/ or fs/ method (this is said once)");
}

/* The agent's lines: filtered until its answer to initialize has passed,
 * guarded all along. */
static int filter_agent(struct sc_relay *r, struct sc_error **err)
{
	const char *base;
	size_t full, body;
	_cleanup_free_ char *init_id =
	    r->init_id ? json_dumps(r->init_id, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	while (r->out.on && next_line(&r->out, r->agent_eof, &base, &full, &body)) {
		struct sc_relay_agent_verdict v;
		if (r->answered)
			sc_relay_guard_agent_line(base, body, &v);
		else
			sc_relay_filter_agent_line(base, body, init_id, &v);
		if (v.refused || v.refused_unparsed)
			warn_refused(r, &v);
		if (v.reply)
			reply_to_agent(r, v.reply);
		/* Draining: what the editor does not take is dropped. */
		bool full_up = r->draining && r->to_client.len >= HIGH_WATER;
		if (v.drop || full_up) {
			r->stats.agent_lines_dropped++;
			if (!r->warned_dropped && !r->answered && !full_up && !v.refused &&
			    !v.refused_unparsed) {
				sc_log_warn("the agent wrote a line that is not one strict JSON "
				            "object before its answer to initialize: left out");
				r->warned_dropped = true;
			}
		} else {
			pass_line(&r->to_client, &r->trace_out, base, full, body, v.out);
		}
		take_line(&r->out, full);
		r->answered |= v.is_answer;
		sc_relay_agent_verdict_release(&v);
	}
	if (r->out.on && r->out.line.len > SC_RELAY_MAX_LINE)
		return sc_error_setx(err, 0,
		                     "a message from the agent is longer than %u MiB: the relay "
		                     "checks each of them whole (acp.strip_terminal: false turns "
		                     "that off, and its protection with it)",
		                     SC_RELAY_MAX_LINE >> 20);
	return 0;
}

/* ---- moving bytes ---- */

static bool can_read_client(const struct sc_relay *r)
{
	return !r->client_eof && !r->agent_in_closed && r->to_agent.len < HIGH_WATER;
}

static bool can_read_agent(const struct sc_relay *r)
{
	return !r->agent_eof && !r->refused &&
	       (r->draining || (r->to_client.len < HIGH_WATER &&
	                        r->to_agent.len + r->replies.len < 2 * HIGH_WATER));
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

static void read_client(struct sc_relay *r)
{
	int e;
	size_t before = r->to_agent.len;
	if (r->in.on) {
		ssize_t n = read_into(r->cfg.client_in, &r->in.line, READ_CHUNK, &e);
		if (n == 0)
			r->client_eof = true;
		if (n != -1)
			filter_client(r);
	} else {
		ssize_t n = read_into(r->cfg.client_in, &r->to_agent, READ_CHUNK, &e);
		if (n == 0)
			r->client_eof = true;
		else if (n > 0)
			trace_bytes(&r->trace_in, r->to_agent.data + r->to_agent.start + before,
			            (size_t)n);
	}
	client_bytes_added(r, before);
	if (r->client_eof && !r->refused)
		sc_log_debug("relay: the editor's input ended%s%s", e ? ": " : "",
		             e ? strerror(e) : "");
}

static int read_agent(struct sc_relay *r, struct sc_error **err)
{
	int e;
	ssize_t n;
	if (r->out.on) {
		n = read_into(r->cfg.agent_out, &r->out.line, READ_CHUNK, &e);
		if (n == 0)
			r->agent_eof = true;
		if (n != -1 && filter_agent(r, err) < 0)
			return -1;
	} else {
		/* Draining: what the editor does not take is dropped rather than
		 * keep the agent (and the engine) waiting. */
		struct buf *to = &r->to_client, scratch = {0};
		if (r->draining && r->to_client.len >= HIGH_WATER)
			to = &scratch;
		size_t before = to->len;
		n = read_into(r->cfg.agent_out, to, READ_CHUNK, &e);
		if (n == 0)
			r->agent_eof = true;
		else if (n > 0 && to == &r->to_client)
			trace_bytes(&r->trace_out, to->data + to->start + before, (size_t)n);
		buf_release(&scratch);
	}
	if (n == 0)
		sc_log_debug("relay: the agent's output ended");
	return 0;
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
	if (r->client_eof && !r->in.on && r->to_agent.len == 0)
		close_agent_in(r);
}

/* How long a refused session waits for the editor to take its answer. */
#define REFUSE_FLUSH_MS 2000

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
	if (r->refused) {
		int left = (int)(r->refused_at + REFUSE_FLUSH_MS - mono_ms()) + 1;
		if (left < 1)
			left = 1;
		if (timeout_ms < 0 || timeout_ms > left)
			timeout_ms = left;
	}

	int n = poll(p, N, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return sc_error_set(err, errno, "poll");
	}
	if (p[CIN].revents && can_read_client(r))
		read_client(r);
	if (p[AOUT].revents && can_read_agent(r) && read_agent(r, err) < 0)
		return -1;
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
	if (r->refused && (r->to_client.len == 0 || r->client_gone ||
	                   mono_ms() - r->refused_at >= REFUSE_FLUSH_MS)) {
		*err = steal_pointer(&r->refusal);
		if (!*err)
			sc_error_setx(err, 0, "refused the editor's first message");
		return -1;
	}
	return 0;
}

void sc_relay_drain(struct sc_relay *r)
{
	r->draining = true;
}

bool sc_relay_refused(const struct sc_relay *r)
{
	return r->refused;
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
