/* Unit tests for src/engine/versions: reading the versions Docker, podman and
 * runc report, comparing them, and the verdict on the fixes for known
 * container escapes (branches, newer branches, distribution backports). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/versions.h"

static void check_parse(const char *s, bool ok, int a, int b, int c)
{
	struct sc_version v = {{-1, -1, -1}};
	bool got = sc_version_parse(s, &v);
	if (got != ok)
		fail_msg("`%s`: parse should %s", s, ok ? "succeed" : "fail");
	if (ok && (v.v[0] != a || v.v[1] != b || v.v[2] != c))
		fail_msg("`%s`: want %d.%d.%d, got %d.%d.%d", s, a, b, c, v.v[0], v.v[1], v.v[2]);
}

static void test_parse(void **state)
{
	check_parse("v1.1.12-0-g51d5e94", true, 1, 1, 12);
	check_parse("1.1.5+ds1-1+deb12u1", true, 1, 1, 5);
	check_parse("20.10.24+dfsg1", true, 20, 10, 24);
	check_parse("27.3.1", true, 27, 3, 1);
	check_parse("1.2.3.4", true, 1, 2, 3);
	check_parse("5.0", true, 5, 0, 0);
	check_parse("5", true, 5, 0, 0);
	check_parse("1.", true, 1, 0, 0);
	check_parse("1.x", true, 1, 0, 0);
	check_parse("", false, 0, 0, 0);
	check_parse("v", false, 0, 0, 0);
	check_parse("abc", false, 0, 0, 0);
	/* Docker's own packages report a commit for runc, not a version: one
	 * that starts with a digit reads as a number, which is why doctor also
	 * wants a dot in what it reads. */
	check_parse("de40ad0d16f2c33c9d5c1c51fe1c1a4ab6c97bb2", false, 0, 0, 0);
	check_parse("51d5e94601ceffbbd85688df1c928ecccbfa4685", true, 51, 0, 0);
}

static void test_cmp(void **state)
{
	struct sc_version a = {{1, 2, 3}}, b = {{1, 10, 0}}, c = {{1, 2, 3}}, d = {{2, 0, 0}};
	assert_true(sc_version_cmp(&a, &b) < 0);
	assert_true(sc_version_cmp(&b, &a) > 0);
	assert_int_equal(sc_version_cmp(&a, &c), 0);
	assert_true(sc_version_cmp(&b, &d) < 0);
	struct sc_version e = {{1, 2, 4}};
	assert_true(sc_version_cmp(&a, &e) < 0);
}

/* The verdict for `version` of `component`, and that the fixes named as
 * missing (or backported) are those whose text holds `missing` (`patched`). */
static void check(const char *component, const char *version, enum sc_fixes_verdict want,
                  const char *missing, const char *patched)
{
	struct sc_fixes_report r;
	sc_fixes_check(component, version, &r);
	if (r.verdict != want)
		fail_msg("%s %s: verdict %d, want %d (missing: %s; backported: %s)", component,
		         version ? version : "(null)", r.verdict, want, r.missing, r.backported);
	assert_non_null(r.missing);
	assert_non_null(r.backported);
	if (missing ? !strstr(r.missing, missing) : *r.missing != '\0')
		fail_msg("%s %s: missing `%s`, want %s", component, version, r.missing,
		         missing ? missing : "none");
	if (patched ? !strstr(r.backported, patched) : *r.backported != '\0')
		fail_msg("%s %s: backported `%s`, want %s", component, version, r.backported,
		         patched ? patched : "none");
	sc_fixes_report_release(&r);
}

static void test_docker(void **state)
{
	check("docker", "27.3.1", SC_FIXES_PRESENT, NULL, NULL);
	check("docker", "20.10.9", SC_FIXES_PRESENT, NULL, NULL);
	check("docker", "20.10.24+dfsg1", SC_FIXES_PRESENT, NULL, NULL);
	check("docker", "20.10.8", SC_FIXES_MISSING, "CVE-2021-41091", NULL);
	/* On 19.03 the docker cp fix came in 19.03.1; 19.03.0 lacks it (and
	 * the 20.10 one), but has the one of 18.09.2 (its branch is newer). */
	check("docker", "19.03.0", SC_FIXES_MISSING, "CVE-2019-14271", NULL);
	check("docker", "19.3.1", SC_FIXES_MISSING, "CVE-2021-41091", NULL);
	check("docker", "18.09.1", SC_FIXES_MISSING, "CVE-2019-5736", NULL);
	/* An older number from a distribution: its advisories tell. */
	check("docker", "18.09.1+dfsg1-7", SC_FIXES_DISTRO, "CVE-2019-5736", NULL);

	struct sc_fixes_report r;
	sc_fixes_check("docker", "27.0.0", &r);
	assert_int_equal(r.known, 3);
	sc_fixes_report_release(&r);
	sc_fixes_check("docker", "18.09.1", &r);
	assert_non_null(strstr(r.missing, "(fixed in 18.9.2); "));
	assert_non_null(strstr(r.missing, "(fixed in 20.10.9)"));
	sc_fixes_report_release(&r);
}

static void test_podman_branches(void **state)
{
	/* Fixed on two branches: 4.9.4 and 5.0.1. */
	check("podman", "4.9.3", SC_FIXES_MISSING, "CVE-2024-1753", NULL);
	check("podman", "4.9.4", SC_FIXES_PRESENT, NULL, NULL);
	check("podman", "4.8.0", SC_FIXES_MISSING, "CVE-2024-1753", NULL);
	check("podman", "5.0.0", SC_FIXES_MISSING, "CVE-2024-1753", NULL);
	check("podman", "5.0.1", SC_FIXES_PRESENT, NULL, NULL);
	check("podman", "5.2.0", SC_FIXES_PRESENT, NULL, NULL);
	check("podman", "6.0.0", SC_FIXES_PRESENT, NULL, NULL);
	check("podman", "v4.9.4-dev", SC_FIXES_PRESENT, NULL, NULL);
}

static void test_runc(void **state)
{
	check("runc", "1.2.8", SC_FIXES_PRESENT, NULL, NULL);
	check("runc", "1.3.3", SC_FIXES_PRESENT, NULL, NULL);
	check("runc", "1.4.0", SC_FIXES_PRESENT, NULL, NULL);
	check("runc", "1.5.1", SC_FIXES_PRESENT, NULL, NULL);
	check("runc", "v1.2.7-0-gabcdef", SC_FIXES_MISSING, "CVE-2025-31133", NULL);
	check("runc", "1.3.2", SC_FIXES_MISSING, "CVE-2025-31133", NULL);
	/* 1.1 is older than every branch with the 2025 fix. */
	check("runc", "1.1.15", SC_FIXES_MISSING, "CVE-2025-31133", NULL);
	check("runc", "1.1.11", SC_FIXES_MISSING, "CVE-2024-21626", NULL);
	check("runc", "0.1.1", SC_FIXES_MISSING, "CVE-2019-5736", NULL);

	struct sc_fixes_report r;
	sc_fixes_check("runc", "1.2.8", &r);
	assert_int_equal(r.known, 3);
	sc_fixes_report_release(&r);
	/* Only the fix that is missing is named. */
	sc_fixes_check("runc", "1.1.15", &r);
	assert_null(strstr(r.missing, "CVE-2024-21626"));
	sc_fixes_report_release(&r);
}

static void test_runc_backport(void **state)
{
	/* Debian 12's runc 1.1.5 carries the Leaky Vessels fix from its first
	 * security update on, but not the 2025 ones. */
	check("runc", "1.1.5+ds1-1+deb12u1", SC_FIXES_DISTRO, "CVE-2025-31133", "CVE-2024-21626");
	check("runc", "1.1.5+ds1-1+deb12u12", SC_FIXES_DISTRO, "CVE-2025-31133", "CVE-2024-21626");
	struct sc_fixes_report r;
	sc_fixes_check("runc", "1.1.5+ds1-1+deb12u1", &r);
	assert_null(strstr(r.missing, "CVE-2024-21626"));
	sc_fixes_report_release(&r);
	/* Before the update, or another build: not backported. */
	check("runc", "1.1.5+ds1-1+deb12u0", SC_FIXES_DISTRO, "CVE-2024-21626", NULL);
	check("runc", "1.1.5+ds1-1", SC_FIXES_DISTRO, "CVE-2024-21626", NULL);
	check("runc", "1.1.5+ds1-1+deb12ux", SC_FIXES_DISTRO, "CVE-2024-21626", NULL);
	check("runc", "1.1.5", SC_FIXES_MISSING, "CVE-2024-21626", NULL);
	check("runc", "1.1.5-1ubuntu1", SC_FIXES_DISTRO, "CVE-2024-21626", NULL);
	check("runc", "1.1.5-1.el9", SC_FIXES_DISTRO, "CVE-2024-21626", NULL);
}

static void test_unknown(void **state)
{
	check("runc", NULL, SC_FIXES_UNKNOWN, NULL, NULL);
	check("runc", "commit 51d5e94", SC_FIXES_UNKNOWN, NULL, NULL);
	check("docker", "", SC_FIXES_UNKNOWN, NULL, NULL);
	/* A component without known fixes has them all. */
	struct sc_fixes_report r;
	sc_fixes_check("crun", "1.0", &r);
	assert_int_equal(r.verdict, SC_FIXES_PRESENT);
	assert_int_equal(r.known, 0);
	sc_fixes_report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),   cmocka_unit_test(test_cmp),
	    cmocka_unit_test(test_docker),  cmocka_unit_test(test_podman_branches),
	    cmocka_unit_test(test_runc),    cmocka_unit_test(test_runc_backport),
	    cmocka_unit_test(test_unknown),
	};
	return cmocka_run_group_tests_name("versions", tests, NULL, NULL);
}
