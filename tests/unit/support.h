/* What several unit test programs need: a configuration from a project
 * file's text, golden files, and fixture directories as test cases. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/schema.h"
#include "engine/engine.h"

/* The configuration of a project whose .sandcage.yml is `yaml` (no global
 * or local file); fails the test, showing the text, when it does not load. */
struct sc_config *unit_load_project_yaml(const char *yaml);

/* Compares `text` with SC_SOURCE_DIR/tests/golden/REL; with
 * SC_UPDATE_GOLDEN=1 in the environment it writes the file instead. */
void unit_check_golden(const char *rel, const char *text);

/* Runs `unit`, then `case_fn` once per subdirectory of `root` (sorted by
 * name, its path as the state), as one group with one TAP plan. */
int unit_run_with_cases(const char *group, const struct CMUnitTest *unit, size_t n_unit,
                        const char *root, CMUnitTestFunction case_fn);

/* The mount of `spec` whose target is `target`, or NULL. */
const struct sc_spec_mount *unit_mount_at(const struct sc_container_spec *spec, const char *target);
