/* sandcage-mountcheck: the container's first program. It checks that every
 * mount of the container is what the host checked (device and inode of
 * each bind), that nothing else is mounted but the engine's own, and only
 * then runs the command. A static program: only libc.
 *
 *   sandcage-mountcheck [--bind=MAJOR:MINOR:INODE:TARGET]... [--volume=TARGET]...
 *                       -- COMMAND [ARG]...
 *
 * Exit 125 (and one line per problem on stderr) when it refuses or its
 * arguments are wrong; 127 when COMMAND is not found, 126 when it cannot
 * run; otherwise it is COMMAND. */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_REFUSED  125
#define EXIT_CANNOT   126
#define EXIT_NOTFOUND 127

static void usage_error(const char *arg)
{
	char a[512];
	mc_escape(a, sizeof(a), arg);
	fprintf(
	    stderr,
	    "sandcage: mountcheck: bad argument '%s' (expected --bind=MAJOR:MINOR:INODE:TARGET, "
	    "--volume=TARGET, then -- COMMAND [ARG]...)\n",
	    a);
}

/* Fills `expect` (argc entries) from argv; returns the index of COMMAND,
 * or 0 after a message. */
static int parse_args(int argc, char **argv, struct mc_expect *expect, size_t *n_expect)
{
	*n_expect = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		struct mc_expect *e = &expect[*n_expect];
		if (strcmp(a, "--") == 0) {
			if (i + 1 >= argc) {
				usage_error(a);
				return 0;
			}
			return i + 1;
		}
		if (strncmp(a, "--bind=", 7) == 0 && mc_parse_bind(a + 7, e)) {
			(*n_expect)++;
		} else if (strncmp(a, "--volume=", 9) == 0 && mc_target_ok(a + 9)) {
			memset(e, 0, sizeof(*e));
			e->kind = MC_VOLUME;
			e->target = a + 9;
			(*n_expect)++;
		} else {
			usage_error(a);
			return 0;
		}
	}
	usage_error("(no --)");
	return 0;
}

/* The whole of /proc/self/mountinfo, NUL-terminated, or NULL after a
 * message. It reads at most MC_MOUNTINFO_MAX + 1 bytes. */
static char *read_mountinfo(void)
{
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr,
		        "sandcage: refusing to start: cannot open /proc/self/mountinfo: %s\n",
		        strerror(errno));
		return NULL;
	}
	char *buf = NULL;
	size_t cap = 0, len = 0;
	const char *problem = NULL;
	while (!problem) {
		if (len > MC_MOUNTINFO_MAX) {
			problem = "it is larger than 4 MiB";
			break;
		}
		if (len == cap) {
			size_t bigger = cap ? cap * 2 : 64 * 1024;
			if (bigger > MC_MOUNTINFO_MAX + 1)
				bigger = MC_MOUNTINFO_MAX + 1;
			char *b = realloc(buf, bigger + 1);
			if (!b) {
				problem = "out of memory";
				break;
			}
			buf = b;
			cap = bigger;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno != EINTR)
			problem = strerror(errno);
		else if (r == 0)
			break;
		else if (r > 0)
			len += (size_t)r;
	}
	close(fd);
	if (!problem && memchr(buf, '\0', len))
		problem = "it holds a NUL byte";
	if (problem) {
		fprintf(stderr,
		        "sandcage: refusing to start: cannot read /proc/self/mountinfo: %s\n",
		        problem);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static int lookup(const char *target, struct mc_identity *out, void *data)
{
	(void)data;
	struct statx st;
	if (statx(AT_FDCWD, target, AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_MNT_ID, &st) != 0)
		return errno;
	if (!(st.stx_mask & STATX_INO))
		return ENOTSUP;
	out->major = st.stx_dev_major;
	out->minor = st.stx_dev_minor;
	out->ino = st.stx_ino;
	out->has_mnt_id = (st.stx_mask & STATX_MNT_ID) != 0;
	out->mnt_id = st.stx_mnt_id;
	return 0;
}

static void report(const char *line, void *data)
{
	(void)data;
	fprintf(stderr, "%s\n", line);
}

int main(int argc, char **argv)
{
	struct mc_expect *expect = calloc((size_t)(argc > 0 ? argc : 1), sizeof(*expect));
	if (!expect) {
		fprintf(stderr, "sandcage: refusing to start: out of memory\n");
		return EXIT_REFUSED;
	}
	size_t n_expect;
	int cmd = parse_args(argc, argv, expect, &n_expect);
	if (!cmd)
		return EXIT_REFUSED;

	char *text = read_mountinfo();
	if (!text)
		return EXIT_REFUSED;
	struct mc_mount *mounts;
	size_t n, bad_line;
	if (mc_parse_mountinfo(text, &mounts, &n, &bad_line) != 0) {
		if (bad_line)
			fprintf(stderr,
			        "sandcage: refusing to start: line %zu of /proc/self/mountinfo "
			        "is malformed\n",
			        bad_line);
		else
			fprintf(stderr, "sandcage: refusing to start: out of memory\n");
		return EXIT_REFUSED;
	}
	if (mc_check(mounts, n, expect, n_expect, lookup, NULL, report, NULL) != 0)
		return EXIT_REFUSED;
	free(mounts);
	free(text);
	free(expect);

	execvp(argv[cmd], &argv[cmd]);
	int err = errno;
	char c[512];
	mc_escape(c, sizeof(c), argv[cmd]);
	fprintf(stderr, "sandcage: cannot run %s: %s\n", c, strerror(err));
	return err == ENOENT ? EXIT_NOTFOUND : EXIT_CANNOT;
}
