/* Unit tests for src/engine: the docker CLI argv and the docker config
 * parser, without a daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/docker_api.h"
#include "engine/engine.h"
#include "util/vec.h"

static void test_config_context(void **state)
{
	(void)state;
	char *c = sc_docker_config_context("{\"currentContext\": \"remote\"}");
	assert_non_null(c);
	assert_string_equal(c, "remote");
	free(c);
	/* Spacing and key order are JSON's business, not a string match's. */
	c = sc_docker_config_context("{\"auths\": {}, \"currentContext\" :\n\t\"remote\"}");
	assert_non_null(c);
	assert_string_equal(c, "remote");
	free(c);
	assert_null(sc_docker_config_context("{\"currentContext\" : \"default\"}"));
	assert_null(sc_docker_config_context("{\"currentContext\": \"\"}"));
	assert_null(sc_docker_config_context("{}"));
	assert_null(sc_docker_config_context("{\"auths\": {\"currentContext\": \"x\"}}"));
	assert_null(sc_docker_config_context("{\"x\": \"\\\"currentContext\\\": 1\"}"));
	assert_null(sc_docker_config_context("{\"currentContext\": 3}"));
	/* Not JSON: the docker CLI warns and uses the default. */
	assert_null(sc_docker_config_context("{\"currentContext\": \"remote\","));
	assert_null(sc_docker_config_context(""));
}

/* The operands of `docker run`: the image and the command after `--`, so
 * that an image named like an option is a name. */
static void test_run_argv_operands(void **state)
{
	(void)state;
	struct sc_engine e = {.ops = &sc_docker_cli_ops, .kind = "docker", .program = "/x/docker"};
	struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	spec.image = xstrdup("--help");
	spec.name = xstrdup("n");
	strv_push(&spec.command, "--version");
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	e.ops->run_argv(&e, &spec, &argv);
	assert_true(argv.len >= 5);
	assert_string_equal(argv.v[0], "/x/docker");
	assert_string_equal(argv.v[1], "run");
	assert_string_equal(argv.v[argv.len - 3], "--");
	assert_string_equal(argv.v[argv.len - 2], "--help");
	assert_string_equal(argv.v[argv.len - 1], "--version");
	for (size_t i = 2; i < argv.len - 3; i++)
		assert_true(strncmp(argv.v[i], "--", 2) == 0 && argv.v[i][2] != '\0');
	sc_container_spec_release(&spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_context),
	    cmocka_unit_test(test_run_argv_operands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
