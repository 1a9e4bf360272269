/* What a session's container looks like. The promise is "your machine stays
 * yours": the project and nothing else of the host file system, only the
 * environment the configuration names, every capability dropped, no new
 * privileges, limits on processes, memory and CPU. */
#include "container.h"
#include "../util/path.h"
#include "home.h"
#include "image.h"
#include "sc-config.h"
#include "ssh.h"

const char *const sc_terminal_env[] = {"TERM", "COLORTERM", "LANG", "LC_ALL", NULL};

char *sc_docker_name_part(const char *s)
{
	char clean[33];
	size_t n = 0;
	for (const char *p = s; *p && n < sizeof(clean) - 1; p++) {
		char c = *p;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		          c == '.' || c == '-';
		clean[n++] = ok ? c : '-';
	}
	clean[n] = '\0';
	/* A name must start with a letter or digit. */
	return xstrdup(clean + strspn(clean, "_.-"));
}

char *sc_container_name(const char *project, const char *agent, const char *suffix)
{
	_cleanup_free_ char *start = sc_docker_name_part(project);
	return xasprintf("sandcage-%s%s%s-%s", start, *start ? "-" : "", agent, suffix);
}

static void pass(struct sc_container_spec *spec, char *const *host, const char *name)
{
	const char *v = env_get(host, name);
	if (!v)
		return;
	strv_setenv(&spec->env, name, v);
	if (!strv_contains(spec->env_from_host.v, name))
		strv_push(&spec->env_from_host, name);
}

/* The agents' own sandboxes need kernel features a hardened container does
 * not give (Codex's landlock/seccomp helper), and the container already is
 * the sandbox: they are turned off, so that the agent does not fail. So is
 * Gemini CLI's folder trust, which otherwise refuses every one-shot run: what
 * it guards (the project's own settings and tools) runs inside the sandbox. */
static const struct {
	const char *service;
	const char *const *args; /* put before the user's arguments */
	const char *skip_if;     /* ...unless the user chose a mode */
	const char *const *env;  /* "NAME=value" */
} inner_sandbox_off[] = {
    {"codex", (const char *const[]){"--sandbox", "danger-full-access", NULL}, "-s", NULL},
    {"gemini", NULL, NULL,
     (const char *const[]){"GEMINI_SANDBOX=false", "GEMINI_CLI_TRUST_WORKSPACE=true", NULL}},
};

static bool user_chose(const struct sc_service *svc, char *const *args, const char *opt)
{
	for (size_t i = 0; i < svc->args.len; i++)
		if (str_has_prefix(svc->args.items[i].value, opt) ||
		    str_has_prefix(svc->args.items[i].value, "--sandbox") ||
		    str_has_prefix(svc->args.items[i].value, "--dangerously"))
			return true;
	for (; args && *args; args++)
		if (str_has_prefix(*args, opt) || str_has_prefix(*args, "--sandbox") ||
		    str_has_prefix(*args, "--dangerously"))
			return true;
	return false;
}

void sc_container_plan(const struct sc_container_input *in, struct sc_container_spec *spec)
{
	const struct sc_config *cfg = in->cfg;
	const struct sc_workspace *ws = in->ws;
	const char *agent = in->service ? in->service->name : in->role ? in->role : "shell";

	spec->image = xstrdup(in->image);
	spec->name = sc_container_name(ws->name, agent, in->suffix);
	spec->user = xasprintf("%u:%u", in->uid, in->gid);
	spec->workdir = xstrdup(ws->root);
	spec->remove = true;
	spec->init = true;
	spec->interactive = !in->no_stdin;
	spec->tty = in->tty;

	spec->cap_drop_all = true;
	spec->no_new_privileges = true;
	spec->pids_limit = cfg->resources.pids.value;
	spec->memory_bytes = cfg->resources.memory_bytes;
	spec->cpus = cfg->resources.cpus.value;
	if (cfg->network.mode.value == SC_NETWORK_NONE)
		spec->network = xstrdup("none");

	strv_pushf(&spec->labels, "%s=true", SC_LABEL_MANAGED);
	strv_pushf(&spec->labels, "%s=%s", SC_LABEL_PROJECT, ws->root);
	strv_pushf(&spec->labels, "%s=%s", SC_LABEL_AGENT, agent);
	strv_pushf(&spec->labels, "%s=%s", SC_LABEL_VERSION, SC_VERSION);

	/* The project at its own path; git directories outside it (worktrees,
	 * submodules) too, or git fails inside. */
	if (!in->home_only)
		sc_container_spec_add_mount(spec, ws->root, ws->root, false, false);
	if (ws->in_git && !in->home_only) {
		bool common_outside = !path_is_within(ws->common_dir, ws->root);
		if (common_outside)
			sc_container_spec_add_mount(spec, ws->common_dir, ws->common_dir, false,
			                            false);
		if (!path_is_within(ws->git_dir, ws->root) &&
		    !(common_outside && path_is_within(ws->git_dir, ws->common_dir)))
			sc_container_spec_add_mount(spec, ws->git_dir, ws->git_dir, false, false);
	}
	sc_home_mounts(in, spec);
	for (size_t i = 0; i < cfg->mounts.len && !in->home_only; i++) {
		const struct sc_cfg_mount *m = sc_cfg_mount_at(cfg, i);
		sc_container_spec_add_mount(spec, m->source.value, m->target.value,
		                            m->readonly.value, false);
	}

	/* Only what the configuration names reaches the container. */
	strv_setenv(&spec->env, "HOME", SC_IMAGE_HOME);
	if (in->tty)
		for (const char *const *t = sc_terminal_env; *t; t++)
			pass(spec, in->host_env, *t);
	else
		pass(spec, in->host_env, "LANG");
	for (size_t i = 0; i < cfg->env_passthrough.len; i++)
		pass(spec, in->host_env, cfg->env_passthrough.items[i].value);
	for (size_t s = 0; s < cfg->services.len; s++) {
		const struct sc_service *svc = &cfg->services.items[s];
		/* A shell sees every enabled agent's variables: it is where one
		 * logs in and debugs them. Another role (an install, a probe)
		 * sees none. */
		if (!svc->enabled.value || (in->service && svc != in->service) ||
		    (!in->service && in->role))
			continue;
		for (size_t i = 0; i < svc->env.len; i++)
			pass(spec, in->host_env, svc->env.items[i].value);
		/* In proxy mode the keys stay out (sc_cred_apply gives
		 * placeholders); in env mode they are passed like the rest. */
		for (size_t i = 0; i < svc->credentials.len; i++)
			if (cfg->credentials.mode.value == SC_CREDENTIALS_ENV)
				pass(spec, in->host_env, sc_service_credential(svc, i)->env.value);
	}
	for (size_t i = 0; i < N_ELEMENTS(inner_sandbox_off); i++) {
		if (!in->service || !in->service->builtin ||
		    !streq(in->service->name, inner_sandbox_off[i].service))
			continue;
		for (const char *const *e = inner_sandbox_off[i].env; e && *e; e++) {
			_cleanup_free_ char *name = xstrndup(*e, strcspn(*e, "="));
			strv_setenv(&spec->env, name, *e + strlen(name) + 1);
		}
	}
	for (size_t i = 0; i < cfg->env.len; i++)
		strv_setenv(&spec->env, cfg->env.items[i].key, cfg->env.items[i].value.value);

	if (in->command && in->command[0]) {
		strv_extend(&spec->command, in->command);
	} else if (in->service && !in->shell) {
		for (size_t i = 0; i < in->service->command.len; i++)
			strv_push(&spec->command, in->service->command.items[i].value);
		for (size_t i = 0; i < N_ELEMENTS(inner_sandbox_off); i++) {
			if (!in->service->builtin ||
			    !streq(in->service->name, inner_sandbox_off[i].service) ||
			    !inner_sandbox_off[i].args ||
			    user_chose(in->service, in->args, inner_sandbox_off[i].skip_if))
				continue;
			for (const char *const *a = inner_sandbox_off[i].args; *a; a++)
				strv_push(&spec->command, *a);
		}
		for (size_t i = 0; i < in->service->args.len; i++)
			strv_push(&spec->command, in->service->args.items[i].value);
		strv_extend(&spec->command, in->args);
	} else {
		/* The image decides which shell it has; this runs inside it. */
		strv_push(&spec->command, "/bin/sh");
		strv_push(&spec->command, "-c");
		strv_push(&spec->command, "if command -v bash >/dev/null 2>&1; then exec bash -l; "
		                          "else exec sh -l; fi");
	}

	if (!in->home_only)
		sc_ssh_mounts(cfg, in->global_dir, spec);
	strv_extend(&spec->env, in->extra_env);
}
