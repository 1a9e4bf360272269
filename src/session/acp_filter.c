#include "acp_filter.h"

#include <jansson.h>
#include <strings.h>

static bool remove_key(json_t *obj, const char *key)
{
	return json_is_object(obj) && json_object_get(obj, key) && json_object_del(obj, key) == 0;
}

/* Only space and tab: a line of nothing else carries no message. */
static bool blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* Parses one line the strict way: one JSON value, valid UTF-8, no NUL, no
 * key twice in an object (a parser that kept the other one would see
 * another message than the filter did). */
static json_t *parse_line(const char *line, size_t len, json_error_t *jerr)
{
	return json_loadb(line, len, JSON_REJECT_DUPLICATES, jerr);
}

/* The line to pass on: the new text when the filter changed something or
 * when the line holds a CR (a reader that splits lines at CR would see
 * other messages); NULL to pass it as it is. */
static char *reencode(json_t *msg, bool changed, const char *line, size_t len)
{
	if (!changed && !memchr(line, '\r', len))
		return NULL;
	return json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

static bool optional_object(json_t *parent, const char *key)
{
	json_t *v = json_object_get(parent, key);
	return !v || json_is_object(v);
}

void sc_relay_check_initialize(const char *line, size_t len, struct sc_relay_verdict *v)
{
	*v = (struct sc_relay_verdict){0};
	json_error_t jerr;
	json_t *msg = parse_line(line, len, &jerr);
	const char *why = NULL;
	if (!msg) {
		snprintf(v->reason, sizeof(v->reason), "it is not valid JSON: %s", jerr.text);
		/* The parser's message quotes the input: no control bytes on
		 * the editor's log or the terminal. */
		for (char *c = v->reason; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
		return;
	}
	json_t *id = json_object_get(msg, "id");
	json_t *method = json_object_get(msg, "method");
	json_t *params = json_object_get(msg, "params");
	if (json_is_string(id) || json_is_integer(id))
		v->id = json_dumps(id, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!json_is_object(msg))
		why = "it is not a JSON object";
	else if (!method)
		why = "it has no method";
	else if (!json_is_string(method) || !streq(json_string_value(method), "initialize"))
		why = "its method is not initialize";
	else if (!id)
		why = "it has no id (a notification)";
	else if (!v->id)
		why = "its id is neither a string nor an integer";
	else if (!optional_object(msg, "params"))
		why = "its params are not an object";
	else if (!optional_object(params, "clientCapabilities"))
		why = "its clientCapabilities are not an object";
	else if (!optional_object(json_object_get(params, "clientCapabilities"), "_meta"))
		why = "its clientCapabilities._meta is not an object";
	if (why) {
		snprintf(v->reason, sizeof(v->reason), "%s", why);
		json_decref(msg);
		return;
	}
	v->ok = true;
	json_t *caps = json_object_get(params, "clientCapabilities");
	/* `terminal` lets the agent run commands through the editor, on the
	 * host; the `terminal-auth` extension makes the editor run a command
	 * the agent names, on the host too. Both would go around the sandbox.
	 * `fs` lets the agent have the editor read and write any file it can,
	 * on the host: the agent has the project in its container already. */
	bool changed = remove_key(caps, "terminal");
	changed |= remove_key(caps, "fs");
	changed |= remove_key(json_object_get(caps, "_meta"), "terminal-auth");
	v->changed = changed;
	v->out = reencode(msg, changed, line, len);
	json_decref(msg);
}

void sc_relay_verdict_release(struct sc_relay_verdict *v)
{
	free(v->out);
	free(v->id);
	*v = (struct sc_relay_verdict){0};
}

void sc_relay_filter_initialize(const char *line, size_t len, bool *is_initialize, char **out)
{
	struct sc_relay_verdict v;
	sc_relay_check_initialize(line, len, &v);
	*is_initialize = v.ok;
	*out = v.ok && v.changed ? steal_pointer(&v.out) : NULL;
	sc_relay_verdict_release(&v);
}

/* The authentication methods an agent offers, in the form that cannot run
 * anything on the host: the legacy `_meta["terminal-auth"]` (a command of
 * the agent's choosing, run by the editor on the host) is removed, and so
 * is `env` (variables the editor would set for sandcage itself, such as
 * LD_PRELOAD or DOCKER_HOST). A `terminal` method keeps its `args`: the
 * editor appends them to its own command, `sandcage acp run AGENT`, whose
 * options end at AGENT, so they reach only the agent in its container.
 * Entries that are not objects go, and so does an authMethods that is not
 * an array. */
static bool sanitize_auth_methods(json_t *result)
{
	json_t *methods = json_object_get(result, "authMethods");
	if (!methods)
		return false;
	if (!json_is_array(methods))
		return remove_key(result, "authMethods");
	bool changed = false;
	for (size_t i = json_array_size(methods); i-- > 0;) {
		json_t *m = json_array_get(methods, i);
		if (!json_is_object(m)) {
			json_array_remove(methods, i);
			changed = true;
			continue;
		}
		changed |= remove_key(m, "env");
		json_t *meta = json_object_get(m, "_meta");
		if (meta && !json_is_object(meta))
			changed |= remove_key(m, "_meta");
		else
			changed |= remove_key(meta, "terminal-auth");
	}
	return changed;
}

/* ---- terminal/ and fs/ requests of the agent's ---- */

/* The methods with which the editor would run a command or read or write a
 * file for the agent, on the host. Case aside, and after blanks: no
 * editor should be that lenient, but nothing is lost by refusing. */
static bool forbidden_method(const char *m)
{
	while (*m == ' ' || *m == '\t' || *m == '\n' || *m == '\r')
		m++;
	return strncasecmp(m, "terminal/", 9) == 0 || strncasecmp(m, "fs/", 3) == 0;
}

/* The value of `n` hex digits at p, or -1. */
static int hex_value(const char *p, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit(p[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Progress through one of the patterns: they repeat no prefix of their own
 * (`t` and `f` start them and occur in them nowhere else), so a mismatch
 * starts over at the character itself. */
static void advance(const char *pat, size_t *k, int c)
{
	if (c == pat[*k])
		(*k)++;
	else
		*k = c == pat[0];
}

/* Whether any JSON parser, however lenient, could read `terminal/` or
 * `fs/` in the line: its text with the escapes of JSON and JSON5 decoded
 * (`\/`, `\u002f`, `\x2f`, a backslash before a line end), ASCII case
 * aside, bytes that are not printable ASCII skipped (a parser might drop
 * them). It finds more than is there, never less. */
static bool names_forbidden(const char *p, size_t n)
{
	size_t kt = 0, kf = 0;
	for (size_t i = 0; i < n;) {
		int c = (unsigned char)p[i++];
		if (c == '\\' && i < n) {
			int e = (unsigned char)p[i++];
			int h = -1;
			if (e == 'u' && i + 4 <= n && (h = hex_value(p + i, 4)) >= 0)
				i += 4;
			else if (e == 'x' && i + 2 <= n && (h = hex_value(p + i, 2)) >= 0)
				i += 2;
			c = h >= 0 ? h : e;
		}
		if (c < 0x20 || c >= 0x7f)
			continue;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		advance("terminal/", &kt, c);
		advance("fs/", &kf, c);
		if (kt == 9 || kf == 3)
			return true;
	}
	return false;
}

/* The method of an object when the editor must not get it: under any key
 * that is "method" but for case (Go's decoder, for one, ignores case). */
static const char *forbidden_in(json_t *msg)
{
	const char *key;
	json_t *val;
	json_object_foreach(msg, key, val)
	{
		if (strcasecmp(key, "method") == 0 && json_is_string(val) &&
		    forbidden_method(json_string_value(val)))
			return json_string_value(val);
	}
	return NULL;
}

/* The object's id when it is a request: "id", else a key that is "id" but
 * for case; NULL for a notification. */
static json_t *request_id(json_t *msg)
{
	json_t *id = json_object_get(msg, "id");
	const char *key;
	json_t *val;
	json_object_foreach(msg, key, val)
	{
		if (!id && strcasecmp(key, "id") == 0)
			id = val;
	}
	return id;
}

static void note_refused(struct sc_relay_agent_verdict *v, const char *method)
{
	if (v->refused++ || v->refused_unparsed)
		return;
	size_t j = 0;
	for (const char *c = method; *c && j + 4 < sizeof(v->method); c++)
		v->method[j++] = (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f ? *c : '?';
	if (strlen(method) > j)
		memcpy(v->method + j, "...", 3), j += 3;
	v->method[j] = '\0';
}

/* The error answer to a refused request. */
static json_t *refusal(json_t *id, const char *method)
{
	_cleanup_free_ char *msg =
	    xasprintf("%.40s refused by sandcage: the agent runs in a container, where it "
	              "reads and writes the project and runs commands itself; the editor does "
	              "not do it for the agent on the host",
	              method);
	return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error", "code",
	                 SC_RELAY_REFUSED_CODE, "message", msg);
}

/* Refuses what in `msg` (an object, or a batch: an array) has a forbidden
 * method: the answers go to `replies`. Returns what is left to pass: `msg`
 * itself, a new array of the batch's other members, or NULL for nothing. */
static json_t *refuse_forbidden(json_t *msg, json_t *replies, struct sc_relay_agent_verdict *v)
{
	if (json_is_object(msg)) {
		const char *method = forbidden_in(msg);
		if (!method)
			return json_incref(msg);
		note_refused(v, method);
		json_t *id = request_id(msg);
		if (id)
			json_array_append_new(replies, refusal(id, method));
		return NULL;
	}
	if (!json_is_array(msg))
		return json_incref(msg);
	json_t *kept = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(msg, i, m)
	{
		json_t *left = json_is_object(m) ? refuse_forbidden(m, replies, v) : json_incref(m);
		if (left)
			json_array_append_new(kept, left);
	}
	if (json_array_size(kept) == json_array_size(msg)) {
		json_decref(kept);
		return json_incref(msg);
	}
	if (json_array_size(kept) == 0) {
		json_decref(kept);
		return NULL;
	}
	return kept;
}

/* The refusal of a line's forbidden requests: *msg becomes what is left
 * (NULL: nothing), v->reply the answers. Returns whether anything went. */
static bool guard_message(json_t **msg, struct sc_relay_agent_verdict *v)
{
	json_t *replies = json_array();
	json_t *left = refuse_forbidden(*msg, replies, v);
	bool changed = left != *msg;
	bool batch = json_is_array(*msg);
	json_decref(*msg);
	*msg = left;
	if (json_array_size(replies) > 0)
		v->reply = json_dumps(batch ? replies : json_array_get(replies, 0),
		                      JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(replies);
	return changed;
}

/* A line that starts with an ASCII character other than `{` or `[` is no
 * JSON-RPC message to any parser (an agent's stray log line, say). */
static bool plain_text(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
		i++;
	unsigned char c0 = i < len ? (unsigned char)line[i] : 0;
	return c0 > 0x20 && c0 < 0x7f && c0 != '{' && c0 != '[';
}

/* The strict parse, or, when that fails, the one after a byte order mark
 * (*bom), so that a request behind one can be answered. */
static json_t *parse_agent_line(const char *line, size_t len, bool *bom)
{
	*bom = false;
	json_t *msg = parse_line(line, len, NULL);
	if (!msg && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		msg = parse_line(line + 3, len - 3, NULL);
		*bom = msg != NULL;
	}
	return msg;
}

/* Both phases: `early` before the agent's answer to initialize. */
static void agent_line(const char *line, size_t len, bool early, const char *init_id,
                       struct sc_relay_agent_verdict *v)
{
	*v = (struct sc_relay_agent_verdict){0};
	if (blank(line, len))
		return;
	bool named = names_forbidden(line, len);
	if (!named && (plain_text(line, len) || !early))
		return;
	bool bom;
	json_t *msg = parse_agent_line(line, len, &bom);
	if (!msg) {
		/* Early, anything that might be a message must parse; after
		 * the answer, anything that names such a method. */
		v->drop = true;
		v->refused_unparsed = named;
		return;
	}
	bool changed = guard_message(&msg, v);
	if (!msg) { /* all of it refused */
		v->drop = true;
		return;
	}
	if (named && !json_is_object(msg) && !json_is_array(msg)) {
		/* A scalar that names such a method: a decoder that reads values
		 * across lines could take it for the rest of a request. */
		v->drop = true;
		v->refused_unparsed = true;
		json_decref(msg);
		return;
	}
	if (early && (!json_is_object(msg) || bom)) {
		v->drop = true;
		json_decref(msg);
		return;
	}
	if (early) {
		/* Whatever its id: an answer the editor might take for the one
		 * to initialize (0.0 for 0, say) is filtered all the same. */
		json_t *result = json_object_get(msg, "result");
		if (json_is_object(result))
			changed |= sanitize_auth_methods(result);
		json_t *want = init_id ? json_loads(init_id, JSON_DECODE_ANY, NULL) : NULL;
		json_t *id = json_object_get(msg, "id");
		v->is_answer = want && id && json_equal(id, want) &&
		               !json_object_get(msg, "method") &&
		               (json_object_get(msg, "result") || json_object_get(msg, "error"));
		json_decref(want);
	}
	/* After a byte order mark too, the line passes as it is when it can:
	 * a parser that skips the mark reads what the filter did. */
	v->out = reencode(msg, changed, line, len);
	json_decref(msg);
}

void sc_relay_filter_agent_line(const char *line, size_t len, const char *init_id,
                                struct sc_relay_agent_verdict *v)
{
	agent_line(line, len, true, init_id, v);
}

void sc_relay_guard_agent_line(const char *line, size_t len, struct sc_relay_agent_verdict *v)
{
	agent_line(line, len, false, NULL, v);
}

void sc_relay_agent_verdict_release(struct sc_relay_agent_verdict *v)
{
	free(v->out);
	free(v->reply);
	*v = (struct sc_relay_agent_verdict){0};
}
