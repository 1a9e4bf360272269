/* What a build leaves out of its context: the patterns of `.dockerignore`,
 * with the rules of moby's patternmatcher and docker/cli's ignore file (see
 * docs/security.md). The file is the project's data: read without following
 * a link, bounded, and a pattern Docker refuses is refused here too. */
#pragma once

#include "../util/error.h"

struct sc_ignore_patterns;

/* Parses the text of an ignore file called `name` (for errors, which name
 * `name:LINE`): one pattern a line, a `#` in the first column starts a
 * comment, blank lines and surrounding whitespace go, `!` re-includes, a
 * pattern is cleaned like Go's filepath.Clean and loses a leading `/`. */
int sc_ignore_parse(const char *name, const char *text, size_t len, struct sc_ignore_patterns **out,
                    struct sc_error **err);
void sc_ignore_free(struct sc_ignore_patterns *p);
static inline void cleanup_ignorep(struct sc_ignore_patterns **p)
{
	sc_ignore_free(*p);
}
#define _cleanup_ignore_ _cleanup_(cleanup_ignorep)

/* Whether the context-relative, slash-separated `path` is left out: the
 * last pattern that matches it or one of its parent directories decides
 * (moby's MatchesOrParentMatches). */
bool sc_ignore_excludes(const struct sc_ignore_patterns *p, const char *path);
/* Whether an exception (`!`) could take back something below the excluded
 * directory `dir`, so that the walk must go into it and decide per entry.
 * Never false where Docker goes in; true also for exceptions Docker would
 * not look at (a `**` or `[` in one), which only makes a hash cover more. */
bool sc_ignore_may_include_below(const struct sc_ignore_patterns *p, const char *dir);

/* The ignore files of a build context: `.dockerignore` (docker) and
 * `.containerignore` (podman reads it first). An entry is left out only when
 * every file present leaves it out, so that a hash covers what either engine
 * sends. */
struct sc_build_ignore {
	struct sc_ignore_patterns *sets[2];
	size_t n;
};
enum sc_ignore_verdict {
	SC_IGNORE_KEEP,    /* the build gets it */
	SC_IGNORE_SKIP,    /* left out, and all below it */
	SC_IGNORE_DESCEND, /* a directory left out whose entries are decided one by one */
};
/* Reads the ignore files in the directory `dirfd` with fs_read_file_safe
 * (no link, a regular file, at most FS_MAX_CONFIG bytes); absent ones are
 * no patterns. */
int sc_build_ignore_load(int dirfd, struct sc_build_ignore *out, struct sc_error **err);
void sc_build_ignore_release(struct sc_build_ignore *ig);
/* The verdict for the context-relative `path`; the ignore files themselves
 * are always kept (the builder always gets them). */
enum sc_ignore_verdict sc_build_ignore_check(const struct sc_build_ignore *ig, const char *path,
                                             bool is_dir);
