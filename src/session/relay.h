/* The ACP relay: an editor speaks newline-delimited JSON-RPC on sandcage's
 * stdin and stdout, the agent on the stdin and stdout of its container. The
 * relay copies bytes both ways as they arrive, in order, nonblocking, so
 * that neither side can stall the other. It reads JSON only at the start,
 * and fails closed there: the editor's first message must be an
 * `initialize` request the filter fully understands (else an error answer
 * and the relay ends), from which it removes the host-side `terminal` and
 * `fs` capabilities; the agent's messages until its answer to it lose what
 * in `authMethods` would run something on the host. The agent's output is
 * read line by line all along: its `terminal/...` and `fs/...` requests never
 * reach the editor, the relay answers them with an error (acp_filter.h).
 * Everything else passes byte for byte. The container around it is run by
 * the session runner (session.h, SC_SESSION_RELAY). */
#pragma once

#include "../engine/engine.h"
#include "acp_filter.h"

/* The longest line the relay takes apart: the editor's messages up to its
 * `initialize` request (after it, no limit), and the agent's, all of them
 * (longer: the relay ends). With the filter off there is no limit. */
#define SC_RELAY_MAX_LINE (64u << 20)

struct sc_relay_config {
	int client_in;  /* the editor's messages: read */
	int client_out; /* to the editor: written */
	int agent_in;   /* the agent's stdin: written; the relay closes it at the editor's EOF */
	int agent_out;  /* the agent's stdout: read */
	/* Remove clientCapabilities.terminal, .fs and ._meta "terminal-auth"
	 * from the editor's initialize request, and keep the agent's
	 * terminal/ and fs/ requests from the editor. */
	bool strip_terminal;
	/* Every message with a timestamp and its direction; -1 for none. */
	int trace_fd;
};

struct sc_relay_stats {
	unsigned long long to_agent;  /* bytes */
	unsigned long long to_client; /* bytes */
	bool initialize_filtered;     /* something was removed from initialize */
	unsigned agent_lines_dropped; /* lines of the agent's left out */
	unsigned agent_refused;       /* its terminal/ and fs/ messages refused */
};

struct sc_relay;

/* Takes no ownership of the descriptors except agent_in, which the relay
 * closes when the editor's input ends (so the agent sees EOF) or when freed.
 * The four descriptors are made nonblocking; sc_relay_free() restores the
 * flags of client_in and client_out. */
struct sc_relay *sc_relay_new(const struct sc_relay_config *config);
void sc_relay_free(struct sc_relay *r);
static inline void cleanup_relayp(struct sc_relay **r)
{
	sc_relay_free(*r);
}
#define _cleanup_relay_ _cleanup_(cleanup_relayp)

/* One round: waits up to timeout_ms (-1: no limit) until one of the relay's
 * descriptors or `extra_fd` (-1: none) is ready, and moves what it can.
 * *extra_ready tells whether extra_fd became readable. Returns <0 on an
 * error that ends the relay: the editor's first message refused (once its
 * error answer is written, or after 2 s), an agent's line over the limit. */
int sc_relay_step(struct sc_relay *r, int extra_fd, int timeout_ms, bool *extra_ready,
                  struct sc_error **err);
/* The agent's output ended and all of it reached the editor, or the editor's
 * end can no longer be written. */
bool sc_relay_done(const struct sc_relay *r);
/* The editor's input ended and everything before it reached the agent. */
bool sc_relay_client_closed(const struct sc_relay *r);
/* Writing to the editor failed (it went away). */
bool sc_relay_client_gone(const struct sc_relay *r);
const struct sc_relay_stats *sc_relay_stats(const struct sc_relay *r);

/* Runs the relay until sc_relay_done(), with no other descriptor to watch. */
int sc_relay_run(const struct sc_relay_config *config, struct sc_relay_stats *stats,
                 struct sc_error **err);

/* The session ends: from now on the agent's output is read whether or not
 * the editor takes it, and what does not fit is dropped, so that neither
 * the agent nor the engine CLI waits on an editor that does not read. */
void sc_relay_drain(struct sc_relay *r);
/* The editor's first message was refused (sc_relay_step() returned the
 * error once the answer was written). */
bool sc_relay_refused(const struct sc_relay *r);
