/* Loading the configuration: defaults < global ~/.sandcage/config.toml <
 * project .sandcage.yml < local .sandcage.local.yml < command-line flags,
 * parsed, merged and decoded into one struct sc_config; and rendering it
 * with the origin of every value. */
#pragma once

#include "../util/error.h"
#include "schema.h"
#include "value.h"

#include <jansson.h>

/* The files of the three file layers, absolute. */
struct sc_config_paths {
	char *global;  /* $SANDCAGE_HOME/config.toml, or ~/.sandcage/config.toml */
	char *project; /* ROOT/.sandcage.yml */
	char *local;   /* ROOT/.sandcage.local.yml */
};

/* The global directory: $SANDCAGE_HOME when set and not empty, else
 * ~/.sandcage. Newly allocated, absolute. */
char *sc_config_global_dir(void);
/* `root` is the workspace root (absolute). */
void sc_config_paths_init(struct sc_config_paths *paths, const char *root);
void sc_config_paths_release(struct sc_config_paths *paths);

/* Reads, parses, merges and decodes the layers for the workspace at `root`.
 * A missing file is an absent layer; an unreadable or invalid one is an
 * error. `flags` (may be NULL) is the top layer, a TABLE built by a command
 * (see sc_config_flag_set). */
int sc_config_load(const char *root, const struct sc_value *flags, struct sc_config **out,
                   struct sc_error **err);
/* The same with explicit file paths (a NULL path is an absent layer). */
int sc_config_load_paths(const struct sc_config_paths *paths, const struct sc_value *flags,
                         struct sc_config **out, struct sc_error **err);

/* Adds `value` (ownership taken) at the dotted `key` ("image.base") of the
 * flag layer *tree, created on first use. Give `value` a position whose
 * file names the option ("--image") so that origins and errors say so. */
void sc_config_flag_set(struct sc_value **tree, const char *key, struct sc_value *value);
/* Shorthand: a string value from option `option`. */
void sc_config_flag_set_string(struct sc_value **tree, const char *key, const char *value,
                               const char *option);

/* Every effective value on its own line with where it came from:
 *   toolchains.node = "20"    # project /abs/.sandcage.yml:2
 *   home.volume = "sandcage-home"    # default
 * Lists extended with `key+` show each layer's part on a `key += [...]` line. */
char *sc_config_render_text(const struct sc_config *cfg);
/* The same as JSON: each value as {"value": ..., "origin": {"layer", "file",
 * "line", "column"}}; lists also carry "items" with each item's origin. */
json_t *sc_config_render_json(const struct sc_config *cfg);

/* The files considered and whether each exists. */
char *sc_config_paths_render_text(const struct sc_config_paths *paths);
json_t *sc_config_paths_render_json(const struct sc_config_paths *paths);
