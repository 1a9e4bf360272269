/* Which agent `sandcage acp run NAME` starts. */
#include "../acp/registry.h"
#include "../acp/store.h"
#include "../plan/home.h"
#include "internal.h"

/* The built-in agents speak ACP through these registry agents. */
static const char *const aliases[][2] = {
    {"claude", "claude-acp"},
    {"codex", "codex-acp"},
    {"gemini", "gemini"},
};

const char *sc_launch_acp_alias(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(aliases); i++)
		if (streq(aliases[i][0], name))
			return aliases[i][1];
	return NULL;
}

int sc_launch_resolve_acp(struct sc_launch *l, const char *name, struct sc_error **err)
{
	_cleanup_free_ char *volume = sc_home_acp_volume(l->cfg);
	/* An installed registry agent; a built-in's adapter; a service of the
	 * configuration whose command speaks ACP. */
	_cleanup_acp_installed_ struct sc_acp_installed *rec = NULL;
	if (sc_acp_valid_id(name) && sc_acp_store_find(l->global_dir, name, volume, &rec, err) < 0)
		return -1;
	const char *alias = sc_launch_acp_alias(name);
	if (!rec && alias && sc_acp_store_find(l->global_dir, alias, volume, &rec, err) < 0)
		return -1;
	if (rec) {
		strv_extend(&l->acp_command, rec->command.v);
		strv_extend(&l->acp_env, rec->env.v);
		/* A built-in's adapter runs as that built-in, with its variables
		 * (its API keys); another agent gets only what env_passthrough
		 * and env name. */
		for (size_t i = 0; i < N_ELEMENTS(aliases); i++)
			if (streq(aliases[i][1], rec->id))
				l->service = sc_config_service(l->cfg, aliases[i][0]);
		if (!l->service) {
			l->own_service_name = xasprintf("acp-%s", rec->id);
			l->own_service = (struct sc_service){.name = l->own_service_name,
			                                     .enabled = {.value = true}};
			l->service = &l->own_service;
		}
		return 0;
	}
	const struct sc_service *svc = sc_config_service(l->cfg, name);
	if (svc && svc->builtin)
		return sc_error_setx(err, 0,
		                     "`%s` speaks ACP through the registry agent `%s`: install it "
		                     "with `sandcage acp install %s`",
		                     name, alias, alias);
	if (svc && !svc->enabled.value)
		return sc_error_setx(err, 0, "service `%s` is disabled in the configuration", name);
	if (!svc)
		return sc_error_setx(
		    err, 0,
		    "no ACP agent `%s` is installed in volume %s, and no service of "
		    "that name is configured: `sandcage acp list` shows the "
		    "registry, `sandcage acp install ID` installs an agent",
		    name, volume);
	l->service = svc;
	return 0;
}
