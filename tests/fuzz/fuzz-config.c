/* libFuzzer target for the configuration schema: layers are parsed, each is
 * checked on its own, merged over the defaults, decoded and rendered, as
 * sc_config_load_paths() does. Nothing may crash or leak, and every outcome
 * is either a configuration or a positioned message.
 *
 * The input is up to three layers separated by form feeds (0x0C, which is
 * invalid in TOML and YAML alike, so no layer loses an input it could read):
 *
 *   GLOBAL-TOML \f PROJECT-YAML \f LOCAL-YAML
 *
 * A layer that is not there (fewer separators) is an absent file; an empty
 * one is an empty file. A form feed inside the local layer stays in it. */
#include "config/config.h"
#include "config/merge.h"
#include "config/schema.h"
#include "config/toml.h"
#include "config/value.h"
#include "config/yaml.h"

#include <jansson.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEPARATOR '\f'

struct layer {
	const char *name; /* relative, so that relative paths resolve against the
	                     current directory and not a fuzzer-chosen one */
	bool toml;
	enum sc_layer layer;
};

static const struct layer layers[] = {
    {"fuzz-global.toml", true, SC_LAYER_GLOBAL},
    {"fuzz-project.yml", false, SC_LAYER_PROJECT},
    {"fuzz-local.yml", false, SC_LAYER_LOCAL},
};

static void check_error(const struct sc_error *err)
{
	if (!err || !err->msg || !*err->msg)
		abort();
}

/* Every {"value", "origin"} leaf the renderer built has its value: jansson
 * drops a string that is not UTF-8 (json_string() gives NULL), which would
 * silently lose a setting from `sandcage config --json`. */
static void check_json(const json_t *j, unsigned depth)
{
	if (!j || depth > 16)
		abort();
	if (json_is_object(j)) {
		/* An origin, not a service or variable named "origin". */
		const json_t *o = json_object_get(j, "origin");
		if (o && json_is_string(json_object_get(o, "layer")) &&
		    !json_object_get(j, "value"))
			abort();
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)j, key, v)
		{
			check_json(v, depth + 1);
		}
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v)
		{
			check_json(v, depth + 1);
		}
	}
}

static void render(const struct sc_config *cfg)
{
	char *text = sc_config_render_text(cfg);
	if (!text || !*text)
		abort();
	free(text);

	json_t *j = sc_config_render_json(cfg);
	check_json(j, 0);
	char *dump = json_dumps(j, JSON_COMPACT);
	if (!dump)
		abort();
	free(dump);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_value *trees[N_ELEMENTS(layers)] = {NULL};
	const char *p = (const char *)data;
	size_t left = size;
	bool more = true;

	for (size_t i = 0; i < N_ELEMENTS(layers) && more; i++) {
		const char *sep = i + 1 < N_ELEMENTS(layers) ? memchr(p, SEPARATOR, left) : NULL;
		size_t n = sep ? (size_t)(sep - p) : left;
		more = sep != NULL;
		const char *file = sc_intern(layers[i].name);
		struct sc_error *err = NULL;
		int r = layers[i].toml ? sc_toml_parse(p, n, file, &trees[i], &err)
		                       : sc_yaml_parse(p, n, file, &trees[i], &err);
		if (r < 0) {
			check_error(err);
			if (trees[i])
				abort();
		} else if (!trees[i] || trees[i]->kind != SC_VALUE_TABLE || err) {
			abort();
		}
		sc_error_free(err);
		if (sep) {
			p = sep + 1;
			left -= n + 1;
		}
	}

	/* Each layer on its own, as the loader does. */
	for (size_t i = 0; i < N_ELEMENTS(layers); i++) {
		if (!trees[i])
			continue;
		struct sc_error *err = NULL;
		if (sc_config_check_layer(trees[i], layers[i].layer, &err) < 0)
			check_error(err);
		else if (err)
			abort();
		sc_error_free(err);
	}

	/* A layer that fails to parse stops the loader; the others are still
	 * worth merging and decoding, so the fuzzer goes on without it. */
	struct sc_value *defaults = sc_config_defaults();
	struct sc_value *merged = sc_merge_new(defaults, SC_LAYER_DEFAULT);
	sc_value_free(defaults);
	int r = 0;
	for (size_t i = 0; i < N_ELEMENTS(layers) && r == 0; i++) {
		if (!trees[i])
			continue;
		struct sc_error *err = NULL;
		r = sc_merge_layer(merged, trees[i], layers[i].layer, &err);
		if (r < 0)
			check_error(err);
		else if (err)
			abort();
		sc_error_free(err);
	}

	if (r == 0) {
		struct sc_config *cfg = NULL;
		struct sc_error *err = NULL;
		if (sc_config_decode(merged, &cfg, &err) < 0) {
			check_error(err);
			if (cfg)
				abort();
		} else {
			if (!cfg || err)
				abort();
			render(cfg);
		}
		sc_config_free(cfg);
		sc_error_free(err);
	}

	sc_value_free(merged);
	for (size_t i = 0; i < N_ELEMENTS(trees); i++)
		sc_value_free(trees[i]);
	return 0;
}
