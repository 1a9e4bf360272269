#!/usr/bin/env bash
# What sandcage itself costs on a session's start path, in instructions
# (valgrind's callgrind counts them: the same for the same binary and input,
# whatever else the machine is doing). Counts only sandcage's own process,
# not the engine CLI it starts or the daemon.
#
#   bench/instructions.sh [-p PROJECT] [--image IMAGE] [BINARY...]
# Each BINARY (default: build/sandcage) runs `build` (the image is up to
# date: one look-up) and `shell --image IMAGE -- true` in PROJECT (default:
# the current directory) with $SANDCAGE_HOME as it is.
set -euo pipefail
project=. image=${SANDCAGE_TEST_BASE:-sandcage-test/base:bookworm}
bins=()
while [ $# -gt 0 ]; do
	case $1 in
	-p) project=$2; shift 2 ;;
	--image) image=$2; shift 2 ;;
	-*) echo "usage: bench/instructions.sh [-p PROJECT] [--image IMAGE] [BINARY...]" >&2; exit 2 ;;
	*) bins+=("$1"); shift ;;
	esac
done
[ ${#bins[@]} -gt 0 ] || bins=("$(cd "$(dirname "$0")/.." && pwd)/build/sandcage")
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count() {
	local pid
	valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" "$@" >/dev/null 2>"$out/err" &
	pid=$!
	wait "$pid" || true
	# sandcage's own process, not the cleanup process it forks.
	awk '/^(summary|totals):/ {print $2; exit}' "$out/cg.$pid"
}
for bin in "${bins[@]}"; do
	(
		cd "$project"
		printf '%s\n' "$bin"
		printf '  build (up to date)        %12s instructions\n' "$(count "$bin" -q build)"
		printf '  shell --image -- true     %12s instructions\n' \
			"$(count "$bin" -q shell --image "$image" -- true)"
	)
done
