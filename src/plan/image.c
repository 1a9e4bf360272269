/* The generated Dockerfile. Layers are ordered by how rarely they change, so
 * that a change rebuilds as little as possible: base tools, the user, apt
 * packages, toolchains, then each agent in a layer of its own. */
#include "image.h"
#include "../util/hash.h"
#include "../util/strbuf.h"
#include "../util/vec.h"
#include "home.h"
#include "sc-config.h"

void sc_image_plan_free(struct sc_image_plan *plan)
{
	if (!plan)
		return;
	free_many(plan->dockerfile, plan->hash, plan->tag, plan->home, plan->user);
	for (size_t i = 0; i < plan->n_files; i++) {
		free(plan->files[i].name);
		free(plan->files[i].data);
	}
	free(plan->files);
	strv_free(plan->steps);
	free(plan);
}

/* A name useradd accepts: [a-z_][a-z0-9_-]{0,31}; "sandcage" otherwise. */
static char *container_user_name(const char *host)
{
	if (!host || !*host || strlen(host) > 31)
		return xstrdup("sandcage");
	for (const char *p = host; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || *p == '_' ||
		          (p != host && ((*p >= '0' && *p <= '9') || *p == '-'));
		if (!ok)
			return xstrdup("sandcage");
	}
	return xstrdup(host);
}

struct builder {
	struct strbuf *df;
	struct strv *steps;
};

static void step(struct builder *b, const char *title, const char *run)
{
	strbuf_addf(b->df, "\n# step: %s\nRUN %s\n", title, run);
	strv_push(b->steps, title);
}

static const char *const apt_prefix =
    "apt-get update -qq \\\n && apt-get install -y -qq --no-install-recommends";
static const char *const apt_suffix = " \\\n && rm -rf /var/lib/apt/lists/*";

static void apt_step(struct builder *b, const char *title, char *const *pkgs)
{
	struct strbuf run = STRBUF_INIT;
	strbuf_adds(&run, apt_prefix);
	for (char *const *p = pkgs; *p; p++)
		strbuf_addf(&run, " %s", *p);
	strbuf_adds(&run, apt_suffix);
	step(b, title, strbuf_str(&run));
	strbuf_release(&run);
}

static int toolchain_step(struct builder *b, const char *name, const char *version,
                          const struct sc_origin *origin, struct sc_error **err)
{
	_cleanup_free_ char *title = xasprintf("toolchain %s %s", name, version);
	bool system = streq(version, "system");
	if (streq(name, "node")) {
		/* Debian's node is old; the npm registry's `node` package carries
		 * real node binaries for any version. Debian's npm installs it and a
		 * current npm, then goes (with its hundreds of dependencies) in the
		 * same layer, so that the image keeps only /usr/local. */
		_cleanup_free_ char *run =
		    system
		        ? xasprintf("%s nodejs npm%s", apt_prefix, apt_suffix)
		        : xasprintf("%s nodejs npm \\\n"
		                    " && npm install -g --no-fund --no-audit node@%s npm@10 \\\n"
		                    " && apt-get purge -y -qq --auto-remove npm nodejs >/dev/null"
		                    "%s \\\n"
		                    " && hash -r && npm cache clean --force \\\n"
		                    " && node --version && npm --version",
		                    apt_prefix, version, apt_suffix);
		step(b, title, run);
	} else if (streq(name, "python")) {
		/* Debian bookworm's python3 is 3.11; other versions would need a
		 * download this recipe does not make. */
		if (!system && !streq(version, "3") && !streq(version, "3.11")) {
			_cleanup_free_ char *where = sc_pos_format(origin->pos);
			return sc_error_setx(
			    err, 0,
			    "%s%s`toolchains.python`: version `%s` is not available: the "
			    "python toolchain installs Debian's python 3.11; use \"3.11\" or "
			    "\"system\"",
			    where, *where ? ": " : "", version);
		}
		_cleanup_free_ char *run =
		    xasprintf("%s python3 python3-pip python3-venv python-is-python3%s", apt_prefix,
		              apt_suffix);
		step(b, title, run);
	} else if (streq(name, "rust")) {
		_cleanup_free_ char *run =
		    system
		        ? xasprintf("%s rustc cargo%s", apt_prefix, apt_suffix)
		        : xasprintf("%s curl gcc libc6-dev%s \\\n && curl --proto '=https' "
		                    "--tlsv1.2 -sSf https://sh.rustup.rs -o /tmp/rustup.sh \\\n"
		                    " && sh /tmp/rustup.sh -y --no-modify-path --profile minimal "
		                    "--default-toolchain %s \\\n && rm /tmp/rustup.sh "
		                    "&& chmod -R a+rwX /usr/local/rustup /usr/local/cargo",
		                    apt_prefix, apt_suffix, version);
		if (!system)
			strbuf_adds(b->df, "\nENV RUSTUP_HOME=/usr/local/rustup "
			                   "CARGO_HOME=/usr/local/cargo "
			                   "PATH=/usr/local/cargo/bin:$PATH");
		step(b, title, run);
	} else if (streq(name, "go")) {
		_cleanup_free_ char *run =
		    system ? xasprintf("%s golang-go%s", apt_prefix, apt_suffix)
		           : xasprintf("%s curl%s \\\n && arch=$(dpkg --print-architecture) \\\n"
		                       " && curl --proto '=https' -sSfL "
		                       "\"https://go.dev/dl/go%s.linux-$arch.tar.gz\" | tar -C "
		                       "/usr/local -xz",
		                       apt_prefix, apt_suffix, version);
		if (!system)
			strbuf_adds(b->df, "\nENV PATH=/usr/local/go/bin:$PATH");
		step(b, title, run);
	} else {
		return sc_error_setx(err, 0, "unknown toolchain `%s`", name);
	}
	return 0;
}

/* update-ca-certificates wants one certificate per file, so a bundle (such
 * as a machine's whole ca-certificates.crt) is split. */
static void add_certificates(struct sc_context_file **files, size_t *n, size_t index,
                             const struct sc_context_file *src)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	_cleanup_free_ char *text = xstrndup(src->data, src->len);
	size_t part = 0;
	const char *p = text;
	for (;;) {
		const char *b = strstr(p, begin);
		const char *e = b ? strstr(b, end) : NULL;
		if (!b || !e)
			break;
		e += sizeof(end) - 1;
		*files = xreallocarray(*files, *n + 1, sizeof(**files));
		struct sc_context_file *f = &(*files)[(*n)++];
		f->name = xasprintf("ca-certificates/sandcage-%zu-%zu.crt", index, part++);
		f->len = (size_t)(e - b) + 1;
		f->data = xmalloc(f->len + 1);
		memcpy(f->data, b, f->len - 1);
		f->data[f->len - 1] = '\n';
		f->data[f->len] = '\0';
		p = e;
	}
	if (part == 0) {
		/* Not PEM: pass it on as it is and let the trust store judge. */
		*files = xreallocarray(*files, *n + 1, sizeof(**files));
		struct sc_context_file *f = &(*files)[(*n)++];
		f->name = xasprintf("ca-certificates/sandcage-%zu.crt", index);
		f->data = xstrndup(src->data, src->len);
		f->len = src->len;
	}
}

static bool any_npm_agent(const struct sc_config *cfg)
{
	for (size_t i = 0; i < cfg->services.len; i++) {
		const struct sc_service *s = &cfg->services.items[i];
		if (!s->enabled.value)
			continue;
		for (size_t j = 0; j < s->install.len; j++)
			if (str_has_prefix(s->install.items[j].value, "npm "))
				return true;
	}
	return false;
}

/* True when every install command of the service is `npm install -g ...`,
 * which a build stage of its own can hold. */
static bool npm_only(const struct sc_service *s)
{
	for (size_t j = 0; j < s->install.len; j++)
		if (!str_has_prefix(s->install.items[j].value, "npm install -g ") &&
		    !str_has_prefix(s->install.items[j].value, "npm i -g "))
			return false;
	return s->install.len > 0;
}

static char *install_run(const struct sc_service *s)
{
	struct strbuf run = STRBUF_INIT;
	for (size_t j = 0; j < s->install.len; j++)
		strbuf_addf(&run, "%s(%s)", j ? " \\\n && " : "", s->install.items[j].value);
	return strbuf_steal(&run);
}

/* Toolchains, packages and agents: what a custom Dockerfile replaces. */
static int add_software(struct builder *b, const struct sc_image_input *in, struct sc_error **err)
{
	const struct sc_config *cfg = in->cfg;
	/* Toolchains, node first: the agents install with npm. */
	const struct sc_cfg_map_entry *node = NULL;
	for (size_t i = 0; i < cfg->toolchains.len; i++)
		if (streq(cfg->toolchains.items[i].key, "node"))
			node = &cfg->toolchains.items[i];
	if (node) {
		if (toolchain_step(b, "node", node->value.value, &node->value.origin, err) < 0)
			return -1;
	} else if (any_npm_agent(cfg)) {
		static const struct sc_origin none = {0};
		if (toolchain_step(b, "node", SC_DEFAULT_NODE, &none, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < cfg->toolchains.len; i++) {
		const struct sc_cfg_map_entry *t = &cfg->toolchains.items[i];
		if (streq(t->key, "node"))
			continue;
		if (toolchain_step(b, t->key, t->value.value, &t->value.origin, err) < 0)
			return -1;
	}

	/* Agents that install with npm alone get a build stage each, FROM the
	 * runtime above, with npm's prefix in a directory of their own that the
	 * final stage copies. So a change of `packages` (or another agent) does
	 * not reinstall them: their stages come from the build cache. */
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf copies = STRBUF_INIT;
	for (size_t i = 0; i < cfg->services.len; i++) {
		const struct sc_service *s = &cfg->services.items[i];
		if (!s->enabled.value || s->install.len == 0 || !npm_only(s))
			continue;
		strbuf_addf(b->df, "\nFROM runtime AS agent-%s\nENV NPM_CONFIG_PREFIX=%s/%s\n",
		            s->name, SC_AGENTS_DIR, s->name);
		_cleanup_free_ char *title = xasprintf("agent %s", s->name);
		_cleanup_free_ char *run = install_run(s);
		step(b, title, run);
		strbuf_addf(&copies, "COPY --from=agent-%s %s/%s %s/%s\n", s->name, SC_AGENTS_DIR,
		            s->name, SC_AGENTS_DIR, s->name);
		strbuf_addf(&path, "%s/%s/bin:", SC_AGENTS_DIR, s->name);
	}
	if (copies.len)
		strbuf_adds(b->df, "\nFROM runtime\n");

	if (cfg->packages.len > 0) {
		_cleanup_strv_ char **pkgs = sc_cfg_list_strv(&cfg->packages);
		apt_step(b, "packages", pkgs);
	}
	if (copies.len) {
		strbuf_addf(b->df, "\n%s", strbuf_str(&copies));
		strbuf_addf(b->df, "ENV PATH=%s$PATH\n", strbuf_str(&path));
	}

	/* Other installs (custom harnesses) may put files anywhere: they run in
	 * the final stage, each in a layer of its own, last. */
	for (size_t i = 0; i < cfg->services.len; i++) {
		const struct sc_service *s = &cfg->services.items[i];
		if (!s->enabled.value || s->install.len == 0 || npm_only(s))
			continue;
		_cleanup_free_ char *title = xasprintf("agent %s", s->name);
		_cleanup_free_ char *run = install_run(s);
		step(b, title, run);
	}

	return 0;
}

int sc_image_plan(const struct sc_image_input *in, struct sc_image_plan **out,
                  struct sc_error **err)
{
	const struct sc_config *cfg = in->cfg;
	_cleanup_strbuf_ struct strbuf df = STRBUF_INIT;
	_cleanup_strvec_ struct strv steps = STRV_INIT;
	struct builder b = {&df, &steps};
	_cleanup_free_ char *user = container_user_name(in->user_name);

	strbuf_addf(&df,
	            "# Generated by sandcage %s. `sandcage build --print` shows it;\n"
	            "# set image.dockerfile to use your own.\n",
	            SC_VERSION);
	strbuf_addf(&df, "FROM %s AS runtime\n",
	            in->custom_base ? in->custom_base : cfg->image.base.value);
	strbuf_adds(&df, "ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8\n");

	if (!in->custom_base) {
		static char *const base_pkgs[] = {
		    "ca-certificates", "git", "openssh-client", "less", "procps", "bash", NULL};
		apt_step(&b, "base tools", base_pkgs);
	}

	struct sc_context_file *files = NULL;
	size_t n_files = 0;
	if (in->n_ca_certs > 0) {
		for (size_t i = 0; i < in->n_ca_certs; i++)
			add_certificates(&files, &n_files, i, &in->ca_certs[i]);
		strbuf_adds(&df,
		            "\nCOPY ca-certificates/ /usr/local/share/ca-certificates/sandcage/\n");
		/* A custom base may lack the trust store's tools. */
		step(&b, "ca certificates",
		     in->custom_base
		         ? "(command -v update-ca-certificates >/dev/null || (apt-get update "
		           "-qq && apt-get install -y -qq --no-install-recommends "
		           "ca-certificates && rm -rf /var/lib/apt/lists/*)) \\\n"
		           " && update-ca-certificates"
		         : "update-ca-certificates");
		strbuf_adds(&df, "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \\\n"
		                 "    NPM_CONFIG_CAFILE=/etc/ssl/certs/ca-certificates.crt \\\n"
		                 "    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \\\n"
		                 "    PIP_CERT=/etc/ssl/certs/ca-certificates.crt\n");
	}

	/* The container user has the host user's UID and GID, a passwd entry
	 * and a HOME. A UID or GID the base image already has is reused (its
	 * entry gets the home), since renaming it could break the image. */
	_cleanup_free_ char *user_run = xasprintf(
	    "set -eu; \\\n"
	    "    if ! getent group %u >/dev/null; then groupadd -g %u %s 2>/dev/null || "
	    "groupadd -g %u sandcage; fi; \\\n"
	    "    if getent passwd %u >/dev/null; then \\\n"
	    "        awk -F: -v OFS=: '$3 == %u { $4 = %u; $6 = \"%s\" } { print }' /etc/passwd "
	    "> /etc/passwd.new; \\\n"
	    "        cat /etc/passwd.new > /etc/passwd; rm /etc/passwd.new; \\\n"
	    "    else \\\n"
	    "        useradd -u %u -g %u -d %s -M -s /bin/bash %s 2>/dev/null \\\n"
	    "        || useradd -u %u -g %u -d %s -M -s /bin/bash sandcage; \\\n"
	    "    fi; \\\n"
	    "    mkdir -p %s && chown %u:%u %s && chmod 0755 %s",
	    in->gid, in->gid, user, in->gid, in->uid, in->uid, in->gid, SC_IMAGE_HOME, in->uid,
	    in->gid, SC_IMAGE_HOME, user, in->uid, in->gid, SC_IMAGE_HOME, SC_IMAGE_HOME, in->uid,
	    in->gid, SC_IMAGE_HOME, SC_IMAGE_HOME);
	step(&b, "user", user_run);

	/* A custom Dockerfile replaces everything generated but the user. */
	if (!in->custom_base && add_software(&b, in, err) < 0)
		goto fail;

	/* Login shells (sandcage shell, --shell) reset PATH in /etc/profile;
	 * profile.d puts back the image's, with the agents and toolchains. */
	strbuf_adds(&df, "\nRUN printf 'PATH=\"%s\"\\nexport PATH\\n' \"$PATH\" "
	                 "> /etc/profile.d/sandcage-path.sh\n");
	/* The ACP agents' volume is mounted at HOME/.sandcage-acp (home.h): a
	 * new volume takes the owner of the directory it is first mounted on,
	 * which must be the user's for `acp install` to write it. Last, so
	 * that the layers before stay cached. */
	strbuf_addf(&df, "\nRUN mkdir -p %s/%s && chown %u:%u %s/%s\n", SC_IMAGE_HOME,
	            SC_HOME_ACP_DIR, in->uid, in->gid, SC_IMAGE_HOME, SC_HOME_ACP_DIR);
	strbuf_addf(&df, "\nUSER %u:%u\nENV HOME=%s\nWORKDIR %s\n", in->uid, in->gid, SC_IMAGE_HOME,
	            SC_IMAGE_HOME);

	/* The hash covers the Dockerfile (which names the base image, the user,
	 * every package, toolchain and install command) and the context files. */
	struct sha256 h;
	sha256_init(&h);
	sha256_update_field(&h, "sandcage-image-v1");
	sha256_update_field(&h, strbuf_str(&df));
	for (size_t i = 0; i < n_files; i++) {
		sha256_update_field(&h, files[i].name);
		char len[32];
		snprintf(len, sizeof(len), "%zu", files[i].len);
		sha256_update_field(&h, len);
		sha256_update(&h, files[i].data, files[i].len);
	}
	char hex[65];
	sha256_hex(&h, hex);

	struct sc_image_plan *plan = xcalloc(1, sizeof(*plan));
	strbuf_addf(&df, "LABEL %s=%s\n", SC_LABEL_HASH, hex);
	plan->dockerfile = strbuf_steal(&df);
	plan->hash = xstrdup(hex);
	plan->tag = xasprintf("sandcage:%.16s", hex);
	plan->home = xstrdup(SC_IMAGE_HOME);
	plan->user = steal_pointer(&user);
	plan->files = files;
	plan->n_files = n_files;
	plan->steps = strv_steal(&steps);
	*out = plan;
	return 0;
fail:
	for (size_t i = 0; i < n_files; i++) {
		free(files[i].name);
		free(files[i].data);
	}
	free(files);
	return -1;
}
