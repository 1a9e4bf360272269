#include "trust.h"
#include "../util/fs.h"
#include "../util/hash.h"
#include "../util/path.h"
#include "../util/strbuf.h"
#include "schema_table.h"

#include <fcntl.h>
#include <jansson.h>

void sc_grant_free(void *p)
{
	struct sc_grant *g = p;
	if (!g)
		return;
	free(g->text);
	free(g);
}

/* ---- what a file grants: the keys of the schema with a grant ---- */

struct grant_call {
	unsigned rank, minor; /* the key's, and a service key's within its service */
	size_t service;       /* the service's index */
	const struct sc_key *key;
	const void *field;
	const struct sc_service *svc;
	char *table; /* "image.", "" */
};

static void call_free(void *p)
{
	struct grant_call *c = p;
	if (c)
		free(c->table);
	free(c);
}

/* Everything not classified harmless is a grant (an unclassified row too:
 * the unit tests reject it, and until then it asks). */
static bool is_grant(const struct sc_key *k)
{
	return k->trust != SC_KEY_HARMLESS;
}

static void collect(const struct sc_config *cfg, const struct sc_key *keys, const char *table,
                    struct vec *calls)
{
	for (const struct sc_key *k = keys; k->name; k++) {
		if (k->kind == SC_KEY_TABLE) {
			_cleanup_free_ char *sub = xasprintf("%s%s.", table, k->name);
			collect(cfg, k->sub, sub, calls);
			continue;
		}
		if (k->kind == SC_KEY_SERVICES) {
			for (size_t s = 0; s < cfg->services.len; s++) {
				const struct sc_service *svc = &cfg->services.items[s];
				for (const struct sc_key *sk = k->sub; sk->name; sk++) {
					if (!is_grant(sk))
						continue;
					struct grant_call *c = xcalloc(1, sizeof(*c));
					*c = (struct grant_call){
					    k->grant_rank,
					    sk->grant_rank,
					    s,
					    sk,
					    sc_key_cfield(svc, sk),
					    svc,
					    xasprintf("services.%s.", svc->name)};
					vec_push(calls, c);
				}
			}
			continue;
		}
		/* A mount's keys are the mount's grant (sc_grant_mounts). */
		if (!is_grant(k))
			continue;
		struct grant_call *c = xcalloc(1, sizeof(*c));
		*c = (struct grant_call){k->grant_rank, 0, 0, k, sc_key_cfield(cfg, k), NULL,
		                         xstrdup(table)};
		vec_push(calls, c);
	}
}

static int call_cmp(const void *a, const void *b)
{
	const struct grant_call *x = *(const struct grant_call *const *)a;
	const struct grant_call *y = *(const struct grant_call *const *)b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->service != y->service)
		return x->service < y->service ? -1 : 1;
	return x->minor < y->minor ? -1 : x->minor > y->minor;
}

void sc_trust_grants(const struct sc_config *cfg, enum sc_layer layer, struct vec *out)
{
	struct vec calls = VEC_INIT(call_free);
	collect(cfg, sc_schema_root, "", &calls);
	if (calls.len)
		qsort(calls.items, calls.len, sizeof(void *), call_cmp);
	for (size_t i = 0; i < calls.len; i++) {
		const struct grant_call *c = calls.items[i];
		struct sc_grant_ctx ctx = {cfg, layer, c->svc, c->table, out};
		(c->key->grant ? c->key->grant : sc_grant_setting)(&ctx, c->key, c->field);
	}
	vec_release(&calls);
}

int sc_trust_hash_file(const char *path, bool *exists, char sha256[65], struct sc_error **err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	/* Read as the configuration reads it: no link, a regular file, bounded. */
	int r = fs_read_file_safe_optional(AT_FDCWD, path, FS_MAX_CONFIG, &data, &len, err);
	if (r < 0)
		return r;
	if (!data) {
		*exists = false;
		sha256[0] = '\0';
		return 0;
	}
	struct sha256 h;
	sha256_init(&h);
	sha256_update(&h, data, len);
	sha256_hex(&h, sha256);
	*exists = true;
	return 0;
}

/* ---- the store ---- */

void sc_trust_ref_free(void *p)
{
	struct sc_trust_ref *r = p;
	if (r)
		free(r->path);
	free(r);
}

void sc_trust_ref_add(struct vec *refs, const char *path, const char *sha256)
{
	struct sc_trust_ref *r = xcalloc(1, sizeof(*r));
	r->path = xstrdup(path);
	snprintf(r->sha256, sizeof(r->sha256), "%s", sha256);
	vec_push(refs, r);
}

static void record_free(void *p)
{
	struct sc_trust_record *r = p;
	if (!r)
		return;
	free(r->path);
	free(r->sha256);
	free(r->trusted_at);
	strv_release(&r->grants);
	vec_release(&r->refs);
	free(r);
}

void sc_trust_store_free(struct sc_trust_store *store)
{
	if (!store)
		return;
	vec_release(&store->records);
	free(store);
}

char *sc_trust_store_path(const char *global_dir)
{
	return path_join(global_dir, "trust.json");
}

static bool is_hex64(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 64;
}

int sc_trust_store_load(const char *path, struct sc_trust_store **out, struct sc_error **err)
{
	struct sc_trust_store *store = xcalloc(1, sizeof(*store));
	store->records.free_item = record_free;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = fs_read_file_optional(path, &data, &len, err);
	if (r < 0) {
		sc_trust_store_free(store);
		return r;
	}
	if (!data) {
		*out = store;
		return 0;
	}
	json_error_t jerr;
	json_t *root = json_loadb(data, len, 0, &jerr);
	json_t *files = root ? json_object_get(root, "files") : NULL;
	if (!root || !json_is_object(files)) {
		json_decref(root);
		sc_trust_store_free(store);
		if (!root)
			return sc_error_setx(
			    err, 0,
			    "%s:%d:%d: %s; the trust records cannot be read: fix the "
			    "file or remove it (every file is then asked about again)",
			    path, jerr.line, jerr.column, jerr.text);
		return sc_error_setx(
		    err, 0,
		    "%s: no \"files\" object; fix the file or remove it (every file "
		    "is then asked about again)",
		    path);
	}
	const char *key;
	json_t *val;
	json_object_foreach(files, key, val)
	{
		const char *sha = json_string_value(json_object_get(val, "sha256"));
		const char *at = json_string_value(json_object_get(val, "trusted_at"));
		json_t *grants = json_object_get(val, "grants");
		/* A record that does not read right approves nothing. */
		if (!sha || !is_hex64(sha) || key[0] != '/')
			continue;
		struct sc_trust_record *rec = xcalloc(1, sizeof(*rec));
		rec->path = xstrdup(key);
		rec->sha256 = xstrdup(sha);
		rec->trusted_at = xstrdup(at ? at : "");
		rec->refs = (struct vec)VEC_INIT(sc_trust_ref_free);
		const char *fkey;
		json_t *fval;
		json_t *refs = json_object_get(val, "files");
		if (json_is_object(refs))
			json_object_foreach(refs, fkey, fval)
			{
				const char *fsha = json_string_value(fval);
				/* One that does not read right matches nothing: asks again. */
				if (fsha && is_hex64(fsha) && fkey[0] == '/')
					sc_trust_ref_add(&rec->refs, fkey, fsha);
			}
		size_t i;
		json_t *g;
		json_array_foreach(grants, i, g)
		{
			if (json_is_string(g))
				strv_push(&rec->grants, json_string_value(g));
		}
		vec_push(&store->records, rec);
	}
	json_decref(root);
	*out = store;
	return 0;
}

int sc_trust_store_save(const struct sc_trust_store *store, const char *path, struct sc_error **err)
{
	json_t *files = json_object();
	for (size_t i = 0; i < store->records.len; i++) {
		const struct sc_trust_record *rec = store->records.items[i];
		json_t *grants = json_array();
		for (size_t g = 0; g < rec->grants.len; g++)
			json_array_append_new(grants, json_string(rec->grants.v[g]));
		json_t *obj = json_object();
		json_object_set_new(obj, "sha256", json_string(rec->sha256));
		json_object_set_new(obj, "trusted_at", json_string(rec->trusted_at));
		json_object_set_new(obj, "grants", grants);
		if (rec->refs.len) {
			json_t *refs = json_object();
			for (size_t r = 0; r < rec->refs.len; r++) {
				const struct sc_trust_ref *ref = rec->refs.items[r];
				json_object_set_new(refs, ref->path, json_string(ref->sha256));
			}
			json_object_set_new(obj, "files", refs);
		}
		json_object_set_new(files, rec->path, obj);
	}
	json_t *root = json_object();
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "files", files);
	_cleanup_free_ char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (!text)
		return sc_error_setx(err, 0, "%s: cannot encode the trust records", path);
	size_t len = strlen(text);
	text = xrealloc(text, len + 2);
	text[len] = '\n';
	text[len + 1] = '\0';
	_cleanup_free_ char *dir = path_dirname(path);
	if (fs_mkdir_p(dir, 0700, err) < 0 || fs_write_atomic(path, text, len + 1, 0600, err) < 0)
		return sc_error_prefix(err, "record trust");
	return 0;
}

const struct sc_trust_record *sc_trust_store_find(const struct sc_trust_store *store,
                                                  const char *path)
{
	for (size_t i = 0; i < store->records.len; i++) {
		const struct sc_trust_record *rec = store->records.items[i];
		if (streq(rec->path, path))
			return rec;
	}
	return NULL;
}

bool sc_trust_store_remove(struct sc_trust_store *store, const char *path)
{
	for (size_t i = 0; i < store->records.len; i++) {
		struct sc_trust_record *rec = store->records.items[i];
		if (!streq(rec->path, path))
			continue;
		record_free(rec);
		memmove(&store->records.items[i], &store->records.items[i + 1],
		        (store->records.len - i - 1) * sizeof(void *));
		store->records.len--;
		return true;
	}
	return false;
}

void sc_trust_store_put(struct sc_trust_store *store, const char *path, const char *sha256,
                        const struct vec *grants, const char *now)
{
	sc_trust_store_put_refs(store, path, sha256, grants, NULL, now);
}

void sc_trust_store_put_refs(struct sc_trust_store *store, const char *path, const char *sha256,
                             const struct vec *grants, const struct vec *refs, const char *now)
{
	sc_trust_store_remove(store, path);
	struct sc_trust_record *rec = xcalloc(1, sizeof(*rec));
	rec->path = xstrdup(path);
	rec->sha256 = xstrdup(sha256);
	rec->trusted_at = xstrdup(now);
	rec->refs = (struct vec)VEC_INIT(sc_trust_ref_free);
	for (size_t i = 0; refs && i < refs->len; i++) {
		const struct sc_trust_ref *r = refs->items[i];
		sc_trust_ref_add(&rec->refs, r->path, r->sha256);
	}
	for (size_t i = 0; i < grants->len; i++) {
		const struct sc_grant *g = grants->items[i];
		strv_push(&rec->grants, g->text);
	}
	vec_push(&store->records, rec);
}

bool sc_trust_ref_approved(const struct sc_trust_record *rec, const struct sc_trust_ref *ref)
{
	if (!rec)
		return false;
	for (size_t i = 0; i < rec->refs.len; i++) {
		const struct sc_trust_ref *r = rec->refs.items[i];
		if (streq(r->path, ref->path))
			return streq(r->sha256, ref->sha256);
	}
	return false;
}

enum sc_trust_state sc_trust_state(const struct sc_trust_record *rec, const char *sha256,
                                   const struct vec *grants)
{
	return sc_trust_state_refs(rec, sha256, grants, NULL);
}

enum sc_trust_state sc_trust_state_refs(const struct sc_trust_record *rec, const char *sha256,
                                        const struct vec *grants, const struct vec *refs)
{
	if (grants->len == 0)
		return SC_TRUST_NOT_NEEDED;
	if (!rec)
		return SC_TRUST_NEW;
	if (!streq(rec->sha256, sha256))
		return SC_TRUST_CHANGED;
	for (size_t i = 0; refs && i < refs->len; i++)
		if (!sc_trust_ref_approved(rec, refs->items[i]))
			return SC_TRUST_CHANGED;
	for (size_t i = 0; i < grants->len; i++) {
		const struct sc_grant *g = grants->items[i];
		if (!strv_contains(rec->grants.v, g->text))
			return SC_TRUST_CHANGED;
	}
	return SC_TRUST_TRUSTED;
}

char *sc_trust_diff(const struct sc_trust_record *rec, const struct vec *grants)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < grants->len; i++) {
		const struct sc_grant *g = grants->items[i];
		bool before = rec && strv_contains(rec->grants.v, g->text);
		/* The texts quote values of the file: escaped, so that they can
		 * neither add a line nor rewrite the prompt on a terminal. */
		strbuf_addf(&sb, "%s ", before ? " " : "+");
		strbuf_add_escaped(&sb, g->text);
		if (g->origin.pos.line)
			strbuf_addf(&sb, "    (line %u)", g->origin.pos.line);
		strbuf_addc(&sb, '\n');
	}
	for (size_t i = 0; rec && i < rec->grants.len; i++) {
		bool now = false;
		for (size_t j = 0; j < grants->len && !now; j++) {
			const struct sc_grant *g = grants->items[j];
			now = streq(g->text, rec->grants.v[i]);
		}
		if (!now) {
			strbuf_adds(&sb, "- ");
			strbuf_add_escaped(&sb, rec->grants.v[i]);
			strbuf_addc(&sb, '\n');
		}
	}
	return strbuf_steal(&sb);
}
