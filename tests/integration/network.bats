#!/usr/bin/env bats
# network.mode against a real Docker daemon: `none`, and `allowlist` with its
# proxy sidecar. All traffic stays on this machine: the upstream server is a
# container on a network each test creates, under two names (aliases); the
# sidecar joins that network through the test aid SANDCAGE_PROXY_NETWORK.

load helpers

UPSTREAM_IMAGE=sandcage-test/upstream:bookworm

setup_file() {
	require_docker "$BASE_IMAGE"
	DOCKER_BUILDKIT=0 docker build -q -t "$UPSTREAM_IMAGE" --build-arg "BASE=$BASE_IMAGE" \
		-f "$BATS_TEST_DIRNAME/images/upstream.Dockerfile" "$BATS_TEST_DIRNAME/images" >/dev/null
}

# The test's global configuration: the session image gets curl; the agents
# are off (their installs would make the first build take minutes).
write_config() {
	local mode=$1
	use_test_home
	cat >"$SANDCAGE_HOME/config.toml" <<TOML
packages = ["curl"]

[image]
base = "$BASE_IMAGE"
ca_certificates = ["/etc/ssl/certs/ca-certificates.crt"]

[home]
volume = "sandcage-test-home"

[network]
mode = "$mode"
allow = ["allowed.test", "other.test:8443", "localhost"]

[services.claude]
enabled = false
[services.codex]
enabled = false
[services.gemini]
enabled = false
TOML
}

setup() {
	require_docker "$BASE_IMAGE"
	WORK=$(mktemp -d)
	WORK=$(cd "$WORK" && pwd -P)
	REPO=$WORK/repo
	make_repo "$REPO"
	write_config allowlist
	UPNET=sandcage-test-up-$$-$BATS_TEST_NUMBER
	UPSTREAM=sandcage-test-upstream-$$-$BATS_TEST_NUMBER
	docker network create "$UPNET" >/dev/null
	docker run -d --name "$UPSTREAM" --network "$UPNET" --network-alias allowed.test \
		--network-alias other.test "$UPSTREAM_IMAGE" >/dev/null
	UPIP=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$UPNET\").IPAddress}}" "$UPSTREAM")
	export SANDCAGE_PROXY_NETWORK=$UPNET
}

# The project's networks (sandcage's own, found by label).
networks_of() {
	docker network ls -q --filter "label=io.sandcage.project=$1"
}

proxies_of() {
	docker ps -aq --filter "label=io.sandcage.project=$1" --filter "label=io.sandcage.role=proxy"
}

# Waits up to $2 seconds until the project has no container and no network.
wait_nothing_left() {
	local project=$1 limit=${2:-15} i
	for ((i = 0; i < limit * 10; i++)); do
		[ -z "$(containers_of "$project")" ] && [ -z "$(networks_of "$project")" ] && return 0
		sleep 0.1
	done
	echo "left for $project: containers [$(containers_of "$project")]" \
		"networks [$(networks_of "$project")]" >&2
	return 1
}

teardown() {
	[ -z "${SESSION_PID:-}" ] || kill -KILL "$SESSION_PID" 2>/dev/null || true
	[ -z "${HTTP_PID:-}" ] || kill "$HTTP_PID" 2>/dev/null || true
	if [ -n "${REPO:-}" ]; then
		wait_nothing_left "$REPO" 10 || true
		ids=$(containers_of "$REPO")
		[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
		nets=$(networks_of "$REPO")
		[ -z "$nets" ] || docker network rm $nets >/dev/null 2>&1 || true
	fi
	[ -z "${UPSTREAM:-}" ] || docker rm -f "$UPSTREAM" >/dev/null 2>&1 || true
	[ -z "${UPNET:-}" ] || docker network rm "$UPNET" >/dev/null 2>&1 || true
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

# Prints "NAME CODE CONNECT rc=RC" for each curl, from inside the session.
CURLS='c() { n=$1; shift; o=$(curl -sk -o /dev/null --max-time 8 -w "%{http_code} %{http_connect}" "$@"); printf "%s %s rc=%s\n" "$n" "$o" "$?"; }'

@test "allowlist: the allowed names and ports pass the proxy, nothing else does" {
	cd "$REPO"
	run "$SANDCAGE" -q shell -- sh -c "$CURLS
		c allowed https://allowed.test/
		c other https://other.test/
		c other-8443 https://other.test:8443/
		c allowed-8443 https://allowed.test:8443/
		c plain-http http://allowed.test/
		c metadata https://169.254.169.254/
		c upstream-ip https://$UPIP/
		c upstream-ip-8443 https://$UPIP:8443/
		c localhost --noproxy '' https://localhost/
		c v6-loopback --noproxy '' -g 'https://[::1]/'
		c v6-mapped -g 'https://[::ffff:169.254.169.254]/'
		c decimal-ip https://2852039166/
		env | grep -c '^HTTPS_PROXY=http://sandcage-proxy-'"
	echo "$output"
	[ "$status" -eq 0 ]
	# Allowed: the name on its default port, the other name on its given port.
	[[ "$output" == *"allowed 200 200 rc=0"* ]]
	[[ "$output" == *"other-8443 200 200 rc=0"* ]]
	# Refused by the proxy (403 to CONNECT): the other name on 443, a port not
	# given for the name, plain HTTP, cloud metadata, IP literals in every
	# notation, and an allowed name that resolves to loopback.
	for name in other allowed-8443 metadata upstream-ip upstream-ip-8443 localhost \
		v6-loopback v6-mapped decimal-ip; do
		[[ "$output" == *"$name 000 403 rc=56"* ]] || { echo "not refused: $name"; false; }
	done
	[[ "$output" == *"plain-http 403 000 rc=0"* ]]
	[[ "$output" == *$'\n1' ]]
}

@test "allowlist: without the proxy there is no way out, not even to the host" {
	# A server on the host, on every address of the host.
	HTTP_PORT=$((20000 + RANDOM % 20000))
	python3 -m http.server "$HTTP_PORT" --bind 0.0.0.0 >/dev/null 2>&1 3>&- &
	HTTP_PID=$!
	bridge_gw=$(docker network inspect bridge -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}')
	cd "$REPO"
	# The default route's gateway is where the host would be.
	run "$SANDCAGE" -q shell -- bash -c "$CURLS
		g=\$(awk '\$2 == \"00000000\" { print \$3 }' /proc/net/route)
		gw=\$(printf '%d.%d.%d.%d' 0x\${g:6:2} 0x\${g:4:2} 0x\${g:2:2} 0x\${g:0:2})
		c direct-name --noproxy '*' --connect-timeout 3 https://allowed.test/
		c direct-ip --noproxy '*' --connect-timeout 3 https://$UPIP/
		c host-gateway --noproxy '*' --connect-timeout 3 http://\$gw:$HTTP_PORT/
		c host-bridge --noproxy '*' --connect-timeout 3 http://$bridge_gw:$HTTP_PORT/
		echo v6-addresses \$(awk '\$6 != \"lo\"' /proc/net/if_inet6 2>/dev/null | wc -l)
		echo interfaces \$(grep -c : /proc/net/dev)"
	echo "$output"
	[ "$status" -eq 0 ]
	# The host's server answers from here (the test is sound)...
	curl -s -o /dev/null --max-time 3 "http://127.0.0.1:$HTTP_PORT/"
	# ...but from the session nothing connects.
	for name in direct-name direct-ip host-gateway host-bridge; do
		line=$(grep "^$name " <<<"$output")
		[[ "$line" == "$name 000 000 rc="* ]] && [[ "$line" != *"rc=0" ]] ||
			{ echo "connected: $line"; false; }
	done
	# No IPv6 address but loopback's; one interface besides lo.
	[[ "$output" == *"v6-addresses 0"* ]]
	[[ "$output" == *"interfaces 2"* ]]
}

@test "allowlist: refusals are reported after the session and by sandcage logs --denied" {
	cd "$REPO"
	run "$SANDCAGE" shell -- sh -c "$CURLS
		c allowed https://allowed.test/
		c other https://other.test/"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"refused other.test:443"* ]]
	[[ "$output" != *"refused allowed.test"* ]]
	wait_nothing_left "$REPO"
	# The log outlives the sidecar.
	run "$SANDCAGE" logs --denied
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"denied   CONNECT other.test:443"* ]]
	[[ "$output" != *"allowed.test"* ]]
	run "$SANDCAGE" logs
	[[ "$output" == *"allowed  CONNECT allowed.test:443"* ]]
	[[ "$output" == *"denied   CONNECT other.test:443"* ]]
}

@test "allowlist: after the session no sidecar and no network are left" {
	cd "$REPO"
	run "$SANDCAGE" -q shell -- true
	[ "$status" -eq 0 ]
	wait_nothing_left "$REPO"
	# The test's own network and server are untouched.
	docker network inspect "$UPNET" >/dev/null
	[ "$(docker inspect -f '{{.State.Running}}' "$UPSTREAM")" = true ]
}

@test "allowlist: the sessions of a project share the sidecar; it goes with the last" {
	cd "$REPO"
	"$SANDCAGE" -q shell -- sleep 60 </dev/null >/dev/null 2>&1 3>&- &
	SESSION_PID=$!
	for ((i = 0; i < 300; i++)); do
		[ "$(docker ps -q --filter "label=io.sandcage.project=$REPO" | wc -l)" -ge 2 ] && break
		sleep 0.1
	done
	[ -n "$(proxies_of "$REPO")" ]
	proxy=$(proxies_of "$REPO")
	run "$SANDCAGE" -q shell -- sh -c "$CURLS
		c allowed https://allowed.test/"
	echo "$output"
	[[ "$output" == *"allowed 200 200 rc=0"* ]]
	# The second session ended; the first still runs, with the same sidecar.
	sleep 3
	[ "$(proxies_of "$REPO")" = "$proxy" ]
	[ "$(docker inspect -f '{{.State.Running}}' "$proxy")" = true ]
	[ -n "$(networks_of "$REPO")" ]
	kill -TERM "$SESSION_PID"
	wait "$SESSION_PID" || true
	SESSION_PID=
	wait_nothing_left "$REPO"
}

@test "allowlist: another allowlist gets its own network and sidecar, out of the other's reach" {
	cd "$REPO"
	home_a=$SANDCAGE_HOME
	"$SANDCAGE" -q shell -- sleep 60 </dev/null >/dev/null 2>&1 3>&- &
	SESSION_PID=$!
	for ((i = 0; i < 300; i++)); do
		[ "$(docker ps -q --filter "label=io.sandcage.project=$REPO" | wc -l)" -ge 2 ] && break
		sleep 0.1
	done
	proxy_a=$(proxies_of "$REPO")
	[ -n "$proxy_a" ]
	# The same project with one more allowed name.
	export SANDCAGE_HOME=$BATS_TEST_TMPDIR/home-b
	mkdir -p "$SANDCAGE_HOME"
	sed 's/allow = \[/allow = ["extra.test", /' "$home_a/config.toml" >"$SANDCAGE_HOME/config.toml"
	run "$SANDCAGE" -q shell -- sh -c "$CURLS
		c own-proxy https://allowed.test/
		c other-proxy --connect-timeout 3 --proxy http://$proxy_a:3128 https://allowed.test/"
	echo "$output"
	[[ "$output" == *"own-proxy 200 200 rc=0"* ]]
	# The other allowlist's proxy is out of reach (not even a name here).
	[[ "$output" == *"other-proxy 000 000 rc="* ]]
	[[ "$output" != *"other-proxy 000 000 rc=0"* ]]
	# This session's network and sidecar went; the first session's stay.
	for ((i = 0; i < 100; i++)); do
		[ "$(networks_of "$REPO" | wc -l)" -eq 1 ] && [ "$(proxies_of "$REPO")" = "$proxy_a" ] && break
		sleep 0.1
	done
	[ "$(networks_of "$REPO" | wc -l)" -eq 1 ]
	[ "$(proxies_of "$REPO")" = "$proxy_a" ]
	kill -TERM "$SESSION_PID"
	wait "$SESSION_PID" || true
	SESSION_PID=
	wait_nothing_left "$REPO"
}

@test "allowlist: a killed sandcage leaves no sidecar and no network" {
	cd "$REPO"
	"$SANDCAGE" -q shell -- sleep 60 </dev/null >/dev/null 2>&1 3>&- &
	SESSION_PID=$!
	for ((i = 0; i < 300; i++)); do
		[ "$(docker ps -q --filter "label=io.sandcage.project=$REPO" | wc -l)" -ge 2 ] && break
		sleep 0.1
	done
	[ -n "$(proxies_of "$REPO")" ]
	kill -KILL "$SESSION_PID"
	SESSION_PID=
	wait_nothing_left "$REPO" 20
}

@test "none: no interface but loopback" {
	write_config none
	cd "$REPO"
	run "$SANDCAGE" -q shell -- sh -c 'grep : /proc/net/dev | cut -d: -f1 | tr -d " "'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = lo ]
	# No sidecar, no network for it.
	[ -z "$(networks_of "$REPO")" ]
	[ -z "$(containers_of "$REPO")" ]
}
