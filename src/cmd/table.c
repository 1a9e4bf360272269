/* The command table: every command's name, summary, usage and help, and
 * the entry points and options of its file (commands.h). The order of
 * `sandcage --help` is src/commands.def's (cmd.c). */
#include "../plan/ssh.h"
#include "commands.h"

const struct sc_command *const sc_commands[] = {
#define SC_AGENT(name)   &sc_cmd_##name,
#define SC_COMMAND(name) &sc_cmd_##name,
#define SC_RESERVED(name)
#include "../commands.def"
#undef SC_AGENT
#undef SC_COMMAND
#undef SC_RESERVED
    NULL,
};

const struct sc_command sc_cmd_agent = {
    .name = "AGENT",
    .summary = "Run an agent (claude, codex, gemini, or a service from the configuration).",
    .usage = "sandcage AGENT [-p PATH] [--shell] [--image IMAGE] [-- ARGS...]",
    .options = sc_agent_options,
    .help = "Arguments after `--` go to the agent.\n",
    .opts_size = sizeof(struct run_options),
    .operands = true,
    .run = sc_cmd_run_agent,
    .hidden = true,
};

#define AGENT_HELP                                                                                 \
	"Arguments after `--` go to the agent. Any service in the configuration is a\n"            \
	"command too (`sandcage NAME`).\n"

const struct sc_command sc_cmd_claude = {
    .name = "claude",
    .summary = "Run Claude Code in a sandbox.",
    .usage = "sandcage claude [-p PATH] [--shell] [-- ARGS...]",
    .options = sc_agent_options,
    .help = AGENT_HELP,
    .opts_size = sizeof(struct run_options),
    .operands = true,
    .run = sc_cmd_run_agent,
};

const struct sc_command sc_cmd_codex = {
    .name = "codex",
    .summary = "Run Codex in a sandbox.",
    .usage = "sandcage codex [-p PATH] [--shell] [-- ARGS...]",
    .options = sc_agent_options,
    .help = AGENT_HELP,
    .opts_size = sizeof(struct run_options),
    .operands = true,
    .run = sc_cmd_run_agent,
};

const struct sc_command sc_cmd_gemini = {
    .name = "gemini",
    .summary = "Run Gemini CLI in a sandbox.",
    .usage = "sandcage gemini [-p PATH] [--shell] [-- ARGS...]",
    .options = sc_agent_options,
    .help = AGENT_HELP,
    .opts_size = sizeof(struct run_options),
    .operands = true,
    .run = sc_cmd_run_agent,
};

const struct sc_command sc_cmd_shell = {
    .name = "shell",
    .summary = "Open a shell (or run a command) in a sandbox with the project mounted.",
    .usage = "sandcage shell [-p PATH] [--image IMAGE] [-- CMD [ARGS...]]",
    .options = sc_shell_options,
    .help = "The project is mounted read-write at its own absolute path and is the working\n"
            "directory; the command runs as your user ID and group ID. With `-- CMD` the\n"
            "command runs instead of a login shell, and its exit code is sandcage's.\n",
    .opts_size = sizeof(struct run_options),
    .operands = true,
    .run = sc_shell_run,
};

const struct sc_command sc_cmd_build = {
    .name = "build",
    .summary = "Build (or rebuild) the image agents run in.",
    .usage = "sandcage build [-p PATH] [--force] [--no-cache] [--print]",
    .options = sc_build_options,
    .help = "The image is tagged sandcage:HASH, where HASH covers everything that goes into\n"
            "it; when an image with that tag exists nothing is built. It prints the tag.\n",
    .opts_size = sizeof(struct build_options),
    .run = sc_build_run,
};

const struct sc_command sc_cmd_config = {
    .name = "config",
    .summary = "Show the effective configuration and where each value comes from.",
    .usage = "sandcage config [-p PATH] [--json] [--path]",
    .options = sc_config_options,
    .help = "Layers, lowest first: built-in defaults, global $SANDCAGE_HOME/config.toml\n"
            "(default ~/.sandcage/config.toml), project .sandcage.yml, local\n"
            ".sandcage.local.yml (both in the project root), command-line flags.\n"
            "See docs/configuration.md for every key and the merge rules.\n",
    .opts_size = sizeof(struct config_options),
    .run = sc_config_run,
};

const struct sc_command sc_cmd_init = {
    .name = "init",
    .summary = "Write a .sandcage.yml with the toolchains and packages the project needs.",
    .usage = "sandcage init [-p PATH] [--force] [--print|--dry-run] [--gitignore|--no-gitignore]",
    .options = sc_init_options,
    .help = "It looks at the project's files, also in subdirectories of a monorepo (up to 3\n"
            "levels; not node_modules, target, vendor, dist, build or hidden directories):\n"
            "Cargo.toml and rust-toolchain(.toml) for Rust; package.json, .nvmrc, .node-version\n"
            "and lock files for Node; pyproject.toml, requirements*.txt, .python-version and\n"
            "uv.lock for Python; go.mod for Go. It suggests the toolchain versions the project\n"
            "pins and the Debian packages those ecosystems usually need, each with a comment\n"
            "that says why. An existing file is never replaced without --force. On a terminal\n"
            "it offers to add .sandcage.local.yml (your own settings) to .gitignore.\n",
    .opts_size = sizeof(struct init_options),
    .opts_defaults = &sc_init_defaults,
    .run = sc_init_run,
};

const struct sc_command sc_cmd_setup = {
    .name = "setup",
    .summary = "Set up SSH for git in containers with a key made for them.",
    .usage = "sandcage setup ssh [--status] [--rotate] [--add-host \"HOST KEYTYPE KEY\"]...",
    .options = sc_setup_options,
    .help = "It makes an ed25519 key pair for containers alone in $SANDCAGE_HOME/ssh (never\n"
            "your own keys, never your SSH agent), writes a known_hosts there with the host\n"
            "keys GitHub, GitLab, Bitbucket and Codeberg publish (pinned in sandcage: no trust\n"
            "on first use), and sets ssh.enabled = true in the global config.toml. Containers\n"
            "then get that directory read-only at " SC_SSH_DIR " and git uses it. Running it\n"
            "again keeps a working key; it prints the public key to add as a deploy key.\n",
    .opts_size = sizeof(struct setup_args),
    .run = sc_setup_run,
    .dispatch = sc_setup_dispatch,
};

const struct sc_command sc_cmd_acp = {
    .name = "acp",
    .summary = "Run ACP agents for editors; list and install agents from the ACP registry.",
    .usage = "sandcage acp run [-p PATH] [--trace FILE] AGENT [-- ARGS...]\n"
             "       sandcage acp list [--json] [--refresh]\n"
             "       sandcage acp install [-p PATH] [--kind KIND] [--force] ID...\n"
             "       sandcage acp installed [--json]\n"
             "       sandcage acp uninstall [-p PATH] ID...",
    .preamble =
        "subcommands:\n"
        "  run AGENT            start AGENT in a sandbox and relay the Agent Client Protocol\n"
        "                       between it and this process's stdin/stdout (what an editor\n"
        "                       runs); AGENT is an installed registry agent, `claude`,\n"
        "                       `codex` or `gemini` (their ACP adapters, once installed), or\n"
        "                       a service of the configuration whose command speaks ACP\n"
        "  list                 the agents of the ACP registry (acp.registry_url)\n"
        "  install ID...        install agents into the persistent home volume; again to\n"
        "                       upgrade to the registry's version\n"
        "  installed            the installed agents, with versions and volumes\n"
        "  uninstall ID...      remove installed agents\n",
    .options = sc_acp_options,
    .help = "stdout carries only the agent's protocol messages; sandcage's messages and the\n"
            "agent's stderr go to stderr. See docs/acp.md.\n",
    .dispatch = sc_acp_dispatch,
};

const struct sc_command sc_cmd_ps = {
    .name = "ps",
    .summary = "List the sandcage containers that are running.",
    .usage = "sandcage ps [-p PATH] [--json]",
    .options = sc_ps_options,
    .opts_size = sizeof(struct ps_options),
    .run = sc_ps_run,
};

const struct sc_command sc_cmd_stop = {
    .name = "stop",
    .summary = "Stop and remove sandcage containers.",
    .usage = "sandcage stop NAME... | --all | -p PATH",
    .options = sc_stop_options,
    .help = "Only containers sandcage started are touched. Prints the names it stopped.\n",
    .operands = true,
    .opts_size = sizeof(struct ps_options),
    .run = sc_stop_run,
};

const struct sc_command sc_cmd_logs = {
    .name = "logs",
    .summary = "Show what the network proxy let through and refused (network.mode: allowlist).",
    .usage = "sandcage logs [-p PATH] [--denied]",
    .options = sc_logs_options,
    .help = "One line per connection: the time (UTC), `allowed`, `denied` (by the allowlist)\n"
            "or `failed` (allowed, but the server could not be reached), and the target.\n"
            "The log of a proxy is kept when the last session of the project ends.\n",
    .opts_size = sizeof(struct logs_options),
    .run = sc_logs_run,
};

const struct sc_command sc_cmd_trust = {
    .name = "trust",
    .summary = "Approve what the project's configuration files grant.",
    .usage = "sandcage trust [-p PATH] [--yes | --list | --revoke]",
    .options = sc_trust_options,
    .help = "Settings in .sandcage.yml and .sandcage.local.yml that widen what a container\n"
            "may reach (mounts, host variables, network, SSH, more resources, a custom\n"
            "Dockerfile, harness commands) take effect only once you approved the file's\n"
            "exact content. This shows what each file grants (+ new, - no longer, compared\n"
            "with what you approved before), asks on a terminal, and records the approval\n"
            "(the file's SHA-256) in the global directory's trust.json. A file that grants\n"
            "nothing beyond the defaults needs no approval. See docs/security.md.\n",
    .opts_size = sizeof(struct trust_options),
    .run = sc_trust_run,
};

const struct sc_command sc_cmd_doctor = {
    .name = "doctor",
    .summary = "Check the host and probe a real sandbox for the promised isolation.",
    .usage = "sandcage doctor [-p PATH] [--image IMAGE] [--json]",
    .options = sc_doctor_options,
    .help = "Host checks: the engine answers; Docker (or podman) and runc carry the fixes for\n"
            "known container escapes; the configuration is valid and allowed; the project's\n"
            "files are trusted; the image is present. Then a container planned exactly as a\n"
            "session's runs probes: no engine socket, no SSH agent, empty capability sets,\n"
            "no-new-privileges, seccomp, a host file outside the project and the host's\n"
            "~/.ssh out of reach, protected paths read-only, secret files empty, mount and\n"
            "unshare refused, process and memory limits, the host user's UID. The exit code\n"
            "is 1 when any check fails (warnings do not). See docs/security.md.\n",
    .opts_size = sizeof(struct doctor_options),
    .run = sc_doctor_run,
};

const struct sc_command sc_cmd_help = {
    .name = "help",
    .summary = "Show help for sandcage or one command.",
    .usage = "sandcage help [COMMAND]",
    .operands = true,
    .run = sc_help_run,
};

const struct sc_command sc_cmd_version = {
    .name = "version",
    .summary = "Print the version.",
    .usage = "sandcage version",
    .run = sc_version_run,
};
