/* Unit tests for src/mountcheck/check.c: the container's first program
 * decides from /proc/self/mountinfo and the identities of the targets. The
 * fixture, tests/unit/mountinfo-docker.txt, is the mountinfo of a real
 * Docker 20.10 container:
 *   docker run --rm -t --init --read-only
 *     --mount type=bind,source=/tmp/mc/dir,target=/p
 *     --mount type=bind,source=/tmp/mc/file,target=/p/file.txt
 *     --mount type=bind,source=/tmp/mc/ro,target='/p/with space',readonly
 *     --mount type=volume,source=mc-vol,target=/data
 *     sandcage-test/base:bookworm cat /proc/self/mountinfo */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mountcheck/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The identities statx would give in that container (mount IDs of the
 * fixture's lines). */
struct fake_target {
	const char *target;
	struct mc_identity id;
};

static struct fake_target fakes[] = {
    {"/p", {254, 0, 10969428, true, 92}},
    {"/p/file.txt", {254, 0, 10969430, true, 94}},
    {"/p/with space", {254, 0, 10969429, true, 95}},
    {"/x\ty\\z", {254, 0, 77, true, 99}},
};

static int lookup_errno; /* when set, every look-up fails with it */

static int fake_lookup(const char *target, struct mc_identity *out, void *data)
{
	(void)data;
	if (lookup_errno)
		return lookup_errno;
	for (size_t i = 0; i < sizeof(fakes) / sizeof(fakes[0]); i++) {
		if (strcmp(fakes[i].target, target) == 0) {
			*out = fakes[i].id;
			return 0;
		}
	}
	return ENOENT;
}

/* The problems reported, one per line. */
static char reported[65536];

static void collect(const char *line, void *data)
{
	(void)data;
	assert_null(strchr(line, '\n'));
	assert_true(strncmp(line, "sandcage: ", 10) == 0);
	strncat(reported, line, sizeof(reported) - strlen(reported) - 2);
	strcat(reported, "\n");
}

static char *fixture(void)
{
	FILE *f = fopen(SC_SOURCE_DIR "/tests/unit/mountinfo-docker.txt", "r");
	assert_non_null(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

/* The fixture, then `extra` (lines, each ending in a newline). */
static char *fixture_with(const char *extra)
{
	char *base = fixture();
	char *text = malloc(strlen(base) + strlen(extra) + 1);
	assert_non_null(text);
	strcpy(text, base);
	strcat(text, extra);
	free(base);
	return text;
}

/* What the fixture's container was started with. */
static struct mc_expect docker_expect[] = {
    {MC_BIND, {254, 0, 10969428, false, 0}, "/p"},
    {MC_BIND, {254, 0, 10969430, false, 0}, "/p/file.txt"},
    {MC_BIND, {254, 0, 10969429, false, 0}, "/p/with space"},
    {MC_VOLUME, {0}, "/data"},
};
#define N_DOCKER (sizeof(docker_expect) / sizeof(docker_expect[0]))

/* Checks `text` (taken) against `expect`; returns the number of problems,
 * their lines in `reported`. */
static size_t check(char *text, const struct mc_expect *expect, size_t n_expect)
{
	struct mc_mount *mounts = NULL;
	size_t n = 0, bad = 0;
	reported[0] = '\0';
	assert_int_equal(mc_parse_mountinfo(text, &mounts, &n, &bad), 0);
	size_t problems = mc_check(mounts, n, expect, n_expect, fake_lookup, NULL, collect, NULL);
	free(mounts);
	free(text);
	/* One line per problem. */
	size_t lines = 0;
	for (const char *c = reported; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, problems);
	return problems;
}

static void assert_reported(const char *what)
{
	if (!strstr(reported, what))
		fail_msg("expected \"%s\" among the problems:\n%s", what, reported);
}

static void test_parse_fixture(void **state)
{
	(void)state;
	char *text = fixture();
	struct mc_mount *m = NULL;
	size_t n = 0, bad = 99;
	assert_int_equal(mc_parse_mountinfo(text, &m, &n, &bad), 0);
	assert_int_equal(n, 34);
	assert_int_equal(m[0].id, 74);
	assert_string_equal(m[0].point, "/");
	assert_string_equal(m[0].fstype, "overlay");
	assert_string_equal(m[0].source, "overlay");
	/* The volume: optional field (master:1) before the separator. */
	assert_string_equal(m[19].point, "/data");
	assert_string_equal(m[19].root, "/var/lib/docker/volumes/mc-vol/_data");
	assert_int_equal(m[19].major, 254);
	assert_int_equal(m[19].minor, 0);
	assert_int_equal(m[19].parent, 74);
	assert_string_equal(m[19].fstype, "ext4");
	assert_string_equal(m[19].source, "/dev/vda");
	/* \040 in the mount point. */
	assert_string_equal(m[21].point, "/p/with space");
	assert_string_equal(m[21].root, "/tmp/mc/ro");
	free(m);
	free(text);
}

static void test_all_expected(void **state)
{
	(void)state;
	assert_int_equal(check(fixture(), docker_expect, N_DOCKER), 0);
	assert_string_equal(reported, "");

	/* A kernel that does not give the mount ID: the inode decides. */
	for (size_t i = 0; i < 3; i++)
		fakes[i].id.has_mnt_id = false;
	assert_int_equal(check(fixture(), docker_expect, N_DOCKER), 0);
	for (size_t i = 0; i < 3; i++)
		fakes[i].id.has_mnt_id = true;
}

static void test_identity_differs(void **state)
{
	(void)state;
	struct mc_expect e[N_DOCKER];
	memcpy(e, docker_expect, sizeof(e));
	e[1].host.ino = 1234;
	assert_int_equal(check(fixture(), e, N_DOCKER), 1);
	assert_reported("sandcage: refusing to start: /p/file.txt is not what sandcage checked "
	                "(device 254:0 inode 1234 expected, found 254:0 inode 10969430); the "
	                "project changed while the session started (another session may be "
	                "changing it), try again\n");

	/* Another device, same inode. */
	memcpy(e, docker_expect, sizeof(e));
	e[0].host.major = 8;
	e[0].host.minor = 1;
	assert_int_equal(check(fixture(), e, N_DOCKER), 1);
	assert_reported("/p is not what sandcage checked (device 8:1 inode 10969428 expected, "
	                "found 254:0 inode 10969428)");
}

static void test_mount_id_differs(void **state)
{
	(void)state;
	/* The path leads to another mount than the line at that mount point. */
	fakes[0].id.mnt_id = 74;
	size_t problems = check(fixture(), docker_expect, N_DOCKER);
	fakes[0].id.mnt_id = 92;
	assert_int_equal(problems, 1);
	assert_reported("/p is not on the mount sandcage asked for (mount 92 expected, found mount "
	                "74)");
}

static void test_lookup_fails(void **state)
{
	(void)state;
	lookup_errno = EACCES;
	size_t problems = check(fixture(), docker_expect, N_DOCKER);
	lookup_errno = 0;
	assert_int_equal(problems, 3);
	assert_reported("sandcage: refusing to start: cannot check /p/with space: Permission "
	                "denied\n");
}

static void test_unexpected_bind(void **state)
{
	(void)state;
	assert_int_equal(
	    check(fixture_with("99 74 254:0 /home/u /home/x rw,relatime - ext4 /dev/vda rw\n"),
	          docker_expect, N_DOCKER),
	    1);
	assert_reported("sandcage: refusing to start: unexpected mount at /home/x (ext4, root "
	                "/home/u)\n");

	/* The volume, not declared. */
	assert_int_equal(check(fixture(), docker_expect, N_DOCKER - 1), 1);
	assert_reported(
	    "unexpected mount at /data (ext4, root /var/lib/docker/volumes/mc-vol/_data)");

	/* Nothing declared: every bind and the volume. */
	assert_int_equal(check(fixture(), NULL, 0), 4);
	assert_reported("unexpected mount at /p (ext4, root /tmp/mc/dir)\n");
	assert_reported("unexpected mount at /p/with space (ext4, root /tmp/mc/ro)\n");
}

static void test_missing_target(void **state)
{
	(void)state;
	struct mc_expect e[N_DOCKER + 2];
	memcpy(e, docker_expect, sizeof(docker_expect));
	e[N_DOCKER] = (struct mc_expect){MC_BIND, {254, 0, 5, false, 0}, "/p/.git/hooks"};
	e[N_DOCKER + 1] = (struct mc_expect){MC_VOLUME, {0}, "/cache"};
	assert_int_equal(check(fixture(), e, N_DOCKER + 2), 2);
	assert_reported("sandcage: refusing to start: nothing is mounted at /p/.git/hooks, where "
	                "sandcage asked for a mount; the project changed while the session started "
	                "(another session may be changing it), try again\n");
	assert_reported("nothing is mounted at /cache,");
}

static void test_duplicate_point(void **state)
{
	(void)state;
	/* A second mount at an expected target hides the checked one. */
	assert_int_equal(check(fixture_with("99 92 254:0 /etc /p rw - ext4 /dev/vda rw\n"),
	                       docker_expect, N_DOCKER),
	                 1);
	assert_reported("sandcage: refusing to start: more than one mount at /p (one hides "
	                "another)\n");

	/* At an engine place, three times: said once. */
	assert_int_equal(check(fixture_with("99 76 0:45 / /dev/shm rw - tmpfs shm rw\n"
	                                    "100 76 0:45 / /dev/shm rw - tmpfs shm rw\n"),
	                       docker_expect, N_DOCKER),
	                 1);
	assert_reported("more than one mount at /dev/shm (one hides another)\n");

	/* Over the engine's own file. */
	assert_int_equal(check(fixture_with("99 74 254:0 /etc/passwd /etc/hosts rw - ext4 "
	                                    "/dev/vda rw\n"),
	                       docker_expect, N_DOCKER),
	                 1);
	assert_reported("more than one mount at /etc/hosts");
}

static void test_expected_twice(void **state)
{
	(void)state;
	struct mc_expect e[N_DOCKER + 1];
	memcpy(e, docker_expect, sizeof(docker_expect));
	e[N_DOCKER] = (struct mc_expect){MC_VOLUME, {0}, "/p"};
	assert_int_equal(check(fixture(), e, N_DOCKER + 1), 1);
	assert_reported("sandcage: refusing to start: /p is expected twice\n");
}

/* One extra mount line, and whether it is the engine's own. */
static const struct {
	const char *line;
	bool ok;
} engine_cases[] = {
    {"99 76 0:41 / /dev/x rw - tmpfs tmpfs rw\n", true},
    {"99 76 0:25 /user/1000 /dev/x rw - tmpfs tmpfs rw\n", false},
    {"99 76 0:41 /null /dev/x rw - tmpfs tmpfs rw\n", false},
    {"99 75 0:41 /null /proc/kcore rw - tmpfs tmpfs rw\n", true},
    {"99 78 0:41 /null /sys/x rw - tmpfs tmpfs rw\n", true},
    {"99 74 0:41 / /devx rw - tmpfs tmpfs rw\n", false},
    {"99 74 0:41 / /tmp rw - tmpfs tmpfs rw\n", false},
    {"99 75 0:40 /kcore /proc/kcore ro - proc proc rw\n", true},
    {"99 75 0:40 / /proc/kcore ro - proc proc rw\n", false},
    {"99 74 0:40 / /procx ro - proc proc rw\n", false},
    {"99 74 0:40 / /mnt ro - proc proc rw\n", false},
    {"99 78 0:43 /kernel /sys/kernel ro - sysfs sysfs ro\n", true},
    {"99 74 0:43 / /host-sys ro - sysfs sysfs ro\n", false},
    {"99 79 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", true},
    {"99 79 0:26 /docker/abc /sys/fs/cgroup/net_cls rw - cgroup cgroup rw,net_cls\n", true},
    {"99 78 0:26 / /sys/kernel rw - cgroup2 cgroup2 rw\n", false},
    {"99 76 0:5 /null /dev/null rw - devtmpfs udev rw\n", true},
    {"99 75 0:5 /null /proc/kcore rw - devtmpfs udev rw\n", true},
    {"99 74 0:5 /sda /home/x rw - devtmpfs udev rw\n", false},
    {"99 74 0:5 / /devices rw - devtmpfs udev rw\n", false},
    {"99 76 0:42 /3 /dev/tty3 rw - devpts devpts rw\n", true},
    {"99 74 0:42 / /pts rw - devpts devpts rw\n", false},
    {"99 76 0:39 / /dev/mq rw - mqueue mqueue rw\n", true},
    {"99 76 0:39 /x /dev/mq rw - mqueue mqueue rw\n", false},
    {"99 74 0:39 / /tmp/mq rw - mqueue mqueue rw\n", false},
    {"99 74 254:0 /userdata/.containerenv /run/.containerenv rw - ext4 /dev/vda rw\n", true},
    {"99 74 254:0 /usr/libexec/podman/catatonit /run/podman-init ro - ext4 /dev/vda rw\n", true},
    {"99 74 254:0 /usr/bin/tini-static /sbin/docker-init ro - ext4 /dev/vda rw\n", true},
    {"99 74 254:0 /etc/shadow /etc/passwd ro - ext4 /dev/vda rw\n", false},
    {"99 74 254:0 /x /run/.containerenv2 ro - ext4 /dev/vda rw\n", false},
    {"99 74 0:50 / /x rw - overlay overlay rw\n", false},
    {"99 75 254:0 /tmp/mc/dir /proc/x rw - ext4 /dev/vda rw\n", false},
    {"99 76 254:0 /tmp/mc/dir /dev/x rw - ext4 /dev/vda rw\n", false},
};

static void test_engine_mounts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(engine_cases) / sizeof(engine_cases[0]); i++) {
		size_t problems =
		    check(fixture_with(engine_cases[i].line), docker_expect, N_DOCKER);
		if (problems != (engine_cases[i].ok ? 0u : 1u))
			fail_msg("%s: %zu problems, expected %s:\n%s", engine_cases[i].line,
			         problems, engine_cases[i].ok ? "none" : "one", reported);
		if (!engine_cases[i].ok)
			assert_reported("sandcage: refusing to start: unexpected mount at ");
	}
}

static void test_escaped_points(void **state)
{
	(void)state;
	/* Tab and backslash in a mount point: expected, it matches. */
	const char *line = "99 74 254:0 /a /x\\011y\\134z rw - ext4 /dev/vda rw\n";
	struct mc_expect e[N_DOCKER + 1];
	memcpy(e, docker_expect, sizeof(docker_expect));
	e[N_DOCKER] = (struct mc_expect){MC_BIND, {254, 0, 77, false, 0}, "/x\ty\\z"};
	assert_int_equal(check(fixture_with(line), e, N_DOCKER + 1), 0);

	/* Not expected: the message shows it escaped, on one line. */
	assert_int_equal(check(fixture_with(line), docker_expect, N_DOCKER), 1);
	assert_reported("unexpected mount at /x\\011y\\134z (ext4, root /a)\n");

	/* A newline in a mount point stays in the message's one line. */
	assert_int_equal(check(fixture_with("99 74 254:0 / /a\\012b rw - ext4 /dev/vda rw\n"),
	                       docker_expect, N_DOCKER),
	                 1);
	assert_reported("unexpected mount at /a\\012b (ext4)\n");

	char buf[8];
	mc_escape(buf, sizeof(buf), "/a\nbcdefgh");
	assert_string_equal(buf, "/a\\012b");
}

static void test_malformed_lines(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "99 74 254:0 / /x rw ext4 /dev/vda rw\n",            /* no separator */
	    "99 74 254:0 / /x rw - ext4 /dev/vda\n",             /* no super options */
	    "99 74 254:0 / /x rw - ext4 /dev/vda rw extra\n",    /* a field too many */
	    "x9 74 254:0 / /x rw - ext4 /dev/vda rw\n",          /* mount ID */
	    "99 -74 254:0 / /x rw - ext4 /dev/vda rw\n",         /* parent ID */
	    "99 74 254 / /x rw - ext4 /dev/vda rw\n",            /* no minor */
	    "99 74 254:0x / /x rw - ext4 /dev/vda rw\n",         /* minor */
	    "99 74 254:0 / x rw - ext4 /dev/vda rw\n",           /* relative mount point */
	    "99 74 254:0 / /x\\09 rw - ext4 /dev/vda rw\n",      /* short escape */
	    "99 74 254:0 / /x\\000 rw - ext4 /dev/vda rw\n",     /* NUL */
	    "99 74 254:0 / /x\\ rw - ext4 /dev/vda rw\n",        /* lone backslash */
	    "99 74 254:0 /\\x / rw - ext4 /dev/vda rw\n",        /* in the root */
	    "99 74 254:0 / /x rw - ext\\4 /dev/vda rw\n",        /* in the type */
	    "99 74 254:0 / /x rw - ext4 /dev/v\\da rw\n",        /* in the source */
	    "99 74 254:0 /  /x rw - ext4 /dev/vda rw\n",         /* empty field */
	    "99 74 254:0 / /x rw - ext4 /dev/vda rw \n",         /* trailing space */
	    "\n",                                                /* empty line */
	    "99 74 254:0 / /x\n",                                /* cut short */
	    "99 74 99999999999:0 / /x rw - ext4 /dev/vda rw\n",  /* major too big */
	    "99999999999999999999 74 0:1 / /x rw - ext4 d rw\n", /* ID too big */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = fixture_with(bad[i]);
		struct mc_mount *m = NULL;
		size_t n = 0, line = 0;
		if (mc_parse_mountinfo(text, &m, &n, &line) != -1 || line != 35)
			fail_msg("accepted (or wrong line %zu): %s", line, bad[i]);
		free(text);
	}

	/* The last line without its newline is whole; type and source unescaped. */
	char text[] = "74 68 0:50 / / rw - fuse.a\\040b my\\011src rw";
	struct mc_mount *m = NULL;
	size_t n = 0, line = 0;
	assert_int_equal(mc_parse_mountinfo(text, &m, &n, &line), 0);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].fstype, "fuse.a b");
	assert_string_equal(m[0].source, "my\tsrc");
	free(m);
}

static void test_no_root_mount(void **state)
{
	(void)state;
	assert_int_equal(
	    check(strdup("92 74 254:0 /tmp/mc/dir /p rw - ext4 /dev/vda rw\n"), docker_expect, 1),
	    1);
	assert_reported("sandcage: refusing to start: no root mount in /proc/self/mountinfo\n");
	assert_int_equal(check(strdup(""), NULL, 0), 1);
}

static void test_parse_bind(void **state)
{
	(void)state;
	struct mc_expect e;
	assert_true(mc_parse_bind("8:1:1234:/p/a:b", &e));
	assert_int_equal(e.kind, MC_BIND);
	assert_int_equal(e.host.major, 8);
	assert_int_equal(e.host.minor, 1);
	assert_int_equal(e.host.ino, 1234);
	assert_false(e.host.has_mnt_id);
	assert_string_equal(e.target, "/p/a:b");
	assert_true(mc_parse_bind("254:0:18446744073709551615:/x y", &e));
	assert_true(e.host.ino == UINT64_MAX);

	static const char *const bad[] = {
	    "8:1:/p",
	    "8:x:1:/p",
	    "8:1:1:p",
	    "8:1:1:/p/",
	    "8:1:1:/p/../x",
	    "8:1:1:/p//x",
	    "8:1:1:/./p",
	    "8:1:1:",
	    "-1:1:1:/p",
	    "8:1:18446744073709551616:/p",
	    ":1:1:/p",
	    "8::1:/p",
	    "4294967296:0:1:/p",
	    "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (mc_parse_bind(bad[i], &e))
			fail_msg("accepted: %s", bad[i]);

	assert_true(mc_target_ok("/"));
	assert_true(mc_target_ok("/.sandcage-mountcheck"));
	assert_true(mc_target_ok("/p/..x/.y"));
	assert_false(mc_target_ok("/p/."));
	assert_false(mc_target_ok(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_fixture),    cmocka_unit_test(test_all_expected),
	    cmocka_unit_test(test_identity_differs), cmocka_unit_test(test_mount_id_differs),
	    cmocka_unit_test(test_lookup_fails),     cmocka_unit_test(test_unexpected_bind),
	    cmocka_unit_test(test_missing_target),   cmocka_unit_test(test_duplicate_point),
	    cmocka_unit_test(test_expected_twice),   cmocka_unit_test(test_engine_mounts),
	    cmocka_unit_test(test_escaped_points),   cmocka_unit_test(test_malformed_lines),
	    cmocka_unit_test(test_no_root_mount),    cmocka_unit_test(test_parse_bind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
