#!/usr/bin/env bash
# What sandcage adds to starting a container: the median wall time of a
# sandcage command against `docker run` with the very same arguments (taken
# from sandcage's own --verbose output), run alternately.
#
#   bench/shell.sh [RUNS] [SANDCAGE ARGS...]
#     default: 21 runs of `shell -- true` with $SANDCAGE_IMAGE (default
#     sandcage-test/tools:bookworm); e.g. `bench/shell.sh 11 claude -- --version`
#     (set SANDCAGE_IMAGE= to use the configured image).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-21}
shift || true
[ $# -gt 0 ] || set -- shell -- true
SANDCAGE=${SANDCAGE:-build/sandcage}
export SANDCAGE_IMAGE=${SANDCAGE_IMAGE-sandcage-test/tools:bookworm}

now_ns() { date +%s%N; }

# The exact argv sandcage hands to docker, one argument per line.
mapfile -t ARGV < <("$SANDCAGE" -v "$@" 2>&1 >/dev/null </dev/null |
	sed -n 's/^sandcage: debug: exec: //p' | tr ' ' '\n')
[ "${#ARGV[@]}" -gt 3 ] || { echo "could not read sandcage's docker argv" >&2; exit 1; }

sc=() dk=()
for ((i = 0; i < RUNS; i++)); do
	t0=$(now_ns)
	"$SANDCAGE" -q "$@" </dev/null >/dev/null
	t1=$(now_ns)
	args=()
	for a in "${ARGV[@]}"; do
		case $a in --name=*) a="--name=sandcage-bench-$i-$$" ;; esac
		args+=("$a")
	done
	"${args[@]}" </dev/null >/dev/null
	t2=$(now_ns)
	sc+=($(((t1 - t0) / 1000)))
	dk+=($(((t2 - t1) / 1000)))
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v us="$1" 'BEGIN {printf "%.1f ms", us / 1000}'; }
msc=$(median "${sc[@]}")
mdk=$(median "${dk[@]}")
echo "runs: $RUNS (image $SANDCAGE_IMAGE)"
echo "sandcage $*: median $(ms "$msc")"
echo "docker run, same argv:  median $(ms "$mdk")"
echo "sandcage adds:          $(ms $((msc - mdk)))"
