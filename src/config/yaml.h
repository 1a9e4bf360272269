/* YAML (through libyaml) into the value tree. */
#pragma once

#include "../util/error.h"
#include "value.h"

/* Parses one YAML document of `len` bytes. Aliases are resolved (copied),
 * duplicate keys are an error, only scalar keys are accepted. Plain scalars
 * become integer, float, bool or null by the YAML 1.2 core schema; quoted
 * scalars stay strings. An empty document gives an empty TABLE. On failure the
 * error message starts with "FILE:LINE:COL: ". */
int sc_yaml_parse(const char *data, size_t len, const char *file, struct sc_value **out,
                  struct sc_error **err);
