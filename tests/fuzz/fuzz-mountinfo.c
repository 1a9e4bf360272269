/* libFuzzer target for the container's mount check (src/mountcheck/check.c):
 * any /proc/self/mountinfo text parses or fails with a line number, and the
 * check of what parsed never crashes and refuses a container whose expected
 * mount is absent. */
#include "mountcheck/check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(const char *target, struct mc_identity *out, void *data)
{
	(void)target;
	(void)data;
	*out = (struct mc_identity){.major = 8, .minor = 1, .ino = 42};
	return 0;
}

static void report(const char *line, void *data)
{
	if (strncmp(line, "sandcage: ", 10) != 0 || strchr(line, '\n'))
		abort();
	(*(size_t *)data)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct mc_mount *mounts = NULL;
	size_t n = 0, bad = 0;
	if (mc_parse_mountinfo(text, &mounts, &n, &bad) == 0) {
		struct mc_expect ex[2] = {
		    {.kind = MC_BIND, .host = {.major = 8, .minor = 1, .ino = 42}, .target = "/p"},
		    {.kind = MC_VOLUME, .target = "/home/sandcage-fuzz-absent"},
		};
		size_t reported = 0;
		size_t problems = mc_check(mounts, n, ex, 2, lookup, NULL, report, &reported);
		bool absent = true;
		for (size_t i = 0; i < n; i++)
			absent &= strcmp(mounts[i].point, ex[1].target) != 0;
		if (problems != reported || (absent && problems == 0))
			abort();
	} else if (bad == 0) {
		/* out of memory only */
	}
	free(mounts);
	free(text);
	return 0;
}
