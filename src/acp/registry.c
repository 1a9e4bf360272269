#include "registry.h"
#include "../util/fs.h"
#include "../util/hash.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "sc-config.h"

#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#if SC_HAVE_CURL
#include "../util/curl_lazy.h"
#endif

/* An index is small (the official one is well under a megabyte). */
#define MAX_INDEX_BYTES (16u << 20)

/* ---- freeing ---- */

static void package_free(struct sc_acp_package *p)
{
	if (!p)
		return;
	free(p->package);
	free(p->cmd);
	strv_release(&p->args);
	strv_release(&p->env);
	free(p);
}

static void binary_release(struct sc_acp_binary *b)
{
	free_many(b->platform, b->archive, b->sha256, b->cmd);
	strv_release(&b->args);
	strv_release(&b->env);
}

static void agent_release(struct sc_acp_agent *a)
{
	free_many(a->id, a->name, a->version, a->description);
	package_free(a->npx);
	package_free(a->uvx);
	for (size_t i = 0; i < a->n_binaries; i++)
		binary_release(&a->binaries[i]);
	free(a->binaries);
	*a = (struct sc_acp_agent){0};
}

void sc_acp_registry_free(struct sc_acp_registry *reg)
{
	if (!reg)
		return;
	free(reg->version);
	for (size_t i = 0; i < reg->n_agents; i++)
		agent_release(&reg->agents[i]);
	free(reg->agents);
	strv_release(&reg->skipped);
	free(reg);
}

/* ---- small checks ---- */

bool sc_acp_valid_id(const char *id)
{
	if (!id || !(*id >= 'a' && *id <= 'z') || strlen(id) > 64)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

/* Printable, no spaces, not an option: safe as one argument of npm or uv. */
static bool valid_package(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static bool valid_sha256(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		      (*p >= 'A' && *p <= 'F')))
			return false;
	return true;
}

/* The error of one entry, while it is being read. */
struct entry_error {
	char *msg;
};

static bool fail(struct entry_error *e, const char *fmt, ...) _printf_(2, 3);
static bool fail(struct entry_error *e, const char *fmt, ...)
{
	if (e->msg)
		return false;
	va_list ap;
	va_start(ap, fmt);
	e->msg = xvasprintf(fmt, ap);
	va_end(ap);
	return false;
}

/* An optional string member: absent is fine (*out stays NULL), another
 * type is not. */
static bool get_string(json_t *obj, const char *key, bool required, char **out,
                       struct entry_error *e)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (required)
			return fail(e, "`%s` is missing", key);
		return true;
	}
	if (!json_is_string(v))
		return fail(e, "`%s`: expected a string", key);
	const char *s = json_string_value(v);
	if (required && !*s)
		return fail(e, "`%s` is empty", key);
	*out = xstrdup(s);
	return true;
}

static bool get_string_list(json_t *obj, const char *key, const char *where, struct strv *out,
                            struct entry_error *e)
{
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return true;
	if (!json_is_array(v))
		return fail(e, "`%s.%s`: expected a list of strings", where, key);
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item)
	{
		if (!json_is_string(item))
			return fail(e, "`%s.%s[%zu]`: expected a string", where, key, i);
		strv_push(out, json_string_value(item));
	}
	return true;
}

static bool valid_env_name(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static bool get_env(json_t *obj, const char *where, struct strv *out, struct entry_error *e)
{
	json_t *v = json_object_get(obj, "env");
	if (!v || json_is_null(v))
		return true;
	if (!json_is_object(v))
		return fail(e, "`%s.env`: expected a table of strings", where);
	const char *k;
	json_t *val;
	json_object_foreach(v, k, val)
	{
		if (!json_is_string(val))
			return fail(e, "`%s.env.%s`: expected a string", where, k);
		if (!valid_env_name(k))
			return fail(e, "`%s.env`: `%s` is not a variable name", where, k);
		strv_pushf(out, "%s=%s", k, json_string_value(val));
	}
	return true;
}

static bool parse_package(json_t *v, const char *kind, struct sc_acp_package **out,
                          struct entry_error *e)
{
	if (!v || json_is_null(v))
		return true;
	char where[32];
	snprintf(where, sizeof(where), "distribution.%s", kind);
	if (!json_is_object(v))
		return fail(e, "`%s`: expected a table", where);
	struct sc_acp_package *p = xcalloc(1, sizeof(*p));
	bool ok = get_string(v, "package", true, &p->package, e) &&
	          get_string(v, "cmd", false, &p->cmd, e) &&
	          get_string_list(v, "args", where, &p->args, e) && get_env(v, where, &p->env, e);
	if (ok && !valid_package(p->package))
		ok = fail(e, "`%s.package`: `%s` is not a package name", where, p->package);
	if (ok && p->cmd && (!valid_package(p->cmd) || strchr(p->cmd, '/')))
		ok = fail(e, "`%s.cmd`: `%s` is not a command name", where, p->cmd);
	if (!ok) {
		package_free(p);
		return false;
	}
	*out = p;
	return true;
}

static bool parse_binaries(json_t *v, struct sc_acp_agent *a, struct entry_error *e)
{
	if (!v || json_is_null(v))
		return true;
	if (!json_is_object(v))
		return fail(e, "`distribution.binary`: expected a table of platforms");
	a->binaries = xcalloc(json_object_size(v) + 1, sizeof(*a->binaries));
	const char *platform;
	json_t *t;
	json_object_foreach(v, platform, t)
	{
		_cleanup_free_ char *where = xasprintf("distribution.binary.%s", platform);
		if (!json_is_object(t))
			return fail(e, "`%s`: expected a table", where);
		struct sc_acp_binary *b = &a->binaries[a->n_binaries++];
		b->platform = xstrdup(platform);
		if (!get_string(t, "archive", true, &b->archive, e) ||
		    !get_string(t, "sha256", false, &b->sha256, e) ||
		    !get_string(t, "cmd", true, &b->cmd, e) ||
		    !get_string_list(t, "args", where, &b->args, e) ||
		    !get_env(t, where, &b->env, e))
			return false;
		if (b->sha256) {
			if (!valid_sha256(b->sha256))
				return fail(e, "`%s.sha256`: expected 64 hexadecimal digits",
				            where);
			for (char *p = b->sha256; *p; p++)
				if (*p >= 'A' && *p <= 'F')
					*p = (char)(*p - 'A' + 'a');
		}
		if (!str_has_prefix(b->archive, "https://") &&
		    !str_has_prefix(b->archive, "http://") &&
		    !str_has_prefix(b->archive, "file://"))
			return fail(e, "`%s.archive`: expected an http(s) URL", where);
		/* The command is a path inside the archive: never outside it. */
		const char *c = b->cmd;
		while (str_has_prefix(c, "./"))
			c += 2;
		if (!*c || *c == '/' || streq(c, "..") || str_has_prefix(c, "../") ||
		    strstr(c, "/../") || (strlen(c) >= 3 && streq(c + strlen(c) - 3, "/..")))
			return fail(e, "`%s.cmd`: `%s` is not a path inside the archive", where,
			            b->cmd);
	}
	return true;
}

static bool parse_agent(json_t *v, struct sc_acp_agent *a, struct entry_error *e)
{
	if (!json_is_object(v))
		return fail(e, "expected a table");
	if (!get_string(v, "id", true, &a->id, e))
		return false;
	if (!sc_acp_valid_id(a->id))
		return fail(e,
		            "`id`: `%s` is not a valid id (lowercase letters, digits and hyphens)",
		            a->id);
	if (!get_string(v, "name", false, &a->name, e) ||
	    !get_string(v, "version", true, &a->version, e) ||
	    !get_string(v, "description", false, &a->description, e))
		return false;
	if (!valid_package(a->version))
		return fail(e, "`version`: `%s` is not a version", a->version);
	if (!a->name || !*a->name) {
		free(a->name);
		a->name = xstrdup(a->id);
	}
	if (!a->description)
		a->description = xstrdup("");
	json_t *d = json_object_get(v, "distribution");
	if (!json_is_object(d))
		return fail(e, "`distribution`: expected a table");
	return parse_package(json_object_get(d, "npx"), "npx", &a->npx, e) &&
	       parse_package(json_object_get(d, "uvx"), "uvx", &a->uvx, e) &&
	       parse_binaries(json_object_get(d, "binary"), a, e);
}

int sc_acp_registry_parse(const char *data, size_t len, const char *source,
                          struct sc_acp_registry **out, struct sc_error **err)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, 0, &jerr);
	if (!root)
		return sc_error_setx(err, 0, "%s:%d:%d: invalid JSON: %s", source, jerr.line,
		                     jerr.column, jerr.text);
	json_t *agents = json_object_get(root, "agents");
	if (!json_is_object(root) || !json_is_array(agents)) {
		json_decref(root);
		return sc_error_setx(
		    err, 0,
		    "%s: not an ACP registry index: expected a JSON object with an "
		    "`agents` list",
		    source);
	}
	struct sc_acp_registry *reg = xcalloc(1, sizeof(*reg));
	json_t *version = json_object_get(root, "version");
	reg->version = xstrdup(json_is_string(version) ? json_string_value(version) : "");
	reg->agents = xcalloc(json_array_size(agents) + 1, sizeof(*reg->agents));
	size_t i;
	json_t *v;
	json_array_foreach(agents, i, v)
	{
		struct sc_acp_agent *a = &reg->agents[reg->n_agents];
		struct entry_error e = {NULL};
		if (parse_agent(v, a, &e) && sc_acp_registry_find(reg, a->id))
			fail(&e, "a second entry with this id");
		if (e.msg) {
			json_t *id = json_is_object(v) ? json_object_get(v, "id") : NULL;
			if (json_is_string(id) && sc_acp_valid_id(json_string_value(id)))
				strv_pushf(&reg->skipped, "agents[%zu] (`%s`): %s", i,
				           json_string_value(id), e.msg);
			else
				strv_pushf(&reg->skipped, "agents[%zu]: %s", i, e.msg);
			free(e.msg);
			agent_release(a);
			continue;
		}
		reg->n_agents++;
	}
	json_decref(root);
	*out = reg;
	return 0;
}

const struct sc_acp_agent *sc_acp_registry_find(const struct sc_acp_registry *reg, const char *id)
{
	for (size_t i = 0; i < reg->n_agents; i++)
		if (streq(reg->agents[i].id, id))
			return &reg->agents[i];
	return NULL;
}

const char *sc_acp_registry_skipped(const struct sc_acp_registry *reg, const char *id)
{
	_cleanup_free_ char *tag = xasprintf("(`%s`): ", id);
	for (size_t i = 0; i < reg->skipped.len; i++)
		if (strstr(reg->skipped.v[i], tag))
			return reg->skipped.v[i];
	return NULL;
}

const struct sc_acp_binary *sc_acp_agent_binary(const struct sc_acp_agent *agent,
                                                const char *platform)
{
	for (size_t i = 0; platform && i < agent->n_binaries; i++)
		if (streq(agent->binaries[i].platform, platform))
			return &agent->binaries[i];
	return NULL;
}

char *sc_acp_agent_kinds(const struct sc_acp_agent *agent)
{
	struct strbuf sb = STRBUF_INIT;
	if (agent->npx)
		strbuf_adds(&sb, "npx");
	if (agent->uvx)
		strbuf_addf(&sb, "%suvx", sb.len ? ", " : "");
	if (agent->n_binaries)
		strbuf_addf(&sb, "%sbinary", sb.len ? ", " : "");
	if (!sb.len)
		strbuf_adds(&sb, "-");
	return strbuf_steal(&sb);
}

/* The '@' that starts the version: never the first character, which
 * starts a scope. */
static const char *version_at(const char *spec)
{
	return *spec ? strchr(spec + 1, '@') : NULL;
}

char *sc_acp_npm_spec(const struct sc_acp_agent *agent)
{
	const char *p = agent->npx->package;
	if (version_at(p))
		return xstrdup(p);
	return xasprintf("%s@%s", p, agent->version);
}

char *sc_acp_npm_name(const char *spec)
{
	const char *at = version_at(spec);
	return at ? xstrndup(spec, (size_t)(at - spec)) : xstrdup(spec);
}

const char *sc_acp_container_platform(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		return NULL;
	if (streq(u.machine, "x86_64") || streq(u.machine, "amd64"))
		return "linux-x86_64";
	if (streq(u.machine, "aarch64") || streq(u.machine, "arm64"))
		return "linux-aarch64";
	return NULL;
}

/* ---- fetching ---- */

void sc_acp_fetch_info_release(struct sc_acp_fetch_info *info)
{
	free(info->fetch_error);
	*info = (struct sc_acp_fetch_info){0};
}

/* file:///path or file://localhost/path, with %XX escapes. */
static int file_url_path(const char *url, char **out, struct sc_error **err)
{
	const char *p = url + strlen("file://");
	if (str_has_prefix(p, "localhost/"))
		p += strlen("localhost");
	if (*p != '/')
		return sc_error_setx(err, 0, "%s: only local file:// URLs are supported", url);
	struct strbuf sb = STRBUF_INIT;
	for (; *p; p++) {
		if (*p == '%' && hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0) {
			char c = (char)(hex_digit(p[1]) * 16 + hex_digit(p[2]));
			if (c == '\0') {
				strbuf_release(&sb);
				return sc_error_setx(err, 0, "%s: invalid file URL", url);
			}
			strbuf_addc(&sb, c);
			p += 2;
		} else {
			strbuf_addc(&sb, *p);
		}
	}
	*out = strbuf_steal(&sb);
	return 0;
}

#if SC_HAVE_CURL
static void curl_init_once(void)
{
	static bool done;
	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		done = true;
	}
}

struct sink {
	struct strbuf *sb; /* into memory, or */
	int fd;            /* into a file */
	struct sha256 *hash;
	size_t total;
	size_t max;
	bool too_big;
	int write_errno;
};

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *ctx)
{
	struct sink *s = ctx;
	size_t n = size * nmemb;
	if (s->total + n > s->max) {
		s->too_big = true;
		return 0;
	}
	if (s->sb) {
		strbuf_add(s->sb, ptr, n);
	} else {
		int r = fs_write_all(s->fd, ptr, n);
		if (r < 0) {
			s->write_errno = -r;
			return 0;
		}
	}
	if (s->hash)
		sha256_update(s->hash, ptr, n);
	s->total += n;
	return n;
}

static void cleanup_curlp(CURL **c)
{
	if (*c)
		curl_easy_cleanup(*c);
}

static int http_get(const char *url, struct sink *sink, struct sc_error **err)
{
	if (!sc_curl())
		return sc_error_setx(
		    err, 0, "%s: libcurl is not installed (install the libcurl4 package)", url);
	curl_init_once();
	_cleanup_(cleanup_curlp) CURL *c = curl_easy_init();
	if (!c)
		return sc_error_setx(err, 0, "%s: could not start libcurl", url);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	/* A transfer slower than 1 byte/s for 30 s is a dead one. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, SC_PACKAGE "/" SC_VERSION);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		return 0;
	if (sink->too_big)
		return sc_error_setx(err, 0, "%s: larger than %zu MiB", url, sink->max >> 20);
	if (sink->write_errno)
		return sc_error_set(err, sink->write_errno, "%s: write the download", url);
	return sc_error_setx(err, 0, "%s: %s", url, *errbuf ? errbuf : curl_easy_strerror(rc));
}
#endif

/* Reads a URL into memory. */
static int fetch_url(const char *url, size_t max, char **out, size_t *len, struct sc_error **err)
{
	if (str_has_prefix(url, "file://")) {
		_cleanup_free_ char *path = NULL;
		if (file_url_path(url, &path, err) < 0)
			return -1;
		return fs_read_file(path, out, len, err);
	}
#if SC_HAVE_CURL
	struct strbuf sb = STRBUF_INIT;
	struct sink sink = {.sb = &sb, .fd = -1, .max = max};
	if (http_get(url, &sink, err) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	*len = sb.len;
	*out = strbuf_steal(&sb);
	return 0;
#else
	(void)max;
	(void)out;
	(void)len;
	return sc_error_setx(err, 0,
	                     "%s: this sandcage was built without libcurl; use a file:// URL for "
	                     "acp.registry_url",
	                     url);
#endif
}

static char *cache_path(const char *dir, const char *url)
{
	struct sha256 h;
	sha256_init(&h);
	sha256_update_field(&h, url);
	char hex[65];
	sha256_hex(&h, hex);
	return xasprintf("%s/acp-registry-%.16s.json", dir, hex);
}

int sc_acp_registry_load(const struct sc_acp_fetch *fetch, struct sc_acp_registry **out,
                         struct sc_acp_fetch_info *info, struct sc_error **err)
{
	*info = (struct sc_acp_fetch_info){0};
	/* A local file is its own cache. */
	bool local = str_has_prefix(fetch->url, "file://");
	_cleanup_free_ char *cached =
	    fetch->cache_dir && !local ? cache_path(fetch->cache_dir, fetch->url) : NULL;
	struct stat st;
	bool have_cache = cached && stat(cached, &st) == 0 && S_ISREG(st.st_mode);
	time_t now = time(NULL);
	if (have_cache && !fetch->refresh && st.st_mtime <= now &&
	    now - st.st_mtime < fetch->max_age) {
		_cleanup_free_ char *data = NULL;
		size_t len = 0;
		if (fs_read_file(cached, &data, &len, NULL) == 0 &&
		    sc_acp_registry_parse(data, len, cached, out, NULL) == 0) {
			info->from_cache = true;
			info->cached_at = st.st_mtime;
			return 0;
		}
		/* A damaged cache is simply fetched again. */
	}

	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	_cleanup_error_ struct sc_error *ferr = NULL;
	if (fetch_url(fetch->url, MAX_INDEX_BYTES, &data, &len, &ferr) < 0) {
		_cleanup_free_ char *old = NULL;
		size_t old_len = 0;
		if (have_cache && fs_read_file(cached, &old, &old_len, NULL) == 0 &&
		    sc_acp_registry_parse(old, old_len, cached, out, NULL) == 0) {
			info->from_cache = true;
			info->offline = true;
			info->cached_at = st.st_mtime;
			info->fetch_error = xstrdup(ferr->msg);
			return 0;
		}
		*err = steal_pointer(&ferr);
		return sc_error_prefix(err, "fetch the ACP registry");
	}
	if (sc_acp_registry_parse(data, len, fetch->url, out, err) < 0)
		return -1;
	if (cached) {
		/* Only a good index replaces the cached one; a failure to cache
		 * costs a fetch next time, nothing more. */
		if (fs_mkdir_p(fetch->cache_dir, 0700, NULL) == 0)
			fs_write_atomic(cached, data, len, 0600, NULL);
	}
	return 0;
}

int sc_acp_download(const char *url, const char *path, size_t max_bytes, bool allow_file,
                    char digest_hex[65], struct sc_error **err)
{
	struct sha256 h;
	sha256_init(&h);
	if (str_has_prefix(url, "file://")) {
		if (!allow_file)
			return sc_error_setx(
			    err, 0,
			    "%s: a registry fetched over the network may not name local "
			    "files",
			    url);
		_cleanup_free_ char *src = NULL, *data = NULL;
		size_t len = 0;
		if (file_url_path(url, &src, err) < 0 || fs_read_file(src, &data, &len, err) < 0)
			return -1;
		if (len > max_bytes)
			return sc_error_setx(err, 0, "%s: larger than %zu MiB", url,
			                     max_bytes >> 20);
		sha256_update(&h, data, len);
		if (fs_write_atomic(path, data, len, 0600, err) < 0)
			return -1;
		sha256_hex(&h, digest_hex);
		return 0;
	}
	if (!str_has_prefix(url, "https://") && !str_has_prefix(url, "http://"))
		return sc_error_setx(err, 0, "%s: not an http(s) URL", url);
#if SC_HAVE_CURL
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return sc_error_set(err, errno, "create `%s`", path);
	struct sink sink = {.fd = fd, .hash = &h, .max = max_bytes};
	if (http_get(url, &sink, err) < 0) {
		unlink(path);
		return -1;
	}
	if (close(steal_fd(&fd)) < 0) {
		unlink(path);
		return sc_error_set(err, errno, "write `%s`", path);
	}
	sha256_hex(&h, digest_hex);
	return 0;
#else
	(void)path;
	(void)max_bytes;
	return sc_error_setx(err, 0, "%s: this sandcage was built without libcurl", url);
#endif
}
