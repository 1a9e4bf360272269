/* TOML 1.0 (and 1.1) parser into the value tree. */
#pragma once

#include "../util/error.h"
#include "value.h"

/* Parses `len` bytes of TOML. `file` names the source in positions and
 * errors. On success *out is a TABLE. On failure the error message starts
 * with "FILE:LINE:COL: " and says what was expected. */
int sc_toml_parse(const char *data, size_t len, const char *file, struct sc_value **out,
                  struct sc_error **err);

enum sc_toml_version {
	SC_TOML_1_0,
	SC_TOML_1_1, /* also what 1.1.0 adds: newlines and a trailing comma in
	                inline tables, \\xHH and \\e escapes, times without seconds */
};

/* The same for an explicit version; sc_toml_parse() reads TOML 1.0.0. */
int sc_toml_parse_version(const char *data, size_t len, const char *file,
                          enum sc_toml_version version, struct sc_value **out,
                          struct sc_error **err);
