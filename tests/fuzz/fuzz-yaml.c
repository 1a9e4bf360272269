/* libFuzzer target for the YAML loader: any input either parses into a tree
 * whose every node has a position, or fails with a positioned error; nothing
 * crashes, leaks or recurses without bound. */
#include "config/value.h"
#include "config/yaml.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tree(const struct sc_value *v, const char *file, unsigned depth)
{
	if (v->pos.file != file || v->pos.line == 0 || v->pos.col == 0 || depth > 256)
		abort();
	if (v->kind == SC_VALUE_ARRAY) {
		for (size_t i = 0; i < v->u.array.len; i++)
			check_tree(v->u.array.items[i], file, depth + 1);
	} else if (v->kind == SC_VALUE_TABLE) {
		for (size_t i = 0; i < v->u.table.len; i++) {
			const struct sc_member *m = &v->u.table.items[i];
			if (m->key_pos.file != file || m->key_pos.line == 0 || m->key_pos.col == 0)
				abort();
			check_tree(m->value, file, depth + 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *file = sc_intern("fuzz.yaml");
	struct sc_value *v = NULL;
	struct sc_error *err = NULL;
	int r = sc_yaml_parse((const char *)data, size, file, &v, &err);
	if (r == 0) {
		if (!v || err || v->kind != SC_VALUE_TABLE)
			abort();
		check_tree(v, file, 1);
	} else {
		if (v || !err || !err->msg || strncmp(err->msg, "fuzz.yaml:", 10) != 0)
			abort();
	}
	sc_value_free(v);
	sc_error_free(err);
	return 0;
}
