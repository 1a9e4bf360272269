/* Unit tests for src/mountcheck/logins.c: the login store kept in step with
 * a home, on temporary directories, with what a hostile agent plants in
 * either (links, FIFOs, large files, other keys of ~/.claude.json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mountcheck/logins.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256], home[300], store[300], old[300], outside[300];
static char reported[16384];

static void collect(const char *line, void *data)
{
	(void)data;
	assert_null(strchr(line, '\n'));
	assert_true(strncmp(line, "sandcage: logins: ", 18) == 0);
	strncat(reported, line, sizeof(reported) - strlen(reported) - 2);
	strcat(reported, "\n");
}

static const struct mc_login items[] = {
    {".codex/auth.json", "codex-auth.json", NULL},
    {".claude/.credentials.json", "claude-credentials.json", NULL},
    {".claude.json", "claude-account.json", "oauthAccount,userID"},
};

static struct mc_logins logins(bool migrate)
{
	return (struct mc_logins){home, store, migrate ? old : NULL, items, 3};
}

static void put(const char *dir, const char *rel, const char *text, time_t mtime)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	*slash = '/';
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	if (mtime) {
		struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
		assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
}

/* The file's text, or NULL when there is none (or it is not a file). */
static char *get(const char *dir, const char *rel, struct stat *st)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	struct stat s;
	if (lstat(path, &s) < 0 || !S_ISREG(s.st_mode))
		return NULL;
	if (st)
		*st = s;
	FILE *f = fopen(path, "r");
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/test-logins-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(home, sizeof(home), "%s/home", root);
	snprintf(store, sizeof(store), "%s/store", root);
	snprintf(old, sizeof(old), "%s/old", root);
	snprintf(outside, sizeof(outside), "%s/outside", root);
	assert_int_equal(mkdir(home, 0755), 0);
	assert_int_equal(mkdir(store, 0700), 0);
	assert_int_equal(mkdir(old, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	reported[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_parse(void **state)
{
	(void)state;
	struct mc_login l;
	char a[] = ".codex/auth.json:codex-auth.json";
	assert_true(mc_login_parse(a, false, &l));
	assert_string_equal(l.home, ".codex/auth.json");
	assert_string_equal(l.store, "codex-auth.json");
	assert_null(l.keys);
	char b[] = ".claude.json:claude-account.json:oauthAccount,userID";
	assert_true(mc_login_parse(b, true, &l));
	assert_string_equal(l.keys, "oauthAccount,userID");
	const char *bad[] = {"/etc/passwd:x", "../x:y",    "a/../b:y", "a//b:y",      "a/:y",
	                     "a:b/c",         "a:.hidden", "a:",       "noseparator", "./a:b"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		assert_false(mc_login_parse(buf, false, &l));
	}
	char c[] = "a.json:b.json";
	assert_false(mc_login_parse(c, true, &l)); /* no keys */
}

/* Store -> home when home lacks it, with the store's time, 0600, parents
 * 0700; then back only what changed. */
static void test_in_and_out(void **state)
{
	(void)state;
	put(store, "codex-auth.json", "{\"token\":\"s\"}", 1000000);
	struct mc_logins l = logins(false);
	mc_logins_in(&l, collect, NULL);
	struct stat st;
	assert_string_equal(get(home, ".codex/auth.json", &st), "{\"token\":\"s\"}");
	assert_int_equal(st.st_mtime, 1000000);
	assert_int_equal(st.st_mode & 0777, 0600);
	char dir[400];
	snprintf(dir, sizeof(dir), "%s/.codex", home);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	/* Unchanged: the store is not written. */
	mc_logins_out(&l, collect, NULL);
	assert_non_null(get(store, "codex-auth.json", &st));
	assert_int_equal(st.st_mtime, 1000000);

	/* A refreshed token goes back. */
	put(home, ".codex/auth.json", "{\"token\":\"new\"}", 2000000);
	mc_logins_out(&l, collect, NULL);
	assert_string_equal(get(store, "codex-auth.json", &st), "{\"token\":\"new\"}");
	assert_int_equal(st.st_mtime, 2000000);

	/* An older store copy does not replace a newer home one... */
	put(store, "codex-auth.json", "{\"token\":\"older\"}", 1500000);
	mc_logins_in(&l, collect, NULL);
	assert_string_equal(get(home, ".codex/auth.json", NULL), "{\"token\":\"new\"}");
	/* ...a newer one does. */
	put(store, "codex-auth.json", "{\"token\":\"newest\"}", 3000000);
	mc_logins_in(&l, collect, NULL);
	assert_string_equal(get(home, ".codex/auth.json", NULL), "{\"token\":\"newest\"}");
	assert_string_equal(reported, "");
}

/* A link planted at a credential's place is never followed: not read out,
 * replaced (not written through) on the way in. */
static void test_links(void **state)
{
	(void)state;
	put(outside, "secret", "project secret", 0);
	char link[600], target[600];
	snprintf(target, sizeof(target), "%s/secret", outside);
	put(home, ".claude/x", "", 0);
	snprintf(link, sizeof(link), "%s/.claude/.credentials.json", home);
	assert_int_equal(symlink(target, link), 0);
	struct mc_logins l = logins(false);
	mc_logins_out(&l, collect, NULL);
	assert_null(get(store, "claude-credentials.json", NULL));
	assert_non_null(strstr(reported, ".claude/.credentials.json: it is a symbolic link"));

	put(store, "claude-credentials.json", "{\"real\":1}", 0);
	mc_logins_in(&l, collect, NULL);
	assert_string_equal(get(home, ".claude/.credentials.json", NULL), "{\"real\":1}");
	assert_string_equal(get(outside, "secret", NULL), "project secret");

	/* A link in a directory of the path: nothing written below it. */
	char codex[600];
	snprintf(codex, sizeof(codex), "%s/.codex", home);
	assert_int_equal(symlink(outside, codex), 0);
	put(store, "codex-auth.json", "{\"t\":1}", 0);
	reported[0] = '\0';
	mc_logins_in(&l, collect, NULL);
	assert_null(get(outside, "auth.json", NULL));
	assert_non_null(strstr(reported, "cannot write"));
	/* And a store entry that is a link is not read. */
	char slink[600];
	snprintf(slink, sizeof(slink), "%s/codex-auth.json", store);
	unlink(slink);
	assert_int_equal(symlink(target, slink), 0);
	unlink(codex);
	reported[0] = '\0';
	mc_logins_in(&l, collect, NULL);
	assert_null(get(home, ".codex/auth.json", NULL));
	assert_non_null(strstr(reported, "codex-auth.json: it is a symbolic link"));
}

/* A FIFO or a huge file is skipped at once. */
static void test_fifo_and_size(void **state)
{
	(void)state;
	char fifo[600];
	snprintf(fifo, sizeof(fifo), "%s/codex-auth.json", store);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	put(home, ".claude/.credentials.json", "", 0);
	char big[600];
	snprintf(big, sizeof(big), "%s/.claude/.credentials.json", home);
	assert_int_equal(truncate(big, MC_LOGIN_MAX + 1), 0);
	struct mc_logins l = logins(false);
	mc_logins_in(&l, collect, NULL);
	mc_logins_out(&l, collect, NULL);
	assert_non_null(strstr(reported, "codex-auth.json: it is not a regular file"));
	assert_non_null(strstr(reported, ".credentials.json: it is too large"));
	assert_null(get(store, "claude-credentials.json", NULL));
	assert_null(get(home, ".codex/auth.json", NULL));
}

/* Only the account's keys of ~/.claude.json travel: mcpServers (commands
 * Claude Code runs) stay in their project. */
static void test_claude_json(void **state)
{
	(void)state;
	put(home, ".claude.json",
	    "{\"oauthAccount\":{\"email\":\"a@b\"},\"userID\":\"u1\","
	    "\"mcpServers\":{\"evil\":{\"command\":\"sh\"}},\"projects\":{}}",
	    0);
	struct mc_logins l = logins(false);
	mc_logins_out(&l, collect, NULL);
	char *s = get(store, "claude-account.json", NULL);
	assert_non_null(s);
	assert_non_null(strstr(s, "a@b"));
	assert_non_null(strstr(s, "u1"));
	assert_null(strstr(s, "mcpServers"));
	assert_null(strstr(s, "projects"));

	/* Into another project's home: created when missing... */
	char other[400];
	snprintf(other, sizeof(other), "%s/other", root);
	assert_int_equal(mkdir(other, 0755), 0);
	struct mc_logins l2 = {other, store, NULL, items, 3};
	mc_logins_in(&l2, collect, NULL);
	s = get(other, ".claude.json", NULL);
	assert_non_null(s);
	assert_non_null(strstr(s, "a@b"));
	assert_null(strstr(s, "evil"));
	/* ...merged into one that exists, its own keys kept. */
	put(other, ".claude.json", "{\"theme\":\"dark\",\"userID\":\"old\"}", 0);
	mc_logins_in(&l2, collect, NULL);
	s = get(other, ".claude.json", NULL);
	assert_non_null(strstr(s, "dark"));
	assert_non_null(strstr(s, "u1"));
	assert_null(strstr(s, "old"));
	/* A file without the keys does not wipe the store. */
	put(other, ".claude.json", "{\"theme\":\"dark\"}", 0);
	mc_logins_out(&l2, collect, NULL);
	assert_non_null(strstr(get(store, "claude-account.json", NULL), "a@b"));
	/* Not JSON: skipped with a line. */
	put(other, ".claude.json", "{not json", 0);
	mc_logins_in(&l2, collect, NULL);
	assert_non_null(strstr(reported, "it is not valid JSON"));
	assert_string_equal(get(other, ".claude.json", NULL), "{not json");
}

/* The old shared home: its credential files (and the account's keys), never
 * its .bashrc; what the store has stays; the marker is left. */
static void test_migration(void **state)
{
	(void)state;
	put(old, ".codex/auth.json", "{\"old\":1}", 1000);
	put(old, ".claude/.credentials.json", "{\"old-claude\":1}", 1000);
	put(old, ".bashrc", "touch /tmp/pwned\n", 0);
	put(old, ".claude.json", "{\"oauthAccount\":{\"e\":1},\"mcpServers\":{}}", 0);
	put(store, "claude-credentials.json", "{\"kept\":1}", 5000);
	struct mc_logins l = logins(true);
	mc_logins_in(&l, collect, NULL);
	assert_string_equal(get(store, "codex-auth.json", NULL), "{\"old\":1}");
	assert_string_equal(get(store, "claude-credentials.json", NULL), "{\"kept\":1}");
	assert_null(strstr(get(store, "claude-account.json", NULL), "mcpServers"));
	assert_non_null(get(store, MC_LOGINS_MARKER, NULL));
	assert_null(get(store, ".bashrc", NULL));
	assert_null(get(home, ".bashrc", NULL));
	/* And into the home, as any start. */
	assert_string_equal(get(home, ".codex/auth.json", NULL), "{\"old\":1}");
	assert_string_equal(reported, "");
}

/* With the state of the start, a file the session did not touch is not
 * read again; one it changed still goes back. */
static void test_state(void **state)
{
	(void)state;
	put(store, "codex-auth.json", "{\"t\":1}", 1000);
	put(store, "claude-account.json", "{\"userID\":\"u\"}", 1000);
	struct mc_login_state st[3] = {0};
	struct mc_logins l = logins(false);
	l.state = st;
	mc_logins_in(&l, collect, NULL);
	assert_true(st[0].in_step);
	assert_false(st[1].in_step); /* the store has none */
	assert_true(st[2].in_step);
	/* Another project's session writes the store meanwhile: this one,
	 * untouched, does not go back over it. */
	put(store, "codex-auth.json", "{\"t\":2}", 900);
	mc_logins_out(&l, collect, NULL);
	assert_string_equal(get(store, "codex-auth.json", NULL), "{\"t\":2}");
	/* Changed in the session: back. */
	mc_logins_in(&l, collect, NULL);
	put(home, ".claude.json", "{\"userID\":\"v\",\"theme\":1}", 0);
	mc_logins_out(&l, collect, NULL);
	assert_non_null(strstr(get(store, "claude-account.json", NULL), "\"v\""));
	assert_string_equal(reported, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test_setup_teardown(test_in_and_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_links, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fifo_and_size, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_claude_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_migration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
