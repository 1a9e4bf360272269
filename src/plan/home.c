/* The home of a session's container (home.h). */
#include "home.h"
#include "../util/path.h"
#include "container.h"
#include "image.h"
#include "network.h"

/* The agents' login files: the only files of a home that every project
 * shares, copied through the login store. Each is data its agent reads,
 * never code anything runs; an agent may still write one that other
 * projects then use (docs/security.md). HOME path -> name in the store. */
static const struct {
	const char *home;
	const char *store;
} login_files[] = {
    /* Claude Code's OAuth tokens (on Linux a file, not a keychain). */
    {".claude/.credentials.json", "claude-credentials.json"},
    /* Codex's ChatGPT login or API key. */
    {".codex/auth.json", "codex-auth.json"},
    /* Gemini CLI's Google OAuth tokens, and which account is active. */
    {".gemini/oauth_creds.json", "gemini-oauth_creds.json"},
    {".gemini/google_accounts.json", "gemini-google_accounts.json"},
};

/* ~/.claude.json holds Claude Code's account next to its per-project state,
 * whose `mcpServers` are commands it runs: only the account's keys are
 * shared. */
#define CLAUDE_JSON    ".claude.json"
#define CLAUDE_ACCOUNT "claude-account.json"
#define CLAUDE_JSON_KEYS                                                                           \
	"oauthAccount,primaryApiKey,userID,hasCompletedOnboarding,lastOnboardingVersion,"          \
	"customApiKeyResponses"

char *sc_home_volume(const struct sc_config *cfg, const struct sc_workspace *ws)
{
	const char *base = cfg->home.volume.value;
	if (cfg->home.scope.value == SC_HOME_SHARED)
		return xstrdup(base);
	_cleanup_free_ char *name = sc_docker_name_part(ws->name ? ws->name : "");
	/* The key tells two projects of the same name apart. */
	_cleanup_free_ char *key = sc_network_project_key(ws->root);
	return xasprintf("%s-%s%s%s", base, name, *name ? "-" : "", key);
}

char *sc_home_acp_volume(const struct sc_config *cfg)
{
	return xasprintf("%s-acp", cfg->home.volume.value);
}

char *sc_home_logins_dir(const char *global_dir)
{
	return path_join(global_dir, SC_LOGINS_DIR);
}

void sc_home_mounts(const struct sc_container_input *in, struct sc_container_spec *spec)
{
	const struct sc_config *cfg = in->cfg;
	_cleanup_free_ char *acp = sc_home_acp_volume(cfg);
	if (in->home_only) {
		sc_container_spec_add_mount(spec, acp, SC_IMAGE_HOME "/" SC_HOME_ACP_DIR, false,
		                            true);
		return;
	}
	_cleanup_free_ char *home = sc_home_volume(cfg, in->ws);
	sc_container_spec_add_mount(spec, home, SC_IMAGE_HOME, false, true);
	/* Installed agents are code every project runs: no project's agent
	 * may change them. */
	sc_container_spec_add_mount(spec, acp, SC_IMAGE_HOME "/" SC_HOME_ACP_DIR, true, true);
	/* No global directory (a plan for a test): no store to mount. */
	if (cfg->home.scope.value != SC_HOME_PROJECT || !in->global_dir)
		return;
	_cleanup_free_ char *logins = sc_home_logins_dir(in->global_dir);
	sc_container_spec_add_mount(spec, logins, SC_LOGINS_TARGET, false, false);
	if (in->migrate_volume)
		sc_container_spec_add_mount(spec, in->migrate_volume, SC_MIGRATE_TARGET, true,
		                            true);
}

static bool has_target(const struct sc_container_spec *spec, const char *target)
{
	for (size_t i = 0; i < spec->mounts.len; i++) {
		const struct sc_spec_mount *m = spec->mounts.items[i];
		if (streq(m->target, target))
			return true;
	}
	return false;
}

void sc_home_entry_args(const struct sc_container_spec *spec, struct strv *args)
{
	if (!has_target(spec, SC_LOGINS_TARGET))
		return;
	strv_push(args, "--home=" SC_IMAGE_HOME);
	strv_push(args, "--logins=" SC_LOGINS_TARGET);
	if (has_target(spec, SC_MIGRATE_TARGET))
		strv_push(args, "--migrate=" SC_MIGRATE_TARGET);
	for (size_t i = 0; i < N_ELEMENTS(login_files); i++)
		strv_pushf(args, "--login=%s:%s", login_files[i].home, login_files[i].store);
	strv_push(args, "--login-json=" CLAUDE_JSON ":" CLAUDE_ACCOUNT ":" CLAUDE_JSON_KEYS);
}
