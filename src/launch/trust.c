/* The security check with the host's facts, and the trust of the
 * project's configuration files. */
#include "trust.h"
#include "../plan/security.h"
#include "../util/hash.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "image.h"

#include <sys/stat.h>
#include <time.h>

static char *host_resolve(void *ctx, const char *path, bool *socket)
{
	(void)ctx;
	char *real = realpath(path, NULL);
	struct stat st;
	*socket = real && stat(real, &st) == 0 && S_ISSOCK(st.st_mode);
	return real;
}

/* Symlinks resolved when the path exists, else as written. */
static char *resolved_or_normal(const char *path)
{
	char *real = realpath(path, NULL);
	return real ? real : path_normalize(path);
}

/* This host's facts for the security rules; `home` and `global` own the
 * strings. */
static void security_host(const char *global_dir, char **home, char **global,
                          struct sc_security_host *host)
{
	*home = resolved_or_normal(path_home());
	*global = resolved_or_normal(global_dir);
	*host = (struct sc_security_host){
	    .home = *home,
	    .global_dir = *global,
	    .resolve = host_resolve,
	};
}

int sc_launch_security_check(const struct sc_config *cfg, const struct sc_workspace *ws,
                             const char *global_dir, struct sc_error **err)
{
	_cleanup_free_ char *home = NULL, *global = NULL;
	struct sc_security_host host;
	security_host(global_dir, &home, &global, &host);
	return sc_security_check(cfg, &host, ws, err);
}

int sc_launch_project_check(const struct sc_workspace *ws, const char *global_dir,
                            struct sc_error **err)
{
	_cleanup_free_ char *home = NULL, *global = NULL;
	struct sc_security_host host;
	security_host(global_dir, &home, &global, &host);
	return sc_security_project_check(&host, ws, err);
}

void sc_trust_files_release(struct sc_trust_files *files)
{
	for (size_t i = 0; i < N_ELEMENTS(files->f); i++) {
		free(files->f[i].path);
		files->f[i].path = NULL;
		vec_release(&files->f[i].grants);
		vec_release(&files->f[i].refs);
	}
}

static int hash_ref(const struct sc_workspace *ws, const char *path, struct vec *refs,
                    struct sc_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (sc_image_read_file(ws->root, path, &data, &len, err) < 0)
		return -1;
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, data, len);
	char hex[65];
	sha256_hex(&h, hex);
	sc_trust_ref_add(refs, path, hex);
	return 0;
}

/* What `layer` points to: the custom Dockerfile and every file of its
 * context, and the CA files it added; hashed by content. */
static int collect_refs(const struct sc_workspace *ws, const struct sc_config *cfg,
                        enum sc_layer layer, struct vec *refs, struct sc_error **err)
{
	const struct sc_cfg_str *df = &cfg->image.dockerfile;
	if (*df->value && df->origin.layer == layer) {
		if (hash_ref(ws, df->value, refs, err) < 0)
			return sc_error_prefix(err, "image.dockerfile");
		_cleanup_free_ char *dir = path_dirname(df->value);
		char hex[65];
		if (sc_image_context_content_hash(dir, hex, err) < 0)
			return sc_error_prefix(err, "image.dockerfile");
		_cleanup_free_ char *key = xasprintf("%s/", streq(dir, "/") ? "" : dir);
		sc_trust_ref_add(refs, key, hex);
	}
	const struct sc_cfg_list *ca = &cfg->image.ca_certificates;
	for (size_t i = 0; i < ca->len; i++)
		if (ca->items[i].origin.layer == layer &&
		    hash_ref(ws, ca->items[i].value, refs, err) < 0)
			return sc_error_prefix(err, "image.ca_certificates");
	return 0;
}

int sc_trust_inspect(const struct sc_workspace *ws, const struct sc_config *cfg,
                     const struct sc_trust_store *store, struct sc_trust_files *out,
                     struct sc_error **err)
{
	static const struct {
		const char *label;
		const char *name;
		enum sc_layer layer;
	} which[2] = {
	    {"project", ".sandcage.yml", SC_LAYER_PROJECT},
	    {"local", ".sandcage.local.yml", SC_LAYER_LOCAL},
	};
	/* Both initialised first: a failure on the first leaves nothing
	 * half-made to release. */
	for (size_t i = 0; i < 2; i++)
		out->f[i] = (struct sc_trust_file){
		    .label = which[i].label,
		    .layer = which[i].layer,
		    .path = path_join(ws->root, which[i].name),
		    .grants = VEC_INIT(sc_grant_free),
		    .refs = VEC_INIT(sc_trust_ref_free),
		};
	for (size_t i = 0; i < 2; i++) {
		struct sc_trust_file *f = &out->f[i];
		if (sc_trust_hash_file(f->path, &f->exists, f->sha256, err) < 0) {
			sc_trust_files_release(out);
			return -1;
		}
		if (f->exists)
			sc_trust_grants(cfg, f->layer, &f->grants);
		if (f->exists && f->grants.len &&
		    collect_refs(ws, cfg, f->layer, &f->refs, err) < 0) {
			sc_trust_files_release(out);
			return -1;
		}
		f->record = store ? sc_trust_store_find(store, f->path) : NULL;
		f->state = sc_trust_state_refs(f->record, f->sha256, &f->grants, &f->refs);
	}
	return 0;
}

char *sc_trust_describe(const struct sc_trust_file *f)
{
	struct strbuf sb = STRBUF_INIT;
	/* Everything shown is escaped (sc_trust_diff escapes the grants): the
	 * prompt must say exactly what the file grants, on any terminal. */
	_cleanup_free_ char *path = str_escaped(f->path);
	_cleanup_free_ char *since = str_escaped(f->record ? f->record->trusted_at : "");
	switch (f->state) {
	case SC_TRUST_NOT_NEEDED:
		strbuf_addf(&sb, "%s grants nothing beyond the defaults: no trust needed\n", path);
		return strbuf_steal(&sb);
	case SC_TRUST_TRUSTED:
		strbuf_addf(&sb, "%s is trusted (since %s); it grants:\n", path, since);
		break;
	case SC_TRUST_NEW:
		strbuf_addf(&sb, "%s (the %s configuration) is not trusted; it grants:\n", path,
		            f->label);
		break;
	case SC_TRUST_CHANGED:
		strbuf_addf(&sb,
		            "%s (the %s configuration) changed since you trusted it (%s); what it "
		            "grants now (+ new, - no longer):\n",
		            path, f->label, since);
		break;
	}
	_cleanup_free_ char *diff = sc_trust_diff(f->record, &f->grants);
	for (const char *line = diff; *line;) {
		size_t n = strcspn(line, "\n");
		strbuf_addf(&sb, "  %.*s\n", (int)n, line);
		line += n + (line[n] == '\n');
	}
	if (f->refs.len) {
		strbuf_adds(&sb, "  the content of these files is part of the approval:\n");
		for (size_t i = 0; i < f->refs.len; i++) {
			const struct sc_trust_ref *r = f->refs.items[i];
			_cleanup_free_ char *p = str_escaped(r->path);
			bool ch = f->state == SC_TRUST_CHANGED && f->record &&
			          !sc_trust_ref_approved(f->record, r);
			strbuf_addf(&sb, "    %s%s%s\n", p,
			            r->path[strlen(r->path) - 1] == '/' ? " (every file in it)"
			                                                : "",
			            ch ? ": changed since you trusted it" : "");
		}
	}
	return strbuf_steal(&sb);
}

int sc_trust_approve(struct sc_trust_store *store, const char *store_path,
                     const struct sc_trust_file *f, struct sc_error **err)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sc_trust_store_put_refs(store, f->path, f->sha256, &f->grants, &f->refs, now);
	return sc_trust_store_save(store, store_path, err);
}
