/* The JSON side of the ACP relay's filter (relay.h moves the bytes): the
 * verdict on the editor's initialize request, and on each line of the
 * agent's. What it removes and refuses, and why, is in docs/acp.md. */
#pragma once

#include "../util/util.h"

/* The verdict on the editor's first message (one line, without its line
 * end). It passes only when it is one JSON object (strict: valid UTF-8, no
 * key twice) with method "initialize", an id that is a string or an
 * integer, and params, params.clientCapabilities and its _meta objects
 * where present. */
struct sc_relay_verdict {
	bool ok;
	bool changed;     /* a capability was removed */
	char *out;        /* when ok: the line to pass instead (compact JSON, the
	                   * other keys in their order); NULL: byte for byte */
	char *id;         /* the request's id as JSON when it is a string or an
	                   * integer (for the error answer too); else NULL */
	char reason[192]; /* when !ok: why, for the editor and stderr */
};
/* Removes clientCapabilities.terminal, clientCapabilities.fs and
 * clientCapabilities._meta["terminal-auth"]. */
void sc_relay_check_initialize(const char *line, size_t len, struct sc_relay_verdict *v);
void sc_relay_verdict_release(struct sc_relay_verdict *v);

/* The old interface of the filter: *is_initialize is v.ok, *out the new
 * line when something was removed (else NULL). */
void sc_relay_filter_initialize(const char *line, size_t len, bool *is_initialize, char **out);

/* The error code of the answer to a refused request: what the agent gets
 * from an editor without the capability. */
#define SC_RELAY_REFUSED_CODE (-32601)

/* The verdict on one line of the agent's. */
struct sc_relay_agent_verdict {
	bool drop;      /* not passed to the editor */
	bool is_answer; /* the answer to the request with id `init_id` */
	char *out;      /* the line to pass instead, or NULL: byte for byte */
	/* A line to write back to the agent (without line end): the error
	 * answer to a refused request (an array of them for a batch); NULL
	 * when there is none. */
	char *reply;
	/* Requests and notifications with a terminal/ or fs/ method left out
	 * of the line (a batch's members one by one). */
	unsigned refused;
	/* The line was left out because it is no strict JSON and names such a
	 * method (so another parser might read one in it). */
	bool refused_unparsed;
	char method[48]; /* the first refused method, printable, maybe cut */
};

/* A line before the agent's answer to initialize: as
 * sc_relay_guard_agent_line(), and a line that starts with `{`, `[` or a
 * byte that is not ASCII must be one strict JSON object or it is left
 * out; the `result.authMethods` of every answer lose what would run
 * something on the host. `init_id`: the initialize request's id as JSON,
 * NULL when it has not passed yet. */
void sc_relay_filter_agent_line(const char *line, size_t len, const char *init_id,
                                struct sc_relay_agent_verdict *v);
/* A line after it: a request or notification whose method starts with
 * `terminal/` or `fs/` (case aside, also under a key "method" in another
 * case, also as a member of a batch) is left out, a request answered with
 * an error; a line that is no strict JSON, or a JSON scalar, and names such
 * a method in any spelling of JSON's is left out; all else passes. */
void sc_relay_guard_agent_line(const char *line, size_t len, struct sc_relay_agent_verdict *v);
void sc_relay_agent_verdict_release(struct sc_relay_agent_verdict *v);
