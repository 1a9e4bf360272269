/* libFuzzer target for the .dockerignore matcher (src/launch/dockerignore.c),
 * which reads the project's (the attacker's) data: any text either parses
 * or fails with an error naming `.dockerignore:LINE`; matching paths taken
 * from the same input never crashes or runs away (the matcher does not
 * backtrack), and a file the patterns keep is never a directory's child
 * that the walk would skip without looking. */
#include "launch/dockerignore.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The input: patterns, then a NUL, then paths one per line. */
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t plen = nul ? (size_t)(nul - text) : size;
	struct sc_ignore_patterns *p = NULL;
	struct sc_error *err = NULL;
	if (sc_ignore_parse(".dockerignore", text, plen, &p, &err) < 0) {
		if (p || !err || strncmp(err->msg, "`.dockerignore:", 15) != 0)
			abort();
		sc_error_free(err);
		return 0;
	}
	if (!nul)
		nul = text + size - 1;
	const char *end = text + size;
	for (const char *s = nul + 1; s < end;) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		if (!e)
			e = end;
		char path[512];
		size_t n = (size_t)(e - s) < sizeof(path) - 1 ? (size_t)(e - s) : sizeof(path) - 1;
		memcpy(path, s, n);
		path[n] = '\0';
		if (n && !memchr(path, '\0', n)) {
			bool ex = sc_ignore_excludes(p, path);
			/* A kept path below an excluded directory must be reachable:
			 * the walk goes into the directory when an exception could
			 * take something back. */
			char *slash = strrchr(path, '/');
			if (!ex && slash && slash != path) {
				*slash = '\0';
				if (sc_ignore_excludes(p, path) &&
				    !sc_ignore_may_include_below(p, path))
					abort();
			}
		}
		s = e + 1;
	}
	sc_ignore_free(p);
	return 0;
}
