/* The fixes for known container escapes, by component and version. */
#include "versions.h"
#include "../util/strbuf.h"

bool sc_version_parse(const char *s, struct sc_version *out)
{
	*out = (struct sc_version){{0, 0, 0}};
	if (*s == 'v')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	for (int i = 0; i < 3; i++) {
		char *end = NULL;
		out->v[i] = (int)strtol(s, &end, 10);
		if (*end != '.' || end[1] < '0' || end[1] > '9')
			return true;
		s = end + 1;
	}
	return true;
}

int sc_version_cmp(const struct sc_version *a, const struct sc_version *b)
{
	for (int i = 0; i < 3; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] < b->v[i] ? -1 : 1;
	return 0;
}

/* A fix, released on several branches: a version has it when its branch
 * (major.minor) has a fixed release at or below it, or its branch is newer
 * than every branch listed. */
struct fix {
	const char *component; /* "docker", "podman", "runc" */
	const char *what;
	struct sc_version fixed[3];
	size_t n;
	/* A distribution's build of an older release known to carry the fix:
	 * the version up to its update counter, and the first update with it. */
	const char *backport_prefix;
	int backport_min;
};

static const struct fix fixes[] = {
    {"docker",
     "CVE-2019-5736 (a container overwrites the host's runc)",
     {{{18, 9, 2}}},
     1,
     NULL,
     0},
    {"docker", "CVE-2019-14271 (code injection through docker cp)", {{{19, 3, 1}}}, 1, NULL, 0},
    {"docker",
     "CVE-2021-41091 and CVE-2021-41089 (data directory permissions, docker cp)",
     {{{20, 10, 9}}},
     1,
     NULL,
     0},
    {"podman",
     "CVE-2024-1753 (a build mounts the host's root)",
     {{{4, 9, 4}}, {{5, 0, 1}}},
     2,
     NULL,
     0},
    {"runc",
     "CVE-2019-5736 and CVE-2021-30465 (host runc overwrite, mount symlink race)",
     {{{1, 0, 0}}},
     1,
     NULL,
     0},
    {"runc",
     "CVE-2024-21626 (leaked file descriptor to the host, \"Leaky Vessels\")",
     {{{1, 1, 12}}},
     1,
     "1.1.5+ds1-1+deb12u",
     1},
    {"runc",
     "CVE-2025-31133, CVE-2025-52565 and CVE-2025-52881 (mount races around "
     "masked paths and /dev/console)",
     {{{1, 2, 8}}, {{1, 3, 3}}, {{1, 4, 0}}},
     3,
     NULL,
     0},
};

static bool has_fix(const struct fix *f, const struct sc_version *v)
{
	const struct sc_version *last = &f->fixed[f->n - 1];
	for (size_t i = 0; i < f->n; i++) {
		const struct sc_version *x = &f->fixed[i];
		if (v->v[0] == x->v[0] && v->v[1] == x->v[1])
			return sc_version_cmp(v, x) >= 0;
	}
	return v->v[0] > last->v[0] || (v->v[0] == last->v[0] && v->v[1] > last->v[1]);
}

static bool backported(const struct fix *f, const char *version)
{
	if (!f->backport_prefix || !str_has_prefix(version, f->backport_prefix))
		return false;
	const char *n = version + strlen(f->backport_prefix);
	return *n >= '0' && *n <= '9' && atoi(n) >= f->backport_min;
}

/* Distributions patch their packages without changing the upstream number. */
static bool distro_build(const char *version)
{
	static const char *const marks[] = {"+ds", "dfsg", "deb",  "ubuntu",
	                                    ".el", ".fc",  "suse", NULL};
	for (const char *const *m = marks; *m; m++)
		if (strstr(version, *m))
			return true;
	return false;
}

void sc_fixes_check(const char *component, const char *version, struct sc_fixes_report *out)
{
	*out = (struct sc_fixes_report){.verdict = SC_FIXES_UNKNOWN};
	struct strbuf missing = STRBUF_INIT, patched = STRBUF_INIT;
	struct sc_version v;
	if (version && sc_version_parse(version, &v)) {
		for (size_t i = 0; i < N_ELEMENTS(fixes); i++) {
			const struct fix *f = &fixes[i];
			if (!streq(f->component, component))
				continue;
			out->known++;
			if (has_fix(f, &v))
				continue;
			struct strbuf *sb = backported(f, version) ? &patched : &missing;
			strbuf_addf(sb, "%s%s (fixed in %d.%d.%d)", sb->len ? "; " : "", f->what,
			            f->fixed[0].v[0], f->fixed[0].v[1], f->fixed[0].v[2]);
		}
		if (missing.len && distro_build(version))
			out->verdict = SC_FIXES_DISTRO;
		else if (missing.len)
			out->verdict = SC_FIXES_MISSING;
		else if (patched.len)
			out->verdict = SC_FIXES_BACKPORTED;
		else
			out->verdict = SC_FIXES_PRESENT;
	}
	out->missing = strbuf_steal(&missing);
	out->backported = strbuf_steal(&patched);
}

void sc_fixes_report_release(struct sc_fixes_report *r)
{
	free(r->missing);
	free(r->backported);
	r->missing = r->backported = NULL;
}
