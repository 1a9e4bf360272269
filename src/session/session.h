/* The one runner for every container sandcage starts. It runs the engine's
 * CLI (`docker run ...` from the container spec) as a child and owns, once
 * for every kind of session:
 *   - the signal mask and a descriptor for the signals (os/signals.h);
 *   - a reaper (reaper.h) that removes the container even when sandcage is
 *     killed, SIGKILL included;
 *   - the spawn of the engine CLI, with the signal dispositions of a fresh
 *     process;
 *   - the wait, and the escalation when the container must go: SIGTERM,
 *     SIGHUP and SIGQUIT (and SIGINT, except in the foreground) remove the
 *     container; the removal is repeated every 2 s while the engine CLI
 *     runs (the engine may create the container after the first removal),
 *     and the CLI is killed after 10 s;
 *   - the exit status: the container command's, or 128+N for a signal N.
 *
 * The mode says what happens to the container's stdio. The network
 * session of `network.mode: allowlist` (network.h) is set up around it by
 * the caller. */
#pragma once

#include "../engine/engine.h"

enum sc_session_mode {
	/* The engine CLI on sandcage's stdin, stdout and stderr, a terminal or
	 * pipes: `run`, `shell`, the agents. A SIGINT from the terminal went to
	 * the engine CLI too and is left to it; a SIGINT sent to sandcage alone
	 * is passed on to it. */
	SC_SESSION_FOREGROUND,
	/* ACP: the container's stdin and stdout relayed to sandcage's through
	 * the relay (relay.h), its stderr on sandcage's. The spec must be
	 * interactive, without a TTY. SIGINT is one more way to stop (an editor
	 * has no terminal); the editor's EOF (after `eof_grace_ms`) and the
	 * editor going away remove the container too. */
	SC_SESSION_RELAY,
	/* No input (/dev/null); stdout and stderr captured, or given line by
	 * line, or left on sandcage's: the doctor probes, the ACP installs.
	 * SIGINT stops like SIGTERM. */
	SC_SESSION_CAPTURE,
};

struct sc_session_relay {
	/* Remove the host-side terminal capabilities from the editor's
	 * initialize request (sc_relay_filter_initialize()). */
	bool strip_terminal;
	int trace_fd; /* every message with a timestamp; -1: none */
	/* How long the agent may take to end by itself after the editor's
	 * input ended, before its container is removed. */
	int eof_grace_ms;
};

struct sc_session_capture {
	/* When set: stdout and stderr together, one call per line (without
	 * "\r" and "\n"; a last line without newline too); `out` and
	 * `err_out` are not used. */
	void (*on_line)(void *ctx, const char *line);
	void *ctx;
	/* Else, when not NULL, on success: everything the container wrote on
	 * stdout (*out) and stderr (*err_out), NUL-terminated, to free. NULL:
	 * that stream goes to sandcage's own. */
	char **out;
	char **err_out;
};

struct sc_session_opts {
	const struct sc_engine *engine;
	const struct sc_container_spec *spec; /* must have a name */
	enum sc_session_mode mode;
	struct sc_session_relay relay;     /* SC_SESSION_RELAY only */
	struct sc_session_capture capture; /* SC_SESSION_CAPTURE only */
	/* When not NULL, on success: the signal that made sandcage end the
	 * session (its container is removed), 0 when none. */
	int *stopped_by;
};

/* Runs the container of `opts->spec` and waits until it and the engine CLI
 * are gone. *exit_code is
 *   - 128+N when sandcage got signal N and so ended the session;
 *   - in relay mode, 0 when the editor ended the session (its EOF, or it
 *     went away);
 *   - else the engine CLI's exit status: the container command's (or the
 *     engine's own, 125-127), 128+N when it died of signal N.
 * Returns <0 when the engine CLI could not be started, or when the relay
 * failed (the editor's first message refused, an agent's line over
 * SC_RELAY_MAX_LINE; the container is removed then). */
int sc_session_run(const struct sc_session_opts *opts, int *exit_code, struct sc_error **err);
