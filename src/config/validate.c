#include "validate.h"
#include "../util/util.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alpha(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

/* Every character is alphanumeric (lowercase letters and digits with
 * `lower_only`) or one of `punct`. */
static bool all_in(const char *s, bool lower_only, const char *punct)
{
	for (; *s; s++) {
		if (lower_only ? (is_lower(*s) || is_digit(*s)) : is_alnum(*s))
			continue;
		if (!strchr(punct, *s))
			return false;
	}
	return true;
}

/* ---- the environment ---- */

bool sc_valid_env_name(const char *s)
{
	return (is_alpha(*s) || *s == '_') && all_in(s + 1, false, "_");
}

/* Variables that change how programs run, where traffic goes, or that reach
 * the host. fnmatch patterns, compared without regard to case. */
static const char *const denied_env[] = {
    /* how programs run */
    "LD_*",
    "DYLD_*",
    "BASH_ENV",
    "ENV",
    "BASH_FUNC_*",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "IFS",
    "PATH",
    "HOME",
    "NODE_OPTIONS",
    "NODE_PATH",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PERL5LIB",
    "PERL5OPT",
    "PERLLIB",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_CONFIG*",
    "GIT_EXEC_PATH",
    "GIT_ASKPASS",
    "SSH_ASKPASS",
    "GIT_PROXY_COMMAND",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_TEMPLATE_DIR",
    "GIT_EDITOR",
    "GIT_PAGER",
    "GIT_SEQUENCE_EDITOR",
    "EDITOR",
    "VISUAL",
    "PAGER",
    "LESSOPEN",
    "LESSCLOSE",
    "BROWSER",
    "RUSTC_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "GOFLAGS",
    /* where traffic goes */
    "*_PROXY",
    "*_BASE_URL",
    "*_API_BASE",
    "*_ENDPOINT",
    "*_ENDPOINT_URL",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CURL_CA_BUNDLE",
    "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "GIT_SSL_NO_VERIFY",
    "GIT_SSL_CAINFO",
    "NPM_CONFIG_*",
    "YARN_REGISTRY",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_TRUSTED_HOST",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "GOPROXY",
    "GOSUMDB",
    "GONOSUMDB",
    "GOINSECURE",
    "CARGO_REGISTRIES_*",
    /* the host */
    "DOCKER_*",
    "CONTAINER_HOST",
    "KUBECONFIG",
    "SSH_AUTH_SOCK",
    "GPG_AGENT_INFO",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
    NULL,
};

/* What a project may set without trust: names that change only how output
 * looks, the language, the time zone, and switches that programs read as a
 * mode. None of them names a file, a program, a host or a library to load.
 * Anything else (EDITOR and PAGER run programs; *_HOME, *_CONFIG*, *_PATH,
 * *_URL redirect reads and traffic) needs trust. Matched case-sensitively,
 * as programs read them. */
static const char *const harmless_env[] = {
    "TZ",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "COLUMNS",
    "LINES",
    "CI",
    "DEBIAN_FRONTEND",
    "NODE_ENV",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
    "RUST_LOG",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONIOENCODING",
    NULL,
};

bool sc_env_name_harmless(const char *name)
{
	for (const char *const *p = harmless_env; *p; p++)
		if (fnmatch(*p, name, 0) == 0)
			return true;
	return false;
}

bool sc_env_name_denied(const char *name)
{
	for (const char *const *p = denied_env; *p; p++)
		if (fnmatch(*p, name, FNM_CASEFOLD) == 0)
			return true;
	return false;
}

/* ---- domains ---- */

static bool valid_host(const char *h, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	const char *p = h, *end = h + n;
	if (n >= 2 && p[0] == '*' && p[1] == '.')
		p += 2;
	if (p == end)
		return false;
	while (p < end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		size_t len = (size_t)((dot ? dot : end) - p);
		if (len < 1 || len > 63 || !is_alnum(p[0]) || !is_alnum(p[len - 1]))
			return false;
		for (size_t i = 0; i < len; i++)
			if (!is_alnum(p[i]) && p[i] != '-')
				return false;
		if (!dot)
			break;
		p = dot + 1;
		if (p == end)
			return false; /* trailing dot */
	}
	return true;
}

enum sc_domain_check sc_valid_domain(const char *entry, size_t *host_len, unsigned *port)
{
	const char *colon = strchr(entry, ':');
	size_t n = colon ? (size_t)(colon - entry) : strlen(entry);
	unsigned long p = 443;
	if (colon) {
		const char *d = colon + 1;
		size_t len = strlen(d);
		if (len == 0 || len > 5 || strspn(d, "0123456789") != len)
			return SC_DOMAIN_BAD_PORT;
		p = strtoul(d, NULL, 10);
		if (p < 1 || p > 65535)
			return SC_DOMAIN_BAD_PORT;
	}
	if (!valid_host(entry, n))
		return SC_DOMAIN_BAD_HOST;
	if (host_len)
		*host_len = n;
	if (port)
		*port = (unsigned)p;
	return SC_DOMAIN_OK;
}

/* ---- names ---- */

bool sc_valid_docker_name(const char *s)
{
	return is_alnum(s[0]) && s[1] && all_in(s + 1, false, "_.-");
}

bool sc_valid_image_ref(const char *s)
{
	return is_alnum(*s) && all_in(s, false, "._/:@-");
}

bool sc_valid_package(const char *s)
{
	const char *eq = strchr(s, '=');
	size_t n = eq ? (size_t)(eq - s) : strlen(s);
	bool ok = n >= 2 && (is_lower(s[0]) || is_digit(s[0]));
	for (size_t i = 1; ok && i < n; i++)
		ok = is_lower(s[i]) || is_digit(s[i]) || strchr("+.-", s[i]);
	if (ok && eq)
		ok = eq[1] && is_alnum(eq[1]) && all_in(eq + 1, false, ".+~:-");
	return ok;
}

bool sc_valid_version(const char *s)
{
	return is_alnum(*s) && strlen(s) <= 64 && all_in(s, false, "._+~-");
}

bool sc_valid_url(const char *s)
{
	bool ok = str_has_prefix(s, "https://") || str_has_prefix(s, "http://") ||
	          str_has_prefix(s, "file://");
	for (const char *p = s; ok && *p; p++)
		ok = (unsigned char)*p > ' ' && *p != 0x7f;
	return ok;
}

bool sc_valid_upstream(const char *s, char **host, unsigned *port)
{
	if (!str_has_prefix(s, "https://"))
		return false;
	const char *h = s + strlen("https://");
	size_t n = strcspn(h, "/");
	if (h[n] && !streq(h + n, "/"))
		return false; /* a path: the proxy forwards the agent's own */
	_cleanup_free_ char *hp = xstrndup(h, n);
	size_t host_len = 0;
	unsigned p = 0;
	if (hp[0] == '*' || sc_valid_domain(hp, &host_len, &p) != SC_DOMAIN_OK)
		return false;
	if (host)
		*host = xstrndup(hp, host_len);
	if (port)
		*port = p;
	return true;
}

/* RFC 9110's token: what a header name (and an auth scheme) is made of. */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

bool sc_valid_credential_header(const char *s, char **name, char **scheme)
{
	size_t n = 0;
	while (is_tchar(s[n]))
		n++;
	if (n == 0)
		return false;
	const char *rest = s + n;
	const char *sch = NULL;
	size_t sn = 0;
	if (*rest) {
		if (*rest != ':')
			return false;
		rest += 1 + strspn(rest + 1, " ");
		while (is_tchar(rest[sn]))
			sn++;
		if (sn == 0 || rest[sn])
			return false;
		sch = rest;
	}
	if (name) {
		*name = xstrndup(s, n);
		for (char *c = *name; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	}
	if (scheme)
		*scheme = sch ? xstrndup(sch, sn) : NULL;
	return true;
}

bool sc_valid_absolute(const char *s)
{
	return s[0] == '/';
}

bool sc_valid_project_path(const char *s)
{
	bool ok = *s && *s != '/' && !strchr(s, '\n') && !streq(s, ".") && !streq(s, "./");
	for (const char *p = s; ok && *p; p = strchrnul(p, '/'), p += *p == '/')
		ok = !(p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]));
	return ok;
}

bool sc_valid_name_pattern(const char *s)
{
	const char *p = *s == '!' ? s + 1 : s;
	return *p && !strchr(p, '/') && !strchr(p, '\n') && !streq(p, ".") && !streq(p, "..");
}

bool sc_valid_service_name(const char *s)
{
	return is_lower(*s) && all_in(s + 1, true, "_-");
}

const char *sc_name_unsafe(const char *s, bool slash_ok)
{
	if (*s == '-')
		return "starts with `-` (it would be read as an option)";
	if (strstr(s, ".."))
		return "contains `..`";
	if (!slash_ok && strchr(s, '/'))
		return "contains `/`";
	return NULL;
}

/* ---- did you mean ---- */

static size_t levenshtein(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *sc_nearest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_dist = SIZE_MAX;
	size_t wl = strlen(word);
	for (const char *const *c = candidates; *c; c++) {
		size_t d = levenshtein(word, *c);
		size_t cl = strlen(*c);
		bool prefix = wl >= 2 && cl >= 2 && (strncmp(word, *c, cl < wl ? cl : wl) == 0);
		if (d > 2 && !prefix)
			continue;
		if (d < best_dist) {
			best = *c;
			best_dist = d;
		}
	}
	return best;
}

/* ---- sizes ---- */

bool sc_parse_memory(const char *s, int64_t *bytes)
{
	char *end = NULL;
	if (!is_digit(*s))
		return false;
	errno = 0;
	double n = strtod(s, &end);
	if (errno || end == s)
		return false;
	while (*end == ' ')
		end++;
	double mult = 1;
	switch (*end | 0x20) {
	case 'b':
		end++;
		break;
	case 'k':
		mult = 1024.0;
		break;
	case 'm':
		mult = 1024.0 * 1024;
		break;
	case 'g':
		mult = 1024.0 * 1024 * 1024;
		break;
	case 't':
		mult = 1024.0 * 1024 * 1024 * 1024;
		break;
	default:
		if (*end)
			return false;
	}
	if (mult > 1) {
		end++;
		if ((*end | 0x20) == 'i' && (end[1] | 0x20) == 'b')
			end += 2;
		else if ((*end | 0x20) == 'b')
			end++;
	}
	if (*end)
		return false;
	double total = n * mult;
	if (!isfinite(total) || total >= 9.2e18)
		return false;
	*bytes = (int64_t)total;
	return true;
}
