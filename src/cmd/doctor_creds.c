/* sandcage doctor's report on where each agent's credential lives: a key the
 * credential proxy keeps on the host; a variable passed from the host, which
 * reaches the container in plain text (a warning); a login file in the login
 * store (home.scope: project) or the home volume every project shares
 * (shared); or none. No value and no file's content is ever read into the
 * report. */
#include "../util/strbuf.h"
#include "doctor.h"

#include <stdarg.h>
#include <strings.h>

/* The login files each built-in agent keeps in its home. */
static const struct {
	const char *service;
	const char *arg; /* "FILE" or "FILE:KEY", relative to HOME */
} logins[] = {
    {"claude", ".claude/.credentials.json"},
    {"claude", ".claude.json:oauthAccount"},
    {"codex", ".codex/auth.json"},
    {"gemini", ".gemini/oauth_creds.json"},
    {"gemini", ".gemini/google_accounts.json"},
};

void doctor_finding_free(void *p)
{
	struct doctor_finding *f = p;
	free(f->name);
	free(f->reason);
	free(f);
}

static void add(struct vec *findings, const char *name, enum doctor_level level, const char *fmt,
                ...) _printf_(4, 5);
static void add(struct vec *findings, const char *name, enum doctor_level level, const char *fmt,
                ...)
{
	struct doctor_finding *f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(name);
	f->level = level;
	va_list ap;
	va_start(ap, fmt);
	f->reason = xvasprintf(fmt, ap);
	va_end(ap);
	vec_push(findings, f);
}

static const char plain_text[] = "reaches the container as a plain variable (the agent, and "
                                 "anything it runs, can read it; `docker inspect` shows it)";

bool doctor_secret_name(const char *name)
{
	static const char *const suffixes[] = {"_KEY", "_TOKEN", "_SECRET"};
	size_t n = strlen(name);
	for (size_t i = 0; i < N_ELEMENTS(suffixes); i++) {
		size_t k = strlen(suffixes[i]);
		if ((n >= k && strcasecmp(name + n - k, suffixes[i]) == 0) ||
		    strcasecmp(name, suffixes[i] + 1) == 0)
			return true;
	}
	return strcasestr(name, "PASSWORD") || strcasestr(name, "PASSWD");
}

void doctor_login_args(struct strv *command)
{
	strv_push(command, "--logins");
	for (size_t i = 0; i < N_ELEMENTS(logins); i++)
		strv_push(command, logins[i].arg);
}

/* Whether the probe's output has the line "login<TAB>found<TAB>ARG". */
static bool probe_found(const char *out, const char *arg)
{
	_cleanup_free_ char *want = xasprintf("login\tfound\t%s", arg);
	size_t n = strlen(want);
	for (const char *line = out; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len == n && strncmp(line, want, n) == 0)
			return true;
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

/* Warns for each variable of `names` with a secret's name that is set (not
 * empty) on the host and not reported yet; returns how many are set. */
static size_t warn_plain(struct vec *findings, const char *check, const struct sc_cfg_list *names,
                         char *const *host_env, struct strv *reported)
{
	size_t set = 0;
	for (size_t i = 0; i < names->len; i++) {
		const char *name = names->items[i].value;
		const char *v = env_get(host_env, name);
		if (!v || !*v || !doctor_secret_name(name))
			continue;
		set++;
		if (strv_contains(reported->v, name))
			continue;
		strv_push(reported, name);
		add(findings, check, DOCTOR_WARN, "%s %s", name, plain_text);
	}
	return set;
}

/* The keys the credential proxy keeps on the host (an info each, and they
 * count as the agent's credential), or, in env mode, the keys that reach the
 * container (a warning each). Returns how many are set. */
static size_t service_keys(struct vec *findings, const struct sc_config *cfg,
                           const struct sc_service *svc, char *const *host_env,
                           struct strv *reported)
{
	size_t set = 0;
	bool proxy = cfg->credentials.mode.value == SC_CREDENTIALS_PROXY;
	for (size_t i = 0; i < svc->credentials.len; i++) {
		const struct sc_cfg_credential *c = sc_service_credential(svc, i);
		const char *v = env_get(host_env, c->env.value);
		if (!v || !*v || strv_contains(reported->v, c->env.value))
			continue;
		set++;
		strv_push(reported, c->env.value);
		if (proxy)
			add(findings, svc->name, DOCTOR_INFO,
			    "%s stays on the host: the credential proxy puts it in requests to %s "
			    "(the container gets a placeholder)",
			    c->env.value, c->upstream.value);
		else
			add(findings, svc->name, DOCTOR_WARN, "%s %s (credentials.mode: env)",
			    c->env.value, plain_text);
	}
	return set;
}

static void service_credentials(struct vec *findings, const struct sc_config *cfg,
                                const struct sc_service *svc, const char *where,
                                char *const *host_env, const char *probe_out)
{
	_cleanup_strvec_ struct strv reported = STRV_INIT;
	size_t vars = service_keys(findings, cfg, svc, host_env, &reported);
	vars += warn_plain(findings, svc->name, &svc->env, host_env, &reported);
	bool known = false;
	_cleanup_strbuf_ struct strbuf files = STRBUF_INIT;
	for (size_t i = 0; i < N_ELEMENTS(logins); i++) {
		if (!streq(logins[i].service, svc->name))
			continue;
		known = true;
		if (probe_out && probe_found(probe_out, logins[i].arg))
			strbuf_addf(&files, "%s~/%.*s", files.len ? ", " : "",
			            (int)strcspn(logins[i].arg, ":"), logins[i].arg);
	}
	if (files.len) {
		add(findings, svc->name, DOCTOR_INFO, "logged in, credentials in %s: %s", where,
		    strbuf_str(&files));
		return;
	}
	if (vars)
		return;
	if (known && !probe_out) {
		add(findings, svc->name, DOCTOR_INFO,
		    "no credential variable set; %s was not looked at (the probes did not "
		    "run)",
		    where);
		return;
	}
	const char *hint = NULL;
	for (size_t i = 0; i < svc->env.len && !hint; i++)
		if (doctor_secret_name(svc->env.items[i].value))
			hint = svc->env.items[i].value;
	if (!known)
		add(findings, svc->name, DOCTOR_INFO,
		    "no credential variable set%s%s%s; doctor does not know where %s keeps "
		    "a login",
		    hint ? " (" : "", hint ? hint : "", hint ? " is not set)" : "", svc->name);
	else if (hint)
		add(findings, svc->name, DOCTOR_INFO,
		    "no credential found (set %s or log in with `sandcage %s`)", hint, svc->name);
	else
		add(findings, svc->name, DOCTOR_INFO,
		    "no credential found (log in with `sandcage %s`)", svc->name);
}

void doctor_credentials(struct vec *findings, const struct sc_config *cfg, char *const *host_env,
                        const char *probe_out, const char *logins_dir)
{
	_cleanup_free_ char *where =
	    cfg->home.scope.value == SC_HOME_SHARED
	        ? xasprintf("the home volume `%s` (shared by every project that uses it)",
	                    cfg->home.volume.value)
	        : xasprintf("the login store `%s` (shared by every project; copied into "
	                    "each project's home)",
	                    logins_dir);
	_cleanup_strvec_ struct strv reported = STRV_INIT;
	for (size_t s = 0; s < cfg->services.len; s++) {
		const struct sc_service *svc = &cfg->services.items[s];
		if (!svc->enabled.value)
			continue;
		service_credentials(findings, cfg, svc, where, host_env, probe_out);
		for (size_t i = 0; i < svc->env.len; i++)
			if (!strv_contains(reported.v, svc->env.items[i].value))
				strv_push(&reported, svc->env.items[i].value);
		/* An agent's key is never passed in proxy mode, whoever names it. */
		for (size_t i = 0; i < svc->credentials.len; i++) {
			const char *name = sc_service_credential(svc, i)->env.value;
			if (!strv_contains(reported.v, name))
				strv_push(&reported, name);
		}
	}
	/* An agent's own variables were named above; what env_passthrough adds
	 * reaches every container. */
	warn_plain(findings, "env_passthrough", &cfg->env_passthrough, host_env, &reported);
}
