/* Unit tests for src/plan/ssh: the pinned host keys against the fingerprints
 * the forges publish, the checks of host keys a user adds, the known_hosts
 * text, and what the container spec gets with ssh.enabled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support.h"

#include "config/config.h"
#include "plan/container.h"
#include "plan/ssh.h"
#include "util/fs.h"
#include "util/path.h"

/* As published (SHA256, base64 without padding) on:
 *   https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/
 *     githubs-ssh-key-fingerprints
 *   https://docs.gitlab.com/user/gitlab_com/#ssh-host-keys-fingerprints
 *   https://support.atlassian.com/bitbucket-cloud/docs/configure-ssh-and-two-step-verification/
 *   https://docs.codeberg.org/security/ssh-fingerprint/ */
static const char *const published[][3] = {
    {"github.com", "ssh-ed25519", "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"},
    {"github.com", "ecdsa-sha2-nistp256", "SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM"},
    {"github.com", "ssh-rsa", "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"},
    {"gitlab.com", "ssh-ed25519", "SHA256:eUXGGm1YGsMAS7vkcx6JOJdOGHPem5gQp4taiCfCLB8"},
    {"gitlab.com", "ecdsa-sha2-nistp256", "SHA256:HbW3g8zUjNSksFbqTiUWPWg2Bq1x8xdGUrliXFzSnUw"},
    {"gitlab.com", "ssh-rsa", "SHA256:ROQFvPThGrW4RuWLoL9tq9I9zJ42fK4XywyRtbOz/EQ"},
    {"bitbucket.org", "ssh-ed25519", "SHA256:ybgmFkzwOSotHTHLJgHO0QN8L0xErw6vd0VhFA9m3SM"},
    {"bitbucket.org", "ecdsa-sha2-nistp256", "SHA256:FC73VB6C4OQLSCrjEayhMp9UMxS97caD/Yyi2bhW/J0"},
    {"bitbucket.org", "ssh-rsa", "SHA256:46OSHA1Rmj8E8ERTC6xkNcmGOw9oFxYr0WF6zWW8l1E"},
    {"codeberg.org", "ssh-ed25519", "SHA256:mIlxA9k46MmM6qdJOdMnAQpzGxF4WIVVL+fj+wZbw0g"},
    {"codeberg.org", "ecdsa-sha2-nistp256", "SHA256:T9FYDEHELhVkulEKKwge5aVhVTbqCW0MIRwAfpARs/E"},
    {"codeberg.org", "ssh-rsa", "SHA256:6QQmYi4ppFS4/+zSZ5S4IU+4sa6rwvQ4PbhCtPEBekQ"},
};

#define ED25519_KEY "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

static void test_pinned_fingerprints(void **state)
{
	size_t n = 0;
	for (const char *const *p = sc_ssh_pinned_hosts; *p; p++, n++) {
		struct sc_ssh_host_key k = {0};
		_cleanup_error_ struct sc_error *err = NULL;
		if (sc_ssh_parse_host_key(*p, &k, &err) < 0)
			fail_msg("pinned line %zu: %s", n, err->msg);
		_cleanup_free_ char *fp = sc_ssh_fingerprint(k.key);
		bool match = false;
		for (size_t i = 0; i < N_ELEMENTS(published); i++)
			match =
			    match || (streq(published[i][0], k.hosts) &&
			              streq(published[i][1], k.type) && streq(published[i][2], fp));
		if (!match)
			fail_msg("%s %s: fingerprint %s is not the published one", k.hosts, k.type,
			         fp);
		sc_ssh_host_key_release(&k);
	}
	assert_int_equal(n, N_ELEMENTS(published));
}

static void expect_rejected(const char *line, const char *part)
{
	struct sc_ssh_host_key k = {0};
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_ssh_parse_host_key(line, &k, &err) == 0)
		fail_msg("accepted `%s`", line);
	if (!strstr(err->msg, part))
		fail_msg("`%s`: message `%s` lacks `%s`", line, err->msg, part);
	assert_null(k.hosts);
}

static void test_parse_host_key(void **state)
{
	struct sc_ssh_host_key k = {0};
	_cleanup_error_ struct sc_error *err = NULL;
	assert_int_equal(
	    sc_ssh_parse_host_key("  git.example.com,192.0.2.7\tssh-ed25519 " ED25519_KEY "\n", &k,
	                          &err),
	    0);
	assert_string_equal(k.hosts, "git.example.com,192.0.2.7");
	assert_string_equal(k.type, "ssh-ed25519");
	assert_string_equal(k.key, ED25519_KEY);
	sc_ssh_host_key_release(&k);
	assert_int_equal(
	    sc_ssh_parse_host_key("[git.example.com]:2222 ssh-ed25519 " ED25519_KEY, &k, &err), 0);
	sc_ssh_host_key_release(&k);

	expect_rejected("git.example.com ssh-ed25519", "three fields");
	expect_rejected("git.example.com ssh-ed25519 " ED25519_KEY " comment", "three fields");
	expect_rejected("*.example.com ssh-ed25519 " ED25519_KEY, "patterns");
	expect_rejected("@cert-authority ssh-ed25519 " ED25519_KEY, "markers");
	expect_rejected("|1|abc=|def= ssh-ed25519 " ED25519_KEY, "hashed");
	expect_rejected("git.example.com ssh-dss " ED25519_KEY, "unknown host key type");
	expect_rejected("git.example.com ssh-ed25519 not*base64", "not base64");
	expect_rejected("git.example.com ssh-rsa " ED25519_KEY, "not a ssh-rsa key");
	expect_rejected("[git.example.com]:99999 ssh-ed25519 " ED25519_KEY, "invalid host");
	expect_rejected("git.example.com,,x ssh-ed25519 " ED25519_KEY, "invalid host");
	expect_rejected("git;rm ssh-ed25519 " ED25519_KEY, "invalid host");
}

static void test_known_hosts_text(void **state)
{
	char *user[] = {"git.example.com ssh-ed25519 " ED25519_KEY, NULL};
	_cleanup_free_ char *text = sc_ssh_known_hosts_render(user);
	for (const char *const *p = sc_ssh_pinned_hosts; *p; p++)
		assert_non_null(strstr(text, *p));
	struct strv got = STRV_INIT;
	sc_ssh_known_hosts_user_lines(text, &got);
	assert_int_equal(got.len, 1);
	assert_string_equal(got.v[0], user[0]);
	strv_release(&got);

	/* A file without the marker (written by hand): its own keys stay, the
	 * pinned ones and comments do not come twice. */
	_cleanup_free_ char *hand = xasprintf("# mine\n%s\nother.example ssh-ed25519 %s\n\n",
	                                      sc_ssh_pinned_hosts[0], ED25519_KEY);
	sc_ssh_known_hosts_user_lines(hand, &got);
	assert_int_equal(got.len, 1);
	assert_string_equal(got.v[0], "other.example ssh-ed25519 " ED25519_KEY);
	strv_release(&got);
}

static const char *env_of(const struct sc_container_spec *spec, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < spec->env.len; i++)
		if (strncmp(spec->env.v[i], name, n) == 0 && spec->env.v[i][n] == '=')
			return spec->env.v[i] + n + 1;
	return NULL;
}

static void test_mounts(void **state)
{
	_cleanup_config_ struct sc_config *off = unit_load_project_yaml("{}\n");
	struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	sc_ssh_mounts(off, "/g", &spec);
	assert_int_equal(spec.mounts.len, 0);
	assert_null(env_of(&spec, "GIT_SSH_COMMAND"));
	sc_container_spec_release(&spec);

	_cleanup_config_ struct sc_config *on = unit_load_project_yaml("ssh: {enabled: true}\n");
	sc_container_spec_init(&spec);
	sc_ssh_mounts(on, "/g", &spec);
	const struct sc_spec_mount *m = unit_mount_at(&spec, SC_SSH_DIR);
	assert_non_null(m);
	if (!m)
		return;
	assert_string_equal(m->source, "/g/ssh");
	assert_true(m->readonly);
	assert_false(m->volume);
	assert_string_equal(env_of(&spec, "GIT_SSH_COMMAND"), SC_SSH_GIT_COMMAND);
	assert_non_null(strstr(SC_SSH_GIT_COMMAND, "StrictHostKeyChecking=yes"));
	assert_non_null(strstr(SC_SSH_GIT_COMMAND, "IdentityAgent=none"));
	sc_container_spec_release(&spec);

	/* The configuration's own GIT_SSH_COMMAND wins. */
	_cleanup_config_ struct sc_config *own =
	    unit_load_project_yaml("ssh: {enabled: true}\nenv: {GIT_SSH_COMMAND: ssh -v}\n");
	sc_container_spec_init(&spec);
	strv_push(&spec.env, "GIT_SSH_COMMAND=ssh -v");
	sc_ssh_mounts(own, "/g", &spec);
	assert_string_equal(env_of(&spec, "GIT_SSH_COMMAND"), "ssh -v");
	sc_container_spec_release(&spec);
}

/* Through the whole container plan: the mount is there with ssh.enabled,
 * from $SANDCAGE_HOME, and the host's agent socket never is. */
static void test_container_plan(void **state)
{
	_cleanup_config_ struct sc_config *cfg =
	    unit_load_project_yaml("ssh: {enabled: true}\nenv_passthrough: [HOME]\n");
	char *const host_env[] = {"SSH_AUTH_SOCK=/tmp/ssh-agent.sock", "HOME=/home/me", NULL};
	struct sc_workspace ws = {.root = "/work/p", .name = "p"};
	struct sc_container_input in = {
	    .cfg = cfg,
	    .ws = &ws,
	    .image = "img",
	    .host_env = host_env,
	    .uid = 1000,
	    .gid = 1000,
	    .suffix = "abcdef",
	    /* The plan is pure: the global directory comes in as an argument. */
	    .global_dir = "/srv/sandcage-home",
	};
	struct sc_container_spec spec;
	sc_container_spec_init(&spec);
	sc_container_plan(&in, &spec);
	const struct sc_spec_mount *m = unit_mount_at(&spec, SC_SSH_DIR);
	assert_non_null(m);
	if (!m)
		return;
	assert_string_equal(m->source, "/srv/sandcage-home/ssh");
	assert_true(m->readonly);
	assert_null(env_of(&spec, "SSH_AUTH_SOCK"));
	for (size_t i = 0; i < spec.mounts.len; i++) {
		const struct sc_spec_mount *x = spec.mounts.items[i];
		assert_null(strstr(x->source, ".ssh"));
		assert_null(strstr(x->source, "agent"));
	}
	sc_container_spec_release(&spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pinned_fingerprints), cmocka_unit_test(test_parse_host_key),
	    cmocka_unit_test(test_known_hosts_text),    cmocka_unit_test(test_mounts),
	    cmocka_unit_test(test_container_plan),
	};
	return cmocka_run_group_tests_name("ssh", tests, NULL, NULL);
}
