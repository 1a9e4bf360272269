/* Unit tests for src/plan/credentials.c: which keys of a fake host a session
 * uses, the routes (one proxy port per upstream), the proxy's nginx
 * configuration (against tests/golden/credentials/, rewritten with
 * SC_UPDATE_GOLDEN=1), the secret keys.conf, the errors, what the agent's
 * container gets (sc_cred_apply) and the proxy's clients.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

#include "config/config.h"
#include "plan/credentials.h"
#include "sc-config.h"
#include "util/strbuf.h"

#define PROXY "sandcage-proxy-test"

/* A custom harness whose credentials are written in the project file: the
 * `env` of its first one is on line 6. */
static const char custom_yaml[] = "services:\n"
                                  "  api:\n"
                                  "    command: [sh]\n"
                                  "    credentials:\n"
                                  "      - header: x-test-key\n"
                                  "        env: TEST_KEY\n"
                                  "        upstream: https://upstream.test:8443\n"
                                  "        url_env: API_URL\n"
                                  "      - env: OTHER_KEY\n"
                                  "        header: 'authorization: Bearer'\n"
                                  "        upstream: https://other.test\n";

static void plan_ok(const struct sc_config *cfg, const struct sc_service *service, char *const *env,
                    struct sc_cred_plan *plan)
{
	struct sc_cred_input in = {cfg, service, env, NULL};
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_cred_plan(&in, plan, &err) < 0)
		fail_msg("sc_cred_plan: %s", err->msg);
}

/* The message of the error sc_cred_plan gives, to free. */
static char *plan_error(const struct sc_config *cfg, const struct sc_service *service,
                        char *const *env)
{
	struct sc_cred_input in = {cfg, service, env, NULL};
	struct sc_cred_plan plan;
	struct sc_error *err = NULL;
	if (sc_cred_plan(&in, &plan, &err) == 0) {
		sc_cred_plan_release(&plan);
		fail_msg("sc_cred_plan should fail");
	}
	char *msg = xstrdup(err->msg);
	sc_error_free(err);
	return msg;
}

static const struct sc_cred_use *use_of(const struct sc_cred_plan *plan, const char *env)
{
	for (size_t i = 0; i < plan->n_uses; i++)
		if (streq(plan->uses[i].env, env))
			return &plan->uses[i];
	fail_msg("no use of %s", env);
	return NULL;
}

/* The golden text does not change with the version it names. */
static char *without_version(const char *conf)
{
	const char *at = strstr(conf, SC_VERSION);
	assert_non_null(at);
	return xasprintf("%.*s@VERSION@%s", (int)(at - conf), conf, at + strlen(SC_VERSION));
}

static void test_plan_proxy(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	char *env[] = {"PATH=/usr/bin", "ANTHROPIC_API_KEY=sk-a", "OPENAI_API_KEY=sk-o",
	               "GEMINI_API_KEY=AIza-g", NULL};
	struct sc_cred_plan plan;
	plan_ok(cfg, NULL, env, &plan);

	/* One route per upstream, the proxy's ports from 8081 in order. */
	assert_int_equal(plan.n_routes, 3);
	static const char *const hosts[] = {"api.anthropic.com", "api.openai.com",
	                                    "generativelanguage.googleapis.com"};
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(plan.routes[i].host, hosts[i]);
		assert_int_equal(plan.routes[i].port, 443);
		assert_int_equal(plan.routes[i].listen, SC_CRED_PORT + i);
	}
	assert_int_equal(SC_CRED_PORT, 8081);

	/* Only the keys the host sets. */
	assert_int_equal(plan.n_uses, 3);
	const struct sc_cred_use *a = use_of(&plan, "ANTHROPIC_API_KEY");
	assert_string_equal(a->header, "x-api-key");
	assert_null(a->scheme);
	assert_null(a->url_env);
	assert_int_equal(a->route, 0);
	const struct sc_cred_use *o = use_of(&plan, "OPENAI_API_KEY");
	assert_string_equal(o->header, "authorization");
	assert_string_equal(o->scheme, "Bearer");
	assert_int_equal(o->route, 1);
	const struct sc_cred_use *g = use_of(&plan, "GEMINI_API_KEY");
	assert_string_equal(g->header, "x-goog-api-key");
	assert_int_equal(g->route, 2);

	_cleanup_free_ char *conf = without_version(plan.conf);
	unit_check_golden("credentials/nginx.conf", conf);

	/* The secret has the keys, each in its placeholder's map line. */
	assert_non_null(strstr(
	    plan.secret, "map $http_x_api_key $sc_r0_x_api_key {\n\tdefault $http_x_api_key;\n"
	                 "\t\"sandcage-placeholder-ANTHROPIC_API_KEY\" \"sk-a\";\n}\n"));
	assert_non_null(strstr(
	    plan.secret, "map $http_authorization $sc_r1_authorization {\n"
	                 "\tdefault $http_authorization;\n"
	                 "\t\"Bearer sandcage-placeholder-OPENAI_API_KEY\" \"Bearer sk-o\";\n"));
	assert_non_null(
	    strstr(plan.secret, "\t\"sandcage-placeholder-GEMINI_API_KEY\" \"AIza-g\";\n"));
	/* The configuration the engine may show has none. */
	assert_null(strstr(plan.conf, "sk-a"));
	assert_null(strstr(plan.conf, "sk-o"));
	assert_null(strstr(plan.conf, "AIza-g"));
	assert_non_null(strstr(plan.conf, "include " SC_CRED_DIR "/" SC_CRED_KEYS_FILE ";"));

	/* The hash: 16 hex digits, the same for the same input, another when a
	 * key changes (the sidecar is then made anew). */
	assert_int_equal(strlen(plan.hash), 16);
	assert_int_equal(strspn(plan.hash, "0123456789abcdef"), 16);
	struct sc_cred_plan same;
	plan_ok(cfg, NULL, env, &same);
	assert_string_equal(plan.hash, same.hash);
	assert_string_equal(plan.secret, same.secret);
	env[1] = "ANTHROPIC_API_KEY=sk-b";
	struct sc_cred_plan other;
	plan_ok(cfg, NULL, env, &other);
	assert_string_not_equal(plan.hash, other.hash);
	assert_string_equal(plan.conf, other.conf);
	/* And when the extra CA changes. */
	struct sc_cred_input in = {cfg, NULL, env, "-----BEGIN CERTIFICATE-----\n"};
	struct sc_cred_plan ca;
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(sc_cred_plan(&in, &ca, &err), 0);
	assert_string_equal(ca.extra_ca, "-----BEGIN CERTIFICATE-----\n");
	assert_string_not_equal(ca.hash, other.hash);

	sc_cred_plan_release(&ca);
	sc_cred_plan_release(&other);
	sc_cred_plan_release(&same);
	sc_cred_plan_release(&plan);
	assert_null(plan.secret);
	assert_int_equal(plan.n_uses, 0);
}

/* The session's agent only: a claude session does not carry codex's key. */
static void test_plan_one_agent(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	char *env[] = {"ANTHROPIC_API_KEY=sk-a", "OPENAI_API_KEY=sk-o", NULL};
	struct sc_cred_plan plan;
	plan_ok(cfg, sc_config_service(cfg, "claude"), env, &plan);
	assert_int_equal(plan.n_uses, 1);
	assert_int_equal(plan.n_routes, 1);
	assert_null(strstr(plan.secret, "sk-o"));
	assert_non_null(sc_cred_route_of(&plan, sc_config_service(cfg, "claude")));
	assert_null(sc_cred_route_of(&plan, sc_config_service(cfg, "codex")));
	assert_true(
	    sc_cred_is_variable(cfg, sc_config_service(cfg, "claude"), "ANTHROPIC_API_KEY"));
	assert_false(sc_cred_is_variable(cfg, sc_config_service(cfg, "claude"), "OPENAI_API_KEY"));
	assert_true(sc_cred_is_variable(cfg, NULL, "OPENAI_API_KEY"));
	assert_false(sc_cred_is_variable(cfg, NULL, "PATH"));
	sc_cred_plan_release(&plan);

	/* A disabled agent's keys are nobody's. */
	_cleanup_config_ struct sc_config *off =
	    unit_load_project_yaml("services:\n  codex: {enabled: false}\n");
	plan_ok(off, NULL, env, &plan);
	assert_int_equal(plan.n_uses, 1);
	assert_false(sc_cred_is_variable(off, NULL, "OPENAI_API_KEY"));
	sc_cred_plan_release(&plan);
}

static void test_plan_nothing(void **state)
{
	char *env[] = {"ANTHROPIC_API_KEY=sk-a", NULL};
	struct sc_cred_plan plan;
	_cleanup_config_ struct sc_config *envmode =
	    unit_load_project_yaml("credentials: {mode: env}\n");
	plan_ok(envmode, NULL, env, &plan);
	assert_int_equal(plan.n_uses, 0);
	assert_int_equal(plan.n_routes, 0);
	assert_null(plan.conf);
	assert_null(plan.secret);
	sc_cred_plan_release(&plan);

	/* No key on the host (or an empty one): nothing, and no error for the
	 * built-in defaults. */
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	char *none[] = {"PATH=/bin", "ANTHROPIC_API_KEY=", NULL};
	plan_ok(cfg, NULL, none, &plan);
	assert_int_equal(plan.n_uses, 0);
	assert_null(plan.conf);
	sc_cred_plan_release(&plan);
	plan_ok(cfg, sc_config_service(cfg, "claude"), NULL, &plan);
	assert_int_equal(plan.n_uses, 0);
	sc_cred_plan_release(&plan);
}

static void test_plan_written_unset(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(custom_yaml);
	const struct sc_service *api = sc_config_service(cfg, "api");
	assert_non_null(api);
	char *none[] = {"UNRELATED=1", NULL};
	_cleanup_free_ char *msg = plan_error(cfg, api, none);
	if (!strstr(msg, ".sandcage.yml:5:") || !strstr(msg, "`TEST_KEY`") ||
	    !strstr(msg, "services.api.credentials"))
		fail_msg("unexpected message: %s", msg);
	/* Keys written down are alternatives: one set is enough. */
	char *env[] = {"OTHER_KEY=sk-other", NULL};
	struct sc_cred_plan plan;
	plan_ok(cfg, api, env, &plan);
	assert_int_equal(plan.n_uses, 1);
	assert_string_equal(plan.uses[0].env, "OTHER_KEY");
	sc_cred_plan_release(&plan);
	/* A shell is not the harness's session: what the host has is used. */
	plan_ok(cfg, NULL, env, &plan);
	assert_int_equal(plan.n_uses, 1);
	assert_string_equal(plan.uses[0].env, "OTHER_KEY");
	sc_cred_plan_release(&plan);
	plan_ok(cfg, NULL, none, &plan);
	assert_int_equal(plan.n_uses, 0);
	sc_cred_plan_release(&plan);
}

static void test_plan_bad_keys(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	static const char *const bad[] = {"ANTHROPIC_API_KEY=sk$a",  "ANTHROPIC_API_KEY=sk\"a",
	                                  "ANTHROPIC_API_KEY=sk a",  "ANTHROPIC_API_KEY=sk\na",
	                                  "ANTHROPIC_API_KEY=sk;a",  "ANTHROPIC_API_KEY=sk}a",
	                                  "ANTHROPIC_API_KEY=sk\\a", "ANTHROPIC_API_KEY=sk\x7f"};
	for (size_t i = 0; i < N_ELEMENTS(bad); i++) {
		char *env[] = {(char *)bad[i], NULL};
		_cleanup_free_ char *msg = plan_error(cfg, NULL, env);
		if (!strstr(msg, "`ANTHROPIC_API_KEY`"))
			fail_msg("case %zu: %s", i, msg);
		/* The message never shows the key. */
		if (strstr(msg, "sk"))
			fail_msg("case %zu shows the key: %s", i, msg);
	}
	/* A written credential's error names its place. */
	_cleanup_config_ struct sc_config *custom = unit_load_project_yaml(custom_yaml);
	char *env[] = {"TEST_KEY=a b", "OTHER_KEY=x", NULL};
	_cleanup_free_ char *msg = plan_error(custom, sc_config_service(custom, "api"), env);
	if (!strstr(msg, ".sandcage.yml:5:") || !strstr(msg, "`TEST_KEY`"))
		fail_msg("unexpected message: %s", msg);
}

static void test_plan_routes_shared(void **state)
{
	/* Two keys of one upstream: one route, one map per header. */
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	char *env[] = {"ANTHROPIC_API_KEY=sk-a", "CLAUDE_CODE_OAUTH_TOKEN=tok-c",
	               "ANTHROPIC_AUTH_TOKEN=tok-t", NULL};
	struct sc_cred_plan plan;
	plan_ok(cfg, sc_config_service(cfg, "claude"), env, &plan);
	assert_int_equal(plan.n_routes, 1);
	assert_int_equal(plan.n_uses, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(plan.uses[i].route, 0);
	/* The two Bearer tokens share the authorization map. */
	const char *map = strstr(plan.secret, "map $http_authorization $sc_r0_authorization {");
	assert_non_null(map);
	assert_null(strstr(map + 1, "map $http_authorization"));
	assert_non_null(strstr(map, "\"Bearer sandcage-placeholder-ANTHROPIC_AUTH_TOKEN\" "
	                            "\"Bearer tok-t\";"));
	assert_non_null(strstr(map, "\"Bearer sandcage-placeholder-CLAUDE_CODE_OAUTH_TOKEN\" "
	                            "\"Bearer tok-c\";"));
	/* Each header is set once in the server. */
	const char *set = strstr(plan.conf, "proxy_set_header authorization $sc_r0_authorization;");
	assert_non_null(set);
	assert_null(strstr(set + 1, "proxy_set_header authorization"));
	assert_non_null(strstr(plan.conf, "proxy_set_header x-api-key $sc_r0_x_api_key;"));
	sc_cred_plan_release(&plan);

	/* Two upstreams of a harness: two ports; a port other than 443 is in
	 * the proxy_pass and the Host header. */
	_cleanup_config_ struct sc_config *custom = unit_load_project_yaml(custom_yaml);
	char *env2[] = {"TEST_KEY=k-test", "OTHER_KEY=k-other", NULL};
	plan_ok(custom, sc_config_service(custom, "api"), env2, &plan);
	assert_int_equal(plan.n_routes, 2);
	assert_string_equal(plan.routes[0].host, "upstream.test");
	assert_int_equal(plan.routes[0].port, 8443);
	assert_int_equal(plan.routes[0].listen, 8081);
	assert_string_equal(plan.routes[1].host, "other.test");
	assert_int_equal(plan.routes[1].port, 443);
	assert_int_equal(plan.routes[1].listen, 8082);
	assert_non_null(strstr(plan.conf, "set $sc_backend \"upstream.test:8443\";"));
	assert_non_null(strstr(plan.conf, "proxy_pass https://$sc_backend;"));
	assert_non_null(strstr(plan.conf, "proxy_set_header Host \"upstream.test:8443\";"));
	assert_non_null(strstr(plan.conf, "proxy_ssl_name upstream.test;"));
	assert_non_null(strstr(plan.conf, "set $sc_backend \"other.test:443\";"));
	assert_non_null(strstr(plan.conf, "proxy_set_header Host \"other.test\";"));
	assert_string_equal(use_of(&plan, "TEST_KEY")->url_env, "API_URL");
	sc_cred_plan_release(&plan);
}

/* The map blocks of keys.conf that feed route `r`'s variables. */
static char *maps_of_route(const char *secret, size_t r)
{
	struct strbuf sb = STRBUF_INIT;
	_cleanup_free_ char *tag = xasprintf(" $sc_r%zu_", r);
	for (const char *m = strstr(secret, "map "); m; m = strstr(m + 1, "\nmap ")) {
		if (*m == '\n')
			m++;
		const char *end = strstr(m, "\n}\n");
		assert_non_null(end);
		const char *eol = strchr(m, '\n');
		_cleanup_free_ char *head = xstrndup(m, (size_t)(eol - m));
		if (strstr(head, tag))
			strbuf_addf(&sb, "%.*s\n", (int)(end + 3 - m), m);
	}
	return strbuf_steal(&sb);
}

/* A key is only ever sent to its own upstream: another route's map does
 * not turn its placeholder into it, even for the same header. */
static void test_maps_per_route(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "services:\n"
	    "  api:\n"
	    "    command: [sh]\n"
	    "    credentials:\n"
	    "      - {env: KEY_A, header: x-key, upstream: 'https://a.test'}\n"
	    "      - {env: KEY_B, header: x-key, upstream: 'https://b.test'}\n");
	char *env[] = {"KEY_A=secret-a", "KEY_B=secret-b", NULL};
	struct sc_cred_plan plan;
	plan_ok(cfg, sc_config_service(cfg, "api"), env, &plan);
	assert_int_equal(plan.n_routes, 2);
	_cleanup_free_ char *r0 = maps_of_route(plan.secret, 0);
	_cleanup_free_ char *r1 = maps_of_route(plan.secret, 1);
	assert_non_null(strstr(r0, "placeholder-KEY_A\" \"secret-a\""));
	assert_null(strstr(r0, "KEY_B"));
	assert_null(strstr(r0, "secret-b"));
	assert_non_null(strstr(r1, "placeholder-KEY_B\" \"secret-b\""));
	assert_null(strstr(r1, "KEY_A"));
	assert_null(strstr(r1, "secret-a"));
	/* Each server sets its header from its own route's variable. */
	const char *s1 = strstr(plan.conf, "listen 8082;");
	assert_non_null(s1);
	assert_non_null(strstr(s1, "proxy_set_header x-key $sc_r1_x_key;"));
	assert_null(strstr(s1, "$sc_r0_"));
	sc_cred_plan_release(&plan);
}

static const char *env_of(const struct sc_container_spec *spec, const char *name)
{
	return env_get(spec->env.v, name);
}

static void spec_with(struct sc_container_spec *spec, char *const *env, char *const *from_host,
                      char *const *command)
{
	sc_container_spec_init(spec);
	for (char *const *e = env; e && *e; e++)
		strv_push(&spec->env, *e);
	for (char *const *e = from_host; e && *e; e++)
		strv_push(&spec->env_from_host, *e);
	for (char *const *e = command; e && *e; e++)
		strv_push(&spec->command, *e);
}

static void test_apply_shell(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	char *host[] = {"ANTHROPIC_API_KEY=sk-a", "OPENAI_API_KEY=sk-o", "GOOGLE_API_KEY=AIza-g",
	                NULL};
	struct sc_cred_plan plan;
	plan_ok(cfg, NULL, host, &plan);
	struct sc_container_spec spec;
	char *env[] = {"ANTHROPIC_API_KEY=sk-a", "OPENAI_API_KEY=sk-o", "GOOGLE_API_KEY=AIza-g",
	               "FOO=bar", NULL};
	char *from[] = {"ANTHROPIC_API_KEY", "FOO", "OPENAI_API_KEY", "GOOGLE_API_KEY", NULL};
	char *cmd[] = {"codex", "exec", "hi", NULL};
	spec_with(&spec, env, from, cmd);
	sc_cred_apply(&plan, cfg, NULL, PROXY, &spec);

	assert_string_equal(env_of(&spec, "ANTHROPIC_API_KEY"),
	                    "sandcage-placeholder-ANTHROPIC_API_KEY");
	assert_string_equal(env_of(&spec, "OPENAI_API_KEY"), "sandcage-placeholder-OPENAI_API_KEY");
	assert_string_equal(env_of(&spec, "GOOGLE_API_KEY"), "sandcage-placeholder-GOOGLE_API_KEY");
	/* The variables each client reads where the host has another. */
	assert_string_equal(env_of(&spec, "CODEX_API_KEY"), "sandcage-placeholder-OPENAI_API_KEY");
	assert_string_equal(env_of(&spec, "GEMINI_API_KEY"), "sandcage-placeholder-GOOGLE_API_KEY");
	assert_string_equal(env_of(&spec, "FOO"), "bar");
	/* The base URLs, at the proxy's ports. */
	assert_string_equal(env_of(&spec, "ANTHROPIC_BASE_URL"), "http://" PROXY ":8081");
	assert_string_equal(env_of(&spec, "OPENAI_BASE_URL"), "http://" PROXY ":8082/v1");
	assert_string_equal(env_of(&spec, "GOOGLE_GEMINI_BASE_URL"), "http://" PROXY ":8083");
	/* Nothing is taken from the host but FOO. */
	assert_int_equal(spec.env_from_host.len, 1);
	assert_string_equal(spec.env_from_host.v[0], "FOO");
	for (size_t i = 0; i < spec.env.len; i++)
		if (strstr(spec.env.v[i], "sk-") || strstr(spec.env.v[i], "AIza-g"))
			fail_msg("a key reaches the container: %s", spec.env.v[i]);
	/* A shell runs no agent's command: codex's option is not added. */
	assert_int_equal(spec.command.len, 3);
	assert_string_equal(spec.command.v[1], "exec");
	sc_container_spec_release(&spec);
	sc_cred_plan_release(&plan);
}

static void test_apply_codex(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml("{}\n");
	const struct sc_service *codex = sc_config_service(cfg, "codex");
	char *host[] = {"OPENAI_API_KEY=sk-o", "ANTHROPIC_API_KEY=sk-a", NULL};
	struct sc_cred_plan plan;
	plan_ok(cfg, codex, host, &plan);
	assert_int_equal(plan.n_uses, 1);

	struct sc_container_spec spec;
	char *env[] = {"OPENAI_API_KEY=sk-o", NULL};
	char *from[] = {"OPENAI_API_KEY", NULL};
	char *cmd[] = {"codex", "exec", "hi", NULL};
	spec_with(&spec, env, from, cmd);
	sc_cred_apply(&plan, cfg, codex, PROXY, &spec);
	/* Right after `codex`, before the user's arguments. */
	assert_int_equal(spec.command.len, 5);
	assert_string_equal(spec.command.v[0], "codex");
	assert_string_equal(spec.command.v[1], "-c");
	assert_string_equal(spec.command.v[2], "openai_base_url=\"http://" PROXY ":8081/v1\"");
	assert_string_equal(spec.command.v[3], "exec");
	assert_string_equal(spec.command.v[4], "hi");
	assert_string_equal(env_of(&spec, "CODEX_API_KEY"), "sandcage-placeholder-OPENAI_API_KEY");
	assert_string_equal(env_of(&spec, "OPENAI_BASE_URL"), "http://" PROXY ":8081/v1");
	/* Not claude's: it is not this session's agent. */
	assert_null(env_of(&spec, "ANTHROPIC_BASE_URL"));
	assert_int_equal(spec.env_from_host.len, 0);
	sc_container_spec_release(&spec);

	/* Another command in codex's session (`sandcage run codex -- bash`,
	 * say): left alone. */
	char *bash[] = {"bash", "-l", NULL};
	spec_with(&spec, env, from, bash);
	sc_cred_apply(&plan, cfg, codex, PROXY, &spec);
	assert_int_equal(spec.command.len, 2);
	assert_string_equal(spec.command.v[0], "bash");
	assert_string_equal(spec.command.v[1], "-l");
	sc_container_spec_release(&spec);

	/* CODEX_API_KEY of the host's own wins over the alias. */
	char *both[] = {"OPENAI_API_KEY=sk-o", "CODEX_API_KEY=sk-c", NULL};
	sc_cred_plan_release(&plan);
	plan_ok(cfg, codex, both, &plan);
	spec_with(&spec, NULL, NULL, NULL);
	sc_cred_apply(&plan, cfg, codex, PROXY, &spec);
	assert_string_equal(env_of(&spec, "CODEX_API_KEY"), "sandcage-placeholder-CODEX_API_KEY");
	assert_int_equal(spec.command.len, 0);
	sc_container_spec_release(&spec);
	sc_cred_plan_release(&plan);
}

static void test_apply_custom(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(custom_yaml);
	const struct sc_service *api = sc_config_service(cfg, "api");
	char *host[] = {"TEST_KEY=k-test", "OTHER_KEY=k-other", NULL};
	struct sc_cred_plan plan;
	plan_ok(cfg, api, host, &plan);
	struct sc_container_spec spec;
	char *cmd[] = {"sh", NULL};
	spec_with(&spec, NULL, NULL, cmd);
	sc_cred_apply(&plan, cfg, api, PROXY, &spec);
	assert_string_equal(env_of(&spec, "API_URL"), "http://" PROXY ":8081");
	assert_string_equal(env_of(&spec, "TEST_KEY"), "sandcage-placeholder-TEST_KEY");
	assert_string_equal(env_of(&spec, "OTHER_KEY"), "sandcage-placeholder-OTHER_KEY");
	assert_null(env_of(&spec, "ANTHROPIC_BASE_URL"));
	assert_null(env_of(&spec, "OPENAI_BASE_URL"));
	assert_int_equal(spec.command.len, 1);
	sc_container_spec_release(&spec);
	sc_cred_plan_release(&plan);
}

/* A credential variable that reaches the spec another way (env_passthrough,
 * or a value written in `env`) does not carry its value in proxy mode: a
 * placeholder where the proxy has the key, nothing where it has not. In env
 * mode the spec is left as it is. */
static void test_apply_passthrough(void **state)
{
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "env_passthrough: [ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN]\n");
	const struct sc_service *claude = sc_config_service(cfg, "claude");
	char *host[] = {"ANTHROPIC_API_KEY=sk-a", NULL};
	struct sc_cred_plan plan;
	plan_ok(cfg, claude, host, &plan);
	struct sc_container_spec spec;
	char *env[] = {"ANTHROPIC_API_KEY=sk-a", "CLAUDE_CODE_OAUTH_TOKEN=tok-from-elsewhere",
	               "X=1", NULL};
	char *from[] = {"ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", NULL};
	spec_with(&spec, env, from, NULL);
	sc_cred_apply(&plan, cfg, claude, PROXY, &spec);
	assert_string_equal(env_of(&spec, "ANTHROPIC_API_KEY"),
	                    "sandcage-placeholder-ANTHROPIC_API_KEY");
	assert_null(env_of(&spec, "CLAUDE_CODE_OAUTH_TOKEN"));
	assert_string_equal(env_of(&spec, "X"), "1");
	assert_int_equal(spec.env_from_host.len, 0);
	sc_container_spec_release(&spec);
	sc_cred_plan_release(&plan);

	_cleanup_config_ struct sc_config *envmode =
	    unit_load_project_yaml("credentials: {mode: env}\n");
	plan_ok(envmode, NULL, host, &plan);
	spec_with(&spec, env, from, NULL);
	sc_cred_apply(&plan, envmode, NULL, PROXY, &spec);
	assert_string_equal(env_of(&spec, "ANTHROPIC_API_KEY"), "sk-a");
	assert_string_equal(env_of(&spec, "CLAUDE_CODE_OAUTH_TOKEN"), "tok-from-elsewhere");
	assert_null(env_of(&spec, "ANTHROPIC_BASE_URL"));
	assert_int_equal(spec.env_from_host.len, 2);
	sc_container_spec_release(&spec);
	sc_cred_plan_release(&plan);
}

static void test_clients_conf(void **state)
{
	char *subnets[] = {"172.30.0.0/16", "fd00:1::/64", "10.0.0.0/8;\nallow all", "", "nonsense",
	                   "1.2.3.4/32 ",   NULL};
	_cleanup_free_ char *conf = sc_cred_clients_conf(subnets);
	assert_string_equal(conf, "# Only the project's network may use the keys.\n"
	                          "allow 172.30.0.0/16;\n"
	                          "allow fd00:1::/64;\n"
	                          "deny all;\n");
	_cleanup_free_ char *none = sc_cred_clients_conf(NULL);
	assert_string_equal(none, "# Only the project's network may use the keys.\ndeny all;\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plan_proxy),        cmocka_unit_test(test_plan_one_agent),
	    cmocka_unit_test(test_plan_nothing),      cmocka_unit_test(test_plan_written_unset),
	    cmocka_unit_test(test_plan_bad_keys),     cmocka_unit_test(test_plan_routes_shared),
	    cmocka_unit_test(test_maps_per_route),    cmocka_unit_test(test_apply_shell),
	    cmocka_unit_test(test_apply_codex),       cmocka_unit_test(test_apply_custom),
	    cmocka_unit_test(test_apply_passthrough), cmocka_unit_test(test_clients_conf),
	};
	return cmocka_run_group_tests_name("credentials", tests, NULL, NULL);
}
