/* SSH in containers: the read-only mount of the dedicated key and known_hosts,
 * the host keys pinned for the common forges, and the checks of host keys a
 * user adds. */
#include "ssh.h"
#include "../util/hash.h"
#include "../util/path.h"
#include "../util/strbuf.h"

#include <stdint.h>

char *sc_ssh_host_dir(const char *global_dir)
{
	return path_join(global_dir, "ssh");
}

static bool env_has(const struct strv *env, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < env->len; i++)
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
			return true;
	return false;
}

void sc_ssh_mounts(const struct sc_config *cfg, const char *global_dir,
                   struct sc_container_spec *spec)
{
	if (!cfg->ssh.enabled.value)
		return;
	_cleanup_free_ char *dir = sc_ssh_host_dir(global_dir);
	/* The directory rather than the files: `setup ssh --rotate` replaces
	 * them by rename, and a file mount would keep showing the old one. */
	sc_container_spec_add_mount(spec, dir, SC_SSH_DIR, true, false);
	if (!env_has(&spec->env, "GIT_SSH_COMMAND"))
		strv_pushf(&spec->env, "GIT_SSH_COMMAND=%s", SC_SSH_GIT_COMMAND);
}

/* Published by the forges; `ssh-keygen -lf` of these lines gives the SHA256
 * fingerprints on the pages named (checked for this release):
 *   GitHub     docs.github.com/en/authentication/keeping-your-account-and-data-secure/
 *              githubs-ssh-key-fingerprints
 *   GitLab     docs.gitlab.com/user/gitlab_com/#ssh-known_hosts-entries
 *   Bitbucket  bitbucket.org/site/ssh (the keys of the 2023 rotation)
 *   Codeberg   docs.codeberg.org/security/ssh-fingerprint/
 * tests/unit/test-ssh.c compares them with those fingerprints. */
const char *const sc_ssh_pinned_hosts[] = {
    "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    "github.com ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEez"
    "OmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
    "github.com ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aN"
    "UkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNq"
    "ltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8C"
    "SSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4"
    "TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/"
    "YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=",
    "gitlab.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf",
    "gitlab.com ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBFSMqzJeV9rU"
    "zU4kWitGjeR4PWSa29SPqJ1fVkhtj3Hw9xjLVXVYrU9QlYWrOLXBpQ6KWjbjTDTdDkoohFzgbEY=",
    "gitlab.com ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQCsj2bNKTBSpIYDEGk9KxsGh3mySTRgMtXL583qmBpzeQ+jq"
    "CMRgBqB98u3z++J1sKlXHWfM9dyhSevkMwSbhoR8XIq/U0tCNyokEi/ueaBMCvbcTHhO7FcwzY92WK4Yt0aGROY5qX2UKS"
    "eOvuP4D6TPqKF1onrSzH9bx9XUf2lEdWT/ia1NEKjunUqu1xOB/StKDHMoX4/OKyIzuS0q/T1zOATthvasJFoPrAjkohTy"
    "aDUz2LN5JoH839hViyEG82yB+MjcFV5MU3N1l1QL3cVUCh93xSaua1N85qivl+siMkPGbO5xR/En4iEY6K2XPASUEMaieW"
    "VNTRCtJ4S8H+9",
    "bitbucket.org ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIIazEu89wgQZ4bqs3d63QSMzYVa0MuJ2e2gKTKqu+UUO",
    "bitbucket.org ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPIQmuzMB"
    "uKdWeF4+a2sjSSpBK0iqitSQ+5BM9KhpexuGt20JpTVM7u5BDZngncgrqDMbWdxMWWOGtZ9UgbqgZE=",
    "bitbucket.org ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAABgQDQeJzhupRu0u0cdegZIa8e86EG2qOCsIsD1Xw0xSeiP"
    "DlCr7kq97NLmMbpKTX6Esc30NuoqEEHCuc7yWtwp8dI76EEEB1VqY9QJq6vk+aySyboD5QF61I/1WeTwu+deCbgKMGbUij"
    "eXhtfbxSxm6JwGrXrhBdofTsbKRUsrN1WoNgUa8uqN1Vx6WAJw1JHPhglEGGHea6QICwJOAr/6mrui/oB7pkaWKHj3z7d1"
    "IC4KWLtY47elvjbaTlkN04Kc/5LFEirorGYVbt15kAUlqGM65pk6ZBxtaO3+30LVlORZkxOh+LKL/BvbZ/iRNhItLqNyie"
    "oQj/uh/7Iv4uyH/cV/0b4WDSd3DptigWq84lJubb9t/DnZlrJazxyDCulTmKdOR7vs9gMTo+uoIrPSb8ScTtvw65+odKAl"
    "Bj59dhnVp9zd7QUojOpXlL62Aw56U4oO+FALuevvMjiWeavKhJqlR7i5n9srYcrNV7ttmDw7kf/97P5zauIhxcjX+xHv4M"
    "=",
    "codeberg.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIVIC02vnjFyL+I4RHfvIGNtOgJMe769VTF1VR4EB3ZB",
    "codeberg.org ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBL2pDxWr18"
    "SoiDJCGZ5LmxPygTlPu+cCKSkpqkvCyQzl5xmIMeKNdfdBpfbCGDPoZQghePzFZkKJNR/v9Win3Sc=",
    "codeberg.org ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQC8hZi7K1/2E2uBX8gwPRJAHvRAob+3Sn+y2hxiEhN0bu"
    "v1igjYFTgFO2qQD8vLfU/HT/P/rqvEeTvaDfY1y/vcvQ8+YuUYyTwE2UaVU5aJv89y6PEZBYycaJCPdGIfZlLMmjilh/"
    "Sk8"
    "IWSEK6dQr+g686lu5cSWrFW60ixWpHpEVB26eRWin3lKYWSQGMwwKv4LwmW3ouqqs4Z4vsqRFqXJ/eCi3yhpT+nOjljXvZ"
    "KiYTpYajqUC48IHAxTWugrKe1vXWOPxVXXMQEPsaIRc2hpK+v1LmfB7GnEGvF1UAKnEZbUuiD9PBEeD5a1MZQIzcoPWCrT"
    "xipEpuXQ5Tni4mN",
    NULL,
};

/* ---- key blobs ---- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64 (padding optional, nothing else); false when invalid. */
static bool b64_decode(const char *s, unsigned char **out, size_t *len)
{
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '=')
		n--;
	if (strlen(s) - n > 2 || n % 4 == 1 || n == 0)
		return false;
	unsigned char *buf = xmalloc(n * 3 / 4 + 3);
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value((unsigned char)s[i]);
		if (v < 0) {
			free(buf);
			return false;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
		}
	}
	*out = buf;
	*len = o;
	return true;
}

static void b64_encode_nopad(struct strbuf *sb, const unsigned char *d, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | d[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			strbuf_addc(sb, tab[(acc >> bits) & 63]);
		}
	}
	if (bits > 0)
		strbuf_addc(sb, tab[(acc << (6 - bits)) & 63]);
}

/* The key type a public key blob starts with; NULL when it is malformed. */
static char *blob_type(const unsigned char *b, size_t len)
{
	if (len < 4)
		return NULL;
	uint32_t n = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	if (n == 0 || n > 64 || n > len - 4)
		return NULL;
	return xstrndup((const char *)b + 4, n);
}

char *sc_ssh_fingerprint(const char *base64)
{
	_cleanup_free_ unsigned char *blob = NULL;
	size_t len = 0;
	if (!b64_decode(base64, &blob, &len))
		return NULL;
	_cleanup_free_ char *type = blob_type(blob, len);
	if (!type)
		return NULL;
	struct sha256 h;
	unsigned char digest[32];
	sha256_init(&h);
	sha256_update(&h, blob, len);
	sha256_final(&h, digest);
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "SHA256:");
	b64_encode_nopad(&sb, digest, sizeof(digest));
	return strbuf_steal(&sb);
}

/* ---- host keys a user adds ---- */

void sc_ssh_host_key_release(struct sc_ssh_host_key *k)
{
	free(k->hosts);
	free(k->type);
	free(k->key);
	k->hosts = k->type = k->key = NULL;
}

static const char *const host_key_types[] = {
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    NULL,
};

static bool host_name_ok(const char *h, size_t n)
{
	if (n == 0 || n > 253 || h[0] == '-' || h[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == ':';
		if (!ok)
			return false;
	}
	return true;
}

/* host, or [host]:port as known_hosts writes a host on another port. */
static bool host_ok(const char *h, size_t n)
{
	if (n > 0 && h[0] == '[') {
		const char *close = memchr(h, ']', n);
		if (!close || close + 1 >= h + n || close[1] != ':')
			return false;
		const char *port = close + 2;
		size_t plen = (size_t)(h + n - port);
		if (plen == 0 || plen > 5 || strspn(port, "0123456789") < plen)
			return false;
		unsigned long p = strtoul(port, NULL, 10);
		return p > 0 && p < 65536 && host_name_ok(h + 1, (size_t)(close - h - 1));
	}
	return host_name_ok(h, n);
}

int sc_ssh_parse_host_key(const char *line, struct sc_ssh_host_key *out, struct sc_error **err)
{
	_cleanup_free_ char *copy = xstrdup(line);
	char *fields[4] = {NULL};
	size_t nf = 0;
	char *save = NULL;
	for (char *f = strtok_r(copy, " \t\r\n", &save); f; f = strtok_r(NULL, " \t\r\n", &save)) {
		if (nf == 4)
			break;
		fields[nf++] = f;
	}
	if (nf != 3)
		return sc_error_setx(
		    err, 0,
		    "invalid host key `%.200s`: expected three fields, \"HOST KEYTYPE "
		    "KEY\", as in a known_hosts line (for example \"git.example.com "
		    "ssh-ed25519 AAAAC3...\")",
		    line);
	const char *hosts = fields[0], *type = fields[1], *key = fields[2];
	if (hosts[0] == '@' || hosts[0] == '|' || strpbrk(hosts, "*?!"))
		return sc_error_setx(
		    err, 0,
		    "invalid host `%.200s`: markers (@cert-authority, @revoked), "
		    "hashed names and patterns with *, ? or ! are not accepted; name "
		    "each host",
		    hosts);
	for (const char *h = hosts;;) {
		size_t n = strcspn(h, ",");
		if (!host_ok(h, n))
			return sc_error_setx(
			    err, 0,
			    "invalid host `%.*s`: expected a host name, an IP address or "
			    "[HOST]:PORT",
			    (int)(n > 200 ? 200 : n), h);
		if (!h[n])
			break;
		h += n + 1;
	}
	bool known = false;
	for (const char *const *t = host_key_types; *t && !known; t++)
		known = streq(*t, type);
	if (!known)
		return sc_error_setx(err, 0,
		                     "unknown host key type `%.60s` (expected ssh-ed25519, "
		                     "ecdsa-sha2-nistp256/384/521 or ssh-rsa)",
		                     type);
	_cleanup_free_ unsigned char *blob = NULL;
	size_t len = 0;
	if (!b64_decode(key, &blob, &len))
		return sc_error_setx(err, 0, "invalid host key for `%.200s`: the key is not base64",
		                     hosts);
	_cleanup_free_ char *inner = blob_type(blob, len);
	if (!inner || !streq(inner, type))
		return sc_error_setx(
		    err, 0,
		    "invalid host key for `%.200s`: the key is not a %s key (it says "
		    "%s)",
		    hosts, type, inner ? inner : "nothing readable");
	out->hosts = xstrdup(hosts);
	out->type = xstrdup(type);
	out->key = xstrdup(key);
	return 0;
}

/* ---- the known_hosts file ---- */

#define MARKER "# added with `sandcage setup ssh --add-host`:"

char *sc_ssh_known_hosts_render(char *const *user)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_adds(
	    &sb,
	    "# The SSH host keys sandcage containers trust; mounted read-only at " SC_SSH_DIR ".\n"
	    "# Written by `sandcage setup ssh`: the host keys GitHub, GitLab, "
	    "Bitbucket and\n"
	    "# Codeberg publish, pinned in sandcage (rewritten by each run), then the "
	    "hosts\n"
	    "# added with `sandcage setup ssh --add-host \"HOST KEYTYPE KEY\"`.\n");
	for (const char *const *p = sc_ssh_pinned_hosts; *p; p++)
		strbuf_addf(&sb, "%s\n", *p);
	strbuf_adds(&sb, MARKER "\n");
	for (; user && *user; user++)
		strbuf_addf(&sb, "%s\n", *user);
	return strbuf_steal(&sb);
}

static bool is_pinned(const char *line)
{
	for (const char *const *p = sc_ssh_pinned_hosts; *p; p++)
		if (streq(*p, line))
			return true;
	return false;
}

void sc_ssh_known_hosts_user_lines(const char *text, struct strv *out)
{
	bool marker = strstr(text, "\n" MARKER "\n") || str_has_prefix(text, MARKER "\n");
	bool after = false;
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (streq(line, MARKER)) {
			after = true;
			continue;
		}
		if (marker && !after)
			continue;
		const char *t = line + strspn(line, " \t");
		if (!marker && (*t == '#' || *t == '\0' || is_pinned(t)))
			continue;
		strv_push(out, line);
	}
}
