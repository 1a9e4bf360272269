#include "support.h"

#include "config/config.h"
#include "util/fs.h"
#include "util/path.h"

#include <dirent.h>

struct sc_config *unit_load_project_yaml(const char *yaml)
{
	char dir[] = "/tmp/sc-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	_cleanup_free_ char *file = path_join(dir, ".sandcage.yml");
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(fs_write_atomic(file, yaml, strlen(yaml), 0644, &err), 0);
	struct sc_config_paths paths = {NULL, file, NULL};
	struct sc_config *cfg = NULL;
	int r = sc_config_load_paths(&paths, NULL, &cfg, &err);
	unlink(file);
	rmdir(dir);
	if (r < 0)
		fail_msg("the configuration does not load: %s\n---\n%s---", err->msg, yaml);
	return cfg;
}

void unit_check_golden(const char *rel, const char *text)
{
	_cleanup_free_ char *path = xasprintf("%s/tests/golden/%s", SC_SOURCE_DIR, rel);
	_cleanup_error_ struct sc_error *err = NULL;
	const char *update = getenv("SC_UPDATE_GOLDEN");
	if (update && *update == '1') {
		assert_int_equal(fs_write_atomic(path, text, strlen(text), 0644, &err), 0);
		return;
	}
	_cleanup_free_ char *want = NULL;
	if (fs_read_file(path, &want, NULL, &err) < 0)
		fail_msg("%s (run with SC_UPDATE_GOLDEN=1 to create it)", err->msg);
	assert_string_equal(text, want);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int unit_run_with_cases(const char *group, const struct CMUnitTest *unit, size_t n_unit,
                        const char *root, CMUnitTestFunction case_fn)
{
	char **names = NULL;
	size_t n = 0;
	DIR *d = opendir(root);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			_cleanup_free_ char *p = path_join(root, e->d_name);
			if (e->d_name[0] == '.' || !fs_is_dir(p))
				continue;
			names = xreallocarray(names, n + 1, sizeof(char *));
			names[n++] = xstrdup(e->d_name);
		}
		closedir(d);
	}
	if (n)
		qsort(names, n, sizeof(char *), cmp_names);

	size_t total = n_unit + n;
	struct CMUnitTest *tests = xcalloc(total, sizeof(*tests));
	memcpy(tests, unit, n_unit * sizeof(*unit));
	for (size_t i = 0; i < n; i++) {
		struct CMUnitTest *t = &tests[n_unit + i];
		t->name = xasprintf("golden/%s", names[i]);
		t->test_func = case_fn;
		t->initial_state = path_join(root, names[i]);
	}
	int r = _cmocka_run_group_tests(group, tests, total, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		free((char *)tests[n_unit + i].name);
		free(tests[n_unit + i].initial_state);
		free(names[i]);
	}
	free(names);
	free(tests);
	return r;
}

const struct sc_spec_mount *unit_mount_at(const struct sc_container_spec *spec, const char *target)
{
	for (size_t i = 0; i < spec->mounts.len; i++) {
		const struct sc_spec_mount *m = spec->mounts.items[i];
		if (streq(m->target, target))
			return m;
	}
	return NULL;
}
