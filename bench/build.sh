#!/usr/bin/env bash
# The image: how long `sandcage build` takes when the image is up to date
# (no build: one `image inspect`), its size, and, with --cold, the time of a
# build without the engine's layer cache.
#
#   bench/build.sh [-p PROJECT] [--runs N] [--cold]
# Uses the configuration of PROJECT (default: the current directory) and
# $SANDCAGE_HOME like sandcage does.
set -euo pipefail
SANDCAGE=${SANDCAGE:-$(cd "$(dirname "$0")/.." && pwd)/build/sandcage}
project=. runs=21 cold=0
while [ $# -gt 0 ]; do
	case $1 in
	-p) project=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--cold) cold=1; shift ;;
	*) echo "usage: bench/build.sh [-p PROJECT] [--runs N] [--cold]" >&2; exit 2 ;;
	esac
done

now_ns() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

if [ "$cold" = 1 ]; then
	t0=$(now_ns)
	"$SANDCAGE" -q build -p "$project" --no-cache >/dev/null
	t1=$(now_ns)
	echo "cold build (--no-cache): $(((t1 - t0) / 1000000)) ms"
fi

tag=$("$SANDCAGE" -q build -p "$project")
times=()
for ((i = 0; i < runs; i++)); do
	t0=$(now_ns)
	"$SANDCAGE" -q build -p "$project" >/dev/null
	t1=$(now_ns)
	times+=($(((t1 - t0) / 1000)))
done
m=$(median "${times[@]}")
size=$(docker image inspect --format '{{.Size}}' "$tag")
echo "image: $tag, $((size / 1000000)) MB"
echo "no-op build (up to date), median of $runs: $(awk -v us="$m" 'BEGIN {printf "%.1f ms", us / 1000}')"
