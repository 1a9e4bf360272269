/* Merging the configuration layers' value trees into one tree that remembers,
 * for every node, the layer it came from.
 *
 * The rules (docs/configuration.md, "Merge rules"):
 *   - scalars: the higher layer wins;
 *   - tables: merged key by key, recursively;
 *   - lists: the higher layer's list replaces the one below, unless the key
 *     is written with a `+` suffix (`packages+`), which appends to it;
 *   - a key that is a table in one layer and something else in another is an
 *     error naming both places. */
#pragma once

#include "../util/error.h"
#include "value.h"

/* From lowest to highest precedence. */
enum sc_layer {
	SC_LAYER_DEFAULT,
	SC_LAYER_GLOBAL,
	SC_LAYER_PROJECT,
	SC_LAYER_LOCAL,
	SC_LAYER_FLAG,
};
#define SC_LAYER_COUNT (SC_LAYER_FLAG + 1)

/* "default", "global", "project", "local", "flag". */
const char *sc_layer_name(enum sc_layer layer);

/* Where a setting came from. For the default layer pos is all zero; for the
 * flag layer pos.file names the option ("--image") when the command said so. */
struct sc_origin {
	enum sc_layer layer;
	struct sc_pos pos;
};

/* In a merged tree, `flags` of every node holds its layer (the parsers' own
 * marks are not needed once a tree is merged). */
static inline enum sc_layer sc_merged_layer(const struct sc_value *v)
{
	return (enum sc_layer)v->flags;
}

/* A deep copy of `tree` with every node marked as coming from `layer`: the
 * start of a merged tree. */
struct sc_value *sc_merge_new(const struct sc_value *tree, enum sc_layer layer);

/* Merges the TABLE `layer_tree` from `layer` on top of the merged TABLE
 * `merged`. `layer_tree` itself is not changed. On error `merged` may be
 * partly merged; throw it away. */
int sc_merge_layer(struct sc_value *merged, const struct sc_value *layer_tree, enum sc_layer layer,
                   struct sc_error **err);

/* "FILE:LINE:COL" (parts that are unknown left out), or "" for no position. */
char *sc_pos_format(struct sc_pos pos);

/* Appends a key to a dotted key path as error messages show it: `a.b`,
 * with keys that are not [A-Za-z0-9_+-]+ in double quotes. */
struct strbuf;
void sc_key_path_push(struct strbuf *path, const char *key);
