/* Unit tests for src/config/validate.c (the checks of single values) and
 * the schema's tables (src/config/schema_table.c): every key has a default
 * and renders, and every key a project file needs trust for shows as a
 * grant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

#include "config/config.h"
#include "config/schema_table.h"
#include "config/trust.h"
#include "config/validate.h"
#include "util/strbuf.h"

/* ---- validate.c ---- */

static void test_env_names(void **state)
{
	(void)state;
	static const char *const good[] = {"A", "_", "a_b", "PATH2", "_X1", NULL};
	static const char *const bad[] = {"", "1A", "A-B", "A B", "A=B", "é", NULL};
	for (const char *const *p = good; *p; p++)
		if (!sc_valid_env_name(*p))
			fail_msg("`%s` should be valid", *p);
	for (const char *const *p = bad; *p; p++)
		if (sc_valid_env_name(*p))
			fail_msg("`%s` should be invalid", *p);
	assert_true(sc_env_name_denied("LD_PRELOAD"));
	assert_true(sc_env_name_denied("https_proxy"));
	assert_true(sc_env_name_denied("OPENAI_BASE_URL"));
	assert_false(sc_env_name_denied("RUST_LOG"));
	/* What a project sets without trust: an allowlist. */
	static const char *const harmless[] = {"TZ",       "LANG", "LC_ALL",         "TERM",
	                                       "NODE_ENV", "CI",   "RUST_BACKTRACE", NULL};
	static const char *const grants[] = {"EDITOR",     "PAGER",       "NODE_OPTIONS",
	                                     "PYTHONPATH", "HOME",        "XDG_CONFIG_HOME",
	                                     "GOPATH",     "CARGO_HOME",  "npm_config_registry",
	                                     "lang",       "TZDIR",       "LD_LIBRARY_PATH",
	                                     "GIT_DIR",    "HTTPS_PROXY", "ANYTHING_NEW",
	                                     NULL};
	for (const char *const *p = harmless; *p; p++)
		if (!sc_env_name_harmless(*p))
			fail_msg("`%s` should be harmless", *p);
	for (const char *const *p = grants; *p; p++)
		if (sc_env_name_harmless(*p))
			fail_msg("`%s` should need trust", *p);
}

static void test_domains(void **state)
{
	(void)state;
	size_t n = 0;
	unsigned port = 0;
	assert_int_equal(sc_valid_domain("example.com", &n, &port), SC_DOMAIN_OK);
	assert_int_equal(n, 11);
	assert_int_equal(port, 443);
	assert_int_equal(sc_valid_domain("*.example.com:8443", &n, &port), SC_DOMAIN_OK);
	assert_int_equal(n, 13);
	assert_int_equal(port, 8443);
	assert_int_equal(sc_valid_domain("a-b.c1.io:1", NULL, NULL), SC_DOMAIN_OK);
	static const char *const bad_port[] = {"a.com:",      "a.com:0", "a.com:65536", "a.com:4a",
	                                       "a.com:443:1", ":123456", "[::1]",       NULL};
	for (const char *const *p = bad_port; *p; p++)
		if (sc_valid_domain(*p, NULL, NULL) != SC_DOMAIN_BAD_PORT)
			fail_msg("`%s` should have a bad port", *p);
	static const char *const bad_host[] = {
	    "",        ":443", "a..b", ".a.com",    "a.com.", "-a.com",   "a-.com",
	    "a_b.com", "*.",   "*",    "*.*.a.com", "a*.com", "a.com\nx", NULL};
	for (const char *const *p = bad_host; *p; p++)
		if (sc_valid_domain(*p, NULL, NULL) != SC_DOMAIN_BAD_HOST)
			fail_msg("`%s` should have a bad host", *p);
	/* A label of 63 characters, not 64; a name of 253, not 254. */
	char label[70];
	memset(label, 'a', sizeof(label));
	label[63] = '\0';
	assert_int_equal(sc_valid_domain(label, NULL, NULL), SC_DOMAIN_OK);
	label[63] = 'a';
	label[64] = '\0';
	assert_int_equal(sc_valid_domain(label, NULL, NULL), SC_DOMAIN_BAD_HOST);
	struct strbuf sb = STRBUF_INIT;
	while (sb.len < 252)
		strbuf_adds(&sb, "a.");
	strbuf_adds(&sb, "b");
	assert_int_equal(sb.len, 253);
	assert_int_equal(sc_valid_domain(strbuf_str(&sb), NULL, NULL), SC_DOMAIN_OK);
	strbuf_adds(&sb, "c");
	assert_int_equal(sc_valid_domain(strbuf_str(&sb), NULL, NULL), SC_DOMAIN_BAD_HOST);
	strbuf_release(&sb);
}

static void test_upstreams(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		const char *host; /* NULL: refused */
		unsigned port;
	} cases[] = {
	    {"https://api.anthropic.com", "api.anthropic.com", 443},
	    {"https://api.anthropic.com/", "api.anthropic.com", 443},
	    {"https://upstream.test:8443", "upstream.test", 8443},
	    {"https://localhost", "localhost", 443},
	    {"http://api.anthropic.com", NULL, 0},
	    {"HTTPS://api.anthropic.com", NULL, 0},
	    {"api.anthropic.com", NULL, 0},
	    {"https://", NULL, 0},
	    {"https:///v1", NULL, 0},
	    {"https://api.anthropic.com/v1", NULL, 0},
	    {"https://api.anthropic.com//", NULL, 0},
	    {"https://user@api.anthropic.com", NULL, 0},
	    {"https://user:pw@api.anthropic.com", NULL, 0},
	    {"https://*.anthropic.com", NULL, 0},
	    {"https://api.anthropic.com?x=1", NULL, 0},
	    {"https://api.anthropic.com/?x=1", NULL, 0},
	    {"https://api.anthropic.com#f", NULL, 0},
	    {"https://api.anthropic.com:0", NULL, 0},
	    {"https://api.anthropic.com:65536", NULL, 0},
	    {"https://api.anthropic.com:", NULL, 0},
	    {"https://api anthropic.com", NULL, 0},
	    {"https://api.anthropic.com;evil", NULL, 0},
	    {"https://api.anthropic.com\n", NULL, 0},
	    {"https://[::1]", NULL, 0},
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *host = NULL;
		unsigned port = 0;
		bool ok = sc_valid_upstream(cases[i].s, &host, &port);
		if (!cases[i].host) {
			if (ok)
				fail_msg("`%s` should be refused", cases[i].s);
			assert_null(host);
			continue;
		}
		if (!ok)
			fail_msg("`%s` should be accepted", cases[i].s);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
		free(host);
		assert_true(sc_valid_upstream(cases[i].s, NULL, NULL));
	}
}

static void test_credential_headers(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		const char *name, *scheme; /* name NULL: refused */
	} cases[] = {
	    {"x-api-key", "x-api-key", NULL},
	    {"X-Goog-Api-Key", "x-goog-api-key", NULL},
	    {"authorization: Bearer", "authorization", "Bearer"},
	    {"Authorization:Bearer", "authorization", "Bearer"},
	    {"authorization:   Token", "authorization", "Token"},
	    {"", NULL, NULL},
	    {":", NULL, NULL},
	    {": Bearer", NULL, NULL},
	    {"authorization:", NULL, NULL},
	    {"authorization: ", NULL, NULL},
	    {"authorization: Bearer ", NULL, NULL},
	    {"authorization: Bearer x", NULL, NULL},
	    {"authorization : Bearer", NULL, NULL},
	    {" x-api-key", NULL, NULL},
	    {"x-api-key ", NULL, NULL},
	    {"x api key", NULL, NULL},
	    {"x-key\r\nevil: 1", NULL, NULL},
	    {"x-key\nevil", NULL, NULL},
	    {"x-key\r", NULL, NULL},
	    {"authorization: Bearer\r\nx: y", NULL, NULL},
	    {"x-key;", NULL, NULL},
	    {"x-kéy", NULL, NULL},
	};
	for (size_t i = 0; i < N_ELEMENTS(cases); i++) {
		char *name = NULL, *scheme = NULL;
		bool ok = sc_valid_credential_header(cases[i].s, &name, &scheme);
		if (!cases[i].name) {
			if (ok)
				fail_msg("`%s` should be refused", cases[i].s);
			continue;
		}
		if (!ok)
			fail_msg("`%s` should be accepted", cases[i].s);
		assert_string_equal(name, cases[i].name);
		if (cases[i].scheme)
			assert_string_equal(scheme, cases[i].scheme);
		else
			assert_null(scheme);
		free(name);
		free(scheme);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_true(sc_valid_docker_name("sandcage-home"));
	assert_true(sc_valid_docker_name("a1"));
	assert_false(sc_valid_docker_name("a"));
	assert_false(sc_valid_docker_name("-a"));
	assert_false(sc_valid_docker_name("a/b"));
	assert_true(sc_valid_image_ref("registry.example.com/team/image:tag"));
	assert_true(sc_valid_image_ref("debian@sha256:00"));
	assert_false(sc_valid_image_ref("-x"));
	assert_false(sc_valid_image_ref("a b"));
	assert_true(sc_valid_package("ripgrep"));
	assert_true(sc_valid_package("g++=4:12.2.0-3"));
	assert_false(sc_valid_package("A"));
	assert_false(sc_valid_package("r"));
	assert_false(sc_valid_package("rg="));
	assert_true(sc_valid_version("3.12"));
	assert_true(sc_valid_version("1.79.0"));
	assert_false(sc_valid_version("3 12"));
	assert_false(sc_valid_version(".1"));
	assert_true(sc_valid_url("https://x/y.json"));
	assert_true(sc_valid_url("file:///tmp/r.json"));
	assert_false(sc_valid_url("ftp://x"));
	assert_false(sc_valid_url("https://a b"));
	assert_true(sc_valid_service_name("my-tool_2"));
	assert_false(sc_valid_service_name("My"));
	assert_false(sc_valid_service_name("2x"));
	assert_false(sc_valid_service_name(""));
	assert_null(sc_name_unsafe("ok.name", false));
	assert_null(sc_name_unsafe("a/b", true));
	assert_non_null(sc_name_unsafe("a/b", false));
	assert_non_null(sc_name_unsafe("-rf", true));
	assert_non_null(sc_name_unsafe("a..b", true));
}

static void test_paths(void **state)
{
	(void)state;
	assert_true(sc_valid_absolute("/data"));
	assert_false(sc_valid_absolute("data"));
	assert_false(sc_valid_absolute(""));
	assert_true(sc_valid_project_path(".git/hooks/"));
	assert_true(sc_valid_project_path("a..b"));
	assert_false(sc_valid_project_path("../x"));
	assert_false(sc_valid_project_path("a/../x"));
	assert_false(sc_valid_project_path("/etc"));
	assert_false(sc_valid_project_path("."));
	assert_false(sc_valid_project_path(""));
	assert_true(sc_valid_name_pattern(".env.*"));
	assert_true(sc_valid_name_pattern("!.env.example"));
	assert_false(sc_valid_name_pattern("a/b"));
	assert_false(sc_valid_name_pattern("!"));
	assert_false(sc_valid_name_pattern(".."));
}

static void test_memory_and_nearest(void **state)
{
	(void)state;
	int64_t b = 0;
	assert_true(sc_parse_memory("8g", &b));
	assert_int_equal(b, 8LL << 30);
	assert_true(sc_parse_memory("512MiB", &b));
	assert_int_equal(b, 512LL << 20);
	assert_true(sc_parse_memory("1.5k", &b));
	assert_int_equal(b, 1536);
	assert_true(sc_parse_memory("100", &b));
	assert_int_equal(b, 100);
	assert_false(sc_parse_memory("8 x", &b));
	assert_false(sc_parse_memory("g", &b));
	assert_false(sc_parse_memory("-1g", &b));
	static const char *const words[] = {"image", "network", "mounts", NULL};
	assert_string_equal(sc_nearest("imag", words), "image");
	assert_string_equal(sc_nearest("mount", words), "mounts");
	assert_null(sc_nearest("zzzzzz", words));
}

/* ---- the tables ---- */

static bool is_leaf(const struct sc_key *k)
{
	return k->kind != SC_KEY_TABLE && k->kind != SC_KEY_SERVICES && k->kind != SC_KEY_ITEMS;
}

static bool is_list(const struct sc_key *k)
{
	return k->kind == SC_KEY_LIST || k->kind == SC_KEY_COMMAND || k->kind == SC_KEY_FILES ||
	       k->kind == SC_KEY_ITEMS;
}

/* Every key of `keys` is in the defaults tree `t`, and every list key can be
 * appended to. */
static void check_defaults(const struct sc_value *t, const struct sc_key *keys, const char *path)
{
	for (const struct sc_key *k = keys; k->name; k++) {
		const struct sc_value *v = sc_table_get(t, k->name);
		if (!v)
			fail_msg("`%s%s` has no default", path, k->name);
		if (is_list(k) && !k->appendable)
			fail_msg("`%s%s` is a list but not appendable", path, k->name);
		if (!is_list(k) && k->appendable)
			fail_msg("`%s%s` is appendable but not a list", path, k->name);
		if (k->kind == SC_KEY_TABLE) {
			_cleanup_free_ char *sub = xasprintf("%s%s.", path, k->name);
			check_defaults(v, k->sub, sub);
		}
	}
}

static void test_every_key_has_a_default(void **state)
{
	(void)state;
	_cleanup_value_ struct sc_value *defaults = sc_config_defaults();
	check_defaults(defaults, sc_schema_root, "");
	/* Each built-in service has every service key. */
	const struct sc_value *services = sc_table_get(defaults, "services");
	for (const char *const *name = sc_builtin_services; *name; name++) {
		const struct sc_value *svc = sc_table_get(services, *name);
		assert_non_null(svc);
		_cleanup_free_ char *path = xasprintf("services.%s.", *name);
		check_defaults(svc, sc_schema_service, path);
	}
	/* A mount's keys have no defaults but `readonly`; the rest are required. */
	for (const struct sc_key *k = sc_schema_mount; k->name; k++)
		assert_true(k->required || k->kind == SC_KEY_BOOL);
}

/* Every leaf of `keys` is on a line of `text` and a member of `json`. */
static void check_rendered(const char *text, json_t *json, const struct sc_key *keys,
                           const char *path)
{
	for (const struct sc_key *k = keys; k->name; k++) {
		json_t *j = json_object_get(json, k->name);
		if (!j)
			fail_msg("`%s%s` is not in the JSON", path, k->name);
		_cleanup_free_ char *key = xasprintf("%s%s", path, k->name);
		if (k->kind == SC_KEY_TABLE) {
			_cleanup_free_ char *sub = xasprintf("%s.", key);
			check_rendered(text, j, k->sub, sub);
			continue;
		}
		if (!is_leaf(k))
			continue;
		/* A map has a line per entry: KEY.NAME = VALUE. */
		_cleanup_free_ char *line =
		    xasprintf("\n%s%s", key, k->kind == SC_KEY_MAP ? "." : " = ");
		if (!strstr(text, line) && !str_has_prefix(text, line + 1))
			fail_msg("`%s` is not in the text:\n%s", key, text);
		if (!json_object_get(j, "origin") && k->kind != SC_KEY_MAP)
			fail_msg("`%s` has no origin in the JSON", key);
	}
}

static void test_every_key_renders(void **state)
{
	(void)state;
	_cleanup_config_ struct sc_config *cfg =
	    unit_load_project_yaml("toolchains:\n  node: 22\nenv:\n  A: b\n"
	                           "mounts:\n  - source: /tmp\n    target: /data\n");
	_cleanup_free_ char *text = sc_config_render_text(cfg);
	json_t *json = sc_config_render_json(cfg);
	check_rendered(text, json, sc_schema_root, "");
	json_t *services = json_object_get(json, "services");
	for (size_t i = 0; i < cfg->services.len; i++) {
		const char *name = cfg->services.items[i].name;
		_cleanup_free_ char *path = xasprintf("services.%s.", name);
		check_rendered(text, json_object_get(services, name), sc_schema_service, path);
	}
	json_t *mount = json_array_get(json_object_get(json, "mounts"), 0);
	assert_non_null(mount);
	check_rendered(text, mount, sc_schema_mount, "mounts[0].");
	json_decref(json);
}

/* A project file setting each trust-needing key, and a part of the grant. */
static const struct {
	const char *key;
	const char *yaml;
	const char *grant;
} grant_cases[] = {
    {"mounts", "mounts:\n  - source: /tmp\n    target: /data\n", "mount the host path `/tmp`"},
    {"env_passthrough", "env_passthrough: [TOKEN]\n", "pass the host variable `TOKEN`"},
    {"env", "env:\n  HTTPS_PROXY: http://p\n", "set `HTTPS_PROXY=http://p`"},
    {"packages", "packages+: [jq]\n", "add `jq` to `packages`"},
    {"engine", "engine: podman\n", "set `engine` to `podman`"},
    {"image.base", "image:\n  base: debian:trixie\n", "set `image.base` to `debian:trixie`"},
    {"home.volume", "home:\n  volume: other\n", "set `home.volume` to `other`"},
    {"home.scope", "home:\n  scope: shared\n", "set `home.scope` to `shared`"},
    {"acp.registry_url", "acp:\n  registry_url: https://x.test/r.json\n",
     "set `acp.registry_url` to `https://x.test/r.json`"},
    {"acp.strip_terminal", "acp:\n  strip_terminal: false\n", "unfiltered"},
    {"security.protected_paths", "security:\n  protected_paths+: [x/]\n",
     "add `x/` to `security.protected_paths`"},
    {"security.masked_files", "security:\n  masked_files+: [x]\n",
     "add `x` to `security.masked_files`"},
    {"services.enabled", "services:\n  codex:\n    enabled: true\n", "enable the agent `codex`"},
    {"services.command", "services:\n  t:\n    command: [t]\n", "run `t` as the command `t`"},
    {"services.install", "services:\n  claude:\n    install: [x]\n", "run `x` while building"},
    {"services.env", "services:\n  claude:\n    env+: [K]\n", "pass the host variable `K` to"},
    {"services.args", "services:\n  claude:\n    args: [--a]\n", "give `claude` the argument"},
    {"services.domains", "services:\n  claude:\n    domains: [d.com]\n", "reach `d.com`"},
    {"services.credentials",
     "services:\n  claude:\n    credentials+:\n      - {env: K, header: x-k, upstream: "
     "https://k.test}\n",
     "send the value of the host variable `K` to `https://k.test`"},
    {"credentials.mode", "credentials:\n  mode: env\n", "set `credentials.mode` to `env`"},
    {"credentials.ca_file", "credentials:\n  ca_file: /etc/passwd\n",
     "set `credentials.ca_file` to `/etc/passwd`"},
    {"network.mode", "network:\n  mode: open\n", "open network access"},
    {"network.allow", "network:\n  allow: [a.com]\n", "allow network access to `a.com`"},
    {"ssh.enabled", "ssh:\n  enabled: true\n", "SSH for git"},
    {"resources.memory", "resources:\n  memory: 9g\n",
     "a memory limit of 9g, above the default 8g"},
    {"resources.cpus", "resources:\n  cpus: 0\n", "no CPU limit"},
    {"resources.pids", "resources:\n  pids: 1025\n",
     "a process limit of 1025, above the default 1024"},
    {"image.dockerfile", "image:\n  dockerfile: /etc/hostname\n",
     "build the image from the Dockerfile"},
    {"image.ca_certificates", "image:\n  ca_certificates: [/etc/hostname]\n", "copy the host file"},
    {"image.build_network", "image:\n  build_network: host\n", "on the network `host`"},
};

static size_t count_grant_keys(const struct sc_key *keys, const char *path)
{
	size_t n = 0;
	for (const struct sc_key *k = keys; k->name; k++) {
		_cleanup_free_ char *key = xasprintf("%s%s", path, k->name);
		if (k->kind == SC_KEY_TABLE || k->kind == SC_KEY_SERVICES) {
			_cleanup_free_ char *sub = xasprintf("%s.", key);
			n += count_grant_keys(k->sub, sub);
		}
		if (k->kind != SC_KEY_TABLE && k->trust == SC_KEY_UNCLASSIFIED)
			fail_msg("`%s` is neither harmless nor a grant: classify it in "
			         "schema_table.c (.trust)",
			         key);
		if (k->kind == SC_KEY_TABLE || k->kind == SC_KEY_SERVICES ||
		    k->trust == SC_KEY_HARMLESS)
			continue;
		n++;
		bool tested = false;
		for (size_t i = 0; i < N_ELEMENTS(grant_cases); i++)
			tested |= streq(grant_cases[i].key, key);
		if (!tested)
			fail_msg("`%s` needs trust but has no case in grant_cases", key);
	}
	return n;
}

static void test_every_grant_key_grants(void **state)
{
	(void)state;
	assert_int_equal(count_grant_keys(sc_schema_root, ""), N_ELEMENTS(grant_cases));
	for (size_t i = 0; i < N_ELEMENTS(grant_cases); i++) {
		_cleanup_config_ struct sc_config *cfg =
		    unit_load_project_yaml(grant_cases[i].yaml);
		struct vec v = VEC_INIT(sc_grant_free);
		sc_trust_grants(cfg, SC_LAYER_PROJECT, &v);
		if (v.len != 1)
			fail_msg("`%s`: %zu grants, expected 1", grant_cases[i].key, v.len);
		const struct sc_grant *g = v.items[0];
		if (!strstr(g->text, grant_cases[i].grant))
			fail_msg("`%s`: \"%s\" does not say \"%s\"", grant_cases[i].key, g->text,
			         grant_cases[i].grant);
		assert_int_equal(g->origin.layer, SC_LAYER_PROJECT);
		vec_release(&v);
		/* Nothing for the other layers. */
		sc_trust_grants(cfg, SC_LAYER_LOCAL, &v);
		assert_int_equal(v.len, 0);
		vec_release(&v);
	}
}

/* Every row of every table says whether it is harmless or a grant: a key
 * added without a classification fails here (the mount's keys are the
 * mount's grant; the tables' own rows hold only keys). */
static void check_classified(const struct sc_key *keys, const char *path)
{
	for (const struct sc_key *k = keys; k->name; k++) {
		_cleanup_free_ char *key = xasprintf("%s%s", path, k->name);
		if (k->kind == SC_KEY_TABLE) {
			_cleanup_free_ char *sub = xasprintf("%s.", key);
			check_classified(k->sub, sub);
			continue;
		}
		if (k->trust != SC_KEY_HARMLESS && k->trust != SC_KEY_GRANT)
			fail_msg("`%s` is neither harmless nor a grant (.trust in schema_table.c)",
			         key);
	}
}

static void test_every_key_is_classified(void **state)
{
	(void)state;
	check_classified(sc_schema_root, "");
	check_classified(sc_schema_service, "services.NAME.");
	check_classified(sc_schema_mount, "mounts[].");
	/* The few harmless keys, by name: widening this list needs a reason
	 * in docs/security.md. */
	size_t harmless = 0;
	for (const struct sc_key *k = sc_schema_root; k->name; k++)
		harmless += k->trust == SC_KEY_HARMLESS;
	for (const struct sc_key *k = sc_schema_service; k->name; k++)
		harmless += k->trust == SC_KEY_HARMLESS;
	for (const struct sc_key *k = sc_schema_mount; k->name; k++)
		harmless += k->trust == SC_KEY_HARMLESS;
	assert_int_equal(harmless, 1); /* toolchains */
}

/* Harmless keys, and grant keys set to what does not widen, grant nothing. */
static void test_plain_keys_grant_nothing(void **state)
{
	(void)state;
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "image:\n  build_network: none\n"
	    "toolchains:\n  python: \"3.12\"\nenv:\n  RUST_LOG: info\n  TZ: UTC\n"
	    "  LC_ALL: C.UTF-8\n"
	    "network:\n  mode: allowlist\nresources:\n  memory: 2g\n  cpus: 1\n  pids: 100\n"
	    "ssh:\n  enabled: false\n"
	    "acp:\n  strip_terminal: true\nservices:\n  codex:\n    enabled: false\n");
	struct vec v = VEC_INIT(sc_grant_free);
	sc_trust_grants(cfg, SC_LAYER_PROJECT, &v);
	assert_int_equal(v.len, 0);
	vec_release(&v);
}

/* The grants come in the order of docs/security.md, not the table's. */
static void test_grant_order(void **state)
{
	(void)state;
	_cleanup_config_ struct sc_config *cfg = unit_load_project_yaml(
	    "image:\n  build_network: host\n"
	    "services:\n  b:\n    command: [b]\n    env: [X]\n  a:\n    command: [a]\n"
	    "ssh:\n  enabled: true\nmounts:\n  - source: /tmp\n    target: /t\n");
	struct vec v = VEC_INIT(sc_grant_free);
	sc_trust_grants(cfg, SC_LAYER_PROJECT, &v);
	static const char *const want[] = {
	    "mount the host path",
	    "pass the host variable `X` to `b`",
	    "run `b` as the command",
	    "run `a` as the command",
	    "SSH for git",
	    "build the image on the network",
	};
	assert_int_equal(v.len, N_ELEMENTS(want));
	for (size_t i = 0; i < N_ELEMENTS(want); i++) {
		const struct sc_grant *g = v.items[i];
		if (!strstr(g->text, want[i]))
			fail_msg("grant %zu is \"%s\", expected \"%s\"", i, g->text, want[i]);
	}
	vec_release(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env_names),
	    cmocka_unit_test(test_domains),
	    cmocka_unit_test(test_upstreams),
	    cmocka_unit_test(test_credential_headers),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_memory_and_nearest),
	    cmocka_unit_test(test_every_key_has_a_default),
	    cmocka_unit_test(test_every_key_renders),
	    cmocka_unit_test(test_every_key_is_classified),
	    cmocka_unit_test(test_every_grant_key_grants),
	    cmocka_unit_test(test_plain_keys_grant_nothing),
	    cmocka_unit_test(test_grant_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
