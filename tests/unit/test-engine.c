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

/* The mount check runs first: its own arguments, then the command. */
static void test_run_argv_entrypoint(void **state)
{
	(void)state;
	struct sc_engine e = {.ops = &sc_docker_cli_ops, .kind = "docker", .program = "/x/docker"};
	struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	spec.image = xstrdup("img");
	spec.entrypoint = xstrdup("/.check");
	strv_push(&spec.entry_args, "--bind=1:2:3:/p");
	strv_push(&spec.entry_args, "--");
	strv_push(&spec.command, "claude");
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	e.ops->run_argv(&e, &spec, &argv);
	assert_true(strv_contains(argv.v, "--entrypoint=/.check"));
	assert_true(argv.len >= 6);
	assert_string_equal(argv.v[argv.len - 5], "--");
	assert_string_equal(argv.v[argv.len - 4], "img");
	assert_string_equal(argv.v[argv.len - 3], "--bind=1:2:3:/p");
	assert_string_equal(argv.v[argv.len - 2], "--");
	assert_string_equal(argv.v[argv.len - 1], "claude");
	sc_container_spec_release(&spec);
}

/* A host variable (an API key) goes by name: the CLI reads it from its own
 * environment, and no command line shows the value; a value that is not
 * the CLI's own goes as it is. */
static void test_run_argv_env_by_name(void **state)
{
	(void)state;
	struct sc_engine e = {.ops = &sc_docker_cli_ops, .kind = "docker", .program = "/x/docker"};
	struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	spec.image = xstrdup("img");
	assert_int_equal(setenv("SC_TEST_KEY", "sk-canary", 1), 0);
	assert_int_equal(setenv("SC_TEST_OTHER", "host-value", 1), 0);
	strv_push(&spec.env, "SC_TEST_KEY=sk-canary");
	strv_push(&spec.env, "SC_TEST_OTHER=configured");
	strv_push(&spec.env, "HOME=/home/sandcage");
	strv_push(&spec.env_from_host, "SC_TEST_KEY");
	strv_push(&spec.env_from_host, "SC_TEST_OTHER");
	_cleanup_strvec_ struct strv argv = STRV_INIT;
	e.ops->run_argv(&e, &spec, &argv);
	assert_true(strv_contains(argv.v, "--env=SC_TEST_KEY"));
	assert_true(strv_contains(argv.v, "--env=SC_TEST_OTHER=configured"));
	assert_true(strv_contains(argv.v, "--env=HOME=/home/sandcage"));
	for (size_t i = 0; i < argv.len; i++)
		assert_null(strstr(argv.v[i], "sk-canary"));
	unsetenv("SC_TEST_KEY");
	unsetenv("SC_TEST_OTHER");
	sc_container_spec_release(&spec);
}

/* An image's entrypoint, from the API's object or the CLI's array. */
static void test_image_entrypoint_json(void **state)
{
	(void)state;
	_cleanup_strvec_ struct strv a = STRV_INIT;
	assert_int_equal(
	    sc_docker_image_entrypoint_json(
	        "{\"Config\": {\"Entrypoint\": [\"docker-entrypoint.sh\", \"-x\"]}}", &a),
	    0);
	assert_int_equal(a.len, 2);
	assert_string_equal(a.v[0], "docker-entrypoint.sh");
	assert_string_equal(a.v[1], "-x");
	_cleanup_strvec_ struct strv b = STRV_INIT;
	assert_int_equal(
	    sc_docker_image_entrypoint_json("[{\"Config\": {\"Entrypoint\": null}}]", &b), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(sc_docker_image_entrypoint_json("[{\"Config\": {}}]", &b), 0);
	assert_int_equal(b.len, 0);
	_cleanup_strvec_ struct strv c = STRV_INIT;
	assert_int_equal(
	    sc_docker_image_entrypoint_json("{\"Config\": {\"Entrypoint\": \"run.sh\"}}", &c), 0);
	assert_int_equal(c.len, 3);
	assert_string_equal(c.v[2], "run.sh");
	/* Not what an inspect gives: the caller asks otherwise. */
	assert_int_equal(sc_docker_image_entrypoint_json("{\"Config\": {\"Entrypoint\": [1]}}", &b),
	                 -1);
	assert_int_equal(sc_docker_image_entrypoint_json("[]", &b), -1);
	assert_int_equal(sc_docker_image_entrypoint_json("nope", &b), -1);
	assert_int_equal(b.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_context),
	    cmocka_unit_test(test_run_argv_operands),
	    cmocka_unit_test(test_run_argv_entrypoint),
	    cmocka_unit_test(test_run_argv_env_by_name),
	    cmocka_unit_test(test_image_entrypoint_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
