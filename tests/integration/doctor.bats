#!/usr/bin/env bats
# sandcage doctor against a real Docker daemon: the host checks, and the
# probes inside a real sandcage container, passing on a correct setup and
# failing, by name, on a container weakened on purpose.

load helpers

PROBES="runtime-socket ssh-agent capabilities no-new-privileges seccomp host-canary host-ssh
protected-paths masked-files mount unshare pids-limit memory-limit user"

setup() {
	tools_repo
	export SANDCAGE_HOME=$WORK/sandcage-home
	mkdir -p "$SANDCAGE_HOME"
	unset SANDCAGE_DEBUG_CAP_ADD SSH_AUTH_SOCK
	# Something for the protection probes to find.
	printf 'packages: [jq]\n' >"$REPO/.sandcage.yml"
	"$SANDCAGE" -q trust --yes -p "$REPO" >/dev/null # packages are a grant
	echo "K=secret" >"$REPO/.env"
}

teardown() {
	if [ -n "${REPO:-}" ]; then
		ids=$(containers_of "$REPO")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	fi
	[ -z "${HOME_VOLUME:-}" ] || docker volume rm -f "$HOME_VOLUME" \
		"$HOME_VOLUME-acp" "$(project_home_volume "$REPO" "$HOME_VOLUME")" >/dev/null 2>&1 || true
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

@test "doctor passes on a correct setup, every probe by name" {
	cd "$REPO"
	run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -eq 0 ]
	local p
	for p in engine engine-version configuration trust image $PROBES; do
		[[ "$output" == *"pass  $p "* ]] || { echo "no pass for $p"; return 1; }
	done
	# .sandcage.yml, and in .git config, config.worktree, hooks, modules and
	# worktrees (security.md, "Host git never runs what the agent wrote"),
	# branches and remotes where git's template made them.
	local n=6
	[ ! -d .git/branches ] || n=$((n + 1))
	[ ! -d .git/remotes ] || n=$((n + 1))
	[[ "$output" == *"protected-paths    $n paths are read-only"* ]]
	[[ "$output" == *"masked-files       1 secret files read as empty"* ]]
	[[ "$output" == *" 0 failed"* ]]
	# The canary is gone again, and no container is left.
	[ -z "$(ls "${TMPDIR:-/tmp}" | grep sandcage-doctor-canary || true)" ]
	[ -z "$(containers_of "$REPO")" ]
}

@test "doctor --json reports each check with its status and reason" {
	cd "$REPO"
	run "$SANDCAGE" doctor --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .failed <<<"$output")" = 0 ]
	[ "$(jq -r .project <<<"$output")" = "$REPO" ]
	[ "$(jq -r '[.checks[] | select(.group == "container")] | length' <<<"$output")" = 14 ]
	[ "$(jq -r '.checks[] | select(.name == "seccomp") | .status' <<<"$output")" = pass ]
	[ -n "$(jq -r '.checks[] | select(.name == "user") | .reason' <<<"$output")" ]
}

@test "doctor fails, naming the probe, when a capability is added on purpose" {
	cd "$REPO"
	SANDCAGE_DEBUG_CAP_ADD=NET_RAW run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"SANDCAGE_DEBUG_CAP_ADD is set"* ]]
	[[ "$output" == *"fail  capabilities       capability sets not empty:"*"CapBnd=0000000000002000"* ]]
	[[ "$output" == *"pass  seccomp"* ]]
	rc=0
	json=$(SANDCAGE_DEBUG_CAP_ADD=NET_RAW "$SANDCAGE" doctor --json 2>/dev/null) || rc=$?
	[ "$rc" -eq 1 ]
	[ "$(jq -r '.checks[] | select(.status == "fail") | .name' <<<"$json")" = capabilities ]
}

@test "doctor fails on an untrusted project file and runs no probe" {
	cd "$REPO"
	mkdir "$WORK/data"
	"$SANDCAGE" -q trust --revoke >/dev/null # setup trusted the file it wrote
	printf 'mounts:\n  - source: %s\n    target: /data\n' "$WORK/data" >.sandcage.yml
	run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"fail  trust              .sandcage.yml is not trusted"* ]]
	[[ "$output" == *"fail  probes"* ]]
	"$SANDCAGE" trust --yes >/dev/null
	run "$SANDCAGE" doctor
	[ "$status" -eq 0 ]
	[[ "$output" == *"pass  trust              .sandcage.yml is trusted"* ]]
}

@test "doctor fails on a refused configuration" {
	cd "$REPO"
	printf 'env:\n  LD_PRELOAD: /x.so\n' >.sandcage.yml
	run "$SANDCAGE" doctor
	[ "$status" -eq 1 ]
	[[ "$output" == *"fail  configuration"*".sandcage.yml:2:"*"LD_PRELOAD"* ]]
}

@test "doctor fails when the image is missing, and never builds it" {
	cd "$REPO"
	run "$SANDCAGE" doctor --image sandcage-test/does-not-exist:1
	[ "$status" -eq 1 ]
	[[ "$output" == *"fail  image              sandcage-test/does-not-exist:1 is missing"* ]]
	[[ "$output" != *"building image"* ]]
}

# A home volume of the test's own (removed by teardown), and none of the
# agents' variables from the environment.
own_home() {
	HOME_VOLUME=sandcage-test-doctor-$$-$BATS_TEST_NUMBER
	printf '[home]\nvolume = "%s"\n' "$HOME_VOLUME" >"$SANDCAGE_HOME/config.toml"
	unset ANTHROPIC_API_KEY ANTHROPIC_AUTH_TOKEN CLAUDE_CODE_OAUTH_TOKEN OPENAI_API_KEY \
		CODEX_API_KEY GEMINI_API_KEY GOOGLE_API_KEY
}

PLAIN='reaches the container as a plain variable (the agent, and anything it runs, can read it; `docker inspect` shows it)'

@test "doctor says an agent's API key stays on the host with the proxy, warns in env mode, never showing it" {
	own_home
	cd "$REPO"
	ANTHROPIC_API_KEY=sk-test-canary-123 run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"info  claude             ANTHROPIC_API_KEY stays on the host: the credential proxy puts it in requests to https://api.anthropic.com (the container gets a placeholder)"* ]]
	[[ "$output" != *"warn  claude"* ]]
	[[ "$output" != *"canary-123"* ]]
	# credentials.mode env: the key reaches the container, a warning.
	printf '[credentials]\nmode = "env"\n[home]\nvolume = "%s"\n' "$HOME_VOLUME" >"$SANDCAGE_HOME/config.toml"
	ANTHROPIC_API_KEY=sk-test-canary-123 run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -eq 0 ] # a warning, not a failure
	[[ "$output" == *"warn  claude             ANTHROPIC_API_KEY $PLAIN (credentials.mode: env)"* ]]
	[[ "$output" != *"canary-123"* ]]
	# Neither in JSON nor in the verbose log.
	json=$(ANTHROPIC_API_KEY=sk-test-canary-123 "$SANDCAGE" -v doctor --json 2>"$WORK/err")
	[[ "$json$(cat "$WORK/err")" != *"canary-123"* ]]
	[ "$(jq -r '.failed' <<<"$json")" = 0 ]
	[ "$(jq -r '.checks[] | select(.group == "credentials" and .name == "claude") | .status' <<<"$json")" = warn ]
	# A secret-looking variable of env_passthrough likewise; another not; an
	# agent's key there stays with the proxy.
	printf 'env_passthrough = ["GITHUB_TOKEN", "EDITOR", "OPENAI_API_KEY"]\n[home]\nvolume = "%s"\n' \
		"$HOME_VOLUME" >"$SANDCAGE_HOME/config.toml"
	GITHUB_TOKEN=ghp-canary-456 EDITOR=vi OPENAI_API_KEY=sk-canary-789 run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warn  env_passthrough    GITHUB_TOKEN $PLAIN"* ]]
	[[ "$output" != *"EDITOR"* ]]
	[[ "$output" != *"env_passthrough    OPENAI_API_KEY"* ]]
	[[ "$output" == *"info  codex              OPENAI_API_KEY stays on the host"* ]]
	[[ "$output" != *"canary-456"* ]]
	[[ "$output" != *"canary-789"* ]]
}

@test "doctor reports an agent logged in, with its credentials in the login store" {
	own_home
	cd "$REPO"
	"$SANDCAGE" -q shell -- sh -c 'mkdir -p ~/.codex && echo {} >~/.codex/auth.json' </dev/null
	run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"info  codex              logged in, credentials in the login store \`$SANDCAGE_HOME/logins\` (shared by every project; copied into each project's home): ~/.codex/auth.json"* ]]
	[[ "$output" == *"info  claude             no credential found"* ]]
	# ~/.claude.json is a login only with an oauthAccount, and its content
	# is never shown.
	"$SANDCAGE" -q shell -- sh -c 'echo "{\"numStartups\": 3}" >~/.claude.json' </dev/null
	run "$SANDCAGE" doctor
	[[ "$output" == *"info  claude             no credential found"* ]]
	"$SANDCAGE" -q shell -- sh -c \
		'echo "{\"oauthAccount\": {\"emailAddress\": \"me@example.invalid\"}}" >~/.claude.json' </dev/null
	run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"info  claude             logged in, credentials in the login store \`$SANDCAGE_HOME/logins\` (shared by every project; copied into each project's home): ~/.claude.json"* ]]
	[[ "$output" != *"example.invalid"* ]]
}

@test "doctor says when no agent has a credential" {
	own_home
	cd "$REPO"
	run "$SANDCAGE" doctor
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"credentials: where each agent's credential lives"* ]]
	[[ "$output" == *"info  claude             no credential found (set ANTHROPIC_API_KEY or log in with \`sandcage claude\`)"* ]]
	[[ "$output" == *"info  codex              no credential found (set OPENAI_API_KEY or log in with \`sandcage codex\`)"* ]]
	[[ "$output" == *"info  gemini             no credential found (set GEMINI_API_KEY or log in with \`sandcage gemini\`)"* ]]
	[[ "$output" != *"warn  claude"* ]]
}

# A probe that does not end: a `find` that sleeps, mounted over
# /usr/local/bin (first in the image's PATH), as a trusted project mount.
hang_probe() {
	mkdir -p "$WORK/slowbin" "$WORK/tmp"
	printf '#!/bin/sh\nexec sleep 300\n' >"$WORK/slowbin/find"
	chmod +x "$WORK/slowbin/find"
	printf 'mounts:\n  - source: %s\n    target: /usr/local/bin\n' "$WORK/slowbin" >"$REPO/.sandcage.yml"
	(cd "$REPO" && "$SANDCAGE" trust --yes >/dev/null)
}

@test "SIGKILL of doctor while its probe runs leaves no container" {
	hang_probe
	cd "$REPO"
	TMPDIR=$WORK/tmp "$SANDCAGE" -q doctor >/dev/null 2>&1 &
	pid=$!
	wait_running "$REPO"
	kill -KILL "$pid"
	wait "$pid" || true
	wait_no_containers "$REPO" 15
}

@test "SIGTERM of doctor removes the probe's container and the canary, and ends it" {
	hang_probe
	cd "$REPO"
	TMPDIR=$WORK/tmp "$SANDCAGE" -q doctor >/dev/null 2>&1 &
	pid=$!
	wait_running "$REPO"
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ]
	[ -z "$(containers_of "$REPO")" ]
	[ -z "$(ls "$WORK/tmp")" ]
}
