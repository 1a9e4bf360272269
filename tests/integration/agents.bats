#!/usr/bin/env bats
# Running agents: the built image, the persistent home, the environment, the
# hardening, several sessions side by side. Real daemon, real npm packages.

load helpers

setup() {
	require_docker "$BASE_IMAGE"
	use_test_home
	WORK=$(mktemp -d)
	REPO=$WORK/repo
	make_repo "$REPO"
	cd "$REPO"
}

teardown() {
	if [ -n "${REPO:-}" ]; then
		ids=$(containers_of "$REPO")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	fi
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

@test "each agent runs with the arguments after --, and its exit code is sandcage's" {
	run "$SANDCAGE" -q claude -- --version
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"(Claude Code)"* ]]
	run "$SANDCAGE" -q codex -- --version
	[ "$status" -eq 0 ]
	[[ "$output" == codex-cli\ * ]]
	run "$SANDCAGE" -q gemini -- --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]+\.[0-9]+ ]]
	run "$SANDCAGE" -q codex -- --no-such-option
	[ "$status" -ne 0 ]
}

@test "a custom harness from the configuration is a command" {
	cat >.sandcage.yml <<'YAML'
services:
  hello:
    command: [sh, -c, 'echo "hello $*"; exit 4', hello]
    args: [configured]
YAML
	"$SANDCAGE" -q trust --yes >/dev/null
	run "$SANDCAGE" -q hello -- from-cli
	[ "$status" -eq 4 ]
	[ "$output" = "hello configured from-cli" ]
}

@test "--shell gives a shell in the agent's environment" {
	run bash -c "echo 'echo \"key=\$ANTHROPIC_API_KEY openai=\${OPENAI_API_KEY-unset}\"; command -v claude' | ANTHROPIC_API_KEY=k1 OPENAI_API_KEY=o1 '$SANDCAGE' -q claude --shell"
	echo "$output"
	[ "$status" -eq 0 ]
	# The key stays with the credential proxy: a placeholder here.
	[ "${lines[0]}" = "key=sandcage-placeholder-ANTHROPIC_API_KEY openai=unset" ]
	[ "${lines[1]}" = /opt/sandcage/agents/claude/bin/claude ]
}

@test "only configured host variables reach the container" {
	printf 'env_passthrough: [SC_TEST_PASSED]\nenv:\n  SC_TEST_SET: fixed\n' >.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null
	run env SC_TEST_PASSED=yes SC_TEST_SECRET=no SSH_AUTH_SOCK=/tmp/agent.sock \
		"$SANDCAGE" -q shell -- sh -c 'echo "p=${SC_TEST_PASSED-} s=${SC_TEST_SECRET-unset} f=$SC_TEST_SET a=${SSH_AUTH_SOCK-unset}"; env | cut -d= -f1 | sort | tr "\n" " "'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "p=yes s=unset f=fixed a=unset" ]
	# Nothing else of the host: no USER, no PATH from the host, no SHELL.
	[[ " ${lines[1]}" != *" USER "* ]]
	[[ " ${lines[1]}" != *" SHELL "* ]]
}

@test "no docker socket, no host ssh, no host home inside" {
	[ -S /var/run/docker.sock ] # the host has one
	run "$SANDCAGE" -q shell -- sh -c 'for f in /var/run/docker.sock /run/docker.sock /root/.ssh "$0/.ssh"; do [ -e "$f" ] && echo "present: $f"; done; echo checked' "$HOME"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = checked ]
}

@test "docker inspect shows the hardening" {
	"$SANDCAGE" -q shell -- sleep 60 </dev/null &
	pid=$!
	wait_running "$REPO" 60
	id=$(docker ps -q --filter "label=io.sandcage.project=$REPO")
	run docker inspect --format '{{json .HostConfig.CapDrop}} {{json .HostConfig.SecurityOpt}} {{.HostConfig.PidsLimit}} {{.HostConfig.Memory}} {{.HostConfig.Privileged}} {{.HostConfig.NetworkMode}} {{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{.HostConfig.UsernsMode}}' "$id"
	echo "$output"
	kill -TERM "$pid"
	wait "$pid" || true
	[[ "$output" == '["ALL"] ["no-new-privileges"] 1024 8589934592 false default  private  '* ]]
	run docker inspect --format '{{range .Mounts}}{{.Source}} {{end}}' "$id"
	[[ "$output" != *docker.sock* ]]
}

@test "the home volume keeps files between sessions and belongs to the user" {
	# home.scope: project (the default): the project's own volume.
	local vol
	vol=$(project_home_volume "$REPO")
	run "$SANDCAGE" -q shell -- sh -c 'echo kept > ~/.sandcage-test-marker; mkdir -p ~/.claude; stat -c "%u:%g" ~'
	[ "$status" -eq 0 ]
	[ "$output" = "$(id -u):$(id -g)" ]
	run "$SANDCAGE" -q shell -- cat /home/sandcage/.sandcage-test-marker
	[ "$output" = kept ]
	run docker volume inspect "$vol"
	docker volume rm "$vol" >/dev/null
	[ "$status" -eq 0 ]
}

@test "sessions run side by side with their own names; ps lists them, stop ends them" {
	"$SANDCAGE" -q shell -- sleep 100 </dev/null &
	a=$!
	"$SANDCAGE" -q shell -- sleep 100 </dev/null &
	b=$!
	for i in $(seq 1 100); do
		[ "$(docker ps -q --filter "label=io.sandcage.project=$REPO" | wc -l)" -ge 2 ] && break
		sleep 0.2
	done
	run "$SANDCAGE" ps -p "$REPO"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[1]}" == sandcage-repo-shell-* ]]
	[[ "${lines[2]}" == sandcage-repo-shell-* ]]
	[ "${lines[1]%% *}" != "${lines[2]%% *}" ]
	run "$SANDCAGE" ps --json -p "$REPO"
	[[ "$output" == *"\"project\": \"$REPO\""* ]]
	run "$SANDCAGE" stop -p "$REPO"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	wait "$a" || true
	wait "$b" || true
	wait_no_containers "$REPO" 10
	run "$SANDCAGE" stop sandcage-not-a-container
	[ "$status" -eq 1 ]
}

@test "SIGHUP ends the session and leaves no container" {
	"$SANDCAGE" -q shell -- sleep 100 </dev/null &
	pid=$!
	wait_running "$REPO" 60
	kill -HUP "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 129 ]
	[ -z "$(containers_of "$REPO")" ]
}

@test "a bad configuration never starts a container" {
	printf 'toolchain:\n  node: "20"\n' >.sandcage.yml
	run "$SANDCAGE" shell -- true
	[ "$status" -eq 1 ]
	[[ "$output" == *".sandcage.yml:1:1"* ]]
	[[ "$output" == *"did you mean \`toolchains\`"* ]]
	[ -z "$(containers_of "$REPO")" ]
}
