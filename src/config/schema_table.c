/* The schema's tables and freeing; the defaults made from them are in
 * defaults.c. */
#include "schema_table.h"
#include "validate.h"

#include <stddef.h>

/* The command table's names (not the built-in agents: they are services). */
const char *const sc_reserved_names[] = {
#define SC_AGENT(name)
#define SC_COMMAND(name)  #name,
#define SC_RESERVED(name) #name,
#include "../commands.def"
#undef SC_AGENT
#undef SC_COMMAND
#undef SC_RESERVED
    NULL,
};

const char *const sc_builtin_services[] = {"claude", "codex", "gemini", NULL};
static const char *const known_toolchains[] = {"node", "python", "rust", "go", NULL};
static const char *const home_scopes[] = {"project", "shared", NULL};
static const char *const network_modes[] = {"open", "none", "allowlist", NULL};
static const char *const engines[] = {"", "docker", "podman", NULL};
static const char *const credentials_modes[] = {"proxy", "env", NULL};

/* ---- the checks, with their messages ---- */

static char *check_not_empty(const char *s)
{
	return *s ? NULL : xstrdup("must not be empty");
}

static char *check_env_name(const char *s)
{
	if (sc_valid_env_name(s))
		return NULL;
	return xasprintf("invalid environment variable name \"%s\" (expected letters, digits and "
	                 "`_`, not starting with a digit)",
	                 s);
}

static char *check_package(const char *s)
{
	if (sc_valid_package(s))
		return NULL;
	return xasprintf(
	    "invalid package name \"%s\" (expected a Debian package name such as "
	    "\"ripgrep\" or \"ripgrep=13.0.0-4\": [a-z0-9][a-z0-9+.-]+ and an optional "
	    "=VERSION)",
	    s);
}

static char *check_image_ref(const char *s)
{
	if (sc_valid_image_ref(s))
		return NULL;
	return xasprintf("invalid image reference \"%s\" (expected something like "
	                 "\"debian:bookworm-slim\" or \"registry.example.com/team/image:tag\")",
	                 s);
}

static char *check_docker_name(const char *s)
{
	if (sc_valid_docker_name(s))
		return NULL;
	return xasprintf("invalid name \"%s\" (expected [a-zA-Z0-9][a-zA-Z0-9_.-]+, as Docker "
	                 "requires)",
	                 s);
}

static char *check_domain(const char *s)
{
	switch (sc_valid_domain(s, NULL, NULL)) {
	case SC_DOMAIN_OK:
		return NULL;
	case SC_DOMAIN_BAD_PORT:
		return xasprintf("invalid port in \"%s\" (expected HOST or HOST:PORT with a port "
		                 "from 1 to 65535)",
		                 s);
	case SC_DOMAIN_BAD_HOST:
		break;
	}
	return xasprintf("invalid domain \"%s\" (expected a host name such as \"example.com\", "
	                 "\"*.example.com\" or \"example.com:8443\")",
	                 s);
}

static char *check_version(const char *s)
{
	if (sc_valid_version(s))
		return NULL;
	return xasprintf("invalid version \"%s\" (expected something like \"20\", \"3.12\" or "
	                 "\"1.79.0\")",
	                 s);
}

static char *check_url(const char *s)
{
	if (sc_valid_url(s))
		return NULL;
	return xasprintf("invalid URL \"%s\" (expected an https://, http:// or file:// URL "
	                 "without spaces)",
	                 s);
}

static char *check_upstream(const char *s)
{
	if (sc_valid_upstream(s, NULL, NULL))
		return NULL;
	return xasprintf("invalid upstream \"%s\" (expected https://HOST or https://HOST:PORT: the "
	                 "proxy talks TLS to it, and sends nothing but the request's path)",
	                 s);
}

static char *check_header(const char *s)
{
	if (strpbrk(s, "\r\n"))
		return xstrdup("a header cannot hold a line break (CR or LF): it would let the "
		               "value start a header of its own");
	if (sc_valid_credential_header(s, NULL, NULL))
		return NULL;
	return xasprintf("invalid header \"%s\" (expected a header name such as \"x-api-key\", "
	                 "or a name and a scheme such as \"authorization: Bearer\")",
	                 s);
}

static char *check_absolute(const char *s)
{
	if (sc_valid_absolute(s))
		return NULL;
	return xasprintf("expected an absolute path, found \"%s\"", s);
}

static char *check_project_path(const char *s)
{
	if (sc_valid_project_path(s))
		return NULL;
	return xasprintf("invalid path \"%s\" (expected a path relative to the project root, "
	                 "without `..`, such as \".git/hooks/\")",
	                 s);
}

static char *check_name_pattern(const char *s)
{
	if (sc_valid_name_pattern(s))
		return NULL;
	return xasprintf("invalid file name pattern \"%s\" (expected a name such as \".env\" or "
	                 "\".env.*\", or `!NAME` for an exception; no `/`)",
	                 s);
}

/* ---- the tables ---- */

#define LIST(...)  ((const char *const[]){__VA_ARGS__, NULL})
#define CFG(field) offsetof(struct sc_config, field)
#define SVC(field) offsetof(struct sc_service, field)
#define MNT(field) offsetof(struct sc_cfg_mount, field)

static const struct sc_key image_keys[] = {
    {.name = "base",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_STR,
     .offset = CFG(image.base),
     .def.str = "debian:bookworm-slim",
     .check = check_image_ref,
     .grant_rank = 14},
    {.name = "dockerfile",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_FILE,
     .offset = CFG(image.dockerfile),
     .def.str = "",
     .grant = sc_grant_dockerfile,
     .grant_rank = 11},
    {.name = "ca_certificates",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_FILES,
     .offset = CFG(image.ca_certificates),
     .appendable = true,
     .grant = sc_grant_ca_certificates,
     .grant_rank = 12},
    {.name = "build_network",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_STR,
     .offset = CFG(image.build_network),
     .def.str = "default",
     .check = check_docker_name,
     .grant = sc_grant_build_network,
     .grant_rank = 13},
    {0},
};

static const struct sc_key network_keys[] = {
    {.name = "mode",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_ENUM,
     .offset = CFG(network.mode.value),
     .aux = CFG(network.mode.origin),
     .def.str = "open",
     .names = network_modes,
     .allowed = "open, none, allowlist",
     .grant = sc_grant_network_mode,
     .grant_rank = 5},
    {.name = "allow",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_LIST,
     .offset = CFG(network.allow),
     .check = check_domain,
     .appendable = true,
     .grant = sc_grant_network_allow,
     .grant_rank = 6},
    {0},
};

static const struct sc_key resources_keys[] = {
    {.name = "memory",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_MEMORY,
     .offset = CFG(resources.memory),
     .aux = CFG(resources.memory_bytes),
     .def.str = "8g",
     .grant = sc_grant_memory,
     .grant_rank = 8},
    {.name = "cpus",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_CPUS,
     .offset = CFG(resources.cpus),
     .def.integer = 0,
     .grant = sc_grant_cpus,
     .grant_rank = 9},
    {.name = "pids",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_INT,
     .offset = CFG(resources.pids),
     .def.integer = 1024,
     .grant = sc_grant_pids,
     .grant_rank = 10},
    {0},
};

static const struct sc_key ssh_keys[] = {
    {.name = "enabled",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_BOOL,
     .offset = CFG(ssh.enabled),
     .def.boolean = false,
     .grant = sc_grant_ssh,
     .grant_rank = 7},
    {0},
};

static const struct sc_key home_keys[] = {
    {.name = "volume",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_STR,
     .offset = CFG(home.volume),
     .def.str = "sandcage-home",
     .check = check_docker_name,
     .grant_rank = 16},
    /* Global only (src/plan/security.c): a project that chose `shared`
     * would reach every other project's home. */
    {.name = "scope",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_ENUM,
     .offset = CFG(home.scope.value),
     .aux = CFG(home.scope.origin),
     .def.str = "project",
     .names = home_scopes,
     .allowed = "project, shared",
     .grant_rank = 16},
    {0},
};

/* Read from the global layer only (src/plan/security.c rejects them elsewhere):
 * a project must not choose where a key goes, nor which CA vouches for it. */
static const struct sc_key credentials_keys[] = {
    {.name = "mode",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_ENUM,
     .offset = CFG(credentials.mode.value),
     .aux = CFG(credentials.mode.origin),
     .def.str = "proxy",
     .names = credentials_modes,
     .allowed = "proxy, env",
     .grant_rank = 21},
    {.name = "ca_file",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_FILE,
     .offset = CFG(credentials.ca_file),
     .def.str = "",
     .grant_rank = 21},
    {0},
};

static const struct sc_key acp_keys[] = {
    {.name = "registry_url",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_STR,
     .offset = CFG(acp.registry_url),
     .def.str = "https://cdn.agentclientprotocol.com/registry/v1/latest/registry.json",
     .check = check_url,
     .grant_rank = 18},
    {.name = "strip_terminal",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_BOOL,
     .offset = CFG(acp.strip_terminal),
     .def.boolean = true,
     .grant = sc_grant_strip_terminal,
     .grant_rank = 19},
    {0},
};

/* Read from the global layer only (src/plan/security.c rejects them elsewhere). */
static const struct sc_key security_keys[] = {
    {.name = "protected_paths",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_LIST,
     .offset = CFG(security.protected_paths),
     .def.list = LIST(".sandcage.yml", ".sandcage.local.yml", ".git/hooks/", ".git/config"),
     .check = check_project_path,
     .appendable = true,
     .grant_rank = 20},
    {.name = "masked_files",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_LIST,
     .offset = CFG(security.masked_files),
     .def.list = LIST(".env", ".env.*", "!.env.example"),
     .check = check_name_pattern,
     .appendable = true,
     .grant_rank = 20},
    {0},
};

/* The built-in services' defaults come from builtin_defaults below; these
 * are a custom harness's (`enabled` is true for one written down). */
const struct sc_key sc_schema_service[] = {
    {.name = "enabled",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_BOOL,
     .offset = SVC(enabled),
     .def.boolean = true,
     .grant = sc_grant_enabled},
    {.name = "command",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_COMMAND,
     .offset = SVC(command),
     .appendable = true,
     .grant = sc_grant_service_command,
     .grant_rank = 2},
    {.name = "install",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_LIST,
     .offset = SVC(install),
     .check = check_not_empty,
     .appendable = true,
     .grant = sc_grant_service_install,
     .grant_rank = 4},
    {.name = "env",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_LIST,
     .offset = SVC(env),
     .check = check_env_name,
     .appendable = true,
     .grant = sc_grant_service_env,
     .grant_rank = 1},
    {.name = "args",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_LIST,
     .offset = SVC(args),
     .appendable = true,
     .grant = sc_grant_service_args,
     .grant_rank = 3},
    {.name = "domains",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_LIST,
     .offset = SVC(domains),
     .check = check_domain,
     .appendable = true,
     .grant = sc_grant_service_domains,
     .grant_rank = 5},
    {.name = "credentials",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_ITEMS,
     .offset = SVC(credentials),
     .appendable = true,
     .sub = sc_schema_credential,
     .item_size = sizeof(struct sc_cfg_credential),
     .aux = offsetof(struct sc_cfg_credential, origin),
     .item = "a credential",
     .grant = sc_grant_credentials,
     .grant_rank = 1},
    {0},
};

#define CRED(f) offsetof(struct sc_cfg_credential, f)

/* A credential is one list item, written whole in one layer. */
const struct sc_key sc_schema_credential[] = {
    {.name = "env",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_STR,
     .offset = CRED(env),
     .check = check_env_name,
     .required = true},
    {.name = "header",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_STR,
     .offset = CRED(header),
     .check = check_header,
     .required = true},
    {.name = "upstream",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_STR,
     .offset = CRED(upstream),
     .check = check_upstream,
     .required = true},
    {.name = "url_env",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_STR,
     .offset = CRED(url_env),
     .check = check_env_name},
    {0},
};

/* A mount is one list item, written whole in one layer. */
const struct sc_key sc_schema_mount[] = {
    {.name = "source",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_SOURCE,
     .offset = MNT(source),
     .required = true},
    {.name = "target",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_TARGET,
     .offset = MNT(target),
     .check = check_absolute,
     .required = true},
    {.name = "readonly",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_BOOL,
     .offset = MNT(readonly),
     .def.boolean = false},
    {0},
};

const struct sc_key sc_schema_root[] = {
    {.name = "image", .kind = SC_KEY_TABLE, .sub = image_keys},
    {.name = "toolchains",
     .trust = SC_KEY_HARMLESS,
     .kind = SC_KEY_MAP,
     .offset = CFG(toolchains),
     .check = check_version,
     .known = known_toolchains,
     .what = "toolchain"},
    {.name = "packages",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_LIST,
     .offset = CFG(packages),
     .check = check_package,
     .appendable = true,
     .grant_rank = 15},
    {.name = "services",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_SERVICES,
     .offset = CFG(services),
     .sub = sc_schema_service,
     .grant_rank = 4},
    {.name = "env",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_MAP,
     .offset = CFG(env),
     .key_check = check_env_name,
     .scalars = true,
     .grant = sc_grant_env,
     .grant_rank = 3},
    {.name = "env_passthrough",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_LIST,
     .offset = CFG(env_passthrough),
     .check = check_env_name,
     .appendable = true,
     .grant = sc_grant_passthrough,
     .grant_rank = 2},
    {.name = "mounts",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_ITEMS,
     .offset = CFG(mounts),
     .appendable = true,
     .sub = sc_schema_mount,
     .item_size = sizeof(struct sc_cfg_mount),
     .aux = offsetof(struct sc_cfg_mount, origin),
     .item = "a mount",
     .grant = sc_grant_mounts,
     .grant_rank = 1},
    {.name = "network", .kind = SC_KEY_TABLE, .sub = network_keys},
    {.name = "resources", .kind = SC_KEY_TABLE, .sub = resources_keys},
    {.name = "ssh", .kind = SC_KEY_TABLE, .sub = ssh_keys},
    {.name = "home", .kind = SC_KEY_TABLE, .sub = home_keys},
    {.name = "credentials", .kind = SC_KEY_TABLE, .sub = credentials_keys},
    {.name = "engine",
     .trust = SC_KEY_GRANT,
     .kind = SC_KEY_ENUM,
     .offset = CFG(engine.value),
     .aux = CFG(engine.origin),
     .def.str = "",
     .names = engines,
     .allowed = "docker, podman, \"\" (auto)",
     .grant_rank = 17},
    {.name = "acp", .kind = SC_KEY_TABLE, .sub = acp_keys},
    {.name = "security", .kind = SC_KEY_TABLE, .sub = security_keys},
    {0},
};

enum sc_key_store sc_key_store(const struct sc_key *key)
{
	switch (key->kind) {
	case SC_KEY_TABLE:
		return SC_STORE_TABLE;
	case SC_KEY_BOOL:
		return SC_STORE_BOOL;
	case SC_KEY_INT:
		return SC_STORE_INT;
	case SC_KEY_CPUS:
		return SC_STORE_NUM;
	case SC_KEY_ENUM:
		return SC_STORE_ENUM;
	case SC_KEY_LIST:
	case SC_KEY_COMMAND:
	case SC_KEY_FILES:
		return SC_STORE_LIST;
	case SC_KEY_MAP:
		return SC_STORE_MAP;
	case SC_KEY_SERVICES:
		return SC_STORE_SERVICES;
	case SC_KEY_ITEMS:
		return SC_STORE_ITEMS;
	case SC_KEY_STR:
	case SC_KEY_FILE:
	case SC_KEY_SOURCE:
	case SC_KEY_TARGET:
	case SC_KEY_MEMORY:
		break;
	}
	return SC_STORE_STR;
}

/* Every enum key's field is an int-sized enum. */
_Static_assert(sizeof(enum sc_home_scope) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sc_network_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sc_engine_kind) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sc_credentials_mode) == sizeof(int), "enum size");

int sc_key_enum_get(const void *base, const struct sc_key *key, struct sc_origin *origin)
{
	int value = 0;
	memcpy(&value, (const char *)base + key->offset, sizeof(value));
	if (origin)
		memcpy(origin, (const char *)base + key->aux, sizeof(*origin));
	return value;
}

void sc_key_enum_set(void *base, const struct sc_key *key, int value, struct sc_origin origin)
{
	memcpy((char *)base + key->offset, &value, sizeof(value));
	memcpy((char *)base + key->aux, &origin, sizeof(origin));
}

/* ---- freeing and small accessors ---- */

void sc_cfg_list_release(struct sc_cfg_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i].value);
	free(l->items);
	l->items = NULL;
	l->len = 0;
}

static void map_release(struct sc_cfg_map *m)
{
	for (size_t i = 0; i < m->len; i++) {
		free(m->items[i].key);
		free(m->items[i].value.value);
	}
	free(m->items);
	m->items = NULL;
	m->len = 0;
}

void sc_schema_release(const struct sc_key *keys, void *base)
{
	struct sc_config *cfg = base; /* for the kinds only the root has */
	for (const struct sc_key *k = keys; k->name; k++) {
		void *f = sc_key_field(base, k);
		switch (sc_key_store(k)) {
		case SC_STORE_TABLE:
			sc_schema_release(k->sub, base);
			break;
		case SC_STORE_STR: {
			struct sc_cfg_str *s = f;
			free(s->value);
			s->value = NULL;
			break;
		}
		case SC_STORE_BOOL:
		case SC_STORE_INT:
		case SC_STORE_NUM:
		case SC_STORE_ENUM:
			break;
		case SC_STORE_LIST:
			sc_cfg_list_release(f);
			break;
		case SC_STORE_MAP:
			map_release(f);
			break;
		case SC_STORE_SERVICES:
			for (size_t i = 0; i < cfg->services.len; i++) {
				free(cfg->services.items[i].name);
				sc_schema_release(k->sub, &cfg->services.items[i]);
			}
			free(cfg->services.items);
			cfg->services.items = NULL;
			cfg->services.len = 0;
			break;
		case SC_STORE_ITEMS: {
			struct sc_cfg_items *items = f;
			for (size_t i = 0; i < items->len; i++)
				sc_schema_release(k->sub, (char *)items->items + i * k->item_size);
			free(items->items);
			items->items = NULL;
			items->len = 0;
			break;
		}
		}
	}
}

void sc_config_free(struct sc_config *cfg)
{
	if (!cfg)
		return;
	sc_schema_release(sc_schema_root, cfg);
	free(cfg);
}

const struct sc_service *sc_config_service(const struct sc_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->services.len; i++)
		if (streq(cfg->services.items[i].name, name))
			return &cfg->services.items[i];
	return NULL;
}

char **sc_cfg_list_strv(const struct sc_cfg_list *list)
{
	char **v = xcalloc(list->len + 1, sizeof(char *));
	for (size_t i = 0; i < list->len; i++)
		v[i] = xstrdup(list->items[i].value);
	return v;
}

char *sc_cfg_format_number(double x)
{
	char buf[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	return xstrdup(buf);
}

const char *sc_network_mode_name(enum sc_network_mode mode)
{
	if ((unsigned)mode < N_ELEMENTS(network_modes) - 1)
		return network_modes[mode];
	return "open";
}

const char *sc_credentials_mode_name(enum sc_credentials_mode mode)
{
	if ((unsigned)mode < N_ELEMENTS(credentials_modes) - 1)
		return credentials_modes[mode];
	return "proxy";
}

const char *sc_engine_name(enum sc_engine_kind engine)
{
	if ((unsigned)engine < N_ELEMENTS(engines) - 1)
		return engines[engine];
	return "";
}

const char *sc_home_scope_name(enum sc_home_scope scope)
{
	if ((unsigned)scope < N_ELEMENTS(home_scopes) - 1)
		return home_scopes[scope];
	return "project";
}
