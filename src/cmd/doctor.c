/* sandcage doctor: checks the host (engine, versions against known container
 * escapes, configuration, trust, image) and runs probes inside a real
 * sandcage container, planned exactly as a session's, each reported pass,
 * warn or fail with the reason; then says where each agent's credential
 * lives (doctor_creds.c). */
#include "doctor.h"
#include "../config/config.h"
#include "../engine/versions.h"
#include "../launch/launch.h"
#include "../plan/home.h"
#include "../session/session.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../util/proc.h"
#include "../util/strbuf.h"
#include "cmd.h"
#include "commands.h"
#include "launch_ui.h"

#include <jansson.h>
#include <signal.h>
#include <stdarg.h>

enum status { ST_PASS, ST_WARN, ST_FAIL, ST_INFO };
static const char *const status_names[] = {"pass", "warn", "fail", "info"};

struct check {
	const char *group; /* "host", "container" or "credentials" */
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
	va_list ap;
	va_start(ap, fmt);
	c->reason = xvasprintf(fmt, ap);
	va_end(ap);
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

/* ---- versions against known container escapes (the table: engine/versions.c) ---- */

static void check_version(struct vec *checks, const char *name, const char *component,
                          const char *version)
{
	struct sc_fixes_report rep;
	sc_fixes_check(component, version, &rep);
	switch (rep.verdict) {
	case SC_FIXES_UNKNOWN:
		add(checks, "host", name, ST_WARN,
		    "could not tell the %s version (%s); compare it with the fixes in "
		    "docs/security.md",
		    component, version ? version : "no answer");
		break;
	case SC_FIXES_DISTRO:
		add(checks, "host", name, ST_WARN,
		    "%s %s is a distribution build of an older release: check its security "
		    "advisories for %s%s%s",
		    component, version, rep.missing, *rep.backported ? "; backported: " : "",
		    rep.backported);
		break;
	case SC_FIXES_MISSING:
		add(checks, "host", name, ST_FAIL, "%s %s lacks the fixes for %s: upgrade it",
		    component, version, rep.missing);
		break;
	case SC_FIXES_BACKPORTED:
		add(checks, "host", name, ST_PASS, "%s %s: the distribution backported %s",
		    component, version, rep.backported);
		break;
	case SC_FIXES_PRESENT:
		add(checks, "host", name, ST_PASS, "%s %s has the fixes for the %zu known escapes",
		    component, version, rep.known);
		break;
	}
	sc_fixes_report_release(&rep);
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
	struct sc_version v;
	if (!runc || !sc_version_parse(runc, &v) || !strchr(runc, '.')) {
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
static char *planned_tag(const struct sc_config *cfg, const struct sc_image_request *ir, char **why)
{
	if (*cfg->image.dockerfile.value) {
		*why = xstrdup("with image.dockerfile the tag depends on that build");
		return NULL;
	}
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_image_plan_ struct sc_image_plan *plan = NULL;
	if (sc_image_service_plan(cfg, ir, NULL, &plan, &err) < 0) {
		*why = xstrdup(err ? err->msg : "the image plan failed");
		return NULL;
	}
	return xstrdup(plan->tag);
}

/* ---- the probes ---- */

/* Runs inside the container, as the agent would: one line per probe,
 * "NAME<TAB>pass|fail<TAB>REASON". The script is doctor-probe.sh, built in
 * as `probe_script` (see meson.build); its arguments are pushed below. */
#include "doctor-probe.h"

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

struct probe_args {
	const char *canary;
};

/* What the probes are told: the host canary, the host's ~/.ssh, the
 * expected IDs and limits, and what the protection mounted: read-only binds
 * at their own path are the protected paths; binds over secret files are
 * the masks. */
static void probe_command(void *ctx, const struct sc_launch *l, struct strv *command)
{
	const struct probe_args *a = ctx;
	const struct sc_container_spec *spec = &l->spec;
	_cleanup_free_ char *host_ssh = path_join(path_home(), ".ssh");
	strv_push(command, a->canary);
	strv_push(command, host_ssh);
	strv_pushf(command, "%u", l->host.uid);
	strv_pushf(command, "%u", l->host.gid);
	strv_pushf(command, "%lld", spec->pids_limit);
	strv_pushf(command, "%lld", spec->memory_bytes);
	_cleanup_strvec_ struct strv masked = STRV_INIT;
	strv_push(command, "--protected");
	for (size_t i = 0; i < spec->mounts.len; i++) {
		const struct sc_spec_mount *m = spec->mounts.items[i];
		if (m->volume || !m->readonly)
			continue;
		if (streq(m->source, m->target))
			strv_push(command, m->target);
		else if (strv_contains(l->masked_files.v, m->target))
			strv_push(&masked, m->target);
	}
	strv_push(command, "--masked");
	strv_extend(command, masked.v);
	doctor_login_args(command);
}

/* Sets *probe_out to the probe's output when it ran. */
static void run_probes(struct vec *checks, const char *project, const char *image, char **probe_out)
{
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_free_ char *canary = make_canary(&err);
	if (!canary) {
		add(checks, "container", "probes", ST_FAIL, "%s", err->msg);
		return;
	}
	struct probe_args pa = {.canary = canary};
	char *const command[] = {"/bin/sh", "-c", (char *)probe_script, "sandcage-doctor", NULL};
	struct sc_cmd_launch_ui ui;
	sc_cmd_launch_ui_init(&ui);
	struct sc_launch_request req = {
	    .project = project,
	    .role = "doctor",
	    .command = command,
	    .append_command = probe_command,
	    .append_ctx = &pa,
	    .image = image,
	    .no_stdin = true,
	    .ui = &ui.ui,
	};
	_cleanup_launch_ struct sc_launch *l = NULL;
	if (sc_launch_prepare(&req, &l, &err) < 0) {
		unlink(canary);
		add(checks, "container", "probes", ST_FAIL, "%s", err->msg);
		return;
	}
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status = 0, stopped_by = 0;
	struct sc_session_opts so = {.engine = l->engine,
	                             .spec = &l->spec,
	                             .mode = SC_SESSION_CAPTURE,
	                             .capture = {.out = &out, .err_out = &errout},
	                             .stopped_by = &stopped_by};
	int r = sc_session_run(&so, &status, &err);
	sc_cmd_launch_end(l);
	unlink(canary);
	if (r < 0) {
		add(checks, "container", "probes", ST_FAIL, "%s", err->msg);
		return;
	}
	if (stopped_by) { /* the probe container is gone: end as the signal says */
		signal(stopped_by, SIG_DFL);
		raise(stopped_by);
	}
	*probe_out = xstrdup(out ? out : "");
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

/* Where each agent's credential lives (doctor_creds.c). */
static void check_credentials(struct vec *checks, const struct sc_config *cfg,
                              char *const *host_env, const char *probe_out, const char *global_dir)
{
	_cleanup_vec_ struct vec findings = VEC_INIT(doctor_finding_free);
	_cleanup_free_ char *logins = sc_home_logins_dir(global_dir);
	doctor_credentials(&findings, cfg, host_env, probe_out, logins);
	for (size_t i = 0; i < findings.len; i++) {
		const struct doctor_finding *f = findings.items[i];
		add(checks, "credentials", f->name, f->level == DOCTOR_WARN ? ST_WARN : ST_INFO,
		    "%s", f->reason);
	}
}

/* Whose home the sessions mount, and where logins live (src/plan/home.h). */
static void check_home(struct vec *checks, const struct sc_config *cfg,
                       const struct sc_workspace *ws, const char *global_dir)
{
	_cleanup_free_ char *volume = sc_home_volume(cfg, ws);
	_cleanup_free_ char *acp = sc_home_acp_volume(cfg);
	if (cfg->home.scope.value == SC_HOME_SHARED) {
		add(checks, "host", "home", ST_INFO,
		    "home.scope shared: every project's sessions mount the home volume `%s`, "
		    "logins included (what one project's agent writes there, a shell rc or a "
		    "hook, runs in the others'); ACP agents in `%s`",
		    volume, acp);
		return;
	}
	_cleanup_free_ char *logins = sc_home_logins_dir(global_dir);
	add(checks, "host", "home", ST_INFO,
	    "home.scope project: this project's home is the volume `%s`; logins are shared "
	    "through `%s`; ACP agents in `%s` (read-only in sessions)",
	    volume, logins, acp);
}

/* ---- the report ---- */

static int print_report(const struct vec *checks, const char *root, const char *image, bool json)
{
	size_t counts[4] = {0, 0, 0, 0};
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
				else if (streq(group, "container"))
					printf(
					    "\ncontainer: probes in a sandcage container of %s\n",
					    image ? image : "(no image)");
				else
					printf(
					    "\ncredentials: where each agent's credential lives\n");
			}
			printf("  %-4s  %-18s %s\n", status_names[c->status], c->name, c->reason);
		}
		printf("\n%zu passed, %zu warnings, %zu failed\n", counts[ST_PASS], counts[ST_WARN],
		       counts[ST_FAIL]);
	}
	return counts[ST_FAIL] ? SC_EXIT_FAILURE : SC_EXIT_OK;
}

const struct sc_option sc_doctor_options[] = {
    SC_OPTION_PROJECT(struct doctor_options, project),
    SC_OPTION_VALUE("image", 0, struct doctor_options, image, "IMAGE",
                    "probe this image as it is (default: $SANDCAGE_IMAGE, else\n"
                    "the image `sandcage build` makes; doctor does not build\n"
                    "it, except the base of a custom image.dockerfile)"),
    SC_OPTION_FLAG("json", 0, struct doctor_options, json, "the report as JSON"),
    {0},
};

int sc_doctor_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct doctor_options *o = opts;
	const char *project = o->project;
	const char *image_opt = o->image ? o->image : getenv("SANDCAGE_IMAGE");
	bool json = o->json;

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

	struct sc_cmd_launch_ui ui;
	sc_cmd_launch_ui_init(&ui);
	_cleanup_strvec_ struct strv host_strings = STRV_INIT;
	struct sc_launch_host host;
	sc_launch_host_current(&host, &host_strings);
	bool config_ok = false;
	/* A directory no container gets (the home directory, /tmp...): the
	 * probes would be refused too. */
	bool root_ok = true;
	if (ws && sc_launch_project_check(ws, host.global_dir, &err) < 0) {
		add(&checks, "host", "project", ST_FAIL, "%s", err->msg);
		sc_error_free(steal_pointer(&err));
		root_ok = false;
	}
	if (cfg) {
		if (sc_launch_security_check(cfg, ws, host.global_dir, &err) < 0) {
			add(&checks, "host", "configuration", ST_FAIL, "%s", err->msg);
			sc_error_free(steal_pointer(&err));
		} else {
			add(&checks, "host", "configuration", ST_PASS,
			    "valid, and asks for nothing sandcage refuses");
			config_ok = true;
		}
		_cleanup_free_ char *store_path = sc_trust_store_path(host.global_dir);
		_cleanup_trust_store_ struct sc_trust_store *store = NULL;
		_cleanup_(sc_trust_files_release) struct sc_trust_files files = {0};
		if (sc_trust_store_load(store_path, &store, &err) < 0 ||
		    sc_trust_inspect(ws, cfg, store, &files, &err) < 0) {
			add(&checks, "host", "trust", ST_FAIL, "%s", err->msg);
			sc_error_free(steal_pointer(&err));
			config_ok = false;
		} else {
			_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
			bool ok = true;
			for (size_t i = 0; i < N_ELEMENTS(files.f); i++) {
				const struct sc_trust_file *f = &files.f[i];
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
		}
	}

	if (cfg && engine_ok) {
		_cleanup_free_ char *why = NULL;
		bool given = image_opt && *image_opt;
		struct sc_image_request ir;
		sc_launch_image_request(&host, &ui.ui, &ir);
		ir.project_root = ws ? ws->root : NULL;
		char *tag = given ? xstrdup(image_opt) : planned_tag(cfg, &ir, &why);
		bool exists = false;
		if (!tag && *cfg->image.dockerfile.value && !config_ok) {
			add(&checks, "host", "image", ST_FAIL,
			    "not checked: image.dockerfile is built only from a configuration that "
			    "is "
			    "allowed and trusted");
		} else if (!tag && *cfg->image.dockerfile.value) {
			/* The tag depends on the custom Dockerfile's own build:
			 * found (or built) by the steps a session takes. */
			if (sc_image_ensure(engine, cfg, &ir, &tag, &err) < 0) {
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

	_cleanup_free_ char *probe_out = NULL;
	if (image && config_ok && root_ok)
		run_probes(&checks, project, image, &probe_out);
	else
		add(&checks, "container", "probes", ST_FAIL, "not run: %s",
		    !engine_ok   ? "the engine does not answer"
		    : !root_ok   ? "the project directory is refused"
		    : !config_ok ? "the configuration is refused or not trusted"
		                 : "no image to run");

	if (cfg && ws)
		check_home(&checks, cfg, ws, host.global_dir);
	if (cfg)
		check_credentials(&checks, cfg, host.env, probe_out, host.global_dir);

	int code = print_report(&checks, ws ? ws->root : NULL, image, json);
	vec_release(&checks);
	return code;
}
