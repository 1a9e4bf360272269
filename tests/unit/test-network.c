/* Unit tests for src/plan/network.c: allowlist entries, the proxy's squid
 * configuration (against golden files in tests/golden/network/, rewritten
 * with SC_UPDATE_GOLDEN=1), the names and the sidecar's spec, what the
 * agent's container gets, the sidecar image and the proxy log's lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

#include "config/config.h"
#include "plan/network.h"
#include "util/fs.h"
#include "util/path.h"

static void test_allow_parse(void **state)
{
	static const struct {
		const char *entry;
		const char *host; /* NULL: invalid */
		unsigned port;
	} cases[] = {
	    {"example.com", "example.com", 443},
	    {"Registry.NPMJS.org", "registry.npmjs.org", 443},
	    {"example.com:8443", "example.com", 8443},
	    {"*.example.com", "*.example.com", 443},
	    {"*.example.com:80", "*.example.com", 80},
	    {"localhost", "localhost", 443},
	    {"a-b.c1.io:1", "a-b.c1.io", 1},
	    {"", NULL, 0},
	    {":443", NULL, 0},
	    {"example.com:", NULL, 0},
	    {"example.com:0", NULL, 0},
	    {"example.com:65536", NULL, 0},
	    {"example.com:44a", NULL, 0},
	    {"example.com:443:1", NULL, 0},
	    {"a..b", NULL, 0},
	    {".example.com", NULL, 0},
	    {"example.com.", NULL, 0},
	    {"-a.com", NULL, 0},
	    {"a-.com", NULL, 0},
	    {"exa mple.com", NULL, 0},
	    {"exa_mple.com", NULL, 0},
	    {"*.", NULL, 0},
	    {"*", NULL, 0},
	    {"*.*.example.com", NULL, 0},
	    {"a*.example.com", NULL, 0},
	    {"[::1]", NULL, 0},
	    {"example.com\nhttp_access allow all", NULL, 0},
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *host = NULL;
		unsigned port = 0;
		bool ok = sc_allow_parse(cases[i].entry, &host, &port);
		if (!cases[i].host) {
			if (ok)
				fail_msg("`%s` should be refused", cases[i].entry);
			continue;
		}
		if (!ok)
			fail_msg("`%s` should be accepted", cases[i].entry);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
		free(host);
	}
}

static void test_rules_from_config(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "network:\n"
	    "  mode: allowlist\n"
	    "  allow: [registry.npmjs.org, api.anthropic.com, 'git.example.com:8443']\n"
	    "services:\n"
	    "  codex: {enabled: false}\n"
	    "  gemini: {enabled: false}\n"
	    "  claude: {domains+: [extra.example.com]}\n");
	struct sc_allow_rule *rules = NULL;
	size_t n = 0;
	sc_allow_rules(cfg, &rules, &n);
	/* network.allow first, then claude's defaults (api.anthropic.com once),
	 * then what the project added to them; nothing of the disabled agents. */
	const char *want[] = {"registry.npmjs.org",    "api.anthropic.com", "git.example.com",
	                      "statsig.anthropic.com", "sentry.io",         "claude.ai",
	                      "console.anthropic.com", "extra.example.com"};
	assert_int_equal(n, N_ELEMENTS(want));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(rules[i].host, want[i]);
	assert_int_equal(rules[2].port, 8443);
	assert_int_equal(rules[0].port, 443);
	sc_allow_rules_free(rules, n);
}

static void test_default_domains(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	const struct sc_service *codex = sc_config_service(cfg, "codex");
	const struct sc_service *gemini = sc_config_service(cfg, "gemini");
	assert_int_equal(codex->domains.len, 3);
	assert_string_equal(codex->domains.items[0].value, "api.openai.com");
	assert_int_equal(gemini->domains.len, 4);
	assert_string_equal(gemini->domains.items[0].value, "generativelanguage.googleapis.com");
}

static void test_port_in_config(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "network: {allow: ['a.example.com:8443', '*.b.example.com:80']}\n");
	assert_string_equal(cfg->network.allow.items[0].value, "a.example.com:8443");

	char dir[] = "/tmp/sc-network-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *file = path_join(dir, ".sandcage.yml");
	static const char bad[] = "network: {allow: ['a.example.com:99999']}\n";
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_write_atomic(file, bad, strlen(bad), 0644, &err), 0);
	struct sc_config_paths paths = {NULL, file, NULL};
	struct sc_config *c = NULL;
	assert_true(sc_config_load_paths(&paths, NULL, &c, &err) < 0);
	assert_non_null(strstr(err->msg, "invalid port"));
	assert_non_null(strstr(err->msg, ".sandcage.yml:1:"));
	unlink(file);
	rmdir(dir);
}

static void test_proxy_conf(void **state)
{
	struct sc_allow_rule rules[] = {
	    {"registry.npmjs.org", 443},      {"*.github.com", 443},
	    {"git.example.com", 8443},        {"api.anthropic.com", 443},
	    {"*.internal.example.com", 8443},
	};
	char *exempt[] = {"172.30.0.0/16", "fd00:1::/64", "10.0.0.0/8\nhttp_access allow all",
	                  "nonsense", NULL};
	_cleanup_free_ char *conf = sc_proxy_conf(rules, N_ELEMENTS(rules), exempt);
	unit_check_golden("network/squid.conf", conf);
	/* A subnet that is not one never reaches the configuration. */
	assert_null(strstr(conf, "nonsense"));
	assert_null(strstr(conf, "allow all"));
	/* The last rule refuses whatever the others did not allow. */
	const char *last = strstr(conf, "http_access deny all\n");
	assert_non_null(last);
	assert_string_equal(last, "http_access deny all\n");
	/* Refusals come before any allow. */
	assert_true(strstr(conf, "http_access deny sc_refused !sc_exempt") <
	            strstr(conf, "http_access allow"));
	assert_true(strstr(conf, "http_access deny sc_ip_literal") <
	            strstr(conf, "http_access allow"));
	assert_non_null(strstr(conf, " 169.254.0.0/16"));
	assert_non_null(strstr(conf, " 127.0.0.0/8"));
	assert_non_null(strstr(conf, " fe80::/10"));

	_cleanup_free_ char *none = sc_proxy_conf(NULL, 0, NULL);
	unit_check_golden("network/squid-empty.conf", none);
	assert_null(strstr(none, "http_access allow"));
	assert_null(strstr(none, "sc_exempt"));
}

static void test_plan_and_apply(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "network: {mode: allowlist, allow: [registry.npmjs.org, '*.github.com']}\n"
	    "env: {HTTPS_PROXY: 'http://elsewhere:1'}\n"
	    "services: {claude: {enabled: false}, codex: {enabled: false}, gemini: {enabled: "
	    "false}}\n");
	struct sc_workspace ws = {.root = "/home/me/My App", .name = "My App"};
	struct sc_network_input in = {.cfg = cfg, .ws = &ws, .proxy_image = "sandcage-proxy:1"};
	struct sc_network_plan p;
	sc_network_plan(&in, &p);

	_cleanup_free_ char *key = sc_network_project_key(ws.root);
	assert_int_equal(strlen(key), 8);
	_cleanup_free_ char *net = xasprintf("sandcage-my-app-net-%s-%.8s", key, p.conf_hash);
	assert_string_equal(p.network, net);
	_cleanup_free_ char *proxy = xasprintf("sandcage-proxy-%s-%.8s", key, p.conf_hash);
	assert_string_equal(p.proxy, proxy);
	assert_int_equal(strspn(p.proxy, "abcdefghijklmnopqrstuvwxyz0123456789-"), strlen(p.proxy));
	_cleanup_free_ char *url = xasprintf("http://%s:3128", p.proxy);
	assert_string_equal(p.proxy_url, url);
	/* Names to resolve: not the wildcard. */
	assert_int_equal(p.check.len, 1);
	assert_string_equal(p.check.v[0], "registry.npmjs.org");

	/* The sidecar: hardened, on the internal network, labelled. */
	const struct sc_container_spec *s = &p.sidecar;
	assert_string_equal(s->image, "sandcage-proxy:1");
	assert_string_equal(s->name, p.proxy);
	assert_string_equal(s->user, "proxy");
	assert_string_equal(s->network, p.network);
	assert_true(s->cap_drop_all);
	assert_true(s->no_new_privileges);
	assert_true(s->pids_limit > 0);
	assert_true(s->memory_bytes > 0);
	assert_false(s->remove);
	assert_int_equal(s->mounts.len, 0);
	assert_true(strv_contains(s->labels.v, "io.sandcage.role=proxy"));
	assert_true(strv_contains(s->labels.v, "io.sandcage.project=/home/me/My App"));
	_cleanup_free_ char *conf_env = xasprintf("SANDCAGE_PROXY_CONF=%s", p.conf);
	assert_true(strv_contains(s->env.v, conf_env));
	assert_true(strv_contains(s->env.v, "SANDCAGE_PROXY_CHECK=registry.npmjs.org"));
	assert_true(strv_contains(p.network_labels.v, "io.sandcage.managed=true"));

	/* The docker command line for it. */
	struct sc_engine e = {.ops = &sc_docker_cli_ops, .kind = "docker", .program = "docker"};
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	e.ops->run_argv(&e, s, &argv);
	_cleanup_free_ char *netarg = xasprintf("--network=%s", p.network);
	assert_true(strv_contains(argv.v, netarg));
	assert_true(strv_contains(argv.v, "--user=proxy"));
	assert_true(strv_contains(argv.v, "--cap-drop=ALL"));

	/* The agent: only the internal network, the proxy in both spellings,
	 * over what the configuration set. */
	_cleanup_(sc_container_spec_release) struct sc_container_spec agent;
	sc_container_spec_init(&agent);
	strv_push(&agent.env, "HTTPS_PROXY=http://elsewhere:1");
	strv_push(&agent.env, "KEEP=1");
	sc_network_apply(&p, NULL, cfg, NULL, &agent);
	assert_string_equal(agent.network, p.network);
	_cleanup_free_ char *https = xasprintf("HTTPS_PROXY=%s", url);
	_cleanup_free_ char *https_lc = xasprintf("https_proxy=%s", url);
	_cleanup_free_ char *http_lc = xasprintf("http_proxy=%s", url);
	assert_true(strv_contains(agent.env.v, https));
	assert_true(strv_contains(agent.env.v, https_lc));
	assert_true(strv_contains(agent.env.v, http_lc));
	assert_false(strv_contains(agent.env.v, "HTTPS_PROXY=http://elsewhere:1"));
	assert_true(strv_contains(agent.env.v, "KEEP=1"));
	/* The credential proxy (on the sidecar) is reached without squid. */
	_cleanup_free_ char *no_proxy = xasprintf("NO_PROXY=localhost,127.0.0.1,::1,%s", p.proxy);
	assert_true(strv_contains(agent.env.v, no_proxy));

	/* The same input, the same names; another allowlist or image, another
	 * sidecar on another network. */
	struct sc_network_plan q;
	sc_network_plan(&in, &q);
	assert_string_equal(q.proxy, p.proxy);
	sc_network_plan_release(&q);
	in.proxy_image = "sandcage-proxy:2";
	sc_network_plan(&in, &q);
	assert_string_not_equal(q.proxy, p.proxy);
	assert_string_not_equal(q.network, p.network);
	sc_network_plan_release(&q);
	char *exempt[] = {"172.30.0.0/16", NULL};
	in.proxy_image = "sandcage-proxy:1";
	in.exempt = exempt;
	sc_network_plan(&in, &q);
	assert_string_not_equal(q.proxy, p.proxy);
	sc_network_plan_release(&q);

	sc_network_plan_release(&p);
}

static void test_proxy_image(void **state)
{
	_cleanup_config_ struct sc_config *cfg =
	    unit_load_project_yaml("image: {base: 'example/base:1'}\n");
	_cleanup_image_plan_ struct sc_image_plan *a = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_proxy_image_plan(cfg, &a, &err), 0);
	unit_check_golden("network/proxy.Dockerfile", a->dockerfile);
	assert_true(str_has_prefix(a->tag, "sandcage-proxy:"));
	assert_int_equal(strlen(a->tag), strlen("sandcage-proxy:") + 16);
	assert_int_equal(a->n_files, 1);
	assert_string_equal(a->files[0].name, "sandcage-proxy");
	assert_non_null(strstr(a->files[0].data, "exec squid -N"));

	_cleanup_image_plan_ struct sc_image_plan *b = NULL;
	assert_int_equal(sc_proxy_image_plan(cfg, &b, &err), 0);
	assert_string_equal(a->tag, b->tag);
	_cleanup_config_ struct sc_config *other =
	    unit_load_project_yaml("image: {base: 'example/base:2'}\n");
	_cleanup_image_plan_ struct sc_image_plan *c = NULL;
	assert_int_equal(sc_proxy_image_plan(other, &c, &err), 0);
	assert_string_not_equal(a->tag, c->tag);
}

static void test_log_parse(void **state)
{
	struct sc_proxy_log_entry e;
	assert_true(sc_proxy_log_parse(
	    "2026-01-02T03:04:05Z 172.18.0.3 TCP_DENIED/403 CONNECT evil.example.com:443", &e));
	assert_string_equal(e.time, "2026-01-02T03:04:05Z");
	assert_string_equal(e.client, "172.18.0.3");
	assert_string_equal(e.result, "TCP_DENIED");
	assert_int_equal(e.status, 403);
	assert_string_equal(e.method, "CONNECT");
	assert_string_equal(e.target, "evil.example.com:443");
	assert_true(e.denied);

	assert_true(sc_proxy_log_parse(
	    "2026-01-02T03:04:06Z 172.18.0.3 TCP_TUNNEL/200 CONNECT api.anthropic.com:443\n", &e));
	assert_false(e.denied);
	assert_int_equal(e.status, 200);
	assert_string_equal(e.target, "api.anthropic.com:443");

	/* squid's own messages, and broken lines, are not entries. */
	assert_false(sc_proxy_log_parse("2026/01/02 03:04:05| Starting Squid Cache", &e));
	assert_false(sc_proxy_log_parse("", &e));
	assert_false(sc_proxy_log_parse("2026-01-02T03:04:05Z 1.2.3.4 TCP_DENIED/403", &e));
	assert_false(sc_proxy_log_parse("2026-01-02T03:04:05Z 1.2.3.4 NOSLASH CONNECT a:1", &e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allow_parse),     cmocka_unit_test(test_rules_from_config),
	    cmocka_unit_test(test_default_domains), cmocka_unit_test(test_port_in_config),
	    cmocka_unit_test(test_proxy_conf),      cmocka_unit_test(test_plan_and_apply),
	    cmocka_unit_test(test_proxy_image),     cmocka_unit_test(test_log_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
