/* sandcage doctor: checks the host (engine, versions against known container
 * escapes, configuration, trust, image) and runs probes inside a real
 * sandcage container, planned exactly as a session's, each reported pass,
 * warn or fail with the reason. */
#include "../config/config.h"
#include "../plan/container.h"
#include "../plan/image.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../util/proc.h"
#include "../util/strbuf.h"
#include "../workspace/workspace.h"
#include "build.h"
#include "cmd.h"
#include "network.h"
#include "security.h"

#include <jansson.h>
#include <stdarg.h>

extern const struct sc_command sc_cmd_doctor;
extern char **environ;

enum status { ST_PASS, ST_WARN, ST_FAIL };
static const char *const status_names[] = {"pass", "warn", "fail"};

struct check {
	const char *group; /* "host" or "container" */
	char *name;
	enum status status;
	char *reason;
};

static void check_free(void *p)
{
	struct check *c = p;
	free(c->name);
	free(c->reason);
	free(c);
}

static void add(struct vec *checks, const char *group, const char *name, enum status st,
                const char *fmt, ...) _printf_(5, 6);
static void add(struct vec *checks, const char *group, const char *name, enum status st,
                const char *fmt, ...)
{
	struct check *c = xcalloc(1, sizeof(*c));
	c->group = group;
	c->name = xstrdup(name);
	c->status = st;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	c->reason = strbuf_steal(&sb);
	vec_push(checks, c);
}

/* The first line of a command's output, or NULL when it failed. */
static char *first_line(char *const argv[])
{
	_cleanup_free_ char *out = NULL, *errout = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	int status = 0;
	if (proc_run_capture(argv, &out, &errout, &status, &err) < 0 || status != 0)
		return NULL;
	out[strcspn(out, "\r\n")] = '\0';
	return *out ? xstrdup(out) : NULL;
}

/* ---- versions against known container escapes ---- */

struct version {
	int v[3];
};

/* "v1.1.12-0-g51d5e94", "1.1.5+ds1-1+deb12u1", "20.10.24+dfsg1": the
 * leading numbers; false when there are none. */
static bool parse_version(const char *s, struct version *out)
{
	*out = (struct version){{0, 0, 0}};
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

static int vcmp(const struct version *a, const struct version *b)
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
	struct version fixed[3];
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

static bool has_fix(const struct fix *f, const struct version *v)
{
	const struct version *last = &f->fixed[f->n - 1];
	for (size_t i = 0; i < f->n; i++) {
		const struct version *x = &f->fixed[i];
		if (v->v[0] == x->v[0] && v->v[1] == x->v[1])
			return vcmp(v, x) >= 0;
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

static void check_version(struct vec *checks, const char *name, const char *component,
                          const char *version)
{
	struct version v;
	if (!version || !parse_version(version, &v)) {
		add(checks, "host", name, ST_WARN,
		    "could not tell the %s version (%s); compare it with the fixes in "
		    "docs/security.md",
		    component, version ? version : "no answer");
		return;
	}
	_cleanup_strbuf_ struct strbuf missing = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf patched = STRBUF_INIT;
	size_t n = 0;
	for (size_t i = 0; i < N_ELEMENTS(fixes); i++) {
		const struct fix *f = &fixes[i];
		if (!streq(f->component, component))
			continue;
		n++;
		if (has_fix(f, &v))
			continue;
		struct strbuf *sb = backported(f, version) ? &patched : &missing;
		strbuf_addf(sb, "%s%s (fixed in %d.%d.%d)", sb->len ? "; " : "", f->what,
		            f->fixed[0].v[0], f->fixed[0].v[1], f->fixed[0].v[2]);
	}
	if (missing.len && distro_build(version))
		add(checks, "host", name, ST_WARN,
		    "%s %s is a distribution build of an older release: check its security "
		    "advisories for %s%s%s",
		    component, version, strbuf_str(&missing), patched.len ? "; backported: " : "",
		    strbuf_str(&patched));
	else if (missing.len)
		add(checks, "host", name, ST_FAIL, "%s %s lacks the fixes for %s: upgrade it",
		    component, version, strbuf_str(&missing));
	else if (patched.len)
		add(checks, "host", name, ST_PASS, "%s %s: the distribution backported %s",
		    component, version, strbuf_str(&patched));
	else
		add(checks, "host", name, ST_PASS, "%s %s has the fixes for the %zu known escapes",
		    component, version, n);
}

static void check_engine_versions(struct vec *checks, const struct sc_engine *engine)
{
	bool podman = streq(engine->kind, "podman");
	char *const ver_argv[] = {
	    engine->program, "version",
	    podman ? "--format={{.Client.Version}}" : "--format={{.Server.Version}}", NULL};
	_cleanup_free_ char *version = first_line(ver_argv);
	if (!version) {
		add(checks, "host", "engine", ST_FAIL,
		    "%s (%s) does not answer: start the daemon, or check that you may use it",
		    engine->kind, engine->program);
		return;
	}
	add(checks, "host", "engine", ST_PASS, "%s %s answers (%s)", engine->kind, version,
	    engine->program);
	check_version(checks, "engine-version", podman ? "podman" : "docker", version);
	if (podman) {
		add(checks, "host", "runtime-version", ST_WARN,
		    "not checked for podman: compare `podman info` (ociRuntime) with the runc "
		    "fixes in docs/security.md");
		return;
	}
	char *const runc_argv[] = {engine->program, "info", "--format={{.RuncCommit.ID}}", NULL};
	_cleanup_free_ char *runc = first_line(runc_argv);
	struct version v;
	if (!runc || !parse_version(runc, &v) || !strchr(runc, '.')) {
		/* Docker's own packages report a commit; the binary knows its
		 * version. */
		_cleanup_free_ char *prog = proc_find_program("runc");
		char *const local_argv[] = {prog, "--version", NULL};
		_cleanup_free_ char *line = prog ? first_line(local_argv) : NULL;
		free(runc);
		runc = line && str_has_prefix(line, "runc version ")
		           ? xstrdup(line + strlen("runc version "))
		           : NULL;
	}
	check_version(checks, "runtime-version", "runc", runc);
}

/* ---- the image ---- */

/* The tag a session would use, or NULL with a reason when it cannot be
 * told without building (a custom Dockerfile's tag depends on its build). */
static char *planned_tag(const struct sc_config *cfg, char **why)
{
	if (*cfg->image.dockerfile.value) {
		*why = xstrdup("with image.dockerfile the tag depends on that build");
		return NULL;
	}
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_image_plan_ struct sc_image_plan *plan = NULL;
	if (sc_build_plan(cfg, NULL, &plan, &err) < 0) {
		*why = xstrdup(err ? err->msg : "the image plan failed");
		return NULL;
	}
	return xstrdup(plan->tag);
}

/* ---- the probes ---- */

/* Runs inside the container, as the agent would: one line per probe,
 * "NAME<TAB>pass|fail<TAB>REASON". Arguments: the host canary, the host's
 * ~/.ssh, the expected UID, GID, process and memory limits, then
 * `--protected PATH...` and `--masked PATH...`. */
static const char probe_script[] =
    "r() { printf '%s\\t%s\\t%s\\n' \"$1\" \"$2\" \"$3\"; }\n"
    "canary=$1 hostssh=$2 uid=$3 gid=$4 want_pids=$5 want_mem=$6\n"
    "shift 6\n"
    /* runtime-socket */
    "found=\n"
    "for s in /var/run/docker.sock /run/docker.sock /run/containerd/containerd.sock \\\n"
    "  /var/run/containerd/containerd.sock /run/podman/podman.sock /var/run/podman/podman.sock \\\n"
    "  /run/crio/crio.sock /run/buildkit/buildkitd.sock \"$HOME/.docker/run/docker.sock\" \\\n"
    "  \"/run/user/$uid/docker.sock\" \"/run/user/$uid/podman/podman.sock\"; do\n"
    "  [ -e \"$s\" ] && found=\"$found $s\"\n"
    "done\n"
    "if command -v find >/dev/null 2>&1; then\n"
    "  more=$(find / -maxdepth 4 \\( -path /proc -o -path /sys \\) -prune -o -type s \\( \\\n"
    "    -name docker.sock -o -name podman.sock -o -name containerd.sock -o -name crio.sock \\\n"
    "    -o -name buildkitd.sock \\) -print 2>/dev/null | head -n 5 | tr '\\n' ' ')\n"
    "  [ -n \"$more\" ] && found=\"$found $more\"\n"
    "fi\n"
    "if [ -n \"${DOCKER_HOST-}\" ]; then found=\"$found DOCKER_HOST=$DOCKER_HOST\"; fi\n"
    "if [ -n \"$found\" ]; then r runtime-socket fail \"a container engine is reachable:$found\"\n"
    "else r runtime-socket pass \"no container engine socket, no DOCKER_HOST\"; fi\n"
    /* ssh-agent */
    "if [ -n \"${SSH_AUTH_SOCK+x}\" ]; then\n"
    "  r ssh-agent fail \"SSH_AUTH_SOCK is set: $SSH_AUTH_SOCK\"\n"
    "else r ssh-agent pass \"SSH_AUTH_SOCK is unset\"; fi\n"
    /* capabilities, no-new-privileges, seccomp */
    "caps= nnp= sec=\n"
    "while read -r k v rest; do\n"
    "  case $k in\n"
    "  Cap*:) case $v in *[!0]*) caps=\"$caps ${k%:}=$v\";; esac;;\n"
    "  NoNewPrivs:) nnp=$v;;\n"
    "  Seccomp:) sec=$v;;\n"
    "  esac\n"
    "done </proc/self/status\n"
    "if [ -n \"$caps\" ]; then r capabilities fail \"capability sets not empty:$caps\"\n"
    "else r capabilities pass \"effective, permitted, inheritable, bounding and ambient sets \\\n"
    "are 0\"; fi\n"
    "if [ \"$nnp\" = 1 ]; then r no-new-privileges pass \"NoNewPrivs is 1\"\n"
    "else r no-new-privileges fail \"NoNewPrivs is ${nnp:-unknown}\"; fi\n"
    "if [ \"$sec\" = 2 ]; then r seccomp pass \"a seccomp filter is on (mode 2)\"\n"
    "else r seccomp fail \"seccomp mode is ${sec:-unknown}, not 2 (filtering)\"; fi\n"
    /* host-canary, host-ssh */
    "if [ -e \"$canary\" ] || cat \"$canary\" >/dev/null 2>&1; then\n"
    "  r host-canary fail \"the host file $canary outside the project is visible\"\n"
    "else r host-canary pass \"the host file $canary outside the project is unreadable\"; fi\n"
    "if [ -e \"$hostssh\" ]; then r host-ssh fail \"the host's $hostssh is visible\"\n"
    "else r host-ssh pass \"the host's $hostssh is absent\"; fi\n"
    /* protected-paths, masked-files */
    "mode= np=0 bad= nm=0 badm=\n"
    "for a in \"$@\"; do\n"
    "  case $a in --protected) mode=p; continue;; --masked) mode=m; continue;; esac\n"
    "  if [ \"$mode\" = p ]; then\n"
    "    np=$((np + 1))\n"
    "    if [ -d \"$a\" ]; then\n"
    "      if ( : >\"$a/.sandcage-doctor-probe\" ) 2>/dev/null; then\n"
    "        rm -f \"$a/.sandcage-doctor-probe\"; bad=\"$bad $a\"; continue; fi\n"
    "    elif ( : >>\"$a\" ) 2>/dev/null; then bad=\"$bad $a\"; continue; fi\n"
    "    if mv \"$a\" \"$a.sandcage-doctor-probe\" 2>/dev/null; then\n"
    "      mv \"$a.sandcage-doctor-probe\" \"$a\"; bad=\"$bad $a(renamed)\"; fi\n"
    "  else\n"
    "    nm=$((nm + 1))\n"
    "    if [ -s \"$a\" ]; then badm=\"$badm $a\"; continue; fi\n"
    "    if ( : >>\"$a\" ) 2>/dev/null; then badm=\"$badm $a(writable)\"; fi\n"
    "  fi\n"
    "done\n"
    "if [ -n \"$bad\" ]; then r protected-paths fail \"writable:$bad\"\n"
    "elif [ \"$np\" = 0 ]; then r protected-paths pass \"none of the protected paths exists\"\n"
    "else r protected-paths pass \"$np paths are read-only and cannot be renamed\"; fi\n"
    "if [ -n \"$badm\" ]; then r masked-files fail \"not masked:$badm\"\n"
    "elif [ \"$nm\" = 0 ]; then r masked-files pass \"no secret file in the project\"\n"
    "else r masked-files pass \"$nm secret files read as empty and cannot be written\"; fi\n"
    /* mount, unshare */
    "if command -v mount >/dev/null 2>&1; then\n"
    "  d=$(mktemp -d 2>/dev/null) || d=/tmp\n"
    "  if mount -t tmpfs sandcage-probe \"$d\" 2>/dev/null; then\n"
    "    umount \"$d\"; r mount fail \"mounting a tmpfs worked\"\n"
    "  elif command -v unshare >/dev/null 2>&1 &&\n"
    "    unshare -rm mount -t tmpfs sandcage-probe \"$d\" 2>/dev/null; then\n"
    "    r mount fail \"mounting a tmpfs in a new user namespace worked\"\n"
    "  else r mount pass \"mounting a tmpfs fails\"; fi\n"
    "  [ \"$d\" = /tmp ] || rmdir \"$d\" 2>/dev/null\n"
    "else r mount pass \"no mount program in the image (the capability sets are empty)\"; fi\n"
    "if command -v unshare >/dev/null 2>&1; then\n"
    "  ok=\n"
    "  for f in -U -m -n -p; do unshare $f true 2>/dev/null && ok=\"$ok $f\"; done\n"
    "  if [ -n \"$ok\" ]; then r unshare fail \"new namespaces could be made:$ok\"\n"
    "  else r unshare pass \"new user, mount, network and PID namespaces are refused\"; fi\n"
    "else r unshare pass \"no unshare program in the image (the capability sets are empty)\"; fi\n"
    /* pids-limit, memory-limit */
    "p=; for f in /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max; do\n"
    "  [ -r \"$f\" ] && { p=$(cat \"$f\"); break; }; done\n"
    "if [ -z \"$p\" ] || [ \"$p\" = max ]; then\n"
    "  r pids-limit fail \"no process limit (${p:-no pids.max})\"\n"
    "elif [ \"$p\" = \"$want_pids\" ]; then r pids-limit pass \"pids.max is $p, as configured\"\n"
    "else r pids-limit fail \"pids.max is $p, configured $want_pids\"; fi\n"
    "m=; for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do\n"
    "  [ -r \"$f\" ] && { m=$(cat \"$f\"); break; }; done\n"
    "case $m in\n"
    "''|max|9223372036854771712) r memory-limit fail \"no memory limit (${m:-no memory.max})\";;\n"
    "*) r memory-limit pass \"the limit is $m bytes (configured $want_mem)\";;\n"
    "esac\n"
    /* user */
    "if [ \"$(id -u)\" = \"$uid\" ] && [ \"$(id -g)\" = \"$gid\" ]; then\n"
    "  r user pass \"running as $uid:$gid, the host user\"\n"
    "else r user fail \"running as $(id -u):$(id -g), not the host user $uid:$gid\"; fi\n";

static const char *const probe_names[] = {
    "runtime-socket", "ssh-agent",   "capabilities", "no-new-privileges",
    "seccomp",        "host-canary", "host-ssh",     "protected-paths",
    "masked-files",   "mount",       "unshare",      "pids-limit",
    "memory-limit",   "user",        NULL,
};

/* A file outside the project that the container must not see. */
static char *make_canary(struct sc_error **err)
{
	const char *tmp = getenv("TMPDIR");
	_cleanup_free_ char *path =
	    xasprintf("%s/sandcage-doctor-canary-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		sc_error_set(err, errno, "create the canary file `%s`", path);
		return NULL;
	}
	static const char text[] = "sandcage doctor canary: a container must not read this\n";
	int r = fs_write_all(fd, text, sizeof(text) - 1);
	close(fd);
	if (r < 0) {
		unlink(path);
		sc_error_set(err, errno, "write the canary file `%s`", path);
		return NULL;
	}
	return steal_pointer(&path);
}

static void run_probes(struct vec *checks, const struct sc_engine *engine,
                       const struct sc_config *cfg, const struct sc_workspace *ws,
                       const char *image)
{
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *canary = make_canary(&err);
	if (!canary) {
		add(checks, "container", "probes", ST_FAIL, "%s", err->msg);
		return;
	}
	char suffix[7];
	sc_cmd_random_suffix(suffix);
	struct sc_container_input in = {
	    .cfg = cfg,
	    .ws = ws,
	    .image = image,
	    .tty = false,
	    .host_env = environ,
	    .uid = (unsigned)getuid(),
	    .gid = (unsigned)getgid(),
	    .suffix = suffix,
	};
	_cleanup_(sc_container_spec_release) struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	sc_container_plan(&in, &spec);
	if (sc_cmd_security_protect(cfg, ws, &spec, &err) < 0) {
		unlink(canary);
		add(checks, "container", "probes", ST_FAIL, "%s", err->msg);
		return;
	}
	spec.interactive = false;
	free(spec.name);
	spec.name = sc_container_name(ws->name, "doctor", suffix);
	strv_release(&spec.command);
	_cleanup_free_ char *host_ssh = path_join(path_home(), ".ssh");
	strv_push(&spec.command, "/bin/sh");
	strv_push(&spec.command, "-c");
	strv_push(&spec.command, probe_script);
	strv_push(&spec.command, "sandcage-doctor");
	strv_push(&spec.command, canary);
	strv_push(&spec.command, host_ssh);
	strv_pushf(&spec.command, "%u", (unsigned)getuid());
	strv_pushf(&spec.command, "%u", (unsigned)getgid());
	strv_pushf(&spec.command, "%lld", spec.pids_limit);
	strv_pushf(&spec.command, "%lld", spec.memory_bytes);
	/* What the protection mounted: read-only binds are the protected
	 * paths; binds of the empty file are the masks. */
	_cleanup_strvec_ struct strv masked = STRV_INIT;
	_cleanup_free_ char *gdir = sc_config_global_dir();
	_cleanup_free_ char *empty = path_join(gdir, "empty");
	strv_push(&spec.command, "--protected");
	for (size_t i = 0; i < spec.mounts.len; i++) {
		const struct sc_spec_mount *m = spec.mounts.items[i];
		if (m->volume || !m->readonly)
			continue;
		if (streq(m->source, empty) || streq(m->source, "/dev/null"))
			strv_push(&masked, m->target);
		else if (streq(m->source, m->target))
			strv_push(&spec.command, m->target);
	}
	strv_push(&spec.command, "--masked");
	strv_extend(&spec.command, masked.v);

	_cleanup_strvec_ struct strv argv = STRV_INIT;
	/* allowlist: the network and proxy sidecar a session gets. */
	struct sc_network_session *net = NULL;
	if (cfg->network.mode.value == SC_NETWORK_ALLOWLIST &&
	    sc_cmd_network_up(engine, cfg, ws, &spec, &net, &err) < 0) {
		sc_cmd_network_down(net);
		unlink(canary);
		add(checks, "container", "probes", ST_FAIL, "%s", err->msg);
		return;
	}
	engine->ops->run_argv(engine, &spec, &argv);
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status = 0;
	int r = proc_run_capture(argv.v, &out, &errout, &status, &err);
	sc_cmd_network_down(net);
	unlink(canary);
	if (r < 0) {
		add(checks, "container", "probes", ST_FAIL, "%s", err->msg);
		return;
	}
	for (const char *const *name = probe_names; *name; name++) {
		bool seen = false;
		for (char *line = out; line && *line && !seen;) {
			char *nl = strchr(line, '\n');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			size_t nlen = strlen(*name);
			if (len > nlen && strncmp(line, *name, nlen) == 0 && line[nlen] == '\t') {
				_cleanup_free_ char *rest =
				    xstrndup(line + nlen + 1, len - nlen - 1);
				char *tab = strchr(rest, '\t');
				if (tab) {
					*tab = '\0';
					add(checks, "container", *name,
					    streq(rest, "pass") ? ST_PASS : ST_FAIL, "%s", tab + 1);
					seen = true;
				}
			}
			line = nl ? nl + 1 : NULL;
		}
		if (!seen) {
			errout[strcspn(errout, "\n")] = '\0';
			add(checks, "container", *name, ST_FAIL,
			    "the probe gave no answer (the container exited with %d%s%s)", status,
			    *errout ? ": " : "", errout);
		}
	}
}

/* ---- the report ---- */

static int print_report(const struct vec *checks, const char *root, const char *image, bool json)
{
	size_t counts[3] = {0, 0, 0};
	for (size_t i = 0; i < checks->len; i++) {
		const struct check *c = checks->items[i];
		counts[c->status]++;
	}
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < checks->len; i++) {
			const struct check *c = checks->items[i];
			json_t *o = json_object();
			json_object_set_new(o, "group", json_string(c->group));
			json_object_set_new(o, "name", json_string(c->name));
			json_object_set_new(o, "status", json_string(status_names[c->status]));
			json_object_set_new(o, "reason", json_string(c->reason));
			json_array_append_new(arr, o);
		}
		json_t *root_obj = json_object();
		json_object_set_new(root_obj, "project", root ? json_string(root) : json_null());
		json_object_set_new(root_obj, "image", image ? json_string(image) : json_null());
		json_object_set_new(root_obj, "checks", arr);
		json_object_set_new(root_obj, "passed", json_integer((json_int_t)counts[ST_PASS]));
		json_object_set_new(root_obj, "warnings",
		                    json_integer((json_int_t)counts[ST_WARN]));
		json_object_set_new(root_obj, "failed", json_integer((json_int_t)counts[ST_FAIL]));
		_cleanup_free_ char *text =
		    json_dumps(root_obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(root_obj);
		if (text)
			puts(text);
	} else {
		const char *group = NULL;
		for (size_t i = 0; i < checks->len; i++) {
			const struct check *c = checks->items[i];
			if (!group || !streq(group, c->group)) {
				group = c->group;
				if (streq(group, "host"))
					printf("%shost%s%s\n", i ? "\n" : "",
					       root ? ": project " : "", root ? root : "");
				else
					printf(
					    "\ncontainer: probes in a sandcage container of %s\n",
					    image ? image : "(no image)");
			}
			printf("  %-4s  %-18s %s\n", status_names[c->status], c->name, c->reason);
		}
		printf("\n%zu passed, %zu warnings, %zu failed\n", counts[ST_PASS], counts[ST_WARN],
		       counts[ST_FAIL]);
	}
	return counts[ST_FAIL] ? SC_EXIT_FAILURE : SC_EXIT_OK;
}

struct doctor_options {
	const char *project;
	const char *image;
	bool json;
};

static const struct sc_option doctor_options[] = {
    SC_OPTION_VALUE("project", 'p', struct doctor_options, project, "PATH",
                    "the project (default: the git root of the current directory)"),
    SC_OPTION_VALUE("image", 0, struct doctor_options, image, "IMAGE",
                    "probe this image as it is (default: $SANDCAGE_IMAGE, else\n"
                    "the image `sandcage build` makes; doctor does not build\n"
                    "it, except the base of a custom image.dockerfile)"),
    SC_OPTION_FLAG("json", 0, struct doctor_options, json, "the report as JSON"),
    {0},
};

static int cmd_doctor(int argc, char **argv)
{
	struct doctor_options o = {.image = getenv("SANDCAGE_IMAGE")};
	struct sc_cmd_operands args;
	int r = sc_cmd_parse(&sc_cmd_doctor, argc, argv, &o, &args);
	if (r != SC_CMD_GO_ON)
		return r;
	const char *project = o.project;
	const char *image_opt = o.image;
	bool json = o.json;

	struct vec checks = VEC_INIT(check_free);
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_workspace_ struct sc_workspace *ws = NULL;
	_cleanup_config_ struct sc_config *cfg = NULL;
	_cleanup_engine_ struct sc_engine *engine = NULL;
	_cleanup_free_ char *image = NULL;
	bool engine_ok = false;

	if (sc_workspace_resolve(project, &ws, &err) < 0) {
		add(&checks, "host", "project", ST_FAIL, "%s", err->msg);
	} else if (sc_config_load(ws->root, NULL, &cfg, &err) < 0) {
		add(&checks, "host", "configuration", ST_FAIL, "%s", err->msg);
	}
	sc_error_free(steal_pointer(&err));

	if (sc_engine_open(cfg ? sc_engine_name(cfg->engine.value) : NULL, &engine, &err) < 0) {
		add(&checks, "host", "engine", ST_FAIL, "%s", err->msg);
		sc_error_free(steal_pointer(&err));
	} else {
		check_engine_versions(&checks, engine);
		const struct check *last = NULL;
		for (size_t i = 0; i < checks.len; i++) {
			const struct check *k = checks.items[i];
			if (streq(k->name, "engine"))
				last = k;
		}
		engine_ok = last && last->status == ST_PASS;
	}

	bool config_ok = false;
	if (cfg) {
		if (sc_cmd_security_check(cfg, ws, &err) < 0) {
			add(&checks, "host", "configuration", ST_FAIL, "%s", err->msg);
			sc_error_free(steal_pointer(&err));
		} else {
			add(&checks, "host", "configuration", ST_PASS,
			    "valid, and asks for nothing sandcage refuses");
			config_ok = true;
		}
		_cleanup_free_ char *gdir = sc_config_global_dir();
		_cleanup_free_ char *store_path = sc_trust_store_path(gdir);
		_cleanup_trust_store_ struct sc_trust_store *store = NULL;
		struct sc_cmd_trust_file files[2];
		if (sc_trust_store_load(store_path, &store, &err) < 0 ||
		    sc_cmd_trust_inspect(ws, cfg, store, files, &err) < 0) {
			add(&checks, "host", "trust", ST_FAIL, "%s", err->msg);
			sc_error_free(steal_pointer(&err));
			config_ok = false;
		} else {
			_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
			bool ok = true;
			for (size_t i = 0; i < 2; i++) {
				const struct sc_cmd_trust_file *f = &files[i];
				if (!f->exists)
					continue;
				static const char *const words[] = {
				    "grants nothing that needs trust", "is trusted",
				    "is not trusted", "changed since you trusted it"};
				strbuf_addf(&sb, "%s%s %s", sb.len ? "; " : "",
				            path_basename(f->path), words[f->state]);
				if (f->state == SC_TRUST_NEW || f->state == SC_TRUST_CHANGED)
					ok = false;
			}
			if (!ok)
				strbuf_addf(&sb, ": run `sandcage trust -p %s`", ws->root);
			add(&checks, "host", "trust", ok ? ST_PASS : ST_FAIL, "%s",
			    sb.len ? strbuf_str(&sb) : "no project configuration file");
			config_ok = config_ok && ok;
			sc_cmd_trust_file_release(&files[0]);
			sc_cmd_trust_file_release(&files[1]);
		}
	}

	if (cfg && engine_ok) {
		_cleanup_free_ char *why = NULL;
		bool given = image_opt && *image_opt;
		char *tag = given ? xstrdup(image_opt) : planned_tag(cfg, &why);
		bool exists = false;
		if (!tag && *cfg->image.dockerfile.value && !config_ok) {
			add(&checks, "host", "image", ST_FAIL,
			    "not checked: image.dockerfile is built only from a configuration that "
			    "is "
			    "allowed and trusted");
		} else if (!tag && *cfg->image.dockerfile.value) {
			/* The tag depends on the custom Dockerfile's own build:
			 * found (or built) by the steps a session takes. */
			struct sc_build_request req = {0};
			if (sc_build_ensure(engine, cfg, &req, &tag, &err) < 0) {
				add(&checks, "host", "image", ST_FAIL, "%s", err->msg);
				sc_error_free(steal_pointer(&err));
			} else {
				add(&checks, "host", "image", ST_PASS,
				    "%s is present and built from the current configuration "
				    "(image.dockerfile: found or built as a session would)",
				    tag);
				image = steal_pointer(&tag);
			}
		} else if (!tag) {
			add(&checks, "host", "image", ST_FAIL, "%s", why);
		} else if (engine->ops->image_exists(engine, tag, &exists, &err) < 0) {
			add(&checks, "host", "image", ST_FAIL, "%s", err->msg);
			sc_error_free(steal_pointer(&err));
		} else if (!exists) {
			add(&checks, "host", "image", ST_FAIL,
			    given ? "%s is missing"
			          : "%s is missing or not built from the current "
			            "configuration: run `sandcage build`",
			    tag);
		} else {
			add(&checks, "host", "image", ST_PASS,
			    given ? "%s is present (given with --image or SANDCAGE_IMAGE, run as "
			            "it is)"
			          : "%s is present and built from the current configuration",
			    tag);
			image = steal_pointer(&tag);
		}
		free(tag);
	}

	if (image && config_ok)
		run_probes(&checks, engine, cfg, ws, image);
	else
		add(&checks, "container", "probes", ST_FAIL, "not run: %s",
		    !engine_ok   ? "the engine does not answer"
		    : !config_ok ? "the configuration is refused or not trusted"
		                 : "no image to run");

	int code = print_report(&checks, ws ? ws->root : NULL, image, json);
	vec_release(&checks);
	return code;
}

const struct sc_command sc_cmd_doctor = {
    .name = "doctor",
    .summary = "Check the host and probe a real sandbox for the promised isolation.",
    .usage = "sandcage doctor [-p PATH] [--image IMAGE] [--json]",
    .options = doctor_options,
    .help = "Host checks: the engine answers; Docker (or podman) and runc carry the fixes for\n"
            "known container escapes; the configuration is valid and allowed; the project's\n"
            "files are trusted; the image is present. Then a container planned exactly as a\n"
            "session's runs probes: no engine socket, no SSH agent, empty capability sets,\n"
            "no-new-privileges, seccomp, a host file outside the project and the host's\n"
            "~/.ssh out of reach, protected paths read-only, secret files empty, mount and\n"
            "unshare refused, process and memory limits, the host user's UID. The exit code\n"
            "is 1 when any check fails (warnings do not). See docs/security.md.\n",
    .run = cmd_doctor,
};
