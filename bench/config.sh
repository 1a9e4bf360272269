#!/usr/bin/env bash
# What loading the configuration costs, on a three-layer setup (global TOML,
# project YAML, local YAML, with appends, services, mounts and CA files):
#   - the median wall time of `sandcage config -p FIXTURE` (a whole process:
#     start, workspace, load, render, print);
#   - sc_config_load in-process, 1000 times (bench-config), the per-load time.
# Target: under 5 ms per load.
#
#   bench/config.sh [RUNS]     (default 51; SANDCAGE and BENCH_CONFIG name the
#                               binaries, default build/sandcage, build/bench-config)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-51}
SANDCAGE=${SANDCAGE:-build/sandcage}
BENCH_CONFIG=${BENCH_CONFIG:-build/bench-config}

# Outside any git repository, so that the fixture is its own workspace root.
fix=$(mktemp -d /tmp/sandcage-bench-config.XXXXXX)
trap 'rm -rf "$fix"' EXIT
mkdir -p "$fix/home/certs" "$fix/project/docker" "$fix/project/data"
echo "not a real certificate" >"$fix/home/certs/corp.pem"
echo "FROM debian:bookworm-slim" >"$fix/project/docker/Dockerfile"

cat >"$fix/home/config.toml" <<'TOML'
# global
engine = "docker"
env_passthrough = ["GITHUB_TOKEN", "HTTPS_PROXY"]

[image]
base = "debian:bookworm-slim"
ca_certificates = ["certs/corp.pem"]

[toolchains]
node = "22"

[resources]
memory = "8g"
cpus = 4

[services.codex]
enabled = true

[services.aider]
command = "aider"
install = ["pip install --break-system-packages aider-chat"]
env = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]
TOML

cat >"$fix/project/.sandcage.yml" <<'YAML'
# project
toolchains:
  python: "3.12"
  go: "1.22"
packages: [git, ripgrep, jq, build-essential, "curl=7.88.1-10+deb12u5"]
env:
  RUST_LOG: info
  RETRIES: 3
mounts:
  - source: ./data
    target: /data
    readonly: true
network:
  mode: allowlist
  allow: [registry.npmjs.org, "*.github.com", pypi.org]
services:
  claude:
    args: [--verbose]
    domains: [api.anthropic.com]
  my-agent:
    command: [node, /opt/agent/index.js]
    env: [MY_AGENT_KEY]
YAML

cat >"$fix/project/.sandcage.local.yml" <<'YAML'
# local
packages+: [fd-find, bat]
resources:
  memory: 4g
services:
  gemini:
    enabled: true
  claude:
    env+: [CLAUDE_EXTRA]
YAML

export SANDCAGE_HOME="$fix/home"
"$SANDCAGE" config -p "$fix/project" >/dev/null # fails loudly on a bad fixture

# $EPOCHREALTIME (microseconds) rather than $(date): no extra process inside
# the measurement.
times=()
for ((i = 0; i < RUNS; i++)); do
	t0=${EPOCHREALTIME/[.,]/}
	"$SANDCAGE" config -p "$fix/project" >/dev/null
	t1=${EPOCHREALTIME/[.,]/}
	times+=($((10#$t1 - 10#$t0)))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v us="$1" 'BEGIN {printf "%.2f ms", us / 1000}'; }
echo "runs: $RUNS, three layers"
echo "sandcage config -p FIXTURE (whole process): median $(ms "$(median "${times[@]}")")"
if [ -x "$BENCH_CONFIG" ]; then
	"$BENCH_CONFIG" "$fix/project" 1000
else
	echo "($BENCH_CONFIG not built: no in-process number)"
fi
