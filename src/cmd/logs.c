/* sandcage logs: what the network proxy of `network.mode: allowlist` let
 * through and refused, for the project. */
#include "../launch/launch.h"
#include "../plan/network.h"
#include "../util/log.h"
#include "cmd.h"
#include "commands.h"
#include "launch_ui.h"

const struct sc_option sc_logs_options[] = {
    SC_OPTION_PROJECT(struct logs_options, project),
    SC_OPTION_FLAG("denied", 'd', struct logs_options, denied,
                   "only the connections the proxy refused"),
    {0},
};

int sc_logs_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct logs_options *o = opts;
	const char *project = o->project;
	bool denied_only = o->denied;

	struct sc_cmd_launch_ui ui;
	sc_cmd_launch_ui_init(&ui);
	struct sc_launch_request req = {.project = project, .ui = &ui.ui};
	_cleanup_error_ struct sc_error *err = NULL;
	_cleanup_launch_ struct sc_launch *launch = NULL;
	if (sc_launch_open(&req, &launch, &err) < 0)
		return sc_cmd_launch_failed(err);
	const struct sc_config *cfg = launch->cfg;
	_cleanup_free_ char *text = NULL;
	if (sc_network_log(launch->engine, launch->ws, launch->global_dir, &text, &err) < 0)
		return sc_cmd_report(err);

	size_t shown = 0;
	_cleanup_strvec_ struct strv hosts = STRV_INIT;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct sc_proxy_log_entry e;
		if (!sc_proxy_log_parse(l, &e) || (denied_only && !e.denied))
			continue;
		/* The credential proxy's requests: "key" and the upstream's status. */
		char label[16];
		if (streq(e.result, "CRED"))
			snprintf(label, sizeof(label), "key:%03d", e.status);
		else
			snprintf(label, sizeof(label), "%s",
			         e.denied
			             ? "denied"
			             : (e.status >= 200 && e.status < 300 ? "allowed" : "failed"));
		printf("%s  %-7s  %s %s\n", e.time, label, e.method, e.target);
		shown++;
		if (e.denied && !strv_contains(hosts.v, e.target))
			strv_push(&hosts, e.target);
	}
	fflush(stdout);
	if (shown == 0) {
		if (cfg->network.mode.value != SC_NETWORK_ALLOWLIST &&
		    cfg->credentials.mode.value != SC_CREDENTIALS_PROXY)
			sc_log_notice(
			    "nothing logged: the proxy runs only with `network.mode: "
			    "allowlist` (this project's is `%s`) or `credentials.mode: proxy`",
			    sc_network_mode_name(cfg->network.mode.value));
		else
			sc_log_notice("%s", denied_only ? "the proxy refused nothing"
			                                : "nothing logged yet");
	} else if (hosts.len > 0) {
		sc_log_notice("to allow a domain, add it to `network.allow` (`HOST` for port 443, "
		              "`HOST:PORT` for another port)");
	}
	return SC_EXIT_OK;
}
