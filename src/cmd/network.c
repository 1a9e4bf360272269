#include "network.h"
#include "../config/config.h"
#include "../util/log.h"
#include "../util/strbuf.h"
#include "build.h"

int sc_cmd_network_up(const struct sc_engine *engine, const struct sc_config *cfg,
                      const struct sc_workspace *ws, struct sc_container_spec *spec,
                      struct sc_network_session **out, struct sc_error **err)
{
	_cleanup_image_plan_ struct sc_image_plan *plan = NULL;
	if (sc_proxy_image_plan(cfg, &plan, err) < 0)
		return -1;
	struct sc_build_request req = {0};
	if (sc_build_ensure_plan(engine, cfg, plan, &req, err) < 0)
		return sc_error_prefix(err, "the network proxy's image");
	_cleanup_free_ char *state = sc_config_global_dir();
	const char *extra = getenv("SANDCAGE_PROXY_NETWORK");
	struct sc_network_request nreq = {
	    .cfg = cfg,
	    .ws = ws,
	    .proxy_image = plan->tag,
	    .extra_network = extra && *extra ? extra : NULL,
	    .state_dir = state,
	};
	_cleanup_strvec_ struct strv unresolved = STRV_INIT;
	int r = sc_network_up(engine, &nreq, spec, &unresolved, out, err);
	for (size_t i = 0; i < unresolved.len; i++)
		sc_log_warn("the allowed domain `%s` does not resolve: connections to it will fail "
		            "(is it spelled right in `network.allow` or a service's `domains`?)",
		            unresolved.v[i]);
	return r;
}

void sc_cmd_network_down(struct sc_network_session *s)
{
	if (!s)
		return;
	_cleanup_strvec_ struct strv denied = STRV_INIT;
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_network_down(s, &denied, &err) < 0)
		sc_log_warn("removing the network proxy: %s", err->msg);
	sc_network_session_free(s);
	if (denied.len == 0)
		return;
	struct strbuf list = STRBUF_INIT;
	for (size_t i = 0; i < denied.len && i < 10; i++)
		strbuf_addf(&list, "%s%s", i ? ", " : "", denied.v[i]);
	if (denied.len > 10)
		strbuf_addf(&list, " and %zu more", denied.len - 10);
	sc_log_warn("the network proxy refused %s; allow a domain with `network.allow` "
	            "(`sandcage logs --denied` lists every refusal)",
	            strbuf_str(&list));
	strbuf_release(&list);
}
