#!/usr/bin/env bats
# The credential proxy against a real daemon: the agent gets a placeholder,
# the proxy sidecar puts the host's key in the request and forwards it over
# TLS to the upstream. The upstream is the fake model API
# (data/fake-upstream.py) under a certificate of a test CA, in a container on
# a network of the test's own that the sidecar joins through the test aid
# SANDCAGE_PROXY_NETWORK; the configuration points the agents' credentials
# at it and trusts the CA (credentials.ca_file).

load helpers

UPSTREAM_IMAGE=sandcage-test/upstream:bookworm
KEY=sk-ant-real-0123456789abcdef
OKEY=sk-openai-real-0123456789
GKEY=AIza-gemini-real-0123456789

setup_file() {
	require_docker "$BASE_IMAGE"
	DOCKER_BUILDKIT=0 docker build -q -t "$UPSTREAM_IMAGE" --build-arg "BASE=$BASE_IMAGE" \
		-f "$BATS_TEST_DIRNAME/images/upstream.Dockerfile" "$BATS_TEST_DIRNAME/images" >/dev/null
}

# The global configuration: the credentials of the built-in agents point at
# the fake upstream; `agents` true keeps the agents (the default image),
# false gives a small image with curl and a custom harness `api` only; then
# network.mode and credentials.mode.
write_config() {
	local agents=$1 mode=${2:-open} credmode=${3:-proxy}
	use_test_home
	cat >"$SANDCAGE_HOME/config.toml" <<TOML
[image]
base = "$BASE_IMAGE"
ca_certificates = ["/etc/ssl/certs/ca-certificates.crt"]

[home]
volume = "sandcage-test-home"

[network]
mode = "$mode"
allow = ["upstream.test"]

[credentials]
mode = "$credmode"
ca_file = "$CA/ca.crt"

[services.claude]
credentials = [
  { env = "ANTHROPIC_API_KEY", header = "x-api-key", upstream = "https://upstream.test" },
]
[services.codex]
credentials = [
  { env = "OPENAI_API_KEY", header = "authorization: Bearer", upstream = "https://upstream.test" },
]
[services.gemini]
credentials = [
  { env = "GEMINI_API_KEY", header = "x-goog-api-key", upstream = "https://upstream.test" },
]
TOML
	if [ "$agents" = false ]; then
		cat >>"$SANDCAGE_HOME/config.toml" <<'TOML'
packages = ["curl", "procps"]
[services.api]
command = ["sh", "-c", 'exec curl -sS -H "x-test-key: $TEST_KEY" "$API_URL$0"']
credentials = [
  { env = "TEST_KEY", header = "x-test-key", upstream = "https://upstream.test", url_env = "API_URL" },
]
TOML
		# The keys above would make the first build take minutes.
		sed -i 's/^\[services.claude\]/&\nenabled = false/; s/^\[services.codex\]/&\nenabled = false/; s/^\[services.gemini\]/&\nenabled = false/' \
			"$SANDCAGE_HOME/config.toml"
		# `packages` must be at the top.
		python3 - "$SANDCAGE_HOME/config.toml" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
pk = [l for l in lines if l.startswith("packages")]
rest = [l for l in lines if not l.startswith("packages")]
open(p, "w").write("\n".join(pk + rest))
PY
	fi
}

setup() {
	require_docker "$BASE_IMAGE"
	WORK=$(mktemp -d)
	WORK=$(cd "$WORK" && pwd -P)
	REPO=$WORK/repo
	make_repo "$REPO"
	CA=$WORK/ca
	sh "$BATS_TEST_DIRNAME/data/make-test-ca.sh" "$CA" upstream.test >/dev/null
	mkdir -p "$WORK/log"
	chmod 777 "$WORK/log"
	UPNET=sandcage-test-cred-$$-$BATS_TEST_NUMBER
	UPSTREAM=sandcage-test-credup-$$-$BATS_TEST_NUMBER
	docker network create "$UPNET" >/dev/null
	docker run -d --name "$UPSTREAM" --network "$UPNET" --network-alias upstream.test \
		-v "$CA:/ca:ro" -v "$WORK/log:/log" -v "$BATS_TEST_DIRNAME/data:/data:ro" \
		"$UPSTREAM_IMAGE" python3 /data/fake-upstream.py --cert /ca/server.crt \
		--key /ca/server.key --port 443 --log /log/requests.jsonl >/dev/null
	export SANDCAGE_PROXY_NETWORK=$UPNET
	cd "$REPO"
}

teardown() {
	if [ -n "${REPO:-}" ]; then
		ids=$(containers_of "$REPO")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
		for n in $(docker network ls -q --filter "label=io.sandcage.project=$REPO"); do
			docker network rm "$n" >/dev/null 2>&1 || true
		done
	fi
	[ -z "${UPSTREAM:-}" ] || docker rm -f "$UPSTREAM" >/dev/null 2>&1 || true
	[ -z "${UPNET:-}" ] || docker network rm "$UPNET" >/dev/null 2>&1 || true
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# What the upstream saw: one JSON line per request.
requests() {
	cat "$WORK/log/requests.jsonl" 2>/dev/null || true
}

# The proxy sidecar of the project.
proxy_of() {
	docker ps -q --filter "label=io.sandcage.project=$1" --filter "label=io.sandcage.role=proxy"
}

@test "a custom harness's key reaches the upstream through the proxy; the container holds a placeholder" {
	write_config false
	run env TEST_KEY=$KEY "$SANDCAGE" -q api -- /v1/models
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"data"'* ]]
	requests
	# The upstream got the real key, in the configured header, over TLS.
	requests | grep -q "\"x-test-key\", \"$KEY\"" || requests | grep -q "\"x-test-key\": \"$KEY\""
	# Inside: a placeholder, the proxy's URL; never the key.
	run env TEST_KEY=$KEY "$SANDCAGE" -q shell -- sh -c 'echo "key=$TEST_KEY url=$API_URL"; cat /proc/*/environ 2>/dev/null | tr "\0" "\n" | grep -c sk-ant-real || true; grep -r sk-ant-real "$HOME" 2>/dev/null | head -1'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "key=sandcage-placeholder-TEST_KEY url=http://sandcage-proxy-"*":8081" ]]
	[ "${lines[1]}" = 0 ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "claude, codex and gemini answer through the proxy: the upstream sees the real keys, the sandbox only placeholders" {
	write_config true none
	export ANTHROPIC_API_KEY=$KEY OPENAI_API_KEY=$OKEY GEMINI_API_KEY=$GKEY
	run "$SANDCAGE" -q claude -- -p hi
	echo "claude: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *pong* ]]
	run "$SANDCAGE" -q codex -- exec --skip-git-repo-check hi
	echo "codex: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *pong* ]]
	run "$SANDCAGE" -q gemini -- -p hi
	echo "gemini: $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *pong* ]]
	requests | cut -c1-300
	requests | grep '"/v1/responses' | grep -o '.authorization., .[^"]*' || true
	requests | grep '"/v1/messages' | grep -q "$KEY"
	requests | grep '"/v1/responses' | grep -q "Bearer $OKEY"
	requests | grep 'generateContent' | grep -q "$GKEY"
	# No placeholder got through, and no key went elsewhere.
	run grep -c sandcage-placeholder "$WORK/log/requests.jsonl"
	[ "$output" = 0 ]

	# A session's view: environment, every process's, the home volume.
	run "$SANDCAGE" -q shell -- sh -c 'env; cat /proc/[0-9]*/environ 2>/dev/null | tr "\0" "\n"; grep -rIl -e sk-ant-real -e sk-openai-real -e AIza-gemini-real "$HOME" 2>/dev/null; true'
	[ "$status" -eq 0 ]
	[[ "$output" == *ANTHROPIC_API_KEY=sandcage-placeholder-ANTHROPIC_API_KEY* ]]
	[[ "$output" == *ANTHROPIC_BASE_URL=http://sandcage-proxy-* ]]
	[[ "$output" == *GOOGLE_GEMINI_BASE_URL=http://sandcage-proxy-* ]]
	[[ "$output" != *"$KEY"* ]]
	[[ "$output" != *"$OKEY"* ]]
	[[ "$output" != *"$GKEY"* ]]
}

@test "while a session runs, neither docker inspect of its container nor any command line on the host shows the key" {
	write_config false
	TEST_KEY=$KEY "$SANDCAGE" -q shell -- sleep 60 3>&- &
	pid=$!
	ids=$(running_agent "$REPO" shell)
	run docker inspect $ids $(proxy_of "$REPO")
	[ "$status" -eq 0 ]
	[[ "$output" == *sandcage-placeholder-TEST_KEY* ]]
	[[ "$output" != *"$KEY"* ]]
	# Every process of this machine: the engine CLI, sandcage, the sidecar's.
	run sh -c 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\0" " "'
	[[ "$output" != *"$KEY"* ]]
	kill "$pid"
	wait "$pid" || true
}

@test "the proxy sends only to its upstream, and serves only the project's network" {
	write_config false
	# A Host header, an absolute URL and CONNECT naming another host: each
	# reaches the configured upstream, or nothing.
	run env TEST_KEY=$KEY "$SANDCAGE" -q shell -- sh -c '
		curl -sS -o /dev/null -w "%{http_code}\n" -H "Host: other.test" "$API_URL/v1/models"
		curl -sS -o /dev/null -w "%{http_code}\n" -x "$API_URL" http://other.test/v1/models
		curl -sS -o /dev/null -w "%{http_code}\n" -p -x "$API_URL" https://other.test/ || true'
	echo "$output"
	[ "${lines[0]}" = 200 ]
	[ "${lines[1]}" = 200 ]
	[ "${lines[2]}" != 200 ]
	requests
	run sh -c "grep -c '\"other.test' '$WORK/log/requests.jsonl'"
	[ "$output" = 0 ]
	# From a container outside the project network (the sidecar's other
	# networks: the engine's bridge and the test's): refused, and the
	# upstream sees nothing more.
	TEST_KEY=$KEY "$SANDCAGE" -q shell -- sleep 60 3>&- &
	pid=$!
	agent=$(running_agent "$REPO" shell)
	proxy=$(proxy_of "$REPO")
	before=$(requests | wc -l)
	ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$UPNET\").IPAddress}}" "$proxy")
	run docker run --rm --network "$UPNET" "$UPSTREAM_IMAGE" python3 -c "
import urllib.request, urllib.error
try:
    urllib.request.urlopen('http://$ip:8081/v1/models', timeout=10)
    print('open')
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print('unreachable', e)"
	echo "$output"
	[ "$output" = 403 ]
	[ "$(requests | wc -l)" = "$before" ]
	kill "$pid"
	wait "$pid" || true
}

@test "with network.mode allowlist and none the proxy is reached directly; claude answers under the allowlist" {
	write_config false allowlist
	run env TEST_KEY=$KEY "$SANDCAGE" -q api -- /v1/models
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"data"'* ]]
	[ "$(requests | grep -c "$KEY")" -eq 1 ]
	write_config false none
	run env TEST_KEY=$KEY "$SANDCAGE" -q api -- /v1/models
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(requests | grep -c "$KEY")" -eq 2 ]
	# Under none, the proxy is all there is: the upstream itself is not
	# reachable from the sandbox.
	run env TEST_KEY=$KEY "$SANDCAGE" -q shell -- sh -c 'curl -sS -m 5 https://upstream.test/ 2>&1 || echo unreachable'
	echo "$output"
	[[ "$output" == *unreachable* ]]
	write_config true allowlist
	run env ANTHROPIC_API_KEY=$KEY CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 "$SANDCAGE" -q claude -- -p hi
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *pong* ]]
	requests | grep '"/v1/messages' | grep -q "$KEY"
}

@test "credentials.mode env passes the key as a variable, by name: no proxy, and no command line shows it" {
	write_config false open env
	run env TEST_KEY=$KEY "$SANDCAGE" -v shell -- sh -c 'echo "key=$TEST_KEY url=${API_URL-unset}"'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"key=$KEY url=unset"* ]]
	[[ "$output" == *"--env=TEST_KEY "* ]]
	[[ "$output" != *"--env=TEST_KEY=$KEY"* ]]
	[ -z "$(docker ps -aq --filter "label=io.sandcage.project=$REPO" --filter label=io.sandcage.role=proxy)" ]
}

@test "bad credentials: a non-https upstream, a header with a line break, a variable the host does not set: each names the file and line" {
	write_config false
	cat >.sandcage.yml <<'YAML'
services:
  api:
    credentials:
      - {env: TEST_KEY, header: x-test-key, upstream: "http://upstream.test"}
YAML
	run "$SANDCAGE" -q config
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *".sandcage.yml:4:"*"credentials[0].upstream"*"https://HOST"* ]]
	cat >.sandcage.yml <<'YAML'
services:
  api:
    credentials:
      - {env: TEST_KEY, header: "x-test-key\r\nx-evil: 1", upstream: "https://upstream.test"}
YAML
	run "$SANDCAGE" -q config
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *".sandcage.yml:4:"*"credentials[0].header"*"line break"* ]]
	cat >.sandcage.yml <<'YAML'
services:
  api:
    credentials:
      - {env: NOT_SET_ANYWHERE, header: x-other, upstream: "https://upstream.test"}
YAML
	"$SANDCAGE" -q trust --yes >/dev/null
	run env TEST_KEY=$KEY "$SANDCAGE" -q api -- /v1/models
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *".sandcage.yml:4:"*"the host does not set \`NOT_SET_ANYWHERE\`"* ]]
	[ -z "$(containers_of "$REPO")" ]
}
