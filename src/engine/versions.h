/* The fixes for known container escapes and the versions of Docker, podman
 * and runc that carry them. Pure: it reads no file and runs nothing, so that
 * `sandcage doctor` asks the engine and this table answers (and the unit
 * tests can feed it any version string). */
#pragma once

#include "../util/util.h"

struct sc_version {
	int v[3];
};

/* "v1.1.12-0-g51d5e94", "1.1.5+ds1-1+deb12u1", "20.10.24+dfsg1": the
 * leading numbers, up to three (missing ones are 0); false when there are
 * none. */
bool sc_version_parse(const char *s, struct sc_version *out);
/* <0, 0 or >0, as strcmp. */
int sc_version_cmp(const struct sc_version *a, const struct sc_version *b);

enum sc_fixes_verdict {
	SC_FIXES_UNKNOWN,    /* the version could not be read */
	SC_FIXES_PRESENT,    /* it carries every known fix */
	SC_FIXES_BACKPORTED, /* a distribution build whose number is older, fixes backported */
	SC_FIXES_DISTRO,     /* a distribution build of an older release: its advisories tell */
	SC_FIXES_MISSING,    /* it lacks fixes: upgrade */
};

struct sc_fixes_report {
	enum sc_fixes_verdict verdict;
	/* "WHAT (fixed in X.Y.Z); WHAT (fixed in ...)": the fixes the version
	 * lacks, and those a distribution backported to it ("" when none). */
	char *missing;
	char *backported;
	size_t known; /* how many fixes are known for the component */
};

/* Compares `version` (as the program reports it; NULL when it did not
 * answer) of `component` ("docker", "podman" or "runc") with the fixes for
 * known container escapes. Fills *out; release it with
 * sc_fixes_report_release(). */
void sc_fixes_check(const char *component, const char *version, struct sc_fixes_report *out);
void sc_fixes_report_release(struct sc_fixes_report *r);
