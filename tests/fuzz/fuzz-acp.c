/* libFuzzer target for the ACP relay's filter (src/session/acp_filter.c):
 * any line, from the editor or from the agent, gets a verdict without a
 * crash; and whatever the agent's guard lets through to the editor is no
 * request or notification with a terminal/ or fs/ method, as a strict JSON
 * parser reads it. */
#include "session/acp_filter.h"

#include <jansson.h>
#include <stdint.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool forbidden(json_t *msg)
{
	const char *key;
	json_t *v;
	if (!json_is_object(msg))
		return false;
	json_object_foreach(msg, key, v)
	{
		if (strcasecmp(key, "method") != 0 || !json_is_string(v))
			continue;
		const char *m = json_string_value(v);
		if (strncasecmp(m, "terminal/", 9) == 0 || strncasecmp(m, "fs/", 3) == 0)
			return true;
	}
	return false;
}

static void check_passed(const char *text, size_t len)
{
	json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!j)
		return;
	if (forbidden(j))
		abort();
	size_t i;
	json_t *m;
	if (json_is_array(j))
		json_array_foreach(j, i, m) if (forbidden(m)) abort();
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct sc_relay_verdict iv = {0};
	sc_relay_check_initialize(line, size, &iv);
	if (iv.ok && iv.out && (strstr(iv.out, "\"terminal\"") || strstr(iv.out, "\"fs\"")) &&
	    strstr(iv.out, "clientCapabilities"))
		check_passed(iv.out, strlen(iv.out));
	sc_relay_verdict_release(&iv);

	const char *ids[] = {NULL, "1"};
	for (size_t k = 0; k < 2; k++) {
		struct sc_relay_agent_verdict v = {0};
		sc_relay_filter_agent_line(line, size, ids[k], &v);
		if (!v.drop)
			check_passed(v.out ? v.out : line, v.out ? strlen(v.out) : size);
		sc_relay_agent_verdict_release(&v);
	}
	struct sc_relay_agent_verdict g = {0};
	sc_relay_guard_agent_line(line, size, &g);
	if (!g.drop)
		check_passed(g.out ? g.out : line, g.out ? strlen(g.out) : size);
	if (g.reply)
		check_passed(g.reply, strlen(g.reply));
	sc_relay_agent_verdict_release(&g);
	return 0;
}
