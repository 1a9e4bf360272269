#!/usr/bin/env bats
# sandcage acp: the official ACP SDK's example agent installed from a local
# registry fixture into the home volume, driven through `sandcage acp run`
# by a client written with the same SDK; the relay under load; the end of
# a session in every way an editor can end it; the registry commands
# against a fixture served on the loopback. Real daemon, real npm packages.

load helpers

ACP_DIR=$BATS_TEST_DIRNAME/acp

# The registry fixture: the SDK's example agent as an npx distribution, and
# a tiny binary agent (a shell script that echoes) as a tar.gz, once with
# its right sha256 and once with a wrong one.
write_registry() {
	local www=$1 port=$2 sum
	mkdir -p "$www/src/bin"
	printf '#!/bin/sh\necho "echo-agent started with: $* (ECHO_MODE=$ECHO_MODE)" >&2\nexec cat\n' >"$www/src/bin/echo-agent"
	chmod 755 "$www/src/bin/echo-agent"
	tar -C "$www/src" -czf "$www/echo-agent.tar.gz" bin
	sum=$(sha256sum "$www/echo-agent.tar.gz" | cut -d' ' -f1)
	cat >"$www/registry.json" <<JSON
{
  "version": "1.0.0",
  "future-field": {"ignored": true},
  "agents": [
    {
      "id": "sdk-example",
      "name": "ACP SDK example agent",
      "version": "1.9.0",
      "description": "The example agent of the official ACP TypeScript SDK",
      "authors": ["test"],
      "distribution": {
        "npx": {
          "package": "@agentclientprotocol/sdk@1.9.0",
          "cmd": "node",
          "args": ["/home/sandcage/.sandcage-acp/sdk-example/lib/node_modules/@agentclientprotocol/sdk/dist/examples/agent.js"]
        }
      }
    },
    {
      "id": "semver-cli",
      "name": "semver",
      "version": "7.6.0",
      "description": "Not an agent: an npm package with one command, installed without cmd",
      "distribution": {"npx": {"package": "semver", "args": ["--help"]}}
    },
    {
      "id": "echo-bin",
      "name": "Echo (binary)",
      "version": "0.1.0",
      "description": "Echoes every message",
      "distribution": {
        "binary": {
          "linux-x86_64": {"archive": "http://127.0.0.1:$port/echo-agent.tar.gz", "sha256": "$sum", "cmd": "./bin/echo-agent", "args": ["--from-registry"], "env": {"ECHO_MODE": "registry"}},
          "linux-aarch64": {"archive": "http://127.0.0.1:$port/echo-agent.tar.gz", "sha256": "$sum", "cmd": "./bin/echo-agent", "args": ["--from-registry"], "env": {"ECHO_MODE": "registry"}}
        }
      }
    },
    {
      "id": "bad-sum",
      "name": "Wrong checksum",
      "version": "0.1.0",
      "description": "Its archive does not match its sha256",
      "distribution": {
        "binary": {
          "linux-x86_64": {"archive": "http://127.0.0.1:$port/echo-agent.tar.gz", "sha256": "0000000000000000000000000000000000000000000000000000000000000000", "cmd": "./bin/echo-agent"},
          "linux-aarch64": {"archive": "http://127.0.0.1:$port/echo-agent.tar.gz", "sha256": "0000000000000000000000000000000000000000000000000000000000000000", "cmd": "./bin/echo-agent"}
        }
      }
    }
  ]
}
JSON
}

write_config() {
	cat >>"$SANDCAGE_HOME/config.toml" <<TOML

[acp]
registry_url = "http://127.0.0.1:$ACP_PORT/registry.json"
TOML
}

setup_file() {
	if ! docker info >/dev/null 2>&1 && [ "${SANDCAGE_MUST_WORK:-0}" != 1 ]; then
		return 0
	fi
	command -v node >/dev/null && command -v npm >/dev/null || {
		echo "node and npm are needed on the host for the ACP test client" >&2
		return 1
	}
	install_acp_client
	export CLIENT_DIR
	local www=$BATS_FILE_TMPDIR/www
	mkdir -p "$www"
	node "$CLIENT_DIR/serve.mjs" "$www" >"$BATS_FILE_TMPDIR/port" 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/server.pid"
	for _ in $(seq 50); do
		[ -s "$BATS_FILE_TMPDIR/port" ] && break
		sleep 0.1
	done
	ACP_PORT=$(cat "$BATS_FILE_TMPDIR/port")
	export ACP_PORT
	write_registry "$www" "$ACP_PORT"

	# One install of the example agent for the whole file: the record is
	# copied into each test's global directory, the files are in the
	# shared home volume.
	BATS_TEST_TMPDIR=$BATS_FILE_TMPDIR use_test_home
	write_config
	local repo=$BATS_FILE_TMPDIR/repo
	make_repo "$repo"
	(cd "$repo" && "$SANDCAGE" acp install --force sdk-example >&2)
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/server.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/server.pid")" 2>/dev/null
	return 0
}

setup() {
	require_docker "$BASE_IMAGE"
	use_test_home
	write_config
	cp "$BATS_FILE_TMPDIR/sandcage-home/acp-installed.json" "$SANDCAGE_HOME/"
	WORK=$(mktemp -d)
	REPO=$WORK/repo
	make_repo "$REPO"
	cd "$REPO"
}

teardown() {
	for pid in ${BG_PIDS:-}; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -n "${REPO:-}" ]; then
		ids=$(containers_of "$REPO")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
	fi
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

client() {
	node "$CLIENT_DIR/client.mjs" "$@"
}

json_field() {
	node -e 'const o = JSON.parse(process.argv[1]); const v = o[process.argv[2]]; console.log(typeof v === "object" ? JSON.stringify(v) : v)' "$1" "$2"
}

# Starts `sandcage acp run ARGS` in the background in a session of its own,
# its stdin a FIFO kept open; sets SC_PID.
start_background() {
	mkfifo "$WORK/in"
	sleep 600 >"$WORK/in" 3>&- &
	BG_PIDS="$!"
	setsid "$SANDCAGE" acp run "$@" <"$WORK/in" >"$WORK/out" 2>"$WORK/err" 3>&- &
	SC_PID=$!
	BG_PIDS="$BG_PIDS $SC_PID"
	wait_running "$REPO" 60
}

@test "a prompt turn with the SDK's example agent ends with end_turn and its updates" {
	run client -- "$SANDCAGE" acp run --trace "$WORK/trace" sdk-example
	echo "$output"
	[ "$status" -eq 0 ]
	local summary=${lines[${#lines[@]} - 1]}
	[ "$(json_field "$summary" stopReason)" = end_turn ]
	[ "$(json_field "$summary" protocolVersion)" = 1 ]
	[ "$(json_field "$summary" textChunks)" = 3 ]
	[ "$(json_field "$summary" permissionRequests)" = 1 ]
	[ "$(json_field "$summary" updates)" = '["agent_message_chunk","tool_call","tool_call_update","agent_message_chunk","tool_call","tool_call_update","agent_message_chunk"]' ]
	[ "$(json_field "$summary" agentExit)" = 0 ]
	# The agent never saw the terminal and fs capabilities the client
	# offered.
	grep -q 'editor->agent {"jsonrpc":"2.0","id":0,"method":"initialize"' "$WORK/trace"
	! grep -q '"fs":' "$WORK/trace" || false
	! grep -q '"terminal"' "$WORK/trace" || false
	! grep -q 'terminal-auth' "$WORK/trace" || false
	grep -q 'agent->editor .*"stopReason":"end_turn"' "$WORK/trace"
	grep -q 'agent->editor .*"session/request_permission"' "$WORK/trace"
	wait_no_containers "$REPO" 10
}

@test "--keep-terminal passes the terminal capability on" {
	run client -- "$SANDCAGE" acp run --keep-terminal --trace "$WORK/trace" sdk-example
	[ "$status" -eq 0 ]
	grep -q '"terminal":true' "$WORK/trace"
	grep -q '"terminal-auth":true' "$WORK/trace"
}

@test "session/cancel ends the turn with cancelled" {
	run client --cancel -- "$SANDCAGE" -q acp run sdk-example
	echo "$output"
	[ "$status" -eq 0 ]
	local summary=${lines[${#lines[@]} - 1]}
	[ "$(json_field "$summary" stopReason)" = cancelled ]
	[ "$(json_field "$summary" permissionRequests)" = 0 ]
}

@test "a prompt of 8 MiB reaches the agent" {
	run client --prompt-bytes 8388608 -- "$SANDCAGE" -q acp run sdk-example
	[ "$status" -eq 0 ]
	[ "$(json_field "${lines[${#lines[@]} - 1]}" stopReason)" = end_turn ]
}

@test "closing stdin stops the agent, removes the container, and sandcage exits" {
	start_background sdk-example
	[ -n "$(containers_of "$REPO")" ]
	kill "${BG_PIDS%% *}" # the FIFO's writer: stdin ends
	for _ in $(seq 100); do
		kill -0 "$SC_PID" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$SC_PID" 2>/dev/null || false
	rc=0
	wait "$SC_PID" || rc=$?
	[ "$rc" -eq 0 ]
	wait_no_containers "$REPO" 10
	[ ! -s "$WORK/out" ]
}

@test "an agent that ignores the end of stdin is removed after a grace period" {
	printf 'services:\n  sleeper:\n    command: [sleep, "600"]\n' >.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null
	start_background sleeper
	local t0=$SECONDS
	kill "${BG_PIDS%% *}"
	rc=0
	wait "$SC_PID" || rc=$?
	[ "$rc" -eq 0 ]
	[ $((SECONDS - t0)) -lt 15 ]
	wait_no_containers "$REPO" 10
}

@test "SIGKILL of sandcage leaves no container" {
	start_background sdk-example
	kill -KILL "$SC_PID"
	wait_no_containers "$REPO" 20
}

@test "SIGKILL of the whole process group leaves no container" {
	start_background sdk-example
	# setsid made sandcage the leader of its own group: the engine's CLI
	# dies with it, only the reaper (in a session of its own) lives on.
	kill -KILL -- "-$SC_PID"
	wait_no_containers "$REPO" 20
}

@test "SIGTERM removes the container and sandcage exits with 143" {
	start_background sdk-example
	kill -TERM "$SC_PID"
	rc=0
	wait "$SC_PID" || rc=$?
	[ "$rc" -eq 143 ]
	wait_no_containers "$REPO" 10
}

@test "the relay through a container: 1 and 32 MiB messages and 10,000 small ones, both ways at once" {
	# A service whose command echoes: every byte goes to the agent and
	# back while more is still being sent.
	printf 'services:\n  echo:\n    command: [cat]\n' >.sandcage.yml
	"$SANDCAGE" -q trust --yes >/dev/null
	node -e '
		const fs = require("fs");
		const out = fs.openSync(process.argv[1], "w");
		const big = (n, c) => "{\"jsonrpc\":\"2.0\",\"method\":\"_big\",\"params\":\"" + c.repeat(n) + "\"}\n";
		// The first message is the initialize request (the relay refuses
		// anything else); `cat` echoes it and then this "answer" to it,
		// after which nothing is parsed either way. Neither has anything
		// to filter: the whole stream comes back byte for byte.
		fs.writeSync(out, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":1}}\n");
		fs.writeSync(out, "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":1}}\n");
		fs.writeSync(out, big(1 << 20, "a"));
		fs.writeSync(out, big(32 << 20, "b"));
		for (let i = 0; i < 10000; i++)
			fs.writeSync(out, JSON.stringify({jsonrpc: "2.0", method: "_n", params: {i}}) + "\n");
		fs.writeSync(out, big(1 << 20, "c"));
	' "$WORK/stream"
	local t0=$SECONDS
	"$SANDCAGE" -q acp run echo <"$WORK/stream" >"$WORK/back"
	echo "relay round trip of $(stat -c %s "$WORK/stream") bytes: $((SECONDS - t0)) s" >&3
	cmp "$WORK/stream" "$WORK/back"
}

@test "arguments after -- reach the agent; its exit code and stderr are kept apart" {
	cat >.sandcage.yml <<'YAML'
services:
  args:
    command: [sh, -c, 'printf "%s\n" "$@"; echo "to stderr" >&2; exit 7', args]
YAML
	"$SANDCAGE" -q trust --yes >/dev/null
	rc=0
	"$SANDCAGE" -q acp run args -- one "two words" </dev/null >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" -eq 7 ]
	[ "$(cat "$WORK/out")" = "$(printf 'one\ntwo words')" ]
	grep -q "to stderr" "$WORK/err"
}

@test "acp list shows the registry, caches it, and works offline from the cache" {
	: >"$BATS_FILE_TMPDIR/requests.log"
	run "$SANDCAGE" acp list
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "ID "*"NAME"*"VERSION"*"KIND"*"DESCRIPTION" ]]
	[[ "$output" == *"sdk-example"*"ACP SDK example agent"*"1.9.0"*"npx"*"The example agent"* ]]
	[[ "$output" == *"echo-bin"*"0.1.0"*"binary"* ]]
	run "$SANDCAGE" acp list --json
	[ "$status" -eq 0 ]
	[ "$(node -e 'console.log(JSON.parse(require("fs").readFileSync(0)).agents.map(a => a.id + ":" + a.distributions.join("+")).join(","))' <<<"$output")" = "sdk-example:npx,semver-cli:npx,echo-bin:binary,bad-sum:binary" ]
	# The second listing came from the cache.
	[ "$(grep -c '^/registry.json$' "$BATS_FILE_TMPDIR/requests.log")" -eq 1 ]
	# The registry is gone: the cache serves, with a notice on stderr.
	sed -i "s|/registry.json\"|/gone.json\"|" "$SANDCAGE_HOME/config.toml"
	run "$SANDCAGE" acp list
	[ "$status" -ne 0 ]
	[[ "$output" == *"fetch the ACP registry"*"gone.json"* ]]
	sed -i "s|/gone.json\"|/registry.json\"|" "$SANDCAGE_HOME/config.toml"
	mv "$BATS_FILE_TMPDIR/www/registry.json" "$BATS_FILE_TMPDIR/www/registry.json.away"
	rc=0
	"$SANDCAGE" acp list --refresh >"$WORK/out" 2>"$WORK/err" || rc=$?
	mv "$BATS_FILE_TMPDIR/www/registry.json.away" "$BATS_FILE_TMPDIR/www/registry.json"
	[ "$rc" -eq 0 ]
	grep -q "offline: using the ACP registry as cached on" "$WORK/err"
	grep -q "404" "$WORK/err"
	grep -q "^sdk-example " "$WORK/out"
}

@test "a malformed registry is a clear error" {
	printf '{"version": "1.0.0", "agents": [ {"id": "a", ' >"$WORK/broken.json"
	sed -i "s|^registry_url = .*|registry_url = \"file://$WORK/broken.json\"|" "$SANDCAGE_HOME/config.toml"
	run "$SANDCAGE" acp list
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "sandcage: error: file://$WORK/broken.json:1:"*"invalid JSON"* ]]
	echo '{"agents": 3}' >"$WORK/broken.json"
	run "$SANDCAGE" acp list
	[ "$status" -eq 1 ]
	[[ "$output" == *"not an ACP registry index"* ]]
}

@test "acp installed lists the agent with its version; run of unknown agents explains" {
	run "$SANDCAGE" acp installed
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sdk-example"*"1.9.0"*"npx"*"sandcage-test-home"* ]]
	run "$SANDCAGE" acp installed --json
	[ "$(node -e 'const a = JSON.parse(require("fs").readFileSync(0)); console.log(a[0].id, a[0].version, a[0].command[0])' <<<"$output")" = "sdk-example 1.9.0 node" ]
	run "$SANDCAGE" acp run no-such-agent </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"no ACP agent \`no-such-agent\` is installed"* ]]
	run "$SANDCAGE" acp run claude </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"sandcage acp install claude-acp"* ]]
	run "$SANDCAGE" acp install no-such-agent
	[ "$status" -eq 1 ]
	[[ "$output" == *"not in the ACP registry"* ]]
	# Installing what is installed is a no-op that says so.
	run "$SANDCAGE" acp install sdk-example
	[ "$status" -eq 0 ]
	[[ "$output" == *"already installed"* ]]
}

@test "a binary agent installs from the loopback with its sha256, runs, and uninstalls" {
	run "$SANDCAGE" acp install echo-bin
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"installed echo-bin 0.1.0 (binary) in volume sandcage-test-home"* ]]
	printf '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}\n{"jsonrpc":"2.0","id":1,"method":"x"}\n' >"$WORK/msg"
	"$SANDCAGE" -q acp run echo-bin -- --from-cli <"$WORK/msg" >"$WORK/out" 2>"$WORK/err"
	cmp "$WORK/msg" "$WORK/out"
	grep -q "echo-agent started with: --from-registry --from-cli (ECHO_MODE=registry)" "$WORK/err"
	run "$SANDCAGE" acp installed
	[[ "$output" == *"echo-bin"*"0.1.0"*"binary"* ]]
	run "$SANDCAGE" acp uninstall echo-bin
	[ "$status" -eq 0 ]
	run "$SANDCAGE" acp installed
	[[ "$output" != *"echo-bin"* ]]
	docker run --rm --mount type=volume,source=sandcage-test-home,target=/h "$BASE_IMAGE" \
		test ! -e /h/.sandcage-acp/echo-bin
}

@test "a sha256 mismatch is refused and leaves nothing installed" {
	run "$SANDCAGE" acp install bad-sum
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"checksum mismatch"*"nothing was installed"* ]]
	run "$SANDCAGE" acp installed
	[[ "$output" != *"bad-sum"* ]]
	docker run --rm --mount type=volume,source=sandcage-test-home,target=/h "$BASE_IMAGE" \
		test ! -e /h/.sandcage-acp/bad-sum
	[ -z "$(ls "$SANDCAGE_HOME/cache/downloads" 2>/dev/null)" ]
}

@test "an npx package without cmd runs its own command, pinned to the registry's version" {
	run "$SANDCAGE" acp install semver-cli
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"installed semver-cli 7.6.0 (npx)"* ]]
	run "$SANDCAGE" acp installed --json
	[[ "$output" == *'"/home/sandcage/.sandcage-acp/semver-cli/bin/semver"'* ]]
	"$SANDCAGE" -q acp run semver-cli </dev/null >"$WORK/out"
	grep -q "^SemVer 7.6.0" "$WORK/out"
	"$SANDCAGE" -q acp uninstall semver-cli
}
