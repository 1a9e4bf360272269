#!/usr/bin/env bash
# What the credential proxy adds to one request, measured in one run: inside
# ONE session container, PAIRS alternating pairs of
#   (a) curl through the proxy: $API_URL/v1/models with the placeholder (the
#       sidecar swaps in the key and talks TLS to the upstream), and
#   (b) curl straight to https://upstream.test/v1/models, trusting the test CA;
# the upstream is the fake model API (tests/integration/data/fake-upstream.py)
# under a certificate of a fresh test CA. Prints the medians of curl's
# time_total, their difference, and the 90th percentiles.
#
# Fairness: both requests leave the same container, one after the other, so
# they share the machine's load of the moment. For (b) the upstream container
# is connected to the session's project network (with the alias
# upstream.test) while the session runs: the direct request then crosses one
# bridge, as the agent's request to the sidecar does; the proxied one
# crosses a second (the sidecar reaches the upstream on the test network, as
# in tests/integration/credentials.bats). Every curl is a new process and a
# new connection in both cases (the proxy keeps no connection to the
# upstream either).
# Everything stays on this machine. Needs the local base image and the
# upstream test image (tests/integration/images/upstream.Dockerfile).
#
#   bench/credproxy.sh [PAIRS]      default 21
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PAIRS=${1:-21}
SANDCAGE=${SANDCAGE:-$ROOT/build/sandcage}
BASE_IMAGE=${SANDCAGE_TEST_BASE:-sandcage-test/base:bookworm}
UPSTREAM_IMAGE=sandcage-test/upstream:bookworm
KEY=sk-bench-real-0123456789abcdef
unset SANDCAGE_IMAGE

WORK=$(mktemp -d)
WORK=$(cd "$WORK" && pwd -P)
UPNET=sandcage-bench-credup-$$
UPSTREAM=sandcage-bench-credupstream-$$
BG=
cleanup() {
	[ -z "$BG" ] || kill -TERM "$BG" 2>/dev/null || true
	wait 2>/dev/null || true
	for _ in $(seq 1 100); do
		[ -z "$(docker ps -aq --filter "label=io.sandcage.project=$WORK/repo")" ] && break
		sleep 0.1
	done
	docker rm -f "$UPSTREAM" >/dev/null 2>&1 || true
	for n in $(docker network ls -q --filter "label=io.sandcage.project=$WORK/repo"); do
		docker network rm "$n" >/dev/null 2>&1 || true
	done
	docker network rm "$UPNET" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

DOCKER_BUILDKIT=0 docker build -q -t "$UPSTREAM_IMAGE" --build-arg "BASE=$BASE_IMAGE" \
	-f tests/integration/images/upstream.Dockerfile tests/integration/images >/dev/null
sh tests/integration/data/make-test-ca.sh "$WORK/ca" upstream.test >/dev/null
docker network create "$UPNET" >/dev/null
docker run -d --name "$UPSTREAM" --network "$UPNET" --network-alias upstream.test \
	-v "$WORK/ca:/ca:ro" -v "$ROOT/tests/integration/data:/data:ro" "$UPSTREAM_IMAGE" \
	python3 /data/fake-upstream.py --cert /ca/server.crt --key /ca/server.key --port 443 \
	>/dev/null

mkdir -p "$WORK/repo" "$WORK/home"
git -C "$WORK/repo" init -q -b main
git -C "$WORK/repo" -c user.name=b -c user.email=b@example.invalid commit -q --allow-empty -m b
# The session reads the CA from the workspace for the direct requests.
cp "$WORK/ca/ca.crt" "$WORK/repo/bench-ca.crt"
cat >"$WORK/home/config.toml" <<TOML
packages = ["curl"]

[image]
base = "$BASE_IMAGE"
ca_certificates = ["/etc/ssl/certs/ca-certificates.crt"]

[home]
volume = "sandcage-test-home"

[network]
mode = "open"

[credentials]
ca_file = "$WORK/ca/ca.crt"

[services.claude]
enabled = false
[services.codex]
enabled = false
[services.gemini]
enabled = false
[services.api]
command = ["true"]
credentials = [
  { env = "TEST_KEY", header = "x-test-key", upstream = "https://upstream.test", url_env = "API_URL" },
]
TOML
export SANDCAGE_HOME=$WORK/home SANDCAGE_PROXY_NETWORK=$UPNET TEST_KEY=$KEY
cd "$WORK/repo"
# The image outside the measurements.
"$SANDCAGE" -q build >/dev/null

# In the session: wait for the direct route, warm both paths once, then the
# pairs; one line per pair: code, total, connect and TLS-done times (seconds)
# of the proxied request, then of the direct one.
# shellcheck disable=SC2016 # expanded in the session
SCRIPT='
set -e
for i in $(seq 600); do
	curl -s -o /dev/null --cacert bench-ca.crt https://upstream.test/v1/models && break
	sleep 0.1
done
curl -sS -o /dev/null -H "x-test-key: $TEST_KEY" "$API_URL/v1/models"
curl -sS -o /dev/null --cacert bench-ca.crt https://upstream.test/v1/models
for i in $(seq "$0"); do
	p=$(curl -sS -o /dev/null -w "%{http_code} %{time_total} %{time_connect} %{time_appconnect}" -H "x-test-key: $TEST_KEY" "$API_URL/v1/models")
	d=$(curl -sS -o /dev/null -w "%{http_code} %{time_total} %{time_connect} %{time_appconnect}" --cacert bench-ca.crt https://upstream.test/v1/models)
	echo "$p $d"
done'
"$SANDCAGE" -q shell -- sh -c "$SCRIPT" "$PAIRS" </dev/null >"$WORK/out" 2>"$WORK/err" &
BG=$!
net=
for _ in $(seq 1 600); do
	net=$(docker network ls -q --filter "label=io.sandcage.project=$WORK/repo" | head -1)
	[ -z "$net" ] || break
	sleep 0.1
done
[ -n "$net" ] || {
	cat "$WORK/err" >&2
	echo "no project network" >&2
	exit 1
}
docker network connect --alias upstream.test "$net" "$UPSTREAM"
wait "$BG" || {
	cat "$WORK/err" >&2
	exit 1
}
BG=

# Columns: proxied code, total, connect, TLS; direct code, total, connect, TLS.
if awk '$1 != 200 || $5 != 200 {bad = 1} END {exit !bad}' "$WORK/out"; then
	echo "a request failed:" >&2
	cat "$WORK/out" >&2
	exit 1
fi
[ "$(wc -l <"$WORK/out")" -eq "$PAIRS" ] || {
	echo "expected $PAIRS pairs:" >&2
	cat "$WORK/out" "$WORK/err" >&2
	exit 1
}
# The value at rank ceil(q * N) of column $1.
# Column 9: the direct request's TLS handshake (TLS done - connect).
quant() { awk '{print $0, $8 - $7}' "$WORK/out" | awk -v c="$1" '{print $c}' | sort -n | awk -v q="$2" \
	'{a[NR]=$1} END {r = int(q * NR); if (r < q * NR) r++; if (r < 1) r = 1; print a[r]}'; }
ms() { awk -v s="$1" 'BEGIN {printf "%.2f ms", s * 1000}'; }
pm=$(quant 2 0.5)
dm=$(quant 6 0.5)
echo "one request to the fake upstream (GET /v1/models), $PAIRS alternating pairs in one session:"
printf '  %-18s median %-10s p90 %s\n' "through the proxy" "$(ms "$pm")" "$(ms "$(quant 2 0.9)")"
printf '  %-18s median %-10s p90 %s\n' "direct" "$(ms "$dm")" "$(ms "$(quant 6 0.9)")"
echo "  the proxy adds     $(ms "$(echo "$pm - $dm" | bc)") (difference of the medians)"
# Why it can be negative: the agent speaks plain HTTP to the sidecar, which
# keeps the upstream's TLS sessions (nginx's proxy_ssl_session_reuse) while
# every direct curl makes a full handshake of its own.
echo "  (the direct request's own TLS handshake: median $(ms "$(quant 9 0.5)"))"
