#!/usr/bin/env bash
# What `network.mode: allowlist` costs, measured against `open` in one run:
#   1. the connection: curl to an HTTPS server (a container on a network this
#      script creates), directly from a container on that network versus
#      through the proxy from an allowlist session; median time_connect,
#      time_appconnect (TCP, CONNECT and TLS) and time_total;
#   2. the start: `sandcage shell -- true`, open versus allowlist (the sidecar
#      made and removed every time), and allowlist while another session of
#      the project runs (the sidecar shared); median wall time.
# Everything stays on this machine. Needs the local base image and the test
# image of the network tests (tests/integration/images/upstream.Dockerfile).
#
#   bench/network.sh [CURLS] [STARTS]      default 21 and 11
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CURLS=${1:-21}
STARTS=${2:-11}
SANDCAGE=${SANDCAGE:-$ROOT/build/sandcage}
BASE_IMAGE=${SANDCAGE_TEST_BASE:-sandcage-test/base:bookworm}
UPSTREAM_IMAGE=sandcage-test/upstream:bookworm
unset SANDCAGE_IMAGE

WORK=$(mktemp -d)
UPNET=sandcage-bench-up-$$
UPSTREAM=sandcage-bench-upstream-$$
BG=
cleanup() {
	[ -z "$BG" ] || kill -TERM "$BG" 2>/dev/null || true
	wait 2>/dev/null || true
	for _ in $(seq 1 100); do
		[ -z "$(docker ps -aq --filter "label=io.sandcage.project=$WORK/repo")" ] && break
		sleep 0.1
	done
	docker rm -f "$UPSTREAM" >/dev/null 2>&1 || true
	docker network rm "$UPNET" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

DOCKER_BUILDKIT=0 docker build -q -t "$UPSTREAM_IMAGE" --build-arg "BASE=$BASE_IMAGE" \
	-f tests/integration/images/upstream.Dockerfile tests/integration/images >/dev/null
docker network create "$UPNET" >/dev/null
docker run -d --name "$UPSTREAM" --network "$UPNET" --network-alias allowed.test \
	"$UPSTREAM_IMAGE" >/dev/null

mkdir -p "$WORK/repo" "$WORK/open" "$WORK/allowlist"
git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" -c user.name=b -c user.email=b@example.invalid commit -q --allow-empty -m b
for mode in open allowlist; do
	cat >"$WORK/$mode/config.toml" <<TOML
packages = ["curl"]

[image]
base = "$BASE_IMAGE"
ca_certificates = ["/etc/ssl/certs/ca-certificates.crt"]

[home]
volume = "sandcage-test-home"

[network]
mode = "$mode"
allow = ["allowed.test"]

[services.claude]
enabled = false
[services.codex]
enabled = false
[services.gemini]
enabled = false
TOML
done
export SANDCAGE_PROXY_NETWORK=$UPNET
cd "$WORK/repo"
sc() { SANDCAGE_HOME=$WORK/$1 "$SANDCAGE" -q "${@:2}"; }
IMAGE=$(sc open build)
# The proxy's image too, and a first sidecar, outside the measurements.
sc allowlist shell -- true </dev/null

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The median of column $1 of the lines in $2.
med_col() { awk -v c="$1" '{print $c}' <<<"$2" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v s="$1" 'BEGIN {printf "%.1f ms", s * 1000}'; }
proxies() { docker ps -aq --filter "label=io.sandcage.project=$WORK/repo" --filter "label=io.sandcage.role=proxy"; }
wait_no_proxy() {
	for _ in $(seq 1 100); do [ -z "$(proxies)" ] && return 0; sleep 0.1; done
	echo "a proxy is left" >&2
	return 1
}

LOOP="for i in \$(seq $CURLS); do curl -sk -o /dev/null -w '%{time_connect} %{time_appconnect} %{time_total}\n' https://allowed.test/; done"
direct=$(docker run --rm --network "$UPNET" --user "$(id -u):$(id -g)" "$IMAGE" sh -c "$LOOP")
proxied=$(sc allowlist shell -- sh -c "$LOOP" </dev/null)
wait_no_proxy

open_t=() allow_t=() shared_t=()
now() { date +%s.%N; }
for ((i = 0; i < STARTS; i++)); do
	t0=$(now)
	sc open shell -- true </dev/null
	t1=$(now)
	sc allowlist shell -- true </dev/null
	t2=$(now)
	open_t+=("$(echo "$t1 - $t0" | bc)")
	allow_t+=("$(echo "$t2 - $t1" | bc)")
	wait_no_proxy # the last session's reaper removes the sidecar in the background
done
SANDCAGE_HOME=$WORK/allowlist "$SANDCAGE" -q shell -- sleep 600 </dev/null >/dev/null 2>&1 &
BG=$!
for _ in $(seq 1 100); do [ -n "$(proxies)" ] && break; sleep 0.1; done
sleep 1
for ((i = 0; i < STARTS; i++)); do
	t0=$(now)
	sc allowlist shell -- true </dev/null
	t1=$(now)
	shared_t+=("$(echo "$t1 - $t0" | bc)")
done

echo "connection to an HTTPS server on this machine, median of $CURLS:"
for which in direct proxied; do
	label=direct
	[ "$which" = direct ] || label="through the proxy"
	printf '  %-18s connect %-10s tls %-10s total %s\n' "$label" \
		"$(ms "$(med_col 1 "${!which}")")" "$(ms "$(med_col 2 "${!which}")")" \
		"$(ms "$(med_col 3 "${!which}")")"
done
dt=$(med_col 3 "$direct")
pt=$(med_col 3 "$proxied")
echo "  the proxy adds     $(ms "$(echo "$pt - $dt" | bc)") per connection (total)"
echo "sandcage shell -- true, median of $STARTS:"
mo=$(median "${open_t[@]}")
ma=$(median "${allow_t[@]}")
msh=$(median "${shared_t[@]}")
echo "  open                     $(ms "$mo")"
echo "  allowlist (new sidecar)  $(ms "$ma")  (+$(ms "$(echo "$ma - $mo" | bc)"))"
echo "  allowlist (shared)       $(ms "$msh")  (+$(ms "$(echo "$msh - $mo" | bc)"))"
