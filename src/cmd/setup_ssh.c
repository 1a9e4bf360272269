/* sandcage setup ssh: a key pair for containers alone, a known_hosts with the
 * forges' pinned host keys, and ssh.enabled in the global configuration. The
 * user's own keys and SSH agent are never used. */
#include "../config/config.h"
#include "../config/edit.h"
#include "../plan/ssh.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/path.h"
#include "../util/proc.h"
#include "../util/strbuf.h"
#include "cmd.h"
#include "commands.h"

#include <sys/stat.h>

struct ssh_files {
	char *global;      /* the global directory */
	char *config;      /* GLOBAL/config.toml */
	char *dir;         /* GLOBAL/ssh */
	char *key;         /* GLOBAL/ssh/id_ed25519 */
	char *pub;         /* GLOBAL/ssh/id_ed25519.pub */
	char *known_hosts; /* GLOBAL/ssh/known_hosts */
};

static void files_init(struct ssh_files *f)
{
	f->global = sc_config_global_dir();
	f->config = path_join(f->global, "config.toml");
	f->dir = sc_ssh_host_dir(f->global);
	f->key = path_join(f->dir, SC_SSH_KEY_NAME);
	f->pub = xasprintf("%s.pub", f->key);
	f->known_hosts = path_join(f->dir, SC_SSH_KNOWN_HOSTS_NAME);
}

static void files_release(struct ssh_files *f)
{
	free_many(f->global, f->config, f->dir, f->key, f->pub, f->known_hosts);
}

/* The second field of a public key line ("TYPE BASE64 COMMENT"). */
static char *pub_field(const char *line, unsigned index)
{
	_cleanup_free_ char *copy = xstrdup(line);
	char *save = NULL;
	unsigned i = 0;
	for (char *f = strtok_r(copy, " \t\r\n", &save); f; f = strtok_r(NULL, " \t\r\n", &save))
		if (i++ == index)
			return xstrdup(f);
	return NULL;
}

static char *pub_fingerprint(const char *line)
{
	_cleanup_free_ char *b64 = pub_field(line, 1);
	return b64 ? sc_ssh_fingerprint(b64) : NULL;
}

/* ---- the key pair ---- */

/* The public key of the private key at `key`, from ssh-keygen; <0 when the
 * file is not a usable key. `-P ""` so that a key with a passphrase fails
 * instead of prompting on the terminal. */
static int derive_public(const char *keygen, const char *key, char **out, struct sc_error **err)
{
	char *const argv[] = {(char *)keygen, "-y", "-P", "", "-f", (char *)key, NULL};
	_cleanup_free_ char *pub = NULL, *errout = NULL;
	int status = 0;
	if (proc_run_capture(argv, &pub, &errout, &status, err) < 0)
		return -1;
	if (status != 0) {
		size_t n = strlen(errout);
		while (n > 0 && (errout[n - 1] == '\n' || errout[n - 1] == '\r'))
			errout[--n] = '\0';
		return sc_error_setx(
		    err, 0,
		    "`%s` is not a usable key (ssh-keygen: %s); `sandcage setup ssh "
		    "--rotate` replaces it with a new one",
		    key, *errout ? errout : "failed");
	}
	*out = steal_pointer(&pub);
	return 0;
}

static char *comment_name(void)
{
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1) < 0 || !*host)
		snprintf(host, sizeof(host), "host");
	for (char *p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '-';
	return xasprintf("sandcage@%s", host);
}

/* A new pair, made in a directory of its own next to the old one and renamed
 * into place: a crash leaves either the old pair or the new key (whose
 * public half the next run derives again). */
static int generate(const char *keygen, const struct ssh_files *f, struct sc_error **err)
{
	_cleanup_free_ char *tmp = path_join(f->dir, ".new-XXXXXX");
	if (!mkdtemp(tmp))
		return sc_error_set(err, errno, "create a directory in `%s`", f->dir);
	_cleanup_free_ char *key = path_join(tmp, SC_SSH_KEY_NAME);
	_cleanup_free_ char *pub = xasprintf("%s.pub", key);
	_cleanup_free_ char *comment = comment_name();
	char *const argv[] = {(char *)keygen, "-q",    "-t", "ed25519", "-N", "",
	                      "-C",           comment, "-f", key,       NULL};
	_cleanup_free_ char *out = NULL, *errout = NULL;
	int status = 0;
	int r = proc_run_capture(argv, &out, &errout, &status, err);
	if (r == 0 && status != 0)
		r = sc_error_setx(err, 0, "ssh-keygen failed with exit code %d: %s", status,
		                  errout);
	if (r == 0 && (chmod(key, 0600) < 0 || chmod(pub, 0600) < 0))
		r = sc_error_set(err, errno, "chmod the new key in `%s`", tmp);
	if (r == 0 && rename(key, f->key) < 0)
		r = sc_error_set(err, errno, "move the new key to `%s`", f->key);
	if (r == 0 && rename(pub, f->pub) < 0)
		r = sc_error_set(err, errno, "move the new public key to `%s`", f->pub);
	fs_remove_tree(tmp, NULL);
	return r;
}

enum key_state {
	KEY_KEPT,
	KEY_CREATED,
	KEY_ROTATED,
};

static int ensure_key(const char *keygen, const struct ssh_files *f, bool rotate,
                      enum key_state *state, char **old_fp, struct sc_error **err)
{
	struct stat st;
	bool have = lstat(f->key, &st) == 0;
	if (have && !rotate) {
		if (!S_ISREG(st.st_mode))
			return sc_error_setx(err, 0, "`%s` is not a regular file; move it away",
			                     f->key);
		if ((st.st_mode & 077) != 0) {
			if (chmod(f->key, 0600) < 0)
				return sc_error_set(err, errno, "chmod 0600 `%s`", f->key);
			sc_log_warn("`%s` was readable by others; made it 0600", f->key);
		}
		_cleanup_free_ char *derived = NULL;
		if (derive_public(keygen, f->key, &derived, err) < 0)
			return -1;
		_cleanup_free_ char *stored = NULL;
		_cleanup_free_ char *want = pub_field(derived, 1);
		_cleanup_free_ char *got = NULL;
		if (fs_exists(f->pub) && fs_read_file(f->pub, &stored, NULL, NULL) == 0)
			got = pub_field(stored, 1);
		if (!got || !want || !streq(got, want)) {
			if (fs_write_atomic(f->pub, derived, strlen(derived), 0600, err) < 0)
				return -1;
			sc_log_notice("wrote `%s` again from the private key", f->pub);
		}
		*state = KEY_KEPT;
		return 0;
	}
	if (have) {
		_cleanup_free_ char *old = NULL;
		if (fs_read_file(f->pub, &old, NULL, NULL) == 0)
			*old_fp = pub_fingerprint(old);
	}
	if (generate(keygen, f, err) < 0)
		return -1;
	*state = have ? KEY_ROTATED : KEY_CREATED;
	return 0;
}

/* ---- known_hosts ---- */

static bool hosts_overlap(const char *a, const char *b)
{
	_cleanup_free_ char *ca = xstrdup(a);
	char *save = NULL;
	for (char *h = strtok_r(ca, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
		size_t n = strlen(h);
		for (const char *p = b;;) {
			size_t m = strcspn(p, ",");
			if (m == n && strncmp(p, h, n) == 0)
				return true;
			if (!p[m])
				break;
			p += m + 1;
		}
	}
	return false;
}

/* Adds a host key unless it is there; a different key of the same type for
 * the same host is refused: a changed host key is for a person to check. */
static int add_host(struct strv *user, const struct sc_ssh_host_key *k, const char *file,
                    bool *added, struct sc_error **err)
{
	*added = false;
	struct strv all = STRV_INIT;
	for (const char *const *p = sc_ssh_pinned_hosts; *p; p++)
		strv_push(&all, *p);
	for (size_t i = 0; i < user->len; i++)
		strv_push(&all, user->v[i]);
	int r = 0;
	for (size_t i = 0; i < all.len && r == 0; i++) {
		struct sc_ssh_host_key old = {0};
		if (sc_ssh_parse_host_key(all.v[i], &old, NULL) < 0)
			continue;
		if (streq(old.type, k->type) && hosts_overlap(old.hosts, k->hosts)) {
			if (!streq(old.key, k->key)) {
				_cleanup_free_ char *fp = sc_ssh_fingerprint(old.key);
				r = sc_error_setx(
				    err, 0,
				    "`%s` already has another %s key for `%s` (%s); a "
				    "changed host key needs checking: if the new one is "
				    "right, remove the old line from the file and add it "
				    "again",
				    file, k->type, old.hosts, fp ? fp : "?");
			} else if (streq(old.hosts, k->hosts)) {
				r = 1; /* already there */
			}
		}
		sc_ssh_host_key_release(&old);
	}
	strv_release(&all);
	if (r < 0)
		return -1;
	if (r == 0) {
		strv_pushf(user, "%s %s %s", k->hosts, k->type, k->key);
		*added = true;
	}
	return 0;
}

static int write_known_hosts(const struct ssh_files *f, const struct sc_ssh_host_key *add,
                             size_t n_add, struct sc_error **err)
{
	struct strv user = STRV_INIT;
	_cleanup_free_ char *old = NULL;
	if (fs_exists(f->known_hosts)) {
		if (fs_read_file(f->known_hosts, &old, NULL, err) < 0)
			return -1;
		sc_ssh_known_hosts_user_lines(old, &user);
	}
	int r = 0;
	for (size_t i = 0; i < n_add && r == 0; i++) {
		bool added = false;
		r = add_host(&user, &add[i], f->known_hosts, &added, err);
		if (r == 0) {
			_cleanup_free_ char *fp = sc_ssh_fingerprint(add[i].key);
			if (added)
				printf("added the %s host key of %s (%s): compare it with the "
				       "fingerprint "
				       "the server's administrator publishes\n",
				       add[i].type, add[i].hosts, fp);
			else
				printf("the %s host key of %s (%s) is there already\n", add[i].type,
				       add[i].hosts, fp);
		}
	}
	if (r == 0) {
		_cleanup_free_ char *text = sc_ssh_known_hosts_render(strv_array(&user));
		if (!old || !streq(old, text))
			r = fs_write_atomic(f->known_hosts, text, strlen(text), 0644, err);
	}
	strv_release(&user);
	return r;
}

/* ---- status ---- */

static int show_status(const struct ssh_files *f)
{
	bool ok = true;
	_cleanup_free_ char *pub = NULL;
	struct stat st;
	if (lstat(f->key, &st) == 0 && fs_exists(f->pub) &&
	    fs_read_file(f->pub, &pub, NULL, NULL) == 0) {
		_cleanup_free_ char *fp = pub_fingerprint(pub);
		_cleanup_free_ char *type = pub_field(pub, 0);
		printf("key:          %s (%s %s, mode %04o)\n", f->key, type ? type : "?",
		       fp ? fp : "unreadable", (unsigned)(st.st_mode & 07777));
		printf("public key:   %s", pub);
		if (!*pub || pub[strlen(pub) - 1] != '\n')
			putchar('\n');
	} else {
		ok = false;
		printf("key:          none (`sandcage setup ssh` makes one)\n");
	}

	_cleanup_free_ char *kh = NULL;
	if (fs_exists(f->known_hosts) && fs_read_file(f->known_hosts, &kh, NULL, NULL) == 0) {
		struct strv user = STRV_INIT;
		sc_ssh_known_hosts_user_lines(kh, &user);
		size_t pinned = 0;
		for (const char *const *p = sc_ssh_pinned_hosts; *p; p++)
			pinned += strstr(kh, *p) != NULL;
		printf("known_hosts:  %s: %zu pinned keys (github.com, gitlab.com, bitbucket.org, "
		       "codeberg.org), %zu added\n",
		       f->known_hosts, pinned, user.len);
		for (size_t i = 0; i < user.len; i++) {
			_cleanup_free_ char *host = pub_field(user.v[i], 0);
			_cleanup_free_ char *type = pub_field(user.v[i], 1);
			_cleanup_free_ char *b64 = pub_field(user.v[i], 2);
			_cleanup_free_ char *fp = b64 ? sc_ssh_fingerprint(b64) : NULL;
			printf("              %s %s %s\n", host ? host : "?", type ? type : "?",
			       fp ? fp : "(not a key)");
		}
		strv_release(&user);
	} else {
		ok = false;
		printf("known_hosts:  none\n");
	}

	/* The global layer alone: that is where setup keeps the setting. */
	struct sc_config_paths paths = {f->config, NULL, NULL};
	_cleanup_config_ struct sc_config *cfg = NULL;
	_cleanup_error_ struct sc_error *err = NULL;
	if (sc_config_load_paths(&paths, NULL, &cfg, &err) < 0) {
		ok = false;
		printf("ssh.enabled:  unknown: %s\n", err->msg);
	} else {
		_cleanup_free_ char *where = sc_pos_format(cfg->ssh.enabled.origin.pos);
		ok = ok && cfg->ssh.enabled.value;
		printf("ssh.enabled:  %s (%s)\n", cfg->ssh.enabled.value ? "true" : "false",
		       *where ? where : "default");
	}
	if (ok)
		printf("containers get %s read-only at %s, and GIT_SSH_COMMAND uses it\n", f->dir,
		       SC_SSH_DIR);
	else
		printf("not ready: `sandcage setup ssh` sets it up\n");
	printf("(a project's .sandcage.yml or .sandcage.local.yml may set ssh.enabled too; "
	       "`sandcage config` shows the value that counts there)\n");
	return ok ? SC_EXIT_OK : SC_EXIT_FAILURE;
}

/* ---- the command ---- */

static void print_instructions(const struct ssh_files *f, enum key_state state, const char *old_fp)
{
	_cleanup_free_ char *pub = NULL;
	if (fs_read_file(f->pub, &pub, NULL, NULL) < 0)
		return;
	size_t n = strlen(pub);
	while (n > 0 && (pub[n - 1] == '\n' || pub[n - 1] == '\r'))
		pub[--n] = '\0';
	_cleanup_free_ char *fp = pub_fingerprint(pub);
	switch (state) {
	case KEY_CREATED:
		printf("created an SSH key for sandcage containers: %s\n", f->key);
		break;
	case KEY_ROTATED:
		printf("made a new SSH key for sandcage containers: %s\n", f->key);
		if (old_fp)
			printf(
			    "the old key (%s) no longer reaches containers: delete it wherever you "
			    "added it\n",
			    old_fp);
		break;
	case KEY_KEPT:
		printf("the SSH key for sandcage containers is in place: %s\n", f->key);
		break;
	}
	printf("\n%s\n\n", pub);
	if (state == KEY_KEPT) {
		printf(
		    "(add it as a deploy key or an account key where containers may read or push, "
		    "if it is not there yet; `--rotate` makes a new one)\n");
		return;
	}
	printf("Add this public key (not your own) where containers may read or push:\n"
	       "  - as a deploy key of one repository, the narrowest choice: GitHub and Codeberg:\n"
	       "    repository settings > Deploy keys (allow write access to push); GitLab:\n"
	       "    Settings > Repository > Deploy keys; Bitbucket: Repository settings > Access "
	       "keys;\n"
	       "  - or as an SSH key of your account (or of a bot account) to reach all its\n"
	       "    repositories.\n"
	       "To revoke it, delete the key (%s) where you added it;\n"
	       "`sandcage setup ssh --rotate` makes a new one.\n",
	       fp ? fp : "see above");
}

static int run_setup(bool rotate, const struct sc_ssh_host_key *add, size_t n_add)
{
	_cleanup_error_ struct sc_error *err = NULL;
	struct ssh_files f;
	files_init(&f);
	_cleanup_free_ char *keygen = proc_find_program("ssh-keygen");
	enum key_state state = KEY_KEPT;
	_cleanup_free_ char *old_fp = NULL;
	bool changed = false;
	if (!keygen)
		sc_error_setx(&err, 0,
		              "ssh-keygen is not installed (Debian: apt-get install "
		              "openssh-client)");
	else if (fs_mkdir_p(f.dir, 0700, &err) == 0 && chmod(f.dir, 0700) < 0)
		sc_error_set(&err, errno, "chmod 0700 `%s`", f.dir);
	if (!err && ensure_key(keygen, &f, rotate, &state, &old_fp, &err) == 0)
		print_instructions(&f, state, old_fp);
	if (!err && write_known_hosts(&f, add, n_add, &err) == 0 &&
	    sc_config_enable_ssh(f.config, &changed, &err) == 0) {
		if (changed)
			printf(
			    "set ssh.enabled = true in %s: containers get the key and known_hosts "
			    "read-only at %s\n",
			    f.config, SC_SSH_DIR);
	}
	files_release(&f);
	return err ? sc_cmd_report(err) : SC_EXIT_OK;
}

#define MAX_ADD 32

const struct sc_option sc_setup_options[] = {
    SC_OPTION_FLAG("status", 0, struct setup_args, status,
                   "show the key, the known hosts and ssh.enabled; exit 0\n"
                   "when SSH is ready for containers, 1 when not"),
    SC_OPTION_FLAG("rotate", 0, struct setup_args, rotate, "replace the key with a new one"),
    SC_OPTION_LIST("add-host", 0, struct setup_args, hosts, "LINE",
                   "trust a host key: \"HOST KEYTYPE KEY\", a known_hosts line\n"
                   "(check it against what the server's administrator\n"
                   "publishes); may be repeated"),
    {0},
};

/* The --add-host lines into add[], *n_add of them: SC_EXIT_OK, or a usage
 * error. */
static int parse_hosts(const struct setup_args *a, struct sc_ssh_host_key add[MAX_ADD],
                       size_t *n_add)
{
	for (size_t i = 0; i < a->hosts.len; i++) {
		if (*n_add == MAX_ADD)
			return sc_cmd_usage_error(&sc_cmd_setup, "at most %d --add-host at once",
			                          MAX_ADD);
		_cleanup_error_ struct sc_error *err = NULL;
		if (sc_ssh_parse_host_key(a->hosts.v[i], &add[*n_add], &err) < 0)
			return sc_cmd_usage_error(&sc_cmd_setup, "--add-host: %s", err->msg);
		++*n_add;
	}
	if (a->status && (a->rotate || *n_add))
		return sc_cmd_usage_error(&sc_cmd_setup, "--status only shows; use it alone");
	return SC_EXIT_OK;
}

int sc_setup_run(const char *name, void *opts, const struct sc_cmd_operands *args)
{
	const struct setup_args *a = opts;
	struct sc_ssh_host_key add[MAX_ADD];
	size_t n_add = 0;
	int r = parse_hosts(a, add, &n_add);
	if (r == SC_EXIT_OK && a->status) {
		struct ssh_files f;
		files_init(&f);
		r = show_status(&f);
		files_release(&f);
	} else if (r == SC_EXIT_OK) {
		r = run_setup(a->rotate, add, n_add);
	}
	for (size_t i = 0; i < n_add; i++)
		sc_ssh_host_key_release(&add[i]);
	return r;
}

int sc_setup_dispatch(int argc, char **argv)
{
	if (argc < 2)
		return sc_cmd_usage_error(&sc_cmd_setup,
		                          "say what to set up: `sandcage setup ssh`");
	if (streq(argv[1], "-h") || streq(argv[1], "--help")) {
		sc_cmd_print_help(&sc_cmd_setup, stdout);
		return SC_EXIT_OK;
	}
	if (!streq(argv[1], "ssh"))
		return sc_cmd_usage_error(&sc_cmd_setup, "cannot set up `%s` (known: ssh)",
		                          argv[1]);
	return sc_cmd_call(&sc_cmd_setup, argc - 1, argv + 1);
}
