/* SSH for git inside containers. `sandcage setup ssh` keeps a key pair made
 * for containers alone and a known_hosts under GLOBAL/ssh; with ssh.enabled
 * that directory is mounted read-only at SC_SSH_DIR and GIT_SSH_COMMAND makes
 * git use exactly that key and those host keys. The host's ~/.ssh and its SSH
 * agent never reach a container. Everything here is pure. */
#pragma once

#include "../config/schema.h"
#include "../engine/engine.h"
#include "../util/vec.h"

#define SC_SSH_DIR              "/etc/sandcage/ssh" /* in the container */
#define SC_SSH_KEY_NAME         "id_ed25519"
#define SC_SSH_KNOWN_HOSTS_NAME "known_hosts"

/* What git runs for SSH in a container: the mounted key only, the pinned host
 * keys only (no trust on first use), no agent. */
#define SC_SSH_GIT_COMMAND                                                                         \
	"ssh -i " SC_SSH_DIR "/" SC_SSH_KEY_NAME " -o IdentitiesOnly=yes -o IdentityAgent=none "   \
	"-o UserKnownHostsFile=" SC_SSH_DIR "/" SC_SSH_KNOWN_HOSTS_NAME " "                        \
	"-o StrictHostKeyChecking=yes -o UpdateHostKeys=no"

/* GLOBAL/ssh on the host. */
char *sc_ssh_host_dir(const char *global_dir);

/* When cfg->ssh.enabled: mounts GLOBAL/ssh read-only at SC_SSH_DIR and sets
 * GIT_SSH_COMMAND (unless the configuration's `env` sets it). */
void sc_ssh_mounts(const struct sc_config *cfg, const char *global_dir,
                   struct sc_container_spec *spec);

/* The forges' published host keys ("HOST TYPE BASE64"), pinned here: GitHub,
 * GitLab, Bitbucket, Codeberg. NULL-terminated. */
extern const char *const sc_ssh_pinned_hosts[];

/* One host key as `--add-host` takes it: "HOST[,HOST...] TYPE BASE64". */
struct sc_ssh_host_key {
	char *hosts;
	char *type;
	char *key;
};
void sc_ssh_host_key_release(struct sc_ssh_host_key *k);
/* Checks a line: host names, IP addresses or [HOST]:PORT (no wildcards,
 * negations or hashed names), a key type OpenSSH accepts for host keys, and
 * base64 that decodes to a key of that type. */
int sc_ssh_parse_host_key(const char *line, struct sc_ssh_host_key *out, struct sc_error **err);

/* "SHA256:..." as `ssh-keygen -l` prints it; NULL when `base64` is not a key. */
char *sc_ssh_fingerprint(const char *base64);

/* The known_hosts text: a header, the pinned keys, then `user` (lines added
 * with --add-host, NULL-terminated, may be NULL) after the marker line. */
char *sc_ssh_known_hosts_render(char *const *user);
/* The lines of an existing known_hosts that the user added: those after the
 * marker line, or, in a file without it, every key line that is not pinned. */
void sc_ssh_known_hosts_user_lines(const char *text, struct strv *out);
